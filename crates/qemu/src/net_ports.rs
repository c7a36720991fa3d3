//! NICs on networkd's networks: at a domain's start, qemud asks `oxvirt-networkd` (its socket
//! on the same root, `run/networkd-sock`, or libvirt's `virtnetworkd-sock`) for a network port
//! per `<interface type='network'>`, as libvirt's QEMU driver does through its `network:///`
//! connection, and gets the port's TAP device as fds (the oxvirt extension of
//! `NETWORK_PORT_CREATE_XML`: networkd, privileged, makes the device; qemud never needs to).
//! The fds go to the shim with START, and from the shim to QEMU. Stopping the domain deletes
//! its ports.
//!
//! Kept small on purpose: a generic connection from qemud to the other daemons will carry
//! these calls later.

use std::os::fd::OwnedFd;
use std::path::PathBuf;

use oxvirt_conf::domain::{Domain, Interface};
use oxvirt_conf::network::port::{NetworkPort, Plug};
use oxvirt_network::ports_wire::{
    NetworkPortCreateXmlArgs, NetworkPortFlagsArgs, NetworkPortRet, NonnullNetworkPort,
};
use oxvirt_network::tap::TapRequest;
use oxvirt_network::wire::{NetworkLookupByNameArgs, NetworkRet, NonnullNetwork};
use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{ConnectOpenArgs, StringRet};
use oxvirt_rpc::client::{Client as RpcClient, ClientError};
use tracing::warn;

use crate::{Paths, QemuError};

/// What a start plugged: the TAP queues for QEMU, in interface order, and the ports to delete
/// when the domain stops (or the start fails).
#[derive(Debug, Default)]
pub struct Plugged {
    pub fds: Vec<OwnedFd>,
    pub ports: Vec<NonnullNetworkPort>,
}

/// networkd's socket for this root: its own, else libvirt's system one.
fn socket(paths: &Paths) -> PathBuf {
    let own = paths.sockets("networkd").rw;
    let libvirt = PathBuf::from("/run/libvirt/virtnetworkd-sock");
    if !own.exists() && libvirt.exists() {
        return libvirt;
    }
    own
}

fn remote(e: ClientError) -> QemuError {
    match e {
        ClientError::Remote(v) => QemuError::Vir(v),
        other => QemuError::OperationFailed(format!("cannot talk to oxvirt-networkd: {other}")),
    }
}

async fn connect(paths: &Paths) -> Result<RpcClient, QemuError> {
    let path = socket(paths);
    let (c, _events) = RpcClient::connect(&path).await.map_err(|e| {
        QemuError::OperationFailed(format!(
            "cannot connect to oxvirt-networkd at {}: {e}",
            path.display()
        ))
    })?;
    c.call::<_, ()>(
        REMOTE_PROGRAM,
        rp::CONNECT_OPEN,
        &ConnectOpenArgs {
            name: Some("network:///system".into()),
            flags: 0,
        },
    )
    .await
    .map_err(remote)?;
    Ok(c)
}

/// A random UUID (the kernel's random UUID source).
fn random_uuid() -> Result<[u8; 16], QemuError> {
    let s = std::fs::read_to_string("/proc/sys/kernel/random/uuid").unwrap_or_default();
    let hex: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    let mut out = [0u8; 16];
    if hex.len() != 32 {
        return Err(QemuError::Internal("cannot generate a UUID".into()));
    }
    for (o, pair) in out.iter_mut().zip(hex.chunks(2)) {
        let digits = std::str::from_utf8(pair).unwrap_or("00");
        *o = u8::from_str_radix(digits, 16).unwrap_or(0);
    }
    Ok(out)
}

