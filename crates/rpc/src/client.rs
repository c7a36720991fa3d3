//! The async client: concurrent calls on one connection matched by serial, events, streams,
//! fd passing and keepalive. Used by daemons to call each other (qemud → shim, qemud →
//! networkd) and by tests.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::frame::Message;
use crate::stream::{StreamIn, StreamKey, StreamOut};
use crate::transport::{write_message, MessageReader, TransportError};
use oxvirt_proto::message::{KEEPALIVE_PING, KEEPALIVE_PONG, KEEPALIVE_PROGRAM, STREAM_CHUNK};
use oxvirt_proto::types::WireError;
use oxvirt_proto::{Header, MessageType, Status, VirError};
use oxvirt_sync::MutexExt;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {path}: {source}")]
    Connect {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server answered with an error.
    #[error("{0}")]
    Remote(VirError),
    #[error("cannot encode or decode a message: {0}")]
    Xdr(#[from] oxvirt_xdr::Error),
    #[error("the connection is closed")]
    Closed,
}

impl oxvirt_proto::ToVirError for ClientError {
    fn to_vir_error(&self) -> VirError {
        match self {
            ClientError::Remote(e) => e.clone(),
            other => VirError::new(
                oxvirt_proto::vir_error::code::INTERNAL_ERROR,
                oxvirt_proto::vir_error::domain::RPC,
                other.to_string(),
            ),
        }
    }
}

/// A successful reply.
#[derive(Debug)]
pub struct ReplyBody {
    pub body: Vec<u8>,
    pub fds: Vec<OwnedFd>,
}

type Pending = Mutex<HashMap<u32, oneshot::Sender<Message>>>;

#[derive(Debug)]
struct Inner {
    tx: mpsc::Sender<Message>,
    pending: Pending,
    streams: Mutex<HashMap<u32, mpsc::Sender<StreamIn>>>,
    next_serial: AtomicU32,
    cancel: CancellationToken,
    epoch: Instant,
    last_rx_ms: AtomicU64,
}

/// A connection to an oxvirt or libvirt daemon. Cheap to clone; calls may overlap. The
/// connection is closed when the last clone (and the last [`ClientStream`]) is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
    _open: Arc<CloseOnDrop>,
}

/// Held by every user handle of a connection (not by its own tasks): the last one to go
/// closes the connection.
#[derive(Debug)]
struct CloseOnDrop(CancellationToken);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Events (MESSAGE packets other than keepalive) the server sent.
pub type EventReceiver = mpsc::UnboundedReceiver<Message>;

