//! The shim protocol: what `oxvirt-qemud` (or an embedded driver) and one VM's `oxvirt-shim`
//! say to each other over the shim's socket. Same framing as the remote protocol, program
//! [`SHIM_PROGRAM`](crate::message::SHIM_PROGRAM), version 1.
//!
//! The driver calls ([`ShimCall`]: one type per procedure with its argument and reply); the
//! shim answers and, unasked, sends events ([`ShimEvent`]: [`StateChanged`], [`Rebooted`],
//! [`BalloonChanged`]) when the VM changes on its own (the guest powered off, QEMU died, a QMP
//! `STOP`).
//!
//! Everything the driver needs to rebuild its view of a running VM is in the status file the
//! shim keeps (`DIR/run/qemu/NAME/status.xml`); [`Status`] returns the same document.

use crate::message::STRING_MAX;
use oxvirt_xdr::{Decode, Encode};

/// A shim procedure: its number, its argument and its reply, named once. Each procedure is a
/// zero-sized type ([`Status`], [`Start`], ...); the driver calls `vm.call(Reset, &args, t)`
/// and the shim's server dispatches on the same types, so a caller cannot send or expect the
/// wrong body.
pub trait ShimCall: Copy + Send + Sync + 'static {
    /// The procedure number on the wire.
    const PROC: i32;
    /// The call's arguments.
    type Args: Encode + Decode + Send + Sync;
    /// The reply's body.
    type Ret: Encode + Decode + Send;
}

/// An event a shim sends unasked: its number and its body, named once.
pub trait ShimEvent: Copy + Send + Sync + 'static {
    /// The procedure number of the event message.
    const PROC: i32;
    /// The event's body.
    type Body: Encode + Decode + Send;
}

