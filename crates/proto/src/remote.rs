//! Argument and return types of the REMOTE, KEEPALIVE and ADMIN procedures oxvirt implements,
//! named after the procedure (`NodeGetInfoRet` for `NODE_GET_INFO`'s `remote_node_get_info_ret`).
//! Maxima are libvirt 9.0's `REMOTE_*_MAX` constants.

use crate::message::STRING_MAX;
use crate::types::{NonnullDomain, TypedParam, TYPED_PARAMS_MAX};
use oxvirt_xdr::{Decode, Encode};

pub const AUTH_TYPE_LIST_MAX: usize = 20;
pub const DOMAIN_LIST_MAX: usize = 16384;
pub const NODE_CPU_STATS_MAX: usize = 16;
pub const NODE_MEMORY_STATS_MAX: usize = 16;
pub const NODE_MAX_CELLS: usize = 1024;
pub const CPUMAP_MAX: usize = 2048;
pub const SECURITY_MODEL_MAX: usize = 257;
pub const SECURITY_DOI_MAX: usize = 257;
pub const SECURITY_LABEL_MAX: usize = 4097;
pub const DOMAIN_MESSAGES_MAX: usize = 2048;
pub const CONNECT_IDENTITY_PARAMS_MAX: usize = 20;
/// `REMOTE_CONNECT_CPU_MODELS_MAX`.
pub const CONNECT_CPU_MODELS_MAX: usize = 8192;

/// Auth types in AUTH_LIST.
pub const AUTH_NONE: i32 = 0;
pub const AUTH_SASL: i32 = 1;
pub const AUTH_POLKIT: i32 = 2;

/// `virDrvFeature` numbers clients probe with SUPPORTS_FEATURE.
pub mod feature {
    pub const FD_PASSING: i32 = 8;
    pub const TYPED_PARAM_STRING: i32 = 9;
    pub const PROGRAM_KEEPALIVE: i32 = 10;
    pub const REMOTE_EVENT_CALLBACK: i32 = 14;
    pub const REMOTE_CLOSE_CALLBACK: i32 = 15;
    pub const NETWORK_UPDATE_HAS_CORRECT_ORDER: i32 = 16;
}

/// CONNECT_OPEN flag: read-only connection.
pub const CONNECT_RO: u32 = crate::flags::connect::RO;
/// Typed-parameter getters: the client accepts string parameters.
pub const TYPED_PARAM_STRING_OKAY: u32 = crate::flags::typed_param::STRING_OKAY;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct AuthListRet {
    #[xdr(max = AUTH_TYPE_LIST_MAX)]
    pub types: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectOpenArgs {
    #[xdr(max = STRING_MAX)]
    pub name: Option<String>,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectSupportsFeatureArgs {
    pub feature: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectSupportsFeatureRet {
    pub supported: i32,
}

/// Any procedure returning one string (`remote_connect_get_type_ret`, `_get_hostname_ret`,
/// `_get_uri_ret`, `_get_capabilities_ret`, `_get_sysinfo_ret`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StringRet {
    #[xdr(max = STRING_MAX)]
    pub value: String,
}

/// Any procedure returning one `unsigned hyper` (`_get_version_ret`, `_get_lib_version_ret`,
/// `node_get_free_memory_ret`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct U64Ret {
    pub value: u64,
}

/// Any procedure returning one `int` (`connect_is_secure_ret`, `domain_is_active_ret`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct IntRet {
    pub value: i32,
}

