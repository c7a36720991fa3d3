//! The QEMU driver end to end with Debian's virsh: real QEMU under TCG running the project's
//! test guest, every lifecycle call, the console, events on a second connection, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::time::{Duration, Instant};

use oxvirt_e2e::{count_in_file, guest_xml, process_alive, wait_in_file, EventWatch, Qemud, GUARD};

const READY: &str = "OXVIRT-GUEST-READY";

/// Write the guest's XML for `name` into the daemon's root; returns the XML file and the
/// serial log the guest will write.
fn guest_files(q: &Qemud, name: &str) -> (String, PathBuf) {
    let serial = q.root().join(format!("{name}.serial"));
    let xml = q.root().join(format!("{name}.xml"));
    std::fs::write(&xml, guest_xml(name, &serial)).expect("write domain xml");
    (xml.display().to_string(), serial)
}

/// The console carries both ways (python3-libvirt's stream).
fn console_roundtrip(q: &Qemud, name: &str) {
    oxvirt_e2e::python_console_roundtrip(&q.uri(), name, false);
}

/// The same with `virsh console` itself, on a pseudo-terminal: type a command, wait for its
/// answer, leave with Ctrl-].
fn virsh_console_roundtrip(q: &Qemud, name: &str) {
    oxvirt_e2e::pty_console_roundtrip(
        &format!("virsh -c '{}' console {name}", q.uri()),
        &[],
        "Escape character is",
    );
}

/// The id virsh list shows for a running domain.
fn list_id(q: &Qemud, name: &str) -> u32 {
    let list = q.virsh(&["list"]).ok().to_string();
    let line = list
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("{name} not in list:\n{list}"));
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols.get(2), Some(&"running"), "{list}");
    cols[0].parse().unwrap_or_else(|_| panic!("id in {line:?}"))
}

/// Shut the guest down through ACPI; repeats the request while the guest has not reacted (a
/// button press before the guest's acpid runs is lost, as on real hardware).
fn shutdown_and_wait(q: &Qemud, name: &str) {
    let deadline = Instant::now() + GUARD;
    let mut first = true;
    loop {
        let r = q.virsh(&["shutdown", name]);
        if first {
            // later requests may race with the guest powering off
            assert_eq!(r.status, 0, "{r:?}");
            first = false;
        }
        let again = Instant::now() + Duration::from_secs(15);
        while Instant::now() < again {
            if q.domstate(name) == "shut off (shutdown)" {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not shut down: {}\n{}",
            q.domstate(name),
            q.vm_log(name)
        );
    }
}

#[test]
fn virsh_lifecycle_with_events() {
    let q = Qemud::start();
    let events = EventWatch::start(&q);
    let name = "lc1";
    let (xml, serial) = guest_files(&q, name);

    q.virsh(&["define", &xml]).ok();
    events.wait_for(name, "Defined Added", 1);
    assert_eq!(q.domstate(name), "shut off (unknown)");

    q.virsh(&["start", name]).ok();
    events.wait_for(name, "Started Booted", 1);
    let id = list_id(&q, name);
    let info = q.virsh(&["dominfo", name]).ok().to_string();
    assert!(info.contains(&format!("Id:             {id}")), "{info}");
    assert!(info.contains("State:          running"), "{info}");
    assert!(info.contains("Persistent:     yes"), "{info}");
    assert_eq!(q.domstate(name), "running (booted)");
    let live = q.virsh(&["dumpxml", name]).ok().to_string();
    assert!(live.contains(&format!("id='{id}'")), "{live}");
    assert!(live.contains("<alias name='serial0'/>"), "{live}");
    assert!(live.contains("<source path='/dev/pts/"), "{live}");

    wait_in_file(&serial, READY, 1);
    console_roundtrip(&q, name);
    // the stream's abort released the console: virsh takes it next
    virsh_console_roundtrip(&q, name);

    q.virsh(&["suspend", name]).ok();
    assert_eq!(q.domstate(name), "paused (user)");
    events.wait_for(name, "Suspended Paused", 1);
    q.virsh(&["resume", name]).ok();
    assert_eq!(q.domstate(name), "running (unpaused)");
    events.wait_for(name, "Resumed Unpaused", 1);

    q.virsh(&["reboot", name]).ok();
    wait_in_file(&serial, READY, 2);
    events.wait_for(name, "event 'reboot'", 1);
    assert_eq!(q.domstate(name).split(' ').next(), Some("running"));

    shutdown_and_wait(&q, name);
    events.wait_for(name, "Shutdown Finished after guest request", 1);
    events.wait_for(name, "Stopped Shutdown", 1);
    assert!(q.qemus().is_empty(), "QEMU left after shutdown");

    q.virsh(&["start", name]).ok();
    events.wait_for(name, "Started Booted", 2);
    q.virsh(&["destroy", name]).ok();
    assert_eq!(q.domstate(name), "shut off (destroyed)");
    events.wait_for(name, "Stopped Destroyed", 1);

    q.virsh(&["undefine", name]).ok();
    events.wait_for(name, "Undefined Removed", 1);
    let all = q.virsh(&["list", "--all", "--name"]).ok().to_string();
    assert!(!all.contains(name), "{all}");

    // The whole sequence, in order, as libvirt 9.0 reports it: a start resumes the vCPUs QEMU
    // was started with stopped, then reports the boot; a reboot is QEMU's RESET events (one
    // or more: the firmware resets again) and no shutdown; a destroy is only "Stopped".
    let lines = events.lines_for(name);
    eprintln!("events:\n{}", lines.join("\n"));
    let mut seen: Vec<String> = lines
        .iter()
        .map(|l| l.split_once("': ").map_or("reboot", |(_, e)| e).to_owned())
        .collect();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "Defined Added",
            "Resumed Unpaused",
            "Started Booted",
            "Suspended Paused",
            "Resumed Unpaused",
            "reboot",
            "Shutdown Finished after guest request",
            "Stopped Shutdown",
            "Resumed Unpaused",
            "Started Booted",
            // QEMU's SHUTDOWN on destroy's SIGTERM, as libvirt 9.0 reports it
            "Shutdown Finished after host request",
            "Stopped Destroyed",
            "Undefined Removed",
        ],
        "{lines:#?}"
    );
}

