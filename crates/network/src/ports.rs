//! Network ports (`virNetworkPort*`): what a hypervisor driver plugs into an active network,
//! as libvirt 9.0's network driver allocates, lists, reports and releases them.
//!
//! Crash-only: each port is `run/network/NAME/ports/UUID.xml` (libvirt's layout), written
//! atomically before the creation is answered and removed when the port is deleted; a daemon
//! restarted finds its ports there ([`PortTable::load`]). A network's ports go with it (destroy)
//! and stale ones are removed when it starts, as libvirt does.
//!
//! The TAP devices networkd makes for a port on request (an oxvirt extension, see [`crate::tap`])
//! are recorded next to the port (`UUID.taps`), so a delete after a restart still removes them.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use oxvirt_conf::domain::{mac_string, uuid_string};
use oxvirt_conf::network::port::{self, NetworkPort, Plug};
use oxvirt_conf::network::{Bandwidth, ForwardMode, Network, Rate};
use oxvirt_daemon::fsutil::write_atomic;
use oxvirt_proto::types::{TypedParam, TypedParamValue};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_rpc::server::Client;
use oxvirt_sync::{MutexExt, RwLockExt};
use tracing::warn;

use crate::ports_wire::*;
use crate::registry::Registry;
use crate::wire::NonnullNetwork;
use crate::{NetworkDriver, NetworkError};

type Result<T> = std::result::Result<T, NetworkError>;

/// `VIR_NETWORK_PORT_CREATE_RECLAIM`.
pub const CREATE_RECLAIM: u32 = 1;
/// `VIR_NETWORK_PORT_CREATE_VALIDATE`.
pub const CREATE_VALIDATE: u32 = 2;

/// The bandwidth parameters, in the order libvirt reports them.
pub const IN_AVERAGE: &str = "inbound.average";
pub const IN_PEAK: &str = "inbound.peak";
pub const IN_FLOOR: &str = "inbound.floor";
pub const IN_BURST: &str = "inbound.burst";
pub const OUT_AVERAGE: &str = "outbound.average";
pub const OUT_PEAK: &str = "outbound.peak";
pub const OUT_BURST: &str = "outbound.burst";

/// One port, and the TAP devices networkd made for it.
#[derive(Debug)]
pub struct PortObj {
    pub def: NetworkPort,
    /// The TAP devices made for the port, `NAME:IFINDEX` (empty for a plain libvirt port).
    pub taps: Vec<String>,
}

/// Every active network's ports, by network name and port UUID.
#[derive(Debug)]
pub struct PortTable {
    /// `run/network`.
    base: PathBuf,
    nets: BTreeMap<String, BTreeMap<[u8; 16], PortObj>>,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> NetworkError {
    move |e| NetworkError::Io(format!("{what}: {e}"))
}

impl PortTable {
    /// An empty table keeping its files under `base` (the registry's status directory).
    pub fn new(base: &Path) -> Self {
        PortTable {
            base: base.to_owned(),
            nets: BTreeMap::new(),
        }
    }

    fn dir(&self, net: &str) -> PathBuf {
        self.base.join(net).join("ports")
    }

    fn file(&self, net: &str, uuid: &[u8; 16], ext: &str) -> PathBuf {
        self.dir(net).join(format!("{}.{ext}", uuid_string(uuid)))
    }

    /// Read the ports of the active networks of `reg`; set each network's connection count.
    pub fn load(&mut self, reg: &mut Registry) {
        let active: Vec<String> = reg
            .all()
            .filter(|o| o.active)
            .map(|o| o.def.name.clone())
            .collect();
        for net in active {
            let ports = self.read_dir(&net);
            if let Some(o) = reg.get_mut(&net) {
                o.def.connections = u32::try_from(ports.len()).unwrap_or(u32::MAX);
            }
            if !ports.is_empty() {
                self.nets.insert(net, ports);
            }
        }
    }

    fn read_dir(&self, net: &str) -> BTreeMap<[u8; 16], PortObj> {
        let mut out = BTreeMap::new();
        let Ok(rd) = std::fs::read_dir(self.dir(net)) else {
            return out;
        };
        for e in rd.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || path.extension().and_then(|x| x.to_str()) != Some("xml") {
                continue;
            }
            let def = match std::fs::read_to_string(&path).map(|t| port::parse(&t)) {
                Ok(Ok(def)) => def,
                Ok(Err(err)) => {
                    warn!(path = %path.display(), %err, "network port file skipped");
                    continue;
                }
                Err(err) => {
                    warn!(path = %path.display(), %err, "network port file unreadable");
                    continue;
                }
            };
            let taps = std::fs::read_to_string(path.with_extension("taps"))
                .map(|t| t.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            out.insert(def.uuid, PortObj { def, taps });
        }
        out
    }

