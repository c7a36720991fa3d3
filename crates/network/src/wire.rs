//! The REMOTE program's network arguments and replies (libvirt 9.0's `remote_protocol.x`),
//! named after the procedure.

use oxvirt_proto::message::STRING_MAX;
use oxvirt_proto::types::Uuid;
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_NETWORK_LIST_MAX`.
pub const NETWORK_LIST_MAX: usize = 16384;

/// `remote_nonnull_network`: the handle clients send back.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullNetwork {
    #[xdr(max = STRING_MAX)]
    pub name: String,
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// Arguments that are one network handle (`NETWORK_CREATE`, `_DESTROY`, `_UNDEFINE`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkArgs {
    pub net: NonnullNetwork,
}

/// A reply that is one network handle.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkRet {
    pub net: NonnullNetwork,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkXmlArgs {
    #[xdr(max = STRING_MAX)]
    pub xml: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkXmlFlagsArgs {
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkLookupByNameArgs {
    #[xdr(max = STRING_MAX)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkLookupByUuidArgs {
    #[xdr(opaque)]
    pub uuid: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkGetXmlDescArgs {
    pub net: NonnullNetwork,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkSetAutostartArgs {
    pub net: NonnullNetwork,
    pub autostart: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ListNamesArgs {
    pub maxnames: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ListNamesRet {
    #[xdr(max = NETWORK_LIST_MAX, item_max = STRING_MAX)]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllNetworksArgs {
    pub need_results: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllNetworksRet {
    #[xdr(max = NETWORK_LIST_MAX)]
    pub nets: Vec<NonnullNetwork>,
    pub ret: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkEventRegisterAnyArgs {
    pub event_id: i32,
    pub net: Option<NonnullNetwork>,
}

/// `remote_network_event_lifecycle_msg`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkEventLifecycleMsg {
    pub callback_id: i32,
    pub net: NonnullNetwork,
    pub event: i32,
    pub detail: i32,
}

/// `REMOTE_NETWORK_DHCP_LEASES_MAX`.
pub const NETWORK_DHCP_LEASES_MAX: usize = 65536;

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkGetDhcpLeasesArgs {
    pub net: NonnullNetwork,
    #[xdr(max = STRING_MAX)]
    pub mac: Option<String>,
    pub need_results: i32,
    pub flags: u32,
}

/// `remote_network_dhcp_lease`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkDhcpLease {
    #[xdr(max = STRING_MAX)]
    pub iface: String,
    pub expirytime: i64,
    /// `VIR_IP_ADDR_TYPE_IPV4` (0) or `_IPV6` (1).
    pub type_: i32,
    #[xdr(max = STRING_MAX)]
    pub mac: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub iaid: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub ipaddr: String,
    pub prefix: u32,
    #[xdr(max = STRING_MAX)]
    pub hostname: Option<String>,
    #[xdr(max = STRING_MAX)]
    pub clientid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkGetDhcpLeasesRet {
    #[xdr(max = NETWORK_DHCP_LEASES_MAX)]
    pub leases: Vec<NetworkDhcpLease>,
    pub ret: u32,
}
