//! What libvirt's network driver checks on define and create (`networkValidate`), and the
//! bridge name and MAC address it generates for the modes it sets up itself.

use super::error::{NetError, Result};
use super::*;

/// Give an L3 network without a bridge name (or with a `%d` template) the first
/// `virbrN` (or template) name `in_use` says is free, as `networkFindUnusedBridgeName` does;
/// a given name used by another network is refused.
pub fn assign_bridge(def: &mut Network, in_use: impl Fn(&str) -> bool) -> Result<()> {
    if let Some(b) = &def.bridge {
        if !b.contains("%d") {
            if in_use(b) {
                return Err(NetError::Internal(format!(
                    "bridge name '{b}' already in use."
                )));
            }
            return Ok(());
        }
    }
    let template = match &def.bridge {
        Some(b) => b.clone(),
        None => "virbr%d".to_owned(),
    };
    for id in 0..=256u32 {
        let name = template.replacen("%d", &id.to_string(), 1);
        if !in_use(&name) {
            def.bridge = Some(name);
            return Ok(());
        }
    }
    Err(NetError::Internal(
        "Bridge generation exceeded max id 256".into(),
    ))
}

/// `networkValidate` of libvirt 9.0: the checks that depend on the forward mode, DHCP on one
/// address per family, VLANs and portgroups. For the L3 modes it assigns the bridge name
/// (`bridge_in_use` tells which names other networks or host devices have) and generates the
/// bridge MAC address.
pub fn validate(def: &mut Network, bridge_in_use: impl Fn(&str) -> bool) -> Result<()> {
    if def.name.contains('\n') {
        return Err(NetError::DetailGeneric("invalid char in name: \n".into()));
    }
    let mode = def.forward.mode;
    let m = mode.as_str();
    let name = def.name.clone();
    let mut bandwidth_allowed = false;
    if mode.is_l3() {
        assign_bridge(def, bridge_in_use)?;
        if def.mac.is_none() {
            def.mac = Some(
                crate::domain::random_mac()
                    .map_err(|_| NetError::Internal("cannot generate a MAC address".into()))?,
            );
        }
        bandwidth_allowed = true;
    } else {
        if mode == ForwardMode::Bridge && def.bridge.is_some() {
            bandwidth_allowed = true;
        }
        if def.mac.is_some() {
            return Err(NetError::Unsupported(format!(
                "Unsupported <mac> element in network {name} with forward mode='{m}'"
            )));
        }
        if !def.ips.is_empty() {
            return Err(NetError::Unsupported(format!(
                "Unsupported <ip> element in network {name} with forward mode='{m}'"
            )));
        }
        if !(def.dns.txts.is_empty() && def.dns.hosts.is_empty() && def.dns.srvs.is_empty()) {
            return Err(NetError::Unsupported(format!(
                "Unsupported <dns> element in network {name} with forward mode='{m}'"
            )));
        }
        if def.domain.is_some() {
            return Err(NetError::Unsupported(format!(
                "Unsupported <domain> element in network {name} with forward mode='{m}'"
            )));
        }
    }
    if def.bandwidth.is_some() && !bandwidth_allowed {
        return Err(NetError::Unsupported(format!(
            "Unsupported network-wide <bandwidth> element in network {name} with forward mode='{m}'"
        )));
    }
    let uses_interface = def
        .forward
        .ifs
        .iter()
        .any(|i| matches!(i, ForwardIf::Netdev { .. }));
    let uses_address = def
        .forward
        .ifs
        .iter()
        .any(|i| matches!(i, ForwardIf::Pci { .. }));
    for i in &def.forward.ifs {
        match i {
            ForwardIf::Netdev { dev, .. } if mode == ForwardMode::Hostdev => {
                return Err(NetError::Unsupported(format!("hostdev network '{name}' lists '{dev}' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name")));
            }
            ForwardIf::Pci {
                domain,
                bus,
                slot,
                function,
            } => {
                if mode != ForwardMode::Hostdev {
                    return Err(NetError::Unsupported(format!("network '{name}' has forward mode '{m}' but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'")));
                }
                let path =
                    format!("/sys/bus/pci/devices/{domain:04x}:{bus:02x}:{slot:02x}.{function:x}");
                if !std::path::Path::new(&path).join("physfn").exists() {
                    return Err(NetError::Unsupported(format!(
                        "device '{path}' in network '{name}' is not an SR-IOV Virtual Function"
                    )));
                }
            }
            _ => {}
        }
    }
    if usize::from(def.forward.pf.is_some())
        + usize::from(uses_interface)
        + usize::from(uses_address)
        > 1
    {
        return Err(NetError::Unsupported(format!("<address>, <interface>, and <pf> elements of <forward> in network {name} are mutually exclusive")));
    }
    for (v4, fam) in [(true, "IPv4"), (false, "IPv6")] {
        let n = def
            .ips
            .iter()
            .filter(|i| i.address.is_ipv4() == v4 && i.has_dhcp())
            .count();
        if n > 1 {
            return Err(NetError::Unsupported(format!("Multiple {fam} dhcp sections found -- dhcp is supported only for a single {fam} address on each network")));
        }
    }
    let is_ovs = |v: &Option<VirtualPort>| v.as_ref().is_some_and(|v| v.kind == "openvswitch");
    let vlan_allowed = matches!(mode, ForwardMode::Hostdev | ForwardMode::Passthrough)
        || (mode == ForwardMode::Bridge && is_ovs(&def.virtualport));
    let vlan_used = !def.vlan.tags.is_empty();
    let mut bad_vlan = false;
    let mut default_pg: Option<String> = None;
    for (i, pg) in def.portgroups.iter().enumerate() {
        if vlan_used || !pg.vlan.tags.is_empty() {
            if pg.virtualport.is_some() {
                if mode != ForwardMode::Bridge || !is_ovs(&pg.virtualport) {
                    bad_vlan = true;
                }
            } else if !vlan_allowed {
                bad_vlan = true;
            }
        }
        if pg.is_default {
            if let Some(d) = &default_pg {
                return Err(NetError::Unsupported(format!("network '{name}' has multiple default <portgroup> elements ({d} and {}), but only one default is allowed", pg.name)));
            }
            default_pg = Some(pg.name.clone());
        }
        if def.portgroups.iter().skip(i + 1).any(|o| o.name == pg.name) {
            return Err(NetError::Unsupported(format!(
                "multiple <portgroup> elements with the same name ({}) in network '{name}'",
                pg.name
            )));
        }
        if pg.bandwidth.is_some() && !bandwidth_allowed {
            return Err(NetError::Unsupported(format!("Unsupported <bandwidth> element in network '{name}' in portgroup '{}' with forward mode='{m}'", pg.name)));
        }
    }
    if bad_vlan || (vlan_used && !vlan_allowed && default_pg.is_none()) {
        return Err(NetError::Unsupported(format!(
            "<vlan> element specified for network {name}, whose type doesn't support vlan configuration"
        )));
    }
    Ok(())
}
