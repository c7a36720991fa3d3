//! libvirt's domain states and state reasons (the numbers clients see in
//! `virsh domstate --reason`).

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
    pub const RESTORED: i32 = 3;
    pub const UNPAUSED: i32 = 5;
    pub const SAVE_CANCELED: i32 = 7;
}

/// `virDomainPausedReason`.
pub mod paused {
    pub const UNKNOWN: i32 = 0;
    pub const USER: i32 = 1;
    pub const MIGRATION: i32 = 2;
    pub const SAVE: i32 = 3;
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
    pub const SAVED: i32 = 5;
    pub const FAILED: i32 = 6;
    pub const DAEMON: i32 = 8;
}

/// Whether a state counts as active (a QEMU exists).
pub fn is_active(state: i32) -> bool {
    !matches!(state, state::SHUTOFF | state::NOSTATE)
}
