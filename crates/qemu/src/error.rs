//! The QEMU driver's errors, and their one mapping to libvirt's code and domain.

use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, VirError};

#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// A call's arguments could not be decoded.
    #[error("Unable to decode message payload")]
    Decode,
    /// An error already in libvirt's terms (e.g. from the RPC layer).
    #[error("{0}")]
    Vir(VirError),
    #[error("unsupported flags (0x{flags:x}) in function {func}")]
    UnsupportedFlags { flags: u32, func: &'static str },
    #[error("{0}")]
    InvalidArg(String),
    #[error("unexpected QEMU URI path '{0}', try qemu:///system")]
    UnexpectedUriPath(String),
    #[error("Cannot find suitable emulator for x86_64")]
    NoEmulator,
    #[error("no domain with matching name '{0}'")]
    NoDomainName(String),
    #[error("no domain with matching uuid '{0}'")]
    NoDomainUuid(String),
    /// A handle whose domain is gone: libvirt names both.
    #[error("no domain with matching uuid '{0}' ({1})")]
    NoDomainHandle(String, String),
    #[error("no domain with matching id {0}")]
    NoDomainId(i32),
    #[error(transparent)]
    Host(#[from] oxvirt_host::HostError),
    #[error(transparent)]
    Conf(#[from] oxvirt_conf::ConfError),
    /// Name/UUID clash on define.
    #[error("{0}")]
    DomainExists(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    ConfigUnsupported(String),
    /// VIR_ERR_OPERATION_INVALID: the call does not fit the domain's state.
    #[error("{0}")]
    OperationInvalid(String),
    #[error("{0}")]
    OperationFailed(String),
    #[error("{0}")]
    Internal(String),
    /// The domain's shim or QEMU did not answer within the call's deadline.
    #[error("{0}")]
    Timeout(String),
    /// Another call holds the domain's job and QEMU is not answering it.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Qmp(#[from] oxvirt_qmp::QmpError),
    /// A shim-side error met in the driver's process (reading a status file).
    #[error(transparent)]
    Shim(#[from] oxvirt_shim::ShimError),
    /// A domain QEMU cannot be started for.
    #[error(transparent)]
    Command(#[from] oxvirt_qemu_command::CommandError),
    /// Another process owns the state root (its lock, its VMs, its sockets).
    #[error("root {} is in use by {}", root.display(), match pid { Some(p) => format!("pid {p}"), None => "another process".to_owned() })]
    RootInUse {
        root: std::path::PathBuf,
        pid: Option<u32>,
    },
}

impl From<oxvirt_xdr::Error> for QemuError {
    fn from(_: oxvirt_xdr::Error) -> Self {
        QemuError::Decode
    }
}

impl ToVirError for QemuError {
    fn to_vir_error(&self) -> VirError {
        let detail = self.to_string();
        match self {
            QemuError::Decode => VirError::rpc(detail),
            QemuError::Vir(e) => e.clone(),
            // the driver's virCheckFlags: no "invalid argument: " prefix, str1 the function,
            // str2 "flags" (as libvirt 9.0 answers)
            QemuError::UnsupportedFlags { func, .. } => VirError {
                code: code::INVALID_ARG,
                domain: domain::QEMU,
                message: detail,
                str1: Some((*func).to_owned()),
                str2: Some("flags".to_owned()),
            },
            QemuError::InvalidArg(_) => VirError::new(code::INVALID_ARG, domain::QEMU, detail),
            QemuError::UnexpectedUriPath(_) | QemuError::NoEmulator => {
                VirError::new(code::INTERNAL_ERROR, domain::QEMU, detail)
            }
            QemuError::NoDomainName(_)
            | QemuError::NoDomainUuid(_)
            | QemuError::NoDomainId(_)
            | QemuError::NoDomainHandle(..) => VirError::new(code::NO_DOMAIN, domain::QEMU, detail),
            QemuError::Host(h) => host_error(h),
            QemuError::Conf(c) => c.to_vir_error(),
            QemuError::DomainExists(d) => {
                VirError::new(code::OPERATION_FAILED, domain::QEMU, d.clone())
            }
            QemuError::Io { .. } => VirError::plain(code::SYSTEM_ERROR, domain::QEMU, detail),
            QemuError::ConfigUnsupported(d) => {
                VirError::new(code::CONFIG_UNSUPPORTED, domain::QEMU, d.clone())
            }
            QemuError::OperationInvalid(d) => {
                VirError::new(code::OPERATION_INVALID, domain::QEMU, d.clone())
            }
            QemuError::OperationFailed(d) => {
                VirError::new(code::OPERATION_FAILED, domain::QEMU, d.clone())
            }
            QemuError::Internal(d) => VirError::new(code::INTERNAL_ERROR, domain::QEMU, d.clone()),
            QemuError::RootInUse { .. } => {
                VirError::new(code::OPERATION_FAILED, domain::QEMU, detail)
            }
            QemuError::Timeout(d) => {
                VirError::new(code::OPERATION_TIMEOUT, domain::QEMU, d.clone())
            }
            // libvirt's busy-domain error: code 68, domain 0
            QemuError::Busy(d) => VirError::new(code::OPERATION_TIMEOUT, domain::NONE, d.clone()),
            QemuError::Qmp(oxvirt_qmp::QmpError::Timeout { .. }) => {
                VirError::new(code::OPERATION_TIMEOUT, domain::QEMU, detail)
            }
            QemuError::Qmp(oxvirt_qmp::QmpError::Command { desc, .. }) => {
                VirError::new(code::INTERNAL_ERROR, domain::QEMU, desc.clone())
            }
            QemuError::Qmp(_) => VirError::new(code::INTERNAL_ERROR, domain::QEMU, detail),
            QemuError::Shim(e) => e.to_vir_error(),
            QemuError::Command(e) => e.to_vir_error(),
        }
    }
}

/// libvirt's errors from the host queries: argument checks carry an exact message (with the
/// reporting function and argument name in str1/str2), the rest libvirt's standard prefix.
fn host_error(h: &oxvirt_host::HostError) -> VirError {
    match h {
        oxvirt_host::HostError::InvalidArg {
            message, func, arg, ..
        } => VirError {
            code: h.code(),
            domain: h.domain(),
            message: message.clone(),
            str1: Some((*func).to_owned()),
            str2: Some((*arg).to_owned()),
        },
        _ => match h.detail() {
            Some(d) => VirError::new(h.code(), h.domain(), d),
            None => VirError::plain(h.code(), h.domain(), h.to_string()),
        },
    }
}
