//! Domain events as a stream ([`DomainEvents`]), decoded from the daemon's callback-form
//! event messages and routed by callback id.

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    CallbackIdArgs, DomainEventBalloonChangeMsg, DomainEventLifecycleMsg, DomainEventRebootMsg,
};
use oxvirt_proto::types::{NonnullDomain, Uuid};
use oxvirt_rpc::client::EventReceiver;
use tokio::sync::mpsc;

use crate::domain::format_uuid;
use crate::Connection;

/// `VIR_DOMAIN_EVENT_ID_*` this library subscribes to.
pub(crate) const EVENT_IDS: [i32; 3] = [ID_LIFECYCLE, ID_REBOOT, ID_BALLOON_CHANGE];
use oxvirt_proto::events::id::{
    BALLOON_CHANGE as ID_BALLOON_CHANGE, LIFECYCLE as ID_LIFECYCLE, REBOOT as ID_REBOOT,
};
use oxvirt_sync::MutexExt;

/// Which domain an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDomain {
    pub name: String,
    pub uuid: Uuid,
    /// The id it had when the event was sent (−1: not running).
    pub id: i32,
}

impl EventDomain {
    fn from_wire(d: NonnullDomain) -> Self {
        EventDomain {
            name: d.name,
            uuid: d.uuid,
            id: d.id,
        }
    }

    pub fn uuid_string(&self) -> String {
        format_uuid(&self.uuid)
    }
}

/// An event about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`: `event` is `virDomainEventType`, `detail` its detail.
    Lifecycle {
        domain: EventDomain,
        event: i32,
        detail: i32,
    },
    /// The guest rebooted.
    Reboot { domain: EventDomain },
    /// The balloon's size changed (KiB).
    BalloonChange {
        domain: EventDomain,
        actual_kib: u64,
    },
}

impl DomainEvent {
    pub fn domain(&self) -> &EventDomain {
        match self {
            DomainEvent::Lifecycle { domain, .. }
            | DomainEvent::Reboot { domain }
            | DomainEvent::BalloonChange { domain, .. } => domain,
        }
    }

    /// The event's name as `virsh event` prints it (`lifecycle`, `reboot`, `balloon-change`).
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::Lifecycle { .. } => "lifecycle",
            DomainEvent::Reboot { .. } => "reboot",
            DomainEvent::BalloonChange { .. } => "balloon-change",
        }
    }
}

impl fmt::Display for DomainEvent {
    /// As `virsh event` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.domain().name;
        match self {
            DomainEvent::Lifecycle { event, detail, .. } => {
                let (e, d) = lifecycle_names(*event, *detail);
                write!(f, "event 'lifecycle' for domain '{name}': {e} {d}")
            }
            DomainEvent::Reboot { .. } => write!(f, "event 'reboot' for domain '{name}'"),
            DomainEvent::BalloonChange { actual_kib, .. } => write!(
                f,
                "event 'balloon-change' for domain '{name}': {actual_kib}KiB"
            ),
        }
    }
}

/// A lifecycle event and its detail in virsh's words.
pub fn lifecycle_names(event: i32, detail: i32) -> (&'static str, &'static str) {
    let (name, details): (&str, &[&str]) = match event {
        0 => ("Defined", &["Added", "Updated", "Renamed", "Snapshot"]),
        1 => ("Undefined", &["Removed", "Renamed"]),
        2 => (
            "Started",
            &["Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"],
        ),
        3 => (
            "Suspended",
            &[
                "Paused",
                "Migrated",
                "I/O Error",
                "Watchdog",
                "Restored",
                "Snapshot",
                "API error",
                "Post-copy",
                "Post-copy Error",
            ],
        ),
        4 => (
            "Resumed",
            &[
                "Unpaused",
                "Migrated",
                "Snapshot",
                "Post-copy",
                "Post-copy Error",
            ],
        ),
        5 => (
            "Stopped",
            &[
                "Shutdown",
                "Destroyed",
                "Crashed",
                "Migrated",
                "Saved",
                "Failed",
                "Snapshot",
            ],
        ),
        6 => (
            "Shutdown",
            &[
                "Finished",
                "Finished after guest request",
                "Finished after host request",
            ],
        ),
        7 => ("PMSuspended", &["Memory", "Disk"]),
        8 => ("Crashed", &["Panicked", "Crashloaded"]),
        _ => ("unknown", &[]),
    };
    let d = usize::try_from(detail)
        .ok()
        .and_then(|i| details.get(i))
        .copied()
        .unwrap_or("unknown");
    (name, d)
}

/// Callback id → the stream it feeds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subscribers(Arc<Mutex<HashMap<i32, mpsc::UnboundedSender<DomainEvent>>>>);

impl Subscribers {
    pub(crate) fn add(&self, id: i32, tx: mpsc::UnboundedSender<DomainEvent>) {
        {
            let mut m = self.0.locked();
            m.insert(id, tx);
        }
    }

    fn remove(&self, id: i32) {
        {
            let mut m = self.0.locked();
            m.remove(&id);
        }
    }

