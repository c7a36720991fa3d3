//! Argument and reply types of the block jobs and block tuning (`virsh blockresize`,
//! `blockcopy`, `blockcommit`, `blockpull`, `blockjob`, `blkdeviotune`) and of their events:
//! `remote_domain_*_args` of libvirt's protocol, written from its documented wire layout.

use crate::message::STRING_MAX;
use crate::types::{NonnullDomain, TypedParam};
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_DOMAIN_BLOCK_COPY_PARAMETERS_MAX`.
pub const BLOCK_COPY_PARAMETERS_MAX: usize = 16;
/// `REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX`.
pub const BLOCK_IO_TUNE_PARAMETERS_MAX: usize = 32;

/// DOMAIN_BLOCK_RESIZE.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockResizeArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    pub size: u64,
    pub flags: u32,
}

/// DOMAIN_BLOCK_JOB_ABORT and DOMAIN_GET_BLOCK_JOB_INFO.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockJobArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub flags: u32,
}

/// DOMAIN_GET_BLOCK_JOB_INFO's reply (`found` 0: no job).
#[derive(Debug, Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetBlockJobInfoRet {
    pub found: i32,
    pub type_: i32,
    pub bandwidth: u64,
    pub cur: u64,
    pub end: u64,
}

/// DOMAIN_BLOCK_JOB_SET_SPEED and DOMAIN_BLOCK_PULL.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockBandwidthArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub bandwidth: u64,
    pub flags: u32,
}

/// DOMAIN_BLOCK_REBASE.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockRebaseArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    #[xdr(max = STRING_MAX)]
    pub base: Option<String>,
    pub bandwidth: u64,
    pub flags: u32,
}

/// DOMAIN_BLOCK_COPY.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainBlockCopyArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    #[xdr(max = STRING_MAX)]
    pub destxml: String,
    #[xdr(max = BLOCK_COPY_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}

/// DOMAIN_BLOCK_COMMIT.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainBlockCommitArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    #[xdr(max = STRING_MAX)]
    pub base: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub top: Option<String>,
    pub bandwidth: u64,
    pub flags: u32,
}

/// DOMAIN_SET_BLOCK_IO_TUNE.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainSetBlockIoTuneArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub disk: String,
    #[xdr(max = BLOCK_IO_TUNE_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}

/// DOMAIN_GET_BLOCK_IO_TUNE.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetBlockIoTuneArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub disk: Option<String>,
    pub nparams: i32,
    pub flags: u32,
}

/// The body of DOMAIN_EVENT_BLOCK_JOB (and, after the callback id, of
/// DOMAIN_EVENT_CALLBACK_BLOCK_JOB): the disk's path.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventBlockJobMsg {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub path: String,
    pub type_: i32,
    pub status: i32,
}

/// The body of DOMAIN_EVENT_BLOCK_JOB_2 after the callback id: the disk's target.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventBlockJob2Msg {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub dst: String,
    pub type_: i32,
    pub status: i32,
}

/// `VIR_DOMAIN_BLOCK_JOB_TYPE_*`.
pub mod job_type {
    pub const UNKNOWN: i32 = 0;
    pub const PULL: i32 = 1;
    pub const COPY: i32 = 2;
    pub const COMMIT: i32 = 3;
    pub const ACTIVE_COMMIT: i32 = 4;
}

/// `VIR_DOMAIN_BLOCK_JOB_*` (an event's status).
pub mod job_status {
    pub const COMPLETED: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const CANCELED: i32 = 2;
    pub const READY: i32 = 3;
}

/// The flags of the block calls (`VIR_DOMAIN_BLOCK_*`).
pub mod flags {
    /// `VIR_DOMAIN_BLOCK_RESIZE_BYTES`.
    pub const RESIZE_BYTES: u32 = 1;
    /// `VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC`, `_PIVOT`.
    pub const ABORT_ASYNC: u32 = 1;
    pub const ABORT_PIVOT: u32 = 2;
    /// `VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES`, `VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES`,
    /// `VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES`.
    pub const BANDWIDTH_BYTES: u32 = 1;
    pub const PULL_BANDWIDTH_BYTES: u32 = 64;
    /// `VIR_DOMAIN_BLOCK_REBASE_*`.
    pub const REBASE_SHALLOW: u32 = 1;
    pub const REBASE_REUSE_EXT: u32 = 2;
    pub const REBASE_COPY_RAW: u32 = 4;
    pub const REBASE_COPY: u32 = 8;
    pub const REBASE_RELATIVE: u32 = 16;
    pub const REBASE_COPY_DEV: u32 = 32;
    pub const REBASE_BANDWIDTH_BYTES: u32 = 64;
    /// `VIR_DOMAIN_BLOCK_COPY_*`.
    pub const COPY_SHALLOW: u32 = 1;
    pub const COPY_REUSE_EXT: u32 = 2;
    pub const COPY_TRANSIENT_JOB: u32 = 4;
    pub const COPY_SYNCHRONOUS_WRITES: u32 = 8;
    /// `VIR_DOMAIN_BLOCK_COMMIT_*`.
    pub const COMMIT_SHALLOW: u32 = 1;
    pub const COMMIT_DELETE: u32 = 2;
    pub const COMMIT_ACTIVE: u32 = 4;
    pub const COMMIT_RELATIVE: u32 = 8;
    pub const COMMIT_BANDWIDTH_BYTES: u32 = 16;
}
