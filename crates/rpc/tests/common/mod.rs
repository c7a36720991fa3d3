//! Shared test fixture: a small [`Service`] on program [`PROG`], a server on a temporary UNIX
//! socket, and helpers to talk to it with raw sockets.
//!
//! Procedures of the test program (bodies are raw big-endian words, not XDR structs):
//!
//! | proc | does |
//! |---|---|
//! | 1 | echo the body |
//! | 2 | `token: u32`: log "start T", wait until the test releases T, log "end T", reply T |
//! | 3 | fail with [`test_error`] |
//! | 4 | reply `"count=N"` + `";"` + the bytes read from each received fd; the reply carries one fd (a socket holding [`SERVER_FD_TEXT`]) unless the body is `[0,0,0,0]` |
//! | 5 | download stream: `len: u32, hole: u32, mode: u32` (see [`DownloadMode`]) |
//! | 6 | upload stream: `mode: u32, token: u32` (0 normal, 1 fail the finish, 2 read nothing until `token` is released) |
//! | 7 | `n: u32`: send n events (proc 1000+i, body i), then reply |
//! | 8 | reply OK and close the connection |
//! | 9 | `ms: u32`: sleep that long, reply |
//! | 10 | enable keepalive for this client |
//! | 11 | panic |
//! | 12 | `size: u32`: reply with that many bytes (counts starts in `big_started`) |
//! | 13 | the connection is open ([`Client::set_opened`]) |

#![allow(dead_code)]
// Test helpers fail loudly on purpose (the lint only exempts `#[test]` functions themselves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxvirt_proto::{Header, VirError};
use oxvirt_rpc::server::{Call, Client, Reply, Server, ServerConfig, Service};
use oxvirt_rpc::stream::StreamIn;
use oxvirt_rpc::Listener;
use tokio::sync::watch;

pub const PROG: u32 = 0x1111_0001;
pub const SERVER_FD_TEXT: &[u8] = b"hello from the server";
/// How long any wait may take before a test is declared hung.
pub const HANG: Duration = Duration::from_secs(20);

pub const ECHO: i32 = 1;
pub const WAIT: i32 = 2;
pub const FAIL: i32 = 3;
pub const FDS: i32 = 4;
pub const DOWNLOAD: i32 = 5;
pub const UPLOAD: i32 = 6;
pub const EVENTS: i32 = 7;
pub const CLOSE: i32 = 8;
pub const SLEEP: i32 = 9;
pub const KEEPALIVE: i32 = 10;
pub const PANIC: i32 = 11;
pub const BIG: i32 = 12;
pub const OPEN: i32 = 13;

/// Modes of the download procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum DownloadMode {
    /// `len` bytes of [`pattern`], a hole of `hole`, the 4 bytes "tail", EOF, then wait for the
    /// client's finish (or abort) and confirm it.
    Normal = 0,
    /// Open the stream, then fail the call: nothing may be sent on the stream.
    FailCall = 1,
    /// Send 256 KiB chunks until the stream refuses, counting queued bytes in `download_queued`.
    Endless = 2,
    /// Send `len` bytes, then fail the stream with [`test_error`].
    FailStream = 3,
}

/// The error procedure 3 answers.
pub fn test_error() -> VirError {
    VirError::new(42, 10, "no such thing")
}

/// Byte `i` of the test data.
pub fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

pub fn pattern_vec(start: usize, len: usize) -> Vec<u8> {
    (start..start + len).map(pattern).collect()
}

pub fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_be_bytes()).collect()
}

