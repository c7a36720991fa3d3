//! Crash-safe files: every write goes to a temporary file in the same directory, is synced,
//! renamed over the target, and the directory is synced, so a reader (or a restart after
//! SIGKILL at any moment) sees either the old or the new content, never a mix.

use std::path::Path;

pub use oxvirt_host::atomic::write_atomic;

/// Remove the directory `parent/name`, an object's own directory, only if it is one: `name` is
/// a valid object name (one ordinary path component, never `.` or `..`) and the entry is a
/// real directory directly under `parent`, not a symlink. Anything else is left alone and
/// reported. A missing directory is no error.
pub fn remove_own_dir(parent: &Path, name: &str) -> std::io::Result<()> {
    if !oxvirt_conf::name::is_valid_name(name) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to remove {:?} under {}", name, parent.display()),
        ));
    }
    let dir = parent.join(name);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.file_type().is_dir() => std::fs::remove_dir_all(&dir),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("refusing to remove {}: not a directory", dir.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temporary_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.xml");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.xml")]);
    }

    #[test]
    fn missing_directory_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        assert!(write_atomic(&d.path().join("no/such/a.xml"), b"x").is_err());
    }

    #[test]
    fn long_names_get_short_temporary_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(format!("{}.xml", "n".repeat(240)));
        write_atomic(&p, b"x").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
    }

    #[test]
    fn only_an_own_directory_is_removed() {
        let d = tempfile::tempdir().unwrap();
        let parent = d.path().join("qemu");
        std::fs::create_dir_all(parent.join("vm/sub")).unwrap();
        std::fs::write(parent.join("keep"), b"x").unwrap();
        std::fs::write(parent.join("file"), b"x").unwrap();
        std::os::unix::fs::symlink(d.path(), parent.join("link")).unwrap();
        for bad in [".", "..", "", "a/b", "../qemu", "file", "link"] {
            assert!(remove_own_dir(&parent, bad).is_err(), "{bad:?}");
        }
        assert!(parent.join("keep").exists() && parent.join("file").exists());
        assert!(parent.join("link").exists() && parent.exists());
        remove_own_dir(&parent, "vm").unwrap();
        assert!(!parent.join("vm").exists());
        remove_own_dir(&parent, "vm").unwrap();
    }
}
