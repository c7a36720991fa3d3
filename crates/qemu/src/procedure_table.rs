//! Which of libvirt 9.0's QEMU-driver procedures oxvirt serves, and how: the data behind
//! `docs/procedures.md` (generated from here and from [`ROUTES`]; a test fails when the file
//! is stale: `OXVIRT_BLESS=1 cargo test -p oxvirt-qemu procedure_table` rewrites it).
//!
//! The QEMU-driver procedures are the procedures the hypervisor daemon serves
//! ([`ServedBy::Qemu`]: domains and the host they run on) less those libvirt 9.0's QEMU
//! driver has no method for ([`NOT_IN_QEMU_DRIVER`]), which libvirt answers
//! VIR_ERR_NO_SUPPORT as oxvirt does. Each QEMU-driver procedure is
//!
//! - **implemented**: routed, doing what libvirt does;
//! - **libvirt's error**: routed, answering exactly the error libvirt 9.0 gives on this kind
//!   of host ([`HOST_ERRORS`] says what and why);
//! - **not yet**: not routed; it answers VIR_ERR_NO_SUPPORT ("this function is not supported
//!   by the connection driver: virXxx"), never "unknown procedure".

use std::fmt::Write as _;

use oxvirt_proto::procedures::{ProcedureInfo, Program, ServedBy};

use crate::routes::ROUTES;

/// Procedures of the hypervisor daemon that libvirt 9.0's QEMU driver does not implement
/// (its `virHypervisorDriver` table has no method for them): libvirt answers
/// VIR_ERR_NO_SUPPORT, and so does oxvirt. `(constant name, why)`.
pub const NOT_IN_QEMU_DRIVER: &[(&str, &str)] = &[
    (
        "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE",
        "the first migration protocol (v1); QEMU migrates with v2, v3 and v3 with parameters",
    ),
    (
        "REMOTE_PROC_DOMAIN_MIGRATE_FINISH",
        "the first migration protocol (v1)",
    ),
    (
        "REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE",
        "removed from the QEMU driver in libvirt 5.5 (no QEMU command-line parser)",
    ),
    ("REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL", "LXC only"),
    ("REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES", "LXC only"),
    ("REMOTE_PROC_DOMAIN_CREATE_WITH_FILES", "LXC only"),
    (
        "QEMU_PROC_DOMAIN_ATTACH",
        "attaching to a QEMU libvirt did not start: removed in libvirt 5.5",
    ),
    ("LXC_PROC_DOMAIN_OPEN_NAMESPACE", "LXC only"),
];

/// Routed procedures that answer libvirt 9.0's own error for this kind of host rather than
/// doing anything: `(constant name, the error and why)`.
pub const HOST_ERRORS: &[(&str, &str)] = &[
    ("REMOTE_PROC_DOMAIN_GET_TIME", AGENT),
    ("REMOTE_PROC_DOMAIN_SET_TIME", AGENT),
    ("REMOTE_PROC_DOMAIN_GET_FSINFO", AGENT),
    ("REMOTE_PROC_DOMAIN_FSFREEZE", AGENT),
    ("REMOTE_PROC_DOMAIN_FSTHAW", AGENT),
    ("REMOTE_PROC_DOMAIN_GET_GUEST_INFO", AGENT),
    ("REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS", AGENT),
    ("QEMU_PROC_DOMAIN_AGENT_COMMAND", AGENT),
];

/// The answer of the guest-agent calls.
const AGENT: &str = "no guest agent is connected yet: libvirt's answer for a running guest \
    without a connected agent (\"QEMU guest agent is not configured\", or \"... not \
    connected\" when the domain has the agent's channel)";

/// Implemented procedures with a limit worth knowing: `(constant name, note)`.
pub const NOTES: &[(&str, &str)] = &[
    (
        "REMOTE_PROC_DOMAIN_GET_JOB_INFO",
        "oxvirt runs no long jobs yet (migration, save, dump, backup): always \"none\"",
    ),
    (
        "REMOTE_PROC_DOMAIN_GET_JOB_STATS",
        "oxvirt runs no long jobs yet: always \"none\"",
    ),
    (
        "REMOTE_PROC_DOMAIN_ABORT_JOB",
        "no long job to abort: libvirt's \"no job is active on the domain\"",
    ),
    (
        "REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS",
        "no long job to abort: libvirt's \"no job is active on the domain\"",
    ),
    (
        "REMOTE_PROC_DOMAIN_GET_DISK_ERRORS",
        "QEMU's BLOCK_IO_ERROR events are not recorded yet: no disk has an error",
    ),
    (
        "REMOTE_PROC_DOMAIN_GET_HOSTNAME",
        "the agent source answers as GET_TIME; the lease source finds no lease (virtual \
         networks' leases are not asked yet)",
    ),
    (
        "REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES",
        "lease: the virtual networks' leases are not asked yet (no address); agent: as \
         GET_TIME; arp: the host's /proc/net/arp (libvirt 9.0 reads netlink, which fails on \
         this kernel with \"wrong nlmsg len\")",
    ),
    (
        "REMOTE_PROC_DOMAIN_SEND_KEY",
        "the linux and qnum codesets and the main keys of usb (libvirt translates every codeset)",
    ),
];

/// How oxvirt serves a QEMU-driver procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Routed and implemented.
    Implemented,
    /// Routed, answering libvirt's error for this host (the note says which and why).
    HostError(&'static str),
    /// Not routed yet: VIR_ERR_NO_SUPPORT.
    NotYet,
}

