//! Forwarding a client's calls to the daemon that serves them, as libvirt's modular daemons
//! do: a client of virtqemud also makes network and storage calls on its connection, and
//! virtqemud passes them to virtnetworkd/virtstoraged over a secondary connection
//! (`network:///system`, `storage:///system`) opened for that client on its first such call.
//!
//! A [`Forwarder`] knows, for each [`ServedBy`] it forwards, the daemon's socket and the URI
//! to open there ([`Upstream`]). For every client it opens one secondary connection per
//! daemon, lazily, with the client's identity (CONNECT_SET_IDENTITY), and closes it with the
//! client (the connection lives in the client's [`crate::Session`]). Calls go as they are (body
//! and fds in, reply body or error out, no re-encoding); stream procedures (volume
//! upload/download) get their packets pumped both ways; event registrations are forwarded like
//! any call, and the secondary's event messages go to the client unchanged (the callback ids
//! the client got are the secondary's, one secondary per client, so they match).
//!
//! When the daemon is not running, the call fails as libvirt's does when its remote driver
//! cannot reach the daemon's socket: `VIR_ERR_SYSTEM_ERROR` in the RPC domain, "Failed to
//! connect socket to 'PATH': No such file or directory" (or "Connection refused").

use oxvirt_proto::vir_error::strerror;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxvirt_proto::procedures::{self, remote_proc as rp, Program, ServedBy};
use oxvirt_proto::remote::{ConnectOpenArgs, ConnectSetIdentityArgs};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, TypedParam, TypedParamValue, VirError};
use oxvirt_rpc::client::{Client as RpcClient, ClientStream, EventReceiver};
use oxvirt_rpc::server::{Call, Client};
use oxvirt_rpc::stream::{ServerStream, StreamIn, StreamOut};
use tracing::debug;

use crate::service::CallCtx;

/// Where the daemon serving some procedures listens, and what to open there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Its read-write socket.
    pub socket: PathBuf,
    /// The URI given to CONNECT_OPEN (`network:///system`, `storage:///session`, ...).
    pub uri: String,
}

/// The daemons a driver daemon forwards to.
#[derive(Debug, Clone, Default)]
pub struct Forwarder {
    upstreams: HashMap<ServedBy, Upstream>,
}

/// The secondary connections of one client (kept in its session; dropped with it).
#[derive(Debug, Default)]
pub struct Secondaries {
    conns: tokio::sync::Mutex<HashMap<ServedBy, RpcClient>>,
}

impl Secondaries {
    /// Close every secondary connection (the client went away).
    pub fn close(&self) {
        if let Ok(mut c) = self.conns.try_lock() {
            for (_, conn) in c.drain() {
                conn.abort();
            }
        }
    }
}

/// The URI libvirt's daemon opens for `served_by`'s driver: `network:///system`, ...
pub fn driver_uri(served_by: ServedBy, privileged: bool) -> Option<String> {
    let scheme = match served_by {
        ServedBy::Network => "network",
        ServedBy::Storage => "storage",
        ServedBy::NodeDev => "nodedev",
        ServedBy::Secret => "secret",
        ServedBy::NwFilter => "nwfilter",
        ServedBy::Interface => "interface",
        ServedBy::Qemu => "qemu",
        ServedBy::Connection | ServedBy::Admin => return None,
    };
    let mode = if privileged { "system" } else { "session" };
    Some(format!("{scheme}:///{mode}"))
}

impl Forwarder {
    /// A forwarder that forwards nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forward `served_by`'s procedures to `upstream`.
    pub fn with(mut self, served_by: ServedBy, upstream: Upstream) -> Self {
        self.upstreams.insert(served_by, upstream);
        self
    }

