//! Pools and volumes in memory, and their files on disk:
//!
//! - `etc/storage/NAME.xml`: a persistent pool's definition (written atomically);
//! - `etc/storage/autostart/NAME.xml`: present when the pool starts with the daemon;
//! - `run/storage/NAME.xml`: the pool is active (written when it starts, removed when it stops),
//!   so a restarted daemon brings back the pools that were running, transient ones too;
//! - `run/storage/pending/POOL/VOLUME`: a volume being created or cloned; a daemon that finds one
//!   at start removes the half-made file it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use oxvirt_conf::storage::{parse_pool, Pool, Volume};
use oxvirt_host::atomic::write_atomic;
use tracing::warn;

use crate::error::{Result, StorageError};

/// The storage driver's directories.
#[derive(Debug, Clone)]
pub struct StoragePaths {
    /// `etc/storage`
    pub config: PathBuf,
    /// `etc/storage/autostart`
    pub autostart: PathBuf,
    /// `run/storage`
    pub state: PathBuf,
    /// `run/storage/pending`
    pub pending: PathBuf,
}

impl StoragePaths {
    pub fn new(paths: &oxvirt_daemon::Paths) -> Self {
        let config = paths.etc.join("storage");
        let state = paths.run.join("storage");
        StoragePaths {
            autostart: config.join("autostart"),
            pending: state.join("pending"),
            config,
            state,
        }
    }

    /// The run-time directories only (`run/storage`, `run/storage/pending`).
    pub fn create_run(&self) -> std::io::Result<()> {
        for d in [&self.state, &self.pending] {
            std::fs::create_dir_all(d)?;
        }
        Ok(())
    }

    pub fn create_all(&self) -> std::io::Result<()> {
        for d in [&self.config, &self.autostart, &self.state, &self.pending] {
            std::fs::create_dir_all(d)?;
        }
        Ok(())
    }

    fn config_file(&self, name: &str) -> PathBuf {
        self.config.join(format!("{name}.xml"))
    }

    fn autostart_file(&self, name: &str) -> PathBuf {
        self.autostart.join(format!("{name}.xml"))
    }

    fn state_file(&self, name: &str) -> PathBuf {
        self.state.join(format!("{name}.xml"))
    }

    fn pending_file(&self, pool: &str, vol: &str) -> PathBuf {
        self.pending.join(pool).join(vol)
    }
}

/// A volume of an active pool.
#[derive(Debug, Clone)]
pub struct VolObj {
    pub def: Volume,
}

/// A pool.
#[derive(Debug, Clone)]
pub struct PoolObj {
    pub def: Pool,
    pub persistent: bool,
    pub active: bool,
    pub autostart: bool,
    /// volumes by name (empty while inactive)
    pub vols: BTreeMap<String, VolObj>,
    /// names of volumes being created or cloned: taken, not listed
    pub busy: BTreeSet<String>,
}

impl PoolObj {
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.def.target_path.as_deref().unwrap_or("/"))
    }

    /// A copy without the volumes (a pool of thousands of volumes is not copied whole for a
    /// call about one of them).
    pub fn without_vols(&self) -> PoolObj {
        PoolObj {
            def: self.def.clone(),
            persistent: self.persistent,
            active: self.active,
            autostart: self.autostart,
            vols: BTreeMap::new(),
            busy: self.busy.clone(),
        }
    }

    pub fn handle(&self) -> oxvirt_proto::NonnullStoragePool {
        oxvirt_proto::NonnullStoragePool {
            name: self.def.name.clone(),
            uuid: self.def.uuid,
        }
    }
}

/// Every pool, by name.
#[derive(Debug, Default)]
pub struct Pools {
    pub by_name: BTreeMap<String, PoolObj>,
}

impl Pools {
    pub fn get(&self, name: &str) -> Option<&PoolObj> {
        self.by_name.get(name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut PoolObj> {
        self.by_name.get_mut(name)
    }

    pub fn by_uuid(&self, uuid: &[u8; 16]) -> Option<&PoolObj> {
        self.by_name.values().find(|p| &p.def.uuid == uuid)
    }
}

/// Persist a pool's definition.
pub fn save_config(paths: &StoragePaths, pool: &Pool) -> Result<()> {
    let file = paths.config_file(&pool.name);
    write_atomic(&file, pool.format().as_bytes()).map_err(|e| {
        StorageError::system(format!("cannot write config file '{}'", file.display()), e)
    })
}

/// Forget a pool's definition and its autostart mark.
pub fn remove_config(paths: &StoragePaths, name: &str) -> Result<()> {
    for f in [paths.autostart_file(name), paths.config_file(name)] {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StorageError::system(
                    format!("Failed to delete config file '{}'", f.display()),
                    e,
                ))
            }
        }
    }
    Ok(())
}

/// Mark or unmark a pool for autostart.
pub fn set_autostart(paths: &StoragePaths, name: &str, on: bool) -> Result<()> {
    let f = paths.autostart_file(name);
    let r = if on {
        write_atomic(&f, name.as_bytes())
    } else {
        match std::fs::remove_file(&f) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    };
    r.map_err(|e| StorageError::system(format!("Failed to change autostart '{}'", f.display()), e))
}

/// Record that a pool runs (its live definition), or that it stopped.
pub fn save_state(paths: &StoragePaths, pool: &Pool, active: bool) -> Result<()> {
    let f = paths.state_file(&pool.name);
    let r = if active {
        write_atomic(&f, pool.format().as_bytes())
    } else {
        match std::fs::remove_file(&f) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    };
    r.map_err(|e| StorageError::system(format!("cannot write state file '{}'", f.display()), e))
}

