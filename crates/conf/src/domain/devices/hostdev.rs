//! `<hostdev>`: PCI and USB host devices, their type, parser and canonical form.

use super::*;

/// `<hostdev mode='subsystem' type='pci'|'usb'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostdev {
    /// `managed=`: libvirt detaches the device from its host driver and back.
    pub managed: bool,
    /// `<driver name=>` of a PCI device (`vfio`).
    pub driver: Option<String>,
    /// The host device.
    pub source: HostdevSource,
    /// `startupPolicy=` of a USB source.
    pub startup_policy: Option<String>,
    /// `<boot order=>`.
    pub boot_order: Option<u32>,
    /// `<rom bar=>`.
    pub rom_bar: Option<bool>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on the guest's bus.
    pub address: Option<Address>,
}

/// The host device of a `<hostdev>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostdevSource {
    /// `type='pci'`: the host PCI address.
    Pci(PciAddress),
    /// `<vendor id=>`, `<product id=>` and `<address bus= device=>`.
    Usb {
        /// `<vendor id=>`.
        vendor: Option<u32>,
        /// `<product id=>`.
        product: Option<u32>,
        /// `<address bus= device=>`.
        bus_device: Option<(u32, u32)>,
    },
}

/// A host PCI address (`<address domain= bus= slot= function=>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PciAddress {
    /// `domain=`.
    pub domain: u32,
    /// `bus=`.
    pub bus: u32,
    /// `slot=`.
    pub slot: u32,
    /// `function=`.
    pub function: u32,
    /// `multifunction=`.
    pub multifunction: Option<bool>,
}

/// A host PCI address (`<source><address domain= bus= slot= function=>`).
pub(super) fn parse_host_pci_address(a: Node<'_, '_>) -> Result<PciAddress> {
    let get = |k: &str| -> Result<u32> {
        match a.attribute(k) {
            None => Ok(0),
            Some(v) => v
                .strip_prefix("0x")
                .map_or_else(
                    || v.parse::<u32>().ok(),
                    |h| u32::from_str_radix(h, 16).ok(),
                )
                .ok_or_else(|| ConfError::Xml(format!("Cannot parse <address> '{k}' attribute"))),
        }
    };
    let p = PciAddress {
        domain: get("domain")?,
        bus: get("bus")?,
        slot: get("slot")?,
        function: get("function")?,
        multifunction: None,
    };
    if p.domain > 0xffff || p.bus > 0xff || p.slot > 0x1f || p.function > 7 {
        return Err(ConfError::Xml("Invalid PCI address".into()));
    }
    Ok(p)
}

pub(super) fn hex_id(n: Node<'_, '_>) -> Result<u32> {
    let v = n.attribute("id").unwrap_or("");
    v.strip_prefix("0x")
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .or_else(|| v.parse::<u32>().ok())
        .filter(|x| *x <= 0xffff)
        .ok_or_else(|| ConfError::Xml(format!("cannot parse {} id '{v}'", n.tag_name().name())))
}

