//! `<encryption>` of a domain disk (a LUKS image QEMU opens with a secret's value as its
//! passphrase), given under `<disk>` or inside its `<source>`; libvirt prints it back where it
//! was given and adds `engine='qemu'` at define.

use super::*;
use crate::storage::{Encryption, SecretRef};

/// A disk's `<encryption format= engine=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskEncryption {
    /// The volume encryption: format, secrets, cipher, IV generator.
    pub enc: Encryption,
    /// `engine=` (`qemu`, `librbd`); `qemu` from define on.
    pub engine: Option<String>,
    /// Given inside `<source>` (printed there) rather than directly under `<disk>`.
    pub in_source: bool,
    /// Run time only, never in XML: the file QEMU reads the passphrase from
    /// ([`disk_secret_file`]; set by [`crate::domain::DomainStatus::command_domain`]).
    pub secret_file: Option<String>,
}

/// The file in a running VM's directory that holds the passphrase of its encrypted disk
/// `target_dev` while QEMU starts (mode 0600, removed once QEMU runs).
pub fn disk_secret_file(vm_dir: &std::path::Path, target_dev: &str) -> std::path::PathBuf {
    vm_dir.join(format!("{target_dev}-encryption.secret"))
}

impl DiskEncryption {
    /// The `<secret type='passphrase'>` that unlocks the image.
    pub fn passphrase(&self) -> Option<&SecretRef> {
        self.enc
            .secrets
            .iter()
            .find(|(t, _)| t == "passphrase")
            .map(|(_, s)| s)
    }
}

/// The `<encryption>` of a disk element, under `<disk>` or `<source>`.
pub(super) fn parse_disk_encryption(n: Node<'_, '_>) -> Result<Option<DiskEncryption>> {
    let (e, in_source) = match child(n, "source").and_then(|s| child(s, "encryption")) {
        Some(e) => (e, true),
        None => match child(n, "encryption") {
            Some(e) => (e, false),
            None => return Ok(None),
        },
    };
    let enc = crate::storage::parse_encryption(e).map_err(|e| ConfError::Xml(e.to_string()))?;
    let engine = match e.attribute("engine") {
        None => None,
        Some(v @ ("qemu" | "librbd")) => Some(v.to_owned()),
        Some(v) => {
            return Err(ConfError::Xml(format!(
                "unknown volume encryption engine type {v}"
            )))
        }
    };
    Ok(Some(DiskEncryption {
        enc,
        engine,
        in_source,
        secret_file: None,
    }))
}

pub(super) fn format_disk_encryption(w: &mut Writer, e: &DiskEncryption) {
    crate::storage::format_encryption(w, &e.enc, e.engine.as_deref());
}

#[cfg(test)]
mod tests {
    use crate::domain::{parse, post_parse, FormatOptions, QemuCaps};

    fn dom(disk: &str) -> String {
        format!(
            "<domain type='qemu'><name>e</name><memory>131072</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{disk}</devices></domain>"
        )
    }

    const ENC: &str = "<encryption format='luks'>\
        <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption>";

    #[test]
    fn printed_where_given_with_the_engine() {
        let mut d = parse(&dom(&format!(
            "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/a.qcow2'>{ENC}</source>\
             <target dev='vda' bus='virtio'/></disk>\
             <disk type='file'><driver name='qemu' type='raw'/><source file='/b.raw'/>\
             <target dev='vdb' bus='virtio'/>{ENC}</disk>"
        )))
        .unwrap();
        post_parse(&mut d, &QemuCaps::debian_qemu_7_2_x86_64()).unwrap();
        let x = d.format_with(FormatOptions::default());
        assert!(
            x.contains(
                "<source file='/a.qcow2'>\n        <encryption format='luks' engine='qemu'>\n          \
                 <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>\n        \
                 </encryption>\n      </source>"
            ),
            "{x}"
        );
        assert!(
            x.contains(
                "<target dev='vdb' bus='virtio'/>\n      <encryption format='luks' engine='qemu'>"
            ),
            "{x}"
        );
        let bad = parse(&dom(
            "<disk type='file'><source file='/a'/><target dev='vda'/>\
             <encryption format='luks' engine='x'/></disk>",
        ));
        assert!(bad.is_err());
    }
}
