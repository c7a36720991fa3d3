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
    /// The QEMU binary these facts are of.
    pub emulator: String,
    /// Its architecture (`x86_64`).
    pub arch: String,
    /// Its machine types.
    pub machines: Vec<MachineType>,
    /// CPU model used for domains that name none (`qemu64` on x86_64).
    pub default_cpu_model: String,
    /// Where a pflash loader's NVRAM file goes when the definition names none (libvirt's
    /// `/var/lib/libvirt/qemu/nvram`; a driver gives its own).
    pub nvram_dir: String,
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
            nvram_dir: "/var/lib/libvirt/qemu/nvram".into(),
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
    let emulator = check_emulator(def, caps)?;
    let kind = os_defaults(def, caps)?;

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

    memory_defaults(def)?;
    vcpu_defaults(def)?;

    if let (Some((_, Some(_))), MachineKind::Pc) = (def.features.smm, kind) {
        return Err(ConfError::qemu_unsupported(
            "SMM TSEG is only supported with q35 machine type",
        ));
    }

    check_address_types(&def.devices)?;
    cpu_defaults(def, caps)?;
    disk_defaults(def)?;
    for n in def
        .devices
        .interfaces
        .iter_mut()
        .filter(|n| n.hostdev.is_none())
    {
        n.model.get_or_insert_with(|| "rtl8139".into());
    }
    device_defaults(def, kind)?;
    chardev_defaults(def)?;
    tpm_defaults(def);
    graphics_video_defaults(def)?;
    implicit_disk_controllers(def, kind)?;
    if (!def.devices.channels.is_empty()
        || def
            .devices
            .consoles
            .iter()
            .any(|c| c.target_type.as_deref() == Some("virtio")))
        && !def
            .devices
            .controllers
            .iter()
            .any(|c| c.kind == "virtio-serial" && c.index == 0)
    {
        add_controller(
            &mut def.devices.controllers,
            controller("virtio-serial", 0, None),
        );
    }
    assign_virtio_serial_ports(&mut def.devices)?;
    super::usb::assign_usb_addresses(&mut def.devices)?;
    if def.devices.videos.iter().skip(1).any(|v| v.model != "qxl") {
        return Err(ConfError::unsupported(
            "non-primary video device must be type of 'qxl'",
        ));
    }
    super::pci_address::assign_pci_addresses(
        def,
        match kind {
            MachineKind::Pc => super::pci_address::Chipset::I440fx,
            MachineKind::Q35 => super::pci_address::Chipset::Q35,
        },
    )?;
    qemu_validate(def, caps, &emulator)
}

/// The domain's emulator must be the one `caps` describes, with a virt and OS type it runs.
fn check_emulator(def: &Domain, caps: &QemuCaps) -> Result<String, ConfError> {
    let emulator = def
        .devices
        .emulator
        .clone()
        .unwrap_or_else(|| caps.emulator.clone());
    // the caller gives the facts of the domain's own binary; a domain naming another binary
    // needs that binary's capabilities (or libvirt's "Cannot check QEMU binary" error)
    if emulator != caps.emulator && !std::path::Path::new(&emulator).exists() {
        return Err(ConfError::SystemQemu(format!(
            "Cannot check QEMU binary {emulator}: No such file or directory"
        )));
    }
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
    Ok(emulator)
}

/// `<os>`: the architecture, the machine (an alias resolved), the emulator, the NVRAM of a
/// read-only pflash loader and the default boot device.
fn os_defaults(def: &mut Domain, caps: &QemuCaps) -> Result<MachineKind, ConfError> {
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
    // a read-only pflash loader gets its per-domain NVRAM file (qemuDomainNVRAMPathGenerate)
    let pflash_ro = def
        .os
        .loader
        .as_ref()
        .is_some_and(|l| l.kind.as_deref() == Some("pflash") && l.readonly == Some(true));
    if pflash_ro && def.os.nvram.as_ref().is_none_or(|n| n.path.is_none()) {
        let path = format!("{}/{}_VARS.fd", caps.nvram_dir, def.name);
        def.os.nvram.get_or_insert_with(Nvram::default).path = Some(path);
    }
    let per_device_boot = def.devices.disks.iter().any(|d| d.boot_order.is_some())
        || def
            .devices
            .interfaces
            .iter()
            .any(|n| n.boot_order.is_some())
        || def.devices.hostdevs.iter().any(|h| h.boot_order.is_some());
    if def.os.boot.is_empty() && !per_device_boot {
        def.os.boot.push(BootDev::Hd);
    }
    Ok(kind)
}

