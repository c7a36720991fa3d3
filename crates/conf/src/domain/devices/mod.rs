//! `<devices>`: the list of a domain's devices, read and printed by a dispatch over the element
//! names; each device family (its type, parse, defaults and format) lives in a module of its own.

use super::format::{fmt_on_off, fmt_yes_no, format_address, Ctx};
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;
use std::collections::HashMap;

mod chardev;
mod controller;
mod disk;
mod filesystem;
mod graphics;
mod hostdev;
mod interface;
mod memory;

pub use chardev::*;
pub use controller::*;
pub use disk::*;
pub use filesystem::*;
pub use graphics::*;
pub use hostdev::*;
pub use interface::*;
pub use memory::*;

/// `<devices>`: the kinds modelled so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Devices {
    pub emulator: Option<String>,
    pub disks: Vec<Disk>,
    pub controllers: Vec<Controller>,
    pub filesystems: Vec<Filesystem>,
    pub interfaces: Vec<Interface>,
    pub serials: Vec<Serial>,
    pub consoles: Vec<Console>,
    pub channels: Vec<Channel>,
    pub inputs: Vec<Input>,
    pub tpms: Vec<Tpm>,
    pub graphics: Vec<Graphics>,
    pub sounds: Vec<Sound>,
    pub audios: Vec<Audio>,
    pub videos: Vec<Video>,
    pub hostdevs: Vec<Hostdev>,
    pub smartcards: Vec<Smartcard>,
    pub redirdevs: Vec<Redirdev>,
    /// `<redirfilter>` rules.
    pub redirfilter: Option<Vec<UsbdevRule>>,
    /// `<hub type='usb'>`s, the ones libvirt adds when the USB controllers' ports do not
    /// suffice included.
    pub hubs: Vec<Hub>,
    pub watchdog: Option<Watchdog>,
    pub memballoon: Option<Memballoon>,
    pub rngs: Vec<Rng>,
    /// `<memory model='dimm'>` devices (memory hotplug).
    pub memories: Vec<MemoryDevice>,
    pub panics: Vec<Panic>,
    pub shmems: Vec<Shmem>,
    pub iommu: Option<Iommu>,
    pub vsock: Option<Vsock>,
}

impl Devices {
    /// Record the pty a running domain's serial port `index` got; the console that is
    /// libvirt's copy of serial 0 (console 0 on a serial target) gets it too, so that the
    /// status file reads back equal.
    pub fn set_serial_pty_path(&mut self, index: usize, path: &str) {
        if let Some(s) = self.serials.get_mut(index) {
            if let ChrSource::Pty { path: p } = &mut s.source {
                *p = Some(path.to_owned());
            }
        }
        if index == 0 {
            if let Some(c) = self.consoles.first_mut() {
                let serial_target = matches!(c.target_type.as_deref(), None | Some("serial"));
                if let (true, ChrSource::Pty { path: p }) = (serial_target, &mut c.source) {
                    *p = Some(path.to_owned());
                }
            }
        }
    }
}

/// Device elements libvirt 9.0 parses; others are ignored.
const KNOWN_DEVICES: &[&str] = &[
    "disk",
    "controller",
    "lease",
    "filesystem",
    "interface",
    "smartcard",
    "serial",
    "parallel",
    "console",
    "channel",
    "input",
    "tpm",
    "graphics",
    "sound",
    "audio",
    "video",
    "hostdev",
    "redirdev",
    "redirfilter",
    "hub",
    "watchdog",
    "memballoon",
    "rng",
    "nvram",
    "panic",
    "shmem",
    "memory",
    "iommu",
    "vsock",
    "crypto",
];

