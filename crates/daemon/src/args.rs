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
    /// Most clients at once on the read-write sockets.
    #[arg(long, default_value_t = 5000)]
    pub max_clients: usize,
    /// Most clients at once on the read-only sockets.
    #[arg(long, default_value_t = 5000)]
    pub max_ro_clients: usize,
    /// Most clients at once on the admin socket.
    #[arg(long, default_value_t = 5000)]
    pub max_admin_clients: usize,
    /// Most connections a user other than root (and the daemon's own) may hold at once.
    #[arg(long, default_value_t = 100)]
    pub max_clients_per_uid: usize,
    /// Seconds a read-only (or another user's) connection has to open.
    #[arg(long, default_value_t = 30)]
    pub handshake_timeout: u64,
    /// Seconds a read-only (or another user's) connection has to finish a message it started.
    #[arg(long, default_value_t = 30)]
    pub message_timeout: u64,
    /// Seconds of silence after which a read-only connection without keepalive is dropped
    /// (0: never).
    #[arg(long, default_value_t = 0)]
    pub client_idle_timeout: u64,
    /// Most event callbacks one connection may register.
    #[arg(long, default_value_t = 1024)]
    pub max_event_callbacks: usize,
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
            max_ro_clients: self.max_ro_clients,
            max_admin_clients: self.max_admin_clients,
            max_clients_per_uid: self.max_clients_per_uid,
            handshake_timeout: Duration::from_secs(self.handshake_timeout),
            message_timeout: Duration::from_secs(self.message_timeout),
            idle_timeout: Duration::from_secs(self.client_idle_timeout),
            max_event_callbacks: self.max_event_callbacks,
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

    /// The options a driver's `serve` takes: paths, privileges, server settings,
    /// `--libvirt-paths`.
    pub fn daemon_options(&self) -> crate::DaemonOptions {
        crate::DaemonOptions {
            paths: self.paths(),
            privileged: self.privileged(),
            server: self.server_config(),
            libvirt_paths: self.libvirt_paths,
        }
    }

    /// The daemon's file layout.
    pub fn paths(&self) -> crate::Paths {
        match &self.root {
            Some(r) => crate::Paths::under(r),
            None => crate::Paths::system(),
        }
    }
}
