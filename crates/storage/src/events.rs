//! Storage pool event registrations (`CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY`) and their
//! delivery: lifecycle events (`STORAGE_POOL_EVENT_LIFECYCLE`) and refresh events
//! (`STORAGE_POOL_EVENT_REFRESH`), sent when libvirt 9.0 sends them (see [`Lifecycle`]).

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::types::NonnullStoragePool;
use oxvirt_remote::EventRegistry;
use oxvirt_xdr::{Decode, Encode};

/// `VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE`
pub const EVENT_ID_LIFECYCLE: i32 = 0;
/// `VIR_STORAGE_POOL_EVENT_ID_REFRESH`
pub const EVENT_ID_REFRESH: i32 = 1;

/// `virStoragePoolEventLifecycleType`, as libvirt 9.0's driver sends them (detail always 0):
/// `Defined` on every define (a redefinition too), `Undefined`, `Started` on create and
/// create-xml (with or without their build flags), `Stopped` on destroy (a transient pool's
/// too), `Created` on an explicit build only, `Deleted` on delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Stopped = 3,
    Created = 4,
    Deleted = 5,
}

/// `remote_connect_storage_pool_event_register_any_args`
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RegisterAnyArgs {
    pub event_id: i32,
    pub pool: Option<NonnullStoragePool>,
}

/// `remote_storage_pool_event_lifecycle_msg`
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct LifecycleMsg {
    pub callback_id: i32,
    pub pool: NonnullStoragePool,
    pub event: i32,
    pub detail: i32,
}

/// `remote_storage_pool_event_refresh_msg`
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RefreshMsg {
    pub callback_id: i32,
    pub pool: NonnullStoragePool,
}

/// The storage pool event registrations of the daemon's connections.
#[derive(Debug)]
pub struct PoolEvents {
    /// The registrations (`CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY`).
    pub registry: EventRegistry,
}

impl Default for PoolEvents {
    fn default() -> Self {
        PoolEvents {
            registry: EventRegistry::new("storage pool ", EVENT_ID_LIFECYCLE..EVENT_ID_REFRESH + 1),
        }
    }
}

impl PoolEvents {
    /// Send a lifecycle event about `pool` to every matching registration.
    pub fn lifecycle(&self, pool: &NonnullStoragePool, event: Lifecycle) {
        self.registry.broadcast_msg(
            EVENT_ID_LIFECYCLE,
            &pool.uuid,
            rp::STORAGE_POOL_EVENT_LIFECYCLE,
            |callback_id| LifecycleMsg {
                callback_id,
                pool: pool.clone(),
                event: event as i32,
                detail: 0,
            },
        );
    }

    /// Send a refresh event about `pool` to every matching registration.
    pub fn refresh(&self, pool: &NonnullStoragePool) {
        self.registry.broadcast_msg(
            EVENT_ID_REFRESH,
            &pool.uuid,
            rp::STORAGE_POOL_EVENT_REFRESH,
            |callback_id| RefreshMsg {
                callback_id,
                pool: pool.clone(),
            },
        );
    }

    /// Number of live registrations.
    pub fn len(&self) -> usize {
        self.registry.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_libvirts_layout() {
        let pool = NonnullStoragePool {
            name: "p".into(),
            uuid: [7; 16],
        };
        let b = oxvirt_xdr::to_bytes(&LifecycleMsg {
            callback_id: 3,
            pool: pool.clone(),
            event: Lifecycle::Deleted as i32,
            detail: 0,
        })
        .unwrap();
        // callback id, name (length, "p", padding), uuid, event, detail
        assert_eq!(b.len(), 4 + 8 + 16 + 4 + 4);
        assert_eq!(&b[..4], &3i32.to_be_bytes());
        assert_eq!(&b[28..32], &5i32.to_be_bytes());
        let r = oxvirt_xdr::to_bytes(&RefreshMsg {
            callback_id: 1,
            pool,
        })
        .unwrap();
        assert_eq!(r.len(), 4 + 8 + 16);
    }
}
