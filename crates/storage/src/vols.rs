//! Volume procedures: lists, create, clone, delete, wipe, resize, info, XML, path, lookups.

use std::sync::Arc;

use oxvirt_conf::storage::{parse_volume, CapacityRule, Volume};
use oxvirt_proto::storage::*;
use oxvirt_proto::NonnullStorageVol;

use crate::error::{Result, StorageError};
use crate::pools::{blocking, pool_of, vol_handle, vol_path};
use crate::state::{self, PoolObj, VolObj};
use crate::{dir, StorageDriver};

/// `VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA`, `_REFLINK`, `VIR_STORAGE_VOL_CREATE_VALIDATE`
const CREATE_PREALLOC_METADATA: u32 = 1;
const CREATE_REFLINK: u32 = 2;
const CREATE_VALIDATE: u32 = 4;
/// `VIR_STORAGE_VOL_RESIZE_*`
const RESIZE_ALLOCATE: u32 = 1;
const RESIZE_DELTA: u32 = 2;
const RESIZE_SHRINK: u32 = 4;

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

fn active_pool(d: &StorageDriver, h: &oxvirt_proto::NonnullStoragePool) -> Result<PoolObj> {
    let p = pool_of(d, h)?;
    if !p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{}' is not active",
            p.def.name
        )));
    }
    Ok(p)
}

/// The pool and volume a handle names (`storageVolLookupObjFromVol`).
pub(crate) fn vol_of(d: &StorageDriver, h: &NonnullStorageVol) -> Result<(PoolObj, Volume)> {
    let g = d.lock();
    let p = g.get(&h.pool).ok_or_else(|| {
        StorageError::NoPool(format!("no storage pool with matching name '{}'", h.pool))
    })?;
    if !p.active {
        return Err(StorageError::OperationInvalid(format!(
            "storage pool '{}' is not active",
            p.def.name
        )));
    }
    let v = p.vols.get(&h.name).ok_or_else(|| {
        StorageError::NoVol(format!("no storage vol with matching name '{}'", h.name))
    })?;
    Ok((p.without_vols(), v.def.clone()))
}

/// A volume's definition with what is on disk now (`refreshVol`): sizes, permissions, times.
fn refreshed(mut v: Volume, with_times: bool) -> Result<Volume> {
    let path = std::path::PathBuf::from(v.target.path.clone().unwrap_or_default());
    let info = dir::probe(&path)?;
    v.vol_type = info.vol_type;
    v.capacity = info.capacity;
    v.allocation = info.allocation;
    v.physical = info.physical;
    let label = v.target.perms.label.take();
    v.target.perms = info.perms;
    v.target.perms.label = label;
    if with_times {
        v.target.timestamps = Some(info.timestamps);
    }
    if let Some(b) = &mut v.backing_store {
        if let Ok(bi) = dir::probe(std::path::Path::new(&b.path)) {
            b.perms = bi.perms;
        }
    }
    Ok(v)
}

pub fn list_all(d: &StorageDriver, a: PoolListAllVolumesArgs) -> Result<PoolListAllVolumesRet> {
    check_flags(a.flags, 0, "storagePoolListAllVolumes")?;
    crate::pools::with_active_pool(d, &a.pool, |p| {
        let ret = u32::try_from(p.vols.len()).unwrap_or(u32::MAX);
        let vols = if a.need_results != 0 {
            p.vols
                .values()
                .map(|v| vol_handle(&p.def.name, &v.def))
                .collect()
        } else {
            Vec::new()
        };
        Ok(PoolListAllVolumesRet { vols, ret })
    })
}

pub fn num(d: &StorageDriver, a: PoolArgs) -> Result<i32> {
    crate::pools::with_active_pool(d, &a.pool, |p| {
        Ok(i32::try_from(p.vols.len()).unwrap_or(i32::MAX))
    })
}

pub fn list_names(d: &StorageDriver, a: PoolListVolumesArgs) -> Result<NamesRet> {
    crate::pools::with_active_pool(d, &a.pool, |p| {
        Ok(NamesRet {
            names: p
                .vols
                .keys()
                .take(usize::try_from(a.maxnames).unwrap_or(0))
                .cloned()
                .collect(),
        })
    })
}

