//! The domain (`<domain>`) document: typed model, parser, QEMU defaults and formatter.

mod alias;
mod device_order;
mod format;
mod parse;
mod pci_address;
mod pci_address_set;
mod post_parse;
mod seclabel;
pub mod status;
mod usb;
mod validate;

pub use alias::{assign_aliases, controller_alias, disk_alias};
pub use parse::parse;
pub use parse::parse_live;
pub(crate) use parse::{parse_u64, parse_uuid, random_uuid, unit_scale};
pub use post_parse::{post_parse, MachineType, QemuCaps};
pub use seclabel::SecLabel;
pub use status::{parse_status, DomainStatus, STATUS_VERSION};
pub use validate::validate;

use crate::xml::Element;

/// `virDomainVirtType` values the QEMU driver handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirtType {
    Qemu,
    Kvm,
    /// Another type libvirt knows (`xen`, `lxc`, ...): parsed, refused by post-parse.
    Other(String),
}

impl VirtType {
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
    pub virt_type: VirtType,
    /// The running domain's id: `<domain id=>`, printed only in the live form and read back
    /// only by the live (status) parser.
    pub id: Option<i32>,
    pub name: String,
    pub uuid: [u8; 16],
    pub genid: Option<[u8; 16]>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Foreign-namespace elements of `<metadata>`, kept verbatim.
    pub metadata: Option<Vec<Element>>,
    pub max_memory: Option<MaxMemory>,
    /// `<memory>` in KiB.
    pub memory_kib: u64,
    /// `<currentMemory>` in KiB; `None` until post-parse sets it to `memory_kib`.
    pub current_memory_kib: Option<u64>,
    /// `<memtune>`: `(element, KiB)` in libvirt's order.
    pub memtune: Vec<(&'static str, u64)>,
    pub blkiotune: Option<Blkiotune>,
    pub memory_backing: Option<MemoryBacking>,
    pub vcpu: Vcpu,
    pub iothreads: u32,
    /// `<iothreadids>` was given (its ids are 1..=`iothreads`, the only form modelled).
    pub iothreadids: bool,
    pub cputune: Option<Cputune>,
    /// `<numatune><memory mode='strict' placement='auto'/></numatune>` (the only form
    /// modelled so far: the one libvirt adds for `<vcpu placement='auto'>`).
    pub numatune_auto: bool,
    /// `<numatune>` with static placement (a nodeset), when not `numatune_auto`.
    pub numatune: Option<Numatune>,
    /// `<resource>`: the cgroup partition and the Fibre Channel application id. Only kept
    /// and printed: oxvirt does not place domains in cgroups.
    pub resource: Option<Resource>,
    pub sysinfo: Option<Sysinfo>,
    /// `<sysinfo type='fwcfg'>` entries: `(name, file, value)`.
    pub fwcfg: Option<Vec<(String, Option<String>, String)>>,
    pub os: Os,
    pub features: Features,
    pub cpu: Option<Cpu>,
    pub clock: Clock,
    pub on_poweroff: Lifecycle,
    pub on_reboot: Lifecycle,
    pub on_crash: Lifecycle,
    /// `<on_lockfailure>`: poweroff, restart, pause or ignore.
    pub on_lockfailure: Option<String>,
    pub pm: Pm,
    pub devices: Devices,
    /// `<seclabel>`s, after the devices.
    pub seclabels: Vec<SecLabel>,
    /// `<qemu:commandline>` of the QEMU namespace: extra arguments and environment.
    pub qemu_commandline: Option<QemuCommandline>,
}

/// The namespace of libvirt's QEMU-specific elements.
pub const QEMU_NAMESPACE: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

/// `<qemu:commandline>`: `<qemu:arg value=>`s and `<qemu:env name= value=>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QemuCommandline {
    pub args: Vec<String>,
    pub env: Vec<(String, Option<String>)>,
}

/// `<cputune>`: the scheduler values and the pinnings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cputune {
    pub shares: Option<u64>,
    /// `(element name, value)` of the period/quota values, in libvirt's order.
    pub values: Vec<(&'static str, i64)>,
    /// `(vcpu, cpuset)`, sorted by vCPU.
    pub vcpupin: Vec<(u32, Vec<u32>)>,
    pub emulatorpin: Option<Vec<u32>>,
    /// `(iothread, cpuset)`, sorted by iothread.
    pub iothreadpin: Vec<(u32, Vec<u32>)>,
}