/// The port libvirt's QEMU driver asks for an interface (`virDomainNetDefToNetworkPort`).
fn port_xml(dom: &Domain, n: &Interface) -> Result<NetworkPort, QemuError> {
    Ok(NetworkPort {
        uuid: random_uuid()?,
        owner_name: dom.name.clone(),
        owner_uuid: dom.uuid,
        group: n.portgroup.clone(),
        mac: n.mac,
        // the NIC's own QoS; without one networkd gives the portgroup's
        bandwidth: n.bandwidth.clone(),
        ..Default::default()
    })
}

/// The name of the TAP device behind `fd` (the kernel shows it in the fd's `fdinfo`).
fn tap_name(fd: &OwnedFd) -> Option<String> {
    use std::os::fd::AsRawFd;
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("iff:"))
        .map(|n| n.trim().to_owned())
}

/// Plug every `<interface type='network'>` of `live` (the definition being started): a port
/// and its TAP device each; the live definition gets the device's name, the port and its
/// bridge as libvirt shows them. On failure, what was plugged is released.
pub async fn plug(paths: &Paths, live: &mut Domain) -> Result<Plugged, QemuError> {
    let mut out = Plugged::default();
    if !live
        .devices
        .interfaces
        .iter()
        .any(|n| matches!(n.kind.as_str(), "network" | "bridge"))
    {
        return Ok(out);
    }
    let r = plug_all(paths, live, &mut out).await;
    if let Err(e) = r {
        release(paths, std::mem::take(&mut out.ports)).await;
        return Err(e);
    }
    Ok(out)
}

async fn plug_all(paths: &Paths, live: &mut Domain, out: &mut Plugged) -> Result<(), QemuError> {
    let c = connect(paths).await?;
    let dom = live.clone();
    for n in live.devices.interfaces.iter_mut() {
        match n.kind.as_str() {
            "network" => {}
            "bridge" => {
                let fds = bridge_tap(&c, &dom, n).await?;
                n.target_dev = fds.first().and_then(tap_name);
                out.fds.extend(fds);
                continue;
            }
            _ => continue,
        }
        let name = n.source.clone().unwrap_or_default();
        let net: NetworkRet = c
            .call(
                REMOTE_PROGRAM,
                rp::NETWORK_LOOKUP_BY_NAME,
                &NetworkLookupByNameArgs { name },
            )
            .await
            .map_err(remote)?;
        let req = TapRequest {
            queues: u32::try_from(oxvirt_qemu_command::net::tap_queues(n)).unwrap_or(1),
            vnet_hdr: n.model.as_deref() == Some("virtio"),
        };
        let args = NetworkPortCreateXmlArgs {
            network: net.net.clone(),
            xml: port_xml(&dom, n)?.format(),
            flags: req.flags(),
        };
        let body = oxvirt_xdr::to_bytes(&args)
            .map_err(|e| QemuError::Internal(format!("cannot encode a port: {e}")))?;
        let reply = c
            .call_raw(
                REMOTE_PROGRAM,
                rp::NETWORK_PORT_CREATE_XML,
                body,
                Vec::new(),
            )
            .await
            .map_err(remote)?;
        let port: NetworkPortRet = oxvirt_xdr::from_bytes(&reply.body)
            .map_err(|e| QemuError::Internal(format!("bad reply from oxvirt-networkd: {e}")))?;
        out.ports.push(port.port.clone());
        if reply.fds.len() != req.queues as usize {
            return Err(QemuError::OperationFailed(format!(
                "oxvirt-networkd gave {} TAP queues, {} expected",
                reply.fds.len(),
                req.queues
            )));
        }
        let xml: StringRet = c
            .call(
                REMOTE_PROGRAM,
                rp::NETWORK_PORT_GET_XML_DESC,
                &NetworkPortFlagsArgs {
                    port: port.port.clone(),
                    flags: 0,
                },
            )
            .await
            .map_err(remote)?;
        let def = oxvirt_conf::network::port::parse(&xml.value)
            .map_err(|e| QemuError::Internal(format!("bad port from oxvirt-networkd: {e}")))?;
        n.source_bridge = match def.plug {
            Plug::Network { bridge, .. } | Plug::Bridge { bridge, .. } => Some(bridge),
            _ => None,
        };
        n.source_portid = Some(port.port.uuid);
        n.target_dev = reply.fds.first().and_then(tap_name);
        out.fds.extend(reply.fds);
    }
    Ok(())
}

