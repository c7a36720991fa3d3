//! Argument and reply types of the setters and tuning calls (`virsh setvcpus`, `setmaxmem`,
//! `vcpupin`, `emulatorpin`, `set-lifecycle-action`): `remote_domain_*_args` of libvirt's
//! protocol, written from its documented wire layout.

use crate::types::NonnullDomain;
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_CPUMAP_MAX`: the largest CPU map a pinning call carries.
pub const CPUMAP_MAX: usize = 2048;

/// DOMAIN_SET_MAX_MEMORY.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetMaxMemoryArgs {
    pub dom: NonnullDomain,
    pub memory: u64,
}

/// DOMAIN_SET_VCPUS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetVcpusArgs {
    pub dom: NonnullDomain,
    pub nvcpus: u32,
}

/// DOMAIN_SET_VCPUS_FLAGS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetVcpusFlagsArgs {
    pub dom: NonnullDomain,
    pub nvcpus: u32,
    pub flags: u32,
}

/// DOMAIN_PIN_VCPU.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainPinVcpuArgs {
    pub dom: NonnullDomain,
    pub vcpu: u32,
    #[xdr(max = CPUMAP_MAX, opaque)]
    pub cpumap: Vec<u8>,
}

/// DOMAIN_PIN_VCPU_FLAGS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainPinVcpuFlagsArgs {
    pub dom: NonnullDomain,
    pub vcpu: u32,
    #[xdr(max = CPUMAP_MAX, opaque)]
    pub cpumap: Vec<u8>,
    pub flags: u32,
}

/// DOMAIN_PIN_EMULATOR.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainPinEmulatorArgs {
    pub dom: NonnullDomain,
    #[xdr(max = CPUMAP_MAX, opaque)]
    pub cpumap: Vec<u8>,
    pub flags: u32,
}

/// DOMAIN_SET_LIFECYCLE_ACTION: `VIR_DOMAIN_LIFECYCLE_*` and `VIR_DOMAIN_LIFECYCLE_ACTION_*`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetLifecycleActionArgs {
    pub dom: NonnullDomain,
    pub type_: u32,
    pub action: u32,
    pub flags: u32,
}

/// `REMOTE_DOMAIN_EVENT_TUNABLE_MAX`.
pub const EVENT_TUNABLE_MAX: usize = 2048;

/// The tunable event's body (without the callback id): the changed values by libvirt's
/// names (`cputune.vcpupin0`, `cputune.emulatorpin`, ...).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainEventTunableMsg {
    pub dom: NonnullDomain,
    #[xdr(max = EVENT_TUNABLE_MAX)]
    pub params: Vec<crate::types::TypedParam>,
}

/// `REMOTE_DOMAIN_SCHEDULER_PARAMETERS_MAX`, `_MEMORY_PARAMETERS_MAX`, `_BLKIO_PARAMETERS_MAX`,
/// `_NUMA_PARAMETERS_MAX` (all 16) and `REMOTE_DOMAIN_GET_CPU_STATS_MAX`.
pub const TUNE_PARAMETERS_MAX: usize = 16;
pub const GET_CPU_STATS_MAX: usize = 2048;

/// DOMAIN_GET_SCHEDULER_TYPE's reply.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetSchedulerTypeRet {
    #[xdr(max = crate::message::STRING_MAX)]
    pub type_: String,
    pub nparams: i32,
}

/// DOMAIN_GET_SCHEDULER_PARAMETERS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetSchedulerParametersArgs {
    pub dom: NonnullDomain,
    pub nparams: i32,
}

/// DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, and the memory, blkio and NUMA getters.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetParametersArgs {
    pub dom: NonnullDomain,
    pub nparams: i32,
    pub flags: u32,
}

/// The scheduler getters' reply.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainGetSchedulerParametersRet {
    #[xdr(max = TUNE_PARAMETERS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
}

/// The memory, blkio and NUMA getters' reply: the parameters, or with `nparams == 0` in the
/// call, only how many there are.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainGetParametersRet {
    #[xdr(max = TUNE_PARAMETERS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
    pub nparams: i32,
}

/// DOMAIN_SET_SCHEDULER_PARAMETERS.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainSetSchedulerParametersArgs {
    pub dom: NonnullDomain,
    #[xdr(max = TUNE_PARAMETERS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
}

/// DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainSetParametersArgs {
    pub dom: NonnullDomain,
    #[xdr(max = TUNE_PARAMETERS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
    pub flags: u32,
}

/// DOMAIN_GET_CPU_STATS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetCpuStatsArgs {
    pub dom: NonnullDomain,
    pub nparams: u32,
    pub start_cpu: i32,
    pub ncpus: u32,
    pub flags: u32,
}

/// DOMAIN_GET_CPU_STATS' reply.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainGetCpuStatsRet {
    #[xdr(max = GET_CPU_STATS_MAX)]
    pub params: Vec<crate::types::TypedParam>,
    pub nparams: i32,
}

/// DOMAIN_SCREENSHOT: the screen's number (0: the first head of the first video device).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainScreenshotArgs {
    pub dom: NonnullDomain,
    pub screen: u32,
    pub flags: u32,
}

/// DOMAIN_SCREENSHOT's reply: the image's MIME type; the image follows on the stream.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainScreenshotRet {
    #[xdr(max = crate::message::STRING_MAX)]
    pub mime: Option<String>,
}
