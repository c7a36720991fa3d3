//! The proxy's program server: the connection envelope answered here (authentication,
//! keepalive, CONNECT_OPEN choosing the daemon, IS_SECURE, CONNECT_CLOSE), every other call of
//! an open connection passed to the client's connection to its daemon as it is (body and fds
//! both ways, no re-encoding), stream procedures pumped both ways, and that connection's event
//! messages passed back to the client unchanged.

use std::sync::{Arc, Mutex};

use oxvirt_proto::message::{ADMIN_PROGRAM, LXC_PROGRAM, QEMU_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::{self, remote_proc as rp, Program};
use oxvirt_proto::remote::{
    feature, AuthListRet, ConnectOpenArgs, ConnectSupportsFeatureArgs, ConnectSupportsFeatureRet,
    IntRet, AUTH_NONE, CONNECT_RO,
};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, TypedParam, TypedParamValue, VirError};
use oxvirt_remote::admin::AdminServer;
use oxvirt_remote::forward::{self, forward_stream, peer_identity, pump_events};
use oxvirt_remote::{decode_args, ret};
use oxvirt_rpc::client::Client as RpcClient;
use oxvirt_rpc::server::{Call, Client, Reply, Service};
use oxvirt_sync::MutexExt;
use tracing::debug;

use crate::route::Routes;

/// The proxy: clients of libvirt's legacy sockets, each forwarded to its daemon.
#[derive(Debug)]
pub struct ProxyService {
    routes: Routes,
    admin: AdminServer,
}

/// One client's state: its connection to the daemon once CONNECT_OPEN succeeded.
#[derive(Debug, Default)]
pub struct ProxySession {
    upstream: Mutex<Option<RpcClient>>,
    /// Held while CONNECT_OPEN runs: a second one waits, then finds the connection open.
    opening: tokio::sync::Mutex<()>,
    admin_open: Mutex<bool>,
}

impl ProxySession {
    fn upstream(&self) -> Option<RpcClient> {
        self.upstream.locked().clone()
    }
}

impl ProxyService {
    /// A proxy to the daemons `routes` finds; `server_name` is what `virt-admin` calls its
    /// client server (libvirt's virtproxyd says "virtproxyd").
    pub fn new(routes: Routes, server_name: &str) -> Arc<Self> {
        Arc::new(ProxyService {
            routes,
            admin: AdminServer::new(server_name),
        })
    }

    /// Clients connected now (admin clients included).
    pub fn client_count(&self) -> usize {
        self.admin.client_count()
    }

    fn not_open() -> VirError {
        VirError::internal("hypervisor connection not open")
    }

