//! LUKS-encrypted volumes (`<encryption format='luks'>` in a volume's `<target>`), made as
//! libvirt's storage driver makes them: the passphrase is the value of the secret the
//! definition names, read from the secret daemon over the wire ([`SecretLink`], libvirt's
//! `secret:///system` connection), written to a file of the daemon's own (mode 0600, removed
//! as soon as `qemu-img` is done) and given to `qemu-img create` as a `secret` object reading
//! that file, so the passphrase never appears on a command line. A qcow2 volume gets
//! `encrypt.format=luks` and `encrypt.key-secret=`, a raw one is created in QEMU's `luks`
//! format (and stays `raw` in the volume's XML, as libvirt's).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use oxvirt_conf::storage::{Encryption, SecretRef, Volume};
use oxvirt_remote::secret_link::{SecretLink, SecretLookup, USAGE_VOLUME};

use crate::error::{Result, StorageError};

/// Refuse what libvirt refuses before any secret is read
/// (`storageBackendCreateQemuImgCheckEncryption`).
pub fn check(vol: &Volume, enc: &Encryption) -> Result<()> {
    let format = vol.target.format.unwrap_or("raw");
    match format {
        "qcow2" | "raw" => {}
        f => {
            return Err(StorageError::Unsupported(format!(
                "volume encryption unsupported with format {f}"
            )))
        }
    }
    if enc.format != "luks" {
        return Err(StorageError::Unsupported(format!(
            "creation of {format} encrypted image is not supported"
        )));
    }
    if enc.secrets.len() != 1 {
        return Err(StorageError::InvalidArg(
            "A single <secret type='passphrase'...> element is expected in encryption description"
                .into(),
        ));
    }
    Ok(())
}

/// The passphrase of an encrypted volume, from the secret daemon.
pub async fn passphrase(
    link: &SecretLink,
    enc: &Encryption,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let Some((_, r)) = enc.secrets.first() else {
        return Err(StorageError::InvalidArg(
            "A single <secret type='passphrase'...> element is expected in encryption description"
                .into(),
        ));
    };
    let uuid;
    let lookup = match r {
        SecretRef::Uuid(u) => {
            uuid = oxvirt_conf::domain::parse_uuid(u)
                .ok_or_else(|| StorageError::InvalidArg(format!("malformed secret uuid '{u}'")))?;
            SecretLookup::Uuid(&uuid)
        }
        SecretRef::Usage(u) => SecretLookup::Usage(USAGE_VOLUME, u),
    };
    link.value(lookup).await.map_err(StorageError::Vir)
}

