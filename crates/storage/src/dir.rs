//! The `dir` backend: a pool is a directory, a volume a file in it. Volume files are made and
//! changed with the tools libvirt uses (`qemu-img` for every format but raw, plain file calls for
//! raw). Everything here blocks: the driver runs it on tokio's blocking threads.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use oxvirt_conf::storage::{Perms, Timestamps, VolType, Volume};

use crate::error::{Result, StorageError};

/// libvirt's default mode of a pool directory (`VIR_STORAGE_DEFAULT_POOL_PERM_MODE`).
pub const DEFAULT_POOL_MODE: u32 = 0o711;
/// libvirt's default mode of a volume file (`VIR_STORAGE_DEFAULT_VOL_PERM_MODE`).
pub const DEFAULT_VOL_MODE: u32 = 0o600;

/// What a refresh of one file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileInfo {
    pub vol_type: VolType,
    /// virtual size (the image's for formats with a header)
    pub capacity: u64,
    /// bytes allocated on disk
    pub allocation: u64,
    /// the file's size
    pub physical: u64,
    pub perms: Perms,
    pub timestamps: Timestamps,
    /// the probed format, when the file has a known header
    pub format: Option<&'static str>,
    /// the backing file of a qcow2 image and its format
    pub backing: Option<(String, Option<&'static str>)>,
    /// the image is LUKS-encrypted (a qcow2 image with LUKS inside, or a raw LUKS volume)
    pub luks: bool,
}

/// Build the pool directory: create it (and its parents) with the pool's permissions.
pub fn build(path: &Path, perms: &Perms) -> Result<()> {
    std::fs::create_dir_all(path)
        .map_err(|e| StorageError::system(format!("cannot create path '{}'", path.display()), e))?;
    let mode = perms.mode.unwrap_or(DEFAULT_POOL_MODE);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        StorageError::system(
            format!("cannot set mode of '{}' to {mode:04o}", path.display()),
            e,
        )
    })?;
    chown(path, perms)
}

fn chown(path: &Path, perms: &Perms) -> Result<()> {
    if perms.owner.is_none() && perms.group.is_none() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, perms.owner, perms.group).map_err(|e| {
        StorageError::system(
            format!(
                "cannot chown '{}' to ({}, {})",
                path.display(),
                perms.owner.map_or(-1, i64::from),
                perms.group.map_or(-1, i64::from)
            ),
            e,
        )
    })
}

/// Check that a pool's directory exists before it starts.
pub fn check(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StorageError::OperationInvalid(format!(
            "cannot open directory '{}': Not a directory",
            path.display()
        ))),
        Err(e) => Err(StorageError::system(
            format!("cannot open directory '{}'", path.display()),
            e,
        )),
    }
}

/// Delete the pool directory (it must be empty, as libvirt's `rmdir`).
pub fn delete(path: &Path) -> Result<()> {
    std::fs::remove_dir(path)
        .map_err(|e| StorageError::system(format!("failed to remove pool '{}'", path.display()), e))
}

/// The pool's (capacity, allocation, available) from `statvfs` of its directory, as libvirt's
/// `virStorageBackendFileSystemRefresh` computes them.
pub fn fs_sizes(path: &Path) -> Result<(u64, u64, u64)> {
    let s = rustix::fs::statvfs(path).map_err(|e| {
        StorageError::system(
            format!("cannot statvfs path '{}'", path.display()),
            e.into(),
        )
    })?;
    let frsize = s.f_frsize;
    Ok((
        s.f_blocks * frsize,
        (s.f_blocks - s.f_bfree) * frsize,
        // libvirt counts the blocks reserved for root as available
        s.f_bfree * frsize,
    ))
}

