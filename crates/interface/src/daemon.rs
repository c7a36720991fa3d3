//! The interface driver as a served daemon (`oxvirt-interfaced`): the runtime's
//! [`oxvirt_daemon::Served`] over an [`InterfaceDriver`], on `run/interfaced-sock` (and
//! libvirt's `virtinterfaced-sock` paths when asked).

use oxvirt_daemon::{DaemonError, Served};

use crate::host::Sysfs;
use crate::InterfaceDriver;

/// The daemon's short name: `run/interfaced-sock`, `run/interfaced.lock`.
pub const SHORT_NAME: &str = "interfaced";
/// libvirt's daemon for the same driver: `/run/libvirt/virtinterfaced-sock`.
pub const LIBVIRT_NAME: &str = "virtinterfaced";

/// How to serve the interface driver: the options every driver daemon takes.
pub type ServeOptions = oxvirt_daemon::DaemonOptions;

/// Lock the root and listen on the sockets.
pub async fn serve(opts: ServeOptions) -> Result<Served<InterfaceDriver>, DaemonError> {
    let privileged = opts.privileged;
    Served::start(
        opts.serve_options(SHORT_NAME, LIBVIRT_NAME),
        || async move { InterfaceDriver::new(Sysfs::host(), privileged) },
    )
    .await
}
