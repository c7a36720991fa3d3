//! The network driver's one routing table: each procedure it serves, with its typed handler
//! (the plain functions of [`crate::calls`], [`crate::ports`], [`crate::update`],
//! [`crate::dhcp_calls`]). Lookups run inline; calls that write state files, run `ip` or make
//! TAP devices run on the blocking pool. A port creation answers its TAP queues as fds.

use std::sync::LazyLock;

use oxvirt_proto::calls::{ConnectGetLibVersion, ConnectGetType, ConnectGetVersion};
use oxvirt_proto::remote::{CallbackIdRet, StringRet, U64Ret};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::procs::*;
use crate::wire::NetworkXmlFlagsArgs;
use crate::{calls, dhcp_calls, ports, update, NetworkDriver, NetworkError};

/// The routes, built once.
pub static ROUTES: LazyLock<Router<NetworkDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    register(&mut r);
    register_ports(&mut r);
    r
});

/// The arguments of the forms without flags.
fn no_flags(a: crate::wire::NetworkXmlArgs) -> NetworkXmlFlagsArgs {
    NetworkXmlFlagsArgs {
        xml: a.xml,
        flags: 0,
    }
}

fn register(r: &mut Router<NetworkDriver>) {
    r.add_sync(ConnectGetType, |_, (), _| {
        Ok::<_, NetworkError>(StringRet {
            value: "network".into(),
        })
    });
    let version = |_: &_, (), _: &_| {
        Ok::<_, NetworkError>(U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        })
    };
    r.add_sync(ConnectGetVersion, version);
    r.add_sync(ConnectGetLibVersion, version);
    r.add_sync(ConnectListAllNetworks, |d, a, _| calls::list_all(d, a));
    r.add_sync(ConnectNumOfNetworks, |d, (), _| calls::count(d, true));
    r.add_sync(ConnectNumOfDefinedNetworks, |d, (), _| {
        calls::count(d, false)
    });
    r.add_sync(ConnectListNetworks, |d, a, _| calls::list_names(d, a, true));
    r.add_sync(ConnectListDefinedNetworks, |d, a, _| {
        calls::list_names(d, a, false)
    });
    r.add_sync(NetworkLookupByName, |d, a, _| calls::lookup_by_name(d, a));
    r.add_sync(NetworkLookupByUuid, |d, a, _| calls::lookup_by_uuid(d, a));
    // these write state files (fsync) and run `ip` on the host: off the async workers
    r.add_blocking(NetworkDefineXml, |d, a, _| {
        calls::define_xml(d, no_flags(a))
    });
    r.add_blocking(NetworkDefineXmlFlags, |d, a, _| calls::define_xml(d, a));
    r.add_blocking(NetworkCreateXml, |d, a, _| {
        calls::create_xml(d, no_flags(a))
    });
    r.add_blocking(NetworkCreateXmlFlags, |d, a, _| calls::create_xml(d, a));
    r.add_blocking(NetworkUndefine, |d, a, _| calls::undefine(d, a));
    r.add_blocking(NetworkCreate, |d, a, _| calls::create(d, a));
    r.add_blocking(NetworkDestroy, |d, a, _| calls::destroy(d, a));
    r.add_sync(NetworkGetXmlDesc, |d, a, _| calls::get_xml_desc(d, a));
    r.add_sync(NetworkGetBridgeName, |d, a, _| calls::get_bridge_name(d, a));
    r.add_sync(NetworkGetAutostart, |d, a, _| calls::get_autostart(d, a));
    r.add_blocking(NetworkSetAutostart, |d, a, _| calls::set_autostart(d, a));
    r.add_sync(NetworkIsActive, |d, a, _| calls::is_active(d, a));
    r.add_sync(NetworkIsPersistent, |d, a, _| calls::is_persistent(d, a));
    r.add_blocking(NetworkUpdate, |d, a, _| update::network_update(d, a));
    r.add_sync(NetworkGetDhcpLeases, |d, a, _| {
        dhcp_calls::get_dhcp_leases(d, a)
    });
    r.add_sync(ConnectNetworkEventRegisterAny, |d, a, ctx| {
        let id = d
            .net_events
            .registry
            .register(&ctx.client, a.event_id, a.net.map(|n| n.uuid))?;
        Ok::<_, VirError>(CallbackIdRet { callback_id: id })
    });
    r.add_sync(ConnectNetworkEventDeregisterAny, |d, a, ctx| {
        d.net_events.registry.deregister(&ctx.client, a.callback_id)
    });
}

/// Ports write state files and create or remove TAP devices: on the blocking pool.
fn register_ports(r: &mut Router<NetworkDriver>) {
    r.add_blocking(NetworkListAllPorts, |d, a, _| ports::list_all(d, a));
    r.add_blocking(NetworkPortLookupByUuid, |d, a, _| {
        ports::lookup_by_uuid(d, a)
    });
    r.add_blocking_with_fds(NetworkPortCreateXml, |d, a, ctx| {
        ports::create_call(d, &ctx.client, a)
    });
    r.add_blocking(NetworkPortGetParameters, |d, a, _| {
        ports::get_parameters(d, a)
    });
    r.add_blocking(NetworkPortSetParameters, |d, a, _| {
        ports::set_parameters(d, a)
    });
    r.add_blocking(NetworkPortGetXmlDesc, |d, a, _| {
        ports::get_xml_desc(d, a).map(|value| StringRet { value })
    });
    r.add_blocking(NetworkPortDelete, |d, a, _| ports::delete(d, a));
}

/// Whether procedure `p` is a port call (a client the port setting names may make them).
pub fn is_port_call(p: i32) -> bool {
    use oxvirt_proto::calls::Procedure;
    [
        NetworkListAllPorts::NUMBER,
        NetworkPortLookupByUuid::NUMBER,
        NetworkPortCreateXml::NUMBER,
        NetworkPortGetParameters::NUMBER,
        NetworkPortSetParameters::NUMBER,
        NetworkPortGetXmlDesc::NUMBER,
        NetworkPortDelete::NUMBER,
    ]
    .contains(&p)
}

#[cfg(test)]
mod tests {
    use oxvirt_proto::procedures::ServedBy;

    use super::ROUTES;

    #[test]
    fn every_route_is_the_network_driver_s() {
        let names: Vec<_> = ROUTES.routes().map(|r| r.info.name).collect();
        assert_eq!(names.len(), 34, "{names:?}");
        for r in ROUTES.routes() {
            assert!(
                matches!(
                    r.info.served_by(),
                    ServedBy::Network | ServedBy::Qemu | ServedBy::Connection
                ),
                "{}",
                r.info.name
            );
        }
    }
}
