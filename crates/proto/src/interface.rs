//! Argument and return types of the host interface procedures (libvirt 9.0's
//! `remote_interface_*` and `remote_connect_*interfaces` structs), named after the procedure.

use crate::message::STRING_MAX;
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_INTERFACE_LIST_MAX`
pub const INTERFACE_LIST_MAX: usize = 16384;

/// `remote_nonnull_interface`: an interface handle.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NonnullInterface {
    /// The interface's name (`eth0`).
    #[xdr(max = STRING_MAX)]
    pub name: String,
    /// Its MAC address as text.
    #[xdr(max = STRING_MAX)]
    pub mac: String,
}

/// `{int maxnames}` (CONNECT_LIST_INTERFACES, CONNECT_LIST_DEFINED_INTERFACES).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListInterfacesArgs {
    /// How many names the caller takes at most.
    pub maxnames: i32,
}

/// `{remote_nonnull_string names<>}`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListInterfacesRet {
    /// The names.
    #[xdr(max = INTERFACE_LIST_MAX)]
    pub names: Vec<String>,
}

/// `{int need_results, unsigned flags}` (CONNECT_LIST_ALL_INTERFACES).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllInterfacesArgs {
    /// Whether the caller wants the handles (otherwise only the count).
    pub need_results: i32,
    /// `VIR_CONNECT_LIST_INTERFACES_INACTIVE` (1), `_ACTIVE` (2).
    pub flags: u32,
}

/// `{remote_nonnull_interface ifaces<>, unsigned ret}`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllInterfacesRet {
    /// The handles, when asked for.
    #[xdr(max = INTERFACE_LIST_MAX)]
    pub ifaces: Vec<NonnullInterface>,
    /// How many interfaces matched.
    pub ret: u32,
}

/// `{remote_nonnull_string name}` (INTERFACE_LOOKUP_BY_NAME).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceLookupByNameArgs {
    /// The name looked up.
    #[xdr(max = STRING_MAX)]
    pub name: String,
}

/// `{remote_nonnull_string mac}` (INTERFACE_LOOKUP_BY_MAC_STRING).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceLookupByMacStringArgs {
    /// The MAC address looked up, as text.
    #[xdr(max = STRING_MAX)]
    pub mac: String,
}

/// `{remote_nonnull_interface iface}`: a handle as the reply.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceRet {
    /// The interface.
    pub iface: NonnullInterface,
}

/// `{remote_nonnull_interface iface, unsigned flags}` (INTERFACE_GET_XML_DESC).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceGetXmlDescArgs {
    /// The interface.
    pub iface: NonnullInterface,
    /// `VIR_INTERFACE_XML_INACTIVE` (1).
    pub flags: u32,
}

/// `{remote_nonnull_interface iface}` (INTERFACE_IS_ACTIVE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceArgs {
    /// The interface.
    pub iface: NonnullInterface,
}

/// `{int active}` (INTERFACE_IS_ACTIVE).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct InterfaceIsActiveRet {
    /// 1 when the interface is up.
    pub active: i32,
}
