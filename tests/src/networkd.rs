//! `oxvirt-networkd` on a private root inside a network namespace of the test's own, for the
//! network tests: every bridge, firewall rule and dnsmasq lives in that namespace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, virsh, Run};

/// A network namespace of the test's own (`ip netns add`), deleted when dropped.
#[derive(Debug)]
pub struct Netns(pub String);

impl Netns {
    /// A namespace named after the test's temporary directory `root`.
    pub fn new(root: &Path) -> Self {
        Self::named(
            &root
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace('.', "-"),
        )
    }

    /// A namespace `oxvirt-e2e-SUFFIX`.
    pub fn named(suffix: &str) -> Self {
        let name = format!("oxvirt-e2e-{suffix}");
        let st = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap();
        assert!(st.success(), "ip netns add {name}");
        let ns = Netns(name);
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// Run `ip ARGS` in the namespace; its stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let o = Command::new("ip")
            .args(["-n", &self.0])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A command run inside the namespace (`ip netns exec`).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0]).arg(program);
        c
    }

    /// A counter of interface `dev` (`/sys/class/net/DEV/statistics/NAME`) in the namespace.
    pub fn counter(&self, dev: &str, name: &str) -> u64 {
        let o = self
            .command("cat")
            .arg(format!("/sys/class/net/{dev}/statistics/{name}"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// Run `program ARGS` inside the namespace; its output.
    pub fn exec(&self, program: &str, args: &[&str]) -> Output {
        self.command(program).args(args).output().unwrap()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

/// A private `oxvirt-networkd --root DIR` inside a network namespace, stopped (SIGTERM) when
/// dropped.
#[derive(Debug)]
pub struct Networkd {
    pub root: PathBuf,
    child: Child,
    /// Kill the dnsmasq of the root's networks when dropped (not after [`Networkd::sigkill`],
    /// whose point is that they outlive the daemon).
    reap_dnsmasq: bool,
}

impl Networkd {
    /// Start on `root` in `ns`. A root whose `etc/network` does not exist yet gets the
    /// default network, as at a first start: `start_in` makes the directory first so that
    /// the tests that do not want it start empty; [`Networkd::first_start_in`] does not.
    pub fn start_in(root: &Path, ns: &Netns) -> Self {
        Self::start_in_with(root, ns, &[])
    }

    /// [`Networkd::start_in`] with `extra` arguments (`--port-user`, …).
    pub fn start_in_with(root: &Path, ns: &Netns, extra: &[&str]) -> Self {
        std::fs::create_dir_all(root.join("etc/network")).unwrap();
        Self::spawn(root, ns, extra)
    }

    /// Start on `root` in `ns` as it is.
    pub fn first_start_in(root: &Path, ns: &Netns) -> Self {
        Self::spawn(root, ns, &[])
    }

    fn spawn(root: &Path, ns: &Netns, extra: &[&str]) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("networkd.log"))
            .unwrap();
        let child = ns
            .command(binary("oxvirt-networkd"))
            .arg("--root")
            .arg(root)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let d = Networkd {
            root: root.to_owned(),
            child,
            reap_dnsmasq: true,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.root.join("run/networkd-sock")).is_err() {
            assert!(Instant::now() < deadline, "oxvirt-networkd did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// Its read-write socket.
    pub fn socket(&self) -> PathBuf {
        self.root.join("run/networkd-sock")
    }

    pub fn uri(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket().display())
    }

    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri(), args)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("networkd.log")).unwrap_or_default()
    }

    pub fn sigkill(mut self) {
        self.reap_dnsmasq = false;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Networkd {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_child(&self.child),
                rustix::process::Signal::TERM,
            );
            let _ = self.child.wait();
        }
        if !self.reap_dnsmasq {
            return;
        }
        // networks outlive their daemon (crash-only): the dnsmasq of those the test left
        // running go with the test
        let conf = self.root.join("lib/network/dnsmasq");
        let conf = conf.to_string_lossy();
        for p in crate::processes() {
            if p.cmdline.starts_with("dnsmasq") && p.cmdline.contains(conf.as_ref()) {
                if let Some(pid) = rustix::process::Pid::from_raw(p.pid as i32) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                }
            }
        }
    }
}

/// An uplink: a namespace joined to `host` by a veth pair, `198.51.100.1` on the host side,
/// `198.51.100.2` on its side, answering `hello` on TCP port 8080 (busybox `nc`).
#[derive(Debug)]
pub struct Uplink {
    pub ns: Netns,
    server: Child,
}

impl Uplink {
    /// An uplink of `host` in a new namespace `oxvirt-e2e-SUFFIX`.
    pub fn new(host: &Netns, suffix: &str) -> Self {
        let ns = Netns::named(suffix);
        let o = host.exec(
            "ip",
            &[
                "link", "add", "uplink0", "type", "veth", "peer", "name", "eth0", "netns", &ns.0,
            ],
        );
        assert!(o.status.success(), "{o:?}");
        host.ip(&["addr", "add", "198.51.100.1/24", "dev", "uplink0"]);
        host.ip(&["link", "set", "uplink0", "up"]);
        ns.ip(&["addr", "add", "198.51.100.2/24", "dev", "eth0"]);
        ns.ip(&["link", "set", "eth0", "up"]);
        let server = ns
            .command("busybox")
            .args(["nc", "-ll", "-p", "8080", "-e", "echo", "hello"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        Uplink { ns, server }
    }
}

impl Drop for Uplink {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
