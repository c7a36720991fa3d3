//! `<controller>`: the type, its parser and its canonical form.

use super::*;

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// `type=`: `pci`, `usb`, `ide`, `sata`, `scsi`, `virtio-serial`, ...
    pub kind: String,
    /// `index=`.
    pub index: u32,
    /// `model=`.
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
    /// `<address>`: where the device sits on its bus.
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

/// A `<controller>` of `<devices>` into `out`; `next_controller` holds one more than the
/// highest index of each type so far (the default index), `last_usb_master` the index of the
/// last USB controller that is no companion (the companions after it get it).
pub(super) fn read_controller(
    out: &mut Devices,
    n: Node<'_, '_>,
    live: bool,
    next_controller: &mut HashMap<String, u32>,
    last_usb_master: &mut Option<u32>,
) -> Result<()> {
    let kind = match n.attribute("type") {
        Some(k @ ("usb" | "sata" | "pci" | "ide" | "fdc" | "ccid")) => k.to_owned(),
        Some(k @ ("scsi" | "virtio-serial")) => {
            if n.children().any(|c| {
                c.is_element() && !matches!(c.tag_name().name(), "address" | "alias" | "driver")
            }) || n.attributes().any(|a| {
                !(matches!(a.name(), "type" | "index" | "model")
                    || (k == "virtio-serial" && matches!(a.name(), "ports" | "vectors")))
            }) || !matches!(
                (k, n.attribute("model")),
                ("scsi", None | Some("virtio-scsi" | "lsilogic")) | ("virtio-serial", None)
            ) {
                return Err(ConfError::NotImplemented(format!(
                    "this <controller type='{k}'>"
                )));
            }
            k.to_owned()
        }
        None => "ide".to_owned(),
        Some(k) => return Err(ConfError::NotImplemented(format!("controller type '{k}'"))),
    };
    if let Some(a) = n.attributes().find(|a| {
        !(matches!(a.name(), "type" | "index" | "model")
            || (kind == "usb" && a.name() == "ports")
            || (kind == "virtio-serial" && matches!(a.name(), "ports" | "vectors")))
    }) {
        return Err(ConfError::NotImplemented(format!(
            "<controller> attribute '{}'",
            a.name()
        )));
    }
    if child(n, "target").is_some_and(|t| {
        t.attributes()
            .any(|a| !matches!(a.name(), "chassis" | "port" | "chassisNr"))
    }) {
        return Err(ConfError::NotImplemented(
            "<controller><target> attributes".into(),
        ));
    }
    let known = |c: &Node<'_, '_>| {
        let name = c.tag_name().name();
        matches!(name, "address" | "model" | "target" | "alias")
            || (kind == "usb" && name == "master")
            || (matches!(kind.as_str(), "scsi" | "virtio-serial") && name == "driver")
    };
    if let Some(c) = n.children().find(|c| c.is_element() && !known(c)) {
        return Err(ConfError::NotImplemented(format!(
            "<controller><{}>",
            c.tag_name().name()
        )));
    }
    let master_startport = match child(n, "master") {
        Some(m) => {
            let sp = uint_attr(m, "startport")?;
            if sp.is_none() || m.attributes().count() != 1 {
                return Err(ConfError::NotImplemented("this <master>".into()));
            }
            sp
        }
        None => None,
    };
    let mut index = controller_index(n)?;
    if kind == "usb" {
        match (master_startport, index) {
            (Some(_), None) => match *last_usb_master {
                Some(i) => index = Some(i),
                None => {
                    return Err(ConfError::NotImplemented(
                        "a USB companion controller without a master".into(),
                    ))
                }
            },
            (None, _) => {
                *last_usb_master =
                    Some(index.unwrap_or_else(|| next_controller.get("usb").copied().unwrap_or(0)))
            }
            _ => {}
        }
    }
    let model_name = child(n, "model").and_then(|m| attr(m, "name"));
    let chassis_nr = match child(n, "target") {
        Some(t) => uint_attr(t, "chassisNr")?,
        None => None,
    };
    let target = match child(n, "target") {
        Some(t) => match (uint_attr(t, "chassis")?, uint_attr(t, "port")?) {
            (Some(c), Some(p)) => Some((c, p)),
            (None, None) if chassis_nr.is_some() => None,
            _ => {
                return Err(ConfError::NotImplemented(
                    "partial controller <target>".into(),
                ))
            }
        },
        None => None,
    };
    let c = Controller {
        index: index.unwrap_or_else(|| next_controller.get(&kind).copied().unwrap_or(0)),
        kind,
        model: attr(n, "model"),
        model_name,
        target,
        chassis_nr,
        ports: uint_attr(n, "ports")?,
        vectors: uint_attr(n, "vectors")?,
        master_startport,
        driver: parse_controller_driver(n)?,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    };
    // in document order here; libvirt's order (unless live: a running domain's
    // order is the one it was formatted with) once all are read
    let next = next_controller.entry(c.kind.clone()).or_insert(0);
    *next = (*next).max(c.index.saturating_add(1));
    out.controllers.push(c);
    Ok(())
}

pub(super) fn format_controller(w: &mut Writer, c: &Controller, cx: Ctx) {
    let mut a = vec![("type", c.kind.clone()), ("index", c.index.to_string())];
    if let Some(m) = &c.model {
        a.push(("model", m.clone()));
    }
    if let Some(p) = c.ports {
        a.push(("ports", p.to_string()));
    }
    if let Some(v) = c.vectors {
        a.push(("vectors", v.to_string()));
    }
    w.child("controller", &a, |w| {
        if let Some(n) = &c.model_name {
            w.empty("model", &[("name", n.clone())]);
        }
        if !c.driver.is_empty() {
            let a: Vec<(&str, String)> = c.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
            w.empty("driver", &a);
        }
        let mut t = Vec::new();
        if let Some(n) = c.chassis_nr {
            t.push(("chassisNr", n.to_string()));
        }
        if let Some((chassis, port)) = c.target {
            t.push(("chassis", chassis.to_string()));
            t.push(("port", format!("0x{port:x}")));
        }
        if !t.is_empty() {
            w.empty("target", &t);
        }
        cx.alias(w, &c.alias);
        if let Some(sp) = c.master_startport {
            w.empty("master", &[("startport", sp.to_string())]);
        }
        format_address(w, &c.address);
    });
}