    /// oxvirt's sibling daemons of one run directory: `DIR/networkd-sock` for networks,
    /// `DIR/storaged-sock` for storage, `DIR/secretd-sock` for secrets, `DIR/interfaced-sock`
    /// for host interfaces, opened as `network:///system` (or `///session`), ….
    pub fn siblings(run_dir: &Path, privileged: bool) -> Self {
        let mut f = Self::new();
        for (served_by, short) in [
            (ServedBy::Network, "networkd"),
            (ServedBy::Storage, "storaged"),
            (ServedBy::Secret, "secretd"),
            (ServedBy::Interface, "interfaced"),
        ] {
            if let Some(uri) = driver_uri(served_by, privileged) {
                let socket = run_dir.join(format!("{short}-sock"));
                f = f.with(served_by, Upstream { socket, uri });
            }
        }
        f
    }

    /// The daemon a call goes to, if this forwarder forwards it.
    pub fn forwards(&self, program: u32, procedure: i32) -> Option<ServedBy> {
        let info = procedures::procedure(Program::from_number(program)?, procedure)?;
        let by = info.served_by();
        self.upstreams.contains_key(&by).then_some(by)
    }

    /// The upstream of `served_by`, if forwarded.
    pub fn upstream(&self, served_by: ServedBy) -> Option<&Upstream> {
        self.upstreams.get(&served_by)
    }

    /// The client's secondary connection to `served_by`'s daemon, opened on first use (and
    /// again if the daemon went away since).
    pub async fn connection(
        &self,
        client: &Arc<Client>,
        secondaries: &Secondaries,
        identity: Option<Vec<TypedParam>>,
        served_by: ServedBy,
    ) -> Result<RpcClient, VirError> {
        let Some(up) = self.upstreams.get(&served_by) else {
            return Err(VirError::internal(format!(
                "no daemon to forward {served_by:?} calls to"
            )));
        };
        let mut conns = secondaries.conns.lock().await;
        if let Some(c) = conns.get(&served_by) {
            if !c.is_closed() {
                return Ok(c.clone());
            }
        }
        let identity = identity.unwrap_or_else(|| peer_identity(client));
        let (conn, events) = open(up, Some(identity)).await?;
        tokio::spawn(pump_events(client.clone(), events));
        conns.insert(served_by, conn.clone());
        Ok(conn)
    }

    /// Forward one call of a client to the daemon that serves it: its reply body, or its
    /// error, as the daemon sent them. A stream procedure's packets are pumped both ways
    /// until either side ends the stream.
    pub async fn call(&self, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        let CallCtx {
            client,
            session,
            mut call,
        } = ctx;
        let (program, procedure) = (call.header.program, call.header.procedure);
        let Some(served_by) = self.forwards(program, procedure) else {
            return Err(procedures::unserved(program, procedure));
        };
        // No socket at all: the driver is not installed on this root, and the call gets what a
        // libvirtd without that driver answers (VIR_ERR_NO_SUPPORT naming the API). A socket
        // nobody answers on is a daemon that is down: libvirt's connect error.
        // (the stat runs on tokio's blocking pool, off the async workers)
        if let Some(up) = self.upstreams.get(&served_by) {
            if !tokio::fs::try_exists(&up.socket).await.unwrap_or(false) {
                return Err(procedures::unserved(program, procedure));
            }
        }
        let conn = self
            .connection(&client, &session.secondaries, session.identity(), served_by)
            .await?;
        let stream = Program::from_number(program)
            .and_then(|p| procedures::procedure(p, procedure))
            .is_some_and(|i| i.stream.has_stream());
        let fds = std::mem::take(&mut call.fds);
        if !stream {
            let r = conn
                .call_raw(program, procedure, std::mem::take(&mut call.body), fds)
                .await
                .map_err(|e| e.to_vir_error())?;
            return Ok(r.body);
        }
        forward_stream(&client, &mut call, &conn, fds).await
    }
}

/// Open a connection to `up` as libvirt's remote driver does for a secondary connection:
/// CONNECT_OPEN with the driver's URI, then the caller's identity.
pub async fn open(
    up: &Upstream,
    identity: Option<Vec<TypedParam>>,
) -> Result<(RpcClient, EventReceiver), VirError> {
    open_with_flags(up, 0, identity).await
}

