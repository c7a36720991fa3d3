//! libvirt's flag bits by name (libvirt 9.0's public headers), one module per flag type:
//! `flags::domain_xml::SECURE` is `VIR_DOMAIN_XML_SECURE`. `ALL` is every bit libvirt 9.0
//! defines for the type (what a driver's `virCheckFlags` accepts when it knows them all).

/// `virConnectFlags`.
pub mod connect {
    /// `VIR_CONNECT_RO`.
    pub const RO: u32 = 1;
}

/// `virConnectListAllDomainsFlags`.
pub mod list_domains {
    pub const ACTIVE: u32 = 1;
    pub const INACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const RUNNING: u32 = 16;
    pub const PAUSED: u32 = 32;
    pub const SHUTOFF: u32 = 64;
    pub const OTHER: u32 = 128;
    pub const MANAGEDSAVE: u32 = 256;
    pub const NO_MANAGEDSAVE: u32 = 512;
    pub const AUTOSTART: u32 = 1024;
    pub const NO_AUTOSTART: u32 = 2048;
    pub const HAS_SNAPSHOT: u32 = 4096;
    pub const NO_SNAPSHOT: u32 = 8192;
    pub const HAS_CHECKPOINT: u32 = 16384;
    pub const NO_CHECKPOINT: u32 = 32768;
    pub const ALL: u32 = 0xffff;
}

/// `virDomainCreateFlags`.
pub mod domain_start {
    pub const PAUSED: u32 = 1;
    pub const AUTODESTROY: u32 = 2;
    pub const BYPASS_CACHE: u32 = 4;
    pub const FORCE_BOOT: u32 = 8;
    pub const VALIDATE: u32 = 16;
    pub const RESET_NVRAM: u32 = 32;
    pub const ALL: u32 = 0x3f;
}

/// `virDomainShutdownFlagValues` (DEFAULT is 0).
pub mod domain_shutdown {
    pub const ACPI_POWER_BTN: u32 = 1;
    pub const GUEST_AGENT: u32 = 2;
    pub const INITCTL: u32 = 4;
    pub const SIGNAL: u32 = 8;
    pub const PARAVIRT: u32 = 16;
    pub const ALL: u32 = 0x1f;
}

/// `virDomainRebootFlagValues` (DEFAULT is 0): the same bits as shutdown.
pub mod domain_reboot {
    pub const ACPI_POWER_BTN: u32 = 1;
    pub const GUEST_AGENT: u32 = 2;
}

/// `virDomainDestroyFlagsValues`.
pub mod domain_destroy {
    pub const GRACEFUL: u32 = 1;
}

/// `virDomainModificationImpact` (CURRENT is 0).
pub mod domain_affect {
    pub const LIVE: u32 = 1;
    pub const CONFIG: u32 = 2;
}

/// `virDomainMemoryModFlags` (besides the affect bits).
pub mod domain_mem {
    pub const MAXIMUM: u32 = 4;
}

/// `virDomainConsoleFlags`.
pub mod domain_console {
    pub const FORCE: u32 = 1;
    pub const SAFE: u32 = 2;
}

/// `virDomainQemuMonitorCommandFlags`.
pub mod qemu_monitor_command {
    pub const HMP: u32 = 1;
}

/// `virDomainDefineFlags`.
pub mod domain_define {
    pub const VALIDATE: u32 = 1;
}

/// `virDomainXMLFlags`.
pub mod domain_xml {
    pub const SECURE: u32 = 1;
    pub const INACTIVE: u32 = 2;
    pub const UPDATE_CPU: u32 = 4;
    pub const MIGRATABLE: u32 = 8;
    pub const ALL: u32 = 0xf;
}

/// `virDomainUndefineFlagsValues`.
pub mod domain_undefine {
    pub const MANAGED_SAVE: u32 = 1;
    pub const SNAPSHOTS_METADATA: u32 = 2;
    pub const NVRAM: u32 = 4;
    pub const KEEP_NVRAM: u32 = 8;
    pub const CHECKPOINTS_METADATA: u32 = 16;
    pub const TPM: u32 = 32;
    pub const KEEP_TPM: u32 = 64;
    pub const ALL: u32 = 0x7f;
}

/// `virDomainMessageType`.
pub mod domain_message {
    pub const DEPRECATION: u32 = 1;
    pub const TAINTING: u32 = 2;
}

/// `virDomainStatsTypes`: the groups of CONNECT_GET_ALL_DOMAIN_STATS.
pub mod domain_stats {
    pub const STATE: u32 = 1;
    pub const CPU_TOTAL: u32 = 2;
    pub const BALLOON: u32 = 4;
    pub const VCPU: u32 = 8;
    pub const INTERFACE: u32 = 16;
    pub const BLOCK: u32 = 32;
}

