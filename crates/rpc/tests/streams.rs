//! Streams (protocol.md §7): download with chunking, holes, EOF and the finish handshake;
//! upload; aborts; failures; stray packets. Also events.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use oxvirt_proto::{Header, MessageType, Status};
use oxvirt_rpc::stream::StreamIn;
use oxvirt_rpc::{ClientError, Message};

const CHUNK: usize = 262_120;

fn download_args(len: u32, hole: u32, mode: DownloadMode) -> Vec<u8> {
    words(&[len, hole, mode as u32])
}

/// The same, as a typed argument for `call_stream`.
#[derive(oxvirt_xdr::Encode)]
struct DownloadArgs {
    len: u32,
    hole: u32,
    mode: u32,
}

fn dl(len: u32, hole: u32, mode: DownloadMode) -> DownloadArgs {
    DownloadArgs {
        len,
        hole,
        mode: mode as u32,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn download_splits_chunks_sends_holes_eof_and_confirms_finish() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let len = 2 * CHUNK + 1000;
    let mut st = guard(c.call_stream(
        PROG,
        DOWNLOAD,
        &dl(len as u32, 1 << 20, DownloadMode::Normal),
    ))
    .await
    .unwrap();
    let mut got = Vec::new();
    loop {
        let item = guard(st.recv()).await.unwrap();
        let end = item == StreamIn::Eof;
        got.push(item);
        if end {
            break;
        }
    }
    let sizes: Vec<String> = got
        .iter()
        .map(|i| match i {
            StreamIn::Data(d) => format!("data {}", d.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sizes,
        [
            "data 262120",
            "data 262120",
            "data 1000",
            "Hole(1048576)",
            "data 4",
            "Eof"
        ]
    );
    let data: Vec<u8> = got[..3]
        .iter()
        .flat_map(|i| match i {
            StreamIn::Data(d) => d.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert!(data == pattern_vec(0, len));
    assert_eq!(got[4], StreamIn::Data(b"tail".to_vec()));
    guard(st.finish()).await.unwrap();
    wait_until("finished", || {
        t.svc.log().contains(&"download finished".to_string())
    })
    .await;
}

/// The wire form of a download: REPLY first, then STREAM/CONTINUE data, STREAM_HOLE with its
/// struct, the empty CONTINUE, and the STREAM/OK confirmation, all on the call's serial.
#[tokio::test(flavor = "multi_thread")]
async fn download_on_the_wire() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    let serial = 0x55;
    send(
        &mut s,
        &call_hdr(DOWNLOAD, serial),
        &download_args(10, 4096, DownloadMode::Normal),
    );
    let m = |t: i32, st: i32| hdr(PROG, 1, DOWNLOAD, t, serial, st);
    assert_eq!(expect_msg(&mut s), (m(1, 0), vec![]));
    assert_eq!(expect_msg(&mut s), (m(3, 2), pattern_vec(0, 10)));
    let mut hole = vec![0, 0, 0, 0, 0, 0, 0x10, 0];
    hole.extend([0, 0, 0, 0]);
    assert_eq!(expect_msg(&mut s), (m(6, 2), hole));
    assert_eq!(expect_msg(&mut s), (m(3, 2), b"tail".to_vec()));
    assert_eq!(expect_msg(&mut s), (m(3, 2), vec![]));
    send(&mut s, &m(3, 0), b"");
    assert_eq!(expect_msg(&mut s), (m(3, 0), vec![]));
    wait_until("finished", || {
        t.svc.log().contains(&"download finished".to_string())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_counts_bytes_and_holes_until_finish() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let st = guard(c.call_stream(PROG, UPLOAD, &0u32)).await.unwrap();
    // 300000 bytes, a hole, 4096 bytes, a hole
    guard(st.send_data(&pattern_vec(0, 300_000))).await.unwrap();
    guard(st.send_hole(1_000_000)).await.unwrap();
    guard(st.send_data(&pattern_vec(1_300_000, 4096)))
        .await
        .unwrap();
    guard(st.send_hole(12)).await.unwrap();
    guard(st.finish()).await.unwrap();
    let up = t.svc.uploads.lock().unwrap().clone();
    assert_eq!(
        up,
        [UploadResult {
            bytes: 304_096,
            pattern_ok: true,
            holes: vec![1_000_000, 12],
            chunks: vec![262_120, 37_880, 4096],
            end: "finish".into(),
        }]
    );
}

/// go-libvirt sends ~4 MiB stream packets; they must be accepted as they are.
#[tokio::test(flavor = "multi_thread")]
async fn upload_accepts_big_packets() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let st = guard(c.call_stream(PROG, UPLOAD, &0u32)).await.unwrap();
    let key = st.key();
    for i in 0..3 {
        let m = Message::new(
            Header::new(
                key.program,
                key.procedure,
                MessageType::Stream,
                key.serial,
                Status::Continue,
            ),
            pattern_vec(i * (4 << 20), 4 << 20),
        );
        c.send_message(m).await.unwrap();
    }
    guard(st.finish()).await.unwrap();
    let up = t.svc.uploads.lock().unwrap().clone();
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].chunks, [4 << 20, 4 << 20, 4 << 20]);
    assert!(up[0].pattern_ok);
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_failing_at_finish_reports_the_error() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let st = guard(c.call_stream(PROG, UPLOAD, &1u32)).await.unwrap();
    guard(st.send_data(b"abc")).await.unwrap();
    match guard(st.finish()).await {
        Err(ClientError::Remote(e)) => assert_eq!(e, test_error()),
        other => panic!("unexpected {other:?}"),
    }
    // the connection is still good
    let r = guard(c.call_raw(PROG, ECHO, b"x".to_vec(), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"x");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_abort_of_upload_and_download() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let st = guard(c.call_stream(PROG, UPLOAD, &0u32)).await.unwrap();
    guard(st.send_data(&pattern_vec(0, 100))).await.unwrap();
    guard(st.abort()).await.unwrap();
    wait_until("upload aborted", || {
        t.svc.uploads.lock().unwrap().len() == 1
    })
    .await;
    let up = t.svc.uploads.lock().unwrap()[0].clone();
    assert_eq!((up.bytes, up.end.as_str()), (100, "abort"));

    // the download is aborted once its data is through (the service then waits for the end)
    let mut st = guard(c.call_stream(PROG, DOWNLOAD, &dl(10, 10, DownloadMode::Normal)))
        .await
        .unwrap();
    while guard(st.recv()).await.unwrap() != StreamIn::Eof {}
    guard(st.abort()).await.unwrap();
    wait_until("download aborted", || {
        t.svc.log().contains(&"download aborted".to_string())
    })
    .await;

    // the raw form: STREAM/ERROR with no body, confirmed with STREAM/OK
    let mut s = t.raw();
    send(&mut s, &call_hdr(UPLOAD, 3), &words(&[0]));
    assert_eq!(expect_msg(&mut s).0, hdr(PROG, 1, UPLOAD, 1, 3, 0));
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 3, 1), b"");
    assert_eq!(expect_msg(&mut s), (hdr(PROG, 1, UPLOAD, 3, 3, 0), vec![]));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_stream_failure_reaches_the_client() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let mut st = guard(c.call_stream(PROG, DOWNLOAD, &dl(5, 0, DownloadMode::FailStream)))
        .await
        .unwrap();
    assert_eq!(
        guard(st.recv()).await,
        Some(StreamIn::Data(pattern_vec(0, 5)))
    );
    assert_eq!(
        guard(st.recv()).await,
        Some(StreamIn::Error(Some(test_error())))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_stream_call_sends_no_stream_data() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(
        &mut s,
        &call_hdr(DOWNLOAD, 8),
        &download_args(5, 0, DownloadMode::FailCall),
    );
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, DOWNLOAD, 1, 8, 1));
    assert_eq!(decode_error(&body).code, 42);
    wait_until("stream refused", || {
        t.svc
            .log()
            .contains(&"failed call stream send false".to_string())
    })
    .await;
    // nothing else came: the next thing is the echo reply
    send(&mut s, &call_hdr(ECHO, 9), b"next");
    assert_eq!(expect_msg(&mut s).0.serial, 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_packets_for_unknown_streams_are_ignored() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    // nothing open at all
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 999, 2), b"data");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 999, 0), b"");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 999, 1), b"");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 6, 999, 2), &[0u8; 12]);
    send(&mut s, &hdr(PROG, 1, UPLOAD, 6, 999, 2), b"short");
    // an open upload; packets with its serial but another procedure or program are not its
    send(&mut s, &call_hdr(UPLOAD, 5), &words(&[0]));
    assert_eq!(expect_msg(&mut s).0.serial, 5);
    send(&mut s, &hdr(PROG, 1, ECHO, 3, 5, 2), b"wrong proc");
    send(&mut s, &hdr(PROG + 1, 1, UPLOAD, 3, 5, 2), b"wrong program");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 5, 2), &pattern_vec(0, 7));
    // a malformed hole is dropped
    send(&mut s, &hdr(PROG, 1, UPLOAD, 6, 5, 2), b"bad");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 5, 0), b"");
    assert_eq!(expect_msg(&mut s), (hdr(PROG, 1, UPLOAD, 3, 5, 0), vec![]));
    // late packets for the finished stream
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 5, 2), b"late");
    send(&mut s, &hdr(PROG, 1, UPLOAD, 3, 5, 0), b"");
    send(&mut s, &call_hdr(ECHO, 6), b"still fine");
    assert_eq!(
        expect_msg(&mut s),
        (hdr(PROG, 1, ECHO, 1, 6, 0), b"still fine".to_vec())
    );
    let up = t.svc.uploads.lock().unwrap().clone();
    assert_eq!(up.len(), 1);
    assert_eq!(
        (up[0].chunks.clone(), up[0].end.as_str()),
        (vec![7], "finish")
    );
    assert!(up[0].holes.is_empty());
}

