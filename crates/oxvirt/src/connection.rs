//! [`Connection`]: one type for a daemon on a UNIX socket (oxvirt-qemud, libvirtd,
//! virtqemud) and for the embedded driver. Both speak libvirt's REMOTE program; the embedded
//! one over a socket pair inside the process, so every call takes the same path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxvirt_proto::calls::{self, Procedure};
use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    feature, AuthListRet, CallbackIdRet, ConnectDomainEventCallbackRegisterAnyArgs,
    ConnectGetAllDomainStatsArgs, ConnectGetAllDomainStatsRet, ConnectListAllDomainsArgs,
    ConnectListAllDomainsRet, ConnectOpenArgs, ConnectSupportsFeatureArgs,
    ConnectSupportsFeatureRet, DomainCreateXmlArgs, DomainDefineXmlFlagsArgs, DomainLookupByIdArgs,
    DomainLookupByNameArgs, DomainLookupByUuidArgs, DomainRet, IntRet, StringRet, U64Ret,
    AUTH_NONE, AUTH_POLKIT, CONNECT_RO,
};
use oxvirt_proto::types::NonnullDomain;
use oxvirt_rpc::client::Client as RpcClient;
use tokio::net::UnixStream;
use tokio::sync::mpsc;

use crate::domain::{parse_uuid, Domain};
use crate::embedded::{self, Opened};
use crate::events::{self, DomainEvents};
use crate::stats::DomainStats;
use crate::uri::{self, Target};
use crate::{Error, Result};
use oxvirt_sync::MutexExt;

/// How long the owner of an embedded root, when it closes, waits for the programs that share
/// the root through its socket to finish (they get new connections to the next owner).
const OWNER_LINGER: Duration = Duration::from_secs(3);

/// Keepalive towards daemons that support it, as virsh does (5 s, 6 tries).
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
const KEEPALIVE_COUNT: u32 = 6;

/// An open connection. Cheap to clone; calls on clones may overlap. The connection closes
/// when the last clone (and every [`Domain`] made from it) is gone, or at [`Connection::close`].
#[derive(Debug, Clone)]
pub struct Connection {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    uri: String,
    client: RpcClient,
    pub(crate) subscribers: events::Subscribers,
    dispatcher: tokio::task::JoinHandle<()>,
    /// The embedded driver, when this connection owns its root.
    owner: Mutex<Option<embedded::Owner>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.dispatcher.abort();
    }
}

/// Flags of [`Connection::list_domains`] (`virConnectListAllDomainsFlags`); 0 lists all.
pub mod list_flags {
    pub use oxvirt_proto::flags::list_domains::*;
}

impl Connection {
    /// Open a read-write connection.
    ///
    /// - `qemu:///system`, `qemu:///session`: the daemon's standard socket (oxvirt-qemud's,
    ///   else libvirt's `virtqemud-sock` or `libvirt-sock`);
    /// - `qemu+unix:///system?socket=PATH`: that socket;
    /// - `qemu:///embed?root=DIR`: the QEMU driver in this process, everything under DIR (see
    ///   the [crate docs](crate#embedded-mode) for how programs share a root).
    pub async fn open(uri: &str) -> Result<Connection> {
        Self::open_with(uri, false).await
    }

    /// Open a read-only connection (queries only, as `virsh -r`).
    pub async fn open_read_only(uri: &str) -> Result<Connection> {
        Self::open_with(uri, true).await
    }

    async fn open_with(uri: &str, read_only: bool) -> Result<Connection> {
        match uri::parse(uri)? {
            Target::Daemon { sockets, open_name } => {
                let stream = connect_first(uri, &sockets).await?;
                Self::start(uri, stream, &open_name, read_only, None).await
            }
            Target::Embedded { root } => {
                let name = uri::embedded(&root);
                let mut tries = 0;
                loop {
                    let r = match embedded::open(&root).await? {
                        Opened::Owner(served, s) => {
                            return Self::start(uri, s, &name, read_only, Some(served)).await
                        }
                        Opened::Shared(s) => Self::start(uri, s, &name, read_only, None).await,
                    };
                    match r {
                        // the owner closed while we were opening: open again (and maybe
                        // become the owner)
                        Err(Error::Closed { .. }) if tries < 20 => tries += 1,
                        r => return r,
                    }
                }
            }
        }
    }