    /// The ports of network `net`.
    pub fn of(&self, net: &str) -> impl Iterator<Item = &PortObj> {
        self.nets.get(net).into_iter().flat_map(|m| m.values())
    }

    pub fn get(&self, net: &str, uuid: &[u8; 16]) -> Option<&PortObj> {
        self.nets.get(net)?.get(uuid)
    }

    fn save(&self, net: &str, p: &PortObj) -> Result<()> {
        let dir = self.dir(net);
        std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
        if !p.taps.is_empty() {
            let path = self.file(net, &p.def.uuid, "taps");
            write_atomic(&path, p.taps.join(" ").as_bytes())
                .map_err(io(format!("cannot write {}", path.display())))?;
        }
        let path = self.file(net, &p.def.uuid, "xml");
        write_atomic(&path, p.def.format().as_bytes())
            .map_err(io(format!("cannot write {}", path.display())))
    }

    /// Record a new port (its file first).
    pub fn insert(&mut self, net: &str, p: PortObj) -> Result<()> {
        self.save(net, &p)?;
        self.nets
            .entry(net.to_owned())
            .or_default()
            .insert(p.def.uuid, p);
        Ok(())
    }

    /// Replace a port's definition (bandwidth changed).
    pub fn update(&mut self, net: &str, def: NetworkPort) -> Result<()> {
        let uuid = def.uuid;
        let Some(p) = self.nets.get_mut(net).and_then(|m| m.get_mut(&uuid)) else {
            return Ok(());
        };
        p.def = def;
        match self.nets.get(net).and_then(|m| m.get(&uuid)) {
            Some(p) => self.save(net, p),
            None => Ok(()),
        }
    }

    /// Forget a port: its TAP devices (if any are left), then its files.
    pub fn remove(&mut self, net: &str, uuid: &[u8; 16]) -> Result<Option<PortObj>> {
        let Some(p) = self.nets.get_mut(net).and_then(|m| m.remove(uuid)) else {
            return Ok(None);
        };
        crate::tap::remove_all(&p.taps);
        remove_if_present(&self.file(net, uuid, "xml"))?;
        remove_if_present(&self.file(net, uuid, "taps"))?;
        Ok(Some(p))
    }

    /// Delete the ports of `net` whose TAP devices are all gone (their QEMU ended and nobody
    /// deleted the port: a hypervisor daemon that died, an embedded program that exited).
    /// Returns how many went.
    pub fn reap(&mut self, net: &str) -> u32 {
        let dead: Vec<[u8; 16]> = self
            .of(net)
            .filter(|p| crate::tap::gone(&p.taps))
            .map(|p| p.def.uuid)
            .collect();
        let mut n = 0;
        for u in dead {
            match self.remove(net, &u) {
                Ok(_) => n += 1,
                Err(e) => warn!(network = %net, error = %e, "cannot reap a network port"),
            }
        }
        n
    }

    /// Forget every port of `net` (network destroyed, or started afresh).
    pub fn remove_all(&mut self, net: &str) {
        if let Some(m) = self.nets.remove(net) {
            for p in m.values() {
                crate::tap::remove_all(&p.taps);
            }
        }
        let dir = self.dir(net);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                warn!(dir = %dir.display(), error = %e, "cannot remove the network's ports");
            }
        }
        // the network's directory too, unless something else keeps files there
        let _ = std::fs::remove_dir(self.base.join(net));
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(NetworkError::Io(format!(
            "cannot remove {}: {e}",
            path.display()
        ))),
    }
}

fn check_flags(flags: u32, allowed: u32, func: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(NetworkError::UnsupportedFlags(format!(
            "unsupported flags (0x{:x}) in function {func}",
            flags & !allowed
        )));
    }
    Ok(())
}

fn net_handle(def: &Network) -> NonnullNetwork {
    NonnullNetwork {
        name: def.name.clone(),
        uuid: def.uuid,
    }
}

