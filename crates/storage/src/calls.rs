//! The storage driver's one routing table: each procedure it serves, with its typed handler
//! (the functions of [`crate::pools`] and [`crate::vols`], which do their disk work on the
//! blocking pool themselves). Others answer libvirt's "unsupported" error.

use std::sync::{Arc, LazyLock};

use oxvirt_proto::calls::{
    ConnectGetHostname, ConnectGetLibVersion, ConnectGetType, ConnectGetVersion,
};
use oxvirt_proto::remote::{CallbackIdRet, IntRet, StringRet, U64Ret};
use oxvirt_proto::storage::VolTransferArgs;
use oxvirt_proto::VirError;
use oxvirt_remote::{CallCtx, Router};

use crate::error::{Result, StorageError};
use crate::procs::*;
use crate::{pools, vols, StorageDriver};

/// The routes, built once.
pub static ROUTES: LazyLock<Router<StorageDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    register_connect(&mut r);
    register_pools(&mut r);
    register_vols(&mut r);
    r
});

fn int(r: Result<i32>) -> Result<IntRet> {
    r.map(|value| IntRet { value })
}

fn string(r: Result<String>) -> Result<StringRet> {
    r.map(|value| StringRet { value })
}

fn register_connect(r: &mut Router<StorageDriver>) {
    r.add_sync(ConnectGetType, |_, (), _| string(Ok("storage".into())));
    let version = |_: &_, (), _: &_| {
        Ok::<_, StorageError>(U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        })
    };
    r.add_sync(ConnectGetVersion, version);
    r.add_sync(ConnectGetLibVersion, version);
    r.add_sync(ConnectGetHostname, |_, (), _| {
        string(Ok(rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned()))
    });
    r.add_sync(ConnectListAllStoragePools, |d, a, _| pools::list_all(d, a));
    r.add_sync(ConnectNumOfStoragePools, |d, (), _| {
        int(Ok(pools::count(d, true)))
    });
    r.add_sync(ConnectNumOfDefinedStoragePools, |d, (), _| {
        int(Ok(pools::count(d, false)))
    });
    r.add_sync(ConnectListStoragePools, |d, a, _| {
        pools::list_names(d, true, a.maxnames)
    });
    r.add_sync(ConnectListDefinedStoragePools, |d, a, _| {
        pools::list_names(d, false, a.maxnames)
    });
    r.add_sync(ConnectGetStoragePoolCapabilities, |_, a, _| {
        if a.flags != 0 {
            return Err(VirError::unsupported_flags(
                a.flags,
                "storageConnectGetStoragePoolCapabilities",
                oxvirt_proto::errors::ErrorDomain::Storage as i32,
            ));
        }
        Ok(StringRet {
            value: pools::capabilities(),
        })
    });
    r.add(ConnectFindStoragePoolSources, |_, a, _| async move {
        string(pools::blocking(move || crate::find_sources::find(&a)).await)
    });
    r.add_sync(ConnectStoragePoolEventRegisterAny, |d, a, ctx| {
        let id =
            d.pool_events
                .registry
                .register(&ctx.client, a.event_id, a.pool.map(|p| p.uuid))?;
        Ok::<_, VirError>(CallbackIdRet { callback_id: id })
    });
    r.add_sync(ConnectStoragePoolEventDeregisterAny, |d, a, ctx| {
        d.pool_events
            .registry
            .deregister(&ctx.client, a.callback_id)
    });
}

