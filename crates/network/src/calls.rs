//! The network procedures: one plain function per call with typed arguments and reply, each
//! registered on the driver's routing table ([`crate::routes`]).

use oxvirt_conf::domain::uuid_string;
use oxvirt_conf::network::{parse, validate, FormatFlags, Network};
use oxvirt_proto::remote::IntRet;
use oxvirt_proto::remote::StringRet;
use oxvirt_sync::{MutexExt, RwLockExt};

use crate::events::Lifecycle;
use crate::registry::{NetObj, Registry};
use crate::wire::*;
use crate::{NetworkDriver, NetworkError};

type Result<T> = std::result::Result<T, NetworkError>;

/// `virConnectListAllNetworksFlags`.
pub mod list_flags {
    pub const INACTIVE: u32 = 1;
    pub const ACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const AUTOSTART: u32 = 16;
    pub const NO_AUTOSTART: u32 = 32;
    pub const ALL: u32 = 63;
}

/// `VIR_NETWORK_XML_INACTIVE`.
pub const XML_INACTIVE: u32 = 1;
/// `VIR_NETWORK_DEFINE_VALIDATE` / `VIR_NETWORK_CREATE_VALIDATE`.
pub const VALIDATE: u32 = 1;

fn handle(def: &Network) -> NonnullNetwork {
    NonnullNetwork {
        name: def.name.clone(),
        uuid: def.uuid,
    }
}

fn check_flags(flags: u32, allowed: u32, func: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(NetworkError::InvalidArg(format!(
            "{func}: unsupported flags (0x{:x})",
            flags & !allowed
        )));
    }
    Ok(())
}

/// The object a client's handle names (`networkObjFromNetwork`).
pub(crate) fn find<'a>(reg: &'a Registry, net: &NonnullNetwork) -> Result<&'a NetObj> {
    reg.by_uuid(&net.uuid).ok_or_else(|| {
        NetworkError::NoNetwork(format!(
            "no network with matching uuid '{}' ({})",
            uuid_string(&net.uuid),
            net.name
        ))
    })
}

pub(crate) fn read(d: &NetworkDriver) -> Result<std::sync::RwLockReadGuard<'_, Registry>> {
    Ok(d.registry.read_locked())
}

fn write(d: &NetworkDriver) -> Result<std::sync::RwLockWriteGuard<'_, Registry>> {
    Ok(d.registry.write_locked())
}

/// Parse and check a definition as libvirt's define and create do.
fn parse_checked(reg: &Registry, xml: &str) -> Result<Network> {
    let mut def = parse(xml)?;
    let name = def.name.clone();
    validate(&mut def, |b| {
        reg.bridge_in_use(b, &name) || crate::host::device_exists(b)
    })?;
    Ok(def)
}

/// The name and UUID checks of `virNetworkObjListAssignDef`: an existing object with this
/// UUID must have this name, and an existing name must have this UUID.
fn check_identity(reg: &Registry, def: &Network, live: bool) -> Result<()> {
    if let Some(o) = reg.by_uuid(&def.uuid) {
        if o.def.name != def.name {
            return Err(NetworkError::OperationFailed(format!(
                "network '{}' is already defined with uuid {}",
                o.def.name,
                uuid_string(&def.uuid)
            )));
        }
        if live && o.active {
            return Err(NetworkError::OperationInvalid(format!(
                "network is already active as '{}'",
                o.def.name
            )));
        }
    } else if let Some(o) = reg.get(&def.name) {
        return Err(NetworkError::OperationFailed(format!(
            "network '{}' already exists with uuid {}",
            def.name,
            uuid_string(&o.def.uuid)
        )));
    }
    Ok(())
}

pub fn define_xml(d: &NetworkDriver, a: NetworkXmlFlagsArgs) -> Result<NetworkRet> {
    check_flags(a.flags, VALIDATE, "networkDefineXMLFlags")?;
    let mut reg = write(d)?;
    let def = parse_checked(&reg, &a.xml)?;
    check_identity(&reg, &def, false)?;
    reg.save_config(&def)?;
    let h = handle(&def);
    match reg.get_mut(&def.name) {
        Some(o) if o.active => {
            o.new_def = Some(def);
            o.persistent = true;
        }
        Some(o) => {
            o.def = def;
            o.persistent = true;
        }
        None => reg.insert(NetObj {
            def,
            new_def: None,
            persistent: true,
            active: false,
            autostart: false,
        }),
    }
    drop(reg);
    d.net_events.emit(&h, Lifecycle::Defined);
    Ok(NetworkRet { net: h })
}