fn port_handle(net: &Network, p: &NetworkPort) -> NonnullNetworkPort {
    NonnullNetworkPort {
        net: net_handle(net),
        uuid: p.uuid,
    }
}

/// The active network a handle names (`networkObjFromNetwork` + the active check).
fn active_net<'a>(reg: &'a Registry, net: &NonnullNetwork) -> Result<&'a Network> {
    let o = reg.by_uuid(&net.uuid).ok_or_else(|| {
        NetworkError::NoNetwork(format!(
            "no network with matching uuid '{}' ({})",
            uuid_string(&net.uuid),
            net.name
        ))
    })?;
    if !o.active {
        return Err(NetworkError::OperationInvalid(format!(
            "network '{}' is not active",
            o.def.name
        )));
    }
    Ok(&o.def)
}

/// The network a handle names, active or not (per-port calls: libvirt answers "no port"
/// for an inactive network, whose ports are gone).
fn any_net<'a>(reg: &'a Registry, net: &NonnullNetwork) -> Result<&'a Network> {
    reg.by_uuid(&net.uuid).map(|o| &o.def).ok_or_else(|| {
        NetworkError::NoNetwork(format!(
            "no network with matching uuid '{}' ({})",
            uuid_string(&net.uuid),
            net.name
        ))
    })
}

fn no_port(uuid: &[u8; 16]) -> NetworkError {
    NetworkError::NoNetworkPort(format!(
        "Network port with UUID {} does not exist",
        uuid_string(uuid)
    ))
}

/// Fill a port's plug and defaults from its network (`networkAllocatePort`).
pub fn allocate(net: &Network, p: &mut NetworkPort) -> Result<()> {
    let pg = match &p.group {
        Some(g) => net.portgroups.iter().find(|pg| &pg.name == g),
        None => net.portgroups.iter().find(|pg| pg.is_default),
    };
    if p.bandwidth.is_none() {
        p.bandwidth = pg.and_then(|g| g.bandwidth.clone());
    }
    if p.vlan == Default::default() {
        p.vlan = match pg {
            Some(g) if g.vlan != Default::default() => g.vlan.clone(),
            _ => net.vlan.clone(),
        };
    }
    if p.trust_guest_rx_filters.is_none() {
        p.trust_guest_rx_filters = pg
            .and_then(|g| g.trust_guest_rx_filters)
            .or(net.trust_guest_rx_filters);
    }
    if p.isolated_port.is_none() {
        p.isolated_port = net.isolated_port;
    }
    check_floor(net, p.bandwidth.as_ref(), &p.mac)?;
    let bridge = net.bridge.clone();
    p.plug = match (net.forward.mode, bridge) {
        (
            ForwardMode::None | ForwardMode::Nat | ForwardMode::Route | ForwardMode::Open,
            Some(b),
        ) => Plug::Network {
            bridge: b,
            mac_table_manager: net.mac_table_manager,
        },
        (ForwardMode::Bridge, Some(b)) => Plug::Bridge {
            bridge: b,
            mac_table_manager: None,
        },
        (mode, _) => {
            return Err(NetworkError::OperationUnsupported(format!(
                "network '{}' of forward mode '{}': ports are not supported yet",
                net.name,
                mode.as_str()
            )))
        }
    };
    Ok(())
}

/// A floor needs the network's inbound QoS (`networkCheckBandwidth`).
fn check_floor(net: &Network, bw: Option<&Bandwidth>, mac: &[u8; 6]) -> Result<()> {
    let floor = bw
        .and_then(|b| b.inbound.as_ref())
        .is_some_and(|r| r.floor != 0);
    let net_in = net.bandwidth.as_ref().and_then(|b| b.inbound.as_ref());
    if floor && net_in.is_none() {
        return Err(NetworkError::OperationUnsupported(format!(
            "Invalid use of 'floor' on interface with MAC address {} - network '{}' has no inbound QoS set",
            mac_string(mac),
            net.name
        )));
    }
    Ok(())
}

/// Reap the ports of `net` whose TAP devices are gone, and count them out of the network.
fn reap(reg: &mut Registry, table: &mut PortTable, net: &str) {
    let n = table.reap(net);
    if n == 0 {
        return;
    }
    if let Some(o) = reg.get_mut(net) {
        o.def.connections = o.def.connections.saturating_sub(n);
        let live = o.def.clone();
        if let Err(e) = reg.save_status(&live) {
            warn!(network = %net, error = %e, "cannot save the network's status");
        }
    }
}

