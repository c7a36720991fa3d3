//! One call: decode its arguments, run its handler, encode its reply. Every storage
//! procedure this driver serves is listed here; others answer libvirt's "unsupported" error.

use std::sync::Arc;

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{FlagsArgs, IntRet, StringRet};
use oxvirt_proto::storage::*;
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::CallCtx;

use crate::error::{Result, StorageError};
use crate::{pools, vols, StorageDriver};

fn enc<T: oxvirt_xdr::Encode>(v: &T) -> Result<Vec<u8>> {
    Ok(oxvirt_xdr::to_bytes(v)?)
}

fn args<T: oxvirt_xdr::Decode>(ctx: &CallCtx) -> Result<T> {
    ctx.args().map_err(StorageError::Vir)
}

fn int(v: i32) -> Result<Vec<u8>> {
    enc(&IntRet { value: v })
}

fn string(v: String) -> Result<Vec<u8>> {
    enc(&StringRet { value: v })
}

/// Serve one call of the REMOTE program.
pub async fn call(
    d: &Arc<StorageDriver>,
    mut ctx: CallCtx,
) -> std::result::Result<Vec<u8>, VirError> {
    if ctx.program() != oxvirt_proto::message::REMOTE_PROGRAM {
        return Err(oxvirt_proto::procedures::unserved(
            ctx.program(),
            ctx.procedure(),
        ));
    }
    if matches!(
        ctx.procedure(),
        rp::STORAGE_VOL_UPLOAD | rp::STORAGE_VOL_DOWNLOAD
    ) {
        return transfer_call(d, &mut ctx).map_err(|e| match e {
            StorageError::Vir(v) => v,
            e => e.to_vir_error(),
        });
    }
    dispatch(d, &ctx).await.map_err(|e| match e {
        StorageError::Vir(v) => v,
        e => e.to_vir_error(),
    })
}

/// VOL_UPLOAD / VOL_DOWNLOAD: check, open the call's stream, and move the bytes in a task of
/// their own (the reply goes out first).
fn transfer_call(d: &Arc<StorageDriver>, ctx: &mut CallCtx) -> Result<Vec<u8>> {
    let a: VolTransferArgs = args(ctx)?;
    let upload = ctx.procedure() == rp::STORAGE_VOL_UPLOAD;
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
    Ok(Vec::new())
}