fn register_pools(r: &mut Router<StorageDriver>) {
    r.add(StoragePoolDefineXml, |d, a, _| async move {
        pools::define_xml(&d, a).await
    });
    r.add(StoragePoolCreateXml, |d, a, _| async move {
        pools::create_xml(&d, a).await
    });
    r.add(StoragePoolCreate, |d, a, _| async move {
        pools::create(&d, a).await
    });
    r.add(StoragePoolBuild, |d, a, _| async move {
        pools::build(&d, a).await
    });
    r.add(StoragePoolDestroy, |d, a, _| async move {
        pools::destroy(&d, a).await
    });
    r.add(StoragePoolDelete, |d, a, _| async move {
        pools::delete(&d, a).await
    });
    r.add(StoragePoolUndefine, |d, a, _| async move {
        pools::undefine(&d, a).await
    });
    r.add(StoragePoolRefresh, |d, a, _| async move {
        pools::refresh(&d, a).await
    });
    r.add_sync(StoragePoolLookupByName, |d, a, _| {
        pools::lookup_by_name(d, a)
    });
    r.add_sync(StoragePoolLookupByUuid, |d, a, _| {
        pools::lookup_by_uuid(d, a)
    });
    r.add_sync(StoragePoolLookupByVolume, |d, a, _| {
        pools::lookup_by_volume(d, a)
    });
    r.add_sync(StoragePoolLookupByTargetPath, |d, a, _| {
        pools::lookup_by_target_path(d, a)
    });
    r.add(StoragePoolGetInfo, |d, a, _| async move {
        pools::get_info(&d, a).await
    });
    r.add(StoragePoolGetXmlDesc, |d, a, _| async move {
        string(pools::get_xml_desc(&d, a).await)
    });
    r.add_sync(StoragePoolGetAutostart, |d, a, _| {
        int(pools::get_autostart(d, a))
    });
    r.add(StoragePoolSetAutostart, |d, a, _| async move {
        pools::set_autostart(&d, a).await
    });
    r.add_sync(StoragePoolIsActive, |d, a, _| int(pools::is_active(d, a)));
    r.add_sync(StoragePoolIsPersistent, |d, a, _| {
        int(pools::is_persistent(d, a))
    });
    r.add_sync(StoragePoolNumOfVolumes, |d, a, _| int(vols::num(d, a)));
    r.add_sync(StoragePoolListVolumes, |d, a, _| vols::list_names(d, a));
    r.add_sync(StoragePoolListAllVolumes, |d, a, _| vols::list_all(d, a));
}

fn register_vols(r: &mut Router<StorageDriver>) {
    r.add(StorageVolCreateXml, |d, a, _| async move {
        vols::create_xml(&d, a).await
    });
    r.add(StorageVolCreateXmlFrom, |d, a, _| async move {
        vols::create_xml_from(&d, a).await
    });
    r.add(StorageVolDelete, |d, a, _| async move {
        vols::delete(&d, a).await
    });
    r.add(StorageVolWipe, |d, a, _| async move {
        vols::wipe(&d, a.vol, 0, a.flags).await
    });
    r.add(StorageVolWipePattern, |d, a, _| async move {
        vols::wipe(&d, a.vol, a.algorithm, a.flags).await
    });
    r.add(StorageVolResize, |d, a, _| async move {
        vols::resize(&d, a).await
    });
    r.add(StorageVolGetInfo, |d, a, _| async move {
        vols::get_info(&d, a.vol, 0).await
    });
    r.add(StorageVolGetInfoFlags, |d, a, _| async move {
        vols::get_info(&d, a.vol, a.flags).await
    });
    r.add(StorageVolGetXmlDesc, |d, a, _| async move {
        string(vols::get_xml_desc(&d, a).await)
    });
    r.add_sync(StorageVolGetPath, |d, a, _| {
        string(vols::get_path(d, a.vol))
    });
    r.add_sync(StorageVolLookupByName, |d, a, _| vols::lookup_by_name(d, a));
    r.add_sync(StorageVolLookupByKey, |d, a, _| vols::lookup_by_key(d, a));
    r.add_sync(StorageVolLookupByPath, |d, a, _| vols::lookup_by_path(d, a));
    r.add(StorageVolUpload, |d, a, ctx| async move {
        transfer(&d, a, ctx, true)
    });
    r.add(StorageVolDownload, |d, a, ctx| async move {
        transfer(&d, a, ctx, false)
    });
}

/// VOL_UPLOAD / VOL_DOWNLOAD: check, open the call's stream, and move the bytes in a task of
/// their own (the reply goes out first).
fn transfer(
    d: &Arc<StorageDriver>,
    a: VolTransferArgs,
    mut ctx: CallCtx,
    upload: bool,
) -> Result<()> {
    let func = if upload {
        "storageVolUpload"
    } else {
        "storageVolDownload"
    };
    let path = crate::transfer::prepare(d, &a, func)?;
    let stream = ctx.call.open_stream(&ctx.client);
    if upload {
        let d = d.clone();
        let pool = a.vol.pool.clone();
        tokio::spawn(async move {
            crate::transfer::upload(path, a, stream).await;
            // as libvirt once an upload's stream closes: the pool is refreshed, a refresh event
            pools::refresh_after_upload(&d, &pool).await;
        });
    } else {
        tokio::spawn(crate::transfer::download(path, a, stream));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use oxvirt_proto::procedures::ServedBy;

    use super::ROUTES;

    #[test]
    fn every_route_is_the_storage_driver_s() {
        let names: Vec<_> = ROUTES.routes().map(|r| r.info.name).collect();
        assert_eq!(names.len(), 49, "{names:?}");
        for r in ROUTES.routes() {
            assert!(
                matches!(
                    r.info.served_by(),
                    ServedBy::Storage | ServedBy::Qemu | ServedBy::Connection
                ),
                "{}",
                r.info.name
            );
        }
    }
}
