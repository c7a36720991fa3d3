//! The `fs` and `netfs` backends (libvirt's `storage_backend_fs.c`): a pool whose directory is
//! a file system mounted on its target. `fs` mounts a block device (`<source><device path>`),
//! `netfs` an NFS, CIFS or GlusterFS export (`<source><host name><dir path>`). Build makes the
//! target directory and, when asked (`--overwrite`, or `--no-overwrite` on a device with no
//! file system), the file system with `mkfs`; start mounts, destroy unmounts, delete removes
//! the target directory. Volumes are files, as in the `dir` backend. The work is the real
//! tools' (`mount`, `umount`, `mkfs`, `blkid`).

use std::path::Path;
use std::process::Command;

use oxvirt_conf::storage::{Pool, PoolType};

use crate::error::{Result, StorageError};

/// `VIR_STORAGE_POOL_BUILD_NO_OVERWRITE`, `VIR_STORAGE_POOL_BUILD_OVERWRITE`
const NO_OVERWRITE: u32 = 4;
const OVERWRITE: u32 = 8;

// the paths libvirt 9.0 of Debian 12 runs (its build found them there)
const MOUNT: &str = "/bin/mount";
const UMOUNT: &str = "/bin/umount";
const MKFS: &str = "/sbin/mkfs";
const BLKID: &str = "/usr/sbin/blkid";

/// Whether a pool type is mounted by this backend.
pub fn is_mounted_type(t: PoolType) -> bool {
    matches!(t, PoolType::Fs | PoolType::Netfs)
}

/// Run a tool; a failure is libvirt's "Child process (CMD) unexpected exit status N: STDERR".
fn run(prog: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(prog)
        .args(args)
        .output()
        .map_err(|e| StorageError::system(format!("cannot execute '{prog}'"), e))?;
    if out.status.success() {
        return Ok(());
    }
    // libvirt keeps the tool's stderr as it is, its last newline too
    let err = String::from_utf8_lossy(&out.stderr);
    Err(StorageError::Internal(format!(
        "Child process ({prog} {}) unexpected exit status {}: {err}",
        args.join(" "),
        out.status.code().unwrap_or(-1)
    )))
}

/// The pool's format, `auto` when it names none.
fn format(def: &Pool) -> &'static str {
    def.source.format.unwrap_or("auto")
}

/// What is mounted: the block device of an `fs` pool, `HOST:DIR` (NFS, GlusterFS) or
/// `//HOST/DIR` (CIFS) of a `netfs` pool (`virStorageBackendFileSystemGetPoolSource`).
fn source(def: &Pool) -> Result<String> {
    if def.pool_type == PoolType::Netfs {
        let host = def
            .source
            .hosts
            .first()
            .ok_or_else(|| StorageError::Internal("missing source host".into()))?;
        let dir = def
            .source
            .dir
            .as_deref()
            .ok_or_else(|| StorageError::Internal("missing source path".into()))?;
        return Ok(match format(def) {
            "cifs" => format!("//{}/{}", host.name, dir.trim_start_matches('/')),
            _ => format!("{}:{dir}", host.name),
        });
    }
    match def.source.devices.as_slice() {
        [] => Err(StorageError::Internal("missing source device".into())),
        [d] => Ok(d.path.clone()),
        _ => Err(StorageError::Internal(
            "expected exactly 1 device for the storage pool".into(),
        )),
    }
}

/// Whether `target` is a mount point now (`/proc/mounts`, as libvirt reads `/etc/mtab`).
pub fn is_mounted(target: &Path) -> Result<bool> {
    let mounts = std::fs::read_to_string("/proc/mounts")
        .map_err(|e| StorageError::system("cannot read /proc/mounts", e))?;
    let want = target.to_string_lossy();
    Ok(mounts.lines().any(|l| {
        l.split_whitespace()
            .nth(1)
            .is_some_and(|m| unescape_mount(m) == want)
    }))
}

/// `/proc/mounts` writes space, tab, newline and backslash as octal escapes.
fn unescape_mount(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(char::from(v));
            i += 4;
        } else {
            out.push(char::from(b[i]));
            i += 1;
        }
    }
    out
}

/// The file system `blkid` finds on a device, if any.
fn probe_fs(device: &str) -> Result<Option<String>> {
    let out = Command::new(BLKID)
        .args(["-p", "-o", "value", "-s", "TYPE", device])
        .output()
        .map_err(|e| StorageError::system(format!("cannot execute '{BLKID}'"), e))?;
    let t = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // blkid exits 2 when it finds nothing
    Ok((out.status.success() && !t.is_empty()).then_some(t))
}

