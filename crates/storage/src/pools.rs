//! Pool procedures: define, create, build, start, destroy, delete, undefine, refresh, info,
//! XML, autostart, lookups and lists.

use std::collections::{BTreeMap, BTreeSet};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::Arc;

use oxvirt_conf::storage::{parse_pool, pool_capabilities, Pool, PoolType, Volume};
use oxvirt_proto::storage::*;
use oxvirt_proto::{NonnullStoragePool, NonnullStorageVol};

use crate::error::{Result, StorageError};
use crate::events::Lifecycle;
use crate::state::{self, PoolObj, VolObj};
use crate::{dir, fs, StorageDriver};

/// `virStoragePoolState`
pub const STATE_INACTIVE: u8 = 0;
pub const STATE_RUNNING: u8 = 2;

/// `VIR_STORAGE_POOL_CREATE_WITH_BUILD*` and `VIR_STORAGE_POOL_BUILD_*`
const CREATE_WITH_BUILD: u32 = 1;
const CREATE_WITH_BUILD_OVERWRITE: u32 = 2;
const CREATE_WITH_BUILD_NO_OVERWRITE: u32 = 4;
const BUILD_NO_OVERWRITE: u32 = 4;
const BUILD_OVERWRITE: u32 = 8;
/// `VIR_STORAGE_XML_INACTIVE`
const XML_INACTIVE: u32 = 1;

/// The pool types this driver has a backend for.
pub fn supported(t: PoolType) -> bool {
    matches!(t, PoolType::Dir | PoolType::Fs | PoolType::Netfs)
}

fn check_flags(flags: u32, allowed: u32, func: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(StorageError::Vir(
            oxvirt_proto::VirError::unsupported_flags(
                flags & !allowed,
                func,
                oxvirt_proto::errors::ErrorDomain::Storage as i32,
            ),
        ));
    }
    Ok(())
}

fn no_pool_uuid(p: &NonnullStoragePool) -> StorageError {
    StorageError::NoPool(format!(
        "no storage pool with matching uuid '{}' ({})",
        oxvirt_conf::domain::uuid_string(&p.uuid),
        p.name
    ))
}

fn not_active(name: &str) -> StorageError {
    StorageError::OperationInvalid(format!("storage pool '{name}' is not active"))
}

/// The pool a handle names (by UUID, as libvirt looks it up), cloned without its volumes.
pub(crate) fn pool_of(d: &StorageDriver, h: &NonnullStoragePool) -> Result<PoolObj> {
    d.lock()
        .by_uuid(&h.uuid)
        .map(PoolObj::without_vols)
        .ok_or_else(|| no_pool_uuid(h))
}

/// Run `f` on the active pool a handle names, under the driver's lock (no copy).
pub(crate) fn with_active_pool<T>(
    d: &StorageDriver,
    h: &NonnullStoragePool,
    f: impl FnOnce(&PoolObj) -> Result<T>,
) -> Result<T> {
    let g = d.lock();
    let p = g.by_uuid(&h.uuid).ok_or_else(|| no_pool_uuid(h))?;
    if !p.active {
        return Err(not_active(&p.def.name));
    }
    f(p)
}

fn backend_check(t: PoolType) -> Result<()> {
    if supported(t) {
        Ok(())
    } else {
        Err(StorageError::Internal(format!(
            "missing backend for pool type {} ({})",
            PoolType::ALL.iter().position(|x| *x == t).unwrap_or(0),
            t.as_str()
        )))
    }
}

/// libvirt's duplicate checks for a new definition: same name with another UUID, same UUID
/// with another name, another pool on the same directory.
fn check_duplicate(d: &StorageDriver, def: &Pool) -> Result<Option<PoolObj>> {
    let g = d.lock();
    if let Some(p) = g.get(&def.name) {
        if p.def.uuid != def.uuid {
            return Err(StorageError::OperationFailed(format!(
                "pool '{}' is already defined with uuid {}",
                p.def.name,
                oxvirt_conf::domain::uuid_string(&p.def.uuid)
            )));
        }
        return Ok(Some(p.clone()));
    }
    if let Some(p) = g.by_uuid(&def.uuid) {
        return Err(StorageError::OperationFailed(format!(
            "pool '{}' already exists with uuid {}",
            p.def.name,
            oxvirt_conf::domain::uuid_string(&p.def.uuid)
        )));
    }
    if let Some(p) = g
        .by_name
        .values()
        .find(|p| p.def.pool_type == def.pool_type && p.def.target_path == def.target_path)
    {
        return Err(StorageError::OperationFailed(format!(
            "Storage source conflict with pool: '{}'",
            p.def.name
        )));
    }
    Ok(None)
}

