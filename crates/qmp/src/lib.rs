//! An async client for QEMU's QMP monitor, as the per-VM shim uses it.
//!
//! [`QmpClient::connect`] (or [`QmpClient::from_stream`]) reads the greeting within
//! [`QmpConfig::greeting_timeout`], then negotiates capabilities (`qmp_capabilities`, none
//! enabled). After that:
//!
//! - **Commands** ([`QmpClient::execute`]) may be issued concurrently from any number of
//!   tasks; each carries a numeric `id` and its reply is matched by it. Each waits at most
//!   [`QmpConfig::command_timeout`] (or the timeout given to
//!   [`QmpClient::execute_with_timeout`]); a command that timed out leaves the connection
//!   usable (its late reply is discarded). QEMU's errors come back as
//!   [`QmpError::Command`] with QEMU's class and description.
//! - **File descriptors** go with the command's bytes in one `sendmsg` ([`QmpClient::getfd`],
//!   [`QmpClient::add_fd`], [`QmpClient::execute_with_fd`]); commands carrying fds are
//!   serialised, because QEMU keeps only the fds of the last read that brought some.
//! - **Events** go to a bounded queue with one consumer ([`QmpClient::take_events`]); see
//!   [`events`] for the policy: the reader never waits, the oldest events are dropped and
//!   counted when the consumer falls behind.
//! - **Lines** are at most [`QmpConfig::max_line`] bytes; the reader never buffers more than
//!   that (plus `\r\n`).
//!
//! # When the connection ends
//!
//! Anything that makes the byte stream untrustworthy ends the connection: end of file, an
//! I/O error, a line over the limit, a line that is not UTF-8, not JSON or not a JSON object.
//! Then every command in flight fails with [`QmpError::Disconnected`] carrying the reason,
//! later commands fail the same way at once, the event queue ends (after the events already
//! queued) with [`EventRecvError::Closed`], [`QmpClient::closed`] resolves, and the socket is
//! shut down. A JSON object of the wrong shape (say, an `error` without `desc`) only fails the
//! command whose `id` it carries ([`QmpError::MalformedReply`]). Replies whose `id` matches no
//! waiting command (unknown, absent, late after a timeout) and greetings after the first are
//! ignored and counted ([`QmpStats::stray_messages`]).
//!
//! The monitor must not be in pretty-printing mode (one message per line). QEMU serves one
//! client per monitor socket: a second connection gets no greeting until the first closes
//! (and so ends in [`QmpError::GreetingTimeout`]).

#![warn(missing_docs, unreachable_pub)]

pub mod events;
mod io;
pub mod message;

use oxvirt_sync::MutexExt;
use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use events::{EventRecvError, QmpEvents};
pub use message::{
    command_line, parse_message, CommandError, ParseError, QmpEvent, QmpGreeting, QmpMessage,
    QmpTimestamp, QmpVersion,
};

use events::EventQueue;
use io::{write_all_with_fd, LineError, LineReader};

/// Limits and timeouts of a connection.
#[derive(Debug, Clone)]
pub struct QmpConfig {
    /// How long to wait for QEMU's greeting.
    pub greeting_timeout: Duration,
    /// How long a command waits for its reply unless told otherwise.
    pub command_timeout: Duration,
    /// The longest line (message) accepted from QEMU, in bytes, without its `\r\n`.
    pub max_line: usize,
    /// The most events queued for the consumer.
    pub max_events: usize,
    /// The most bytes (as received) of events queued for the consumer.
    pub max_event_bytes: usize,
}

impl Default for QmpConfig {
    fn default() -> Self {
        QmpConfig {
            greeting_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(60),
            // QEMU 7.2's largest reply, query-qmp-schema, is about 200 KiB.
            max_line: 1 << 20,
            max_events: 1024,
            max_event_bytes: 1 << 20,
        }
    }
}

