//! PCI address assignment as libvirt's QEMU driver does it on define (`qemuDomainAssignPCIAddresses`
//! with the address sets of `domain_addr.c`): the addresses given in the XML are reserved first,
//! then the chipset's fixed slots, then every device without an address takes the first free slot
//! of the first bus that accepts it. A first (dry) run finds which PCI controllers are missing and
//! adds them; the second run assigns the addresses for real.

use super::pci_address_set::*;
use super::post_parse::controller;
use super::*;
use crate::error::ConfError;

/// A device that can have a PCI address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dev {
    Disk(usize),
    Interface(usize),
    Sound(usize),
    Hostdev(usize),
    Video(usize),
    Controller(usize),
    Input(usize),
    Filesystem(usize),
    Watchdog,
    Memballoon,
    Rng(usize),
    Shmem(usize),
    Panic(usize),
    Vsock,
}

fn address_mut(devs: &mut Devices, d: Dev) -> Option<&mut Option<Address>> {
    Some(match d {
        Dev::Disk(i) => &mut devs.disks.get_mut(i)?.address,
        Dev::Interface(i) => &mut devs.interfaces.get_mut(i)?.address,
        Dev::Sound(i) => &mut devs.sounds.get_mut(i)?.address,
        Dev::Hostdev(i) => &mut devs.hostdevs.get_mut(i)?.address,
        Dev::Video(i) => &mut devs.videos.get_mut(i)?.address,
        Dev::Controller(i) => &mut devs.controllers.get_mut(i)?.address,
        Dev::Input(i) => &mut devs.inputs.get_mut(i)?.address,
        Dev::Filesystem(i) => &mut devs.filesystems.get_mut(i)?.address,
        Dev::Watchdog => &mut devs.watchdog.as_mut()?.address,
        Dev::Memballoon => &mut devs.memballoon.as_mut()?.address,
        Dev::Rng(i) => &mut devs.rngs.get_mut(i)?.address,
        Dev::Shmem(i) => &mut devs.shmems.get_mut(i)?.address,
        Dev::Panic(i) => &mut devs.panics.get_mut(i)?.address,
        Dev::Vsock => &mut devs.vsock.as_mut()?.address,
    })
}

fn address(devs: &Devices, d: Dev) -> Option<Address> {
    match d {
        Dev::Disk(i) => devs.disks.get(i)?.address,
        Dev::Interface(i) => devs.interfaces.get(i)?.address,
        Dev::Sound(i) => devs.sounds.get(i)?.address,
        Dev::Hostdev(i) => devs.hostdevs.get(i)?.address,
        Dev::Video(i) => devs.videos.get(i)?.address,
        Dev::Controller(i) => devs.controllers.get(i)?.address,
        Dev::Input(i) => devs.inputs.get(i)?.address,
        Dev::Filesystem(i) => devs.filesystems.get(i)?.address,
        Dev::Watchdog => devs.watchdog.as_ref()?.address,
        Dev::Memballoon => devs.memballoon.as_ref()?.address,
        Dev::Rng(i) => devs.rngs.get(i)?.address,
        Dev::Shmem(i) => devs.shmems.get(i)?.address,
        Dev::Panic(i) => devs.panics.get(i)?.address,
        Dev::Vsock => devs.vsock.as_ref()?.address,
    }
}

fn pci_of(devs: &Devices, d: Dev) -> Option<PciAddress> {
    match address(devs, d) {
        Some(Address::Pci(p)) => Some(p),
        _ => None,
    }
}

fn set_pci(devs: &mut Devices, d: Dev, p: PciAddress) {
    if let Some(a) = address_mut(devs, d) {
        *a = Some(Address::Pci(p));
    }
}