/// Any procedure whose only argument is `unsigned int flags`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct FlagsArgs {
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectGetMaxVcpusArgs {
    #[xdr(max = STRING_MAX)]
    pub type_: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetInfoRet {
    /// `char model[32]`: 32 four-byte chars.
    pub model: [i8; 32],
    pub memory: u64,
    pub cpus: i32,
    pub mhz: i32,
    pub nodes: i32,
    pub sockets: i32,
    pub cores: i32,
    pub threads: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetSecurityModelRet {
    /// NUL-terminated chars (the NUL counts).
    #[xdr(max = SECURITY_MODEL_MAX)]
    pub model: Vec<i8>,
    #[xdr(max = SECURITY_DOI_MAX)]
    pub doi: Vec<i8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCpuStatsArgs {
    pub cpu_num: i32,
    pub nparams: i32,
    pub flags: u32,
}

/// `remote_node_get_cpu_stats` / `remote_node_get_memory_stats`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeStat {
    #[xdr(max = STRING_MAX)]
    pub field: String,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCpuStatsRet {
    #[xdr(max = NODE_CPU_STATS_MAX)]
    pub params: Vec<NodeStat>,
    pub nparams: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetMemoryStatsArgs {
    pub nparams: i32,
    pub cell_num: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetMemoryStatsRet {
    #[xdr(max = NODE_MEMORY_STATS_MAX)]
    pub params: Vec<NodeStat>,
    pub nparams: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCellsFreeMemoryArgs {
    pub start_cell: i32,
    pub maxcells: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCellsFreeMemoryRet {
    #[xdr(max = NODE_MAX_CELLS)]
    pub cells: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCpuMapArgs {
    pub need_map: i32,
    pub need_online: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NodeGetCpuMapRet {
    #[xdr(max = CPUMAP_MAX, opaque)]
    pub cpumap: Vec<u8>,
    pub online: u32,
    pub ret: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllDomainsArgs {
    pub need_results: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllDomainsRet {
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub domains: Vec<NonnullDomain>,
    pub ret: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListDomainsArgs {
    pub maxids: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListDomainsRet {
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub ids: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListDefinedDomainsArgs {
    pub maxnames: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListDefinedDomainsRet {
    #[xdr(max = DOMAIN_LIST_MAX, item_max = STRING_MAX)]
    pub names: Vec<String>,
}

/// `remote_connect_get_domain_capabilities_args`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectGetDomainCapabilitiesArgs {
    #[xdr(max = STRING_MAX)]
    pub emulatorbin: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub arch: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub machine: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub virttype: Option<String>,
    pub flags: u32,
}

/// `remote_connect_get_cpu_model_names_args`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectGetCpuModelNamesArgs {
    #[xdr(max = STRING_MAX)]
    pub arch: String,
    pub need_results: i32,
    pub flags: u32,
}

/// `remote_connect_get_cpu_model_names_ret`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectGetCpuModelNamesRet {
    #[xdr(max = CONNECT_CPU_MODELS_MAX, item_max = STRING_MAX)]
    pub models: Vec<String>,
    pub ret: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainLookupByNameArgs {
    #[xdr(max = STRING_MAX)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainLookupByUuidArgs {
    #[xdr(opaque)]
    pub uuid: [u8; 16],
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainLookupByIdArgs {
    pub id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainRet {
    pub dom: NonnullDomain,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectDomainEventCallbackRegisterAnyArgs {
    pub event_id: i32,
    pub dom: Option<NonnullDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CallbackIdArgs {
    pub callback_id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct CallbackIdRet {
    pub callback_id: i32,
}

/// `CONNECT_EVENT_CONNECTION_CLOSED` message body.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectEventConnectionClosedMsg {
    pub reason: i32,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct ConnectSetIdentityArgs {
    #[xdr(max = CONNECT_IDENTITY_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}

/// Typed-parameter getters' common reply shape (`params<>`, `nparams`).
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct TypedParamsRet {
    #[xdr(max = TYPED_PARAMS_MAX)]
    pub params: Vec<TypedParam>,
    pub nparams: i32,
}

/// Any procedure whose only argument is a domain.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainArgs {
    pub dom: NonnullDomain,
}

/// A domain and flags (GET_STATE, GET_XML_DESC, UNDEFINE_FLAGS, ...).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainFlagsArgs {
    pub dom: NonnullDomain,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainDefineXmlArgs {
    #[xdr(max = STRING_MAX)]
    pub xml: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainDefineXmlFlagsArgs {
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetStateRet {
    pub state: i32,
    pub reason: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetInfoRet {
    pub state: u8,
    pub max_mem: u64,
    pub memory: u64,
    pub nr_virt_cpu: u16,
    pub cpu_time: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetAutostartArgs {
    pub dom: NonnullDomain,
    pub autostart: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetMessagesRet {
    #[xdr(max = DOMAIN_MESSAGES_MAX, item_max = STRING_MAX)]
    pub msgs: Vec<String>,
}

/// `domain_event_lifecycle_msg` (after the callback id in the callback form).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventLifecycleMsg {
    pub dom: NonnullDomain,
    pub event: i32,
    pub detail: i32,
}

/// ADMIN program types.
pub mod admin {
    use super::*;

    pub const SERVER_LIST_MAX: usize = 16384;
    pub const CLIENT_LIST_MAX: usize = 16384;

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct NonnullServer {
        #[xdr(max = STRING_MAX)]
        pub name: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct NonnullClient {
        pub srv: NonnullServer,
        pub id: u64,
        pub timestamp: i64,
        pub transport: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ListArgs {
        pub need_results: i32,
        pub flags: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ConnectListServersRet {
        #[xdr(max = SERVER_LIST_MAX)]
        pub servers: Vec<NonnullServer>,
        pub ret: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ConnectLookupServerArgs {
        #[xdr(max = STRING_MAX)]
        pub name: String,
        pub flags: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ServerRet {
        pub srv: NonnullServer,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ServerListClientsArgs {
        pub srv: NonnullServer,
        pub need_results: i32,
        pub flags: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ServerLookupClientArgs {
        pub srv: NonnullServer,
        pub id: u64,
        pub flags: u32,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ClientRet {
        pub clnt: NonnullClient,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ClientArgs {
        pub clnt: NonnullClient,
        pub flags: u32,
    }

    /// `ADMIN_CLIENT_INFO_PARAMETERS_MAX`.
    pub const CLIENT_INFO_PARAMETERS_MAX: usize = 64;

    #[derive(Debug, Clone, PartialEq, Encode, Decode)]
    pub struct TypedParamsOnly {
        #[xdr(max = CLIENT_INFO_PARAMETERS_MAX)]
        pub params: Vec<TypedParam>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
    pub struct ServerListClientsRet {
        #[xdr(max = CLIENT_LIST_MAX)]
        pub clients: Vec<NonnullClient>,
        pub ret: u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_get_info_is_160_bytes() {
        let r = NodeGetInfoRet {
            model: [0; 32],
            memory: 1,
            cpus: 2,
            mhz: 3,
            nodes: 1,
            sockets: 1,
            cores: 2,
            threads: 1,
        };
        assert_eq!(oxvirt_xdr::to_bytes(&r).unwrap().len(), 160);
    }

    #[test]
    fn error_struct_matches_protocol_md_trace() {
        // The S>C body of the "Domain not found" error in protocol.md §1.8.
        let mut want = Vec::new();
        for w in [0x2au32, 0x0c, 1, 0x10] {
            want.extend_from_slice(&w.to_be_bytes());
        }
        want.extend_from_slice(b"Domain not found");
        for w in [2u32, 0, 1, 0x10] {
            want.extend_from_slice(&w.to_be_bytes());
        }
        want.extend_from_slice(b"Domain not found");
        for w in [0u32, 0, 0xffff_ffff, 0xffff_ffff, 0] {
            want.extend_from_slice(&w.to_be_bytes());
        }
        let e = crate::types::WireError::new(
            42,
            12,
            "Domain not found".into(),
            Some("Domain not found".into()),
            None,
        );
        assert_eq!(oxvirt_xdr::to_bytes(&e).unwrap(), want);
        assert_eq!(
            oxvirt_xdr::from_bytes_exact::<crate::types::WireError>(&want).unwrap(),
            e
        );
    }
}

/// DOMAIN_CREATE_XML: a transient domain.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainCreateXmlArgs {
    #[xdr(max = STRING_MAX)]
    pub xml_desc: String,
    pub flags: u32,
}

/// DOMAIN_SET_MEMORY (and the `memory` half of SET_MEMORY_FLAGS), in KiB.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetMemoryArgs {
    pub dom: NonnullDomain,
    pub memory: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainSetMemoryFlagsArgs {
    pub dom: NonnullDomain,
    pub memory: u64,
    pub flags: u32,
}

/// DOMAIN_OPEN_CONSOLE: the reply opens a duplex stream.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainOpenConsoleArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub dev_name: Option<String>,
    pub flags: u32,
}

/// QEMU program DOMAIN_MONITOR_COMMAND.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct QemuDomainMonitorCommandArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub cmd: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct QemuDomainMonitorCommandRet {
    #[xdr(max = STRING_MAX)]
    pub result: String,
}

/// `domain_event_reboot_msg`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventRebootMsg {
    pub dom: NonnullDomain,
}

/// `domain_event_balloon_change_msg`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventBalloonChangeMsg {
    pub dom: NonnullDomain,
    pub actual: u64,
}

/// DOMAIN_GET_SECURITY_LABEL's answer.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainGetSecurityLabelRet {
    /// NUL-terminated chars (the NUL counts).
    #[xdr(max = SECURITY_LABEL_MAX)]
    pub label: Vec<i8>,
    pub enforcing: i32,
}

/// Most typed parameters in all records of CONNECT_GET_ALL_DOMAIN_STATS.
pub const CONNECT_GET_ALL_DOMAIN_STATS_MAX: usize = 262_144;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectGetAllDomainStatsArgs {
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub doms: Vec<NonnullDomain>,
    pub stats: u32,
    pub flags: u32,
}

/// `remote_domain_stats_record`.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct DomainStatsRecord {
    pub dom: NonnullDomain,
    #[xdr(max = CONNECT_GET_ALL_DOMAIN_STATS_MAX)]
    pub params: Vec<TypedParam>,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct ConnectGetAllDomainStatsRet {
    #[xdr(max = DOMAIN_LIST_MAX)]
    pub ret_stats: Vec<DomainStatsRecord>,
}

/// A snapshot or checkpoint of a domain (`remote_nonnull_domain_snapshot`,
/// `remote_nonnull_domain_checkpoint`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullDomainChild {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    pub dom: NonnullDomain,
}

/// A snapshot or checkpoint and flags (SNAPSHOT_GET_XML_DESC, CHECKPOINT_GET_XML_DESC).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainChildFlagsArgs {
    pub child: NonnullDomainChild,
    pub flags: u32,
}

/// DOMAIN_INTERFACE_ADDRESSES.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainInterfaceAddressesArgs {
    pub dom: NonnullDomain,
    pub source: u32,
    pub flags: u32,
}

/// `remote_domain_attach_device_args` (DETACH_DEVICE's too).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainAttachDeviceArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub xml: String,
}

/// `remote_domain_attach_device_flags_args` (DETACH_DEVICE_FLAGS' and UPDATE_DEVICE_FLAGS'
/// too).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainAttachDeviceFlagsArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

/// `remote_domain_detach_device_alias_args`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainDetachDeviceAliasArgs {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub alias: String,
    pub flags: u32,
}

/// `domain_event_device_removed_msg` (DEVICE_ADDED's and DEVICE_REMOVAL_FAILED's too; after
/// the callback id in the callback form).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct DomainEventDeviceAliasMsg {
    pub dom: NonnullDomain,
    #[xdr(max = STRING_MAX)]
    pub dev_alias: String,
}