/// Every procedure of libvirt 9.0's QEMU driver (events and AUTH_* are no calls), in
/// program and number order.
pub fn qemu_driver_procedures() -> impl Iterator<Item = &'static ProcedureInfo> {
    [Program::Remote, Program::Qemu, Program::Lxc]
        .into_iter()
        .flat_map(Program::procedures)
        .filter(|p| !p.event && p.api_name.is_some() && p.served_by() == ServedBy::Qemu)
        .filter(|p| {
            let c = p.constant_name();
            !NOT_IN_QEMU_DRIVER.iter().any(|(n, _)| *n == c)
        })
}

/// How oxvirt serves `p`.
pub fn status(p: &ProcedureInfo) -> Status {
    if ROUTES.route(p.program.number(), p.number).is_none() {
        return Status::NotYet;
    }
    let c = p.constant_name();
    HOST_ERRORS
        .iter()
        .find(|(n, _)| *n == c)
        .map_or(Status::Implemented, |(_, why)| Status::HostError(why))
}

fn note_of(p: &ProcedureInfo) -> &'static str {
    let c = p.constant_name();
    NOTES
        .iter()
        .find(|(n, _)| *n == c)
        .map_or("", |(_, note)| note)
}

/// The text of `docs/procedures.md`.
pub fn markdown() -> String {
    let rows: Vec<_> = qemu_driver_procedures().map(|p| (p, status(p))).collect();
    let count = |f: fn(&Status) -> bool| rows.iter().filter(|(_, s)| f(s)).count();
    let implemented = count(|s| *s == Status::Implemented);
    let host = count(|s| matches!(s, Status::HostError(_)));
    let not_yet = count(|s| *s == Status::NotYet);
    let mut out = String::new();
    out.push_str(
        "# The QEMU driver's procedures\n\n\
         Generated from the code (`crates/qemu/src/procedure_table.rs` and the driver's routing\n\
         table) by `OXVIRT_BLESS=1 cargo test -p oxvirt-qemu procedure_table`; a test fails when\n\
         this file is stale. Do not edit it by hand.\n\n\
         Every remote procedure libvirt 9.0's QEMU driver implements, and how `oxvirt-qemud`\n\
         answers it: **implemented**; **libvirt's error**, the error libvirt 9.0 itself gives on\n\
         this kind of host (what and why in the note); or **not yet**, answered with\n\
         VIR_ERR_NO_SUPPORT (\"this function is not supported by the connection driver:\n\
         virXxx\"), as libvirt answers a driver without the method. No procedure of the table\n\
         answers \"unknown procedure\".\n\n",
    );
    let _ = writeln!(
        out,
        "{} procedures: {implemented} implemented, {host} answered with libvirt's error, \
         {not_yet} not yet.\n",
        rows.len()
    );
    out.push_str("| Program | # | Procedure | libvirt API | oxvirt | Note |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for (p, s) in &rows {
        let (what, note) = match s {
            Status::Implemented => ("implemented", note_of(p)),
            Status::HostError(why) => ("libvirt's error", *why),
            Status::NotYet => ("not yet", ""),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {what} | {note} |",
            p.program.name(),
            p.number,
            p.name,
            p.api_name.unwrap_or(""),
        );
    }
    out.push_str(
        "\n## Procedures of the hypervisor daemon that libvirt's QEMU driver does not implement\n\n\
         libvirt 9.0 answers them VIR_ERR_NO_SUPPORT on a QEMU connection; so does oxvirt.\n\n",
    );
    out.push_str("| Procedure | Why |\n|---|---|\n");
    for (name, why) in NOT_IN_QEMU_DRIVER {
        let _ = writeln!(out, "| {name} | {why} |");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::procedures::{by_name, unserved};
    use oxvirt_proto::vir_error::code;

    fn doc_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/procedures.md")
    }

    /// `docs/procedures.md` is what the code says (`OXVIRT_BLESS=1` rewrites it).
    #[test]
    fn procedure_table_doc_is_current() {
        let want = markdown();
        let path = doc_path();
        if std::env::var_os("OXVIRT_BLESS").is_some() {
            oxvirt_host::atomic::write_atomic(&path, want.as_bytes()).expect("write");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/procedures.md is stale: run OXVIRT_BLESS=1 cargo test -p oxvirt-qemu procedure_table"
        );
    }

    /// libvirt 9.0's QEMU driver table has 236 of the hypervisor daemon's calls; the exceptions
    /// name real procedures of the daemon.
    #[test]
    fn procedure_table_covers_the_qemu_driver() {
        let all: Vec<_> = qemu_driver_procedures().collect();
        assert_eq!(all.len(), 236);
        for (name, _) in NOT_IN_QEMU_DRIVER {
            let (prog, rest) = name.split_once("_PROC_").expect("a constant name");
            let program = Program::ALL
                .into_iter()
                .find(|p| p.name() == prog)
                .expect("a program");
            let p = by_name(program, rest).expect(name);
            assert_eq!(p.served_by(), ServedBy::Qemu, "{name}");
        }
        for (name, _) in HOST_ERRORS.iter().chain(NOTES) {
            assert!(
                all.iter()
                    .any(|p| p.constant_name() == *name && status(p) != Status::NotYet),
                "{name} is not a routed QEMU-driver procedure"
            );
        }
    }

    /// No QEMU-driver procedure answers "unknown procedure": each is routed or answers
    /// VIR_ERR_NO_SUPPORT with its API's name.
    #[test]
    fn procedure_table_no_qemu_driver_call_is_unknown() {
        for p in qemu_driver_procedures() {
            if status(p) != Status::NotYet {
                continue;
            }
            let e = unserved(p.program.number(), p.number);
            assert_eq!(e.code, code::NO_SUPPORT, "{}", p.constant_name());
            assert!(!e.message.contains("unknown procedure"), "{}", p.name);
        }
    }
}
