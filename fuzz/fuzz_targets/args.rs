#![allow(dead_code)] // each target uses part of this module
// Shared by the fuzz targets: decode a call body as the argument type of every procedure
// oxvirt implements, and check that whatever decodes re-encodes to something that decodes
// to the same value.

use oxvirt_proto::message::{ADMIN_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::{admin_proc as ap, remote_proc as rp};
use oxvirt_proto::remote::*;
use oxvirt_proto::{Header, WireError};


fn check<T: oxvirt_xdr::Decode + oxvirt_xdr::Encode>(data: &[u8]) {
    if let Ok(v) = oxvirt_xdr::from_bytes::<T>(data) {
        let bytes = oxvirt_xdr::to_bytes(&v).expect("a decoded value re-encodes");
        let again = oxvirt_xdr::from_bytes_exact::<T>(&bytes).expect("re-encoded bytes decode");
        // compare encodings, not values: a NaN double is not equal to itself
        assert_eq!(bytes, oxvirt_xdr::to_bytes(&again).expect("re-encodes"));
    }
}

/// Every argument type, indexed; `None` when `index` is past the end.
pub fn decode_by_index(index: usize, data: &[u8]) -> Option<()> {
    let all: &[fn(&[u8])] = &[
        check::<ConnectOpenArgs>,
        check::<ConnectSupportsFeatureArgs>,
        check::<FlagsArgs>,
        check::<ConnectGetMaxVcpusArgs>,
        check::<NodeGetCpuStatsArgs>,
        check::<NodeGetMemoryStatsArgs>,
        check::<NodeGetCellsFreeMemoryArgs>,
        check::<NodeGetCpuMapArgs>,
        check::<ConnectListAllDomainsArgs>,
        check::<ConnectListDomainsArgs>,
        check::<ConnectListDefinedDomainsArgs>,
        check::<DomainLookupByNameArgs>,
        check::<DomainLookupByUuidArgs>,
        check::<DomainLookupByIdArgs>,
        check::<ConnectDomainEventCallbackRegisterAnyArgs>,
        check::<CallbackIdArgs>,
        check::<ConnectSetIdentityArgs>,
        check::<admin::ListArgs>,
        check::<admin::ConnectLookupServerArgs>,
        check::<admin::ServerListClientsArgs>,
        check::<WireError>,
        check::<Header>,
        check::<StringRet>,
        check::<NodeGetInfoRet>,
        check::<NodeGetSecurityModelRet>,
        check::<ConnectListAllDomainsRet>,
        check::<TypedParamsRet>,
    ];
    all.get(index).map(|f| f(data))
}

/// The argument type of a call, by program and procedure.
pub fn decode_call(program: u32, procedure: i32, data: &[u8]) {
    let index = match (program, procedure) {
        (REMOTE_PROGRAM, rp::CONNECT_OPEN) => 0,
        (REMOTE_PROGRAM, rp::CONNECT_SUPPORTS_FEATURE) => 1,
        (REMOTE_PROGRAM, rp::CONNECT_GET_SYSINFO) | (ADMIN_PROGRAM, ap::CONNECT_OPEN) => 2,
        (REMOTE_PROGRAM, rp::CONNECT_GET_MAX_VCPUS) => 3,
        (REMOTE_PROGRAM, rp::NODE_GET_CPU_STATS) => 4,
        (REMOTE_PROGRAM, rp::NODE_GET_MEMORY_STATS) => 5,
        (REMOTE_PROGRAM, rp::NODE_GET_CELLS_FREE_MEMORY) => 6,
        (REMOTE_PROGRAM, rp::NODE_GET_CPU_MAP) => 7,
        (REMOTE_PROGRAM, rp::CONNECT_LIST_ALL_DOMAINS) => 8,
        (REMOTE_PROGRAM, rp::CONNECT_LIST_DOMAINS) => 9,
        (REMOTE_PROGRAM, rp::CONNECT_LIST_DEFINED_DOMAINS) => 10,
        (REMOTE_PROGRAM, rp::DOMAIN_LOOKUP_BY_NAME) => 11,
        (REMOTE_PROGRAM, rp::DOMAIN_LOOKUP_BY_UUID) => 12,
        (REMOTE_PROGRAM, rp::DOMAIN_LOOKUP_BY_ID) => 13,
        (REMOTE_PROGRAM, rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY) => 14,
        (REMOTE_PROGRAM, rp::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY) => 15,
        (REMOTE_PROGRAM, rp::CONNECT_SET_IDENTITY) => 16,
        (ADMIN_PROGRAM, ap::CONNECT_LIST_SERVERS) => 17,
        (ADMIN_PROGRAM, ap::CONNECT_LOOKUP_SERVER) => 18,
        (ADMIN_PROGRAM, ap::SERVER_LIST_CLIENTS) => 19,
        _ => return,
    };
    decode_by_index(index, data);
}