/// Why the connection ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Disconnect {
    /// End of file between messages.
    #[error("QEMU closed the monitor connection")]
    Eof,
    /// End of file in the middle of a message.
    #[error("QEMU closed the monitor connection in the middle of a message")]
    TruncatedEof,
    /// The client closed the connection.
    #[error("the monitor connection was closed by its client")]
    Closed,
    /// An I/O error other than a reset.
    #[error("I/O error on the monitor socket: {0}")]
    Io(String),
    /// A line over the limit.
    #[error("QEMU sent a monitor message longer than {limit} bytes")]
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A line that is not a JSON object.
    #[error("{0}")]
    Invalid(ParseError),
}

impl From<LineError> for Disconnect {
    fn from(e: LineError) -> Self {
        match e {
            LineError::TooLong { limit } => Disconnect::LineTooLong { limit },
            LineError::TruncatedEof => Disconnect::TruncatedEof,
            LineError::Io(e) => Disconnect::from_io(&e),
        }
    }
}

impl Disconnect {
    /// A reset or broken pipe means QEMU closed its end (e.g. QEMU 7.2 after `quit` closes
    /// the socket with our last bytes unread, so the read fails with `ECONNRESET` rather
    /// than returning end of file): [`Disconnect::Eof`]. Other errors are [`Disconnect::Io`].
    fn from_io(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe => Disconnect::Eof,
            _ => Disconnect::Io(e.to_string()),
        }
    }
}

/// Everything that can go wrong with QMP.
#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    /// The monitor socket cannot be reached.
    #[error("cannot connect to the QEMU monitor socket {path}: {source}")]
    Connect {
        /// The socket's path.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// No greeting in time.
    #[error("QEMU sent no monitor greeting within {0:?}")]
    GreetingTimeout(Duration),
    /// The first message is something else.
    #[error("QEMU's first monitor message is not a greeting: {0}")]
    NotAGreeting(String),
    /// QEMU ran the command and reported an error.
    #[error("QEMU error {class}: {desc}")]
    Command {
        /// QEMU's error class.
        class: String,
        /// QEMU's description.
        desc: String,
    },
    /// No reply in time (the connection stays usable).
    #[error("QEMU did not answer monitor command '{cmd}' within {timeout:?}")]
    Timeout {
        /// The command.
        cmd: String,
        /// How long it waited.
        timeout: Duration,
    },
    /// The connection ended (see [`Disconnect`]).
    #[error("lost the QEMU monitor connection: {0}")]
    Disconnected(Disconnect),
    /// A reply to this command that is a JSON object of the wrong shape.
    #[error("QEMU sent a malformed monitor reply: {0}")]
    MalformedReply(ParseError),
    /// A successful reply whose value is not what the command returns.
    #[error("unexpected reply from QEMU to '{cmd}': {what}")]
    UnexpectedReturn {
        /// The command.
        cmd: &'static str,
        /// What is wrong with its value.
        what: String,
    },
    /// The command could not be encoded.
    #[error(transparent)]
    InvalidCommand(#[from] CommandError),
    /// The fd to pass could not be duplicated.
    #[error("cannot duplicate the file descriptor to pass: {0}")]
    DupFd(#[source] std::io::Error),
}

/// Counters of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QmpStats {
    /// Messages ignored: replies matching no waiting command, extra greetings, malformed
    /// messages without a waiting command's id.
    pub stray_messages: u64,
    /// Events received.
    pub events_received: u64,
    /// Events dropped because the consumer did not keep up.
    pub events_dropped: u64,
}

/// What `add-fd` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddFdInfo {
    /// The fd set the fd joined.
    pub fdset_id: u64,
    /// The fd's number inside QEMU (use as `/dev/fdset/ID` for files).
    pub fd: i64,
}

type Reply = Result<Value, QmpError>;

#[derive(Debug)]
struct Conn {
    pending: HashMap<u64, oneshot::Sender<Reply>>,
    closed: Option<Disconnect>,
}

#[derive(Debug)]
struct Shared {
    stream: UnixStream,
    conn: Mutex<Conn>,
    events: Arc<EventQueue>,
    stray: AtomicU64,
    next_id: AtomicU64,
    closed_tx: watch::Sender<Option<Disconnect>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Conn> {
        // Every update under this lock is a few plain operations: a poisoned lock still
        // guards a consistent state.
        self.conn.locked()
    }

