//! The QEMU command line for a domain definition.
//!
//! [`build`] is a pure function from the live definition (defaults filled in, ids and aliases
//! assigned) to QEMU's arguments, in the order libvirt 9.0 writes them. What the driver cannot
//! start yet is refused here, before any process exists, with CONFIG_UNSUPPORTED naming the
//! element: a domain either starts whole or not at all.
//!
//! Devices are given as JSON (`-device {...}`, `-blockdev {...}`), which QEMU 7.2 parses
//! without the comma-escaping pitfalls of the `key=value` syntax.
//!
//! Only the shim builds the line (it launches QEMU); the driver uses the small helpers the
//! start needs beforehand ([`channel_port`], [`console_is_serial`]) and the CPU model table
//! ([`cpu_map`]) its capabilities print.

#![warn(missing_docs, unreachable_pub)]

use oxvirt_conf::domain::{
    Address, BootDev, ChrSource, Console, Controller, Disk, Domain, PciAddress, UsbPort, VirtType,
};
use serde_json::{json, Map, Value};

pub mod cpu_map;
pub mod cpu_models;
mod error;
pub mod graphics;
pub mod net;
pub use net::interface_parts;
mod misc_devices;
pub mod pflash;
mod sound;

pub use error::CommandError;

/// What the command line needs beyond the definition.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// The QEMU binary.
    pub emulator: &'a str,
    /// An inherited listening socket QEMU serves QMP on (`fd=N`).
    pub monitor_fd: i32,
    /// The inherited TAP queues of the interfaces networkd plugs, in interface order
    /// ([`net::tap_queues`] each).
    pub tap_fds: &'a [i32],
}

/// A QEMU invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The emulator's path.
    pub program: String,
    /// Its arguments, in libvirt's order.
    pub args: Vec<String>,
}

fn unsupported(what: impl std::fmt::Display) -> CommandError {
    CommandError::ConfigUnsupported(format!("{what} is not supported by oxvirt yet"))
}

/// `key=value` option values double their commas.
fn opt(s: &str) -> String {
    s.replace(',', ",,")
}

fn dev_id(alias: Option<&str>, default: String) -> String {
    alias.map(str::to_owned).unwrap_or(default)
}

/// The bus name of PCI controller `index`: its alias, as libvirt names QEMU's buses.
fn pci_bus_name(dom: &Domain, index: u32) -> String {
    dom.devices
        .controllers
        .iter()
        .find(|c| c.kind == "pci" && c.index == index)
        .map(|c| {
            c.alias.clone().unwrap_or_else(|| {
                oxvirt_conf::domain::controller_alias(c, dom.os.machine.as_deref())
            })
        })
        .unwrap_or_else(|| format!("pci.{index}"))
}

/// Put a PCI address on a `-device` object.
fn pci_props(dom: &Domain, addr: Option<&Address>, o: &mut Map<String, Value>) {
    if let Some(Address::Pci(PciAddress {
        bus,
        slot,
        function,
        multifunction,
        ..
    })) = addr
    {
        o.insert("bus".into(), json!(pci_bus_name(dom, *bus)));
        if *multifunction == Some(true) {
            o.insert("multifunction".into(), json!(true));
        }
        let a = if *function == 0 {
            format!("0x{slot:x}")
        } else {
            format!("0x{slot:x}.0x{function:x}")
        };
        o.insert("addr".into(), json!(a));
    }
}

/// A JSON object of QEMU's: a `-device`, `-blockdev` or `-netdev` (and the QMP command
/// arguments of the same).
pub type JsonObject = Map<String, Value>;