#[test]
fn create_transient_and_start_paused() {
    let q = Qemud::start();
    let (xml, serial) = guest_files(&q, "tr1");
    q.virsh(&["create", &xml]).ok();
    assert_eq!(q.domstate("tr1"), "running (booted)");
    let info = q.virsh(&["dominfo", "tr1"]).ok().to_string();
    assert!(info.contains("Persistent:     no"), "{info}");
    wait_in_file(&serial, READY, 1);
    q.virsh(&["destroy", "tr1"]).ok();
    let all = q.virsh(&["list", "--all", "--name"]).ok().to_string();
    assert!(
        !all.contains("tr1"),
        "a transient domain outlived its destroy:\n{all}"
    );
    let e = q.virsh(&["domstate", "tr1"]).err().to_string();
    assert!(e.contains("failed to get domain 'tr1'"), "{e}");

    // --paused: QEMU runs, the vCPUs never started, so the guest printed nothing
    let (xml, serial) = guest_files(&q, "pa1");
    q.virsh(&["define", &xml]).ok();
    q.virsh(&["start", "--paused", "pa1"]).ok();
    assert_eq!(q.domstate("pa1"), "paused (user)");
    assert_eq!(q.qemus().len(), 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count_in_file(&serial, READY), 0);
    q.virsh(&["resume", "pa1"]).ok();
    assert_eq!(q.domstate("pa1"), "running (unpaused)");
    wait_in_file(&serial, READY, 1);
    q.virsh(&["destroy", "pa1"]).ok();
    assert!(q.qemus().is_empty(), "QEMU left after destroy");
}