/// The period/quota elements of `<cputune>` in the order libvirt prints them.
pub const CPUTUNE_VALUES: &[&str] = &[
    "global_period",
    "global_quota",
    "period",
    "quota",
    "emulator_period",
    "emulator_quota",
    "iothread_period",
    "iothread_quota",
];

/// The elements of `<memtune>` in the order libvirt prints them.
pub const MEMTUNE_LIMITS: &[&str] = &[
    "hard_limit",
    "soft_limit",
    "min_guarantee",
    "swap_hard_limit",
];

/// `<resource>` (`virDomainResourceDef`): at least one of the two is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resource {
    /// `<partition>`: the cgroup partition, kept verbatim (libvirt checks that it is an
    /// absolute path only when it starts the domain).
    pub partition: Option<String>,
    /// `<fibrechannel appid=>`: the application id tagged on the guest's Fibre Channel I/O
    /// (1 to 128 printable characters).
    pub appid: Option<String>,
}

/// The partition libvirt's privileged QEMU driver puts a domain in when it starts it.
pub const DEFAULT_RESOURCE_PARTITION: &str = "/machine";

impl Domain {
    /// What libvirt's privileged QEMU driver does with `<resource>` when it starts the domain
    /// on a host with cgroups (`virDomainCgroupInitCgroup`): a missing partition becomes
    /// [`DEFAULT_RESOURCE_PARTITION`], and one that is not an absolute path is refused. oxvirt
    /// places nothing in cgroups; this makes the running domain's XML (live, migratable,
    /// status file) and the refusal libvirt's. Call it on the running copy only: the
    /// persistent definition keeps what was defined.
    pub fn start_resource_partition(&mut self) -> Result<(), crate::error::ConfError> {
        let r = self.resource.get_or_insert_with(Resource::default);
        let partition = r
            .partition
            .get_or_insert_with(|| DEFAULT_RESOURCE_PARTITION.to_owned());
        if !partition.starts_with('/') {
            return Err(crate::error::ConfError::unsupported(format!(
                "Resource partition '{partition}' must start with '/'"
            )));
        }
        Ok(())
    }
}

/// `<blkiotune>`: the weight and per-device limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blkiotune {
    pub weight: Option<u32>,
    /// `(path, [(element, value)])` with the elements in libvirt's order.
    pub devices: Vec<(String, Vec<(&'static str, u64)>)>,
}

/// The elements of a `<blkiotune><device>` after `<path>`, in libvirt's order.
pub const BLKIOTUNE_DEVICE: &[&str] = &[
    "weight",
    "read_iops_sec",
    "write_iops_sec",
    "read_bytes_sec",
    "write_bytes_sec",
];

/// `<numatune>` with static placement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numatune {
    /// `<memory mode= nodeset=>`: the mode (strict, preferred, interleave, restrictive) and
    /// host nodes.
    pub memory: Option<(String, Vec<u32>)>,
    /// `<memnode cellid= mode= nodeset=>`, sorted by cell.
    pub memnodes: Vec<(u32, String, Vec<u32>)>,
}

/// `<memoryBacking>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryBacking {
    /// `<hugepages>`: `(page size in KiB, nodeset)`; an empty list for `<hugepages/>`.
    pub hugepages: Option<Vec<(u64, Option<Vec<u32>>)>>,
    pub nosharepages: bool,
    pub locked: bool,
    /// `<source type=>`: file, anonymous or memfd.
    pub source: Option<String>,
    /// `<access mode=>`: shared or private.
    pub access: Option<String>,
    /// `<allocation mode= threads=>`.
    pub allocation: Option<(Option<String>, Option<u32>)>,
    pub discard: bool,
}

/// `<maxMemory slots='N' unit='KiB'>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxMemory {
    pub kib: u64,
    pub slots: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Static,
    Auto,
}

/// `<vcpu placement cpuset current>count</vcpu>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vcpu {
    pub count: u32,
    pub current: Option<u32>,
    pub placement: Placement,
    /// Host CPUs, as a sorted set.
    pub cpuset: Option<Vec<u32>>,
}