pub(super) fn parse_hostdev(n: Node<'_, '_>, live: bool) -> Result<Hostdev> {
    if n.attribute("mode").is_some_and(|m| m != "subsystem") {
        return Err(ConfError::NotImplemented(
            "hostdev mode other than subsystem".into(),
        ));
    }
    let managed = match n.attribute("managed") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(v) => return Err(bad_attr(n, "managed", v)),
    };
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(
            c.tag_name().name(),
            "driver" | "source" | "boot" | "rom" | "alias" | "address"
        ) {
            return Err(ConfError::NotImplemented(format!(
                "<hostdev><{}>",
                c.tag_name().name()
            )));
        }
    }
    let src = child(n, "source")
        .ok_or_else(|| ConfError::Xml("Missing <source> element in hostdev device".into()))?;
    let (source, startup_policy) = match n.attribute("type") {
        Some("pci") => {
            let a = child(src, "address").ok_or_else(|| {
                ConfError::Xml("PCI host devices must use 'pci' address type".into())
            })?;
            (HostdevSource::Pci(parse_host_pci_address(a)?), None)
        }
        Some("usb") => {
            let vendor = child(src, "vendor").map(hex_id).transpose()?;
            let product = child(src, "product").map(hex_id).transpose()?;
            let bus_device = match child(src, "address") {
                None => None,
                Some(a) => Some((
                    uint_attr(a, "bus")?.unwrap_or(0),
                    uint_attr(a, "device")?.unwrap_or(0),
                )),
            };
            if vendor.is_some() != product.is_some() {
                return Err(ConfError::Xml("missing vendor or product".into()));
            }
            let policy = match src.attribute("startupPolicy") {
                None => None,
                Some(p @ ("mandatory" | "requisite" | "optional")) => Some(p.to_owned()),
                Some(p) => {
                    return Err(ConfError::Xml(format!("Unknown startup policy '{p}'")));
                }
            };
            (
                HostdevSource::Usb {
                    vendor,
                    product,
                    bus_device,
                },
                policy,
            )
        }
        Some(t) => return Err(ConfError::NotImplemented(format!("hostdev type '{t}'"))),
        None => return Err(ConfError::Xml("missing source address type".into())),
    };
    let driver = match child(n, "driver").and_then(|d| d.attribute("name")) {
        None => None,
        Some("vfio") => Some("vfio".to_owned()),
        Some(d) => return Err(ConfError::NotImplemented(format!("hostdev driver '{d}'"))),
    };
    let rom_bar = match child(n, "rom") {
        None => None,
        Some(r) => {
            if r.attributes().any(|a| a.name() != "bar") {
                return Err(ConfError::NotImplemented("this <rom>".into()));
            }
            on_off(r, "bar")?
        }
    };
    let boot_order = match child(n, "boot") {
        None => None,
        Some(b) => Some(uint_attr(b, "order")?.filter(|o| *o > 0).ok_or_else(|| {
            ConfError::Internal("incorrect boot order '', expecting positive integer".into())
        })?),
    };
    Ok(Hostdev {
        managed,
        driver,
        source,
        startup_policy,
        boot_order,
        rom_bar,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

pub(super) fn format_hostdev(w: &mut Writer, h: &Hostdev, cx: Ctx) {
    let kind = match h.source {
        HostdevSource::Pci(_) => "pci",
        HostdevSource::Usb { .. } => "usb",
    };
    w.open(
        "hostdev",
        &[
            ("mode", "subsystem".into()),
            ("type", kind.into()),
            ("managed", fmt_yes_no(h.managed)),
        ],
    );
    if let Some(d) = &h.driver {
        w.empty("driver", &[("name", d.clone())]);
    }
    let mut sa = Vec::new();
    if let Some(p) = &h.startup_policy {
        sa.push(("startupPolicy", p.clone()));
    }
    w.open("source", &sa);
    match &h.source {
        HostdevSource::Pci(p) => w.empty(
            "address",
            &[
                ("domain", format!("0x{:04x}", p.domain)),
                ("bus", format!("0x{:02x}", p.bus)),
                ("slot", format!("0x{:02x}", p.slot)),
                ("function", format!("0x{:x}", p.function)),
            ],
        ),
        HostdevSource::Usb {
            vendor,
            product,
            bus_device,
        } => {
            if let Some(v) = vendor {
                w.empty("vendor", &[("id", format!("0x{v:04x}"))]);
            }
            if let Some(p) = product {
                w.empty("product", &[("id", format!("0x{p:04x}"))]);
            }
            if let Some((b, d)) = bus_device {
                w.empty(
                    "address",
                    &[("bus", b.to_string()), ("device", d.to_string())],
                );
            }
        }
    }
    w.close("source");
    if let Some(o) = h.boot_order {
        w.empty("boot", &[("order", o.to_string())]);
    }
    if let Some(b) = h.rom_bar {
        w.empty("rom", &[("bar", fmt_on_off(b))]);
    }
    cx.alias(w, &h.alias);
    format_address(w, &h.address);
    w.close("hostdev");
}
