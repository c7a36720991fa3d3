//! The server side: listeners, one task per connection and one per call, keepalive, streams,
//! events, read-only sockets and peer identity.
//!
//! A daemon implements [`Service`] and hands it to [`Server::serve`] with its listening
//! sockets. The framework takes care of everything that is the same for every program:
//! framing, answering PINGs, pinging clients that asked for keepalive, matching replies to
//! calls, capping the calls in flight per client (and so flow-controlling streams), routing
//! stream packets, and libvirt's errors for calls no program can take.

use std::collections::HashMap;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::frame::Message;
use crate::stream::{ServerStream, StreamIn, StreamKey, StreamOut};
use crate::transport::{write_message, MessageReader};
use oxvirt_proto::message::{KEEPALIVE_PING, KEEPALIVE_PONG, KEEPALIVE_PROGRAM, PROGRAM_VERSION};
use oxvirt_proto::{Header, MessageType, Status, VirError};

/// Tunables, with libvirt's defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Most clients connected at once (libvirt: `max_clients` = 5000).
    pub max_clients: usize,
    /// Most calls in flight per client, stream packets included (libvirt: 5).
    pub max_client_requests: usize,
    /// Seconds of silence before a PING (libvirt: 5; 0 disables our PINGs).
    pub keepalive_interval: Duration,
    /// Unanswered PINGs before the client is dropped (libvirt: 5).
    pub keepalive_count: u32,
    /// Messages queued for one client before it is considered stuck and dropped.
    pub max_queued_messages: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_clients: 5000,
            max_client_requests: 5,
            keepalive_interval: Duration::from_secs(5),
            keepalive_count: 5,
            max_queued_messages: 1024,
        }
    }
}

/// Who is on the other end of a UNIX socket (SO_PEERCRED).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub gid: u32,
    pub pid: Option<i32>,
}

/// One listening socket.
#[derive(Debug)]
pub struct Listener {
    pub path: PathBuf,
    /// Every connection from this socket is read-only.
    pub read_only: bool,
    /// A name for logs ("rw", "ro", "admin").
    pub name: &'static str,
    listener: UnixListener,
}

impl Listener {
    /// Bind `path` (removing a stale socket first) with the given permission bits.
    pub fn bind(
        path: &Path,
        mode: u32,
        read_only: bool,
        name: &'static str,
    ) -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
        Ok(Listener {
            path: path.to_owned(),
            read_only,
            name,
            listener,
        })
    }
}

/// A call, as given to [`Service::call`].
#[derive(Debug)]
pub struct Call {
    pub header: Header,
    pub body: Vec<u8>,
    pub fds: Vec<OwnedFd>,
    stream_gate: Option<oneshot::Receiver<()>>,
}

impl Call {
    /// Open the stream of this call (volume upload/download, console, ...). Data written to it
    /// leaves only after the call's successful reply; if the call fails, the stream is dropped.
    pub fn open_stream(&mut self, client: &Arc<Client>) -> ServerStream {
        let key = StreamKey {
            program: self.header.program,
            procedure: self.header.procedure,
            serial: self.header.serial,
        };
        let (tx, rx) = mpsc::channel(client.config.max_client_requests.max(1));
        if let Ok(mut s) = client.streams.lock() {
            s.insert(key, tx);
        }
        let gate = self.stream_gate.take();
        ServerStream::new(client.clone(), key, rx, gate)
    }
}

/// What a call answers.
#[derive(Debug)]
pub struct Reply {
    pub result: Result<Vec<u8>, VirError>,
    pub fds: Vec<OwnedFd>,
    /// Close the connection once this reply is written (CONNECT_CLOSE).
    pub close_after: bool,
}

impl Reply {
    pub fn ok(body: Vec<u8>) -> Self {
        Reply {
            result: Ok(body),
            fds: Vec::new(),
            close_after: false,
        }
    }

    /// Encode `value` as the reply body.
    pub fn value<T: oxvirt_xdr::Encode + ?Sized>(value: &T) -> Self {
        match oxvirt_xdr::to_bytes(value) {
            Ok(b) => Self::ok(b),
            Err(e) => Self::err(VirError::internal(format!("cannot encode reply: {e}"))),
        }
    }

    pub fn err(e: VirError) -> Self {
        Reply {
            result: Err(e),
            fds: Vec::new(),
            close_after: false,
        }
    }
}

