//! What every driver daemon's `main` does around its own wiring: the runtime and logging
//! ([`crate::run`]), the driver served on its sockets, the wait for a stop (signals, the idle
//! timeout) and the shutdown, so that a daemon whose driver needs only the common options has
//! a `main` of a few lines ([`main`]).

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use oxvirt_remote::Driver;
use tracing::info;

use crate::{CommonArgs, DaemonError, Paths, ServeOptions, Served, StopReason};

/// The options every driver's `serve` takes, from the common options ([`CommonArgs::daemon_options`]).
#[derive(Debug, Clone)]
pub struct DaemonOptions {
    /// The daemon's file layout.
    pub paths: Paths,
    /// System mode (root).
    pub privileged: bool,
    /// The RPC server's settings and limits.
    pub server: oxvirt_rpc::server::ServerConfig,
    /// Also listen on libvirt's socket paths of the daemon.
    pub libvirt_paths: bool,
}

impl DaemonOptions {
    /// How to serve the driver daemon `short_name` (`run/NAME-sock`) standing in for libvirt's
    /// `libvirt_name` (`/run/libvirt/NAME-sock` with `--libvirt-paths`; also the server's name
    /// for admin clients).
    pub fn serve_options(
        self,
        short_name: &'static str,
        libvirt_name: &'static str,
    ) -> ServeOptions {
        ServeOptions {
            paths: self.paths,
            short_name,
            libvirt_name,
            libvirt_paths: self.libvirt_paths,
            privileged: self.privileged,
            server: self.server,
            server_name: libvirt_name,
        }
    }
}

/// Wait until the daemon is to stop: say that `program` is ready on its read-write socket,
/// wait for SIGTERM/SIGINT or `idle_timeout` without clients and running resources
/// ([`crate::until_stopped`]), and log why it stops. The caller then shuts down
/// ([`Served::stop`] or [`Served::drain`]).
pub async fn wait_until_stopped<D: Driver>(
    program: &str,
    served: &Served<D>,
    idle_timeout: Option<Duration>,
) -> StopReason {
    info!(socket = %served.socket().display(), "{program} ready");
    let why = crate::until_stopped(|| served.is_idle(), idle_timeout, || {}).await;
    info!(?why, "shutting down");
    why
}

/// The whole `main` of a driver daemon that takes only the common options: logging and the
/// runtime ([`crate::run`]), the driver served by `serve` (given the common options), then
/// [`wait_until_stopped`], and its connections closed at the stop.
pub fn main<D, F, Fut>(program: &'static str, common: CommonArgs, serve: F) -> ExitCode
where
    D: Driver,
    F: FnOnce(DaemonOptions) -> Fut,
    Fut: Future<Output = Result<Served<D>, DaemonError>>,
{
    let log = common.log.clone();
    crate::run(log.as_deref(), async move {
        let served = serve(common.daemon_options()).await?;
        wait_until_stopped(program, &served, common.idle_timeout()).await;
        served.stop(Duration::ZERO).await;
        Ok::<(), DaemonError>(())
    })
}
