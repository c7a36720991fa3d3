//! libvirt's domain event ids (`virDomainEventID`) and the lifecycle event's types and details
//! (`virDomainEventType`, `virDomainEvent*DetailType`): the numbers `virsh event` prints.

/// `VIR_DOMAIN_EVENT_ID_*`: which event a registration is for.
pub mod id {
    pub const LIFECYCLE: i32 = 0;
    pub const REBOOT: i32 = 1;
    pub const RTC_CHANGE: i32 = 2;
    pub const WATCHDOG: i32 = 3;
    pub const IO_ERROR: i32 = 4;
    pub const GRAPHICS: i32 = 5;
    pub const IO_ERROR_REASON: i32 = 6;
    pub const CONTROL_ERROR: i32 = 7;
    pub const BLOCK_JOB: i32 = 8;
    pub const DISK_CHANGE: i32 = 9;
    pub const TRAY_CHANGE: i32 = 10;
    pub const PMWAKEUP: i32 = 11;
    pub const PMSUSPEND: i32 = 12;
    pub const BALLOON_CHANGE: i32 = 13;
    pub const PMSUSPEND_DISK: i32 = 14;
    pub const DEVICE_REMOVED: i32 = 15;
    pub const BLOCK_JOB_2: i32 = 16;
    pub const TUNABLE: i32 = 17;
    pub const AGENT_LIFECYCLE: i32 = 18;
    pub const DEVICE_ADDED: i32 = 19;
    pub const MIGRATION_ITERATION: i32 = 20;
    pub const JOB_COMPLETED: i32 = 21;
    pub const DEVICE_REMOVAL_FAILED: i32 = 22;
    pub const METADATA_CHANGE: i32 = 23;
    pub const BLOCK_THRESHOLD: i32 = 24;
    pub const MEMORY_FAILURE: i32 = 25;
    pub const MEMORY_DEVICE_SIZE_CHANGE: i32 = 26;
    /// `VIR_DOMAIN_EVENT_ID_LAST` in libvirt 9.0: the number of ids.
    pub const LAST: i32 = 27;
}

/// `virDomainEventType` (the lifecycle event's `event`) and the `detail` of each.
pub mod lifecycle {
    pub const DEFINED: i32 = 0;
    pub const UNDEFINED: i32 = 1;
    pub const STARTED: i32 = 2;
    pub const SUSPENDED: i32 = 3;
    pub const RESUMED: i32 = 4;
    pub const STOPPED: i32 = 5;
    pub const SHUTDOWN: i32 = 6;

    pub const DEFINED_ADDED: i32 = 0;
    pub const DEFINED_UPDATED: i32 = 1;
    pub const UNDEFINED_REMOVED: i32 = 0;
    pub const STARTED_BOOTED: i32 = 0;
    pub const STARTED_RESTORED: i32 = 2;
    pub const SUSPENDED_PAUSED: i32 = 0;
    pub const SUSPENDED_RESTORED: i32 = 4;
    pub const RESUMED_UNPAUSED: i32 = 0;
    pub const RESUMED_FROM_SNAPSHOT: i32 = 2;
    pub const STOPPED_SHUTDOWN: i32 = 0;
    pub const STOPPED_DESTROYED: i32 = 1;
    pub const STOPPED_CRASHED: i32 = 2;
    pub const STOPPED_SAVED: i32 = 4;
    pub const STOPPED_FAILED: i32 = 5;
    pub const SHUTDOWN_FINISHED: i32 = 0;
    pub const SHUTDOWN_GUEST: i32 = 1;
    pub const SHUTDOWN_HOST: i32 = 2;
}