/// `<os>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Os {
    /// `<type>` text: `hvm` for QEMU.
    pub os_type: String,
    pub firmware: Option<String>,
    /// `<firmware><feature enabled= name=>`: (name, enabled), in libvirt's order
    /// (enrolled-keys, secure-boot).
    pub firmware_features: Vec<(&'static str, bool)>,
    pub arch: Option<String>,
    pub machine: Option<String>,
    pub loader: Option<Loader>,
    pub nvram: Option<Nvram>,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    pub dtb: Option<String>,
    pub boot: Vec<BootDev>,
    /// `<bootmenu enable= timeout=>`: (enable, timeout in ms).
    pub bootmenu: Option<(bool, Option<u32>)>,
    pub smbios_mode: Option<String>,
    /// `<bios useserial= rebootTimeout=>`.
    pub bios: Option<Bios>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bios {
    pub useserial: Option<bool>,
    pub reboot_timeout: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loader {
    pub readonly: Option<bool>,
    pub secure: Option<bool>,
    pub kind: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nvram {
    pub template: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootDev {
    Fd,
    Cdrom,
    Hd,
    Network,
}

impl BootDev {
    pub fn as_str(self) -> &'static str {
        match self {
            BootDev::Fd => "fd",
            BootDev::Cdrom => "cdrom",
            BootDev::Hd => "hd",
            BootDev::Network => "network",
        }
    }
}

/// `<features>`: each field `None` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Features {
    pub acpi: bool,
    /// `<apic/>`, with `eoi` when given.
    pub apic: Option<Option<bool>>,
    pub pae: bool,
    pub hap: Option<bool>,
    pub viridian: bool,
    pub privnet: bool,
    pub hyperv: Option<HyperV>,
    pub kvm: Option<Vec<(String, bool)>>,
    pub pvspinlock: Option<bool>,
    pub pmu: Option<bool>,
    pub vmport: Option<bool>,
    /// `<smm state=>` with the TSEG size in MiB.
    pub smm: Option<(bool, Option<u64>)>,
    pub ioapic: Option<String>,
    pub vmcoreinfo: Option<bool>,
    /// `<msrs unknown=>`: `ignore` or `fault`.
    pub msrs: Option<String>,
}

/// `<hyperv mode=>` with its enlightenments in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperV {
    pub passthrough: bool,
    pub items: Vec<HyperVItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperVItem {
    pub name: &'static str,
    pub state: bool,
    /// `retries` of spinlocks, `value` of vendor_id.
    pub extra: Option<String>,
    /// `<direct state=>` inside `<stimer>`.
    pub direct: Option<bool>,
}

/// `<cpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpu {
    pub mode: Option<String>,
    pub match_: Option<String>,
    pub check: Option<String>,
    pub migratable: Option<bool>,
    pub model: Option<CpuModel>,
    pub vendor: Option<String>,
    pub topology: Option<Topology>,
    /// `<cache level= mode=>`.
    pub cache: Option<(Option<u32>, String)>,
    pub features: Vec<(String, String)>,
    /// `<numa><cell>`s: the guest NUMA nodes.
    pub numa: Vec<NumaCell>,
}

/// `<cell id= cpus= memory= unit='KiB' memAccess= discard=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumaCell {
    pub id: u32,
    pub cpus: Option<Vec<u32>>,
    pub memory_kib: u64,
    /// `shared` or `private`.
    pub mem_access: Option<String>,
    pub discard: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuModel {
    pub fallback: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topology {
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
}

/// `<clock>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// `utc`, `localtime`, `timezone` or `variable`.
    pub offset: String,
    /// `timezone=` of `offset='timezone'`.
    pub timezone: Option<String>,
    /// `adjustment=` and `basis=` of `offset='variable'`.
    pub adjustment: Option<(i64, String)>,
    pub timers: Vec<Timer>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: "utc".into(),
            timezone: None,
            adjustment: None,
            timers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timer {
    pub name: String,
    pub present: Option<bool>,
    pub tickpolicy: Option<String>,
    pub track: Option<String>,
    pub frequency: Option<u64>,
    pub mode: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Destroy,
    Restart,
    Preserve,
    RenameRestart,
    CoredumpDestroy,
    CoredumpRestart,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Destroy => "destroy",
            Lifecycle::Restart => "restart",
            Lifecycle::Preserve => "preserve",
            Lifecycle::RenameRestart => "rename-restart",
            Lifecycle::CoredumpDestroy => "coredump-destroy",
            Lifecycle::CoredumpRestart => "coredump-restart",
        }
    }
}

