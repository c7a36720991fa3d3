//! Where the QEMU driver keeps its files. System mode uses the standard prefixes; a root
//! directory (`oxvirt-qemud --root DIR`, and later `qemu:///embed?root=DIR`) puts everything
//! under DIR with one layout: `DIR/etc`, `DIR/run`, `DIR/lib`, `DIR/log`, `DIR/cache`.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Configuration (persistent domain XML under `qemu/`).
    pub etc: PathBuf,
    /// Sockets and live state.
    pub run: PathBuf,
    /// Long-lived data (images, saved state).
    pub lib: PathBuf,
    /// Logs.
    pub log: PathBuf,
    /// Caches (probed QEMU capabilities).
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

    pub fn qemud_socket(&self) -> PathBuf {
        self.run.join("qemud-sock")
    }

    pub fn qemud_socket_ro(&self) -> PathBuf {
        self.run.join("qemud-sock-ro")
    }

    pub fn qemud_admin_socket(&self) -> PathBuf {
        self.run.join("qemud-admin-sock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_layout() {
        let p = Paths::under(Path::new("/tmp/x"));
        assert_eq!(p.qemud_socket(), Path::new("/tmp/x/run/qemud-sock"));
        assert_eq!(p.etc, Path::new("/tmp/x/etc"));
        assert_eq!(
            Paths::system().qemud_socket_ro(),
            Path::new("/run/oxvirt/qemud-sock-ro")
        );
    }
}