    fn send(&self, id: i32, ev: DomainEvent) {
        {
            let m = self.0.locked();
            if let Some(tx) = m.get(&id) {
                let _ = tx.send(ev);
            }
        }
    }

    fn clear(&self) {
        {
            let mut m = self.0.locked();
            m.clear();
        }
    }
}

/// Decode one callback-form event message body.
fn decode(procedure: i32, body: &[u8]) -> Option<(i32, DomainEvent)> {
    let id_len = 4;
    let id = i32::from_be_bytes(body.get(..id_len)?.try_into().ok()?);
    let rest = &body[id_len..];
    let ev = match procedure {
        rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE => {
            let m: DomainEventLifecycleMsg = oxvirt_xdr::from_bytes(rest).ok()?;
            DomainEvent::Lifecycle {
                domain: EventDomain::from_wire(m.dom),
                event: m.event,
                detail: m.detail,
            }
        }
        rp::DOMAIN_EVENT_CALLBACK_REBOOT => {
            let m: DomainEventRebootMsg = oxvirt_xdr::from_bytes(rest).ok()?;
            DomainEvent::Reboot {
                domain: EventDomain::from_wire(m.dom),
            }
        }
        rp::DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE => {
            let m: DomainEventBalloonChangeMsg = oxvirt_xdr::from_bytes(rest).ok()?;
            DomainEvent::BalloonChange {
                domain: EventDomain::from_wire(m.dom),
                actual_kib: m.actual,
            }
        }
        _ => return None,
    };
    Some((id, ev))
}

/// Route the connection's event messages to their streams until it closes; then every
/// stream ends.
pub(crate) async fn dispatch(mut rx: EventReceiver, subs: Subscribers) {
    while let Some(m) = rx.recv().await {
        match decode(m.header.procedure, &m.body) {
            Some((id, ev)) => subs.send(id, ev),
            None => tracing::debug!(procedure = m.header.procedure, "event ignored"),
        }
    }
    subs.clear();
}

/// A stream of domain events; ends when the connection closes. Implements
/// [`futures_core::Stream`]; [`DomainEvents::next`] is the same without extra crates.
#[derive(Debug)]
pub struct DomainEvents {
    conn: Connection,
    ids: Vec<i32>,
    rx: mpsc::UnboundedReceiver<DomainEvent>,
}

impl DomainEvents {
    pub(crate) fn new(
        conn: Connection,
        ids: Vec<i32>,
        rx: mpsc::UnboundedReceiver<DomainEvent>,
    ) -> Self {
        DomainEvents { conn, ids, rx }
    }

    /// The next event; `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<DomainEvent> {
        self.rx.recv().await
    }

    /// Deregister from the daemon and end the stream.
    pub async fn close(mut self) {
        let ids = self.forget();
        deregister(&self.conn, ids).await;
    }

    /// Stop routing to this stream; the callback ids to deregister.
    fn forget(&mut self) -> Vec<i32> {
        let ids = std::mem::take(&mut self.ids);
        for id in &ids {
            self.conn.inner.subscribers.remove(*id);
        }
        ids
    }
}

/// Deregister callbacks (errors ignored: a closed connection has none left anyway).
async fn deregister(conn: &Connection, ids: Vec<i32>) {
    for id in ids {
        let _: crate::Result<()> = conn
            .call(
                rp::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                &CallbackIdArgs { callback_id: id },
            )
            .await;
    }
}

impl futures_core::Stream for DomainEvents {
    type Item = DomainEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DomainEvent>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for DomainEvents {
    fn drop(&mut self) {
        let ids = self.forget();
        if ids.is_empty() {
            return;
        }
        // deregister in the background (the stream no longer receives either way)
        let conn = self.conn.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { deregister(&conn, ids).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_events_print_as_virsh() {
        let ev = DomainEvent::Lifecycle {
            domain: EventDomain {
                name: "vm1".into(),
                uuid: [0; 16],
                id: 1,
            },
            event: 6,
            detail: 1,
        };
        assert_eq!(
            ev.to_string(),
            "event 'lifecycle' for domain 'vm1': Shutdown Finished after guest request"
        );
        assert_eq!(lifecycle_names(5, 1), ("Stopped", "Destroyed"));
        assert_eq!(lifecycle_names(99, -3), ("unknown", "unknown"));
    }

    #[test]
    fn event_bodies_decode_and_garbage_does_not() {
        let msg = DomainEventBalloonChangeMsg {
            dom: NonnullDomain {
                name: "a".into(),
                uuid: [1; 16],
                id: 3,
            },
            actual: 4096,
        };
        let mut body = 7i32.to_be_bytes().to_vec();
        body.extend(oxvirt_xdr::to_bytes(&msg).unwrap());
        let (id, ev) = decode(rp::DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE, &body).unwrap();
        assert_eq!(id, 7);
        assert!(matches!(
            ev,
            DomainEvent::BalloonChange {
                actual_kib: 4096,
                ..
            }
        ));
        assert!(decode(rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE, &body[..6]).is_none());
        assert!(decode(rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE, &[]).is_none());
        assert!(decode(12345, &body).is_none());
    }
}
