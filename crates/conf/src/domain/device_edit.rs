//! Editing a definition one device at a time, as libvirt's attach, detach and update of the
//! persistent configuration do (`qemuDomainAttachDeviceConfig`, `qemuDomainDetachDeviceConfig`,
//! `qemuDomainUpdateDeviceConfig`): the device XML is read alone ([`parse_device`]), inserted
//! where libvirt inserts it (disks and controllers sorted, the rest appended), matched for a
//! detach or an update by libvirt's keys (a disk by its target, a NIC by its MAC and PCI
//! address, a controller by type and index, ...). The caller runs the domain's post-parse
//! afterwards, which gives the new device its defaults and addresses, as libvirt does.

use super::devices::parse_devices;
use super::*;
use crate::error::{ConfError, Origin};

type Result<T> = std::result::Result<T, ConfError>;

/// One device's XML, parsed.
#[derive(Debug, Clone)]
pub struct DeviceXml {
    /// The element's name (`disk`, `interface`, ...).
    pub element: String,
    /// The device, alone in its list.
    pub devices: Devices,
    /// A NIC's `<mac>` was given (a generated one matches nothing on detach).
    pub mac_given: bool,
}

impl DeviceXml {
    /// The disk, when the device is one.
    pub fn disk(&self) -> Option<&Disk> {
        self.devices.disks.first()
    }

    /// The NIC, when the device is one.
    pub fn interface(&self) -> Option<&Interface> {
        self.devices.interfaces.first()
    }
}

/// Read one device element (`<disk>`, `<interface>`, ...) as libvirt's
/// `virDomainDeviceDefParse` does for the persistent definition (user aliases only).
pub fn parse_device(xml: &str) -> Result<DeviceXml> {
    parse_device_with(xml, false)
}

/// The same, keeping every alias (a live device, as the status file prints it).
pub fn parse_device_live(xml: &str) -> Result<DeviceXml> {
    parse_device_with(xml, true)
}

fn parse_device_with(xml: &str, live: bool) -> Result<DeviceXml> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| crate::libxml::malformed(xml, &e))?;
    let root = doc.root_element();
    let element = root.tag_name().name().to_owned();
    if !KNOWN.contains(&element.as_str()) {
        return Err(ConfError::unsupported(format!(
            "unknown device type '{element}'"
        )));
    }
    let mac_given = element == "interface"
        && root
            .children()
            .any(|c| c.is_element() && c.tag_name().name() == "mac");
    // the element alone inside <devices>, read by the one device dispatch
    let range = root.range();
    let body = xml.get(range).unwrap_or_default();
    let wrapped = format!("<devices>{body}</devices>");
    let wdoc =
        roxmltree::Document::parse(&wrapped).map_err(|e| crate::libxml::malformed(xml, &e))?;
    let devices = parse_devices(wdoc.root_element(), live)?;
    Ok(DeviceXml {
        element,
        devices,
        mac_given,
    })
}

/// The device elements these edits handle.
const KNOWN: &[&str] = &[
    "disk",
    "controller",
    "interface",
    "serial",
    "console",
    "channel",
    "input",
    "rng",
    "watchdog",
    "memballoon",
    "filesystem",
    "hostdev",
    "sound",
    "video",
    "graphics",
    "redirdev",
    "smartcard",
    "hub",
    "panic",
    "shmem",
    "memory",
    "tpm",
    "iommu",
    "vsock",
    "lease",
    "parallel",
    "nvram",
    "audio",
    "crypto",
];

