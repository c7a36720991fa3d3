//! The interface driver as a served daemon (`oxvirt-interfaced`): the runtime's
//! [`oxvirt_daemon::Served`] over an [`InterfaceDriver`], on `run/interfaced-sock` (and
//! libvirt's `virtinterfaced-sock` paths when asked).

use oxvirt_daemon::{DaemonError, Paths, Served};
use oxvirt_rpc::server::ServerConfig;

use crate::host::Sysfs;
use crate::InterfaceDriver;

/// The daemon's short name: `run/interfaced-sock`, `run/interfaced.lock`.
pub const SHORT_NAME: &str = "interfaced";
/// libvirt's daemon for the same driver: `/run/libvirt/virtinterfaced-sock`.
pub const LIBVIRT_NAME: &str = "virtinterfaced";

/// How to serve the interface driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The daemon's file layout.
    pub paths: Paths,
    /// System mode (root).
    pub privileged: bool,
    /// The RPC server's settings and limits.
    pub server: ServerConfig,
    /// Also listen on libvirt's `virtinterfaced` socket paths.
    pub libvirt_paths: bool,
}

/// Lock the root and listen on the sockets.
pub async fn serve(opts: ServeOptions) -> Result<Served<InterfaceDriver>, DaemonError> {
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
        || async move { InterfaceDriver::new(Sysfs::host(), privileged) },
    )
    .await
}
