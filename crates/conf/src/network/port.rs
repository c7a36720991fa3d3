//! Network port XML (`<networkport>`): what a hypervisor driver asks the network driver to
//! plug, and the answer (the bridge, device or PCI function the port is plugged into), as
//! libvirt's `virnetworkportdef.c` reads and prints it.

use super::error::{from_conf, NetError, Result};
use super::format::{format_bandwidth, format_virtualport, format_vlan};
use super::parse::{parse_bandwidth, parse_virtualport, parse_vlan};
use super::{parse_mac, Bandwidth, MacTableManager, VirtualPort, Vlan};
use crate::domain::{mac_string, parse_uuid, uuid_string};
use crate::xml::Writer;

/// How the port is plugged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Plug {
    #[default]
    /// No `<plug>`: nothing plugged yet.
    None,
    /// A TAP on the network's own bridge (`type='network'`).
    Network {
        /// `bridge`: the bridge's name.
        bridge: String,
        /// `macTableManager`: who manages the bridge's forwarding table.
        mac_table_manager: Option<MacTableManager>,
    },
    /// A TAP on an existing host bridge (`type='bridge'`).
    Bridge {
        /// `bridge`: the bridge's name.
        bridge: String,
        /// `macTableManager`: who manages the bridge's forwarding table.
        mac_table_manager: Option<MacTableManager>,
    },
    /// A macvtap on a host device (`type='direct'`); `mode` is the macvlan mode.
    Direct {
        /// `dev`: the host device.
        dev: String,
        /// `mode`: the macvlan mode (`vepa`, `bridge`, `private`, `passthrough`).
        mode: String,
    },
    /// An SR-IOV function (`type='hostdev-pci'`).
    HostdevPci {
        /// `managed`: whether the function is detached from its host driver by libvirt.
        managed: Option<bool>,
        /// `<driver name>`: the host driver it is given to (`vfio`).
        driver: Option<String>,
        /// `<address>`: PCI domain, bus, slot, function
        addr: (u32, u32, u32, u32),
    },
}

/// A network port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkPort {
    /// `<uuid>`: the port's UUID.
    pub uuid: [u8; 16],
    /// `<owner><name>`: the domain that uses the port.
    pub owner_name: String,
    /// `<owner><uuid>`: its UUID.
    pub owner_uuid: [u8; 16],
    /// The portgroup.
    pub group: Option<String>,
    /// `<mac address>`: the guest NIC's MAC address.
    pub mac: [u8; 6],
    /// `<virtualport>`: the switch port profile.
    pub virtualport: Option<VirtualPort>,
    /// `<bandwidth>`: the port's quality of service.
    pub bandwidth: Option<Bandwidth>,
    /// The traffic-control class of the port's floor (`<bandwidth classID>`).
    pub class_id: u32,
    /// `<vlan>`: the port's VLAN tags.
    pub vlan: Vlan,
    /// `<port isolated>`: isolated from the other ports.
    pub isolated_port: Option<bool>,
    /// `<rxfilters trustGuest>`: the guest's filter changes are trusted.
    pub trust_guest_rx_filters: Option<bool>,
    /// `<plug>`: how the port reaches the network (a bridge, a device, a PCI function).
    pub plug: Plug,
}

const MACVLAN_MODES: &[&str] = &["vepa", "private", "bridge", "passthrough"];

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: Option<roxmltree::Node<'_, '_>>) -> Option<String> {
    let t: String = n?
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    (!t.is_empty()).then_some(t)
}

fn tristate(n: roxmltree::Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(NetError::XmlGeneric(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'.",
            n.tag_name().name()
        ))),
    }
}

fn mac_table_manager(n: roxmltree::Node<'_, '_>) -> Result<Option<MacTableManager>> {
    match n.attribute("macTableManager") {
        None => Ok(None),
        Some("kernel") => Ok(Some(MacTableManager::Kernel)),
        Some("libvirt") => Ok(Some(MacTableManager::Libvirt)),
        Some(m) => Err(NetError::Xml(format!(
            "Invalid macTableManager setting '{m}' in network port"
        ))),
    }
}

