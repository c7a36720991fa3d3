//! Keepalive (protocol.md §8.1): PONG for every PING, PINGs to silent clients that asked for
//! keepalive, and the close after `count` unanswered PINGs.

mod common;

use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use oxvirt_rpc::server::ServerConfig;

const KA: u32 = 0x6b65_6570;

fn ping() -> oxvirt_proto::Header {
    hdr(KA, 1, 1, 2, 0, 0)
}

fn pong() -> oxvirt_proto::Header {
    hdr(KA, 1, 2, 2, 0, 0)
}

fn short_keepalive() -> ServerConfig {
    ServerConfig {
        keepalive_interval: Duration::from_millis(200),
        keepalive_count: 2,
        ..ServerConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_is_answered_with_pong_before_any_call() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(&mut s, &ping(), b"");
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, pong());
    assert!(body.is_empty());
    // and after calls too
    send(&mut s, &call_hdr(ECHO, 0), b"x");
    expect_msg(&mut s);
    send(&mut s, &ping(), b"");
    assert_eq!(expect_msg(&mut s).0, pong());
}

/// The raw client enables keepalive and then says nothing: PINGs after each interval of
/// silence, then the close once `count` PINGs went unanswered.
#[tokio::test(flavor = "multi_thread")]
async fn silent_client_is_pinged_then_dropped() {
    let t = TestServer::start(short_keepalive()).await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(KEEPALIVE, 1), b"");
    let last_sent = Instant::now();
    assert_eq!(expect_msg(&mut s).0.serial, 1);
    let mut pings = Vec::new();
    while let Some((h, body)) = read_msg(&mut s) {
        assert_eq!(h, ping());
        assert!(body.is_empty());
        pings.push(last_sent.elapsed());
    }
    let closed = last_sent.elapsed();
    assert_eq!(pings.len(), 2, "PINGs at {pings:?}");
    // lower bounds only (a slow machine can only make these later), with 10 ms for the
    // server's millisecond clock
    assert!(pings[0] >= Duration::from_millis(190), "{pings:?}");
    assert!(pings[1] >= Duration::from_millis(390), "{pings:?}");
    assert!(
        closed >= Duration::from_millis(590),
        "closed after {closed:?}"
    );
    wait_until("disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_pings_for_a_client_that_did_not_ask() {
    let t = TestServer::start(short_keepalive()).await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(ECHO, 1), b"");
    expect_msg(&mut s);
    // five intervals of silence
    tokio::time::sleep(Duration::from_millis(1000)).await;
    s.set_nonblocking(true).unwrap();
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("expected nothing, got {other:?}"),
    }
    s.set_nonblocking(false).unwrap();
    send(&mut s, &call_hdr(ECHO, 2), b"still");
    assert_eq!(expect_msg(&mut s).1, b"still");
}

/// A raw client answering each PING stays connected; every PING comes after an interval of
/// silence.
#[tokio::test(flavor = "multi_thread")]
async fn client_answering_pings_stays_connected() {
    let t = TestServer::start(short_keepalive()).await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(KEEPALIVE, 1), b"");
    expect_msg(&mut s);
    let start = Instant::now();
    let mut pings = 0;
    while pings < 6 {
        let (h, _) = expect_msg(&mut s);
        assert_eq!(h, ping());
        pings += 1;
        send(&mut s, &pong(), b"");
    }
    // each PING after the first needs an interval of silence after our PONG
    assert!(start.elapsed() >= Duration::from_millis(990));
    send(&mut s, &call_hdr(ECHO, 2), b"alive");
    // a PING may come first
    loop {
        let (h, body) = expect_msg(&mut s);
        if h == ping() {
            send(&mut s, &pong(), b"");
            continue;
        }
        assert_eq!(h.serial, 2);
        assert_eq!(body, b"alive");
        break;
    }
}

