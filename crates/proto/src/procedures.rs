//! The table of every procedure of libvirt 9.0's REMOTE (443), QEMU (7), LXC (1) and ADMIN
//! (19) programs: number, name, access-control permissions, priority, stream use, and the
//! libvirt API function behind it; plus the read-only policy libvirt applies to each call.
//!
//! The data tables live in `procedures/table.rs` (oxvirt's own data, written from libvirt's
//! documented procedure annotations). Use the number constants as
//! `remote_proc::NODE_GET_INFO`, and look procedures up with [`procedure`],
//! [`remote_procedure`] or [`by_name`].
//!
//! # Read-only connections
//!
//! libvirt refuses every API that changes anything when the connection is read-only (opened
//! with `VIR_CONNECT_RO`, or on a `-ro` socket) with 29/OPERATION_DENIED, "operation
//! forbidden: read only access prevents virXxx". oxvirt derives that decision from the ACL
//! annotations ([`allowed_on_read_only`]): a call is allowed iff every permission that applies
//! to it is a read-class permission (`getattr`, `read`, `search_*`; ACL `none` has none at
//! all). Conditional permissions (`domain:read_secure:VIR_DOMAIN_XML_SECURE`,
//! `domain:write::source:VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT`, ...) apply only when the
//! call's flags (or the named argument) satisfy the condition. Where libvirt 9.0's real
//! behaviour differs from that rule, [`READ_ONLY_OVERRIDES`] says so. The RPC server asks
//! [`read_only_denial`] / [`read_only_denied`] once per CALL.

use crate::errors::{format_message, ErrorCode, ErrorDomain};
use crate::flags;

mod served_by;
mod table;
mod unserved;

pub use served_by::ServedBy;
pub use table::{
    admin_proc, lxc_proc, qemu_proc, remote_proc, ADMIN_PROCEDURES, LXC_PROCEDURES,
    QEMU_PROCEDURES, REMOTE_PROCEDURES,
};
pub use unserved::unserved;

/// The RPC programs whose procedures are in this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    /// The main API (`0x20008086`).
    Remote,
    /// QEMU-specific calls (`0x20008087`).
    Qemu,
    /// LXC-specific calls (`0x00068000`).
    Lxc,
    /// Daemon administration (`0x06900690`), on admin sockets only.
    Admin,
}

impl Program {
    /// All four programs.
    pub const ALL: [Program; 4] = [Program::Remote, Program::Qemu, Program::Lxc, Program::Admin];

    /// The program number in the message header.
    pub const fn number(self) -> u32 {
        match self {
            Program::Remote => 0x2000_8086,
            Program::Qemu => 0x2000_8087,
            Program::Lxc => 0x0006_8000,
            Program::Admin => 0x0690_0690,
        }
    }

    /// The program for a header's program number (`None` for keepalive and anything else).
    pub fn from_number(number: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.number() == number)
    }

    /// `"REMOTE"`, `"QEMU"`, `"LXC"` or `"ADMIN"`.
    pub const fn name(self) -> &'static str {
        match self {
            Program::Remote => "REMOTE",
            Program::Qemu => "QEMU",
            Program::Lxc => "LXC",
            Program::Admin => "ADMIN",
        }
    }

    /// Every procedure of the program, sorted by number.
    pub fn procedures(self) -> &'static [ProcedureInfo] {
        match self {
            Program::Remote => REMOTE_PROCEDURES,
            Program::Qemu => QEMU_PROCEDURES,
            Program::Lxc => LXC_PROCEDURES,
            Program::Admin => ADMIN_PROCEDURES,
        }
    }
}

/// `@priority`: libvirtd runs high-priority calls on a separate worker pool so that they
/// still get answered while every normal worker is blocked (they must never block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    High,
    Low,
}

