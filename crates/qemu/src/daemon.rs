//! The driver as a service: what `oxvirt-qemud` runs, and what embedded mode
//! (`qemu:///embed?root=DIR`) runs inside an application. One code path for both:
//!
//! 1. take the root's lock (`run/qemud.lock`, see [`RootLock`]): one process at a time owns a
//!    root's state, its VMs and its sockets;
//! 2. set the driver up, which finds and reattaches the VMs left running ([`QemuDriver::new`]);
//! 3. serve the REMOTE program on `run/qemud-sock` (0600), `run/qemud-sock-ro` (0666, read-only)
//!    and `run/qemud-admin-sock`, and to in-process clients over a socket pair
//!    ([`ServedDriver::connect_in_process`]).
//!
//! A second process that finds the lock taken gets [`QemuError::RootInUse`] with the owner's pid;
//! it can then use the owner's socket like any client (what embedded mode does).

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use oxvirt_remote::RemoteService;
use oxvirt_rpc::server::{Listener, Server, ServerConfig};
use tokio::net::UnixStream;
use tokio::task::JoinHandle;

use crate::{DriverOptions, Paths, QemuDriver, QemuError};

/// The lock file of a state root, under its `run` directory.
pub fn lock_path(paths: &Paths) -> PathBuf {
    paths.run.join("qemud.lock")
}

/// Exclusive ownership of a state root, held as an `flock` on `run/qemud.lock` (released by
/// the kernel when the owner exits, even by SIGKILL). The file holds the owner's pid.
#[derive(Debug)]
pub struct RootLock {
    _file: File,
}

impl RootLock {
    /// Take the lock, or fail at once with [`QemuError::RootInUse`] naming the holder.
    pub fn acquire(paths: &Paths) -> Result<RootLock, QemuError> {
        let path = lock_path(paths);
        let io = |what: &str, source| QemuError::Io {
            what: format!("cannot {what} {}", path.display()),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io("open", e))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut s = String::new();
                let _ = file.read_to_string(&mut s);
                return Err(QemuError::RootInUse {
                    root: paths.run.parent().unwrap_or(&paths.run).to_owned(),
                    pid: s.trim().parse().ok(),
                });
            }
            Err(e) => return Err(io("lock", e.into())),
        }
        // ours now: record who holds it (informational; the lock itself is the flock)
        file.set_len(0).map_err(|e| io("write", e))?;
        file.rewind().map_err(|e| io("write", e))?;
        writeln!(file, "{}", std::process::id()).map_err(|e| io("write", e))?;
        Ok(RootLock { _file: file })
    }
}

/// How to serve a driver.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub paths: Paths,
    pub privileged: bool,
    pub driver: DriverOptions,
    pub server: ServerConfig,
    /// The server name reported to admin clients.
    pub server_name: &'static str,
}

/// A driver being served on its root's sockets; stops serving when dropped.
#[derive(Debug)]
pub struct ServedDriver {
    pub driver: Arc<QemuDriver>,
    server: Arc<Server<RemoteService<QemuDriver>>>,
    serving: Option<JoinHandle<()>>,
    sockets: Vec<PathBuf>,
    _lock: RootLock,
}

impl ServedDriver {
    /// Lock the root, set up the driver (recovering running VMs), and listen on its sockets.
    pub async fn start(opts: ServeOptions) -> Result<ServedDriver, QemuError> {
        opts.paths.create_all().map_err(|source| QemuError::Io {
            what: "cannot create the state directories".into(),
            source,
        })?;
        let lock = RootLock::acquire(&opts.paths)?;
        let driver =
            QemuDriver::with_options(opts.paths.clone(), opts.privileged, opts.driver.clone())
                .await;
        let service = RemoteService::new(driver.clone(), opts.server_name);
        let bind = |p: PathBuf, mode, ro, name| {
            Listener::bind(&p, mode, ro, name).map_err(|source| QemuError::Io {
                what: format!("cannot listen on {}", p.display()),
                source,
            })
        };
        let listeners = vec![
            bind(opts.paths.qemud_socket(), 0o600, false, "rw")?,
            bind(opts.paths.qemud_socket_ro(), 0o666, true, "ro")?,
            bind(opts.paths.qemud_admin_socket(), 0o600, false, "admin")?,
        ];
        let sockets = listeners.iter().map(|l| l.path.clone()).collect();
        let server = Server::new(service, opts.server);
        let serving = tokio::spawn(server.clone().serve(listeners));
        Ok(ServedDriver {
            driver,
            server,
            serving: Some(serving),
            sockets,
            _lock: lock,
        })
    }

    /// A connection to this driver for a client in the same process: one end of a socket
    /// pair, served like a connection on the read-write socket.
    pub fn connect_in_process(&self) -> Result<UnixStream, QemuError> {
        let (ours, theirs) = UnixStream::pair().map_err(|source| QemuError::Io {
            what: "cannot create a socket pair".into(),
            source,
        })?;
        tokio::spawn(self.server.clone().serve_stream(theirs, "rw", false));
        Ok(ours)
    }

    /// Stop listening (the sockets go at once), give the open connections up to `linger` to
    /// finish what they do and close, then drop those left and wait until they are gone. VMs
    /// keep running (their shims own them); the next owner of the root reattaches them.
    pub async fn stop(mut self, linger: Duration) {
        self.server.stop_accepting();
        self.remove_sockets();
        if let Some(mut s) = self.serving.take() {
            if tokio::time::timeout(linger, &mut s).await.is_err() {
                self.server.shutdown();
                let _ = s.await;
            }
        }
        self.server.shutdown();
    }

    fn remove_sockets(&mut self) {
        for s in self.sockets.drain(..) {
            let _ = std::fs::remove_file(s);
        }
    }
}

impl Drop for ServedDriver {
    fn drop(&mut self) {
        self.server.shutdown();
        // the sockets go before the lock does, so a new owner never finds ours
        self.remove_sockets();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        paths.create_all().unwrap();
        let first = RootLock::acquire(&paths).unwrap();
        let second = RootLock::acquire(&paths).unwrap_err();
        match second {
            QemuError::RootInUse { root, pid } => {
                assert_eq!(root, dir.path());
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("unexpected {other}"),
        }
        drop(first);
        // released: the next one gets it
        RootLock::acquire(&paths).unwrap();
    }
}