macro_rules! shim_calls {
    ($($(#[$doc:meta])* $name:ident = $num:literal: $args:ty => $ret:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;
        impl ShimCall for $name {
            const PROC: i32 = $num;
            type Args = $args;
            type Ret = $ret;
        }
    )*};
}

macro_rules! shim_events {
    ($($(#[$doc:meta])* $name:ident = $num:literal: $body:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;
        impl ShimEvent for $name {
            const PROC: i32 = $num;
            type Body = $body;
        }
    )*};
}

shim_calls! {
    /// The shim's current status document (once a start in progress has ended).
    Status = 1: () => StatusRet;
    /// Launch QEMU for the given status document; the reply is the running VM's status.
    Start = 2: StartArgs => StatusRet;
    /// Pause the vCPUs (QMP `stop`); the flags must be 0.
    Suspend = 3: FlagsArgs => ();
    /// Resume the vCPUs (QMP `cont`); the flags must be 0.
    Resume = 4: FlagsArgs => ();
    /// ACPI power button (QMP `system_powerdown`).
    Shutdown = 5: FlagsArgs => ();
    /// ACPI power button, then reset when the guest is down.
    Reboot = 6: FlagsArgs => ();
    /// Hard reset (QMP `system_reset`); the flags must be 0.
    Reset = 7: FlagsArgs => ();
    /// Stop QEMU (SIGTERM, then SIGKILL unless [`DESTROY_GRACEFUL`]).
    Destroy = 8: FlagsArgs => ();
    /// Balloon target.
    SetMemory = 9: SetMemoryArgs => ();
    /// A QMP (or, with flag 1, HMP) command for `virsh qemu-monitor-command`.
    MonitorCommand = 10: MonitorCommandArgs => StringRet;
    /// A console's pty: the fd travels in the reply's fds, the body names the device's alias.
    OpenConsole = 11: OpenConsoleArgs => StringRet;
    /// `domstats` groups ([`group`] bits).
    Stats = 12: StatsArgs => StatsRet;
    /// Inject an NMI (QMP `inject-nmi`); the flags must be 0.
    InjectNmi = 13: FlagsArgs => ();
    /// Press and release keys (QMP `send-key`), given as QEMU's key numbers.
    SendKey = 14: SendKeyArgs => ();
    /// The balloon's statistics (`virsh dommemstat`), as `(tag, value)` pairs in libvirt's
    /// order and units; the driver adds the process's RSS.
    MemoryStats = 15: () => MemoryStatsRet;
    /// Set (or, with no value, remove) the live definition's description, title or metadata
    /// element (`virsh desc --live`, `metadata --live`), kept in the status file.
    SetMetadata = 16: SetMetadataArgs => ();
    /// Hotplug the device `alias` of the given live definition (`blockdev-add`, `netdev_add`,
    /// `device_add`); the reply is the status with the device.
    AttachDevice = 17: AttachDeviceArgs => StatusRet;
    /// Unplug the device `alias` (`device_del`), waiting up to 5 s for QEMU's
    /// `DEVICE_DELETED`; the removal finishes later if it has not come by then.
    DetachDevice = 18: DetachDeviceArgs => DetachDeviceRet;
    /// Change (or eject) the medium of the removable disk `alias` to the one it has in the
    /// given live definition (`blockdev-open-tray`, `blockdev-remove-medium`,
    /// `blockdev-insert-medium`, `blockdev-close-tray`).
    ChangeMedia = 19: AttachDeviceArgs => StatusRet;
    /// A NIC's link up or down (QMP `set_link`).
    SetLink = 20: SetLinkArgs => StatusRet;
    /// Take the tuning of the given live definition (`<vcpu>`, `<cputune>`, the lifecycle
    /// actions) into the status file, after the driver applied it (`virsh vcpupin --live`,
    /// `setvcpus --live`, `set-lifecycle-action --live`); a changed `<on_reboot>` is given to
    /// QEMU (QMP `set-action`).
    SetLiveTuning = 40: LiveDefinitionArgs => ();
    /// A PNG screenshot (QMP `screendump`) of the given video device and head (none: the
    /// first), written to `screenshot.png` in the VM's directory; the reply is its path.
    Screenshot = 41: ScreenshotArgs => StringRet;
    /// Save the VM to the file passed as the call's one fd (libvirt's save-image format: the
    /// header and XML first, QEMU's migration stream after, the header marked complete last),
    /// then stop QEMU: the domain ends shut off (saved).
    Save = 21: SaveArgs => ();
    /// An internal snapshot of the running VM (QMP `snapshot-save`, `snapshot-load` or
    /// `snapshot-delete` job, [`SNAPSHOT_SAVE`] ...) on the disks of the given aliases (the
    /// first also takes the memory state), waiting for the job to end.
    SnapshotInternal = 50: SnapshotInternalArgs => ();
    /// An external disk-only snapshot of the running VM: each named disk goes on in its
    /// overlay (already created by the driver, a qcow2 whose backing file is the disk's
    /// image), QMP `blockdev-add` and one `transaction` of `blockdev-snapshot`; the reply is the
    /// status with the disks on their overlays.
    SnapshotExternal = 51: SnapshotExternalArgs => StatusRet;
    /// Resize the disk `disk` (its target) to `size` bytes (QMP `block_resize`).
    BlockResize = 60: BlockResizeArgs => ();
    /// Start a block job on a disk (`blockdev-mirror`, `block-commit`, `block-stream`); the
    /// reply is the status (a copy's or active commit's disk has its `<mirror>`). The job ends
    /// later with [`BlockJobChanged`].
    BlockJobStart = 61: BlockJobStartArgs => StatusRet;
    /// The block job of a disk: its progress from QEMU (`query-block-jobs`).
    BlockJobInfo = 62: DiskArgs => BlockJobInfoRet;
    /// Abort a disk's block job, or (`pivot`) complete a ready copy or active commit
    /// (`block-job-cancel`, `block-job-complete`); `wait`: until the job has ended.
    BlockJobAbort = 63: BlockJobAbortArgs => StatusRet;
    /// A block job's speed limit in bytes per second (`block-job-set-speed`).
    BlockJobSetSpeed = 64: BlockJobSpeedArgs => ();
    /// Take the `<iotune>` of disk `alias` in the given live definition to QEMU
    /// (`block_set_io_throttle`) and into the status file.
    SetBlockIoTune = 65: AttachDeviceArgs => StatusRet;
}

/// [`SnapshotInternal`]: take a snapshot (the guest goes on as it was).
pub const SNAPSHOT_SAVE: u32 = 0;
/// [`SnapshotInternal`]: load a snapshot (the guest goes on as it was).
pub const SNAPSHOT_LOAD: u32 = 1;
/// [`SnapshotInternal`]: delete a snapshot from the images.
pub const SNAPSHOT_DELETE: u32 = 2;

/// [`SnapshotExternal`]'s arguments: the disks' aliases and their overlays, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotExternalArgs {
    #[xdr(max = 256, item_max = STRING_MAX)]
    pub disks: Vec<String>,
    #[xdr(max = 256, item_max = STRING_MAX)]
    pub overlays: Vec<String>,
}

/// [`SnapshotInternal`]'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotInternalArgs {
    /// [`SNAPSHOT_SAVE`], [`SNAPSHOT_LOAD`] or [`SNAPSHOT_DELETE`].
    pub op: u32,
    /// The snapshot's name in the images.
    #[xdr(max = STRING_MAX)]
    pub tag: String,
    /// The aliases of the disks (the first holds the memory state).
    #[xdr(max = 256, item_max = STRING_MAX)]
    pub disks: Vec<String>,
}

