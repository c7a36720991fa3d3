//! The REMOTE program's network port arguments and replies (libvirt 9.0's `remote_protocol.x`).

use oxvirt_proto::message::STRING_MAX;
use oxvirt_proto::types::{TypedParam, Uuid};
use oxvirt_xdr::{Decode, Encode};

use crate::wire::NonnullNetwork;

/// `REMOTE_NETWORK_PORT_LIST_MAX`.
pub const NETWORK_PORT_LIST_MAX: usize = 16384;
/// `REMOTE_NETWORK_PORT_PARAMETERS_MAX`.
pub const NETWORK_PORT_PARAMETERS_MAX: usize = 16;

/// `remote_nonnull_network_port`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullNetworkPort {
    pub net: NonnullNetwork,
    #[xdr(opaque)]
    pub uuid: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkListAllPortsArgs {
    pub network: NonnullNetwork,
    pub need_results: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkListAllPortsRet {
    #[xdr(max = NETWORK_PORT_LIST_MAX)]
    pub ports: Vec<NonnullNetworkPort>,
    pub ret: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkPortLookupByUuidArgs {
    pub network: NonnullNetwork,
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// A reply that is one port handle (LOOKUP_BY_UUID, CREATE_XML).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkPortRet {
    pub port: NonnullNetworkPort,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkPortCreateXmlArgs {
    pub network: NonnullNetwork,
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct NetworkPortSetParametersArgs {
    pub port: NonnullNetworkPort,
    #[xdr(max = NETWORK_PORT_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkPortGetParametersArgs {
    pub port: NonnullNetworkPort,
    pub nparams: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
pub struct NetworkPortGetParametersRet {
    #[xdr(max = NETWORK_PORT_PARAMETERS_MAX)]
    pub params: Vec<TypedParam>,
    pub nparams: i32,
}

/// GET_XML_DESC and DELETE: a port and flags.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkPortFlagsArgs {
    pub port: NonnullNetworkPort,
    pub flags: u32,
}