/// Every device in libvirt's iteration order (`virDomainDeviceInfoIterate`).
fn all_devices(devs: &Devices) -> Vec<Dev> {
    let mut v: Vec<Dev> = (0..devs.disks.len()).map(Dev::Disk).collect();
    v.extend((0..devs.interfaces.len()).map(Dev::Interface));
    v.extend((0..devs.sounds.len()).map(Dev::Sound));
    v.extend((0..devs.hostdevs.len()).map(Dev::Hostdev));
    v.extend((0..devs.videos.len()).map(Dev::Video));
    v.extend((0..devs.controllers.len()).map(Dev::Controller));
    v.extend((0..devs.inputs.len()).map(Dev::Input));
    v.extend((0..devs.filesystems.len()).map(Dev::Filesystem));
    if devs.watchdog.is_some() {
        v.push(Dev::Watchdog);
    }
    if devs.memballoon.is_some() {
        v.push(Dev::Memballoon);
    }
    v.extend((0..devs.rngs.len()).map(Dev::Rng));
    v.extend((0..devs.shmems.len()).map(Dev::Shmem));
    v.extend((0..devs.panics.len()).map(Dev::Panic));
    if devs.vsock.is_some() {
        v.push(Dev::Vsock);
    }
    v
}

/// The connection a PCI controller model offers upstream (`virDomainPCIControllerModelToConnectType`).
fn controller_connect(model: &str) -> u32 {
    match model {
        "pci-bridge" => PCI_BRIDGE,
        "pci-expander-bus" => PCI_EXPANDER_BUS,
        "pcie-expander-bus" => PCIE_EXPANDER_BUS,
        "dmi-to-pci-bridge" => DMI_TO_PCI_BRIDGE,
        "pcie-to-pci-bridge" => PCIE_TO_PCI_BRIDGE,
        "pcie-root-port" => PCIE_ROOT_PORT | AGGREGATE_SLOT,
        "pcie-switch-upstream-port" => PCIE_SWITCH_UPSTREAM_PORT,
        "pcie-switch-downstream-port" => PCIE_SWITCH_DOWNSTREAM_PORT,
        _ => 0,
    }
}

/// What a device needs (`qemuDomainDeviceCalculatePCIConnectFlags`); 0 for no PCI address.
fn connect_flags(devs: &Devices, d: Dev, pcie_root: bool) -> u32 {
    let pci = PCI_DEVICE | AUTOASSIGN;
    let pcie = if pcie_root {
        PCIE_DEVICE | AUTOASSIGN
    } else {
        pci
    };
    // QEMU 7.2 has the transitional virtio devices: virtio is PCIe where PCIe is
    let virtio = pcie;
    match d {
        Dev::Controller(i) => {
            let Some(c) = devs.controllers.get(i) else {
                return 0;
            };
            let model = c.model.as_deref().unwrap_or("");
            match c.kind.as_str() {
                "pci" => controller_connect(model),
                "sata" | "ide" => pci,
                "usb" => match model {
                    "nec-xhci" | "qemu-xhci" => pcie,
                    "none" | "qusb1" | "qusb2" => 0,
                    _ => pci,
                },
                "scsi" => match model {
                    "" | "ncr53c90" => 0,
                    "virtio-scsi" | "virtio-non-transitional" => virtio,
                    _ => pci,
                },
                "virtio-serial" => match model {
                    "virtio-transitional" => pci,
                    _ => virtio,
                },
                _ => 0,
            }
        }
        Dev::Filesystem(_) => virtio,
        Dev::Interface(i) => match devs.interfaces.get(i) {
            Some(n) if n.hostdev.is_some() => pcie,
            Some(n) => match n.model.as_deref() {
                Some("virtio" | "virtio-non-transitional") => virtio,
                Some("usb-net") => 0,
                Some("e1000e" | "igb") => pcie,
                _ => pci,
            },
            None => 0,
        },
        Dev::Sound(i) => match devs.sounds.get(i).map(|s| s.model.as_str()) {
            Some("es1370" | "ac97" | "ich6" | "ich9") => pci,
            _ => 0,
        },
        Dev::Disk(i) => match devs.disks.get(i) {
            Some(x) if x.target_bus.as_deref() == Some("virtio") => virtio,
            _ => 0,
        },
        Dev::Hostdev(i) => match devs.hostdevs.get(i).map(|h| &h.source) {
            Some(HostdevSource::Pci(_)) => pcie,
            _ => 0,
        },
        Dev::Memballoon => match devs.memballoon.as_ref().map(|m| m.model.as_str()) {
            Some("virtio" | "virtio-non-transitional") => virtio,
            Some("virtio-transitional") => pci,
            _ => 0,
        },
        Dev::Rng(_) => virtio,
        Dev::Watchdog => match devs.watchdog.as_ref().map(|w| w.model.as_str()) {
            Some("i6300esb") => pci,
            _ => 0,
        },
        Dev::Video(i) => match devs.videos.get(i).map(|v| v.model.as_str()) {
            Some("virtio") => virtio,
            Some("vga" | "cirrus" | "vmvga" | "xen" | "vbox" | "qxl" | "parallels") => pci,
            Some("bochs") => pcie,
            _ => 0,
        },
        Dev::Shmem(_) => pci,
        Dev::Input(i) => match devs.inputs.get(i).map(|x| x.bus.as_deref()) {
            Some(Some("virtio")) => virtio,
            _ => 0,
        },
        Dev::Vsock => virtio,
        Dev::Panic(i) => match devs.panics.get(i).and_then(|p| p.model.as_deref()) {
            Some("pvpanic") => pci | INTEGRATED,
            _ => 0,
        },
    }
}

