//! [`HostError`]: every failure of this crate, carrying what the RPC boundary needs to
//! build libvirt's error (code, domain, exact message).

pub(crate) use oxvirt_proto::vir_error::strerror;
use std::io;

/// libvirt's error domain (`virErrorDomain`) an error is raised in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorDomain {
    /// `VIR_FROM_NONE` (0): libvirt's util code (virhostcpu.c, virhostmem.c, virnuma.c, ...).
    None,
    /// `VIR_FROM_QEMU` (10): the QEMU driver (qemu_driver.c).
    Qemu,
    /// `VIR_FROM_DOMAIN` (20): the public API's argument checks (libvirt-host.c).
    Domain,
}

impl ErrorDomain {
    /// The numeric `virErrorDomain` value.
    pub fn as_i32(self) -> i32 {
        match self {
            ErrorDomain::None => domain::NONE,
            ErrorDomain::Qemu => domain::QEMU,
            ErrorDomain::Domain => domain::DOMAIN,
        }
    }
}

/// The `virErrorNumber`s this crate's errors carry (libvirt's numbers, from `oxvirt_proto`).
pub use oxvirt_proto::vir_error::code::{
    CONFIG_UNSUPPORTED as VIR_ERR_CONFIG_UNSUPPORTED, INTERNAL_ERROR as VIR_ERR_INTERNAL_ERROR,
    INVALID_ARG as VIR_ERR_INVALID_ARG, SYSTEM_ERROR as VIR_ERR_SYSTEM_ERROR,
};
use oxvirt_proto::vir_error::domain;

/// An error as libvirt 9.0 would report it. `Display` gives the complete message a client
/// prints (`virError.message`); [`HostError::code`] and [`HostError::domain`] give the
/// numbers; [`HostError::detail`] gives, for errors libvirt raises with `virReportError`,
/// the text behind libvirt's standard per-code prefix (so that
/// `VirError::new(code, domain, detail)` rebuilds the same message), and `None` for errors
/// whose message has no prefix (`virReportInvalidArg`, `virCheckFlags`, the public API's
/// `virCheck*Arg`, `virReportSystemError`).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// `VIR_ERR_INVALID_ARG` (8) with an exact, unprefixed message: raised by
    /// `virReportInvalidArg`, `virCheckFlags` and the public API's argument checks. E.g.
    /// (domain 0) "Invalid cpuNum in virHostCPUGetStatsLinux",
    /// "cellNum in virHostMemGetStats must be less than or equal to 0",
    /// "nparams in virHostCPUGetStatsLinux must be equal to 4",
    /// "unsupported flags (0x1) in function virHostCPUGetStats";
    /// (domain 20) "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value",
    /// "startCell in virNodeGetCellsFreeMemory must be zero or greater".
    ///
    /// `func` and `arg` are what libvirt puts in the wire error's `str1` (the reporting
    /// function) and `str2` (the argument's name, e.g. "cpuNum", "*nparams", "flags").
    #[error("{message}")]
    InvalidArg {
        domain: ErrorDomain,
        message: String,
        func: &'static str,
        arg: &'static str,
    },
    /// `VIR_ERR_INVALID_ARG` (8) raised with `virReportError`: message
    /// "invalid argument: {detail}", e.g. (domain 10) "invalid argument: unknown type 'foo'".
    #[error("invalid argument: {detail}")]
    InvalidArgDetail { domain: ErrorDomain, detail: String },
    /// `VIR_ERR_INTERNAL_ERROR` (1), domain `VIR_FROM_NONE` (0): message
    /// "internal error: {0}", e.g. "internal error: start cell 3 out of range (0-0)".
    #[error("internal error: {0}")]
    Internal(String),
    /// `VIR_ERR_CONFIG_UNSUPPORTED` (67): message "unsupported configuration: {detail}",
    /// e.g. (domain 10) "unsupported configuration: Host SMBIOS information is not available".
    #[error("unsupported configuration: {detail}")]
    ConfigUnsupported { domain: ErrorDomain, detail: String },
    /// `VIR_ERR_SYSTEM_ERROR` (38), domain `VIR_FROM_NONE` (0): message
    /// "{what}: {strerror(errno)}", e.g. "Unable to open /dev/kvm: No such file or directory".
    #[error("{what}: {}", strerror(.source))]
    System {
        what: String,
        #[source]
        source: io::Error,
    },
}

