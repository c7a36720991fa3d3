//! Domain event registrations and their delivery.
//!
//! Clients register with `CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY` (one registration per
//! event id, optionally filtered to one domain) and get a callback id unique across all
//! connections of the daemon, or with the legacy `CONNECT_DOMAIN_EVENT_REGISTER[_ANY]`, whose
//! events carry no callback id. Registrations die with their connection.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    CallbackIdArgs, CallbackIdRet, ConnectDomainEventCallbackRegisterAnyArgs, IntRet,
};
use oxvirt_proto::{NonnullDomain, Uuid, VirError};
use oxvirt_rpc::server::Client;

use crate::service::ret;

use oxvirt_proto::events::id::{
    LAST as DOMAIN_EVENT_ID_LAST, LIFECYCLE as DOMAIN_EVENT_ID_LIFECYCLE,
};
use oxvirt_sync::MutexExt;

#[derive(Debug)]
struct Registration {
    client: Arc<Client>,
    /// `None` for legacy registrations (events sent without a callback id).
    callback_id: Option<i32>,
    event_id: i32,
    dom: Option<Uuid>,
}

/// The registrations of one driver.
#[derive(Debug, Default)]
pub struct EventHub {
    next_id: AtomicI32,
    regs: Mutex<Vec<Registration>>,
}

fn invalid_event(id: i32) -> VirError {
    VirError::new(
        oxvirt_proto::vir_error::code::INVALID_ARG,
        oxvirt_proto::vir_error::domain::RPC,
        format!("unsupported event ID {id}"),
    )
}

impl EventHub {
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

    /// Register, unless the connection already holds its most registrations
    /// ([`Client::max_event_callbacks`]); libvirt has no such cap, so the refusal is an RPC
    /// error in the style of libvirt's other protocol limits.
    fn add(&self, r: Registration) -> Result<(), VirError> {
        let mut regs = self.regs.locked();
        let max = r.client.max_event_callbacks();
        let id = r.client.id;
        if regs.iter().filter(|x| x.client.id == id).count() >= max {
            return Err(VirError::new(
                oxvirt_proto::vir_error::code::RPC,
                oxvirt_proto::vir_error::domain::RPC,
                format!("too many event callbacks on this connection (the maximum is {max})"),
            ));
        }
        regs.push(r);
        Ok(())
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
                if !(0..DOMAIN_EVENT_ID_LAST).contains(&a.event_id) {
                    return Err(invalid_event(a.event_id));
                }
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                self.add(Registration {
                    client: client.clone(),
                    callback_id: Some(id),
                    event_id: a.event_id,
                    dom: a.dom.map(|d| d.uuid),
                })?;
                ret(&CallbackIdRet { callback_id: id })
            }
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY => {
                let a: CallbackIdArgs = oxvirt_xdr::from_bytes(body).map_err(bad)?;
                let removed = self
                    .remove(|r| r.client.id == client.id && r.callback_id == Some(a.callback_id));
                if removed == 0 {
                    return Err(VirError::new(
                        oxvirt_proto::vir_error::code::INVALID_ARG,
                        oxvirt_proto::vir_error::domain::RPC,
                        format!("callback ID {} not registered", a.callback_id),
                    ));
                }
                Ok(Vec::new())
            }
            rp::CONNECT_DOMAIN_EVENT_REGISTER => {
                self.add(Registration {
                    client: client.clone(),
                    callback_id: None,
                    event_id: DOMAIN_EVENT_ID_LIFECYCLE,
                    dom: None,
                })?;
                ret(&IntRet { value: 1 })
            }
            rp::CONNECT_DOMAIN_EVENT_DEREGISTER => {
                self.remove(|r| {
                    r.client.id == client.id
                        && r.callback_id.is_none()
                        && r.event_id == DOMAIN_EVENT_ID_LIFECYCLE
                });
                ret(&IntRet { value: 1 })
            }
            rp::CONNECT_DOMAIN_EVENT_REGISTER_ANY | rp::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY => {
                let a: IntRet = oxvirt_xdr::from_bytes(body).map_err(bad)?;
                let event_id = a.value;
                if !(0..DOMAIN_EVENT_ID_LAST).contains(&event_id) {
                    return Err(invalid_event(event_id));
                }
                if procedure == rp::CONNECT_DOMAIN_EVENT_REGISTER_ANY {
                    self.add(Registration {
                        client: client.clone(),
                        callback_id: None,
                        event_id,
                        dom: None,
                    })?;
                } else {
                    self.remove(|r| {
                        r.client.id == client.id
                            && r.callback_id.is_none()
                            && r.event_id == event_id
                    });
                }
                Ok(Vec::new())
            }
            p => Err(VirError::unknown_procedure(p)),
        }
    }

    fn remove(&self, pred: impl Fn(&Registration) -> bool) -> usize {
        let mut regs = self.regs.locked();
        let before = regs.len();
        regs.retain(|r| !pred(r));
        before - regs.len()
    }

    /// Forget every registration of a connection that went away.
    pub fn client_gone(&self, client_id: u64) {
        self.remove(|r| r.client.id == client_id);
    }

    /// Number of live registrations (for tests and stats).
    pub fn len(&self) -> usize {
        self.regs.locked().len()
    }

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
        let regs = self.regs.locked();
        for r in regs.iter() {
            if r.event_id != event_id || r.dom.is_some_and(|u| u != dom.uuid) {
                continue;
            }
            match r.callback_id {
                Some(id) => {
                    let mut body = Vec::with_capacity(4 + msg.len());
                    body.extend_from_slice(&id.to_be_bytes());
                    body.extend_from_slice(msg);
                    r.client.send_event(REMOTE_PROGRAM, callback_proc, body);
                }
                None => {
                    if let Some(p) = legacy_proc {
                        r.client.send_event(REMOTE_PROGRAM, p, msg.to_vec());
                    }
                }
            }
        }
    }
}
