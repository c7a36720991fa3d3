//! systemd's socket activation (`sd_listen_fds`): a service manager (systemd, or
//! `systemd-socket-activate` with no systemd at all) binds the sockets, starts the daemon on the
//! first connection, and hands the listening sockets over as descriptors 3, 4, ... with
//! `LISTEN_PID` (this process), `LISTEN_FDS` (how many) and `LISTEN_FDNAMES` (their names,
//! colon-separated) in the environment.
//!
//! Names follow libvirt's units: `virtqemud.socket`, `virtqemud-ro.socket`,
//! `virtqemud-admin.socket` — a name containing `-admin` is the admin socket, `-ro` the
//! read-only one, anything else read-write. Unnamed sockets are taken in that order (read-write,
//! read-only, admin).

use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::DaemonError;
use oxvirt_sync::MutexExt;

/// What a socket is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The read-write socket (0600).
    ReadWrite,
    /// The read-only socket (0666): queries only.
    ReadOnly,
    /// The admin socket (0600): the ADMIN program.
    Admin,
}

/// One inherited listening socket.
#[derive(Debug)]
pub struct Activated {
    /// What it is for.
    pub role: Role,
    /// Where it is bound (for logs), if it has a path.
    pub path: PathBuf,
    /// The listening socket itself.
    pub listener: UnixListener,
}

static INHERITED: Mutex<Option<Vec<Activated>>> = Mutex::new(None);

/// The role of a socket from its name, or from its position when it has none.
pub fn role(name: Option<&str>, index: usize) -> Role {
    match name {
        Some(n) if !n.is_empty() && n != "unknown" => {
            if n.contains("-admin") {
                Role::Admin
            } else if n.contains("-ro") {
                Role::ReadOnly
            } else {
                Role::ReadWrite
            }
        }
        _ => match index {
            0 => Role::ReadWrite,
            1 => Role::ReadOnly,
            _ => Role::Admin,
        },
    }
}

/// Read the activation environment, take the sockets it names and remove it (so children do
/// not see it). Call it once, early, while the process has one thread ([`crate::run`] does).
/// Nothing happens when the environment is absent or names another process.
pub fn init() -> Result<(), DaemonError> {
    let pid = std::env::var("LISTEN_PID").ok();
    let count = std::env::var("LISTEN_FDS").ok();
    let names = std::env::var("LISTEN_FDNAMES").ok();
    for v in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
        std::env::remove_var(v);
    }
    let (Some(pid), Some(count)) = (pid, count) else {
        return Ok(());
    };
    if pid.trim().parse::<u32>().ok() != Some(std::process::id()) {
        return Ok(());
    }
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| DaemonError::Activation(format!("LISTEN_FDS '{count}' is not a number")))?;
    if count > 16 {
        return Err(DaemonError::Activation(format!(
            "{count} sockets handed over; a daemon takes at most 3"
        )));
    }
    let names: Vec<&str> = names
        .as_deref()
        .map_or(Vec::new(), |n| n.split(':').collect());
    let mut out = Vec::new();
    for i in 0..count {
        let fd = 3 + i as i32;
        let owned = crate::sys::take_inherited(fd)
            .ok_or_else(|| DaemonError::Activation(format!("descriptor {fd} is not open")))?;
        // ours from now on: not inherited by QEMU, shims or helpers
        rustix::io::fcntl_setfd(&owned, rustix::io::FdFlags::CLOEXEC)
            .map_err(|e| DaemonError::Activation(format!("descriptor {fd}: {e}")))?;
        let listener = UnixListener::from(owned);
        let path = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_pathname().map(|p| p.to_owned()))
            .ok_or_else(|| {
                DaemonError::Activation(format!("descriptor {fd} is not a UNIX socket with a path"))
            })?;
        out.push(Activated {
            role: role(names.get(i).copied(), i),
            path,
            listener,
        });
    }
    {
        let mut g = INHERITED.locked();
        *g = Some(out);
    }
    Ok(())
}

/// The sockets [`init`] took, once (later calls get none).
pub fn take() -> Vec<Activated> {
    INHERITED.locked().take().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_libvirt_unit_names_and_positions() {
        assert_eq!(role(Some("virtqemud.socket"), 2), Role::ReadWrite);
        assert_eq!(role(Some("virtqemud-ro.socket"), 0), Role::ReadOnly);
        assert_eq!(role(Some("virtqemud-admin.socket"), 0), Role::Admin);
        assert_eq!(role(None, 0), Role::ReadWrite);
        assert_eq!(role(Some("unknown"), 1), Role::ReadOnly);
        assert_eq!(role(Some(""), 2), Role::Admin);
    }
}
