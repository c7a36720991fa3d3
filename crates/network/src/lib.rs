//! The network driver: virtual networks defined, listed, started and stopped as libvirt 9.0's
//! network driver does, with its errors, events and crash-only state on disk. `oxvirt-networkd`
//! serves it ([`daemon`]).
//!
//! A start sets up the host ([`plumbing`]): the bridge, the sysctls, the nftables rules and a
//! dnsmasq per network, whose leases the lease helper keeps ([`leases`]).

pub mod access;
pub mod calls;
pub mod daemon;
pub mod default_net;
pub mod dhcp_calls;
pub mod dnsmasq;
pub mod events;
pub mod host;
pub mod leases;
pub mod netsys;
pub mod nft;
pub mod plumbing;
pub mod ports;
pub mod ports_wire;
pub mod procs;
pub mod qos;
pub mod registry;
pub mod routes;
mod sys;
pub mod tap;
pub mod update;
pub mod wire;

use oxvirt_sync::RwLockExt;
use std::sync::{Arc, Mutex, RwLock};

use oxvirt_conf::network::NetError;
use oxvirt_daemon::Paths;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver};
use oxvirt_rpc::server::Client;

use crate::access::PortAccess;
use crate::events::NetworkEvents;
use crate::host::HostNetwork;
use crate::plumbing::Plumbing;
use crate::ports::PortTable;
use crate::registry::Registry;

/// `VIR_ERR_NO_NETWORK`.
const NO_NETWORK: i32 = 43;
/// `VIR_FROM_NETWORK`.
const FROM_NETWORK: i32 = 19;

/// What the network driver reports, in libvirt's terms at the RPC boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// The document was refused.
    #[error(transparent)]
    Conf(#[from] NetError),
    /// `VIR_ERR_NO_NETWORK`: the detail after "Network not found: ".
    #[error("Network not found: {0}")]
    NoNetwork(String),
    /// `VIR_ERR_OPERATION_INVALID` from the network driver.
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// `VIR_ERR_OPERATION_FAILED` from the network driver.
    #[error("operation failed: {0}")]
    OperationFailed(String),
    /// `VIR_ERR_OPERATION_UNSUPPORTED` from the network code.
    #[error("Operation not supported: {0}")]
    OperationUnsupported(String),
    /// `VIR_ERR_INTERNAL_ERROR` from the network driver.
    #[error("internal error: {0}")]
    Internal(String),
    /// `VIR_ERR_INVALID_ARG`: unsupported flags and the like.
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// A file of the driver's state could not be written or removed.
    #[error("{0}")]
    Io(String),
    /// `VIR_ERR_NO_NETWORK_PORT`.
    #[error("network port not found: {0}")]
    NoNetworkPort(String),
    /// `VIR_ERR_NETWORK_PORT_EXIST`.
    #[error("network port {0} exists already")]
    PortExists(String),
    /// `VIR_ERR_INVALID_ARG` as `virCheckFlags` reports it (the whole message).
    #[error("{0}")]
    UnsupportedFlags(String),
    /// `VIR_ERR_SYSTEM_ERROR` from a system call (the whole message).
    #[error("{0}")]
    System(String),
    /// `VIR_ERR_ACCESS_DENIED`.
    #[error("access denied: {0}")]
    AccessDenied(String),
}

impl ToVirError for NetworkError {
    fn to_vir_error(&self) -> VirError {
        match self {
            NetworkError::Conf(e) => e.to_vir_error(),
            NetworkError::NoNetwork(m) => VirError::new(NO_NETWORK, FROM_NETWORK, m.clone()),
            NetworkError::OperationInvalid(m) => {
                VirError::new(code::OPERATION_INVALID, FROM_NETWORK, m.clone())
            }
            NetworkError::OperationFailed(m) => {
                VirError::new(code::OPERATION_FAILED, FROM_NETWORK, m.clone())
            }
            NetworkError::Internal(m) => {
                VirError::new(code::INTERNAL_ERROR, FROM_NETWORK, m.clone())
            }
            NetworkError::OperationUnsupported(m) => {
                VirError::new(code::OPERATION_UNSUPPORTED, FROM_NETWORK, m.clone())
            }
            NetworkError::InvalidArg(m) => {
                VirError::new(code::INVALID_ARG, FROM_NETWORK, m.clone())
            }
            NetworkError::Io(m) | NetworkError::System(m) => {
                VirError::plain(code::SYSTEM_ERROR, FROM_NETWORK, m.clone())
            }
            NetworkError::NoNetworkPort(m) => {
                VirError::new(code::NO_NETWORK_PORT, FROM_NETWORK, m.clone())
            }
            NetworkError::PortExists(m) => {
                VirError::new(code::NETWORK_PORT_EXIST, FROM_NETWORK, m.clone())
            }
            NetworkError::UnsupportedFlags(m) => {
                VirError::plain(code::INVALID_ARG, FROM_NETWORK, m.clone())
            }
            NetworkError::AccessDenied(m) => {
                VirError::new(code::ACCESS_DENIED, domain::ACCESS, m.clone())
            }
        }
    }
}