pub async fn define_xml(d: &Arc<StorageDriver>, a: XmlFlagsArgs) -> Result<PoolRet> {
    check_flags(a.flags, 1, "storagePoolDefineXML")?;
    let def = parse_pool(&a.xml)?;
    backend_check(def.pool_type)?;
    let existing = check_duplicate(d, &def)?;
    let (paths, saved) = (d.paths().clone(), def.clone());
    blocking(move || state::save_config(&paths, &saved)).await?;
    let mut g = d.lock();
    let handle = NonnullStoragePool {
        name: def.name.clone(),
        uuid: def.uuid,
    };
    match existing {
        Some(_) => {
            if let Some(p) = g.get_mut(&def.name) {
                p.persistent = true;
                if !p.active {
                    p.def = def;
                }
            }
        }
        None => {
            g.by_name.insert(
                def.name.clone(),
                PoolObj {
                    def,
                    persistent: true,
                    active: false,
                    autostart: false,
                    vols: BTreeMap::new(),
                    busy: BTreeSet::new(),
                },
            );
        }
    }
    drop(g);
    d.emit(&handle, Lifecycle::Defined);
    Ok(PoolRet { pool: handle })
}

pub async fn create_xml(d: &Arc<StorageDriver>, a: XmlFlagsArgs) -> Result<PoolRet> {
    check_flags(a.flags, 7, "storagePoolCreateXML")?;
    let def = parse_pool(&a.xml)?;
    backend_check(def.pool_type)?;
    if let Some(p) = check_duplicate(d, &def)? {
        if p.active {
            return Err(StorageError::OperationInvalid(format!(
                "storage pool '{}' is already active",
                p.def.name
            )));
        }
    }
    let name = def.name.clone();
    {
        let mut g = d.lock();
        g.by_name.entry(name.clone()).or_insert(PoolObj {
            def,
            persistent: false,
            active: false,
            autostart: false,
            vols: BTreeMap::new(),
            busy: BTreeSet::new(),
        });
    }
    if let Err(e) = start_by_name(d, &name, a.flags).await {
        let mut g = d.lock();
        if g.get(&name).is_some_and(|p| !p.persistent) {
            g.by_name.remove(&name);
        }
        return Err(e);
    }
    let g = d.lock();
    let p = g
        .get(&name)
        .ok_or_else(|| StorageError::Internal("pool vanished".into()))?;
    Ok(PoolRet { pool: p.handle() })
}

/// Start a pool: build first when asked, check its directory, record it running, refresh.
pub(crate) async fn start_by_name(d: &Arc<StorageDriver>, name: &str, flags: u32) -> Result<()> {
    let p = d.lock().get(name).cloned().ok_or_else(|| {
        StorageError::NoPool(format!("no storage pool with matching name '{name}'"))
    })?;
    if p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{name}' is already active"
        )));
    }
    let path = p.path();
    let perms = p.def.target_perms.clone();
    let build = flags
        & (CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE)
        != 0;
    // the build flags of create, as build's
    let build_flags = match flags {
        f if f & CREATE_WITH_BUILD_OVERWRITE != 0 => BUILD_OVERWRITE,
        f if f & CREATE_WITH_BUILD_NO_OVERWRITE != 0 => BUILD_NO_OVERWRITE,
        _ => 0,
    };
    let (paths, def) = (d.paths().clone(), p.def.clone());
    blocking(move || {
        if build {
            if fs::is_mounted_type(def.pool_type) {
                fs::build(&def, &path, build_flags)?;
            } else {
                dir::build(&path, &perms)?;
            }
        }
        if fs::is_mounted_type(def.pool_type) {
            fs::start(&def, &path)?;
        }
        dir::check(&path)?;
        state::save_state(&paths, &def, true)
    })
    .await?;
    if let Some(obj) = d.lock().get_mut(name) {
        obj.active = true;
    }
    let d2 = d.clone();
    let n = name.to_owned();
    if let Err(e) = blocking(move || refresh_blocking(&d2, &n)).await {
        if let Some(obj) = d.lock().get_mut(name) {
            obj.active = false;
            obj.vols.clear();
        }
        let (paths, def, path) = (d.paths().clone(), p.def.clone(), p.path());
        let _ = blocking(move || {
            if fs::is_mounted_type(def.pool_type) {
                let _ = fs::stop(&path);
            }
            state::save_state(&paths, &def, false)
        })
        .await;
        return Err(e);
    }
    d.emit(&p.handle(), Lifecycle::Started);
    Ok(())
}

