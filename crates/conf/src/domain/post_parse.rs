//! The defaults libvirt's QEMU driver fills in when a domain is defined (`qemuDomainDefPostParse`,
//! `qemuDomainAssignAddresses`), for x86_64 `pc` (i440fx) and `q35` machines.

use super::*;
use crate::error::ConfError;

/// A machine type the QEMU binary offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineType {
    /// Canonical (versioned) name, e.g. `pc-q35-7.2`.
    pub name: String,
    /// Alias that resolves to it, e.g. `q35`.
    pub alias: Option<String>,
    /// The machine used when the XML names none.
    pub default: bool,
    /// Most vCPUs the machine takes.
    pub max_cpus: u32,
}

/// Facts about the QEMU binary that the defaults depend on. The QEMU driver fills this from
/// probing; [`QemuCaps::debian_qemu_7_2_x86_64`] gives the facts of Debian 12's QEMU 7.2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuCaps {
    pub emulator: String,
    pub arch: String,
    pub machines: Vec<MachineType>,
    /// CPU model used for domains that name none (`qemu64` on x86_64).
    pub default_cpu_model: String,
}

impl QemuCaps {
    /// `/usr/bin/qemu-system-x86_64` 7.2 as Debian 12 ships it (the subset of machines the
    /// tests use).
    pub fn debian_qemu_7_2_x86_64() -> Self {
        let m = |name: &str, alias: Option<&str>, default: bool| MachineType {
            name: name.into(),
            alias: alias.map(Into::into),
            default,
            max_cpus: if name.starts_with("pc-q35") { 288 } else { 255 },
        };
        QemuCaps {
            emulator: "/usr/bin/qemu-system-x86_64".into(),
            arch: "x86_64".into(),
            machines: vec![
                m("pc-i440fx-7.2", Some("pc"), true),
                m("pc-q35-7.2", Some("q35"), false),
                m("pc-i440fx-7.1", None, false),
                m("pc-q35-7.1", None, false),
                m("pc-i440fx-7.0", None, false),
                m("pc-q35-7.0", None, false),
                m("pc-i440fx-6.2", None, false),
                m("pc-q35-6.2", None, false),
            ],
            default_cpu_model: "qemu64".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MachineKind {
    Pc,
    Q35,
}

fn machine_kind(name: &str) -> Option<MachineKind> {
    if name == "q35" || name.starts_with("pc-q35-") {
        Some(MachineKind::Q35)
    } else if name == "pc" || name.starts_with("pc-i440fx-") {
        Some(MachineKind::Pc)
    } else {
        None
    }
}

/// Fill in what libvirt's QEMU driver adds on define.
pub fn post_parse(def: &mut Domain, caps: &QemuCaps) -> Result<(), ConfError> {
    let emulator = def
        .devices
        .emulator
        .clone()
        .unwrap_or_else(|| caps.emulator.clone());
    // the caller gives the facts of the domain's own binary; a domain naming another binary
    // needs that binary's capabilities (or libvirt's "Cannot check QEMU binary" error)
    if emulator != caps.emulator {
        return Err(ConfError::NotImplemented(format!(
            "emulator '{emulator}' with the capabilities of '{}'",
            caps.emulator
        )));
    }
    if let VirtType::Other(t) = &def.virt_type {
        return Err(ConfError::qemu_unsupported(format!(
            "Emulator '{emulator}' does not support virt type '{t}'"
        )));
    }
    if def.os.os_type != "hvm" {
        return Err(ConfError::qemu_unsupported(format!(
            "Emulator '{emulator}' does not support os type '{}'",
            def.os.os_type
        )));
    }
    // os
    let arch = def.os.arch.get_or_insert_with(|| caps.arch.clone()).clone();
    if arch != caps.arch {
        return Err(ConfError::NotImplemented(format!("architecture '{arch}'")));
    }
    let machine = match &def.os.machine {
        None => caps
            .machines
            .iter()
            .find(|m| m.default)
            .map(|m| m.name.clone())
            .ok_or_else(|| ConfError::Internal("no default machine type".into()))?,
        // an unknown machine is refused when the domain starts, not on define
        Some(name) => caps
            .machines
            .iter()
            .find(|m| m.name == *name || m.alias.as_deref() == Some(name.as_str()))
            .map_or_else(|| name.clone(), |m| m.name.clone()),
    };
    // libvirt adds no PCI root for machines it does not know, and the first PCI device then
    // finds no bus
    let kind =
        machine_kind(&machine).ok_or_else(|| ConfError::Xml("No PCI buses available".into()))?;
    def.os.machine = Some(machine);
    if def.devices.emulator.is_none() {
        def.devices.emulator = Some(caps.emulator.clone());
    }
    let per_device_boot = def.devices.disks.iter().any(|d| d.boot_order.is_some())
        || def
            .devices
            .interfaces
            .iter()
            .any(|n| n.boot_order.is_some());
    if def.os.boot.is_empty() && !per_device_boot {
        def.os.boot.push(BootDev::Hd);
    }

    for (action, what) in [
        (def.on_reboot, "on_reboot"),
        (def.on_poweroff, "on_poweroff"),
    ] {
        let _ = what;
        if action == Lifecycle::Preserve {
            return Err(ConfError::qemu_unsupported(
                "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'",
            ));
        }
    }

    // memory
    if def.memory_kib == 0 {
        return Err(ConfError::Xml(
            "Memory size must be specified via <memory> or in the <numa> configuration".into(),
        ));
    }
    match def.current_memory_kib {
        Some(c) if c != 0 && c <= def.memory_kib => {}
        _ => def.current_memory_kib = Some(def.memory_kib),
    }
    if def.max_memory.is_some() {
        return Err(ConfError::qemu_unsupported(
            "At least one numa node has to be configured when enabling memory hotplug",
        ));
    }

    // vcpus
    if def.vcpu.count == 0 {
        // libvirt 9.0's wording for zero vCPUs comes from its NUMA check
        return Err(ConfError::Internal(
            "CPU IDs in <numa> exceed the <vcpu> count".into(),
        ));
    }
    if let Some(c) = def.vcpu.current {
        if c > def.vcpu.count {
            return Err(ConfError::unsupported(
                "maximum vCPU count must not be less than current vCPU count",
            ));
        }
        if c == 0 {
            def.vcpu.current = None;
        }
    }
    if def.vcpu.placement == Placement::Auto {
        def.numatune_auto = true;
    }

    if let (Some((_, Some(_))), MachineKind::Pc) = (def.features.smm, kind) {
        return Err(ConfError::qemu_unsupported(
            "SMM TSEG is only supported with q35 machine type",
        ));
    }

    cpu_defaults(def, caps)?;
    disk_defaults(def)?;
    for n in &mut def.devices.interfaces {
        n.model.get_or_insert_with(|| "rtl8139".into());
    }
    device_defaults(def, kind);
    implicit_disk_controllers(def, kind)?;
    assign_pci_addresses(def, kind)?;

    // validation (qemuValidateDomainDef)
    if def.os.bios.is_some_and(|b| b.useserial == Some(true)) {
        return Err(ConfError::Xml(
            "need at least one serial port to use BIOS serial output".into(),
        ));
    }
    if let Some(ct) = &def.cputune {
        if ct.vcpupin.iter().any(|(v, _)| *v >= def.vcpu.count)
            || ct
                .iothreadpin
                .iter()
                .any(|(i, _)| *i == 0 || *i > def.iothreads)
        {
            return Err(ConfError::NotImplemented(
                "<cputune> pinning of vCPUs or iothreads that do not exist".into(),
            ));
        }
    }
    for d in &def.devices.disks {
        if let Some((_, v)) = d.driver.iter().find(|(k, _)| *k == "iothread") {
            let id: u64 = v.parse().unwrap_or(0);
            if id == 0 || id > u64::from(def.iothreads) {
                return Err(ConfError::qemu_unsupported(format!(
                    "Disk iothread '{v}' not defined in iothreadid"
                )));
            }
        }
    }
    let machine = def.os.machine.clone().unwrap_or_default();
    let Some(mt) = caps.machines.iter().find(|m| m.name == machine) else {
        return Err(ConfError::qemu_unsupported(format!(
            "Emulator '{emulator}' does not support machine type '{machine}'"
        )));
    };
    if def.vcpu.count > mt.max_cpus {
        return Err(ConfError::qemu_unsupported(format!(
            "Maximum CPUs greater than specified machine type limit {}",
            mt.max_cpus
        )));
    }
    Ok(())
}

fn cpu_defaults(def: &mut Domain, caps: &QemuCaps) -> Result<(), ConfError> {
    let virt = def.virt_type.clone();
    let cpu = def.cpu.get_or_insert_with(Cpu::default);
    let mode = cpu.mode.get_or_insert_with(|| "custom".into()).clone();
    match mode.as_str() {
        "custom" => {
            if cpu.model.is_none() {
                cpu.model = Some(CpuModel {
                    fallback: Some("forbid".into()),
                    name: caps.default_cpu_model.clone(),
                });
                cpu.check.get_or_insert_with(|| "none".into());
            }
            cpu.match_.get_or_insert_with(|| "exact".into());
            if let Some(m) = &mut cpu.model {
                m.fallback.get_or_insert_with(|| "allow".into());
            }
            cpu.check.get_or_insert_with(|| {
                if virt == VirtType::Kvm {
                    "partial".into()
                } else {
                    "none".into()
                }
            });
        }
        "host-passthrough" => {
            cpu.check.get_or_insert_with(|| "none".into());
            cpu.migratable.get_or_insert(true);
        }
        "maximum" => {
            cpu.check.get_or_insert_with(|| "none".into());
        }
        _ => {
            cpu.check.get_or_insert_with(|| "partial".into());
        }
    }
    if let Some(t) = cpu.topology {
        let total =
            u64::from(t.sockets) * u64::from(t.dies) * u64::from(t.cores) * u64::from(t.threads);
        if total != u64::from(def.vcpu.count) {
            return Err(ConfError::qemu_unsupported(
                "CPU topology doesn't match maximum vcpu count",
            ));
        }
    }
    Ok(())
}

/// Insert a controller as `virDomainControllerInsertPreAlloced` does: grouped with its type,
/// sorted by index, new types at the end.
pub(crate) fn insert_controller(list: &mut Vec<Controller>, c: Controller) {
    let mut insert_at: Option<usize> = None;
    for (i, cur) in list.iter().enumerate().rev() {
        if cur.kind == c.kind {
            if cur.index > c.index {
                insert_at = Some(i);
            } else if insert_at.is_none() {
                insert_at = Some(i + 1);
            }
        }
    }
    match insert_at {
        Some(i) => list.insert(i, c),
        None => list.push(c),
    }
}

/// Characters libvirt accepts in a disk serial.
fn serial_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.' | '+'))
}

fn disk_defaults(def: &mut Domain) -> Result<(), ConfError> {
    for d in &mut def.devices.disks {
        if d.target_bus.is_none() {
            let bus = if d.target_dev.starts_with("hd") {
                "ide"
            } else if d.target_dev.starts_with("sd") {
                "scsi"
            } else if d.target_dev.starts_with("vd") {
                "virtio"
            } else if d.target_dev.starts_with("fd") {
                "fdc"
            } else {
                return Err(ConfError::NotImplemented(format!(
                    "disk target '{}' without a bus",
                    d.target_dev
                )));
            };
            d.target_bus = Some(bus.into());
        }
        let bus = d.target_bus.clone().unwrap_or_default();
        if !matches!(bus.as_str(), "virtio" | "ide" | "sata") {
            return Err(ConfError::NotImplemented(format!("disk bus '{bus}'")));
        }
        if !d.driver.iter().any(|(k, _)| *k == "name") {
            d.driver.insert(0, ("name", "qemu".into()));
        }
        if !d.driver.iter().any(|(k, _)| *k == "type") {
            d.driver.insert(1, ("type", "raw".into()));
        }
        if let Some(s) = &d.serial {
            if !serial_ok(s) {
                return Err(ConfError::Internal(format!(
                    "driver serial '{s}' contains unsafe characters"
                )));
            }
        }
        if d.address.is_none() && bus != "virtio" {
            let idx = disk_name_to_index(&d.target_dev).ok_or_else(|| {
                ConfError::NotImplemented(format!("disk target '{}'", d.target_dev))
            })?;
            d.address = Some(match bus.as_str() {
                "ide" => Address::Drive {
                    controller: idx / 4,
                    bus: (idx % 4) / 2,
                    target: 0,
                    unit: idx % 2,
                },
                _ => Address::Drive {
                    controller: idx / 6,
                    bus: 0,
                    target: 0,
                    unit: idx % 6,
                },
            });
        }
    }
    Ok(())
}

/// Controllers the drive addresses of disks refer to (`virDomainDefAddImplicitControllers`).
fn implicit_disk_controllers(def: &mut Domain, kind: MachineKind) -> Result<(), ConfError> {
    for bus in ["ide", "sata"] {
        let mut wanted: Vec<u32> = Vec::new();
        for d in &def.devices.disks {
            if let (Some(true), Some(Address::Drive { controller, .. })) =
                (d.target_bus.as_deref().map(|b| b == bus), d.address)
            {
                if !wanted.contains(&controller) {
                    wanted.push(controller);
                }
            }
        }
        wanted.sort_unstable();
        for idx in wanted {
            if bus == "ide" && kind == MachineKind::Q35 {
                return Err(ConfError::qemu_unsupported(
                    "IDE controllers are unsupported for this QEMU binary or machine type",
                ));
            }
            if !def
                .devices
                .controllers
                .iter()
                .any(|c| c.kind == bus && c.index == idx)
            {
                insert_controller(&mut def.devices.controllers, controller(bus, idx, None));
            }
        }
    }
    Ok(())
}

fn controller(kind: &str, index: u32, model: Option<&str>) -> Controller {
    Controller {
        kind: kind.into(),
        index,
        model: model.map(Into::into),
        model_name: None,
        target: None,
        address: None,
    }
}

fn device_defaults(def: &mut Domain, kind: MachineKind) {
    let usb_model = match kind {
        MachineKind::Q35 => "qemu-xhci",
        MachineKind::Pc => "piix3-uhci",
    };
    let ctrls = &mut def.devices.controllers;
    if !ctrls.iter().any(|c| c.kind == "usb" && c.index == 0) {
        insert_controller(ctrls, controller("usb", 0, Some(usb_model)));
    }
    for c in ctrls.iter_mut() {
        if c.kind == "usb" && c.model.is_none() {
            c.model = Some(usb_model.into());
        }
    }
    if kind == MachineKind::Q35 && !ctrls.iter().any(|c| c.kind == "sata" && c.index == 0) {
        insert_controller(ctrls, controller("sata", 0, None));
    }
    let root = match kind {
        MachineKind::Q35 => "pcie-root",
        MachineKind::Pc => "pci-root",
    };
    match ctrls.iter_mut().find(|c| c.kind == "pci" && c.index == 0) {
        Some(c) => {
            c.model.get_or_insert_with(|| root.into());
        }
        None => insert_controller(ctrls, controller("pci", 0, Some(root))),
    }

    for k in ["mouse", "keyboard"] {
        if !def
            .devices
            .inputs
            .iter()
            .any(|i| i.kind == k && i.bus.as_deref() == Some("ps2"))
        {
            def.devices.inputs.push(Input {
                kind: k.into(),
                bus: Some("ps2".into()),
            });
        }
    }
    if def.devices.audios.is_empty() {
        def.devices.audios.push(Audio {
            id: 1,
            kind: "none".into(),
        });
    }
    for (i, a) in def.devices.audios.iter_mut().enumerate() {
        if a.id == 0 {
            a.id = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
    }
    if def.devices.memballoon.is_none() {
        def.devices.memballoon = Some(Memballoon {
            model: "virtio".into(),
            autodeflate: None,
            period: None,
            address: None,
        });
    }
}

fn pci(bus: u32, slot: u32, function: u32) -> Option<Address> {
    Some(Address::Pci(PciAddress {
        domain: 0,
        bus,
        slot,
        function,
        multifunction: None,
    }))
}

/// Which devices need a PCI address, in libvirt's assignment order.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Controller(usize),
    Interface(usize),
    Disk(usize),
    Memballoon,
}

fn assign_pci_addresses(def: &mut Domain, kind: MachineKind) -> Result<(), ConfError> {
    let devs = &mut def.devices;
    // explicit addresses are reserved first; each may be used once
    let mut explicit: Vec<PciAddress> = Vec::new();
    let all = devs
        .disks
        .iter()
        .filter_map(|d| d.address)
        .chain(devs.interfaces.iter().filter_map(|n| n.address))
        .chain(devs.controllers.iter().filter_map(|c| c.address))
        .chain(devs.memballoon.iter().filter_map(|m| m.address));
    for a in all {
        if let Address::Pci(p) = a {
            let same = |q: &PciAddress| {
                (q.domain, q.bus, q.slot, q.function) == (p.domain, p.bus, p.slot, p.function)
            };
            if explicit.iter().any(same) {
                return Err(ConfError::Xml(format!(
                    "Attempted double use of PCI Address {:04x}:{:02x}:{:02x}.{:x}",
                    p.domain, p.bus, p.slot, p.function
                )));
            }
            explicit.push(p);
        }
    }
    // fixed addresses of the chipset's built-in functions
    for c in devs.controllers.iter_mut() {
        if c.address.is_some() || c.index != 0 {
            continue;
        }
        match (kind, c.kind.as_str(), c.model.as_deref()) {
            (MachineKind::Pc, "usb", Some("piix3-uhci")) => c.address = pci(0, 1, 2),
            (MachineKind::Pc, "ide", _) => c.address = pci(0, 1, 1),
            (MachineKind::Q35, "sata", _) => c.address = pci(0, 0x1f, 2),
            _ => {}
        }
    }
    let mut need = Vec::new();
    for (i, n) in devs.interfaces.iter().enumerate() {
        if n.address.is_some() {
            continue;
        }
        let model = n.model.as_deref().unwrap_or("");
        match (kind, model) {
            (MachineKind::Pc, _) | (MachineKind::Q35, "virtio" | "e1000e") => {
                need.push(Slot::Interface(i))
            }
            _ => {
                return Err(ConfError::NotImplemented(format!(
                    "PCI address assignment for interface model '{model}' on q35"
                )))
            }
        }
    }
    for (i, c) in devs.controllers.iter().enumerate() {
        if c.address.is_some() {
            continue;
        }
        match (c.kind.as_str(), c.model.as_deref()) {
            ("pci", Some("pci-root" | "pcie-root")) | ("usb", Some("none")) => {}
            ("usb", Some("qemu-xhci")) | ("sata", _) => need.push(Slot::Controller(i)),
            (k, m) => {
                return Err(ConfError::NotImplemented(format!(
                    "PCI address assignment for controller type '{k}' model '{}'",
                    m.unwrap_or("")
                )))
            }
        }
    }
    for (i, d) in devs.disks.iter().enumerate() {
        if d.address.is_none() && d.target_bus.as_deref() == Some("virtio") {
            need.push(Slot::Disk(i));
        }
    }
    if let Some(m) = &devs.memballoon {
        if m.model == "virtio" && m.address.is_none() {
            need.push(Slot::Memballoon);
        }
    }
    if need.is_empty() {
        return Ok(());
    }
    // slots on bus 0 already taken by explicit addresses
    let mut used: Vec<(u32, u32)> = Vec::new();
    let explicit = devs
        .controllers
        .iter()
        .filter_map(|c| c.address)
        .chain(devs.memballoon.iter().filter_map(|m| m.address));
    for a in explicit
        .chain(devs.disks.iter().filter_map(|d| d.address))
        .chain(devs.interfaces.iter().filter_map(|n| n.address))
    {
        if let Address::Pci(p) = a {
            used.push((p.bus, p.slot));
        }
    }
    let set = |devs: &mut Devices, s: Slot, a: Option<Address>| match s {
        Slot::Controller(i) => {
            if let Some(c) = devs.controllers.get_mut(i) {
                c.address = a;
            }
        }
        Slot::Interface(i) => {
            if let Some(n) = devs.interfaces.get_mut(i) {
                n.address = a;
            }
        }
        Slot::Disk(i) => {
            if let Some(d) = devs.disks.get_mut(i) {
                d.address = a;
            }
        }
        Slot::Memballoon => {
            if let Some(m) = &mut devs.memballoon {
                m.address = a;
            }
        }
    };
    match kind {
        MachineKind::Pc => {
            let mut slot = 2;
            for s in need {
                while used.contains(&(0, slot)) {
                    slot += 1;
                }
                if slot > 0x1f {
                    return Err(ConfError::Internal("No more available PCI slots".into()));
                }
                used.push((0, slot));
                set(devs, s, pci(0, slot, 0));
            }
        }
        MachineKind::Q35 => {
            if devs
                .controllers
                .iter()
                .any(|c| c.kind == "pci" && c.index != 0)
                || used.iter().any(|(b, s)| *b == 0 && *s != 0x1f)
            {
                return Err(ConfError::NotImplemented(
                    "PCI address assignment next to explicit PCI controllers or addresses".into(),
                ));
            }
            // one pcie-root-port per device, plus one left free for hotplug
            let ports = u32::try_from(need.len() + 1).unwrap_or(u32::MAX);
            let mut places = Vec::new();
            let mut slot = 1;
            let mut function = 0;
            for _ in 0..ports {
                if slot >= 0x1f {
                    return Err(ConfError::Internal("No more available PCI slots".into()));
                }
                places.push((slot, function));
                function += 1;
                if function == 8 {
                    function = 0;
                    slot += 1;
                }
            }
            // the devices first (their indexes are still valid), then the ports
            for (bus, s) in (1..).zip(need) {
                set(devs, s, pci(bus, 0, 0));
            }
            for (n, (slot, function)) in places.iter().enumerate() {
                let index = u32::try_from(n + 1).unwrap_or(u32::MAX);
                let multi = function == &0 && places.iter().filter(|(s, _)| s == slot).count() > 1;
                let mut c = controller("pci", index, Some("pcie-root-port"));
                c.model_name = Some("pcie-root-port".into());
                c.target = Some((index, (slot << 3) | function));
                c.address = Some(Address::Pci(PciAddress {
                    domain: 0,
                    bus: 0,
                    slot: *slot,
                    function: *function,
                    multifunction: multi.then_some(true),
                }));
                insert_controller(&mut devs.controllers, c);
            }
        }
    }
    Ok(())
}
