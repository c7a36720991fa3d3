//! The original owner of a file QEMU was given, kept in extended attributes as libvirt's DAC
//! driver keeps it (`virSecuritySetRememberedLabel`/`virSecurityGetRememberedLabel`), so that
//! oxvirt and libvirt agree about files both use:
//!
//! - `trusted.libvirt.security.dac`: the original owner, `+UID:+GID`, set by the first user;
//! - `trusted.libvirt.security.ref_dac`: how many running VMs use the file (decimal);
//! - `trusted.libvirt.security.timestamp_dac`: the host's boot time when it was set; attributes
//!   from an earlier boot are stale (every VM that used the file is gone) and are dropped.
//!
//! The read-modify-write of the count is done under an exclusive `flock` on the file, so two
//! oxvirt daemons starting VMs on one image do not lose a count.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::Path;

use rustix::fs::{fgetxattr, fremovexattr, fsetxattr, XattrFlags};
use rustix::io::Errno;

const LABEL: &str = "trusted.libvirt.security.dac";
const REF: &str = "trusted.libvirt.security.ref_dac";
const TIMESTAMP: &str = "trusted.libvirt.security.timestamp_dac";

fn get(f: &impl AsFd, name: &str) -> Result<Option<String>, Errno> {
    let mut buf = vec![0u8; 256];
    match fgetxattr(f, name, &mut buf) {
        Ok(n) => {
            buf.truncate(n);
            Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
        }
        Err(Errno::NODATA) => Ok(None),
        Err(e) => Err(e),
    }
}

fn set(f: &impl AsFd, name: &str, v: &str) -> Result<(), Errno> {
    fsetxattr(f, name, v.as_bytes(), XattrFlags::empty())
}

fn remove(f: &impl AsFd, name: &str) {
    let _ = fremovexattr(f, name);
}

/// The host's boot time in seconds since the epoch (`btime` of `/proc/stat`).
fn boot_time() -> String {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime ").map(|v| v.trim().to_owned()))
        })
        .unwrap_or_default()
}

/// Drop attributes left by an earlier boot.
fn drop_stale(f: &File) -> Result<(), Errno> {
    if let Some(ts) = get(f, TIMESTAMP)? {
        if ts != boot_time() {
            remove(f, REF);
            remove(f, LABEL);
            remove(f, TIMESTAMP);
        }
    }
    Ok(())
}

fn locked(path: &Path) -> std::io::Result<File> {
    let f = File::open(path)?;
    rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive)?;
    Ok(f)
}

/// What [`remember`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Remembered {
    /// The first user: `owner` recorded, the file may be given to QEMU.
    First,
    /// Already in use by `n - 1` other VMs (the count is now `n`).
    Shared(u32),
    /// The file system keeps no extended attributes: nothing remembered.
    Unsupported,
}

/// Count one more user of `path`, recording `owner` (`+UID:+GID`) if it is the first; then run
/// `then` (the chown) under the same lock.
pub fn remember(
    path: &Path,
    owner: &str,
    then: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<Remembered> {
    let f = locked(path)?;
    let r = match drop_stale(&f).and_then(|()| get(&f, REF)) {
        Err(Errno::NOTSUP) | Err(Errno::NOSYS) => Remembered::Unsupported,
        Err(e) => return Err(e.into()),
        Ok(count) => {
            let n = count
                .and_then(|c| c.trim().parse::<u32>().ok())
                .unwrap_or(0)
                + 1;
            if n == 1 {
                set(&f, LABEL, owner)?;
                set(&f, TIMESTAMP, &boot_time())?;
            }
            set(&f, REF, &n.to_string())?;
            if n == 1 {
                Remembered::First
            } else {
                Remembered::Shared(n)
            }
        }
    };
    then()?;
    Ok(r)
}

/// Count one user of `path` less; the original owner once none is left (`None` while others
/// still use it, or if nothing was remembered).
pub fn recall(path: &Path) -> std::io::Result<Option<(u32, u32)>> {
    let f = locked(path)?;
    let count = match drop_stale(&f).and_then(|()| get(&f, REF)) {
        Err(Errno::NOTSUP) | Err(Errno::NOSYS) | Ok(None) => return Ok(None),
        Err(e) => return Err(e.into()),
        Ok(Some(c)) => c.trim().parse::<u32>().unwrap_or(1),
    };
    if count > 1 {
        set(&f, REF, &(count - 1).to_string())?;
        return Ok(None);
    }
    let label = get(&f, LABEL)?;
    remove(&f, REF);
    remove(&f, LABEL);
    remove(&f, TIMESTAMP);
    Ok(label.as_deref().and_then(parse_label))
}

/// `+UID:+GID` (libvirt's DAC label).
pub fn parse_label(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    let n = |v: &str| v.strip_prefix('+').unwrap_or(v).parse().ok();
    Some((n(u)?, n(g)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse() {
        assert_eq!(parse_label("+64055:+106"), Some((64055, 106)));
        assert_eq!(parse_label("0:0"), Some((0, 0)));
        assert_eq!(parse_label("x"), None);
    }

    #[test]
    fn counted_and_recalled_by_the_last_user() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("img");
        std::fs::write(&p, b"x").unwrap();
        match remember(&p, "+12:+34", || Ok(())).unwrap() {
            Remembered::Unsupported => {
                eprintln!(
                    "skipped: no trusted xattrs here (needs root and a file system with them)"
                );
                return;
            }
            r => assert_eq!(r, Remembered::First),
        }
        assert_eq!(
            remember(&p, "+99:+99", || Ok(())).unwrap(),
            Remembered::Shared(2)
        );
        assert_eq!(recall(&p).unwrap(), None, "one user is left");
        assert_eq!(recall(&p).unwrap(), Some((12, 34)));
        assert_eq!(recall(&p).unwrap(), None, "nothing left to recall");
        // an attribute from another boot is stale
        let f = File::open(&p).unwrap();
        set(&f, REF, "3").unwrap();
        set(&f, LABEL, "+1:+1").unwrap();
        set(&f, TIMESTAMP, "1").unwrap();
        assert_eq!(remember(&p, "+5:+6", || Ok(())).unwrap(), Remembered::First);
        assert_eq!(recall(&p).unwrap(), Some((5, 6)));
    }
}