shim_events! {
    /// The VM changed state on its own (the guest powered off, QEMU died, a QMP `STOP`).
    StateChanged = 100: StateEvent;
    /// The guest reset.
    Rebooted = 101: ();
    /// The balloon reached a new size.
    BalloonChanged = 102: BalloonEvent;
    /// A device left the VM (QEMU's `DEVICE_DELETED` after an unplug): the new status.
    DeviceRemoved = 103: DeviceEvent;
    /// QEMU refused to unplug a device (`DEVICE_UNPLUG_GUEST_ERROR`).
    DeviceRemovalFailed = 104: DeviceEvent;
    /// A block job became ready, completed, failed or was cancelled: the new status.
    BlockJobChanged = 120: BlockJobEvent;
}

/// The statistics groups a driver asks for in [`StatsArgs`] (libvirt's `VIR_DOMAIN_STATS_*`).
pub use crate::flags::domain_stats as group;

/// Largest status document.
pub const STATUS_MAX: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StatusRet {
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
}

/// Start flags.
pub const START_PAUSED: u32 = crate::flags::domain_start::PAUSED;
/// Start flag: restore a saved image, QEMU's migration stream read from the last fd passed
/// with START (positioned at the stream), with `-incoming defer` and `migrate-incoming`.
pub const START_RESTORE: u32 = 1 << 31;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StartArgs {
    /// The status document to start from: the live definition (id and aliases assigned),
    /// state shut off.
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
    pub flags: u32,
}

/// [`Save`]'s arguments: the domain XML written into the image, and whether the image
/// restores running (`was_running`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SaveArgs {
    #[xdr(max = STATUS_MAX)]
    pub domain_xml: String,
    pub was_running: bool,
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

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct AttachDeviceArgs {
    /// The live definition with the new device (its alias and address assigned).
    #[xdr(max = STATUS_MAX)]
    pub domain_xml: String,
    /// The new device's alias.
    #[xdr(max = STRING_MAX)]
    pub alias: String,
}

/// [`Screenshot`]'s arguments: the video device's alias and its head.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ScreenshotArgs {
    #[xdr(max = STRING_MAX)]
    pub device: Option<String>,
    pub head: u32,
}

/// A live definition (the whole domain XML).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct LiveDefinitionArgs {
    #[xdr(max = STATUS_MAX)]
    pub domain_xml: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SetLinkArgs {
    #[xdr(max = STRING_MAX)]
    pub alias: String,
    pub up: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DetachDeviceArgs {
    #[xdr(max = STRING_MAX)]
    pub alias: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DetachDeviceRet {
    /// QEMU's `DEVICE_DELETED` came within the wait: the device is gone.
    pub removed: bool,
}

/// A device event: the device's alias and the status after it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DeviceEvent {
    #[xdr(max = STRING_MAX)]
    pub alias: String,
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
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

/// [`SendKey`]'s keys: QEMU's key numbers (libvirt's QNUM codeset), pressed in order, held
/// `holdtime` ms (0: QEMU's default).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SendKeyArgs {
    pub holdtime: u32,
    #[xdr(max = crate::domain_api::SEND_KEY_MAX)]
    pub qnums: Vec<u32>,
}

/// [`SetMetadata`]'s arguments, as DOMAIN_SET_METADATA's: libvirt's metadata type (0
/// description, 1 title, 2 element), the new text (none: remove), and for an element its
/// namespace prefix and URI.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SetMetadataArgs {
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub value: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub key: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub uri: Option<String>,
}

/// [`MemoryStats`]' reply: `VIR_DOMAIN_MEMORY_STAT_*` tags and values.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MemoryStatsRet {
    #[xdr(max = crate::domain_api::MEMORY_STATS_MAX)]
    pub stats: Vec<crate::domain_api::DomainMemoryStat>,
}

