//! A private `oxvirt-qemud` on a temporary root.

use super::*;

/// A private `oxvirt-qemud --root DIR`, stopped (SIGTERM) when dropped.
#[derive(Debug)]
pub struct Qemud {
    root: PathBuf,
    /// The temporary root, removed on drop (none when the caller gave the root).
    _tmp: Option<tempfile::TempDir>,
    child: Child,
    /// Leave the VMs running on drop (after [`Qemud::sigkill`]).
    keep_vms: bool,
}

impl Qemud {
    /// SIGKILL the daemon alone, as a crash would: its shims and VMs run on (for a restart
    /// on the same root to find them).
    pub fn sigkill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.keep_vms = true;
    }

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

    /// [`Qemud::start_via`] on a root directory the caller keeps.
    pub fn start_in_via(root: &Path, wrapper: &[&str], extra: &[&str]) -> Self {
        Self::spawn_via(root.to_path_buf(), None, wrapper, extra)
    }

    fn spawn(root: PathBuf, tmp: Option<tempfile::TempDir>, extra: &[&str]) -> Self {
        Self::spawn_via(root, tmp, &[], extra)
    }

    /// Start the daemon through a wrapper command (`wrapper` then the daemon's path and
    /// arguments), e.g. `nsenter --mount=...` to run it in another mount namespace.
    pub fn start_via(wrapper: &[&str], extra: &[&str]) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("oxvirt-e2e-")
            .tempdir()
            .expect("tempdir");
        Self::spawn_via(tmp.path().to_path_buf(), Some(tmp), wrapper, extra)
    }

    fn spawn_via(
        root: PathBuf,
        tmp: Option<tempfile::TempDir>,
        wrapper: &[&str],
        extra: &[&str],
    ) -> Self {
        // QEMU runs as the qemu.conf user when the daemon is root: as under libvirt (whose
        // directories are 0755/0751), it must be able to reach the root's files
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("qemud.log"))
            .expect("log file");
        let daemon = binary("oxvirt-qemud");
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(&daemon);
                c
            }
            None => Command::new(&daemon),
        };
        let child = cmd
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
            keep_vms: false,
        };
        // a fresh root probes QEMU first (two emulators): on a loaded machine that can take a
        // while
        let deadline = Instant::now() + Duration::from_secs(120);
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

    /// Run a python3-libvirt script with the read-write URI as `sys.argv[1]` (then `args`).
    pub fn python(&self, script: &str, args: &[&str]) -> Run {
        let uri = self.uri();
        let mut all = vec![uri.as_str()];
        all.extend_from_slice(args);
        python(script, &all)
    }

    /// `virsh domstate --reason NAME`, trimmed.
    pub fn domstate(&self, name: &str) -> String {
        self.virsh(&["domstate", "--reason", name])
            .ok()
            .trim()
            .to_owned()
    }

    /// Wait until `virsh domstate --reason NAME` says `want`; panics with the daemon log if it
    /// does not within `GUARD`.
    pub fn wait_state(&self, name: &str, want: &str) {
        let deadline = Instant::now() + GUARD;
        loop {
            let r = self.virsh(&["domstate", "--reason", name]);
            if r.status == 0 && r.stdout.trim() == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "domain {name} did not become {want:?} within {GUARD:?}; last: {r:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The shim processes of this daemon (their command lines name the root directory).
    pub fn shims(&self) -> Vec<Proc> {
        shims_under(&self.root)
    }

    /// The QEMU processes of this daemon (children of its shims).
    pub fn qemus(&self) -> Vec<Proc> {
        qemus_under(&self.root)
    }

    /// The shim and QEMU log of domain `name`.
    pub fn vm_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join("log/qemu").join(format!("{name}.log")))
            .unwrap_or_default()
    }
}

impl Drop for Qemud {
    /// Stop the daemon and every process it left: the shims (whose command lines name the root
    /// directory) and their QEMUs, so a test never leaks a VM whatever happened.
    fn drop(&mut self) {
        if self.keep_vms {
            return;
        }
        let leftovers = descendants_or_naming(self.child.id(), &self.root);
        if let Ok(pid) = i32::try_from(self.child.id()) {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        for pid in &leftovers {
            signal(*pid, rustix::process::Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // the shims and QEMUs were not our children: wait until they are gone (or zombies of
        // someone else) so the temporary root can be removed
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && leftovers.iter().any(|p| process_alive(*p)) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Send `sig` to process `pid` (a test killing a daemon, a shim or a QEMU).
pub fn signal(pid: u32, sig: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, sig);
    }
}
