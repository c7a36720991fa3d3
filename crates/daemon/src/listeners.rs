//! The listening sockets of a daemon: its own trio, libvirt's trio when asked, or the sockets
//! systemd's socket activation handed over.

use std::path::PathBuf;

use oxvirt_rpc::server::Listener;

use crate::activation::{self, Role};
use crate::{DaemonError, Sockets};

/// Listening sockets, and the socket files this process bound (and so removes when it stops).
#[derive(Debug, Default)]
pub struct Bound {
    /// The listeners, named "rw", "ro" and "admin".
    pub listeners: Vec<Listener>,
    /// The socket files bound here (not those inherited from a socket activation).
    pub paths: Vec<PathBuf>,
    /// The read-write sockets are open to every local user (0666): access rules decide
    /// what each may do, as libvirt's sockets are with an access driver.
    pub open_rw: bool,
}

impl Bound {
    /// Bind a trio: read-write (0600, or 0666 with [`Bound::open_rw`]), read-only (0666,
    /// every connection read-only) and admin (0600), creating their directory.
    pub fn bind_trio(&mut self, s: &Sockets) -> Result<(), DaemonError> {
        let rw_mode = if self.open_rw { 0o666 } else { 0o600 };
        for (path, mode, ro, name) in [
            (&s.rw, rw_mode, false, "rw"),
            (&s.ro, 0o666, true, "ro"),
            (&s.admin, 0o600, false, "admin"),
        ] {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(DaemonError::io(format!("cannot create {}", dir.display())))?;
            }
            let l = Listener::bind(path, mode, ro, name).map_err(DaemonError::io(format!(
                "cannot listen on {}",
                path.display()
            )))?;
            self.paths.push(path.clone());
            self.listeners.push(l);
        }
        Ok(())
    }

    /// The sockets of a socket activation ([`activation::take`]), if this process was
    /// started by one; `false` if it was not.
    pub fn take_activated(&mut self) -> Result<bool, DaemonError> {
        let activated = activation::take();
        if activated.is_empty() {
            return Ok(false);
        }
        for a in activated {
            let (ro, name) = match a.role {
                Role::ReadWrite => (false, "rw"),
                Role::ReadOnly => (true, "ro"),
                Role::Admin => (false, "admin"),
            };
            let what = format!("cannot listen on {}", a.path.display());
            self.listeners.push(
                Listener::from_std(a.path, a.listener, ro, name).map_err(DaemonError::io(what))?,
            );
        }
        Ok(true)
    }

    /// A daemon's sockets: its own trio `own`, then those of a socket activation, or else
    /// `libvirt`'s trio when given.
    /// `open_rw`: see [`Bound::open_rw`].
    pub fn daemon(
        own: &Sockets,
        libvirt: Option<&Sockets>,
        open_rw: bool,
    ) -> Result<Self, DaemonError> {
        let mut b = Bound {
            open_rw,
            ..Bound::default()
        };
        b.bind_trio(own)?;
        if !b.take_activated()? {
            if let Some(l) = libvirt {
                b.bind_trio(l)?;
            }
        }
        Ok(b)
    }

    /// Remove the socket files bound here.
    pub fn remove_files(&mut self) {
        for s in self.paths.drain(..) {
            let _ = std::fs::remove_file(s);
        }
    }
}