pub fn create_xml(d: &NetworkDriver, a: NetworkXmlFlagsArgs) -> Result<NetworkRet> {
    check_flags(a.flags, VALIDATE, "networkCreateXMLFlags")?;
    let mut reg = write(d)?;
    let mut def = parse_checked(&reg, &a.xml)?;
    check_identity(&reg, &def, true)?;
    crate::plumbing::live_defaults(&mut def);
    let h = handle(&def);
    d.ports.locked().remove_all(&def.name);
    reg.save_status(&def)?;
    if let Err(e) = d.plumbing.start(&def) {
        let _ = reg.delete_status(&def.name);
        return Err(e);
    }
    match reg.get_mut(&def.name) {
        Some(o) => {
            let persistent = std::mem::replace(&mut o.def, def);
            o.new_def = Some(persistent);
            o.active = true;
        }
        None => reg.insert(NetObj {
            def,
            new_def: None,
            persistent: false,
            active: true,
            autostart: false,
        }),
    }
    drop(reg);
    d.net_events.emit(&h, Lifecycle::Started);
    Ok(NetworkRet { net: h })
}

pub fn undefine(d: &NetworkDriver, a: NetworkArgs) -> Result<()> {
    let mut reg = write(d)?;
    let o = find(&reg, &a.net)?;
    if !o.persistent {
        return Err(NetworkError::OperationInvalid(
            "can't undefine transient network".into(),
        ));
    }
    let (name, active, h) = (o.def.name.clone(), o.active, handle(&o.def));
    reg.delete_config(&name)?;
    if active {
        if let Some(o) = reg.get_mut(&name) {
            o.persistent = false;
            o.autostart = false;
            o.new_def = None;
        }
    } else {
        reg.remove(&name);
    }
    drop(reg);
    d.net_events.emit(&h, Lifecycle::Undefined);
    Ok(())
}

/// Start a defined network (`net-start`), by name.
pub fn start_by_name(d: &NetworkDriver, name: &str) -> Result<NonnullNetwork> {
    let mut reg = write(d)?;
    let Some(o) = reg.get(name) else {
        return Err(NetworkError::NoNetwork(format!(
            "no network with matching name '{name}'"
        )));
    };
    if o.active {
        return Err(NetworkError::OperationInvalid(
            "network is already active".into(),
        ));
    }
    let persistent = o.new_def.clone().unwrap_or_else(|| o.def.clone());
    let mut live = persistent.clone();
    crate::plumbing::live_defaults(&mut live);
    d.ports.locked().remove_all(name);
    reg.save_status(&live)?;
    if let Err(e) = d.plumbing.start(&live) {
        let _ = reg.delete_status(name);
        return Err(e);
    }
    let h = handle(&live);
    if let Some(o) = reg.get_mut(name) {
        o.new_def = (live != persistent).then_some(persistent);
        o.def = live;
        o.active = true;
    }
    drop(reg);
    d.net_events.emit(&h, Lifecycle::Started);
    Ok(h)
}

pub fn create(d: &NetworkDriver, a: NetworkArgs) -> Result<()> {
    let name = find(&*read(d)?, &a.net)?.def.name.clone();
    start_by_name(d, &name).map(|_| ())
}

pub fn destroy(d: &NetworkDriver, a: NetworkArgs) -> Result<()> {
    let mut reg = write(d)?;
    let o = find(&reg, &a.net)?;
    if !o.active {
        return Err(NetworkError::OperationInvalid(format!(
            "network '{}' is not active",
            o.def.name
        )));
    }
    let (name, persistent, h) = (o.def.name.clone(), o.persistent, handle(&o.def));
    d.plumbing.stop(&o.def)?;
    d.ports.locked().remove_all(&name);
    reg.delete_status(&name)?;
    if persistent {
        if let Some(o) = reg.get_mut(&name) {
            if let Some(n) = o.new_def.take() {
                o.def = n;
            }
            o.active = false;
        }
    } else {
        reg.remove(&name);
    }
    drop(reg);
    d.net_events.emit(&h, Lifecycle::Stopped);
    Ok(())
}

pub fn get_xml_desc(d: &NetworkDriver, a: NetworkGetXmlDescArgs) -> Result<StringRet> {
    check_flags(a.flags, XML_INACTIVE, "networkGetXMLDesc")?;
    let reg = read(d)?;
    let o = find(&reg, &a.net)?;
    let inactive = a.flags & XML_INACTIVE != 0;
    let def = if inactive { o.persistent_def() } else { &o.def };
    Ok(StringRet {
        value: def.format(FormatFlags { inactive }),
    })
}

