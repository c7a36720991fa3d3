//! The connection envelope and the dispatch to a driver.

use std::future::Future;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::{ADMIN_PROGRAM, LXC_PROGRAM, QEMU_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::{self, remote_proc as rp, Program, ReadOnlyArg};
use oxvirt_proto::remote::{
    feature, AuthListRet, ConnectOpenArgs, ConnectSetIdentityArgs, ConnectSupportsFeatureArgs,
    ConnectSupportsFeatureRet, DomainChildFlagsArgs, DomainFlagsArgs, DomainInterfaceAddressesArgs,
    IntRet, StringRet, AUTH_NONE, CONNECT_RO,
};
use oxvirt_proto::{TypedParam, VirError};
use oxvirt_rpc::server::{Call, Client, Reply, Service};
use tracing::debug;

use crate::access::{AccessControl, After, Who};
use crate::admin::AdminServer;
use crate::events::EventHub;
use oxvirt_sync::MutexExt;

/// What a driver daemon plugs into [`RemoteService`].
pub trait Driver: Send + Sync + 'static {
    /// Accept or refuse a CONNECT_OPEN name (`None` or empty: the daemon's default). Returns the
    /// URI the connection is now open to (what CONNECT_GET_URI answers).
    fn open(&self, name: Option<&str>, client: &Client) -> Result<String, VirError>;

    /// The answer to SUPPORTS_FEATURE for features the envelope does not decide itself.
    fn supports_feature(&self, _feature: i32) -> bool {
        false
    }

    /// The event registrations of this driver's objects.
    fn events(&self) -> &EventHub;

    /// Whether the driver holds resources that must not be left unattended (running VMs,
    /// active networks, ...): a daemon started with an idle timeout exits only when it holds
    /// none and has no client.
    fn holds_running_resources(&self) -> bool {
        false
    }

    /// Handle a REMOTE or QEMU program call on an open connection: a driver dispatches it
    /// through its [`crate::Router`], where a procedure nobody registered answers
    /// VIR_ERR_NO_SUPPORT with the API's name ([`oxvirt_proto::procedures::unserved`]).
    fn call(
        self: Arc<Self>,
        ctx: CallCtx,
    ) -> impl Future<Output = Result<Vec<u8>, VirError>> + Send;

    /// [`Driver::call`] for a REMOTE program call whose reply may carry file descriptors
    /// (REPLY_WITH_FDS). The default carries none.
    fn call_with_fds(
        self: Arc<Self>,
        ctx: CallCtx,
    ) -> impl Future<Output = Result<(Vec<u8>, Vec<OwnedFd>), VirError>> + Send {
        async move { Ok((self.call(ctx).await?, Vec::new())) }
    }
}

/// Everything a driver needs to handle one call.
#[derive(Debug)]
pub struct CallCtx {
    /// The client that made the call.
    pub client: Arc<Client>,
    /// The REMOTE program's state of its connection.
    pub session: Arc<Session>,
    /// The call: header, body, fds.
    pub call: Call,
}

impl CallCtx {
    /// The call's program number.
    pub fn program(&self) -> u32 {
        self.call.header.program
    }

    /// The call's procedure number.
    pub fn procedure(&self) -> i32 {
        self.call.header.procedure
    }

    /// Decode the call's arguments (bytes after them are an error: see [`decode_args`]).
    pub fn args<T: oxvirt_xdr::Decode>(&self) -> Result<T, VirError> {
        decode_args(&self.call)
    }
}

/// Decode a call's arguments. Bytes after the arguments are an error with libvirt's decoding
/// message: libvirtd 9.0 ignores them, but no client sends them, and a body that means the same
/// to every decoder leaves no room for a check and a handler to read different arguments.
pub fn decode_args<T: oxvirt_xdr::Decode>(call: &Call) -> Result<T, VirError> {
    oxvirt_xdr::from_bytes_exact(&call.body)
        .map_err(|_| VirError::rpc("Unable to decode message payload"))
}

/// Refuse a changing call on a read-only connection, as libvirt's API layer does. For the few
/// procedures where it depends on an argument (`flags`, or `source` of
/// DOMAIN_INTERFACE_ADDRESSES), the arguments are decoded first, with the type the driver
/// decodes them with: a body that does not decode gets libvirt's decoding error. Bytes after
/// the arguments do not change the decision (a secure-flag call with an extra word still gets
/// the denial); the handler refuses such a body anyway ([`decode_args`]).
fn check_read_only(call: &Call) -> Result<(), VirError> {
    let h = &call.header;
    let Some(info) =
        Program::from_number(h.program).and_then(|p| procedures::procedure(p, h.procedure))
    else {
        return Ok(());
    };
    let arg = match info.read_only_arg() {
        ReadOnlyArg::None => None,
        ReadOnlyArg::Flags | ReadOnlyArg::Param(_) => Some(read_only_arg(call)?),
    };
    match procedures::read_only_denial(h.program, h.procedure, arg) {
        Some(d) => Err(VirError::new(
            oxvirt_proto::vir_error::code::OPERATION_DENIED,
            d.domain as i32,
            d.detail(),
        )),
        None => Ok(()),
    }
}

