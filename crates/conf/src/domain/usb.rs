//! USB addresses as libvirt's QEMU driver assigns them on define: the ports of each USB
//! controller's root hub, the `<hub>`s plugged into them, the hubs it adds when the ports do not
//! suffice, and a free port path for every USB device without one (libvirt's
//! `virDomainUSBAddress*` and `qemuDomainAssignUSBAddresses`).

use super::*;
use crate::error::ConfError;

/// The ports of one hub (a controller's root hub or a `<hub>`): which are taken and which hold
/// a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HubPorts {
    taken: Vec<bool>,
    hubs: Vec<Option<HubPorts>>,
}

impl HubPorts {
    fn new(ports: u32) -> Self {
        let n = usize::try_from(ports).unwrap_or(0);
        HubPorts {
            taken: vec![false; n],
            hubs: vec![None; n],
        }
    }

    /// The first free port here, else (breadth before depth, as libvirt) in the hubs below, in
    /// port order; `level` is this hub's depth in the path.
    fn find_free(&self, path: &mut [u32; USB_MAX_PORT_DEPTH], level: usize) -> bool {
        if let Some(i) = self.taken.iter().position(|t| !t) {
            path[level] = port_number(i);
            return true;
        }
        if level + 1 >= USB_MAX_PORT_DEPTH {
            return false;
        }
        for (i, hub) in self.hubs.iter().enumerate() {
            if let Some(h) = hub {
                if h.find_free(path, level + 1) {
                    path[level] = port_number(i);
                    return true;
                }
            }
        }
        false
    }
}

fn port_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// The ports a USB controller model gives (`virDomainUSBAddressControllerModelToPorts`); the
/// UHCI companions of an EHCI controller give none (their master counts for them).
pub(crate) fn controller_ports(c: &Controller) -> u32 {
    match c.model.as_deref() {
        None | Some("piix3-uhci" | "piix4-uhci" | "vt82c686b-uhci") => 2,
        Some("ehci" | "ich9-ehci1") => 6,
        Some("pci-ohci") => 3,
        Some("nec-xhci" | "qemu-xhci") => c.ports.unwrap_or(4),
        Some("qusb1" | "qusb2") => c.ports.unwrap_or(8),
        // ich9-uhci1..3, none
        _ => 0,
    }
}

/// The USB ports of a domain: one root hub per controller index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct UsbAddressSet {
    buses: Vec<Option<HubPorts>>,
}

impl UsbAddressSet {
    /// The set of the domain's USB controllers and of its hubs that have a port.
    pub(crate) fn new(devs: &Devices) -> Result<Self, ConfError> {
        let mut set = UsbAddressSet::default();
        for c in devs.controllers.iter().filter(|c| c.kind == "usb") {
            set.add_controller(c.index, controller_ports(c))?;
        }
        for h in &devs.hubs {
            if let Some(Address::Usb { bus, port }) = h.address {
                if port.is_set() {
                    set.add_hub(bus, port)?;
                }
            }
        }
        Ok(set)
    }

    pub(crate) fn add_controller(&mut self, index: u32, ports: u32) -> Result<(), ConfError> {
        if ports == 0 {
            return Ok(());
        }
        let i = usize::try_from(index).map_err(|_| ConfError::Internal("USB bus".into()))?;
        if self.buses.len() <= i {
            self.buses.resize(i + 1, None);
        } else if self.buses[i].is_some() {
            return Err(ConfError::Xml(format!(
                "Duplicate USB controllers with index {index}"
            )));
        }
        self.buses[i] = Some(HubPorts::new(ports));
        Ok(())
    }

