//! The daemon runtime as stock clients meet it: `oxvirt-qemud --libvirt-paths` serves libvirt's
//! own `virtqemud` socket paths, so Debian's virsh and python3-libvirt opening
//! `qemu:///system?mode=direct` reach it with no socket in the URI; `systemd-socket-activate`
//! (no systemd PID 1 needed) starts it on the first connection with libvirt's socket unit names,
//! and `--timeout` ends it when it is idle with no VM running.
//!
//! Everything runs in a private mount namespace with a tmpfs over `/run`, so neither the host's
//! `/run/libvirt` (a host libvirtd) nor oxvirt's system paths are touched or seen.
#![allow(clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{
    binary, command, guest_xml, wait_in_file, Qemud, Run, CONSOLE_ROUNDTRIP_PY, GUARD,
};

const DIRECT: &str = "qemu:///system?mode=direct";

/// A private mount namespace (`/run` a tmpfs in it), held open by a sleeping process and
/// entered with `nsenter`; the holder is killed on drop.
struct MountNs {
    holder: Child,
}

impl MountNs {
    fn new() -> MountNs {
        let mut holder = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount -t tmpfs tmpfs /run && echo ready && exec sleep 3600")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run unshare");
        let mut out = holder.stdout.take().expect("stdout");
        let mut buf = [0u8; 6];
        std::io::Read::read_exact(&mut out, &mut buf).expect("namespace ready");
        assert_eq!(&buf, b"ready\n");
        MountNs { holder }
    }

    fn enter(&self) -> String {
        format!("--mount=/proc/{}/ns/mnt", self.holder.id())
    }

    /// A command run inside the namespace.
    fn command(&self, program: &str) -> Command {
        let mut c = command("nsenter");
        c.arg(self.enter()).arg("--").arg(program);
        c
    }

    fn run(&self, program: &str, args: &[&str]) -> Run {
        let o = self
            .command(program)
            .args(args)
            .output()
            .expect("run nsenter");
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    fn virsh(&self, args: &[&str]) -> Run {
        let mut all = vec!["-q", "-c", DIRECT];
        all.extend_from_slice(args);
        self.run("virsh", &all)
    }

    fn exists(&self, path: &str) -> bool {
        self.run("test", &["-S", path]).status == 0
    }
}

