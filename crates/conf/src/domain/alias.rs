//! Device aliases (QEMU device ids) as libvirt's QEMU driver assigns them when a domain starts
//! (`qemuAssignDeviceAliases`).

use super::*;

/// The number after `prefix` in an alias (`net3` → 3 for `net`), as libvirt's
/// `qemuDomainDeviceAliasIndex` reads it: an optional sign and decimal digits, nothing after.
fn alias_index(alias: &Option<String>, prefix: &str) -> Option<i64> {
    let rest = alias.as_deref()?.strip_prefix(prefix)?;
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse::<i32>().ok().map(i64::from)
}

/// One more than the highest `prefixN` among `aliases`, 0 when there is none.
fn next_index<'a>(aliases: impl Iterator<Item = &'a Option<String>>, prefix: &str) -> i64 {
    aliases
        .filter_map(|a| alias_index(a, prefix))
        .filter(|i| *i >= 0)
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

fn is_q35(machine: Option<&str>) -> bool {
    machine.is_some_and(|m| m == "q35" || m.starts_with("pc-q35"))
}

/// Machines with an IDE controller built in (`qemuDomainHasBuiltinIDE`): i440FX and the other
/// old PC machines.
fn has_builtin_ide(machine: Option<&str>) -> bool {
    machine.is_some_and(|m| {
        m == "pc"
            || m.starts_with("pc-0.")
            || m.starts_with("pc-1.")
            || m.starts_with("pc-i440fx-")
            || m.starts_with("rhel")
            || m == "isapc"
            || m == "g3beige"
            || m == "malta"
            || m == "mips"
    })
}

/// The alias libvirt gives controller `c` on `machine` (QEMU's bus name: `pcie.0`, `pci.1`,
/// `ide`, `usb`, ...).
pub fn controller_alias(c: &Controller, machine: Option<&str>) -> String {
    match c.kind.as_str() {
        // every x86 machine QEMU 7.2 runs has several PCI buses
        "pci" if c.model.as_deref() == Some("pcie-root") => format!("pcie.{}", c.index),
        "pci" => format!("pci.{}", c.index),
        "ide" if c.index == 0 && has_builtin_ide(machine) => "ide".into(),
        // Q35's built-in AHCI controller is called "ide" by QEMU
        "sata" if c.index == 0 && is_q35(machine) => "ide".into(),
        "usb" if c.index == 0 => "usb".into(),
        "scsi" if c.index == 0 && c.model.as_deref() == Some("ncr53c90") => "scsi".into(),
        k => format!("{k}{}", c.index),
    }
}

/// The alias libvirt gives disk `d` (`virtio-disk0`, `sata0-0-1`, `scsi0-0-0-0`, ...), from its
/// address and bus.
pub fn disk_alias(d: &Disk, controllers: &[Controller]) -> String {
    let bus = d.target_bus.as_deref().unwrap_or("none");
    match d.address {
        Some(Address::Drive {
            controller,
            bus: b,
            target,
            unit,
        }) => {
            let lsilogic = bus == "scsi"
                && controllers.iter().any(|c| {
                    c.kind == "scsi"
                        && c.index == controller
                        && c.model.as_deref() == Some("lsilogic")
                });
            if bus != "scsi" || lsilogic {
                format!("{bus}{controller}-{b}-{unit}")
            } else {
                format!("{bus}{controller}-{b}-{target}-{unit}")
            }
        }
        _ => {
            let idx = disk_name_to_index(&d.target_dev).map_or(-1, i64::from);
            format!("{bus}-disk{idx}")
        }
    }
}

/// libvirt's running definition is a copy of the persistent one made by formatting and
/// parsing it (`virDomainDefCopy`); do the same, so that what the struct holds is what the
/// live form prints (the console that is serial 0, graphics ports that are not printed, ...)
/// and the live form and the status file read back equal. The definition is kept as it is
/// in the unexpected case that its own live form does not parse.
fn live_copy_normalise(dom: &mut Domain) {
    let text = dom.format_with(FormatOptions {
        inactive: false,
        secure: true,
        migratable: false,
    });
    if let Ok(copy) = super::parse::parse_live(&text) {
        *dom = copy;
    }
}

/// Give every device without an alias the one libvirt's QEMU driver gives it when the domain
/// starts. Aliases already set (user aliases, or those of a running domain) are kept. Call it
/// after [`post_parse`](super::post_parse), which assigns the addresses aliases depend on.
///
/// It first makes the definition the copy libvirt's running domain has (format, then parse
/// again), so that the live form and the status file read back equal: for example a console
/// for serial 0 when there is none, and console 0 on a serial target equal to serial 0.
pub fn assign_aliases(dom: &mut Domain) {
    live_copy_normalise(dom);
    let machine = dom.os.machine.clone();
    let machine = machine.as_deref();
    let devs = &mut dom.devices;

    for i in 0..devs.disks.len() {
        if devs.disks[i].alias.is_none() {
            let a = disk_alias(&devs.disks[i], &devs.controllers);
            devs.disks[i].alias = Some(a);
        }
    }
    for i in 0..devs.interfaces.len() {
        if devs.interfaces[i].alias.is_some() {
            continue;
        }
        // a hostdev interface is a host device to QEMU and numbered with them
        let a = if devs.interfaces[i].kind == "hostdev" {
            next_hostdev_alias(devs)
        } else {
            let n = next_index(devs.interfaces.iter().map(|n| &n.alias), "net");
            format!("net{n}")
        };
        devs.interfaces[i].alias = Some(a);
    }
    for i in 0..devs.filesystems.len() {
        if devs.filesystems[i].alias.is_none() {
            let n = next_index(devs.filesystems.iter().map(|f| &f.alias), "fs");
            devs.filesystems[i].alias = Some(format!("fs{n}"));
        }
    }
    for (i, s) in devs.sounds.iter_mut().enumerate() {
        s.alias.get_or_insert_with(|| format!("sound{i}"));
    }
    for i in 0..devs.hostdevs.len() {
        if devs.hostdevs[i].alias.is_none() {
            let a = next_hostdev_alias(devs);
            devs.hostdevs[i].alias = Some(a);
        }
    }
    for (i, r) in devs.redirdevs.iter_mut().enumerate() {
        r.alias.get_or_insert_with(|| format!("redir{i}"));
    }
    for (i, h) in devs.hubs.iter_mut().enumerate() {
        h.alias.get_or_insert_with(|| format!("hub{i}"));
    }
    for (i, v) in devs.videos.iter_mut().enumerate() {
        v.alias.get_or_insert_with(|| format!("video{i}"));
    }
    for c in &mut devs.controllers {
        if c.alias.is_none() {
            c.alias = Some(controller_alias(c, machine));
        }
    }
    for (i, inp) in devs.inputs.iter_mut().enumerate() {
        inp.alias.get_or_insert_with(|| format!("input{i}"));
    }
    // no parallel ports are modelled
    for (i, s) in devs.serials.iter_mut().enumerate() {
        s.alias.get_or_insert_with(|| format!("serial{i}"));
    }
    for (i, c) in devs.channels.iter_mut().enumerate() {
        c.alias.get_or_insert_with(|| format!("channel{i}"));
    }
    for (i, c) in devs.consoles.iter_mut().enumerate() {
        if c.alias.is_some() {
            continue;
        }
        let serial_target = matches!(c.target_type.as_deref(), None | Some("serial"));
        // console 0 on a serial target is libvirt's copy of serial 0, alias included
        c.alias = match devs.serials.first() {
            Some(s) if i == 0 && serial_target => s.alias.clone(),
            _ => Some(format!("console{i}")),
        };
    }
    for (i, h) in devs.shmems.iter_mut().enumerate() {
        h.alias.get_or_insert_with(|| format!("shmem{i}"));
    }
    for (i, s) in devs.smartcards.iter_mut().enumerate() {
        s.alias.get_or_insert_with(|| format!("smartcard{i}"));
    }
    if let Some(w) = &mut devs.watchdog {
        w.alias.get_or_insert_with(|| "watchdog0".into());
    }
    if let Some(m) = devs.memballoon.as_mut().filter(|m| m.model != "none") {
        m.alias.get_or_insert_with(|| "balloon0".into());
    }
    for i in 0..devs.rngs.len() {
        if devs.rngs[i].alias.is_none() {
            let n = next_index(devs.rngs.iter().map(|r| &r.alias), "rng");
            devs.rngs[i].alias = Some(format!("rng{n}"));
        }
    }
    for (i, t) in devs.tpms.iter_mut().enumerate() {
        t.alias.get_or_insert_with(|| format!("tpm{i}"));
    }
    for i in 0..devs.memories.len() {
        if devs.memories[i].alias.is_none() {
            let a = memory_alias(&devs.memories[i], &devs.memories);
            devs.memories[i].alias = Some(a);
        }
    }
    if let Some(v) = &mut devs.vsock {
        v.alias.get_or_insert_with(|| "vsock0".into());
    }
    if let Some(io) = &mut devs.iommu {
        io.alias.get_or_insert_with(|| "iommu0".into());
    }
    // panics get no alias: libvirt gives them none
}

/// `hostdevN` for the next host device: one more than the highest `hostdevN` among the host
/// devices and the interfaces (a `hostdev` interface is numbered with them).
fn next_hostdev_alias(devs: &Devices) -> String {
    let hostdevs = devs.hostdevs.iter().map(|h| &h.alias);
    let nets = devs.interfaces.iter().map(|n| &n.alias);
    format!("hostdev{}", next_index(hostdevs.chain(nets), "hostdev"))
}

/// A memory device's alias: a DIMM or NVDIMM is named after its slot (`dimm2` in slot 2; slot
/// 0 without a DIMM address), a virtio-pmem or virtio-mem device (on PCI, no slot) gets the
/// next free number of its prefix.
fn memory_alias(m: &MemoryDevice, all: &[MemoryDevice]) -> String {
    let prefix = match m.model.as_str() {
        "dimm" | "nvdimm" => {
            let slot = match m.address {
                Some(Address::Dimm { slot, .. }) => slot,
                _ => 0,
            };
            return format!("{}{slot}", m.model);
        }
        "virtio-pmem" => "virtiopmem",
        "virtio-mem" => "virtiomem",
        other => other,
    };
    format!(
        "{prefix}{}",
        next_index(all.iter().map(|d| &d.alias), prefix)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{parse, post_parse, QemuCaps};

    fn started(xml: &str) -> Domain {
        let mut d = parse(xml).expect("parse");
        post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64()).expect("post_parse");
        assign_aliases(&mut d);
        d
    }

    #[test]
    fn indexes() {
        assert_eq!(alias_index(&Some("net3".into()), "net"), Some(3));
        assert_eq!(alias_index(&Some("net".into()), "net"), None);
        assert_eq!(alias_index(&Some("ua-net".into()), "net"), None);
        assert_eq!(alias_index(&Some("net3x".into()), "net"), None);
        assert_eq!(alias_index(&None, "net"), None);
        let v = [Some("net1".to_string()), None, Some("ua-x".into())];
        assert_eq!(next_index(v.iter(), "net"), 2);
    }

    #[test]
    fn q35_devices() {
        let d = started(
            "<domain type='qemu'><name>a</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\
             <disk type='file' device='disk'><source file='/a'/><target dev='vdb' bus='virtio'/></disk>\
             <disk type='file' device='cdrom'><target dev='sdb' bus='sata'/></disk>\
             <interface type='user'><alias name='ua-first'/><model type='virtio'/></interface>\
             <interface type='user'><model type='virtio'/></interface>\
             <serial type='pty'/><console type='pty'/>\
             <console type='pty'><target type='virtio' port='0'/></console>\
             <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\
             <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\
             <watchdog model='i6300esb'/>\
             </devices></domain>",
        );
        let dv = &d.devices;
        let disks = aliases(dv.disks.iter().map(|x| &x.alias));
        assert_eq!(disks, ["virtio-disk1", "sata0-0-1"]);
        let nets = aliases(dv.interfaces.iter().map(|x| &x.alias));
        assert_eq!(nets, ["ua-first", "net0"]);
        assert_eq!(dv.serials[0].alias.as_deref(), Some("serial0"));
        assert_eq!(dv.consoles[0].alias.as_deref(), Some("serial0"));
        assert_eq!(dv.consoles[1].alias.as_deref(), Some("console1"));
        assert_eq!(dv.channels[0].alias.as_deref(), Some("channel0"));
        assert_eq!(dv.rngs[0].alias.as_deref(), Some("rng0"));
        assert_eq!(
            dv.watchdog.as_ref().and_then(|w| w.alias.as_deref()),
            Some("watchdog0")
        );
        let ctl = |k: &str, i: u32| {
            dv.controllers
                .iter()
                .find(|c| c.kind == k && c.index == i)
                .and_then(|c| c.alias.clone())
        };
        assert_eq!(ctl("pci", 0).as_deref(), Some("pcie.0"));
        assert_eq!(ctl("pci", 1).as_deref(), Some("pci.1"));
        assert_eq!(ctl("sata", 0).as_deref(), Some("ide"));
        assert_eq!(ctl("usb", 0).as_deref(), Some("usb"));
        assert_eq!(ctl("virtio-serial", 0).as_deref(), Some("virtio-serial0"));
        assert_eq!(
            dv.memballoon.as_ref().and_then(|m| m.alias.as_deref()),
            Some("balloon0")
        );
    }

    #[test]
    fn pc_ide_and_scsi() {
        let d = started(
            "<domain type='qemu'><name>a</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>\
             <disk type='file' device='disk'><source file='/a'/><target dev='hda' bus='ide'/></disk>\
             <disk type='file' device='disk'><source file='/b'/><target dev='sda' bus='scsi'/></disk>\
             <controller type='scsi' index='0' model='virtio-scsi'/>\
             <memballoon model='none'/>\
             </devices></domain>",
        );
        let dv = &d.devices;
        let disks = aliases(dv.disks.iter().map(|x| &x.alias));
        assert_eq!(disks, ["ide0-0-0", "scsi0-0-0-0"]);
        let ide = dv.controllers.iter().find(|c| c.kind == "ide");
        assert_eq!(ide.and_then(|c| c.alias.as_deref()), Some("ide"));
        let scsi = dv.controllers.iter().find(|c| c.kind == "scsi");
        assert_eq!(scsi.and_then(|c| c.alias.as_deref()), Some("scsi0"));
        let pci = dv.controllers.iter().find(|c| c.kind == "pci");
        assert_eq!(pci.and_then(|c| c.alias.as_deref()), Some("pci.0"));
        assert_eq!(dv.memballoon.as_ref().and_then(|m| m.alias.clone()), None);
    }

    fn aliases<'a>(it: impl Iterator<Item = &'a Option<String>>) -> Vec<String> {
        it.map(|a| a.clone().unwrap_or_default()).collect()
    }

    #[test]
    fn hostdevs_and_filesystems() {
        let d = started(
            "<domain type='qemu'><name>a</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\
             <hostdev mode='subsystem' type='pci' managed='yes'><source>\
             <address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source></hostdev>\
             <hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>\
             <product id='0xbeef'/></source></hostdev>\
             <filesystem type='mount' accessmode='mapped'><source dir='/srv'/>\
             <target dir='share'/></filesystem>\
             </devices></domain>",
        );
        let dv = &d.devices;
        assert_eq!(
            aliases(dv.hostdevs.iter().map(|h| &h.alias)),
            ["hostdev0", "hostdev1"]
        );
        assert_eq!(aliases(dv.filesystems.iter().map(|f| &f.alias)), ["fs0"]);
    }

    #[test]
    fn hostdev_interfaces_share_the_hostdev_numbers() {
        let d = started(
            "<domain type='qemu'><name>a</name><memory>65536</memory>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\
             <filesystem type='mount' accessmode='mapped'><source dir='/a'/>\
             <target dir='a'/><alias name='ua-fs'/></filesystem>\
             <filesystem type='mount' accessmode='mapped'><source dir='/b'/>\
             <target dir='b'/></filesystem>\
             <interface type='user'><model type='virtio'/></interface>\
             <interface type='hostdev' managed='yes'><source>\
             <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>\
             </source></interface>\
             <interface type='user'><model type='virtio'/></interface>\
             <hostdev mode='subsystem' type='pci' managed='yes'><source>\
             <address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/></source></hostdev>\
             </devices></domain>",
        );
        let dv = &d.devices;
        // interfaces first (libvirt's order): the hostdev one takes hostdev0
        assert_eq!(
            aliases(dv.interfaces.iter().map(|n| &n.alias)),
            ["net0", "hostdev0", "net1"]
        );
        assert_eq!(aliases(dv.hostdevs.iter().map(|h| &h.alias)), ["hostdev1"]);
        // a user alias is kept and does not count
        assert_eq!(
            aliases(dv.filesystems.iter().map(|f| &f.alias)),
            ["ua-fs", "fs0"]
        );
    }

    #[test]
    fn later_devices() {
        let d = started(
            "<domain type='qemu'><name>a</name>\
             <maxMemory slots='4' unit='MiB'>2048</maxMemory><memory unit='MiB'>512</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>\
             <cpu><numa><cell id='0' cpus='0' memory='256' unit='MiB'/></numa></cpu><devices>\
             <shmem name='s0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>\
             <shmem name='s1'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>\
             <panic model='isa'/>\
             <smartcard mode='passthrough' type='spicevmc'/>\
             <memory model='dimm'><target><size unit='MiB'>256</size><node>0</node></target>\
             </memory>\
             <memory model='dimm'><target><size unit='MiB'>256</size><node>0</node></target>\
             <address type='dimm' slot='2'/></memory>\
             <iommu model='intel'/>\
             <vsock model='virtio'><cid auto='yes'/></vsock>\
             <graphics type='spice' autoport='yes'/>\
             </devices></domain>",
        );
        let dv = &d.devices;
        assert_eq!(
            aliases(dv.shmems.iter().map(|s| &s.alias)),
            ["shmem0", "shmem1"]
        );
        assert_eq!(
            aliases(dv.smartcards.iter().map(|s| &s.alias)),
            ["smartcard0"]
        );
        // DIMMs are named after their slots
        assert_eq!(
            aliases(dv.memories.iter().map(|m| &m.alias)),
            ["dimm0", "dimm2"]
        );
        assert_eq!(
            dv.iommu.as_ref().and_then(|i| i.alias.as_deref()),
            Some("iommu0")
        );
        assert_eq!(
            dv.vsock.as_ref().and_then(|v| v.alias.as_deref()),
            Some("vsock0")
        );
        // libvirt gives panic devices no alias
        assert_eq!(dv.panics.first().map(|p| p.alias.clone()), Some(None));
        let live = d.format(crate::domain::FormatFlags { inactive: false });
        assert!(
            live.contains("<iommu model='intel'>\n      <alias name='iommu0'/>\n    </iommu>"),
            "{live}"
        );
        // the live form reads back to the same aliases
        let back = crate::domain::parse_live(&live).expect("parse_live");
        assert_eq!(back.devices, d.devices);
    }

    #[test]
    fn memory_alias_prefixes() {
        let m = |model: &str, alias: Option<&str>, address| MemoryDevice {
            model: model.into(),
            size_kib: 1024,
            node: None,
            alias: alias.map(str::to_owned),
            address,
        };
        let all = [
            m("virtio-mem", Some("virtiomem3"), None),
            m("virtio-pmem", None, None),
        ];
        assert_eq!(memory_alias(&all[1], &all), "virtiopmem0");
        assert_eq!(
            memory_alias(&m("virtio-mem", None, None), &all),
            "virtiomem4"
        );
        assert_eq!(memory_alias(&m("nvdimm", None, None), &all), "nvdimm0");
        let slot3 = Some(Address::Dimm {
            slot: 3,
            base: None,
        });
        assert_eq!(memory_alias(&m("dimm", None, slot3), &all), "dimm3");
    }
}
