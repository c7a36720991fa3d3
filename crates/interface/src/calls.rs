//! The host interface procedures, each a typed handler on the driver's one routing table.
//! They read sysfs, which is quick and never blocks on a device: inline.

use std::sync::LazyLock;

use oxvirt_proto::calls;
use oxvirt_proto::interface::{
    ConnectListAllInterfacesRet, ConnectListInterfacesRet, InterfaceIsActiveRet, InterfaceRet,
    NonnullInterface, INTERFACE_LIST_MAX,
};
use oxvirt_proto::remote::{IntRet, StringRet, U64Ret};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::host::HostIface;
use crate::{InterfaceDriver, InterfaceError};

/// `VIR_CONNECT_LIST_INTERFACES_INACTIVE`, `_ACTIVE`.
const LIST_INACTIVE: u32 = 1;
const LIST_ACTIVE: u32 = 2;
/// `VIR_INTERFACE_XML_INACTIVE`.
const XML_INACTIVE: u32 = 1;

/// The routes, built once.
pub static ROUTES: LazyLock<Router<InterfaceDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    register(&mut r);
    r
});

fn handle(i: &HostIface) -> NonnullInterface {
    NonnullInterface {
        name: i.name.clone(),
        mac: i.mac.clone(),
    }
}

fn count(n: usize) -> IntRet {
    IntRet {
        value: i32::try_from(n).unwrap_or(i32::MAX),
    }
}

fn names(
    d: &InterfaceDriver,
    maxnames: i32,
    active: bool,
) -> Result<ConnectListInterfacesRet, VirError> {
    if maxnames < 0 || maxnames as usize > INTERFACE_LIST_MAX {
        return Err(VirError::new(
            code::RPC,
            domain::RPC,
            "maxnames > REMOTE_INTERFACE_LIST_MAX",
        ));
    }
    Ok(ConnectListInterfacesRet {
        names: d
            .sysfs
            .listed()
            .into_iter()
            // libvirt's legacy lists match `operstate` exactly: "up", or "down" (so a link
            // in another state, like the loopback's "unknown", is in neither)
            .filter(|i| i.operstate == if active { "up" } else { "down" })
            .take(maxnames as usize)
            .map(|i| i.name)
            .collect(),
    })
}

fn by_name(d: &InterfaceDriver, name: &str) -> Result<HostIface, InterfaceError> {
    d.sysfs.get(name).ok_or_else(|| {
        InterfaceError::NoInterface(format!("couldn't find interface named '{name}'"))
    })
}

fn register(r: &mut Router<InterfaceDriver>) {
    r.add_sync(calls::ConnectGetType, |_, (), _| {
        Ok::<_, InterfaceError>(StringRet {
            value: "interface".into(),
        })
    });
    r.add_sync(calls::ConnectGetLibVersion, |_, (), _| {
        Ok::<_, InterfaceError>(U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        })
    });
    r.add_sync(calls::ConnectNumOfInterfaces, |d, (), _| {
        Ok::<_, InterfaceError>(count(
            d.sysfs.listed().iter().filter(|i| i.active()).count(),
        ))
    });
    r.add_sync(calls::ConnectNumOfDefinedInterfaces, |d, (), _| {
        Ok::<_, InterfaceError>(count(
            d.sysfs
                .listed()
                .iter()
                .filter(|i| i.operstate == "down")
                .count(),
        ))
    });
    r.add_sync(calls::ConnectListInterfaces, |d, a, _| {
        names(d, a.maxnames, true)
    });
    r.add_sync(calls::ConnectListDefinedInterfaces, |d, a, _| {
        names(d, a.maxnames, false)
    });
    r.add_sync(calls::ConnectListAllInterfaces, |d, a, _| {
        let known = LIST_INACTIVE | LIST_ACTIVE;
        if a.flags & !known != 0 {
            return Err(InterfaceError::Flags {
                flags: a.flags & !known,
                func: "udevConnectListAllInterfaces",
            });
        }
        let found: Vec<_> = d
            .sysfs
            .listed()
            .into_iter()
            .filter(|i| {
                a.flags & known == 0
                    || (a.flags & LIST_ACTIVE != 0 && i.active())
                    || (a.flags & LIST_INACTIVE != 0 && !i.active())
            })
            .collect();
        Ok(ConnectListAllInterfacesRet {
            ret: u32::try_from(found.len()).unwrap_or(u32::MAX),
            ifaces: if a.need_results != 0 {
                found.iter().map(handle).collect()
            } else {
                Vec::new()
            },
        })
    });
    r.add_sync(calls::InterfaceLookupByName, |d, a, _| {
        Ok::<_, InterfaceError>(InterfaceRet {
            iface: handle(&by_name(d, &a.name)?),
        })
    });
    r.add_sync(calls::InterfaceLookupByMacString, |d, a, _| {
        // the first interface with that address, in name order, ports too (as udev's
        // enumeration by the `address` attribute)
        let i = d
            .sysfs
            .all()
            .into_iter()
            .find(|i| i.mac == a.mac)
            .ok_or_else(|| {
                InterfaceError::NoInterface(format!(
                    "couldn't find interface with MAC address '{}'",
                    a.mac
                ))
            })?;
        Ok::<_, InterfaceError>(InterfaceRet { iface: handle(&i) })
    });
    r.add_sync(calls::InterfaceGetXmlDesc, |d, a, _| {
        if a.flags & !XML_INACTIVE != 0 {
            return Err(InterfaceError::Flags {
                flags: a.flags & !XML_INACTIVE,
                func: "udevInterfaceGetXMLDesc",
            });
        }
        Ok(StringRet {
            value: crate::xml::format(&by_name(d, &a.iface.name)?),
        })
    });
    r.add_sync(calls::InterfaceIsActive, |d, a, _| {
        Ok::<_, InterfaceError>(InterfaceIsActiveRet {
            active: i32::from(by_name(d, &a.iface.name)?.active()),
        })
    });
}

#[cfg(test)]
mod tests {
    use super::ROUTES;

    #[test]
    fn the_read_only_calls_are_routed() {
        assert_eq!(ROUTES.routes().count(), 11);
    }
}
