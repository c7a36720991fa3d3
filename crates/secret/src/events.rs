//! Secret event registrations (`CONNECT_SECRET_EVENT_REGISTER_ANY`) and their delivery.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::secret::{NonnullSecret, SecretEventLifecycleMsg, SecretEventValueChangedMsg};
use oxvirt_proto::types::Uuid;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_rpc::server::Client;
use oxvirt_sync::MutexExt;

/// `VIR_SECRET_EVENT_ID_LIFECYCLE`.
pub const EVENT_ID_LIFECYCLE: i32 = 0;
/// `VIR_SECRET_EVENT_ID_VALUE_CHANGED`.
pub const EVENT_ID_VALUE_CHANGED: i32 = 1;

/// `virSecretEventLifecycleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Defined or redefined.
    Defined = 0,
    /// Undefined.
    Undefined = 1,
}

#[derive(Debug)]
struct Registration {
    client: Arc<Client>,
    callback_id: i32,
    event_id: i32,
    secret: Option<Uuid>,
}

/// The secret event registrations of the daemon's connections.
#[derive(Debug, Default)]
pub struct SecretEvents {
    next_id: AtomicI32,
    regs: Mutex<Vec<Registration>>,
}

impl SecretEvents {
    /// Register `client` for `event_id` (of one secret, or of all): the callback id.
    pub fn register(
        &self,
        client: &Arc<Client>,
        event_id: i32,
        secret: Option<Uuid>,
    ) -> Result<i32, VirError> {
        if !matches!(event_id, EVENT_ID_LIFECYCLE | EVENT_ID_VALUE_CHANGED) {
            return Err(VirError::new(
                code::INVALID_ARG,
                domain::RPC,
                format!("unsupported secret event ID {event_id}"),
            ));
        }
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
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
            event_id,
            secret,
        });
        Ok(id)
    }

    /// Drop a registration of `client`.
    pub fn deregister(&self, client: &Client, callback_id: i32) -> Result<(), VirError> {
        let mut regs = self.regs.locked();
        let before = regs.len();
        regs.retain(|r| !(r.client.id == client.id && r.callback_id == callback_id));
        if regs.len() == before {
            return Err(VirError::new(
                code::INVALID_ARG,
                domain::RPC,
                format!("callback ID {callback_id} not registered"),
            ));
        }
        Ok(())
    }

    fn each(
        &self,
        event_id: i32,
        secret: &NonnullSecret,
        mut body: impl FnMut(i32) -> Option<Vec<u8>>,
        procedure: i32,
    ) {
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        for r in regs.iter() {
            if r.event_id != event_id || r.secret.is_some_and(|u| u != secret.uuid) {
                continue;
            }
            if let Some(b) = body(r.callback_id) {
                r.client.send_event(REMOTE_PROGRAM, procedure, b);
            }
        }
    }

    /// A secret was defined or undefined.
    pub fn lifecycle(&self, secret: &NonnullSecret, event: Lifecycle) {
        self.each(
            EVENT_ID_LIFECYCLE,
            secret,
            |callback_id| {
                oxvirt_xdr::to_bytes(&SecretEventLifecycleMsg {
                    callback_id,
                    secret: secret.clone(),
                    event: event as i32,
                    detail: 0,
                })
                .ok()
            },
            rp::SECRET_EVENT_LIFECYCLE,
        );
    }

    /// A secret's value was set.
    pub fn value_changed(&self, secret: &NonnullSecret) {
        self.each(
            EVENT_ID_VALUE_CHANGED,
            secret,
            |callback_id| {
                oxvirt_xdr::to_bytes(&SecretEventValueChangedMsg {
                    callback_id,
                    secret: secret.clone(),
                })
                .ok()
            },
            rp::SECRET_EVENT_VALUE_CHANGED,
        );
    }
}
