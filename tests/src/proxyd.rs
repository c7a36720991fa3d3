//! `oxvirt-proxyd` on a private root, for the proxy tests: libvirt's legacy sockets
//! (`ROOT/run/libvirt-sock`, `-sock-ro`, `libvirt-admin-sock`) in front of the root's daemons.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{binary, virsh, Run};

/// A running `oxvirt-proxyd --root ROOT`; killed on drop (the root is the caller's).
#[derive(Debug)]
pub struct Proxyd {
    root: PathBuf,
    child: Child,
}

impl Proxyd {
    /// Start on `root` (whose daemons it forwards to); waits until its sockets answer.
    pub fn start_in(root: &Path) -> Self {
        Self::start_in_with(root, &[])
    }

    /// [`Proxyd::start_in`] with extra arguments (`--listen`).
    pub fn start_in_with(root: &Path, extra: &[&str]) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("proxyd.log"))
            .expect("log file");
        let child = Command::new(binary("oxvirt-proxyd"))
            .arg("--root")
            .arg(root)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn oxvirt-proxyd");
        let p = Proxyd {
            root: root.to_path_buf(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(p.socket()).is_err()
            || UnixStream::connect(p.socket_ro()).is_err()
        {
            assert!(
                Instant::now() < deadline,
                "oxvirt-proxyd did not start:\n{}",
                p.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        p
    }

    /// `ROOT/run/libvirt-sock`.
    pub fn socket(&self) -> PathBuf {
        self.root.join("run/libvirt-sock")
    }

    /// `ROOT/run/libvirt-sock-ro`.
    pub fn socket_ro(&self) -> PathBuf {
        self.root.join("run/libvirt-sock-ro")
    }

    /// The URI of `driver` (`qemu`, `storage`, …) through the read-write socket.
    pub fn uri(&self, driver: &str) -> String {
        format!("{driver}+unix:///system?socket={}", self.socket().display())
    }

    /// The URI of `driver` through the read-only socket.
    pub fn uri_ro(&self, driver: &str) -> String {
        format!(
            "{driver}+unix:///system?socket={}",
            self.socket_ro().display()
        )
    }

    /// `virsh -c qemu+unix:///system?socket=ROOT/run/libvirt-sock ARGS...`.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri("qemu"), args)
    }

    /// The proxy's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL it (and reap it).
    pub fn sigkill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("proxyd.log")).unwrap_or_default()
    }
}

/// A python3-libvirt script: registers lifecycle events on `argv[1]`, undefines the domain
/// `px1` and defines it again from the file `argv[2]` on that connection, and prints the
/// events it got ("event NAME TYPE").
pub const EVENTS_PY: &str = r#"
import sys, signal, threading, libvirt
signal.alarm(60)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
seen = []
def cb(conn, dom, event, detail, opaque):
    seen.append((dom.name(), event))
    print("event", dom.name(), event, flush=True)
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
c.lookupByName("px1").undefine()
c.defineXML(open(sys.argv[2]).read())
while len(seen) < 2:
    libvirt.virEventRunDefaultImpl()
c.close()
"#;

/// A directory pool `pp` (at `ROOT/pool`), defined, built and started through `uri`; its
/// directory.
pub fn dir_pool(uri: &str, root: &Path) -> PathBuf {
    let pool_dir = root.join("pool");
    virsh(
        uri,
        &[
            "pool-define-as",
            "pp",
            "dir",
            "--target",
            pool_dir.to_str().expect("a UTF-8 path"),
        ],
    )
    .ok();
    virsh(uri, &["pool-build", "pp"]).ok();
    virsh(uri, &["pool-start", "pp"]).ok();
    pool_dir
}

/// A volume `v1` of `mib` MiB in pool `pp` (see [`dir_pool`], at `pool_dir`) through `uri`:
/// created, a pattern uploaded (checked in the pool's file), downloaded (checked again).
pub fn volume_round_trip(uri: &str, root: &Path, pool_dir: &Path, mib: u32) {
    virsh(uri, &["vol-create-as", "pp", "v1", &format!("{mib}M")]).ok();
    let data: Vec<u8> = (0..mib * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let up = root.join("up.bin");
    std::fs::write(&up, &data).expect("write the upload");
    let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();
    virsh(uri, &["vol-upload", "v1", &path(&up), "--pool", "pp"]).ok();
    assert_eq!(
        std::fs::read(pool_dir.join("v1")).expect("the volume's file"),
        data
    );
    let down = root.join("down.bin");
    virsh(uri, &["vol-download", "v1", &path(&down), "--pool", "pp"]).ok();
    assert_eq!(std::fs::read(&down).expect("the download"), data);
}

impl Drop for Proxyd {
    fn drop(&mut self) {
        self.sigkill();
    }
}
