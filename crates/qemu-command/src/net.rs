//! NICs on QEMU's command line and in a hotplug: their `-netdev` (user, or the TAP device that
//! `oxvirt-networkd` made for `<interface type='network'>` and `type='bridge'`, whose queues
//! QEMU inherits as fds) and their `-device`.

use oxvirt_conf::domain::{Domain, Interface};
use serde_json::{json, Value};

use crate::{dev_id, device, obj, pci_props, unsupported, CommandError, JsonObject};

/// How many TAP fds an interface takes: one per queue (`<driver queues='N'>`) for the kinds
/// networkd plugs, none for the others. The driver receives that many from networkd and hands
/// them over in interface order ([`crate::Inputs::tap_fds`]).
pub fn tap_queues(n: &Interface) -> usize {
    if !matches!(n.kind.as_str(), "network" | "bridge") {
        return 0;
    }
    n.driver
        .iter()
        .find(|(k, _)| *k == "queues")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

/// `-netdev` for a TAP interface, taking its fds from `fds` (the inherited descriptors not
/// yet used by an earlier interface).
pub(crate) fn tap_netdev(
    n: &Interface,
    id: &str,
    fds: &mut std::slice::Iter<'_, i32>,
) -> Result<String, CommandError> {
    let want = tap_queues(n);
    let mine: Vec<String> = fds.by_ref().take(want).map(|f| f.to_string()).collect();
    if mine.len() != want {
        return Err(CommandError::ConfigUnsupported(format!(
            "<interface type='{}'> has no TAP device (oxvirt-networkd gives it)",
            n.kind
        )));
    }
    Ok(if want == 1 {
        json!({"type": "tap", "fd": mine[0], "id": id}).to_string()
    } else {
        json!({"type": "tap", "fds": mine.join(":"), "id": id}).to_string()
    })
}

pub(crate) fn interfaces(
    dom: &Domain,
    boot: &[Option<u32>],
    taps: &mut std::slice::Iter<'_, i32>,
    a: &mut Vec<String>,
) -> Result<(), CommandError> {
    for (i, n) in dom.devices.interfaces.iter().enumerate() {
        interface(dom, n, i, boot.get(i).copied().flatten(), taps, a)?;
    }
    Ok(())
}

fn interface(
    dom: &Domain,
    n: &Interface,
    i: usize,
    bootindex: Option<u32>,
    taps: &mut std::slice::Iter<'_, i32>,
    a: &mut Vec<String>,
) -> Result<(), CommandError> {
    let netdev = format!("hostnet{i}");
    let backend = match n.kind.as_str() {
        "user" => Value::Object(user_netdev(&netdev)).to_string(),
        "network" | "bridge" => tap_netdev(n, &netdev, taps)?,
        k => {
            return Err(CommandError::ConfigUnsupported(format!(
                "<interface type='{k}'> is not supported by oxvirt yet; use type='user', 'network' or 'bridge'"
            )))
        }
    };
    a.push("-netdev".into());
    a.push(backend);
    a.extend(device(interface_device(dom, n, &netdev, i, bootindex)?));
    Ok(())
}

fn user_netdev(netdev: &str) -> JsonObject {
    obj(json!({"type": "user", "id": netdev}))
}

/// A NIC's `-netdev` object (id `netdev`) and its `-device` object (id its alias, else
/// `net{i}`): the arguments of QMP's `netdev_add` and `device_add` for a hotplugged NIC. Only
/// `type='user'` for now: a TAP for a hotplugged NIC is not asked of networkd yet.
pub fn interface_parts(
    dom: &Domain,
    n: &Interface,
    netdev: &str,
    i: usize,
    bootindex: Option<u32>,
) -> Result<(JsonObject, JsonObject), CommandError> {
    if n.kind != "user" {
        return Err(CommandError::ConfigUnsupported(format!(
            "live attach of <interface type='{}'> is not supported by oxvirt yet; use type='user'",
            n.kind
        )));
    }
    Ok((
        user_netdev(netdev),
        interface_device(dom, n, netdev, i, bootindex)?,
    ))
}

/// A NIC's `-device` object.
fn interface_device(
    dom: &Domain,
    n: &Interface,
    netdev: &str,
    i: usize,
    bootindex: Option<u32>,
) -> Result<JsonObject, CommandError> {
    let model = n.model.as_deref().unwrap_or("e1000");
    let driver = match model {
        "virtio" => "virtio-net-pci",
        "e1000" => "e1000",
        "e1000e" => "e1000e",
        "rtl8139" => "rtl8139",
        m => return Err(unsupported(format!("NIC model '{m}'"))),
    };
    let mac = oxvirt_conf::domain::mac_string(&n.mac);
    let mut o = obj(json!({
        "driver": driver,
        "netdev": netdev,
        "id": dev_id(n.alias.as_deref(), format!("net{i}")),
        "mac": mac,
    }));
    if n.link_up == Some(false) {
        o.insert("x-link-down".into(), json!(true));
    }
    pci_props(dom, n.address.as_ref(), &mut o);
    if let Some(b) = bootindex {
        o.insert("bootindex".into(), json!(b));
    }
    Ok(o)
}
