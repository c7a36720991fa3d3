//! The one routing table of a driver daemon: procedure → handler.
//!
//! A driver registers a handler per typed procedure ([`oxvirt_proto::calls`]):
//!
//! ```ignore
//! let mut r = Router::new();
//! r.add(calls::DomainSuspend, |d, a, _ctx| async move { d.suspend(&a.dom).await });
//! r.add_sync(calls::DomainGetState, |d, a, _ctx| d.state(&a.dom, a.flags));
//! r.add_blocking(calls::DomainDefineXml, |d, a, _ctx| d.define(&a.xml));
//! ```
//!
//! The router decodes the arguments (exactly: bytes after them are refused, see
//! [`crate::service::decode_args`]; a procedure without arguments ignores its body), runs the handler — on the async workers, inline, or on
//! tokio's blocking pool for handlers that write files — maps its error to libvirt's with
//! [`ToVirError`], and encodes the reply. A procedure nobody registered answers
//! VIR_ERR_NO_SUPPORT with the API's name ([`oxvirt_proto::procedures::unserved`]). The ACL
//! permissions, the read-only policy, the priority and the serving daemon of a route are
//! those of its [`ProcedureInfo`], checked by [`crate::RemoteService`] before the call is
//! routed.

use std::collections::HashMap;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::Arc;

use oxvirt_proto::calls::Procedure;
use oxvirt_proto::procedures::{self, ProcedureInfo};
use oxvirt_proto::{ToVirError, VirError};

use crate::service::{decode_args, CallCtx};

type Reply = Result<Vec<u8>, VirError>;
/// A reply body with the file descriptors it carries (REPLY_WITH_FDS; none for most calls).
type FdReply = Result<(Vec<u8>, Vec<OwnedFd>), VirError>;
type BoxReply = Pin<Box<dyn Future<Output = FdReply> + Send>>;
type Handler<D> = Box<dyn Fn(Arc<D>, CallCtx) -> BoxReply + Send + Sync>;

/// How a route's handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// An async handler, on the async workers.
    Async,
    /// A quick synchronous handler, inline on the async worker (it must not block).
    Inline,
    /// A synchronous handler that may block (file writes), on tokio's blocking pool.
    Blocking,
}

/// One registered procedure.
pub struct Route<D> {
    /// The procedure's row in the table: ACL, read-only policy, priority, serving daemon.
    pub info: &'static ProcedureInfo,
    /// How the handler runs.
    pub runs: Runs,
    handler: Handler<D>,
}

impl<D> std::fmt::Debug for Route<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("procedure", &self.info.constant_name())
            .field("runs", &self.runs)
            .finish()
    }
}

/// The table from `(program, procedure)` to handler, for a driver of type `D`.
pub struct Router<D> {
    routes: HashMap<(u32, i32), Route<D>>,
}

impl<D> std::fmt::Debug for Router<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.routes.len())
            .finish()
    }
}

impl<D> Default for Router<D> {
    fn default() -> Self {
        Router {
            routes: HashMap::new(),
        }
    }
}

/// Decode a call's arguments as `P`'s. A procedure without arguments ignores the body, as
/// libvirtd does (there is nothing a check and a handler could read differently).
fn args<P: Procedure>(ctx: &CallCtx) -> Result<P::Args, VirError> {
    if std::any::TypeId::of::<P::Args>() == std::any::TypeId::of::<()>() {
        return oxvirt_xdr::from_bytes(&[])
            .map_err(|_| VirError::rpc("Unable to decode message payload"));
    }
    decode_args(&ctx.call)
}

/// Encode a handler's result as `P`'s reply. A reply that does not encode (a list over its
/// protocol maximum) is libvirt's `virNetMessageEncodePayload` error.
fn reply<P: Procedure, E: ToVirError>(r: Result<P::Ret, E>) -> Reply {
    match r {
        Ok(v) => {
            oxvirt_xdr::to_bytes(&v).map_err(|_| VirError::rpc("Unable to encode message payload"))
        }
        Err(e) => Err(e.to_vir_error()),
    }
}

/// [`reply`] for a handler whose result carries file descriptors.
fn reply_fds<P: Procedure, E: ToVirError>(r: Result<(P::Ret, Vec<OwnedFd>), E>) -> FdReply {
    match r {
        Ok((v, fds)) => Ok((reply::<P, E>(Ok(v))?, fds)),
        Err(e) => Err(e.to_vir_error()),
    }
}

/// A reply without file descriptors.
fn no_fds(r: Reply) -> FdReply {
    r.map(|body| (body, Vec::new()))
}