    /// End the connection (idempotent: the first reason is kept).
    fn disconnect(&self, reason: Disconnect) {
        let pending = {
            let mut c = self.lock();
            if c.closed.is_some() {
                return;
            }
            c.closed = Some(reason.clone());
            std::mem::take(&mut c.pending)
        };
        tracing::debug!(%reason, in_flight = pending.len(), "QMP connection ended");
        for (_, tx) in pending {
            let _ = tx.send(Err(QmpError::Disconnected(reason.clone())));
        }
        self.events.close(reason.clone());
        self.closed_tx.send_replace(Some(reason));
        let _ = rustix::net::shutdown(self.stream.as_fd(), rustix::net::Shutdown::Both);
    }

    fn disconnected(&self) -> QmpError {
        QmpError::Disconnected(self.lock().closed.clone().unwrap_or(Disconnect::Closed))
    }

    fn stray(&self, what: &str) {
        self.stray.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(what, "ignoring a stray QMP message");
    }

    /// Hand a reply to the command waiting for `id`.
    fn complete(&self, id: Option<&Value>, reply: Reply) {
        let tx = id
            .and_then(Value::as_u64)
            .and_then(|id| self.lock().pending.remove(&id));
        match tx {
            // The command may have given up just now; nothing to do then.
            Some(tx) => drop(tx.send(reply)),
            None => self.stray(if id.is_some() {
                "reply with an unknown id"
            } else {
                "reply without an id"
            }),
        }
    }

    /// Act on one line. An error ends the connection.
    fn dispatch(&self, line: &[u8]) -> Result<(), Disconnect> {
        match parse_message(line) {
            Ok(QmpMessage::Return { id, value }) => self.complete(id.as_ref(), Ok(value)),
            Ok(QmpMessage::Error { id, class, desc }) => {
                self.complete(id.as_ref(), Err(QmpError::Command { class, desc }))
            }
            Ok(QmpMessage::Event(ev)) => self.events.push(ev, line.len()),
            Ok(QmpMessage::Greeting(_)) => self.stray("greeting after the first"),
            Err(e) if e.is_fatal() => return Err(Disconnect::Invalid(e)),
            Err(e) => {
                let id = match &e {
                    ParseError::Malformed { id, .. } => id.clone(),
                    _ => None,
                };
                self.complete(id.as_ref(), Err(QmpError::MalformedReply(e)));
            }
        }
        Ok(())
    }
}

/// Removes a command from the pending map when its caller stops waiting (timeout or drop).
struct PendingGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.shared.lock().pending.remove(&self.id);
    }
}

#[derive(Debug)]
struct WriteReq {
    bytes: Vec<u8>,
    fd: Option<OwnedFd>,
}

/// Commands waiting to be written, at most.
const WRITE_QUEUE: usize = 64;

/// A QMP connection. Share it with `Arc` to issue commands from several tasks. Dropping it
/// closes the connection.
#[derive(Debug)]
pub struct QmpClient {
    shared: Arc<Shared>,
    writer: mpsc::Sender<WriteReq>,
    greeting: QmpGreeting,
    events: Mutex<Option<QmpEvents>>,
    fd_lock: tokio::sync::Mutex<()>,
    command_timeout: Duration,
    tasks: Vec<JoinHandle<()>>,
}

impl QmpClient {
    /// Connect to QEMU's monitor socket at `path` and negotiate capabilities.
    pub async fn connect(path: impl AsRef<Path>, config: QmpConfig) -> Result<Self, QmpError> {
        let path = path.as_ref();
        let stream = UnixStream::connect(path)
            .await
            .map_err(|source| QmpError::Connect {
                path: path.to_owned(),
                source,
            })?;
        Self::from_stream(stream, config).await
    }

