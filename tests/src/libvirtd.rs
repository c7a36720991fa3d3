//! A private, throw-away libvirtd 9.0 to compare with.

use super::*;

/// A private, throw-away instance of Debian's real libvirtd 9.0 (with its virtlogd), for tests
/// that compare with libvirt itself: `scripts/private-libvirtd start` in a fresh temporary
/// directory (its own mount namespace, none of the host's configuration or state, auth none).
/// Dropping it runs `scripts/private-libvirtd stop`: its VMs are destroyed, its daemons and QEMUs
/// stopped, its directory removed. Needs root and `libvirt-daemon-system`
/// (`scripts/install-deps`).
#[derive(Debug)]
pub struct Libvirtd {
    dir: tempfile::TempDir,
    uri: String,
}

impl Libvirtd {
    /// Start an instance; returns once `virsh version` answers on its socket.
    pub fn start() -> Self {
        Self::start_netns(None)
    }

    /// [`Libvirtd::start`] inside network namespace `ns` (`ip netns exec`): its networks'
    /// bridges, TAP devices and firewall rules live there, never on the host.
    pub fn start_in_netns(ns: &str) -> Self {
        Self::start_netns(Some(ns))
    }

    fn start_netns(ns: Option<&str>) -> Self {
        assert!(
            rustix::process::geteuid().is_root(),
            "a private libvirtd needs root (scripts/private-libvirtd mounts in its own namespace)"
        );
        let dir = tempfile::Builder::new()
            .prefix("oxvirt-libvirtd-")
            .tempdir()
            .expect("tempdir");
        let o = private_libvirtd("start", dir.path(), ns);
        assert!(
            o.status == 0,
            "scripts/private-libvirtd start failed ({}):\n{}",
            o.status,
            o.stderr
        );
        let uri = o.stdout.trim().to_owned();
        assert!(
            uri.starts_with("qemu+unix:///system?socket="),
            "scripts/private-libvirtd start printed no URI: {o:?}"
        );
        Libvirtd { dir, uri }
    }

    /// The libvirt URI of its socket (`qemu+unix:///system?socket=DIR/sock/libvirt-sock`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The instance's directory (its logs, pid files, and its /var/lib/libvirt as `lib`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Run `virsh -c URI ARGS...`.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri, args)
    }

    /// libvirtd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir().join("libvirtd.log")).unwrap_or_default()
    }

    /// The processes of the instance by their pid files, as (file, pid): `libvirtd.pid`,
    /// `virtlogd.pid`, `reaper.pid` (the subreaper around the daemons) and one `run/qemu/NAME.pid`
    /// per running domain. Read them before the drop; a stopped instance has no files.
    pub fn pids(&self) -> Vec<(String, u32)> {
        let mut files: Vec<PathBuf> = ["libvirtd.pid", "virtlogd.pid", "reaper.pid"]
            .iter()
            .map(|f| self.dir().join(f))
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir().join("run/qemu")) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    // driver.pid is libvirtd's own lock file, not a process of its own
                    .filter(|p| {
                        p.extension().is_some_and(|e| e == "pid")
                            && p.file_name().is_some_and(|n| n != "driver.pid")
                    }),
            );
        }
        let mut out = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            if let Ok(pid) = text.trim().parse::<u32>() {
                let name = f
                    .strip_prefix(self.dir())
                    .unwrap_or(&f)
                    .display()
                    .to_string();
                out.push((name, pid));
            }
        }
        out
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let o = private_libvirtd("stop", self.dir.path(), None);
        if o.status != 0 {
            eprintln!(
                "scripts/private-libvirtd stop {} failed ({}): {}",
                self.dir.path().display(),
                o.status,
                o.stderr
            );
        }
    }
}

/// Run `scripts/private-libvirtd CMD DIR`, in network namespace `ns` if given.
pub(crate) fn private_libvirtd(cmd: &str, dir: &Path, ns: Option<&str>) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/private-libvirtd");
    let mut c = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(&script);
            c
        }
        None => Command::new(&script),
    };
    let o = c
        .arg(cmd)
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    Run::from(o)
}
