//! An embedded root for the `oxvirt` command.

use super::*;

/// An embedded root for the `oxvirt` command (`qemu:///embed?root=DIR` in a temporary
/// directory). Dropping it kills every process that still names the root (shims, QEMUs,
/// `oxvirt` programs), so a test never leaks a VM whatever happened.
#[derive(Debug)]
pub struct EmbedRoot {
    dir: tempfile::TempDir,
}

impl Default for EmbedRoot {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbedRoot {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("oxvirt-embed-")
            .tempdir()
            .expect("tempdir");
        EmbedRoot { dir }
    }

    /// The directory `XDG_DATA_HOME` points to for [`EmbedRoot::oxvirt`]: the command's
    /// default root is `DIR/oxvirt/embed` under it.
    pub fn data_home(&self) -> &Path {
        self.dir.path()
    }

    /// The state root the command uses by default.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("oxvirt/embed")
    }

    /// The `oxvirt` command, using this root by default (no `--connect`).
    pub fn oxvirt(&self) -> Command {
        let mut c = command(&binary("oxvirt").display().to_string());
        c.env_remove("OXVIRT_CONNECT")
            .env("XDG_DATA_HOME", self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Run `oxvirt ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        let o = self.oxvirt().args(args).output().expect("run oxvirt");
        Run::from(o)
    }

    /// The shims running for this root.
    pub fn shims(&self) -> Vec<Proc> {
        shims_under(self.dir.path())
    }

    /// The QEMU processes of this root's VMs (children of its shims).
    pub fn qemus(&self) -> Vec<Proc> {
        qemus_under(self.dir.path())
    }
}

impl Drop for EmbedRoot {
    fn drop(&mut self) {
        let leftovers = naming_and_below(None, self.dir.path());
        for pid in &leftovers {
            signal(*pid, rustix::process::Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && leftovers.iter().any(|p| process_alive(*p)) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
