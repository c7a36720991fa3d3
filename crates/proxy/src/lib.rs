//! `oxvirt-proxyd`'s service: libvirt's legacy sockets (`libvirt-sock`, `libvirt-sock-ro`,
//! `libvirt-admin-sock`), where Debian's clients look by default, in front of oxvirt's driver
//! daemons, as libvirt's virtproxyd stands in front of its modular daemons.
//!
//! For each client, CONNECT_OPEN picks the daemon serving the URI ([`route`]: `qemu:///…` →
//! `oxvirt-qemud`, `network:///…` → `oxvirt-networkd`, …; a NULL URI probed as virtproxyd
//! does), opens a connection there (on its read-only socket, read-only, for a read-only
//! client) and forwards the caller's identity (CONNECT_SET_IDENTITY with the peer's uid, gid
//! and pid) so that the daemon decides what the real user may do. Every later call goes there
//! as it is ([`service`]); streams and events come back the same way. The proxy holds no
//! state: killed, its clients see their connection end and open a new one to the next proxy;
//! the daemons and what they run do not notice.

#![warn(missing_docs, unreachable_pub)]

pub mod conf;
pub mod dn;
mod error;
pub mod route;
pub mod service;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use oxvirt_daemon::{Bound, Paths, RootLock, Sockets};
use oxvirt_rpc::server::{Server, ServerConfig};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use conf::ListenConfig;
pub use error::ProxyError;
pub use route::Routes;
pub use service::ProxyService;

/// The proxy's short name: its lock `run/proxyd.lock`.
pub const SHORT_NAME: &str = "proxyd";
/// The name of its sockets: `run/libvirt-sock`, `-sock-ro`, `libvirt-admin-sock`, libvirt's
/// names for the legacy sockets.
pub const SOCKET_NAME: &str = "libvirt";
/// libvirt's daemon it stands in for (its admin server's name).
pub const LIBVIRT_NAME: &str = "virtproxyd";

/// How to serve the proxy.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The file layout: the sockets go in `paths.run`, and the daemons are found there.
    pub paths: Paths,
    /// Also serve libvirt's legacy paths (`/run/libvirt/libvirt-sock`, …) unless systemd
    /// handed sockets over, and find the daemons at libvirt's paths when oxvirt's are absent.
    pub libvirt_paths: bool,
    /// System mode (root): `///system` URIs, libvirt's system paths.
    pub privileged: bool,
    /// The RPC server's settings and limits.
    pub server: ServerConfig,
    /// Listen on the network too (`--listen`), with these settings (`proxyd.conf`).
    pub listen: Option<ListenConfig>,
}

/// The proxy, serving; stops when dropped.
#[derive(Debug)]
pub struct Proxy {
    service: Arc<ProxyService>,
    server: Arc<Server<ProxyService>>,
    serving: Option<JoinHandle<()>>,
    bound: Bound,
    /// Cancelled to stop the network listeners.
    network: CancellationToken,
    _lock: RootLock,
}

/// Lock the run directory (one proxy per root) and listen on the sockets (and on the network
/// with `listen`).
pub async fn serve(opts: ServeOptions) -> Result<Proxy, ProxyError> {
    std::fs::create_dir_all(&opts.paths.run)
        .map_err(|e| ProxyError::Io(format!("cannot create {}", opts.paths.run.display()), e))?;
    // the network side is checked before anything listens
    let tls = match &opts.listen {
        Some(c) if c.listen_tcp => {
            return Err(ProxyError::Config(format!(
                "listen_tcp needs auth_tcp = \"sasl\" (here \"{}\"), and oxvirt-proxyd has no SASL yet: use TLS",
                c.auth_tcp
            )))
        }
        Some(c) if c.listen_tls => {
            if c.auth_tls != "none" {
                return Err(ProxyError::Config(format!(
                    "auth_tls = \"{}\" is not supported (only \"none\": the certificate is the authentication)",
                    c.auth_tls
                )));
            }
            Some((tls::Tls::new(c)?, tls::bind(c).await?))
        }
        _ => None,
    };
    let root = opts
        .paths
        .run
        .parent()
        .unwrap_or(&opts.paths.run)
        .to_owned();
    let lock = RootLock::acquire(&opts.paths.lock_file(SHORT_NAME), &root)?;
    let routes = Routes::new(&opts.paths.run, opts.libvirt_paths, opts.privileged);
    let service = ProxyService::new(routes, LIBVIRT_NAME);
    let libvirt = opts
        .libvirt_paths
        .then(|| Sockets::libvirt(SOCKET_NAME, opts.privileged));
    // with access rules, the daemons decide per caller: the read-write sockets open to all
    let open_rw = opts.paths.etc.join("access.conf").exists();
    let mut bound = Bound::daemon(&opts.paths.sockets(SOCKET_NAME), libvirt.as_ref(), open_rw)?;
    let server = Server::new(service.clone(), opts.server);
    let listeners = std::mem::take(&mut bound.listeners);
    let serving = tokio::spawn(server.clone().serve(listeners));
    let network = CancellationToken::new();
    if let Some((tls, listener)) = tls {
        tokio::spawn(tls.serve(listener, server.clone(), network.clone()));
    }
    Ok(Proxy {
        service,
        server,
        serving: Some(serving),
        bound,
        network,
        _lock: lock,
    })
}

impl Proxy {
    /// No client is connected: a proxy with an idle timeout may exit.
    pub fn is_idle(&self) -> bool {
        self.service.client_count() == 0
    }

    /// Stop listening (the sockets go at once), let the calls in flight be answered (for at
    /// most `max_wait`), then close every connection.
    pub async fn drain(mut self, max_wait: Duration) {
        self.network.cancel();
        self.server.drain();
        self.bound.remove_files();
        if let Some(mut s) = self.serving.take() {
            if tokio::time::timeout(max_wait, &mut s).await.is_err() {
                self.server.shutdown();
                let _ = s.await;
            }
        }
        self.server.shutdown();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.network.cancel();
        self.server.shutdown();
        self.bound.remove_files();
    }
}