impl<D: Send + Sync + 'static> Router<D> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn insert<P: Procedure>(&mut self, runs: Runs, handler: Handler<D>) {
        // every marker is a row of the table (a test of oxvirt_proto::calls checks it)
        let Some(info) = P::info() else {
            tracing::error!(
                program = P::PROGRAM.name(),
                number = P::NUMBER,
                "not in the procedure table"
            );
            return;
        };
        self.routes.insert(
            (P::PROGRAM.number(), P::NUMBER),
            Route {
                info,
                runs,
                handler,
            },
        );
    }

    /// Register an async handler for `P`.
    pub fn add<P, E, F, Fut>(&mut self, _procedure: P, f: F) -> &mut Self
    where
        P: Procedure,
        E: ToVirError,
        F: Fn(Arc<D>, P::Args, CallCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<P::Ret, E>> + Send + 'static,
    {
        let handler: Handler<D> = Box::new(move |d, ctx| match args::<P>(&ctx) {
            Ok(a) => {
                let fut = f(d, a, ctx);
                Box::pin(async move { no_fds(reply::<P, E>(fut.await)) })
            }
            Err(e) => Box::pin(std::future::ready(Err(e))),
        });
        self.insert::<P>(Runs::Async, handler);
        self
    }

    /// Register a quick synchronous handler for `P`, run inline (it must not block).
    pub fn add_sync<P, E, F>(&mut self, _procedure: P, f: F) -> &mut Self
    where
        P: Procedure,
        E: ToVirError,
        F: Fn(&Arc<D>, P::Args, &CallCtx) -> Result<P::Ret, E> + Send + Sync + 'static,
    {
        let handler: Handler<D> = Box::new(move |d, ctx| {
            let r = args::<P>(&ctx).and_then(|a| reply::<P, E>(f(&d, a, &ctx)));
            Box::pin(std::future::ready(no_fds(r)))
        });
        self.insert::<P>(Runs::Inline, handler);
        self
    }

    /// Register a synchronous handler for `P` that may block briefly (file writes): it runs on
    /// tokio's blocking pool, off the async workers.
    pub fn add_blocking<P, E, F>(&mut self, _procedure: P, f: F) -> &mut Self
    where
        P: Procedure,
        E: ToVirError,
        F: Fn(&Arc<D>, P::Args, &CallCtx) -> Result<P::Ret, E> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let handler: Handler<D> = Box::new(move |d, ctx| {
            let f = f.clone();
            Box::pin(async move {
                let a = args::<P>(&ctx)?;
                let r = tokio::task::spawn_blocking(move || reply::<P, E>(f(&d, a, &ctx))).await;
                no_fds(r.unwrap_or_else(|e| Err(VirError::internal(format!("call failed: {e}")))))
            })
        });
        self.insert::<P>(Runs::Blocking, handler);
        self
    }

    /// [`Router::add_blocking`] for a procedure whose reply may carry file descriptors
    /// (REPLY_WITH_FDS): the handler answers its reply and the descriptors to pass with it,
    /// which [`Router::dispatch_with_fds`] hands on (a network port's TAP queues).
    pub fn add_blocking_with_fds<P, E, F>(&mut self, _procedure: P, f: F) -> &mut Self
    where
        P: Procedure,
        E: ToVirError,
        F: Fn(&Arc<D>, P::Args, &CallCtx) -> Result<(P::Ret, Vec<OwnedFd>), E>
            + Send
            + Sync
            + 'static,
    {
        let f = Arc::new(f);
        let handler: Handler<D> = Box::new(move |d, ctx| {
            let f = f.clone();
            Box::pin(async move {
                let a = args::<P>(&ctx)?;
                let r =
                    tokio::task::spawn_blocking(move || reply_fds::<P, E>(f(&d, a, &ctx))).await;
                r.unwrap_or_else(|e| Err(VirError::internal(format!("call failed: {e}"))))
            })
        });
        self.insert::<P>(Runs::Blocking, handler);
        self
    }

    /// The route of a procedure, if one is registered.
    pub fn route(&self, program: u32, procedure: i32) -> Option<&Route<D>> {
        self.routes.get(&(program, procedure))
    }

    /// Every registered route.
    pub fn routes(&self) -> impl Iterator<Item = &Route<D>> {
        self.routes.values()
    }

    /// Whether a procedure has a route.
    pub fn serves(&self, program: u32, procedure: i32) -> bool {
        self.routes.contains_key(&(program, procedure))
    }

    /// Run a call: its handler's reply body, or libvirt's error (VIR_ERR_NO_SUPPORT for a
    /// procedure nobody registered). File descriptors a handler answers are closed: a driver
    /// that registers such handlers serves [`crate::Driver::call_with_fds`] with
    /// [`Router::dispatch_with_fds`].
    pub fn dispatch(
        &self,
        driver: Arc<D>,
        ctx: CallCtx,
    ) -> impl Future<Output = Reply> + Send + 'static {
        let fut = self.dispatch_with_fds(driver, ctx);
        async move { fut.await.map(|(body, _fds)| body) }
    }

    /// Run a call: its handler's reply body and the file descriptors to pass with it, or
    /// libvirt's error (VIR_ERR_NO_SUPPORT for a procedure nobody registered).
    pub fn dispatch_with_fds(
        &self,
        driver: Arc<D>,
        ctx: CallCtx,
    ) -> impl Future<Output = FdReply> + Send + 'static {
        let (program, procedure) = (ctx.program(), ctx.procedure());
        match self.route(program, procedure) {
            Some(route) => (route.handler)(driver, ctx),
            None => Box::pin(std::future::ready(Err(procedures::unserved(
                program, procedure,
            )))),
        }
    }
}
