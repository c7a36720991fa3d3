//! The network driver as a served daemon (`oxvirt-networkd`): the runtime's
//! [`oxvirt_daemon::Served`] over a [`NetworkDriver`], on `run/networkd-sock` (and libvirt's
//! `virtnetworkd-sock` paths when asked).

use oxvirt_daemon::{DaemonError, Paths, Served};
use oxvirt_rpc::server::ServerConfig;

use crate::host::HostNetwork;
use crate::plumbing::Plumbing;
use crate::registry::Registry;
use crate::NetworkDriver;

/// The daemon's short name: `run/networkd-sock`, `run/networkd.lock`.
pub const SHORT_NAME: &str = "networkd";
/// libvirt's daemon for the same driver: `/run/libvirt/virtnetworkd-sock`.
pub const LIBVIRT_NAME: &str = "virtnetworkd";

/// How to serve the network driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub paths: Paths,
    pub privileged: bool,
    pub server: ServerConfig,
    /// Also listen on libvirt's `virtnetworkd` socket paths.
    pub libvirt_paths: bool,
    /// What a start sets up on the host.
    pub host: HostNetwork,
}

/// Lock the root, set the driver up (finding the active networks), listen on its sockets.
pub async fn serve(opts: ServeOptions) -> Result<Served<NetworkDriver>, DaemonError> {
    // a root with no network configuration yet gets libvirt's default network
    let first_start = !opts.paths.etc.join("network").exists();
    // the directories now; what they hold is read once the root is ours
    let mut registry =
        Registry::new(&opts.paths.etc, &opts.paths.run).map_err(|e| DaemonError::Io {
            what: e.to_string(),
            source: std::io::Error::other("cannot set the network driver up"),
        })?;
    let plumbing = Plumbing::new(opts.host, &opts.paths.run, &opts.paths.lib).map_err(|e| {
        DaemonError::Io {
            what: e.to_string(),
            source: std::io::Error::other("cannot set the network driver up"),
        }
    })?;
    let privileged = opts.privileged;
    Served::start(
        oxvirt_daemon::ServeOptions {
            paths: opts.paths,
            short_name: SHORT_NAME,
            libvirt_name: LIBVIRT_NAME,
            libvirt_paths: opts.libvirt_paths,
            privileged: opts.privileged,
            server: opts.server,
            server_name: LIBVIRT_NAME,
        },
        || async move {
            registry.load();
            let driver = NetworkDriver::with_registry(registry, privileged, plumbing);
            if first_start {
                if let Err(e) = crate::default_net::define_default(&driver) {
                    tracing::warn!(error = %e, "cannot define the default network");
                }
            }
            driver
        },
    )
    .await
}
