//! The files a running VM's QEMU was lent (its start and its hot-plugs), listed in the VM's run
//! directory (`lent`, one canonical path a line, written atomically), so that a disk unplugged
//! while no daemon listened — the shim's DEVICE_REMOVED reached nobody — is given back when a
//! daemon finds the VM again ([`crate::dac::Dac::reconcile`]). Read only by qemud, in a
//! directory only root can write; a line that is not an absolute path is ignored.

use std::path::{Path, PathBuf};

/// The list's path in the VM directory `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join("lent")
}

/// The paths listed (none if there is no list).
pub fn read(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(path(dir))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}

/// Replace the list with `paths`.
pub fn write(dir: &Path, paths: &[PathBuf]) -> std::io::Result<()> {
    let mut text = String::new();
    for p in paths {
        let s = p.to_string_lossy();
        if s.starts_with('/') && !s.contains('\n') {
            text.push_str(&s);
            text.push('\n');
        }
    }
    crate::fsutil::write_atomic(&path(dir), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_back() {
        let t = tempfile::tempdir().unwrap();
        assert!(read(t.path()).is_empty());
        let l = vec![PathBuf::from("/a b"), PathBuf::from("/c")];
        write(t.path(), &l).unwrap();
        assert_eq!(read(t.path()), l);
        std::fs::write(path(t.path()), "relative\n/x\n").unwrap();
        assert_eq!(read(t.path()), vec![PathBuf::from("/x")]);
    }
}