/// The checks of `qemuValidateDomainDef` that apply once the defaults are in.
fn qemu_validate(def: &Domain, caps: &QemuCaps, emulator: &str) -> Result<(), ConfError> {
    // validation (qemuValidateDomainDef)
    if def.os.bios.is_some_and(|b| b.useserial == Some(true)) && def.devices.serials.is_empty() {
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
    let spice = def.devices.graphics.iter().any(|g| g.kind == "spice");
    if !spice
        && def
            .devices
            .channels
            .iter()
            .any(|c| c.source == ChrSource::SpiceVmc)
    {
        return Err(ConfError::qemu_unsupported(
            "chardev 'spicevmc' not supported without spice graphics",
        ));
    }
    if !spice && !def.devices.redirdevs.is_empty() {
        return Err(ConfError::NotImplemented(
            "spicevmc redirdev without spice graphics".into(),
        ));
    }
    if def.devices.graphics.iter().any(|g| g.tls_port != 0) {
        // refused or accepted depending on spice_tls in qemu.conf
        return Err(ConfError::NotImplemented("a spice tlsPort".into()));
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

/// Add a controller libvirt adds itself (`virDomainDefAddController`): at the end, whatever
/// the controllers of its type (unlike the parser's sorted order, `device_order`).
fn add_controller(list: &mut Vec<Controller>, c: Controller) {
    list.push(c);
}

/// Controllers the drive addresses of disks refer to (`virDomainDefAddImplicitControllers`).
fn implicit_disk_controllers(def: &mut Domain, kind: MachineKind) -> Result<(), ConfError> {
    // libvirt's order (virDomainDefAddImplicitControllers), every index up to the highest used
    for bus in ["scsi", "fdc", "ide", "sata"] {
        let max = def
            .devices
            .disks
            .iter()
            .filter(|d| d.target_bus.as_deref() == Some(bus))
            .filter_map(|d| match d.address {
                Some(Address::Drive { controller, .. }) => Some(controller),
                _ => None,
            })
            .max();
        let wanted = max.map_or(0..0, |m| 0..m.saturating_add(1));
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
                add_controller(&mut def.devices.controllers, controller(bus, idx, None));
            }
        }
    }
    for c in &mut def.devices.controllers {
        if c.kind == "scsi" {
            c.model.get_or_insert_with(|| "lsilogic".into());
        }
    }
    Ok(())
}

/// A controller as libvirt adds one implicitly (no address, no options).
pub(super) fn controller(kind: &str, index: u32, model: Option<&str>) -> Controller {
    Controller {
        kind: kind.into(),
        index,
        model: model.map(Into::into),
        model_name: None,
        target: None,
        chassis_nr: None,
        ports: None,
        vectors: None,
        master_startport: None,
        driver: Vec::new(),
        alias: None,
        address: None,
    }
}

fn device_defaults(def: &mut Domain, kind: MachineKind) -> Result<(), ConfError> {
    // smartcards sit in slots of CCID controller 0, which libvirt adds
    for (slot, sc) in (0..).zip(def.devices.smartcards.iter_mut()) {
        if sc.address.is_none() {
            sc.address = Some(Address::Ccid {
                controller: 0,
                slot,
            });
        }
    }
    for p in &mut def.devices.panics {
        p.model.get_or_insert_with(|| "isa".into());
    }
    for s in &mut def.devices.shmems {
        if matches!(s.model.as_deref(), None | Some("ivshmem")) {
            return Err(ConfError::qemu_unsupported(
                "ivshmem device is not supported with this QEMU binary",
            ));
        }
        s.size.get_or_insert(4 << 20);
    }
    let usb_model = match kind {
        MachineKind::Q35 => "qemu-xhci",
        MachineKind::Pc => "piix3-uhci",
    };
    let ctrls = &mut def.devices.controllers;
    if !ctrls.iter().any(|c| c.kind == "usb" && c.index == 0) {
        add_controller(ctrls, controller("usb", 0, Some(usb_model)));
    }
    // a USB controller given without a model is libvirt's default model, piix3-uhci, on
    // every machine (the one libvirt adds itself has the machine's model)
    for c in ctrls.iter_mut() {
        if c.kind == "usb" && c.model.is_none() {
            c.model = Some("piix3-uhci".into());
        }
    }
    if kind == MachineKind::Q35 && !ctrls.iter().any(|c| c.kind == "sata" && c.index == 0) {
        add_controller(ctrls, controller("sata", 0, None));
    }

    let root = match kind {
        MachineKind::Q35 => "pcie-root",
        MachineKind::Pc => "pci-root",
    };
    match ctrls.iter_mut().find(|c| c.kind == "pci" && c.index == 0) {
        Some(c) => {
            let m = c.model.get_or_insert_with(|| root.into());
            if m != root {
                return Err(ConfError::XmlQemu(format!(
                    "The PCI controller with index='0' must be model='{root}' for this machine \
                     type, but model='{m}' was found instead"
                )));
            }
        }
        None => add_controller(ctrls, controller("pci", 0, Some(root))),
    }
    if !def.devices.smartcards.is_empty()
        && !def
            .devices
            .controllers
            .iter()
            .any(|c| c.kind == "ccid" && c.index == 0)
    {
        add_controller(&mut def.devices.controllers, controller("ccid", 0, None));
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
                alias: None,
                address: None,
            });
        }
    }
    let egl = def
        .devices
        .graphics
        .first()
        .is_some_and(|g| g.kind == "egl-headless");
    if def.devices.audios.is_empty() && !egl {
        // spice audio as soon as any graphics is spice (a VNC display first notwithstanding)
        let spice = def.devices.graphics.iter().any(|g| g.kind == "spice");
        def.devices.audios.push(Audio {
            id: 1,
            kind: if spice { "spice" } else { "none" }.into(),
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
            free_page_reporting: None,
            period: None,
            alias: None,
            address: None,
        });
    }
    Ok(())
}

