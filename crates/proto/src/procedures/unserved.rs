//! The answer to a call of the procedure table that the connection's driver does not serve.
//!
//! libvirtd runs every call of its table through the public API function named in the table;
//! when the connection's driver lacks it (a QEMU-only daemon asked for networks, or a domain
//! call the driver has not written), that function reports `VIR_ERR_NO_SUPPORT` in its own
//! file's error domain: "this function is not supported by the connection driver: virXxx".
//! Only numbers outside the table (and the entries no client may call: events, AUTH_*) get
//! the RPC layer's "unknown procedure: N".

use super::{procedure, ProcedureInfo, Program};
use crate::vir_error::{code, VirError};

impl ProcedureInfo {
    /// libvirt's `VIR_ERR_NO_SUPPORT` for this call when no driver serves it, or `None`
    /// for the entries that are not API calls (events, AUTH_*), which libvirtd answers
    /// with "unknown procedure".
    pub fn no_support_error(&self) -> Option<VirError> {
        if self.event {
            return None;
        }
        let api = self.api_name?;
        Some(VirError::new(
            code::NO_SUPPORT,
            self.api_error_domain().as_i32(),
            api,
        ))
    }
}

/// The error for a call (header `program` number and `number`) the driver does not serve:
/// `VIR_ERR_NO_SUPPORT` with the API's name for a procedure of the table, "unknown procedure:
/// N" for anything else.
pub fn unserved(program: u32, number: i32) -> VirError {
    Program::from_number(program)
        .and_then(|p| procedure(p, number))
        .and_then(ProcedureInfo::no_support_error)
        .unwrap_or_else(|| VirError::unknown_procedure(number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedures::{lxc_proc, qemu_proc, remote_proc};
    use crate::vir_error::domain;

    #[test]
    fn every_api_call_of_the_table_has_a_no_support_answer() {
        let mut answered = 0;
        for program in Program::ALL {
            for info in program.procedures() {
                let e = unserved(program.number(), info.number);
                match (info.event, info.api_name) {
                    (false, Some(api)) => {
                        answered += 1;
                        assert_eq!(e.code, code::NO_SUPPORT, "{}", info.constant_name());
                        assert_eq!(
                            e.message,
                            format!(
                                "this function is not supported by the connection driver: {api}"
                            )
                        );
                        assert_eq!(e.str2.as_deref(), Some(api));
                        assert_eq!(
                            e.str1.as_deref(),
                            Some("this function is not supported by the connection driver: %s")
                        );
                        assert_eq!(e.domain, info.api_error_domain().as_i32());
                        assert!(api.starts_with("vir"), "{api}");
                    }
                    _ => {
                        assert_eq!(e.code, code::RPC, "{}", info.constant_name());
                        assert_eq!(e.message, format!("unknown procedure: {}", info.number));
                    }
                }
            }
        }
        // REMOTE 1..=453 less its events and AUTH_*, QEMU's and LXC's calls, ADMIN's
        assert!(answered > 400, "{answered}");
    }

    #[test]
    fn error_domains_are_those_of_the_api_files() {
        let remote = |n| unserved(Program::Remote.number(), n);
        let e = remote(remote_proc::CONNECT_NUM_OF_NETWORKS);
        assert_eq!(
            e.message,
            "this function is not supported by the connection driver: virConnectNumOfNetworks"
        );
        assert_eq!(e.domain, 19); // VIR_FROM_NETWORK
        assert_eq!(
            remote(remote_proc::CONNECT_LIST_ALL_STORAGE_POOLS).domain,
            18
        );
        assert_eq!(remote(remote_proc::NODE_NUM_OF_DEVICES).domain, 22);
        assert_eq!(remote(remote_proc::CONNECT_NUM_OF_SECRETS).domain, 30);
        assert_eq!(remote(remote_proc::CONNECT_NUM_OF_NWFILTERS).domain, 33);
        assert_eq!(remote(remote_proc::CONNECT_NUM_OF_INTERFACES).domain, 26);
        let e = remote(remote_proc::DOMAIN_GET_JOB_STATS);
        assert_eq!(e.domain, domain::DOMAIN);
        assert!(e.message.ends_with(": virDomainGetJobStats"));
        let e = unserved(Program::Qemu.number(), qemu_proc::DOMAIN_MONITOR_COMMAND);
        assert_eq!(e.domain, domain::NONE);
        assert!(e.message.ends_with(": virDomainQemuMonitorCommand"));
        let e = unserved(Program::Lxc.number(), lxc_proc::DOMAIN_OPEN_NAMESPACE);
        assert!(e.message.ends_with(": virDomainLxcOpenNamespace"));
    }

    #[test]
    fn numbers_outside_the_table_and_events_are_unknown_procedures() {
        let remote = Program::Remote.number();
        assert_eq!(unserved(remote, 9999).message, "unknown procedure: 9999");
        assert_eq!(unserved(remote, 0).code, code::RPC);
        let e = unserved(remote, remote_proc::DOMAIN_EVENT_CALLBACK_LIFECYCLE);
        assert_eq!(
            e.message,
            format!(
                "unknown procedure: {}",
                remote_proc::DOMAIN_EVENT_CALLBACK_LIFECYCLE
            )
        );
        assert_eq!(
            unserved(remote, remote_proc::AUTH_SASL_INIT).code,
            code::RPC
        );
        assert_eq!(unserved(0x1234, 1).code, code::RPC);
    }
}