fn pci_number(s: Option<&str>) -> Option<u32> {
    let s = s.unwrap_or("0");
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Parse a `<networkport>` document (`virNetworkPortDefParseString`).
pub fn parse(xml: &str) -> Result<NetworkPort> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        from_conf(
            crate::libxml::malformed(xml, &e),
            "(networkport_definition)",
        )
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "networkport" {
        return Err(NetError::Xml(
            "unknown root element for network port".into(),
        ));
    }
    let uuid_of = |s: &str| {
        parse_uuid(s).ok_or_else(|| NetError::Internal(format!("Unable to parse UUID '{s}'")))
    };
    let uuid = text(child(root, "uuid"))
        .ok_or_else(|| NetError::Internal("network port has no uuid".into()))?;
    let owner = child(root, "owner");
    let owner_name = text(owner.and_then(|o| child(o, "name")))
        .ok_or_else(|| NetError::Internal("network port has no owner name".into()))?;
    let owner_uuid = text(owner.and_then(|o| child(o, "uuid")))
        .ok_or_else(|| NetError::Internal("network port has no owner UUID".into()))?;
    let mut port = NetworkPort {
        uuid: uuid_of(&uuid)?,
        owner_name,
        owner_uuid: uuid_of(&owner_uuid)?,
        group: text(child(root, "group")),
        ..Default::default()
    };
    if let Some(v) = child(root, "virtualport") {
        port.virtualport = Some(parse_virtualport(v, false)?);
    }
    let mac = child(root, "mac")
        .and_then(|m| m.attribute("address"))
        .filter(|m| !m.is_empty())
        .ok_or_else(|| NetError::Internal("network port has no mac".into()))?;
    port.mac =
        parse_mac(mac).ok_or_else(|| NetError::Internal(format!("Unable to parse MAC '{mac}'")))?;
    if let Some(b) = child(root, "bandwidth") {
        port.bandwidth = Some(parse_bandwidth(b, true)?);
        if let Some(c) = b.attribute("classID") {
            port.class_id = c
                .parse()
                .map_err(|_| NetError::XmlUtil(format!("Unable to parse class id '{c}'")))?;
        }
    }
    if let Some(v) = child(root, "vlan") {
        port.vlan = parse_vlan(v)?;
    }
    if let Some(p) = child(root, "port") {
        port.isolated_port = tristate(p, "isolated")?;
    }
    if let Some(r) = child(root, "rxfilters") {
        port.trust_guest_rx_filters = tristate(r, "trustGuest")?;
    }
    if let Some(p) = child(root, "plug") {
        port.plug = match p.attribute("type") {
            None | Some("none") => Plug::None,
            Some(t @ ("network" | "bridge")) => {
                let bridge = p
                    .attribute("bridge")
                    .ok_or_else(|| NetError::Xml("Missing network port bridge name".into()))?
                    .to_owned();
                let mac_table_manager = mac_table_manager(p)?;
                if t == "network" {
                    Plug::Network {
                        bridge,
                        mac_table_manager,
                    }
                } else {
                    Plug::Bridge {
                        bridge,
                        mac_table_manager,
                    }
                }
            }
            Some("direct") => {
                let dev = p
                    .attribute("dev")
                    .ok_or_else(|| NetError::Xml("Missing network port link device name".into()))?;
                let mode = p.attribute("mode").unwrap_or("vepa");
                if !MACVLAN_MODES.contains(&mode) {
                    return Err(NetError::Xml(format!(
                        "Invalid mode setting '{mode}' in network port"
                    )));
                }
                Plug::Direct {
                    dev: dev.to_owned(),
                    mode: mode.to_owned(),
                }
            }
            Some("hostdev-pci") => {
                let managed = tristate(p, "managed")?;
                let driver = match child(p, "driver").and_then(|d| d.attribute("name")) {
                    None => None,
                    Some(d @ ("kvm" | "vfio" | "xen")) => Some(d.to_owned()),
                    Some(_) => {
                        return Err(NetError::Xml("Missing network port driver name".into()))
                    }
                };
                let a = child(p, "address")
                    .ok_or_else(|| NetError::Xml("Missing network port PCI address".into()))?;
                let n = |k: &str| {
                    pci_number(a.attribute(k)).ok_or_else(|| {
                        NetError::Internal(format!("Cannot parse <address> '{k}' attribute"))
                    })
                };
                Plug::HostdevPci {
                    managed,
                    driver,
                    addr: (n("domain")?, n("bus")?, n("slot")?, n("function")?),
                }
            }
            Some(t) => {
                return Err(NetError::XmlGeneric(format!(
                    "Invalid value for attribute 'type' in element 'plug': '{t}'."
                )))
            }
        };
    }
    Ok(port)
}