fn word(body: &[u8], i: usize) -> u32 {
    body.get(i * 4..i * 4 + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// What the upload procedure saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadResult {
    pub bytes: usize,
    /// Whether every byte matched [`pattern`] by position (holes count as positions).
    pub pattern_ok: bool,
    pub holes: Vec<i64>,
    pub chunks: Vec<usize>,
    /// "finish" or "abort" or "gone"
    pub end: String,
}

#[derive(Debug)]
pub struct TestService {
    pub connected: AtomicUsize,
    pub disconnected: AtomicUsize,
    pub running: AtomicUsize,
    pub max_running: AtomicUsize,
    /// "start T" / "end T" of procedure 2, and stream outcomes.
    pub log: Mutex<Vec<String>>,
    release: watch::Sender<HashSet<u32>>,
    pub uploads: Mutex<Vec<UploadResult>>,
    pub big_started: AtomicUsize,
    pub download_queued: AtomicUsize,
}

impl TestService {
    pub fn new() -> Arc<Self> {
        Arc::new(TestService {
            connected: AtomicUsize::new(0),
            disconnected: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            release: watch::channel(HashSet::new()).0,
            uploads: Mutex::new(Vec::new()),
            big_started: AtomicUsize::new(0),
            download_queued: AtomicUsize::new(0),
        })
    }

    /// Let calls of procedure 2 with this token finish.
    pub fn release(&self, token: u32) {
        self.release.send_modify(|s| {
            s.insert(token);
        });
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn note(&self, s: String) {
        self.log.lock().unwrap().push(s);
    }

    pub fn started(&self) -> usize {
        self.log()
            .iter()
            .filter(|l| l.starts_with("start "))
            .count()
    }
}

fn read_all(fd: OwnedFd) -> Vec<u8> {
    let mut f = std::fs::File::from(fd);
    let mut v = Vec::new();
    let _ = f.read_to_end(&mut v);
    v
}

/// A socket whose other end holds `text` and is closed: reading it gives `text` then EOF.
pub fn fd_with(text: &[u8]) -> OwnedFd {
    let (a, mut b) = StdUnixStream::pair().unwrap();
    b.write_all(text).unwrap();
    drop(b);
    a.into()
}

impl Service for TestService {
    type Session = ();

    fn serves(&self, _listener: &str, program: u32) -> bool {
        program == PROG
    }

    fn connected(&self, _client: &Arc<Client>) {
        self.connected.fetch_add(1, Ordering::SeqCst);
    }

    fn disconnected(&self, _client: &Arc<Client>, _session: &Arc<()>) {
        self.disconnected.fetch_add(1, Ordering::SeqCst);
    }

    async fn call(self: Arc<Self>, client: Arc<Client>, _s: Arc<()>, mut call: Call) -> Reply {
        let body = std::mem::take(&mut call.body);
        match call.header.procedure {
            ECHO => Reply::ok(body),
            WAIT => {
                let token = word(&body, 0);
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_running.fetch_max(now, Ordering::SeqCst);
                self.note(format!("start {token}"));
                let mut rx = self.release.subscribe();
                let _ = rx.wait_for(|s| s.contains(&token)).await;
                self.note(format!("end {token}"));
                self.running.fetch_sub(1, Ordering::SeqCst);
                Reply::ok(body)
            }
            FAIL => Reply::err(test_error()),
            FDS => {
                let n = call.fds.len();
                let mut out = format!("count={n}").into_bytes();
                for fd in std::mem::take(&mut call.fds) {
                    out.push(b';');
                    out.extend(read_all(fd));
                }
                let mut r = Reply::ok(out);
                if body != [0, 0, 0, 0] {
                    r.fds.push(fd_with(SERVER_FD_TEXT));
                }
                r
            }
            DOWNLOAD => {
                let len = word(&body, 0) as usize;
                let hole = word(&body, 1) as i64;
                let mode = word(&body, 2);
                let mut stream = call.open_stream(&client);
                let me = self.clone();
                tokio::spawn(async move {
                    match mode {
                        0 => {
                            let ok = stream.send_data(&pattern_vec(0, len)).await
                                && stream.send_hole(hole).await
                                && stream.send_data(b"tail").await
                                && stream.send_eof().await;
                            if !ok {
                                me.note("download send failed".into());
                                return;
                            }
                            match stream.recv().await {
                                Some(StreamIn::Finish) => {
                                    me.note("download finished".into());
                                    stream.finish().await;
                                }
                                Some(StreamIn::Error(None)) => {
                                    me.note("download aborted".into());
                                    stream.finish().await;
                                }
                                other => me.note(format!("download got {other:?}")),
                            }
                        }
                        1 => {
                            let ok = stream.send_data(b"must not arrive").await;
                            me.note(format!("failed call stream send {ok}"));
                        }
                        2 => {
                            let chunk = vec![7u8; 256 * 1024];
                            while stream.send_data(&chunk).await {
                                me.download_queued.fetch_add(chunk.len(), Ordering::SeqCst);
                            }
                            me.note("endless download stopped".into());
                        }
                        _ => {
                            let _ = stream.send_data(&pattern_vec(0, len)).await;
                            stream.fail(test_error()).await;
                            me.note("download failed".into());
                        }
                    }
                });
                if mode == DownloadMode::FailCall as u32 {
                    Reply::err(test_error())
                } else {
                    Reply::ok(Vec::new())
                }
            }
            UPLOAD => {
                let mode = word(&body, 0);
                let token = word(&body, 1);
                let mut stream = call.open_stream(&client);
                let me = self.clone();
                let mut release = self.release.subscribe();
                tokio::spawn(async move {
                    if mode == 2 {
                        // read nothing until the test releases the token
                        let _ = release.wait_for(|s| s.contains(&token)).await;
                    }
                    let mut r = UploadResult {
                        pattern_ok: true,
                        ..Default::default()
                    };
                    let mut pos = 0usize;
                    loop {
                        match stream.recv().await {
                            Some(StreamIn::Data(d)) => {
                                if d != pattern_vec(pos, d.len()) {
                                    r.pattern_ok = false;
                                }
                                pos += d.len();
                                r.bytes += d.len();
                                r.chunks.push(d.len());
                            }
                            Some(StreamIn::Hole(h)) => {
                                pos += h as usize;
                                r.holes.push(h);
                            }
                            // the result is recorded before the confirmation goes out, so
                            // a client that saw the confirmation sees the result
                            Some(StreamIn::Finish) => {
                                r.end = "finish".into();
                                me.uploads.lock().unwrap().push(r);
                                if mode == 1 {
                                    stream.fail(test_error()).await;
                                } else {
                                    stream.finish().await;
                                }
                                return;
                            }
                            Some(StreamIn::Error(None)) => {
                                r.end = "abort".into();
                                me.uploads.lock().unwrap().push(r);
                                stream.finish().await;
                                return;
                            }
                            Some(other) => r.end = format!("unexpected {other:?}"),
                            None => {
                                r.end = "gone".into();
                                me.uploads.lock().unwrap().push(r);
                                return;
                            }
                        }
                    }
                });
                Reply::ok(Vec::new())
            }
            EVENTS => {
                for i in 0..word(&body, 0) {
                    client.send_event(PROG, 1000 + i as i32, words(&[i]));
                }
                Reply::ok(Vec::new())
            }
            CLOSE => {
                let mut r = Reply::ok(b"bye!".to_vec());
                r.close_after = true;
                r
            }
            SLEEP => {
                tokio::time::sleep(Duration::from_millis(word(&body, 0) as u64)).await;
                Reply::ok(body)
            }
            KEEPALIVE => {
                client.enable_keepalive();
                Reply::ok(Vec::new())
            }
            PANIC => panic!("test service panics on purpose"),
            OPEN => {
                client.set_opened();
                Reply::ok(Vec::new())
            }
            BIG => {
                self.big_started.fetch_add(1, Ordering::SeqCst);
                Reply::ok(vec![0x55; word(&body, 0) as usize])
            }
            p => Reply::err(VirError::unknown_procedure(p)),
        }
    }
}

/// A server on a temporary socket.
pub struct TestServer {
    pub svc: Arc<TestService>,
    pub server: Arc<Server<TestService>>,
    pub path: PathBuf,
    pub task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start(config: ServerConfig) -> TestServer {
        Self::start_listening(config, &[]).await
    }

    /// A server on "sock" (read-write, as [`TestServer::start`]) and on more sockets named
    /// after their listeners (`(name, read_only)`), e.g. `dir/ro`: see [`TestServer::socket`].
    pub async fn start_listening(
        config: ServerConfig,
        more: &[(&'static str, bool)],
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sock");
        let mut listeners = vec![Listener::bind(&path, 0o600, false, "rw").unwrap()];
        for (name, ro) in more {
            listeners.push(Listener::bind(&dir.path().join(name), 0o600, *ro, name).unwrap());
        }
        let svc = TestService::new();
        let server = Server::new(svc.clone(), config);
        let task = tokio::spawn(server.clone().serve(listeners));
        TestServer {
            svc,
            server,
            path,
            task,
            _dir: dir,
        }
    }

    /// The socket of listener `name` (see [`TestServer::start_listening`]).
    pub fn socket(&self, name: &str) -> PathBuf {
        self.path.with_file_name(name)
    }

    pub async fn default() -> TestServer {
        Self::start(ServerConfig::default()).await
    }

    pub async fn client(&self) -> (oxvirt_rpc::Client, oxvirt_rpc::client::EventReceiver) {
        oxvirt_rpc::Client::connect(&self.path).await.unwrap()
    }

    /// A blocking raw socket with generous timeouts (hang guards only).
    pub fn raw(&self) -> StdUnixStream {
        raw_connect(&self.path)
    }
}

pub fn raw_connect(path: &Path) -> StdUnixStream {
    let s = StdUnixStream::connect(path).unwrap();
    s.set_read_timeout(Some(HANG)).unwrap();
    s.set_write_timeout(Some(HANG)).unwrap();
    s
}

pub fn hdr(
    program: u32,
    version: u32,
    procedure: i32,
    mtype: i32,
    serial: u32,
    status: i32,
) -> Header {
    Header {
        program,
        version,
        procedure,
        mtype,
        serial,
        status,
    }
}

/// A CALL to the test program.
pub fn call_hdr(procedure: i32, serial: u32) -> Header {
    hdr(PROG, 1, procedure, 0, serial, 0)
}

/// Length word + header + body.
pub fn frame(h: &Header, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(((28 + body.len()) as u32).to_be_bytes());
    for w in [
        h.program,
        h.version,
        h.procedure as u32,
        h.mtype as u32,
        h.serial,
        h.status as u32,
    ] {
        v.extend(w.to_be_bytes());
    }
    v.extend_from_slice(body);
    v
}

pub fn send(s: &mut StdUnixStream, h: &Header, body: &[u8]) {
    s.write_all(&frame(h, body)).unwrap();
}

/// Send one fd with one dummy byte, as libvirt does.
pub fn send_fd(s: &StdUnixStream, fd: &OwnedFd) {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let one = [fd.as_fd()];
    assert!(control.push(SendAncillaryMessage::ScmRights(&one)));
    let n = rustix::net::sendmsg(
        s,
        &[std::io::IoSlice::new(&[0u8])],
        &mut control,
        SendFlags::NOSIGNAL,
    )
    .unwrap();
    assert_eq!(n, 1);
}

/// Send `bytes` with `fds` attached to them in a single `sendmsg`.
pub fn send_with_fds(s: &StdUnixStream, bytes: &[u8], fds: &[&OwnedFd]) {
    assert_eq!(try_send_with_fds(s, bytes, fds).unwrap(), bytes.len());
}

pub fn try_send_with_fds(
    s: &StdUnixStream,
    bytes: &[u8],
    fds: &[&OwnedFd],
) -> rustix::io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(32))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let borrowed: Vec<_> = fds.iter().map(|f| f.as_fd()).collect();
    assert!(control.push(SendAncillaryMessage::ScmRights(&borrowed)));
    rustix::net::sendmsg(
        s,
        &[std::io::IoSlice::new(bytes)],
        &mut control,
        SendFlags::NOSIGNAL,
    )
}

fn parse_header(b: &[u8]) -> Header {
    let w = |i: usize| u32::from_be_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
    hdr(w(0), w(1), w(2) as i32, w(3) as i32, w(4), w(5) as i32)
}

/// Read one message; `None` at EOF (or reset) on a message boundary.
pub fn read_msg(s: &mut StdUnixStream) -> Option<(Header, Vec<u8>)> {
    let mut len = [0u8; 4];
    match s.read(&mut len[..1]) {
        Ok(0) => return None,
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
        Err(e) => panic!("read failed (hung?): {e}"),
    }
    s.read_exact(&mut len[1..]).unwrap();
    let len = u32::from_be_bytes(len) as usize;
    assert!(len >= 28, "bad length {len}");
    let mut rest = vec![0u8; len - 4];
    s.read_exact(&mut rest).unwrap();
    Some((parse_header(&rest[..24]), rest[24..].to_vec()))
}

/// Read one message, which must exist.
pub fn expect_msg(s: &mut StdUnixStream) -> (Header, Vec<u8>) {
    read_msg(s).expect("connection closed unexpectedly")
}

/// Whether the peer closed the connection (EOF or reset) without sending anything more.
pub fn expect_eof(s: &mut StdUnixStream) {
    if let Some((h, _)) = read_msg(s) {
        panic!("expected EOF, got {h:?}");
    }
}

/// Receive one message with `recvmsg`, collecting fds (REPLY_WITH_FDS: the fds follow).
pub fn read_msg_fds(s: &mut StdUnixStream) -> (Header, Vec<u8>, Vec<OwnedFd>) {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let mut fds = Vec::new();
    let recv_exact = |s: &StdUnixStream, buf: &mut [u8], fds: &mut Vec<OwnedFd>| {
        let mut off = 0;
        while off < buf.len() {
            let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(32))];
            let mut control = RecvAncillaryBuffer::new(&mut space);
            let mut iov = [std::io::IoSliceMut::new(&mut buf[off..])];
            let r =
                rustix::net::recvmsg(s, &mut iov, &mut control, RecvFlags::CMSG_CLOEXEC).unwrap();
            assert!(r.bytes > 0, "EOF in the middle of a message");
            off += r.bytes;
            for m in control.drain() {
                if let RecvAncillaryMessage::ScmRights(r) = m {
                    fds.extend(r);
                }
            }
        }
    };
    let mut len = [0u8; 4];
    recv_exact(s, &mut len, &mut fds);
    let len = u32::from_be_bytes(len) as usize;
    let mut rest = vec![0u8; len - 4];
    recv_exact(s, &mut rest, &mut fds);
    let h = parse_header(&rest[..24]);
    let mut body = rest[24..].to_vec();
    if h.mtype == 5 {
        let n = u32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
        body.drain(..4);
        for _ in 0..n {
            let mut b = [0u8; 1];
            recv_exact(s, &mut b, &mut fds);
        }
        assert_eq!(fds.len(), n, "fd count word and fds received differ");
    }
    (h, body, fds)
}

pub fn decode_error(body: &[u8]) -> oxvirt_proto::WireError {
    oxvirt_xdr::from_bytes_exact(body).unwrap()
}

/// Poll `f` until it is true; panics after [`HANG`].
pub async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = std::time::Instant::now();
    while !f() {
        assert!(t.elapsed() < HANG, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Await `fut` with the hang guard.
pub async fn guard<F: std::future::Future>(fut: F) -> F::Output {
    tokio::time::timeout(HANG, fut).await.expect("hung")
}

/// Read the whole of an fd.
pub fn read_fd(fd: OwnedFd) -> Vec<u8> {
    read_all(fd)
}

/// How many fds this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}
