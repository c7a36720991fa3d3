//! Embedded mode when the library is built without its `embedded` feature: `qemu:///embed`
//! is refused with the reason, and nothing of the QEMU driver is linked.

use std::path::Path;
use std::time::Duration;

use tokio::net::UnixStream;

use crate::Error;

/// No connection owns an embedded driver in this build.
#[derive(Debug)]
pub(crate) enum Owner {}

impl Owner {
    pub(crate) async fn stop(self, _linger: Duration) {
        match self {}
    }
}

/// An open root (never, in this build).
#[derive(Debug)]
#[allow(dead_code)] // the shape `Connection::open` matches on; never built here
pub(crate) enum Opened {
    Owner(Owner, UnixStream),
    Shared(UnixStream),
}

pub(crate) async fn open(root: &Path) -> Result<Opened, Error> {
    Err(Error::Embedded {
        root: root.display().to_string(),
        reason:
            "this program was built without embedded mode (the oxvirt crate's `embedded` feature)"
                .into(),
    })
}
