//! The secrets, in memory and on disk, with libvirt's rules for defining one.
//!
//! `etc/secrets/UUID.xml` holds a persistent secret's definition (0600, in a 0700 directory),
//! `UUID.aes256cbc` its value sealed with the host key ([`crate::crypt`]). Ephemeral secrets
//! live only in memory. Every file is written atomically, so a daemon killed at any moment
//! finds each secret either as it was or as it became.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use oxvirt_conf::domain::uuid_string;
use oxvirt_conf::secret::{self, Secret, Usage};
use oxvirt_host::atomic::write_atomic;
use zeroize::Zeroizing;

use crate::crypt::{decode_base64, HostKey};
use crate::SecretError;

/// The suffix of a sealed value file.
const SEALED: &str = "aes256cbc";
/// The suffix of libvirt 9.0's plain value file.
const PLAIN: &str = "base64";

/// One secret.
#[derive(Debug)]
pub struct Entry {
    /// Its definition.
    pub def: Secret,
    /// Its value, once set (wiped from memory when dropped).
    pub value: Option<Zeroizing<Vec<u8>>>,
}

/// Every secret of the daemon.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    key: HostKey,
    secrets: BTreeMap<[u8; 16], Entry>,
}

impl Store {
    /// The secrets kept in `dir`, loaded. A file that does not load is skipped with a warning,
    /// as libvirt does: one damaged secret must not keep the others away.
    pub fn open(dir: &Path, key: HostKey) -> Result<Self, SecretError> {
        std::fs::create_dir_all(dir).map_err(|e| SecretError::io(dir, e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| SecretError::io(dir, e))?;
        let mut s = Store {
            dir: dir.to_owned(),
            key,
            secrets: BTreeMap::new(),
        };
        let rd = std::fs::read_dir(dir).map_err(|e| SecretError::io(dir, e))?;
        for de in rd.flatten() {
            let name = de.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.ends_with(".xml") {
                continue;
            }
            if let Err(e) = s.load(&de.path(), &name) {
                tracing::warn!(file = %de.path().display(), error = %e, "cannot load a secret");
            }
        }
        Ok(s)
    }

    fn load(&mut self, path: &Path, file: &str) -> Result<(), SecretError> {
        let xml = std::fs::read_to_string(path).map_err(|e| SecretError::io(path, e))?;
        let def = secret::parse(&xml)?;
        let u = uuid_string(&def.uuid);
        if file != format!("{u}.xml") {
            return Err(SecretError::Internal(format!(
                "<uuid> does not match secret file name '{file}'"
            )));
        }
        let value = self.load_value(&u)?;
        self.secrets.insert(def.uuid, Entry { def, value });
        Ok(())
    }

    fn load_value(&self, u: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretError> {
        let sealed = self.value_file(u, SEALED);
        match std::fs::read_to_string(&sealed) {
            Ok(c) => return self.key.open(&Zeroizing::new(c)).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SecretError::io(&sealed, e)),
        }
        let plain = self.value_file(u, PLAIN);
        match std::fs::read_to_string(&plain) {
            Ok(c) => Ok(Some(Zeroizing::new(decode_base64(&Zeroizing::new(c))?))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretError::io(&plain, e)),
        }
    }

    fn config_file(&self, u: &str) -> PathBuf {
        self.dir.join(format!("{u}.xml"))
    }

    fn value_file(&self, u: &str, suffix: &str) -> PathBuf {
        self.dir.join(format!("{u}.{suffix}"))
    }

    /// Every secret, by UUID.
    pub fn all(&self) -> impl Iterator<Item = &Entry> {
        self.secrets.values()
    }

    /// The secret with this UUID.
    pub fn get(&self, uuid: &[u8; 16]) -> Result<&Entry, SecretError> {
        self.secrets.get(uuid).ok_or_else(|| {
            SecretError::NoSecret(format!(
                "no secret with matching uuid '{}'",
                uuid_string(uuid)
            ))
        })
    }

    /// The secret with this usage.
    pub fn by_usage(&self, usage_type: i32, usage_id: &str) -> Result<&Entry, SecretError> {
        self.secrets
            .values()
            .find(|e| e.def.usage.type_number() == usage_type && e.def.usage.id() == usage_id)
            .ok_or_else(|| {
                SecretError::NoSecret(format!("no secret with matching usage '{usage_id}'"))
            })
    }

    /// Define (or redefine) a secret with libvirt's rules: a UUID keeps its usage and its
    /// private flag; a usage belongs to one secret. Returns the stored definition.
    pub fn define(&mut self, def: Secret) -> Result<&Entry, SecretError> {
        let u = uuid_string(&def.uuid);
        let old = self.secrets.get(&def.uuid);
        match old {
            Some(o) => {
                if o.def.usage != def.usage {
                    return Err(SecretError::Internal(format!(
                        "a secret with UUID {u} is already defined for use with {}",
                        o.def.usage.id()
                    )));
                }
                if o.def.private && !def.private {
                    return Err(SecretError::Internal(
                        "cannot change private flag on existing secret".into(),
                    ));
                }
            }
            None => {
                if def.usage != Usage::None {
                    if let Some(other) = self.secrets.values().find(|e| e.def.usage == def.usage) {
                        return Err(SecretError::Internal(format!(
                            "a secret with UUID {} already defined for use with {}",
                            uuid_string(&other.def.uuid),
                            def.usage.id()
                        )));
                    }
                }
            }
        }
        let was_ephemeral = old.map(|o| o.def.ephemeral);
        let value = old.and_then(|o| o.value.clone());
        if !def.ephemeral {
            if was_ephemeral == Some(true) {
                if let Some(v) = &value {
                    self.save_value(&u, v)?;
                }
            }
            let path = self.config_file(&u);
            write_atomic(&path, secret::format(&def).as_bytes())
                .map_err(|e| SecretError::io(&path, e))?;
        } else if was_ephemeral == Some(false) {
            self.remove_files(&u)?;
        }
        let uuid = def.uuid;
        self.secrets.insert(uuid, Entry { def, value });
        self.get(&uuid)
    }

    /// Set a secret's value; a persistent one's is written sealed first.
    pub fn set_value(&mut self, uuid: &[u8; 16], value: &[u8]) -> Result<&Entry, SecretError> {
        let ephemeral = self.get(uuid)?.def.ephemeral;
        if !ephemeral {
            self.save_value(&uuid_string(uuid), value)?;
        }
        let e = self
            .secrets
            .get_mut(uuid)
            .ok_or_else(|| SecretError::Internal("the secret went away".into()))?;
        e.value = Some(Zeroizing::new(value.to_vec()));
        Ok(e)
    }

    fn save_value(&self, u: &str, value: &[u8]) -> Result<(), SecretError> {
        let sealed = self.value_file(u, SEALED);
        let content = Zeroizing::new(self.key.seal(value)?);
        write_atomic(&sealed, content.as_bytes()).map_err(|e| SecretError::io(&sealed, e))?;
        remove_if_there(&self.value_file(u, PLAIN))
    }

    /// Remove a secret and its files.
    pub fn undefine(&mut self, uuid: &[u8; 16]) -> Result<Entry, SecretError> {
        self.get(uuid)?;
        self.remove_files(&uuid_string(uuid))?;
        self.secrets
            .remove(uuid)
            .ok_or_else(|| SecretError::Internal("the secret went away".into()))
    }

    /// The definition first: once it is gone the secret does not load again, whatever remains.
    fn remove_files(&self, u: &str) -> Result<(), SecretError> {
        remove_if_there(&self.config_file(u))?;
        remove_if_there(&self.value_file(u, SEALED))?;
        remove_if_there(&self.value_file(u, PLAIN))
    }
}

fn remove_if_there(p: &Path) -> Result<(), SecretError> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SecretError::io(p, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> Store {
        Store::open(&dir.join("secrets"), HostKey::from_bytes([3; 32])).unwrap()
    }

    fn def(xml: &str) -> Secret {
        secret::parse(xml).unwrap()
    }

    const A: &str = "<secret private='yes'><uuid>11111111-2222-3333-4444-555555555555</uuid>\
                     <usage type='ceph'><name>a</name></usage></secret>";

    #[test]
    fn persistent_secrets_come_back_with_their_values_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let uuid = s.define(def(A)).unwrap().def.uuid;
        s.set_value(&uuid, b"hunter2").unwrap();
        s.define(def(
            "<secret ephemeral='yes'><uuid>21111111-2222-3333-4444-555555555555</uuid></secret>",
        ))
        .unwrap();
        let sealed = dir
            .path()
            .join("secrets/11111111-2222-3333-4444-555555555555.aes256cbc");
        let content = std::fs::read_to_string(&sealed).unwrap();
        assert!(
            !content.contains("aHVudGVyMg"),
            "the value is not stored in the clear"
        );
        let s = store(dir.path());
        assert_eq!(s.all().count(), 1, "ephemeral secrets are not kept");
        assert_eq!(
            &s.get(&uuid).unwrap().value.as_ref().unwrap()[..],
            b"hunter2"
        );
    }