#[test]
fn setmem_and_monitor_command() {
    let q = Qemud::start();
    let (xml, serial) = guest_files(&q, "mem1");
    q.virsh(&["create", &xml]).ok();
    // the guest loads virtio_balloon before its marker
    wait_in_file(&serial, READY, 1);
    q.virsh(&["setmem", "mem1", "200M", "--live"]).ok();
    let deadline = Instant::now() + GUARD;
    loop {
        let info = q.virsh(&["dominfo", "mem1"]).ok().to_string();
        if info.contains("Used memory:    204800 KiB") {
            assert!(info.contains("Max memory:     262144 KiB"), "{info}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the balloon did not reach 200 MiB:\n{info}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let out = q
        .virsh(&[
            "qemu-monitor-command",
            "mem1",
            r#"{"execute":"query-status"}"#,
        ])
        .ok()
        .to_string();
    assert!(out.contains(r#""status":"running""#), "{out}");
    assert!(out.contains(r#""return""#), "{out}");
    // the domain is tainted, and still answers
    assert_eq!(q.domstate("mem1"), "running (booted)");
    let info = q.virsh(&["dominfo", "mem1"]).ok().to_string();
    assert!(info.contains("State:          running"), "{info}");
    assert!(
        info.contains("tainted: custom monitor control commands issued"),
        "{info}"
    );
    // HMP passthrough too
    let out = q
        .virsh(&["qemu-monitor-command", "--hmp", "mem1", "info status"])
        .ok()
        .to_string();
    assert!(out.contains("VM status: running"), "{out}");
    q.virsh(&["destroy", "mem1"]).ok();
}

#[test]
fn lifecycle_errors() {
    let q = Qemud::start();
    let (xml, serial) = guest_files(&q, "er1");
    q.virsh(&["define", &xml]).ok();
    let e = q.virsh(&["suspend", "er1"]).err().to_string();
    assert!(e.contains("domain is not running"), "{e}");
    q.virsh(&["start", "er1"]).ok();
    let e = q.virsh(&["start", "er1"]).err().to_string();
    assert!(e.contains("already"), "{e}");
    assert_eq!(q.domstate("er1"), "running (booted)");
    wait_in_file(&serial, READY, 1);
    q.virsh(&["destroy", "er1"]).ok();
    let e = q.virsh(&["destroy", "er1"]).err().to_string();
    assert!(e.contains("domain is not running"), "{e}");

    // a device the driver cannot set up (a network NIC with no oxvirt-networkd to plug it
    // into): refused before any process starts
    let net = guest_xml("er2", &q.root().join("er2.serial")).replace(
        "<devices>",
        "<devices><interface type='network'><source network='default'/></interface>",
    );
    let file = q.root().join("er2.xml");
    std::fs::write(&file, net).expect("write xml");
    q.virsh(&["define", &file.display().to_string()]).ok();
    let r = q.virsh(&["start", "er2"]);
    let e = r.err().to_string();
    assert!(e.contains("cannot connect to oxvirt-networkd"), "{e}");
    assert_eq!(q.domstate("er2"), "shut off (unknown)");
    assert!(q.qemus().is_empty(), "a QEMU is left: {:?}", q.qemus());
    assert!(q.shims().is_empty(), "a shim is left: {:?}", q.shims());

    // QEMU itself fails: its error reaches the client, and its shim ends (it does not wait
    // for the 30 s an orphan shim waits for a START)
    let bad = guest_xml("er3", &q.root().join("er3.serial"))
        .replace("/vmlinuz</kernel>", "/no-such-vmlinuz</kernel>");
    let file = q.root().join("er3.xml");
    std::fs::write(&file, bad).expect("write xml");
    q.virsh(&["define", &file.display().to_string()]).ok();
    let e = q.virsh(&["start", "er3"]).err().to_string();
    assert!(e.contains("could not open kernel file"), "{e}");
    assert_eq!(q.domstate("er3"), "shut off (unknown)");
    assert!(q.qemus().is_empty(), "a QEMU is left: {:?}", q.qemus());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !q.shims().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the failed start's shim stays: {:?}",
            q.shims()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Three VMs at once, each with its own shim and QEMU; destroying one leaves the others alone.
#[test]
fn three_vms() {
    let q = Qemud::start();
    let names = ["tv1", "tv2", "tv3"];
    let mut serials = Vec::new();
    for n in names {
        let (xml, serial) = guest_files(&q, n);
        q.virsh(&["create", &xml]).ok();
        serials.push(serial);
    }
    for s in &serials {
        wait_in_file(s, READY, 1);
    }
    let shims = q.shims();
    let qemus = q.qemus();
    assert_eq!(shims.len(), 3, "{shims:#?}");
    assert_eq!(qemus.len(), 3, "{qemus:#?}");
    let pid_of = |name: &str| -> u32 {
        qemus
            .iter()
            .find(|p| p.cmdline.contains(&format!("guest={name},")))
            .unwrap_or_else(|| panic!("no QEMU for {name}: {qemus:#?}"))
            .pid
    };
    let (p1, p2, p3) = (pid_of("tv1"), pid_of("tv2"), pid_of("tv3"));

    q.virsh(&["destroy", "tv2"]).ok();
    assert!(!process_alive(p2), "tv2's QEMU still runs");
    assert!(process_alive(p1) && process_alive(p3));
    for n in ["tv1", "tv3"] {
        assert_eq!(q.domstate(n), "running (booted)");
        let out = q
            .virsh(&["qemu-monitor-command", n, r#"{"execute":"query-status"}"#])
            .ok()
            .to_string();
        assert!(out.contains(r#""status":"running""#), "{n}: {out}");
    }
    console_roundtrip(&q, "tv3");
    let after: Vec<u32> = q.qemus().iter().map(|p| p.pid).collect();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.contains(&p1) && after.contains(&p3), "{after:?}");
    let deadline = Instant::now() + GUARD;
    while q.shims().len() != 2 {
        assert!(
            Instant::now() < deadline,
            "tv2's shim stays: {:?}",
            q.shims()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
