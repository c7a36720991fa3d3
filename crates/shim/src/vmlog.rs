//! A domain's log file (`log/qemu/NAME.log`): QEMU's output and its shim's messages.
//!
//! Everything about the file is here: it is created mode 0600 (it holds QEMU's whole command
//! line; a file left 0644 by an older version is tightened when opened), rotated by size as
//! libvirt's virtlogd does (`max_size` 2 MiB and `max_backups` 3 by default: `NAME.log.1` is
//! the newest backup, `NAME.log.3` the oldest), and removed with its backups when the domain
//! goes (undefined, or a transient domain stopped).
//!
//! QEMU and the shim write through descriptors opened with `O_APPEND` that outlive any one
//! writer (a new shim takes over a running QEMU), so rotation copies the file to `NAME.log.1`
//! and truncates it in place: every writer's next line lands at the start of the fresh file.
//! Lines written between the copy and the truncation are lost, as with logrotate's
//! `copytruncate`. The shim checks the size after each of its own lines and every few
//! seconds; the driver before it starts a shim.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// virtlogd's `max_size`: 2 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 2 * 1024 * 1024;
/// virtlogd's `max_backups`.
pub const DEFAULT_MAX_BACKUPS: u32 = 3;

/// When a log is rotated and how many old copies are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Rotate once the file has reached this size (bytes).
    pub max_size: u64,
    /// Backups kept (`NAME.log.1` ... `NAME.log.N`); 0 truncates without a copy.
    pub max_backups: u32,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            max_size: DEFAULT_MAX_SIZE,
            max_backups: DEFAULT_MAX_BACKUPS,
        }
    }
}

fn backup(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// Open `path` for appending, creating it (and its directory) mode 0600.
pub fn open(path: &Path) -> std::io::Result<File> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    // a file created by an older version (or under another umask) is tightened
    let perm = f.metadata()?.permissions();
    if perm.mode() & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(perm.mode() & 0o700))?;
    }
    Ok(f)
}

/// Rotate `path` if it has reached `limits.max_size`. Returns whether it did.
pub fn rotate_if_needed(path: &Path, limits: LogLimits) -> std::io::Result<bool> {
    let size = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => m.len(),
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if size < limits.max_size.max(1) {
        return Ok(false);
    }
    if limits.max_backups > 0 {
        for n in (1..limits.max_backups).rev() {
            let from = backup(path, n);
            if from.exists() {
                std::fs::rename(&from, backup(path, n + 1))?;
            }
        }
        let tmp = backup(path, 0);
        {
            let mut src = File::open(path)?;
            let mut dst = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            std::io::copy(&mut src, &mut dst)?;
            dst.sync_all()?;
        }
        std::fs::rename(&tmp, backup(path, 1))?;
    }
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(0)?;
    Ok(true)
}

/// Append `data` to the log, rotating it first if it is full.
pub fn append(path: &Path, limits: LogLimits, data: &[u8]) -> std::io::Result<()> {
    let _ = rotate_if_needed(path, limits);
    let mut f = open(path)?;
    f.seek(SeekFrom::End(0))?;
    f.write_all(data)
}

/// Remove the log and its backups (any number of them: the limits may have changed).
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(backup(path, 0));
    for n in 1.. {
        match std::fs::remove_file(backup(path, n)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_0600_and_tightened() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log/qemu/a.log");
        append(&p, LogLimits::default(), b"x\n").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        open(&p).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn rotates_by_size_keeping_max_backups() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.log");
        let limits = LogLimits {
            max_size: 100,
            max_backups: 3,
        };
        // a writer holding the file open across rotations, as QEMU does
        let mut held = open(&p).unwrap();
        for i in 0..10u8 {
            held.write_all(&[b'0' + i; 100]).unwrap();
            assert!(rotate_if_needed(&p, limits).unwrap());
        }
        held.write_all(b"last").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"last");
        assert_eq!(std::fs::read(backup(&p, 1)).unwrap(), [b'9'; 100]);
        assert_eq!(std::fs::read(backup(&p, 3)).unwrap(), [b'7'; 100]);
        assert!(!backup(&p, 4).exists() && !backup(&p, 0).exists());
        let mode = std::fs::metadata(backup(&p, 1))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!rotate_if_needed(&p, limits).unwrap());
        remove(&p);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn append_rotates_first() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.log");
        let limits = LogLimits {
            max_size: 10,
            max_backups: 0,
        };
        append(&p, limits, b"0123456789").unwrap();
        append(&p, limits, b"ab").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"ab");
        assert!(!backup(&p, 1).exists());
    }
}
