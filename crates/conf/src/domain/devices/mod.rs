//! `<devices>`: the list of a domain's devices, read and printed by a dispatch over the element
//! names; each device family (its type, parse, defaults and format) lives in a module of its own.

use super::format::{fmt_on_off, fmt_yes_no, Ctx};
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;
use std::collections::HashMap;

mod chardev;
mod controller;
mod disk;
mod disk_encryption;
mod disk_mirror;
mod filesystem;
mod graphics;
mod hostdev;
mod hub;
mod input;
mod interface;
mod iommu;
mod memballoon;
mod memory;
mod panic;
mod redirdev;
mod rng;
mod shmem;
mod smartcard;
mod sound;
mod tpm;
mod video;
mod vsock;
mod watchdog;

pub use chardev::*;
pub use controller::*;
pub use disk::*;
pub use disk_encryption::{disk_secret_file, DiskEncryption};
pub use disk_mirror::DiskMirror;
pub use filesystem::*;
pub use graphics::*;
pub use hostdev::*;
pub use hub::*;
pub use input::*;
pub use interface::*;
pub use iommu::*;
pub use memballoon::*;
pub use memory::*;
pub use panic::*;
pub use redirdev::*;
pub use rng::*;
pub use shmem::*;
pub use smartcard::*;
pub use sound::*;
pub use tpm::*;
pub use video::*;
pub use vsock::*;
pub use watchdog::*;