    /// The hub that has the last port of `port`, and that port's index there.
    fn find_port(&mut self, bus: u32, port: UsbPort) -> Result<(&mut HubPorts, usize), ConfError> {
        let mut hub = usize::try_from(bus)
            .ok()
            .and_then(|b| self.buses.get_mut(b))
            .and_then(Option::as_mut)
            .ok_or_else(|| ConfError::Xml(format!("Missing USB bus {bus}")))?;
        let levels = port.levels();
        let Some((last, above)) = levels.split_last() else {
            return Err(ConfError::Internal(format!(
                "USB address bus {bus} has no port"
            )));
        };
        for p in above {
            let i = usize::try_from(*p).unwrap_or(usize::MAX).saturating_sub(1);
            hub = match hub.hubs.get_mut(i) {
                Some(Some(h)) => h,
                Some(None) => {
                    return Err(ConfError::Xml(format!(
                        "there is no hub at port {p} in USB address bus: {bus} port: {port}"
                    )))
                }
                None => {
                    return Err(ConfError::Xml(format!(
                        "port {p} out of range in USB address bus: {bus} port: {port}"
                    )))
                }
            };
        }
        let i = usize::try_from(*last)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        if i >= hub.taken.len() {
            return Err(ConfError::Xml(format!(
                "requested USB port {port} not present on USB bus {bus}"
            )));
        }
        Ok((hub, i))
    }

    /// Plug a hub into `port` of `bus`.
    pub(crate) fn add_hub(&mut self, bus: u32, port: UsbPort) -> Result<(), ConfError> {
        let (hub, i) = self.find_port(bus, port)?;
        if hub.hubs[i].is_some() {
            return Err(ConfError::Xml(format!(
                "Duplicate USB hub on bus {bus} port {port}"
            )));
        }
        hub.taken[i] = true;
        hub.hubs[i] = Some(HubPorts::new(USB_HUB_PORTS));
        Ok(())
    }

    /// Take a port a device names.
    pub(crate) fn reserve(&mut self, bus: u32, port: UsbPort) -> Result<(), ConfError> {
        if !port.is_set() {
            return Ok(());
        }
        let (hub, i) = self.find_port(bus, port)?;
        if hub.taken[i] {
            return Err(ConfError::Xml(format!(
                "Duplicate USB address bus {bus} port {port}"
            )));
        }
        hub.taken[i] = true;
        Ok(())
    }

    /// Take the first free port: on `bus` when given, else on the first bus that has one.
    pub(crate) fn assign(&mut self, bus: Option<u32>) -> Result<Address, ConfError> {
        let candidates: Vec<u32> = match bus {
            Some(b) => {
                let present = usize::try_from(b)
                    .ok()
                    .and_then(|i| self.buses.get(i))
                    .is_some_and(Option::is_some);
                if !present {
                    return Err(ConfError::Xml(format!(
                        "USB bus {b} requested but no controller with that index is present"
                    )));
                }
                vec![b]
            }
            None => (0..self.buses.len())
                .filter_map(|i| u32::try_from(i).ok())
                .collect(),
        };
        for b in candidates {
            let Some(Some(root)) = usize::try_from(b).ok().and_then(|i| self.buses.get(i)) else {
                continue;
            };
            let mut path = [0; USB_MAX_PORT_DEPTH];
            if root.find_free(&mut path, 0) {
                let port = UsbPort(path);
                self.reserve(b, port)?;
                return Ok(Address::Usb { bus: b, port });
            }
        }
        Err(ConfError::Internal("No free USB ports".into()))
    }
}

/// A device that sits on a USB port, in the order libvirt walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UsbDevice {
    Disk(usize),
    Sound(usize),
    Hostdev(usize),
    Ccid(usize),
    Input(usize),
    Redirdev(usize),
}