/// `<pm>`: suspend-to-mem and suspend-to-disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pm {
    pub suspend_to_mem: Option<bool>,
    pub suspend_to_disk: Option<bool>,
}

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

/// `<smartcard mode='passthrough'>` with its character device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smartcard {
    pub source: ChrSource,
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<usbdev class= vendor= product= version= allow=>` of a `<redirfilter>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbdevRule {
    pub class: Option<u32>,
    pub vendor: Option<u32>,
    pub product: Option<u32>,
    /// `(major, minor)` of `version=`.
    pub version: Option<(u32, u32)>,
    pub allow: bool,
}

/// `<panic model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    pub model: Option<String>,
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<shmem name=>`: an ivshmem device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shmem {
    pub name: String,
    /// `ivshmem`, `ivshmem-plain` or `ivshmem-doorbell`.
    pub model: Option<String>,
    /// `<size>` in bytes.
    pub size: Option<u64>,
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<iommu model=>` with its `<driver>` attributes in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iommu {
    pub model: String,
    pub driver: Vec<(&'static str, String)>,
    /// `<alias name=>`: `iommu0` in the live form, or a user alias.
    pub alias: Option<String>,
}

/// `<vsock model=><cid auto= address=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vsock {
    pub model: Option<String>,
    pub cid_auto: Option<bool>,
    pub cid: Option<u32>,
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<hostdev mode='subsystem' type='pci'|'usb'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostdev {
    pub managed: bool,
    /// `<driver name=>` of a PCI device (`vfio`).
    pub driver: Option<String>,
    pub source: HostdevSource,
    /// `startupPolicy=` of a USB source.
    pub startup_policy: Option<String>,
    pub boot_order: Option<u32>,
    /// `<rom bar=>`.
    pub rom_bar: Option<bool>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// The host device of a `<hostdev>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostdevSource {
    Pci(PciAddress),
    /// `<vendor id=>`, `<product id=>` and `<address bus= device=>`.
    Usb {
        vendor: Option<u32>,
        product: Option<u32>,
        bus_device: Option<(u32, u32)>,
    },
}

/// `<filesystem type='mount'>`: a host directory shared with virtio-9p or virtiofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    /// `passthrough`, `mapped` or `squash`; `None` until post-parse (passthrough).
    pub accessmode: Option<String>,
    /// `<driver>` attributes in libvirt's order (type, format, wrpolicy, queue).
    pub driver: Vec<(&'static str, String)>,
    pub binary: Option<FsBinary>,
    pub source_dir: String,
    pub target_dir: String,
    pub readonly: bool,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<binary>` of a virtiofs filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FsBinary {
    pub path: Option<String>,
    pub xattr: Option<bool>,
    pub cache_mode: Option<String>,
    pub sandbox_mode: Option<String>,
    /// `<lock posix= flock=>`.
    pub lock_posix: Option<bool>,
    pub lock_flock: Option<bool>,
    pub thread_pool: Option<u32>,
}

/// `<memory model='dimm'><target><size/><node/></target></memory>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryDevice {
    pub model: String,
    pub size_kib: u64,
    pub node: Option<u32>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    pub address: Option<Address>,
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

/// `<hub type='usb'>`: a USB hub with [`USB_HUB_PORTS`] ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hub {
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// A device address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    Pci(PciAddress),
    /// `<address type='drive' controller bus target unit>`
    Drive {
        controller: u32,
        bus: u32,
        target: u32,
        unit: u32,
    },
    /// `<address type='virtio-serial' controller bus port>`
    VirtioSerial {
        controller: u32,
        bus: u32,
        port: u32,
    },
    /// `<address type='usb' bus port>`; the port may be unset (`port[0] == 0`), which asks
    /// for one on that bus.
    Usb {
        bus: u32,
        port: UsbPort,
    },
    /// `<address type='ccid' controller slot>`
    Ccid {
        controller: u32,
        slot: u32,
    },
    /// `<address type='isa' iobase irq>`
    Isa {
        iobase: Option<u32>,
        irq: Option<u32>,
    },
    /// `<address type='dimm' slot base>`
    Dimm {
        slot: u32,
        base: Option<u64>,
    },
}

/// `<disk type= device=>` with a local source (file or block device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    /// `file` or `block`.
    pub kind: String,
    /// `disk`, `cdrom`, `floppy` or `lun`.
    pub device: String,
    /// `rawio=` and `sgio=` of a `lun`.
    pub rawio: Option<bool>,
    pub sgio: Option<String>,
    /// `<driver>` attributes, in libvirt's order.
    pub driver: Vec<(&'static str, String)>,
    /// `<source file=>`, `<source dev=>` or `<source dir=>` (types file, block, dir).
    pub source: Option<String>,
    /// `<source pool= volume= mode=>` of a `volume` disk.
    pub volume: Option<DiskVolume>,
    /// The `<source protocol=>` of a `network` disk.
    pub network: Option<DiskNetwork>,
    /// `<auth>` given directly under `<disk>` (libvirt prints it back there).
    pub auth: Option<DiskAuth>,
    pub target_dev: String,
    pub target_bus: Option<String>,
    pub readonly: bool,
    pub shareable: bool,
    pub serial: Option<String>,
    /// `<blockio>` attributes in libvirt's order.
    pub blockio: Vec<(&'static str, String)>,
    /// `<iotune>` elements in libvirt's order.
    pub iotune: Vec<(&'static str, String)>,
    pub wwn: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub boot_order: Option<u32>,
    /// `index=` of `<source>`: the block layer node index of a running domain (live form only).
    pub source_index: Option<u32>,
    /// `<backingStore/>`: the backing chain was probed and ends here (live form only).
    pub backing_store_end: bool,
    /// A backing chain given in the definition (printed in every form).
    pub backing_store: Option<BackingStore>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// A `<backingStore>` given by the user: the chain's end (`<backingStore/>`) or an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackingStore {
    End,
    Image {
        /// `file` or `block`.
        kind: String,
        format: Option<String>,
        source: String,
        next: Option<Box<BackingStore>>,
    },
}

/// `<source pool= volume= mode=>` of a `volume` disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskVolume {
    pub pool: String,
    pub volume: String,
    /// `host` or `direct` (iSCSI pools).
    pub mode: Option<String>,
}

/// `<source protocol= name=>` of a `network` disk with its hosts and `<auth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskNetwork {
    pub protocol: String,
    pub name: Option<String>,
    pub hosts: Vec<DiskHost>,
    /// `<auth>` given inside `<source>`.
    pub auth: Option<DiskAuth>,
}

/// `<host transport= name= port= socket=>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiskHost {
    /// `None` for the default, tcp.
    pub transport: Option<String>,
    pub name: Option<String>,
    pub port: Option<u32>,
    pub socket: Option<String>,
}

/// `<auth username=><secret type= uuid=|usage=/></auth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskAuth {
    pub username: String,
    pub secret_type: Option<String>,
    /// `uuid` (`true`) or `usage` (`false`) with its value.
    pub secret: Option<(bool, String)>,
}