/// Whether a procedure sets up a data stream after its reply (messages of type STREAM with
/// the call's procedure and serial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamDirection {
    /// No stream.
    None,
    /// `@readstream`: the server sends the data (e.g. STORAGE_VOL_DOWNLOAD, DOMAIN_SCREENSHOT).
    Read,
    /// `@writestream`: the client sends the data (e.g. STORAGE_VOL_UPLOAD, tunnelled
    /// migration's PREPARE_TUNNEL*).
    Write,
    /// `@readstream` in libvirt's annotation, but data flows both ways in practice: consoles
    /// and guest channels (DOMAIN_OPEN_CONSOLE, DOMAIN_OPEN_CHANNEL). libvirtd marks such a
    /// stream as one it transmits on and, like every stream, accepts the client's data on it.
    Duplex,
}

impl StreamDirection {
    /// Whether the procedure has a stream at all.
    pub const fn has_stream(self) -> bool {
        !matches!(self, StreamDirection::None)
    }

    /// Whether the server sends stream data.
    pub const fn server_sends(self) -> bool {
        matches!(self, StreamDirection::Read | StreamDirection::Duplex)
    }

    /// Whether the client sends stream data.
    pub const fn client_sends(self) -> bool {
        matches!(self, StreamDirection::Write | StreamDirection::Duplex)
    }
}

/// One `@acl` (or `@aclfilter`) entry: the permission `perm` on an object of type `object`
/// (`connect`, `domain`, `network`, `storage_pool`, ...), possibly only under a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// Object type, e.g. `"domain"`.
    pub object: &'static str,
    /// Permission name, e.g. `"read"`, `"write"`, `"search_domains"`.
    pub perm: &'static str,
    /// The permission is needed only when the call's flags match, as in libvirt's ACL
    /// annotations: `"A|B"` means all of the named bits are set, `"!A|B"` means none of
    /// them is set. The names resolve with [`acl_constant`].
    pub flag_condition: Option<&'static str>,
    /// The permission is needed only when the named call argument equals the value
    /// (`(param, value)`; a value starting with `!` means "differs from"). The value names
    /// a constant resolved with [`acl_constant`] (or is a decimal number).
    pub param_condition: Option<(&'static str, &'static str)>,
}

impl Permission {
    /// Whether the permission is needed only under a condition.
    pub const fn is_conditional(&self) -> bool {
        self.flag_condition.is_some() || self.param_condition.is_some()
    }

    /// Whether the permission only reads: `getattr`, `read` or `search_*`. Everything else
    /// (`write`, `save`, `start`, `read_secure`, `open_device`, `migrate`, ...) is refused on a
    /// read-only connection.
    pub fn is_read_class(&self) -> bool {
        matches!(self.perm, "getattr" | "read") || self.perm.starts_with("search_")
    }

    /// Whether the permission is needed for a call whose conditioned argument has the value
    /// `arg`: the call's flags for a flag condition, the named argument for a parameter
    /// condition. Unconditional permissions always apply. An unknown value (`None`) or a
    /// condition naming an unknown constant counts as applying (the cautious answer).
    pub fn applies(&self, arg: Option<u32>) -> bool {
        if let Some(cond) = self.flag_condition {
            let Some(flags) = arg else { return true };
            let (negate, names) = match cond.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, cond),
            };
            let mask = names.split('|').try_fold(0u32, |mask, name| {
                acl_constant(name.trim()).map(|v| mask | v)
            });
            let Some(mask) = mask else { return true };
            let holds = if negate {
                flags & mask == 0
            } else {
                flags & mask == mask
            };
            if !holds {
                return false;
            }
        }
        if let Some((_, value)) = self.param_condition {
            let Some(actual) = arg else { return true };
            let (negate, name) = match value.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, value),
            };
            let Some(wanted) = acl_constant(name).or_else(|| name.parse().ok()) else {
                return true;
            };
            if (actual == wanted) == negate {
                return false;
            }
        }
        true
    }
}

/// A constructor for the generated table: an unconditional permission.
pub(crate) const fn perm(object: &'static str, perm: &'static str) -> Permission {
    Permission {
        object,
        perm,
        flag_condition: None,
        param_condition: None,
    }
}

