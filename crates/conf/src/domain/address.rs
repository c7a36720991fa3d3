//! Device addresses (`<address type=...>`): PCI, drive, USB ports, virtio-serial, CCID and the others, read and printed.

use super::format::fmt_on_off;
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// How deep USB port paths go: the root hub and up to three hubs below it
/// (`VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH`).
pub const USB_MAX_PORT_DEPTH: usize = 4;

/// Ports of a USB hub libvirt adds or the XML gives (`VIR_DOMAIN_USB_HUB_PORTS`).
pub const USB_HUB_PORTS: u32 = 8;

/// A USB port path: `port='1.2'` is port 2 of the hub on port 1 of the controller's root hub.
/// Ports count from 1; the levels after the last one used are 0, and a path whose first level
/// is 0 is unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct UsbPort(pub [u32; USB_MAX_PORT_DEPTH]);

impl UsbPort {
    /// A path of one level: a port of the root hub.
    pub fn root(port: u32) -> Self {
        let mut p = [0; USB_MAX_PORT_DEPTH];
        p[0] = port;
        UsbPort(p)
    }

    /// Whether a port is given (`virDomainUSBAddressPortIsValid`).
    pub fn is_set(&self) -> bool {
        self.0[0] != 0
    }

    /// The levels in use, from the root hub down.
    pub fn levels(&self) -> &[u32] {
        let n = self
            .0
            .iter()
            .position(|p| *p == 0)
            .unwrap_or(USB_MAX_PORT_DEPTH);
        &self.0[..n]
    }

    /// Parse libvirt's dotted form: up to [`USB_MAX_PORT_DEPTH`] decimal numbers separated by
    /// dots. `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let mut p = [0; USB_MAX_PORT_DEPTH];
        let mut parts = s.split('.');
        for slot in p.iter_mut() {
            let Some(part) = parts.next() else {
                return Some(UsbPort(p));
            };
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = part.parse().ok()?;
        }
        match parts.next() {
            None => Some(UsbPort(p)),
            Some(_) => None,
        }
    }
}

impl std::fmt::Display for UsbPort {
    /// The dotted form (`1.2`), as libvirt prints it and QEMU's USB `port` property takes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.levels().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// A device address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    /// `type='pci'`.
    Pci(PciAddress),
    /// `<address type='drive' controller bus target unit>`
    Drive {
        /// The controller's index.
        controller: u32,
        /// The bus of the controller.
        bus: u32,
        /// The target on the bus.
        target: u32,
        /// The unit of the target.
        unit: u32,
    },
    /// `<address type='virtio-serial' controller bus port>`
    VirtioSerial {
        /// The virtio-serial controller's index.
        controller: u32,
        /// The bus of the controller.
        bus: u32,
        /// The port on the bus.
        port: u32,
    },
    /// `<address type='usb' bus port>`; the port may be unset (`port[0] == 0`), which asks
    /// for one on that bus.
    Usb {
        /// The USB bus (the controller's index).
        bus: u32,
        /// The port path on that bus.
        port: UsbPort,
    },
    /// `<address type='ccid' controller slot>`
    Ccid {
        /// The CCID controller's index.
        controller: u32,
        /// The slot on the controller.
        slot: u32,
    },
    /// `<address type='isa' iobase irq>`
    Isa {
        /// `iobase=`.
        iobase: Option<u32>,
        /// `irq=`.
        irq: Option<u32>,
    },
    /// `<address type='dimm' slot base>`
    Dimm {
        /// The DIMM slot.
        slot: u32,
        /// `base=`: the guest physical address.
        base: Option<u64>,
    },
}

