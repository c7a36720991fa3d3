//! The secret driver (`oxvirt-secretd`): secrets defined, looked up and valued as libvirt 9.0's
//! secret driver does, their values sealed at rest with a host key ([`crypt`]), with lifecycle
//! and value-changed events. qemud and storaged read secrets over the wire, like any client.
//!
//! - [`store`]: the secrets in memory and on disk (`etc/secrets`), libvirt's define rules;
//! - [`calls`]: the procedures, registered on the one routing table ([`oxvirt_remote::Router`]);
//! - [`events`]: event registrations and delivery;
//! - [`daemon`]: the driver served on its sockets by the runtime.

#![warn(missing_docs, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::secret::NonnullSecret;
use oxvirt_proto::vir_error::code;
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver};
use oxvirt_rpc::server::Client;

pub mod calls;
pub mod crypt;
pub mod daemon;
pub mod events;
pub mod store;

use crypt::HostKey;
use events::SecretEvents;
use store::{Entry, Store};

/// What can go wrong in the secret driver, in libvirt's terms at the RPC boundary.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A definition that does not parse or check.
    #[error(transparent)]
    Conf(#[from] oxvirt_conf::secret::SecretError),
    /// `VIR_ERR_NO_SECRET`.
    #[error("Secret not found: {0}")]
    NoSecret(String),
    /// `VIR_ERR_INVALID_SECRET`.
    #[error("Invalid secret: {0}")]
    InvalidSecret(String),
    /// `VIR_ERR_INTERNAL_ERROR` from the secret code.
    #[error("internal error: {0}")]
    Internal(String),
    /// Flags the call does not take.
    #[error("unsupported flags (0x{flags:x}) in function {func}")]
    Flags {
        /// The flags given.
        flags: u32,
        /// libvirt's driver function named in the message.
        func: &'static str,
    },
    /// A file could not be read or written.
    #[error("cannot access '{path}': {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The host key is unusable.
    #[error("cannot use the secrets' key {path}: {why}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        why: String,
    },
}

impl SecretError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        SecretError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl ToVirError for SecretError {
    fn to_vir_error(&self) -> VirError {
        let secret = ErrorDomain::Secret as i32;
        match self {
            SecretError::Conf(e) => e.to_vir_error(),
            SecretError::NoSecret(m) => {
                VirError::new(ErrorCode::NoSecret as i32, secret, m.clone())
            }
            SecretError::InvalidSecret(m) => {
                VirError::new(ErrorCode::InvalidSecret as i32, secret, m.clone())
            }
            SecretError::Internal(m) => VirError::new(code::INTERNAL_ERROR, secret, m.clone()),
            // the secret driver's own flag checks: libvirt 9.0 sends them without the
            // "invalid argument: " prefix of the API-level checks
            SecretError::Flags { .. } => {
                VirError::plain(code::INVALID_ARG, secret, self.to_string())
            }
            SecretError::Io { .. } => VirError::plain(code::SYSTEM_ERROR, secret, self.to_string()),
            SecretError::Key { .. } => {
                VirError::new(code::INTERNAL_ERROR, secret, self.to_string())
            }
        }
    }
}

/// The secret driver.
#[derive(Debug)]
pub struct SecretDriver {
    store: Mutex<Store>,
    secret_events: SecretEvents,
    events: EventHub,
    privileged: bool,
    /// The run directory of the root (its system token: the root's daemons, which may read
    /// private secrets).
    run_dir: std::path::PathBuf,
}

/// The handle of a secret, as the wire carries it.
pub fn handle(e: &Entry) -> NonnullSecret {
    NonnullSecret {
        uuid: e.def.uuid,
        usage_type: e.def.usage.type_number(),
        usage_id: e.def.usage.id().to_owned(),
    }
}

impl SecretDriver {
    /// The driver over the secrets in `etc/secrets` of `paths`, sealed with the host key
    /// (systemd's credential, or `lib/secrets-encryption-key`, made on first start).
    pub fn new(paths: &oxvirt_daemon::Paths, privileged: bool) -> Result<Arc<Self>, SecretError> {
        let key = HostKey::load_or_create(&paths.lib.join(crypt::KEY_NAME))?;
        let store = Store::open(&paths.etc.join("secrets"), key)?;
        Ok(Arc::new(SecretDriver {
            store: Mutex::new(store),
            secret_events: SecretEvents::default(),
            events: EventHub::new(),
            privileged,
            run_dir: paths.run.clone(),
        }))
    }

    /// The URI a connection opened without a name gets.
    pub fn default_uri(&self) -> &'static str {
        if self.privileged {
            "secret:///system"
        } else {
            "secret:///session"
        }
    }
}

impl Driver for SecretDriver {
    fn open(&self, name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        // the driver's own URIs only: qemud reaches it as SCHEME:///system
        oxvirt_remote::uri::open_driver_uri(name, self.default_uri(), &["secret"])
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        calls::ROUTES.dispatch(self, ctx).await
    }
}
