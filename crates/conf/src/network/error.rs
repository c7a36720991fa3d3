//! Errors of network XML, in libvirt's terms: most come from the network code
//! (`VIR_FROM_NETWORK`), some from libvirt's generic XML and address helpers.

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::{ToVirError, VirError};

/// An error found while reading or checking a network (or network port) document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// Not well-formed XML (`VIR_ERR_XML_DETAIL`): libxml2's message and context lines.
    #[error("{doc}:{line}: {message}")]
    Malformed {
        /// The document's name in the message (`(network_definition)`).
        doc: &'static str,
        /// The line of the error.
        line: u32,
        /// libxml2's message.
        message: String,
    },
    /// `VIR_ERR_XML_ERROR` from the network code.
    #[error("XML error: {0}")]
    Xml(String),
    /// `VIR_ERR_XML_ERROR` from libvirt's generic XML helpers (`VIR_FROM_XML`).
    #[error("XML error: {0}")]
    XmlGeneric(String),
    /// `VIR_ERR_XML_DETAIL` from the network code: the whole message as given.
    #[error("{0}")]
    Detail(String),
    /// `VIR_ERR_XML_DETAIL` from libvirt's XML helpers (`invalid char in name: /`).
    #[error("{0}")]
    DetailGeneric(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED` from the network code.
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// `VIR_ERR_INTERNAL_ERROR` from the network code.
    #[error("internal error: {0}")]
    Internal(String),
    /// `VIR_ERR_INTERNAL_ERROR` from libvirt's utility code (`VIR_FROM_NONE`): address ranges.
    #[error("internal error: {0}")]
    InternalUtil(String),
    /// `VIR_ERR_XML_ERROR` from libvirt's utility code (`VIR_FROM_NONE`): VLANs, virtual ports.
    #[error("XML error: {0}")]
    XmlUtil(String),
    /// `VIR_ERR_XML_DETAIL` from libvirt's utility code: the whole message as given.
    #[error("{0}")]
    DetailUtil(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED` from libvirt's utility code: bandwidth, virtual ports.
    #[error("unsupported configuration: {0}")]
    UnsupportedUtil(String),
    /// `VIR_ERR_SYSTEM_ERROR` from libvirt's utility code: the whole message, ending with the
    /// resolver's text (an address that does not parse).
    #[error("{0}")]
    SystemUtil(String),
    /// `VIR_ERR_INVALID_ARG` from libvirt's utility code.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// `<name>` missing or empty (`VIR_ERR_NO_NAME`).
    #[error("missing name information")]
    NoName,
}

impl NetError {
    /// libvirt's error number (`virErrorNumber`).
    pub fn code(&self) -> i32 {
        (match self {
            NetError::Malformed { .. }
            | NetError::Detail(_)
            | NetError::DetailGeneric(_)
            | NetError::DetailUtil(_) => ErrorCode::XmlDetail,
            NetError::Xml(_) | NetError::XmlGeneric(_) | NetError::XmlUtil(_) => {
                ErrorCode::XmlError
            }
            NetError::Unsupported(_) | NetError::UnsupportedUtil(_) => ErrorCode::ConfigUnsupported,
            NetError::SystemUtil(_) => ErrorCode::SystemError,
            NetError::Internal(_) | NetError::InternalUtil(_) => ErrorCode::InternalError,
            NetError::InvalidArg(_) => ErrorCode::InvalidArg,
            NetError::NoName => ErrorCode::NoName,
        }) as i32
    }

    /// libvirt's error domain (`virErrorDomain`).
    pub fn domain(&self) -> i32 {
        (match self {
            NetError::XmlGeneric(_) | NetError::DetailGeneric(_) => ErrorDomain::Xml,
            NetError::InternalUtil(_)
            | NetError::InvalidArg(_)
            | NetError::XmlUtil(_)
            | NetError::DetailUtil(_)
            | NetError::UnsupportedUtil(_)
            | NetError::SystemUtil(_) => ErrorDomain::None,
            _ => ErrorDomain::Network,
        }) as i32
    }
}

impl ToVirError for NetError {
    fn to_vir_error(&self) -> VirError {
        match self {
            NetError::Malformed { .. }
            | NetError::Detail(_)
            | NetError::DetailGeneric(_)
            | NetError::DetailUtil(_)
            | NetError::SystemUtil(_) => {
                VirError::plain(self.code(), self.domain(), self.to_string())
            }
            NetError::NoName => VirError {
                code: self.code(),
                domain: self.domain(),
                message: self.to_string(),
                str1: Some(self.to_string()),
                str2: None,
            },
            NetError::Xml(m)
            | NetError::XmlGeneric(m)
            | NetError::Unsupported(m)
            | NetError::Internal(m)
            | NetError::InternalUtil(m)
            | NetError::XmlUtil(m)
            | NetError::UnsupportedUtil(m)
            | NetError::InvalidArg(m) => VirError::new(self.code(), self.domain(), m.clone()),
        }
    }
}

/// A `ConfError` from the shared XML helpers (malformed documents) in the network's terms.
pub(crate) fn from_conf(e: crate::ConfError, doc: &'static str) -> NetError {
    match e {
        crate::ConfError::Malformed { line, message, .. } => {
            NetError::Malformed { doc, line, message }
        }
        crate::ConfError::IllegalChar { what, ch } => {
            NetError::DetailGeneric(format!("invalid char in {what}: {ch}"))
        }
        other => NetError::Internal(other.detail()),
    }
}

/// The result of parsing and checking network XML.
pub type Result<T> = std::result::Result<T, NetError>;