/// Reserve a name for a new volume, or refuse it as libvirt does.
fn reserve(d: &StorageDriver, pool: &str, def: &Volume) -> Result<()> {
    if def.name.contains('/') {
        return Err(StorageError::InvalidArg(format!(
            "volume name '{}' cannot contain '/'",
            def.name
        )));
    }
    if !oxvirt_conf::name::is_valid_name(&def.name) {
        return Err(StorageError::InvalidArg(format!(
            "invalid volume name '{}'",
            def.name
        )));
    }
    let mut g = d.lock();
    let p = g.get_mut(pool).ok_or_else(|| {
        StorageError::NoPool(format!("no storage pool with matching name '{pool}'"))
    })?;
    if p.vols.contains_key(&def.name) || p.busy.contains(&def.name) {
        return Err(StorageError::VolExists(format!("'{}'", def.name)));
    }
    p.busy.insert(def.name.clone());
    Ok(())
}

fn release(d: &StorageDriver, pool: &str, name: &str, made: Option<Volume>) {
    let mut g = d.lock();
    if let Some(p) = g.get_mut(pool) {
        p.busy.remove(name);
        if let Some(v) = made {
            p.vols.insert(name.to_owned(), VolObj { def: v });
        }
    }
}

/// Make the file of a new volume, with the pending mark around it, then record the volume.
async fn make(
    d: &Arc<StorageDriver>,
    pool: &PoolObj,
    mut def: Volume,
    work: impl FnOnce(&Volume, &std::path::Path) -> Result<()> + Send + 'static,
) -> Result<VolRet> {
    let pool_name = pool.def.name.clone();
    let path = vol_path(pool, &def.name);
    let key = path.display().to_string();
    def.key = Some(key.clone());
    def.target.path = Some(key);
    reserve(d, &pool_name, &def)?;
    let paths = d.paths().clone();
    let name = def.name.clone();
    let def2 = def.clone();
    let r = blocking({
        let pool_name = pool_name.clone();
        move || {
            state::mark_pending(&paths, &pool_name, &name, &path)?;
            let r = work(&def2, &path);
            if r.is_err() {
                let _ = std::fs::remove_file(&path);
            }
            state::unmark_pending(&paths, &pool_name, &name);
            r
        }
    })
    .await;
    match r {
        Ok(()) => {
            let h = vol_handle(&pool_name, &def);
            let name = def.name.clone();
            release(d, &pool_name, &name, Some(def));
            Ok(VolRet { vol: h })
        }
        Err(e) => {
            release(d, &pool_name, &def.name, None);
            Err(e)
        }
    }
}

pub async fn create_xml(d: &Arc<StorageDriver>, a: VolCreateXmlArgs) -> Result<VolRet> {
    check_flags(
        a.flags,
        CREATE_PREALLOC_METADATA | CREATE_VALIDATE,
        "storageVolCreateXML",
    )?;
    let p = active_pool(d, &a.pool)?;
    let def = parse_volume(&a.xml, p.def.pool_type, CapacityRule::OptionalWithBacking)?;
    // an encrypted volume's passphrase, from the secret daemon, in a file for qemu-img
    let secret = match &def.target.encryption {
        Some(enc) => {
            crate::encrypted::check(&def, enc)?;
            let value = crate::encrypted::passphrase(&d.secrets, enc).await?;
            let dir = d.paths().state.clone();
            let name = def.name.clone();
            Some(blocking(move || crate::encrypted::SecretFile::write(&dir, &name, &value)).await?)
        }
        None => None,
    };
    let prealloc = a.flags & CREATE_PREALLOC_METADATA != 0;
    make(d, &p, def, move |v, path| {
        let mode = v.target.perms.mode.unwrap_or(dir::DEFAULT_VOL_MODE);
        let secret_path = secret.as_ref().map(|f| f.path());
        match v.target.format.unwrap_or("raw") {
            "raw" if secret.is_none() => {
                if prealloc {
                    return Err(StorageError::Unsupported(
                        "metadata preallocation only available with qcow2".into(),
                    ));
                }
                dir::create_raw(path, v.capacity, v.allocation, mode)
            }
            "dir" => std::fs::create_dir(path).map_err(|e| {
                StorageError::system(format!("cannot create path '{}'", path.display()), e)
            }),
            _ => {
                let r = dir::qemu_img(&dir::qemu_img_create_args(v, path, prealloc, secret_path));
                drop(secret);
                r?;
                set_mode(path, mode)
            }
        }
    })
    .await
}

