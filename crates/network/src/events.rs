//! Network event registrations (`CONNECT_NETWORK_EVENT_REGISTER_ANY`) and their delivery.

use oxvirt_sync::MutexExt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{CallbackIdArgs, CallbackIdRet};
use oxvirt_proto::types::Uuid;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_rpc::server::Client;

use crate::wire::{NetworkEventLifecycleMsg, NetworkEventRegisterAnyArgs, NonnullNetwork};

/// `VIR_NETWORK_EVENT_ID_LIFECYCLE`, the only network event of libvirt 9.0.
pub const EVENT_ID_LIFECYCLE: i32 = 0;

/// `virNetworkEventLifecycleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Stopped = 3,
}

#[derive(Debug)]
struct Registration {
    client: Arc<Client>,
    callback_id: i32,
    net: Option<Uuid>,
}

/// The network event registrations of the daemon's connections.
#[derive(Debug, Default)]
pub struct NetworkEvents {
    next_id: AtomicI32,
    regs: Mutex<Vec<Registration>>,
}

impl NetworkEvents {
    /// Whether `procedure` is a network event (de)registration.
    pub fn handles(procedure: i32) -> bool {
        matches!(
            procedure,
            rp::CONNECT_NETWORK_EVENT_REGISTER_ANY | rp::CONNECT_NETWORK_EVENT_DEREGISTER_ANY
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
        if procedure == rp::CONNECT_NETWORK_EVENT_REGISTER_ANY {
            let a: NetworkEventRegisterAnyArgs = oxvirt_xdr::from_bytes_exact(args).map_err(bad)?;
            if a.event_id != EVENT_ID_LIFECYCLE {
                return Err(VirError::new(
                    code::INVALID_ARG,
                    domain::RPC,
                    format!("unsupported network event ID {}", a.event_id),
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
                net: a.net.map(|n| n.uuid),
            });
            crate::enc(&CallbackIdRet { callback_id: id })
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

    /// Send a lifecycle event about `net` to every matching registration.
    pub fn emit(&self, net: &NonnullNetwork, event: Lifecycle) {
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        for r in regs.iter() {
            if r.net.is_some_and(|u| u != net.uuid) {
                continue;
            }
            let msg = NetworkEventLifecycleMsg {
                callback_id: r.callback_id,
                net: net.clone(),
                event: event as i32,
                detail: 0,
            };
            if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
                r.client
                    .send_event(REMOTE_PROGRAM, rp::NETWORK_EVENT_LIFECYCLE, body);
            }
        }
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