/// The server's stream end learns that the client went away.
#[tokio::test(flavor = "multi_thread")]
async fn upload_ends_when_the_client_disconnects() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let st = guard(c.call_stream(PROG, UPLOAD, &0u32)).await.unwrap();
    guard(st.send_data(b"partial")).await.unwrap();
    c.abort();
    wait_until("upload gone", || t.svc.uploads.lock().unwrap().len() == 1).await;
    assert_eq!(t.svc.uploads.lock().unwrap()[0].end, "gone");
}

/// A client that does not read a download: the server's queue for it stays bounded.
#[tokio::test(flavor = "multi_thread")]
async fn download_to_a_client_that_does_not_read_is_bounded() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    send(
        &mut s,
        &call_hdr(DOWNLOAD, 1),
        &download_args(0, 0, DownloadMode::Endless),
    );
    wait_until("some data queued", || {
        t.svc.download_queued.load(Ordering::SeqCst) > 0
    })
    .await;
    // let it run into the bound
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = t.svc.download_queued.load(Ordering::SeqCst);
        if now == last || now > 64 << 20 {
            break;
        }
        last = now;
    }
    let queued = t.svc.download_queued.load(Ordering::SeqCst);
    assert!(
        queued <= 16 << 20,
        "{queued} bytes queued for a client that does not read"
    );
    drop(s);
    wait_until("download stopped", || {
        t.svc
            .log()
            .contains(&"endless download stopped".to_string())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_reach_the_event_receiver() {
    let t = TestServer::default().await;
    let (c, mut ev) = t.client().await;
    guard(c.call_raw(PROG, EVENTS, words(&[3]), Vec::new()))
        .await
        .unwrap();
    for i in 0..3u32 {
        let m = guard(ev.recv()).await.unwrap();
        assert_eq!(
            m.header,
            Header::new(PROG, 1000 + i as i32, MessageType::Message, 1, Status::Ok)
        );
        assert_eq!(m.body, words(&[i]));
    }
    // and on the wire: MESSAGE, status OK, serial 1, before the reply
    let mut s = t.raw();
    send(&mut s, &call_hdr(EVENTS, 44), &words(&[1]));
    assert_eq!(
        expect_msg(&mut s),
        (hdr(PROG, 1, 1000, 2, 1, 0), words(&[0]))
    );
    assert_eq!(expect_msg(&mut s).0, hdr(PROG, 1, EVENTS, 1, 44, 0));
}

/// Stream packets count against the client's requests in flight until their stream takes
/// them: with streams that read nothing, the server stops reading the client after
/// `max_client_requests` packets in all (not per stream).
#[tokio::test(flavor = "multi_thread")]
async fn upload_flow_control_bounds_what_a_client_can_queue() {
    use std::io::Write;
    let t = TestServer::start(oxvirt_rpc::ServerConfig {
        max_client_requests: 2,
        ..Default::default()
    })
    .await;
    let mut s = t.raw();
    for serial in 1..=3u32 {
        send(
            &mut s,
            &call_hdr(UPLOAD, serial),
            &words(&[2, 500 + serial]),
        );
        assert_eq!(expect_msg(&mut s).0, hdr(PROG, 1, UPLOAD, 1, serial, 0));
    }
    // 8 packets of 1 MiB for each stream, round robin
    const MIB: usize = 1 << 20;
    let mut wire = Vec::new();
    for i in 0..8 {
        for serial in 1..=3u32 {
            wire.extend(frame(
                &hdr(PROG, 1, UPLOAD, 3, serial, 2),
                &pattern_vec(i * MIB, MIB),
            ));
        }
    }
    s.set_nonblocking(true).unwrap();
    let mut written = 0;
    loop {
        let before = written;
        while written < wire.len() {
            match s.write(&wire[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        if written == before || written == wire.len() {
            break;
        }
        // give the server time to take more, if it would
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // 2 packets taken, 1 in the reader's buffer, plus what the socket holds
    assert!(
        written < 5 * MIB,
        "the server took {written} bytes from streams that read nothing"
    );
    s.set_nonblocking(false).unwrap();
    for serial in 1..=3u32 {
        t.svc.release(500 + serial);
    }
    s.write_all(&wire[written..]).unwrap();
    for serial in 1..=3u32 {
        send(&mut s, &hdr(PROG, 1, UPLOAD, 3, serial, 0), b"");
    }
    let mut confirmed: Vec<_> = (0..3).map(|_| expect_msg(&mut s).0.serial).collect();
    confirmed.sort();
    assert_eq!(confirmed, [1, 2, 3]);
    let up = t.svc.uploads.lock().unwrap().clone();
    assert_eq!(up.len(), 3);
    for u in up {
        assert_eq!(
            (u.bytes, u.pattern_ok, u.end.as_str()),
            (8 * MIB, true, "finish")
        );
    }
}

/// The connection lives as long as a client handle or one of its streams; then it closes.
#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_last_handle_closes_the_connection() {
    let t = TestServer::default().await;
    let (c, mut ev) = t.client().await;
    let c2 = c.clone();
    drop(c);
    let st = guard(c2.call_stream(PROG, UPLOAD, &0u32)).await.unwrap();
    drop(c2);
    // the stream keeps the connection open: data and finish still go through
    guard(st.send_data(&pattern_vec(0, 10))).await.unwrap();
    guard(st.finish()).await.unwrap();
    assert_eq!(t.svc.uploads.lock().unwrap()[0].bytes, 10);
    // the stream was the last handle
    wait_until("disconnected", || {
        t.svc.disconnected.load(Ordering::SeqCst) == 1
    })
    .await;
    assert!(guard(ev.recv()).await.is_none());
}
