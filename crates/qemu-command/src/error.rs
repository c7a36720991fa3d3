//! The command line's errors, and their one mapping to libvirt's code and domain.

use oxvirt_proto::errors::ErrorCode;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, VirError};

/// Why a definition has no QEMU command line.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The definition lacks something QEMU needs (VIR_ERR_INVALID_ARG).
    #[error("{0}")]
    InvalidArg(String),
    /// A device or setting oxvirt cannot start yet (VIR_ERR_CONFIG_UNSUPPORTED).
    #[error("{0}")]
    ConfigUnsupported(String),
    /// An inconsistency that the definition's defaults should have prevented.
    #[error("{0}")]
    Internal(String),
}

impl ToVirError for CommandError {
    fn to_vir_error(&self) -> VirError {
        match self {
            CommandError::InvalidArg(d) => {
                VirError::new(code::INVALID_ARG, domain::QEMU, d.clone())
            }
            CommandError::ConfigUnsupported(d) => {
                VirError::new(ErrorCode::ConfigUnsupported as i32, domain::QEMU, d.clone())
            }
            CommandError::Internal(d) => {
                VirError::new(code::INTERNAL_ERROR, domain::QEMU, d.clone())
            }
        }
    }
}