pub fn get_bridge_name(d: &NetworkDriver, a: NetworkArgs) -> Result<StringRet> {
    let reg = read(d)?;
    let o = find(&reg, &a.net)?;
    match &o.def.bridge {
        Some(b) => Ok(StringRet { value: b.clone() }),
        None => Err(NetworkError::Internal(format!(
            "network '{}' does not have a bridge name.",
            o.def.name
        ))),
    }
}

pub fn get_autostart(d: &NetworkDriver, a: NetworkArgs) -> Result<IntRet> {
    let reg = read(d)?;
    Ok(IntRet {
        value: i32::from(find(&reg, &a.net)?.autostart),
    })
}

pub fn set_autostart(d: &NetworkDriver, a: NetworkSetAutostartArgs) -> Result<()> {
    let mut reg = write(d)?;
    let o = find(&reg, &a.net)?;
    if !o.persistent {
        return Err(NetworkError::OperationInvalid(
            "cannot set autostart for transient network".into(),
        ));
    }
    let name = o.def.name.clone();
    let on = a.autostart != 0;
    reg.set_autostart_file(&name, on)?;
    if let Some(o) = reg.get_mut(&name) {
        o.autostart = on;
    }
    Ok(())
}

pub fn is_active(d: &NetworkDriver, a: NetworkArgs) -> Result<IntRet> {
    let reg = read(d)?;
    Ok(IntRet {
        value: i32::from(find(&reg, &a.net)?.active),
    })
}

pub fn is_persistent(d: &NetworkDriver, a: NetworkArgs) -> Result<IntRet> {
    let reg = read(d)?;
    Ok(IntRet {
        value: i32::from(find(&reg, &a.net)?.persistent),
    })
}

pub fn lookup_by_name(d: &NetworkDriver, a: NetworkLookupByNameArgs) -> Result<NetworkRet> {
    let reg = read(d)?;
    reg.get(&a.name)
        .map(|o| NetworkRet {
            net: handle(&o.def),
        })
        .ok_or_else(|| {
            NetworkError::NoNetwork(format!("no network with matching name '{}'", a.name))
        })
}

pub fn lookup_by_uuid(d: &NetworkDriver, a: NetworkLookupByUuidArgs) -> Result<NetworkRet> {
    let reg = read(d)?;
    reg.by_uuid(&a.uuid)
        .map(|o| NetworkRet {
            net: handle(&o.def),
        })
        .ok_or_else(|| {
            NetworkError::NoNetwork(format!(
                "no network with matching uuid '{}'",
                uuid_string(&a.uuid)
            ))
        })
}

fn matches(o: &NetObj, flags: u32) -> bool {
    use list_flags::*;
    let pair = |a: u32, b: u32, first: bool| {
        flags & (a | b) == 0 || (flags & a != 0 && first) || (flags & b != 0 && !first)
    };
    pair(ACTIVE, INACTIVE, o.active)
        && pair(PERSISTENT, TRANSIENT, o.persistent)
        && pair(AUTOSTART, NO_AUTOSTART, o.autostart)
}

pub fn list_all(
    d: &NetworkDriver,
    a: ConnectListAllNetworksArgs,
) -> Result<ConnectListAllNetworksRet> {
    check_flags(a.flags, list_flags::ALL, "networkConnectListAllNetworks")?;
    let reg = read(d)?;
    let nets: Vec<NonnullNetwork> = reg
        .all()
        .filter(|o| matches(o, a.flags))
        .map(|o| handle(&o.def))
        .collect();
    let n = u32::try_from(nets.len()).unwrap_or(u32::MAX);
    Ok(ConnectListAllNetworksRet {
        nets: if a.need_results != 0 {
            nets
        } else {
            Vec::new()
        },
        ret: n,
    })
}

/// `CONNECT_LIST_NETWORKS` (`active`) and `CONNECT_LIST_DEFINED_NETWORKS`.
pub fn list_names(d: &NetworkDriver, a: ListNamesArgs, active: bool) -> Result<ListNamesRet> {
    let reg = read(d)?;
    let max = usize::try_from(a.maxnames.max(0)).unwrap_or(0);
    Ok(ListNamesRet {
        names: reg
            .all()
            .filter(|o| o.active == active)
            .map(|o| o.def.name.clone())
            .take(max)
            .collect(),
    })
}

/// `CONNECT_NUM_OF_NETWORKS` (`active`) and `CONNECT_NUM_OF_DEFINED_NETWORKS`.
pub fn count(d: &NetworkDriver, active: bool) -> Result<IntRet> {
    let reg = read(d)?;
    let n = reg.all().filter(|o| o.active == active).count();
    Ok(IntRet {
        value: i32::try_from(n).unwrap_or(i32::MAX),
    })
}