    /// CONNECT_OPEN: connect to the daemon serving the URI, open it there (read-only for a
    /// read-only client, on the daemon's read-only socket), and forward the caller's identity.
    async fn open(
        &self,
        client: &Arc<Client>,
        session: &ProxySession,
        call: &Call,
    ) -> Result<(), VirError> {
        let a: ConnectOpenArgs = decode_args(call)?;
        let _opening = session.opening.lock().await;
        if session.upstream().is_some() {
            return Err(VirError::internal("connection already open"));
        }
        let read_only = client.is_read_only() || a.flags & CONNECT_RO != 0;
        let up = self.routes.route(a.name.as_deref(), read_only)?;
        let flags = if read_only {
            a.flags | CONNECT_RO
        } else {
            a.flags
        };
        let (conn, events) = forward::open_with_flags(&up, flags, Some(identity(client))).await?;
        if read_only {
            client.set_read_only();
        }
        client.set_opened();
        debug!(client = client.id, uri = %up.uri, socket = %up.socket.display(), read_only, "forwarding");
        tokio::spawn(pump_events(client.clone(), events));
        // the daemon went away: so does the client, which sees its connection end
        let (watch, gone) = (conn.clone(), client.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = watch.closed() => gone.close(),
                _ = gone.closed() => watch.abort(),
            }
        });
        *session.upstream.locked() = Some(conn);
        Ok(())
    }

    /// A REMOTE program call.
    async fn remote_call(
        &self,
        client: &Arc<Client>,
        session: &ProxySession,
        mut call: Call,
    ) -> Reply {
        let procedure = call.header.procedure;
        let local = |r: Result<Vec<u8>, VirError>| Reply::from(r);
        match procedure {
            rp::AUTH_LIST => {
                return local(ret(&AuthListRet {
                    types: vec![AUTH_NONE],
                }))
            }
            rp::AUTH_POLKIT => return local(ret(&IntRet { value: 1 })),
            rp::CONNECT_SUPPORTS_FEATURE => {
                match decode_args::<ConnectSupportsFeatureArgs>(&call) {
                    Ok(a) if a.feature == feature::PROGRAM_KEEPALIVE => {
                        // keepalive is between the client and the proxy
                        client.enable_keepalive();
                        return local(ret(&ConnectSupportsFeatureRet { supported: 1 }));
                    }
                    Ok(_) => {}
                    Err(e) => return Reply::err(e),
                }
            }
            rp::CONNECT_OPEN => {
                return local(self.open(client, session, &call).await.map(|()| Vec::new()))
            }
            rp::CONNECT_CLOSE => {
                if let Some(c) = session.upstream.locked().take() {
                    c.abort();
                }
                let mut r = Reply::ok(Vec::new());
                r.close_after = true;
                return r;
            }
            _ => {}
        }
        let Some(conn) = session.upstream() else {
            return Reply::err(Self::not_open());
        };
        if procedures::remote_procedure(procedure).is_none() {
            return Reply::err(VirError::unknown_procedure(procedure));
        }
        match procedure {
            // UNIX sockets are secure; the daemon's answer would describe the proxy's own
            // connection, not the client's
            rp::CONNECT_IS_SECURE => return local(ret(&IntRet { value: 1 })),
            // the identity is the proxy's to forward: only local root may claim another
            rp::CONNECT_SET_IDENTITY
                if client.peer.uid != 0 || client.origin.x509_dname.is_some() =>
            {
                return Reply::err(VirError::new(
                    code::ACCESS_DENIED,
                    domain::ACCESS,
                    "'connect' permission 'write' is required to set a forwarded identity",
                ));
            }
            _ => {}
        }
        let stream = procedures::procedure(Program::Remote, procedure)
            .is_some_and(|i| i.stream.has_stream());
        if stream {
            let fds = std::mem::take(&mut call.fds);
            return local(forward_stream(client, &mut call, &conn, fds).await);
        }
        self.pass(&conn, call).await
    }

    /// Pass a call to the daemon as it is: its reply body and fds, or its error.
    async fn pass(&self, conn: &RpcClient, call: Call) -> Reply {
        let h = call.header;
        match conn
            .call_raw(h.program, h.procedure, call.body, call.fds)
            .await
        {
            Ok(r) => {
                let mut reply = Reply::ok(r.body);
                reply.fds = r.fds;
                reply
            }
            Err(e) => Reply::err(e.to_vir_error()),
        }
    }
}

/// The identity forwarded for a client: a TLS client's certificate DN, a local client's
/// SO_PEERCRED (as libvirt's daemons identify them).
pub fn identity(client: &Client) -> Vec<TypedParam> {
    match &client.origin.x509_dname {
        Some(dn) => vec![TypedParam {
            field: "x509-distinguished-name".into(),
            value: TypedParamValue::String(dn.clone()),
        }],
        None => peer_identity(client),
    }
}

impl Service for ProxyService {
    type Session = ProxySession;

    fn serves(&self, listener: &str, program: u32) -> bool {
        if listener == "admin" {
            program == ADMIN_PROGRAM
        } else {
            matches!(program, REMOTE_PROGRAM | QEMU_PROGRAM | LXC_PROGRAM)
        }
    }

    fn connected(&self, client: &Arc<Client>) -> ProxySession {
        self.admin.client_connected(client);
        ProxySession::default()
    }

    async fn call(
        self: Arc<Self>,
        client: Arc<Client>,
        session: Arc<ProxySession>,
        call: Call,
    ) -> Reply {
        match call.header.program {
            REMOTE_PROGRAM => self.remote_call(&client, &session, call).await,
            QEMU_PROGRAM | LXC_PROGRAM => {
                let Some(conn) = session.upstream() else {
                    return Reply::err(Self::not_open());
                };
                let (p, n) = (call.header.program, call.header.procedure);
                if Program::from_number(p)
                    .and_then(|p| procedures::procedure(p, n))
                    .is_none()
                {
                    return Reply::err(VirError::unknown_procedure(n));
                }
                self.pass(&conn, call).await
            }
            ADMIN_PROGRAM => {
                let open = *session.admin_open.locked();
                match self.admin.call(&client, open, &call) {
                    Ok((body, opened, close_after)) => {
                        if opened {
                            client.set_opened();
                            *session.admin_open.locked() = true;
                        }
                        let mut r = Reply::ok(body);
                        r.close_after = close_after;
                        r
                    }
                    Err(e) => Reply::err(e),
                }
            }
            p => Reply::err(VirError::rpc(format!("Cannot find program {p} version 1"))),
        }
    }

    fn disconnected(&self, client: &Arc<Client>, session: &Arc<ProxySession>) {
        if let Some(c) = session.upstream.locked().take() {
            c.abort();
        }
        self.admin.client_gone(client.id);
    }
}