/// The network driver.
#[derive(Debug)]
pub struct NetworkDriver {
    pub(crate) registry: RwLock<Registry>,
    pub(crate) net_events: NetworkEvents,
    /// Domain event registrations (the envelope's; a network daemon has no domain events).
    events: EventHub,
    privileged: bool,
    /// What a start sets up on the host.
    pub(crate) host: HostNetwork,
    /// The bridge, firewall and dnsmasq of started networks.
    pub(crate) plumbing: Plumbing,
    /// The active networks' ports ([`ports`]); taken after `registry` when both are.
    pub(crate) ports: Mutex<PortTable>,
    /// Who may create ports ([`tap`]).
    port_access: RwLock<PortAccess>,
}

impl NetworkDriver {
    /// Set the driver up on `paths`, finding the networks a previous daemon left active.
    pub fn new(
        paths: &Paths,
        privileged: bool,
        host: HostNetwork,
    ) -> Result<Arc<Self>, NetworkError> {
        let mut registry = Registry::new(&paths.etc, &paths.run)?;
        registry.load();
        let plumbing = Plumbing::new(host, &paths.run, &paths.lib)?;
        Ok(Self::with_registry(registry, privileged, plumbing))
    }

    /// The driver over a registry already loaded.
    pub fn with_registry(
        mut registry: Registry,
        privileged: bool,
        plumbing: Plumbing,
    ) -> Arc<Self> {
        let mut ports = PortTable::new(registry.status_dir());
        ports.load(&mut registry);
        let d = NetworkDriver {
            ports: Mutex::new(ports),
            port_access: RwLock::new(PortAccess::default()),
            registry: RwLock::new(registry),
            net_events: NetworkEvents::default(),
            events: EventHub::new(),
            privileged,
            host: plumbing.mode,
            plumbing,
        };
        d.reconcile();
        Arc::new(d)
    }

    /// After a restart: set up again what an active network needs and is missing (a bridge
    /// removed behind the daemon's back, or a crash between two steps of a start).
    fn reconcile(&self) {
        let reg = self.registry.read_locked();
        for o in reg.all().filter(|o| o.active) {
            if let Err(e) = self.plumbing.reconcile(&o.def) {
                tracing::warn!(network = %o.def.name, error = %e, "cannot restore the network on the host");
            }
        }
    }

    /// Watch the dnsmasq of every running network (once a second, on a thread of its own that
    /// ends with the driver): one that died is started again, with the leases it had. The same
    /// round reaps the ports whose TAP devices are gone ([`ports::reap_all`]): their owner died
    /// (a QEMU, or a hypervisor daemon SIGKILLed between the port's creation and handing its
    /// TAP on), so nothing waits for the next call on that network.
    pub fn watch_dnsmasq(self: &Arc<Self>) {
        if self.host == HostNetwork::Off {
            return;
        }
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("dnsmasq-watch".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                let Some(d) = weak.upgrade() else {
                    return;
                };
                let dead: Vec<oxvirt_conf::network::Network> = d
                    .registry
                    .read_locked()
                    .all()
                    .filter(|o| o.active && d.plumbing.dnsmasq_died(&o.def))
                    .map(|o| o.def.clone())
                    .collect();
                for def in dead {
                    tracing::warn!(network = %def.name, "dnsmasq is gone, starting it again");
                    if let Err(e) = d.plumbing.start_dnsmasq(&def) {
                        tracing::warn!(network = %def.name, error = %e, "cannot restart dnsmasq");
                    }
                }
                ports::reap_all(&d);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot watch dnsmasq");
        }
    }

    /// Set who may create ports (root always may).
    pub fn set_port_access(&self, access: PortAccess) {
        *self.port_access.write_locked() = access;
    }