fn device(o: Map<String, Value>) -> [String; 2] {
    ["-device".into(), Value::Object(o).to_string()]
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Boot indexes: explicit `<boot order=>` on devices wins; otherwise `<os><boot dev=>` gives
/// the first disk / cdrom / NIC of each kind an index in the listed order.
struct BootIndexes {
    disks: Vec<Option<u32>>,
    nets: Vec<Option<u32>>,
}

fn boot_indexes(dom: &Domain) -> BootIndexes {
    let d = &dom.devices;
    let explicit = d.disks.iter().any(|x| x.boot_order.is_some())
        || d.interfaces.iter().any(|x| x.boot_order.is_some());
    if explicit {
        return BootIndexes {
            disks: d.disks.iter().map(|x| x.boot_order).collect(),
            nets: d.interfaces.iter().map(|x| x.boot_order).collect(),
        };
    }
    let mut disks = vec![None; d.disks.len()];
    let mut nets = vec![None; d.interfaces.len()];
    if dom.os.kernel.is_some() {
        return BootIndexes { disks, nets };
    }
    let mut next = 1;
    for b in &dom.os.boot {
        let slot = match b {
            BootDev::Hd => d
                .disks
                .iter()
                .position(|x| x.device == "disk")
                .and_then(|i| disks.get_mut(i)),
            BootDev::Cdrom => d
                .disks
                .iter()
                .position(|x| x.device == "cdrom")
                .and_then(|i| disks.get_mut(i)),
            BootDev::Fd => None,
            BootDev::Network => nets.first_mut(),
        };
        if let Some(s) = slot {
            if s.is_none() {
                *s = Some(next);
                next += 1;
            }
        }
    }
    BootIndexes { disks, nets }
}

/// `-smp`: the vCPUs and their topology.
fn smp_arg(dom: &Domain) -> String {
    let vcpus = dom.vcpu.count;
    let current = dom.vcpu.current.unwrap_or(vcpus);
    let (sockets, dies, cores, threads) = match dom.cpu.as_ref().and_then(|c| c.topology.as_ref()) {
        Some(t) => (t.sockets, t.dies, t.cores, t.threads),
        None => (vcpus, 1, 1, 1),
    };
    let mut smp = current.to_string();
    if current != vcpus {
        smp.push_str(&format!(",maxcpus={vcpus}"));
    }
    smp.push_str(&format!(",sockets={sockets}"));
    if dies > 1 {
        smp.push_str(&format!(",dies={dies}"));
    }
    smp.push_str(&format!(",cores={cores},threads={threads}"));
    smp
}

/// `-boot` and a direct kernel boot's `-kernel`, `-initrd`, `-append`, `-dtb`.
fn boot_args(dom: &Domain, a: &mut Vec<String>) {
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));
    let mut boot = "strict=on".to_owned();
    if let Some((true, timeout)) = dom.os.bootmenu {
        boot = format!("menu=on,{}", boot);
        if let Some(t) = timeout {
            boot.push_str(&format!(",splash-time={t}"));
        }
    }
    push(&["-boot", &boot]);
    if let Some(k) = &dom.os.kernel {
        push(&["-kernel", k]);
    }
    if let Some(i) = &dom.os.initrd {
        push(&["-initrd", i]);
    }
    if let Some(c) = &dom.os.cmdline {
        push(&["-append", c]);
    }
    if let Some(d) = &dom.os.dtb {
        push(&["-dtb", d]);
    }
}

