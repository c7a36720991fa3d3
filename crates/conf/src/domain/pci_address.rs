//! PCI address assignment as libvirt's QEMU driver does it on define (`qemuDomainAssignPCIAddresses`
//! with the address sets of `domain_addr.c`): the addresses given in the XML are reserved first,
//! then the chipset's fixed slots, then every device without an address takes the first free slot
//! of the first bus that accepts it. A first (dry) run finds which PCI controllers are missing and
//! adds them; the second run assigns the addresses for real.

use super::post_parse::controller;
use super::*;
use crate::error::ConfError;

// what a bus accepts and what a device needs (libvirt's virDomainPCIConnectFlags)
const HOTPLUGGABLE: u32 = 1 << 0;
const PCI_DEVICE: u32 = 1 << 1;
const PCIE_DEVICE: u32 = 1 << 2;
const PCIE_ROOT_PORT: u32 = 1 << 3;
const PCIE_SWITCH_UPSTREAM_PORT: u32 = 1 << 4;
const PCIE_SWITCH_DOWNSTREAM_PORT: u32 = 1 << 5;
const DMI_TO_PCI_BRIDGE: u32 = 1 << 6;
const PCIE_EXPANDER_BUS: u32 = 1 << 7;
const PCI_EXPANDER_BUS: u32 = 1 << 8;
const PCI_BRIDGE: u32 = 1 << 9;
const PCIE_TO_PCI_BRIDGE: u32 = 1 << 10;
const AGGREGATE_SLOT: u32 = 1 << 11;
const AUTOASSIGN: u32 = 1 << 12;
const INTEGRATED: u32 = 1 << 13;
const TYPES_MASK: u32 = PCI_DEVICE
    | PCIE_DEVICE
    | PCIE_ROOT_PORT
    | PCIE_SWITCH_UPSTREAM_PORT
    | PCIE_SWITCH_DOWNSTREAM_PORT
    | DMI_TO_PCI_BRIDGE
    | PCIE_EXPANDER_BUS
    | PCI_EXPANDER_BUS
    | PCI_BRIDGE
    | PCIE_TO_PCI_BRIDGE;
const ENDPOINT: u32 = PCI_DEVICE | PCIE_DEVICE;

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

#[derive(Debug, Clone)]
struct Bus {
    model: &'static str,
    flags: u32,
    min_slot: u32,
    max_slot: u32,
    functions: [u8; 32],
    aggregate: [bool; 32],
}

fn bus(model: &str) -> Result<Bus, ConfError> {
    let h = HOTPLUGGABLE;
    let (model, flags, min, max): (&'static str, u32, u32, u32) = match model {
        "pci-root" => (
            "pci-root",
            AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | PCI_EXPANDER_BUS | h,
            1,
            31,
        ),
        "pci-bridge" => (
            "pci-bridge",
            AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | h,
            1,
            31,
        ),
        "pci-expander-bus" => (
            "pci-expander-bus",
            AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | h,
            0,
            31,
        ),
        "pcie-root" => (
            "pcie-root",
            PCIE_DEVICE | PCIE_ROOT_PORT | DMI_TO_PCI_BRIDGE | PCIE_EXPANDER_BUS,
            1,
            31,
        ),
        "dmi-to-pci-bridge" => ("dmi-to-pci-bridge", PCI_DEVICE | PCI_BRIDGE, 0, 31),
        "pcie-to-pci-bridge" => (
            "pcie-to-pci-bridge",
            AUTOASSIGN | PCI_DEVICE | PCI_BRIDGE | h,
            1,
            31,
        ),
        "pcie-root-port" | "pcie-switch-downstream-port" => (
            if model == "pcie-root-port" {
                "pcie-root-port"
            } else {
                "pcie-switch-downstream-port"
            },
            AUTOASSIGN | PCIE_DEVICE | PCIE_SWITCH_UPSTREAM_PORT | PCIE_TO_PCI_BRIDGE | h,
            0,
            0,
        ),
        "pcie-switch-upstream-port" => (
            "pcie-switch-upstream-port",
            PCIE_SWITCH_DOWNSTREAM_PORT,
            0,
            31,
        ),
        "pcie-expander-bus" => (
            "pcie-expander-bus",
            PCIE_ROOT_PORT | DMI_TO_PCI_BRIDGE,
            0,
            31,
        ),
        _ => {
            return Err(ConfError::Internal(
                "PCI controller model was not set correctly".into(),
            ))
        }
    };
    Ok(Bus {
        model,
        flags,
        min_slot: min,
        max_slot: max,
        functions: [0; 32],
        aggregate: [false; 32],
    })
}

