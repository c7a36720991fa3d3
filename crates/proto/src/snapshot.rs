//! Argument and reply types of the snapshot procedures (`remote_domain_snapshot_*`,
//! `remote_domain_list_all_snapshots*` of libvirt's protocol, written from its documented wire
//! layout).

use crate::message::STRING_MAX;
use crate::remote::NonnullDomainChild;
use crate::types::NonnullDomain;
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_DOMAIN_SNAPSHOT_LIST_MAX`: the most names or snapshots one reply carries.
pub const SNAPSHOT_LIST_MAX: usize = 16384;

/// DOMAIN_SNAPSHOT_CREATE_XML.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSnapshotCreateXmlArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub xml_desc: String,
    pub flags: u32,
}

/// A snapshot (CREATE_XML, LOOKUP_BY_NAME, CURRENT, GET_PARENT).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotRet {
    pub snap: NonnullDomainChild,
}

/// DOMAIN_SNAPSHOT_LIST_NAMES.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSnapshotListNamesArgs {
    pub dom: NonnullDomain,
    pub maxnames: i32,
    pub flags: u32,
}

/// DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotListChildrenNamesArgs {
    pub snap: NonnullDomainChild,
    pub maxnames: i32,
    pub flags: u32,
}

/// The names of LIST_NAMES and LIST_CHILDREN_NAMES.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotNamesRet {
    #[xdr(max = SNAPSHOT_LIST_MAX, item_max = STRING_MAX)]
    pub names: Vec<String>,
}

/// DOMAIN_SNAPSHOT_LOOKUP_BY_NAME.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSnapshotLookupByNameArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub name: String,
    pub flags: u32,
}

/// DOMAIN_LIST_ALL_SNAPSHOTS.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainListAllSnapshotsArgs {
    pub dom: NonnullDomain,
    pub need_results: i32,
    pub flags: u32,
}

/// DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotListAllChildrenArgs {
    pub snapshot: NonnullDomainChild,
    pub need_results: i32,
    pub flags: u32,
}

/// The reply of LIST_ALL_SNAPSHOTS and LIST_ALL_CHILDREN: the snapshots (when asked for) and
/// their number.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SnapshotListRet {
    #[xdr(max = SNAPSHOT_LIST_MAX)]
    pub snapshots: Vec<NonnullDomainChild>,
    pub ret: i32,
}