/// Build the command line.
pub fn build(dom: &Domain, inp: &Inputs<'_>) -> Result<Command, CommandError> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));

    push(&[
        "-name",
        &format!("guest={},debug-threads=on", opt(&dom.name)),
    ]);
    push(&["-S"]);
    let fw = crate::pflash::args(dom)?;
    push(&fw.blockdevs.iter().map(String::as_str).collect::<Vec<_>>());

    let machine = dom
        .os
        .machine
        .as_deref()
        .ok_or_else(|| CommandError::InvalidArg("the domain has no machine type".into()))?;
    let mut m = format!("{},usb=off{},dump-guest-core=off", opt(machine), fw.smm);
    if !dom.features.acpi && machine.contains("q35") {
        // q35 needs ACPI in QEMU 7.2 only as a machine property
        m.push_str(",acpi=off");
    }
    m.push_str(&fw.machine_props);
    push(&["-machine", &m]);
    match &dom.virt_type {
        VirtType::Qemu => push(&["-accel", "tcg"]),
        VirtType::Kvm => push(&["-accel", "kvm"]),
        VirtType::Other(t) => return Err(unsupported(format!("domain type '{t}'"))),
    }
    push(&["-cpu", &cpu_arg(dom)?]);
    push(&fw.after_cpu.iter().map(String::as_str).collect::<Vec<_>>());
    let mem_mib = dom.memory_kib.div_ceil(1024);
    push(&["-m", &mem_mib.to_string()]);
    push(&["-overcommit", "mem-lock=off"]);
    push(&["-smp", &smp_arg(dom)]);
    push(&["-uuid", &oxvirt_conf::domain::uuid_string(&dom.uuid)]);
    if dom.devices.graphics.is_empty() {
        push(&["-display", "none"]);
    }
    push(&["-no-user-config", "-nodefaults"]);
    push(&[
        "-chardev",
        &format!(
            "socket,id=charmonitor,fd={},server=on,wait=off",
            inp.monitor_fd
        ),
        "-mon",
        "chardev=charmonitor,id=monitor,mode=control",
    ]);
    match dom.clock.offset.as_str() {
        "utc" => push(&["-rtc", "base=utc"]),
        "localtime" => push(&["-rtc", "base=localtime"]),
        o => return Err(unsupported(format!("<clock offset='{o}'>"))),
    }
    push(&["-no-shutdown"]);
    if matches!(dom.on_reboot, oxvirt_conf::domain::Lifecycle::Destroy) {
        push(&["-no-reboot"]);
    }
    boot_args(dom, &mut a);

    refuse_unsupported(dom)?;
    controllers(dom, &mut a)?;
    hubs(dom, &mut a)?;
    let boots = boot_indexes(dom);
    disks(dom, &boots.disks, &mut a)?;
    net::interfaces(dom, &boots.nets, &mut inp.tap_fds.iter(), &mut a)?;
    chardevs(dom, &mut a)?;
    inputs(dom, &mut a)?;
    misc_devices::args(dom, &mut a)?;
    a.extend(
        [
            "-sandbox",
            "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
            "-msg",
            "timestamp=on",
        ]
        .map(String::from),
    );
    Ok(Command {
        program: inp.emulator.to_owned(),
        args: a,
    })
}

/// What the XML crate models but the driver cannot start yet: refused, never ignored.
fn refuse_unsupported(dom: &Domain) -> Result<(), CommandError> {
    let d = &dom.devices;
    let checks: [(bool, &str); 16] = [
        (!d.hostdevs.is_empty(), "<hostdev>"),
        (!d.filesystems.is_empty(), "<filesystem>"),
        (!d.memories.is_empty(), "<memory> devices"),
        (!d.panics.is_empty(), "<panic>"),
        (!d.shmems.is_empty(), "<shmem>"),
        (d.iommu.is_some(), "<iommu>"),
        (d.vsock.is_some(), "<vsock>"),
        (!d.smartcards.is_empty(), "<smartcard>"),
        (d.redirfilter.is_some(), "<redirfilter>"),
        (dom.qemu_commandline.is_some(), "<qemu:commandline>"),
        (dom.memory_backing.is_some(), "<memoryBacking>"),
        (dom.blkiotune.is_some(), "<blkiotune>"),
        (
            // the memory's static node set is the driver's (cgroups); the rest is not yet
            dom.numatune_auto
                || dom
                    .numatune
                    .as_ref()
                    .is_some_and(|n| !n.memnodes.is_empty()),
            "<numatune>",
        ),
        (
            dom.cpu.as_ref().is_some_and(|c| !c.numa.is_empty()),
            "<cpu><numa>",
        ),
        (dom.max_memory.is_some(), "<maxMemory>"),
        (dom.cputune.is_some(), "<cputune>"),
    ];
    for (present, what) in checks {
        if present {
            return Err(unsupported(what));
        }
    }
    for r in &d.rngs {
        if r.model != "virtio" || r.rate.is_some() || r.egd.is_some() {
            return Err(unsupported(format!(
                "<rng model='{}'> with this backend or rate",
                r.model
            )));
        }
    }
    Ok(())
}

