//! A driver served on its sockets: the one code path of every driver daemon and of embedded
//! mode.
//!
//! 1. take the root's lock ([`RootLock`]): one process at a time owns a daemon's state, its
//!    running resources and its sockets on a root;
//! 2. set the driver up (the caller's closure: it recovers what a previous owner left running);
//! 3. serve the REMOTE program on the socket trio — the daemon's own paths (`run/qemud-sock`,
//!    0600; `-sock-ro`, 0666, read-only; `-admin-sock`, 0600), plus libvirt's paths or the
//!    sockets systemd's activation handed over — and to in-process clients over a socket pair
//!    ([`Served::connect_in_process`]).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use oxvirt_access::Rules;
use oxvirt_remote::access::AccessControl;
use oxvirt_remote::{Driver, RemoteService};
use oxvirt_rpc::server::{Server, ServerConfig};
use tokio::net::UnixStream;
use tokio::task::JoinHandle;

use crate::listeners::Bound;
use crate::{DaemonError, Paths, RootLock, Sockets};

/// How to serve a driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The daemon's file layout.
    pub paths: Paths,
    /// The daemon's short name: its sockets are `run/NAME-sock...`, its lock `run/NAME.lock`.
    pub short_name: &'static str,
    /// The name of libvirt's daemon it stands in for (`virtqemud`), for `--libvirt-paths`.
    pub libvirt_name: &'static str,
    /// Also listen on libvirt's socket paths (unless systemd handed sockets over).
    pub libvirt_paths: bool,
    /// Privileged (system) paths for libvirt's sockets, else the user's runtime directory.
    pub privileged: bool,
    /// The RPC server's settings and limits.
    pub server: ServerConfig,
    /// The server name reported to admin clients.
    pub server_name: &'static str,
}

/// The access rules of a daemon's configuration directory (`access.conf`): none when the
/// file does not exist; a file that does not parse stops the start.
fn load_access(paths: &Paths) -> Result<Option<Arc<AccessControl>>, DaemonError> {
    let path = paths.etc.join("access.conf");
    let rules = Rules::load(&path).map_err(|e| DaemonError::Driver(e.to_string()))?;
    Ok(rules.map(|r| {
        tracing::info!(path = %path.display(), rules = r.rules.len(), "access control on");
        AccessControl::new(r, rustix::process::geteuid().as_raw())
    }))
}

/// A driver being served on its root's sockets; stops serving when dropped.
#[derive(Debug)]
pub struct Served<D: Driver> {
    /// The driver being served.
    pub driver: Arc<D>,
    service: Arc<RemoteService<D>>,
    server: Arc<Server<RemoteService<D>>>,
    serving: Option<JoinHandle<()>>,
    /// Socket files this process bound (and so removes).
    bound: Vec<PathBuf>,
    /// The daemon's own read-write socket (`run/NAME-sock`).
    socket: PathBuf,
    _lock: RootLock,
}

impl<D: Driver> Served<D> {
    /// Lock the root, set up the driver with `make_driver`, and listen on its sockets.
    pub async fn start<F, Fut>(opts: ServeOptions, make_driver: F) -> Result<Self, DaemonError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Arc<D>>,
    {
        Self::try_start(opts, || async move { Ok(make_driver().await) }).await
    }

    /// [`Served::start`] for a driver whose setup can fail (a key or a directory it cannot
    /// read): the error ends the start, with the root unlocked again.
    pub async fn try_start<F, Fut>(opts: ServeOptions, make_driver: F) -> Result<Self, DaemonError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<D>, DaemonError>>,
    {
        opts.paths
            .create_all()
            .map_err(DaemonError::io("cannot create the state directories"))?;
        let root = opts
            .paths
            .run
            .parent()
            .unwrap_or(&opts.paths.run)
            .to_owned();
        let lock = RootLock::acquire(&opts.paths.lock_file(opts.short_name), &root)?;
        let access = load_access(&opts.paths)?;
        let open_rw = access.is_some();
        let driver = make_driver().await?;
        let service = RemoteService::with_access(driver.clone(), opts.server_name, access);

        let libvirt = opts
            .libvirt_paths
            .then(|| Sockets::libvirt(opts.libvirt_name, opts.privileged));
        let own = opts.paths.sockets(opts.short_name);
        let Bound {
            listeners,
            paths: bound,
            ..
        } = Bound::daemon(&own, libvirt.as_ref(), open_rw)?;
        let server = Server::new(service.clone(), opts.server);
        let serving = tokio::spawn(server.clone().serve(listeners));
        Ok(Served {
            driver,
            service,
            server,
            serving: Some(serving),
            bound,
            socket: own.rw,
            _lock: lock,
        })
    }

    /// The daemon's own read-write socket (`run/NAME-sock`).
    pub fn socket(&self) -> &std::path::Path {
        &self.socket
    }

    /// A connection to this driver for a client in the same process: one end of a socket
    /// pair, served like a connection on the read-write socket.
    pub fn connect_in_process(&self) -> Result<UnixStream, DaemonError> {
        let (ours, theirs) =
            UnixStream::pair().map_err(DaemonError::io("cannot create a socket pair"))?;
        tokio::spawn(self.server.clone().serve_stream(theirs, "rw", false));
        Ok(ours)
    }

    /// No client is connected and the driver holds nothing running: a daemon with an idle
    /// timeout may exit.
    pub fn is_idle(&self) -> bool {
        self.service.client_count() == 0 && !self.driver.holds_running_resources()
    }

    /// Stop listening (the sockets go at once), give the open connections up to `linger` to
    /// finish what they do and close, then drop those left and wait until they are gone. What
    /// the driver runs keeps running (VMs have their shims); the next owner takes it over.
    pub async fn stop(mut self, linger: Duration) {
        self.server.stop_accepting();
        self.remove_sockets();
        if let Some(mut s) = self.serving.take() {
            if tokio::time::timeout(linger, &mut s).await.is_err() {
                self.server.shutdown();
                let _ = s.await;
            }
        }
        self.server.shutdown();
    }

    /// What SIGTERM does: stop listening (the sockets go at once), stop reading new calls,
    /// let the calls in flight finish and their replies go out (for at most `max_wait`), then
    /// close every connection. What the driver runs keeps running.
    pub async fn drain(mut self, max_wait: Duration) {
        self.server.drain();
        self.remove_sockets();
        if let Some(mut s) = self.serving.take() {
            if tokio::time::timeout(max_wait, &mut s).await.is_err() {
                tracing::warn!("calls still running after {max_wait:?}: closing their connections");
                self.server.shutdown();
                let _ = s.await;
            }
        }
        self.server.shutdown();
    }

    fn remove_sockets(&mut self) {
        for s in self.bound.drain(..) {
            let _ = std::fs::remove_file(s);
        }
    }
}

impl<D: Driver> Drop for Served<D> {
    fn drop(&mut self) {
        self.server.shutdown();
        // the sockets go before the lock does, so a new owner never finds ours
        self.remove_sockets();
    }
}
