//! Secret values at rest, as libvirt (12.1 and later) keeps them: `UUID.aes256cbc` holds
//! base64(IV ‖ AES-256-CBC(value, PKCS#7 padding)) under a 32-byte host key, so a copy of the
//! configuration directory alone does not give the values away. libvirt 9.0's plain
//! `UUID.base64` files are read too, so the secrets of an existing libvirt host load; a value
//! set again is written encrypted and the plain file removed.
//!
//! The key is systemd's credential `secrets-encryption-key` when the daemon runs with one
//! (`$CREDENTIALS_DIRECTORY`, as libvirt's units pass it), otherwise a key file the daemon
//! creates on first start (0600, next to the secrets' directory, never inside it).

use std::path::{Path, PathBuf};

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::SecretError;

/// The key length of AES-256.
pub const KEY_LEN: usize = 32;
/// The IV length of AES-CBC, stored at the start of the decoded file.
const IV_LEN: usize = 16;
/// The name of libvirt's systemd credential, and of oxvirt's key file.
pub const KEY_NAME: &str = "secrets-encryption-key";

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// The host key secrets are encrypted with.
pub struct HostKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostKey(..)")
    }
}

impl HostKey {
    /// The credential systemd passed (`$CREDENTIALS_DIRECTORY/secrets-encryption-key`), or the
    /// key file at `file`, made on first use.
    pub fn load_or_create(file: &Path) -> Result<Self, SecretError> {
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let cred = PathBuf::from(dir).join(KEY_NAME);
            if cred.exists() {
                return Self::read(&cred);
            }
        }
        if file.exists() {
            return Self::read(file);
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(&mut key[..]).map_err(|e| SecretError::Key {
            path: file.to_owned(),
            why: format!("no random bytes: {e}"),
        })?;
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SecretError::io(dir, e))?;
        }
        // the temporary file is created 0600, so the key is never readable by others
        oxvirt_host::atomic::write_atomic(file, &key[..]).map_err(|e| SecretError::io(file, e))?;
        Ok(HostKey(key))
    }

    fn read(path: &Path) -> Result<Self, SecretError> {
        let data = Zeroizing::new(std::fs::read(path).map_err(|e| SecretError::io(path, e))?);
        let key: [u8; KEY_LEN] = data[..].try_into().map_err(|_| SecretError::Key {
            path: path.to_owned(),
            why: format!("the key must be {KEY_LEN} bytes, not {}", data.len()),
        })?;
        Ok(HostKey(Zeroizing::new(key)))
    }

    /// A key given as bytes (tests).
    pub fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        HostKey(Zeroizing::new(key))
    }

    /// The content of a `.aes256cbc` file for `value`: a fresh IV each time.
    pub fn seal(&self, value: &[u8]) -> Result<String, SecretError> {
        let mut iv = [0u8; IV_LEN];
        getrandom::fill(&mut iv)
            .map_err(|e| SecretError::Internal(format!("no random bytes: {e}")))?;
        let ct = Enc::new(self.0[..].into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(value);
        let mut out = Zeroizing::new(Vec::with_capacity(IV_LEN + ct.len()));
        out.extend_from_slice(&iv);
        out.extend_from_slice(&ct);
        Ok(base64::engine::general_purpose::STANDARD.encode(&out[..]))
    }

    /// The value in a `.aes256cbc` file's content.
    pub fn open(&self, content: &str) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let raw = Zeroizing::new(decode_base64(content)?);
        if raw.len() < IV_LEN {
            return Err(SecretError::InvalidSecret(format!(
                "Encrypted secret size '{}' is invalid",
                raw.len()
            )));
        }
        let (iv, ct) = raw.split_at(IV_LEN);
        let iv: [u8; IV_LEN] = iv
            .try_into()
            .map_err(|_| SecretError::Internal("bad IV".into()))?;
        Dec::new(self.0[..].into(), &iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(ct)
            .map(Zeroizing::new)
            .map_err(|_| SecretError::Internal("Failed to decrypt the secret value".into()))
    }
}

/// A `.base64` file's content (libvirt 9.0's plain values), or a sealed file's outer layer.
pub fn decode_base64(content: &str) -> Result<Vec<u8>, SecretError> {
    base64::engine::general_purpose::STANDARD
        .decode(content.trim())
        .map_err(|_| SecretError::Internal("invalid base64 in the secret's value file".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_key_only() {
        let k = HostKey::from_bytes([7; KEY_LEN]);
        let sealed = k.seal(b"letmein").unwrap();
        assert_ne!(sealed, k.seal(b"letmein").unwrap(), "a fresh IV each time");
        assert_eq!(&k.open(&sealed).unwrap()[..], b"letmein");
        let other = HostKey::from_bytes([8; KEY_LEN]);
        assert!(other
            .open(&sealed)
            .map(|v| v.to_vec() != b"letmein")
            .unwrap_or(true));
        assert!(k.open("AAAA").is_err());
        assert!(k.open("not base64!").is_err());
        assert_eq!(&k.open(&k.seal(b"").unwrap()).unwrap()[..], b"");
    }

    #[test]
    fn the_key_file_is_made_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("lib").join(KEY_NAME);
        let a = HostKey::load_or_create(&f).unwrap();
        let b = HostKey::load_or_create(&f).unwrap();
        assert_eq!(a.0[..], b.0[..]);
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::write(&f, b"short").unwrap();
        assert!(HostKey::load_or_create(&f).is_err());
    }
}
