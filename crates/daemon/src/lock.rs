//! One process at a time owns a state root.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::DaemonError;

/// Exclusive ownership of a daemon's state on a root, held as an `flock` on its lock file
/// (`run/qemud.lock`; released by the kernel when the owner exits, even by SIGKILL). The file
/// holds the owner's pid, so a refused process can say who holds it.
#[derive(Debug)]
pub struct RootLock {
    _file: File,
}

impl RootLock {
    /// Take the lock at `path`, or fail at once with [`DaemonError::RootInUse`] naming the
    /// holder; `root` is what the error calls the root.
    pub fn acquire(path: &Path, root: &Path) -> Result<RootLock, DaemonError> {
        let io = |what: &str| DaemonError::io(format!("cannot {what} {}", path.display()));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io("open"))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut s = String::new();
                let _ = file.read_to_string(&mut s);
                return Err(DaemonError::RootInUse {
                    root: root.to_owned(),
                    pid: s.trim().parse().ok(),
                });
            }
            Err(e) => return Err(io("lock")(e.into())),
        }
        // ours now: record who holds it (informational; the lock itself is the flock)
        file.set_len(0).map_err(io("write"))?;
        file.rewind().map_err(io("write"))?;
        writeln!(file, "{}", std::process::id()).map_err(io("write"))?;
        Ok(RootLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qemud.lock");
        let first = RootLock::acquire(&path, dir.path()).unwrap();
        match RootLock::acquire(&path, dir.path()).unwrap_err() {
            DaemonError::RootInUse { root, pid } => {
                assert_eq!(root, dir.path());
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("unexpected {other}"),
        }
        drop(first);
        // released: the next one gets it
        RootLock::acquire(&path, dir.path()).unwrap();
    }
}
