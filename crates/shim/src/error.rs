//! The shim's errors, and their one mapping to libvirt's code and domain (what the driver's
//! client sees: the shim protocol carries them as libvirt errors).

use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_qmp::QmpError;

/// Why a shim call failed.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    /// A call's arguments could not be decoded.
    #[error("Unable to decode message payload")]
    Decode,
    /// An argument out of range (VIR_ERR_INVALID_ARG).
    #[error("{0}")]
    InvalidArg(String),
    /// The domain names no emulator.
    #[error("Cannot find suitable emulator for x86_64")]
    NoEmulator,
    /// The status document does not parse.
    #[error(transparent)]
    Conf(#[from] oxvirt_conf::ConfError),
    /// The definition has no QEMU command line.
    #[error(transparent)]
    Command(#[from] oxvirt_qemu_command::CommandError),
    /// A system call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// VIR_ERR_OPERATION_INVALID: the call does not fit the domain's state.
    #[error("{0}")]
    OperationInvalid(String),
    /// VIR_ERR_OPERATION_FAILED.
    #[error("{0}")]
    OperationFailed(String),
    /// VIR_ERR_INTERNAL_ERROR.
    #[error("{0}")]
    Internal(String),
    /// VIR_ERR_BLOCK_COPY_ACTIVE: a disk's block job is in the way.
    #[error("{0}")]
    BlockCopyActive(String),
    /// Another call holds the domain's job and QEMU is not answering it.
    #[error("{0}")]
    Busy(String),
    /// QEMU's monitor failed or refused a command.
    #[error(transparent)]
    Qmp(#[from] QmpError),
}

impl From<oxvirt_xdr::Error> for ShimError {
    fn from(_: oxvirt_xdr::Error) -> Self {
        ShimError::Decode
    }
}

impl ToVirError for ShimError {
    fn to_vir_error(&self) -> VirError {
        let detail = self.to_string();
        match self {
            ShimError::Decode => VirError::rpc(detail),
            ShimError::InvalidArg(_) => VirError::new(code::INVALID_ARG, domain::QEMU, detail),
            ShimError::NoEmulator => VirError::new(code::INTERNAL_ERROR, domain::QEMU, detail),
            ShimError::Conf(c) => c.to_vir_error(),
            ShimError::Command(c) => c.to_vir_error(),
            ShimError::Io { .. } => VirError::plain(code::SYSTEM_ERROR, domain::QEMU, detail),
            ShimError::OperationInvalid(d) => {
                VirError::new(code::OPERATION_INVALID, domain::QEMU, d.clone())
            }
            ShimError::OperationFailed(d) => {
                VirError::new(code::OPERATION_FAILED, domain::QEMU, d.clone())
            }
            ShimError::Internal(d) => VirError::new(code::INTERNAL_ERROR, domain::QEMU, d.clone()),
            ShimError::BlockCopyActive(d) => {
                VirError::new(code::BLOCK_COPY_ACTIVE, domain::QEMU, d.clone())
            }
            // libvirt's busy-domain error: code 68, domain 0
            ShimError::Busy(d) => VirError::new(code::OPERATION_TIMEOUT, domain::NONE, d.clone()),
            ShimError::Qmp(QmpError::Timeout { .. }) => {
                VirError::new(code::OPERATION_TIMEOUT, domain::QEMU, detail)
            }
            ShimError::Qmp(QmpError::Command { desc, .. }) => {
                VirError::new(code::INTERNAL_ERROR, domain::QEMU, desc.clone())
            }
            ShimError::Qmp(_) => VirError::new(code::INTERNAL_ERROR, domain::QEMU, detail),
        }
    }
}