fn cpu_arg(dom: &Domain) -> Result<String, CommandError> {
    let Some(cpu) = &dom.cpu else {
        return Ok("qemu64".into());
    };
    let mut s = match cpu.mode.as_deref() {
        None | Some("custom") => match &cpu.model {
            Some(m) => m.name.clone(),
            None => "qemu64".into(),
        },
        Some("host-passthrough") => {
            if dom.virt_type != VirtType::Kvm {
                return Err(CommandError::ConfigUnsupported(
                    "CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor".into(),
                ));
            }
            "host".into()
        }
        Some("maximum") => "max".into(),
        Some("host-model") => {
            if dom.virt_type == VirtType::Kvm {
                "host".into()
            } else {
                "max".into()
            }
        }
        Some(m) => return Err(unsupported(format!("CPU mode '{m}'"))),
    };
    for (policy, name) in &cpu.features {
        match policy.as_str() {
            "require" | "force" => s.push_str(&format!(",{}=on", opt(name))),
            "disable" | "forbid" => s.push_str(&format!(",{}=off", opt(name))),
            _ => {}
        }
    }
    Ok(s)
}

fn controllers(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    // PCI controllers first (by index, so each bus exists before its children), then the rest
    let mut order: Vec<&Controller> = dom.devices.controllers.iter().collect();
    order.sort_by_key(|c| (c.kind != "pci", if c.kind == "pci" { c.index } else { 0 }));
    for c in order {
        if let Some(o) = controller_device(dom, c)? {
            a.extend(device(o));
        }
    }
    Ok(())
}

fn controller_device(
    dom: &Domain,
    c: &Controller,
) -> Result<Option<Map<String, Value>>, CommandError> {
    let model = c.model.as_deref();
    let mut o = match (c.kind.as_str(), model) {
        ("pci", Some("pci-root" | "pcie-root")) => return Ok(None),
        ("pci", Some("pcie-root-port")) => {
            let (chassis, port) = c.target.unwrap_or((c.index, 0));
            obj(json!({
                "driver": c.model_name.as_deref().unwrap_or("pcie-root-port"),
                "port": port,
                "chassis": chassis,
                "id": format!("pci.{}", c.index),
            }))
        }
        ("pci", Some("pci-bridge")) => obj(json!({
            "driver": "pci-bridge",
            "chassis_nr": c.chassis_nr.unwrap_or(c.index),
            "id": format!("pci.{}", c.index),
        })),
        ("pci", Some("dmi-to-pci-bridge")) => obj(json!({
            "driver": "i82801b11-bridge",
            "id": format!("pci.{}", c.index),
        })),
        ("pci", Some("pcie-to-pci-bridge")) => obj(json!({
            "driver": "pcie-pci-bridge",
            "id": format!("pci.{}", c.index),
        })),
        ("usb", Some("none")) => return Ok(None),
        ("usb", m) => {
            let driver = match m {
                Some("qemu-xhci") => "qemu-xhci",
                Some("nec-xhci") => "nec-usb-xhci",
                Some("piix3-uhci") | None => "piix3-usb-uhci",
                Some("ich9-ehci1") => "ich9-usb-ehci1",
                Some("ich9-uhci1") => "ich9-usb-uhci1",
                Some("ich9-uhci2") => "ich9-usb-uhci2",
                Some("ich9-uhci3") => "ich9-usb-uhci3",
                Some(m) => return Err(unsupported(format!("<controller type='usb' model='{m}'>"))),
            };
            // the pc machine's implicit PIIX3 UHCI sits in the southbridge at 00:01.2
            let id = if c.index == 0 {
                "usb".to_owned()
            } else {
                format!("usb{}", c.index)
            };
            // a companion (<master startport=>) shares its master's index and alias: it joins
            // the master's bus and has no id of its own (two devices cannot both be "usb")
            let mut o = match c.master_startport {
                Some(first) => obj(json!({
                    "driver": driver,
                    "masterbus": format!("{id}.0"),
                    "firstport": first,
                })),
                None => obj(json!({"driver": driver, "id": id})),
            };
            if let Some(p) = c.ports {
                o.insert("p2".into(), json!(p));
                o.insert("p3".into(), json!(p));
            }
            o
        }
        ("sata", _) => {
            // q35's built-in AHCI is sata0 (QEMU's "ide" bus)
            if c.index == 0 && is_q35(dom) {
                return Ok(None);
            }
            obj(json!({"driver": "ich9-ahci", "id": format!("sata{}", c.index)}))
        }
        ("ide", _) => {
            if c.index == 0 && !is_q35(dom) {
                return Ok(None);
            }
            return Err(unsupported("an IDE controller other than the pc machine's"));
        }
        ("virtio-serial", _) => {
            let mut o = obj(json!({
                "driver": "virtio-serial-pci",
                "id": format!("virtio-serial{}", c.index),
            }));
            if let Some(p) = c.ports {
                o.insert("max_ports".into(), json!(p));
            }
            if let Some(v) = c.vectors {
                o.insert("vectors".into(), json!(v));
            }
            o
        }
        ("scsi", None | Some("virtio-scsi")) => obj(json!({
            "driver": "virtio-scsi-pci",
            "id": format!("scsi{}", c.index),
        })),
        (k, m) => {
            return Err(unsupported(format!(
                "<controller type='{k}'{}>",
                m.map(|m| format!(" model='{m}'")).unwrap_or_default()
            )))
        }
    };
    if c.kind == "usb" && c.index == 0 && !is_q35(dom) && model.is_none_or(|m| m == "piix3-uhci") {
        o.insert("bus".into(), json!("pci.0"));
        o.insert("addr".into(), json!("0x1.0x2"));
        return Ok(Some(o));
    }
    pci_props(dom, c.address.as_ref(), &mut o);
    if c.kind == "pci" && model == Some("pcie-root-port") {
        // libvirt lists `multifunction` between `bus` and `addr`, which JSON order ignores
    }
    Ok(Some(o))
}

