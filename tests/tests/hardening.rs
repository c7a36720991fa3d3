//! Hardening against hostile definitions (issue 20): names are never paths, a damaged root
//! recovers deleting nothing, paths a domain names are confined to the driver's directories,
//! per-VM logs are private, rotated and removed with the domain.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use oxvirt_e2e::{guest_xml, Qemud};

fn minimal(name: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory>65536</memory>\
         <os><type arch='x86_64'>hvm</type></os></domain>"
    )
}

fn define_file(d: &Qemud, file: &str, xml: &str) -> oxvirt_e2e::Run {
    let f = d.root().join(file);
    std::fs::write(&f, xml).unwrap();
    d.virsh(&["define", f.to_str().unwrap()])
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// `.`, `..`, a newline, a `/` and an over-long name are refused by define with libvirt's
/// errors where libvirt 9.0 has one, and nothing reaches the disk.
#[test]
fn names_that_are_not_one_path_component_are_refused() {
    let d = Qemud::start();
    let etc = d.root().join("etc/qemu");
    let cases = [
        (".", "XML error: name '.' is not allowed"),
        ("..", "XML error: name '..' is not allowed"),
        ("a/b", "XML error: name a/b cannot contain '/'"),
        // libvirt 9.0's message, as virsh prints it
        ("a\nb", "invalid char in name: \n"),
    ];
    for (i, (name, msg)) in cases.iter().enumerate() {
        let r = define_file(&d, &format!("bad{i}.xml"), &minimal(name));
        assert!(r.err().contains(msg), "{name:?}: {}", r.stderr);
    }
    let long = "x".repeat(241);
    let r = define_file(&d, "long.xml", &minimal(&long));
    assert!(
        r.err()
            .contains("name is too long (241 bytes, at most 240)"),
        "{}",
        r.stderr
    );
    // the longest name works all the way: define, autostart, undefine
    let max = "y".repeat(240);
    define_file(&d, "max.xml", &minimal(&max)).ok();
    d.virsh(&["autostart", &max]).ok();
    d.virsh(&["undefine", &max]).ok();
    // nothing was written for the refused names, nothing is left of the others
    let left: Vec<_> = std::fs::read_dir(&etc)
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.iter().all(|n| n == "autostart"),
        "files left in etc/qemu: {left:?}"
    );
    // python3-libvirt sees libvirt's codes: XML_DETAIL (35) from VIR_FROM_XML (5) for the
    // newline, XML_ERROR (27) from VIR_FROM_DOMAIN (20) for the others
    let out = d.python(
        "import sys, libvirt\n\
         c = libvirt.open(sys.argv[1])\n\
         for n in ['a\\nb', '..', '.']:\n\
         \x20   try:\n\
         \x20       c.defineXML(\"<domain type='qemu'><name>%s</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os></domain>\" % n)\n\
         \x20       print('accepted')\n\
         \x20   except libvirt.libvirtError as e:\n\
         \x20       print(e.get_error_code(), e.get_error_domain())\n",
        &[],
    );
    assert_eq!(out.ok(), "35 5\n27 20\n27 20\n", "{out:?}");
}

/// A root damaged by a daemon that accepted any name (configs named `.`, `..`, with a
/// newline, an autostart mark, a run directory with such a name, a symlink in run/qemu)
/// is recovered deleting nothing: the bad configs are skipped and logged, the daemon's
/// sockets survive, a running VM stays running and managed.
#[test]
fn a_damaged_root_recovers_deleting_nothing() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-e2e-damaged-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let d = Qemud::start_in(root);
    let x = guest_xml("keep", &root.join("keep.serial.log"));
    define_file(&d, "keep.xml", &x).ok();
    d.virsh(&["start", "keep"]).ok();
    d.virsh(&["autostart", "keep"]).ok();
    define_file(&d, "other.xml", &minimal("other")).ok();
    let canonical = std::fs::read_to_string(root.join("etc/qemu/other.xml")).unwrap();
    let uuid_line = canonical
        .lines()
        .find(|l| l.contains("<uuid>"))
        .unwrap()
        .to_owned();
    d.sigkill();

    // what the old daemon could have written
    let etc = root.join("etc/qemu");
    let bad = [
        ("..", "...xml", "00000000-0000-0000-0000-0000000000a1"),
        (".", "..xml", "00000000-0000-0000-0000-0000000000a2"),
        ("a\nb", "a\nb.xml", "00000000-0000-0000-0000-0000000000a3"),
    ];
    for (name, file, uuid) in bad {
        let t = canonical
            .replace("<name>other</name>", &format!("<name>{name}</name>"))
            .replace(&uuid_line, &format!("  <uuid>{uuid}</uuid>"));
        std::fs::write(etc.join(file), t).unwrap();
    }
    let run = root.join("run/qemu");
    let status = std::fs::read_to_string(run.join("keep/status.xml")).unwrap();
    std::fs::create_dir_all(run.join("x\ny")).unwrap();
    std::fs::write(
        run.join("x\ny/status.xml"),
        status.replace("<name>keep</name>", "<name>x\ny</name>"),
    )
    .unwrap();
    let outside = root.join("precious");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("data"), b"data").unwrap();
    std::os::unix::fs::symlink(&outside, run.join("evil")).unwrap();

    let d = Qemud::start_in(root);
    // the running VM is found and still managed
    for _ in 0..600 {
        if d.domstate("keep").starts_with("running") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(d.domstate("keep").starts_with("running"), "{}", d.log());
    d.virsh(&["suspend", "keep"]).ok();
    d.wait_state("keep", "paused (user)");
    d.virsh(&["resume", "keep"]).ok();
    let names = d.virsh(&["list", "--all", "--name"]);
    let mut names: Vec<&str> = names.ok().lines().filter(|l| !l.is_empty()).collect();
    names.sort();
    assert_eq!(names, ["keep", "other"]);
    // nothing was deleted
    for p in [
        root.join("run/qemud-sock"),
        root.join("run/qemud-sock-ro"),
        root.join("run/qemud-admin-sock"),
        run.join("keep/status.xml"),
        run.join("x\ny/status.xml"),
        run.join("evil"),
        outside.join("data"),
        etc.join("autostart/keep"),
    ] {
        assert!(p.exists(), "{} is gone", p.display());
    }
    for (_, file, _) in bad {
        assert!(etc.join(file).exists(), "{file:?} is gone");
    }
    let log = d.log();
    assert!(
        log.contains("...xml"),
        "the bad config is not reported:\n{log}"
    );
    d.virsh(&["destroy", "keep"]).ok();
    assert!(run.join("x\ny/status.xml").exists() && outside.join("data").exists());
}

