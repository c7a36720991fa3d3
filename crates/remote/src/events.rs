//! Domain event registrations and their delivery, on the runtime's [`EventRegistry`].
//!
//! Clients register with `CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY` (one registration per
//! event id, optionally filtered to one domain) and get a callback id unique across all
//! connections of the daemon, or with the legacy `CONNECT_DOMAIN_EVENT_REGISTER[_ANY]`, whose
//! events carry no callback id. Registrations die with their connection.

use std::sync::Arc;

use oxvirt_proto::events::id::{
    LAST as DOMAIN_EVENT_ID_LAST, LIFECYCLE as DOMAIN_EVENT_ID_LIFECYCLE,
};
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    CallbackIdArgs, CallbackIdRet, ConnectDomainEventCallbackRegisterAnyArgs, IntRet,
};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_rpc::server::Client;

use crate::event_registry::EventRegistry;
use crate::service::ret;

/// The domain event registrations of one driver.
#[derive(Debug)]
pub struct EventHub {
    registry: EventRegistry,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            // libvirt's message for a domain event id names no kind of object
            registry: EventRegistry::new("", 0..DOMAIN_EVENT_ID_LAST),
        }
    }
}

impl EventHub {
    /// No registration yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `procedure` is an event (de)registration this hub answers.
    pub fn handles(procedure: i32) -> bool {
        matches!(
            procedure,
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY
                | rp::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
                | rp::CONNECT_DOMAIN_EVENT_REGISTER
                | rp::CONNECT_DOMAIN_EVENT_DEREGISTER
                | rp::CONNECT_DOMAIN_EVENT_REGISTER_ANY
                | rp::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY
        )
    }

    /// Answer a (de)registration call.
    pub fn call(
        &self,
        client: &Arc<Client>,
        procedure: i32,
        body: &[u8],
    ) -> Result<Vec<u8>, VirError> {
        let bad = |_| VirError::rpc("Unable to decode message payload");
        match procedure {
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY => {
                let a: ConnectDomainEventCallbackRegisterAnyArgs =
                    oxvirt_xdr::from_bytes(body).map_err(bad)?;
                let id = self
                    .registry
                    .register(client, a.event_id, a.dom.map(|d| d.uuid))?;
                ret(&CallbackIdRet { callback_id: id })
            }
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY => {
                let a: CallbackIdArgs = oxvirt_xdr::from_bytes(body).map_err(bad)?;
                self.registry.deregister(client, a.callback_id)?;
                Ok(Vec::new())
            }
            rp::CONNECT_DOMAIN_EVENT_REGISTER => {
                self.registry
                    .register_legacy(client, DOMAIN_EVENT_ID_LIFECYCLE)?;
                ret(&IntRet { value: 1 })
            }
            rp::CONNECT_DOMAIN_EVENT_DEREGISTER => {
                self.registry
                    .deregister_legacy(client, DOMAIN_EVENT_ID_LIFECYCLE);
                ret(&IntRet { value: 1 })
            }
            rp::CONNECT_DOMAIN_EVENT_REGISTER_ANY | rp::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY => {
                let a: IntRet = oxvirt_xdr::from_bytes(body).map_err(bad)?;
                self.registry.check_event_id(a.value)?;
                if procedure == rp::CONNECT_DOMAIN_EVENT_REGISTER_ANY {
                    self.registry.register_legacy(client, a.value)?;
                } else {
                    self.registry.deregister_legacy(client, a.value);
                }
                Ok(Vec::new())
            }
            p => Err(VirError::unknown_procedure(p)),
        }
    }

    /// Forget every registration of a connection that went away.
    pub fn client_gone(&self, client_id: u64) {
        self.registry.client_gone(client_id);
    }

    /// Number of live registrations (for tests and stats).
    pub fn len(&self) -> usize {
        self.registry.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deliver an event about `dom` to every matching registration. `msg` is the event's
    /// message body without the callback id; `callback_proc` is the procedure of the
    /// callback form, `legacy_proc` the one without callback id (if the event has one).
    pub fn emit(
        &self,
        event_id: i32,
        dom: &NonnullDomain,
        callback_proc: i32,
        legacy_proc: Option<i32>,
        msg: &[u8],
    ) {
        self.registry
            .broadcast(event_id, &dom.uuid, callback_proc, legacy_proc, msg);
    }
}