async fn dispatch(d: &Arc<StorageDriver>, ctx: &CallCtx) -> Result<Vec<u8>> {
    match ctx.procedure() {
        rp::CONNECT_GET_TYPE => string("storage".into()),
        rp::CONNECT_GET_VERSION | rp::CONNECT_GET_LIB_VERSION => {
            enc(&oxvirt_proto::remote::U64Ret {
                value: oxvirt_remote::LIBVIRT_VERSION,
            })
        }
        rp::CONNECT_GET_HOSTNAME => string(
            rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned(),
        ),
        rp::CONNECT_LIST_ALL_STORAGE_POOLS => enc(&pools::list_all(d, args(ctx)?)?),
        rp::CONNECT_NUM_OF_STORAGE_POOLS => int(pools::count(d, true)),
        rp::CONNECT_NUM_OF_DEFINED_STORAGE_POOLS => int(pools::count(d, false)),
        rp::CONNECT_LIST_STORAGE_POOLS => {
            let a: MaxNamesArgs = args(ctx)?;
            enc(&pools::list_names(d, true, a.maxnames)?)
        }
        rp::CONNECT_LIST_DEFINED_STORAGE_POOLS => {
            let a: MaxNamesArgs = args(ctx)?;
            enc(&pools::list_names(d, false, a.maxnames)?)
        }
        rp::CONNECT_GET_STORAGE_POOL_CAPABILITIES => {
            let a: FlagsArgs = args(ctx)?;
            if a.flags != 0 {
                return Err(StorageError::Vir(VirError::unsupported_flags(
                    a.flags,
                    "storageConnectGetStoragePoolCapabilities",
                    oxvirt_proto::errors::ErrorDomain::Storage as i32,
                )));
            }
            string(pools::capabilities())
        }
        rp::CONNECT_FIND_STORAGE_POOL_SOURCES => {
            let a: ConnectFindStoragePoolSourcesArgs = args(ctx)?;
            string(crate::pools::blocking(move || crate::find_sources::find(&a)).await?)
        }
        rp::STORAGE_POOL_DEFINE_XML => enc(&pools::define_xml(d, args(ctx)?).await?),
        rp::STORAGE_POOL_CREATE_XML => enc(&pools::create_xml(d, args(ctx)?).await?),
        rp::STORAGE_POOL_CREATE => enc(&pools::create(d, args(ctx)?).await?),
        rp::STORAGE_POOL_BUILD => enc(&pools::build(d, args(ctx)?).await?),
        rp::STORAGE_POOL_DESTROY => enc(&pools::destroy(d, args(ctx)?).await?),
        rp::STORAGE_POOL_DELETE => enc(&pools::delete(d, args(ctx)?).await?),
        rp::STORAGE_POOL_UNDEFINE => enc(&pools::undefine(d, args(ctx)?).await?),
        rp::STORAGE_POOL_REFRESH => enc(&pools::refresh(d, args(ctx)?).await?),
        rp::STORAGE_POOL_LOOKUP_BY_NAME => enc(&pools::lookup_by_name(d, args(ctx)?)?),
        rp::STORAGE_POOL_LOOKUP_BY_UUID => enc(&pools::lookup_by_uuid(d, args(ctx)?)?),
        rp::STORAGE_POOL_LOOKUP_BY_VOLUME => enc(&pools::lookup_by_volume(d, args(ctx)?)?),
        rp::STORAGE_POOL_LOOKUP_BY_TARGET_PATH => {
            enc(&pools::lookup_by_target_path(d, args(ctx)?)?)
        }
        rp::STORAGE_POOL_GET_INFO => enc(&pools::get_info(d, args(ctx)?).await?),
        rp::STORAGE_POOL_GET_XML_DESC => string(pools::get_xml_desc(d, args(ctx)?).await?),
        rp::STORAGE_POOL_GET_AUTOSTART => int(pools::get_autostart(d, args(ctx)?)?),
        rp::STORAGE_POOL_SET_AUTOSTART => enc(&pools::set_autostart(d, args(ctx)?).await?),
        rp::STORAGE_POOL_IS_ACTIVE => int(pools::is_active(d, args(ctx)?)?),
        rp::STORAGE_POOL_IS_PERSISTENT => int(pools::is_persistent(d, args(ctx)?)?),
        rp::STORAGE_POOL_NUM_OF_VOLUMES => int(vols::num(d, args(ctx)?)?),
        rp::STORAGE_POOL_LIST_VOLUMES => enc(&vols::list_names(d, args(ctx)?)?),
        rp::STORAGE_POOL_LIST_ALL_VOLUMES => enc(&vols::list_all(d, args(ctx)?)?),
        rp::STORAGE_VOL_CREATE_XML => enc(&vols::create_xml(d, args(ctx)?).await?),
        rp::STORAGE_VOL_CREATE_XML_FROM => enc(&vols::create_xml_from(d, args(ctx)?).await?),
        rp::STORAGE_VOL_DELETE => enc(&vols::delete(d, args(ctx)?).await?),
        rp::STORAGE_VOL_WIPE => {
            let a: VolFlagsArgs = args(ctx)?;
            enc(&vols::wipe(d, a.vol, 0, a.flags).await?)
        }
        rp::STORAGE_VOL_WIPE_PATTERN => {
            let a: VolWipePatternArgs = args(ctx)?;
            enc(&vols::wipe(d, a.vol, a.algorithm, a.flags).await?)
        }
        rp::STORAGE_VOL_RESIZE => enc(&vols::resize(d, args(ctx)?).await?),
        rp::STORAGE_VOL_GET_INFO => {
            let a: VolArgs = args(ctx)?;
            enc(&vols::get_info(d, a.vol, 0).await?)
        }
        rp::STORAGE_VOL_GET_INFO_FLAGS => {
            let a: VolFlagsArgs = args(ctx)?;
            enc(&vols::get_info(d, a.vol, a.flags).await?)
        }
        rp::STORAGE_VOL_GET_XML_DESC => string(vols::get_xml_desc(d, args(ctx)?).await?),
        rp::STORAGE_VOL_GET_PATH => {
            let a: VolArgs = args(ctx)?;
            string(vols::get_path(d, a.vol)?)
        }
        rp::STORAGE_VOL_LOOKUP_BY_NAME => enc(&vols::lookup_by_name(d, args(ctx)?)?),
        rp::STORAGE_VOL_LOOKUP_BY_KEY => enc(&vols::lookup_by_key(d, args(ctx)?)?),
        rp::STORAGE_VOL_LOOKUP_BY_PATH => enc(&vols::lookup_by_path(d, args(ctx)?)?),
        p => Err(StorageError::Vir(oxvirt_proto::procedures::unserved(
            oxvirt_proto::message::REMOTE_PROGRAM,
            p,
        ))),
    }
}
