//! The server side: listeners, one task per connection and one per call that waits,
//! keepalive, streams, events, read-only sockets and peer identity.
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::frame::Message;
use crate::limits::{Pool, Slots};
use crate::stream::{ServerStream, StreamIn, StreamKey, StreamPacket};
mod client;

pub use client::{Client, EventFilter};
use client::{Outgoing, WriteSide};

use crate::transport::{write_message, MessageReader, TransportError};
use oxvirt_proto::message::{KEEPALIVE_PING, KEEPALIVE_PONG, KEEPALIVE_PROGRAM, PROGRAM_VERSION};
use oxvirt_proto::{Header, MessageType, Status, VirError};
use oxvirt_sync::MutexExt;

/// Tunables, with libvirt's defaults where libvirt has the setting. The limits that hold
/// against a hostile local user are described in [`crate::limits`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Most clients connected at once on the read-write sockets (libvirt: `max_clients` =
    /// 5000). Read-only and admin connections have pools of their own.
    pub max_clients: usize,
    /// Most clients connected at once on read-only sockets.
    pub max_ro_clients: usize,
    /// Most clients connected at once on the admin socket (libvirt: `admin_max_clients`).
    pub max_admin_clients: usize,
    /// Most connections one user other than root and the daemon's own may hold at once,
    /// over all sockets.
    pub max_clients_per_uid: usize,
    /// Largest message (length word included) a restricted connection may send: 256 KiB,
    /// more than any call allowed on a read-only connection needs (the largest carry one
    /// XML document, e.g. CPU comparisons), far below the 32 MiB of read-write ones.
    pub max_restricted_message: usize,
    /// Time a restricted connection has to open (CONNECT_OPEN) after it connected (zero:
    /// unlimited).
    pub handshake_timeout: Duration,
    /// Time a restricted connection has to send the rest of a message it started (zero:
    /// unlimited).
    pub message_timeout: Duration,
    /// Silence after which a restricted connection without keepalive is dropped (zero:
    /// never). Off by default: libvirt clients without an event loop (python3-libvirt
    /// scripts) never negotiate keepalive and may legitimately be idle for long; the
    /// per-user cap bounds what idle connections cost.
    pub idle_timeout: Duration,
    /// Most event callbacks one connection may register.
    pub max_event_callbacks: usize,
    /// Most calls in flight per client, stream packets included (libvirt: 5).
    pub max_client_requests: usize,
    /// Seconds of silence before a PING (libvirt: 5; 0 disables our PINGs).
    pub keepalive_interval: Duration,
    /// Unanswered PINGs before the client is dropped (libvirt: 5).
    pub keepalive_count: u32,
    /// Messages queued for one client before it is considered stuck: events for it are
    /// then dropped along with the client.
    pub max_queued_messages: usize,
    /// Bytes of replies, stream data and keepalive queued for one client, not yet written to
    /// its socket. Producers (calls, stream senders) wait while the queue is this full; a
    /// bigger message waits until the queue is empty. Bounds the memory a client that reads
    /// slowly (or not at all) can make the server hold.
    pub max_queued_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_clients: 5000,
            max_ro_clients: 5000,
            max_admin_clients: 5000,
            max_clients_per_uid: 100,
            max_restricted_message: 256 << 10,
            handshake_timeout: Duration::from_secs(30),
            message_timeout: Duration::from_secs(30),
            idle_timeout: Duration::ZERO,
            max_event_callbacks: 1024,
            max_client_requests: 5,
            keepalive_interval: Duration::from_secs(5),
            keepalive_count: 5,
            max_queued_messages: 1024,
            max_queued_bytes: 4 << 20,
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

