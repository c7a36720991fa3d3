//! The options every daemon takes.

use std::path::PathBuf;
use std::time::Duration;

use oxvirt_rpc::server::ServerConfig;

/// Options common to every oxvirt daemon; a daemon's own `Args` flattens them
/// (`#[command(flatten)] common: CommonArgs`).
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Put every path under DIR (DIR/etc, DIR/run, DIR/lib, DIR/log, DIR/cache) instead of the
    /// system locations. Daemons started with the same DIR find each other's sockets in DIR/run.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Also serve libvirt's socket paths (/run/libvirt/virtqemud-sock, -sock-ro, -admin-sock,
    /// or $XDG_RUNTIME_DIR/libvirt/... for an ordinary user), so stock clients opening
    /// qemu:///system in direct mode find this daemon as they find libvirt's modular daemons.
    #[arg(long)]
    pub libvirt_paths: bool,
    /// Exit after SECS without clients while holding nothing running (0: never), as libvirt's
    /// daemons do with --timeout when started on demand.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub timeout: u64,
    /// Seconds of client silence before a keepalive PING (0: never ping).
    #[arg(long, default_value_t = 5)]
    pub keepalive_interval: u64,
    /// Unanswered PINGs before a client is dropped.
    #[arg(long, default_value_t = 5)]
    pub keepalive_count: u32,
    /// Most clients at once.
    #[arg(long, default_value_t = 5000)]
    pub max_clients: usize,
    /// Most calls in flight per client.
    #[arg(long, default_value_t = 5)]
    pub max_client_requests: usize,
    /// Log filter (tracing's env-filter syntax), e.g. "debug"; OXVIRT_LOG also works.
    #[arg(long)]
    pub log: Option<String>,
}

impl CommonArgs {
    /// The server settings these options give (libvirt's defaults otherwise).
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            max_clients: self.max_clients,
            max_client_requests: self.max_client_requests,
            keepalive_interval: Duration::from_secs(self.keepalive_interval),
            keepalive_count: self.keepalive_count,
            ..ServerConfig::default()
        }
    }

    /// The idle timeout, if any.
    pub fn idle_timeout(&self) -> Option<Duration> {
        (self.timeout > 0).then(|| Duration::from_secs(self.timeout))
    }

    /// Whether the daemon runs privileged: system paths, or a root directory while root.
    pub fn privileged(&self) -> bool {
        self.root.is_none() || crate::is_root()
    }

    /// The daemon's file layout.
    pub fn paths(&self) -> crate::Paths {
        match &self.root {
            Some(r) => crate::Paths::under(r),
            None => crate::Paths::system(),
        }
    }
}
