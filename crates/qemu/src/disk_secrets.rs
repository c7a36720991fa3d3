//! The passphrases of a starting guest's LUKS-encrypted disks (`<encryption format='luks'>`):
//! read from the secret daemon over the driver's connection ([`SecretLink`], as libvirt's QEMU
//! driver reads them through `secret:///system`), written to files of mode 0600 in the VM's own
//! directory ([`oxvirt_conf::domain::disk_secret_file`]) for QEMU's `secret` objects, and
//! removed as soon as QEMU has started (or failed to): the passphrase is never on QEMU's
//! command line, in the status file or in a log.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use oxvirt_conf::domain::Domain;
use oxvirt_conf::storage::SecretRef;
use oxvirt_remote::secret_link::{SecretLink, SecretLookup, USAGE_VOLUME};

use crate::QemuError;

/// Write the passphrase file of every encrypted disk of `live` into `vm_dir`; the files
/// written (also when an error stops it part way: the caller removes them with [`remove`]).
pub async fn write(
    link: &SecretLink,
    live: &Domain,
    vm_dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<(), QemuError> {
    for d in &live.devices.disks {
        let Some(e) = &d.encryption else { continue };
        if e.enc.format != "luks" {
            return Err(QemuError::ConfigUnsupported(format!(
                "disk encryption format '{}' is not supported by oxvirt yet",
                e.enc.format
            )));
        }
        let Some(r) = e.passphrase() else {
            return Err(QemuError::ConfigUnsupported(format!(
                "encrypted disk '{}' names no passphrase secret",
                d.target_dev
            )));
        };
        let uuid;
        let lookup = match r {
            SecretRef::Uuid(u) => {
                uuid = oxvirt_conf::domain::parse_uuid(u).ok_or_else(|| {
                    QemuError::ConfigUnsupported(format!("malformed secret uuid '{u}'"))
                })?;
                SecretLookup::Uuid(&uuid)
            }
            SecretRef::Usage(u) => SecretLookup::Usage(USAGE_VOLUME, u),
        };
        let value = link.value(lookup).await.map_err(QemuError::Vir)?;
        let file = oxvirt_conf::domain::disk_secret_file(vm_dir, &d.target_dev);
        let _ = std::fs::remove_file(&file);
        written.push(file.clone());
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(&value))
            .map_err(|e| QemuError::Io {
                what: format!("cannot write {}", file.display()),
                source: e,
            })?;
    }
    Ok(())
}

/// Remove the passphrase files (QEMU has read them).
pub fn remove(files: &[PathBuf]) {
    for f in files {
        let _ = std::fs::remove_file(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_to_do_without_encrypted_disks_and_no_daemon_errors() {
        let d = tempfile::tempdir().unwrap();
        let link = SecretLink::new(None, d.path());
        let dom = oxvirt_conf::domain::parse(
            "<domain type='qemu'><name>x</name><memory>131072</memory>\
             <os><type arch='x86_64'>hvm</type></os><devices>\
             <disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/></disk>\
             </devices></domain>",
        )
        .unwrap();
        let mut w = Vec::new();
        write(&link, &dom, d.path(), &mut w).await.unwrap();
        assert!(w.is_empty());
        let dom = oxvirt_conf::domain::parse(
            "<domain type='qemu'><name>x</name><memory>131072</memory>\
             <os><type arch='x86_64'>hvm</type></os><devices>\
             <disk type='file'><source file='/a'><encryption format='luks'>\
             <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>\
             </source><target dev='vda' bus='virtio'/></disk></devices></domain>",
        )
        .unwrap();
        // no secret daemon: libvirt's "not supported" of the secret driver
        let e = write(&link, &dom, d.path(), &mut w).await.unwrap_err();
        assert!(e.to_string().contains("virSecretLookupByUUID"), "{e}");
        assert!(w.is_empty());
    }
}
