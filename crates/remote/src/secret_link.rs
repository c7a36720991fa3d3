//! A driver's own connection to the secret daemon, to read secret values over the wire as
//! libvirt's drivers do through their `secret:///system` connection (`virGetConnectSecret`,
//! `virSecretGetSecretString`): the storage daemon for the passphrase of a LUKS volume it
//! creates, the QEMU daemon for the disks of a guest. Nothing but the secret daemon reads its
//! files.
//!
//! A private secret's value is given to libvirt's own daemons only: a driver making an
//! internal call elevates its identity, which adds the host's *system token* to the identity
//! its secondary connection sets (CONNECT_SET_IDENTITY), and the secret daemon compares it
//! with its own (`virIdentityIsCurrentElevated`). oxvirt keeps that token in the run directory
//! the daemons of one root share ([`system_token`], `run/system.token`, mode 0600, as
//! libvirt's `/run/libvirt/common/system.token`); a client that is not one of the daemons
//! cannot read it, so cannot claim it.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::secret::{
    NonnullSecret, SecretFlagsArgs, SecretGetValueRet, SecretLookupByUsageArgs,
    SecretLookupByUuidArgs, SecretRet,
};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, TypedParam, TypedParamValue, VirError};
use oxvirt_rpc::client::Client as RpcClient;
use zeroize::Zeroizing;

use crate::forward::{self, Upstream};

/// The identity parameter carrying the system token (`VIR_CONNECT_IDENTITY_SYSTEM_TOKEN`).
pub const SYSTEM_TOKEN_PARAM: &str = "system.token";

/// `VIR_SECRET_USAGE_TYPE_VOLUME`.
pub const USAGE_VOLUME: i32 = 1;

/// The file holding the system token of the daemons sharing `run_dir`.
pub fn system_token_path(run_dir: &Path) -> PathBuf {
    run_dir.join("system.token")
}

/// The system token of the daemons sharing `run_dir`: read, or made by the first daemon that
/// needs it (32 random bytes as hex; written to a temporary file and hard-linked into place,
/// so two daemons racing agree on the first one's and nobody sees a partial file).
pub fn system_token(run_dir: &Path) -> std::io::Result<Zeroizing<String>> {
    let path = system_token_path(run_dir);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => return Ok(Zeroizing::new(t.trim().to_owned())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut raw = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut raw[..]).map_err(|e| std::io::Error::other(e.to_string()))?;
    let token: Zeroizing<String> = Zeroizing::new(raw.iter().map(|b| format!("{b:02x}")).collect());
    let tmp = run_dir.join(format!(".system.token.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(token.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::hard_link(&tmp, &path));
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let t = std::fs::read_to_string(&path)?;
            Ok(Zeroizing::new(t.trim().to_owned()))
        }
        Err(e) => Err(e),
    }
}

