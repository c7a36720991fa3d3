//! The domain (`<domain>`) document: typed model, parser, QEMU defaults and formatter.

mod address;
mod alias;
mod clock;
mod commandline;
mod cpu;
mod device_edit;
mod device_order;
mod devices;
mod features;
mod format;
mod lifecycle;
mod memory;
mod metadata;
mod os;
mod parse;
mod pci_address;
mod pci_address_set;
mod post_parse;
mod resource;
mod seclabel;
pub mod status;
mod sysinfo;
mod usb;
mod validate;
mod vcpu;

pub use address::*;
pub use alias::{assign_aliases, controller_alias, disk_alias};
pub use clock::*;
pub use commandline::*;
pub use cpu::*;
pub use device_edit::{
    attach_config, detach_alias_config, detach_config, find_interface, parse_device,
    parse_device_live, update_config, DeviceXml,
};
pub use devices::*;
pub use features::*;
pub use lifecycle::*;
pub use memory::*;
pub(crate) use metadata::parse_metadata;
pub use os::*;
pub use parse::parse;
pub use parse::parse_cpuset;
pub use parse::parse_element;
pub use parse::parse_live;
pub use parse::parse_uuid;

pub(crate) use parse::{parse_u64, random_uuid, unit_scale};
pub use post_parse::{post_parse, MachineType, QemuCaps};
pub use resource::*;
pub use seclabel::SecLabel;
pub use status::{parse_status, DomainStatus, VolumeSource, STATUS_VERSION};
pub use sysinfo::*;
pub use validate::validate;
pub use vcpu::*;

use crate::xml::Element;

/// `virDomainVirtType` values the QEMU driver handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirtType {
    /// `type='qemu'` (TCG).
    Qemu,
    /// `type='kvm'`.
    Kvm,
    /// Another type libvirt knows (`xen`, `lxc`, ...): parsed, refused by post-parse.
    Other(String),
}

impl VirtType {
    /// The `type=` in the XML.
    pub fn as_str(&self) -> &str {
        match self {
            VirtType::Qemu => "qemu",
            VirtType::Kvm => "kvm",
            VirtType::Other(s) => s,
        }
    }
}

/// A domain definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// `type=`.
    pub virt_type: VirtType,
    /// The running domain's id: `<domain id=>`, printed only in the live form and read back
    /// only by the live (status) parser.
    pub id: Option<i32>,
    /// `<name>`.
    pub name: String,
    /// `<uuid>` (generated when missing).
    pub uuid: [u8; 16],
    /// `<genid>` (generated when empty).
    pub genid: Option<[u8; 16]>,
    /// `<title>`.
    pub title: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// Foreign-namespace elements of `<metadata>`, kept verbatim.
    pub metadata: Option<Vec<Element>>,
    /// `<maxMemory slots=>` of memory hotplug.
    pub max_memory: Option<MaxMemory>,
    /// `<memory>` in KiB.
    pub memory_kib: u64,
    /// `<currentMemory>` in KiB; `None` until post-parse sets it to `memory_kib`.
    pub current_memory_kib: Option<u64>,
    /// `<memtune>`: `(element, KiB)` in libvirt's order.
    pub memtune: Vec<(&'static str, u64)>,
    /// `<blkiotune>`.
    pub blkiotune: Option<Blkiotune>,
    /// `<memoryBacking>`.
    pub memory_backing: Option<MemoryBacking>,
    /// `<vcpu>`.
    pub vcpu: Vcpu,
    /// `<iothreads>`.
    pub iothreads: u32,
    /// `<iothreadids>` was given (its ids are 1..=`iothreads`, the only form modelled).
    pub iothreadids: bool,
    /// `<cputune>`.
    pub cputune: Option<Cputune>,
    /// `<numatune><memory mode='strict' placement='auto'/></numatune>` (the only form
    /// modelled so far: the one libvirt adds for `<vcpu placement='auto'>`).
    pub numatune_auto: bool,
    /// `<numatune>` with static placement (a nodeset), when not `numatune_auto`.
    pub numatune: Option<Numatune>,
    /// `<resource>`: the cgroup partition and the Fibre Channel application id. Only kept
    /// and printed: oxvirt does not place domains in cgroups.
    pub resource: Option<Resource>,
    /// `<sysinfo type='smbios'>`.
    pub sysinfo: Option<Sysinfo>,
    /// `<sysinfo type='fwcfg'>` entries: `(name, file, value)`.
    pub fwcfg: Option<Vec<(String, Option<String>, String)>>,
    /// `<os>`.
    pub os: Os,
    /// `<features>`.
    pub features: Features,
    /// `<cpu>`.
    pub cpu: Option<Cpu>,
    /// `<clock>`.
    pub clock: Clock,
    /// `<on_poweroff>`.
    pub on_poweroff: Lifecycle,
    /// `<on_reboot>`.
    pub on_reboot: Lifecycle,
    /// `<on_crash>`.
    pub on_crash: Lifecycle,
    /// `<on_lockfailure>`: poweroff, restart, pause or ignore.
    pub on_lockfailure: Option<String>,
    /// `<pm>`.
    pub pm: Pm,
    /// `<devices>`.
    pub devices: Devices,
    /// `<seclabel>`s, after the devices.
    pub seclabels: Vec<SecLabel>,
    /// `<qemu:commandline>` of the QEMU namespace: extra arguments and environment.
    pub qemu_commandline: Option<QemuCommandline>,
}