fn usb_devices(devs: &Devices) -> Vec<UsbDevice> {
    let mut out = Vec::new();
    for (i, d) in devs.disks.iter().enumerate() {
        if d.target_bus.as_deref() == Some("usb") {
            out.push(UsbDevice::Disk(i));
        }
    }
    for (i, s) in devs.sounds.iter().enumerate() {
        if s.model == "usb" {
            out.push(UsbDevice::Sound(i));
        }
    }
    for (i, h) in devs.hostdevs.iter().enumerate() {
        if matches!(h.source, HostdevSource::Usb { .. }) {
            out.push(UsbDevice::Hostdev(i));
        }
    }
    for (i, c) in devs.controllers.iter().enumerate() {
        if c.kind == "ccid" {
            out.push(UsbDevice::Ccid(i));
        }
    }
    for (i, inp) in devs.inputs.iter().enumerate() {
        if inp.bus.as_deref() == Some("usb") {
            out.push(UsbDevice::Input(i));
        }
    }
    out.extend((0..devs.redirdevs.len()).map(UsbDevice::Redirdev));
    out
}

fn address_mut(devs: &mut Devices, d: UsbDevice) -> Option<&mut Option<Address>> {
    match d {
        UsbDevice::Disk(i) => devs.disks.get_mut(i).map(|x| &mut x.address),
        UsbDevice::Sound(i) => devs.sounds.get_mut(i).map(|x| &mut x.address),
        UsbDevice::Hostdev(i) => devs.hostdevs.get_mut(i).map(|x| &mut x.address),
        UsbDevice::Ccid(i) => devs.controllers.get_mut(i).map(|x| &mut x.address),
        UsbDevice::Input(i) => devs.inputs.get_mut(i).map(|x| &mut x.address),
        UsbDevice::Redirdev(i) => devs.redirdevs.get_mut(i).map(|x| &mut x.address),
    }
}

/// How many hubs libvirt adds so that `devices` USB devices (hubs included) find a port when
/// the controllers and hubs give `ports`: each added hub takes one port and gives
/// [`USB_HUB_PORTS`].
pub(crate) fn hubs_needed(devices: usize, ports: usize) -> usize {
    if devices <= ports {
        return 0;
    }
    let per_hub = usize::try_from(USB_HUB_PORTS).unwrap_or(8) - 1;
    (devices - ports + 1).div_ceil(per_hub)
}

