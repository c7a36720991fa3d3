//! Where a daemon keeps its files, and where its sockets are.

use std::path::{Path, PathBuf};

/// A daemon's file layout. System mode uses the standard prefixes; a root directory
/// (`--root DIR`, embedded mode) puts everything under DIR: `DIR/etc`, `DIR/run`, `DIR/lib`,
/// `DIR/log`, `DIR/cache`. Every daemon of one root shares it; each keeps its files in its own
/// subdirectory (`etc/qemu`, `run/qemu`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Configuration (persistent definitions).
    pub etc: PathBuf,
    /// Sockets and live state.
    pub run: PathBuf,
    /// Long-lived data (images, saved state).
    pub lib: PathBuf,
    /// Logs.
    pub log: PathBuf,
    /// Caches (probed capabilities).
    pub cache: PathBuf,
}

impl Paths {
    /// The system-mode layout.
    pub fn system() -> Self {
        Paths {
            etc: "/etc/oxvirt".into(),
            run: "/run/oxvirt".into(),
            lib: "/var/lib/oxvirt".into(),
            log: "/var/log/oxvirt".into(),
            cache: "/var/cache/oxvirt".into(),
        }
    }

    /// Everything under one directory.
    pub fn under(root: &Path) -> Self {
        Paths {
            etc: root.join("etc"),
            run: root.join("run"),
            lib: root.join("lib"),
            log: root.join("log"),
            cache: root.join("cache"),
        }
    }

    /// Create every directory.
    pub fn create_all(&self) -> std::io::Result<()> {
        for d in [&self.etc, &self.run, &self.lib, &self.log, &self.cache] {
            std::fs::create_dir_all(d)?;
        }
        Ok(())
    }

    /// The sockets of daemon `short` (`qemud`): `run/qemud-sock`, `-sock-ro`, `-admin-sock`.
    pub fn sockets(&self, short: &str) -> Sockets {
        Sockets::in_dir(&self.run, short)
    }

    /// The lock file of daemon `short` on this root (`run/qemud.lock`).
    pub fn lock_file(&self, short: &str) -> PathBuf {
        self.run.join(format!("{short}.lock"))
    }
}

/// A daemon's three sockets: read-write (0600), read-only (0666) and admin (0600).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sockets {
    /// The read-write socket.
    pub rw: PathBuf,
    /// The read-only socket.
    pub ro: PathBuf,
    /// The admin socket.
    pub admin: PathBuf,
}

impl Sockets {
    /// `DIR/NAME-sock`, `DIR/NAME-sock-ro`, `DIR/NAME-admin-sock`: the naming of oxvirt's and
    /// of libvirt's daemons alike.
    pub fn in_dir(dir: &Path, name: &str) -> Sockets {
        Sockets {
            rw: dir.join(format!("{name}-sock")),
            ro: dir.join(format!("{name}-sock-ro")),
            admin: dir.join(format!("{name}-admin-sock")),
        }
    }

    /// libvirt's paths for its modular daemon `name` (`virtqemud`): `/run/libvirt/NAME-sock`
    /// and so on when privileged, `$XDG_RUNTIME_DIR/libvirt/NAME-sock` otherwise (libvirt's
    /// session daemons have no read-only socket, but serving one there does no harm).
    pub fn libvirt(name: &str, privileged: bool) -> Sockets {
        let dir = if privileged {
            PathBuf::from("/run/libvirt")
        } else {
            let runtime = std::env::var_os("XDG_RUNTIME_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(format!("/run/user/{}", rustix::process::geteuid().as_raw()))
                });
            runtime.join("libvirt")
        };
        Sockets::in_dir(&dir, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_layout() {
        let p = Paths::under(Path::new("/tmp/x"));
        assert_eq!(p.sockets("qemud").rw, Path::new("/tmp/x/run/qemud-sock"));
        assert_eq!(p.lock_file("qemud"), Path::new("/tmp/x/run/qemud.lock"));
        assert_eq!(p.etc, Path::new("/tmp/x/etc"));
        assert_eq!(
            Paths::system().sockets("qemud").ro,
            Path::new("/run/oxvirt/qemud-sock-ro")
        );
        assert_eq!(
            Paths::system().sockets("networkd").admin,
            Path::new("/run/oxvirt/networkd-admin-sock")
        );
    }

    #[test]
    fn libvirt_paths() {
        let s = Sockets::libvirt("virtqemud", true);
        assert_eq!(s.rw, Path::new("/run/libvirt/virtqemud-sock"));
        assert_eq!(s.ro, Path::new("/run/libvirt/virtqemud-sock-ro"));
        assert_eq!(s.admin, Path::new("/run/libvirt/virtqemud-admin-sock"));
    }
}
