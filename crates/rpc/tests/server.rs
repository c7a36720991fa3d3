//! Calls, replies, concurrency, the in-flight cap, odd messages and shutdown, against a real
//! server on a temporary UNIX socket.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use oxvirt_rpc::server::ServerConfig;
use oxvirt_rpc::ClientError;

#[tokio::test(flavor = "multi_thread")]
async fn echo_and_reply_header_copies_the_call() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    for serial in [0u32, 1, 0xdead_beef] {
        send(&mut s, &call_hdr(ECHO, serial), b"abcd1234");
        let (h, body) = expect_msg(&mut s);
        assert_eq!(h, hdr(PROG, 1, ECHO, 1, serial, 0));
        assert_eq!(body, b"abcd1234");
    }
    // an empty body
    send(&mut s, &call_hdr(ECHO, 7), b"");
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, ECHO, 1, 7, 0));
    assert!(body.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn error_reply_is_reply_with_status_error_and_the_error_struct() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(FAIL, 5), b"");
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, FAIL, 1, 5, 1));
    let e = decode_error(&body);
    let want = test_error();
    assert_eq!(e.code, 42);
    assert_eq!(e.domain, 10);
    assert_eq!(e.message.as_deref(), Some(want.message.as_str()));
    assert_eq!(e.level, 2);
    assert_eq!(e.str1, want.str1);
    assert_eq!(e.str2, want.str2);
    assert_eq!((e.int1, e.int2), (-1, -1));
    assert!(e.dom.is_none() && e.net.is_none() && e.str3.is_none());

    // and through the crate's client
    let (c, _ev) = t.client().await;
    match c.call_raw(PROG, FAIL, Vec::new(), Vec::new()).await {
        Err(ClientError::Remote(e)) => assert_eq!(e, want),
        other => panic!("unexpected {other:?}"),
    }
    // an unknown procedure of a served program is the service's business
    match c.call_raw(PROG, 999, Vec::new(), Vec::new()).await {
        Err(ClientError::Remote(e)) => {
            assert_eq!((e.code, e.domain), (39, 7));
            assert_eq!(e.message, "unknown procedure: 999");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_out_of_order_are_matched_by_serial_raw() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    // serials 0, 1, 2 with tokens 10, 11, 12
    for (serial, token) in [(0u32, 10u32), (1, 11), (2, 12)] {
        send(&mut s, &call_hdr(WAIT, serial), &words(&[token]));
    }
    wait_until("3 calls started", || t.svc.started() == 3).await;
    for (serial, token) in [(2u32, 12u32), (0, 10), (1, 11)] {
        t.svc.release(token);
        let (h, body) = expect_msg(&mut s);
        assert_eq!(h, hdr(PROG, 1, WAIT, 1, serial, 0));
        assert_eq!(body, words(&[token]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_out_of_order_are_matched_by_serial_client() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let calls: Vec<_> = (20u32..24)
        .map(|token| {
            let c = c.clone();
            tokio::spawn(async move {
                let r = c
                    .call_raw(PROG, WAIT, words(&[token]), Vec::new())
                    .await
                    .unwrap();
                assert_eq!(r.body, words(&[token]));
                token
            })
        })
        .collect();
    wait_until("4 calls started", || t.svc.started() == 4).await;
    for token in [23, 21, 20, 22] {
        t.svc.release(token);
    }
    for (i, c) in calls.into_iter().enumerate() {
        assert_eq!(guard(c).await.unwrap(), 20 + i as u32);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn many_clients_call_concurrently() {
    let t = TestServer::default().await;
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        let path = t.path.clone();
        tasks.push(tokio::spawn(async move {
            let (c, _ev) = oxvirt_rpc::Client::connect(&path).await.unwrap();
            let mut inner = Vec::new();
            for j in 0..10u32 {
                let c = c.clone();
                inner.push(tokio::spawn(async move {
                    let body = words(&[i, j, i ^ j]);
                    let r = c
                        .call_raw(PROG, ECHO, body.clone(), Vec::new())
                        .await
                        .unwrap();
                    assert_eq!(r.body, body);
                }));
            }
            for h in inner {
                h.await.unwrap();
            }
        }));
    }
    for task in tasks {
        guard(task).await.unwrap();
    }
    wait_until("all 64 disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 64
    })
    .await;
    assert_eq!(t.svc.connected.load(Ordering::SeqCst), 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_sequential_connections() {
    let t = TestServer::default().await;
    for i in 0..1000u32 {
        let mut s = t.raw();
        if i % 2 == 0 {
            send(&mut s, &call_hdr(ECHO, i), &words(&[i]));
            let (h, body) = expect_msg(&mut s);
            assert_eq!(h.serial, i);
            assert_eq!(body, words(&[i]));
        }
        drop(s);
    }
    wait_until("all 1000 disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1000
    })
    .await;
    let (c, _ev) = t.client().await;
    let r = guard(c.call_raw(PROG, ECHO, b"still here".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"still here");
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_in_flight_are_capped_per_client() {
    let t = TestServer::start(ServerConfig {
        max_client_requests: 2,
        ..ServerConfig::default()
    })
    .await;
    let mut s = t.raw();
    for token in 1..=3u32 {
        send(&mut s, &call_hdr(WAIT, token), &words(&[token]));
    }
    wait_until("2 calls started", || t.svc.started() == 2).await;
    // A third call, were it started, would show up here quickly; it must not.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut first = t.svc.log();
    first.sort();
    assert_eq!(first, ["start 1", "start 2"]);
    // Another client is not affected by this client's cap.
    let mut other = t.raw();
    send(&mut other, &call_hdr(ECHO, 0), b"x");
    assert_eq!(expect_msg(&mut other).1, b"x");

    t.svc.release(2);
    assert_eq!(expect_msg(&mut s).0.serial, 2);
    wait_until("third call started", || t.svc.started() == 3).await;
    assert_eq!(t.svc.log()[2..], ["end 2", "start 3"]);
    t.svc.release(1);
    t.svc.release(3);
    let mut serials = vec![expect_msg(&mut s).0.serial, expect_msg(&mut s).0.serial];
    serials.sort();
    assert_eq!(serials, [1, 3]);
    assert_eq!(t.svc.max_running.load(Ordering::SeqCst), 2);
}

/// A client that sends calls with big replies and never reads: the server must not run (and
/// queue the replies of) more than the cap of calls.
#[tokio::test(flavor = "multi_thread")]
async fn replies_not_yet_written_count_against_the_cap() {
    let t = TestServer::start(ServerConfig {
        max_client_requests: 2,
        ..ServerConfig::default()
    })
    .await;
    let mut s = t.raw();
    for serial in 0..50u32 {
        send(&mut s, &call_hdr(BIG, serial), &words(&[1 << 20]));
    }
    wait_until("2 big calls", || {
        t.svc.big_started.load(Ordering::SeqCst) >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = t.svc.big_started.load(Ordering::SeqCst);
    assert!(n <= 3, "{n} calls ran for a client that reads no replies");
    // reading everything drains it all (two calls at a time finish in any order)
    let mut serials = Vec::new();
    for _ in 0..50u32 {
        let (h, body) = expect_msg(&mut s);
        assert_eq!(body.len(), 1 << 20);
        serials.push(h.serial);
    }
    serials.sort();
    assert_eq!(serials, (0..50).collect::<Vec<u32>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_lengths_close_the_connection_and_the_server_keeps_serving() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let mut bad_lengths = vec![0u32, 3, 4, 27, 33_554_437, u32::MAX];
    bad_lengths.push(0x8000_0000);
    for len in bad_lengths {
        let mut s = t.raw();
        let mut bytes = len.to_be_bytes().to_vec();
        bytes.extend(frame(&call_hdr(ECHO, 1), b"")[4..].iter());
        use std::io::Write;
        s.write_all(&bytes).unwrap();
        expect_eof(&mut s);
    }
    // the other client's connection is untouched
    let r = guard(c.call_raw(PROG, ECHO, b"ok".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"ok");
    // and new connections work
    let mut s = t.raw();
    send(&mut s, &call_hdr(ECHO, 3), b"new");
    assert_eq!(expect_msg(&mut s).1, b"new");
}

#[tokio::test(flavor = "multi_thread")]
async fn largest_message_is_accepted_both_ways() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    // 32 MiB of header + body: the largest message
    let body = pattern_vec(0, 33_554_432 - 24);
    let r = guard(c.call_raw(PROG, ECHO, body.clone(), Vec::new()))
        .await
        .unwrap();
    assert!(r.body == body);
    // one byte more cannot be sent
    let too_big = vec![0u8; 33_554_432 - 24 + 1];
    let e = c.call_raw(PROG, ECHO, too_big, Vec::new()).await;
    assert!(e.is_err());
    // a reply one byte too big becomes an error reply
    match guard(c.call_raw(PROG, BIG, words(&[33_554_432 - 24 + 1]), Vec::new())).await {
        Err(ClientError::Remote(e)) => assert_eq!((e.code, e.domain), (39, 7)),
        other => panic!("unexpected {other:?}"),
    }
    // neither broke the connection
    let r = guard(c.call_raw(PROG, ECHO, b"ok".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_program_or_version_gets_rpc_error_with_the_same_header() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    let cases = [
        (0x2222_u32, 1u32, "Cannot find program 8738 version 1"),
        (PROG, 2, "Cannot find program 286326785 version 2"),
        (PROG, 0, "Cannot find program 286326785 version 0"),
    ];
    for (i, (prog, vers, text)) in cases.into_iter().enumerate() {
        send(&mut s, &hdr(prog, vers, 17, 0, i as u32 + 40, 0), b"junk");
        let (h, body) = expect_msg(&mut s);
        assert_eq!(h, hdr(prog, vers, 17, 1, i as u32 + 40, 1));
        let e = decode_error(&body);
        assert_eq!((e.code, e.domain, e.level), (39, 7, 2));
        assert_eq!(e.message.as_deref(), Some(text));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn call_with_bad_status_gets_rpc_error() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    for status in [2, 1, 77] {
        send(&mut s, &hdr(PROG, 1, ECHO, 0, 9, status), b"x");
        let (h, body) = expect_msg(&mut s);
        assert_eq!(h, hdr(PROG, 1, ECHO, 1, 9, 1));
        let e = decode_error(&body);
        assert_eq!((e.code, e.domain), (39, 7));
        assert_eq!(
            e.message.as_deref(),
            Some(format!("Unexpected message status {status}").as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_messages_and_unknown_types_from_the_client_are_ignored() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(&mut s, &hdr(PROG, 1, ECHO, 1, 1, 0), b"a reply");
    send(&mut s, &hdr(PROG, 1, ECHO, 1, 2, 1), b"an error reply");
    send(&mut s, &hdr(PROG, 1, ECHO, 2, 3, 0), b"an event");
    send(&mut s, &hdr(PROG, 1, ECHO, 9, 4, 0), b"type 9");
    send(&mut s, &hdr(PROG, 1, ECHO, -1, 5, 0), b"type -1");
    // a PONG nobody asked for, and keepalive with odd procedures
    send(&mut s, &hdr(0x6b65_6570, 1, 2, 2, 0, 0), b"");
    send(&mut s, &hdr(0x6b65_6570, 1, 77, 2, 0, 0), b"");
    // a REPLY_WITH_FDS without fds announced
    let mut b = words(&[0]);
    b.extend(b"body");
    send(&mut s, &hdr(PROG, 1, ECHO, 5, 6, 0), &b);
    send(&mut s, &call_hdr(ECHO, 7), b"next");
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, ECHO, 1, 7, 0));
    assert_eq!(body, b"next");
}

#[tokio::test(flavor = "multi_thread")]
async fn truncated_message_then_eof_is_a_clean_close() {
    let t = TestServer::default().await;
    for cut in [1usize, 3, 4, 20, 40] {
        let mut s = t.raw();
        let whole = frame(&call_hdr(ECHO, 1), &[1u8; 64]);
        use std::io::Write;
        s.write_all(&whole[..cut]).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        expect_eof(&mut s);
    }
    wait_until("5 disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 5
    })
    .await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(ECHO, 1), b"alive");
    assert_eq!(expect_msg(&mut s).1, b"alive");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_disconnecting_mid_call_does_not_disturb_the_server() {
    let t = TestServer::default().await;
    let (other, _ev) = t.client().await;
    {
        let mut s = t.raw();
        send(&mut s, &call_hdr(WAIT, 1), &words(&[99]));
        send(&mut s, &call_hdr(BIG, 2), &words(&[4 << 20]));
        wait_until("call started", || t.svc.started() == 1).await;
    }
    wait_until("disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1
    })
    .await;
    t.svc.release(99);
    wait_until("call ended", || t.svc.log().contains(&"end 99".to_string())).await;
    let r = guard(other.call_raw(PROG, ECHO, b"fine".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"fine");
}

#[tokio::test(flavor = "multi_thread")]
async fn close_after_reply() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(&mut s, &call_hdr(CLOSE, 3), b"");
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, CLOSE, 1, 3, 0));
    assert_eq!(body, b"bye!");
    expect_eof(&mut s);
    wait_until("disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1
    })
    .await;

    let (c, _ev) = t.client().await;
    let r = guard(c.call_raw(PROG, CLOSE, Vec::new(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"bye!");
    guard(c.closed()).await;
    assert!(matches!(
        c.call_raw(PROG, ECHO, Vec::new(), Vec::new()).await,
        Err(ClientError::Closed)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panicking_call_gets_an_error_reply() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    match guard(c.call_raw(PROG, PANIC, Vec::new(), Vec::new())).await {
        Err(ClientError::Remote(e)) => assert_eq!((e.code, e.domain), (1, 7)),
        other => panic!("unexpected {other:?}"),
    }
    // the connection and its cap are intact
    for _ in 0..10 {
        let _ = guard(c.call_raw(PROG, PANIC, Vec::new(), Vec::new())).await;
    }
    let r = guard(c.call_raw(PROG, ECHO, b"x".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"x");
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_drops_clients_and_stops_serving() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let mut raw = t.raw();
    send(&mut raw, &call_hdr(ECHO, 0), b"x");
    expect_msg(&mut raw);
    // one call in flight, one client that does not read
    let waiting = {
        let c = c.clone();
        tokio::spawn(async move { c.call_raw(PROG, WAIT, words(&[5]), Vec::new()).await })
    };
    let mut deaf = t.raw();
    for serial in 0..8u32 {
        send(&mut deaf, &call_hdr(BIG, serial), &words(&[4 << 20]));
    }
    wait_until("call started", || t.svc.started() == 1).await;
    wait_until("big calls", || {
        t.svc.big_started.load(Ordering::SeqCst) >= 1
    })
    .await;

    t.server.shutdown();
    guard(t.task).await.unwrap();
    guard(c.closed()).await;
    assert!(matches!(
        guard(waiting).await.unwrap(),
        Err(ClientError::Closed)
    ));
    expect_eof(&mut raw);
    // every connection is gone once serve() has returned
    assert_eq!(
        t.svc.disconnected.load(Ordering::SeqCst),
        t.svc.connected.load(Ordering::SeqCst)
    );
    assert!(std::os::unix::net::UnixStream::connect(&t.path).is_err());
    t.svc.release(5);
}

/// At `max_clients` a new client is accepted and closed at once (it sees the end of the
/// stream, not a connection nobody answers); once a place is free, clients are served again.
#[tokio::test(flavor = "multi_thread")]
async fn max_clients_refuses_further_connections() {
    let t = TestServer::start(ServerConfig {
        max_clients: 2,
        ..ServerConfig::default()
    })
    .await;
    let mut a = t.raw();
    let mut b = t.raw();
    for s in [&mut a, &mut b] {
        send(s, &call_hdr(ECHO, 0), b"in");
        expect_msg(s);
    }
    let mut third = t.raw();
    let started = std::time::Instant::now();
    expect_eof(&mut third);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the refusal took {:?}",
        started.elapsed()
    );
    drop(a);
    // the place is given back once the connection has ended
    let mut fourth = None;
    for _ in 0..100 {
        let mut s = t.raw();
        send(&mut s, &call_hdr(ECHO, 0), b"fourth");
        let mut len = [0u8; 4];
        use std::io::Read;
        if s.read_exact(&mut len).is_ok() {
            fourth = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fourth.is_some(), "no client was served after one left");
    let _ = &mut b;
}

/// Degenerate settings are clamped to something that works instead of panicking.
#[tokio::test(flavor = "multi_thread")]
async fn extreme_config_values_do_not_panic() {
    let t = TestServer::start(ServerConfig {
        max_clients: 0,
        max_client_requests: 0,
        keepalive_interval: Duration::MAX,
        keepalive_count: u32::MAX,
        max_queued_messages: 0,
        max_queued_bytes: 0,
        max_ro_clients: 0,
        max_admin_clients: 0,
        max_clients_per_uid: 0,
        max_restricted_message: 0,
        handshake_timeout: Duration::MAX,
        message_timeout: Duration::MAX,
        idle_timeout: Duration::MAX,
        max_event_callbacks: 0,
    })
    .await;
    let (c, mut ev) = t.client().await;
    guard(c.call_raw(PROG, KEEPALIVE, Vec::new(), Vec::new()))
        .await
        .unwrap();
    let r = guard(c.call_raw(PROG, ECHO, pattern_vec(0, 100_000), Vec::new()))
        .await
        .unwrap();
    assert!(r.body == pattern_vec(0, 100_000));
    guard(c.call_raw(PROG, EVENTS, words(&[1]), Vec::new()))
        .await
        .unwrap();
    assert_eq!(guard(ev.recv()).await.unwrap().header.procedure, 1000);
    c.start_keepalive(Duration::MAX, u32::MAX);
    let r = guard(c.call_raw(PROG, ECHO, b"x".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"x");
}