impl Client {
    /// Connect to a UNIX socket. Serials start at 0, as libvirt's client does.
    pub async fn connect(path: &Path) -> Result<(Client, EventReceiver), ClientError> {
        let stream = UnixStream::connect(path)
            .await
            .map_err(|source| ClientError::Connect {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self::from_stream(stream))
    }

    /// Use an already connected socket.
    pub fn from_stream(stream: UnixStream) -> (Client, EventReceiver) {
        let stream = Arc::new(stream);
        let (tx, mut rx) = mpsc::channel::<Message>(64);
        let (etx, erx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            tx,
            pending: Mutex::new(HashMap::new()),
            streams: Mutex::new(HashMap::new()),
            next_serial: AtomicU32::new(0),
            cancel: CancellationToken::new(),
            epoch: Instant::now(),
            last_rx_ms: AtomicU64::new(0),
        });
        let wstream = stream.clone();
        let wcancel = inner.cancel.clone();
        tokio::spawn(async move {
            loop {
                let m = tokio::select! {
                    m = rx.recv() => m,
                    _ = wcancel.cancelled() => None,
                };
                let Some(m) = m else { break };
                let r = tokio::select! {
                    r = write_message(&wstream, &m) => r,
                    _ = wcancel.cancelled() => break,
                };
                match r {
                    Ok(()) => {}
                    // refused before anything was written (checked earlier; kept for safety)
                    Err(TransportError::Frame(e)) => debug!("cannot send {:?}: {e}", m.header),
                    Err(e) => {
                        debug!("client write failed: {e}");
                        break;
                    }
                }
            }
            wcancel.cancel();
        });
        let rinner = inner.clone();
        tokio::spawn(async move {
            let mut reader = MessageReader::new(stream);
            loop {
                let m = tokio::select! {
                    m = reader.read_message() => m,
                    _ = rinner.cancel.cancelled() => break,
                };
                let m = match m {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => {
                        debug!("client read failed: {e}");
                        break;
                    }
                };
                rinner
                    .last_rx_ms
                    .store(rinner.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
                rinner.handle(m, &etx).await;
            }
            rinner.cancel.cancel();
            {
                let mut p = rinner.pending.locked();
                p.clear();
            }
            {
                let mut s = rinner.streams.locked();
                s.clear();
            }
        });
        let open = Arc::new(CloseOnDrop(inner.cancel.clone()));
        (Client { inner, _open: open }, erx)
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Resolves when the connection is gone.
    pub async fn closed(&self) {
        self.inner.cancel.cancelled().await
    }

    /// Close the connection (without CONNECT_CLOSE).
    pub fn abort(&self) {
        self.inner.cancel.cancel();
    }

    /// Send a call with a raw body and fds; wait for its reply.
    pub async fn call_raw(
        &self,
        program: u32,
        procedure: i32,
        body: Vec<u8>,
        fds: Vec<OwnedFd>,
    ) -> Result<ReplyBody, ClientError> {
        let mut m = Message::new(
            Header::new(program, procedure, MessageType::Call, 0, Status::Ok),
            body,
        );
        m.fds = fds;
        m.check().map_err(TransportError::from)?;
        let (serial, rx) = self.register()?;
        // forgets the serial however this future ends (error, or dropped by the caller)
        let _forget = Forget {
            inner: &self.inner,
            serial,
            stream: false,
        };
        m.header.serial = serial;
        if self.inner.tx.send(m).await.is_err() {
            return Err(ClientError::Closed);
        }
        let reply = tokio::select! {
            // what already arrived comes first, even if the connection closed since
            biased;
            r = rx => r.map_err(|_| ClientError::Closed)?,
            _ = self.inner.cancel.cancelled() => return Err(ClientError::Closed),
        };
        match reply.header.message_status() {
            Some(Status::Ok) => Ok(ReplyBody {
                body: reply.body,
                fds: reply.fds,
            }),
            _ => {
                let w: WireError = oxvirt_xdr::from_bytes(&reply.body)?;
                Err(ClientError::Remote(VirError::from_wire(&w)))
            }
        }
    }

    /// Send a typed call and decode the typed reply.
    pub async fn call<A, R>(&self, program: u32, procedure: i32, args: &A) -> Result<R, ClientError>
    where
        A: oxvirt_xdr::Encode + ?Sized,
        R: oxvirt_xdr::Decode,
    {
        let body = oxvirt_xdr::to_bytes(args)?;
        let r = self.call_raw(program, procedure, body, Vec::new()).await?;
        Ok(oxvirt_xdr::from_bytes(&r.body)?)
    }

    /// Send a call whose reply opens a stream; returns the stream once the reply arrived.
    pub async fn call_stream<A: oxvirt_xdr::Encode + ?Sized>(
        &self,
        program: u32,
        procedure: i32,
        args: &A,
    ) -> Result<ClientStream, ClientError> {
        let body = oxvirt_xdr::to_bytes(args)?;
        let (_, stream) = self
            .call_stream_raw(program, procedure, body, Vec::new())
            .await?;
        Ok(stream)
    }

    /// [`Client::call_stream`] with a raw body and fds: the reply (body and fds) and the
    /// stream (what a daemon forwarding another's stream uses).
    pub async fn call_stream_raw(
        &self,
        program: u32,
        procedure: i32,
        body: Vec<u8>,
        fds: Vec<OwnedFd>,
    ) -> Result<(ReplyBody, ClientStream), ClientError> {
        let mut m = Message::new(
            Header::new(program, procedure, MessageType::Call, 0, Status::Ok),
            body,
        );
        m.fds = fds;
        m.check().map_err(TransportError::from)?;
        let (serial, rx) = self.register()?;
        m.header.serial = serial;
        let (stx, srx) = mpsc::channel(16);
        {
            let mut s = self.inner.streams.locked();
            s.insert(serial, stx);
        }
        // until the stream is handed out, any way out unregisters it
        let mut forget = Forget {
            inner: &self.inner,
            serial,
            stream: true,
        };
        let key = StreamKey {
            program,
            procedure,
            serial,
        };
        if self.inner.tx.send(m).await.is_err() {
            return Err(ClientError::Closed);
        }
        let reply = tokio::select! {
            // what already arrived comes first, even if the connection closed since
            biased;
            r = rx => r.map_err(|_| ClientError::Closed)?,
            _ = self.inner.cancel.cancelled() => return Err(ClientError::Closed),
        };
        if reply.header.message_status() != Some(Status::Ok) {
            let w: WireError = oxvirt_xdr::from_bytes(&reply.body)?;
            return Err(ClientError::Remote(VirError::from_wire(&w)));
        }
        // the stream is the caller's now (the serial is done: its reply came)
        forget.stream = false;
        Ok((
            ReplyBody {
                body: reply.body,
                fds: reply.fds,
            },
            ClientStream {
                client: self.clone(),
                key,
                rx: srx,
            },
        ))
    }

    /// Answering the server's PINGs is automatic; this also PINGs the server after each
    /// `interval` of silence and closes the connection after `count` unanswered PINGs
    /// (virsh: 5 s, 6). A zero interval does nothing.
    pub fn start_keepalive(&self, interval: Duration, count: u32) {
        if interval.is_zero() {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            let mut sent = 0u32;
            let mut seen = inner.last_rx_ms.load(Ordering::Relaxed);
            loop {
                let deadline = interval
                    .checked_mul(sent.saturating_add(1))
                    .and_then(|d| d.checked_add(Duration::from_millis(seen)))
                    .and_then(|d| inner.epoch.checked_add(d));
                let Some(deadline) = deadline else {
                    // an interval too long to ever elapse
                    return;
                };
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline.into()) => {}
                    _ = inner.cancel.cancelled() => return,
                }
                let rx = inner.last_rx_ms.load(Ordering::Relaxed);
                if rx != seen {
                    seen = rx;
                    sent = 0;
                    continue;
                }
                if sent >= count {
                    inner.cancel.cancel();
                    return;
                }
                // Never wait for room: a server that does not read must still time out.
                if let Err(mpsc::error::TrySendError::Closed(_)) =
                    inner.tx.try_send(Message::keepalive(KEEPALIVE_PING))
                {
                    return;
                }
                sent += 1;
            }
        });
    }

    fn register(&self) -> Result<(u32, oneshot::Receiver<Message>), ClientError> {
        if self.is_closed() {
            return Err(ClientError::Closed);
        }
        let serial = self.inner.next_serial.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.inner.pending.locked().insert(serial, tx);
        Ok((serial, rx))
    }

    /// Send a raw message (tests use this to send odd things). A message that cannot be sent
    /// (too long, fds on a type that cannot carry them) is refused here.
    pub async fn send_message(&self, m: Message) -> Result<(), ClientError> {
        m.check().map_err(TransportError::from)?;
        self.inner.tx.send(m).await.map_err(|_| ClientError::Closed)
    }
}

