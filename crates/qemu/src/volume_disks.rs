//! `<disk type='volume'>`: a disk named by storage pool and volume, resolved at start through
//! the driver's connection to the storage daemon, as libvirt's QEMU driver does through its
//! `storage:///system` connection (`virDomainDiskTranslateSourcePool`).
//!
//! At start each volume disk (last to first, libvirt's order) is looked up: the pool by name
//! (missing: the storage daemon's "Storage pool not found"), the pool must be active
//! (otherwise `VIR_ERR_CONFIG_UNSUPPORTED` "storage pool 'P' containing volume 'V' is not
//! active"), the volume by name (missing: "Storage volume not found"), then its type and
//! path. The live XML keeps `<source pool= volume=>` as libvirt's does, with the format
//! `raw` when the definition gave none; QEMU opens the path ([`VolumeSource`] in the status
//! file, applied by [`oxvirt_conf::domain::DomainStatus::command_domain`]).
//!
//! [`StorageLink`] is the driver's connection to the storage daemon (one per driver, opened on
//! first use, opened again after the daemon went away); other code that needs storage calls
//! uses it too.

use oxvirt_conf::domain::{Domain, VolumeSource};
use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{IntRet, StringRet};
use oxvirt_proto::storage::{
    PoolArgs, PoolLookupByNameArgs, PoolRet, VolArgs, VolGetInfoRet, VolLookupByNameArgs, VolRet,
};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::forward::{self, Upstream};
use oxvirt_rpc::client::Client as RpcClient;

use crate::QemuError;

/// The driver's connection to the storage daemon (libvirt's `storage:///system` secondary
/// connection of the QEMU driver).
#[derive(Debug)]
pub struct StorageLink {
    upstream: Option<Upstream>,
    conn: tokio::sync::Mutex<Option<RpcClient>>,
}

impl StorageLink {
    /// A link to the daemon at `upstream` (`None`: no storage daemon is configured).
    pub fn new(upstream: Option<Upstream>) -> Self {
        StorageLink {
            upstream,
            conn: tokio::sync::Mutex::new(None),
        }
    }

    /// The open connection: opened on first use, and again if the daemon went away.
    pub async fn client(&self) -> Result<RpcClient, VirError> {
        let Some(up) = &self.upstream else {
            return Err(VirError::new(
                oxvirt_proto::vir_error::code::NO_SUPPORT,
                oxvirt_proto::vir_error::domain::STORAGE,
                "virStoragePoolLookupByName",
            ));
        };
        let mut conn = self.conn.lock().await;
        if let Some(c) = conn.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        // the driver's own connection: no client's identity to forward
        let (c, _events) = forward::open(up, None).await?;
        *conn = Some(c.clone());
        Ok(c)
    }

    /// One typed REMOTE call on the link.
    pub async fn call<A, R>(&self, procedure: i32, args: &A) -> Result<R, VirError>
    where
        A: oxvirt_xdr::Encode + ?Sized,
        R: oxvirt_xdr::Decode,
    {
        let c = self.client().await?;
        c.call(REMOTE_PROGRAM, procedure, args)
            .await
            .map_err(|e| e.to_vir_error())
    }
}

/// `virStorageVolType`: what a volume's path is.
fn volume_kind(vol_type: i8) -> Option<&'static str> {
    match vol_type {
        0 => Some("file"),
        1 => Some("block"),
        _ => None,
    }
}