/// [`open`] with CONNECT_OPEN's flags (`CONNECT_RO` for a read-only client's connection, as
/// libvirt's virtproxyd opens one for a client of its read-only socket).
pub async fn open_with_flags(
    up: &Upstream,
    flags: u32,
    identity: Option<Vec<TypedParam>>,
) -> Result<(RpcClient, EventReceiver), VirError> {
    let (conn, events) = match RpcClient::connect(&up.socket).await {
        Ok(c) => c,
        Err(oxvirt_rpc::client::ClientError::Connect { source, .. }) => {
            return Err(connect_error(&up.socket, &source));
        }
        Err(e) => return Err(e.to_vir_error()),
    };
    let map = |e: oxvirt_rpc::client::ClientError| e.to_vir_error();
    let remote = oxvirt_proto::message::REMOTE_PROGRAM;
    conn.call::<_, ()>(
        remote,
        rp::CONNECT_OPEN,
        &ConnectOpenArgs {
            name: Some(up.uri.clone()),
            flags,
        },
    )
    .await
    .map_err(map)?;
    if let Some(params) = identity.filter(|p| !p.is_empty()) {
        conn.call::<_, ()>(
            remote,
            rp::CONNECT_SET_IDENTITY,
            &ConnectSetIdentityArgs { params, flags: 0 },
        )
        .await
        .map_err(map)?;
    }
    debug!(socket = %up.socket.display(), uri = %up.uri, "secondary connection open");
    Ok((conn, events))
}

/// libvirt's error when its remote driver cannot reach a daemon's socket
/// (`virNetSocketNewConnectUNIX`).
pub fn connect_error(socket: &Path, e: &std::io::Error) -> VirError {
    VirError::new(
        code::SYSTEM_ERROR,
        domain::RPC,
        format!(
            "Failed to connect socket to '{}': {}",
            socket.display(),
            strerror(e)
        ),
    )
}

/// The identity libvirt's daemon forwards for a local client: its UNIX user and group, and
/// its process (`virIdentityGetCurrent` of the client's credentials).
pub fn peer_identity(client: &Client) -> Vec<TypedParam> {
    let p = |field: &str, value| TypedParam {
        field: field.to_owned(),
        value,
    };
    let mut v = vec![
        p(
            "unix-user-id",
            TypedParamValue::ULLong(u64::from(client.peer.uid)),
        ),
        p(
            "unix-group-id",
            TypedParamValue::ULLong(u64::from(client.peer.gid)),
        ),
    ];
    if let Some(pid) = client.peer.pid {
        v.push(p("process-id", TypedParamValue::LLong(i64::from(pid))));
    }
    v
}

/// The secondary's event messages, to the client as they are, until either side goes.
pub async fn pump_events(client: Arc<Client>, mut events: EventReceiver) {
    loop {
        let m = tokio::select! {
            m = events.recv() => m,
            _ = client.closed() => None,
        };
        let Some(m) = m else { return };
        client.send_event(m.header.program, m.header.procedure, m.body);
    }
}

/// Forward a stream procedure: the call, then its packets both ways (in a task of their own,
/// until either side ends the stream). Returns the reply's body.
pub async fn forward_stream(
    client: &Arc<Client>,
    call: &mut Call,
    conn: &RpcClient,
    fds: Vec<std::os::fd::OwnedFd>,
) -> Result<Vec<u8>, VirError> {
    // opened before the call goes out: the client's first packets follow the reply at once
    let ours = call.open_stream(client);
    let (program, procedure) = (call.header.program, call.header.procedure);
    let (reply, theirs) = conn
        .call_stream_raw(program, procedure, std::mem::take(&mut call.body), fds)
        .await
        .map_err(|e| e.to_vir_error())?;
    tokio::spawn(pump_stream(ours, theirs));
    Ok(reply.body)
}