/// Reap the ports of every active network whose TAP devices are gone.
pub fn reap_all(d: &NetworkDriver) {
    let mut reg = d.registry.write_locked();
    let mut table = d.ports.locked();
    let nets: Vec<String> = table.nets.keys().cloned().collect();
    for net in nets {
        if reg.get(&net).is_some_and(|o| o.active) {
            reap(&mut reg, &mut table, &net);
        }
    }
}

pub fn list_all(d: &NetworkDriver, a: NetworkListAllPortsArgs) -> Result<NetworkListAllPortsRet> {
    check_flags(a.flags, 0, "networkListAllPorts")?;
    let mut reg = d.registry.write_locked();
    let name = active_net(&reg, &a.network)?.name.clone();
    let mut table = d.ports.locked();
    reap(&mut reg, &mut table, &name);
    let net = active_net(&reg, &a.network)?;
    let ports: Vec<NonnullNetworkPort> = table
        .of(&net.name)
        .map(|p| port_handle(net, &p.def))
        .collect();
    let n = u32::try_from(ports.len()).unwrap_or(u32::MAX);
    Ok(NetworkListAllPortsRet {
        ports: if a.need_results != 0 {
            ports
        } else {
            Vec::new()
        },
        ret: n,
    })
}

pub fn lookup_by_uuid(d: &NetworkDriver, a: NetworkPortLookupByUuidArgs) -> Result<NetworkPortRet> {
    let reg = d.registry.read_locked();
    let net = any_net(&reg, &a.network)?;
    let table = d.ports.locked();
    let p = table
        .get(&net.name, &a.uuid)
        .ok_or_else(|| no_port(&a.uuid))?;
    Ok(NetworkPortRet {
        port: port_handle(net, &p.def),
    })
}

/// What a creation made: the port, and the TAP queues when asked for ([`crate::tap`]).
#[derive(Debug)]
pub struct Created {
    pub ret: NetworkPortRet,
    pub fds: Vec<OwnedFd>,
}

/// `NETWORK_PORT_CREATE_XML`; with `tap` (the oxvirt extension), a TAP device on the port's
/// bridge, its queues answered as fds.
pub fn create_xml(
    d: &NetworkDriver,
    a: NetworkPortCreateXmlArgs,
    tap: Option<&crate::tap::TapRequest>,
) -> Result<Created> {
    check_flags(
        a.flags,
        CREATE_RECLAIM | CREATE_VALIDATE,
        "networkPortCreateXML",
    )?;
    let mut reg = d.registry.write_locked();
    let net = active_net(&reg, &a.network)?.clone();
    let mut def = port::parse(&a.xml)?;
    let reclaim = a.flags & CREATE_RECLAIM != 0;
    if reclaim && def.plug == Plug::None {
        return Err(NetworkError::InvalidArg(
            "Port reclaim requested but plug type is none".into(),
        ));
    }
    if !reclaim && def.plug != Plug::None {
        return Err(NetworkError::InvalidArg(
            "Port reclaim not requested but plug type is not none".into(),
        ));
    }
    let mut table = d.ports.locked();
    reap(&mut reg, &mut table, &net.name);
    if table.get(&net.name, &def.uuid).is_some() {
        return Err(NetworkError::PortExists(format!(
            "Network port with UUID {} already exists",
            uuid_string(&def.uuid)
        )));
    }
    if !reclaim {
        allocate(&net, &mut def)?;
    }
    let (taps, fds) = match tap {
        Some(req) => {
            let bridge = match &def.plug {
                Plug::Network { bridge, .. } | Plug::Bridge { bridge, .. } => bridge.clone(),
                _ => {
                    return Err(NetworkError::OperationUnsupported(
                        "a TAP device needs a port plugged into a bridge".into(),
                    ))
                }
            };
            let made = crate::tap::create(req, &def.mac, &bridge, def.bandwidth.as_ref())?;
            (vec![made.id], made.fds)
        }
        None => (Vec::new(), Vec::new()),
    };
    let obj = PortObj {
        def: def.clone(),
        taps,
    };
    if let Err(e) = table.insert(&net.name, obj) {
        let _ = table.remove(&net.name, &def.uuid);
        return Err(e);
    }
    if let Some(o) = reg.get_mut(&net.name) {
        o.def.connections = o.def.connections.saturating_add(1);
        let live = o.def.clone();
        if let Err(e) = reg.save_status(&live) {
            warn!(network = %net.name, error = %e, "cannot save the network's status");
        }
    }
    Ok(Created {
        ret: NetworkPortRet {
            port: port_handle(&net, &def),
        },
        fds,
    })
}