/// Chardev sockets, files and logs outside the driver's directories are refused at start,
/// before any process exists, and an existing file is never unlinked for a bind socket.
#[test]
fn chardev_paths_outside_the_allowed_directories_are_refused() {
    let d = Qemud::start();
    let outside = tempfile::Builder::new()
        .prefix("oxvirt-e2e-outside-")
        .tempdir()
        .unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let inside = d.root().join("precious");
    std::fs::write(&inside, b"precious").unwrap();
    let with_serial = |name: &str, serial: &str| {
        let x = guest_xml(name, &d.root().join("s.log"));
        let head = &x[..x.find("<devices>").unwrap()];
        format!("{head}<devices>{serial}</devices></domain>")
    };
    let cases = [
        (
            "bind-out",
            format!(
                "<serial type='unix'><source mode='bind' path='{}'/></serial>",
                victim.display()
            ),
            "is outside the directories this driver may create files in",
        ),
        (
            "file-out",
            format!(
                "<serial type='file'><source path='{}'/></serial>",
                outside.path().join("new.log").display()
            ),
            "is outside the directories this driver may create files in",
        ),
        (
            "bind-file",
            format!(
                "<serial type='unix'><source mode='bind' path='{}'/></serial>",
                inside.display()
            ),
            "exists and is not a socket",
        ),
        (
            "log-out",
            "<serial type='pty'><log file='/etc/oxvirt-e2e.log'/></serial>".to_owned(),
            "is outside the directories this driver may create files in",
        ),
    ];
    for (name, serial, msg) in &cases {
        define_file(&d, &format!("{name}.xml"), &with_serial(name, serial)).ok();
        let r = d.virsh(&["start", name]);
        let err = r.err();
        assert!(
            err.contains("unsupported configuration: chardev") && err.contains(msg),
            "{name}: {err}"
        );
        assert!(d.domstate(name).starts_with("shut off"));
    }
    assert!(d.shims().is_empty(), "a shim was started");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(&inside).unwrap(), b"precious");
    assert!(!Path::new("/etc/oxvirt-e2e.log").exists());
    // libvirt's code: CONFIG_UNSUPPORTED (67) from the QEMU driver (10)
    let out = d.python(
        "import sys, libvirt\n\
         c = libvirt.open(sys.argv[1])\n\
         try:\n\
         \x20   c.lookupByName('bind-out').create()\n\
         except libvirt.libvirtError as e:\n\
         \x20   print(e.get_error_code(), e.get_error_domain())\n",
        &[],
    );
    assert_eq!(out.ok(), "67 10\n");
}

/// A domain's log is 0600, rotated by size (`--vm-log-max-size`, `--vm-log-max-backups`),
/// removed on undefine and, for a transient domain, when it stops.
#[test]
fn logs_are_private_rotated_and_removed_with_the_domain() {
    let d = Qemud::start_with(&["--vm-log-max-size", "500", "--vm-log-max-backups", "2"]);
    let x = guest_xml("logged", &d.root().join("logged.serial.log"));
    define_file(&d, "logged.xml", &x).ok();
    let dir = d.root().join("log/qemu");
    let log = dir.join("logged.log");
    for _ in 0..4 {
        d.virsh(&["start", "logged"]).ok();
        assert_eq!(mode(&log), 0o600);
        d.virsh(&["destroy", "logged"]).ok();
    }
    // each start logs QEMU's command line (over 500 bytes): the log
    // was rotated, two backups are kept, all private
    let backups: Vec<_> = (1..=3)
        .map(|n| dir.join(format!("logged.log.{n}")))
        .collect();
    assert!(backups[0].exists() && backups[1].exists(), "no rotation");
    assert!(!backups[2].exists(), "more backups than asked");
    for p in [&log, &backups[0], &backups[1]] {
        assert_eq!(mode(p), 0o600, "{}", p.display());
    }
    let all: String = [&log, &backups[0], &backups[1]]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(all.contains("starting up"), "no start logged: {all}");
    d.virsh(&["undefine", "logged"]).ok();
    assert!(!log.exists() && !backups[0].exists() && !backups[1].exists());

    // a transient domain's log goes when it stops
    let f = d.root().join("transient.xml");
    std::fs::write(
        &f,
        guest_xml("transient", &d.root().join("transient.serial.log")),
    )
    .unwrap();
    d.virsh(&["create", f.to_str().unwrap()]).ok();
    let tlog = dir.join("transient.log");
    assert_eq!(mode(&tlog), 0o600);
    d.virsh(&["destroy", "transient"]).ok();
    assert!(!tlog.exists(), "the transient domain's log is left");
}
