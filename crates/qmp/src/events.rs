//! The bounded event queue between the connection's reader task and its one consumer.
//!
//! Policy: the reader never waits for the consumer (so a flood of events cannot hold up
//! command replies), and the queue never holds more than `max_events` events nor more than
//! `max_bytes` bytes of events (counted as their size on the wire; the newest event is always
//! kept, so the bound is really `max(max_bytes, max_line)`). When a new event does not fit,
//! the **oldest** events are dropped and counted; the consumer learns how many it missed from
//! [`EventRecvError::Lagged`] before it receives the events that follow the gap. When the
//! connection ends, the consumer first gets the events still queued, then
//! [`EventRecvError::Closed`].

use oxvirt_sync::MutexExt;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

use super::message::QmpEvent;
use super::Disconnect;

/// What [`QmpEvents::recv`] returns instead of an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventRecvError {
    /// This many events were dropped (oldest first) since the last `recv`, because the
    /// consumer did not keep up; the next `recv` returns the oldest event kept.
    #[error("{0} QMP events were dropped because the consumer was too slow")]
    Lagged(u64),
    /// The connection has ended and every queued event has been received.
    #[error("QMP events ended: {0}")]
    Closed(Disconnect),
}

#[derive(Debug)]
struct State {
    queue: VecDeque<(QmpEvent, usize)>,
    bytes: usize,
    /// Dropped since the consumer last heard about drops.
    lagged: u64,
    dropped_total: u64,
    received_total: u64,
    closed: Option<Disconnect>,
}

#[derive(Debug)]
pub(crate) struct EventQueue {
    state: Mutex<State>,
    notify: Notify,
    max_events: usize,
    max_bytes: usize,
}

impl EventQueue {
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> Self {
        EventQueue {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                bytes: 0,
                lagged: 0,
                dropped_total: 0,
                received_total: 0,
                closed: None,
            }),
            notify: Notify::new(),
            max_events: max_events.max(1),
            max_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked while holding it; the state
        // is still consistent (every update is a few plain assignments).
        self.state.locked()
    }

    /// Queue an event of `size` wire bytes, dropping the oldest ones if needed. Never waits.
    pub(crate) fn push(&self, event: QmpEvent, size: usize) {
        {
            let mut s = self.lock();
            if s.closed.is_some() {
                return;
            }
            s.received_total += 1;
            s.queue.push_back((event, size));
            s.bytes += size;
            while s.queue.len() > self.max_events || (s.bytes > self.max_bytes && s.queue.len() > 1)
            {
                let Some((_, sz)) = s.queue.pop_front() else {
                    break;
                };
                s.bytes -= sz;
                s.lagged += 1;
                s.dropped_total += 1;
            }
        }
        self.notify.notify_one();
    }

    /// End the queue (idempotent: the first reason stays).
    pub(crate) fn close(&self, reason: Disconnect) {
        {
            let mut s = self.lock();
            if s.closed.is_none() {
                s.closed = Some(reason);
            }
        }
        self.notify.notify_one();
    }

    pub(crate) fn dropped_total(&self) -> u64 {
        self.lock().dropped_total
    }

    pub(crate) fn received_total(&self) -> u64 {
        self.lock().received_total
    }

    fn try_take(&self) -> Option<Result<QmpEvent, EventRecvError>> {
        let mut s = self.lock();
        if s.lagged > 0 {
            let n = s.lagged;
            s.lagged = 0;
            return Some(Err(EventRecvError::Lagged(n)));
        }
        if let Some((ev, sz)) = s.queue.pop_front() {
            s.bytes -= sz;
            return Some(Ok(ev));
        }
        s.closed.clone().map(|c| Err(EventRecvError::Closed(c)))
    }
}

/// The receiving end of a connection's events (see the module's policy). There is one per
/// connection, taken with [`super::QmpClient::take_events`].
#[derive(Debug)]
pub struct QmpEvents {
    queue: Arc<EventQueue>,
}

impl QmpEvents {
    pub(crate) fn new(queue: Arc<EventQueue>) -> Self {
        QmpEvents { queue }
    }

    /// The next event; [`EventRecvError::Lagged`] when events were dropped before it;
    /// [`EventRecvError::Closed`] (again and again) once the connection has ended and the
    /// queue is empty.
    pub async fn recv(&mut self) -> Result<QmpEvent, EventRecvError> {
        loop {
            if let Some(r) = self.queue.try_take() {
                return r;
            }
            // notify_one stores a permit when nobody waits, so a push between try_take and
            // here is not lost.
            self.queue.notify.notified().await;
        }
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Result<QmpEvent, EventRecvError>> {
        self.queue.try_take()
    }

    /// Events dropped since the connection started.
    pub fn dropped_total(&self) -> u64 {
        self.queue.dropped_total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(n: u64) -> QmpEvent {
        QmpEvent {
            name: format!("E{n}"),
            data: json!({}),
            timestamp: None,
        }
    }

    #[tokio::test]
    async fn drops_oldest_and_reports() {
        let q = Arc::new(EventQueue::new(3, 1000));
        let mut rx = QmpEvents::new(q.clone());
        for n in 0..10 {
            q.push(ev(n), 10);
        }
        assert_eq!(rx.recv().await, Err(EventRecvError::Lagged(7)));
        assert_eq!(rx.recv().await.unwrap().name, "E7");
        assert_eq!(rx.recv().await.unwrap().name, "E8");
        q.push(ev(10), 10);
        q.close(Disconnect::Eof);
        q.push(ev(11), 10);
        assert_eq!(rx.recv().await.unwrap().name, "E9");
        assert_eq!(rx.recv().await.unwrap().name, "E10");
        assert_eq!(
            rx.recv().await,
            Err(EventRecvError::Closed(Disconnect::Eof))
        );
        assert_eq!(
            rx.recv().await,
            Err(EventRecvError::Closed(Disconnect::Eof))
        );
        assert_eq!(rx.dropped_total(), 7);
        assert_eq!(q.received_total(), 11);
    }

    #[tokio::test]
    async fn byte_budget_keeps_newest() {
        let q = Arc::new(EventQueue::new(100, 25));
        let mut rx = QmpEvents::new(q.clone());
        q.push(ev(0), 10);
        q.push(ev(1), 10);
        q.push(ev(2), 10);
        q.push(ev(3), 1000);
        assert_eq!(rx.recv().await, Err(EventRecvError::Lagged(3)));
        assert_eq!(rx.recv().await.unwrap().name, "E3");
        assert!(rx.try_recv().is_none());
    }

    #[tokio::test]
    async fn wakes_waiting_consumer() {
        let q = Arc::new(EventQueue::new(4, 1000));
        let mut rx = QmpEvents::new(q.clone());
        let t = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        q.push(ev(1), 1);
        assert_eq!(t.await.unwrap().unwrap().name, "E1");
    }
}
