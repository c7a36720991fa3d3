//! What one client, one user and one kind of socket may take of the server: the client
//! pools, the per-user cap, and which connections are "restricted" (smaller messages,
//! timeouts).
//!
//! The threat is a local user on the world-writable read-only socket: it must not be able to
//! take the places, memory or attention that root's read-write and admin clients need.
//!
//! * **Pools.** Read-write, read-only and admin connections count against pools of their own
//!   (`max_clients`, `max_ro_clients`, `max_admin_clients`), so filling the read-only pool
//!   leaves root's sockets reachable.
//! * **Per user.** A user other than root and the daemon's own user holds at most
//!   `max_clients_per_uid` connections at once, whatever the socket.
//! * **Refusal.** A connection over a limit is accepted and closed at once (the client sees
//!   the end of the stream), rather than left unanswered in the kernel's backlog (libvirtd
//!   stops accepting at `max_clients`, so there one client's flood queues everybody).
//! * **Restricted connections** — read-only ones, and those of another user until the
//!   service calls [`crate::server::Client::set_opened`] — may send messages of at most
//!   `max_restricted_message` bytes, must open within `handshake_timeout`, must send a
//!   started message whole within `message_timeout`, and (if `idle_timeout` is set and they
//!   did not ask for keepalive) are dropped after that much silence.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oxvirt_sync::MutexExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections held per user.
type Users = Arc<Mutex<HashMap<u32, usize>>>;

/// The pool a listener's connections count against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    ReadWrite,
    ReadOnly,
    Admin,
}

impl Pool {
    /// A listener named "admin" is the admin socket; otherwise its read-only flag decides.
    pub fn of(listener: &str, read_only: bool) -> Pool {
        if listener == "admin" {
            Pool::Admin
        } else if read_only {
            Pool::ReadOnly
        } else {
            Pool::ReadWrite
        }
    }

    fn index(self) -> usize {
        match self {
            Pool::ReadWrite => 0,
            Pool::ReadOnly => 1,
            Pool::Admin => 2,
        }
    }
}

/// Why a new connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PoolFull(Pool),
    UserFull(u32),
}

/// The places of the three pools and the per-user counts.
#[derive(Debug)]
pub(crate) struct Slots {
    pools: [Arc<Semaphore>; 3],
    sizes: [u32; 3],
    per_uid: usize,
    users: Users,
    /// Users without a per-user cap: root and the daemon's own.
    trusted: [u32; 2],
}

/// A connection's places; given back when dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    _pool: OwnedSemaphorePermit,
    user: Option<(u32, Users)>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some((uid, users)) = self.user.take() {
            {
                let mut u = users.locked();
                if let Some(n) = u.get_mut(&uid) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        u.remove(&uid);
                    }
                }
            }
        }
    }
}

impl Slots {
    pub(crate) fn new(sizes: [u32; 3], per_uid: usize) -> Slots {
        Slots {
            pools: sizes.map(|n| Arc::new(Semaphore::new(n as usize))),
            sizes,
            per_uid,
            users: Arc::default(),
            trusted: [0, rustix::process::geteuid().as_raw()],
        }
    }

    /// Whether `uid` is root or the daemon's own user.
    pub(crate) fn is_trusted(&self, uid: u32) -> bool {
        self.trusted.contains(&uid)
    }

    /// Take a place in `pool` for a connection of `uid` now, or say why not.
    pub(crate) fn try_take(&self, pool: Pool, uid: u32) -> Result<Slot, Refusal> {
        let permit = self.pools[pool.index()]
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::PoolFull(pool))?;
        let user = if self.is_trusted(uid) {
            None
        } else {
            let mut u = self.users.locked();
            let n = u.entry(uid).or_insert(0);
            if *n >= self.per_uid {
                return Err(Refusal::UserFull(uid));
            }
            *n += 1;
            Some((uid, self.users.clone()))
        };
        Ok(Slot {
            _pool: permit,
            user,
        })
    }

    /// Wait for a place in `pool` (connections the daemon makes itself, e.g. in-process).
    pub(crate) async fn take(&self, pool: Pool) -> Option<Slot> {
        let permit = self.pools[pool.index()]
            .clone()
            .acquire_owned()
            .await
            .ok()?;
        Some(Slot {
            _pool: permit,
            user: None,
        })
    }

    /// Resolves once every connection has given its place back.
    pub(crate) async fn all_free(&self) {
        for (p, n) in self.pools.iter().zip(self.sizes) {
            let _ = p.acquire_many(n).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_users_are_separate() {
        let s = Slots::new([2, 1, 1], 2);
        let other = 65534;
        let a = s.try_take(Pool::ReadOnly, other).unwrap();
        assert_eq!(
            s.try_take(Pool::ReadOnly, other).unwrap_err(),
            Refusal::PoolFull(Pool::ReadOnly)
        );
        // the read-only pool being full does not touch the others
        let b = s.try_take(Pool::ReadWrite, other).unwrap();
        assert_eq!(
            s.try_take(Pool::ReadWrite, other).unwrap_err(),
            Refusal::UserFull(other)
        );
        let _root = s.try_take(Pool::ReadWrite, 0).unwrap();
        let _admin = s.try_take(Pool::Admin, 0).unwrap();
        drop(a);
        drop(b);
        let _c = s.try_take(Pool::ReadOnly, other).unwrap();
        let _d = s.try_take(Pool::ReadWrite, other).unwrap();
    }
}
