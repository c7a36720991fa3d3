//! The network driver's typed procedures: one marker per procedure it serves, naming its
//! argument and reply types (this crate's wire types) once, for its routing table
//! ([`crate::routes`]) and for the clients that call it (qemud's ports).

use oxvirt_proto::procedure_markers;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{CallbackIdArgs, CallbackIdRet, IntRet, StringRet};

use crate::ports_wire::*;
use crate::update::NetworkUpdateArgs;
use crate::wire::*;

procedure_markers! {
    ConnectListAllNetworks = Remote rp::CONNECT_LIST_ALL_NETWORKS,
        ConnectListAllNetworksArgs => ConnectListAllNetworksRet;
    ConnectNumOfNetworks = Remote rp::CONNECT_NUM_OF_NETWORKS, () => IntRet;
    ConnectNumOfDefinedNetworks = Remote rp::CONNECT_NUM_OF_DEFINED_NETWORKS, () => IntRet;
    ConnectListNetworks = Remote rp::CONNECT_LIST_NETWORKS, ListNamesArgs => ListNamesRet;
    ConnectListDefinedNetworks = Remote rp::CONNECT_LIST_DEFINED_NETWORKS,
        ListNamesArgs => ListNamesRet;
    NetworkLookupByName = Remote rp::NETWORK_LOOKUP_BY_NAME,
        NetworkLookupByNameArgs => NetworkRet;
    NetworkLookupByUuid = Remote rp::NETWORK_LOOKUP_BY_UUID,
        NetworkLookupByUuidArgs => NetworkRet;
    NetworkDefineXml = Remote rp::NETWORK_DEFINE_XML, NetworkXmlArgs => NetworkRet;
    NetworkDefineXmlFlags = Remote rp::NETWORK_DEFINE_XML_FLAGS,
        NetworkXmlFlagsArgs => NetworkRet;
    NetworkCreateXml = Remote rp::NETWORK_CREATE_XML, NetworkXmlArgs => NetworkRet;
    NetworkCreateXmlFlags = Remote rp::NETWORK_CREATE_XML_FLAGS,
        NetworkXmlFlagsArgs => NetworkRet;
    NetworkUndefine = Remote rp::NETWORK_UNDEFINE, NetworkArgs => ();
    NetworkCreate = Remote rp::NETWORK_CREATE, NetworkArgs => ();
    NetworkDestroy = Remote rp::NETWORK_DESTROY, NetworkArgs => ();
    NetworkGetXmlDesc = Remote rp::NETWORK_GET_XML_DESC, NetworkGetXmlDescArgs => StringRet;
    NetworkGetBridgeName = Remote rp::NETWORK_GET_BRIDGE_NAME, NetworkArgs => StringRet;
    NetworkGetAutostart = Remote rp::NETWORK_GET_AUTOSTART, NetworkArgs => IntRet;
    NetworkSetAutostart = Remote rp::NETWORK_SET_AUTOSTART, NetworkSetAutostartArgs => ();
    NetworkIsActive = Remote rp::NETWORK_IS_ACTIVE, NetworkArgs => IntRet;
    NetworkIsPersistent = Remote rp::NETWORK_IS_PERSISTENT, NetworkArgs => IntRet;
    NetworkUpdate = Remote rp::NETWORK_UPDATE, NetworkUpdateArgs => ();
    NetworkGetDhcpLeases = Remote rp::NETWORK_GET_DHCP_LEASES,
        NetworkGetDhcpLeasesArgs => NetworkGetDhcpLeasesRet;
    ConnectNetworkEventRegisterAny = Remote rp::CONNECT_NETWORK_EVENT_REGISTER_ANY,
        NetworkEventRegisterAnyArgs => CallbackIdRet;
    ConnectNetworkEventDeregisterAny = Remote rp::CONNECT_NETWORK_EVENT_DEREGISTER_ANY,
        CallbackIdArgs => ();

    // ports
    NetworkListAllPorts = Remote rp::NETWORK_LIST_ALL_PORTS,
        NetworkListAllPortsArgs => NetworkListAllPortsRet;
    NetworkPortLookupByUuid = Remote rp::NETWORK_PORT_LOOKUP_BY_UUID,
        NetworkPortLookupByUuidArgs => NetworkPortRet;
    /// With oxvirt's TAP flags ([`crate::tap`]) the reply carries the TAP queues as fds.
    NetworkPortCreateXml = Remote rp::NETWORK_PORT_CREATE_XML,
        NetworkPortCreateXmlArgs => NetworkPortRet;
    NetworkPortGetParameters = Remote rp::NETWORK_PORT_GET_PARAMETERS,
        NetworkPortGetParametersArgs => NetworkPortGetParametersRet;
    NetworkPortSetParameters = Remote rp::NETWORK_PORT_SET_PARAMETERS,
        NetworkPortSetParametersArgs => ();
    NetworkPortGetXmlDesc = Remote rp::NETWORK_PORT_GET_XML_DESC,
        NetworkPortFlagsArgs => StringRet;
    NetworkPortDelete = Remote rp::NETWORK_PORT_DELETE, NetworkPortFlagsArgs => ();
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_match_the_table() {
        assert_eq!(
            oxvirt_proto::calls::marker_name_mismatches(super::MARKERS),
            Vec::<String>::new()
        );
    }
}