    /// Use an already connected socket: read the greeting, negotiate capabilities.
    pub async fn from_stream(stream: UnixStream, config: QmpConfig) -> Result<Self, QmpError> {
        let mut reader = LineReader::new(config.max_line);
        let greeting =
            match tokio::time::timeout(config.greeting_timeout, reader.next_line(&stream)).await {
                Err(_) => return Err(QmpError::GreetingTimeout(config.greeting_timeout)),
                Ok(Err(e)) => return Err(QmpError::Disconnected(e.into())),
                Ok(Ok(None)) => return Err(QmpError::Disconnected(Disconnect::Eof)),
                Ok(Ok(Some(line))) => match parse_message(line) {
                    Ok(QmpMessage::Greeting(g)) => g,
                    Ok(QmpMessage::Return { .. }) => {
                        return Err(QmpError::NotAGreeting("a command reply".into()))
                    }
                    Ok(QmpMessage::Error { .. }) => {
                        return Err(QmpError::NotAGreeting("an error reply".into()))
                    }
                    Ok(QmpMessage::Event(_)) => {
                        return Err(QmpError::NotAGreeting("an event".into()))
                    }
                    Err(e) => return Err(QmpError::NotAGreeting(e.to_string())),
                },
            };
        let events = Arc::new(EventQueue::new(config.max_events, config.max_event_bytes));
        let shared = Arc::new(Shared {
            stream,
            conn: Mutex::new(Conn {
                pending: HashMap::new(),
                closed: None,
            }),
            events: events.clone(),
            stray: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            closed_tx: watch::Sender::new(None),
        });
        let (writer, write_rx) = mpsc::channel(WRITE_QUEUE);
        let tasks = vec![
            tokio::spawn(read_loop(shared.clone(), reader)),
            tokio::spawn(write_loop(shared.clone(), write_rx)),
        ];
        let client = QmpClient {
            shared,
            writer,
            greeting,
            events: Mutex::new(Some(QmpEvents::new(events))),
            fd_lock: tokio::sync::Mutex::new(()),
            command_timeout: config.command_timeout,
            tasks,
        };
        client.execute("qmp_capabilities", None).await?;
        Ok(client)
    }

    /// The greeting QEMU sent (its version and capabilities).
    pub fn greeting(&self) -> &QmpGreeting {
        &self.greeting
    }

    /// The receiver of this connection's events; `Some` only the first time. Events that
    /// arrive before it is taken are queued (within the bounds).
    pub fn take_events(&self) -> Option<QmpEvents> {
        self.events.locked().take()
    }

    /// Run `cmd` with `args` (a JSON object, or `None`) and return what QEMU returns.
    pub async fn execute(&self, cmd: &str, args: Option<Value>) -> Result<Value, QmpError> {
        self.run(cmd, args, None, self.command_timeout).await
    }

    /// [`execute`](Self::execute) with its own timeout.
    pub async fn execute_with_timeout(
        &self,
        cmd: &str,
        args: Option<Value>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        self.run(cmd, args, None, timeout).await
    }

    /// Run `cmd` passing `fd` along with it (`SCM_RIGHTS`, in the same `sendmsg` as the
    /// command's first bytes). The caller keeps `fd`; QEMU gets a duplicate.
    pub async fn execute_with_fd(
        &self,
        cmd: &str,
        args: Option<Value>,
        fd: BorrowedFd<'_>,
    ) -> Result<Value, QmpError> {
        let dup = fd.try_clone_to_owned().map_err(QmpError::DupFd)?;
        // QEMU keeps only the fds of its latest read that carried some: one fd command at a
        // time, until its reply.
        let _one_at_a_time = self.fd_lock.lock().await;
        self.run(cmd, args, Some(dup), self.command_timeout).await
    }

    /// `getfd`: QEMU keeps `fd` under `name` (for `netdev_add`, `closefd`, ...).
    pub async fn getfd(&self, name: &str, fd: BorrowedFd<'_>) -> Result<(), QmpError> {
        let args = obj([("fdname", Value::from(name))]);
        self.execute_with_fd("getfd", Some(args), fd).await?;
        Ok(())
    }

    /// `closefd`: QEMU closes the fd it kept under `name`.
    pub async fn closefd(&self, name: &str) -> Result<(), QmpError> {
        let args = obj([("fdname", Value::from(name))]);
        self.execute("closefd", Some(args)).await?;
        Ok(())
    }

