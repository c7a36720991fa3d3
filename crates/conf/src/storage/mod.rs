//! Storage pool (`<pool>`) and volume (`<volume>`) documents, and the storage pool capabilities
//! (`<storagepoolCapabilities>`): typed models, parsers with libvirt 9.0's checks and error
//! texts (`virStoragePoolDefParseXML`, `virStorageVolDefParseXML`), and formatters writing
//! libvirt's canonical XML byte for byte.
//!
//! A pool is parsed with [`parse_pool`] and written with [`Pool::format`]; a volume is parsed in
//! the context of its pool's type with [`parse_volume`] (the pool type decides which formats are
//! valid) and written with [`Volume::format`]. What a backend finds on disk (allocation, the
//! volume's key and path, permissions) is filled in by the storage driver before formatting.

mod caps;
mod common;
mod error;
mod pool;
mod volume;
pub(crate) use volume::{format_encryption, parse_encryption};

pub use caps::pool_capabilities;
pub use common::{sanitize_path, Perms};
pub use error::StorageConfError;
pub use pool::{
    parse_pool, parse_source_spec, Adapter, Auth, FcHost, Pool, PoolSource, PoolType,
    RefreshAllocation, ScsiHostParent, SecretRef, SourceDevice, SourceHost,
};
pub use volume::{
    parse_volume, volume_formats, BackingStore, CapacityRule, Encryption, Timestamps, VolFormat,
    VolType, Volume, VolumeTarget,
};

/// The result of this module's functions.
pub type Result<T> = std::result::Result<T, StorageConfError>;