/// The decoded argument a read-only decision depends on (see
/// [`oxvirt_proto::procedures::ProcedureInfo::read_only_arg`]).
fn read_only_arg(call: &Call) -> Result<u32, VirError> {
    fn decode_args<T: oxvirt_xdr::Decode>(call: &Call) -> Result<T, VirError> {
        oxvirt_xdr::from_bytes(&call.body)
            .map_err(|_| VirError::rpc("Unable to decode message payload"))
    }
    match call.header.procedure {
        rp::DOMAIN_GET_XML_DESC
        | rp::DOMAIN_GET_VCPUS_FLAGS
        | rp::DOMAIN_MANAGED_SAVE_GET_XML_DESC => Ok(decode_args::<DomainFlagsArgs>(call)?.flags),
        rp::DOMAIN_SNAPSHOT_GET_XML_DESC | rp::DOMAIN_CHECKPOINT_GET_XML_DESC => {
            Ok(decode_args::<DomainChildFlagsArgs>(call)?.flags)
        }
        rp::DOMAIN_INTERFACE_ADDRESSES => {
            Ok(decode_args::<DomainInterfaceAddressesArgs>(call)?.source)
        }
        p => Err(VirError::internal(format!(
            "no read-only argument known for procedure {p}"
        ))),
    }
}

/// Encode a reply body.
pub fn ret<T: oxvirt_xdr::Encode + ?Sized>(v: &T) -> Result<Vec<u8>, VirError> {
    oxvirt_xdr::to_bytes(v).map_err(|e| VirError::internal(format!("cannot encode reply: {e}")))
}

/// Per-connection state of the REMOTE program.
#[derive(Debug, Default)]
pub struct Session {
    state: Mutex<SessionState>,
    /// The connections to other daemons opened for this client ([`crate::forward`]).
    pub secondaries: crate::forward::Secondaries,
}

#[derive(Debug, Default)]
struct SessionState {
    uri: Option<String>,
    admin_open: bool,
    identity: Option<Vec<TypedParam>>,
    /// Who the access rules see (worked out on the first checked call, again after
    /// SET_IDENTITY).
    who: Option<Arc<Who>>,
}

impl Session {
    /// The URI the connection is open to, if CONNECT_OPEN succeeded.
    pub fn uri(&self) -> Option<String> {
        self.state.locked().uri.clone()
    }

    /// The identity a front daemon forwarded with CONNECT_SET_IDENTITY.
    pub fn identity(&self) -> Option<Vec<TypedParam>> {
        self.state.locked().identity.clone()
    }
}

/// The REMOTE (and QEMU, ADMIN) program server around a driver.
#[derive(Debug)]
pub struct RemoteService<D> {
    driver: Arc<D>,
    admin: AdminServer,
    access: Option<Arc<AccessControl>>,
}

/// A call that passed its access checks, with what remains to do on its reply.
struct Checked {
    access: Arc<AccessControl>,
    who: Arc<Who>,
    after: Vec<After>,
}

impl Checked {
    fn finish(self, body: Vec<u8>) -> Result<Vec<u8>, VirError> {
        match &*self.who {
            Who::Subject(s) if !self.after.is_empty() => self.access.after(s, &self.after, body),
            _ => Ok(body),
        }
    }
}

impl<D: Driver> RemoteService<D> {
    /// Clients connected now, on every socket (the admin socket's included).
    pub fn client_count(&self) -> usize {
        self.admin.client_count()
    }

    /// `server_name` is what the admin program calls this daemon's client server
    /// (libvirt's daemons say "libvirtd", "virtqemud", ...).
    pub fn new(driver: Arc<D>, server_name: &str) -> Arc<Self> {
        Self::with_access(driver, server_name, None)
    }

    /// [`RemoteService::new`] checking every call against access rules (none: root and the
    /// daemon's user may do everything, as the sockets' modes allow).
    pub fn with_access(
        driver: Arc<D>,
        server_name: &str,
        access: Option<Arc<AccessControl>>,
    ) -> Arc<Self> {
        Arc::new(RemoteService {
            driver,
            admin: AdminServer::new(server_name),
            access,
        })
    }