/// The file names a refresh looks at: every entry but hidden ones (oxvirt's own temporary
/// files start with a dot).
pub fn list(path: &Path) -> Result<Vec<String>> {
    let rd = std::fs::read_dir(path)
        .map_err(|e| StorageError::system(format!("cannot open path '{}'", path.display()), e))?;
    let mut names = Vec::new();
    for e in rd.flatten() {
        if let Ok(n) = e.file_name().into_string() {
            if !n.starts_with('.') {
                names.push(n);
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Stat and probe one file (`virStorageBackendUpdateVolTargetInfo`).
pub fn probe(path: &Path) -> Result<FileInfo> {
    let file = rustix::fs::open(path, PROBE_FLAGS, rustix::fs::Mode::empty()).ok();
    probe_file(file.map(File::from), path)
}

/// [`probe`] of the file `name` of the directory `dir` (opened once for a whole refresh: the
/// kernel looks up one name, not the whole path); `path` is the file's path.
pub fn probe_in(dir: std::os::fd::BorrowedFd<'_>, name: &str, path: &Path) -> Result<FileInfo> {
    let file = rustix::fs::openat(dir, name, PROBE_FLAGS, rustix::fs::Mode::empty()).ok();
    probe_file(file.map(File::from), path)
}

/// A file is probed opened first (as libvirt, without blocking on a FIFO or taking a
/// terminal), its metadata from the descriptor (a symlink's target's, as libvirt's stat).
const PROBE_FLAGS: rustix::fs::OFlags = rustix::fs::OFlags::RDONLY
    .union(rustix::fs::OFlags::NONBLOCK)
    .union(rustix::fs::OFlags::NOCTTY)
    .union(rustix::fs::OFlags::CLOEXEC);

fn probe_file(file: Option<File>, path: &Path) -> Result<FileInfo> {
    let opened = file.and_then(|f| f.metadata().ok().map(|m| (f, m)));
    let (file, m) = match opened {
        Some((f, m)) => (Some(f), m),
        // a file that cannot be opened (a socket, no permission) is still listed
        None => (None, stat(path)?),
    };
    let vol_type = if m.is_dir() {
        VolType::Dir
    } else if m.file_type().is_block_device() {
        VolType::Block
    } else {
        VolType::File
    };
    let mut info = FileInfo {
        vol_type,
        capacity: m.size(),
        allocation: m.blocks() * 512,
        physical: m.size(),
        perms: Perms {
            mode: Some(m.mode() & 0o7777),
            owner: Some(m.uid()),
            group: Some(m.gid()),
            label: None,
        },
        timestamps: Timestamps {
            atime: Some((m.atime(), m.atime_nsec())),
            mtime: Some((m.mtime(), m.mtime_nsec())),
            ctime: Some((m.ctime(), m.ctime_nsec())),
            // libvirt 9.0 asks no birth time of the kernel and prints its zero
            btime: Some((0, 0)),
        },
        format: None,
        backing: None,
        luks: false,
    };
    if vol_type == VolType::Dir {
        // libvirt counts no size for a directory (`virStorageBackendUpdateVolTargetInfoFD`)
        (info.capacity, info.allocation, info.physical) = (0, 0, 0);
    }
    if vol_type == VolType::File {
        if let Some(mut f) = file {
            let mut head = [0u8; 512];
            let n = read_up_to(&mut f, &mut head);
            probe_header(&head[..n], &mut f, &mut info);
        }
    }
    Ok(info)
}

use std::os::unix::fs::FileTypeExt;

/// The metadata of `path`, a symlink's target's.
fn stat(path: &Path) -> Result<std::fs::Metadata> {
    std::fs::symlink_metadata(path)
        .and_then(|m| {
            if m.file_type().is_symlink() {
                std::fs::metadata(path)
            } else {
                Ok(m)
            }
        })
        .map_err(|e| StorageError::system(format!("cannot stat file '{}'", path.display()), e))
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_be_bytes)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_be_bytes)
}

/// The image formats libvirt recognises by their magic, with the virtual size of qcow2 and qed
/// images and a qcow2 image's backing file.
fn probe_header(h: &[u8], f: &mut File, info: &mut FileInfo) {
    if h.starts_with(b"QFI\xfb") {
        info.format = Some("qcow2");
        if let Some(size) = be64(h, 24) {
            info.capacity = size;
        }
        // crypt_method 2: LUKS
        info.luks = be32(h, 32) == Some(2);
        let (off, len) = (be64(h, 8).unwrap_or(0), be32(h, 16).unwrap_or(0));
        if off > 0 && len > 0 && len <= 1023 {
            let mut name = vec![0u8; len as usize];
            if f.seek(SeekFrom::Start(off)).is_ok() && read_up_to(f, &mut name) == name.len() {
                if let Ok(n) = String::from_utf8(name) {
                    info.backing = Some((n, None));
                }
            }
        }
    } else if h.starts_with(b"QED\0") {
        info.format = Some("qed");
        if let Some(size) = h.get(40..48).and_then(|s| s.try_into().ok()) {
            info.capacity = u64::from_le_bytes(size);
        }
    } else if h.starts_with(b"KDMV") {
        info.format = Some("vmdk");
    } else if h.get(64..68) == Some(b"\x7f\x10\xda\xbe") {
        info.format = Some("vdi");
    } else if h.starts_with(b"LUKS\xba\xbe") {
        // a raw LUKS volume: its capacity is what follows the header (the payload offset, in
        // 512-byte sectors), as libvirt's probe of the LUKS header computes it
        info.format = Some("raw");
        info.luks = true;
        if let Some(sectors) = be32(h, 104) {
            info.capacity = info.physical.saturating_sub(u64::from(sectors) * 512);
        }
    } else {
        info.format = Some("raw");
    }
}

/// Create a raw file as libvirt's `createRawFile`: exclusive, with the volume's mode, the
/// capacity as its size and `allocation` bytes allocated from the start.
pub fn create_raw(path: &Path, capacity: u64, allocation: u64, mode: u32) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| StorageError::system(format!("cannot create path '{}'", path.display()), e))?;
    let fail = |what: &str, e: std::io::Error| {
        StorageError::system(format!("{what} '{}'", path.display()), e)
    };
    f.set_len(capacity)
        .map_err(|e| fail("cannot extend file", e))?;
    let alloc = allocation.min(capacity);
    if alloc > 0 {
        rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::empty(), 0, alloc)
            .map_err(|e| fail("cannot allocate", e.into()))?;
    }
    f.sync_all().map_err(|e| fail("cannot sync file", e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| fail("cannot set mode of", e))?;
    Ok(())
}