/// Unregisters a call's serial (and its stream) when dropped.
struct Forget<'a> {
    inner: &'a Inner,
    serial: u32,
    stream: bool,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        {
            let mut p = self.inner.pending.locked();
            p.remove(&self.serial);
        }
        if self.stream {
            {
                let mut s = self.inner.streams.locked();
                s.remove(&self.serial);
            }
        }
    }
}

impl Inner {
    async fn handle(&self, m: Message, events: &mpsc::UnboundedSender<Message>) {
        let h = m.header;
        match h.message_type() {
            Some(MessageType::Message) if h.program == KEEPALIVE_PROGRAM => {
                let ping = h.procedure == KEEPALIVE_PING;
                if ping {
                    let _ = self.tx.send(Message::keepalive(KEEPALIVE_PONG)).await;
                }
            }
            Some(MessageType::Reply | MessageType::ReplyWithFds) => {
                let tx = self.pending.locked().remove(&h.serial);
                if let Some(tx) = tx {
                    let _ = tx.send(m);
                }
            }
            Some(MessageType::Message) => {
                let _ = events.send(m);
            }
            Some(MessageType::Stream | MessageType::StreamHole) => {
                let tx = self.streams.locked().get(&h.serial).cloned();
                if let (Some(tx), Some(item)) = (tx, StreamIn::from_owned(m)) {
                    let _ = tx.send(item).await;
                }
            }
            _ => {}
        }
    }
}

/// The client's end of a stream.
#[derive(Debug)]
pub struct ClientStream {
    client: Client,
    key: StreamKey,
    rx: mpsc::Receiver<StreamIn>,
}

impl ClientStream {
    /// The call this stream belongs to (its packets carry this program, procedure and serial).
    pub fn key(&self) -> StreamKey {
        self.key
    }

    /// The next packet from the server; `None` when the connection is gone.
    pub async fn recv(&mut self) -> Option<StreamIn> {
        tokio::select! {
            // what already arrived comes first, even if the connection closed since
            biased;
            i = self.rx.recv() => i,
            _ = self.client.closed() => None,
        }
    }

    /// Send one packet as it is (data is not re-chunked).
    pub async fn send(&self, out: StreamOut) -> Result<(), ClientError> {
        self.client.send_message(out.into_message(&self.key)).await
    }

    /// Send bytes in libvirt's chunk size.
    pub async fn send_data(&self, data: &[u8]) -> Result<(), ClientError> {
        for c in data.chunks(STREAM_CHUNK) {
            self.send(StreamOut::Data(c.to_vec())).await?;
        }
        Ok(())
    }

    pub async fn send_hole(&self, len: i64) -> Result<(), ClientError> {
        self.send(StreamOut::Hole(len)).await
    }

    /// Finish (STREAM/OK) and wait for the server's confirmation.
    pub async fn finish(mut self) -> Result<(), ClientError> {
        self.send(StreamOut::Finish).await?;
        loop {
            match self.recv().await {
                Some(StreamIn::Finish) => return Ok(()),
                Some(StreamIn::Error(Some(e))) => return Err(ClientError::Remote(e)),
                Some(_) => continue,
                None => return Err(ClientError::Closed),
            }
        }
    }

    /// Abort (STREAM/ERROR with no body).
    pub async fn abort(self) -> Result<(), ClientError> {
        self.send(StreamOut::Error(None)).await
    }
}

impl Drop for ClientStream {
    fn drop(&mut self) {
        {
            let mut s = self.client.inner.streams.locked();
            s.remove(&self.key.serial);
        }
    }
}