impl Drop for MountNs {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

#[test]
fn stock_clients_reach_the_daemon_on_libvirts_paths_in_direct_mode() {
    let ns = MountNs::new();
    let enter = ns.enter();
    let host_had = Path::new("/run/libvirt/virtqemud-sock").exists();
    let q = Qemud::start_via(&["nsenter", &enter, "--"], &["--libvirt-paths"]);
    for s in [
        "virtqemud-sock",
        "virtqemud-sock-ro",
        "virtqemud-admin-sock",
    ] {
        assert!(
            ns.exists(&format!("/run/libvirt/{s}")),
            "/run/libvirt/{s} is missing:\n{}",
            q.log()
        );
    }
    // the host's /run is untouched
    assert_eq!(Path::new("/run/libvirt/virtqemud-sock").exists(), host_had);

    assert_eq!(ns.virsh(&["uri"]).ok().trim(), DIRECT);
    assert_eq!(ns.virsh(&["list", "--all"]).ok().trim(), "");
    let xml_path = q.root().join("vm1.xml");
    let serial = q.root().join("vm1.serial");
    std::fs::write(&xml_path, guest_xml("vm1", &serial)).expect("write xml");
    ns.virsh(&["define", xml_path.to_str().expect("utf-8")])
        .ok();
    ns.virsh(&["start", "vm1"]).ok();
    assert!(ns.virsh(&["list"]).ok().contains("vm1"));
    wait_in_file(&serial, "OXVIRT-GUEST-READY", 1);
    // the console, through python3-libvirt in direct mode
    let r = ns.run(
        "/usr/bin/python3",
        &["-c", CONSOLE_ROUNDTRIP_PY, DIRECT, "vm1", "0"],
    );
    assert!(
        r.ok().replace("hello-$((6*7))", "").contains("hello-42"),
        "console: {r:?}"
    );
    // the read-only socket: queries answer, changes are refused
    let ro = ns.run("virsh", &["-q", "-r", "-c", DIRECT, "domstate", "vm1"]);
    assert_eq!(ro.ok().trim(), "running");
    let denied = ns.run("virsh", &["-q", "-r", "-c", DIRECT, "destroy", "vm1"]);
    assert!(
        denied.err().contains("read only access prevents"),
        "{denied:?}"
    );
    ns.virsh(&["destroy", "vm1"]).ok();
    ns.virsh(&["undefine", "vm1"]).ok();
    drop(q);
    // a stopped daemon leaves no socket at libvirt's paths
    assert!(!ns.exists("/run/libvirt/virtqemud-sock"));
}

#[test]
fn socket_activation_starts_the_daemon_and_the_idle_timeout_ends_it() {
    let ns = MountNs::new();
    let root = tempfile::Builder::new()
        .prefix("oxvirt-e2e-")
        .tempdir()
        .expect("tempdir");
    let log = std::fs::File::create(root.path().join("qemud.log")).expect("log");
    assert!(ns.run("mkdir", &["-p", "/run/libvirt"]).status == 0);
    let mut activator = ns
        .command("systemd-socket-activate")
        .args([
            "-l",
            "/run/libvirt/virtqemud-sock",
            "-l",
            "/run/libvirt/virtqemud-sock-ro",
            "-l",
            "/run/libvirt/virtqemud-admin-sock",
            "--fdname=virtqemud.socket:virtqemud-ro.socket:virtqemud-admin.socket",
        ])
        .arg(binary("oxvirt-qemud"))
        .arg("--root")
        .arg(root.path())
        .args(["--libvirt-paths", "--timeout", "5"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("run systemd-socket-activate");
    let qemud_log = || std::fs::read_to_string(root.path().join("qemud.log")).unwrap_or_default();
    let deadline = Instant::now() + GUARD;
    while !ns.exists("/run/libvirt/virtqemud-sock") {
        assert!(Instant::now() < deadline, "no socket:\n{}", qemud_log());
        std::thread::sleep(Duration::from_millis(50));
    }
    // nothing runs until the first client comes
    assert!(!root.path().join("run/qemud.lock").exists());
    // the first connection starts the daemon, which answers it on the handed-over socket: a
    // VM at once (calls come from separate virsh runs, and the daemon may exit when idle
    // between them)
    let xml_path = root.path().join("vm2.xml");
    std::fs::write(&xml_path, guest_xml("vm2", &root.path().join("vm2.serial")))
        .expect("write xml");
    let r = ns.virsh(&["create", xml_path.to_str().expect("utf-8")]);
    assert_eq!(r.status, 0, "{r:?}\n{}", qemud_log());
    assert!(
        root.path().join("run/qemud.lock").exists(),
        "{}",
        qemud_log()
    );
    assert_eq!(ns.virsh(&["uri"]).ok().trim(), DIRECT);
    let ro = ns.run("virsh", &["-q", "-r", "-c", DIRECT, "domstate", "vm2"]);
    assert_eq!(ro.ok().trim(), "running");
    // a running VM keeps it alive past the timeout
    std::thread::sleep(Duration::from_secs(8));
    assert!(
        matches!(activator.try_wait(), Ok(None)),
        "the daemon exited with a VM running:\n{}",
        qemud_log()
    );
    ns.virsh(&["destroy", "vm2"]).ok();
    // idle, no VM: it exits by itself
    let deadline = Instant::now() + GUARD;
    let status = loop {
        if let Ok(Some(s)) = activator.try_wait() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the idle daemon did not exit:\n{}",
            qemud_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}:\n{}", qemud_log());
    assert!(qemud_log().contains("idle for 5 s"), "{}", qemud_log());
}
