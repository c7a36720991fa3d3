//! Storage pool event registrations (`CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY`) and their
//! delivery: lifecycle events (`STORAGE_POOL_EVENT_LIFECYCLE`) and refresh events
//! (`STORAGE_POOL_EVENT_REFRESH`), sent when libvirt 9.0 sends them (see [`Lifecycle`]).

use oxvirt_sync::MutexExt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{CallbackIdArgs, CallbackIdRet};
use oxvirt_proto::types::{NonnullStoragePool, Uuid};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_rpc::server::Client;
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

#[derive(Debug)]
struct Registration {
    client: Arc<Client>,
    callback_id: i32,
    event_id: i32,
    pool: Option<Uuid>,
}

/// The storage pool event registrations of the daemon's connections.
#[derive(Debug, Default)]
pub struct PoolEvents {
    next_id: AtomicI32,
    regs: Mutex<Vec<Registration>>,
}

impl PoolEvents {
    /// Whether `procedure` is a storage pool event (de)registration.
    pub fn handles(procedure: i32) -> bool {
        matches!(
            procedure,
            rp::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY
                | rp::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY
        )
    }

    /// Answer a (de)registration call.
    pub fn call(
        &self,
        client: &Arc<Client>,
        procedure: i32,
        args: &[u8],
    ) -> Result<Vec<u8>, VirError> {
        let bad = |_| VirError::rpc("Unable to decode message payload");
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        if procedure == rp::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY {
            let a: RegisterAnyArgs = oxvirt_xdr::from_bytes_exact(args).map_err(bad)?;
            if !(EVENT_ID_LIFECYCLE..=EVENT_ID_REFRESH).contains(&a.event_id) {
                return Err(VirError::new(
                    code::INVALID_ARG,
                    domain::RPC,
                    format!("unsupported storage pool event ID {}", a.event_id),
                ));
            }
            let max = client.max_event_callbacks();
            if regs.iter().filter(|r| r.client.id == client.id).count() >= max {
                return Err(VirError::new(
                    code::RPC,
                    domain::RPC,
                    format!("too many event callbacks on this connection (the maximum is {max})"),
                ));
            }
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            regs.push(Registration {
                client: client.clone(),
                callback_id: id,
                event_id: a.event_id,
                pool: a.pool.map(|p| p.uuid),
            });
            oxvirt_xdr::to_bytes(&CallbackIdRet { callback_id: id })
                .map_err(|e| VirError::internal(e.to_string()))
        } else {
            let a: CallbackIdArgs = oxvirt_xdr::from_bytes_exact(args).map_err(bad)?;
            let before = regs.len();
            regs.retain(|r| !(r.client.id == client.id && r.callback_id == a.callback_id));
            if regs.len() == before {
                return Err(VirError::new(
                    code::INVALID_ARG,
                    domain::RPC,
                    format!("callback ID {} not registered", a.callback_id),
                ));
            }
            Ok(Vec::new())
        }
    }

    fn send(&self, event_id: i32, pool: &NonnullStoragePool, body: impl Fn(i32) -> Vec<u8>) {
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        let procedure = if event_id == EVENT_ID_LIFECYCLE {
            rp::STORAGE_POOL_EVENT_LIFECYCLE
        } else {
            rp::STORAGE_POOL_EVENT_REFRESH
        };
        for r in regs.iter() {
            if r.event_id != event_id || r.pool.is_some_and(|u| u != pool.uuid) {
                continue;
            }
            r.client
                .send_event(REMOTE_PROGRAM, procedure, body(r.callback_id));
        }
    }

    /// Send a lifecycle event about `pool` to every matching registration.
    pub fn lifecycle(&self, pool: &NonnullStoragePool, event: Lifecycle) {
        self.send(EVENT_ID_LIFECYCLE, pool, |callback_id| {
            oxvirt_xdr::to_bytes(&LifecycleMsg {
                callback_id,
                pool: pool.clone(),
                event: event as i32,
                detail: 0,
            })
            .unwrap_or_default()
        });
    }

    /// Send a refresh event about `pool` to every matching registration.
    pub fn refresh(&self, pool: &NonnullStoragePool) {
        self.send(EVENT_ID_REFRESH, pool, |callback_id| {
            oxvirt_xdr::to_bytes(&RefreshMsg {
                callback_id,
                pool: pool.clone(),
            })
            .unwrap_or_default()
        });
    }

    /// Number of live registrations.
    pub fn len(&self) -> usize {
        self.regs.locked().len()
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
