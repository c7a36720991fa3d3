//! `<interface>`: the type, its parser and its canonical form.

use super::*;

/// `<interface type=>` of type `network`, `bridge` or `user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// `type=`: `network`, `bridge`, `user`, `ethernet`, `direct`, ...
    pub kind: String,
    /// `<mac address=>` (generated when missing).
    pub mac: [u8; 6],
    /// The network name (`network`), bridge name (`bridge`) or host device (`direct`).
    pub source: Option<String>,
    /// `mode=` of a `direct` source (macvtap: vepa, private, bridge, passthrough).
    pub source_mode: Option<String>,
    /// `portgroup=` of a `network` source.
    pub portgroup: Option<String>,
    /// Live only, `network` source: the network port the running domain is plugged into
    /// (`portid=`).
    pub source_portid: Option<[u8; 16]>,
    /// Live only, `network` source: the bridge of that port (`bridge=`).
    pub source_bridge: Option<String>,
    /// The socket of a `mcast`, `udp`, `server` or `client` interface.
    pub socket: Option<NetSocket>,
    /// The host PCI device of a `hostdev` interface, and its `managed=`.
    pub hostdev: Option<(PciAddress, bool)>,
    /// `<vlan trunk=><tag id= nativeMode=>`.
    pub vlan: Option<Vlan>,
    /// `<virtualport type=>` with its `<parameters>` in libvirt's order.
    pub virtualport: Option<Virtualport>,
    /// `<bandwidth>`: the NIC's QoS (set on its TAP device by networkd).
    pub bandwidth: Option<crate::network::Bandwidth>,
    /// `<model type=>`; post-parse gives an interface other than `hostdev` `rtl8139`.
    pub model: Option<String>,
    /// `<target dev=>`.
    pub target_dev: Option<String>,
    /// `<target managed='no'>` (an `ethernet` tap device made by someone else).
    pub target_unmanaged: bool,
    /// `<driver>` attributes, in libvirt's order.
    pub driver: Vec<(&'static str, String)>,
    /// `<link state=>`: up (`true`) or down.
    pub link_up: Option<bool>,
    /// `<mtu size=>`.
    pub mtu: Option<u32>,
    /// `<boot order=>`.
    pub boot_order: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// `<virtualport type=>` (if given) with its `<parameters>` in libvirt's order.
pub type Virtualport = (Option<String>, Vec<(&'static str, String)>);

/// `<source address= port=>` (and `<local address= port=>` for `udp`) of a socket interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSocket {
    /// `address=`.
    pub address: Option<String>,
    /// `port=`.
    pub port: u32,
    /// `<local address= port=>` of `udp`.
    pub local: Option<(String, u32)>,
}

/// `<vlan>` of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    /// `trunk='yes'`.
    pub trunk: bool,
    /// `(id, nativeMode)`.
    pub tags: Vec<(u32, Option<String>)>,
}

/// A MAC address as libvirt prints it (`52:54:00:12:34:56`).
pub fn mac_string(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub(super) fn parse_mac(s: &str) -> Result<[u8; 6]> {
    let err = || ConfError::Xml(format!("unable to parse mac address '{s}'"));
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(err());
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        *m = u8::from_str_radix(p, 16).map_err(|_| err())?;
    }
    if mac[0] & 1 == 1 {
        return Err(ConfError::Xml(format!(
            "expected unicast mac address, found multicast '{s}'"
        )));
    }
    Ok(mac)
}

/// A MAC address in QEMU's range 52:54:00, random in the rest.
pub(crate) fn random_mac() -> Result<[u8; 6]> {
    let r = random_uuid()?;
    Ok([0x52, 0x54, 0x00, r[0], r[1], r[2]])
}

pub(super) fn parse_interface(n: Node<'_, '_>, live: bool) -> Result<Interface> {
    let kind = interface_kind(n)?;
    let mac = match child(n, "mac").and_then(|m| m.attribute("address")) {
        Some(a) => parse_mac(a)?,
        None => random_mac()?,
    };
    let source_attr = match kind {
        "direct" => "dev",
        "vhostuser" => "path",
        k => k,
    };
    if kind == "vhostuser" && child(n, "source").and_then(|s| s.attribute("type")) != Some("unix") {
        return Err(ConfError::NotImplemented(
            "a vhostuser interface other than unix".into(),
        ));
    }
    let hostdev = parse_interface_hostdev(n, kind)?;
    let vlan = parse_vlan(n)?;
    // a floor is a guarantee the network's QoS gives: only on a network
    let bandwidth = child(n, "bandwidth")
        .map(|b| crate::network::parse_bandwidth(b, kind == "network"))
        .transpose()
        .map_err(ConfError::Net)?;
    let virtualport = parse_virtualport(n)?;
    let socket = parse_net_socket(n, kind)?;
    let portgroup = match kind {
        "network" => child(n, "source").and_then(|s| attr(s, "portgroup")),
        _ => None,
    };
    let source = match kind {
        "user" | "ethernet" | "hostdev" | "mcast" | "udp" | "server" | "client" => None,
        k => Some(
            child(n, "source")
                .and_then(|s| s.attribute(source_attr))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ConfError::NotImplemented(format!("<interface type='{k}'> without a source"))
                })?,
        ),
    };
    let source_mode = parse_source_mode(n, kind)?;
    let live_source = |a: &str| match kind {
        "network" if live => child(n, "source").and_then(|s| attr(s, a)),
        _ => None,
    };
    let source_portid = live_source("portid").and_then(|u| crate::domain::parse_uuid(&u));
    let source_bridge = live_source("bridge");
    let model = child(n, "model").and_then(|m| attr(m, "type"));
    if let Some(m) = &model {
        if !m
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            return Err(ConfError::NotImplemented(format!("interface model '{m}'")));
        }
    }
    let boot_order = match child(n, "boot") {
        None => None,
        Some(b) => Some(uint_attr(b, "order")?.filter(|o| *o > 0).ok_or_else(|| {
            ConfError::Internal("incorrect boot order '', expecting positive integer".into())
        })?),
    };
    let (target_dev, target_unmanaged) = parse_interface_target(n, kind, live)?;
    let driver = parse_interface_driver(n, model.as_deref())?;
    let (link_up, mtu) = parse_link_mtu(n)?;
    Ok(Interface {
        kind: kind.into(),
        mac,
        source,
        source_mode,
        portgroup,
        source_portid,
        source_bridge,
        socket,
        hostdev,
        vlan,
        virtualport,
        bandwidth,
        model,
        target_dev,
        target_unmanaged,
        driver,
        link_up,
        mtu,
        boot_order,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

/// An interface's type, once its children are known ones.
fn interface_kind<'a>(n: Node<'a, '_>) -> Result<&'a str> {
    let kind = match n.attribute("type") {
        Some(
            k @ ("network" | "bridge" | "user" | "direct" | "ethernet" | "hostdev" | "mcast"
            | "udp" | "server" | "client" | "vhostuser"),
        ) => k,
        Some(k) => return Err(ConfError::NotImplemented(format!("interface type '{k}'"))),
        None => return Err(ConfError::NotImplemented("interface without a type".into())),
    };
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if !matches!(
            name,
            "mac"
                | "source"
                | "model"
                | "boot"
                | "address"
                | "target"
                | "driver"
                | "mtu"
                | "link"
                | "alias"
                | "vlan"
                | "virtualport"
                | "bandwidth"
        ) {
            return Err(ConfError::NotImplemented(format!("<interface><{name}>")));
        }
    }
    Ok(kind)
}

/// `<target dev= managed=>`: the device's name (none for a name libvirt generates, outside a
/// live definition) and whether it is unmanaged.
fn parse_interface_target(
    n: Node<'_, '_>,
    kind: &str,
    live: bool,
) -> Result<(Option<String>, bool)> {
    let target_unmanaged = match child(n, "target").map(|t| (t, t.attribute("managed"))) {
        None | Some((_, None)) => false,
        Some((t, Some(m))) => match m {
            "yes" => false,
            "no" => true,
            v => return Err(bad_attr(t, "managed", v)),
        },
    };
    let target_dev = match child(n, "target") {
        None => None,
        Some(t) => {
            let dev = attr(t, "dev").filter(|d| !d.is_empty());
            let generated = dev.as_deref().is_some_and(|d| {
                ["vnet", "macvtap", "macvlan"]
                    .iter()
                    .any(|p| d.starts_with(p))
            });
            let extra = usize::from(t.attribute("managed").is_some() && kind == "ethernet");
            if t.attributes().count() != 1 + extra || dev.is_none() {
                return Err(ConfError::NotImplemented("this <interface><target>".into()));
            }
            // names libvirt generates (vnet*, macvtap*, macvlan*) are not kept in a definition
            if generated && !live && !(kind == "ethernet" && t.attribute("managed") == Some("no")) {
                None
            } else {
                dev
            }
        }
    };
    Ok((target_dev, target_unmanaged))
}

/// `<link state=>` and `<mtu size=>`.
fn parse_link_mtu(n: Node<'_, '_>) -> Result<(Option<bool>, Option<u32>)> {
    let link_up = match child(n, "link") {
        None => None,
        Some(l) => match l.attribute("state") {
            Some("up") => Some(true),
            Some("down") => Some(false),
            _ => return Err(ConfError::NotImplemented("this <link>".into())),
        },
    };
    let mtu =
        match child(n, "mtu") {
            None => None,
            Some(m) => Some(uint_attr(m, "size")?.filter(|s| *s > 0).ok_or_else(|| {
                ConfError::NotImplemented("<mtu> without a positive size".into())
            })?),
        };
    Ok((link_up, mtu))
}

/// `<source mode=>` of a `direct` (macvtap) or `vhostuser` interface.
fn parse_source_mode(n: Node<'_, '_>, kind: &str) -> Result<Option<String>> {
    Ok(
        match (kind, child(n, "source").and_then(|s| s.attribute("mode"))) {
            ("direct", None) => Some("vepa".to_owned()),
            ("direct", Some(m @ ("vepa" | "private" | "bridge" | "passthrough"))) => {
                Some(m.to_owned())
            }
            ("direct", Some(m)) => {
                return Err(ConfError::Internal(format!(
                    "Unknown mode '{m}' in interface <source> element"
                )))
            }
            ("vhostuser", Some(m @ ("server" | "client"))) => Some(m.to_owned()),
            ("vhostuser", _) => {
                return Err(ConfError::Xml(
                    "Missing or invalid 'mode' attribute in vhostuser interface's <source> element"
                        .into(),
                ))
            }
            _ => None,
        },
    )
}

/// The host PCI device of a `type='hostdev'` interface, and whether it is managed.
fn parse_interface_hostdev(n: Node<'_, '_>, kind: &str) -> Result<Option<(PciAddress, bool)>> {
    Ok(match kind {
        "hostdev" => {
            let a = child(n, "source")
                .and_then(|s| child(s, "address"))
                .ok_or_else(|| {
                    ConfError::Xml("Missing <source> element in hostdev device".into())
                })?;
            if a.attribute("type").is_some_and(|t| t != "pci") {
                return Err(ConfError::NotImplemented(
                    "a hostdev interface other than PCI".into(),
                ));
            }
            let managed = match n.attribute("managed") {
                None | Some("no") => false,
                Some("yes") => true,
                Some(v) => return Err(bad_attr(n, "managed", v)),
            };
            Some((parse_host_pci_address(a)?, managed))
        }
        _ => None,
    })
}

/// `<driver>` of a virtio interface: name and queue attributes in libvirt's order.
fn parse_interface_driver(
    n: Node<'_, '_>,
    model: Option<&str>,
) -> Result<Vec<(&'static str, String)>> {
    let mut driver = Vec::new();
    if let Some(d) = child(n, "driver") {
        if d.children().any(|c| c.is_element())
            || d.attributes().any(|a| {
                !matches!(
                    a.name(),
                    "name" | "queues" | "rx_queue_size" | "tx_queue_size"
                )
            })
            || model != Some("virtio")
        {
            return Err(ConfError::NotImplemented("this <interface><driver>".into()));
        }
        if let Some(v) = d.attribute("name") {
            if !matches!(v, "qemu" | "vhost") {
                return Err(ConfError::NotImplemented(format!("interface driver '{v}'")));
            }
            driver.push(("name", v.to_owned()));
        }
        for k in ["queues", "rx_queue_size", "tx_queue_size"] {
            if let Some(v) = uint_attr(d, k)? {
                let ok = match k {
                    "queues" => v >= 1,
                    "rx_queue_size" => v.is_power_of_two() && (256..=1024).contains(&v),
                    _ => v.is_power_of_two() && (256..=1024).contains(&v),
                };
                if !ok {
                    return Err(ConfError::NotImplemented(format!(
                        "interface driver {k} '{v}'"
                    )));
                }
                driver.push((k, v.to_string()));
            }
        }
    }
    Ok(driver)
}

/// The `<source>` of a socket interface (`mcast`, `udp`, `server`, `client`).
fn parse_net_socket(n: Node<'_, '_>, kind: &str) -> Result<Option<NetSocket>> {
    Ok(match kind {
        "mcast" | "udp" | "server" | "client" => {
            let src = child(n, "source");
            let address = src.and_then(|s| attr(s, "address"));
            let port = src.map(|s| uint_attr(s, "port")).transpose()?.flatten();
            let Some(port) = port else {
                return Err(ConfError::Xml(
                    "No <source> 'port' attribute specified with socket interface".into(),
                ));
            };
            if address.is_none() && matches!(kind, "mcast" | "udp") {
                return Err(ConfError::Xml(
                    "No <source> 'address' attribute specified with socket interface".into(),
                ));
            }
            let local = match (kind, src.and_then(|s| child(s, "local"))) {
                ("udp", Some(l)) => match (attr(l, "address"), uint_attr(l, "port")?) {
                    (Some(a), Some(p)) => Some((a, p)),
                    _ => {
                        return Err(ConfError::Xml(
                            "Missing <local> 'address' or 'port' attribute in socket interface"
                                .into(),
                        ))
                    }
                },
                ("udp", None) => {
                    return Err(ConfError::Xml(
                        "Missing <local> element in socket interface".into(),
                    ))
                }
                _ => None,
            };
            Some(NetSocket {
                address,
                port,
                local,
            })
        }
        _ => None,
    })
}

/// `<virtualport>`: its type and parameters (an Open vSwitch port gets an interface id).
fn parse_virtualport(n: Node<'_, '_>) -> Result<Option<Virtualport>> {
    Ok(match child(n, "virtualport") {
        None => None,
        Some(v) => {
            let kind = match v.attribute("type") {
                None => None,
                Some(t @ ("openvswitch" | "802.1Qbg" | "802.1Qbh" | "midonet")) => {
                    Some(t.to_owned())
                }
                Some(t) => return Err(ConfError::Xml(format!("unknown virtualport type {t}"))),
            };
            const PARAMS: &[&str] = &[
                "managerid",
                "typeid",
                "typeidversion",
                "instanceid",
                "interfaceid",
                "profileid",
            ];
            let mut params = Vec::new();
            if let Some(p) = child(v, "parameters") {
                for k in PARAMS {
                    if let Some(x) = p.attribute(*k) {
                        params.push((*k, x.to_owned()));
                    }
                }
            }
            if kind.as_deref() == Some("openvswitch")
                && !params.iter().any(|(k, _)| *k == "interfaceid")
            {
                let at = params
                    .iter()
                    .position(|(k, _)| *k == "profileid")
                    .unwrap_or(params.len());
                params.insert(at, ("interfaceid", uuid_string(&random_uuid()?)));
            }
            Some((kind, params))
        }
    })
}

/// `<vlan>` with its tags.
fn parse_vlan(n: Node<'_, '_>) -> Result<Option<Vlan>> {
    Ok(match child(n, "vlan") {
        None => None,
        Some(v) => {
            let mut tags = Vec::new();
            for t in children(v, "tag") {
                let id = uint_attr(t, "id")?
                    .ok_or_else(|| ConfError::Xml("missing id for VLAN tag".into()))?;
                if id > 4095 {
                    return Err(ConfError::Xml(format!(
                        "vlan tag id {id} too large (maximum 4095)"
                    )));
                }
                let native = match t.attribute("nativeMode") {
                    None => None,
                    Some(m @ ("tagged" | "untagged")) => Some(m.to_owned()),
                    Some(m) => {
                        return Err(ConfError::Xml(format!(
                            "Invalid \"nativeMode='{m}'\" in vlan <tag> element"
                        )))
                    }
                };
                tags.push((id, native));
            }
            if tags.is_empty() {
                return Err(ConfError::Xml(
                    "missing tag id - each <vlan> must have at least one <tag id='N'/> subelement"
                        .into(),
                ));
            }
            let trunk = match v.attribute("trunk") {
                None => tags.len() > 1,
                Some("yes") => true,
                Some("no") => {
                    if tags.len() > 1 {
                        return Err(ConfError::Xml("invalid \"trunk='no'\" in <vlan> - trunk='no' is allowed only with a single vlan tag".into()));
                    }
                    false
                }
                Some(t) => {
                    return Err(ConfError::Xml(format!(
                        "invalid \"trunk='{t}'\" in <vlan> - must be yes or no"
                    )))
                }
            };
            Some(Vlan {
                trunk: trunk && v.attribute("trunk").is_some(),
                tags,
            })
        }
    })
}

pub(super) fn format_interface(w: &mut Writer, n: &Interface, cx: Ctx) {
    let mut ia = vec![("type", n.kind.clone())];
    if let Some((_, true)) = n.hostdev {
        ia.push(("managed", "yes".into()));
    }
    w.open("interface", &ia);
    w.empty("mac", &[("address", mac_string(&n.mac))]);
    if let Some((p, _)) = &n.hostdev {
        w.open("source", &[]);
        w.empty(
            "address",
            &[
                ("type", "pci".into()),
                ("domain", format!("0x{:04x}", p.domain)),
                ("bus", format!("0x{:02x}", p.bus)),
                ("slot", format!("0x{:02x}", p.slot)),
                ("function", format!("0x{:x}", p.function)),
            ],
        );
        w.close("source");
    }
    if let Some(src) = &n.source {
        let k = match n.kind.as_str() {
            "bridge" => "bridge",
            "direct" => "dev",
            "vhostuser" => "path",
            _ => "network",
        };
        let mut a = if n.kind == "vhostuser" {
            vec![("type", "unix".to_string())]
        } else {
            Vec::new()
        };
        a.push((k, src.clone()));
        if let Some(m) = &n.source_mode {
            a.push(("mode", m.clone()));
        }
        if let Some(p) = &n.portgroup {
            a.push(("portgroup", p.clone()));
        }
        if cx.live && n.kind == "network" {
            if let Some(u) = &n.source_portid {
                a.push(("portid", crate::domain::uuid_string(u)));
            }
            if let Some(b) = &n.source_bridge {
                a.push(("bridge", b.clone()));
            }
        }
        w.empty("source", &a);
    }
    if let Some(sk) = &n.socket {
        let mut a = Vec::new();
        if let Some(x) = &sk.address {
            a.push(("address", x.clone()));
        }
        a.push(("port", sk.port.to_string()));
        w.child("source", &a, |w| {
            if let Some((la, lp)) = &sk.local {
                w.empty(
                    "local",
                    &[("address", la.clone()), ("port", lp.to_string())],
                );
            }
        });
    }
    if let Some(v) = &n.vlan {
        let a = if v.trunk {
            vec![("trunk", "yes".to_string())]
        } else {
            Vec::new()
        };
        w.open("vlan", &a);
        for (id, native) in &v.tags {
            let mut t = vec![("id", id.to_string())];
            if let Some(m) = native {
                t.push(("nativeMode", m.clone()));
            }
            w.empty("tag", &t);
        }
        w.close("vlan");
    }
    if let Some((kind, params)) = &n.virtualport {
        let a = match kind {
            Some(k) => vec![("type", k.clone())],
            None => Vec::new(),
        };
        w.child("virtualport", &a, |w| {
            if !params.is_empty() {
                let p: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.clone())).collect();
                w.empty("parameters", &p);
            }
        });
    }
    if let Some(b) = &n.bandwidth {
        crate::network::format_bandwidth(w, b);
    }
    if let Some(t) = &n.target_dev {
        let mut a = vec![("dev", t.clone())];
        if n.target_unmanaged {
            a.push(("managed", "no".into()));
        }
        w.empty("target", &a);
    }
    if let Some(m) = &n.model {
        w.empty("model", &[("type", m.clone())]);
    }
    if !n.driver.is_empty() {
        let a: Vec<(&str, String)> = n.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
        w.empty("driver", &a);
    }
    if let Some(up) = n.link_up {
        let state = if up { "up" } else { "down" };
        w.empty("link", &[("state", state.into())]);
    }
    if let Some(m) = n.mtu {
        w.empty("mtu", &[("size", m.to_string())]);
    }
    if let Some(o) = n.boot_order {
        w.empty("boot", &[("order", o.to_string())]);
    }
    cx.alias(w, &n.alias);
    format_address(w, &n.address);
    w.close("interface");
}