pub fn get_xml_desc(d: &NetworkDriver, a: NetworkPortFlagsArgs) -> Result<String> {
    check_flags(a.flags, 0, "networkPortGetXMLDesc")?;
    let reg = d.registry.read_locked();
    let net = any_net(&reg, &a.port.net)?;
    let table = d.ports.locked();
    let p = table
        .get(&net.name, &a.port.uuid)
        .ok_or_else(|| no_port(&a.port.uuid))?;
    Ok(p.def.format())
}

pub fn delete(d: &NetworkDriver, a: NetworkPortFlagsArgs) -> Result<()> {
    check_flags(a.flags, 0, "networkPortDelete")?;
    let mut reg = d.registry.write_locked();
    let name = any_net(&reg, &a.port.net)?.name.clone();
    let mut table = d.ports.locked();
    if table.remove(&name, &a.port.uuid)?.is_none() {
        return Err(no_port(&a.port.uuid));
    }
    if let Some(o) = reg.get_mut(&name) {
        o.def.connections = o.def.connections.saturating_sub(1);
        let live = o.def.clone();
        if let Err(e) = reg.save_status(&live) {
            warn!(network = %name, error = %e, "cannot save the network's status");
        }
    }
    Ok(())
}

fn uint(field: &str, v: u64) -> TypedParam {
    TypedParam {
        field: field.to_owned(),
        value: TypedParamValue::UInt(u32::try_from(v).unwrap_or(u32::MAX)),
    }
}

pub fn get_parameters(
    d: &NetworkDriver,
    a: NetworkPortGetParametersArgs,
) -> Result<NetworkPortGetParametersRet> {
    check_flags(a.flags, 0, "networkPortGetParameters")?;
    let reg = d.registry.read_locked();
    let net = any_net(&reg, &a.port.net)?;
    let table = d.ports.locked();
    let p = table
        .get(&net.name, &a.port.uuid)
        .ok_or_else(|| no_port(&a.port.uuid))?;
    let mut params = Vec::new();
    if let Some(b) = &p.def.bandwidth {
        if let Some(r) = &b.inbound {
            params.push(uint(IN_AVERAGE, r.average));
            params.push(uint(IN_PEAK, r.peak));
            params.push(uint(IN_FLOOR, r.floor));
            params.push(uint(IN_BURST, r.burst));
        }
        if let Some(r) = &b.outbound {
            params.push(uint(OUT_AVERAGE, r.average));
            params.push(uint(OUT_PEAK, r.peak));
            params.push(uint(OUT_BURST, r.burst));
        }
    }
    let nparams = i32::try_from(params.len()).unwrap_or(i32::MAX);
    Ok(NetworkPortGetParametersRet { params, nparams })
}

/// The new bandwidth a SET_PARAMETERS call describes (`networkPortSetParameters`): what is
/// not given is zero, and a direction with no average (nor floor, inbound) is dropped.
pub fn bandwidth_of(params: &[TypedParam]) -> Result<Option<Bandwidth>> {
    let (mut inb, mut out) = (Rate::default(), Rate::default());
    for p in params {
        let slot = match p.field.as_str() {
            IN_AVERAGE => &mut inb.average,
            IN_PEAK => &mut inb.peak,
            IN_FLOOR => &mut inb.floor,
            IN_BURST => &mut inb.burst,
            OUT_AVERAGE => &mut out.average,
            OUT_PEAK => &mut out.peak,
            OUT_BURST => &mut out.burst,
            f => {
                return Err(NetworkError::InvalidArg(format!(
                    "parameter '{f}' not supported"
                )))
            }
        };
        match p.value {
            TypedParamValue::UInt(v) => *slot = u64::from(v),
            _ => {
                return Err(NetworkError::InvalidArg(format!(
                    "invalid type '{}' for parameter '{}', expected 'uint'",
                    type_name(&p.value),
                    p.field
                )))
            }
        }
    }
    let inbound = (inb.average != 0 || inb.floor != 0).then_some(inb);
    let outbound = (out.average != 0).then_some(out);
    Ok((inbound.is_some() || outbound.is_some()).then_some(Bandwidth { inbound, outbound }))
}