fn set_mode(path: &std::path::Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StorageError::system(format!("cannot set mode of '{}'", path.display()), e))
}

pub async fn create_xml_from(d: &Arc<StorageDriver>, a: VolCreateXmlFromArgs) -> Result<VolRet> {
    check_flags(
        a.flags,
        CREATE_PREALLOC_METADATA | CREATE_REFLINK,
        "storageVolCreateXMLFrom",
    )?;
    let p = active_pool(d, &a.pool)?;
    let (_, src) = vol_of(d, &a.clonevol)?;
    let src = refreshed(src, false)?;
    let mut def = parse_volume(&a.xml, p.def.pool_type, CapacityRule::Optional)?;
    if def.capacity < src.capacity {
        def.capacity = src.capacity;
    }
    if !def.has_allocation {
        def.allocation = def.capacity;
    }
    let src_path = src.target.path.clone().unwrap_or_default();
    let src_format = src.target.format.unwrap_or("raw");
    make(d, &p, def, move |v, path| {
        let mode = v.target.perms.mode.unwrap_or(dir::DEFAULT_VOL_MODE);
        let to = v.target.format.unwrap_or("raw");
        if to == "raw" && src_format == "raw" {
            dir::copy_sparse(
                std::path::Path::new(&src_path),
                path,
                mode,
                v.capacity,
                v.allocation,
            )
        } else {
            let mut args = vec![
                "convert".to_owned(),
                "-f".into(),
                src_format.into(),
                "-O".into(),
                to.into(),
            ];
            if to == "qcow2" {
                args.push("-o".into());
                args.push(format!(
                    "compat={}",
                    v.target.compat.as_deref().unwrap_or("1.1")
                ));
            }
            args.push(src_path.clone());
            args.push(path.display().to_string());
            dir::qemu_img(&args)?;
            set_mode(path, mode)
        }
    })
    .await
}

