//! The storage driver's typed procedures: one marker per procedure it serves, naming its
//! argument and reply types once ([`oxvirt_proto::storage`]), for its routing table
//! ([`crate::calls`]) and for the clients that call it.

use oxvirt_proto::procedure_markers;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{CallbackIdArgs, CallbackIdRet, FlagsArgs, IntRet, StringRet};
use oxvirt_proto::storage::*;

use crate::events::RegisterAnyArgs;

procedure_markers! {
    ConnectListAllStoragePools = Remote rp::CONNECT_LIST_ALL_STORAGE_POOLS,
        ConnectListAllStoragePoolsArgs => ConnectListAllStoragePoolsRet;
    ConnectNumOfStoragePools = Remote rp::CONNECT_NUM_OF_STORAGE_POOLS, () => IntRet;
    ConnectNumOfDefinedStoragePools = Remote rp::CONNECT_NUM_OF_DEFINED_STORAGE_POOLS,
        () => IntRet;
    ConnectListStoragePools = Remote rp::CONNECT_LIST_STORAGE_POOLS, MaxNamesArgs => NamesRet;
    ConnectListDefinedStoragePools = Remote rp::CONNECT_LIST_DEFINED_STORAGE_POOLS,
        MaxNamesArgs => NamesRet;
    ConnectGetStoragePoolCapabilities = Remote rp::CONNECT_GET_STORAGE_POOL_CAPABILITIES,
        FlagsArgs => StringRet;
    ConnectFindStoragePoolSources = Remote rp::CONNECT_FIND_STORAGE_POOL_SOURCES,
        ConnectFindStoragePoolSourcesArgs => StringRet;
    ConnectStoragePoolEventRegisterAny = Remote rp::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
        RegisterAnyArgs => CallbackIdRet;
    ConnectStoragePoolEventDeregisterAny = Remote rp::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
        CallbackIdArgs => ();

    // pools
    StoragePoolDefineXml = Remote rp::STORAGE_POOL_DEFINE_XML, XmlFlagsArgs => PoolRet;
    StoragePoolCreateXml = Remote rp::STORAGE_POOL_CREATE_XML, XmlFlagsArgs => PoolRet;
    StoragePoolCreate = Remote rp::STORAGE_POOL_CREATE, PoolFlagsArgs => ();
    StoragePoolBuild = Remote rp::STORAGE_POOL_BUILD, PoolFlagsArgs => ();
    StoragePoolDestroy = Remote rp::STORAGE_POOL_DESTROY, PoolArgs => ();
    StoragePoolDelete = Remote rp::STORAGE_POOL_DELETE, PoolFlagsArgs => ();
    StoragePoolUndefine = Remote rp::STORAGE_POOL_UNDEFINE, PoolArgs => ();
    StoragePoolRefresh = Remote rp::STORAGE_POOL_REFRESH, PoolFlagsArgs => ();
    StoragePoolLookupByName = Remote rp::STORAGE_POOL_LOOKUP_BY_NAME,
        PoolLookupByNameArgs => PoolRet;
    StoragePoolLookupByUuid = Remote rp::STORAGE_POOL_LOOKUP_BY_UUID,
        PoolLookupByUuidArgs => PoolRet;
    StoragePoolLookupByVolume = Remote rp::STORAGE_POOL_LOOKUP_BY_VOLUME, VolArgs => PoolRet;
    StoragePoolLookupByTargetPath = Remote rp::STORAGE_POOL_LOOKUP_BY_TARGET_PATH,
        StringArgs => PoolRet;
    StoragePoolGetInfo = Remote rp::STORAGE_POOL_GET_INFO, PoolArgs => PoolGetInfoRet;
    StoragePoolGetXmlDesc = Remote rp::STORAGE_POOL_GET_XML_DESC, PoolFlagsArgs => StringRet;
    StoragePoolGetAutostart = Remote rp::STORAGE_POOL_GET_AUTOSTART, PoolArgs => IntRet;
    StoragePoolSetAutostart = Remote rp::STORAGE_POOL_SET_AUTOSTART, PoolSetAutostartArgs => ();
    StoragePoolIsActive = Remote rp::STORAGE_POOL_IS_ACTIVE, PoolArgs => IntRet;
    StoragePoolIsPersistent = Remote rp::STORAGE_POOL_IS_PERSISTENT, PoolArgs => IntRet;
    StoragePoolNumOfVolumes = Remote rp::STORAGE_POOL_NUM_OF_VOLUMES, PoolArgs => IntRet;
    StoragePoolListVolumes = Remote rp::STORAGE_POOL_LIST_VOLUMES,
        PoolListVolumesArgs => NamesRet;
    StoragePoolListAllVolumes = Remote rp::STORAGE_POOL_LIST_ALL_VOLUMES,
        PoolListAllVolumesArgs => PoolListAllVolumesRet;

    // volumes
    StorageVolCreateXml = Remote rp::STORAGE_VOL_CREATE_XML, VolCreateXmlArgs => VolRet;
    StorageVolCreateXmlFrom = Remote rp::STORAGE_VOL_CREATE_XML_FROM,
        VolCreateXmlFromArgs => VolRet;
    StorageVolDelete = Remote rp::STORAGE_VOL_DELETE, VolFlagsArgs => ();
    StorageVolWipe = Remote rp::STORAGE_VOL_WIPE, VolFlagsArgs => ();
    StorageVolWipePattern = Remote rp::STORAGE_VOL_WIPE_PATTERN, VolWipePatternArgs => ();
    StorageVolResize = Remote rp::STORAGE_VOL_RESIZE, VolResizeArgs => ();
    StorageVolGetInfo = Remote rp::STORAGE_VOL_GET_INFO, VolArgs => VolGetInfoRet;
    StorageVolGetInfoFlags = Remote rp::STORAGE_VOL_GET_INFO_FLAGS,
        VolFlagsArgs => VolGetInfoRet;
    StorageVolGetXmlDesc = Remote rp::STORAGE_VOL_GET_XML_DESC, VolFlagsArgs => StringRet;
    StorageVolGetPath = Remote rp::STORAGE_VOL_GET_PATH, VolArgs => StringRet;
    StorageVolLookupByName = Remote rp::STORAGE_VOL_LOOKUP_BY_NAME,
        VolLookupByNameArgs => VolRet;
    StorageVolLookupByKey = Remote rp::STORAGE_VOL_LOOKUP_BY_KEY, StringArgs => VolRet;
    StorageVolLookupByPath = Remote rp::STORAGE_VOL_LOOKUP_BY_PATH, StringArgs => VolRet;
    /// Opens a stream: the reply is empty and the volume's bytes follow from the client.
    StorageVolUpload = Remote rp::STORAGE_VOL_UPLOAD, VolTransferArgs => ();
    /// Opens a stream: the reply is empty and the volume's bytes follow to the client.
    StorageVolDownload = Remote rp::STORAGE_VOL_DOWNLOAD, VolTransferArgs => ();
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_match_the_table() {
        assert_eq!(
            oxvirt_proto::calls::marker_name_mismatches(super::MARKERS),
            Vec::<String>::new()
        );
    }
}
