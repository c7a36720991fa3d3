//! The library's error: what went wrong, with libvirt's error code and domain for every case,
//! so programs can match on the same numbers as with libvirt's own client.

use oxvirt_proto::vir_error::{code as vcode, domain as vdomain};
use oxvirt_proto::{ToVirError, VirError};

/// libvirt's error codes a program commonly checks ([`Error::code`]).
/// Every code of libvirt 9.0, e.g. `XML_ERROR` (the XML is not a valid description),
/// `XML_DETAIL` (the XML is malformed), `CONFIG_UNSUPPORTED`, `AUTH_FAILED`.
pub mod code {
    pub use oxvirt_proto::vir_error::code::*;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The daemon (or the embedded driver) refused the call: libvirt's code, domain and
    /// message, exactly as the server sent them.
    #[error("{0}")]
    Libvirt(VirError),
    /// The URI cannot be used.
    #[error("invalid URI '{uri}': {reason}")]
    Uri { uri: String, reason: String },
    /// No daemon socket answered.
    #[error("cannot connect to {uri}: {reason}")]
    Connect { uri: String, reason: String },
    /// The connection broke (daemon gone, keepalive timeout, closed).
    #[error("the connection to {uri} is closed")]
    Closed { uri: String },
    /// Setting up the embedded driver failed.
    #[error("cannot open the embedded root {root}: {reason}")]
    Embedded { root: String, reason: String },
    /// An RPC-level failure (undecodable reply, transport error).
    #[error("{0}")]
    Rpc(String),
    /// A reply that does not make sense (e.g. a malformed UUID).
    #[error("unexpected reply: {0}")]
    Protocol(String),
}

impl Error {
    /// libvirt's error code (`virErrorNumber`).
    pub fn code(&self) -> i32 {
        match self {
            Error::Libvirt(e) => e.code,
            Error::Uri { .. } => vcode::INVALID_ARG,
            Error::Connect { .. } | Error::Embedded { .. } => vcode::SYSTEM_ERROR,
            Error::Closed { .. } | Error::Rpc(_) | Error::Protocol(_) => vcode::RPC,
        }
    }

    /// libvirt's error domain (`virErrorDomain`).
    pub fn domain(&self) -> i32 {
        match self {
            Error::Libvirt(e) => e.domain,
            Error::Embedded { .. } => vdomain::QEMU,
            _ => vdomain::REMOTE,
        }
    }

    /// The error as libvirt states it (code, domain, message).
    pub fn to_vir_error(&self) -> VirError {
        match self {
            Error::Libvirt(e) => e.clone(),
            other => VirError::plain(other.code(), other.domain(), other.to_string()),
        }
    }

    pub(crate) fn from_client(uri: &str, e: oxvirt_rpc::client::ClientError) -> Error {
        use oxvirt_rpc::client::ClientError as C;
        match e {
            C::Remote(v) => Error::Libvirt(v),
            C::Closed => Error::Closed {
                uri: uri.to_owned(),
            },
            C::Connect { path, source } => Error::Connect {
                uri: uri.to_owned(),
                reason: format!("{path}: {source}"),
            },
            other => Error::Rpc(other.to_vir_error().message),
        }
    }
}

impl ToVirError for Error {
    fn to_vir_error(&self) -> VirError {
        Error::to_vir_error(self)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