/// A constructor for the generated table: a permission needed only when the flags match.
pub(crate) const fn perm_if(
    object: &'static str,
    perm: &'static str,
    flags: &'static str,
) -> Permission {
    Permission {
        object,
        perm,
        flag_condition: Some(flags),
        param_condition: None,
    }
}

/// A constructor for the generated table: a permission needed only when an argument matches.
pub(crate) const fn perm_param(
    object: &'static str,
    perm: &'static str,
    param: &'static str,
    value: &'static str,
) -> Permission {
    Permission {
        object,
        perm,
        flag_condition: None,
        param_condition: Some((param, value)),
    }
}

/// Everything known about one procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcedureInfo {
    /// The program it belongs to.
    pub program: Program,
    /// The procedure number in the message header.
    pub number: i32,
    /// The name without the program prefix, e.g. `"DOMAIN_GET_XML_DESC"`.
    pub name: &'static str,
    /// The permissions the caller needs (`@acl`). Empty for `@acl: none` (AUTH_*, events,
    /// CONNECT_CLOSE, ...) and for the ADMIN program, which has no ACL annotations.
    pub acl: &'static [Permission],
    /// For list/search calls, the permission each returned object must grant (`@aclfilter`).
    pub acl_filter: Option<Permission>,
    /// `@priority`.
    pub priority: Priority,
    /// Stream use (`@readstream` / `@writestream`).
    pub stream: StreamDirection,
    /// The annotation's number: the 0-based position of the `virStreamPtr` argument in the
    /// libvirt API function (e.g. 2 in `virDomainOpenConsole(dom, dev_name, st, flags)`).
    pub stream_arg: Option<u8>,
    /// The libvirt API function the daemon runs for this call, the name libvirt puts in its
    /// messages ("read only access prevents virDomainDestroy", "this function is not
    /// supported by the connection driver: virDomainGetJobStats"). `None` for AUTH_* and
    /// events. Some are libvirt-internal functions (e.g. `virDomainMigratePrepare3`,
    /// `virConnectSupportsFeature`). ADMIN names are `virAdm*`.
    pub api_name: Option<&'static str>,
    /// A server-to-client event (sent as type MESSAGE, never called by a client).
    pub event: bool,
}

/// Which call argument a read-only decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadOnlyArg {
    /// The decision is fixed for the procedure.
    None,
    /// The call's `flags` argument.
    Flags,
    /// The named argument (only `source` of DOMAIN_INTERFACE_ADDRESSES in libvirt 9.0).
    Param(&'static str),
}

impl ProcedureInfo {
    /// The fully qualified constant name, e.g. `"REMOTE_PROC_DOMAIN_DESTROY"`.
    pub fn constant_name(&self) -> String {
        format!("{}_PROC_{}", self.program.name(), self.name)
    }

    /// Whether libvirt would run this call on a read-only connection. See
    /// [`allowed_on_read_only`].
    pub fn allowed_on_read_only(&self, arg: Option<u32>) -> bool {
        if let Some(allowed) = read_only_override(self) {
            return allowed;
        }
        self.acl
            .iter()
            .all(|p| p.is_read_class() || !p.applies(arg))
    }

    /// Which argument the caller must pass to [`allowed_on_read_only`] for an exact answer:
    /// `Flags` for the few calls refused only with certain flags (DOMAIN_GET_XML_DESC with
    /// SECURE or MIGRATABLE, the snapshot/checkpoint/managed-save XML getters with SECURE,
    /// DOMAIN_GET_VCPUS_FLAGS with VCPU_GUEST), `Param("source")` for
    /// DOMAIN_INTERFACE_ADDRESSES (refused with source = AGENT), `None` otherwise.
    pub fn read_only_arg(&self) -> ReadOnlyArg {
        if read_only_override(self).is_some()
            || self
                .acl
                .iter()
                .any(|p| !p.is_read_class() && !p.is_conditional())
        {
            return ReadOnlyArg::None;
        }
        let deciding = self
            .acl
            .iter()
            .find(|p| !p.is_read_class() && p.is_conditional());
        match deciding {
            Some(Permission {
                param_condition: Some((param, _)),
                ..
            }) => ReadOnlyArg::Param(param),
            Some(_) => ReadOnlyArg::Flags,
            None => ReadOnlyArg::None,
        }
    }

