//! Errors of pool and volume XML, with libvirt's codes, domains and texts.

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::{ToVirError, VirError};

/// An error found reading a pool or volume document. Each variant is one `virReportError` of
/// libvirt's storage config code (`VIR_FROM_STORAGE` unless said otherwise).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageConfError {
    /// Not well-formed XML (`VIR_ERR_XML_DETAIL`): `(storage_pool_definition):LINE: ...` with
    /// libxml2's message and context lines.
    #[error("{0}")]
    Malformed(String),
    /// `VIR_ERR_XML_ERROR`: "XML error: ..."
    #[error("XML error: {0}")]
    Xml(String),
    /// The same from libvirt's generic XML helpers (`VIR_FROM_XML`): attribute values, the root
    /// element.
    #[error("XML error: {0}")]
    XmlValue(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED`: "unsupported configuration: ..."
    #[error("unsupported configuration: {0}")]
    Unsupported(String),
    /// `VIR_ERR_NO_SUPPORT` (the `cow` feature on a pool type without it).
    #[error("this function is not supported by the connection driver: {0}")]
    NoSupport(String),
    /// An unknown unit (`VIR_ERR_INVALID_ARG` from `VIR_FROM_NONE`).
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// A size over the limit (`VIR_ERR_OVERFLOW` from `VIR_FROM_NONE`).
    #[error("numerical overflow: {0}")]
    Overflow(String),
    /// `VIR_ERR_INTERNAL_ERROR`
    #[error("internal error: {0}")]
    Internal(String),
}

impl StorageConfError {
    /// libvirt's error number (`virErrorNumber`).
    pub fn code(&self) -> i32 {
        (match self {
            StorageConfError::Malformed(_) => ErrorCode::XmlDetail,
            StorageConfError::Xml(_) | StorageConfError::XmlValue(_) => ErrorCode::XmlError,
            StorageConfError::Unsupported(_) => ErrorCode::ConfigUnsupported,
            StorageConfError::NoSupport(_) => ErrorCode::NoSupport,
            StorageConfError::InvalidArg(_) => ErrorCode::InvalidArg,
            StorageConfError::Overflow(_) => ErrorCode::Overflow,
            StorageConfError::Internal(_) => ErrorCode::InternalError,
        }) as i32
    }

    /// libvirt's error domain (`virErrorDomain`).
    pub fn domain(&self) -> i32 {
        (match self {
            StorageConfError::XmlValue(_) => ErrorDomain::Xml,
            StorageConfError::InvalidArg(_) | StorageConfError::Overflow(_) => ErrorDomain::None,
            _ => ErrorDomain::Storage,
        }) as i32
    }

    /// The detail behind the code's standard prefix.
    pub fn detail(&self) -> String {
        match self {
            StorageConfError::Malformed(m)
            | StorageConfError::Xml(m)
            | StorageConfError::XmlValue(m)
            | StorageConfError::Unsupported(m)
            | StorageConfError::NoSupport(m)
            | StorageConfError::InvalidArg(m)
            | StorageConfError::Overflow(m)
            | StorageConfError::Internal(m) => m.clone(),
        }
    }
}

impl ToVirError for StorageConfError {
    fn to_vir_error(&self) -> VirError {
        match self {
            StorageConfError::Malformed(m) => VirError::plain(self.code(), self.domain(), m),
            _ => VirError::new(self.code(), self.domain(), self.detail()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_texts_are_libvirts() {
        let e = StorageConfError::Xml("missing capacity element".into());
        assert_eq!((e.code(), e.domain()), (27, 18));
        assert_eq!(e.to_string(), "XML error: missing capacity element");
        let e = StorageConfError::InvalidArg("unknown suffix 'x'".into());
        assert_eq!((e.code(), e.domain()), (8, 0));
        assert_eq!(
            e.to_vir_error().message,
            "invalid argument: unknown suffix 'x'"
        );
    }
}