/// `<devices>`: the kinds modelled so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Devices {
    /// `<emulator>`: the QEMU binary; the host's default after post-parse.
    pub emulator: Option<String>,
    /// `<disk>`s in libvirt's order (by bus and target).
    pub disks: Vec<Disk>,
    /// `<controller>`s in libvirt's order.
    pub controllers: Vec<Controller>,
    /// `<filesystem>`s.
    pub filesystems: Vec<Filesystem>,
    /// `<interface>`s.
    pub interfaces: Vec<Interface>,
    /// `<serial>`s.
    pub serials: Vec<Serial>,
    /// `<console>`s.
    pub consoles: Vec<Console>,
    /// `<channel>`s.
    pub channels: Vec<Channel>,
    /// `<input>`s.
    pub inputs: Vec<Input>,
    /// `<tpm>`s.
    pub tpms: Vec<Tpm>,
    /// `<graphics>`.
    pub graphics: Vec<Graphics>,
    /// `<sound>`s.
    pub sounds: Vec<Sound>,
    /// `<audio>` backends.
    pub audios: Vec<Audio>,
    /// `<video>`s, the primary first.
    pub videos: Vec<Video>,
    /// `<hostdev>`s.
    pub hostdevs: Vec<Hostdev>,
    /// `<smartcard>`s.
    pub smartcards: Vec<Smartcard>,
    /// `<redirdev>`s.
    pub redirdevs: Vec<Redirdev>,
    /// `<redirfilter>` rules.
    pub redirfilter: Option<Vec<UsbdevRule>>,
    /// `<hub type='usb'>`s, the ones libvirt adds when the USB controllers' ports do not
    /// suffice included.
    pub hubs: Vec<Hub>,
    /// `<watchdog>`.
    pub watchdog: Option<Watchdog>,
    /// `<memballoon>`; post-parse adds a virtio one.
    pub memballoon: Option<Memballoon>,
    /// `<rng>`s.
    pub rngs: Vec<Rng>,
    /// `<memory model='dimm'>` devices (memory hotplug).
    pub memories: Vec<MemoryDevice>,
    /// `<panic>`s.
    pub panics: Vec<Panic>,
    /// `<shmem>`s.
    pub shmems: Vec<Shmem>,
    /// `<iommu>`.
    pub iommu: Option<Iommu>,
    /// `<vsock>`.
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
    let mut disk_targets: HashMap<String, usize> = HashMap::new();
    // one more than the highest index of each controller type so far (the default index)
    let mut next_controller: HashMap<String, u32> = HashMap::new();
    // index of the last USB controller that is no companion, for the companions after it
    let mut last_usb_master: Option<u32> = None;
    for n in d.children().filter(|c| c.is_element()) {
        match n.tag_name().name() {
            "emulator" if out.emulator.is_none() => {
                let t = text_of(n);
                out.emulator = (!t.is_empty()).then_some(t);
            }
            "emulator" => {}
            "disk" => read_disk(&mut out, n, live, &mut disk_targets)?,
            "interface" => out.interfaces.push(parse_interface(n, live)?),
            "controller" => read_controller(
                &mut out,
                n,
                live,
                &mut next_controller,
                &mut last_usb_master,
            )?,
            "input" => read_input(&mut out, n, live)?,
            "audio" => read_audio(&mut out, n)?,
            "memory" => out.memories.push(parse_memory_device(n, live)?),
            "filesystem" => out.filesystems.push(parse_filesystem(n, live)?),
            "hostdev" => out.hostdevs.push(parse_hostdev(n, live)?),
            "panic" => read_panic(&mut out, n, live)?,
            "shmem" => read_shmem(&mut out, n, live)?,
            "iommu" => read_iommu(&mut out, n, live)?,
            "vsock" => read_vsock(&mut out, n, live)?,
            "memballoon" => read_memballoon(&mut out, n, live)?,
            "serial" => read_serial(&mut out, n, live)?,
            "console" => read_console(&mut out, n, live)?,
            "channel" => read_channel(&mut out, n, live)?,
            "graphics" => out.graphics.push(parse_graphics(n, live)?),
            "tpm" => read_tpm(&mut out, n, live)?,
            "video" => read_video(&mut out, n, live)?,
            "sound" => read_sound(&mut out, n, live)?,
            "rng" => read_rng(&mut out, n, live)?,
            "watchdog" => read_watchdog(&mut out, n, live)?,
            "redirdev" => read_redirdev(&mut out, n, live)?,
            "smartcard" => read_smartcard(&mut out, n, live)?,
            "redirfilter" => read_redirfilter(&mut out, n)?,
            "hub" => read_hub(&mut out, n, live)?,
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
                format_controller(w, c, cx);
            }
            for f in &d.filesystems {
                format_filesystem(w, f, cx);
            }
            for n in &d.interfaces {
                format_interface(w, n, cx);
            }
            for sc in &d.smartcards {
                format_smartcard(w, sc, cx);
            }
            for sr in &d.serials {
                format_serial(w, sr, cx);
            }
            format_consoles(w, d, cx);
            for ch in &d.channels {
                format_channel(w, ch, cx);
            }
            for i in &d.inputs {
                format_input(w, i, cx, x86);
            }
            for t in &d.tpms {
                format_tpm(w, t, cx);
            }
            for g in &d.graphics {
                format_graphics(w, g, cx);
            }
            for snd in &d.sounds {
                format_sound(w, snd, cx);
            }
            for au in &d.audios {
                format_audio(w, au, d, cx);
            }
            for v in &d.videos {
                format_video(w, v, cx);
            }
            for h in &d.hostdevs {
                format_hostdev(w, h, cx);
            }
            for r in &d.redirdevs {
                format_redirdev(w, r, cx);
            }
            if let Some(rules) = &d.redirfilter {
                format_redirfilter(w, rules);
            }
            for h in &d.hubs {
                format_hub(w, h, cx);
            }
            if let Some(wd) = &d.watchdog {
                format_watchdog(w, wd, cx);
            }
            if let Some(m) = &d.memballoon {
                format_memballoon(w, m, cx);
            }
            for r in &d.rngs {
                format_rng(w, r, cx);
            }
            for p in &d.panics {
                format_panic(w, p, cx);
            }
            for s in &d.shmems {
                format_shmem(w, s, cx);
            }
            for m in &d.memories {
                format_memory_device(w, m, cx);
            }
            if let Some(io) = &d.iommu {
                format_iommu(w, io, cx);
            }
            if let Some(v) = &d.vsock {
                format_vsock(w, v, cx);
            }
        });
    }
}