    /// `add-fd`: QEMU adds `fd` to fd set `fdset_id` (a new set when `None`), with an
    /// optional free-form `opaque` note, and says which set and fd number it used.
    pub async fn add_fd(
        &self,
        fdset_id: Option<u64>,
        fd: BorrowedFd<'_>,
        opaque: Option<&str>,
    ) -> Result<AddFdInfo, QmpError> {
        let mut args = Map::new();
        if let Some(id) = fdset_id {
            args.insert("fdset-id".into(), Value::from(id));
        }
        if let Some(o) = opaque {
            args.insert("opaque".into(), Value::from(o));
        }
        let r = self
            .execute_with_fd("add-fd", Some(Value::Object(args)), fd)
            .await?;
        let bad = |what: &str| QmpError::UnexpectedReturn {
            cmd: "add-fd",
            what: what.to_owned(),
        };
        Ok(AddFdInfo {
            fdset_id: r
                .get("fdset-id")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("no numeric 'fdset-id'"))?,
            fd: r
                .get("fd")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("no numeric 'fd'"))?,
        })
    }

    async fn run(
        &self,
        cmd: &str,
        args: Option<Value>,
        fd: Option<OwnedFd>,
        timeout: Duration,
    ) -> Result<Value, QmpError> {
        let (tx, rx) = oneshot::channel();
        // Ids stay far below 2^53: QEMU echoes larger numbers back as floating point.
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let bytes = command_line(cmd, args.as_ref(), id)?;
        {
            let mut c = self.shared.lock();
            if let Some(reason) = &c.closed {
                return Err(QmpError::Disconnected(reason.clone()));
            }
            c.pending.insert(id, tx);
        }
        let _guard = PendingGuard {
            shared: &self.shared,
            id,
        };
        let work = async {
            self.writer
                .send(WriteReq { bytes, fd })
                .await
                .map_err(|_| self.shared.disconnected())?;
            rx.await.unwrap_or_else(|_| Err(self.shared.disconnected()))
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(QmpError::Timeout {
                cmd: cmd.to_owned(),
                timeout,
            }),
        }
    }

    /// Close the connection: commands in flight fail with [`Disconnect::Closed`], the event
    /// queue ends, QEMU sees end of file.
    pub fn close(&self) {
        self.shared.disconnect(Disconnect::Closed);
        for t in &self.tasks {
            t.abort();
        }
    }

    /// Why the connection ended, if it has.
    pub fn disconnect_reason(&self) -> Option<Disconnect> {
        self.shared.lock().closed.clone()
    }

    /// Wait until the connection ends (QEMU exiting shows up here as [`Disconnect::Eof`]).
    pub async fn closed(&self) -> Disconnect {
        let mut rx = self.shared.closed_tx.subscribe();
        loop {
            if let Some(d) = rx.borrow_and_update().clone() {
                return d;
            }
            if rx.changed().await.is_err() {
                return Disconnect::Closed;
            }
        }
    }

    /// The connection's counters.
    pub fn stats(&self) -> QmpStats {
        QmpStats {
            stray_messages: self.shared.stray.load(Ordering::Relaxed),
            events_received: self.shared.events.received_total(),
            events_dropped: self.shared.events.dropped_total(),
        }
    }
}

impl Drop for QmpClient {
    fn drop(&mut self) {
        self.close();
    }
}

fn obj<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

async fn read_loop(shared: Arc<Shared>, mut reader: LineReader) {
    let reason = loop {
        match reader.next_line(&shared.stream).await {
            Ok(Some(line)) => {
                if let Err(reason) = shared.dispatch(line) {
                    break reason;
                }
                // Lines already buffered are parsed without touching the socket: count
                // each against the task's budget so a flood yields to the shim's other tasks.
                tokio::task::coop::consume_budget().await;
            }
            Ok(None) => break Disconnect::Eof,
            Err(e) => break e.into(),
        }
    };
    shared.disconnect(reason);
}

async fn write_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<WriteReq>) {
    while let Some(req) = rx.recv().await {
        if let Err(e) = write_all_with_fd(&shared.stream, &req.bytes, req.fd.as_ref()).await {
            shared.disconnect(Disconnect::from_io(&e));
            return;
        }
    }
}