impl NetworkPort {
    /// libvirt's XML for the port.
    pub fn format(&self) -> String {
        let mut w = Writer::new();
        w.open("networkport", &[]);
        w.text("uuid", &[], &uuid_string(&self.uuid));
        w.open("owner", &[]);
        w.text("name", &[], &self.owner_name);
        w.text("uuid", &[], &uuid_string(&self.owner_uuid));
        w.close("owner");
        if let Some(g) = &self.group {
            w.text("group", &[], g);
        }
        w.empty("mac", &[("address", mac_string(&self.mac))]);
        if let Some(v) = &self.virtualport {
            format_virtualport(&mut w, v);
        }
        if let Some(b) = &self.bandwidth {
            if self.class_id != 0 {
                let mut inner = Writer::new();
                format_bandwidth(&mut inner, b);
                let s = inner.finish();
                let s = s.replacen(
                    "<bandwidth>",
                    &format!("<bandwidth classID='{}'>", self.class_id),
                    1,
                );
                for line in s.lines() {
                    w.raw(&format!("{}{line}\n", " ".repeat(w.indent())));
                }
            } else {
                format_bandwidth(&mut w, b);
            }
        }
        format_vlan(&mut w, &self.vlan);
        if let Some(i) = self.isolated_port {
            w.empty("port", &[("isolated", yes_no(i))]);
        }
        if let Some(t) = self.trust_guest_rx_filters {
            w.empty("rxfilters", &[("trustGuest", yes_no(t))]);
        }
        match &self.plug {
            Plug::None => {}
            Plug::Network {
                bridge,
                mac_table_manager,
            }
            | Plug::Bridge {
                bridge,
                mac_table_manager,
            } => {
                let t = if matches!(self.plug, Plug::Network { .. }) {
                    "network"
                } else {
                    "bridge"
                };
                let mut a = vec![("type", t.to_owned()), ("bridge", bridge.clone())];
                if let Some(m) = mac_table_manager {
                    a.push(("macTableManager", m.as_str().to_owned()));
                }
                w.empty("plug", &a);
            }
            Plug::Direct { dev, mode } => w.empty(
                "plug",
                &[
                    ("type", "direct".into()),
                    ("dev", dev.clone()),
                    ("mode", mode.clone()),
                ],
            ),
            Plug::HostdevPci {
                managed,
                driver,
                addr,
            } => {
                let mut a = vec![("type", "hostdev-pci".to_owned())];
                if let Some(m) = managed {
                    a.push(("managed", yes_no(*m)));
                }
                w.open("plug", &a);
                if let Some(d) = driver {
                    w.empty("driver", &[("name", d.clone())]);
                }
                let (d, b, s, f) = addr;
                w.empty(
                    "address",
                    &[
                        ("domain", format!("0x{d:04x}")),
                        ("bus", format!("0x{b:02x}")),
                        ("slot", format!("0x{s:02x}")),
                        ("function", format!("0x{f:x}")),
                    ],
                );
                w.close("plug");
            }
        }
        w.close("networkport");
        w.finish()
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: &str = "<networkport>
  <uuid>5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d5</uuid>
  <owner>
    <name>guest</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <group>web</group>
  <mac address='52:54:00:7b:35:93'/>
  <virtualport type='openvswitch'>
    <parameters interfaceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
  </virtualport>
  <bandwidth classID='3'>
    <inbound average='1000' floor='500'/>
  </bandwidth>
  <vlan trunk='yes'>
    <tag id='42' nativeMode='untagged'/>
    <tag id='47'/>
  </vlan>
  <port isolated='yes'/>
  <rxfilters trustGuest='yes'/>
  <plug type='network' bridge='virbr0' macTableManager='libvirt'/>
</networkport>
";

    #[test]
    fn round_trips() {
        let p = parse(PORT).unwrap();
        assert_eq!(p.class_id, 3);
        assert_eq!(p.format(), PORT);
        let direct = "<networkport>\n  <uuid>5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d5</uuid>\n  <owner>\n    <name>g</name>\n    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n  </owner>\n  <mac address='52:54:00:7b:35:93'/>\n  <plug type='direct' dev='eth0' mode='vepa'/>\n</networkport>\n";
        assert_eq!(parse(direct).unwrap().format(), direct);
        let pci = "<networkport>\n  <uuid>5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d5</uuid>\n  <owner>\n    <name>g</name>\n    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n  </owner>\n  <mac address='52:54:00:7b:35:93'/>\n  <plug type='hostdev-pci' managed='yes'>\n    <driver name='vfio'/>\n    <address domain='0x0000' bus='0x03' slot='0x10' function='0x1'/>\n  </plug>\n</networkport>\n";
        assert_eq!(parse(pci).unwrap().format(), pci);
    }

    #[test]
    fn errors_like_libvirt() {
        let msg = |x: &str| {
            parse(x)
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(
            msg("<network/>"),
            "XML error: unknown root element for network port"
        );
        assert_eq!(
            msg("<networkport/>"),
            "internal error: network port has no uuid"
        );
        assert_eq!(
            msg(&PORT.replace("<mac address='52:54:00:7b:35:93'/>", "")),
            "internal error: network port has no mac"
        );
        assert_eq!(
            msg(&PORT.replace(" bridge='virbr0'", "")),
            "XML error: Missing network port bridge name"
        );
        assert!(msg("<networkport>").starts_with("(networkport_definition):1: "));
    }
}