/// Formatting flags (`VIR_DOMAIN_XML_INACTIVE`): `inactive == false` is the live form (id,
/// aliases, pty paths and the other runtime facts). See [`FormatOptions`] for the other flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatFlags {
    /// The persistent definition (`VIR_DOMAIN_XML_INACTIVE`), without runtime facts.
    pub inactive: bool,
}

/// All formatting flags (`VIR_DOMAIN_XML_*`), for [`Domain::format_with`].
///
/// Kept apart from [`FormatFlags`] so that its struct literals elsewhere keep compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatOptions {
    /// `VIR_DOMAIN_XML_INACTIVE`: the persistent form, without runtime facts.
    pub inactive: bool,
    /// `VIR_DOMAIN_XML_SECURE`: print secrets (the graphics `passwd=`).
    pub secure: bool,
    /// `VIR_DOMAIN_XML_MIGRATABLE`: the form another libvirt accepts. Implemented so far: no
    /// runtime facts except the disk `<backingStore/>` (as libvirt), and libvirt's removal of
    /// the implicit PS/2 keyboard and of the implicit `<audio type='none'>`. Not implemented:
    /// the original (non-expanded) guest CPU is the caller's to pass, and libvirt's controller
    /// reordering.
    pub migratable: bool,
}

impl From<FormatFlags> for FormatOptions {
    fn from(f: FormatFlags) -> Self {
        FormatOptions {
            inactive: f.inactive,
            ..FormatOptions::default()
        }
    }
}

/// A UUID as libvirt prints it (`6695eb01-f6a4-8304-79aa-97f2502e193f`).
pub fn uuid_string(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Format a CPU set as libvirt's `virBitmapFormat` does: `0-3,5,7-8`.
pub fn format_cpuset(set: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < set.len() {
        let start = set[i];
        let mut end = start;
        while i + 1 < set.len() && set[i + 1] == end + 1 {
            i += 1;
            end = set[i];
        }
        if start == end {
            parts.push(start.to_string());
        } else {
            parts.push(format!("{start}-{end}"));
        }
        i += 1;
    }
    parts.join(",")
}

/// For fixed-point checks (tests and fuzzing): a formatted document split into everything but
/// its `<controller>` elements, and those elements sorted.
///
/// libvirt 9.0 itself is no fixed point for controller order: its parser sorts controllers by
/// type and index, while the controllers it adds on define (virtio-serial, PCIe root ports) are
/// appended, so defining its own output again can move them (checked with libvirtd 9.0 on
/// edge-disk-buses-q35 and edge-console-virtio). Everything else must stay put.
pub fn split_controllers(doc: &str) -> (String, Vec<String>) {
    let mut rest = String::new();
    let mut ctrls = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.trim_end().lines() {
        if let Some(c) = &mut cur {
            c.push_str(line);
            c.push('\n');
            if line.trim_start().starts_with("</controller>") {
                ctrls.extend(cur.take());
            }
        } else if line.trim_start().starts_with("<controller ") {
            if line.trim_end().ends_with("/>") {
                ctrls.push(line.to_owned());
            } else {
                cur = Some(format!("{line}\n"));
            }
        } else {
            rest.push_str(line);
            rest.push('\n');
        }
    }
    ctrls.extend(cur);
    ctrls.sort();
    (rest, ctrls)
}