/// QEMU's LUKS code times its key derivation on the thread's CPU clock; when a round takes
/// less than the clock's tick it gives up with this (a measurement, not the input: again).
const PBKDF_TIMING: &str = "Unable to get accurate CPU usage";

/// Run `qemu-img ARGS`, its stderr the error's text; a failed LUKS timing is tried again
/// (three times at most).
pub fn qemu_img(args: &[String]) -> Result<()> {
    let mut tries = 0;
    let (out, err) = loop {
        tries += 1;
        let out = Command::new("qemu-img")
            .args(args)
            .output()
            .map_err(|e| StorageError::system("cannot run qemu-img", e))?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if !err.contains(PBKDF_TIMING) || tries == 3 {
            break (out, err);
        }
        tracing::warn!("qemu-img: {err}; trying again");
    };
    Err(StorageError::Internal(format!(
        "Child process (qemu-img {}) unexpected exit status {}: {err}",
        args.join(" "),
        out.status.code().unwrap_or(-1)
    )))
}

/// The `qemu-img create` arguments of a volume (`storageBackendCreateQemuImgCmdFromVol`);
/// `secret`: the file holding the passphrase of an encrypted volume ([`crate::encrypted`]).
pub fn qemu_img_create_args(
    vol: &Volume,
    path: &Path,
    prealloc_metadata: bool,
    secret: Option<&Path>,
) -> Vec<String> {
    let mut format = vol.target.format.unwrap_or("raw");
    let mut opts = Vec::new();
    let mut object = None;
    if let (Some(e), Some(file)) = (&vol.target.encryption, secret) {
        let id = crate::encrypted::secret_id(vol);
        object = Some(format!("secret,id={id},file={}", file.display()));
        // a raw LUKS volume is QEMU's luks format; a qcow2 one carries LUKS inside
        let prefix = if format == "raw" {
            format = "luks";
            ""
        } else {
            "encrypt."
        };
        opts.extend(crate::encrypted::options(e, &id, prefix));
    }
    if prealloc_metadata {
        opts.push("preallocation=metadata".to_owned());
    }
    if vol.target.nocow {
        opts.push("nocow=on".to_owned());
    }
    if vol.target.cluster_size > 0 {
        opts.push(format!("cluster_size={}", vol.target.cluster_size));
    }
    if format == "qcow2" {
        opts.push(format!(
            "compat={}",
            vol.target.compat.as_deref().unwrap_or("1.1")
        ));
        if let Some(f) = &vol.target.features {
            for x in f {
                opts.push(x.to_string());
            }
        }
    }
    let mut args = vec!["create".to_owned(), "-f".to_owned(), format.to_owned()];
    if let Some(o) = object {
        args.push("--object".into());
        args.push(o);
    }
    if let Some(b) = &vol.backing_store {
        args.push("-b".into());
        args.push(b.path.clone());
        args.push("-F".into());
        args.push(b.format.unwrap_or("raw").to_owned());
    }
    if !opts.is_empty() {
        args.push("-o".into());
        args.push(opts.join(","));
    }
    args.push(path.display().to_string());
    args.push(format!("{}K", vol.capacity.div_ceil(1024)));
    args
}