/// Pump one stream's packets: the client's to the daemon, the daemon's to the client, until
/// the daemon ends it (finish confirmed, or an error) or either connection goes.
async fn pump_stream(mut ours: ServerStream, mut theirs: ClientStream) {
    loop {
        tokio::select! {
            m = ours.recv() => {
                let out = match m {
                    Some(StreamIn::Data(d)) => StreamOut::Data(d),
                    Some(StreamIn::Hole(n)) => StreamOut::Hole(n),
                    Some(StreamIn::Finish | StreamIn::Eof) => StreamOut::Finish,
                    Some(StreamIn::Error(_)) => StreamOut::Error(None),
                    None => {
                        // the client is gone: abort the daemon's side
                        let _ = theirs.send(StreamOut::Error(None)).await;
                        return;
                    }
                };
                if theirs.send(out).await.is_err() {
                    let _ = ours.fail(lost()).await;
                    return;
                }
            }
            m = theirs.recv() => {
                let ok = match m {
                    Some(StreamIn::Data(d)) => ours.send_data(&d).await,
                    Some(StreamIn::Hole(n)) => ours.send_hole(n).await,
                    Some(StreamIn::Eof) => ours.send_eof().await,
                    Some(StreamIn::Finish) => {
                        let _ = ours.finish().await;
                        return;
                    }
                    Some(StreamIn::Error(e)) => {
                        let _ = ours.fail(e.unwrap_or_else(lost)).await;
                        return;
                    }
                    None => {
                        let _ = ours.fail(lost()).await;
                        return;
                    }
                };
                if !ok {
                    let _ = theirs.send(StreamOut::Error(None)).await;
                    return;
                }
            }
        }
    }
}

/// The stream's other end went away.
fn lost() -> VirError {
    VirError::internal("the daemon serving this stream closed the connection")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_forward_the_drivers_that_have_a_daemon() {
        let f = Forwarder::siblings(Path::new("/r/run"), true);
        let remote = oxvirt_proto::message::REMOTE_PROGRAM;
        assert_eq!(
            f.forwards(remote, rp::CONNECT_LIST_ALL_NETWORKS),
            Some(ServedBy::Network)
        );
        assert_eq!(
            f.forwards(remote, rp::STORAGE_VOL_UPLOAD),
            Some(ServedBy::Storage)
        );
        assert_eq!(
            f.forwards(remote, rp::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY),
            Some(ServedBy::Storage)
        );
        assert_eq!(f.forwards(remote, rp::DOMAIN_CREATE), None);
        assert_eq!(
            f.forwards(remote, rp::CONNECT_LIST_ALL_SECRETS),
            Some(ServedBy::Secret)
        );
        assert_eq!(
            f.forwards(remote, rp::INTERFACE_GET_XML_DESC),
            Some(ServedBy::Interface)
        );
        assert_eq!(f.forwards(remote, rp::NODE_DEVICE_GET_XML_DESC), None);
        assert_eq!(f.forwards(remote, 99999), None);
        let up = f.upstream(ServedBy::Storage).expect("storage");
        assert_eq!(up.socket, Path::new("/r/run/storaged-sock"));
        assert_eq!(up.uri, "storage:///system");
        let f = Forwarder::siblings(Path::new("/r/run"), false);
        let up = f.upstream(ServedBy::Network).expect("network");
        assert_eq!(up.uri, "network:///session");
    }

    #[test]
    fn connect_error_is_libvirt_s() {
        let e = connect_error(
            Path::new("/run/libvirt/virtstoraged-sock"),
            &std::io::Error::from_raw_os_error(2),
        );
        assert_eq!(e.code, code::SYSTEM_ERROR);
        assert_eq!(e.domain, domain::RPC);
        assert_eq!(
            e.message,
            "Failed to connect socket to '/run/libvirt/virtstoraged-sock': No such file or directory"
        );
    }
}
