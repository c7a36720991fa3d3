//! A hostile QEMU: a stand-in (`tests/helpers/fake-qemu`, run by the shim through
//! `OXVIRT_SHIM_EMULATOR`) that never greets, sends garbage, a 100 MB line or invalid UTF-8
//! on its monitor, or floods events. The shim reports a clear error and stops it (or, for the
//! flood, keeps working with bounded memory); qemud and a real VM next to it are unaffected.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use oxvirt_e2e::{guest_xml, processes, rss_kib, Qemud};

fn qemud() -> Qemud {
    static ENV: OnceLock<()> = OnceLock::new();
    ENV.get_or_init(|| {
        let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("helpers/fake-qemu");
        // every test of this binary uses the same stand-in (it runs the real QEMU for guests
        // whose names do not start with "hostile-")
        std::env::set_var("OXVIRT_SHIM_EMULATOR", fake);
    });
    Qemud::start()
}

fn define(d: &Qemud, name: &str) {
    let x = guest_xml(name, &d.root().join(format!("{name}.serial.log")));
    let f = d.root().join(format!("{name}.xml"));
    std::fs::write(&f, x).unwrap();
    d.virsh(&["define", f.to_str().unwrap()]).ok();
}

fn stand_ins(name: &str) -> usize {
    processes()
        .iter()
        .filter(|p| {
            p.cmdline.contains("fake-qemu") && p.cmdline.contains(&format!("guest={name},"))
        })
        .count()
}

/// Each misbehaviour during start: a clear error, no QEMU left, qemud and a real VM fine.
#[test]
fn a_misbehaving_monitor_fails_the_start_cleanly() {
    let d = qemud();
    define(&d, "real");
    d.virsh(&["start", "real"]).ok();
    let rss0 = rss_kib(d.pid());
    for (mode, words) in [
        ("garbage", "misbehaved"),
        ("hugeline", "longer than"),
        ("utf8", "misbehaved"),
        ("nogreet", "no monitor greeting"),
    ] {
        let name = format!("hostile-{mode}");
        define(&d, &name);
        let r = d.virsh(&["start", &name]);
        assert_ne!(r.status, 0, "{name} started");
        assert!(r.stderr.contains(words), "{name}: {}", r.stderr);
        // never a half-started VM
        assert!(d.domstate(&name).starts_with("shut off"), "{name}");
        for _ in 0..100 {
            if stand_ins(&name) == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(stand_ins(&name), 0, "{name}: the stand-in still runs");
        // the real VM and the daemon answer
        assert!(d.domstate("real").contains("running"));
        d.virsh(&["suspend", "real"]).ok();
        d.virsh(&["resume", "real"]).ok();
    }
    let rss1 = rss_kib(d.pid());
    println!("qemud RSS {rss0} KiB -> {rss1} KiB after the hostile starts");
    assert!(rss1 < rss0 + 20 * 1024, "qemud grew: {rss0} -> {rss1} KiB");
    d.virsh(&["destroy", "real"]).ok();
}

/// An event flood: the VM runs, calls on it and on others still work, the shim's memory
/// stays bounded, destroy works.
#[test]
fn an_event_flood_is_survived_with_bounded_memory() {
    let d = qemud();
    define(&d, "hostile-flood");
    define(&d, "real2");
    d.virsh(&["start", "real2"]).ok();
    d.virsh(&["start", "hostile-flood"]).ok();
    std::thread::sleep(Duration::from_secs(3));
    let shim = d
        .shims()
        .into_iter()
        .find(|p| p.cmdline.contains("run/qemu/hostile-flood "))
        .expect("the flooded VM's shim");
    let a = rss_kib(shim.pid);
    std::thread::sleep(Duration::from_secs(2));
    let b = rss_kib(shim.pid);
    println!("flooded shim RSS: {a} KiB, 2 s later {b} KiB");
    assert!(b < 64 * 1024, "the flooded shim uses {b} KiB");
    assert!(d.domstate("hostile-flood").contains("running"));
    let t = std::time::Instant::now();
    let r = d.virsh(&[
        "qemu-monitor-command",
        "hostile-flood",
        r#"{"execute":"query-status"}"#,
    ]);
    println!("monitor command under the flood: {:?}", t.elapsed());
    assert!(r.ok().contains("running"), "{r:?}");
    assert!(d.domstate("real2").contains("running"));
    d.virsh(&["suspend", "real2"]).ok();
    d.virsh(&["resume", "real2"]).ok();
    d.virsh(&["destroy", "hostile-flood"]).ok();
    d.virsh(&["destroy", "real2"]).ok();
}

/// SIGTERM while a call is in flight: the daemon stops listening at once, answers the call,
/// then exits; the VM runs on and a new daemon on the root finds it.
#[test]
fn sigterm_answers_the_calls_in_flight_then_exits() {
    let mut d = qemud();
    define(&d, "hostile-slow");
    d.virsh(&["start", "hostile-slow"]).ok();
    let slow = std::process::Command::new("virsh")
        .args(["-c", &d.uri(), "qemu-monitor-command", "hostile-slow"])
        .arg(r#"{"execute":"query-name"}"#)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // the call is at the stand-in, which answers after 3 s
    std::thread::sleep(Duration::from_millis(1500));
    let t = std::time::Instant::now();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(d.pid() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    // no new connection once SIGTERM is taken
    std::thread::sleep(Duration::from_millis(300));
    assert!(!d.socket().exists(), "the socket outlived SIGTERM");
    let out = slow.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("return"),
        "the call in flight was not answered: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    while d.alive() {
        assert!(t.elapsed() < Duration::from_secs(20), "qemud did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("answered and exited {:?} after SIGTERM", t.elapsed());
    let root = d.root().to_path_buf();
    let again = Qemud::start_in(&root);
    assert!(again.domstate("hostile-slow").contains("running"));
    again.virsh(&["destroy", "hostile-slow"]).ok();
    drop(d);
}