/// The crate's client answers PINGs by itself.
#[tokio::test(flavor = "multi_thread")]
async fn crate_client_survives_many_intervals() {
    let t = TestServer::start(short_keepalive()).await;
    let (c, _ev) = t.client().await;
    guard(c.call_raw(PROG, KEEPALIVE, Vec::new(), Vec::new()))
        .await
        .unwrap();
    // 8 intervals: without PONGs the server would drop it after 3
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(!c.is_closed());
    let r = guard(c.call_raw(PROG, ECHO, b"x".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"x");
    assert_eq!(t.svc.disconnected.load(Ordering::SeqCst), 0);
}

/// Slow calls in flight do not stop the server from answering PINGs.
#[tokio::test(flavor = "multi_thread")]
async fn pings_are_answered_while_calls_run() {
    let t = TestServer::start(ServerConfig {
        max_client_requests: 2,
        ..ServerConfig::default()
    })
    .await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(WAIT, 1), &words(&[1]));
    send(&mut s, &call_hdr(WAIT, 2), &words(&[2]));
    wait_until("calls started", || t.svc.started() == 2).await;
    for _ in 0..3 {
        send(&mut s, &ping(), b"");
        assert_eq!(expect_msg(&mut s).0, pong());
    }
    t.svc.release(1);
    t.svc.release(2);
    let mut serials = [expect_msg(&mut s).0.serial, expect_msg(&mut s).0.serial];
    serials.sort();
    assert_eq!(serials, [1, 2]);
}

/// A client waiting for a long call keeps answering PINGs and is not dropped; a client that
/// stops answering is dropped even with a call in flight.
#[tokio::test(flavor = "multi_thread")]
async fn long_call_with_keepalive() {
    let t = TestServer::start(short_keepalive()).await;
    let (c, _ev) = t.client().await;
    guard(c.call_raw(PROG, KEEPALIVE, Vec::new(), Vec::new()))
        .await
        .unwrap();
    let r = guard(c.call_raw(PROG, SLEEP, words(&[1500]), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, words(&[1500]));

    let mut s = t.raw();
    send(&mut s, &call_hdr(KEEPALIVE, 1), b"");
    expect_msg(&mut s);
    send(&mut s, &call_hdr(WAIT, 2), &words(&[77]));
    let mut pings = 0;
    while let Some((h, _)) = read_msg(&mut s) {
        assert_eq!(h, ping());
        pings += 1;
    }
    assert_eq!(pings, 2);
    t.svc.release(77);
}

/// The client side of keepalive: the crate client PINGs a silent server and gives up after
/// `count` unanswered PINGs.
#[tokio::test(flavor = "multi_thread")]
async fn crate_client_keepalive_against_a_silent_server() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(HANG)).unwrap();
        let mut pings = 0;
        while let Some((h, _)) = read_msg(&mut s) {
            assert_eq!(h, ping());
            pings += 1;
        }
        pings
    });
    let (c, _ev) = oxvirt_rpc::Client::connect(&path).await.unwrap();
    let start = Instant::now();
    c.start_keepalive(Duration::from_millis(100), 3);
    guard(c.closed()).await;
    assert!(start.elapsed() >= Duration::from_millis(390));
    drop(c);
    assert_eq!(server.join().unwrap(), 3);
}

/// A client that asked for keepalive, then stops reading (with a download filling its queue)
/// and stops talking, is still dropped: PINGs do not wait for room in the queue.
#[tokio::test(flavor = "multi_thread")]
async fn client_that_stops_reading_is_dropped() {
    let t = TestServer::start(short_keepalive()).await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(KEEPALIVE, 1), b"");
    expect_msg(&mut s);
    // an endless download that the client never reads
    send(&mut s, &call_hdr(DOWNLOAD, 2), &words(&[0, 0, 2]));
    wait_until("disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1
    })
    .await;
    wait_until("download stopped", || {
        t.svc
            .log()
            .contains(&"endless download stopped".to_string())
    })
    .await;
    drop(s);
}

/// While the server does not read a client because it is at its limit of calls in flight, the
/// client's silence is not the client's fault: keepalive must not drop it.
#[tokio::test(flavor = "multi_thread")]
async fn client_at_its_call_limit_is_not_timed_out() {
    let t = TestServer::start(ServerConfig {
        max_client_requests: 1,
        ..short_keepalive()
    })
    .await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(KEEPALIVE, 1), b"");
    expect_msg(&mut s);
    send(&mut s, &call_hdr(WAIT, 2), &words(&[31]));
    send(&mut s, &call_hdr(WAIT, 3), &words(&[32]));
    wait_until("first call started", || t.svc.started() == 1).await;
    // five intervals: a timed-out client would be gone after three
    tokio::time::sleep(Duration::from_millis(1000)).await;
    t.svc.release(31);
    t.svc.release(32);
    let mut serials = Vec::new();
    while serials.len() < 2 {
        let (h, _) = expect_msg(&mut s);
        if h == ping() {
            send(&mut s, &pong(), b"");
        } else {
            serials.push(h.serial);
        }
    }
    assert_eq!(serials, [2, 3]);
    assert_eq!(t.svc.disconnected.load(Ordering::SeqCst), 0);
}