fn is_q35(dom: &Domain) -> bool {
    dom.os.machine.as_deref().is_some_and(|m| m.contains("q35"))
}

fn disks(dom: &Domain, boot: &[Option<u32>], a: &mut Vec<String>) -> Result<(), CommandError> {
    for (i, d) in dom.devices.disks.iter().enumerate() {
        disk(dom, d, i, boot.get(i).copied().flatten(), a)?;
    }
    Ok(())
}

fn driver_attr<'a>(d: &'a Disk, name: &str) -> Option<&'a str> {
    d.driver
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

fn disk(
    dom: &Domain,
    d: &Disk,
    n: usize,
    bootindex: Option<u32>,
    a: &mut Vec<String>,
) -> Result<(), CommandError> {
    let (blockdevs, dev) = disk_parts(dom, d, n + 1, bootindex)?;
    if let Some(o) = disk_secret_object(d, n + 1)? {
        a.push("-object".into());
        a.push(Value::Object(o).to_string());
    }
    for b in blockdevs {
        a.push("-blockdev".into());
        a.push(Value::Object(b).to_string());
    }
    a.extend(device(dev));
    Ok(())
}

/// A disk's `-blockdev` objects (storage, then format; none for an empty drive) and its
/// `-device` object, its nodes named `libvirt-NODE-storage` and `libvirt-NODE-format`: the
/// command line's and the arguments of QMP's `blockdev-add` and `device_add` for a hotplug.
pub fn disk_parts(
    dom: &Domain,
    d: &Disk,
    node: usize,
    bootindex: Option<u32>,
) -> Result<(Vec<JsonObject>, JsonObject), CommandError> {
    if d.kind != "file" && d.kind != "block" {
        return Err(unsupported(format!("<disk type='{}'>", d.kind)));
    }
    if !matches!(d.device.as_str(), "disk" | "cdrom") {
        return Err(unsupported(format!("<disk device='{}'>", d.device)));
    }
    let format = driver_attr(d, "type").unwrap_or("raw");
    if !matches!(format, "raw" | "qcow2") {
        return Err(unsupported(format!(
            "disk format '{format}' (target {})",
            d.target_dev
        )));
    }
    let readonly = d.readonly || d.device == "cdrom";
    let bus = d.target_bus.as_deref().unwrap_or("virtio");
    let mut dev = disk_device(dom, d, bus)?;
    if bus == "virtio" && d.device == "cdrom" {
        return Err(CommandError::ConfigUnsupported(
            "disk device 'cdrom' on bus 'virtio' is not supported".into(),
        ));
    }
    let blockdevs = match &d.source {
        Some(src) => {
            let (nodes, fmt_node) = disk_nodes(d, src, node, format, readonly)?;
            dev.insert("drive".into(), json!(fmt_node));
            nodes
        }
        None if d.device != "cdrom" => {
            return Err(CommandError::ConfigUnsupported(format!(
                "disk {} has no source",
                d.target_dev
            )))
        }
        None => Vec::new(),
    };
    if bus == "virtio" {
        pci_props(dom, d.address.as_ref(), &mut dev);
    }
    let default_id = oxvirt_conf::domain::disk_alias(d, &dom.devices.controllers);
    dev.insert("id".into(), json!(dev_id(d.alias.as_deref(), default_id)));
    if let Some(b) = bootindex {
        dev.insert("bootindex".into(), json!(b));
    }
    if let Some(s) = &d.serial {
        dev.insert("serial".into(), json!(s));
    }
    if d.shareable {
        dev.insert("share-rw".into(), json!(true));
    }
    Ok((blockdevs, dev))
}