/// Resolve every `<disk type='volume'>` of `live` (a definition being started): the sources
/// QEMU opens, and the live XML's defaults filled in.
pub async fn resolve(
    link: &StorageLink,
    live: &mut Domain,
) -> Result<Vec<VolumeSource>, QemuError> {
    let mut out = Vec::new();
    // libvirt prepares the disks' storage from the last disk to the first
    for d in live.devices.disks.iter_mut().rev() {
        if d.kind != "volume" {
            continue;
        }
        let Some(v) = d.volume.clone() else {
            continue;
        };
        let pool: PoolRet = link
            .call(
                rp::STORAGE_POOL_LOOKUP_BY_NAME,
                &PoolLookupByNameArgs {
                    name: v.pool.clone(),
                },
            )
            .await
            .map_err(QemuError::Vir)?;
        let active: IntRet = link
            .call(
                rp::STORAGE_POOL_IS_ACTIVE,
                &PoolArgs {
                    pool: pool.pool.clone(),
                },
            )
            .await
            .map_err(QemuError::Vir)?;
        if active.value == 0 {
            return Err(QemuError::Vir(VirError::new(
                oxvirt_proto::vir_error::code::CONFIG_UNSUPPORTED,
                oxvirt_proto::vir_error::domain::DOMAIN,
                format!(
                    "storage pool '{}' containing volume '{}' is not active",
                    v.pool, v.volume
                ),
            )));
        }
        let vol: VolRet = link
            .call(
                rp::STORAGE_VOL_LOOKUP_BY_NAME,
                &VolLookupByNameArgs {
                    pool: pool.pool,
                    name: v.volume.clone(),
                },
            )
            .await
            .map_err(QemuError::Vir)?;
        let info: VolGetInfoRet = link
            .call(
                rp::STORAGE_VOL_GET_INFO,
                &VolArgs {
                    vol: vol.vol.clone(),
                },
            )
            .await
            .map_err(QemuError::Vir)?;
        let Some(kind) = volume_kind(info.vol_type) else {
            return Err(QemuError::ConfigUnsupported(format!(
                "volume '{}' of pool '{}' is not a file or block device, which oxvirt does not support yet",
                v.volume, v.pool
            )));
        };
        let path: StringRet = link
            .call(rp::STORAGE_VOL_GET_PATH, &VolArgs { vol: vol.vol })
            .await
            .map_err(QemuError::Vir)?;
        if !d.driver.iter().any(|(k, _)| *k == "type") {
            set_driver_type(&mut d.driver, "raw");
        }
        out.push(VolumeSource {
            target: d.target_dev.clone(),
            kind: kind.to_owned(),
            path: path.value,
        });
    }
    out.reverse();
    Ok(out)
}

/// Add `type=` to a disk's `<driver>` attributes after `name=`, libvirt's order.
fn set_driver_type(driver: &mut Vec<(&'static str, String)>, format: &str) {
    if !driver.iter().any(|(k, _)| *k == "name") {
        driver.insert(0, ("name", "qemu".to_owned()));
    }
    let at = driver
        .iter()
        .position(|(k, _)| *k == "name")
        .map_or(0, |i| i + 1);
    driver.insert(at, ("type", format.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_type_after_name() {
        let mut d = vec![("name", "qemu".to_owned()), ("cache", "none".to_owned())];
        set_driver_type(&mut d, "raw");
        assert_eq!(
            d,
            vec![
                ("name", "qemu".to_owned()),
                ("type", "raw".to_owned()),
                ("cache", "none".to_owned())
            ]
        );
        let mut d = Vec::new();
        set_driver_type(&mut d, "raw");
        assert_eq!(
            d,
            vec![("name", "qemu".to_owned()), ("type", "raw".to_owned())]
        );
    }

    #[test]
    fn volume_types() {
        assert_eq!(volume_kind(0), Some("file"));
        assert_eq!(volume_kind(1), Some("block"));
        assert_eq!(volume_kind(2), None);
    }

    #[tokio::test]
    async fn no_storage_daemon() {
        let l = StorageLink::new(Some(Upstream {
            socket: "/nonexistent/storaged-sock".into(),
            uri: "storage:///system".into(),
        }));
        let e = l.client().await.expect_err("no daemon");
        assert_eq!(
            e.message,
            "Failed to connect socket to '/nonexistent/storaged-sock': No such file or directory"
        );
    }
}