/// The elements of a disk's `<iotune>` in the order libvirt prints them.
pub const DISK_IOTUNE: &[&str] = &[
    "total_bytes_sec",
    "read_bytes_sec",
    "write_bytes_sec",
    "total_iops_sec",
    "read_iops_sec",
    "write_iops_sec",
    "total_bytes_sec_max",
    "read_bytes_sec_max",
    "write_bytes_sec_max",
    "total_iops_sec_max",
    "read_iops_sec_max",
    "write_iops_sec_max",
    "size_iops_sec",
    "group_name",
    "total_bytes_sec_max_length",
    "read_bytes_sec_max_length",
    "write_bytes_sec_max_length",
    "total_iops_sec_max_length",
    "read_iops_sec_max_length",
    "write_iops_sec_max_length",
];

/// `<driver>` attributes of a disk in the order libvirt prints them.
pub const DISK_DRIVER_ATTRS: &[&str] = &[
    "name",
    "type",
    "cache",
    "error_policy",
    "rerror_policy",
    "io",
    "ioeventfd",
    "event_idx",
    "copy_on_read",
    "discard",
    "iothread",
    "detect_zeroes",
    "queues",
    "queue_size",
];

/// The index libvirt derives from a disk name (`virDiskNameToIndex`): `vda` → 0, `sdc` → 2,
/// `hdaa` → 26; `None` when the name has no known prefix or a bad suffix.
pub fn disk_name_to_index(name: &str) -> Option<u32> {
    let rest = ["fd", "hd", "vd", "sd", "xvd", "ubd"]
        .iter()
        .find_map(|p| name.strip_prefix(p))?;
    let letters: String = rest
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let tail = &rest[letters.len()..];
    if !tail.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut idx: u64 = 0;
    for (i, c) in letters.bytes().enumerate() {
        idx = (idx + u64::from(i > 0)) * 26 + u64::from(c - b'a');
        if idx > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(idx).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PciAddress {
    pub domain: u32,
    pub bus: u32,
    pub slot: u32,
    pub function: u32,
    pub multifunction: Option<bool>,
}

/// `<interface type=>` of type `network`, `bridge` or `user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub kind: String,
    pub mac: [u8; 6],
    /// The network name (`network`), bridge name (`bridge`) or host device (`direct`).
    pub source: Option<String>,
    /// `mode=` of a `direct` source (macvtap: vepa, private, bridge, passthrough).
    pub source_mode: Option<String>,
    /// `portgroup=` of a `network` source.
    pub portgroup: Option<String>,
    /// The socket of a `mcast`, `udp`, `server` or `client` interface.
    pub socket: Option<NetSocket>,
    /// The host PCI device of a `hostdev` interface, and its `managed=`.
    pub hostdev: Option<(PciAddress, bool)>,
    /// `<vlan trunk=><tag id= nativeMode=>`.
    pub vlan: Option<Vlan>,
    /// `<virtualport type=>` with its `<parameters>` in libvirt's order.
    pub virtualport: Option<Virtualport>,
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
    pub boot_order: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<virtualport type=>` (if given) with its `<parameters>` in libvirt's order.
pub type Virtualport = (Option<String>, Vec<(&'static str, String)>);

/// `<source address= port=>` (and `<local address= port=>` for `udp`) of a socket interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSocket {
    pub address: Option<String>,
    pub port: u32,
    pub local: Option<(String, u32)>,
}

/// `<vlan>` of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
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

/// `<input type= bus=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: String,
    pub bus: Option<String>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<audio id= type=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    pub id: u32,
    pub kind: String,
}

/// `<memballoon model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memballoon {
    pub model: String,
    pub autodeflate: Option<bool>,
    pub free_page_reporting: Option<bool>,
    pub period: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// Formatting flags (`VIR_DOMAIN_XML_INACTIVE`): `inactive == false` is the live form (id,
/// aliases, pty paths and the other runtime facts). See [`FormatOptions`] for the other flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatFlags {
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
pub(crate) fn format_cpuset(set: &[u32]) -> String {
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

/// A character device source of the types modelled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChrSource {
    /// `pty`, with the pty path of a running domain (printed only in the live form).
    Pty {
        path: Option<String>,
    },
    /// `unix` without a path (libvirt generates one when the domain starts).
    UnixAuto,
    /// `unix` with `mode` (`bind` or `connect`) and `path`.
    Unix {
        mode: String,
        path: String,
    },
    /// `file` with `path` and `append`.
    File {
        path: String,
        append: Option<bool>,
    },
    /// `tcp` with `mode`, `host`, `service` and `<protocol type=>`.
    Tcp {
        mode: String,
        host: Option<String>,
        service: String,
        protocol: String,
    },
    SpiceVmc,
}

impl ChrSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            ChrSource::Pty { .. } => "pty",
            ChrSource::UnixAuto | ChrSource::Unix { .. } => "unix",
            ChrSource::File { .. } => "file",
            ChrSource::Tcp { .. } => "tcp",
            ChrSource::SpiceVmc => "spicevmc",
        }
    }
}