impl HostError {
    /// libvirt's `virErrorNumber`.
    pub fn code(&self) -> i32 {
        match self {
            HostError::InvalidArg { .. } | HostError::InvalidArgDetail { .. } => {
                VIR_ERR_INVALID_ARG
            }
            HostError::Internal(_) => VIR_ERR_INTERNAL_ERROR,
            HostError::ConfigUnsupported { .. } => VIR_ERR_CONFIG_UNSUPPORTED,
            HostError::System { .. } => VIR_ERR_SYSTEM_ERROR,
        }
    }

    /// libvirt's `virErrorDomain`.
    pub fn domain(&self) -> i32 {
        self.error_domain().as_i32()
    }

    /// The domain as an enum.
    pub fn error_domain(&self) -> ErrorDomain {
        match self {
            HostError::InvalidArg { domain, .. }
            | HostError::InvalidArgDetail { domain, .. }
            | HostError::ConfigUnsupported { domain, .. } => *domain,
            HostError::Internal(_) | HostError::System { .. } => ErrorDomain::None,
        }
    }

    /// For errors libvirt raises with `virReportError` (whose message is libvirt's standard
    /// prefix for the code followed by a detail), the detail; `None` when the message is
    /// exact and unprefixed (then use `to_string()` as is).
    pub fn detail(&self) -> Option<&str> {
        match self {
            HostError::InvalidArgDetail { detail, .. }
            | HostError::ConfigUnsupported { detail, .. } => Some(detail),
            HostError::Internal(detail) => Some(detail),
            HostError::InvalidArg { .. } | HostError::System { .. } => None,
        }
    }

    pub(crate) fn invalid_arg(
        domain: ErrorDomain,
        func: &'static str,
        arg: &'static str,
        message: impl Into<String>,
    ) -> Self {
        HostError::InvalidArg {
            domain,
            message: message.into(),
            func,
            arg,
        }
    }

    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        HostError::Internal(detail.into())
    }

    pub(crate) fn system(what: impl Into<String>, source: io::Error) -> Self {
        HostError::System {
            what: what.into(),
            source,
        }
    }

    /// libvirt's `virCheckFlags(0, ...)` failure in function `func` (domain `domain`).
    pub(crate) fn unsupported_flags(domain: ErrorDomain, flags: u32, func: &'static str) -> Self {
        HostError::invalid_arg(
            domain,
            func,
            "flags",
            format!("unsupported flags (0x{flags:x}) in function {func}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_codes_domains() {
        let e = HostError::invalid_arg(
            ErrorDomain::None,
            "virHostCPUGetStatsLinux",
            "cpuNum",
            "Invalid cpuNum in virHostCPUGetStatsLinux",
        );
        assert_eq!(e.to_string(), "Invalid cpuNum in virHostCPUGetStatsLinux");
        assert_eq!((e.code(), e.domain()), (8, 0));
        assert!(e.detail().is_none());

        let e = HostError::internal("start cell 3 out of range (0-0)");
        assert_eq!(
            e.to_string(),
            "internal error: start cell 3 out of range (0-0)"
        );
        assert_eq!((e.code(), e.domain()), (1, 0));
        assert_eq!(e.detail(), Some("start cell 3 out of range (0-0)"));

        let e = HostError::system("Unable to open /dev/kvm", io::Error::from_raw_os_error(2));
        assert_eq!(
            e.to_string(),
            "Unable to open /dev/kvm: No such file or directory"
        );
        assert_eq!((e.code(), e.domain()), (38, 0));

        let e = HostError::unsupported_flags(ErrorDomain::Qemu, 0x11, "qemuConnectGetSysinfo");
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x11) in function qemuConnectGetSysinfo"
        );
        assert_eq!((e.code(), e.domain()), (8, 10));
    }
}