/// The `-device` of a disk, by its bus (without its drive, PCI address and id).
fn disk_device(dom: &Domain, d: &Disk, bus: &str) -> Result<JsonObject, CommandError> {
    Ok(match bus {
        "virtio" => obj(json!({"driver": "virtio-blk-pci"})),
        "sata" | "ide" => {
            let (ctrl, unit) = match d.address {
                Some(Address::Drive {
                    controller, unit, ..
                }) => (controller, unit),
                _ => (0, 0),
            };
            let busname = if bus == "sata" {
                if ctrl == 0 && is_q35(dom) {
                    format!("ide.{unit}")
                } else {
                    format!("sata{ctrl}.{unit}")
                }
            } else {
                let (b, u) = match d.address {
                    Some(Address::Drive { bus, unit, .. }) => (bus, unit),
                    _ => (0, 0),
                };
                let _ = u;
                format!("ide.{b}")
            };
            let driver = if d.device == "cdrom" {
                "ide-cd"
            } else {
                "ide-hd"
            };
            let mut o = obj(json!({"driver": driver, "bus": busname}));
            if bus == "ide" {
                if let Some(Address::Drive { unit, .. }) = d.address {
                    o.insert("unit".into(), json!(unit));
                }
            }
            o
        }
        "scsi" => {
            let (ctrl, unit) = match d.address {
                Some(Address::Drive {
                    controller, unit, ..
                }) => (controller, unit),
                _ => (0, 0),
            };
            let driver = if d.device == "cdrom" {
                "scsi-cd"
            } else {
                "scsi-hd"
            };
            obj(json!({
                "driver": driver,
                "bus": format!("scsi{ctrl}.0"),
                "channel": 0,
                "scsi-id": 0,
                "lun": unit,
            }))
        }
        "usb" => obj(json!({"driver": "usb-storage"})),
        b => return Err(unsupported(format!("disk bus '{b}'"))),
    })
}

/// The `-blockdev` nodes of a disk with a source (its storage, then its format) and the name
/// of the format node, the device's drive.
fn disk_nodes(
    d: &Disk,
    src: &str,
    node: usize,
    format: &str,
    readonly: bool,
) -> Result<(Vec<JsonObject>, String), CommandError> {
    let mut blockdevs = Vec::new();
    let storage = format!("libvirt-{node}-storage");
    let fmt_node = format!("libvirt-{node}-format");
    let proto = if d.kind == "block" {
        "host_device"
    } else {
        "file"
    };
    let mut st = obj(json!({
        "driver": proto,
        "filename": src,
        "node-name": storage,
        "auto-read-only": true,
        "discard": "unmap",
    }));
    if let Some(cache) = driver_attr(d, "cache") {
        let (direct, no_flush) = match cache {
            "none" => (true, false),
            "writethrough" | "writeback" => (false, false),
            "directsync" => (true, false),
            "unsafe" => (false, true),
            c => return Err(unsupported(format!("disk cache mode '{c}'"))),
        };
        st.insert(
            "cache".into(),
            json!({"direct": direct, "no-flush": no_flush}),
        );
    }
    if let Some(aio) = driver_attr(d, "io") {
        st.insert("aio".into(), json!(aio));
    }
    blockdevs.push(st);
    let mut fmt = obj(json!({
        "node-name": fmt_node,
        "read-only": readonly,
        "driver": format,
        "file": storage,
    }));
    if d.encryption.is_some() {
        // refused without its secret object (a hotplug)
        disk_secret_object(d, node)?;
        // a LUKS image: QEMU's luks driver for raw, LUKS inside the qcow2 image
        let secret = disk_secret_id(node);
        if format == "raw" {
            fmt.insert("driver".into(), json!("luks"));
            fmt.insert("key-secret".into(), json!(secret));
        } else {
            fmt.insert(
                "encrypt".into(),
                json!({"format": "luks", "key-secret": secret}),
            );
        }
    }
    blockdevs.push(fmt);
    Ok((blockdevs, fmt_node))
}