    /// The error domain libvirt reports this call's API-level errors (such as the read-only
    /// refusal) in: that of the libvirt source file defining the API function. QEMU and LXC
    /// calls use `None`, the admin API `Admin`, snapshot and checkpoint calls their own
    /// domains, network/storage/node-device/interface/secret/nwfilter calls theirs, and
    /// everything else (domains, host, connection) `Domain`.
    pub fn api_error_domain(&self) -> ErrorDomain {
        match self.program {
            Program::Qemu | Program::Lxc => return ErrorDomain::None,
            Program::Admin => return ErrorDomain::Admin,
            Program::Remote => {}
        }
        let api = self.api_name.unwrap_or("");
        if api.contains("Snapshot") {
            ErrorDomain::DomainSnapshot
        } else if api.contains("Checkpoint") {
            ErrorDomain::DomainCheckpoint
        } else if api.starts_with("virDomain") {
            ErrorDomain::Domain
        } else if api.contains("Network") {
            ErrorDomain::Network
        } else if api.contains("StoragePool") || api.contains("StorageVol") {
            ErrorDomain::Storage
        } else if api.contains("NodeDevice")
            || api == "virNodeListDevices"
            || api == "virNodeNumOfDevices"
        {
            ErrorDomain::Nodedev
        } else if api.contains("Interface") {
            ErrorDomain::Interface
        } else if api.contains("Secret") {
            ErrorDomain::Secret
        } else if api.contains("NWFilter") {
            ErrorDomain::Nwfilter
        } else if api == "virConnectOpen" || api == "virConnectClose" {
            ErrorDomain::None
        } else {
            ErrorDomain::Domain
        }
    }

    /// libvirt's refusal of this call on a read-only connection, or `None` if it is allowed.
    /// `arg` is the argument named by [`ProcedureInfo::read_only_arg`] (normally the flags),
    /// if known. The ADMIN program has no read-only mode and is never refused.
    pub fn read_only_denial(&self, arg: Option<u32>) -> Option<ReadOnlyDenial> {
        if self.program == Program::Admin || self.allowed_on_read_only(arg) {
            return None;
        }
        // libvirt checks the secure XML flags with its own message; every other refusal is
        // its generic "read only access prevents ...".
        let refused_by_flags_only = read_only_override(self).is_none()
            && self
                .acl
                .iter()
                .all(|p| p.is_read_class() || p.is_conditional());
        let secure_flag = refused_by_flags_only
            && self
                .acl
                .iter()
                .any(|p| p.perm == "read_secure" && p.is_conditional() && p.applies(arg));
        Some(ReadOnlyDenial {
            api_name: self.api_name.unwrap_or(self.name),
            domain: self.api_error_domain(),
            secure_flag,
        })
    }
}

/// Why a call is refused on a read-only connection, in libvirt's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReadOnlyDenial {
    /// The libvirt API function named in the message.
    pub api_name: &'static str,
    /// The error domain libvirt reports the refusal in (the API's own, e.g. 20 for
    /// `virDomainDestroy`, 19 for `virNetworkDestroy`).
    pub domain: ErrorDomain,
    /// The XML getters refused because of their SECURE / MIGRATABLE flag use a message of
    /// their own ("virDomainGetXMLDesc with secure flag").
    pub secure_flag: bool,
}

impl ReadOnlyDenial {
    /// The error code: always 29, OPERATION_DENIED.
    pub const CODE: ErrorCode = ErrorCode::OperationDenied;

    /// The detail (`str2`), e.g. `"read only access prevents virDomainDestroy"`.
    pub fn detail(&self) -> String {
        if self.secure_flag {
            format!("{} with secure flag", self.api_name)
        } else {
            format!("read only access prevents {}", self.api_name)
        }
    }

    /// The full message, e.g.
    /// `"operation forbidden: read only access prevents virDomainDestroy"`.
    pub fn message(&self) -> String {
        format_message(Self::CODE, Some(&self.detail()))
    }
}