/// Copy `from` into the new file `to` (a raw clone, as libvirt's `createRawFile` with an input
/// volume): `allocation` bytes allocated first, then the data, runs of zeros skipped.
pub fn copy_sparse(
    from: &Path,
    to: &Path,
    mode: u32,
    capacity: u64,
    allocation: u64,
) -> Result<()> {
    let mut src = File::open(from)
        .map_err(|e| StorageError::system(format!("cannot open '{}'", from.display()), e))?;
    let mut dst = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(to)
        .map_err(|e| StorageError::system(format!("cannot create '{}'", to.display()), e))?;
    let alloc = allocation.min(capacity);
    if alloc > 0 {
        rustix::fs::fallocate(&dst, rustix::fs::FallocateFlags::empty(), 0, alloc).map_err(
            |e| StorageError::system(format!("cannot allocate '{}'", to.display()), e.into()),
        )?;
    }
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0u64;
    loop {
        let n = src
            .read(&mut buf)
            .map_err(|e| StorageError::system(format!("cannot read '{}'", from.display()), e))?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if chunk.iter().all(|b| *b == 0) {
            dst.seek(SeekFrom::Current(n as i64))
                .map_err(|e| StorageError::system("cannot seek", e))?;
        } else {
            dst.write_all(chunk)
                .map_err(|e| StorageError::system(format!("cannot write '{}'", to.display()), e))?;
        }
        off += n as u64;
    }
    dst.set_len(capacity.max(off))
        .map_err(|e| StorageError::system(format!("cannot extend '{}'", to.display()), e))?;
    dst.sync_all()
        .map_err(|e| StorageError::system(format!("cannot sync '{}'", to.display()), e))
}

/// Write zeros over the first `len` bytes (`storageBackendWipeLocal` with the zero algorithm).
pub fn wipe_zero(path: &Path, len: u64) -> Result<()> {
    let mut f = OpenOptions::new().write(true).open(path).map_err(|e| {
        StorageError::system(
            format!(
                "Failed to open storage volume with path '{}'",
                path.display()
            ),
            e,
        )
    })?;
    let buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).map_err(|e| {
            StorageError::system(
                format!(
                    "Failed to write {n} bytes to storage volume with path '{}'",
                    path.display()
                ),
                e,
            )
        })?;
        left -= n as u64;
    }
    f.sync_data().map_err(|e| {
        StorageError::system(format!("cannot sync data to file '{}'", path.display()), e)
    })
}

/// Resize a raw file: truncate to `capacity`, allocating the new part with `allocate`.
pub fn resize_raw(path: &Path, capacity: u64, allocate: bool) -> Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StorageError::system(format!("Unable to open '{}'", path.display()), e))?;
    let old = f.metadata().map(|m| m.len()).unwrap_or(0);
    if allocate && capacity > old {
        rustix::fs::fallocate(&f, rustix::fs::FallocateFlags::empty(), old, capacity - old)
            .map_err(|e| {
                StorageError::system(
                    format!("Failed to pre-allocate space for file '{}'", path.display()),
                    e.into(),
                )
            })?;
    }
    f.set_len(capacity).map_err(|e| {
        StorageError::system(format!("Failed to truncate file '{}'", path.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_files_are_preallocated_as_asked() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.img");
        create_raw(&p, 1 << 20, 1 << 19, 0o600).unwrap();
        let i = probe(&p).unwrap();
        assert_eq!(i.capacity, 1 << 20);
        assert!(i.allocation >= 1 << 19);
        assert_eq!(i.format, Some("raw"));
        assert_eq!(i.perms.mode, Some(0o600));
        assert!(create_raw(&p, 1, 0, 0o600).is_err(), "exclusive");
    }
}
