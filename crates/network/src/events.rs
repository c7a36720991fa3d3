//! Network events: libvirt 9.0's one network event, the lifecycle, sent to the registrations
//! of the daemon's connections (the runtime's [`EventRegistry`]).

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_remote::EventRegistry;

use crate::wire::{NetworkEventLifecycleMsg, NonnullNetwork};

/// `VIR_NETWORK_EVENT_ID_LIFECYCLE`, the only network event of libvirt 9.0.
pub const EVENT_ID_LIFECYCLE: i32 = 0;

/// `virNetworkEventLifecycleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Defined or redefined.
    Defined = 0,
    /// Undefined.
    Undefined = 1,
    /// Started.
    Started = 2,
    /// Stopped.
    Stopped = 3,
}

/// The network event registrations of the daemon's connections.
#[derive(Debug)]
pub struct NetworkEvents {
    /// The registrations (`CONNECT_NETWORK_EVENT_REGISTER_ANY`).
    pub registry: EventRegistry,
}

impl Default for NetworkEvents {
    fn default() -> Self {
        NetworkEvents {
            registry: EventRegistry::new("network ", EVENT_ID_LIFECYCLE..EVENT_ID_LIFECYCLE + 1),
        }
    }
}

impl NetworkEvents {
    /// Send a lifecycle event about `net` to every matching registration.
    pub fn emit(&self, net: &NonnullNetwork, event: Lifecycle) {
        self.registry.broadcast_msg(
            EVENT_ID_LIFECYCLE,
            &net.uuid,
            rp::NETWORK_EVENT_LIFECYCLE,
            |callback_id| NetworkEventLifecycleMsg {
                callback_id,
                net: net.clone(),
                event: event as i32,
                detail: 0,
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
