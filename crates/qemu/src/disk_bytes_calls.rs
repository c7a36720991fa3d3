//! A disk's bytes and size: `virsh blockresize` (DOMAIN_BLOCK_RESIZE, QMP `block_resize`
//! through the VM's shim) and `virDomainBlockPeek` (DOMAIN_BLOCK_PEEK, read from the disk's
//! source file by the driver, running or not), with libvirt 9.0's checks and errors.

use std::fs::File;
use std::os::unix::fs::FileExt;

use oxvirt_conf::domain::{Disk, Domain};
use oxvirt_proto::calls;
use oxvirt_proto::domain_api::DomainBlockPeekRet;
use oxvirt_proto::shim as sp;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::job_calls::check_active;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_BLOCK_RESIZE_BYTES`: the size is in bytes, not KiB.
const RESIZE_BYTES: u32 = 1;

/// The disk `name` names: its target, else its source (libvirt's `virDomainDiskByName`).
fn disk_by_name<'a>(def: &'a Domain, name: &str) -> Option<&'a Disk> {
    let disks = &def.devices.disks;
    disks
        .iter()
        .find(|d| d.target_dev == name)
        .or_else(|| disks.iter().find(|d| d.source.as_deref() == Some(name)))
}

fn qemu_error(c: i32, detail: String) -> QemuError {
    QemuError::Vir(VirError::new(c, domain::QEMU, detail))
}

/// The image format libvirt names for a disk (`none` when it has none, or no source).
fn format_of(disk: &Disk) -> &str {
    if disk.source.is_none() {
        return "none";
    }
    disk.driver
        .iter()
        .find(|(k, _)| *k == "type")
        .map_or("none", |(_, v)| v.as_str())
}

/// The size in bytes QEMU is asked for, and the disk's target, as `qemuDomainBlockResize`
/// checks them: KiB unless `RESIZE_BYTES`, a disk of the domain, with a source and writable,
/// qcow2 sizes rounded up to whole sectors.
fn resize_target(
    def: &Domain,
    disk: &str,
    size: u64,
    flags: u32,
) -> Result<(u64, String), QemuError> {
    if flags & !RESIZE_BYTES != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: flags & !RESIZE_BYTES,
            func: "qemuDomainBlockResize",
        });
    }
    let mut bytes = size;
    if flags & RESIZE_BYTES == 0 {
        let max = u64::MAX / 1024;
        if size > max {
            return Err(qemu_error(
                code::OVERFLOW,
                format!("size must be less than {max}"),
            ));
        }
        bytes = size * 1024;
    }
    let d = disk_by_name(def, disk).ok_or_else(|| {
        QemuError::InvalidArg(format!("disk '{disk}' was not found in the domain config"))
    })?;
    if d.source.is_none() || d.readonly {
        return Err(qemu_error(
            code::OPERATION_UNSUPPORTED,
            format!("can't resize empty or readonly disk '{disk}'"),
        ));
    }
    if matches!(format_of(d), "qcow2" | "qed") {
        bytes = bytes.div_ceil(512).saturating_mul(512);
    }
    Ok((bytes, d.target_dev.clone()))
}

/// `size` bytes at `offset` of the raw disk `path` names, as `qemuDomainBlockPeek`.
fn peek(
    def: &Domain,
    path: &str,
    offset: u64,
    size: u32,
    flags: u32,
) -> Result<Vec<u8>, QemuError> {
    if flags != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags,
            func: "qemuDomainBlockPeek",
        });
    }
    let d = disk_by_name(def, path)
        .ok_or_else(|| QemuError::InvalidArg(format!("disk '{path}' not found in domain")))?;
    let format = format_of(d);
    let src = match &d.source {
        Some(src) if format == "raw" => src,
        _ => {
            return Err(qemu_error(
                code::OPERATION_UNSUPPORTED,
                format!("peeking is only supported for disk with 'raw' format not '{format}'"),
            ))
        }
    };
    if size == 0 {
        // libvirt 9.0 reads nothing and fails so
        return Err(QemuError::Vir(VirError::plain(
            code::SYSTEM_ERROR,
            domain::STORAGE,
            format!("cannot read header '{src}': Invalid argument"),
        )));
    }
    let f = File::open(src).map_err(|e| QemuError::Io {
        what: format!("cannot open file '{src}'"),
        source: e,
    })?;
    let mut buf = vec![0u8; size as usize];
    let mut got = 0usize;
    while got < buf.len() {
        let n = f
            .read_at(&mut buf[got..], offset.saturating_add(got as u64))
            .map_err(|e| QemuError::Io {
                what: format!("cannot read '{src}'"),
                source: e,
            })?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got < buf.len() {
        return Err(QemuError::InvalidArg(format!(
            "'{path}' starting from {offset} has only {got} bytes available"
        )));
    }
    Ok(buf)
}

/// Register DOMAIN_BLOCK_RESIZE and DOMAIN_BLOCK_PEEK.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainBlockResize, |d, a, _| async move {
        let vm = check_active(&d, &a.dom)?;
        let (bytes, disk) = resize_target(&vm.def(), &a.disk, a.size, a.flags)?;
        vm.call(
            sp::BlockResize,
            &sp::BlockResizeArgs { disk, bytes },
            d.call_timeout,
        )
        .await?;
        Ok::<_, QemuError>(())
    });
    r.add_blocking(calls::DomainBlockPeek, |d, a, _| {
        let v = d.view(&a.dom)?;
        let def = match v.vm() {
            Some(vm) => vm.def(),
            None => v
                .entry()
                .ok_or_else(|| {
                    QemuError::InvalidArg(format!("disk '{}' not found in domain", a.path))
                })?
                .domain()?,
        };
        let buffer = peek(&def, &a.path, a.offset, a.size, a.flags)?;
        Ok::<_, QemuError>(DomainBlockPeekRet { buffer })
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::ToVirError;

    fn def(dir: &std::path::Path) -> Domain {
        let xml = format!(
            "<domain type='qemu'><name>t</name><memory>131072</memory>\
             <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\
             <disk type='file' device='disk'><driver name='qemu' type='raw'/>\
             <source file='{d}/r.img'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>\
             <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{d}/q.qcow2'/><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/></disk>\
             <disk type='file' device='disk'><driver name='qemu' type='raw'/>\
             <source file='{d}/r.img'/><target dev='vdc' bus='virtio'/><readonly/></disk>\
             <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>\
             </devices></domain>",
            d = dir.display()
        );
        oxvirt_conf::domain::parse_live(&xml).expect("domain XML")
    }

    fn message(e: QemuError) -> (i32, String) {
        let v = e.to_vir_error();
        (v.code, v.message)
    }

    #[test]
    fn peek_reads_raw_disks_as_libvirt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.img"), b"test\nmore").unwrap();
        let def = def(dir.path());
        assert_eq!(peek(&def, "vda", 0, 4, 0).unwrap(), b"test");
        let by_path = format!("{}/r.img", dir.path().display());
        assert_eq!(peek(&def, &by_path, 5, 4, 0).unwrap(), b"more");
        assert_eq!(
            message(peek(&def, "vda", 7, 4, 0).unwrap_err()),
            (
                code::INVALID_ARG,
                "invalid argument: 'vda' starting from 7 has only 2 bytes available".into()
            )
        );
        assert_eq!(
            message(peek(&def, "vdb", 0, 4, 0).unwrap_err()),
            (
                code::OPERATION_UNSUPPORTED,
                "Operation not supported: peeking is only supported for disk with 'raw' format not 'qcow2'".into()
            )
        );
        assert_eq!(
            message(peek(&def, "sda", 0, 4, 0).unwrap_err()).1,
            "Operation not supported: peeking is only supported for disk with 'raw' format not 'none'"
        );
        assert_eq!(
            message(peek(&def, "vda", 0, 0, 0).unwrap_err()),
            (
                code::SYSTEM_ERROR,
                format!(
                    "cannot read header '{}/r.img': Invalid argument",
                    dir.path().display()
                )
            )
        );
        assert_eq!(
            message(peek(&def, "vdz", 0, 4, 0).unwrap_err()).1,
            "invalid argument: disk 'vdz' not found in domain"
        );
        assert_eq!(
            message(peek(&def, "vda", 0, 4, 1).unwrap_err()).1,
            "unsupported flags (0x1) in function qemuDomainBlockPeek"
        );
    }

    #[test]
    fn resize_checks_and_sizes_as_libvirt() {
        let dir = tempfile::tempdir().unwrap();
        let def = def(dir.path());
        assert_eq!(
            resize_target(&def, "vda", 20 * 1024, 0).unwrap(),
            (20 * 1024 * 1024, "vda".into())
        );
        assert_eq!(resize_target(&def, "vda", 5, RESIZE_BYTES).unwrap().0, 5);
        // qcow2: whole sectors
        assert_eq!(
            resize_target(&def, "vdb", 20 * 1024 * 1024 + 1, RESIZE_BYTES).unwrap(),
            (20 * 1024 * 1024 + 512, "vdb".into())
        );
        let by_path = format!("{}/q.qcow2", dir.path().display());
        assert_eq!(resize_target(&def, &by_path, 30, 0).unwrap().1, "vdb");
        assert_eq!(
            message(resize_target(&def, "vdz", 1, 0).unwrap_err()).1,
            "invalid argument: disk 'vdz' was not found in the domain config"
        );
        assert_eq!(
            message(resize_target(&def, "vdc", 1, 0).unwrap_err()),
            (
                code::OPERATION_UNSUPPORTED,
                "Operation not supported: can't resize empty or readonly disk 'vdc'".into()
            )
        );
        assert_eq!(
            message(resize_target(&def, "sda", 1, 0).unwrap_err()).1,
            "Operation not supported: can't resize empty or readonly disk 'sda'"
        );
        assert_eq!(
            message(resize_target(&def, "vda", 1, 4).unwrap_err()).1,
            "unsupported flags (0x4) in function qemuDomainBlockResize"
        );
        assert_eq!(
            message(resize_target(&def, "vda", 1 << 60, 0).unwrap_err()),
            (
                code::OVERFLOW,
                "numerical overflow: size must be less than 18014398509481983".into()
            )
        );
    }
}