/// `<log file= append=>` of a character device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChrLog {
    pub file: String,
    pub append: Option<bool>,
}

/// `<serial>`: an ISA serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serial {
    pub source: ChrSource,
    pub log: Option<ChrLog>,
    /// `None` until post-parse numbers it.
    pub port: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<console>`: the target types modelled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    pub source: ChrSource,
    pub log: Option<ChrLog>,
    /// `serial` (the default on x86) or `virtio`.
    pub target_type: Option<String>,
    pub port: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<channel>` with a virtio target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub source: ChrSource,
    pub name: Option<String>,
    /// `state=` of the target (`connected`/`disconnected`): runtime, live form only.
    pub state: Option<String>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<graphics type='vnc'|'spice'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graphics {
    pub kind: String,
    pub port: u32,
    pub tls_port: u32,
    pub autoport: bool,
    /// `passwd=`: kept, printed only with secure information (never in this crate yet).
    pub passwd: Option<String>,
    pub keymap: Option<String>,
    pub share_policy: Option<String>,
    pub listens: Vec<GraphicsListen>,
    /// Spice `<channel name= mode=>`.
    pub channels: Vec<(String, String)>,
    /// Spice `<image compression=>`.
    pub image_compression: Option<String>,
    /// Spice `defaultMode=` other than `any`.
    pub default_mode: Option<String>,
    /// Spice `(element, attribute, value)` after `<image>`, in libvirt's order (jpeg, zlib,
    /// playback, streaming, mouse, clipboard, filetransfer, gl).
    pub spice_options: Vec<(&'static str, &'static str, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphicsListen {
    Address(Option<String>),
    Network(String),
    None,
    /// `<listen type='socket' socket=>`: a UNIX socket, its path given or generated.
    Socket(Option<String>),
}

/// `<video><model .../></video>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    pub model: String,
    pub ram: Option<u32>,
    pub vram: Option<u32>,
    pub vgamem: Option<u32>,
    pub heads: Option<u32>,
    pub primary: bool,
    /// `<acceleration accel3d= accel2d=>`.
    pub accel3d: Option<bool>,
    pub accel2d: Option<bool>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<sound model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sound {
    pub model: String,
    pub codecs: Vec<String>,
    pub audio_id: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<rng model=>` with a `random` backend (a host device) or an `egd` one (a character device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    /// `virtio`, `virtio-transitional` or `virtio-non-transitional`.
    pub model: String,
    /// `<rate bytes= period=>`.
    pub rate: Option<(u32, Option<u32>)>,
    /// The device of the `random` backend (empty for `egd`).
    pub backend: String,
    /// The character device of the `egd` backend.
    pub egd: Option<ChrSource>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<redirdev bus='usb' type='spicevmc'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirdev {
    /// `spicevmc`, or the character device (`tcp`, ...) of a USB redirection server.
    pub source: ChrSource,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// `<tpm model=>` with the `emulator` backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tpm {
    /// `tpm-tis` or `tpm-crb`; `None` until post-parse.
    pub model: Option<String>,
    /// `1.2` or `2.0`; `None` until post-parse.
    pub version: Option<String>,
    pub persistent_state: Option<bool>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<sysinfo type='smbios'>`: each block's `(entry name, value)` in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sysinfo {
    pub bios: Vec<(&'static str, String)>,
    pub system: Vec<(&'static str, String)>,
    pub base_boards: Vec<Vec<(&'static str, String)>>,
    pub chassis: Vec<(&'static str, String)>,
    pub oem_strings: Vec<String>,
}

/// The entries of each `<sysinfo>` block in the order libvirt prints them.
pub const SYSINFO_BIOS: &[&str] = &["vendor", "version", "date", "release"];
pub const SYSINFO_SYSTEM: &[&str] = &[
    "manufacturer",
    "product",
    "version",
    "serial",
    "uuid",
    "sku",
    "family",
];
pub const SYSINFO_BASEBOARD: &[&str] = &[
    "manufacturer",
    "product",
    "version",
    "serial",
    "asset",
    "location",
];
pub const SYSINFO_CHASSIS: &[&str] = &["manufacturer", "version", "serial", "asset", "sku"];

/// `<watchdog model= action=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchdog {
    pub model: String,
    pub action: String,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
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