pub async fn delete(d: &Arc<StorageDriver>, a: VolFlagsArgs) -> Result<()> {
    check_flags(a.flags, 0, "storageVolDelete")?;
    let (p, v) = vol_of(d, &a.vol)?;
    let path = vol_path(&p, &v.name);
    let is_dir = v.vol_type == oxvirt_conf::storage::VolType::Dir;
    blocking(move || {
        let r = if is_dir {
            std::fs::remove_dir(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match r {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StorageError::system(
                format!("cannot unlink file '{}'", path.display()),
                e,
            )),
            _ => Ok(()),
        }
    })
    .await?;
    if let Some(obj) = d.lock().get_mut(&p.def.name) {
        obj.vols.remove(&v.name);
    }
    Ok(())
}

pub async fn wipe(
    d: &Arc<StorageDriver>,
    vol: NonnullStorageVol,
    algorithm: u32,
    flags: u32,
) -> Result<()> {
    check_flags(flags, 0, "storageVolWipePattern")?;
    let pattern = crate::wipe::pattern(algorithm)?;
    let (p, v) = vol_of(d, &vol)?;
    let path = vol_path(&p, &v.name);
    blocking(move || match pattern {
        None => {
            let info = dir::probe(&path)?;
            dir::wipe_zero(&path, info.allocation.min(info.physical))
        }
        Some(alg) => crate::wipe::scrub(alg, &path),
    })
    .await
}

pub async fn resize(d: &Arc<StorageDriver>, a: VolResizeArgs) -> Result<()> {
    check_flags(
        a.flags,
        RESIZE_ALLOCATE | RESIZE_DELTA | RESIZE_SHRINK,
        "storageVolResize",
    )?;
    let (p, v) = vol_of(d, &a.vol)?;
    let v = refreshed(v, false)?;
    let capacity = if a.flags & RESIZE_DELTA != 0 {
        if a.flags & RESIZE_SHRINK != 0 {
            v.capacity.checked_sub(a.capacity).ok_or_else(|| {
                StorageError::InvalidArg("can't shrink capacity below existing allocation".into())
            })?
        } else {
            v.capacity.saturating_add(a.capacity)
        }
    } else {
        a.capacity
    };
    // libvirt's order: the allocation first, whatever the flags
    if capacity < v.allocation {
        return Err(StorageError::InvalidArg(
            "can't shrink capacity below existing allocation".into(),
        ));
    }
    if capacity < v.capacity && a.flags & RESIZE_SHRINK == 0 {
        return Err(StorageError::InvalidArg(
            "Can't shrink capacity below current capacity unless shrink flag explicitly specified"
                .into(),
        ));
    }
    let path = vol_path(&p, &v.name);
    let format = v.target.format.unwrap_or("raw");
    let shrink = capacity < v.capacity;
    let allocate = a.flags & RESIZE_ALLOCATE != 0;
    if allocate && format != "raw" {
        return Err(StorageError::Unsupported(
            "preallocate is only supported for raw type volume".into(),
        ));
    }
    blocking(move || {
        if format == "raw" {
            dir::resize_raw(&path, capacity, allocate)
        } else {
            let mut args = vec!["resize".to_owned()];
            if shrink {
                args.push("--shrink".into());
            }
            args.push(path.display().to_string());
            args.push(capacity.div_ceil(512).saturating_mul(512).to_string());
            dir::qemu_img(&args)
        }
    })
    .await
}

/// `VIR_STORAGE_VOL_GET_PHYSICAL`: the info's allocation is the file's size.
const GET_PHYSICAL: u32 = 1;

pub async fn get_info(
    d: &Arc<StorageDriver>,
    vol: NonnullStorageVol,
    flags: u32,
) -> Result<VolGetInfoRet> {
    check_flags(flags, GET_PHYSICAL, "storageVolGetInfoFlags")?;
    let (_, v) = vol_of(d, &vol)?;
    let v = blocking(move || refreshed(v, false)).await?;
    Ok(VolGetInfoRet {
        vol_type: i8::try_from(v.vol_type.number()).unwrap_or(0),
        capacity: v.capacity,
        allocation: if flags & GET_PHYSICAL != 0 {
            v.physical
        } else {
            v.allocation
        },
    })
}

pub async fn get_xml_desc(d: &Arc<StorageDriver>, a: VolFlagsArgs) -> Result<String> {
    check_flags(a.flags, 0, "storageVolGetXMLDesc")?;
    let (p, v) = vol_of(d, &a.vol)?;
    let v = blocking(move || refreshed(v, true)).await?;
    Ok(v.format(p.def.pool_type))
}

pub fn get_path(d: &StorageDriver, vol: NonnullStorageVol) -> Result<String> {
    let (_, v) = vol_of(d, &vol)?;
    Ok(v.target.path.unwrap_or_default())
}

pub fn lookup_by_name(d: &StorageDriver, a: VolLookupByNameArgs) -> Result<VolRet> {
    crate::pools::with_active_pool(d, &a.pool, |p| {
        p.vols
            .get(&a.name)
            .map(|v| VolRet {
                vol: vol_handle(&p.def.name, &v.def),
            })
            .ok_or_else(|| {
                StorageError::NoVol(format!("no storage vol with matching name '{}'", a.name))
            })
    })
}

fn find(d: &StorageDriver, pred: impl Fn(&Volume) -> bool) -> Option<VolRet> {
    let g = d.lock();
    g.by_name.values().filter(|p| p.active).find_map(|p| {
        p.vols.values().find(|v| pred(&v.def)).map(|v| VolRet {
            vol: vol_handle(&p.def.name, &v.def),
        })
    })
}

pub fn lookup_by_key(d: &StorageDriver, a: StringArgs) -> Result<VolRet> {
    find(d, |v| v.key.as_deref() == Some(a.value.as_str()))
        .ok_or_else(|| StorageError::NoVol(format!("no storage vol with matching key {}", a.value)))
}

pub fn lookup_by_path(d: &StorageDriver, a: StringArgs) -> Result<VolRet> {
    let clean = oxvirt_conf::storage::sanitize_path(&a.value);
    find(d, |v| v.target.path.as_deref() == Some(clean.as_str())).ok_or_else(|| {
        StorageError::NoVol(format!("no storage vol with matching path '{}'", a.value))
    })
}