/// Mark a volume as being made (before any byte of it exists) and unmark it when done.
pub fn mark_pending(paths: &StoragePaths, pool: &str, vol: &str, file: &Path) -> Result<()> {
    let m = paths.pending_file(pool, vol);
    let dir = paths.pending.join(pool);
    std::fs::create_dir_all(&dir)
        .and_then(|()| write_atomic(&m, file.as_os_str().as_encoded_bytes()))
        .map_err(|e| StorageError::system(format!("cannot write '{}'", m.display()), e))
}

pub fn unmark_pending(paths: &StoragePaths, pool: &str, vol: &str) {
    let m = paths.pending_file(pool, vol);
    if let Err(e) = std::fs::remove_file(&m) {
        warn!(file = %m.display(), "cannot remove the pending mark: {e}");
    }
}

/// Remove what a daemon killed while making volumes left: each pending volume's file, then the
/// mark (a file the mark names outside the pool's directory is never touched).
pub fn clean_pending(paths: &StoragePaths, pools: &Pools) {
    let Ok(rd) = std::fs::read_dir(&paths.pending) else {
        return;
    };
    for pool_dir in rd.flatten() {
        let pool_name = pool_dir.file_name().to_string_lossy().into_owned();
        let pool_path = pools.get(&pool_name).map(PoolObj::path);
        let Ok(vols) = std::fs::read_dir(pool_dir.path()) else {
            continue;
        };
        for v in vols.flatten() {
            let name = v.file_name().to_string_lossy().into_owned();
            if let Some(dir) = &pool_path {
                let file = dir.join(&name);
                if oxvirt_conf::name::is_valid_name(&name) {
                    match std::fs::remove_file(&file) {
                        Ok(()) => warn!(file = %file.display(), "removed a volume left half-made"),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            warn!(file = %file.display(), "cannot remove a half-made volume: {e}")
                        }
                    }
                }
            }
            let _ = std::fs::remove_file(v.path());
        }
        let _ = std::fs::remove_dir(pool_dir.path());
    }
}

/// Read the pools from disk: persistent definitions, then the live state of running ones.
pub fn load(paths: &StoragePaths) -> Pools {
    let mut pools = Pools::default();
    for (dir, persistent) in [(&paths.config, true), (&paths.state, false)] {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        for f in files {
            let def = match std::fs::read_to_string(&f)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_pool(&t).map_err(|e| e.to_string()))
            {
                Ok(d) => d,
                Err(e) => {
                    warn!(file = %f.display(), "ignoring an unreadable pool file: {e}");
                    continue;
                }
            };
            let name = def.name.clone();
            if persistent {
                let autostart = paths.autostart_file(&name).exists();
                pools.by_name.insert(
                    name,
                    PoolObj {
                        def,
                        persistent: true,
                        active: false,
                        autostart,
                        vols: BTreeMap::new(),
                        busy: BTreeSet::new(),
                    },
                );
            } else {
                let e = pools.by_name.entry(name).or_insert_with(|| PoolObj {
                    def: def.clone(),
                    persistent: false,
                    active: false,
                    autostart: false,
                    vols: BTreeMap::new(),
                    busy: BTreeSet::new(),
                });
                e.def = def;
                e.active = true;
            }
        }
    }
    pools
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(name: &str, path: &Path) -> Pool {
        parse_pool(&format!(
            "<pool type='dir'><name>{name}</name><target><path>{}</path></target></pool>",
            path.display()
        ))
        .unwrap()
    }

    #[test]
    fn pools_come_back_from_disk_as_they_were() {
        let root = tempfile::tempdir().unwrap();
        let paths = StoragePaths::new(&oxvirt_daemon::Paths::under(root.path()));
        paths.create_all().unwrap();
        let a = pool("a", &root.path().join("a"));
        let t = pool("t", &root.path().join("t"));
        save_config(&paths, &a).unwrap();
        set_autostart(&paths, "a", true).unwrap();
        save_state(&paths, &a, true).unwrap();
        // a transient pool is only in the state directory
        save_state(&paths, &t, true).unwrap();
        let pools = load(&paths);
        let pa = pools.get("a").unwrap();
        assert!(pa.persistent && pa.active && pa.autostart);
        assert_eq!(pa.def.uuid, a.uuid);
        let pt = pools.get("t").unwrap();
        assert!(!pt.persistent && pt.active && !pt.autostart);
        save_state(&paths, &a, false).unwrap();
        remove_config(&paths, "t").unwrap();
        let pools = load(&paths);
        assert!(!pools.get("a").unwrap().active);
    }

    #[test]
    fn half_made_volumes_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let paths = StoragePaths::new(&oxvirt_daemon::Paths::under(root.path()));
        paths.create_all().unwrap();
        let dir = root.path().join("images");
        std::fs::create_dir_all(&dir).unwrap();
        let a = pool("a", &dir);
        save_config(&paths, &a).unwrap();
        let half = dir.join("half.img");
        std::fs::write(&half, b"x").unwrap();
        let kept = dir.join("kept.img");
        std::fs::write(&kept, b"x").unwrap();
        mark_pending(&paths, "a", "half.img", &half).unwrap();
        // a mark naming something outside a known pool removes nothing
        mark_pending(&paths, "gone", "kept.img", &kept).unwrap();
        clean_pending(&paths, &load(&paths));
        assert!(!half.exists());
        assert!(kept.exists());
        assert_eq!(std::fs::read_dir(&paths.pending).unwrap().count(), 0);
    }
}
