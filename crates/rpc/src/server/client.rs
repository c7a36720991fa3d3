//! One connected client as the server and the services see it: its identity, its outgoing
//! queue with the byte budget and the calls in flight, and keepalive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UnixStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{Origin, Peer, ServerConfig};
use crate::frame::Message;
use crate::stream::{StreamKey, StreamOut, StreamPacket};
use crate::transport::{write_message, TransportError};
use oxvirt_proto::message::KEEPALIVE_PING;
use oxvirt_proto::{Header, MessageType, Status};
use oxvirt_sync::MutexExt;

pub(super) enum Outgoing {
    /// A message, and what it holds until it is written: its share of the byte budget and,
    /// for a reply, the call's place among the calls in flight.
    ///
    /// Boxed: the queue allocates its slots in blocks of 32, and an idle connection should not
    /// pay for 32 whole messages.
    Msg(Box<(Message, Vec<OwnedSemaphorePermit>)>),
    Close,
}

/// One connected client, as the service sees it.
#[derive(Debug)]
pub struct Client {
    pub id: u64,
    pub peer: Peer,
    /// What a transport in front of the server (TLS) established about the peer.
    pub origin: Origin,
    pub listener: &'static str,
    /// Unix time the client connected at.
    pub connected_at: u64,
    pub(super) read_only: AtomicBool,
    /// A user other than root and the daemon's own (see [`crate::limits`]).
    pub(super) stranger: bool,
    /// CONNECT_OPEN succeeded.
    pub(super) opened: AtomicBool,
    pub(super) keepalive: AtomicBool,
    pub(super) config: ServerConfig,
    pub(super) tx: mpsc::Sender<Outgoing>,
    pub(super) out: Arc<WriteSide>,
    /// Bytes that may still be queued for writing (`max_queued_bytes`).
    pub(super) out_bytes: Arc<Semaphore>,
    pub(super) out_bytes_max: u32,
    /// Calls in flight and stream packets not yet taken by their stream
    /// (`max_client_requests`).
    pub(super) requests: Arc<Semaphore>,
    pub(crate) streams: Mutex<HashMap<StreamKey, mpsc::Sender<StreamPacket>>>,
    pub(super) cancel: CancellationToken,
    pub(super) epoch: Instant,
    pub(super) last_rx_ms: AtomicU64,
    pub(super) throttled: AtomicBool,
    /// Which events this client may see ([`Client::set_event_filter`]).
    pub(super) event_filter: std::sync::OnceLock<EventFilter>,
}

/// The test of an [`EventFilter`]: program, procedure, body; whether to send.
pub type EventTest = dyn Fn(u32, i32, &[u8]) -> bool + Send + Sync;

/// Decides, from an event's program, procedure and body, whether a client gets it.
pub struct EventFilter(pub Box<EventTest>);

impl std::fmt::Debug for EventFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventFilter")
    }
}

/// The writing side of a connection, shared by its writer task and the tasks that write their
/// own messages.
///
/// A message is written by the task that sends it when nothing is queued and nobody is
/// writing (the usual case for a reply: no trip through the queue, no wake-up of the writer
/// task); otherwise it is queued for the writer task. `writing` is held while any message is
/// being written, so messages never interleave, and `unsent` counts the queued messages not
/// yet written, so a task's messages leave in the order it sent them.
#[derive(Debug)]
pub(super) struct WriteSide {
    pub(super) stream: Arc<UnixStream>,
    pub(super) writing: tokio::sync::Mutex<()>,
    pub(super) unsent: AtomicUsize,
}

impl WriteSide {
    pub(super) fn new(stream: Arc<UnixStream>) -> Self {
        WriteSide {
            stream,
            writing: tokio::sync::Mutex::new(()),
            unsent: AtomicUsize::new(0),
        }
    }

    fn idle(&self) -> bool {
        self.unsent.load(Ordering::Acquire) == 0
    }
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outgoing::Msg(m) => write!(f, "Msg({:?})", m.0.header),
            Outgoing::Close => write!(f, "Close"),
        }
    }
}

impl Client {
    /// Read-only connections refuse every call that changes anything.
    pub fn is_read_only(&self) -> bool {
        self.read_only.load(Ordering::Relaxed)
    }

    /// Make the connection read-only (CONNECT_OPEN with the read-only flag).
    pub fn set_read_only(&self) {
        self.read_only.store(true, Ordering::Relaxed);
    }

