//! Network namespaces a test makes (`ip netns add`) and `oxvirt-networkd` run inside one:
//! every bridge, TAP device and packet of a network test stays there, never on the host.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, virsh, Run};

/// A network namespace of the test's own, deleted when dropped.
#[derive(Debug)]
pub struct Netns(pub String);

impl Netns {
    /// A namespace named after `root` (a temporary directory of the test).
    pub fn new(root: &Path) -> Self {
        let name = format!(
            "oxvirt-e2e-{}",
            root.file_name()
                .expect("a named directory")
                .to_string_lossy()
                .replace('.', "-")
        );
        let st = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("run ip");
        assert!(st.success(), "ip netns add {name}");
        Netns(name)
    }

    /// Run `ip ARGS` in the namespace; its stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let o = Command::new("ip")
            .args(["-n", &self.0])
            .args(args)
            .output()
            .expect("run ip");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A command run inside the namespace (`ip netns exec NS PROGRAM`).
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
            .expect("run cat");
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
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
    root: PathBuf,
    child: Child,
}

impl Networkd {
    /// Start it (with `extra` arguments) and wait until its socket answers.
    pub fn start_in(root: &Path, ns: &Netns, extra: &[&str]) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("networkd.log"))
            .expect("log file");
        let child = ns
            .command(binary("oxvirt-networkd"))
            .arg("--root")
            .arg(root)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn oxvirt-networkd");
        let d = Networkd {
            root: root.to_owned(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.socket()).is_err() {
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

    /// SIGKILL it, as a crash would.
    pub fn sigkill(mut self) {
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
    }
}