fn addr_str(p: &PciAddress) -> String {
    format!(
        "{:04x}:{:02x}:{:02x}.{}",
        p.domain, p.bus, p.slot, p.function
    )
}

fn pci(bus: u32, slot: u32, function: u32) -> PciAddress {
    PciAddress {
        domain: 0,
        bus,
        slot,
        function,
        multifunction: None,
    }
}

/// A set of PCI buses and the functions reserved on them (`virDomainPCIAddressSet`).
struct AddrSet {
    buses: Vec<Bus>,
    dry_run: bool,
}

impl AddrSet {
    /// Libvirt's error for a bad address: an XML error when the XML gave it.
    fn err(from_config: bool, msg: String) -> ConfError {
        if from_config {
            ConfError::Xml(msg)
        } else {
            ConfError::Internal(msg)
        }
    }

    fn flags_compatible(
        p: &PciAddress,
        mut bus_flags: u32,
        mut dev_flags: u32,
        from_config: bool,
    ) -> Result<(), ConfError> {
        let s = addr_str(p);
        if dev_flags & INTEGRATED != 0 {
            if p.bus == 0 {
                bus_flags |= AUTOASSIGN;
            } else {
                return Err(Self::err(
                    from_config,
                    format!(
                        "The device at PCI address {s} needs to be an integrated device (bus=0)"
                    ),
                ));
            }
        }
        if from_config {
            if bus_flags & ENDPOINT != 0 {
                bus_flags |= ENDPOINT;
            }
            if dev_flags & PCI_BRIDGE != 0 {
                dev_flags |= PCI_DEVICE;
            }
        } else if dev_flags & AUTOASSIGN != 0 && bus_flags & AUTOASSIGN == 0 {
            return Err(Self::err(
                from_config,
                format!(
                    "The device at PCI address {s} was auto-assigned this address, but the PCI \
                     controller with index='{}' doesn't allow auto-assignment",
                    p.bus
                ),
            ));
        }
        if dev_flags & HOTPLUGGABLE != 0 && bus_flags & HOTPLUGGABLE == 0 {
            return Err(Self::err(
                from_config,
                format!(
                    "The device at PCI address {s} requires hotplug capability, but the PCI \
                     controller with index='{}' doesn't support hotplug",
                    p.bus
                ),
            ));
        }
        if dev_flags & bus_flags & TYPES_MASK == 0 {
            let what = [
                (PCI_DEVICE, "standard PCI device"),
                (PCIE_DEVICE, "PCI Express device"),
                (PCIE_ROOT_PORT, "pcie-root-port"),
                (PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port"),
                (PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port"),
                (DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"),
                (PCIE_TO_PCI_BRIDGE, "pcie-to-pci-bridge"),
                (PCI_EXPANDER_BUS, "pci-expander-bus"),
                (PCIE_EXPANDER_BUS, "pcie-expander-bus"),
                (PCI_BRIDGE, "pci-bridge"),
            ]
            .into_iter()
            .find(|(f, _)| dev_flags & f != 0)
            .map_or("device", |(_, w)| w);
            return Err(Self::err(
                from_config,
                format!(
                    "The device at PCI address {s} cannot be plugged into the PCI controller \
                     with index='{}'. It requires a controller that accepts a {what}.",
                    p.bus
                ),
            ));
        }
        Ok(())
    }

    fn validate(&self, p: &PciAddress, flags: u32, from_config: bool) -> Result<(), ConfError> {
        let s = addr_str(p);
        if self.buses.is_empty() {
            return Err(Self::err(from_config, "No PCI buses available".into()));
        }
        if p.domain != 0 {
            return Err(Self::err(
                from_config,
                format!("Invalid PCI address {s}. Only PCI domain 0 is available"),
            ));
        }
        let Some(b) = self.buses.get(p.bus as usize) else {
            return Err(Self::err(
                from_config,
                format!(
                    "Invalid PCI address {s}. Only PCI buses up to {} are available",
                    self.buses.len() - 1
                ),
            ));
        };
        Self::flags_compatible(p, b.flags, flags, from_config)?;
        if b.min_slot > 0 && p.slot < b.min_slot {
            return Err(Self::err(
                from_config,
                format!("Invalid PCI address {s}. slot must be >= {}", b.min_slot),
            ));
        }
        if p.slot > b.max_slot {
            return Err(Self::err(
                from_config,
                format!("Invalid PCI address {s}. slot must be <= {}", b.max_slot),
            ));
        }
        if p.function > 7 {
            return Err(Self::err(
                from_config,
                format!("Invalid PCI address {s}. function must be <= 7"),
            ));
        }
        Ok(())
    }

    /// `virDomainPCIAddressSetGrow`: add the buses a device on `p` needs (dry run only); `p.bus`
    /// may move up when a bridge has to come first.
    fn grow(&mut self, p: &mut PciAddress, flags: u32) -> Result<(), ConfError> {
        let Some(mut add) = (p.bus as usize + 1).checked_sub(self.buses.len()) else {
            return Ok(());
        };
        if add == 0 {
            return Ok(());
        }
        let mut need_pcie_to_pci = false;
        let model = if flags & PCI_DEVICE != 0 {
            // QEMU 7.2 has pcie-pci-bridge: a PCIe-only guest gets a root port and one
            need_pcie_to_pci = !self.buses.iter().any(|b| b.flags & PCI_BRIDGE != 0);
            if need_pcie_to_pci && add == 1 {
                add += 1;
                p.bus += 1;
            }
            "pci-bridge"
        } else if flags & (PCIE_DEVICE | PCIE_SWITCH_UPSTREAM_PORT) != 0 {
            "pcie-root-port"
        } else {
            let m = [
                (PCIE_ROOT_PORT, "pcie-root-port"),
                (PCIE_SWITCH_UPSTREAM_PORT, "pcie-switch-upstream-port"),
                (PCIE_SWITCH_DOWNSTREAM_PORT, "pcie-switch-downstream-port"),
                (DMI_TO_PCI_BRIDGE, "dmi-to-pci-bridge"),
                (PCI_EXPANDER_BUS, "pci-expander-bus"),
                (PCIE_EXPANDER_BUS, "pcie-expander-bus"),
                (PCI_BRIDGE, "pci-bridge"),
            ]
            .into_iter()
            .find(|(f, _)| flags & f != 0);
            return Err(ConfError::Internal(match m {
                Some((_, m)) => format!(
                    "a PCI slot is needed to connect a PCI controller model='{m}', but none is \
                     available, and it cannot be automatically added"
                ),
                None => format!(
                    "Cannot automatically add a new PCI bus for a device with connect flags {:02x}",
                    flags
                ),
            }));
        };
        let mut models: Vec<&str> = Vec::new();
        if need_pcie_to_pci {
            models.push("pcie-root-port");
            models.push("pcie-to-pci-bridge");
        }
        while models.len() < add {
            models.push(model);
        }
        for (n, m) in models.into_iter().enumerate() {
            let mut b = bus(m)?;
            if need_pcie_to_pci && n == 0 {
                // only the pcie-to-pci-bridge goes on this root port
                b.flags = PCIE_TO_PCI_BRIDGE;
            }
            self.buses.push(b);
        }
        Ok(())
    }

    fn slot_in_use(&self, p: &PciAddress) -> bool {
        self.buses
            .get(p.bus as usize)
            .and_then(|b| b.functions.get(p.slot as usize))
            .is_some_and(|f| *f != 0)
    }

    fn reserve(&mut self, p: &PciAddress, flags: u32, from_config: bool) -> Result<(), ConfError> {
        let mut p = *p;
        if self.dry_run {
            self.grow(&mut p, flags)?;
        }
        self.validate(&p, flags, from_config)?;
        let Some(b) = self.buses.get_mut(p.bus as usize) else {
            return Err(ConfError::Internal("No PCI buses available".into()));
        };
        let slot = p.slot as usize;
        let bit = 1u8 << p.function;
        if b.functions[slot] & bit != 0 {
            return Err(Self::err(
                from_config,
                format!("Attempted double use of PCI Address {}", addr_str(&p)),
            ));
        }
        if b.functions[slot] == 0 && flags & AGGREGATE_SLOT != 0 {
            b.aggregate[slot] = true;
        }
        b.functions[slot] |= bit;
        Ok(())
    }

    fn find_on_bus(&self, busno: usize, flags: u32, function: Option<u32>) -> Option<(u32, u32)> {
        let b = self.buses.get(busno)?;
        let p = pci(u32::try_from(busno).ok()?, b.min_slot, 0);
        if Self::flags_compatible(&p, b.flags, flags, false).is_err() {
            return None;
        }
        let want = function.unwrap_or(0);
        for slot in b.min_slot..=b.max_slot {
            let f = b.functions[slot as usize];
            if f == 0 {
                return Some((slot, want));
            }
            if flags & AGGREGATE_SLOT != 0 && b.aggregate[slot as usize] {
                if f & (1 << want) == 0 {
                    return Some((slot, want));
                }
                if function.is_none() {
                    if let Some(free) = (0..8).find(|n| f & (1 << n) == 0) {
                        return Some((slot, free));
                    }
                }
            }
        }
        None
    }

    /// `virDomainPCIAddressReserveNextAddr`: the first free slot of the first bus that takes
    /// the device; a dry run adds a bus when none does.
    fn reserve_next(&mut self, flags: u32, function: Option<u32>) -> Result<PciAddress, ConfError> {
        if self.buses.is_empty() {
            return Err(ConfError::Xml("No PCI buses available".into()));
        }
        let found = (0..self.buses.len())
            .find_map(|b| self.find_on_bus(b, flags, function).map(|(s, f)| (b, s, f)));
        let p = match found {
            Some((b, s, f)) => pci(u32::try_from(b).unwrap_or(0), s, f),
            None if self.dry_run => {
                let mut p = pci(
                    u32::try_from(self.buses.len()).unwrap_or(u32::MAX),
                    0,
                    function.unwrap_or(0),
                );
                self.grow(&mut p, flags)?;
                p.slot = self.buses.get(p.bus as usize).map_or(0, |b| b.min_slot);
                p
            }
            None => return Err(ConfError::Internal("No more available PCI slots".into())),
        };
        self.reserve(&p, flags, false)?;
        Ok(p)
    }

    /// A device wanting an address gets the next one (only kept outside the dry run).
    fn assign(&mut self, devs: &mut Devices, d: Dev, pcie_root: bool) -> Result<(), ConfError> {
        let flags = connect_flags(devs, d, pcie_root);
        let p = self.reserve_next(flags, None)?;
        if !self.dry_run {
            set_pci(devs, d, p);
        }
        Ok(())
    }

    fn fully_reserved(&self) -> bool {
        self.buses
            .iter()
            .all(|b| (b.min_slot..=b.max_slot).all(|s| b.functions[s as usize] != 0))
    }
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
fn create(
    devs: &Devices,
    nbuses: usize,
    dry_run: bool,
    chipset: Chipset,
) -> Result<AddrSet, ConfError> {
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
                let piix3 = chipset == Chipset::I440fx
                    && c.index == 0
                    && p.bus == 0
                    && p.slot == 1
                    && ((c.kind == "ide" && p.function == 1)
                        || (c.kind == "usb"
                            && c.model.as_deref() == Some("piix3-uhci")
                            && p.function == 2));
                if piix3
                    || (c.kind == "pci"
                        && matches!(c.model.as_deref(), Some("pci-root" | "pcie-root")))
                {
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
                set.reserve(&fixed.0, flags, false)?;
            }
            set.reserve(&pci(0, 1, 0), flags, false)?;
            set.reserve(&pci(0, 1, 3), flags, false)?;
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
                            set.reserve(&pci(0, s, 0), flags, false)?;
                            let mut p = pci(0, s, 0);
                            p.multifunction = Some(true);
                            devs.controllers[i].address = Some(Address::Pci(p));
                        }
                    }
                    ("pci", Some("dmi-to-pci-bridge"))
                        if c.address.is_none() && !set.slot_in_use(&pci(0, 0x1e, 0)) =>
                    {
                        set.reserve(&pci(0, 0x1e, 0), flags, false)?;
                        devs.controllers[i].address = Some(Address::Pci(pci(0, 0x1e, 0)));
                    }
                    _ => {}
                }
            }
            set.reserve(&pci(0, 0x1f, 0), flags, false)?;
            set.reserve(&pci(0, 0x1f, 3), flags, false)?;
            primary_video(set, devs, 1, flags)?;
            if !set.slot_in_use(&pci(0, 0x1b, 0)) {
                if let Some(i) = (0..devs.sounds.len())
                    .find(|i| devs.sounds[*i].model == "ich9" && devs.sounds[*i].address.is_none())
                {
                    set.reserve(&pci(0, 0x1b, 0), flags, false)?;
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
        set.assign(devs, Dev::Video(0), pcie_root)
    } else {
        set.reserve(&p, flags, false)?;
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
            set.assign(devs, Dev::Controller(i), pcie_root)?;
        }
    }
    for i in 0..devs.filesystems.len() {
        if wanted(devs, Dev::Filesystem(i)) {
            set.assign(devs, Dev::Filesystem(i), pcie_root)?;
        }
    }
    for i in 0..devs.interfaces.len() {
        let d = Dev::Interface(i);
        if devs.interfaces[i].hostdev.is_none()
            && wanted(devs, d)
            && connect_flags(devs, d, pcie_root) != 0
        {
            set.assign(devs, d, pcie_root)?;
        }
    }
    for i in 0..devs.sounds.len() {
        let d = Dev::Sound(i);
        if wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0 {
            set.assign(devs, d, pcie_root)?;
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
        set.assign(devs, d, pcie_root)?;
    }
    for i in 0..devs.disks.len() {
        let d = Dev::Disk(i);
        if devs.disks[i].target_bus.as_deref() != Some("virtio") {
            continue;
        }
        match address(devs, d) {
            None => set.assign(devs, d, pcie_root)?,
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
            set.assign(devs, d, pcie_root)?;
        }
    }
    for i in 0..devs.hostdevs.len() {
        let d = Dev::Hostdev(i);
        if wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0 {
            set.assign(devs, d, pcie_root)?;
        }
    }
    let singles =
        |devs: &Devices, d: Dev| wanted(devs, d) && connect_flags(devs, d, pcie_root) != 0;
    if devs.memballoon.is_some() && singles(devs, Dev::Memballoon) {
        set.assign(devs, Dev::Memballoon, pcie_root)?;
    }
    for i in 0..devs.rngs.len() {
        if singles(devs, Dev::Rng(i)) {
            set.assign(devs, Dev::Rng(i), pcie_root)?;
        }
    }
    if devs.watchdog.is_some() && singles(devs, Dev::Watchdog) {
        set.assign(devs, Dev::Watchdog, pcie_root)?;
    }
    for i in 0..devs.videos.len() {
        if singles(devs, Dev::Video(i)) {
            set.assign(devs, Dev::Video(i), pcie_root)?;
        }
    }
    for i in 0..devs.shmems.len() {
        if singles(devs, Dev::Shmem(i)) {
            set.assign(devs, Dev::Shmem(i), pcie_root)?;
        }
    }
    for i in 0..devs.inputs.len() {
        if singles(devs, Dev::Input(i)) {
            set.assign(devs, Dev::Input(i), pcie_root)?;
        }
    }
    if devs.vsock.is_some() && singles(devs, Dev::Vsock) {
        set.assign(devs, Dev::Vsock, pcie_root)?;
    }
    for i in 0..devs.panics.len() {
        if singles(devs, Dev::Panic(i)) {
            set.assign(devs, Dev::Panic(i), pcie_root)?;
        }
    }
    Ok(())
}

/// `qemuDomainAssignPCIAddresses` for the machines oxvirt models.
pub(super) fn assign_pci_addresses(def: &mut Domain, chipset: Chipset) -> Result<(), ConfError> {
    let devs = &mut def.devices;
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
        let mut set = create(devs, nbuses, true, chipset)?;
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
    let mut set = create(devs, nbuses, false, chipset)?;
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