    /// Set a connection up on a connected stream: RPC client, event routing, handshake.
    async fn start(
        uri: &str,
        stream: UnixStream,
        open_name: &str,
        read_only: bool,
        owner: Option<embedded::Owner>,
    ) -> Result<Connection> {
        let (client, erx) = RpcClient::from_stream(stream);
        let subscribers = events::Subscribers::default();
        let dispatcher = tokio::spawn(events::dispatch(erx, subscribers.clone()));
        let conn = Connection {
            inner: Arc::new(Inner {
                uri: uri.to_owned(),
                client,
                subscribers,
                dispatcher,
                owner: Mutex::new(owner),
            }),
        };
        conn.handshake(open_name, read_only).await?;
        Ok(conn)
    }

    /// libvirt's opening sequence: AUTH_LIST, keepalive probe, CONNECT_OPEN.
    async fn handshake(&self, name: &str, read_only: bool) -> Result<()> {
        match self.call::<(), AuthListRet>(rp::AUTH_LIST, &()).await {
            Ok(list) if list.types.is_empty() || list.types.contains(&AUTH_NONE) => {}
            Ok(list) if list.types.contains(&AUTH_POLKIT) => {
                let _: IntRet = self.call(rp::AUTH_POLKIT, &()).await?;
            }
            Ok(list) => {
                return Err(Error::Libvirt(oxvirt_proto::VirError::new(
                    crate::code::AUTH_FAILED,
                    oxvirt_proto::vir_error::domain::REMOTE,
                    format!("unsupported authentication types {:?}", list.types),
                )))
            }
            // an ancient server without AUTH_LIST: carry on, as libvirt's client does
            Err(Error::Libvirt(e)) if e.code == crate::code::RPC => {}
            Err(e) => return Err(e),
        }
        let ka: Result<ConnectSupportsFeatureRet> = self
            .call(
                rp::CONNECT_SUPPORTS_FEATURE,
                &ConnectSupportsFeatureArgs {
                    feature: feature::PROGRAM_KEEPALIVE,
                },
            )
            .await;
        if matches!(ka, Ok(ref r) if r.supported != 0) {
            self.inner
                .client
                .start_keepalive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT);
        }
        let _: () = self
            .call(
                rp::CONNECT_OPEN,
                &ConnectOpenArgs {
                    name: Some(name.to_owned()),
                    flags: if read_only { CONNECT_RO } else { 0 },
                },
            )
            .await?;
        Ok(())
    }

    /// A REMOTE program call.
    pub(crate) async fn call<A, R>(&self, procedure: i32, args: &A) -> Result<R>
    where
        A: oxvirt_xdr::Encode + ?Sized,
        R: oxvirt_xdr::Decode,
    {
        self.inner
            .client
            .call(REMOTE_PROGRAM, procedure, args)
            .await
            .map_err(|e| Error::from_client(&self.inner.uri, e))
    }

    /// A typed call: the procedure's marker ([`oxvirt_proto::calls`]) names its program, number,
    /// argument and reply types, the same the daemon's router decodes and encodes.
    pub(crate) async fn request<P: Procedure>(&self, args: &P::Args) -> Result<P::Ret> {
        self.inner
            .client
            .call(P::PROGRAM.number(), P::NUMBER, args)
            .await
            .map_err(|e| Error::from_client(&self.inner.uri, e))
    }

    /// A call whose reply opens a stream.
    pub(crate) async fn call_stream<A: oxvirt_xdr::Encode + ?Sized>(
        &self,
        procedure: i32,
        args: &A,
    ) -> Result<oxvirt_rpc::client::ClientStream> {
        self.inner
            .client
            .call_stream(REMOTE_PROGRAM, procedure, args)
            .await
            .map_err(|e| Error::from_client(&self.inner.uri, e))
    }

    pub(crate) fn rpc_error(&self, e: oxvirt_rpc::client::ClientError) -> Error {
        Error::from_client(&self.inner.uri, e)
    }

    /// The URI this connection was opened with.
    pub fn uri(&self) -> &str {
        &self.inner.uri
    }

    /// Whether this connection runs the embedded driver itself (rather than sharing a root
    /// another program owns, or talking to a daemon).
    pub fn owns_embedded_driver(&self) -> bool {
        self.inner.owner.locked().is_some()
    }

    /// Resolves when the connection is gone (daemon exited, keepalive timeout).
    pub async fn closed(&self) {
        self.inner.client.closed().await
    }

    /// The hypervisor's version (major × 1 000 000 + minor × 1 000 + micro).
    pub async fn version(&self) -> Result<u64> {
        let r: U64Ret = self.request::<calls::ConnectGetVersion>(&()).await?;
        Ok(r.value)
    }

    /// The host's name.
    pub async fn hostname(&self) -> Result<String> {
        let r: StringRet = self.request::<calls::ConnectGetHostname>(&()).await?;
        Ok(r.value)
    }

    /// The capabilities XML.
    pub async fn capabilities(&self) -> Result<String> {
        let r: StringRet = self.request::<calls::ConnectGetCapabilities>(&()).await?;
        Ok(r.value)
    }

    /// Domains, filtered by [`list_flags`] (0: all, running and defined).
    pub async fn list_domains(&self, flags: u32) -> Result<Vec<Domain>> {
        let r: ConnectListAllDomainsRet = self
            .request::<calls::ConnectListAllDomains>(&ConnectListAllDomainsArgs {
                need_results: 1,
                flags,
            })
            .await?;
        Ok(r.domains.into_iter().map(|d| self.domain(d)).collect())
    }

    pub async fn domain_by_name(&self, name: &str) -> Result<Domain> {
        let r: DomainRet = self
            .request::<calls::DomainLookupByName>(&DomainLookupByNameArgs {
                name: name.to_owned(),
            })
            .await?;
        Ok(self.domain(r.dom))
    }

    /// Look a domain up by its UUID (`"c7a5fdbd-…"`, with or without dashes).
    pub async fn domain_by_uuid(&self, uuid: &str) -> Result<Domain> {
        let uuid = parse_uuid(uuid).ok_or_else(|| {
            Error::Libvirt(oxvirt_proto::VirError::new(
                oxvirt_proto::vir_error::code::INVALID_ARG,
                oxvirt_proto::vir_error::domain::REMOTE,
                format!("'{uuid}' is not a UUID"),
            ))
        })?;
        let r: DomainRet = self
            .request::<calls::DomainLookupByUuid>(&DomainLookupByUuidArgs { uuid })
            .await?;
        Ok(self.domain(r.dom))
    }

    pub async fn domain_by_id(&self, id: i32) -> Result<Domain> {
        let r: DomainRet = self
            .request::<calls::DomainLookupById>(&DomainLookupByIdArgs { id })
            .await?;
        Ok(self.domain(r.dom))
    }

    /// Find a domain as virsh does: by id if `what` is a number, by UUID if it is one, else
    /// by name (and by name again if the id or UUID lookup finds nothing).
    pub async fn lookup(&self, what: &str) -> Result<Domain> {
        if let Ok(id) = what.parse::<i32>() {
            if id >= 0 {
                if let Ok(d) = self.domain_by_id(id).await {
                    return Ok(d);
                }
            }
        }
        if parse_uuid(what).is_some() {
            if let Ok(d) = self.domain_by_uuid(what).await {
                return Ok(d);
            }
        }
        self.domain_by_name(what).await
    }

    /// Define (or redefine) a persistent domain. `flags`: 1 validates against the schema.
    pub async fn define_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        let r: DomainRet = self
            .request::<calls::DomainDefineXmlFlags>(&DomainDefineXmlFlagsArgs {
                xml: xml.to_owned(),
                flags,
            })
            .await?;
        Ok(self.domain(r.dom))
    }

    /// Create and start a transient domain. `flags`: 1 starts it paused.
    pub async fn create_xml(&self, xml: &str, flags: u32) -> Result<Domain> {
        let r: DomainRet = self
            .request::<calls::DomainCreateXml>(&DomainCreateXmlArgs {
                xml_desc: xml.to_owned(),
                flags,
            })
            .await?;
        Ok(self.domain(r.dom))
    }

    /// Statistics of every domain (`virConnectGetAllDomainStats`); `stats` selects groups
    /// (0: all the driver has), `flags` filters domains as [`list_flags`] plus libvirt's
    /// `VIR_CONNECT_GET_ALL_DOMAINS_STATS_*` bits.
    pub async fn all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<DomainStats>> {
        let r: ConnectGetAllDomainStatsRet = self
            .request::<calls::ConnectGetAllDomainStats>(&ConnectGetAllDomainStatsArgs {
                doms: Vec::new(),
                stats,
                flags,
            })
            .await?;
        Ok(r.ret_stats
            .into_iter()
            .map(|rec| DomainStats::new(self.domain(rec.dom), rec.params))
            .collect())
    }

    /// Domain events (lifecycle, reboot, balloon change) as a stream, for every domain or for
    /// one.
    pub async fn domain_events(&self, only: Option<&Domain>) -> Result<DomainEvents> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut ids = Vec::new();
        for event_id in events::EVENT_IDS {
            let r: Result<CallbackIdRet> = self
                .call(
                    rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                    &ConnectDomainEventCallbackRegisterAnyArgs {
                        event_id,
                        dom: only.map(|d| d.handle().clone()),
                    },
                )
                .await;
            match r {
                Ok(r) => {
                    self.inner.subscribers.add(r.callback_id, tx.clone());
                    ids.push(r.callback_id);
                }
                Err(e) => {
                    // undo what was registered
                    DomainEvents::new(self.clone(), ids, rx).close().await;
                    return Err(e);
                }
            }
        }
        Ok(DomainEvents::new(self.clone(), ids, rx))
    }

    /// Close the connection (CONNECT_CLOSE), and, if this connection owns an embedded root,
    /// stop serving it (running VMs keep running under their shims).
    pub async fn close(self) -> Result<()> {
        let r: Result<()> = self.call(rp::CONNECT_CLOSE, &()).await;
        self.inner.client.abort();
        let owner = self.inner.owner.locked().take();
        if let Some(served) = owner {
            // programs sharing the root through its socket get a moment to finish
            served.stop(OWNER_LINGER).await;
        }
        match r {
            Err(Error::Closed { .. }) => Ok(()),
            r => r,
        }
    }

    pub(crate) fn domain(&self, handle: NonnullDomain) -> Domain {
        Domain::new(self.clone(), handle)
    }
}

/// Connect to the first socket that answers.
async fn connect_first(uri: &str, sockets: &[std::path::PathBuf]) -> Result<UnixStream> {
    let mut tried = Vec::new();
    for s in sockets {
        match UnixStream::connect(s).await {
            Ok(stream) => return Ok(stream),
            Err(e) => tried.push(format!("{}: {e}", s.display())),
        }
    }
    Err(Error::Connect {
        uri: uri.to_owned(),
        reason: tried.join("; "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_cross_threads() {
        fn is<T: Send + Sync>() {}
        is::<Connection>();
        is::<Domain>();
        is::<DomainEvents>();
    }
}