    /// The connection opened (CONNECT_OPEN succeeded): another user's read-write connection
    /// is no longer restricted. Read-only connections stay restricted.
    pub fn set_opened(&self) {
        self.opened.store(true, Ordering::Relaxed);
    }

    pub(super) fn is_opened(&self) -> bool {
        self.opened.load(Ordering::Relaxed)
    }

    /// Whether the limits of restricted connections apply (see [`crate::limits`]).
    pub fn is_restricted(&self) -> bool {
        self.is_read_only() || (self.stranger && !self.is_opened())
    }

    /// Most event callbacks this connection may register.
    pub fn max_event_callbacks(&self) -> usize {
        self.config.max_event_callbacks
    }

    /// Start PINGing this client when it is silent (after it asked for keepalive). The
    /// keepalive task exists only for clients that asked, and ends with the connection.
    pub fn enable_keepalive(self: &Arc<Self>) {
        if self.config.keepalive_interval.is_zero() || self.is_closed() {
            return;
        }
        if !self.keepalive.swap(true, Ordering::Relaxed) {
            tokio::spawn(keepalive_loop(self.clone()));
        }
    }

    /// Send this client only the events `filter` accepts (access control: the events of
    /// objects it may see). Set once; later calls change nothing.
    pub fn set_event_filter(&self, filter: EventFilter) {
        let _ = self.event_filter.set(filter);
    }

    /// Queue an event (a MESSAGE). A client too slow to take its events is dropped rather than
    /// letting its queue grow without bound.
    ///
    /// Events do not wait for the byte budget (they are queued from synchronous code), only
    /// for a place among `max_queued_messages`.
    pub fn send_event(&self, program: u32, procedure: i32, body: Vec<u8>) {
        if let Some(f) = self.event_filter.get() {
            if !(f.0)(program, procedure, &body) {
                return;
            }
        }
        // libvirtd sends events with serial 1; clients ignore it.
        let msg = Message::new(
            Header::new(program, procedure, MessageType::Message, 1, Status::Ok),
            body,
        );
        if let Err(e) = msg.check() {
            warn!(client = self.id, "cannot send event {procedure}: {e}");
            return;
        }
        if let Err(e) = self.enqueue(Outgoing::Msg(Box::new((msg, Vec::new())))) {
            if matches!(e, mpsc::error::TrySendError::Full(_)) {
                warn!(
                    client = self.id,
                    "client does not read its events; dropping it"
                );
                self.close();
            }
        }
    }

    /// Queue any message, waiting for room in the byte budget. False once the connection is
    /// gone.
    pub(crate) async fn send(&self, msg: Message) -> bool {
        self.send_holding(msg, None).await
    }