/// Procedures where libvirt 9.0's read-only behaviour differs from the ACL-derived rule:
/// `(program, procedure, allowed on a read-only connection)`.
///
/// Found by comparing, for all 470 procedures, the rule with the read-only checks
/// (`virCheckReadOnlyGoto` and the explicit `VIR_CONNECT_RO` tests) in the libvirt API
/// function the daemon calls (src/libvirt-*.c of libvirt 9.0). All other procedures agree,
/// including the flag- and argument-conditional ones (DOMAIN_GET_XML_DESC,
/// DOMAIN_SNAPSHOT_GET_XML_DESC, DOMAIN_MANAGED_SAVE_GET_XML_DESC,
/// DOMAIN_CHECKPOINT_GET_XML_DESC, DOMAIN_GET_VCPUS_FLAGS, DOMAIN_INTERFACE_ADDRESSES).
pub const READ_ONLY_OVERRIDES: &[(Program, i32, bool)] = &[
    // @acl domain:read, but virDomainSetSchedulerParameters() is refused read-only (it
    // changes the scheduler settings; its *Flags twin 219 is domain:write anyway).
    (
        Program::Remote,
        remote_proc::DOMAIN_SET_SCHEDULER_PARAMETERS,
        false,
    ),
    // @acl connect:read, but virNodeGetSEVInfo() is refused read-only.
    (Program::Remote, remote_proc::NODE_GET_SEV_INFO, false),
    // @acl domain:read, but virDomainGetLaunchSecurityInfo() is refused read-only.
    (
        Program::Remote,
        remote_proc::DOMAIN_GET_LAUNCH_SECURITY_INFO,
        false,
    ),
    // @acl node_device:read, but virNodeDeviceGetAutostart() is refused read-only.
    (
        Program::Remote,
        remote_proc::NODE_DEVICE_GET_AUTOSTART,
        false,
    ),
    // @acl domain:migrate, but virDomainMigrateGetCompressionCache() has no read-only check.
    (
        Program::Remote,
        remote_proc::DOMAIN_MIGRATE_GET_COMPRESSION_CACHE,
        true,
    ),
    // @acl domain:migrate, but virDomainMigrateGetMaxDowntime() has no read-only check.
    (
        Program::Remote,
        remote_proc::DOMAIN_MIGRATE_GET_MAX_DOWNTIME,
        true,
    ),
    // @acl connect:write, but the daemon handles it itself (only the ACL check, no read-only
    // check): virtproxyd forwards the client's identity over read-only connections too.
    (Program::Remote, remote_proc::CONNECT_SET_IDENTITY, true),
];

fn read_only_override(info: &ProcedureInfo) -> Option<bool> {
    READ_ONLY_OVERRIDES
        .iter()
        .find(|(program, number, _)| *program == info.program && *number == info.number)
        .map(|&(_, _, allowed)| allowed)
}

/// Numeric values of the libvirt constants named in ACL conditions (libvirt 9.0 public
/// headers). Flag conditions are bit masks; `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT` is
/// compared with the `source` argument.
pub const ACL_CONSTANTS: &[(&str, u32)] = &[
    ("VIR_DOMAIN_AFFECT_LIVE", flags::domain_affect::LIVE),
    ("VIR_DOMAIN_AFFECT_CONFIG", flags::domain_affect::CONFIG),
    ("VIR_DOMAIN_XML_SECURE", flags::domain_xml::SECURE),
    ("VIR_DOMAIN_XML_MIGRATABLE", flags::domain_xml::MIGRATABLE),
    (
        "VIR_DOMAIN_REBOOT_GUEST_AGENT",
        flags::domain_reboot::GUEST_AGENT,
    ),
    (
        "VIR_DOMAIN_SHUTDOWN_GUEST_AGENT",
        flags::domain_shutdown::GUEST_AGENT,
    ),
    ("VIR_DOMAIN_VCPU_GUEST", flags::domain_vcpu::GUEST),
    (
        "VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE",
        flags::domain_snapshot::CREATE_QUIESCE,
    ),
    (
        "VIR_DOMAIN_SNAPSHOT_XML_SECURE",
        flags::domain_snapshot::XML_SECURE,
    ),
    (
        "VIR_DOMAIN_SAVE_IMAGE_XML_SECURE",
        flags::domain_save_image::XML_SECURE,
    ),
    (
        "VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE",
        flags::domain_checkpoint::CREATE_QUIESCE,
    ),
    (
        "VIR_DOMAIN_CHECKPOINT_XML_SECURE",
        flags::domain_checkpoint::XML_SECURE,
    ),
    (
        "VIR_NETWORK_UPDATE_AFFECT_LIVE",
        flags::network_update::AFFECT_LIVE,
    ),
    (
        "VIR_NETWORK_UPDATE_AFFECT_CONFIG",
        flags::network_update::AFFECT_CONFIG,
    ),
    (
        "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT",
        flags::interface_addresses_src::AGENT,
    ),
];

