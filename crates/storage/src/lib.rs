//! The storage driver (libvirt's `virtstoraged`): storage pools and their volumes, with the
//! `dir` backend, served by `oxvirt-storaged`.
//!
//! The driver keeps every pool in memory ([`state::Pools`]) behind one lock that is never held
//! across disk work: a call takes what it needs, works on tokio's blocking threads
//! ([`dir`]), then records the result. Definitions and the set of running pools live on disk
//! ([`state`]), written atomically, so a daemon killed at any moment comes back with the same
//! pools running and without half-made volumes.
//!
//! The procedure handlers ([`pools`], [`vols`]) are plain functions with typed arguments and
//! results, registered on the driver's routing table ([`calls`]) under the markers of
//! [`procs`].

pub mod calls;
pub mod default_pool;
pub mod dir;
pub mod encrypted;
pub mod error;
pub mod events;
pub mod find_sources;
pub mod fs;
pub mod pools;
pub mod procs;
pub mod state;
mod transfer;
pub mod vols;
pub mod wipe;

use oxvirt_sync::MutexExt;
use std::sync::{Arc, Mutex, MutexGuard};

use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver};
use oxvirt_rpc::server::Client;
use tracing::warn;

pub use error::{Result, StorageError};
use state::{Pools, StoragePaths};

/// The daemon's short name: `run/storaged-sock`, `run/storaged.lock`.
pub const SHORT_NAME: &str = "storaged";
/// libvirt's daemon for the same driver: `/run/libvirt/virtstoraged-sock`.
pub const LIBVIRT_NAME: &str = "virtstoraged";

/// The storage driver.
#[derive(Debug)]
pub struct StorageDriver {
    paths: StoragePaths,
    privileged: bool,
    pools: Mutex<Pools>,
    /// Domain event registrations (the envelope's; a storage daemon has no domain events).
    events: EventHub,
    pub(crate) pool_events: events::PoolEvents,
    /// The connection to the secret daemon of the root (passphrases of encrypted volumes).
    pub(crate) secrets: oxvirt_remote::secret_link::SecretLink,
}

impl StorageDriver {
    /// Set the driver up on a root: read the pools, remove half-made volumes, and bring back
    /// the pools that were running (a pool whose directory is gone stays inactive). Call
    /// [`StorageDriver::prepare`] first: this logs what it cannot do and carries on.
    ///
    /// `default_images`: where the `default` pool goes if this is the root's first start
    /// ([`default_pool`]; `None`: no default pool).
    pub fn new(
        paths: &oxvirt_daemon::Paths,
        privileged: bool,
        default_images: Option<&std::path::Path>,
    ) -> Arc<Self> {
        let sp = StoragePaths::new(paths);
        if let Some(images) = default_images {
            if let Err(e) = default_pool::create_if_first_start(&sp, images) {
                warn!("cannot set up the default pool: {e}");
            }
        }
        if let Err(e) = sp.create_all() {
            warn!("cannot create the storage directories: {e}");
        }
        encrypted::remove_stale(&sp.state);
        let loaded = state::load(&sp);
        state::clean_pending(&sp, &loaded);
        let d = Arc::new(StorageDriver {
            paths: sp,
            privileged,
            pools: Mutex::new(loaded),
            events: EventHub::new(),
            pool_events: events::PoolEvents::default(),
            secrets: oxvirt_remote::secret_link::SecretLink::new(
                oxvirt_remote::Forwarder::siblings(&paths.run, privileged)
                    .upstream(oxvirt_proto::procedures::ServedBy::Secret)
                    .cloned(),
                &paths.run,
            ),
        });
        let active: Vec<String> = d
            .lock()
            .by_name
            .values()
            .filter(|p| p.active)
            .map(|p| p.def.name.clone())
            .collect();
        for name in active {
            // a file system unmounted while the daemon was away: the pool stopped
            let unmounted = d
                .lock()
                .get(&name)
                .is_some_and(|p| !fs::still_active(&p.def, &p.path()));
            let r = if unmounted {
                Err(StorageError::OperationInvalid(format!(
                    "the file system of pool '{name}' is not mounted"
                )))
            } else {
                pools::refresh_blocking(&d, &name)
            };
            if let Err(e) = r {
                warn!(pool = %name, "the pool that was running cannot be refreshed, it stays inactive: {e}");
                let mut g = d.lock();
                if let Some(p) = g.get_mut(&name) {
                    p.active = false;
                    p.vols.clear();
                    let _ = state::save_state(&d.paths, &p.def, false);
                }
                let transient = g.get(&name).is_some_and(|p| !p.persistent);
                if transient {
                    g.by_name.remove(&name);
                }
            }
        }
        d
    }

    /// Create the driver's run-time directories under a root (before the daemon takes its lock;
    /// the configuration directory is made by [`StorageDriver::new`], under the lock, as the
    /// root's first start finds it missing).
    pub fn prepare(paths: &oxvirt_daemon::Paths) -> Result<()> {
        StoragePaths::new(paths)
            .create_run()
            .map_err(|e| StorageError::system("cannot create the storage directories", e))
    }

    /// Start the pools marked autostart that are not running (at daemon start).
    pub async fn autostart_all(self: &Arc<Self>) {
        let names: Vec<String> = self
            .lock()
            .by_name
            .values()
            .filter(|p| p.autostart && !p.active)
            .map(|p| p.def.name.clone())
            .collect();
        for name in names {
            if let Err(e) = pools::start_by_name(self, &name, 0).await {
                warn!(pool = %name, "autostart failed: {e}");
            }
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Pools> {
        self.pools.locked()
    }

    /// Send a lifecycle event about a pool.
    pub(crate) fn emit(&self, pool: &oxvirt_proto::NonnullStoragePool, e: events::Lifecycle) {
        self.pool_events.lifecycle(pool, e);
    }

    pub(crate) fn paths(&self) -> &StoragePaths {
        &self.paths
    }

    fn default_uri(&self) -> &'static str {
        if self.privileged {
            "storage:///system"
        } else {
            "storage:///session"
        }
    }
}

impl Driver for StorageDriver {
    fn open(&self, name: Option<&str>, _client: &Client) -> std::result::Result<String, VirError> {
        let name = match name {
            None | Some("") => return Ok(self.default_uri().to_owned()),
            Some(n) => n,
        };
        let (scheme, rest) = name.split_once(':').unwrap_or((name, ""));
        let path = rest
            .strip_prefix("//")
            .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(""))
            .unwrap_or(rest);
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        // virtstoraged answers its own URIs only (virtqemud reaches it as storage:///system)
        match (scheme.eq_ignore_ascii_case("storage"), path) {
            (true, "system" | "session") => Ok(format!("storage:///{path}")),
            _ => Err(VirError::new(
                code::NO_CONNECT,
                domain::NONE,
                name.to_owned(),
            )),
        }
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    fn holds_running_resources(&self) -> bool {
        false
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> std::result::Result<Vec<u8>, VirError> {
        calls::ROUTES.dispatch(self, ctx).await
    }
}