/// A passphrase in a file of the daemon's own, for `qemu-img`; the file goes when this does.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    /// Write `value` to a new file in `dir` (mode 0600, never an existing file).
    pub fn write(dir: &Path, vol_name: &str, value: &[u8]) -> Result<Self> {
        let mut n = [0u8; 8];
        getrandom::fill(&mut n)
            .map_err(|e| StorageError::Internal(format!("no random bytes: {e}")))?;
        let tag: String = n.iter().map(|b| format!("{b:02x}")).collect();
        // the volume's name is the user's: only its safe characters go in the file name
        let safe: String = vol_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(64)
            .collect();
        let path = dir.join(format!(".{safe}.{tag}.secret"));
        let fail = |e| StorageError::system(format!("cannot write '{}'", path.display()), e);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(fail)?;
        let file = SecretFile { path: path.clone() };
        f.write_all(value).map_err(fail)?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Remove the passphrase files a daemon killed during a create left in `dir` (at start).
pub fn remove_stale(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        if n.starts_with('.') && n.ends_with(".secret") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The id of the `secret` object of a volume's `qemu-img create` (libvirt's `VOL_encrypt0`).
pub fn secret_id(vol: &Volume) -> String {
    let safe: String = vol
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{safe}_encrypt0")
}

/// The `-o` options of an encrypted volume: the secret and the cipher and IV generator the
/// definition asks for (`prefix` is `encrypt.` for qcow2, nothing for QEMU's `luks` format).
pub fn options(enc: &Encryption, secret_id: &str, prefix: &str) -> Vec<String> {
    let mut o = Vec::new();
    if prefix.is_empty() {
        o.push(format!("key-secret={secret_id}"));
    } else {
        o.push(format!("{prefix}format=luks"));
        o.push(format!("{prefix}key-secret={secret_id}"));
    }
    let get = |attrs: &Option<Vec<(String, String)>>, k: &str| {
        attrs
            .as_ref()
            .and_then(|a| a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    };
    if let (Some(name), Some(size)) = (get(&enc.cipher, "name"), get(&enc.cipher, "size")) {
        o.push(format!("{prefix}cipher-alg={name}-{size}"));
    }
    if let Some(mode) = get(&enc.cipher, "mode") {
        o.push(format!("{prefix}cipher-mode={mode}"));
    }
    if let Some(hash) = get(&enc.cipher, "hash") {
        o.push(format!("{prefix}hash-alg={hash}"));
    }
    if let Some(name) = get(&enc.ivgen, "name") {
        o.push(format!("{prefix}ivgen-alg={name}"));
    }
    if let Some(hash) = get(&enc.ivgen, "hash") {
        o.push(format!("{prefix}ivgen-hash-alg={hash}"));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(xml: &str) -> Volume {
        oxvirt_conf::storage::parse_volume(
            xml,
            oxvirt_conf::storage::PoolType::Dir,
            oxvirt_conf::storage::CapacityRule::Required,
        )
        .unwrap()
    }

    const SECRET: &str = "<secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>";

    #[test]
    fn refusals_as_libvirt() {
        let v = vol(&format!("<volume><name>a</name><capacity>1</capacity><target><format type='vmdk'/><encryption format='luks'>{SECRET}</encryption></target></volume>"));
        let e = check(&v, v.target.encryption.as_ref().unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported configuration: volume encryption unsupported with format vmdk"
        );
        let v = vol("<volume><name>a</name><capacity>1</capacity><target><format type='qcow2'/><encryption format='luks'/></target></volume>");
        let e = check(&v, v.target.encryption.as_ref().unwrap()).unwrap_err();
        assert!(e.to_string().contains("A single <secret"), "{e}");
        let v = vol(&format!("<volume><name>a</name><capacity>1</capacity><target><format type='qcow2'/><encryption format='qcow'>{SECRET}</encryption></target></volume>"));
        let e = check(&v, v.target.encryption.as_ref().unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported configuration: creation of qcow2 encrypted image is not supported"
        );
    }

    #[test]
    fn cipher_options() {
        let v = vol(&format!("<volume><name>a b</name><capacity>1</capacity><target><format type='qcow2'/><encryption format='luks'>{SECRET}<cipher name='aes' size='128' mode='cbc' hash='sha256'/><ivgen name='plain64' hash='sha256'/></encryption></target></volume>"));
        let id = secret_id(&v);
        assert_eq!(id, "a_b_encrypt0");
        assert_eq!(
            options(v.target.encryption.as_ref().unwrap(), &id, "encrypt.").join(","),
            "encrypt.format=luks,encrypt.key-secret=a_b_encrypt0,encrypt.cipher-alg=aes-128,\
             encrypt.cipher-mode=cbc,encrypt.hash-alg=sha256,encrypt.ivgen-alg=plain64,\
             encrypt.ivgen-hash-alg=sha256"
        );
        assert_eq!(
            options(v.target.encryption.as_ref().unwrap(), &id, "")[0],
            "key-secret=a_b_encrypt0"
        );
    }

    #[test]
    fn the_secret_file_is_private_and_goes() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = {
            let f = SecretFile::write(d.path(), "../x y", b"pw").unwrap();
            assert_eq!(std::fs::read(f.path()).unwrap(), b"pw");
            let m = std::fs::metadata(f.path()).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
            assert_eq!(f.path().parent(), Some(d.path()));
            f.path().to_owned()
        };
        assert!(!p.exists());
        let f = SecretFile::write(d.path(), "v", b"pw").unwrap();
        let p = f.path().to_owned();
        std::mem::forget(f);
        std::fs::write(d.path().join("keep"), b"").unwrap();
        remove_stale(d.path());
        assert!(!p.exists());
        assert!(d.path().join("keep").exists());
    }
}
