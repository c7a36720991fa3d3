//! Any oxvirt driver daemon (`oxvirt-secretd`, …) on a private root, for the tests of the
//! smaller drivers: started, reached with virsh or python, SIGKILLed, restarted on its root.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, virsh, Run};

/// A running daemon on its own root; killed on drop (a temporary root is removed with it).
#[derive(Debug)]
pub struct Daemon {
    /// The daemon's short name (`secretd`): its binary is `oxvirt-NAME`, its socket
    /// `run/NAME-sock`.
    short: &'static str,
    /// The URI scheme of its driver (`secret`).
    scheme: &'static str,
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    child: Child,
}

impl Daemon {
    /// Start `oxvirt-SHORT` on a new temporary root.
    pub fn start(short: &'static str, scheme: &'static str) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("oxvirt-{short}-"))
            .tempdir()
            .expect("tempdir");
        Self::spawn(short, scheme, tmp.path().to_path_buf(), Some(tmp), &[])
    }

    /// Start on a root the caller keeps (to restart on the same state), with extra
    /// environment variables.
    pub fn start_in(
        short: &'static str,
        scheme: &'static str,
        root: &Path,
        env: &[(&str, &str)],
    ) -> Self {
        Self::spawn(short, scheme, root.to_path_buf(), None, env)
    }

    /// Start `oxvirt-SHORT` on a new temporary root inside the network namespace `netns`
    /// (`ip netns exec`), so it sees that namespace's interfaces.
    pub fn start_in_netns(short: &'static str, scheme: &'static str, netns: &str) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("oxvirt-{short}-"))
            .tempdir()
            .expect("tempdir");
        Self::spawn_via(
            short,
            scheme,
            tmp.path().to_path_buf(),
            Some(tmp),
            &[],
            &["ip", "netns", "exec", netns],
        )
    }

    fn spawn(
        short: &'static str,
        scheme: &'static str,
        root: PathBuf,
        tmp: Option<tempfile::TempDir>,
        env: &[(&str, &str)],
    ) -> Self {
        Self::spawn_via(short, scheme, root, tmp, env, &[])
    }

    fn spawn_via(
        short: &'static str,
        scheme: &'static str,
        root: PathBuf,
        tmp: Option<tempfile::TempDir>,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join(format!("{short}.log")))
            .expect("log file");
        let bin = binary(&format!("oxvirt-{short}"));
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        let child = cmd
            .arg("--root")
            .arg(&root)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn the daemon");
        let mut d = Daemon {
            short,
            scheme,
            root,
            _tmp: tmp,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.socket()).is_err() {
            if let Ok(Some(st)) = d.child.try_wait() {
                panic!("oxvirt-{short} exited ({st}):\n{}", d.log());
            }
            assert!(
                Instant::now() < deadline,
                "oxvirt-{short} did not start:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// The daemon's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its read-write socket.
    pub fn socket(&self) -> PathBuf {
        self.root.join(format!("run/{}-sock", self.short))
    }

    /// `SCHEME+unix:///system?socket=ROOT/run/SHORT-sock`
    pub fn uri(&self) -> String {
        format!(
            "{}+unix:///system?socket={}",
            self.scheme,
            self.socket().display()
        )
    }

    /// Run virsh against the daemon.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri(), args)
    }

    /// What the daemon logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join(format!("{}.log", self.short))).unwrap_or_default()
    }

    /// SIGKILL the daemon, as a crash would.
    pub fn sigkill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