    /// Queue a message that keeps `permit` (a call's place among the calls in flight) until it
    /// has been written.
    pub(super) async fn send_holding(
        &self,
        msg: Message,
        permit: Option<OwnedSemaphorePermit>,
    ) -> bool {
        if self.is_closed() {
            return false;
        }
        // A call's reply, with nothing queued and nobody writing, leaves from here. (Stream
        // data and events always go through the queue and its byte budget.)
        if permit.is_some() && self.out.idle() {
            if let Ok(writing) = self.out.writing.try_lock() {
                if self.out.idle() {
                    let sent = self.write_now(&msg).await;
                    drop(writing);
                    drop(permit);
                    return sent;
                }
            }
        }
        let want = msg.wire_len().clamp(1, self.out_bytes_max as usize) as u32;
        // The usual case (room in the budget and in the queue) takes neither a wait nor a
        // registration with the connection's cancellation.
        let budget = match self.out_bytes.clone().try_acquire_many_owned(want) {
            Ok(p) => p,
            Err(TryAcquireError::Closed) => return false,
            Err(TryAcquireError::NoPermits) => tokio::select! {
                p = self.out_bytes.clone().acquire_many_owned(want) => match p {
                    Ok(p) => p,
                    Err(_) => return false,
                },
                _ = self.closed() => return false,
            },
        };
        let mut held = vec![budget];
        held.extend(permit);
        match self.enqueue(Outgoing::Msg(Box::new((msg, held)))) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
            Err(mpsc::error::TrySendError::Full(item)) => {
                self.out.unsent.fetch_add(1, Ordering::AcqRel);
                let sent = tokio::select! {
                    r = self.tx.send(item) => r.is_ok(),
                    _ = self.closed() => false,
                };
                if !sent {
                    self.out.unsent.fetch_sub(1, Ordering::AcqRel);
                }
                sent
            }
        }
    }

    /// Queue a message for the writer task (counted in `unsent` until it is written).
    fn enqueue(&self, item: Outgoing) -> Result<(), mpsc::error::TrySendError<Outgoing>> {
        self.out.unsent.fetch_add(1, Ordering::AcqRel);
        let r = self.tx.try_send(item);
        if r.is_err() {
            self.out.unsent.fetch_sub(1, Ordering::AcqRel);
        }
        r
    }

    /// Write a message to the socket from the sending task (holding `writing`), as the writer
    /// task would: a message that cannot be framed is skipped, a failed write ends the
    /// connection, and a client that does not read does not keep us here after a close.
    async fn write_now(&self, msg: &Message) -> bool {
        let r = tokio::select! {
            biased;
            r = write_message(&self.out.stream, msg) => r,
            _ = self.closed() => return false,
        };
        match r {
            Ok(()) => true,
            Err(TransportError::Frame(e)) => {
                warn!("cannot send {:?}: {e}", msg.header);
                true
            }
            Err(e) => {
                debug!("write failed: {e}");
                self.close();
                false
            }
        }
    }

    /// A place among the calls in flight; the connection's reader waits here (and so stops
    /// reading the socket) while the client is at its limit. `None` once the connection is
    /// gone.
    pub(super) async fn acquire_request(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = self.requests.clone().try_acquire_owned() {
            return Some(p);
        }
        // While we do not read, the client's silence is ours: keepalive must not count it.
        self.throttled.store(true, Ordering::Relaxed);
        let p = tokio::select! {
            p = self.requests.clone().acquire_owned() => p.ok(),
            _ = self.closed() => None,
        };
        self.throttled.store(false, Ordering::Relaxed);
        self.touch();
        p
    }

    /// Drop the connection.
    pub fn close(&self) {
        self.cancel.cancel();
    }

    pub fn is_closed(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when the connection is gone.
    pub async fn closed(&self) {
        self.cancel.cancelled().await
    }

    pub(super) fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_rx_ms.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn unregister_stream(&self, key: &StreamKey) {
        {
            let mut s = self.streams.locked();
            s.remove(key);
        }
    }
}

/// PING a silent client after each interval of silence; drop it after `count` unanswered
/// PINGs, about `interval * (count + 1)` after the last message received (libvirt's rule).
async fn keepalive_loop(client: Arc<Client>) {
    let interval = client.config.keepalive_interval;
    if interval.is_zero() {
        return;
    }
    let count = client.config.keepalive_count;
    let mut sent = 0u32;
    let mut seen_rx = client.last_rx_ms.load(Ordering::Relaxed);
    loop {
        let deadline = interval
            .checked_mul(sent.saturating_add(1))
            .and_then(|d| d.checked_add(Duration::from_millis(seen_rx)))
            .and_then(|d| client.epoch.checked_add(d));
        let Some(deadline) = deadline else {
            // an interval too long to ever elapse
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(deadline.into()) => {}
            _ = client.closed() => return,
        }
        let rx = client.last_rx_ms.load(Ordering::Relaxed);
        if rx != seen_rx || client.throttled.load(Ordering::Relaxed) {
            // heard from the client (or we are the ones not reading): start over
            seen_rx = if rx != seen_rx {
                rx
            } else {
                client.epoch.elapsed().as_millis() as u64
            };
            sent = 0;
            continue;
        }
        if sent >= count {
            info!(
                client = client.id,
                "keepalive timeout; closing the connection"
            );
            client.close();
            return;
        }
        // Never wait for room: a client that does not read must still time out. A PING that
        // finds the queue full counts as sent.
        let ping = Outgoing::Msg(Box::new((Message::keepalive(KEEPALIVE_PING), Vec::new())));
        if let Err(mpsc::error::TrySendError::Closed(_)) = client.enqueue(ping) {
            return;
        }
        sent += 1;
    }
}

// Stream packets leave through the client's queue.
impl Client {
    pub(crate) async fn send_stream(&self, key: &StreamKey, out: StreamOut) -> bool {
        let msg = out.into_message(key);
        self.send(msg).await
    }
}
