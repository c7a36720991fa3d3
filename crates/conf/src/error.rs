//! Errors of XML parsing and validation, in libvirt's terms.

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::{ToVirError, VirError};

/// Which part of libvirt reports an error: the generic domain config code
/// (`VIR_FROM_DOMAIN`) or the QEMU driver's checks (`VIR_FROM_QEMU`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `VIR_FROM_DOMAIN` (20)
    Domain,
    /// `VIR_FROM_QEMU` (10)
    Qemu,
    /// `VIR_FROM_XML` (5): libvirt's generic XML helpers
    Xml,
}

impl Origin {
    fn code(self) -> i32 {
        match self {
            Origin::Domain => ErrorDomain::Domain as i32,
            Origin::Qemu => ErrorDomain::Qemu as i32,
            Origin::Xml => ErrorDomain::Xml as i32,
        }
    }
}

/// An error found while reading a configuration document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    /// The text is not well-formed XML (`VIR_ERR_XML_DETAIL`): libxml2's message (for the
    /// common errors; others keep roxmltree's), the line, and libvirt's context lines.
    #[error("(domain_definition):{line}: {message}")]
    Malformed {
        /// The line of the error.
        line: u32,
        /// The column of the error.
        column: u32,
        /// libxml2's message.
        message: String,
    },
    /// A semantic problem in the document (`VIR_ERR_XML_ERROR`, "XML error: ...") found by
    /// the domain code.
    #[error("XML error: {0}")]
    Xml(String),
    /// The same, found by libvirt's generic XML helpers (attribute and number parsing), which
    /// report it from `VIR_FROM_XML`.
    #[error("XML error: {0}")]
    XmlValue(String),
    /// The same, found by the QEMU driver (`VIR_FROM_QEMU`).
    #[error("XML error: {0}")]
    XmlQemu(String),
    /// A configuration libvirt refuses (`VIR_ERR_CONFIG_UNSUPPORTED`).
    #[error("unsupported configuration: {message}")]
    Unsupported {
        /// Which part of libvirt reports it.
        origin: Origin,
        /// The message after the prefix.
        message: String,
    },
    /// An invalid value where libvirt reports `VIR_ERR_INTERNAL_ERROR`.
    #[error("internal error: {0}")]
    Internal(String),
    /// The same, reported from the QEMU driver (`VIR_FROM_QEMU`).
    #[error("internal error: {0}")]
    InternalQemu(String),
    /// `<name>` missing or empty (`VIR_ERR_NO_NAME`, no detail).
    #[error("missing name information")]
    NoName,
    /// A bad argument such as an unknown unit (`VIR_ERR_INVALID_ARG`).
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// The same, reported from the domain code (`VIR_FROM_DOMAIN`).
    #[error("invalid argument: {0}")]
    InvalidArgDomain(String),
    /// libvirt failed without reporting an error (`VIR_ERR_INTERNAL_ERROR` from
    /// `VIR_FROM_NONE`, the generic text virsh and the RPC layer give then).
    #[error("An error occurred, but the cause is unknown")]
    UnknownCause,
    /// A disk without `<target>` (`VIR_ERR_NO_TARGET`), naming its source.
    #[error("missing target information for device {0}")]
    NoTarget(String),
    /// A number too large (`VIR_ERR_OVERFLOW`).
    #[error("numerical overflow: {0}")]
    Overflow(String),
    /// Something libvirt accepts that oxvirt does not handle yet. Reported as
    /// `VIR_ERR_CONFIG_UNSUPPORTED` rather than silently dropping configuration.
    #[error("unsupported configuration: {0} is not supported by oxvirt yet")]
    NotImplemented(String),
    /// An operating system error found by the QEMU driver (`VIR_ERR_SYSTEM_ERROR` from
    /// `VIR_FROM_QEMU`): the message ends with the `strerror` text.
    #[error("{0}")]
    SystemQemu(String),
    /// The document fails schema validation (`VIR_ERR_XML_INVALID_SCHEMA`, from `VIR_FROM_XML`):
    /// the lines are libxml2's RelaxNG messages.
    #[error("XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domain.rng\n{0}")]
    SchemaInvalid(String),
    /// A character libvirt's `virXMLCheckIllegalChars` refuses (`VIR_ERR_XML_DETAIL` from
    /// `VIR_FROM_XML`, the whole message as given): "invalid char in name: /".
    #[error("invalid char in {what}: {ch}")]
    IllegalChar {
        /// What the character is in (`name`, ...).
        what: String,
        /// The character.
        ch: char,
    },
    /// A domain status file oxvirt cannot read (bad structure or an unknown format version);
    /// reported as `VIR_ERR_INTERNAL_ERROR`.
    #[error("internal error: invalid domain status file: {0}")]
    Status(String),
    /// A device edit that does not fit the definition (`VIR_ERR_OPERATION_INVALID` from
    /// `VIR_FROM_QEMU`): "target vdb already exists".
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// An edit that matches more than one device (`VIR_ERR_OPERATION_FAILED` from the domain
    /// code): "multiple matching devices found".
    #[error("operation failed: {0}")]
    OperationFailed(String),
    /// A device a detach or update names is not in the definition (`VIR_ERR_DEVICE_MISSING`,
    /// from the domain code or the QEMU driver).
    #[error("device not found: {message}")]
    DeviceMissing {
        /// Which part of libvirt reports it.
        origin: Origin,
        /// The message after the prefix.
        message: String,
    },
    /// An error of the network code a domain shares (`<interface><bandwidth>`), with the code
    /// and domain libvirt's utility code gives it.
    #[error(transparent)]
    Net(crate::network::NetError),
}