impl From<Result<Vec<u8>, VirError>> for Reply {
    fn from(r: Result<Vec<u8>, VirError>) -> Self {
        Reply {
            result: r,
            fds: Vec::new(),
            close_after: false,
        }
    }
}

/// A program server: the daemon-specific part.
pub trait Service: Send + Sync + 'static {
    /// Per-connection state the service keeps (open URI, event callbacks, identity, ...).
    type Session: Send + Sync + 'static;

    /// Whether `program` (at version 1) is served on connections from `listener`.
    fn serves(&self, listener: &str, program: u32) -> bool;

    /// A new client arrived.
    fn connected(&self, client: &Arc<Client>) -> Self::Session;

    /// Handle one call. Runs in its own task; calls of one client may run concurrently.
    fn call(
        self: Arc<Self>,
        client: Arc<Client>,
        session: Arc<Self::Session>,
        call: Call,
    ) -> impl Future<Output = Reply> + Send;

    /// The client went away (EOF, error, keepalive timeout, CONNECT_CLOSE).
    fn disconnected(&self, _client: &Arc<Client>, _session: &Arc<Self::Session>) {}
}

enum Outgoing {
    Msg(Message),
    Close,
}

/// One connected client, as the service sees it.
#[derive(Debug)]
pub struct Client {
    pub id: u64,
    pub peer: Peer,
    pub listener: &'static str,
    /// Unix time the client connected at.
    pub connected_at: u64,
    read_only: AtomicBool,
    keepalive: AtomicBool,
    config: ServerConfig,
    tx: mpsc::Sender<Outgoing>,
    pub(crate) streams: Mutex<HashMap<StreamKey, mpsc::Sender<StreamIn>>>,
    cancel: CancellationToken,
    epoch: Instant,
    last_rx_ms: AtomicU64,
    throttled: AtomicBool,
    event_serial: AtomicU32,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outgoing::Msg(m) => write!(f, "Msg({:?})", m.header),
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

    /// Start PINGing this client when it is silent (after it asked for keepalive).
    pub fn enable_keepalive(&self) {
        if !self.config.keepalive_interval.is_zero() {
            self.keepalive.store(true, Ordering::Relaxed);
        }
    }

    pub fn keepalive_enabled(&self) -> bool {
        self.keepalive.load(Ordering::Relaxed)
    }

    /// Queue an event (a MESSAGE). A client too slow to take its events is dropped rather than
    /// letting its queue grow without bound.
    pub fn send_event(&self, program: u32, procedure: i32, body: Vec<u8>) {
        let _ = self.event_serial.fetch_add(1, Ordering::Relaxed);
        // libvirtd sends events with serial 1; clients ignore it.
        let msg = Message::new(
            Header::new(program, procedure, MessageType::Message, 1, Status::Ok),
            body,
        );
        if let Err(e) = self.tx.try_send(Outgoing::Msg(msg)) {
            if matches!(e, mpsc::error::TrySendError::Full(_)) {
                warn!(
                    client = self.id,
                    "client does not read its events; dropping it"
                );
                self.close();
            }
        }
    }

    /// Queue any message, waiting for room.
    pub(crate) async fn send(&self, msg: Message) -> bool {
        self.tx.send(Outgoing::Msg(msg)).await.is_ok()
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

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_rx_ms.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn unregister_stream(&self, key: &StreamKey) {
        if let Ok(mut s) = self.streams.lock() {
            s.remove(key);
        }
    }
}

/// The server: accepts on every listener, runs one task per connection.
#[derive(Debug)]
pub struct Server<S: Service> {
    service: Arc<S>,
    config: ServerConfig,
    clients: Arc<Semaphore>,
    next_id: AtomicU64,
    shutdown: CancellationToken,
}

impl<S: Service> Server<S> {
    pub fn new(service: Arc<S>, config: ServerConfig) -> Arc<Self> {
        Arc::new(Server {
            clients: Arc::new(Semaphore::new(config.max_clients)),
            service,
            config,
            next_id: AtomicU64::new(1),
            shutdown: CancellationToken::new(),
        })
    }

    /// Stop accepting and drop every connection.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Serve the listeners until [`Server::shutdown`].
    pub async fn serve(self: Arc<Self>, listeners: Vec<Listener>) {
        let mut tasks = Vec::new();
        for l in listeners {
            let me = self.clone();
            tasks.push(tokio::spawn(async move { me.accept_loop(l).await }));
        }
        for t in tasks {
            let _ = t.await;
        }
    }