/// Run blocking disk work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Internal(format!("a storage task failed: {e}")))?
}

/// Read the pool's directory again: sizes of the file system and every volume in it.
pub(crate) fn refresh_blocking(d: &StorageDriver, name: &str) -> Result<()> {
    let path = {
        let g = d.lock();
        g.get(name).ok_or_else(|| not_active(name))?.path()
    };
    dir::check(&path)?;
    let (capacity, allocation, available) = dir::fs_sizes(&path)?;
    // the pool's permissions become what its directory has (libvirt's refresh does the same)
    let dir_perms = dir::probe(&path)?.perms;
    let names = dir::list(&path)?;
    let found = probe_all(&path, names);
    let mut g = d.lock();
    let p = g.get_mut(name).ok_or_else(|| not_active(name))?;
    let mut old = std::mem::take(&mut p.vols);
    let mut vols = BTreeMap::new();
    for (n, file, info) in found {
        if p.busy.contains(&n) {
            continue;
        }
        let v = match old.remove(&n) {
            // a volume this daemon made keeps its definition (format options, encryption)
            Some(v) => v,
            None => VolObj {
                def: probed_volume(&n, &file, &info),
            },
        };
        vols.insert(n, v);
    }
    p.vols = vols;
    p.def.capacity = capacity;
    p.def.allocation = allocation;
    p.def.available = available;
    p.def.target_perms.mode = dir_perms.mode.map(|m| m & 0o777);
    p.def.target_perms.owner = dir_perms.owner;
    p.def.target_perms.group = dir_perms.group;
    Ok(())
}

/// Threads that read image headers at once during a refresh.
const PROBE_THREADS: usize = 8;

/// Stat and read the header of every file of a pool's directory, on at most
/// [`PROBE_THREADS`] threads (a pool of thousands of images on a slow disk refreshes in a
/// fraction of the time one thread takes); files that vanished meanwhile are left out.
fn probe_all(dir: &std::path::Path, names: Vec<String>) -> Vec<(String, PathBuf, dir::FileInfo)> {
    let flags =
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
    let dirfd = rustix::fs::open(dir, flags, rustix::fs::Mode::empty()).ok();
    let dirfd = dirfd.as_ref().map(AsFd::as_fd);
    let probe = move |n: &String| {
        let file = dir.join(n);
        let info = match dirfd {
            Some(fd) => dir::probe_in(fd, n, &file),
            None => dir::probe(&file),
        };
        info.ok().map(|i| (n.clone(), file, i))
    };
    let threads = PROBE_THREADS.min(names.len().div_ceil(64)).max(1);
    if threads == 1 {
        return names.iter().filter_map(probe).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let names = &names;
    let next = &next;
    let probe = &probe;
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(n) = names.get(i) else { break };
                        out.extend(probe(n));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// The definition of a volume found on disk.
fn probed_volume(name: &str, file: &std::path::Path, info: &dir::FileInfo) -> Volume {
    // the defaults of a volume as libvirt parses a bare definition, parsed once: a refresh
    // finding thousands of new images does not parse XML for each
    static BARE: std::sync::OnceLock<Volume> = std::sync::OnceLock::new();
    let bare = BARE.get_or_init(|| {
        oxvirt_conf::storage::parse_volume(
            "<volume><name>x</name><capacity>0</capacity></volume>",
            PoolType::Dir,
            oxvirt_conf::storage::CapacityRule::Required,
        )
        .unwrap_or_else(|_| unreachable_volume())
    });
    let path = file.display().to_string();
    let mut v = bare.clone();
    v.name = name.to_owned();
    v.key = Some(path.clone());
    v.target.path = Some(path);
    v.vol_type = info.vol_type;
    v.target.format = if info.vol_type == oxvirt_conf::storage::VolType::Dir {
        Some("dir")
    } else {
        info.format
    };
    if info.luks {
        // libvirt's probe finds the encryption, not the secret
        v.target.encryption = Some(oxvirt_conf::storage::Encryption {
            format: "luks",
            secrets: Vec::new(),
            cipher: None,
            ivgen: None,
        });
    }
    if let Some((b, fmt)) = &info.backing {
        v.backing_store = Some(oxvirt_conf::storage::BackingStore {
            path: b.clone(),
            format: *fmt,
            perms: Default::default(),
        });
    }
    v
}

fn unreachable_volume() -> Volume {
    Volume {
        vol_type: Default::default(),
        name: String::new(),
        key: None,
        capacity: 0,
        allocation: 0,
        has_allocation: false,
        physical: 0,
        target: Default::default(),
        backing_store: None,
    }
}

pub async fn create(d: &Arc<StorageDriver>, a: PoolFlagsArgs) -> Result<()> {
    check_flags(a.flags, 7, "storagePoolCreate")?;
    let p = pool_of(d, &a.pool)?;
    start_by_name(d, &p.def.name, a.flags).await
}

pub async fn build(d: &Arc<StorageDriver>, a: PoolFlagsArgs) -> Result<()> {
    check_flags(
        a.flags,
        BUILD_NO_OVERWRITE | BUILD_OVERWRITE,
        "storagePoolBuild",
    )?;
    let p = pool_of(d, &a.pool)?;
    if p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{}' is already active",
            p.def.name
        )));
    }
    let (path, def) = (p.path(), p.def.clone());
    blocking(move || {
        if fs::is_mounted_type(def.pool_type) {
            fs::build(&def, &path, a.flags)
        } else {
            dir::build(&path, &def.target_perms)
        }
    })
    .await?;
    d.emit(&p.handle(), Lifecycle::Created);
    Ok(())
}