/// A device wanting an address gets the next one (only kept outside the dry run).
fn assign(set: &mut AddrSet, devs: &mut Devices, d: Dev, pcie_root: bool) -> Result<(), ConfError> {
    let flags = connect_flags(devs, d, pcie_root);
    let p = set.reserve_next(flags, None)?;
    if !set.dry_run {
        set_pci(devs, d, p);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chipset {
    I440fx,
    Q35,
}

fn wanted(devs: &Devices, d: Dev) -> bool {
    address(devs, d).is_none()
}

/// `qemuDomainPCIAddressSetCreate`: the buses of the PCI controllers, then the addresses the
/// XML gives.
fn create(devs: &Devices, nbuses: usize, dry_run: bool) -> Result<AddrSet, ConfError> {
    let mut buses: Vec<Option<Bus>> = vec![None; nbuses];
    let mut pcie_root = false;
    for c in devs.controllers.iter().filter(|c| c.kind == "pci") {
        let Some(slot) = buses.get_mut(c.index as usize) else {
            return Err(ConfError::Internal(format!(
                "Inappropriate new pci controller index {} exceeds addrs array length",
                c.index
            )));
        };
        let model = c.model.as_deref().unwrap_or("");
        *slot = Some(bus(model)?);
        pcie_root |= model == "pcie-root";
    }
    let default = if pcie_root {
        "pcie-root-port"
    } else {
        "pci-bridge"
    };
    let mut set = AddrSet {
        buses: Vec::with_capacity(nbuses),
        dry_run,
    };
    for (i, b) in buses.into_iter().enumerate() {
        set.buses.push(match b {
            Some(b) => b,
            None if i == 0 => bus("pci-root")?,
            None => bus(default)?,
        });
    }
    // the addresses the XML gives (qemuDomainCollectPCIAddress)
    for d in all_devices(devs) {
        let Some(p) = pci_of(devs, d) else { continue };
        if let Dev::Controller(i) = d {
            if let Some(c) = devs.controllers.get(i) {
                // the PIIX3's IDE and USB functions are reserved with the chipset
                let piix3 = c.index == 0
                    && (p.domain, p.bus, p.slot) == (0, 0, 1)
                    && ((c.kind == "ide" && p.function == 1)
                        || (c.kind == "usb"
                            && matches!(c.model.as_deref(), None | Some("piix3-uhci"))
                            && p.function == 2));
                if piix3 {
                    if set.buses.first().is_some_and(|b| b.flags & PCI_DEVICE == 0) {
                        return Err(ConfError::InternalQemu(
                            "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers".into(),
                        ));
                    }
                    continue;
                }
            }
        }
        let mut flags = connect_flags(devs, d, pcie_root);
        if flags == 0 {
            // a device libvirt gives no PCI connection keeps its address unchecked
            flags = PCI_DEVICE;
        }
        set.reserve(&p, flags, true)?;
    }
    Ok(set)
}

/// `qemuDomainValidateDevicePCISlotsPIIX3` / `...Q35`: the chipset's fixed functions.
fn chipset_slots(set: &mut AddrSet, devs: &mut Devices, chipset: Chipset) -> Result<(), ConfError> {
    match chipset {
        Chipset::I440fx => {
            let flags = AUTOASSIGN | PCI_DEVICE;
            for i in 0..devs.controllers.len() {
                let c = &devs.controllers[i];
                let fixed = if c.kind == "ide" && c.index == 0 {
                    (
                        pci(0, 1, 1),
                        "Primary IDE controller must have PCI address 0:0:1.1",
                    )
                } else if c.kind == "usb"
                    && c.index == 0
                    && matches!(c.model.as_deref(), None | Some("piix3-uhci"))
                {
                    (
                        pci(0, 1, 2),
                        "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2",
                    )
                } else {
                    continue;
                };
                match c.address {
                    Some(Address::Pci(p)) => {
                        if (p.domain, p.bus, p.slot, p.function) != (0, 0, 1, fixed.0.function) {
                            return Err(ConfError::InternalQemu(fixed.1.into()));
                        }
                    }
                    _ => devs.controllers[i].address = Some(Address::Pci(fixed.0)),
                }
                set.reserve(&fixed.0, flags, true)?;
            }
            set.reserve(&pci(0, 1, 0), flags, true)?;
            set.reserve(&pci(0, 1, 3), flags, true)?;
            primary_video(set, devs, 2, flags)?;
        }
        Chipset::Q35 => {
            let flags = PCIE_DEVICE;
            for i in 0..devs.controllers.len() {
                let c = &devs.controllers[i];
                match (c.kind.as_str(), c.model.as_deref()) {
                    ("sata", _) if c.index == 0 => match c.address {
                        Some(Address::Pci(p)) => {
                            if (p.domain, p.bus, p.slot, p.function) != (0, 0, 0x1f, 2) {
                                return Err(ConfError::InternalQemu(
                                    "Primary SATA controller must have PCI address 0:0:1f.2".into(),
                                ));
                            }
                        }
                        _ => devs.controllers[i].address = Some(Address::Pci(pci(0, 0x1f, 2))),
                    },
                    ("usb", Some("ich9-uhci1")) if c.address.is_none() => {
                        let slot = [0x1d, 0x1a]
                            .into_iter()
                            .find(|s| !set.slot_in_use(&pci(0, *s, 0)));
                        if let Some(s) = slot {
                            set.reserve(&pci(0, s, 0), flags, true)?;
                            let mut p = pci(0, s, 0);
                            p.multifunction = Some(true);
                            devs.controllers[i].address = Some(Address::Pci(p));
                        }
                    }
                    ("pci", Some("dmi-to-pci-bridge"))
                        if c.address.is_none() && !set.slot_in_use(&pci(0, 0x1e, 0)) =>
                    {
                        set.reserve(&pci(0, 0x1e, 0), flags, true)?;
                        devs.controllers[i].address = Some(Address::Pci(pci(0, 0x1e, 0)));
                    }
                    _ => {}
                }
            }
            set.reserve(&pci(0, 0x1f, 0), flags, true)?;
            set.reserve(&pci(0, 0x1f, 3), flags, true)?;
            primary_video(set, devs, 1, flags)?;
            if !set.slot_in_use(&pci(0, 0x1b, 0)) {
                if let Some(i) = (0..devs.sounds.len())
                    .find(|i| devs.sounds[*i].model == "ich9" && devs.sounds[*i].address.is_none())
                {
                    set.reserve(&pci(0, 0x1b, 0), flags, true)?;
                    devs.sounds[i].address = Some(Address::Pci(pci(0, 0x1b, 0)));
                }
            }
        }
    }
    Ok(())
}

fn primary_video(
    set: &mut AddrSet,
    devs: &mut Devices,
    slot: u32,
    flags: u32,
) -> Result<(), ConfError> {
    let Some(v) = devs.videos.first() else {
        return Ok(());
    };
    if matches!(v.model.as_str(), "none" | "ramfb") || v.address.is_some() {
        return Ok(());
    }
    let p = pci(0, slot, 0);
    set.validate(&p, flags, true)?;
    if set.slot_in_use(&p) {
        let pcie_root = set.buses.first().is_some_and(|b| b.model == "pcie-root");
        assign(set, devs, Dev::Video(0), pcie_root)
    } else {
        set.reserve(&p, flags, true)?;
        devs.videos[0].address = Some(Address::Pci(p));
        Ok(())
    }
}

fn usb2_function(model: &str) -> Option<(u32, Option<bool>)> {
    match model {
        "ich9-ehci1" => Some((7, None)),
        "ich9-uhci1" => Some((0, Some(true))),
        "ich9-uhci2" => Some((1, None)),
        "ich9-uhci3" => Some((2, None)),
        _ => None,
    }
}

/// `qemuDomainAssignDevicePCISlots`: every device wanting an address, in libvirt's order.
fn assign_slots(set: &mut AddrSet, devs: &mut Devices, pcie_root: bool) -> Result<(), ConfError> {
    let n = devs.controllers.len();
    for i in 0..n {
        let c = &devs.controllers[i];
        if c.kind == "pci"
            && !matches!(c.model.as_deref(), Some("pci-root" | "pcie-root"))
            && c.address.is_none()
        {
            assign(set, devs, Dev::Controller(i), pcie_root)?;
        }
    }
    for i in 0..devs.filesystems.len() {
        if wanted(devs, Dev::Filesystem(i)) {
            assign(set, devs, Dev::Filesystem(i), pcie_root)?;
        }
    }
    for i in 0..devs.interfaces.len() {
        let d = Dev::Interface(i);
        if devs.interfaces[i].hostdev.is_none()
            && wanted(devs, d)
            && connect_flags(devs, d, pcie_root) != 0
        {
            assign(set, devs, d, pcie_root)?;
        }
    }
    for i in 0..devs.sounds.len() {
        let d = Dev::Sound(i);
        if wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0 {
            assign(set, devs, d, pcie_root)?;
        }
    }
    for i in 0..n {
        let c = &devs.controllers[i];
        let model = c.model.as_deref().unwrap_or("");
        if c.kind == "pci"
            || (c.kind == "usb" && model == "none")
            || matches!(c.kind.as_str(), "fdc" | "ccid")
            || (c.kind == "ide" && c.index == 0)
            || (c.kind == "scsi" && model == "ncr53c90")
            || c.address.is_some()
        {
            continue;
        }
        let d = Dev::Controller(i);
        let flags = connect_flags(devs, d, pcie_root);
        if flags == 0 {
            continue;
        }
        if c.kind == "usb" {
            if let Some((function, multi)) = usb2_function(model) {
                let index = c.index;
                let sibling = devs
                    .controllers
                    .iter()
                    .filter(|x| {
                        x.kind == "usb"
                            && x.index == index
                            && usb2_function(x.model.as_deref().unwrap_or("")).is_some()
                    })
                    .find_map(|x| match x.address {
                        Some(Address::Pci(p)) => Some(p),
                        _ => None,
                    });
                let mut p = match sibling {
                    Some(mut p) => {
                        p.function = function;
                        set.reserve(&p, flags, true)?;
                        p
                    }
                    None => set.reserve_next(flags, Some(function))?,
                };
                p.multifunction = multi;
                if !set.dry_run || sibling.is_some() {
                    set_pci(devs, d, p);
                }
                continue;
            }
        }
        assign(set, devs, d, pcie_root)?;
    }
    for i in 0..devs.disks.len() {
        let d = Dev::Disk(i);
        if devs.disks[i].target_bus.as_deref() != Some("virtio") {
            continue;
        }
        match address(devs, d) {
            None => assign(set, devs, d, pcie_root)?,
            Some(Address::Pci(_)) => {}
            Some(_) => {
                return Err(ConfError::unsupported(
                    "virtio disk cannot have an address of type 'drive'",
                ))
            }
        }
    }
    // the host devices: hostdev interfaces are in libvirt's hostdev list too
    for i in 0..devs.interfaces.len() {
        let d = Dev::Interface(i);
        if devs.interfaces[i].hostdev.is_some() && wanted(devs, d) {
            assign(set, devs, d, pcie_root)?;
        }
    }
    for i in 0..devs.hostdevs.len() {
        let d = Dev::Hostdev(i);
        if wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0 {
            assign(set, devs, d, pcie_root)?;
        }
    }
    let singles =
        |devs: &Devices, d: Dev| wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0;
    if devs.memballoon.is_some() && singles(devs, Dev::Memballoon) {
        assign(set, devs, Dev::Memballoon, pcie_root)?;
    }
    for i in 0..devs.rngs.len() {
        if singles(devs, Dev::Rng(i)) {
            assign(set, devs, Dev::Rng(i), pcie_root)?;
        }
    }
    if devs.watchdog.is_some() && singles(devs, Dev::Watchdog) {
        assign(set, devs, Dev::Watchdog, pcie_root)?;
    }
    for i in 0..devs.videos.len() {
        if singles(devs, Dev::Video(i)) {
            assign(set, devs, Dev::Video(i), pcie_root)?;
        }
    }
    for i in 0..devs.shmems.len() {
        if singles(devs, Dev::Shmem(i)) {
            assign(set, devs, Dev::Shmem(i), pcie_root)?;
        }
    }
    for i in 0..devs.inputs.len() {
        if singles(devs, Dev::Input(i)) {
            assign(set, devs, Dev::Input(i), pcie_root)?;
        }
    }
    if devs.vsock.is_some() && singles(devs, Dev::Vsock) {
        assign(set, devs, Dev::Vsock, pcie_root)?;
    }
    for i in 0..devs.panics.len() {
        if singles(devs, Dev::Panic(i)) {
            assign(set, devs, Dev::Panic(i), pcie_root)?;
        }
    }
    Ok(())
}

/// `qemuDomainAssignPCIAddresses` for the machines oxvirt models.
pub(super) fn assign_pci_addresses(def: &mut Domain, chipset: Chipset) -> Result<(), ConfError> {
    let devs = &mut def.devices;
    // libvirt checks this on validation, after assigning: the same answer without a set of
    // millions of buses
    if let Some(c) = devs
        .controllers
        .iter()
        .find(|c| c.kind == "pci" && c.index > 255)
    {
        return Err(ConfError::unsupported(format!(
            "PCI controller index {} too high, maximum is 255",
            c.index
        )));
    }
    // an address at 0000:00:00 is no address: the device wants one (virPCIDeviceAddressIsEmpty)
    for d in all_devices(devs) {
        if pci_of(devs, d).is_some_and(|p| (p.domain, p.bus, p.slot) == (0, 0, 0)) {
            if let Some(a) = address_mut(devs, d) {
                *a = None;
            }
        }
    }
    let max_idx: i64 = devs
        .controllers
        .iter()
        .filter(|c| c.kind == "pci")
        .map(|c| i64::from(c.index))
        .max()
        .unwrap_or(-1);
    let pcie_root = devs
        .controllers
        .iter()
        .any(|c| c.kind == "pci" && c.model.as_deref() == Some("pcie-root"));
    let pci_root = devs
        .controllers
        .iter()
        .any(|c| c.kind == "pci" && c.model.as_deref() == Some("pci-root"));
    let mut nbuses = usize::try_from(max_idx + 1).unwrap_or(0);
    if nbuses > 0 {
        // first pass: which controllers are missing
        let mut set = create(devs, nbuses, true)?;
        chipset_slots(&mut set, devs, chipset)?;
        if pci_root && !set.fully_reserved() {
            // a slot kept free for a future bridge
            set.reserve_next(AUTOASSIGN | PCI_DEVICE, None)?;
        }
        assign_slots(&mut set, devs, pcie_root)?;
        if max_idx <= 0 && set.buses.len() > 1 && pcie_root {
            // libvirt added root ports: one more for hotplug
            set.reserve_next(AUTOASSIGN | PCIE_DEVICE, None)?;
        }
        let mut i = 1;
        while i < set.buses.len() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            if !devs
                .controllers
                .iter()
                .any(|c| c.kind == "pci" && c.index == index)
            {
                let model = set.buses[i].model;
                devs.controllers.push(controller("pci", index, Some(model)));
                let flags = controller_connect(model);
                set.reserve_next(flags, None)?;
            }
            i += 1;
        }
        nbuses = set.buses.len();
    }
    let mut set = create(devs, nbuses, false)?;
    chipset_slots(&mut set, devs, chipset)?;
    assign_slots(&mut set, devs, pcie_root)?;
    set_all_multi(devs);
    pci_controller_defaults(devs)
}

/// `virDomainPCIAddressSetAllMulti`: function 0 of a slot with other functions in use is
/// `multifunction='on'` unless the XML says otherwise.
fn set_all_multi(devs: &mut Devices) {
    let all = all_devices(devs);
    let others: Vec<PciAddress> = all
        .iter()
        .filter_map(|d| pci_of(devs, *d))
        .filter(|p| p.function != 0)
        .collect();
    for o in others {
        if let Some(d) = all.iter().copied().find(|d| {
            pci_of(devs, *d).is_some_and(|p| {
                (p.domain, p.bus, p.slot, p.function) == (o.domain, o.bus, o.slot, 0)
            })
        }) {
            if let Some(Some(Address::Pci(p))) = address_mut(devs, d) {
                p.multifunction.get_or_insert(true);
            }
        }
    }
}

/// The QEMU device name and target options libvirt sets on each PCI controller once addresses
/// are assigned, and its check that a pci-bridge sits on a lower bus than its own.
fn pci_controller_defaults(devs: &mut Devices) -> Result<(), ConfError> {
    for c in devs.controllers.iter().filter(|c| c.kind == "pci") {
        let bridge = c.model.as_deref() == Some("pci-bridge");
        // libvirt's checks of these (range, model) are not modelled: refuse rather than guess
        let names: &[&str] = match c.model.as_deref() {
            Some("pci-bridge") => &["pci-bridge"],
            Some("dmi-to-pci-bridge") => &["i82801b11-bridge"],
            Some("pcie-to-pci-bridge") => &["pcie-pci-bridge"],
            Some("pcie-root-port") => &["pcie-root-port", "ioh3420"],
            Some("pcie-switch-upstream-port") => &["x3130-upstream"],
            Some("pcie-switch-downstream-port") => &["xio3130-downstream"],
            _ => &[],
        };
        if c.chassis_nr
            .is_some_and(|n| !bridge || !(1..=255).contains(&n))
            || c.model_name.as_deref().is_some_and(|n| !names.contains(&n))
        {
            return Err(ConfError::NotImplemented(
                "this PCI controller <target chassisNr=> or <model name=>".into(),
            ));
        }
        if matches!(
            c.model.as_deref(),
            Some("pci-expander-bus" | "pcie-expander-bus")
        ) {
            return Err(ConfError::NotImplemented(format!(
                "PCI controller model '{}'",
                c.model.as_deref().unwrap_or("")
            )));
        }
    }
    for c in devs.controllers.iter_mut().filter(|c| c.kind == "pci") {
        let model = c.model.clone().unwrap_or_default();
        let name = match model.as_str() {
            "pci-bridge" => Some("pci-bridge"),
            "dmi-to-pci-bridge" => Some("i82801b11-bridge"),
            "pcie-to-pci-bridge" => Some("pcie-pci-bridge"),
            "pcie-root-port" => Some("pcie-root-port"),
            "pcie-switch-upstream-port" => Some("x3130-upstream"),
            "pcie-switch-downstream-port" => Some("xio3130-downstream"),
            _ => None,
        };
        if let Some(n) = name {
            c.model_name.get_or_insert_with(|| n.into());
        }
        let p = match c.address {
            Some(Address::Pci(p)) => p,
            _ => PciAddress::default(),
        };
        match model.as_str() {
            "pci-bridge" => {
                c.chassis_nr.get_or_insert(c.index);
            }
            "pcie-root-port" => {
                c.target
                    .get_or_insert((c.index, (p.slot << 3) + p.function));
            }
            "pcie-switch-downstream-port" => {
                c.target.get_or_insert((c.index, p.slot));
            }
            _ => {}
        }
        if model == "pci-bridge" && c.index <= p.bus && c.address.is_some() {
            return Err(ConfError::qemu_unsupported(format!(
                "PCI controller at index {i} (0x{i:02x}) has bus='0x{b:02x}', but index must be \
                 larger than bus",
                i = c.index,
                b = p.bus
            )));
        }
    }
    Ok(())
}