/// Add the hubs the USB devices need, then give every USB device and hub without a port one.
pub(crate) fn assign_usb_addresses(devs: &mut Devices) -> Result<(), ConfError> {
    let devices = usb_devices(devs);
    let count = devices.len() + devs.hubs.len();
    let ports: usize = devs
        .controllers
        .iter()
        .filter(|c| c.kind == "usb")
        .map(|c| usize::try_from(controller_ports(c)).unwrap_or(0))
        .sum::<usize>()
        + devs.hubs.len() * usize::try_from(USB_HUB_PORTS).unwrap_or(8);
    let has_usb = devs
        .controllers
        .iter()
        .any(|c| c.kind == "usb" && c.model.as_deref() != Some("none"));
    if count > 0 && !has_usb {
        return Err(ConfError::qemu_unsupported(
            "USB is disabled for this domain, but USB devices are present in the domain XML",
        ));
    }
    for _ in 0..hubs_needed(count, ports) {
        devs.hubs.push(Hub {
            alias: None,
            address: None,
        });
    }
    let mut set = UsbAddressSet::new(devs)?;
    for d in &devices {
        if let Some(Some(Address::Usb { bus, port })) = address_mut(devs, *d).map(|a| *a) {
            set.reserve(bus, port)?;
        }
    }
    for h in &mut devs.hubs {
        let bus = match h.address {
            Some(Address::Usb { port, .. }) if port.is_set() => continue,
            Some(Address::Usb { bus, .. }) => Some(bus),
            _ => None,
        };
        let a = set.assign(bus)?;
        if let Address::Usb { bus, port } = a {
            set.add_hub(bus, port)?;
        }
        h.address = Some(a);
    }
    for d in devices {
        let Some(slot) = address_mut(devs, d) else {
            continue;
        };
        let bus = match *slot {
            None => None,
            Some(Address::Usb { bus, port }) if !port.is_set() => Some(bus),
            Some(_) => continue,
        };
        *slot = Some(set.assign(bus)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> UsbPort {
        UsbPort::parse(s).expect("port")
    }

    #[test]
    fn port_paths_parse_and_print() {
        assert_eq!(p("1").to_string(), "1");
        assert_eq!(p("1.2.3.4").to_string(), "1.2.3.4");
        assert_eq!(p("1.2").levels(), &[1, 2]);
        assert!(!UsbPort::default().is_set());
        for bad in ["", "1.", ".1", "1..2", "1.2.3.4.5", "a", "-1", "1.x"] {
            assert_eq!(UsbPort::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hubs_needed_for_n_devices() {
        // a piix3-uhci has 2 ports; libvirt's count keeps one port more than the devices need
        assert_eq!(hubs_needed(0, 2), 0);
        assert_eq!(hubs_needed(2, 2), 0);
        assert_eq!(hubs_needed(3, 2), 1);
        assert_eq!(hubs_needed(8, 2), 1);
        assert_eq!(hubs_needed(9, 2), 2);
        assert_eq!(hubs_needed(15, 2), 2);
        assert_eq!(hubs_needed(16, 2), 3);
        // a qemu-xhci with 15 ports
        assert_eq!(hubs_needed(16, 15), 1);
    }

    #[test]
    fn free_ports_fill_the_root_then_the_hubs() {
        let mut set = UsbAddressSet::default();
        set.add_controller(0, 2).expect("controller");
        let first = set.assign(None).expect("port");
        assert_eq!(
            first,
            Address::Usb {
                bus: 0,
                port: p("1")
            }
        );
        set.add_hub(0, p("2")).expect("hub");
        assert_eq!(
            set.add_hub(0, p("2")),
            Err(ConfError::Xml("Duplicate USB hub on bus 0 port 2".into()))
        );
        let ports: Vec<String> = (0..9)
            .map(|_| match set.assign(None) {
                Ok(Address::Usb { port, .. }) => port.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(ports[0], "2.1");
        assert_eq!(ports[7], "2.8");
        assert_eq!(ports[8], "Err(Internal(\"No free USB ports\"))");
    }

    #[test]
    fn reserved_ports_and_errors() {
        let mut set = UsbAddressSet::default();
        set.add_controller(0, 4).expect("controller");
        assert!(set.add_controller(0, 2).is_err());
        set.reserve(0, p("1")).expect("free");
        assert_eq!(
            set.reserve(0, p("1")),
            Err(ConfError::Xml("Duplicate USB address bus 0 port 1".into()))
        );
        assert_eq!(
            set.reserve(0, p("5")),
            Err(ConfError::Xml(
                "requested USB port 5 not present on USB bus 0".into()
            ))
        );
        assert_eq!(
            set.reserve(0, p("2.1")),
            Err(ConfError::Xml(
                "there is no hub at port 2 in USB address bus: 0 port: 2.1".into()
            ))
        );
        assert_eq!(
            set.reserve(1, p("1")),
            Err(ConfError::Xml("Missing USB bus 1".into()))
        );
        assert!(set.assign(Some(3)).is_err());
        assert_eq!(
            set.assign(Some(0)),
            Ok(Address::Usb {
                bus: 0,
                port: p("2")
            })
        );
    }

    #[test]
    fn three_devices_on_two_ports_get_a_hub() {
        let mut devs = Devices::default();
        devs.controllers.push(super::super::post_parse::controller(
            "usb",
            0,
            Some("piix3-uhci"),
        ));
        for k in ["tablet", "keyboard", "mouse"] {
            devs.inputs.push(Input {
                kind: k.into(),
                bus: Some("usb".into()),
                alias: None,
                address: None,
            });
        }
        assign_usb_addresses(&mut devs).expect("assigned");
        let port = |a: &Option<Address>| match a {
            Some(Address::Usb { bus: 0, port }) => port.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(devs.hubs.len(), 1);
        assert_eq!(port(&devs.hubs[0].address), "1");
        let got: Vec<String> = devs.inputs.iter().map(|i| port(&i.address)).collect();
        assert_eq!(got, ["2", "1.1", "1.2"]);
    }
}