pub async fn destroy(d: &Arc<StorageDriver>, a: PoolArgs) -> Result<()> {
    let p = pool_of(d, &a.pool)?;
    if !p.active {
        return Err(not_active(&p.def.name));
    }
    if !p.busy.is_empty() {
        return Err(StorageError::OperationInvalid(format!(
            "pool '{}' has asynchronous jobs running.",
            p.def.name
        )));
    }
    let (paths, def, path) = (d.paths().clone(), p.def.clone(), p.path());
    blocking(move || {
        if fs::is_mounted_type(def.pool_type) {
            fs::stop(&path)?;
        }
        state::save_state(&paths, &def, false)
    })
    .await?;
    let mut g = d.lock();
    if p.persistent {
        if let Some(obj) = g.get_mut(&p.def.name) {
            obj.active = false;
            obj.vols.clear();
        }
    } else {
        g.by_name.remove(&p.def.name);
    }
    drop(g);
    d.emit(&p.handle(), Lifecycle::Stopped);
    Ok(())
}

pub async fn delete(d: &Arc<StorageDriver>, a: PoolFlagsArgs) -> Result<()> {
    check_flags(a.flags, 1, "storagePoolDelete")?;
    let p = pool_of(d, &a.pool)?;
    if p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{}' is still active",
            p.def.name
        )));
    }
    let path = p.path();
    blocking(move || dir::delete(&path)).await?;
    d.emit(&p.handle(), Lifecycle::Deleted);
    Ok(())
}

pub async fn undefine(d: &Arc<StorageDriver>, a: PoolArgs) -> Result<()> {
    let p = pool_of(d, &a.pool)?;
    if p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{}' is still active",
            p.def.name
        )));
    }
    if !p.persistent {
        return Err(StorageError::OperationInvalid(
            "cannot undefine transient storage pool".into(),
        ));
    }
    let (paths, name) = (d.paths().clone(), p.def.name.clone());
    blocking(move || state::remove_config(&paths, &name)).await?;
    d.lock().by_name.remove(&p.def.name);
    d.emit(&p.handle(), Lifecycle::Undefined);
    Ok(())
}

pub async fn refresh(d: &Arc<StorageDriver>, a: PoolFlagsArgs) -> Result<()> {
    check_flags(a.flags, 0, "storagePoolRefresh")?;
    let p = pool_of(d, &a.pool)?;
    if !p.active {
        return Err(not_active(&p.def.name));
    }
    let d2 = d.clone();
    let name = p.def.name.clone();
    blocking(move || refresh_blocking(&d2, &name)).await?;
    d.pool_events.refresh(&p.handle());
    Ok(())
}

