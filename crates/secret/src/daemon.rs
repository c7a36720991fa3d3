//! The secret driver as a served daemon (`oxvirt-secretd`): the runtime's
//! [`oxvirt_daemon::Served`] over a [`SecretDriver`], on `run/secretd-sock` (and libvirt's
//! `virtsecretd-sock` paths when asked).

use oxvirt_daemon::{DaemonError, Served};

use crate::SecretDriver;

/// The daemon's short name: `run/secretd-sock`, `run/secretd.lock`.
pub const SHORT_NAME: &str = "secretd";
/// libvirt's daemon for the same driver: `/run/libvirt/virtsecretd-sock`.
pub const LIBVIRT_NAME: &str = "virtsecretd";

/// How to serve the secret driver: the options every driver daemon takes.
pub type ServeOptions = oxvirt_daemon::DaemonOptions;

/// Lock the root, load the secrets (and the host key), listen on the sockets.
pub async fn serve(opts: ServeOptions) -> Result<Served<SecretDriver>, DaemonError> {
    let (paths, privileged) = (opts.paths.clone(), opts.privileged);
    Served::try_start(
        opts.serve_options(SHORT_NAME, LIBVIRT_NAME),
        || async move {
            SecretDriver::new(&paths, privileged).map_err(|e| DaemonError::Driver(e.to_string()))
        },
    )
    .await
}
