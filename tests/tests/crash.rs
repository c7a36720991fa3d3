//! Crash-only and isolation, end to end with real QEMU (TCG) and the test guest: any process
//! SIGKILLed and restarted loses nothing; a stalled QEMU delays only calls on its own VM; many
//! start/destroy cycles leak nothing.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{guest, python, Qemud};

/// A domain for the test guest, its serial log under the daemon's root.
fn guest_xml(root: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (kernel, initrd) = guest();
    let log = root.join(format!("{name}.serial.log"));
    let xml = format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd>\
<cmdline>console=ttyS0 quiet</cmdline></os><features><acpi/></features>\
<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>\
<devices><serial type='pty'><log file='{}' append='off'/><target port='0'/></serial>\
<console type='pty'><target type='serial' port='0'/></console></devices></domain>",
        kernel.display(),
        initrd.display(),
        log.display()
    );
    let path = root.join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    (path, log)
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pids of processes whose command line contains `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = state
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if cmd.contains(needle) && !zombie {
            out.push(pid);
        }
    }
    out
}

fn qemu_pid(name: &str) -> i32 {
    let p: Vec<i32> = pids_with(&format!("guest={name},"))
        .into_iter()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .map(|e| e.to_string_lossy().contains("qemu-system"))
                .unwrap_or(false)
        })
        .collect();
    assert_eq!(p.len(), 1, "one QEMU for {name}: {p:?}");
    p[0]
}

fn shim_pids(root: &Path, name: &str) -> Vec<i32> {
    pids_with(&format!("{}/run/qemu/{name} ", root.display()))
        .into_iter()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .map(|e| e.to_string_lossy().contains("oxvirt-shim"))
                .unwrap_or(false)
        })
        .collect()
}

fn kill(pid: i32, sig: rustix::process::Signal) {
    let _ = rustix::process::kill_process(rustix::process::Pid::from_raw(pid).unwrap(), sig);
}

/// Kills whatever QEMU and shim processes a test left under its root.
struct Cleanup(PathBuf, Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for n in &self.1 {
            for p in pids_with(&format!("guest={n},")) {
                kill(p, rustix::process::Signal::KILL);
            }
        }
        for p in pids_with(&format!("{}/run/qemu/", self.0.display())) {
            kill(p, rustix::process::Signal::KILL);
        }
    }
}

fn wait_marker(log: &Path, marker: &str, count: usize) {
    wait_until(
        &format!("{marker} x{count} in {}", log.display()),
        // a TCG boot on a loaded 2-core machine (the CI runs builds beside it) can take minutes
        Duration::from_secs(240),
        || {
            std::fs::read_to_string(log)
                .map(|s| s.matches(marker).count() >= count)
                .unwrap_or(false)
        },
    );
}

/// The console answers: write a command, read its output (python3-libvirt, taking the
/// console over).
fn console_echo(uri: &str, name: &str) {
    oxvirt_e2e::python_console_roundtrip(uri, name, true);
}

/// `virsh event --all --loop` in its own connection.
fn event_watcher(uri: &str, out: &Path) -> Child {
    Command::new("virsh")
        .args(["-c", uri, "event", "--all", "--loop"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("virsh event")
}

fn wait_event(out: &Path, line: &str) {
    wait_until(&format!("event '{line}'"), Duration::from_secs(30), || {
        std::fs::read_to_string(out)
            .map(|s| s.contains(line))
            .unwrap_or(false)
    });
}

#[test]
fn qemud_sigkilled_with_three_vms_loses_nothing() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let names = ["ck-a", "ck-b", "ck-c"];
    let _c = Cleanup(r.to_owned(), names.iter().map(|s| s.to_string()).collect());
    let d = Qemud::start_in(r);
    let mut logs = Vec::new();
    for n in names {
        let (xml, log) = guest_xml(r, n);
        d.virsh(&["define", xml.to_str().unwrap()]).ok();
        d.virsh(&["start", n]).ok();
        logs.push(log);
    }
    d.virsh(&["suspend", "ck-b"]).ok();
    let before = d.virsh(&["list", "--all"]).ok().to_string();
    let qemus: Vec<i32> = names.iter().map(|n| qemu_pid(n)).collect();
    d.sigkill();
    let d = Qemud::start_in(r);
    let after = d.virsh(&["list", "--all"]).ok().to_string();
    assert_eq!(before, after, "same ids and states after the restart");
    assert!(after.contains("paused"), "{after}");
    let qemus_after: Vec<i32> = names.iter().map(|n| qemu_pid(n)).collect();
    assert_eq!(qemus, qemus_after, "the same QEMUs run on");
    // events and consoles work again; a reconnected client re-registers
    let ev = r.join("events.txt");
    let mut w = event_watcher(&d.uri(), &ev);
    std::thread::sleep(Duration::from_millis(500));
    d.virsh(&["resume", "ck-b"]).ok();
    wait_event(&ev, "'ck-b': Resumed Unpaused");
    wait_marker(&logs[0], "OXVIRT-GUEST-READY", 1);
    console_echo(&d.uri(), "ck-a");
    for n in names {
        d.virsh(&["destroy", n]).ok();
    }
    wait_event(&ev, "'ck-c': Stopped Destroyed");
    let _ = w.kill();
    let _ = w.wait();
}

#[test]
fn a_sigkilled_shim_is_replaced_and_the_vm_never_stops() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let _c = Cleanup(r.to_owned(), vec!["ck-shim".into()]);
    let d = Qemud::start_in(r);
    let (xml, log) = guest_xml(r, "ck-shim");
    d.virsh(&["define", xml.to_str().unwrap()]).ok();
    d.virsh(&["start", "ck-shim"]).ok();
    let qemu = qemu_pid("ck-shim");
    let shims = shim_pids(r, "ck-shim");
    assert_eq!(shims.len(), 1, "{shims:?}");
    kill(shims[0], rustix::process::Signal::KILL);
    wait_until("a new shim", Duration::from_secs(30), || {
        let s = shim_pids(r, "ck-shim");
        s.len() == 1 && s[0] != shims[0]
    });
    assert_eq!(qemu_pid("ck-shim"), qemu, "QEMU kept running");
    // qemud learns of the new shim when it connects to it: the state may lag the new process
    wait_until(
        "running through the new shim",
        Duration::from_secs(60),
        || d.virsh(&["domstate", "ck-shim"]).stdout.contains("running"),
    );
    d.virsh(&["suspend", "ck-shim"]).ok();
    assert!(d
        .virsh(&["domstate", "--reason", "ck-shim"])
        .ok()
        .contains("paused (user)"));
    d.virsh(&["resume", "ck-shim"]).ok();
    wait_marker(&log, "OXVIRT-GUEST-READY", 1);
    console_echo(&d.uri(), "ck-shim");
    d.virsh(&["destroy", "ck-shim"]).ok();
}

#[test]
fn a_killed_qemu_is_shut_off_crashed_and_starts_again() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let _c = Cleanup(r.to_owned(), vec!["ck-crash".into()]);
    let d = Qemud::start_in(r);
    let (xml, _log) = guest_xml(r, "ck-crash");
    d.virsh(&["define", xml.to_str().unwrap()]).ok();
    let ev = r.join("events.txt");
    let mut w = event_watcher(&d.uri(), &ev);
    std::thread::sleep(Duration::from_millis(500));
    d.virsh(&["start", "ck-crash"]).ok();
    kill(qemu_pid("ck-crash"), rustix::process::Signal::KILL);
    wait_until("shut off (crashed)", Duration::from_secs(30), || {
        d.virsh(&["domstate", "--reason", "ck-crash"])
            .stdout
            .contains("shut off (crashed)")
    });
    wait_event(&ev, "'ck-crash': Stopped Crashed");
    // no stale job: it starts again at once
    d.virsh(&["start", "ck-crash"]).ok();
    assert!(d.virsh(&["domstate", "ck-crash"]).ok().contains("running"));
    d.virsh(&["destroy", "ck-crash"]).ok();
    let _ = w.kill();
    let _ = w.wait();
}

#[test]
fn a_stalled_qemu_delays_only_calls_on_its_own_vm() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let _c = Cleanup(r.to_owned(), vec!["ck-stall-a".into(), "ck-stall-b".into()]);
    let d = Qemud::start_in_with(r, &["--vm-call-timeout", "3"]);
    for n in ["ck-stall-a", "ck-stall-b"] {
        let (xml, _) = guest_xml(r, n);
        d.virsh(&["define", xml.to_str().unwrap()]).ok();
        d.virsh(&["start", n]).ok();
    }
    let a = qemu_pid("ck-stall-a");
    kill(a, rustix::process::Signal::STOP);
    // a call on A that needs QEMU, in the background
    let uri = d.uri();
    let pending = std::thread::spawn(move || oxvirt_e2e::virsh(&uri, &["suspend", "ck-stall-a"]));
    std::thread::sleep(Duration::from_millis(600));
    // B, lists and queries on A answer
    assert!(d.virsh(&["dominfo", "ck-stall-b"]).ok().contains("running"));
    d.virsh(&["suspend", "ck-stall-b"]).ok();
    d.virsh(&["resume", "ck-stall-b"]).ok();
    assert!(d.virsh(&["list"]).ok().contains("ck-stall-a"));
    d.virsh(&["dumpxml", "ck-stall-a"]).ok();
    // a second change on A fails at once: busy
    let second = d.virsh(&["resume", "ck-stall-a"]);
    assert!(
        second.err().contains("Timed out during operation"),
        "{second:?}"
    );
    // the pending call fails with a timeout instead of hanging
    let first = pending.join().unwrap();
    assert!(
        first.err().contains("Timed out during operation"),
        "{first:?}"
    );
    kill(a, rustix::process::Signal::CONT);
    wait_until("A answers again", Duration::from_secs(30), || {
        let s = d.virsh(&["domstate", "ck-stall-a"]).stdout;
        if s.contains("paused") {
            // the late `stop` did reach QEMU
            d.virsh(&["resume", "ck-stall-a"]).status == 0
        } else {
            s.contains("running")
        }
    });
    d.virsh(&["suspend", "ck-stall-a"]).ok();
    d.virsh(&["resume", "ck-stall-a"]).ok();
    // destroying a stalled VM works
    kill(a, rustix::process::Signal::STOP);
    d.virsh(&["destroy", "ck-stall-a"]).ok();
    d.virsh(&["destroy", "ck-stall-b"]).ok();
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn start_destroy_cycles_leak_nothing() {
    let cycles: usize = std::env::var("OXVIRT_LEAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let _c = Cleanup(r.to_owned(), vec!["ck-leak".into()]);
    let d = Qemud::start_in(r);
    let (xml, _) = guest_xml(r, "ck-leak");
    d.virsh(&["define", xml.to_str().unwrap()]).ok();
    // one python connection drives the cycles (fast, and the client holds its fds steady)
    let script = r#"
import libvirt, sys, os
c = libvirt.open(sys.argv[1]); d = c.lookupByName(sys.argv[2]); n = int(sys.argv[3])
pid = int(sys.argv[4])
def fds(): return len(os.listdir("/proc/%d/fd" % pid))
def rss():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"): return int(l.split()[1])
warm = min(20, n)
for i in range(warm): d.create(); d.destroy()
f0, r0 = fds(), rss()
for i in range(n - warm): d.create(); d.destroy()
print("cycles", n, "fds", f0, fds(), "rss_kib", r0, rss())
"#;
    let pid = d.pid();
    let out = python(
        script,
        &[&d.uri(), "ck-leak", &cycles.to_string(), &pid.to_string()],
    );
    let line = out.ok().trim().to_string();
    println!("{line}");
    let v: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(v.len(), 5, "{line}");
    let (f0, f1, r0, r1) = (v[1], v[2], v[3], v[4]);
    assert!(f1 <= f0 + 2, "qemud fds grew: {f0} -> {f1}");
    // RSS may wander a little with the allocator; a leak of a few KiB per cycle shows plainly
    assert!(r1 <= r0 + 4096, "qemud RSS grew: {r0} -> {r1} KiB");
    assert_eq!(fd_count(pid), fd_count(pid));
    let _ = rss_kib(pid);
}

#[test]
fn qemud_restart_reattaches_to_many_running_vms() {
    let n: usize = std::env::var("OXVIRT_RECOVERY_VMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let names: Vec<String> = (0..n).map(|i| format!("ck-many-{i}")).collect();
    let _c = Cleanup(r.to_owned(), names.clone());
    let d = Qemud::start_in(r);
    for name in &names {
        let (xml, _) = guest_xml(r, name);
        d.virsh(&["define", xml.to_str().unwrap()]).ok();
        // paused: n guests must not fight for 2 CPUs
        d.virsh(&["start", "--paused", name]).ok();
    }
    let before = d.virsh(&["list"]).ok().to_string();
    d.sigkill();
    let t0 = Instant::now();
    let d = Qemud::start_in(r);
    let after = d.virsh(&["list"]).ok().to_string();
    let took = t0.elapsed();
    assert_eq!(before, after);
    println!(
        "recovery of {n} running VMs: {} ms until `virsh list` showed them all",
        took.as_millis()
    );
    for name in &names {
        d.virsh(&["destroy", name]).ok();
    }
}

/// `virsh domstats`: one call for every domain, gathered from every shim at once; a stalled
/// QEMU only loses the groups that need it, its record still comes back.
#[test]
fn domstats_for_all_domains_and_a_stalled_one() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let _c = Cleanup(r.to_owned(), vec!["ck-st-a".into(), "ck-st-b".into()]);
    let d = Qemud::start_in(r);
    let disk = r.join("b.qcow2");
    let out = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", disk.to_str().unwrap(), "64M"])
        .output()
        .expect("qemu-img");
    assert!(out.status.success(), "{out:?}");
    for n in ["ck-st-a", "ck-st-b"] {
        let (xml, _) = guest_xml(r, n);
        if n == "ck-st-b" {
            let x = std::fs::read_to_string(&xml).unwrap().replace(
                "<devices>",
                &format!(
                    "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
<source file='{}'/><target dev='vda' bus='virtio'/></disk>",
                    disk.display()
                ),
            );
            std::fs::write(&xml, x).unwrap();
        }
        d.virsh(&["define", xml.to_str().unwrap()]).ok();
        d.virsh(&["start", n]).ok();
    }
    d.virsh(&["define", guest_xml(r, "ck-st-off").0.to_str().unwrap()])
        .ok();
    let all = d.virsh(&["domstats"]).ok().to_string();
    for want in [
        "Domain: 'ck-st-a'",
        "Domain: 'ck-st-b'",
        "Domain: 'ck-st-off'",
        "state.state=1",
        "state.state=5",
        "cpu.time=",
        "balloon.current=131072",
        "vcpu.0.time=",
        "block.count=1",
        "block.0.name=vda",
        "block.0.capacity=67108864",
    ] {
        assert!(all.contains(want), "missing {want} in\n{all}");
    }
    let a = qemu_pid("ck-st-a");
    kill(a, rustix::process::Signal::STOP);
    let stalled = d.virsh(&["domstats", "--vcpu", "--state"]).ok().to_string();
    kill(a, rustix::process::Signal::CONT);
    let rec_a = stalled
        .split("Domain: ")
        .find(|s| s.starts_with("'ck-st-a'"))
        .unwrap_or_default()
        .to_string();
    let rec_b = stalled
        .split("Domain: ")
        .find(|s| s.starts_with("'ck-st-b'"))
        .unwrap_or_default()
        .to_string();
    assert!(rec_a.contains("state.state=1"), "{stalled}");
    assert!(
        !rec_a.contains("vcpu.0.time"),
        "the stalled VM's QMP stats: {stalled}"
    );
    assert!(rec_b.contains("vcpu.0.time="), "{stalled}");
    for n in ["ck-st-a", "ck-st-b"] {
        d.virsh(&["destroy", n]).ok();
    }
}
