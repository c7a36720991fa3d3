//! libvirt's PCI address set (`virDomainPCIAddressSet` of `domain_addr.c`): the PCI buses of a
//! domain, what each accepts, the functions reserved on them, and the search for a free slot
//! (growing the set with the controllers a device needs on a dry run).

use super::PciAddress;
use crate::error::ConfError;

// what a bus accepts and what a device needs (libvirt's virDomainPCIConnectFlags)
pub(super) const HOTPLUGGABLE: u32 = 1 << 0;
pub(super) const PCI_DEVICE: u32 = 1 << 1;
pub(super) const PCIE_DEVICE: u32 = 1 << 2;
pub(super) const PCIE_ROOT_PORT: u32 = 1 << 3;
pub(super) const PCIE_SWITCH_UPSTREAM_PORT: u32 = 1 << 4;
pub(super) const PCIE_SWITCH_DOWNSTREAM_PORT: u32 = 1 << 5;
pub(super) const DMI_TO_PCI_BRIDGE: u32 = 1 << 6;
pub(super) const PCIE_EXPANDER_BUS: u32 = 1 << 7;
pub(super) const PCI_EXPANDER_BUS: u32 = 1 << 8;
pub(super) const PCI_BRIDGE: u32 = 1 << 9;
pub(super) const PCIE_TO_PCI_BRIDGE: u32 = 1 << 10;
pub(super) const AGGREGATE_SLOT: u32 = 1 << 11;
pub(super) const AUTOASSIGN: u32 = 1 << 12;
pub(super) const INTEGRATED: u32 = 1 << 13;
pub(super) const TYPES_MASK: u32 = PCI_DEVICE
    | PCIE_DEVICE
    | PCIE_ROOT_PORT
    | PCIE_SWITCH_UPSTREAM_PORT
    | PCIE_SWITCH_DOWNSTREAM_PORT
    | DMI_TO_PCI_BRIDGE
    | PCIE_EXPANDER_BUS
    | PCI_EXPANDER_BUS
    | PCI_BRIDGE
    | PCIE_TO_PCI_BRIDGE;
pub(super) const ENDPOINT: u32 = PCI_DEVICE | PCIE_DEVICE;

#[derive(Debug, Clone)]
pub(super) struct Bus {
    pub(super) model: &'static str,
    pub(super) flags: u32,
    min_slot: u32,
    max_slot: u32,
    functions: [u8; 32],
    aggregate: [bool; 32],
}

pub(super) fn bus(model: &str) -> Result<Bus, ConfError> {
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

pub(super) fn pci(bus: u32, slot: u32, function: u32) -> PciAddress {
    PciAddress {
        domain: 0,
        bus,
        slot,
        function,
        multifunction: None,
    }
}

/// A set of PCI buses and the functions reserved on them (`virDomainPCIAddressSet`).
pub(super) struct AddrSet {
    pub(super) buses: Vec<Bus>,
    pub(super) dry_run: bool,
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

    pub(super) fn validate(
        &self,
        p: &PciAddress,
        flags: u32,
        from_config: bool,
    ) -> Result<(), ConfError> {
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

    pub(super) fn slot_in_use(&self, p: &PciAddress) -> bool {
        self.buses
            .get(p.bus as usize)
            .and_then(|b| b.functions.get(p.slot as usize))
            .is_some_and(|f| *f != 0)
    }

    pub(super) fn reserve(
        &mut self,
        p: &PciAddress,
        flags: u32,
        from_config: bool,
    ) -> Result<(), ConfError> {
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
    pub(super) fn reserve_next(
        &mut self,
        flags: u32,
        function: Option<u32>,
    ) -> Result<PciAddress, ConfError> {
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

    pub(super) fn fully_reserved(&self) -> bool {
        self.buses
            .iter()
            .all(|b| (b.min_slot..=b.max_slot).all(|s| b.functions[s as usize] != 0))
    }
}
