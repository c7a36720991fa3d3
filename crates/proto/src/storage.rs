//! Argument and return types of the storage procedures (libvirt 9.0's `remote_storage_*` and
//! `remote_connect_*_storage_pool*` structs), named after the procedure.

use crate::message::STRING_MAX;
use crate::types::{NonnullStoragePool, NonnullStorageVol, Uuid};
use oxvirt_xdr::{Decode, Encode};

/// `REMOTE_STORAGE_POOL_LIST_MAX`
pub const STORAGE_POOL_LIST_MAX: usize = 16384;
/// `REMOTE_STORAGE_VOL_LIST_MAX`
pub const STORAGE_VOL_LIST_MAX: usize = 16384;

/// `{int maxnames}` of the legacy name lists.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MaxNamesArgs {
    pub maxnames: i32,
}

/// `{remote_nonnull_string names<>}` of the legacy name lists.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NamesRet {
    #[xdr(max = STORAGE_POOL_LIST_MAX)]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllStoragePoolsArgs {
    pub need_results: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectListAllStoragePoolsRet {
    #[xdr(max = STORAGE_POOL_LIST_MAX)]
    pub pools: Vec<NonnullStoragePool>,
    pub ret: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ConnectFindStoragePoolSourcesArgs {
    #[xdr(max = STRING_MAX)]
    pub pool_type: String,
    #[xdr(max = STRING_MAX)]
    pub src_spec: Option<String>,
    pub flags: u32,
}

/// `{string xml, unsigned flags}` (POOL_CREATE_XML, POOL_DEFINE_XML).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct XmlFlagsArgs {
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

/// `{remote_nonnull_storage_pool pool}` (a pool handle as the return value).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolRet {
    pub pool: NonnullStoragePool,
}

/// `{pool}` (DESTROY, UNDEFINE, GET_INFO, GET_AUTOSTART, NUM_OF_VOLUMES, IS_ACTIVE, ...).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolArgs {
    pub pool: NonnullStoragePool,
}

/// `{pool, unsigned flags}` (CREATE, BUILD, DELETE, REFRESH, GET_XML_DESC).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolFlagsArgs {
    pub pool: NonnullStoragePool,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolSetAutostartArgs {
    pub pool: NonnullStoragePool,
    pub autostart: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolLookupByNameArgs {
    #[xdr(max = STRING_MAX)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolLookupByUuidArgs {
    #[xdr(opaque)]
    pub uuid: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolGetInfoRet {
    pub state: u8,
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolListVolumesArgs {
    pub pool: NonnullStoragePool,
    pub maxnames: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolListAllVolumesArgs {
    pub pool: NonnullStoragePool,
    pub need_results: i32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PoolListAllVolumesRet {
    #[xdr(max = STORAGE_VOL_LIST_MAX)]
    pub vols: Vec<NonnullStorageVol>,
    pub ret: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolCreateXmlArgs {
    pub pool: NonnullStoragePool,
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolCreateXmlFromArgs {
    pub pool: NonnullStoragePool,
    #[xdr(max = STRING_MAX)]
    pub xml: String,
    pub clonevol: NonnullStorageVol,
    pub flags: u32,
}

/// `{remote_nonnull_storage_vol vol}` as the return value.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolRet {
    pub vol: NonnullStorageVol,
}

/// `{vol}` (GET_INFO, GET_PATH, LOOKUP_BY_VOLUME).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolArgs {
    pub vol: NonnullStorageVol,
}

/// `{vol, unsigned flags}` (DELETE, WIPE, GET_XML_DESC, GET_INFO_FLAGS).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolFlagsArgs {
    pub vol: NonnullStorageVol,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolWipePatternArgs {
    pub vol: NonnullStorageVol,
    pub algorithm: u32,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolResizeArgs {
    pub vol: NonnullStorageVol,
    pub capacity: u64,
    pub flags: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolGetInfoRet {
    pub vol_type: i8,
    pub capacity: u64,
    pub allocation: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolLookupByNameArgs {
    pub pool: NonnullStoragePool,
    #[xdr(max = STRING_MAX)]
    pub name: String,
}

/// `{string key}` / `{string path}` (VOL_LOOKUP_BY_KEY, VOL_LOOKUP_BY_PATH,
/// POOL_LOOKUP_BY_TARGET_PATH).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StringArgs {
    #[xdr(max = STRING_MAX)]
    pub value: String,
}

/// `{vol, unsigned hyper offset, unsigned hyper length, unsigned flags}` (UPLOAD, DOWNLOAD).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct VolTransferArgs {
    pub vol: NonnullStorageVol,
    pub offset: u64,
    pub length: u64,
    pub flags: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_info_packs_the_state_in_a_word() {
        let r = PoolGetInfoRet {
            state: 2,
            capacity: 1,
            allocation: 2,
            available: 3,
        };
        let b = oxvirt_xdr::to_bytes(&r).unwrap();
        assert_eq!(b.len(), 4 + 24);
        assert_eq!(&b[..4], &[0, 0, 0, 2]);
    }
}