/// What a transport in front of the server established about a connection's peer, beyond
/// SO_PEERCRED (which, for a connection a daemon bridges from TLS, names the daemon itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The distinguished name of the peer's X.509 certificate (TLS).
    pub x509_dname: Option<String>,
    /// The peer's network address (`127.0.0.1;46012`, libvirt's notation), if any.
    pub remote_addr: Option<String>,
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

    /// A socket some other program bound and listens on (systemd's socket activation hands
    /// them over as inherited descriptors). `path` is where it is bound, for logs.
    pub fn from_std(
        path: PathBuf,
        listener: std::os::unix::net::UnixListener,
        read_only: bool,
        name: &'static str,
    ) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(Listener {
            path,
            read_only,
            name,
            listener: UnixListener::from_std(listener)?,
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
        {
            let mut s = client.streams.locked();
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

/// The server: accepts on every listener, runs one task per connection.
#[derive(Debug)]
pub struct Server<S: Service> {
    service: Arc<S>,
    config: ServerConfig,
    slots: Slots,
    next_id: AtomicU64,
    /// Connections refused so far (over a limit).
    refused: AtomicU64,
    shutdown: CancellationToken,
    /// Cancelled to stop accepting while the connections go on.
    accepting: CancellationToken,
    /// Cancelled to stop reading new calls: each connection ends once its calls in flight
    /// have been answered.
    draining: CancellationToken,
}

impl<S: Service> Server<S> {
    pub fn new(service: Arc<S>, config: ServerConfig) -> Arc<Self> {
        let sizes = [
            clamp_permits(config.max_clients),
            clamp_permits(config.max_ro_clients),
            clamp_permits(config.max_admin_clients),
        ];
        Arc::new(Server {
            slots: Slots::new(sizes, config.max_clients_per_uid),
            service,
            config,
            next_id: AtomicU64::new(1),
            refused: AtomicU64::new(0),
            shutdown: CancellationToken::new(),
            accepting: CancellationToken::new(),
            draining: CancellationToken::new(),
        })
    }

    /// Stop accepting new connections; those already open go on ([`Server::serve`] returns
    /// once they have ended).
    pub fn stop_accepting(&self) {
        self.accepting.cancel();
    }

    /// Stop accepting; each connection answers the calls it has in flight (and those that
    /// follow, such as the client's CONNECT_CLOSE) and closes once it has been without a call
    /// for a moment ([`Server::serve`] returns once all have). What a daemon does on SIGTERM,
    /// as libvirtd finishes its workers' jobs before it exits.
    pub fn drain(&self) {
        self.accepting.cancel();
        self.draining.cancel();
    }

    /// Stop accepting and drop every connection. Calls still running finish on their own;
    /// their replies go nowhere.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Serve the listeners until [`Server::shutdown`]. Returns once the listeners are closed
    /// and every connection is gone (its [`Service::disconnected`] has run).
    pub async fn serve(self: Arc<Self>, listeners: Vec<Listener>) {
        let mut tasks = Vec::new();
        for l in listeners {
            let me = self.clone();
            tasks.push(tokio::spawn(async move { me.accept_loop(l).await }));
        }
        for t in tasks {
            let _ = t.await;
        }
        // Each connection holds its place until it has ended.
        self.slots.all_free().await;
    }

    /// Serve one already connected socket (e.g. one end of a `socketpair`, for a client in the
    /// same process) as if it came from a listener named `name`. Returns when the connection
    /// has ended. Counts against `max_clients` like an accepted connection.
    pub async fn serve_stream(self: Arc<Self>, stream: UnixStream, name: &'static str, ro: bool) {
        self.serve_stream_from(stream, name, ro, Origin::default())
            .await;
    }

    /// [`Server::serve_stream`] for a connection a transport in front of the server (TLS)
    /// bridged to `stream`, with what that transport established about the peer.
    pub async fn serve_stream_from(
        self: Arc<Self>,
        stream: UnixStream,
        name: &'static str,
        ro: bool,
        origin: Origin,
    ) {
        let slot = tokio::select! {
            s = self.slots.take(Pool::of(name, ro)) => match s { Some(s) => s, None => return },
            _ = self.shutdown.cancelled() => return,
        };
        if let Some(peer) = peer_of(&stream) {
            self.run_connection(stream, peer, name, ro, origin).await;
        }
        drop(slot);
    }

    async fn accept_loop(self: Arc<Self>, l: Listener) {
        info!(path = %l.path.display(), "listening");
        let pool = Pool::of(l.name, l.read_only);
        loop {
            let accepted = tokio::select! {
                a = l.listener.accept() => a,
                _ = self.shutdown.cancelled() => return,
                _ = self.accepting.cancelled() => return,
            };
            match accepted {
                Ok((stream, _)) => {
                    // Over a limit, the connection is closed at once: the client sees the
                    // end of the stream instead of waiting in the backlog.
                    let Some(peer) = peer_of(&stream) else {
                        continue;
                    };
                    let slot = match self.slots.try_take(pool, peer.uid) {
                        Ok(s) => s,
                        Err(why) => {
                            let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
                            // a flood must not flood the log: the 1st, 2nd, 4th, 8th, ...
                            if n.is_power_of_two() {
                                warn!(?why, ?peer, refused = n, "refusing a connection");
                            }
                            drop(stream);
                            continue;
                        }
                    };
                    let me = self.clone();
                    let name = l.name;
                    let ro = l.read_only;
                    tokio::spawn(async move {
                        me.run_connection(stream, peer, name, ro, Origin::default())
                            .await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn run_connection(
        self: Arc<Self>,
        stream: UnixStream,
        peer: Peer,
        listener: &'static str,
        ro: bool,
        origin: Origin,
    ) {
        let stream = Arc::new(stream);
        let (tx, mut rx) = mpsc::channel::<Outgoing>(self.config.max_queued_messages.max(1));
        let cancel = self.shutdown.child_token();
        let out_bytes_max = clamp_permits(self.config.max_queued_bytes);
        let requests = clamp_permits(self.config.max_client_requests);
        let out = Arc::new(WriteSide::new(stream.clone()));
        let client = Arc::new(Client {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            peer,
            origin,
            listener,
            connected_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            read_only: AtomicBool::new(ro),
            stranger: !self.slots.is_trusted(peer.uid),
            opened: AtomicBool::new(false),
            keepalive: AtomicBool::new(false),
            config: self.config.clone(),
            tx,
            out: out.clone(),
            out_bytes: Arc::new(Semaphore::new(out_bytes_max as usize)),
            out_bytes_max,
            requests: Arc::new(Semaphore::new(requests as usize)),
            streams: Mutex::new(HashMap::new()),
            cancel: cancel.clone(),
            epoch: Instant::now(),
            last_rx_ms: AtomicU64::new(0),
            throttled: AtomicBool::new(false),
            event_filter: std::sync::OnceLock::new(),
        });
        debug!(client = client.id, ?peer, listener, "client connected");
        let session = Arc::new(self.service.connected(&client));

        // writer
        let wstream = stream.clone();
        let wcancel = cancel.clone();
        let writer = tokio::spawn(async move {
            // Registered once, not once per message: a reply's path is short.
            let cancelled = wcancel.cancelled();
            tokio::pin!(cancelled);
            loop {
                let item = tokio::select! {
                    i = rx.recv() => i,
                    _ = &mut cancelled => None,
                };
                match item {
                    Some(Outgoing::Msg(queued)) => {
                        let (m, held) = *queued;
                        // A client that does not read must not keep us here after a close.
                        let r = tokio::select! {
                            r = async {
                                let _writing = out.writing.lock().await;
                                let r = write_message(&wstream, &m).await;
                                out.unsent.fetch_sub(1, Ordering::AcqRel);
                                r
                            } => r,
                            _ = &mut cancelled => break,
                        };
                        drop(held);
                        match r {
                            Ok(()) => {}
                            // Refused before anything was written: skip just this message.
                            Err(TransportError::Frame(e)) => {
                                warn!("cannot send {:?}: {e}", m.header);
                            }
                            Err(e) => {
                                debug!("write failed: {e}");
                                break;
                            }
                        }
                    }
                    Some(Outgoing::Close) | None => break,
                }
            }
            wcancel.cancel();
            let _ = rustix::net::shutdown(&*wstream, rustix::net::Shutdown::Both);
        });

        // keepalive

        // reader
        let mut reader = MessageReader::new(stream.clone());
        let handshake_deadline =
            tokio::time::Instant::now().checked_add(self.config.handshake_timeout);
        let all_requests = clamp_permits(self.config.max_client_requests);
        // Registered once for the connection's life, not once per message.
        let cancelled = cancel.cancelled();
        tokio::pin!(cancelled);
        let drain_begins = self.draining.cancelled();
        tokio::pin!(drain_begins);
        loop {
            let draining = self.draining.is_cancelled();
            let msg = tokio::select! {
                m = self.next_message(&client, &mut reader, handshake_deadline) => m,
                _ = &mut cancelled => break,
                _ = &mut drain_begins, if !draining => continue,
                // draining: calls are still read (a client answered closes its connection
                // with one more call), and the connection ends once it has been quiet a moment
                _ = quiet(&client, all_requests), if draining => break,
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
            // Boxed: the connection's future, held while it is idle, need not have room for
            // a dispatch.
            if !Box::pin(self.dispatch(&client, &session, msg)).await {
                break;
            }
        }
        cancel.cancel();
        let _ = writer.await;
        {
            let mut s = client.streams.locked();
            s.clear();
        }
        self.service.disconnected(&client, &session);
        debug!(client = client.id, "client gone");
    }

    /// The next message of a client, with the limits of restricted connections (see
    /// [`crate::limits`]): their size, the time to open, to finish a message, and silence.
    async fn next_message(
        &self,
        client: &Client,
        reader: &mut MessageReader,
        handshake_deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<Message>, ConnectionEnd> {
        if !client.is_restricted() {
            return Ok(reader.read_message().await?);
        }
        let cfg = &self.config;
        let since = tokio::time::Instant::now();
        // The call that opens the connection (or enables keepalive) may still be running when
        // a deadline passes: it is checked again then.
        while let Some((at, why)) = self.idle_deadline(client, handshake_deadline, since) {
            tokio::select! {
                r = reader.wait_data() => {
                    r?;
                    break;
                }
                _ = tokio::time::sleep_until(at) => {
                    if self
                        .idle_deadline(client, handshake_deadline, since)
                        .is_some_and(|(at, _)| at <= tokio::time::Instant::now())
                    {
                        return Err(ConnectionEnd::Timeout(why));
                    }
                }
            }
        }
        reader.wait_data().await?;
        let max = cfg.max_restricted_message;
        if cfg.message_timeout.is_zero() {
            return Ok(reader.read_message_max(max).await?);
        }
        match tokio::time::timeout(cfg.message_timeout, reader.read_message_max(max)).await {
            Ok(r) => Ok(r?),
            Err(_) => Err(ConnectionEnd::Timeout("stalled in the middle of a message")),
        }
    }

    /// When a restricted connection waiting for its next message since `since` is dropped,
    /// and why; `None`: never (a timeout too long to represent is none either).
    fn idle_deadline(
        &self,
        client: &Client,
        handshake_deadline: Option<tokio::time::Instant>,
        since: tokio::time::Instant,
    ) -> Option<(tokio::time::Instant, &'static str)> {
        let cfg = &self.config;
        if !client.is_opened() {
            if cfg.handshake_timeout.is_zero() {
                return None;
            }
            handshake_deadline.map(|at| (at, "did not open in time"))
        } else if !cfg.idle_timeout.is_zero() && !client.keepalive.load(Ordering::Relaxed) {
            since
                .checked_add(cfg.idle_timeout)
                .map(|at| (at, "idle for too long"))
        } else {
            None
        }
    }

    /// Handle one incoming message. Returns false to close the connection.
    async fn dispatch(
        &self,
        client: &Arc<Client>,
        session: &Arc<S::Session>,
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
                let Some(permit) = client.acquire_request().await else {
                    return false;
                };
                self.start_call(client.clone(), session.clone(), permit, msg)
                    .await;
                true
            }
            Some(MessageType::Stream | MessageType::StreamHole) => {
                let key = StreamKey {
                    program: h.program,
                    procedure: h.procedure,
                    serial: h.serial,
                };
                let tx = client.streams.locked().get(&key).cloned();
                let Some(tx) = tx else {
                    // late packets for a finished stream are dropped
                    return true;
                };
                let Some(item) = StreamIn::from_owned(msg) else {
                    return true;
                };
                // A packet counts as a call in flight until its stream takes it, as in
                // libvirtd: this bounds what a client can queue, and is the flow control.
                let Some(permit) = client.acquire_request().await else {
                    return false;
                };
                let packet = StreamPacket {
                    item,
                    _permit: permit,
                };
                let r = tokio::select! {
                    r = tx.send(packet) => r.is_ok(),
                    _ = client.closed() => return false,
                };
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

    /// Answer a call: here, on the connection's task, as far as it goes without waiting (most
    /// calls: a quick handler, a reply the socket takes at once), then in a task of its own.
    /// The connection's task is woken once more if the call waited: harmless.
    async fn start_call(
        &self,
        client: Arc<Client>,
        session: Arc<S::Session>,
        permit: OwnedSemaphorePermit,
        msg: Message,
    ) {
        let service = self.service.clone();
        let mut call = Box::pin(async move {
            let h = msg.header;
            let (gate_tx, gate_rx) = oneshot::channel();
            let call = Call {
                header: h,
                body: msg.body,
                fds: msg.fds,
                stream_gate: Some(gate_rx),
            };
            // A panic becomes an error reply instead of a call that is never answered.
            let reply =
                match CatchUnwind(Box::pin(service.call(client.clone(), session, call))).await {
                    Ok(r) => r,
                    Err(e) => {
                        warn!(
                            client = client.id,
                            program = h.program,
                            procedure = h.procedure,
                            "call failed: {e}"
                        );
                        Reply::err(VirError::internal(format!(
                            "procedure {} of program {:#x} failed unexpectedly",
                            h.procedure, h.program
                        )))
                    }
                };
            let key = StreamKey {
                program: h.program,
                procedure: h.procedure,
                serial: h.serial,
            };
            let out = match reply.result {
                Ok(body) => {
                    let mut m = Message::new(h.reply(Status::Ok), body);
                    m.fds = reply.fds;
                    match m.check() {
                        Ok(()) => m,
                        Err(e) => {
                            warn!(client = client.id, "cannot send reply: {e}");
                            error_message(&h, &VirError::rpc("Unable to encode message payload"))
                        }
                    }
                }
                Err(e) => error_message(&h, &e),
            };
            let ok = out.header.message_status() == Some(Status::Ok);
            if !ok {
                client.unregister_stream(&key);
            }
            // The call stays in flight until its reply is written.
            let sent = client.send_holding(out, Some(permit)).await;
            if sent && ok {
                // Stream data may follow the reply now.
                let _ = gate_tx.send(());
            }
            if reply.close_after {
                tokio::select! {
                    _ = client.tx.send(Outgoing::Close) => {}
                    _ = client.closed() => {}
                }
            }
        });
        let done =
            std::future::poll_fn(|cx| std::task::Poll::Ready(call.as_mut().poll(cx).is_ready()))
                .await;
        if !done {
            tokio::spawn(call);
        }
    }
}

/// Why the server ends a connection on its own.
#[derive(Debug, thiserror::Error)]
enum ConnectionEnd {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("restricted connection {0}")]
    Timeout(&'static str),
}

/// Who is on the other end (SO_PEERCRED); `None` (logged) if the kernel cannot say.
fn peer_of(stream: &UnixStream) -> Option<Peer> {
    match stream.peer_cred() {
        Ok(c) => Some(Peer {
            uid: c.uid(),
            gid: c.gid(),
            pid: c.pid(),
        }),
        Err(e) => {
            warn!("SO_PEERCRED failed: {e}");
            None
        }
    }
}

/// Permits for a semaphore: at least 1, and what `acquire_many` can take.
/// How long a draining connection must have no call in flight before it is closed.
const DRAIN_QUIET: Duration = Duration::from_millis(250);

/// Resolves once `client` has had no call in flight for [`DRAIN_QUIET`] (every call's permit
/// comes back once its reply is written).
async fn quiet(client: &Client, all: u32) {
    loop {
        match client.requests.acquire_many(all).await {
            Ok(p) => drop(p),
            Err(_) => return,
        }
        tokio::time::sleep(DRAIN_QUIET).await;
        if client.requests.available_permits() >= all as usize {
            return;
        }
    }
}

fn clamp_permits(n: usize) -> u32 {
    n.clamp(1, (u32::MAX as usize).min(Semaphore::MAX_PERMITS)) as u32
}

/// Runs a future, turning a panic into an error (so a call that panics is still answered)
/// without the cost of a task of its own.
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_owned());
                std::task::Poll::Ready(Err(what))
            }
        }
    }
}

/// The REPLY with status ERROR for a call.
pub fn error_message(h: &Header, e: &VirError) -> Message {
    let body = oxvirt_xdr::to_bytes(&e.to_wire())
        .or_else(|_| {
            oxvirt_xdr::to_bytes(&VirError::rpc("Unable to encode message payload").to_wire())
        })
        .unwrap_or_default();
    let mut hdr = h.reply(Status::Error);
    hdr.mtype = MessageType::Reply as i32;
    Message::new(hdr, body)
}