/// A TAP device on the host bridge of an `<interface type='bridge'>`: the port names the bridge
/// and no network (the handle of none); networkd records nothing, the device goes with QEMU.
async fn bridge_tap(c: &RpcClient, dom: &Domain, n: &Interface) -> Result<Vec<OwnedFd>, QemuError> {
    let mut port = port_xml(dom, n)?;
    port.plug = Plug::Bridge {
        bridge: n.source.clone().unwrap_or_default(),
        mac_table_manager: None,
    };
    let req = TapRequest {
        queues: u32::try_from(oxvirt_qemu_command::net::tap_queues(n)).unwrap_or(1),
        vnet_hdr: n.model.as_deref() == Some("virtio"),
    };
    let args = NetworkPortCreateXmlArgs {
        network: NonnullNetwork {
            name: String::new(),
            uuid: [0; 16],
        },
        xml: port.format(),
        flags: req.flags(),
    };
    let body = oxvirt_xdr::to_bytes(&args)
        .map_err(|e| QemuError::Internal(format!("cannot encode a port: {e}")))?;
    let reply = c
        .call_raw(
            REMOTE_PROGRAM,
            rp::NETWORK_PORT_CREATE_XML,
            body,
            Vec::new(),
        )
        .await
        .map_err(remote)?;
    if reply.fds.len() != req.queues as usize {
        return Err(QemuError::OperationFailed(format!(
            "oxvirt-networkd gave {} TAP queues, {} expected",
            reply.fds.len(),
            req.queues
        )));
    }
    Ok(reply.fds)
}

/// The ports a live definition records (`<source portid>`), to release at its stop.
pub fn ports_of(live: &Domain) -> Vec<(String, [u8; 16])> {
    live.devices
        .interfaces
        .iter()
        .filter(|n| n.kind == "network")
        .filter_map(|n| Some((n.source.clone()?, n.source_portid?)))
        .collect()
}

/// Delete ports given by network name and port UUID (a stopped domain's).
pub async fn release_by_name(paths: &Paths, ports: Vec<(String, [u8; 16])>) {
    if ports.is_empty() {
        return;
    }
    let c = match connect(paths).await {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "cannot release the domain's network ports");
            return;
        }
    };
    let mut handles = Vec::new();
    for (name, uuid) in ports {
        let r: Result<NetworkRet, _> = c
            .call(
                REMOTE_PROGRAM,
                rp::NETWORK_LOOKUP_BY_NAME,
                &NetworkLookupByNameArgs { name },
            )
            .await;
        match r {
            Ok(n) => handles.push(NonnullNetworkPort { net: n.net, uuid }),
            Err(e) => warn!(error = %e, "cannot release a network port"),
        }
    }
    delete_all(&c, handles).await;
}

/// Delete `ports` (a failed start's).
pub async fn release(paths: &Paths, ports: Vec<NonnullNetworkPort>) {
    if ports.is_empty() {
        return;
    }
    match connect(paths).await {
        Ok(c) => delete_all(&c, ports).await,
        Err(e) => warn!(error = %e, "cannot release the domain's network ports"),
    }
}

async fn delete_all(c: &RpcClient, ports: Vec<NonnullNetworkPort>) {
    for port in ports {
        let r: Result<(), _> = c
            .call(
                REMOTE_PROGRAM,
                rp::NETWORK_PORT_DELETE,
                &NetworkPortFlagsArgs { port, flags: 0 },
            )
            .await;
        if let Err(e) = r {
            warn!(error = %e, "cannot delete a network port");
        }
    }
}