/// Build: the target directory (with the pool's permissions) and, when the flags ask, the
/// file system (`virStorageBackendFileSystemBuild`).
pub fn build(def: &Pool, target: &Path, flags: u32) -> Result<()> {
    if flags & OVERWRITE != 0 && flags & NO_OVERWRITE != 0 {
        // libvirt's VIR_EXCLUSIVE_FLAGS_RET: the text alone, no "invalid argument: "
        return Err(StorageError::Vir(oxvirt_proto::VirError::plain(
            oxvirt_proto::errors::ErrorCode::InvalidArg as i32,
            oxvirt_proto::errors::ErrorDomain::Storage as i32,
            "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive",
        )));
    }
    crate::dir::build(target, &def.target_perms)?;
    if flags == 0 || def.pool_type != PoolType::Fs {
        return Ok(());
    }
    let device = source(def)?;
    if !Path::new(&device).exists() {
        return Err(StorageError::OperationInvalid(format!(
            "Source device does not exist when formatting pool '{}'",
            def.name
        )));
    }
    let fmt = format(def);
    if flags & NO_OVERWRITE != 0 {
        if let Some(found) = probe_fs(&device)? {
            return Err(StorageError::Built(if found == fmt {
                format!("Device '{device}' already formatted using '{found}'")
            } else {
                format!(
                    "Format of device '{device}' does not match the expected format '{fmt}', forced overwrite is necessary"
                )
            }));
        }
    }
    // the force each mkfs needs to write over an existing file system
    let mut args = vec!["-t", fmt];
    match fmt {
        "xfs" => args.push("-f"),
        "ext2" | "ext3" | "ext4" => args.push("-F"),
        "vfat" => args.push("-I"),
        _ => {}
    }
    args.push(&device);
    run(MKFS, &args).map_err(|e| match e {
        StorageError::Internal(m) => StorageError::Internal(format!(
            "Failed to make filesystem of type '{fmt}' on device '{device}': {m}"
        )),
        e => e,
    })
}

/// Start: mount the source on the target unless it is mounted there already.
pub fn start(def: &Pool, target: &Path) -> Result<()> {
    let src = source(def)?;
    crate::dir::check(target)?;
    if is_mounted(target)? {
        return Ok(());
    }
    let t = target.to_string_lossy();
    let fmt = format(def);
    // libvirt's order: the default options, the type, source and target, then a type's own
    let mut args: Vec<&str> = Vec::new();
    if fmt != "glusterfs" {
        args.extend(["-o", "nodev,nosuid,noexec"]);
    }
    args.extend(["-t", fmt, src.as_str(), &t]);
    match (def.pool_type, fmt) {
        (PoolType::Netfs, "glusterfs") => args.extend(["-o", "direct-io-mode=1"]),
        (PoolType::Netfs, "cifs") => args.extend(["-o", "guest"]),
        _ => {}
    }
    run(MOUNT, &args)
}

/// Stop: unmount the target when it is mounted.
pub fn stop(target: &Path) -> Result<()> {
    if !is_mounted(target)? {
        return Ok(());
    }
    run(UMOUNT, &[&target.to_string_lossy()])
}

/// Whether an active pool still stands (its file system mounted), at the daemon's restart.
pub fn still_active(def: &Pool, target: &Path) -> bool {
    !is_mounted_type(def.pool_type) || is_mounted(target).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(xml: &str) -> Pool {
        oxvirt_conf::storage::parse_pool(xml).unwrap()
    }

    #[test]
    fn sources_as_libvirt_mounts_them() {
        let p = pool("<pool type='fs'><name>f</name><source><device path='/dev/loop9'/><format type='ext4'/></source><target><path>/mnt/f</path></target></pool>");
        assert_eq!(source(&p).unwrap(), "/dev/loop9");
        assert_eq!(format(&p), "ext4");
        let n = pool("<pool type='netfs'><name>n</name><source><host name='nas'/><dir path='/export'/><format type='nfs'/></source><target><path>/mnt/n</path></target></pool>");
        assert_eq!(source(&n).unwrap(), "nas:/export");
        let c = pool("<pool type='netfs'><name>c</name><source><host name='nas'/><dir path='/share'/><format type='cifs'/></source><target><path>/mnt/c</path></target></pool>");
        assert_eq!(source(&c).unwrap(), "//nas/share");
    }

    #[test]
    fn mount_points_are_unescaped() {
        assert_eq!(unescape_mount("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_mount("/mnt/plain"), "/mnt/plain");
        assert!(is_mounted(Path::new("/proc")).unwrap());
        assert!(!is_mounted(Path::new("/no/such/mount/point")).unwrap());
    }
}