/// The id of the secret object of encrypted disk node `node` (libvirt's).
fn disk_secret_id(node: usize) -> String {
    format!("libvirt-{node}-format-encryption-secret0")
}

/// The `secret` object holding an encrypted disk's passphrase: QEMU reads it from the file the
/// driver wrote (mode 0600, in the VM's own directory), so it is never on the command line.
pub fn disk_secret_object(d: &Disk, node: usize) -> Result<Option<JsonObject>, CommandError> {
    let Some(e) = &d.encryption else {
        return Ok(None);
    };
    if e.enc.format != "luks" || e.engine.as_deref().is_some_and(|x| x != "qemu") {
        return Err(unsupported(format!(
            "disk encryption format '{}' (target {})",
            e.enc.format, d.target_dev
        )));
    }
    let Some(file) = &e.secret_file else {
        return Err(CommandError::ConfigUnsupported(format!(
            "the passphrase of encrypted disk {} is not available (oxvirt does not hotplug encrypted disks yet)",
            d.target_dev
        )));
    };
    Ok(Some(obj(json!({
        "qom-type": "secret",
        "id": disk_secret_id(node),
        "format": "raw",
        "file": file,
    }))))
}

/// A chardev backend option string for `-chardev`.
fn chardev(
    id: &str,
    src: &ChrSource,
    log: Option<&oxvirt_conf::domain::ChrLog>,
) -> Result<String, CommandError> {
    let mut s = match src {
        ChrSource::Pty { .. } => format!("pty,id={id}"),
        ChrSource::File { path, append } => {
            let mut s = format!("file,id={id},path={}", opt(path));
            if let Some(ap) = append {
                s.push_str(if *ap { ",append=on" } else { ",append=off" });
            }
            s
        }
        ChrSource::Unix { mode, path } => {
            if mode == "bind" {
                format!("socket,id={id},path={},server=on,wait=off", opt(path))
            } else {
                format!("socket,id={id},path={}", opt(path))
            }
        }
        ChrSource::Tcp {
            mode,
            host,
            service,
            protocol,
        } => {
            if protocol != "raw" {
                return Err(unsupported(format!("chardev protocol '{protocol}'")));
            }
            let mut s = format!(
                "socket,id={id},host={},port={}",
                opt(host.as_deref().unwrap_or("127.0.0.1")),
                opt(service)
            );
            if mode == "bind" {
                s.push_str(",server=on,wait=off");
            }
            s
        }
        ChrSource::UnixAuto => return Err(unsupported("a unix chardev without a path")),
        ChrSource::SpiceVmc => return Err(unsupported("spicevmc chardevs")),
    };
    if let Some(l) = log {
        s.push_str(&format!(",logfile={}", opt(&l.file)));
        s.push_str(if l.append == Some(true) {
            ",logappend=on"
        } else {
            ",logappend=off"
        });
    }
    Ok(s)
}

/// Whether console `c` (index `i`) is the serial port it duplicates (then it needs no device).
pub fn console_is_serial(c: &Console, i: usize) -> bool {
    i == 0 && c.target_type.as_deref().is_none_or(|t| t == "serial")
}