/// `virConnectGetAllDomainStatsFlags` (besides the list filters of the low byte).
pub mod get_all_domain_stats {
    /// Every `VIR_CONNECT_GET_ALL_DOMAINS_STATS_{ACTIVE,...,OTHER}` filter bit.
    pub const FILTERS: u32 = 0xff;
    pub const NOWAIT: u32 = 1 << 29;
    pub const BACKING: u32 = 1 << 30;
    pub const ENFORCE_STATS: u32 = 1 << 31;
}

/// `virDomainVcpuFlags` (besides the affect bits).
pub mod domain_vcpu {
    pub const MAXIMUM: u32 = 4;
    pub const GUEST: u32 = 8;
    pub const HOTPLUGGABLE: u32 = 16;
}

/// `virDomainSnapshotCreateFlags`, `virDomainSnapshotXMLFlags`.
pub mod domain_snapshot {
    pub const CREATE_REDEFINE: u32 = 1 << 0;
    pub const CREATE_CURRENT: u32 = 1 << 1;
    pub const CREATE_NO_METADATA: u32 = 1 << 2;
    pub const CREATE_HALT: u32 = 1 << 3;
    pub const CREATE_DISK_ONLY: u32 = 1 << 4;
    pub const CREATE_REUSE_EXT: u32 = 1 << 5;
    pub const CREATE_QUIESCE: u32 = 1 << 6;
    pub const CREATE_ATOMIC: u32 = 1 << 7;
    pub const CREATE_LIVE: u32 = 1 << 8;
    pub const CREATE_VALIDATE: u32 = 1 << 9;
    pub const XML_SECURE: u32 = 1;
}

/// `virDomainSnapshotListFlags` (LIST_NAMES, NUM, LIST_ALL, and the children calls).
pub mod snapshot_list {
    pub const DESCENDANTS: u32 = 1 << 0;
    pub const ROOTS: u32 = 1 << 0;
    pub const METADATA: u32 = 1 << 1;
    pub const LEAVES: u32 = 1 << 2;
    pub const NO_LEAVES: u32 = 1 << 3;
    pub const NO_METADATA: u32 = 1 << 4;
    pub const INACTIVE: u32 = 1 << 5;
    pub const ACTIVE: u32 = 1 << 6;
    pub const DISK_ONLY: u32 = 1 << 7;
    pub const INTERNAL: u32 = 1 << 8;
    pub const EXTERNAL: u32 = 1 << 9;
    pub const TOPOLOGICAL: u32 = 1 << 10;
}

/// `virDomainSnapshotRevertFlags`.
pub mod snapshot_revert {
    pub const RUNNING: u32 = 1 << 0;
    pub const PAUSED: u32 = 1 << 1;
    pub const FORCE: u32 = 1 << 2;
    pub const RESET_NVRAM: u32 = 1 << 3;
}

/// `virDomainSnapshotDeleteFlags`.
pub mod snapshot_delete {
    pub const CHILDREN: u32 = 1 << 0;
    pub const METADATA_ONLY: u32 = 1 << 1;
    pub const CHILDREN_ONLY: u32 = 1 << 2;
}

/// `virDomainSaveImageXMLFlags`.
pub mod domain_save_image {
    pub const XML_SECURE: u32 = 1;
}

/// `virDomainSaveRestoreFlags`.
pub mod domain_save_restore {
    pub const BYPASS_CACHE: u32 = 1;
    pub const RUNNING: u32 = 2;
    pub const PAUSED: u32 = 4;
    pub const RESET_NVRAM: u32 = 8;
}

/// `virDomainCheckpointCreateFlags`, `virDomainCheckpointXMLFlags`.
pub mod domain_checkpoint {
    pub const CREATE_QUIESCE: u32 = 1 << 1;
    pub const XML_SECURE: u32 = 1;
}

/// `virNetworkUpdateFlags`.
pub mod network_update {
    pub const AFFECT_LIVE: u32 = 1;
    pub const AFFECT_CONFIG: u32 = 2;
}

/// `virDomainInterfaceAddressesSource` (a value, not bits).
pub mod interface_addresses_src {
    pub const LEASE: u32 = 0;
    pub const AGENT: u32 = 1;
    pub const ARP: u32 = 2;
}

/// `virTypedParameterFlags`.
pub mod typed_param {
    /// `VIR_TYPED_PARAM_STRING_OKAY`.
    pub const STRING_OKAY: u32 = 4;
}