/// [`BlockResize`]'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BlockResizeArgs {
    /// The disk's target (`vda`).
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    pub bytes: u64,
}

/// A disk, by its target (`vda`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DiskArgs {
    #[xdr(max = STRING_MAX)]
    pub disk: String,
}

/// [`BlockJobStart`]'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BlockJobStartArgs {
    /// The disk's target (`vda`).
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    /// libvirt's job type ([`crate::block_api::job_type`]): pull, copy, commit or active
    /// commit.
    pub job_type: i32,
    /// A copy's destination (made by the driver), a pull's or commit's base image (none: the
    /// end of the chain).
    #[xdr(max = STRING_MAX)]
    pub path: Option<String>,
    /// The destination's format (a copy) and type (`file` or `block`).
    #[xdr(max = STRING_MAX)]
    pub format: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub kind: Option<String>,
    /// A copy of the top image only (`sync: top`).
    pub shallow: bool,
    /// Bytes per second, 0: no limit.
    pub speed: u64,
}

/// [`BlockJobInfo`]'s reply (`found` false: the disk has no job).
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockJobInfoRet {
    pub found: bool,
    pub job_type: i32,
    pub speed: u64,
    pub cur: u64,
    pub end: u64,
}

/// [`BlockJobAbort`]'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BlockJobAbortArgs {
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    pub pivot: bool,
    pub wait: bool,
}

/// [`BlockJobSetSpeed`]'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BlockJobSpeedArgs {
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    pub speed: u64,
}

/// A block job's end or readiness ([`crate::block_api::job_status`]) on disk `disk` whose
/// path (after the job) is `path`, and the status after it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct BlockJobEvent {
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub job_type: i32,
    pub status: i32,
    #[xdr(max = STATUS_MAX)]
    pub status_xml: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers are the wire: a driver and the shims a previous driver started must agree.
    #[test]
    fn procedure_numbers_are_the_wire_and_distinct() {
        let calls = [
            Status::PROC,
            Start::PROC,
            Suspend::PROC,
            Resume::PROC,
            Shutdown::PROC,
            Reboot::PROC,
            Reset::PROC,
            Destroy::PROC,
            SetMemory::PROC,
            MonitorCommand::PROC,
            OpenConsole::PROC,
            Stats::PROC,
            InjectNmi::PROC,
            SendKey::PROC,
            MemoryStats::PROC,
            SetMetadata::PROC,
            AttachDevice::PROC,
            DetachDevice::PROC,
            ChangeMedia::PROC,
            SetLink::PROC,
            Save::PROC,
        ];
        assert_eq!(
            calls,
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
        );
        let events = [
            StateChanged::PROC,
            Rebooted::PROC,
            BalloonChanged::PROC,
            DeviceRemoved::PROC,
            DeviceRemovalFailed::PROC,
        ];
        assert_eq!(events, [100, 101, 102, 103, 104]);
        // the tuning calls are numbered from 40
        assert_eq!([SetLiveTuning::PROC, Screenshot::PROC], [40, 41]);
        // the block calls from 60, their events from 120
        assert_eq!(
            [
                BlockResize::PROC,
                BlockJobStart::PROC,
                BlockJobInfo::PROC,
                BlockJobAbort::PROC,
                BlockJobSetSpeed::PROC,
                SetBlockIoTune::PROC,
                BlockJobChanged::PROC
            ],
            [60, 61, 62, 63, 64, 65, 120]
        );
    }

    /// What the driver sends for SUSPEND/RESUME/RESET (flags 0) decodes as their arguments.
    #[test]
    fn flag_calls_carry_flags() {
        let body = oxvirt_xdr::to_bytes(&FlagsArgs { flags: 0 }).unwrap();
        let a: <Reset as ShimCall>::Args = oxvirt_xdr::from_bytes_exact(&body).unwrap();
        assert_eq!(a.flags, 0);
        let status: Result<<Status as ShimCall>::Args, _> = oxvirt_xdr::from_bytes_exact(&[]);
        assert!(status.is_ok());
        let status: Result<<Status as ShimCall>::Args, _> = oxvirt_xdr::from_bytes_exact(&body);
        assert!(status.is_err(), "STATUS takes no arguments");
    }
}