pub(super) fn parse_address(n: Node<'_, '_>) -> Result<Option<Address>> {
    let Some(a) = child(n, "address") else {
        return Ok(None);
    };
    match a.attribute("type") {
        Some("pci") => {
            let get = |k: &str| -> Result<u32> {
                match a.attribute(k) {
                    None => Ok(0),
                    Some(v) => parse_u64(v)
                        .and_then(|x| u32::try_from(x).ok())
                        .ok_or_else(|| {
                            ConfError::Internal(format!("Cannot parse <address> '{k}' attribute"))
                        }),
                }
            };
            let p = PciAddress {
                domain: get("domain")?,
                bus: get("bus")?,
                slot: get("slot")?,
                function: get("function")?,
                multifunction: on_off(a, "multifunction")?,
            };
            if p.domain > 0xffff || p.bus > 0xff || p.slot > 0x1f || p.function > 7 {
                return Err(ConfError::Xml("Invalid PCI address".into()));
            }
            Ok(Some(Address::Pci(p)))
        }
        Some("drive") => {
            let get = |k: &str| -> Result<u32> { Ok(uint_attr(a, k)?.unwrap_or(0)) };
            Ok(Some(Address::Drive {
                controller: get("controller")?,
                bus: get("bus")?,
                target: get("target")?,
                unit: get("unit")?,
            }))
        }
        Some("usb") => {
            let bus = uint_attr(a, "bus")?.unwrap_or(0);
            // no port asks for one on the bus
            let port = match a.attribute("port") {
                None => UsbPort::default(),
                Some(p) => UsbPort::parse(p).ok_or_else(|| {
                    ConfError::Xml("Cannot parse <address> 'port' attribute".into())
                })?,
            };
            Ok(Some(Address::Usb { bus, port }))
        }
        Some("ccid") => Ok(Some(Address::Ccid {
            controller: uint_attr(a, "controller")?.unwrap_or(0),
            slot: uint_attr(a, "slot")?.unwrap_or(0),
        })),
        Some("isa") => {
            let hex = |k: &str| -> Result<Option<u32>> {
                match a.attribute(k) {
                    None => Ok(None),
                    Some(v) => v
                        .strip_prefix("0x")
                        .map_or_else(
                            || v.parse::<u32>().ok(),
                            |h| u32::from_str_radix(h, 16).ok(),
                        )
                        .map(Some)
                        .ok_or_else(|| bad_attr(a, k, v)),
                }
            };
            Ok(Some(Address::Isa {
                iobase: hex("iobase")?,
                irq: hex("irq")?,
            }))
        }
        Some("dimm") => {
            let base = match a.attribute("base") {
                None => None,
                Some(b) => Some(
                    b.strip_prefix("0x")
                        .map_or_else(
                            || b.parse::<u64>().ok(),
                            |h| u64::from_str_radix(h, 16).ok(),
                        )
                        .ok_or_else(|| bad_attr(a, "base", b))?,
                ),
            };
            Ok(Some(Address::Dimm {
                slot: uint_attr(a, "slot")?.unwrap_or(0),
                base,
            }))
        }
        Some("virtio-serial") => {
            let get = |k: &str| -> Result<u32> { Ok(uint_attr(a, k)?.unwrap_or(0)) };
            Ok(Some(Address::VirtioSerial {
                controller: get("controller")?,
                bus: get("bus")?,
                port: get("port")?,
            }))
        }
        Some(t) => Err(ConfError::NotImplemented(format!("address type '{t}'"))),
        None => Ok(None),
    }
}

pub(super) fn format_address(w: &mut Writer, a: &Option<Address>) {
    match a {
        None => {}
        Some(Address::VirtioSerial {
            controller,
            bus,
            port,
        }) => w.empty(
            "address",
            &[
                ("type", "virtio-serial".into()),
                ("controller", controller.to_string()),
                ("bus", bus.to_string()),
                ("port", port.to_string()),
            ],
        ),
        Some(Address::Ccid { controller, slot }) => w.empty(
            "address",
            &[
                ("type", "ccid".into()),
                ("controller", controller.to_string()),
                ("slot", slot.to_string()),
            ],
        ),
        Some(Address::Isa { iobase, irq }) => {
            let mut a = vec![("type", "isa".to_owned())];
            if let Some(b) = iobase {
                a.push(("iobase", format!("0x{b:x}")));
            }
            if let Some(i) = irq {
                a.push(("irq", format!("0x{i:x}")));
            }
            w.empty("address", &a)
        }
        Some(Address::Dimm { slot, base }) => {
            let mut a = vec![("type", "dimm".to_owned()), ("slot", slot.to_string())];
            if let Some(b) = base {
                a.push(("base", format!("0x{b:x}")));
            }
            w.empty("address", &a)
        }
        Some(Address::Usb { bus, port }) => {
            let mut a = vec![("type", "usb".to_owned()), ("bus", bus.to_string())];
            if port.is_set() {
                a.push(("port", port.to_string()));
            }
            w.empty("address", &a)
        }
        Some(Address::Drive {
            controller,
            bus,
            target,
            unit,
        }) => w.empty(
            "address",
            &[
                ("type", "drive".into()),
                ("controller", controller.to_string()),
                ("bus", bus.to_string()),
                ("target", target.to_string()),
                ("unit", unit.to_string()),
            ],
        ),
        Some(Address::Pci(p)) => {
            let mut a = vec![
                ("type", "pci".to_string()),
                ("domain", format!("0x{:04x}", p.domain)),
                ("bus", format!("0x{:02x}", p.bus)),
                ("slot", format!("0x{:02x}", p.slot)),
                ("function", format!("0x{:x}", p.function)),
            ];
            if let Some(m) = p.multifunction {
                a.push(("multifunction", fmt_on_off(m)));
            }
            w.empty("address", &a);
        }
    }
}