fn type_name(v: &TypedParamValue) -> &'static str {
    match v {
        TypedParamValue::Int(_) => "int",
        TypedParamValue::UInt(_) => "uint",
        TypedParamValue::LLong(_) => "llong",
        TypedParamValue::ULLong(_) => "ullong",
        TypedParamValue::Double(_) => "double",
        TypedParamValue::Boolean(_) => "boolean",
        TypedParamValue::String(_) => "string",
    }
}

pub fn set_parameters(d: &NetworkDriver, a: NetworkPortSetParametersArgs) -> Result<()> {
    check_flags(a.flags, 0, "networkPortSetParameters")?;
    let reg = d.registry.read_locked();
    let net = any_net(&reg, &a.port.net)?;
    let mut table = d.ports.locked();
    let p = table
        .get(&net.name, &a.port.uuid)
        .ok_or_else(|| no_port(&a.port.uuid))?;
    let bw = bandwidth_of(&a.params)?;
    check_floor(net, bw.as_ref(), &p.def.mac)?;
    // a port with a TAP device: the new QoS on it at once, as libvirt sets its tap's
    if let Some(dev) = crate::tap::first_present(&p.taps) {
        match &bw {
            Some(b) => crate::qos::set(dev, Some(b), false)?,
            None => crate::qos::clear(dev),
        }
    }
    let mut def = p.def.clone();
    def.bandwidth = bw;
    table.update(&net.name, def)
}

fn vir<T>(r: Result<T>) -> std::result::Result<T, VirError> {
    r.map_err(|e| e.to_vir_error())
}

/// `NETWORK_PORT_CREATE_XML` for client `client`: the reply body and the TAP queues it asked
/// for (none for a stock client).
pub fn create_call(
    d: &NetworkDriver,
    client: &Client,
    a: NetworkPortCreateXmlArgs,
) -> std::result::Result<(NetworkPortRet, Vec<OwnedFd>), VirError> {
    let tap = crate::tap::TapRequest::from_flags(a.flags);
    if let Some(req) = tap.filter(|_| is_bridge_handle(&a.network)) {
        return bridge_tap(d, client, &a.xml, &req);
    }
    {
        let reg = d.registry.read_locked();
        let net = vir(any_net(&reg, &a.network))?;
        vir(d.check_port_access(client, Some(&net.name)))?;
    }
    let a = NetworkPortCreateXmlArgs {
        flags: a.flags & !crate::tap::TAP_FLAGS_MASK,
        ..a
    };
    let c = vir(create_xml(d, a, tap.as_ref()))?;
    Ok((c.ret, c.fds))
}

/// The handle of no network: with the TAP flag, a port on a host bridge
/// (`<interface type='bridge'>`), named by the port's `<plug type='bridge'>`.
pub fn is_bridge_handle(h: &NonnullNetwork) -> bool {
    h.name.is_empty() && h.uuid == [0; 16]
}

/// A TAP device on an existing host bridge, for a client the port setting allows: nothing is
/// recorded (the device goes with its QEMU; there is no network to count it in).
fn bridge_tap(
    d: &NetworkDriver,
    client: &Client,
    xml: &str,
    req: &crate::tap::TapRequest,
) -> std::result::Result<(NetworkPortRet, Vec<OwnedFd>), VirError> {
    let def = vir(port::parse(xml).map_err(NetworkError::from))?;
    let Plug::Bridge { bridge, .. } = &def.plug else {
        return Err(NetworkError::InvalidArg(
            "a port on a host bridge needs <plug type='bridge' bridge='...'/>".into(),
        )
        .to_vir_error());
    };
    vir(d.check_port_access(client, Some(bridge)))?;
    if !crate::host::device_exists(bridge) {
        return Err(NetworkError::System(format!(
            "Cannot get interface MTU on '{bridge}': No such device"
        ))
        .to_vir_error());
    }
    let made = vir(crate::tap::create(
        req,
        &def.mac,
        bridge,
        def.bandwidth.as_ref(),
    ))?;
    let ret = NetworkPortRet {
        port: NonnullNetworkPort {
            net: NonnullNetwork {
                name: String::new(),
                uuid: [0; 16],
            },
            uuid: def.uuid,
        },
    };
    Ok((ret, made.fds))
}