    /// What a client other than root and the daemon's own user may do: read (what a read-only
    /// connection may), and use ports when the port setting allows it (its socket is open to
    /// others only when that setting names someone).
    fn check_stranger(&self, ctx: &CallCtx) -> Result<(), VirError> {
        let peer = &ctx.client.peer;
        if peer.uid == 0 || peer.uid == rustix::process::geteuid().as_raw() {
            return Ok(());
        }
        let p = ctx.procedure();
        if p == rp::NETWORK_PORT_DELETE || p == rp::NETWORK_PORT_SET_PARAMETERS {
            return self
                .check_port_access(&ctx.client, None)
                .map_err(|e| e.to_vir_error());
        }
        // CREATE_XML is checked with its network's name
        if routes::is_port_call(p)
            || oxvirt_proto::procedures::read_only_denial(ctx.program(), p, Some(0)).is_none()
        {
            return Ok(());
        }
        Err(NetworkError::AccessDenied(format!(
            "user {} may only read networks and use ports",
            peer.uid
        ))
        .to_vir_error())
    }

    /// Refuse a client that may not create ports on network `net`.
    pub(crate) fn check_port_access(
        &self,
        client: &Client,
        net: Option<&str>,
    ) -> Result<(), NetworkError> {
        if self.port_access.read_locked().allows(&client.peer, net) {
            return Ok(());
        }
        let on = net
            .map(|n| format!(" on network '{n}'"))
            .unwrap_or_default();
        Err(NetworkError::AccessDenied(format!(
            "user {} may not use network ports{on}",
            client.peer.uid
        )))
    }

    /// Whether the port setting names anyone besides root (the socket is then open to all).
    pub fn ports_open_to_others(&self) -> bool {
        self.port_access.read_locked().names_anyone()
    }

    /// The URI a connection opened without a name gets.
    pub fn default_uri(&self) -> &'static str {
        if self.privileged {
            "network:///system"
        } else {
            "network:///session"
        }
    }

    /// Start the persistent networks marked autostart that are not active.
    pub fn autostart_all(&self) {
        let names: Vec<String> = self
            .registry
            .read_locked()
            .all()
            .filter(|o| o.autostart && o.persistent && !o.active)
            .map(|o| o.def.name.clone())
            .collect();
        for n in names {
            if let Err(e) = calls::start_by_name(self, &n) {
                tracing::warn!(network = %n, error = %e, "autostart failed");
            }
        }
    }

    /// Number of active networks.
    pub fn active_count(&self) -> usize {
        self.registry
            .read_locked()
            .all()
            .filter(|o| o.active)
            .count()
    }
}

impl Driver for NetworkDriver {
    fn open(&self, name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        let name = match name {
            None | Some("") => return Ok(self.default_uri().to_owned()),
            Some(n) => n,
        };
        let (scheme, rest) = name.split_once(':').unwrap_or((name, ""));
        let path = rest
            .strip_prefix("//")
            .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(""))
            .unwrap_or(rest);
        let path = path.split_once('?').map(|(p, _)| p).unwrap_or(path);
        // the network driver's own URIs, and the hypervisor URIs a client of libvirtd sends
        // when it uses networks through them
        let scheme = scheme.to_ascii_lowercase();
        if matches!(scheme.as_str(), "network" | "qemu") && matches!(path, "system" | "session") {
            return Ok(format!("{scheme}:///{path}"));
        }
        Err(VirError::new(
            code::NO_CONNECT,
            domain::NONE,
            name.to_owned(),
        ))
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    /// libvirt's network driver takes `NETWORK_UPDATE`'s command and section in their order
    /// (a client of a server that does not say so sends them swapped).
    fn supports_feature(&self, feature: i32) -> bool {
        feature == oxvirt_proto::remote::feature::NETWORK_UPDATE_HAS_CORRECT_ORDER
    }

    fn holds_running_resources(&self) -> bool {
        self.active_count() > 0
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        self.check_stranger(&ctx)?;
        routes::ROUTES.dispatch(self, ctx).await
    }

    /// A port creation may answer the TAP device it made ([`tap`]).
    async fn call_with_fds(
        self: Arc<Self>,
        ctx: CallCtx,
    ) -> Result<(Vec<u8>, Vec<std::os::fd::OwnedFd>), VirError> {
        self.check_stranger(&ctx)?;
        routes::ROUTES.dispatch_with_fds(self, ctx).await
    }
}
