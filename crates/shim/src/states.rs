//! libvirt's domain states, state reasons, and lifecycle events with their details (the
//! numbers clients see in `virsh domstate --reason` and `virsh event`). Each constant is
//! libvirt's value of the enum member of the same name (`state::PAUSED` is
//! `VIR_DOMAIN_PAUSED`, `event::STOPPED_DESTROYED` is `VIR_DOMAIN_EVENT_STOPPED_DESTROYED`).

#![allow(missing_docs)]

/// `virDomainState`.
pub mod state {
    pub const NOSTATE: i32 = 0;
    pub const RUNNING: i32 = 1;
    pub const BLOCKED: i32 = 2;
    pub const PAUSED: i32 = 3;
    pub const SHUTDOWN: i32 = 4;
    pub const SHUTOFF: i32 = 5;
    pub const CRASHED: i32 = 6;
    pub const PMSUSPENDED: i32 = 7;
}

/// `virDomainRunningReason`.
pub mod running {
    pub const UNKNOWN: i32 = 0;
    pub const BOOTED: i32 = 1;
    pub const UNPAUSED: i32 = 5;
}

/// `virDomainPausedReason`.
pub mod paused {
    pub const UNKNOWN: i32 = 0;
    pub const USER: i32 = 1;
    pub const SHUTTING_DOWN: i32 = 8;
    pub const STARTING_UP: i32 = 11;
}

/// `virDomainShutdownReason`.
pub mod shutdown {
    pub const UNKNOWN: i32 = 0;
    pub const USER: i32 = 1;
}

/// `virDomainShutoffReason`.
pub mod shutoff {
    pub const UNKNOWN: i32 = 0;
    pub const SHUTDOWN: i32 = 1;
    pub const DESTROYED: i32 = 2;
    pub const CRASHED: i32 = 3;
    pub const FAILED: i32 = 6;
    pub const DAEMON: i32 = 8;
}

/// `virDomainEventType` and the details of each.
pub mod event {
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
    pub const SUSPENDED_PAUSED: i32 = 0;
    pub const RESUMED_UNPAUSED: i32 = 0;
    pub const STOPPED_SHUTDOWN: i32 = 0;
    pub const STOPPED_DESTROYED: i32 = 1;
    pub const STOPPED_CRASHED: i32 = 2;
    pub const STOPPED_FAILED: i32 = 5;
    pub const SHUTDOWN_FINISHED: i32 = 0;
    pub const SHUTDOWN_GUEST: i32 = 1;
    pub const SHUTDOWN_HOST: i32 = 2;
}

/// Whether a state counts as active (a QEMU exists).
pub fn is_active(state: i32) -> bool {
    !matches!(state, state::SHUTOFF | state::NOSTATE)
}