    async fn accept_loop(self: Arc<Self>, l: Listener) {
        info!(path = %l.path.display(), "listening");
        loop {
            let permit = tokio::select! {
                p = self.clients.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                _ = self.shutdown.cancelled() => return,
            };
            let accepted = tokio::select! {
                a = l.listener.accept() => a,
                _ = self.shutdown.cancelled() => return,
            };
            match accepted {
                Ok((stream, _)) => {
                    let me = self.clone();
                    let name = l.name;
                    let ro = l.read_only;
                    tokio::spawn(async move {
                        me.run_connection(stream, name, ro).await;
                        drop(permit);
                    });
                }
                Err(e) => {
                    warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn run_connection(self: Arc<Self>, stream: UnixStream, listener: &'static str, ro: bool) {
        let peer = match stream.peer_cred() {
            Ok(c) => Peer {
                uid: c.uid(),
                gid: c.gid(),
                pid: c.pid(),
            },
            Err(e) => {
                warn!("SO_PEERCRED failed: {e}");
                return;
            }
        };
        let stream = Arc::new(stream);
        let (tx, mut rx) = mpsc::channel::<Outgoing>(self.config.max_queued_messages);
        let cancel = self.shutdown.child_token();
        let client = Arc::new(Client {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            peer,
            listener,
            connected_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            read_only: AtomicBool::new(ro),
            keepalive: AtomicBool::new(false),
            config: self.config.clone(),
            tx,
            streams: Mutex::new(HashMap::new()),
            cancel: cancel.clone(),
            epoch: Instant::now(),
            last_rx_ms: AtomicU64::new(0),
            throttled: AtomicBool::new(false),
            event_serial: AtomicU32::new(0),
        });
        debug!(client = client.id, ?peer, listener, "client connected");
        let session = Arc::new(self.service.connected(&client));

        // writer
        let wstream = stream.clone();
        let wcancel = cancel.clone();
        let writer = tokio::spawn(async move {
            loop {
                let item = tokio::select! {
                    i = rx.recv() => i,
                    _ = wcancel.cancelled() => None,
                };
                match item {
                    Some(Outgoing::Msg(m)) => {
                        if let Err(e) = write_message(&wstream, &m).await {
                            debug!("write failed: {e}");
                            break;
                        }
                    }
                    Some(Outgoing::Close) | None => break,
                }
            }
            wcancel.cancel();
            let _ = rustix::net::shutdown(&*wstream, rustix::net::Shutdown::Both);
        });

        // keepalive
        let kclient = client.clone();
        let keepalive = tokio::spawn(async move { keepalive_loop(kclient).await });

        // reader
        let requests = Arc::new(Semaphore::new(self.config.max_client_requests.max(1)));
        let mut reader = MessageReader::new(stream.clone());
        loop {
            let msg = tokio::select! {
                m = reader.read_message() => m,
                _ = cancel.cancelled() => break,
            };
            let msg = match msg {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => {
                    debug!(client = client.id, "closing: {e}");
                    break;
                }
            };
            client.touch();
            if !self.dispatch(&client, &session, &requests, msg).await {
                break;
            }
        }
        cancel.cancel();
        keepalive.abort();
        let _ = writer.await;
        if let Ok(mut s) = client.streams.lock() {
            s.clear();
        }
        self.service.disconnected(&client, &session);
        debug!(client = client.id, "client gone");
    }

    /// Handle one incoming message. Returns false to close the connection.
    async fn dispatch(
        &self,
        client: &Arc<Client>,
        session: &Arc<S::Session>,
        requests: &Arc<Semaphore>,
        msg: Message,
    ) -> bool {
        let h = msg.header;
        match h.message_type() {
            Some(MessageType::Message) if h.program == KEEPALIVE_PROGRAM => {
                if h.procedure == KEEPALIVE_PING {
                    return client.send(Message::keepalive(KEEPALIVE_PONG)).await;
                }
                true
            }
            Some(MessageType::Call | MessageType::CallWithFds) => {
                if h.message_status() != Some(Status::Ok) {
                    return self
                        .reply_now(
                            client,
                            &h,
                            VirError::rpc(format!("Unexpected message status {}", h.status)),
                        )
                        .await;
                }
                if h.version != PROGRAM_VERSION || !self.service.serves(client.listener, h.program)
                {
                    let e = VirError::rpc(format!(
                        "Cannot find program {} version {}",
                        h.program, h.version
                    ));
                    return self.reply_now(client, &h, e).await;
                }
                // The cap on calls in flight: stop reading until one finishes.
                let permit = match requests.clone().try_acquire_owned() {
                    Ok(p) => p,
                    Err(_) => {
                        client.throttled.store(true, Ordering::Relaxed);
                        let p = tokio::select! {
                            p = requests.clone().acquire_owned() => p,
                            _ = client.closed() => return false,
                        };
                        client.throttled.store(false, Ordering::Relaxed);
                        client.touch();
                        match p {
                            Ok(p) => p,
                            Err(_) => return false,
                        }
                    }
                };
                self.spawn_call(client.clone(), session.clone(), permit, msg);
                true
            }
            Some(MessageType::Stream | MessageType::StreamHole) => {
                let key = StreamKey {
                    program: h.program,
                    procedure: h.procedure,
                    serial: h.serial,
                };
                let tx = client
                    .streams
                    .lock()
                    .ok()
                    .and_then(|s| s.get(&key).cloned());
                let Some(tx) = tx else {
                    // late packets for a finished stream are dropped
                    return true;
                };
                let Some(item) = StreamIn::from_message(&msg) else {
                    return true;
                };
                client.throttled.store(true, Ordering::Relaxed);
                let r = tokio::select! {
                    r = tx.send(item) => r.is_ok(),
                    _ = client.closed() => return false,
                };
                client.throttled.store(false, Ordering::Relaxed);
                client.touch();
                if !r {
                    client.unregister_stream(&key);
                }
                true
            }
            // Replies, events and unknown types from a client are ignored, as libvirtd does.
            _ => true,
        }
    }

    async fn reply_now(&self, client: &Arc<Client>, h: &Header, e: VirError) -> bool {
        let m = error_message(h, &e);
        client.send(m).await
    }

    fn spawn_call(
        &self,
        client: Arc<Client>,
        session: Arc<S::Session>,
        permit: OwnedSemaphorePermit,
        msg: Message,
    ) {
        let service = self.service.clone();
        tokio::spawn(async move {
            let h = msg.header;
            let (gate_tx, gate_rx) = oneshot::channel();
            let call = Call {
                header: h,
                body: msg.body,
                fds: msg.fds,
                stream_gate: Some(gate_rx),
            };
            let reply = service.call(client.clone(), session, call).await;
            let key = StreamKey {
                program: h.program,
                procedure: h.procedure,
                serial: h.serial,
            };
            let out = match reply.result {
                Ok(body) => {
                    let mut m = Message::new(h.reply(Status::Ok), body);
                    m.fds = reply.fds;
                    m
                }
                Err(e) => {
                    client.unregister_stream(&key);
                    error_message(&h, &e)
                }
            };
            let sent = client.send(out).await;
            if sent {
                let _ = gate_tx.send(());
            }
            if reply.close_after {
                let _ = client.tx.send(Outgoing::Close).await;
            }
            drop(permit);
        });
    }
}

/// The REPLY with status ERROR for a call.
pub fn error_message(h: &Header, e: &VirError) -> Message {
    let body = oxvirt_xdr::to_bytes(&e.to_wire()).unwrap_or_default();
    let mut hdr = h.reply(Status::Error);
    hdr.mtype = MessageType::Reply as i32;
    Message::new(hdr, body)
}

/// PING a silent client every interval; drop it after `count` unanswered PINGs.
async fn keepalive_loop(client: Arc<Client>) {
    let interval = client.config.keepalive_interval;
    if interval.is_zero() {
        return;
    }
    let count = client.config.keepalive_count;
    let mut sent = 0u32;
    let mut seen_rx = client.last_rx_ms.load(Ordering::Relaxed);
    loop {
        let base = Duration::from_millis(seen_rx);
        let deadline = client.epoch + base + interval * (sent + 1);
        tokio::time::sleep_until(deadline.into()).await;
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
        if !client.keepalive_enabled() {
            seen_rx = client.epoch.elapsed().as_millis() as u64;
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
        if !client.send(Message::keepalive(KEEPALIVE_PING)).await {
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