fn chardevs(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    let d = &dom.devices;
    for (i, s) in d.serials.iter().enumerate() {
        let id = dev_id(s.alias.as_deref(), format!("serial{i}"));
        let chr = format!("char{id}");
        a.push("-chardev".into());
        a.push(chardev(&chr, &s.source, s.log.as_ref())?);
        let port = s.port.unwrap_or(i as u32);
        a.extend(device(obj(json!({
            "driver": "isa-serial",
            "chardev": chr,
            "id": id,
            "index": port,
        }))));
    }
    for (i, ch) in d.channels.iter().enumerate() {
        let id = dev_id(ch.alias.as_deref(), format!("channel{i}"));
        let chr = format!("char{id}");
        a.push("-chardev".into());
        a.push(match &ch.source {
            // libvirt's SPICE agent channel
            ChrSource::SpiceVmc => format!("spicevmc,id={chr},name=vdagent"),
            src => chardev(&chr, src, None)?,
        });
        let (ctrl, bus, port) = channel_port(ch, i);
        let mut o = obj(json!({
            "driver": "virtserialport",
            "bus": format!("virtio-serial{ctrl}.{bus}"),
            "nr": port,
            "chardev": chr,
            "id": id,
        }));
        if let Some(n) = &ch.name {
            o.insert("name".into(), json!(n));
        }
        a.extend(device(o));
    }
    for (i, c) in d.consoles.iter().enumerate() {
        if console_is_serial(c, i) {
            continue;
        }
        if c.target_type.as_deref() != Some("virtio") {
            return Err(unsupported(format!(
                "<console> target '{}'",
                c.target_type.as_deref().unwrap_or("serial")
            )));
        }
        let id = dev_id(c.alias.as_deref(), format!("console{i}"));
        let chr = format!("char{id}");
        a.push("-chardev".into());
        a.push(chardev(&chr, &c.source, c.log.as_ref())?);
        a.extend(device(obj(json!({
            "driver": "virtconsole",
            "chardev": chr,
            "id": id,
        }))));
    }
    Ok(())
}

fn inputs(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    for (i, inp) in dom.devices.inputs.iter().enumerate() {
        let bus = inp.bus.as_deref().unwrap_or("ps2");
        let driver = match (inp.kind.as_str(), bus) {
            // the PS/2 mouse and keyboard are built into the pc and q35 machines
            ("mouse" | "keyboard", "ps2") => continue,
            ("tablet", "usb") => "usb-tablet",
            ("mouse", "usb") => "usb-mouse",
            ("keyboard", "usb") => "usb-kbd",
            ("tablet", "virtio") => "virtio-tablet-pci",
            ("mouse", "virtio") => "virtio-mouse-pci",
            ("keyboard", "virtio") => "virtio-keyboard-pci",
            (k, b) => return Err(unsupported(format!("<input type='{k}' bus='{b}'>"))),
        };
        let mut o =
            obj(json!({"driver": driver, "id": dev_id(inp.alias.as_deref(), format!("input{i}"))}));
        match inp.address {
            Some(Address::Usb { bus, port }) => usb_props(bus, port, &mut o),
            ref other => pci_props(dom, other.as_ref(), &mut o),
        }
        a.extend(device(o));
    }
    Ok(())
}

/// The bus (`usb.0` for controller 0, `usbN.0` for the others, after their aliases) and the
/// port path (`1.2`) of a device on a USB port; an unset port leaves the choice to QEMU.
fn usb_props(bus: u32, port: UsbPort, o: &mut Map<String, Value>) {
    let controller = if bus == 0 {
        "usb".to_owned()
    } else {
        format!("usb{bus}")
    };
    o.insert("bus".into(), json!(format!("{controller}.0")));
    if port.is_set() {
        o.insert("port".into(), json!(port.to_string()));
    }
}

/// `<hub type='usb'>`s, before the devices plugged into them.
fn hubs(dom: &Domain, a: &mut Vec<String>) -> Result<(), CommandError> {
    for (i, h) in dom.devices.hubs.iter().enumerate() {
        let mut o =
            obj(json!({"driver": "usb-hub", "id": dev_id(h.alias.as_deref(), format!("hub{i}"))}));
        match h.address {
            Some(Address::Usb { bus, port }) => usb_props(bus, port, &mut o),
            None => {}
            Some(_) => return Err(unsupported("a <hub> with an address other than usb")),
        }
        a.extend(device(o));
    }
    Ok(())
}

/// The virtio-serial controller, bus and port of the `i`th channel: its address, or the port
/// libvirt gives a channel without one (the channel's place, counted from 1).
pub fn channel_port(ch: &oxvirt_conf::domain::Channel, i: usize) -> (u32, u32, u32) {
    match ch.address {
        Some(Address::VirtioSerial {
            controller,
            bus,
            port,
        }) => (controller, bus, port),
        _ => (0, 0, u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1)),
    }
}

#[cfg(test)]
mod tests;