    #[test]
    fn libvirt_9_plain_values_load() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("secrets");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("11111111-2222-3333-4444-555555555555.xml"),
            secret::format(&def(A)),
        )
        .unwrap();
        std::fs::write(
            d.join("11111111-2222-3333-4444-555555555555.base64"),
            "c2VjcmV0",
        )
        .unwrap();
        std::fs::write(d.join("bogus.xml"), "<secret/>").unwrap();
        let s = store(dir.path());
        assert_eq!(s.all().count(), 1);
        let e = s.by_usage(2, "a").unwrap();
        assert_eq!(&e.value.as_ref().unwrap()[..], b"secret");
    }

    #[test]
    fn libvirts_define_rules() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.define(def(A)).unwrap();
        let e = s
            .define(def(
                "<secret><usage type='ceph'><name>a</name></usage></secret>",
            ))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: a secret with UUID 11111111-2222-3333-4444-555555555555 already defined for use with a"
        );
        let e = s
            .define(def(
                "<secret><uuid>11111111-2222-3333-4444-555555555555</uuid>\
                         <usage type='ceph'><name>b</name></usage></secret>",
            ))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: a secret with UUID 11111111-2222-3333-4444-555555555555 is already defined for use with a"
        );
        let e = s
            .define(def(
                "<secret><uuid>11111111-2222-3333-4444-555555555555</uuid>\
                         <usage type='ceph'><name>a</name></usage></secret>",
            ))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: cannot change private flag on existing secret"
        );
        // usage 'none' is not unique
        s.define(def("<secret/>")).unwrap();
        s.define(def("<secret/>")).unwrap();
        assert_eq!(s.all().count(), 3);
        // persistent → ephemeral removes the files
        s.define(def("<secret ephemeral='yes' private='yes'><uuid>11111111-2222-3333-4444-555555555555</uuid>\
                      <usage type='ceph'><name>a</name></usage></secret>"))
            .unwrap();
        assert!(!dir
            .path()
            .join("secrets/11111111-2222-3333-4444-555555555555.xml")
            .exists());
        let uuid = s.by_usage(2, "a").unwrap().def.uuid;
        s.undefine(&uuid).unwrap();
        assert!(matches!(s.undefine(&uuid), Err(SecretError::NoSecret(_))));
    }
}
