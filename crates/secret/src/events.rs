//! Secret events (lifecycle and value changes), sent to the registrations of the daemon's
//! connections (the runtime's [`EventRegistry`]).

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::secret::{NonnullSecret, SecretEventLifecycleMsg, SecretEventValueChangedMsg};
use oxvirt_remote::EventRegistry;

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

/// The secret event registrations of the daemon's connections.
#[derive(Debug)]
pub struct SecretEvents {
    /// The registrations (`CONNECT_SECRET_EVENT_REGISTER_ANY`).
    pub registry: EventRegistry,
}

impl Default for SecretEvents {
    fn default() -> Self {
        SecretEvents {
            registry: EventRegistry::new("secret ", EVENT_ID_LIFECYCLE..EVENT_ID_VALUE_CHANGED + 1),
        }
    }
}

impl SecretEvents {
    /// A secret was defined or undefined.
    pub fn lifecycle(&self, secret: &NonnullSecret, event: Lifecycle) {
        self.registry.broadcast_msg(
            EVENT_ID_LIFECYCLE,
            &secret.uuid,
            rp::SECRET_EVENT_LIFECYCLE,
            |callback_id| SecretEventLifecycleMsg {
                callback_id,
                secret: secret.clone(),
                event: event as i32,
                detail: 0,
            },
        );
    }

    /// A secret's value was set.
    pub fn value_changed(&self, secret: &NonnullSecret) {
        self.registry.broadcast_msg(
            EVENT_ID_VALUE_CHANGED,
            &secret.uuid,
            rp::SECRET_EVENT_VALUE_CHANGED,
            |callback_id| SecretEventValueChangedMsg {
                callback_id,
                secret: secret.clone(),
            },
        );
    }
}
