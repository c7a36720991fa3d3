//! The QEMU driver as a served daemon: what `oxvirt-qemud` runs, and what embedded mode
//! (`qemu:///embed?root=DIR`) runs inside an application — one code path for both, the
//! runtime's [`oxvirt_daemon::Served`] over a [`QemuDriver`]:
//!
//! 1. take the root's lock (`run/qemud.lock`): one process at a time owns a root's state, its
//!    VMs and its sockets;
//! 2. set the driver up, which finds and reattaches the VMs left running ([`QemuDriver::new`]);
//! 3. serve the REMOTE program on `run/qemud-sock` (0600), `run/qemud-sock-ro` (0666,
//!    read-only) and `run/qemud-admin-sock` (and libvirt's `virtqemud-sock` paths when asked),
//!    and to in-process clients over a socket pair.
//!
//! A second process that finds the lock taken gets [`QemuError::RootInUse`] with the owner's
//! pid; it can then use the owner's socket like any client (what embedded mode does).

use oxvirt_daemon::{DaemonError, Paths, Served};
use oxvirt_rpc::server::ServerConfig;

use crate::{DriverOptions, QemuDriver, QemuError};

/// The daemon's short name: `run/qemud-sock`, `run/qemud.lock`.
pub const SHORT_NAME: &str = "qemud";
/// libvirt's daemon for the same driver: `/run/libvirt/virtqemud-sock`.
pub const LIBVIRT_NAME: &str = "virtqemud";

/// The QEMU driver, served.
pub type ServedDriver = Served<QemuDriver>;

/// How to serve the QEMU driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub paths: Paths,
    pub privileged: bool,
    pub driver: DriverOptions,
    pub server: ServerConfig,
    /// The server name reported to admin clients.
    pub server_name: &'static str,
    /// Also listen on libvirt's `virtqemud` socket paths.
    pub libvirt_paths: bool,
}

/// Lock the root, set up the driver (recovering running VMs), and listen on its sockets.
pub async fn serve(opts: ServeOptions) -> Result<ServedDriver, QemuError> {
    let driver_opts = opts.driver.clone();
    let (paths, privileged) = (opts.paths.clone(), opts.privileged);
    Served::start(
        oxvirt_daemon::ServeOptions {
            paths: opts.paths,
            short_name: SHORT_NAME,
            libvirt_name: LIBVIRT_NAME,
            libvirt_paths: opts.libvirt_paths,
            privileged: opts.privileged,
            server: opts.server,
            server_name: opts.server_name,
        },
        || QemuDriver::with_options(paths, privileged, driver_opts),
    )
    .await
    .map_err(|e| match e {
        DaemonError::RootInUse { root, pid } => QemuError::RootInUse { root, pid },
        DaemonError::Io { what, source } => QemuError::Io { what, source },
        other => QemuError::Internal(other.to_string()),
    })
}