impl ConfError {
    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        ConfError::Unsupported {
            origin: Origin::Domain,
            message: message.into(),
        }
    }

    pub(crate) fn qemu_unsupported(message: impl Into<String>) -> Self {
        ConfError::Unsupported {
            origin: Origin::Qemu,
            message: message.into(),
        }
    }

    /// libvirt's error number (`virErrorNumber`).
    pub fn code(&self) -> i32 {
        match self {
            ConfError::Malformed { .. } | ConfError::IllegalChar { .. } => {
                ErrorCode::XmlDetail as i32
            }
            ConfError::Xml(_) | ConfError::XmlValue(_) | ConfError::XmlQemu(_) => {
                ErrorCode::XmlError as i32
            }
            ConfError::Unsupported { .. } | ConfError::NotImplemented(_) => {
                ErrorCode::ConfigUnsupported as i32
            }
            ConfError::Internal(_) | ConfError::InternalQemu(_) | ConfError::Status(_) => {
                ErrorCode::InternalError as i32
            }
            ConfError::NoName => ErrorCode::NoName as i32,
            ConfError::NoTarget(_) => ErrorCode::NoTarget as i32,
            ConfError::InvalidArg(_) | ConfError::InvalidArgDomain(_) => {
                ErrorCode::InvalidArg as i32
            }
            ConfError::UnknownCause => ErrorCode::InternalError as i32,
            ConfError::Overflow(_) => ErrorCode::Overflow as i32,
            ConfError::SchemaInvalid(_) => ErrorCode::XmlInvalidSchema as i32,
            ConfError::SystemQemu(_) => ErrorCode::SystemError as i32,
            ConfError::OperationInvalid(_) => ErrorCode::OperationInvalid as i32,
            ConfError::OperationFailed(_) => ErrorCode::OperationFailed as i32,
            ConfError::DeviceMissing { .. } => ErrorCode::DeviceMissing as i32,
            ConfError::Net(e) => e.to_vir_error().code,
        }
    }

    /// libvirt's error domain (`virErrorDomain`).
    pub fn domain(&self) -> i32 {
        match self {
            ConfError::Unsupported { origin, .. } | ConfError::DeviceMissing { origin, .. } => {
                origin.code()
            }
            ConfError::OperationInvalid(_) => Origin::Qemu.code(),
            ConfError::Net(e) => e.to_vir_error().domain,
            ConfError::XmlValue(_)
            | ConfError::SchemaInvalid(_)
            | ConfError::IllegalChar { .. } => Origin::Xml.code(),
            ConfError::XmlQemu(_) | ConfError::SystemQemu(_) | ConfError::InternalQemu(_) => {
                Origin::Qemu.code()
            }
            // libvirt's utility code (units, bitmaps) reports from VIR_FROM_NONE
            ConfError::InvalidArg(_) | ConfError::Overflow(_) | ConfError::UnknownCause => {
                ErrorDomain::None as i32
            }
            _ => ErrorDomain::Domain as i32,
        }
    }

    /// The detail that goes behind the code's standard prefix.
    pub fn detail(&self) -> String {
        match self {
            ConfError::Malformed { .. }
            | ConfError::NoName
            | ConfError::UnknownCause
            | ConfError::IllegalChar { .. } => self.to_string(),
            ConfError::SchemaInvalid(m) => {
                format!("Unable to validate doc against /usr/share/libvirt/schemas/domain.rng\n{m}")
            }
            ConfError::Xml(m)
            | ConfError::XmlValue(m)
            | ConfError::XmlQemu(m)
            | ConfError::Internal(m)
            | ConfError::InternalQemu(m)
            | ConfError::InvalidArg(m)
            | ConfError::InvalidArgDomain(m)
            | ConfError::NoTarget(m)
            | ConfError::Overflow(m)
            | ConfError::SystemQemu(m)
            | ConfError::OperationInvalid(m)
            | ConfError::OperationFailed(m) => m.clone(),
            ConfError::Unsupported { message, .. } | ConfError::DeviceMissing { message, .. } => {
                message.clone()
            }
            ConfError::NotImplemented(what) => format!("{what} is not supported by oxvirt yet"),
            ConfError::Status(m) => format!("invalid domain status file: {m}"),
            ConfError::Net(e) => e.to_string(),
        }
    }

    /// `(code, domain, message)` as libvirt reports them.
    pub fn libvirt(&self) -> (i32, i32, String) {
        (self.code(), self.domain(), self.to_string())
    }
}

impl ToVirError for ConfError {
    fn to_vir_error(&self) -> VirError {
        match self {
            // libvirt reports these with the whole message as a "%s" format
            ConfError::Malformed { .. }
            | ConfError::UnknownCause
            | ConfError::IllegalChar { .. } => {
                VirError::plain(self.code(), self.domain(), self.to_string())
            }
            // no detail: the message is the code's fixed text
            ConfError::NoName => VirError {
                code: self.code(),
                domain: self.domain(),
                message: self.to_string(),
                str1: Some(self.to_string()),
                str2: None,
            },
            ConfError::Net(e) => e.to_vir_error(),
            _ => VirError::new(self.code(), self.domain(), self.detail()),
        }
    }
}