pub fn lookup_by_name(d: &StorageDriver, a: PoolLookupByNameArgs) -> Result<PoolRet> {
    d.lock()
        .get(&a.name)
        .map(|p| PoolRet { pool: p.handle() })
        .ok_or_else(|| {
            StorageError::NoPool(format!("no storage pool with matching name '{}'", a.name))
        })
}

pub fn lookup_by_uuid(d: &StorageDriver, a: PoolLookupByUuidArgs) -> Result<PoolRet> {
    d.lock()
        .by_uuid(&a.uuid)
        .map(|p| PoolRet { pool: p.handle() })
        .ok_or_else(|| {
            StorageError::NoPool(format!(
                "no storage pool with matching uuid '{}'",
                oxvirt_conf::domain::uuid_string(&a.uuid)
            ))
        })
}

pub fn lookup_by_volume(d: &StorageDriver, a: VolArgs) -> Result<PoolRet> {
    d.lock()
        .get(&a.vol.pool)
        .map(|p| PoolRet { pool: p.handle() })
        .ok_or_else(|| {
            StorageError::NoPool(format!(
                "no storage pool with matching name '{}'",
                a.vol.pool
            ))
        })
}

pub fn lookup_by_target_path(d: &StorageDriver, a: StringArgs) -> Result<PoolRet> {
    let clean = oxvirt_conf::storage::sanitize_path(&a.value);
    d.lock()
        .by_name
        .values()
        .find(|p| p.active && p.def.target_path.as_deref() == Some(clean.as_str()))
        .map(|p| PoolRet { pool: p.handle() })
        .ok_or_else(|| {
            StorageError::NoPool(format!(
                "no storage pool with matching target path '{}'",
                a.value
            ))
        })
}

pub async fn get_info(d: &Arc<StorageDriver>, a: PoolArgs) -> Result<PoolGetInfoRet> {
    let p = pool_of(d, &a.pool)?;
    Ok(if p.active {
        let path = p.path();
        let (capacity, allocation, available) = blocking(move || dir::fs_sizes(&path)).await?;
        PoolGetInfoRet {
            state: STATE_RUNNING,
            capacity,
            allocation,
            available,
        }
    } else {
        PoolGetInfoRet {
            state: STATE_INACTIVE,
            capacity: 0,
            allocation: 0,
            available: 0,
        }
    })
}

pub async fn get_xml_desc(d: &Arc<StorageDriver>, a: PoolFlagsArgs) -> Result<String> {
    check_flags(a.flags, XML_INACTIVE, "storagePoolGetXMLDesc")?;
    let mut p = pool_of(d, &a.pool)?;
    if p.active && a.flags & XML_INACTIVE == 0 {
        let path = p.path();
        if let Ok((c, al, av)) = blocking(move || dir::fs_sizes(&path)).await {
            (p.def.capacity, p.def.allocation, p.def.available) = (c, al, av);
        }
    } else if !p.active {
        (p.def.capacity, p.def.allocation, p.def.available) = (0, 0, 0);
    }
    Ok(p.def.format())
}

pub fn get_autostart(d: &StorageDriver, a: PoolArgs) -> Result<i32> {
    Ok(i32::from(pool_of(d, &a.pool)?.autostart))
}

pub async fn set_autostart(d: &Arc<StorageDriver>, a: PoolSetAutostartArgs) -> Result<()> {
    let p = pool_of(d, &a.pool)?;
    if !p.persistent {
        return Err(StorageError::Internal("pool has no config file".into()));
    }
    let on = a.autostart != 0;
    let (paths, name) = (d.paths().clone(), p.def.name.clone());
    blocking(move || state::set_autostart(&paths, &name, on)).await?;
    if let Some(obj) = d.lock().get_mut(&p.def.name) {
        obj.autostart = on;
    }
    Ok(())
}

pub fn is_active(d: &StorageDriver, a: PoolArgs) -> Result<i32> {
    Ok(i32::from(pool_of(d, &a.pool)?.active))
}

pub fn is_persistent(d: &StorageDriver, a: PoolArgs) -> Result<i32> {
    Ok(i32::from(pool_of(d, &a.pool)?.persistent))
}