/// Insert as libvirt's `virDomainDiskInsert` and `virDomainControllerInsert` do: before the
/// first item of the same group with a higher index, else after the last of the group with a
/// lower one, else at the end.
fn insert_grouped<T, G: PartialEq, I: Ord>(
    list: &mut Vec<T>,
    item: T,
    group: impl Fn(&T) -> G,
    index: impl Fn(&T) -> I,
) {
    let (g, idx) = (group(&item), index(&item));
    let mut at: Option<usize> = None;
    for (i, cur) in list.iter().enumerate().rev() {
        if group(cur) != g {
            continue;
        }
        if index(cur) > idx {
            at = Some(i);
        } else if at.is_none() {
            at = Some(i + 1);
        }
    }
    match at {
        Some(i) => list.insert(i, item),
        None => list.push(item),
    }
}

fn unsupported(what: &str, element: &str) -> ConfError {
    ConfError::qemu_unsupported(format!(
        "persistent {what} of device '{element}' is not supported"
    ))
}

fn missing_qemu(message: impl Into<String>) -> ConfError {
    ConfError::DeviceMissing {
        origin: Origin::Qemu,
        message: message.into(),
    }
}

/// `<target dev>` names already used: libvirt's duplicate check on attach.
fn check_new_disk(def: &Domain, disk: &Disk) -> Result<()> {
    if def
        .devices
        .disks
        .iter()
        .any(|d| d.target_dev == disk.target_dev)
    {
        return Err(ConfError::OperationInvalid(format!(
            "target {} already exists",
            disk.target_dev
        )));
    }
    Ok(())
}

/// `VIR_DOMAIN_AFFECT_CONFIG` of an attach: the device added to the persistent definition.
/// The caller runs post-parse on the result (defaults, addresses, implicit controllers).
pub fn attach_config(def: &mut Domain, dev: DeviceXml) -> Result<()> {
    let DeviceXml {
        element,
        mut devices,
        ..
    } = dev;
    match element.as_str() {
        "disk" => {
            for disk in devices.disks.drain(..) {
                check_new_disk(def, &disk)?;
                insert_grouped(
                    &mut def.devices.disks,
                    disk,
                    |d| d.target_bus.clone(),
                    |d| disk_name_to_index(&d.target_dev),
                );
            }
        }
        "controller" => {
            for c in devices.controllers.drain(..) {
                if def
                    .devices
                    .controllers
                    .iter()
                    .any(|x| x.kind == c.kind && x.index == c.index)
                {
                    return Err(ConfError::OperationInvalid(format!(
                        "controller index='{}' already exists",
                        c.index
                    )));
                }
                insert_grouped(
                    &mut def.devices.controllers,
                    c,
                    |c| c.kind.clone(),
                    |c| c.index,
                );
            }
        }
        "interface" => def.devices.interfaces.append(&mut devices.interfaces),
        "serial" => def.devices.serials.append(&mut devices.serials),
        "channel" => def.devices.channels.append(&mut devices.channels),
        "input" => def.devices.inputs.append(&mut devices.inputs),
        "rng" => def.devices.rngs.append(&mut devices.rngs),
        "watchdog" => {
            if def.devices.watchdog.is_some() {
                return Err(ConfError::OperationInvalid(
                    "domain already has a watchdog".into(),
                ));
            }
            def.devices.watchdog = devices.watchdog.take();
        }
        other => return Err(unsupported("attach", other)),
    }
    Ok(())
}

/// The PCI address a device XML gives, if any.
fn pci_of(a: &Option<Address>) -> Option<&PciAddress> {
    match a {
        Some(Address::Pci(p)) => Some(p),
        _ => None,
    }
}

fn same_pci(a: &PciAddress, b: &PciAddress) -> bool {
    (a.domain, a.bus, a.slot, a.function) == (b.domain, b.bus, b.slot, b.function)
}

