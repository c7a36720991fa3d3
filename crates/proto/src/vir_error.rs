//! [`VirError`]: an error as libvirt's clients see it (code, domain, message), and the one
//! conversion every crate's typed error goes through at the RPC boundary ([`ToVirError`]).

use crate::types::WireError;

mod numbers;

pub use numbers::{code, domain};

/// An error in libvirt's terms, ready to be sent in a REPLY with status ERROR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VirError {
    pub code: i32,
    pub domain: i32,
    /// The full text clients print.
    pub message: String,
    /// The format string libvirtd puts in `str1` (e.g. `"internal error: %s"`).
    pub str1: Option<String>,
    /// The detail libvirtd puts in `str2`.
    pub str2: Option<String>,
}

impl VirError {
    /// An error whose message is `detail` behind libvirt's standard prefix for `code`.
    pub fn new(code: i32, domain: i32, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let (message, str1) = prefixed(code, &detail);
        VirError {
            code,
            domain,
            message,
            str1: Some(str1),
            str2: Some(detail),
        }
    }

    /// An error with an exact message and no prefix (RPC-layer errors such as
    /// "unknown procedure: N" are sent this way by libvirtd).
    pub fn plain(code: i32, domain: i32, message: impl Into<String>) -> Self {
        let message = message.into();
        VirError {
            code,
            domain,
            str1: Some("%s".into()),
            str2: Some(message.clone()),
            message,
        }
    }

    /// 39/7 with an exact message, for protocol-level problems.
    pub fn rpc(message: impl Into<String>) -> Self {
        Self::plain(code::RPC, domain::RPC, message)
    }

    /// The error libvirt gives for a procedure nobody implements (clients turn it into
    /// NO_SUPPORT and fall back to older calls).
    pub fn unknown_procedure(procedure: i32) -> Self {
        Self::rpc(format!("unknown procedure: {procedure}"))
    }

    /// 1/7 "internal error: ..." from the RPC layer.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(code::INTERNAL_ERROR, domain::RPC, detail)
    }

    /// 8 "invalid argument: unsupported flags (0x..) in function virXxx".
    pub fn unsupported_flags(flags: u32, func: &str, domain: i32) -> Self {
        Self::new(
            code::INVALID_ARG,
            domain,
            format!("unsupported flags (0x{flags:x}) in function {func}"),
        )
    }

    pub fn to_wire(&self) -> WireError {
        WireError::new(
            self.code,
            self.domain,
            self.message.clone(),
            self.str1.clone(),
            self.str2.clone(),
        )
    }

    pub fn from_wire(w: &WireError) -> Self {
        VirError {
            code: w.code,
            domain: w.domain,
            message: w.message.clone().unwrap_or_default(),
            str1: w.str1.clone(),
            str2: w.str2.clone(),
        }
    }
}

/// libvirt's message for `code` with a detail, and the format string behind it.
fn prefixed(code: i32, detail: &str) -> (String, String) {
    match crate::errors::ErrorCode::from_i32(code) {
        Some(c) => {
            let t = crate::errors::format_error(c, Some(detail));
            (t.message, t.str1.to_owned())
        }
        None => (detail.to_owned(), "%s".to_owned()),
    }
}

/// Implemented by every crate's error type: the single mapping to libvirt's code and domain.
pub trait ToVirError {
    fn to_vir_error(&self) -> VirError;
}

impl ToVirError for VirError {
    fn to_vir_error(&self) -> VirError {
        self.clone()
    }
}

impl ToVirError for oxvirt_xdr::Error {
    fn to_vir_error(&self) -> VirError {
        VirError::rpc("Unable to decode message payload")
    }
}

/// `g_strerror(errno)`: the C library's text of an I/O error, without Rust's
/// " (os error N)" suffix, as libvirt's messages quote it.
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}
