//! Argument and reply types of a running domain's statistics, jobs, metadata, guest-agent and
//! input calls (`remote_domain_*_args` / `_ret` of libvirt's protocol, written from its
//! documented wire layout).

use crate::message::STRING_MAX;
use crate::types::{NonnullDomain, TypedParam, TYPED_PARAMS_MAX};
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_DOMAIN_DISK_ERRORS_MAX`.
pub const DISK_ERRORS_MAX: usize = 256;
/// `REMOTE_DOMAIN_MEMORY_STATS_MAX`.
pub const MEMORY_STATS_MAX: usize = 1024;
/// `REMOTE_DOMAIN_SEND_KEY_MAX`.
pub const SEND_KEY_MAX: usize = 16;
/// `REMOTE_DOMAIN_INTERFACE_MAX`, `REMOTE_DOMAIN_IP_ADDR_MAX`.
pub const INTERFACE_MAX: usize = 2048;
/// `REMOTE_DOMAIN_FSINFO_MAX`, `REMOTE_DOMAIN_FSINFO_DISKS_MAX`, `REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX`.
pub const FSINFO_MAX: usize = 256;

/// DOMAIN_GET_JOB_INFO's reply: the job type and eleven counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetJobInfoRet {
    pub type_: i32,
    pub time_elapsed: u64,
    pub time_remaining: u64,
    pub data_total: u64,
    pub data_processed: u64,
    pub data_remaining: u64,
    pub mem_total: u64,
    pub mem_processed: u64,
    pub mem_remaining: u64,
    pub file_total: u64,
    pub file_processed: u64,
    pub file_remaining: u64,
}

/// DOMAIN_GET_JOB_STATS' reply.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainGetJobStatsRet {
    pub type_: i32,
    #[xdr(max = TYPED_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
}

/// DOMAIN_GET_CONTROL_INFO's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetControlInfoRet {
    pub state: u32,
    pub details: u32,
    pub state_time: u64,
}

/// DOMAIN_GET_DISK_ERRORS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetDiskErrorsArgs {
    pub dom: NonnullDomain,
    pub maxerrors: u32,
    pub flags: u32,
}

/// One disk's error (`remote_domain_disk_error`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainDiskError {
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    pub error: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetDiskErrorsRet {
    #[xdr(max = DISK_ERRORS_MAX)]
    pub errors: Vec<DomainDiskError>,
    pub nerrors: i32,
}

/// DOMAIN_BLOCK_STATS and DOMAIN_INTERFACE_STATS: a domain and a device.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainDeviceArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub device: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockStatsRet {
    pub rd_req: i64,
    pub rd_bytes: i64,
    pub wr_req: i64,
    pub wr_bytes: i64,
    pub errs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainInterfaceStatsRet {
    pub rx_bytes: i64,
    pub rx_packets: i64,
    pub rx_errs: i64,
    pub rx_drop: i64,
    pub tx_bytes: i64,
    pub tx_packets: i64,
    pub tx_errs: i64,
    pub tx_drop: i64,
}

/// DOMAIN_BLOCK_STATS_FLAGS (reply: [`crate::remote::TypedParamsRet`]).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockStatsFlagsArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub nparams: i32,
    pub flags: u32,
}

/// libvirt's `VIR_DOMAIN_MEMORY_STAT_*` tags.
pub mod memory_stat {
    pub const SWAP_IN: i32 = 0;
    pub const SWAP_OUT: i32 = 1;
    pub const MAJOR_FAULT: i32 = 2;
    pub const MINOR_FAULT: i32 = 3;
    pub const UNUSED: i32 = 4;
    pub const AVAILABLE: i32 = 5;
    pub const ACTUAL_BALLOON: i32 = 6;
    pub const RSS: i32 = 7;
    pub const USABLE: i32 = 8;
    pub const LAST_UPDATE: i32 = 9;
    pub const DISK_CACHES: i32 = 10;
    pub const HUGETLB_PGALLOC: i32 = 11;
    pub const HUGETLB_PGFAIL: i32 = 12;
}

/// DOMAIN_MEMORY_STATS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainMemoryStatsArgs {
    pub dom: NonnullDomain,
    pub max_stats: u32,
    pub flags: u32,
}

/// One memory statistic (`VIR_DOMAIN_MEMORY_STAT_*` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainMemoryStat {
    pub tag: i32,
    pub val: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainMemoryStatsRet {
    #[xdr(max = MEMORY_STATS_MAX)]
    pub stats: Vec<DomainMemoryStat>,
}

/// DOMAIN_MIGRATE_SET_MAX_SPEED.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainMigrateSetMaxSpeedArgs {
    pub dom: NonnullDomain,
    pub bandwidth: u64,
    pub flags: u32,
}

/// DOMAIN_MIGRATE_GET_MAX_SPEED's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainMigrateGetMaxSpeedRet {
    pub bandwidth: u64,
}

/// `REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX`: the most bytes one DOMAIN_BLOCK_PEEK returns.
pub const BLOCK_PEEK_BUFFER_MAX: usize = 4 * 1024 * 1024;

/// DOMAIN_BLOCK_PEEK.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockPeekArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub offset: u64,
    pub size: u32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockPeekRet {
    #[xdr(max = BLOCK_PEEK_BUFFER_MAX, opaque)]
    pub buffer: Vec<u8>,
}

/// DOMAIN_GET_BLOCK_INFO.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetBlockInfoArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub flags: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetBlockInfoRet {
    pub allocation: u64,
    pub capacity: u64,
    pub physical: u64,
}

/// DOMAIN_GET_TIME's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetTimeRet {
    pub seconds: i64,
    pub nseconds: u32,
}

/// DOMAIN_SET_TIME.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetTimeArgs {
    pub dom: NonnullDomain,
    pub seconds: i64,
    pub nseconds: u32,
    pub flags: u32,
}

/// DOMAIN_SEND_KEY.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSendKeyArgs {
    pub dom: NonnullDomain,
    pub codeset: u32,
    pub holdtime: u32,
    #[xdr(max = SEND_KEY_MAX)]
    pub keycodes: Vec<u32>,
    pub flags: u32,
}

/// DOMAIN_SET_METADATA.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetMetadataArgs {
    pub dom: NonnullDomain,
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub metadata: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub key: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub uri: Option<String>,
    pub flags: u32,
}

/// DOMAIN_GET_METADATA (reply: [`crate::remote::StringRet`]).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetMetadataArgs {
    pub dom: NonnullDomain,
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub uri: Option<String>,
    pub flags: u32,
}

/// One address of an interface (`remote_domain_ip_addr`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainIpAddr {
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub addr: String,
    pub prefix: u32,
}

/// One interface with its addresses (`remote_domain_interface`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainInterface {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(max = STRING_MAX)]
    pub hwaddr: Option<String>,
    #[xdr(max = INTERFACE_MAX)]
    pub addrs: Vec<DomainIpAddr>,
}

/// DOMAIN_INTERFACE_ADDRESSES' reply.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainInterfaceAddressesRet {
    #[xdr(max = INTERFACE_MAX)]
    pub ifaces: Vec<DomainInterface>,
}

/// One guest file system (`remote_domain_fsinfo`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainFsInfo {
    #[xdr(max = STRING_MAX)]
    pub mountpoint: String,
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(max = STRING_MAX)]
    pub fstype: String,
    #[xdr(max = FSINFO_MAX)]
    pub dev_aliases: Vec<String>,
}

/// DOMAIN_GET_FSINFO's reply.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetFsInfoRet {
    #[xdr(max = FSINFO_MAX)]
    pub info: Vec<DomainFsInfo>,
    pub ret: u32,
}

/// DOMAIN_FSFREEZE and DOMAIN_FSTHAW.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainFsFreezeArgs {
    pub dom: NonnullDomain,
    #[xdr(max = FSINFO_MAX)]
    pub mountpoints: Vec<String>,
    pub flags: u32,
}

/// DOMAIN_GET_GUEST_INFO.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetGuestInfoArgs {
    pub dom: NonnullDomain,
    pub types: u32,
    pub flags: u32,
}

/// Replies that are only typed parameters (GET_GUEST_INFO, GET_GUEST_VCPUS).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct TypedParamsOnlyRet {
    #[xdr(max = TYPED_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
}

/// The QEMU program's DOMAIN_AGENT_COMMAND.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct QemuDomainAgentCommandArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub cmd: String,
    pub timeout: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct QemuDomainAgentCommandRet {
    #[xdr(max = STRING_MAX)]
    pub result: Option<String>,
}

/// The metadata-change event's body (without the callback id).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventMetadataChangeMsg {
    pub dom: NonnullDomain,
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub nsuri: Option<String>,
}

/// `REMOTE_VCPUINFO_MAX`, `REMOTE_CPUMAPS_MAX`, `REMOTE_IOTHREAD_INFO_MAX`.
pub const VCPUINFO_MAX: usize = 16384;
pub const CPUMAPS_MAX: usize = 8_388_608;
pub const IOTHREAD_INFO_MAX: usize = 16384;

/// DOMAIN_GET_VCPUS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetVcpusArgs {
    pub dom: NonnullDomain,
    pub maxinfo: i32,
    pub maplen: i32,
}

/// One vCPU (`remote_vcpu_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct VcpuInfo {
    pub number: u32,
    pub state: i32,
    pub cpu_time: u64,
    pub cpu: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetVcpusRet {
    #[xdr(max = VCPUINFO_MAX)]
    pub info: Vec<VcpuInfo>,
    #[xdr(max = CPUMAPS_MAX, opaque)]
    pub cpumaps: Vec<u8>,
}

/// DOMAIN_GET_VCPU_PIN_INFO.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetVcpuPinInfoArgs {
    pub dom: NonnullDomain,
    pub ncpumaps: i32,
    pub maplen: i32,
    pub flags: u32,
}

/// DOMAIN_GET_VCPU_PIN_INFO's and DOMAIN_GET_EMULATOR_PIN_INFO's reply: the maps and how
/// many there are.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CpumapsRet {
    #[xdr(max = CPUMAPS_MAX, opaque)]
    pub cpumaps: Vec<u8>,
    pub num: i32,
}

/// DOMAIN_GET_EMULATOR_PIN_INFO.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetEmulatorPinInfoArgs {
    pub dom: NonnullDomain,
    pub maplen: i32,
    pub flags: u32,
}

/// One I/O thread (`remote_domain_iothread_info`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainIothreadInfo {
    pub iothread_id: u32,
    #[xdr(max = CPUMAPS_MAX, opaque)]
    pub cpumap: Vec<u8>,
}

/// DOMAIN_GET_IOTHREAD_INFO's reply.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetIothreadInfoRet {
    #[xdr(max = IOTHREAD_INFO_MAX)]
    pub info: Vec<DomainIothreadInfo>,
    pub ret: u32,
}