fn mac_string(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// libvirt's `virDomainNetFindIdx`: the NIC a device XML names, by its MAC (if given), its
/// PCI address (if given) and its alias (if given).
pub fn find_interface(def: &Domain, dev: &DeviceXml) -> Result<usize> {
    let Some(net) = dev.interface() else {
        return Err(ConfError::Internal("not an interface".into()));
    };
    let pci = pci_of(&net.address);
    let mut found: Option<usize> = None;
    for (i, cur) in def.devices.interfaces.iter().enumerate() {
        if dev.mac_given && cur.mac != net.mac {
            continue;
        }
        if let Some(p) = pci {
            if !pci_of(&cur.address).is_some_and(|c| same_pci(c, p)) {
                continue;
            }
        }
        if let (Some(a), Some(b)) = (&cur.alias, &net.alias) {
            if a != b {
                continue;
            }
        }
        if found.is_some() {
            return Err(ConfError::OperationFailed(if dev.mac_given {
                format!(
                    "multiple devices matching MAC address {} found",
                    mac_string(&net.mac)
                )
            } else {
                "multiple matching devices found".into()
            }));
        }
        found = Some(i);
    }
    found.ok_or_else(|| {
        let null = || "(<null>)".to_owned();
        let addr = pci.map_or_else(null, |p| {
            format!(
                "{:04x}:{:02x}:{:02x}.{}",
                p.domain, p.bus, p.slot, p.function
            )
        });
        let mac = if dev.mac_given {
            mac_string(&net.mac)
        } else {
            null()
        };
        let alias = net.alias.clone().unwrap_or_else(null);
        ConfError::DeviceMissing {
            origin: Origin::Domain,
            message: format!(
                "no device found at address '{addr}' matching MAC address '{mac}' and alias '{alias}'"
            ),
        }
    })
}

/// `VIR_DOMAIN_AFFECT_CONFIG` of a detach: the matching device leaves the persistent
/// definition. Addresses and the controllers it used stay, as in libvirt.
pub fn detach_config(def: &mut Domain, dev: &DeviceXml) -> Result<()> {
    match dev.element.as_str() {
        "disk" => {
            let Some(disk) = dev.disk() else {
                return Err(ConfError::Internal("not a disk".into()));
            };
            let Some(i) = def
                .devices
                .disks
                .iter()
                .position(|d| d.target_dev == disk.target_dev)
            else {
                return Err(missing_qemu(format!(
                    "no target device {}",
                    disk.target_dev
                )));
            };
            def.devices.disks.remove(i);
        }
        "interface" => {
            let i = find_interface(def, dev)?;
            def.devices.interfaces.remove(i);
        }
        "controller" => {
            let Some(c) = dev.devices.controllers.first() else {
                return Err(ConfError::Internal("not a controller".into()));
            };
            let Some(i) = def
                .devices
                .controllers
                .iter()
                .position(|x| x.kind == c.kind && x.index == c.index)
            else {
                return Err(missing_qemu("device not present in domain configuration"));
            };
            def.devices.controllers.remove(i);
        }
        "rng" => {
            let Some(r) = dev.devices.rngs.first() else {
                return Err(ConfError::Internal("not an rng".into()));
            };
            let Some(i) = def.devices.rngs.iter().position(|x| rng_matches(x, r)) else {
                return Err(missing_qemu("no matching RNG device was found"));
            };
            def.devices.rngs.remove(i);
        }
        "watchdog" => {
            let Some(w) = dev.devices.watchdog.as_ref() else {
                return Err(ConfError::Internal("not a watchdog".into()));
            };
            match &def.devices.watchdog {
                Some(cur) if cur.model == w.model && cur.action == w.action => {
                    def.devices.watchdog = None;
                }
                _ => return Err(missing_qemu("domain has no watchdog")),
            }
        }
        "serial" => {
            let Some(s) = dev.devices.serials.first() else {
                return Err(ConfError::Internal("not a serial port".into()));
            };
            let Some(i) = def
                .devices
                .serials
                .iter()
                .position(|x| x.source == s.source && (s.port.is_none() || x.port == s.port))
            else {
                return Err(ConfError::InvalidArgDomain(
                    "device not present in domain configuration".into(),
                ));
            };
            def.devices.serials.remove(i);
        }
        "channel" => {
            let Some(c) = dev.devices.channels.first() else {
                return Err(ConfError::Internal("not a channel".into()));
            };
            let Some(i) = def
                .devices
                .channels
                .iter()
                .position(|x| x.source == c.source && x.name == c.name)
            else {
                return Err(ConfError::InvalidArgDomain(
                    "device not present in domain configuration".into(),
                ));
            };
            def.devices.channels.remove(i);
        }
        other => return Err(unsupported("detach", other)),
    }
    Ok(())
}

/// `virDomainRNGFind`'s comparison: the model, the backend and whatever the XML gives.
fn rng_matches(cur: &Rng, want: &Rng) -> bool {
    cur.model == want.model
        && cur.backend == want.backend
        && (want.rate.is_none() || cur.rate == want.rate)
        && (want.egd.is_none() || cur.egd == want.egd)
        && (want.alias.is_none() || cur.alias == want.alias)
        && (want.address.is_none() || cur.address == want.address)
}

/// `VIR_DOMAIN_AFFECT_CONFIG` of DETACH_DEVICE_ALIAS: the device with that (user) alias
/// leaves the persistent definition.
pub fn detach_alias_config(def: &mut Domain, alias: &str) -> Result<()> {
    let is = |a: &Option<String>| a.as_deref() == Some(alias);
    let d = &mut def.devices;
    if let Some(i) = d.disks.iter().position(|x| is(&x.alias)) {
        d.disks.remove(i);
    } else if let Some(i) = d.interfaces.iter().position(|x| is(&x.alias)) {
        d.interfaces.remove(i);
    } else if let Some(i) = d.controllers.iter().position(|x| is(&x.alias)) {
        d.controllers.remove(i);
    } else if let Some(i) = d.serials.iter().position(|x| is(&x.alias)) {
        d.serials.remove(i);
    } else if let Some(i) = d.channels.iter().position(|x| is(&x.alias)) {
        d.channels.remove(i);
    } else if let Some(i) = d.rngs.iter().position(|x| is(&x.alias)) {
        d.rngs.remove(i);
    } else if let Some(i) = d.inputs.iter().position(|x| is(&x.alias)) {
        d.inputs.remove(i);
    } else if d.watchdog.as_ref().is_some_and(|w| is(&w.alias)) {
        d.watchdog = None;
    } else {
        return Err(ConfError::Internal(format!(
            "no device found with alias {alias}"
        )));
    }
    Ok(())
}

/// `VIR_DOMAIN_AFFECT_CONFIG` of an update: the disk with the same target, or the NIC that
/// matches, is replaced by the new definition (which keeps the old one's address when it
/// gives none).
pub fn update_config(def: &mut Domain, dev: DeviceXml) -> Result<()> {
    let idx = match dev.element.as_str() {
        "disk" => {
            let Some(disk) = dev.disk() else {
                return Err(ConfError::Internal("not a disk".into()));
            };
            let Some(i) = def
                .devices
                .disks
                .iter()
                .position(|d| d.target_dev == disk.target_dev)
            else {
                return Err(ConfError::InvalidArg(format!(
                    "target {} doesn't exist.",
                    disk.target_dev
                )));
            };
            i
        }
        "interface" => find_interface(def, &dev)?,
        other => return Err(unsupported("update", other)),
    };
    let DeviceXml { mut devices, .. } = dev;
    if let Some(mut new) = devices.disks.pop() {
        if let Some(old) = def.devices.disks.get_mut(idx) {
            if new.address.is_none() {
                new.address = old.address;
            }
            *old = new;
        }
    } else if let Some(mut new) = devices.interfaces.pop() {
        if let Some(old) = def.devices.interfaces.get_mut(idx) {
            if new.address.is_none() {
                new.address = old.address;
            }
            *old = new;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(devices: &str) -> Domain {
        let xml = format!(
            "<domain type='qemu'><name>d</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices>{devices}</devices></domain>"
        );
        crate::domain::parse(&xml).unwrap()
    }

    fn disk(dev: &str, bus: &str) -> String {
        format!("<disk type='file' device='disk'><source file='/x/{dev}'/><target dev='{dev}' bus='{bus}'/></disk>")
    }

    fn targets(d: &Domain) -> Vec<String> {
        d.devices
            .disks
            .iter()
            .map(|d| d.target_dev.clone())
            .collect()
    }

    #[test]
    fn disks_insert_sorted_and_refuse_a_used_target() {
        let mut d = dom(&format!(
            "{}{}",
            disk("vda", "virtio"),
            disk("vdc", "virtio")
        ));
        attach_config(&mut d, parse_device(&disk("vdb", "virtio")).unwrap()).unwrap();
        attach_config(&mut d, parse_device(&disk("sda", "sata")).unwrap()).unwrap();
        assert_eq!(targets(&d), ["vda", "vdb", "vdc", "sda"]);
        let e = attach_config(&mut d, parse_device(&disk("vdb", "virtio")).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Requested operation is not valid: target vdb already exists"
        );
        detach_config(&mut d, &parse_device(&disk("vdb", "virtio")).unwrap()).unwrap();
        assert_eq!(targets(&d), ["vda", "vdc", "sda"]);
        let e = detach_config(&mut d, &parse_device(&disk("vdb", "virtio")).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "device not found: no target device vdb");
        let e = update_config(&mut d, parse_device(&disk("vdq", "virtio")).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "invalid argument: target vdq doesn't exist.");
    }

    #[test]
    fn nics_match_by_mac() {
        let nic = |m: &str| format!("<interface type='user'><mac address='{m}'/></interface>");
        let mut d = dom(&format!(
            "{}{}",
            nic("52:54:00:00:00:01"),
            nic("52:54:00:00:00:02")
        ));
        let any = parse_device("<interface type='user'/>").unwrap();
        assert!(!any.mac_given);
        let e = detach_config(&mut d, &any).unwrap_err();
        assert_eq!(
            e.to_string(),
            "operation failed: multiple matching devices found"
        );
        detach_config(&mut d, &parse_device(&nic("52:54:00:00:00:01")).unwrap()).unwrap();
        assert_eq!(d.devices.interfaces.len(), 1);
        let e =
            detach_config(&mut d, &parse_device(&nic("52:54:00:00:00:01")).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "device not found: no device found at address '(<null>)' matching MAC address \
             '52:54:00:00:00:01' and alias '(<null>)'"
        );
        // one NIC left: a detach without a MAC takes it
        detach_config(&mut d, &any).unwrap();
        assert!(d.devices.interfaces.is_empty());
    }

    #[test]
    fn controllers_insert_by_type_and_index() {
        let mut d = dom("<controller type='scsi' index='1'/><controller type='usb' index='0'/>");
        attach_config(
            &mut d,
            parse_device("<controller type='scsi' index='0'/>").unwrap(),
        )
        .unwrap();
        let order: Vec<_> = d
            .devices
            .controllers
            .iter()
            .map(|c| format!("{}{}", c.kind, c.index))
            .collect();
        assert_eq!(order, ["scsi0", "scsi1", "usb0"]);
        let e = detach_config(
            &mut d,
            &parse_device("<controller type='scsi' index='5'/>").unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "device not found: device not present in domain configuration"
        );
    }

    #[test]
    fn unknown_elements_and_aliases() {
        let e = parse_device("<bogus/>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported configuration: unknown device type 'bogus'"
        );
        let mut d = dom(
            "<disk type='file'><source file='/x'/><target dev='vda'/><alias name='ua-a'/></disk>",
        );
        let e = detach_alias_config(&mut d, "ua-b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: no device found with alias ua-b"
        );
        detach_alias_config(&mut d, "ua-a").unwrap();
        assert!(d.devices.disks.is_empty());
    }
}
