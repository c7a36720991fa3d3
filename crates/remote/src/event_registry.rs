//! The event registrations of one kind of object (domains, networks, storage pools, secrets),
//! written once for every driver.
//!
//! A client registers for one event id, of one object (by UUID) or of all, and gets a callback
//! id unique across the daemon's connections; it deregisters by that id, on its own
//! connection only. An event goes to every registration of its id whose object matches, its
//! message starting with the registration's callback id (libvirt's `*_event_*_msg` layouts).
//! Domains also have libvirt's legacy registrations, whose events carry no callback id.
//! Registrations die with their connection ([`EventRegistry::client_gone`]; a closed client's
//! are also dropped at the next registration or event).

use std::ops::Range;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{Uuid, VirError};
use oxvirt_rpc::server::Client;
use oxvirt_sync::MutexExt;

#[derive(Debug)]
struct Registration {
    client: Arc<Client>,
    /// `None`: a legacy registration (its events are sent without a callback id).
    callback_id: Option<i32>,
    event_id: i32,
    object: Option<Uuid>,
}

/// The registrations of one kind of object.
#[derive(Debug)]
pub struct EventRegistry {
    /// What an unknown event id is refused as: "unsupported {kind}event ID N".
    kind: &'static str,
    /// The event ids of this kind of object.
    event_ids: Range<i32>,
    next_id: AtomicI32,
    regs: Mutex<Vec<Registration>>,
}

impl EventRegistry {
    /// The registry of a kind of object whose events are `event_ids`; `kind` names it in the
    /// error for another id ("network " gives "unsupported network event ID 7"; "" for
    /// domains, as libvirt).
    pub fn new(kind: &'static str, event_ids: Range<i32>) -> Self {
        EventRegistry {
            kind,
            event_ids,
            next_id: AtomicI32::new(0),
            regs: Mutex::new(Vec::new()),
        }
    }

    /// Refuse an event id this kind of object does not have (libvirt's INVALID_ARG).
    pub fn check_event_id(&self, event_id: i32) -> Result<(), VirError> {
        if self.event_ids.contains(&event_id) {
            return Ok(());
        }
        Err(VirError::new(
            code::INVALID_ARG,
            domain::RPC,
            format!("unsupported {}event ID {event_id}", self.kind),
        ))
    }

    /// Add a registration, unless the connection already holds its most
    /// ([`Client::max_event_callbacks`]; libvirt has no such cap, so the refusal is an RPC
    /// error in the style of libvirt's other protocol limits).
    fn add(&self, r: Registration) -> Result<(), VirError> {
        self.check_event_id(r.event_id)?;
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        let max = r.client.max_event_callbacks();
        let id = r.client.id;
        if regs.iter().filter(|x| x.client.id == id).count() >= max {
            return Err(VirError::new(
                code::RPC,
                domain::RPC,
                format!("too many event callbacks on this connection (the maximum is {max})"),
            ));
        }
        regs.push(r);
        Ok(())
    }

    /// Register `client` for `event_id` of `object` (`None`: of every object): the callback id.
    pub fn register(
        &self,
        client: &Arc<Client>,
        event_id: i32,
        object: Option<Uuid>,
    ) -> Result<i32, VirError> {
        self.check_event_id(event_id)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.add(Registration {
            client: client.clone(),
            callback_id: Some(id),
            event_id,
            object,
        })?;
        Ok(id)
    }

    /// Drop the registration `callback_id` of `client` (libvirt's INVALID_ARG if it has none).
    pub fn deregister(&self, client: &Client, callback_id: i32) -> Result<(), VirError> {
        let removed =
            self.remove(|r| r.client.id == client.id && r.callback_id == Some(callback_id));
        if removed == 0 {
            return Err(VirError::new(
                code::INVALID_ARG,
                domain::RPC,
                format!("callback ID {callback_id} not registered"),
            ));
        }
        Ok(())
    }

    /// A legacy registration of `client` for `event_id` of every object: its events carry no
    /// callback id.
    pub fn register_legacy(&self, client: &Arc<Client>, event_id: i32) -> Result<(), VirError> {
        self.add(Registration {
            client: client.clone(),
            callback_id: None,
            event_id,
            object: None,
        })
    }

    /// Drop the legacy registrations of `client` for `event_id`.
    pub fn deregister_legacy(&self, client: &Client, event_id: i32) {
        self.remove(|r| {
            r.client.id == client.id && r.callback_id.is_none() && r.event_id == event_id
        });
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

    /// Number of live registrations.
    pub fn len(&self) -> usize {
        self.regs.locked().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Send event `event_id` about `object`: to each matching registration with a callback
    /// id, the message `procedure` whose body is the callback id then `body`; to each legacy
    /// one, `legacy_procedure`'s with `body` alone (if the event has a legacy form).
    pub fn broadcast(
        &self,
        event_id: i32,
        object: &Uuid,
        procedure: i32,
        legacy_procedure: Option<i32>,
        body: &[u8],
    ) {
        let mut regs = self.regs.locked();
        regs.retain(|r| !r.client.is_closed());
        for r in regs.iter() {
            if r.event_id != event_id || r.object.is_some_and(|u| u != *object) {
                continue;
            }
            match r.callback_id {
                Some(id) => {
                    let mut msg = Vec::with_capacity(4 + body.len());
                    msg.extend_from_slice(&id.to_be_bytes());
                    msg.extend_from_slice(body);
                    r.client.send_event(REMOTE_PROGRAM, procedure, msg);
                }
                None => {
                    if let Some(p) = legacy_procedure {
                        r.client.send_event(REMOTE_PROGRAM, p, body.to_vec());
                    }
                }
            }
        }
    }

    /// [`EventRegistry::broadcast`] of a message whose encoding starts with the callback id
    /// (libvirt's `*_event_*_msg` structs): `message` builds it for a callback id. A message
    /// that does not encode is not sent.
    pub fn broadcast_msg<M: oxvirt_xdr::Encode>(
        &self,
        event_id: i32,
        object: &Uuid,
        procedure: i32,
        message: impl Fn(i32) -> M,
    ) {
        // the body after the callback id is the same for every registration: encode it once
        let Ok(encoded) = oxvirt_xdr::to_bytes(&message(0)) else {
            return;
        };
        if let Some(body) = encoded.get(4..) {
            self.broadcast(event_id, object, procedure, None, body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_event_id_is_libvirts_invalid_arg() {
        let r = EventRegistry::new("network ", 0..1);
        assert!(r.check_event_id(0).is_ok());
        let e = r.check_event_id(1).unwrap_err();
        assert_eq!(e.code, code::INVALID_ARG);
        assert!(
            e.message.ends_with("unsupported network event ID 1"),
            "{}",
            e.message
        );
        assert!(r.is_empty());
    }
}