/// The value of a constant named in an ACL condition.
pub fn acl_constant(name: &str) -> Option<u32> {
    ACL_CONSTANTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
}

fn find(table: &'static [ProcedureInfo], number: i32) -> Option<&'static ProcedureInfo> {
    // The tables are dense from 1, so the index is number - 1; fall back to a binary search.
    let direct = usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| table.get(i))
        .filter(|info| info.number == number);
    direct.or_else(|| {
        table
            .binary_search_by_key(&number, |info| info.number)
            .ok()
            .and_then(|i| table.get(i))
    })
}

/// A procedure of `program` by number.
pub fn procedure(program: Program, number: i32) -> Option<&'static ProcedureInfo> {
    find(program.procedures(), number)
}

/// A REMOTE procedure by number.
pub fn remote_procedure(number: i32) -> Option<&'static ProcedureInfo> {
    find(REMOTE_PROCEDURES, number)
}

/// A procedure of `program` by name, with or without the `<PROGRAM>_PROC_` prefix
/// (`"DOMAIN_DESTROY"` or `"REMOTE_PROC_DOMAIN_DESTROY"`).
pub fn by_name(program: Program, name: &str) -> Option<&'static ProcedureInfo> {
    let short = name
        .strip_prefix(program.name())
        .and_then(|rest| rest.strip_prefix("_PROC_"))
        .unwrap_or(name);
    program.procedures().iter().find(|info| info.name == short)
}

/// Whether libvirt runs the call on a read-only connection. `flags` is the value of the
/// argument named by [`ProcedureInfo::read_only_arg`] — the call's flags, except for
/// DOMAIN_INTERFACE_ADDRESSES where it is `source`. When it is `None` (not decoded), a
/// conditional refusal is assumed to apply, so e.g. DOMAIN_GET_XML_DESC is refused: decode
/// the argument for the procedures whose `read_only_arg()` is not `ReadOnlyArg::None`.
pub fn allowed_on_read_only(info: &ProcedureInfo, flags: Option<u32>) -> bool {
    info.allowed_on_read_only(flags)
}

/// The read-only refusal for a CALL with header `program` number and `procedure`, or `None`
/// if it may run (also for unknown programs/procedures, which are refused elsewhere, and for
/// the ADMIN program). See [`allowed_on_read_only`] for `flags`.
pub fn read_only_denial(
    program: u32,
    procedure: i32,
    flags: Option<u32>,
) -> Option<ReadOnlyDenial> {
    let program = Program::from_number(program)?;
    find(program.procedures(), procedure)?.read_only_denial(flags)
}

/// The libvirt API name to put in "operation forbidden: read only access prevents virXxx"
/// if the CALL must be refused on a read-only connection, else `None`. Build the whole error
/// with [`read_only_denial`] to also get the right error domain and the secure-flag wording.
pub fn read_only_denied(program: u32, procedure: i32, flags: Option<u32>) -> Option<&'static str> {
    read_only_denial(program, procedure, flags).map(|d| d.api_name)
}

#[cfg(test)]
mod tests;
