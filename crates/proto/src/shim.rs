//! The shim protocol: what `oxvirt-qemud` (or an embedded driver) and one VM's `oxvirt-shim`
//! say to each other over the shim's socket. Same framing as the remote protocol, program
//! [`SHIM_PROGRAM`](crate::message::SHIM_PROGRAM), version 1.
//!
//! The driver calls; the shim answers and, unasked, sends [`EVENT_STATE`](proc::EVENT_STATE)
//! and [`EVENT_REBOOT`](proc::EVENT_REBOOT) messages when the VM changes on its own (the guest
//! powered off, QEMU died, a QMP `STOP`).
//!
//! Everything the driver needs to rebuild its view of a running VM is in the status file the
//! shim keeps (`DIR/run/qemu/NAME/status.xml`); [`proc::STATUS`] returns the same document.

use crate::message::STRING_MAX;
use oxvirt_xdr::{Decode, Encode};

/// Procedure numbers.
pub mod proc {
    /// → [`StatusRet`](super::StatusRet): the shim's current status document.
    pub const STATUS: i32 = 1;
    /// [`StartArgs`](super::StartArgs) → [`StatusRet`](super::StatusRet): launch QEMU.
    pub const START: i32 = 2;
    /// Pause the vCPUs (QMP `stop`).
    pub const SUSPEND: i32 = 3;
    /// Resume the vCPUs (QMP `cont`).
    pub const RESUME: i32 = 4;
    /// [`FlagsArgs`](super::FlagsArgs): ACPI power button (QMP `system_powerdown`).
    pub const SHUTDOWN: i32 = 5;
    /// [`FlagsArgs`](super::FlagsArgs): ACPI power button, then reset when the guest is down.
    pub const REBOOT: i32 = 6;
    /// Hard reset (QMP `system_reset`).
    pub const RESET: i32 = 7;
    /// [`FlagsArgs`](super::FlagsArgs): stop QEMU (SIGTERM, then SIGKILL unless graceful).
    pub const DESTROY: i32 = 8;
    /// [`SetMemoryArgs`](super::SetMemoryArgs): balloon target.
    pub const SET_MEMORY: i32 = 9;
    /// [`MonitorCommandArgs`](super::MonitorCommandArgs) → [`StringRet`](super::StringRet).
    pub const MONITOR_COMMAND: i32 = 10;
    /// [`OpenConsoleArgs`](super::OpenConsoleArgs) → an fd of the console's pty (in the
    /// reply's fds) and [`StringRet`](super::StringRet) with the device's alias.
    pub const OPEN_CONSOLE: i32 = 11;
    /// [`StatsArgs`](super::StatsArgs) → [`StatsRet`](super::StatsRet): `domstats` groups.
    pub const STATS: i32 = 12;

    /// Event: [`StateEvent`](super::StateEvent).
    pub const EVENT_STATE: i32 = 100;
    /// Event: the guest reset (no body).
    pub const EVENT_REBOOT: i32 = 101;
    /// Event: [`BalloonEvent`](super::BalloonEvent).
    pub const EVENT_BALLOON: i32 = 102;
}

/// Largest status document.
pub const STATUS_MAX: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StatusRet {
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
}

/// Start flags.
pub const START_PAUSED: u32 = crate::flags::domain_start::PAUSED;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StartArgs {
    /// The status document to start from: the live definition (id and aliases assigned),
    /// state shut off.
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
    pub flags: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct FlagsArgs {
    pub flags: u32,
}

/// Destroy flag: only SIGTERM, never SIGKILL (libvirt's `VIR_DOMAIN_DESTROY_GRACEFUL`).
pub const DESTROY_GRACEFUL: u32 = crate::flags::domain_destroy::GRACEFUL;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct SetMemoryArgs {
    pub kib: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MonitorCommandArgs {
    #[xdr(max = STRING_MAX)]
    pub cmd: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct OpenConsoleArgs {
    /// A device alias (`serial0`, `console0`) or none for the first console.
    #[xdr(max = STRING_MAX)]
    pub dev_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StringRet {
    #[xdr(max = STRING_MAX)]
    pub value: String,
}

/// A state change the shim saw, with the lifecycle event to send (`event < 0`: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct StateEvent {
    pub state: i32,
    pub reason: i32,
    pub event: i32,
    pub detail: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct BalloonEvent {
    pub actual_kib: u64,
}

/// Statistics groups (libvirt's `VIR_DOMAIN_STATS_*` bits) the driver asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct StatsArgs {
    pub groups: u32,
}

/// The records' typed parameters in libvirt's names (`cpu.time`, `block.0.rd.bytes`, ...).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct StatsRet {
    #[xdr(max = crate::types::TYPED_PARAMS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
}
