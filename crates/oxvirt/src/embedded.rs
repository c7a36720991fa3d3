//! Embedded mode: `qemu:///embed?root=DIR` runs the QEMU driver inside the calling program, with
//! every file under DIR, laid out exactly as `oxvirt-qemud --root DIR` lays it out (both use
//! [`oxvirt_qemu::daemon::serve`]).
//!
//! **Sharing a root.** One process at a time owns a root: it holds `DIR/run/qemud.lock`, runs
//! the driver (and recovers the VMs a previous owner left running) and serves it on
//! `DIR/run/qemud-sock`, like the daemon. A second program opening the same root while the
//! first one runs becomes a client of the owner through that socket, so both see the same VMs
//! and nothing is managed twice. When the owner closes, it stops listening and lets connected
//! programs finish (bounded); when it exits, VMs keep running (each has its shim);
//! the next program to open the root owns it and reattaches them. Opening a root served by
//! `oxvirt-qemud --root DIR` works the same way.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oxvirt_qemu::daemon::{self, ServeOptions, ServedDriver};
use oxvirt_qemu::{DriverOptions, Paths, QemuError};
use oxvirt_rpc::server::ServerConfig;
use tokio::net::UnixStream;

use crate::Error;

/// How long to wait for the owner of a root to answer on its socket (it may be recovering VMs).
const OWNER_WAIT: Duration = Duration::from_secs(30);

/// The driver a connection runs when it owns its root.
pub(crate) type Owner = ServedDriver;

/// An open root: either this process owns it, or another one does and serves it.
#[derive(Debug)]
pub(crate) enum Opened {
    Owner(ServedDriver, UnixStream),
    Shared(UnixStream),
}

/// Open (own or share) the root; returns the stream to talk to its driver over.
pub(crate) async fn open(root: &Path) -> Result<Opened, Error> {
    let err = |reason: String| Error::Embedded {
        root: root.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(root).map_err(|e| err(format!("cannot create it: {e}")))?;
    let root: PathBuf = root
        .canonicalize()
        .map_err(|e| err(format!("cannot resolve it: {e}")))?;
    let paths = Paths::under(&root);
    let deadline = Instant::now() + OWNER_WAIT;
    loop {
        let opts = ServeOptions {
            paths: paths.clone(),
            privileged: is_root(),
            driver: DriverOptions {
                root: Some(root.clone()),
                ..DriverOptions::default()
            },
            server: ServerConfig::default(),
            server_name: "embed",
            libvirt_paths: false,
        };
        match daemon::serve(opts).await {
            Ok(served) => {
                let stream = served
                    .connect_in_process()
                    .map_err(|e| err(e.to_string()))?;
                return Ok(Opened::Owner(served, stream));
            }
            Err(QemuError::RootInUse { pid, .. }) => {
                match UnixStream::connect(paths.sockets(daemon::SHORT_NAME).rw).await {
                    Ok(s) => return Ok(Opened::Shared(s)),
                    Err(e) if Instant::now() >= deadline => {
                        let who = pid.map_or("another process".to_owned(), |p| format!("pid {p}"));
                        return Err(err(format!(
                            "it is in use by {who}, which does not answer on {}: {e}",
                            paths.sockets(daemon::SHORT_NAME).rw.display()
                        )));
                    }
                    // the owner is starting (or just went away): try again
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            Err(e) => return Err(err(e.to_string())),
        }
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}
