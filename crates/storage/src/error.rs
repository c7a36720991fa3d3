//! The storage driver's errors, mapped to libvirt's codes and texts at the RPC boundary.

use oxvirt_conf::storage::StorageConfError;
use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
pub(crate) use oxvirt_proto::vir_error::strerror;
use oxvirt_proto::{ToVirError, VirError};

/// An error of a storage call.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The pool or volume XML was refused.
    #[error(transparent)]
    Conf(#[from] StorageConfError),
    /// `VIR_ERR_NO_STORAGE_POOL`: "no storage pool with matching ..."
    #[error("Storage pool not found: {0}")]
    NoPool(String),
    /// `VIR_ERR_NO_STORAGE_VOL`: "no storage vol with matching ..."
    #[error("Storage volume not found: {0}")]
    NoVol(String),
    /// `VIR_ERR_OPERATION_INVALID`: the object is not in a state for the call.
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// `VIR_ERR_OPERATION_FAILED`
    #[error("operation failed: {0}")]
    OperationFailed(String),
    /// `VIR_ERR_STORAGE_VOL_EXIST`: the detail is the quoted name.
    #[error("storage volume {0} exists already")]
    VolExists(String),
    /// `VIR_ERR_INVALID_ARG`
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED`
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// `VIR_ERR_STORAGE_POOL_BUILT`: the pool's device holds a file system already.
    #[error("Storage pool already built: {0}")]
    Built(String),
    /// `VIR_ERR_INTERNAL_ERROR`
    #[error("internal error: {0}")]
    Internal(String),
    /// `VIR_ERR_SYSTEM_ERROR`: what failed, then the OS error's text.
    #[error("{what}: {source}")]
    System {
        what: String,
        source: std::io::Error,
    },
    /// An error already in libvirt's terms (decoding, unsupported flags).
    #[error("{}", .0.message)]
    Vir(VirError),
}

impl StorageError {
    /// `VIR_ERR_SYSTEM_ERROR` for `what` failing with `source`.
    pub fn system(what: impl Into<String>, source: std::io::Error) -> Self {
        StorageError::System {
            what: what.into(),
            source,
        }
    }
}

impl ToVirError for StorageError {
    fn to_vir_error(&self) -> VirError {
        let storage = ErrorDomain::Storage as i32;
        let new = |code: ErrorCode, detail: &str| VirError::new(code as i32, storage, detail);
        match self {
            StorageError::Conf(e) => e.to_vir_error(),
            StorageError::NoPool(d) => new(ErrorCode::NoStoragePool, d),
            StorageError::NoVol(d) => new(ErrorCode::NoStorageVol, d),
            StorageError::OperationInvalid(d) => new(ErrorCode::OperationInvalid, d),
            StorageError::OperationFailed(d) => new(ErrorCode::OperationFailed, d),
            StorageError::VolExists(d) => new(ErrorCode::StorageVolExist, d),
            StorageError::InvalidArg(d) => new(ErrorCode::InvalidArg, d),
            StorageError::Unsupported(d) => new(ErrorCode::ConfigUnsupported, d),
            StorageError::Built(d) => new(ErrorCode::StoragePoolBuilt, d),
            StorageError::Internal(d) => new(ErrorCode::InternalError, d),
            StorageError::System { what, source } => VirError::plain(
                ErrorCode::SystemError as i32,
                storage,
                format!("{what}: {}", strerror(source)),
            ),
            StorageError::Vir(v) => v.clone(),
        }
    }
}

impl From<oxvirt_xdr::Error> for StorageError {
    fn from(e: oxvirt_xdr::Error) -> Self {
        StorageError::Internal(format!("cannot encode the reply: {e}"))
    }
}

/// The result of storage calls.
pub type Result<T> = std::result::Result<T, StorageError>;
