//! `<controller>`: the type, its parser and its canonical form.

use super::*;

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    pub kind: String,
    pub index: u32,
    pub model: Option<String>,
    /// `<model name=>` of PCI controllers.
    pub model_name: Option<String>,
    /// `<target chassis= port=>` of PCI controllers.
    pub target: Option<(u32, u32)>,
    /// `<target chassisNr=>` of a pci-bridge.
    pub chassis_nr: Option<u32>,
    /// `ports=` of USB and virtio-serial controllers.
    pub ports: Option<u32>,
    /// `vectors=` of virtio-serial controllers.
    pub vectors: Option<u32>,
    /// `<master startport=>` of a USB companion controller.
    pub master_startport: Option<u32>,
    /// `<driver>` attributes (virtio-scsi, virtio-serial), in libvirt's order.
    pub driver: Vec<(&'static str, String)>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<driver>` of a controller: the attributes in libvirt's order.
pub(super) fn parse_controller_driver(n: Node<'_, '_>) -> Result<Vec<(&'static str, String)>> {
    let Some(d) = child(n, "driver") else {
        return Ok(Vec::new());
    };
    const ATTRS: &[&str] = &[
        "queues",
        "cmd_per_lun",
        "max_sectors",
        "ioeventfd",
        "iothread",
    ];
    if d.has_children() || d.attributes().any(|a| !ATTRS.contains(&a.name())) {
        return Err(ConfError::NotImplemented("this controller <driver>".into()));
    }
    let mut out = Vec::new();
    for k in ATTRS {
        if let Some(v) = d.attribute(*k) {
            if *k == "ioeventfd" {
                if !matches!(v, "on" | "off") {
                    return Err(bad_attr(d, k, v));
                }
                out.push((*k, v.to_owned()));
            } else {
                let n = uint_attr(d, k)?.unwrap_or(0);
                out.push((*k, n.to_string()));
            }
        }
    }
    Ok(out)
}
