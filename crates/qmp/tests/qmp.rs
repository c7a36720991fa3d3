//! The QMP client against a real QEMU (`-machine none`, TCG) and against a fake QMP peer
//! that misbehaves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxvirt_qmp::{
    Disconnect, EventRecvError, ParseError, QmpClient, QmpConfig, QmpError, QmpEvents,
};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::process::{Child, Command};

/// Nothing in these tests may take long: a hang is a failure.
async fn guard<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test step timed out")
}

async fn next_event(ev: &mut QmpEvents) -> oxvirt_qmp::QmpEvent {
    guard(ev.recv()).await.expect("an event")
}

// ---------------------------------------------------------------------------------------
// real QEMU

struct Qemu {
    child: Child,
    sock: PathBuf,
    _dir: tempfile::TempDir,
}

impl Qemu {
    async fn start() -> Qemu {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("qmp.sock");
        let child = Command::new("qemu-system-x86_64")
            .args([
                "-machine",
                "none,accel=tcg",
                "-nodefaults",
                "-no-user-config",
                "-nographic",
                "-display",
                "none",
                "-S",
                "-qmp",
            ])
            .arg(format!("unix:{},server=on,wait=off", sock.display()))
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("qemu-system-x86_64 must be installed (scripts/install-deps)");
        let start = Instant::now();
        while !sock.exists() {
            assert!(start.elapsed() < Duration::from_secs(20), "no QMP socket");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Qemu {
            child,
            sock,
            _dir: dir,
        }
    }

    async fn client(&self) -> QmpClient {
        // QEMU binds the socket before it listens: a connect in between is refused
        let start = Instant::now();
        loop {
            match guard(QmpClient::connect(&self.sock, QmpConfig::default())).await {
                Err(oxvirt_qmp::QmpError::Connect { source, .. })
                    if source.kind() == std::io::ErrorKind::ConnectionRefused
                        && start.elapsed() < Duration::from_secs(20) =>
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                r => return r.unwrap(),
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// Kill QEMU and reap it.
    async fn stop(mut self) {
        let _ = self.child.start_kill();
        guard(self.child.wait()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_greeting_status_version() {
    let q = Qemu::start().await;
    let c = q.client().await;
    let g = c.greeting().clone();
    assert!(g.version.major >= 7, "{g:?}");
    assert!(g.capabilities.iter().any(|c| c == "oob"), "{g:?}");
    let v = c.execute("query-version", None).await.unwrap();
    assert_eq!(v["qemu"]["major"], json!(g.version.major));
    assert_eq!(v["qemu"]["minor"], json!(g.version.minor));
    assert_eq!(v["qemu"]["micro"], json!(g.version.micro));
    assert_eq!(v["package"], json!(g.version.package));
    let s = c.execute("query-status", None).await.unwrap();
    assert_eq!(s["status"], "prelaunch");
    assert_eq!(s["running"], false);
    // Arguments go through.
    let r = c
        .execute("qom-list", Some(json!({"path": "/machine"})))
        .await
        .unwrap();
    assert!(r.as_array().is_some_and(|a| !a.is_empty()), "{r}");
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_concurrent_commands() {
    let q = Qemu::start().await;
    let c = Arc::new(q.client().await);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..64 {
        let c = c.clone();
        set.spawn(async move {
            if i % 2 == 0 {
                let s = c.execute("query-status", None).await.unwrap();
                assert_eq!(s["status"], "prelaunch");
            } else {
                let v = c.execute("query-version", None).await.unwrap();
                assert!(v["qemu"]["major"].as_u64().is_some());
            }
        });
    }
    while let Some(r) = guard(set.join_next()).await {
        r.unwrap();
    }
    assert_eq!(c.stats().stray_messages, 0);
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_error_reply() {
    let q = Qemu::start().await;
    let c = q.client().await;
    match c.execute("nosuch", None).await {
        Err(QmpError::Command { class, desc }) => {
            assert_eq!(class, "CommandNotFound");
            assert!(desc.contains("nosuch"), "{desc}");
        }
        r => panic!("{r:?}"),
    }
    match c.execute("query-status", Some(json!({"bogus": 1}))).await {
        Err(QmpError::Command { class, .. }) => assert_eq!(class, "GenericError"),
        r => panic!("{r:?}"),
    }
    // Arguments that are not an object never reach QEMU.
    assert!(matches!(
        c.execute("query-status", Some(json!([1]))).await,
        Err(QmpError::InvalidCommand(_))
    ));
    // Still usable.
    c.execute("query-status", None).await.unwrap();
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_stop_cont_events() {
    let q = Qemu::start().await;
    let c = q.client().await;
    let mut ev = c.take_events().unwrap();
    assert!(c.take_events().is_none());
    c.execute("cont", None).await.unwrap();
    let e = next_event(&mut ev).await;
    assert_eq!(e.name, "RESUME");
    assert!(e.timestamp.is_some());
    assert_eq!(
        c.execute("query-status", None).await.unwrap()["status"],
        "running"
    );
    c.execute("stop", None).await.unwrap();
    let e = next_event(&mut ev).await;
    assert_eq!(e.name, "STOP");
    assert_eq!(e.data, json!({}));
    assert_eq!(
        c.execute("query-status", None).await.unwrap()["status"],
        "paused"
    );
    // quit: the reply, then SHUTDOWN, then QEMU closes the socket and the events end.
    c.execute("quit", None).await.unwrap();
    let e = next_event(&mut ev).await;
    assert_eq!(e.name, "SHUTDOWN");
    assert_eq!(e.data["guest"], false);
    assert_eq!(guard(c.closed()).await, Disconnect::Eof);
    assert_eq!(
        guard(ev.recv()).await,
        Err(EventRecvError::Closed(Disconnect::Eof))
    );
    assert!(matches!(
        c.execute("query-status", None).await,
        Err(QmpError::Disconnected(Disconnect::Eof))
    ));
    assert_eq!(c.stats().events_received, 3);
    q.stop().await;
}

fn fd_targets(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|p| p.display().to_string())
        .collect()
}

fn pipe_name(fd: std::os::fd::BorrowedFd<'_>) -> String {
    let st = rustix::fs::fstat(fd).unwrap();
    format!("pipe:[{}]", st.st_ino)
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_getfd_closefd() {
    let q = Qemu::start().await;
    let c = q.client().await;
    let (r, _w) = rustix::pipe::pipe().unwrap();
    let name = pipe_name(r.as_fd());
    assert!(!fd_targets(q.pid()).contains(&name));
    c.getfd("mypipe", r.as_fd()).await.unwrap();
    assert!(fd_targets(q.pid()).contains(&name), "QEMU holds the pipe");
    // The caller keeps its own fd.
    rustix::fs::fstat(&r).unwrap();
    c.closefd("mypipe").await.unwrap();
    assert!(!fd_targets(q.pid()).contains(&name), "QEMU closed the pipe");
    match c.closefd("mypipe").await {
        Err(QmpError::Command { class, .. }) => assert_eq!(class, "GenericError"),
        r => panic!("{r:?}"),
    }
    // getfd with no fd at all: QEMU complains.
    match c.execute("getfd", Some(json!({"fdname": "none"}))).await {
        Err(QmpError::Command { class, desc }) => {
            assert_eq!(class, "GenericError");
            assert!(desc.contains("file descriptor"), "{desc}");
        }
        r => panic!("{r:?}"),
    }
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_add_fd_query_fdsets() {
    let q = Qemu::start().await;
    let c = q.client().await;
    let f1 = tempfile::tempfile().unwrap();
    let f2 = tempfile::tempfile().unwrap();
    let a = c.add_fd(None, f1.as_fd(), Some("disk0")).await.unwrap();
    let b = c.add_fd(Some(a.fdset_id), f2.as_fd(), None).await.unwrap();
    assert_eq!(b.fdset_id, a.fdset_id);
    assert_ne!(b.fd, a.fd);
    let sets = c.execute("query-fdsets", None).await.unwrap();
    let set = sets
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["fdset-id"] == json!(a.fdset_id))
        .unwrap_or_else(|| panic!("{sets}"));
    let fds = set["fds"].as_array().unwrap();
    assert_eq!(fds.len(), 2, "{set}");
    let first = fds.iter().find(|f| f["fd"] == json!(a.fd)).unwrap();
    assert_eq!(first["opaque"], "disk0");
    c.execute(
        "remove-fd",
        Some(json!({"fdset-id": a.fdset_id, "fd": a.fd})),
    )
    .await
    .unwrap();
    // Several fd commands at once are serialised and each lands.
    let c = Arc::new(c);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8u64 {
        let c = c.clone();
        set.spawn(async move {
            let f = tempfile::tempfile().unwrap();
            c.add_fd(Some(100 + i), f.as_fd(), None).await.unwrap()
        });
    }
    while let Some(r) = guard(set.join_next()).await {
        let info = r.unwrap();
        assert!((100..108).contains(&info.fdset_id));
    }
    let sets = c.execute("query-fdsets", None).await.unwrap();
    assert_eq!(sets.as_array().unwrap().len(), 9, "{sets}");
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn qemu_close_and_killed() {
    let q = Qemu::start().await;
    let c = q.client().await;
    c.close();
    assert!(matches!(
        c.execute("query-status", None).await,
        Err(QmpError::Disconnected(Disconnect::Closed))
    ));
    assert_eq!(c.disconnect_reason(), Some(Disconnect::Closed));
    // QEMU accepts a new connection after the old one closed.
    let c = q.client().await;
    c.execute("query-status", None).await.unwrap();
    let mut ev = c.take_events().unwrap();
    let pid = q.pid();
    q.stop().await;
    assert_eq!(guard(c.closed()).await, Disconnect::Eof, "pid {pid}");
    assert_eq!(
        guard(ev.recv()).await,
        Err(EventRecvError::Closed(Disconnect::Eof))
    );
}

/// QEMU serves one monitor client at a time: a second one gets no greeting.
#[tokio::test(flavor = "multi_thread")]
async fn qemu_second_client_waits() {
    let q = Qemu::start().await;
    let c = q.client().await;
    let config = QmpConfig {
        greeting_timeout: Duration::from_millis(300),
        ..QmpConfig::default()
    };
    let r = QmpClient::connect(&q.sock, config).await;
    assert!(matches!(r, Err(QmpError::GreetingTimeout(_))), "{r:?}");
    c.execute("query-status", None).await.unwrap();
    drop(c);
    let c = q.client().await;
    c.execute("query-status", None).await.unwrap();
    q.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = QmpClient::connect(dir.path().join("none"), QmpConfig::default()).await;
    assert!(matches!(r, Err(QmpError::Connect { .. })), "{r:?}");
}

// ---------------------------------------------------------------------------------------
// a fake QMP peer

const GREETING: &str = r#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}}"#;

struct Peer {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Peer {
    async fn send(&mut self, line: &str) {
        self.w.write_all(line.as_bytes()).await.unwrap();
        self.w.write_all(b"\r\n").await.unwrap();
    }

    async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.w.write_all(bytes).await
    }

    /// Read one command; returns its name and id.
    async fn command(&mut self) -> (String, Value) {
        let mut line = String::new();
        guard(self.r.read_line(&mut line)).await.unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        (v["execute"].as_str().unwrap().to_owned(), v["id"].clone())
    }

    async fn reply(&mut self, id: &Value, ret: Value) {
        self.send(&json!({"return": ret, "id": id}).to_string())
            .await;
    }
}

fn quick() -> QmpConfig {
    QmpConfig {
        greeting_timeout: Duration::from_millis(300),
        command_timeout: Duration::from_secs(10),
        ..QmpConfig::default()
    }
}

/// A client connected to a fake peer that greeted and accepted capabilities.
async fn fake(config: QmpConfig) -> (QmpClient, Peer) {
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = b.into_split();
    let mut peer = Peer {
        r: BufReader::new(r),
        w,
    };
    let p = tokio::spawn(async move {
        peer.send(GREETING).await;
        let (cmd, id) = peer.command().await;
        assert_eq!(cmd, "qmp_capabilities");
        peer.reply(&id, json!({})).await;
        peer
    });
    let c = guard(QmpClient::from_stream(a, config)).await.unwrap();
    let peer = p.await.unwrap();
    (c, peer)
}

/// Start `cmd` on the client in a task; the peer reads it. Returns the task and the id.
async fn in_flight(
    c: &Arc<QmpClient>,
    peer: &mut Peer,
    cmd: &'static str,
) -> (tokio::task::JoinHandle<Result<Value, QmpError>>, Value) {
    let c2 = c.clone();
    let t = tokio::spawn(async move { c2.execute(cmd, None).await });
    let (name, id) = peer.command().await;
    assert_eq!(name, cmd);
    (t, id)
}

#[tokio::test]
async fn fake_greeting_and_ids() {
    let (c, mut peer) = fake(quick()).await;
    assert_eq!(c.greeting().version.libvirt_number(), 7_002_000);
    assert_eq!(c.greeting().version.package, "fake");
    let c = Arc::new(c);
    // Three commands in flight, answered in reverse order.
    let (t1, id1) = in_flight(&c, &mut peer, "one").await;
    let (t2, id2) = in_flight(&c, &mut peer, "two").await;
    let (t3, id3) = in_flight(&c, &mut peer, "three").await;
    peer.reply(&id3, json!(3)).await;
    peer.reply(&id2, json!(2)).await;
    peer.reply(&id1, json!(1)).await;
    assert_eq!(guard(t1).await.unwrap().unwrap(), json!(1));
    assert_eq!(guard(t2).await.unwrap().unwrap(), json!(2));
    assert_eq!(guard(t3).await.unwrap().unwrap(), json!(3));
}

#[tokio::test]
async fn fake_no_greeting_times_out() {
    let (a, _b) = UnixStream::pair().unwrap();
    let t = Instant::now();
    let r = QmpClient::from_stream(a, quick()).await;
    assert!(matches!(r, Err(QmpError::GreetingTimeout(_))), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn fake_bad_greetings() {
    let cases: [(&[u8], &str); 6] = [
        (b"", "eof"),
        (b"{\"return\": {}}\n", "a command reply"),
        (b"{\"event\": \"STOP\"}\n", "an event"),
        (b"garbage\n", "not valid JSON"),
        (b"{\"QMP\": {\"version\": 7}}\n", "greeting"),
        (b"{\"QMP\": {\"vers", "truncated"),
    ];
    for (bytes, what) in cases {
        let (a, mut b) = UnixStream::pair().unwrap();
        b.write_all(bytes).await.unwrap();
        drop(b);
        let r = guard(QmpClient::from_stream(a, quick())).await;
        match (what, r) {
            ("eof", Err(QmpError::Disconnected(Disconnect::Eof))) => {}
            ("truncated", Err(QmpError::Disconnected(Disconnect::TruncatedEof))) => {}
            (w, Err(QmpError::NotAGreeting(m))) => assert!(m.contains(w), "{m} / {w}"),
            (w, r) => panic!("{w}: {r:?}"),
        }
    }
}

#[tokio::test]
async fn fake_capabilities_refused() {
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = b.into_split();
    let mut peer = Peer {
        r: BufReader::new(r),
        w,
    };
    let p = tokio::spawn(async move {
        peer.send(GREETING).await;
        let (_, id) = peer.command().await;
        peer.send(
            &json!({"id": id, "error": {"class": "CommandNotFound", "desc": "no"}}).to_string(),
        )
        .await;
        peer
    });
    let r = guard(QmpClient::from_stream(a, quick())).await;
    assert!(matches!(r, Err(QmpError::Command { .. })), "{r:?}");
    let _peer = p.await.unwrap();
}

#[tokio::test]
async fn fake_garbage_kills_connection() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let mut ev = c.take_events().unwrap();
    peer.send(r#"{"event": "BEFORE"}"#).await;
    let (t, _) = in_flight(&c, &mut peer, "query-status").await;
    peer.send("garbage").await;
    match guard(t).await.unwrap() {
        Err(QmpError::Disconnected(Disconnect::Invalid(ParseError::InvalidJson(m)))) => {
            assert!(!m.is_empty())
        }
        r => panic!("{r:?}"),
    }
    assert!(matches!(
        c.execute("query-status", None).await,
        Err(QmpError::Disconnected(Disconnect::Invalid(_)))
    ));
    // Queued events are delivered, then the end.
    assert_eq!(next_event(&mut ev).await.name, "BEFORE");
    assert!(matches!(
        guard(ev.recv()).await,
        Err(EventRecvError::Closed(Disconnect::Invalid(_)))
    ));
    // The socket was shut down: the peer sees EOF.
    let mut line = String::new();
    assert_eq!(guard(peer.r.read_line(&mut line)).await.unwrap(), 0);
}

#[tokio::test]
async fn fake_not_an_object_and_invalid_utf8() {
    for (bytes, check) in [
        (&b"[1, 2]\n"[..], "object"),
        (&b"{\"return\": \"\xc3\x28\"}\n"[..], "utf8"),
    ] {
        let (c, mut peer) = fake(quick()).await;
        let c = Arc::new(c);
        let (t, _) = in_flight(&c, &mut peer, "query-status").await;
        peer.send_raw(bytes).await.unwrap();
        match (check, guard(t).await.unwrap()) {
            (
                "object",
                Err(QmpError::Disconnected(Disconnect::Invalid(ParseError::NotAnObject))),
            ) => {}
            (
                "utf8",
                Err(QmpError::Disconnected(Disconnect::Invalid(ParseError::InvalidUtf8 {
                    valid_up_to: 12,
                }))),
            ) => {}
            (w, r) => panic!("{w}: {r:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fake_100mb_line() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let (t, _) = in_flight(&c, &mut peer, "query-status").await;
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![b'x'; 1 << 20];
        let mut sent = 0usize;
        for _ in 0..100 {
            if peer.send_raw(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    match guard(t).await.unwrap() {
        Err(QmpError::Disconnected(Disconnect::LineTooLong { limit })) => {
            assert_eq!(limit, 1 << 20)
        }
        r => panic!("{r:?}"),
    }
    // The client stopped reading and shut the socket: the peer's writes fail long before
    // 100 MB went out.
    let sent = guard(writer).await.unwrap();
    assert!(sent < 10 << 20, "{sent}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn fake_configurable_line_limit() {
    let (c, mut peer) = fake(QmpConfig {
        max_line: 200,
        ..quick()
    })
    .await;
    let c = Arc::new(c);
    let (t, id) = in_flight(&c, &mut peer, "small").await;
    peer.reply(&id, json!("a".repeat(150))).await;
    guard(t).await.unwrap().unwrap();
    let (t, id) = in_flight(&c, &mut peer, "big").await;
    peer.reply(&id, json!("a".repeat(250))).await;
    assert!(matches!(
        guard(t).await.unwrap(),
        Err(QmpError::Disconnected(Disconnect::LineTooLong {
            limit: 200
        }))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn fake_event_flood_does_not_block_replies() {
    const FLOOD: u64 = 100_000;
    let (c, mut peer) = fake(QmpConfig {
        max_events: 100,
        ..quick()
    })
    .await;
    let c = Arc::new(c);
    let mut ev = c.take_events().unwrap();
    let (t, id) = in_flight(&c, &mut peer, "query-status").await;
    let start = Instant::now();
    let mut flood = String::new();
    for n in 0..FLOOD {
        flood.push_str(&format!(
            "{{\"event\": \"FLOOD\", \"data\": {{\"n\": {n}}}, \"timestamp\": {{\"seconds\": 1, \"microseconds\": 2}}}}\r\n"
        ));
    }
    peer.send_raw(flood.as_bytes()).await.unwrap();
    peer.reply(&id, json!({"status": "running"})).await;
    // Nobody reads events, yet the reply arrives.
    let r = guard(t).await.unwrap().unwrap();
    assert_eq!(r["status"], "running");
    eprintln!("{FLOOD} events and a reply in {:?}", start.elapsed());
    let s = c.stats();
    assert_eq!(s.events_received, FLOOD);
    assert_eq!(s.events_dropped, FLOOD - 100);
    // The consumer hears of the gap, then gets the newest 100 in order.
    assert_eq!(
        guard(ev.recv()).await,
        Err(EventRecvError::Lagged(FLOOD - 100))
    );
    for n in FLOOD - 100..FLOOD {
        let e = next_event(&mut ev).await;
        assert_eq!(e.data["n"], json!(n));
    }
    assert!(ev.try_recv().is_none());
    assert_eq!(ev.dropped_total(), FLOOD - 100);
}

#[tokio::test]
async fn fake_stray_replies_are_ignored() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let (t, id) = in_flight(&c, &mut peer, "query-status").await;
    peer.reply(&json!(999_999), json!("unknown id")).await;
    peer.reply(&json!("a string"), json!("string id")).await;
    peer.send(r#"{"return": "no id"}"#).await;
    peer.send(r#"{"error": {"class": "GenericError", "desc": "JSON parse error"}}"#)
        .await;
    peer.send(GREETING).await;
    peer.send(r#"{"id": 424242, "error": "malformed, unknown id"}"#)
        .await;
    peer.send(r#"{"hello": "world"}"#).await;
    peer.reply(&id, json!("mine")).await;
    assert_eq!(guard(t).await.unwrap().unwrap(), json!("mine"));
    assert_eq!(c.stats().stray_messages, 7);
    assert_eq!(c.disconnect_reason(), None);
}

#[tokio::test]
async fn fake_malformed_reply_fails_only_its_command() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let (t, id) = in_flight(&c, &mut peer, "query-status").await;
    peer.send(&json!({"id": id, "error": {"class": "GenericError"}}).to_string())
        .await;
    match guard(t).await.unwrap() {
        Err(QmpError::MalformedReply(ParseError::Malformed { what, .. })) => {
            assert!(what.contains("desc"), "{what}")
        }
        r => panic!("{r:?}"),
    }
    let (t, id) = in_flight(&c, &mut peer, "query-status").await;
    peer.reply(&id, json!(1)).await;
    assert_eq!(guard(t).await.unwrap().unwrap(), json!(1));
}

#[tokio::test]
async fn fake_eof_mid_command() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let mut ev = c.take_events().unwrap();
    let (t1, _) = in_flight(&c, &mut peer, "one").await;
    let (t2, _) = in_flight(&c, &mut peer, "two").await;
    drop(peer);
    for t in [t1, t2] {
        assert!(matches!(
            guard(t).await.unwrap(),
            Err(QmpError::Disconnected(Disconnect::Eof))
        ));
    }
    assert_eq!(guard(c.closed()).await, Disconnect::Eof);
    assert_eq!(
        guard(ev.recv()).await,
        Err(EventRecvError::Closed(Disconnect::Eof))
    );
}

#[tokio::test]
async fn fake_eof_mid_line() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let (t, id) = in_flight(&c, &mut peer, "one").await;
    let partial = json!({"return": {}, "id": id}).to_string();
    peer.send_raw(&partial.as_bytes()[..partial.len() - 3])
        .await
        .unwrap();
    drop(peer);
    assert!(matches!(
        guard(t).await.unwrap(),
        Err(QmpError::Disconnected(Disconnect::TruncatedEof))
    ));
}

#[tokio::test]
async fn fake_command_timeout_keeps_connection() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let c2 = c.clone();
    let t = tokio::spawn(async move {
        c2.execute_with_timeout("slow", None, Duration::from_millis(100))
            .await
    });
    let (_, slow_id) = peer.command().await;
    match guard(t).await.unwrap() {
        Err(QmpError::Timeout { cmd, timeout }) => {
            assert_eq!(cmd, "slow");
            assert_eq!(timeout, Duration::from_millis(100));
        }
        r => panic!("{r:?}"),
    }
    // The late reply is ignored; the next command works.
    let (t, id) = in_flight(&c, &mut peer, "fast").await;
    peer.reply(&slow_id, json!("late")).await;
    peer.reply(&id, json!("on time")).await;
    assert_eq!(guard(t).await.unwrap().unwrap(), json!("on time"));
    assert_eq!(c.stats().stray_messages, 1);
}

#[tokio::test]
async fn fake_close_fails_in_flight() {
    let (c, mut peer) = fake(quick()).await;
    let c = Arc::new(c);
    let (t, _) = in_flight(&c, &mut peer, "one").await;
    c.close();
    assert!(matches!(
        guard(t).await.unwrap(),
        Err(QmpError::Disconnected(Disconnect::Closed))
    ));
    let mut line = String::new();
    assert_eq!(guard(peer.r.read_line(&mut line)).await.unwrap(), 0);
}

/// The fd arrives in the same `recvmsg` as the first bytes of its command.
#[tokio::test(flavor = "multi_thread")]
async fn fake_fd_travels_with_the_command() {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    use std::io::IoSliceMut;
    use std::mem::MaybeUninit;

    let (a, b) = UnixStream::pair().unwrap();
    let b = b.into_std().unwrap();
    b.set_nonblocking(false).unwrap();
    let peer = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let mut w = b.try_clone().unwrap();
        w.write_all(GREETING.as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
        let mut r = std::io::BufReader::new(b.try_clone().unwrap());
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let id = serde_json::from_str::<Value>(&line).unwrap()["id"].clone();
        w.write_all(format!("{}\n", json!({"return": {}, "id": id})).as_bytes())
            .unwrap();
        // Now the getfd command with its fd.
        let mut buf = vec![0u8; 4096];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let n = rustix::net::recvmsg(
            &b,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        )
        .unwrap()
        .bytes;
        let mut fds = Vec::new();
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(r) = m {
                fds.extend(r);
            }
        }
        let text = String::from_utf8(buf[..n].to_vec()).unwrap();
        assert!(text.starts_with('{'), "{text}");
        let cmd: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(cmd["execute"], "getfd");
        assert_eq!(cmd["arguments"]["fdname"], "f");
        assert_eq!(fds.len(), 1);
        let st = rustix::fs::fstat(&fds[0]).unwrap();
        w.write_all(format!("{}\n", json!({"return": {}, "id": cmd["id"]})).as_bytes())
            .unwrap();
        st.st_ino
    });
    let c = guard(QmpClient::from_stream(a, quick())).await.unwrap();
    let (r, _w) = rustix::pipe::pipe().unwrap();
    guard(c.getfd("f", r.as_fd())).await.unwrap();
    let ino = peer.join().unwrap();
    assert_eq!(ino, rustix::fs::fstat(&r).unwrap().st_ino);
}
