//! Device attach, detach and update: the same virsh sequences on libvirt 9.0 and on oxvirt,
//! every command's output and error and the resulting definitions compared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::{guest_xml, Libvirtd, Qemud};

/// What a command printed, in one string: status, stdout, stderr.
fn outcome(r: &oxvirt_e2e::Run) -> String {
    format!("[{}] {}{}", r.status, r.stdout.trim(), r.stderr.trim())
}

/// A definition without its (random) UUID.
fn without_uuid(xml: &str) -> String {
    xml.lines()
        .filter(|l| !l.trim_start().starts_with("<uuid>"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Write the device files of the sequences into `dir`.
fn device_files(dir: &Path) {
    let img = dir.join("d1.img");
    std::fs::write(&img, vec![0u8; 1 << 20]).unwrap();
    let img = img.display();
    let files = [
        ("disk.xml", format!("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{img}'/><target dev='vdb' bus='virtio'/></disk>")),
        ("disk2.xml", format!("<disk type='file' device='disk'><source file='{img}'/><target dev='vdc'/></disk>")),
        ("nic.xml", "<interface type='user'><mac address='52:54:00:11:22:33'/><model type='virtio'/></interface>".to_owned()),
        ("nic2.xml", "<interface type='user'><mac address='52:54:00:11:22:44'/></interface>".to_owned()),
        ("nicnomac.xml", "<interface type='user'/>".to_owned()),
        ("ctl.xml", "<controller type='scsi' index='0' model='virtio-scsi'/>".to_owned()),
        ("cd.xml", "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>".to_owned()),
        ("cd2.xml", format!("<disk type='file' device='cdrom'><source file='{img}'/><target dev='sda' bus='sata'/><readonly/></disk>")),
        ("rng.xml", "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>".to_owned()),
        ("wd.xml", "<watchdog model='i6300esb' action='reset'/>".to_owned()),
        ("ser.xml", format!("<serial type='file'><source path='{}'/><target port='1'/></serial>", dir.join("ser.log").display())),
        ("bogus.xml", "<bogus/>".to_owned()),
    ];
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap();
    }
}

/// The persistent-definition sequence: attach, detach, update with `--config` (and the
/// flag errors of a shut-off domain), then the virsh commands built on them.
fn config_sequence(uri: &str, dir: &Path) -> Vec<String> {
    let f = |n: &str| dir.join(n).display().to_string();
    let img = f("d1.img");
    let def = f("g.xml");
    let mut out = Vec::new();
    let mut run = |args: &[&str]| {
        let r = oxvirt_e2e::virsh(uri, args);
        out.push(format!("{args:?} {}", outcome(&r)));
    };
    run(&["define", &def]);
    for (cmd, file, flag) in [
        ("attach-device", "disk.xml", "--config"),
        ("attach-device", "nic.xml", "--config"),
        ("attach-device", "disk.xml", "--config"),
        ("attach-device", "disk.xml", "--live"),
        ("attach-device", "disk.xml", "--current"),
        ("attach-device", "bogus.xml", "--config"),
        ("attach-device", "disk2.xml", "--config"),
        ("attach-device", "nic2.xml", "--config"),
        ("attach-device", "ctl.xml", "--config"),
        ("attach-device", "cd.xml", "--config"),
        ("attach-device", "rng.xml", "--config"),
        ("attach-device", "wd.xml", "--config"),
        ("attach-device", "ser.xml", "--config"),
        ("detach-device", "nicnomac.xml", "--config"),
        ("detach-device", "disk.xml", "--config"),
        ("detach-device", "disk.xml", "--config"),
        ("detach-device", "nic.xml", "--config"),
        ("detach-device", "nic.xml", "--config"),
        ("update-device", "cd2.xml", "--config"),
        ("update-device", "disk.xml", "--config"),
        ("detach-device", "ctl.xml", "--config"),
        ("detach-device", "ctl.xml", "--config"),
        ("detach-device", "rng.xml", "--config"),
        ("detach-device", "rng.xml", "--config"),
        ("detach-device", "wd.xml", "--config"),
        ("detach-device", "wd.xml", "--config"),
    ] {
        run(&[cmd, "g", &f(file), flag]);
    }
    run(&["detach-device-alias", "g", "ua-x", "--config"]);
    run(&["dumpxml", "g", "--inactive"]);
    // the commands virsh builds on the same procedures
    run(&["attach-disk", "g", &img, "vdb", "--config"]);
    run(&[
        "attach-disk",
        "g",
        &img,
        "sdb",
        "--targetbus",
        "scsi",
        "--config",
    ]);
    run(&[
        "attach-disk",
        "g",
        &img,
        "sdc",
        "--type",
        "cdrom",
        "--targetbus",
        "sata",
        "--config",
    ]);
    run(&[
        "attach-disk",
        "g",
        &img,
        "vdd",
        "--subdriver",
        "qcow2",
        "--cache",
        "none",
        "--persistent",
    ]);
    run(&[
        "attach-interface",
        "g",
        "user",
        "--mac",
        "52:54:00:aa:bb:cc",
        "--model",
        "virtio",
        "--config",
    ]);
    run(&[
        "attach-interface",
        "g",
        "network",
        "default",
        "--mac",
        "52:54:00:aa:bb:ee",
        "--config",
    ]);
    run(&[
        "attach-interface",
        "g",
        "bridge",
        "br0",
        "--mac",
        "52:54:00:aa:bb:dd",
        "--config",
    ]);
    run(&["change-media", "g", "sdc", "--eject", "--config"]);
    run(&["change-media", "g", "sdc", &img, "--insert", "--config"]);
    run(&["change-media", "g", "sdc", &img, "--update", "--config"]);
    run(&["change-media", "g", "vdq", &img, "--update", "--config"]);
    run(&[
        "domif-setlink",
        "g",
        "52:54:00:aa:bb:dd",
        "down",
        "--config",
    ]);
    run(&["domif-getlink", "g", "52:54:00:aa:bb:dd", "--config"]);
    run(&["detach-disk", "g", "vdb", "--config"]);
    run(&["detach-disk", "g", "vdz", "--config"]);
    run(&["detach-interface", "g", "bridge", "--config"]);
    run(&["detach-interface", "g", "user", "--config"]);
    run(&["attach-disk", "g", &img, "vdb"]);
    let r = oxvirt_e2e::virsh(uri, &["dumpxml", "g", "--inactive"]);
    out.push(without_uuid(r.ok()));
    oxvirt_e2e::virsh(uri, &["undefine", "g"]).ok();
    out
}

#[test]
fn config_edits_match_libvirt() {
    let lv = Libvirtd::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let q = Qemud::start_with(&["--allow-path", dir.path().to_str().unwrap()]);
    device_files(dir.path());
    std::fs::write(
        dir.path().join("g.xml"),
        guest_xml("g", &dir.path().join("serial.log")),
    )
    .unwrap();
    let want = config_sequence(lv.uri(), dir.path());
    let got = config_sequence(&q.uri(), dir.path());
    // the sequence did something: devices came and went, errors were met
    let all = want.join("\n");
    assert!(all.contains("target vdb already exists"), "{all}");
    assert!(all.contains("<model type='rtl8139'/>"), "{all}");
    assert!(all.contains("52:54:00:aa:bb:dd down"), "{all}");
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(
            without_uuid(g),
            without_uuid(w),
            "oxvirt (left) and libvirt 9.0 (right)"
        );
    }
}

/// The `<devices>` section of a live definition, pty numbers masked.
fn live_devices(xml: &str) -> String {
    let start = xml.find("<devices>").unwrap_or(0);
    let end = xml.find("</devices>").unwrap_or(xml.len());
    let mut out = String::new();
    let mut rest = &xml[start..end];
    while let Some(i) = rest.find("/dev/pts/") {
        out.push_str(&rest[..i + 9]);
        rest = rest[i + 9..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

/// The running-domain sequence: hotplug a virtio disk (twice: the second is refused), a NIC
/// (the test guest has no free PCIe root port left), a USB disk, then unplug both disks.
fn live_sequence(uri: &str, dir: &Path) -> Vec<String> {
    let f = |n: &str| dir.join(n).display().to_string();
    let mut out = Vec::new();
    let run = |out: &mut Vec<String>, args: &[&str]| {
        let r = oxvirt_e2e::virsh(uri, args);
        out.push(format!("{args:?} {}", outcome(&r)));
        r
    };
    run(&mut out, &["define", &f("g.xml")]);
    run(&mut out, &["start", "g"]);
    run(&mut out, &["attach-device", "g", &f("hdisk.xml"), "--live"]);
    run(&mut out, &["attach-device", "g", &f("hdisk.xml"), "--live"]);
    run(&mut out, &["attach-device", "g", &f("hnic.xml"), "--live"]);
    run(&mut out, &["attach-device", "g", &f("wd.xml"), "--live"]);
    run(
        &mut out,
        &[
            "attach-disk",
            "g",
            &f("d3.img"),
            "sdb",
            "--targetbus",
            "usb",
            "--live",
        ],
    );
    let live = oxvirt_e2e::virsh(uri, &["dumpxml", "g"]);
    out.push(live_devices(live.ok()));
    let inactive = oxvirt_e2e::virsh(uri, &["dumpxml", "g", "--inactive"]);
    out.push(without_uuid(inactive.ok()));
    run(&mut out, &["detach-disk", "g", "sdb", "--live"]);
    let live = oxvirt_e2e::virsh(uri, &["dumpxml", "g"]);
    out.push(live_devices(live.ok()));
    run(&mut out, &["detach-device-alias", "g", "nosuch", "--live"]);
    run(&mut out, &["destroy", "g"]);
    run(&mut out, &["undefine", "g"]);
    out
}

fn live_files(dir: &Path) {
    for n in ["d2.img", "d3.img"] {
        std::fs::write(dir.join(n), vec![0u8; 1 << 20]).unwrap();
    }
    std::fs::write(
        dir.join("hdisk.xml"),
        format!(
            "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{}'/><target dev='vdb' bus='virtio'/></disk>",
            dir.join("d2.img").display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("hnic.xml"),
        "<interface type='user'><mac address='52:54:00:11:22:55'/><model type='e1000e'/></interface>",
    )
    .unwrap();
}

#[test]
fn live_hotplug_matches_libvirt() {
    let lv = Libvirtd::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let q = Qemud::start_with(&["--allow-path", dir.path().to_str().unwrap()]);
    device_files(dir.path());
    live_files(dir.path());
    std::fs::write(
        dir.path().join("g.xml"),
        guest_xml("g", &dir.path().join("serial.log")),
    )
    .unwrap();
    let want = live_sequence(lv.uri(), dir.path());
    let got = live_sequence(&q.uri(), dir.path());
    let all = want.join("\n");
    assert!(all.contains("<alias name='virtio-disk1'/>"), "{all}");
    assert!(all.contains("<alias name='usb-disk1'/>"), "{all}");
    assert!(all.contains("No more available PCI slots"), "{all}");
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(
            without_uuid(g),
            without_uuid(w),
            "oxvirt (left) and libvirt 9.0 (right)"
        );
    }
}

/// python3-libvirt: DEVICE_ADDED and DEVICE_REMOVED callbacks registered, a virtio and a USB
/// disk hot-added, the USB disk unplugged; prints the events in order. (Whether the guest
/// sees the disk is not checked yet: its console did not answer a python stream here.)
const EVENTS_PY: &str = r#"
import sys, signal, threading, time, libvirt
signal.alarm(120)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
d = c.lookupByName("g")
events = []
def added(conn, dom, alias, opaque): events.append("added " + alias)
def removed(conn, dom, alias, opaque): events.append("removed " + alias)
c.domainEventRegisterAny(d, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, added, None)
c.domainEventRegisterAny(d, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, removed, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
d.attachDeviceFlags(open(sys.argv[2]).read(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
d.attachDeviceFlags(open(sys.argv[3]).read(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
d.detachDeviceFlags(open(sys.argv[3]).read(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
deadline = time.time() + 30
while "removed usb-disk1" not in events and time.time() < deadline:
    time.sleep(0.1)
print("events:", ", ".join(events))
"#;

#[test]
fn device_events_match_libvirt() {
    let lv = Libvirtd::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let q = Qemud::start_with(&["--allow-path", dir.path().to_str().unwrap()]);
    live_files(dir.path());
    std::fs::write(
        dir.path().join("usb.xml"),
        format!(
            "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{}'/><target dev='sdb' bus='usb'/></disk>",
            dir.path().join("d3.img").display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("g.xml"),
        guest_xml("g", &dir.path().join("serial.log")),
    )
    .unwrap();
    let f = |n: &str| dir.path().join(n).display().to_string();
    let mut outs = Vec::new();
    for uri in [lv.uri().to_owned(), q.uri()] {
        oxvirt_e2e::virsh(&uri, &["define", &f("g.xml")]).ok();
        oxvirt_e2e::virsh(&uri, &["start", "g"]).ok();
        let r = oxvirt_e2e::python(EVENTS_PY, &[&uri, &f("hdisk.xml"), &f("usb.xml")]);
        outs.push(r.ok().to_owned());
        oxvirt_e2e::virsh(&uri, &["destroy", "g"]).ok();
        oxvirt_e2e::virsh(&uri, &["undefine", "g"]).ok();
    }
    assert!(
        outs[0].contains("events: added virtio-disk1, added usb-disk1, removed usb-disk1"),
        "libvirt: {}",
        outs[0]
    );
    assert_eq!(outs[1], outs[0], "oxvirt (left) and libvirt 9.0 (right)");
}

/// CD-ROM eject, insert and update and a NIC's link down and up on a running domain.
fn media_sequence(uri: &str, dir: &Path) -> Vec<String> {
    let f = |n: &str| dir.join(n).display().to_string();
    let mut out = Vec::new();
    let run = |out: &mut Vec<String>, args: &[&str]| {
        let r = oxvirt_e2e::virsh(uri, args);
        out.push(format!("{args:?} {}", outcome(&r)));
    };
    let live = |out: &mut Vec<String>| {
        let r = oxvirt_e2e::virsh(uri, &["dumpxml", "g"]);
        out.push(live_devices(r.ok()));
    };
    run(&mut out, &["define", &f("g2.xml")]);
    run(&mut out, &["start", "g"]);
    run(&mut out, &["change-media", "g", "sda", "--eject", "--live"]);
    live(&mut out);
    run(
        &mut out,
        &[
            "change-media",
            "g",
            "sda",
            &f("d1.img"),
            "--insert",
            "--live",
        ],
    );
    live(&mut out);
    run(
        &mut out,
        &[
            "change-media",
            "g",
            "sda",
            &f("d2.img"),
            "--update",
            "--live",
        ],
    );
    live(&mut out);
    run(
        &mut out,
        &["domif-setlink", "g", "52:54:00:11:22:77", "down"],
    );
    run(&mut out, &["domif-getlink", "g", "52:54:00:11:22:77"]);
    live(&mut out);
    run(&mut out, &["domif-setlink", "g", "52:54:00:11:22:77", "up"]);
    live(&mut out);
    run(&mut out, &["update-device", "g", &f("disk.xml"), "--live"]);
    let r = oxvirt_e2e::virsh(uri, &["dumpxml", "g", "--inactive"]);
    out.push(without_uuid(r.ok()));
    run(&mut out, &["destroy", "g"]);
    run(&mut out, &["undefine", "g"]);
    out
}

#[test]
fn media_change_and_link_state_match_libvirt() {
    let lv = Libvirtd::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let q = Qemud::start_with(&["--allow-path", dir.path().to_str().unwrap()]);
    device_files(dir.path());
    live_files(dir.path());
    let g = guest_xml("g", &dir.path().join("serial.log")).replace(
        "<devices>",
        &format!(
            "<devices><disk type='file' device='cdrom'><source file='{}'/><target dev='sda' bus='sata'/><readonly/></disk><interface type='user'><mac address='52:54:00:11:22:77'/><model type='e1000'/></interface>",
            dir.path().join("d3.img").display()
        ),
    );
    std::fs::write(dir.path().join("g2.xml"), g).unwrap();
    let want = media_sequence(lv.uri(), dir.path());
    let got = media_sequence(&q.uri(), dir.path());
    let all = want.join("\n");
    assert!(all.contains("<source index='2'/>"), "{all}");
    assert!(all.contains("<link state='down'/>"), "{all}");
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(
            without_uuid(g),
            without_uuid(w),
            "oxvirt (left) and libvirt 9.0 (right)"
        );
    }
}

/// Crash-only: a daemon SIGKILLed after a hotplug comes back with the device (the shim's
/// status file has it), and an unplug then still works.
#[test]
fn a_restarted_daemon_keeps_hotplugged_devices() {
    let root = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let allow = ["--allow-path", dir.path().to_str().unwrap()];
    let q = Qemud::start_in_with(root.path(), &allow);
    live_files(dir.path());
    let g = dir.path().join("g.xml");
    std::fs::write(&g, guest_xml("g", &dir.path().join("serial.log"))).unwrap();
    let img = dir.path().join("d3.img").display().to_string();
    q.virsh(&["define", g.to_str().unwrap()]).ok();
    q.virsh(&["start", "g"]).ok();
    q.virsh(&[
        "attach-disk",
        "g",
        &img,
        "sdb",
        "--targetbus",
        "usb",
        "--live",
    ])
    .ok();
    q.sigkill();
    let q = Qemud::start_in_with(root.path(), &allow);
    let live = q.virsh(&["dumpxml", "g"]).ok().to_string();
    assert!(live.contains("<alias name='usb-disk1'/>"), "{live}");
    q.virsh(&["detach-disk", "g", "sdb", "--live"]).ok();
    let live = q.virsh(&["dumpxml", "g"]).ok().to_string();
    assert!(!live.contains("usb-disk1"), "{live}");
    q.virsh(&["destroy", "g"]).ok();
    q.virsh(&["undefine", "g"]).ok();
}