/// Whether a forwarded identity carries the system token of `run_dir` (the caller is one of the
/// root's daemons making an internal call).
pub fn is_elevated(identity: Option<&[TypedParam]>, run_dir: &Path) -> bool {
    let Some(claimed) = identity.and_then(|ps| {
        ps.iter().find_map(|p| match (&*p.field, &p.value) {
            (SYSTEM_TOKEN_PARAM, TypedParamValue::String(s)) => Some(s.as_str()),
            _ => None,
        })
    }) else {
        return false;
    };
    match std::fs::read_to_string(system_token_path(run_dir)) {
        Ok(t) => {
            let t = Zeroizing::new(t);
            let own = t.trim().as_bytes();
            // the same length and bytes, compared without an early exit
            own.len() == claimed.len()
                && !own.is_empty()
                && own
                    .iter()
                    .zip(claimed.as_bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        }
        Err(_) => false,
    }
}

/// How a definition names its secret: `<secret uuid=>` or `<secret usage=>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretLookup<'a> {
    /// By the secret's UUID.
    Uuid(&'a [u8; 16]),
    /// By its usage type (libvirt's `VIR_SECRET_USAGE_TYPE_*`) and usage id (a volume's path,
    /// a Ceph or iSCSI name).
    Usage(i32, &'a str),
}

/// The driver's connection to the secret daemon (one per driver, opened on first use and
/// again after the daemon went away).
#[derive(Debug)]
pub struct SecretLink {
    upstream: Option<Upstream>,
    run_dir: PathBuf,
    conn: tokio::sync::Mutex<Option<RpcClient>>,
}

impl SecretLink {
    /// A link to the secret daemon at `upstream` (`None`: there is none), for a daemon whose
    /// run directory (and system token) is `run_dir`.
    pub fn new(upstream: Option<Upstream>, run_dir: &Path) -> Self {
        SecretLink {
            upstream,
            run_dir: run_dir.to_owned(),
            conn: tokio::sync::Mutex::new(None),
        }
    }

    /// This process's identity, elevated: its user, group and pid, and the system token.
    fn identity(&self) -> Result<Vec<TypedParam>, VirError> {
        let token = system_token(&self.run_dir).map_err(|e| {
            VirError::new(
                code::SYSTEM_ERROR,
                domain::NONE,
                format!(
                    "cannot read the system token '{}': {}",
                    system_token_path(&self.run_dir).display(),
                    oxvirt_proto::vir_error::strerror(&e)
                ),
            )
        })?;
        let p = |field: &str, value| TypedParam {
            field: field.to_owned(),
            value,
        };
        Ok(vec![
            p(
                "unix-user-id",
                TypedParamValue::ULLong(u64::from(rustix::process::getuid().as_raw())),
            ),
            p(
                "unix-group-id",
                TypedParamValue::ULLong(u64::from(rustix::process::getgid().as_raw())),
            ),
            p(
                "process-id",
                TypedParamValue::LLong(i64::from(std::process::id())),
            ),
            p(
                SYSTEM_TOKEN_PARAM,
                TypedParamValue::String(token.to_string()),
            ),
        ])
    }

    async fn client(&self) -> Result<RpcClient, VirError> {
        let Some(up) = &self.upstream else {
            return Err(VirError::new(
                code::NO_SUPPORT,
                domain::SECRET,
                "virSecretLookupByUUID",
            ));
        };
        let mut conn = self.conn.lock().await;
        if let Some(c) = conn.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        let (c, _events) = forward::open(up, Some(self.identity()?)).await?;
        *conn = Some(c.clone());
        Ok(c)
    }

    async fn call<A, R>(&self, procedure: i32, args: &A) -> Result<R, VirError>
    where
        A: oxvirt_xdr::Encode + ?Sized,
        R: oxvirt_xdr::Decode,
    {
        let c = self.client().await?;
        c.call(REMOTE_PROGRAM, procedure, args)
            .await
            .map_err(|e| e.to_vir_error())
    }

    /// The secret a definition names (the secret daemon's "Secret not found" if none).
    pub async fn lookup(&self, l: SecretLookup<'_>) -> Result<NonnullSecret, VirError> {
        let r: SecretRet = match l {
            SecretLookup::Uuid(u) => {
                self.call(
                    rp::SECRET_LOOKUP_BY_UUID,
                    &SecretLookupByUuidArgs { uuid: *u },
                )
                .await?
            }
            SecretLookup::Usage(usage_type, id) => {
                self.call(
                    rp::SECRET_LOOKUP_BY_USAGE,
                    &SecretLookupByUsageArgs {
                        usage_type,
                        usage_id: id.to_owned(),
                    },
                )
                .await?
            }
        };
        Ok(r.secret)
    }

    /// The value of the secret a definition names (`virSecretGetSecretString`).
    pub async fn value(&self, l: SecretLookup<'_>) -> Result<Zeroizing<Vec<u8>>, VirError> {
        let secret = self.lookup(l).await?;
        let r: SecretGetValueRet = self
            .call(rp::SECRET_GET_VALUE, &SecretFlagsArgs { secret, flags: 0 })
            .await?;
        Ok(Zeroizing::new(r.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_and_checked() {
        let d = tempfile_dir();
        let a = system_token(&d).unwrap();
        let b = system_token(&d).unwrap();
        assert_eq!(*a, *b);
        assert_eq!(a.len(), 64);
        let with = |s: &str| {
            vec![TypedParam {
                field: SYSTEM_TOKEN_PARAM.into(),
                value: TypedParamValue::String(s.into()),
            }]
        };
        assert!(is_elevated(Some(&with(&a)), &d));
        assert!(!is_elevated(Some(&with("0000")), &d));
        assert!(!is_elevated(Some(&with("")), &d));
        assert!(!is_elevated(None, &d));
        assert!(!is_elevated(Some(&with(&a)), &d.join("elsewhere")));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(system_token_path(&d))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "oxvirt-token-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