pub(super) fn parse_devices(d: Node<'_, '_>, live: bool) -> Result<Devices> {
    let mut out = Devices::default();
    // the disks' targets, for the duplicate check (index into `out.disks`)
    let mut disk_targets: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    // one more than the highest index of each controller type so far (the default index)
    let mut next_controller: std::collections::HashMap<String, u32> =
        std::collections::HashMap::new();
    // index of the last USB controller that is no companion, for the companions after it
    let mut last_usb_master: Option<u32> = None;
    for n in d.children().filter(|c| c.is_element()) {
        match n.tag_name().name() {
            "emulator" if out.emulator.is_none() => {
                let t = text_of(n);
                out.emulator = (!t.is_empty()).then_some(t);
            }
            "emulator" => {}
            "disk" => {
                add_disk(&mut out, n, live, &mut disk_targets)?;
            }
            "interface" => out.interfaces.push(parse_interface(n, live)?),
            "controller" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("usb" | "sata" | "pci" | "ide" | "fdc" | "ccid")) => k.to_owned(),
                    Some(k @ ("scsi" | "virtio-serial")) => {
                        if n.children().any(|c| {
                            c.is_element()
                                && !matches!(c.tag_name().name(), "address" | "alias" | "driver")
                        }) || n.attributes().any(|a| {
                            !(matches!(a.name(), "type" | "index" | "model")
                                || (k == "virtio-serial"
                                    && matches!(a.name(), "ports" | "vectors")))
                        }) || !matches!(
                            (k, n.attribute("model")),
                            ("scsi", None | Some("virtio-scsi" | "lsilogic"))
                                | ("virtio-serial", None)
                        ) {
                            return Err(ConfError::NotImplemented(format!(
                                "this <controller type='{k}'>"
                            )));
                        }
                        k.to_owned()
                    }
                    None => "ide".to_owned(),
                    Some(k) => {
                        return Err(ConfError::NotImplemented(format!("controller type '{k}'")))
                    }
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
                        (Some(_), None) => match last_usb_master {
                            Some(i) => index = Some(i),
                            None => {
                                return Err(ConfError::NotImplemented(
                                    "a USB companion controller without a master".into(),
                                ))
                            }
                        },
                        (None, _) => {
                            last_usb_master = Some(index.unwrap_or_else(|| {
                                next_controller.get("usb").copied().unwrap_or(0)
                            }))
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
                    index: index
                        .unwrap_or_else(|| next_controller.get(&kind).copied().unwrap_or(0)),
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
            }
            "input" => {
                let kind = match n.attribute("type") {
                    Some(k @ ("mouse" | "keyboard" | "tablet")) => k.to_owned(),
                    Some(k) => return Err(ConfError::NotImplemented(format!("input type '{k}'"))),
                    None => return Err(ConfError::Xml("missing input device type".into())),
                };
                let bus = attr(n, "bus");
                if !matches!(bus.as_deref(), Some("ps2" | "usb" | "virtio")) {
                    return Err(ConfError::NotImplemented(
                        "input devices other than ps2, usb or virtio".into(),
                    ));
                }
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<input> children".into()));
                }
                out.inputs.push(Input {
                    kind,
                    bus,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "audio" => {
                let id = uint_attr(n, "id")?.unwrap_or(0);
                if n.children().any(|c| c.is_element()) {
                    return Err(ConfError::NotImplemented("<audio> children".into()));
                }
                match n.attribute("type") {
                    Some(t @ ("none" | "spice")) => out.audios.push(Audio { id, kind: t.into() }),
                    Some(t) => return Err(ConfError::NotImplemented(format!("audio type '{t}'"))),
                    None => return Err(ConfError::Xml("missing audio type".into())),
                }
            }
            "memory" => out.memories.push(parse_memory_device(n, live)?),
            "filesystem" => out.filesystems.push(parse_filesystem(n, live)?),
            "hostdev" => out.hostdevs.push(parse_hostdev(n, live)?),
            "panic" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("isa" | "pvpanic" | "hyperv")) => Some(m.to_owned()),
                    Some(m @ ("pseries" | "s390")) => {
                        return Err(ConfError::NotImplemented(format!("panic model '{m}'")))
                    }
                    Some(m) => return Err(ConfError::Xml(format!("unknown panic model '{m}'"))),
                };
                out.panics.push(Panic {
                    model,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "shmem" => {
                let name = attr(n, "name").ok_or_else(|| {
                    ConfError::Xml("shmem element must contain 'name' attribute".into())
                })?;
                for c in n.children().filter(|c| c.is_element()) {
                    if !matches!(c.tag_name().name(), "model" | "size" | "alias" | "address") {
                        return Err(ConfError::NotImplemented(format!(
                            "<shmem><{}>",
                            c.tag_name().name()
                        )));
                    }
                }
                let model = match child(n, "model").and_then(|m| m.attribute("type")) {
                    None => None,
                    Some(m @ ("ivshmem" | "ivshmem-plain" | "ivshmem-doorbell")) => {
                        Some(m.to_owned())
                    }
                    Some(m) => {
                        return Err(ConfError::Xml(format!("Unknown shmem model type '{m}'")))
                    }
                };
                let size = match child(n, "size") {
                    None => None,
                    Some(sz) => {
                        let t = text_of(sz);
                        let unit = sz.attribute("unit").unwrap_or("M");
                        let v = parse_u64(&t).ok_or_else(|| {
                            ConfError::XmlValue(format!(
                                "Invalid value '{t}' for element or attribute './size[1]'"
                            ))
                        })?;
                        let scale = unit_scale(unit).ok_or_else(|| {
                            ConfError::InvalidArg(format!("unknown suffix '{unit}'"))
                        })?;
                        Some(v.checked_mul(scale).ok_or_else(|| {
                            ConfError::Overflow(format!("value too large: {t}{unit}"))
                        })?)
                    }
                };
                if size.is_some_and(|s| !s.is_power_of_two() || s < 1 << 20) {
                    return Err(ConfError::NotImplemented("this shmem size".into()));
                }
                out.shmems.push(Shmem {
                    name,
                    model,
                    size,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "iommu" => {
                let model = match n.attribute("model") {
                    Some(m @ ("intel" | "smmuv3" | "virtio")) => m.to_owned(),
                    Some(m) => return Err(ConfError::Xml(format!("unknown IOMMU model '{m}'"))),
                    None => return Err(ConfError::Xml("missing IOMMU model".into())),
                };
                const ATTRS: &[&str] = &["intremap", "caching_mode", "eim", "iotlb", "aw_bits"];
                let mut driver = Vec::new();
                if let Some(d) = child(n, "driver") {
                    if d.attributes().any(|a| !ATTRS.contains(&a.name())) {
                        return Err(ConfError::NotImplemented("this iommu <driver>".into()));
                    }
                    for k in ATTRS {
                        if let Some(v) = d.attribute(*k) {
                            if *k == "aw_bits" {
                                driver.push((*k, uint_attr(d, k)?.unwrap_or(0).to_string()));
                            } else {
                                match v {
                                    "on" | "off" => driver.push((*k, v.to_owned())),
                                    _ => return Err(bad_attr(d, k, v)),
                                }
                            }
                        }
                    }
                }
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "driver" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<iommu> children".into()));
                }
                out.iommu = Some(Iommu {
                    model,
                    driver,
                    alias: parse_alias(n, live)?,
                });
            }
            "vsock" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => {
                        Some(m.to_owned())
                    }
                    Some(m) => return Err(ConfError::Xml(format!("unknown vsock model: {m}"))),
                };
                let cid = child(n, "cid");
                out.vsock = Some(Vsock {
                    model,
                    cid_auto: cid.map(|c| yes_no(c, "auto")).transpose()?.flatten(),
                    cid: cid.map(|c| uint_attr(c, "address")).transpose()?.flatten(),
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "memballoon" => {
                if out.memballoon.is_some() {
                    continue;
                }
                let model = match n.attribute("model") {
                    Some(m @ ("virtio" | "none")) => m.to_owned(),
                    Some(m) => {
                        return Err(ConfError::NotImplemented(format!("memballoon model '{m}'")))
                    }
                    None => {
                        return Err(ConfError::Xml("memballoon must contain model name".into()))
                    }
                };
                let period = match child(n, "stats") {
                    Some(s) => uint_attr(s, "period")?,
                    None => None,
                };
                out.memballoon = Some(Memballoon {
                    model,
                    autodeflate: on_off(n, "autodeflate")?,
                    free_page_reporting: on_off(n, "freePageReporting")?,
                    period,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "serial" => {
                let (source, log) = parse_chr_source(n, &["target"], live)?;
                let port = match child(n, "target") {
                    Some(t) => {
                        if !matches!(t.attribute("type"), None | Some("isa-serial"))
                            || t.children().any(|c| {
                                c.is_element()
                                    && !(c.tag_name().name() == "model"
                                        && c.attribute("name") == Some("isa-serial"))
                            })
                        {
                            return Err(ConfError::NotImplemented(
                                "serial targets other than isa-serial".into(),
                            ));
                        }
                        uint_attr(t, "port")?
                    }
                    None => None,
                };
                if source == ChrSource::UnixAuto {
                    return Err(missing_chr_path());
                }
                if source == ChrSource::SpiceVmc {
                    return Err(ConfError::NotImplemented(format!(
                        "this serial type '{}'",
                        source.as_str()
                    )));
                }
                out.serials.push(Serial {
                    source,
                    log,
                    port,
                    alias: parse_alias(n, live)?,
                });
            }
            "console" => {
                let (source, log) = parse_chr_source(n, &["target"], live)?;
                let (target_type, port) = match child(n, "target") {
                    Some(t) => (attr(t, "type"), uint_attr(t, "port")?),
                    None => (None, None),
                };
                // a serial console prints the source of its serial port, whatever its type;
                // a virtio console takes any source with a path
                if source == ChrSource::UnixAuto {
                    return Err(missing_chr_path());
                }
                let source_ok = source != ChrSource::SpiceVmc;
                if !source_ok
                    || !matches!(
                        target_type.as_deref(),
                        None | Some("serial") | Some("virtio")
                    )
                {
                    return Err(ConfError::NotImplemented("this <console>".into()));
                }
                out.consoles.push(Console {
                    source,
                    log,
                    target_type,
                    port,
                    alias: parse_alias(n, live)?,
                });
            }
            "channel" => {
                let (source, log) = parse_chr_source(n, &["target", "address"], live)?;
                // the socket path libvirt 9.0 used to generate is dropped again
                let source = match source {
                    ChrSource::Unix { path, .. }
                        if !live && path.starts_with("/var/lib/libvirt/qemu/channel/target/") =>
                    {
                        ChrSource::UnixAuto
                    }
                    s => s,
                };
                let generated =
                    |p: &str| live && p.starts_with("/var/lib/libvirt/qemu/channel/target/");
                let source_ok = match &source {
                    ChrSource::UnixAuto
                    | ChrSource::SpiceVmc
                    | ChrSource::Pty { .. }
                    | ChrSource::File { .. } => true,
                    ChrSource::Unix { mode, path } => {
                        (mode == "bind" && generated(path))
                            || !path.starts_with("/var/lib/libvirt/qemu/channel/target/")
                    }
                    _ => false,
                };
                if log.is_some() || !source_ok {
                    return Err(ConfError::NotImplemented("this <channel> source".into()));
                }
                let Some(t) = child(n, "target") else {
                    return Err(ConfError::NotImplemented(
                        "<channel> without a target".into(),
                    ));
                };
                if t.attribute("type") != Some("virtio") {
                    return Err(ConfError::NotImplemented(
                        "channel targets other than virtio".into(),
                    ));
                }
                let address = parse_address(n)?;
                let state = match t.attribute("state").filter(|_| live) {
                    None => None,
                    Some(s @ ("connected" | "disconnected")) => Some(s.to_owned()),
                    Some(s) => {
                        return Err(ConfError::NotImplemented(format!("channel state '{s}'")))
                    }
                };
                out.channels.push(Channel {
                    source,
                    name: attr(t, "name"),
                    state,
                    alias: parse_alias(n, live)?,
                    address,
                });
            }
            "graphics" => out.graphics.push(parse_graphics(n, live)?),
            "tpm" => {
                let model = match n.attribute("model") {
                    None => None,
                    Some(m @ ("tpm-tis" | "tpm-crb")) => Some(m.to_owned()),
                    Some(m) => return Err(ConfError::NotImplemented(format!("tpm model '{m}'"))),
                };
                let b = child(n, "backend");
                let ok = b.is_some_and(|b| {
                    b.attribute("type") == Some("emulator")
                        && !b.children().any(|c| c.is_element())
                        && b.attributes()
                            .all(|a| matches!(a.name(), "type" | "version" | "persistent_state"))
                }) && !n
                    .children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "backend" | "alias"));
                let Some(b) = b.filter(|_| ok) else {
                    return Err(ConfError::NotImplemented(
                        "tpm other than a plain emulator backend".into(),
                    ));
                };
                let version = match b.attribute("version") {
                    None => None,
                    Some(v @ ("1.2" | "2.0")) => Some(v.to_owned()),
                    Some(v) => return Err(ConfError::NotImplemented(format!("tpm version '{v}'"))),
                };
                if !out.tpms.is_empty() {
                    return Err(ConfError::NotImplemented("several <tpm>".into()));
                }
                out.tpms.push(Tpm {
                    model,
                    version,
                    persistent_state: yes_no(b, "persistent_state")?,
                    alias: parse_alias(n, live)?,
                });
            }
            "video" => {
                let m = child(n, "model");
                if n.children().any(|c| {
                    c.is_element() && !matches!(c.tag_name().name(), "model" | "address" | "alias")
                }) || m.is_some_and(|m| {
                    m.children()
                        .any(|c| c.is_element() && c.tag_name().name() != "acceleration")
                }) {
                    return Err(ConfError::NotImplemented("<video> children".into()));
                }
                let accel = m.and_then(|m| child(m, "acceleration"));
                if accel.is_some_and(|a| {
                    a.attributes()
                        .any(|x| !matches!(x.name(), "accel3d" | "accel2d"))
                }) {
                    return Err(ConfError::NotImplemented(
                        "this video <acceleration>".into(),
                    ));
                }
                let model = match m.and_then(|m| m.attribute("type")) {
                    Some(t @ ("vga" | "cirrus" | "qxl" | "virtio" | "bochs" | "none")) => t.into(),
                    Some(t) => return Err(ConfError::NotImplemented(format!("video model '{t}'"))),
                    None => return Err(ConfError::NotImplemented("video without a model".into())),
                };
                let get = |k: &str| -> Result<Option<u32>> {
                    match m {
                        Some(m) => uint_attr(m, k),
                        None => Ok(None),
                    }
                };
                if m.is_some_and(|m| {
                    m.attribute("vram64").is_some() || m.attribute("blob").is_some()
                }) {
                    return Err(ConfError::NotImplemented("video vram64/blob".into()));
                }
                let primary = match m {
                    Some(m) => yes_no(m, "primary")?.unwrap_or(false),
                    None => false,
                };
                out.videos.push(Video {
                    model,
                    ram: get("ram")?,
                    vram: get("vram")?,
                    vgamem: get("vgamem")?,
                    heads: get("heads")?,
                    primary,
                    accel3d: accel.map(|a| yes_no(a, "accel3d")).transpose()?.flatten(),
                    accel2d: accel.map(|a| yes_no(a, "accel2d")).transpose()?.flatten(),
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "sound" => {
                let model = match n.attribute("model") {
                    Some(m @ ("ich9" | "ich6" | "ac97" | "usb")) => m.to_owned(),
                    Some(m) => return Err(ConfError::NotImplemented(format!("sound model '{m}'"))),
                    None => return Err(ConfError::NotImplemented("sound without a model".into())),
                };
                let mut codecs = Vec::new();
                let mut audio_id = None;
                for c in n.children().filter(|c| c.is_element()) {
                    match c.tag_name().name() {
                        "codec" => match c.attribute("type") {
                            Some(t @ ("duplex" | "micro" | "output")) => codecs.push(t.to_owned()),
                            _ => return Err(ConfError::NotImplemented("sound codec".into())),
                        },
                        "audio" => audio_id = uint_attr(c, "id")?,
                        "address" | "alias" => {}
                        other => {
                            return Err(ConfError::NotImplemented(format!("<sound><{other}>")))
                        }
                    }
                }
                out.sounds.push(Sound {
                    model,
                    codecs,
                    audio_id,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "rng" => {
                let model = match n.attribute("model") {
                    Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => {
                        m.to_owned()
                    }
                    Some(m) => return Err(ConfError::Xml(format!("Unknown RNG model '{m}'"))),
                    None => return Err(ConfError::Xml("missing RNG device model".into())),
                };
                if n.children().any(|c| {
                    c.is_element()
                        && !matches!(
                            c.tag_name().name(),
                            "backend" | "rate" | "address" | "alias"
                        )
                }) {
                    return Err(ConfError::NotImplemented("<rng> children".into()));
                }
                let b = child(n, "backend")
                    .ok_or_else(|| ConfError::Xml("missing RNG device backend".into()))?;
                let (backend, egd) = match b.attribute("model") {
                    Some("random") => {
                        let path = text_of(b);
                        let path = if path.is_empty() {
                            "/dev/urandom".to_owned()
                        } else {
                            path
                        };
                        if !matches!(path.as_str(), "/dev/urandom" | "/dev/random" | "/dev/hwrng") {
                            return Err(ConfError::NotImplemented(
                                "rng backends other than /dev/urandom, /dev/random and /dev/hwrng"
                                    .into(),
                            ));
                        }
                        (path, None)
                    }
                    Some("egd") => {
                        if b.attribute("type").is_none() {
                            return Err(ConfError::Xml("missing EGD backend type".into()));
                        }
                        let (src, _) = parse_chr_source(b, &[], live)?;
                        (String::new(), Some(src))
                    }
                    Some(m) => return Err(ConfError::NotImplemented(format!("rng backend '{m}'"))),
                    None => return Err(ConfError::Xml("missing RNG device backend model".into())),
                };
                let rate = match child(n, "rate") {
                    None => None,
                    Some(r) => Some((
                        uint_attr(r, "bytes")?
                            .ok_or_else(|| ConfError::Xml("missing RNG rate bytes".into()))?,
                        uint_attr(r, "period")?,
                    )),
                };
                out.rngs.push(Rng {
                    model,
                    rate,
                    backend,
                    egd,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "watchdog" => {
                let model = match n.attribute("model") {
                    Some(m @ ("i6300esb" | "ib700" | "itco")) => m.to_owned(),
                    Some(m) => {
                        return Err(ConfError::NotImplemented(format!("watchdog model '{m}'")))
                    }
                    None => {
                        return Err(ConfError::NotImplemented("watchdog without a model".into()))
                    }
                };
                let action = match n.attribute("action") {
                    None => "reset".to_owned(),
                    Some(
                        a @ ("reset" | "shutdown" | "poweroff" | "pause" | "none" | "inject-nmi"),
                    ) => a.to_owned(),
                    Some(a) => {
                        return Err(ConfError::NotImplemented(format!("watchdog action '{a}'")))
                    }
                };
                if n.children()
                    .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
                {
                    return Err(ConfError::NotImplemented("<watchdog> children".into()));
                }
                if out.watchdog.is_some() {
                    return Err(ConfError::Internal(
                        "only a single watchdog device is supported".into(),
                    ));
                }
                out.watchdog = Some(Watchdog {
                    model,
                    action,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "redirdev" => {
                if n.attribute("bus").is_some_and(|b| b != "usb") {
                    return Err(ConfError::NotImplemented("redirdev other than usb".into()));
                }
                if !matches!(n.attribute("type"), Some("spicevmc" | "tcp")) {
                    return Err(ConfError::NotImplemented(
                        "redirdev other than spicevmc and tcp".into(),
                    ));
                }
                let (source, log) = parse_chr_source(n, &["boot", "address"], live)?;
                if log.is_some() || child(n, "boot").is_some() {
                    return Err(ConfError::NotImplemented("this <redirdev>".into()));
                }
                let address = parse_address(n)?;
                out.redirdevs.push(Redirdev {
                    source,
                    alias: parse_alias(n, live)?,
                    address,
                });
            }
            "smartcard" => {
                if n.attribute("mode") != Some("passthrough") {
                    return Err(ConfError::NotImplemented(
                        "smartcard other than passthrough".into(),
                    ));
                }
                let (source, log) = parse_chr_source(n, &["address"], live)?;
                if log.is_some() {
                    return Err(ConfError::NotImplemented("<smartcard><log>".into()));
                }
                out.smartcards.push(Smartcard {
                    source,
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            "redirfilter" => {
                let mut rules = Vec::new();
                for u in children(n, "usbdev") {
                    let hex = |k: &str, max: u32| -> Result<Option<u32>> {
                        match u.attribute(k) {
                            None | Some("-1") => Ok(None),
                            Some(v) => v
                                .strip_prefix("0x")
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .or_else(|| v.parse::<u32>().ok())
                                .filter(|x| *x <= max)
                                .map(Some)
                                .ok_or_else(|| {
                                    ConfError::Internal(format!(
                                        "Cannot parse USB device {k} '{v}'"
                                    ))
                                }),
                        }
                    };
                    let version = match u.attribute("version") {
                        None | Some("-1") => None,
                        Some(v) => {
                            let bad = || {
                                ConfError::Internal(format!(
                                    "Cannot parse USB device version '{v}'"
                                ))
                            };
                            let (a, b) = v.split_once('.').ok_or_else(bad)?;
                            Some((
                                a.parse::<u32>().map_err(|_| bad())?,
                                b.parse::<u32>().ok().filter(|x| *x < 100).ok_or_else(bad)?,
                            ))
                        }
                    };
                    let allow = match u.attribute("allow") {
                        Some("yes") => true,
                        Some("no") => false,
                        Some(v) => return Err(bad_attr(u, "allow", v)),
                        None => {
                            return Err(ConfError::Internal(
                                "USB redirfilter rule is missing allow attribute".into(),
                            ))
                        }
                    };
                    rules.push(UsbdevRule {
                        class: hex("class", 0xff)?,
                        vendor: hex("vendor", 0xffff)?,
                        product: hex("product", 0xffff)?,
                        version,
                        allow,
                    });
                }
                out.redirfilter = Some(rules);
            }
            "hub" => {
                match n.attribute("type") {
                    Some("usb") => {}
                    Some(t) => {
                        return Err(ConfError::Internal(format!(
                            "unknown hub device type '{t}'"
                        )))
                    }
                    None => return Err(ConfError::Internal("missing hub device type".into())),
                }
                out.hubs.push(Hub {
                    alias: parse_alias(n, live)?,
                    address: parse_address(n)?,
                });
            }
            other if KNOWN_DEVICES.contains(&other) => {
                return Err(ConfError::NotImplemented(format!("device <{other}>")))
            }
            // libvirt ignores elements it does not know
            _ => {}
        }
    }
    out.disks = super::device_order::order_disks(std::mem::take(&mut out.disks));
    if !live {
        out.controllers =
            super::device_order::order_controllers(std::mem::take(&mut out.controllers));
    }
    Ok(out)
}
impl Domain {
    pub(super) fn format_devices(&self, w: &mut Writer, cx: Ctx) {
        let d = &self.devices;
        let x86 = self
            .os
            .arch
            .as_deref()
            .is_none_or(|a| a == "x86_64" || a == "i686");
        w.child("devices", &[], |w| {
            if let Some(e) = &d.emulator {
                w.text("emulator", &[], e);
            }
            for disk in &d.disks {
                format_disk(w, disk, cx);
            }
            for c in &d.controllers {
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
                        let a: Vec<(&str, String)> =
                            c.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
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
            for f in &d.filesystems {
                format_filesystem(w, f, cx);
            }
            for n in &d.interfaces {
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
                            let p: Vec<(&str, String)> =
                                params.iter().map(|(k, v)| (*k, v.clone())).collect();
                            w.empty("parameters", &p);
                        }
                    });
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
                    let a: Vec<(&str, String)> =
                        n.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
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
            for sc in &d.smartcards {
                w.child(
                    "smartcard",
                    &[
                        ("mode", "passthrough".into()),
                        ("type", sc.source.as_str().into()),
                    ],
                    |w| {
                        format_chr_source(w, &sc.source, cx);
                        cx.alias(w, &sc.alias);
                        format_address(w, &sc.address);
                    },
                );
            }
            for sr in &d.serials {
                w.open("serial", &[("type", sr.source.as_str().into())]);
                format_chr_source(w, &sr.source, cx);
                format_chr_log(w, &sr.log);
                let port = sr.port.unwrap_or(0).to_string();
                w.child(
                    "target",
                    &[("type", "isa-serial".into()), ("port", port)],
                    |w| w.empty("model", &[("name", "isa-serial".into())]),
                );
                cx.alias(w, &sr.alias);
                w.close("serial");
            }
            type ConsoleOut = (ChrSource, Option<ChrLog>, String, u32, Option<String>);
            let mut consoles: Vec<ConsoleOut> = Vec::new();
            for (n, c) in d.consoles.iter().enumerate() {
                let serial_target = matches!(c.target_type.as_deref(), None | Some("serial"));
                match d.serials.get(n).filter(|_| serial_target) {
                    // libvirt's console 0 is a copy of serial 0, alias included
                    Some(sr) => consoles.push((
                        sr.source.clone(),
                        sr.log.clone(),
                        "serial".into(),
                        sr.port.unwrap_or(0),
                        if n == 0 {
                            sr.alias.clone().or_else(|| c.alias.clone())
                        } else {
                            c.alias.clone()
                        },
                    )),
                    None => consoles.push((
                        c.source.clone(),
                        c.log.clone(),
                        c.target_type.clone().unwrap_or_else(|| "serial".into()),
                        c.port.unwrap_or(0),
                        c.alias.clone(),
                    )),
                }
            }
            if d.consoles.is_empty() {
                if let Some(sr) = d.serials.first() {
                    consoles.push((
                        sr.source.clone(),
                        sr.log.clone(),
                        "serial".into(),
                        sr.port.unwrap_or(0),
                        sr.alias.clone(),
                    ));
                }
            }
            for (src, log, ty, port, alias) in &consoles {
                let mut a = vec![("type", src.as_str().to_string())];
                if let (true, ChrSource::Pty { path: Some(p) }) = (cx.live, src) {
                    a.push(("tty", p.clone()));
                }
                w.open("console", &a);
                format_chr_source(w, src, cx);
                format_chr_log(w, log);
                w.empty(
                    "target",
                    &[("type", ty.clone()), ("port", port.to_string())],
                );
                cx.alias(w, alias);
                w.close("console");
            }
            for ch in &d.channels {
                w.open("channel", &[("type", ch.source.as_str().into())]);
                // the socket path libvirt generates is runtime state
                let generated = matches!(&ch.source, ChrSource::Unix { path, .. }
                    if path.starts_with("/var/lib/libvirt/qemu/channel/target/"));
                if cx.live || !generated {
                    format_chr_source(w, &ch.source, cx);
                }
                let mut a = vec![("type", "virtio".to_string())];
                if let Some(n) = &ch.name {
                    a.push(("name", n.clone()));
                }
                if let (true, Some(st)) = (cx.live, &ch.state) {
                    a.push(("state", st.clone()));
                }
                w.empty("target", &a);
                cx.alias(w, &ch.alias);
                format_address(w, &ch.address);
                w.close("channel");
            }
            for i in &d.inputs {
                // libvirt drops the implicit PS/2 keyboard from the migratable form
                if cx.migratable
                    && x86
                    && i.kind == "keyboard"
                    && i.bus.as_deref() == Some("ps2")
                    && !cx.shows_alias(&i.alias)
                {
                    continue;
                }
                let mut a = vec![("type", i.kind.clone())];
                if let Some(b) = &i.bus {
                    a.push(("bus", b.clone()));
                }
                if i.address.is_some() || cx.shows_alias(&i.alias) {
                    w.child("input", &a, |w| {
                        cx.alias(w, &i.alias);
                        format_address(w, &i.address)
                    });
                } else {
                    w.empty("input", &a);
                }
            }
            for t in &d.tpms {
                let mut a = Vec::new();
                if let Some(m) = &t.model {
                    a.push(("model", m.clone()));
                }
                w.open("tpm", &a);
                let mut b = vec![("type", "emulator".to_string())];
                if let Some(v) = &t.version {
                    b.push(("version", v.clone()));
                }
                if let Some(p) = t.persistent_state {
                    b.push(("persistent_state", fmt_yes_no(p)));
                }
                w.empty("backend", &b);
                cx.alias(w, &t.alias);
                w.close("tpm");
            }
            for g in &d.graphics {
                format_graphics(w, g, cx);
            }
            for snd in &d.sounds {
                w.open("sound", &[("model", snd.model.clone())]);
                for c in &snd.codecs {
                    w.empty("codec", &[("type", c.clone())]);
                }
                if let Some(id) = snd.audio_id {
                    w.empty("audio", &[("id", id.to_string())]);
                }
                cx.alias(w, &snd.alias);
                format_address(w, &snd.address);
                w.close("sound");
            }
            for au in &d.audios {
                // libvirt drops the implicit `none` backend from the migratable form
                if cx.migratable && au.kind == "none" && d.audios.len() == 1 && d.sounds.is_empty()
                {
                    continue;
                }
                w.empty(
                    "audio",
                    &[("id", au.id.to_string()), ("type", au.kind.clone())],
                );
            }
            for v in &d.videos {
                w.open("video", &[]);
                let mut a = vec![("type", v.model.clone())];
                for (k, x) in [
                    ("ram", v.ram),
                    ("vram", v.vram),
                    ("vgamem", v.vgamem),
                    ("heads", v.heads),
                ] {
                    if let Some(x) = x {
                        a.push((k, x.to_string()));
                    }
                }
                if v.primary {
                    a.push(("primary", "yes".into()));
                }
                let mut acc = Vec::new();
                if let Some(x) = v.accel3d {
                    acc.push(("accel3d", fmt_yes_no(x)));
                }
                if let Some(x) = v.accel2d {
                    acc.push(("accel2d", fmt_yes_no(x)));
                }
                w.child("model", &a, |w| {
                    if !acc.is_empty() {
                        w.empty("acceleration", &acc);
                    }
                });
                cx.alias(w, &v.alias);
                format_address(w, &v.address);
                w.close("video");
            }
            for h in &d.hostdevs {
                format_hostdev(w, h, cx);
            }
            for r in &d.redirdevs {
                let a = [
                    ("bus", "usb".to_string()),
                    ("type", r.source.as_str().into()),
                ];
                w.child("redirdev", &a, |w| {
                    format_chr_source(w, &r.source, cx);
                    cx.alias(w, &r.alias);
                    format_address(w, &r.address)
                });
            }
            if let Some(rules) = &d.redirfilter {
                w.child("redirfilter", &[], |w| {
                    for u in rules {
                        let mut a = Vec::new();
                        if let Some(c) = u.class {
                            a.push(("class", format!("0x{c:02x}")));
                        }
                        if let Some(v) = u.vendor {
                            a.push(("vendor", format!("0x{v:04X}")));
                        }
                        if let Some(p) = u.product {
                            a.push(("product", format!("0x{p:04X}")));
                        }
                        if let Some((ma, mi)) = u.version {
                            a.push(("version", format!("{ma}.{mi:02}")));
                        }
                        a.push(("allow", fmt_yes_no(u.allow)));
                        w.empty("usbdev", &a);
                    }
                });
            }
            for h in &d.hubs {
                w.child("hub", &[("type", "usb".to_owned())], |w| {
                    cx.alias(w, &h.alias);
                    format_address(w, &h.address)
                });
            }
            if let Some(wd) = &d.watchdog {
                let a = [("model", wd.model.clone()), ("action", wd.action.clone())];
                if wd.address.is_some() || cx.shows_alias(&wd.alias) {
                    w.child("watchdog", &a, |w| {
                        cx.alias(w, &wd.alias);
                        format_address(w, &wd.address)
                    });
                } else {
                    w.empty("watchdog", &a);
                }
            }
            if let Some(m) = &d.memballoon {
                let mut a = vec![("model", m.model.clone())];
                if let Some(v) = m.autodeflate {
                    a.push(("autodeflate", fmt_on_off(v)));
                }
                if let Some(v) = m.free_page_reporting {
                    a.push(("freePageReporting", fmt_on_off(v)));
                }
                w.child("memballoon", &a, |w| {
                    if let Some(p) = m.period {
                        w.empty("stats", &[("period", p.to_string())]);
                    }
                    cx.alias(w, &m.alias);
                    format_address(w, &m.address);
                });
            }
            for r in &d.rngs {
                w.open("rng", &[("model", r.model.clone())]);
                if let Some((bytes, period)) = r.rate {
                    let mut a = vec![("bytes", bytes.to_string())];
                    if let Some(p) = period {
                        a.push(("period", p.to_string()));
                    }
                    w.empty("rate", &a);
                }
                match &r.egd {
                    Some(src) => w.child(
                        "backend",
                        &[("model", "egd".into()), ("type", src.as_str().into())],
                        |w| format_chr_source(w, src, cx),
                    ),
                    None => w.text("backend", &[("model", "random".into())], &r.backend),
                }
                cx.alias(w, &r.alias);
                format_address(w, &r.address);
                w.close("rng");
            }
            for p in &d.panics {
                let a = match &p.model {
                    Some(m) => vec![("model", m.clone())],
                    None => Vec::new(),
                };
                if p.address.is_some() || cx.shows_alias(&p.alias) {
                    w.open("panic", &a);
                    cx.alias(w, &p.alias);
                    format_address(w, &p.address);
                    w.close("panic");
                } else {
                    w.empty("panic", &a);
                }
            }
            for s in &d.shmems {
                w.open("shmem", &[("name", s.name.clone())]);
                if let Some(m) = &s.model {
                    w.empty("model", &[("type", m.clone())]);
                }
                if let Some(sz) = s.size {
                    w.text("size", &[("unit", "M".into())], &(sz >> 20).to_string());
                }
                cx.alias(w, &s.alias);
                format_address(w, &s.address);
                w.close("shmem");
            }
            for m in &d.memories {
                w.open("memory", &[("model", m.model.clone())]);
                w.open("target", &[]);
                w.text("size", &[("unit", "KiB".into())], &m.size_kib.to_string());
                if let Some(node) = m.node {
                    w.text("node", &[], &node.to_string());
                }
                w.close("target");
                cx.alias(w, &m.alias);
                format_address(w, &m.address);
                w.close("memory");
            }
            if let Some(io) = &d.iommu {
                w.child("iommu", &[("model", io.model.clone())], |w| {
                    if !io.driver.is_empty() {
                        let a: Vec<(&str, String)> =
                            io.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
                        w.empty("driver", &a);
                    }
                    cx.alias(w, &io.alias);
                });
            }
            if let Some(v) = &d.vsock {
                let a = match &v.model {
                    Some(m) => vec![("model", m.clone())],
                    None => Vec::new(),
                };
                w.child("vsock", &a, |w| {
                    let mut c = Vec::new();
                    if let Some(auto) = v.cid_auto {
                        c.push(("auto", fmt_yes_no(auto)));
                    }
                    if let Some(x) = v.cid {
                        c.push(("address", x.to_string()));
                    }
                    if !c.is_empty() {
                        w.empty("cid", &c);
                    }
                    cx.alias(w, &v.alias);
                    format_address(w, &v.address);
                });
            }
        });
    }
}
