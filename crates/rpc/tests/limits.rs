//! The limits that hold against a hostile local user (see `oxvirt_rpc::limits`): pools of
//! their own for read-write, read-only and admin clients, and the restrictions of read-only
//! connections (message size, time to open, time to finish a message, idle time).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;
use oxvirt_rpc::server::ServerConfig;

const LISTENERS: &[(&str, bool)] = &[("ro", true), ("admin", false)];

fn echo(s: &mut std::os::unix::net::UnixStream, serial: u32, body: &[u8]) {
    send(s, &call_hdr(ECHO, serial), body);
    assert_eq!(expect_msg(s).1, body);
}

/// A full read-only pool refuses read-only clients at once and leaves the read-write and admin
/// sockets reachable.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_read_only_pool_leaves_the_other_sockets_reachable() {
    let t = TestServer::start_listening(
        ServerConfig {
            max_ro_clients: 3,
            max_clients: 1,
            max_admin_clients: 1,
            ..ServerConfig::default()
        },
        LISTENERS,
    )
    .await;
    let mut held = Vec::new();
    for i in 0..3 {
        let mut s = raw_connect(&t.socket("ro"));
        echo(&mut s, i, b"ro");
        held.push(s);
    }
    let mut refused = raw_connect(&t.socket("ro"));
    expect_eof(&mut refused);
    for name in ["sock", "admin"] {
        let mut s = raw_connect(&t.socket(name));
        let started = Instant::now();
        echo(&mut s, 1, name.as_bytes());
        assert!(started.elapsed() < Duration::from_secs(1), "{name}");
        // the pool of that socket (1) is full now, the read-only one does not count
        expect_eof(&mut raw_connect(&t.socket(name)));
    }
}

/// Read-only connections send at most `max_restricted_message` bytes per message: a longer
/// length word closes the connection before its bytes are read; read-write ones may send
/// 32 MiB.
#[tokio::test(flavor = "multi_thread")]
async fn read_only_messages_are_small() {
    let t = TestServer::start_listening(
        ServerConfig {
            max_restricted_message: 4096,
            ..ServerConfig::default()
        },
        LISTENERS,
    )
    .await;
    let mut ro = raw_connect(&t.socket("ro"));
    echo(&mut ro, 1, &[7; 4096 - 28]);
    send(&mut ro, &call_hdr(ECHO, 2), &[7; 4096 - 27]);
    expect_eof(&mut ro);
    // a 32 MiB announcement alone: closed at the length word
    let mut ro = raw_connect(&t.socket("ro"));
    ro.write_all(&(32u32 << 20).to_be_bytes()).unwrap();
    expect_eof(&mut ro);
    let mut rw = t.raw();
    echo(&mut rw, 1, &vec![7; 1 << 20]);
}

/// A read-only connection must open within `handshake_timeout` and finish a message it
/// started within `message_timeout`; once open, an idle one stays unless `idle_timeout` is
/// set and it did not ask for keepalive.
#[tokio::test(flavor = "multi_thread")]
async fn read_only_connections_have_deadlines() {
    let cfg = ServerConfig {
        handshake_timeout: Duration::from_millis(300),
        message_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let t = TestServer::start_listening(cfg.clone(), LISTENERS).await;
    let started = Instant::now();
    let mut never_opens = raw_connect(&t.socket("ro"));
    echo(&mut never_opens, 1, b"not open yet");
    expect_eof(&mut never_opens);
    assert!(started.elapsed() < Duration::from_secs(5));

    let mut opened = raw_connect(&t.socket("ro"));
    send(&mut opened, &call_hdr(OPEN, 1), &[]);
    expect_msg(&mut opened);
    tokio::time::sleep(Duration::from_millis(800)).await;
    echo(&mut opened, 2, b"still here");
    // 10 bytes of a header, then nothing
    opened.write_all(&[0, 0, 0, 40, 0, 0, 0, 1, 0, 0]).unwrap();
    let started = Instant::now();
    expect_eof(&mut opened);
    assert!(started.elapsed() < Duration::from_secs(5));

    // the read-write socket (root's) has none of these deadlines
    let mut rw = t.raw();
    tokio::time::sleep(Duration::from_millis(800)).await;
    echo(&mut rw, 1, b"rw");
    rw.write_all(&[0, 0, 0, 40]).unwrap();
    rw.set_read_timeout(Some(Duration::from_millis(800)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(
        rw.read(&mut b).is_err(),
        "the read-write client was dropped"
    );

    let t = TestServer::start_listening(
        ServerConfig {
            idle_timeout: Duration::from_millis(300),
            ..cfg
        },
        LISTENERS,
    )
    .await;
    let mut idle = raw_connect(&t.socket("ro"));
    let mut keeps_alive = raw_connect(&t.socket("ro"));
    for s in [&mut idle, &mut keeps_alive] {
        send(s, &call_hdr(OPEN, 1), &[]);
        expect_msg(s);
    }
    send(&mut keeps_alive, &call_hdr(KEEPALIVE, 2), &[]);
    expect_msg(&mut keeps_alive);
    expect_eof(&mut idle);
    echo(&mut keeps_alive, 3, b"kept");
}
