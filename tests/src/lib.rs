//! Harness for end-to-end tests: start a real `oxvirt-qemud` on a private root directory and
//! drive it with Debian's `virsh` and `/usr/bin/python3` (python3-libvirt), or raw sockets.
//!
//! The tests need the packages `scripts/install-deps` installs; `scripts/test` runs them.

#![allow(clippy::expect_used, clippy::panic)] // a test harness fails loudly on purpose

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

/// The workspace's target directory (next to the test executable's `deps` directory).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/test-xxxx -> target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

static BUILD: Once = Once::new();

/// The path of a workspace binary, built first so a test never runs a stale one.
pub fn binary(name: &str) -> PathBuf {
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "oxvirt-qemud", "-p", "oxvirt-shim"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the daemons failed");
    });
    let p = target_dir().join(name);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

static GUEST: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// The test guest's kernel and initramfs, built by `scripts/build-guest` into `target/guest`
/// (once per test process; the script itself returns at once when nothing changed).
pub fn guest() -> (PathBuf, PathBuf) {
    GUEST
        .get_or_init(|| {
            let dir = target_dir()
                .parent()
                .expect("target dir has a parent")
                .join("guest");
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/build-guest");
            let status = Command::new(&script)
                .arg(&dir)
                .stdin(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
            assert!(status.success(), "{} failed: {status}", script.display());
            let kernel = dir.join("vmlinuz");
            let initrd = dir.join("initramfs.cpio.gz");
            assert!(
                kernel.exists() && initrd.exists(),
                "the guest build left no outputs"
            );
            (kernel, initrd)
        })
        .clone()
}

/// A private `oxvirt-qemud --root DIR`, stopped (SIGTERM) when dropped.
#[derive(Debug)]
pub struct Qemud {
    root: PathBuf,
    /// The temporary root, removed on drop (none when the caller gave the root).
    _tmp: Option<tempfile::TempDir>,
    child: Child,
}

impl Qemud {
    /// Start with default settings.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start with extra command-line arguments; waits until the socket accepts connections.
    pub fn start_with(extra: &[&str]) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("oxvirt-e2e-")
            .tempdir()
            .expect("tempdir");
        Self::spawn(tmp.path().to_path_buf(), Some(tmp), extra)
    }

    /// Start on a root directory the caller keeps (to restart a daemon on the same state).
    pub fn start_in(root: &Path) -> Self {
        Self::spawn(root.to_path_buf(), None, &[])
    }

    /// [`Qemud::start_in`] with extra command-line arguments.
    pub fn start_in_with(root: &Path, extra: &[&str]) -> Self {
        Self::spawn(root.to_path_buf(), None, extra)
    }

    fn spawn(root: PathBuf, tmp: Option<tempfile::TempDir>, extra: &[&str]) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("qemud.log"))
            .expect("log file");
        let child = Command::new(binary("oxvirt-qemud"))
            .arg("--root")
            .arg(&root)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn oxvirt-qemud");
        let d = Qemud {
            root,
            _tmp: tmp,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.socket()).is_err()
            || UnixStream::connect(d.socket_ro()).is_err()
        {
            assert!(
                Instant::now() < deadline,
                "oxvirt-qemud did not start:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// The daemon's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("run/qemud-sock")
    }

    pub fn socket_ro(&self) -> PathBuf {
        self.root.join("run/qemud-sock-ro")
    }

    pub fn socket_admin(&self) -> PathBuf {
        self.root.join("run/qemud-admin-sock")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The libvirt URI of the read-write socket.
    pub fn uri(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket().display())
    }

    /// The libvirt URI of the read-only socket.
    pub fn uri_ro(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket_ro().display())
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("qemud.log")).unwrap_or_default()
    }

    /// Whether the daemon process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Run `virsh -c URI ARGS...`.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri(), args)
    }
}

impl Drop for Qemud {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Self {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Assert success and return stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "command failed: {self:?}");
        &self.stdout
    }

    /// Assert failure and return stderr.
    pub fn err(&self) -> &str {
        assert_ne!(self.status, 0, "command should have failed: {self:?}");
        &self.stderr
    }
}

/// A command environment that doesn't touch the user's files or default URIs.
pub fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env_remove("LIBVIRT_DEFAULT_URI")
        .env("LIBVIRT_AUTOSTART", "0")
        .env("VIRSH_HISTSIZE", "0")
        .stdin(Stdio::null());
    c
}

/// Run Debian's virsh.
pub fn virsh(uri: &str, args: &[&str]) -> Run {
    let o = command("virsh")
        .arg("-q")
        .arg("-c")
        .arg(uri)
        .args(args)
        .output()
        .expect("run virsh (is libvirt-clients installed? run scripts/install-deps)");
    Run::from(o)
}

/// Run a script with Debian's python3 (which has the libvirt module).
pub fn python(script: &str, args: &[&str]) -> Run {
    let o = command("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run /usr/bin/python3 (is python3-libvirt installed?)");
    Run::from(o)
}

/// Read from a raw socket until EOF or `timeout`; returns the bytes and whether EOF came.
pub fn read_until_eof(s: &mut UnixStream, timeout: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (out, false);
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return (out, false)
            }
            Err(_) => return (out, true),
        }
    }
}