    /// Who the rules see for this connection (cached in its session).
    fn who(&self, access: &Arc<AccessControl>, client: &Client, session: &Session) -> Arc<Who> {
        let mut st = session.state.locked();
        if let Some(w) = &st.who {
            return w.clone();
        }
        let w = Arc::new(access.who(&client.peer, st.identity.as_deref()));
        if let Who::Subject(s) = &*w {
            // events go only to those who may see their object (set once: a connection's
            // subject is set by its first call or by the one SET_IDENTITY its front sends)
            client.set_event_filter(access.event_filter(s.clone()));
        }
        st.who = Some(w.clone());
        w
    }

    /// The access checks of a call before it runs (none without rules or for the
    /// administrator).
    fn gate(
        &self,
        client: &Client,
        session: &Session,
        call: &mut Call,
    ) -> Result<Option<Checked>, VirError> {
        let Some(access) = &self.access else {
            return Ok(None);
        };
        let who = self.who(access, client, session);
        let Who::Subject(s) = &*who else {
            return Ok(None);
        };
        let h = call.header;
        let Some(info) =
            Program::from_number(h.program).and_then(|p| procedures::procedure(p, h.procedure))
        else {
            return Ok(None);
        };
        let after = access.before(s, info, &mut call.body)?;
        Ok(Some(Checked {
            access: access.clone(),
            who,
            after,
        }))
    }

    /// The driver served.
    pub fn driver(&self) -> &Arc<D> {
        &self.driver
    }

    fn not_open() -> VirError {
        VirError::internal("hypervisor connection not open")
    }

    async fn remote_call(
        self: Arc<Self>,
        client: Arc<Client>,
        session: Arc<Session>,
        mut call: Call,
        reply_fds: &mut Vec<OwnedFd>,
    ) -> Result<(Vec<u8>, bool), VirError> {
        let procedure = call.header.procedure;
        let is_open = session.uri().is_some();

        // The envelope: calls that work before CONNECT_OPEN.
        match procedure {
            rp::AUTH_LIST => {
                return Ok((
                    ret(&AuthListRet {
                        types: vec![AUTH_NONE],
                    })?,
                    false,
                ));
            }
            rp::AUTH_POLKIT => return Ok((ret(&IntRet { value: 1 })?, false)),
            rp::CONNECT_SUPPORTS_FEATURE => {
                let a: ConnectSupportsFeatureArgs = decode_args(&call)?;
                if a.feature == feature::PROGRAM_KEEPALIVE {
                    client.enable_keepalive();
                    return Ok((ret(&ConnectSupportsFeatureRet { supported: 1 })?, false));
                }
                if !is_open {
                    return Err(Self::not_open());
                }
                let supported = match a.feature {
                    feature::FD_PASSING
                    | feature::TYPED_PARAM_STRING
                    | feature::REMOTE_EVENT_CALLBACK
                    | feature::REMOTE_CLOSE_CALLBACK => true,
                    f => self.driver.supports_feature(f),
                };
                return Ok((
                    ret(&ConnectSupportsFeatureRet {
                        supported: i32::from(supported),
                    })?,
                    false,
                ));
            }
            rp::CONNECT_OPEN => {
                let a: ConnectOpenArgs = decode_args(&call)?;
                if is_open {
                    return Err(VirError::internal("connection already open"));
                }
                self.gate(&client, &session, &mut call)?;
                let uri = self.driver.open(a.name.as_deref(), &client)?;
                if a.flags & CONNECT_RO != 0 {
                    client.set_read_only();
                }
                client.set_opened();
                debug!(client = client.id, %uri, read_only = client.is_read_only(), "connection open");
                {
                    let mut s = session.state.locked();
                    s.uri = Some(uri);
                }
                return Ok((Vec::new(), false));
            }
            rp::CONNECT_CLOSE => return Ok((Vec::new(), true)),
            _ => {}
        }
        if !is_open {
            return Err(Self::not_open());
        }
        if procedures::remote_procedure(procedure).is_none() {
            return Err(VirError::unknown_procedure(procedure));
        }
        if client.is_read_only() {
            check_read_only(&call)?;
        }
        let checked = self.gate(&client, &session, &mut call)?;
        let (body, close_after) = self
            .open_call(client, session, call, procedure, reply_fds)
            .await?;
        match checked {
            Some(c) => Ok((c.finish(body)?, close_after)),
            None => Ok((body, close_after)),
        }
    }

