//! The secret driver as a served daemon (`oxvirt-secretd`): the runtime's
//! [`oxvirt_daemon::Served`] over a [`SecretDriver`], on `run/secretd-sock` (and libvirt's
//! `virtsecretd-sock` paths when asked).

use oxvirt_daemon::{DaemonError, Paths, Served};
use oxvirt_rpc::server::ServerConfig;

use crate::SecretDriver;

/// The daemon's short name: `run/secretd-sock`, `run/secretd.lock`.
pub const SHORT_NAME: &str = "secretd";
/// libvirt's daemon for the same driver: `/run/libvirt/virtsecretd-sock`.
pub const LIBVIRT_NAME: &str = "virtsecretd";

/// How to serve the secret driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The daemon's file layout.
    pub paths: Paths,
    /// System mode (root).
    pub privileged: bool,
    /// The RPC server's settings and limits.
    pub server: ServerConfig,
    /// Also listen on libvirt's `virtsecretd` socket paths.
    pub libvirt_paths: bool,
}

/// Lock the root, load the secrets (and the host key), listen on the sockets.
pub async fn serve(opts: ServeOptions) -> Result<Served<SecretDriver>, DaemonError> {
    let (paths, privileged) = (opts.paths.clone(), opts.privileged);
    Served::try_start(
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
            SecretDriver::new(&paths, privileged).map_err(|e| DaemonError::Driver(e.to_string()))
        },
    )
    .await
}