/// `virConnectListAllStoragePools` flags.
const LIST_INACTIVE: u32 = 1;
const LIST_ACTIVE: u32 = 2;
const LIST_PERSISTENT: u32 = 4;
const LIST_TRANSIENT: u32 = 8;
const LIST_AUTOSTART: u32 = 16;
const LIST_NO_AUTOSTART: u32 = 32;
/// the type filters, bit 6 on, in `virStoragePoolType`'s order but for iscsi-direct (last)
fn type_flag(t: PoolType) -> u32 {
    let order = [
        PoolType::Dir,
        PoolType::Fs,
        PoolType::Netfs,
        PoolType::Logical,
        PoolType::Disk,
        PoolType::Iscsi,
        PoolType::Scsi,
        PoolType::Mpath,
        PoolType::Rbd,
        PoolType::Sheepdog,
        PoolType::Gluster,
        PoolType::Zfs,
        PoolType::Vstorage,
        PoolType::IscsiDirect,
    ];
    order.iter().position(|x| *x == t).map_or(0, |i| 64 << i)
}

pub fn list_all(
    d: &StorageDriver,
    a: ConnectListAllStoragePoolsArgs,
) -> Result<ConnectListAllStoragePoolsRet> {
    check_flags(a.flags, (64 << 14) - 1, "storageConnectListAllStoragePools")?;
    let f = a.flags;
    let pair = |on: bool, yes: u32, no: u32| {
        f & (yes | no) == 0 || (on && f & yes != 0) || (!on && f & no != 0)
    };
    let types = f & !63;
    let g = d.lock();
    let pools: Vec<NonnullStoragePool> = g
        .by_name
        .values()
        .filter(|p| pair(p.active, LIST_ACTIVE, LIST_INACTIVE))
        .filter(|p| pair(p.persistent, LIST_PERSISTENT, LIST_TRANSIENT))
        .filter(|p| pair(p.autostart, LIST_AUTOSTART, LIST_NO_AUTOSTART))
        .filter(|p| types == 0 || types & type_flag(p.def.pool_type) != 0)
        .map(PoolObj::handle)
        .collect();
    let ret = u32::try_from(pools.len()).unwrap_or(u32::MAX);
    Ok(ConnectListAllStoragePoolsRet {
        pools: if a.need_results != 0 {
            pools
        } else {
            Vec::new()
        },
        ret,
    })
}

/// The legacy lists: names of active (or inactive) pools, at most `maxnames`.
pub fn list_names(d: &StorageDriver, active: bool, maxnames: i32) -> Result<NamesRet> {
    if maxnames < 0 {
        return Err(StorageError::Vir(oxvirt_proto::VirError::rpc(
            "maxnames > REMOTE_STORAGE_POOL_LIST_MAX",
        )));
    }
    let g = d.lock();
    let names = g
        .by_name
        .values()
        .filter(|p| p.active == active)
        .map(|p| p.def.name.clone())
        .take(usize::try_from(maxnames).unwrap_or(0))
        .collect();
    Ok(NamesRet { names })
}

pub fn count(d: &StorageDriver, active: bool) -> i32 {
    let n = d
        .lock()
        .by_name
        .values()
        .filter(|p| p.active == active)
        .count();
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn capabilities() -> String {
    pool_capabilities(supported)
}

/// A volume handle of a pool.
pub(crate) fn vol_handle(pool: &str, v: &Volume) -> NonnullStorageVol {
    NonnullStorageVol {
        pool: pool.to_owned(),
        name: v.name.clone(),
        key: v.key.clone().unwrap_or_default(),
    }
}

/// The path a pool's volume has.
pub(crate) fn vol_path(p: &PoolObj, name: &str) -> PathBuf {
    p.path().join(name)
}

/// Refresh a pool after an upload into one of its volumes closed, and send its refresh event
/// (libvirt's `virStorageVolPoolRefreshThread`); a pool stopped meanwhile is left alone.
pub(crate) async fn refresh_after_upload(d: &Arc<StorageDriver>, name: &str) {
    let Some(handle) = d.lock().get(name).filter(|p| p.active).map(PoolObj::handle) else {
        return;
    };
    let (d2, n) = (d.clone(), name.to_owned());
    if let Err(e) = blocking(move || refresh_blocking(&d2, &n)).await {
        tracing::warn!(pool = %name, "cannot refresh the pool after an upload: {e}");
        return;
    }
    d.pool_events.refresh(&handle);
}