    /// A REMOTE call on an open connection that passed its checks.
    async fn open_call(
        &self,
        client: Arc<Client>,
        session: Arc<Session>,
        call: Call,
        procedure: i32,
        reply_fds: &mut Vec<OwnedFd>,
    ) -> Result<(Vec<u8>, bool), VirError> {
        match procedure {
            rp::CONNECT_REGISTER_CLOSE_CALLBACK | rp::CONNECT_UNREGISTER_CLOSE_CALLBACK => {
                Ok((Vec::new(), false))
            }
            rp::CONNECT_GET_URI => Ok((
                ret(&StringRet {
                    value: session.uri().unwrap_or_default(),
                })?,
                false,
            )),
            // A UNIX socket is secure (isEncrypted is answered by the client library itself).
            rp::CONNECT_IS_SECURE => Ok((ret(&IntRet { value: 1 })?, false)),
            rp::CONNECT_SET_IDENTITY => {
                // only root or the daemon's own user (oxvirt-proxyd, the other daemons) may
                // say who the caller is
                let own = rustix::process::geteuid().as_raw();
                if client.peer.uid != 0 && client.peer.uid != own {
                    return Err(VirError::new(
                        oxvirt_proto::vir_error::code::ACCESS_DENIED,
                        oxvirt_proto::vir_error::domain::ACCESS,
                        "'connect' permission 'write' is required to set a forwarded identity",
                    ));
                }
                let a: ConnectSetIdentityArgs = decode_args(&call)?;
                if a.flags != 0 {
                    return Err(VirError::unsupported_flags(
                        a.flags,
                        "virConnectSetIdentity",
                        oxvirt_proto::vir_error::domain::RPC,
                    ));
                }
                {
                    let mut s = session.state.locked();
                    s.identity = Some(a.params);
                    s.who = None;
                }
                Ok((Vec::new(), false))
            }
            p if EventHub::handles(p) => {
                let body = self.driver.events().call(&client, p, &call.body)?;
                Ok((body, false))
            }
            _ => {
                let ctx = CallCtx {
                    client,
                    session,
                    call,
                };
                let (body, fds) = self.driver.clone().call_with_fds(ctx).await?;
                *reply_fds = fds;
                Ok((body, false))
            }
        }
    }

    async fn qemu_call(
        self: Arc<Self>,
        client: Arc<Client>,
        session: Arc<Session>,
        mut call: Call,
    ) -> Result<Vec<u8>, VirError> {
        if session.uri().is_none() {
            return Err(Self::not_open());
        }
        let procedure = call.header.procedure;
        let program = Program::from_number(call.header.program).unwrap_or(Program::Qemu);
        if procedures::procedure(program, procedure).is_none() {
            return Err(VirError::unknown_procedure(procedure));
        }
        if client.is_read_only() {
            check_read_only(&call)?;
        }
        let checked = self.gate(&client, &session, &mut call)?;
        let ctx = CallCtx {
            client,
            session,
            call,
        };
        let body = self.driver.clone().call(ctx).await?;
        match checked {
            Some(c) => c.finish(body),
            None => Ok(body),
        }
    }
}

impl<D: Driver> Service for RemoteService<D> {
    type Session = Session;

    fn serves(&self, listener: &str, program: u32) -> bool {
        if listener == "admin" {
            program == ADMIN_PROGRAM
        } else {
            program == REMOTE_PROGRAM || program == QEMU_PROGRAM || program == LXC_PROGRAM
        }
    }

    fn connected(&self, client: &Arc<Client>) -> Session {
        self.admin.client_connected(client);
        Session::default()
    }

    async fn call(
        self: Arc<Self>,
        client: Arc<Client>,
        session: Arc<Session>,
        call: Call,
    ) -> Reply {
        match call.header.program {
            REMOTE_PROGRAM => {
                let mut fds = Vec::new();
                match self.remote_call(client, session, call, &mut fds).await {
                    Ok((body, close_after)) => {
                        let mut r = Reply::ok(body);
                        r.close_after = close_after;
                        r.fds = fds;
                        r
                    }
                    Err(e) => Reply::err(e),
                }
            }
            // the LXC program's one call reaches the driver, which answers as libvirt's QEMU
            // driver does (NO_SUPPORT)
            QEMU_PROGRAM | LXC_PROGRAM => self.qemu_call(client, session, call).await.into(),
            ADMIN_PROGRAM => {
                let open = session.state.locked().admin_open;
                match self.admin.call(&client, open, &call) {
                    Ok((body, opened, close_after)) => {
                        if opened {
                            client.set_opened();
                            {
                                let mut s = session.state.locked();
                                s.admin_open = true;
                            }
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

    fn disconnected(&self, client: &Arc<Client>, session: &Arc<Session>) {
        self.driver.events().client_gone(client.id);
        session.secondaries.close();
        self.admin.client_gone(client.id);
    }
}
