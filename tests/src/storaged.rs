//! `oxvirt-storaged` on a private root, for the storage tests.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, virsh, Run};

/// A running `oxvirt-storaged` on its own root; killed (and the root removed) on drop.
#[derive(Debug)]
pub struct Storaged {
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    child: Child,
}

impl Storaged {
    /// Start on a new temporary root.
    pub fn start() -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("oxvirt-storaged-")
            .tempdir()
            .expect("tempdir");
        Self::spawn(tmp.path().to_path_buf(), Some(tmp))
    }

    /// Start on a root the caller keeps (to restart on the same state).
    pub fn start_in(root: &Path) -> Self {
        Self::spawn(root.to_path_buf(), None)
    }

    /// Start on `root` as on a root whose first start is past: without the `default` pool a
    /// first start makes (its pool configuration directory exists, empty).
    pub fn start_in_without_default(root: &Path) -> Self {
        std::fs::create_dir_all(root.join("etc/storage")).expect("etc/storage");
        Self::spawn(root.to_path_buf(), None)
    }

    fn spawn(root: PathBuf, tmp: Option<tempfile::TempDir>) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("storaged.log"))
            .expect("log file");
        let child = Command::new(binary("oxvirt-storaged"))
            .arg("--root")
            .arg(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn oxvirt-storaged");
        let d = Storaged {
            root,
            _tmp: tmp,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(d.root.join("run/storaged-sock")).is_err() {
            assert!(
                Instant::now() < deadline,
                "oxvirt-storaged did not start:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `storage+unix:///system?socket=ROOT/run/storaged-sock`
    pub fn uri(&self) -> String {
        format!(
            "storage+unix:///system?socket={}",
            self.root.join("run/storaged-sock").display()
        )
    }

    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri(), args)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("storaged.log")).unwrap_or_default()
    }

    /// Check that the root's first start made the `default` pool (running, autostart, on
    /// `ROOT/lib/images`), then destroy and undefine it, so that a session compared with a
    /// libvirtd that has no pools starts from the same nothing.
    pub fn drop_default_pool(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let l = self.virsh(&["pool-list", "--all"]);
            if l.stdout
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["default", "active", "yes"])
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no running default pool: {l:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let path = self.virsh(&["pool-dumpxml", "default"]).ok().to_owned();
        let want = format!("<path>{}</path>", self.root.join("lib/images").display());
        assert!(path.contains(&want), "{path}");
        self.virsh(&["pool-destroy", "default"]).ok();
        self.virsh(&["pool-undefine", "default"]).ok();
    }

    /// SIGKILL the daemon, as a crash would.
    pub fn sigkill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Storaged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