/// Refuse addresses of a type the device cannot have (libvirt's errors for these are not
/// modelled yet).
fn check_address_types(d: &Devices) -> Result<(), ConfError> {
    let pci = |a: &Option<Address>| matches!(a, None | Some(Address::Pci(_)));
    let ok = d.disks.iter().all(|x| {
        matches!(
            x.address,
            None | Some(Address::Pci(_) | Address::Drive { .. } | Address::Usb { .. })
        )
    }) && d.interfaces.iter().all(|x| pci(&x.address))
        && d.controllers.iter().all(|x| {
            pci(&x.address) || (x.kind == "ccid" && matches!(x.address, Some(Address::Usb { .. })))
        })
        && d.sounds.iter().all(|x| {
            pci(&x.address) || (x.model == "usb" && matches!(x.address, Some(Address::Usb { .. })))
        })
        && d.videos.iter().all(|x| pci(&x.address))
        && d.rngs.iter().all(|x| pci(&x.address))
        && d.watchdog.iter().all(|x| pci(&x.address))
        && d.memballoon.iter().all(|x| pci(&x.address))
        && d.inputs.iter().all(|x| {
            matches!(
                (x.bus.as_deref(), &x.address),
                (_, None)
                    | (Some("virtio"), Some(Address::Pci(_)))
                    | (Some("usb"), Some(Address::Usb { .. }))
            )
        })
        && d.channels
            .iter()
            .all(|x| matches!(x.address, None | Some(Address::VirtioSerial { .. })))
        && d.redirdevs
            .iter()
            .all(|x| matches!(x.address, None | Some(Address::Usb { .. })))
        && d.hubs
            .iter()
            .all(|x| matches!(x.address, None | Some(Address::Usb { .. })));
    if ok {
        Ok(())
    } else {
        Err(ConfError::NotImplemented(
            "a device address of a type the device does not take".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn define(devices: &str) -> Result<Domain, ConfError> {
        let xml = format!(
            "<domain type='kvm'><name>t</name><memory>1048576</memory><vcpu>1</vcpu>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{devices}</devices>\
             </domain>"
        );
        let mut d = super::super::parse(&xml)?;
        post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64())?;
        Ok(d)
    }

    fn slot(a: &Option<Address>) -> (u32, u32, u32) {
        match a {
            Some(Address::Pci(p)) => (p.bus, p.slot, p.function),
            _ => (u32::MAX, u32::MAX, u32::MAX),
        }
    }

    #[test]
    fn pci_bridge_defaults_and_slot_before_devices() {
        let d = define(
            "<controller type='virtio-serial' ports='16' vectors='4'/>\
             <controller type='pci' index='1' model='pci-bridge'/>",
        )
        .expect("defined");
        let c = &d.devices.controllers;
        let bridge = c
            .iter()
            .find(|c| c.kind == "pci" && c.index == 1)
            .expect("bridge");
        assert_eq!(bridge.model_name.as_deref(), Some("pci-bridge"));
        assert_eq!(bridge.chassis_nr, Some(1));
        assert_eq!(slot(&bridge.address), (0, 2, 0));
        let vs = c
            .iter()
            .find(|c| c.kind == "virtio-serial")
            .expect("virtio-serial");
        assert_eq!((vs.ports, vs.vectors), (Some(16), Some(4)));
        assert_eq!(slot(&vs.address), (0, 3, 0));
        // libvirt appends the pci-root it adds, after the given pci-bridge
        let last = c.last().expect("controllers");
        assert_eq!((last.kind.as_str(), last.index), ("pci", 0));
    }

    #[test]
    fn devices_fill_bus_0_then_the_bridge() {
        let disks: String = (0..30)
            .map(|i| {
                let name = format!("vd{}{}", char::from(b'a' + i / 26), char::from(b'a' + i % 26));
                format!("<disk type='file'><source file='/d{i}'/><target dev='{name}' bus='virtio'/></disk>")
            })
            .collect();
        let d = define(&format!(
            "<controller type='pci' index='1' model='pci-bridge'/>{disks}"
        ))
        .expect("defined");
        let got: Vec<(u32, u32, u32)> = d.devices.disks.iter().map(|x| slot(&x.address)).collect();
        // the bridge has 0:2; the disks 0:3..0:31, then the bridge's slots from 1
        assert_eq!(got[0], (0, 3, 0));
        assert_eq!(got[28], (0, 0x1f, 0));
        assert_eq!(got[29], (1, 1, 0));
        let balloon = d.devices.memballoon.as_ref().expect("memballoon");
        assert_eq!(slot(&balloon.address), (1, 2, 0));
    }

    #[test]
    fn pci_bridge_on_its_own_bus_is_refused() {
        let e = define(
            "<controller type='pci' index='1' model='pci-bridge'>\
             <address type='pci' domain='0' bus='1' slot='1' function='0'/></controller>",
        )
        .expect_err("index not above bus");
        assert_eq!(
            e,
            ConfError::qemu_unsupported(
                "PCI controller at index 1 (0x01) has bus='0x01', but index must be larger \
                 than bus"
            )
        );
    }

    #[test]
    fn unchecked_chassis_numbers_are_not_modelled() {
        for c in [
            "<controller type='pci' index='1' model='pci-bridge'><target chassisNr='0'/></controller>",
            "<controller type='pci' index='1' model='pci-bridge'><model name='x'/></controller>",
        ] {
            let e = define(c).expect_err(c);
            assert!(matches!(e, ConfError::NotImplemented(_)), "{e:?}");
        }
        let d = define(
            "<controller type='pci' index='1' model='pci-bridge'><target chassisNr='7'/></controller>",
        )
        .expect("given chassisNr");
        let bridge = d
            .devices
            .controllers
            .iter()
            .find(|c| c.index == 1 && c.kind == "pci");
        assert_eq!(bridge.and_then(|c| c.chassis_nr), Some(7));
    }

    #[test]
    fn a_full_bus_0_gets_a_pci_bridge() {
        // 30 disks fill bus 0 of a pc machine but for the slot libvirt keeps for a bridge: it
        // adds the pci-bridge there (0:2, before the devices) and moves the last disk behind it
        // (as libvirtd 9.0 does)
        let disks: String = (0..30)
            .map(|i| {
                let name = format!("vd{}{}", char::from(b'a' + i / 26), char::from(b'a' + i % 26));
                format!("<disk type='file'><source file='/d{i}'/><target dev='{name}' bus='virtio'/></disk>")
            })
            .collect();
        let d = define(&format!("{disks}<memballoon model='none'/>")).expect("defined");
        let bridge = d
            .devices
            .controllers
            .iter()
            .find(|c| c.kind == "pci" && c.index == 1)
            .expect("pci-bridge added");
        assert_eq!(bridge.model.as_deref(), Some("pci-bridge"));
        assert_eq!(slot(&bridge.address), (0, 2, 0));
        assert_eq!(slot(&d.devices.disks[0].address), (0, 3, 0));
        assert_eq!(slot(&d.devices.disks[28].address), (0, 0x1f, 0));
        assert_eq!(slot(&d.devices.disks[29].address), (1, 1, 0));
    }
}
