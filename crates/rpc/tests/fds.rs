//! File-descriptor passing in both directions (protocol.md §1.6).

mod common;

use std::io::Write;

use common::*;

fn fds_reply_text(texts: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("count={}", texts.len()).into_bytes();
    for t in texts {
        v.push(b';');
        v.extend_from_slice(t);
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn call_with_fds_and_reply_with_fds_through_the_client() {
    let t = TestServer::default().await;
    let (c, _ev) = t.client().await;
    let r = guard(c.call_raw(
        PROG,
        FDS,
        b"go".to_vec(),
        vec![fd_with(b"first"), fd_with(b"second")],
    ))
    .await
    .unwrap();
    assert_eq!(r.body, fds_reply_text(&[b"first", b"second"]));
    assert_eq!(r.fds.len(), 1);
    let fd = r.fds.into_iter().next().unwrap();
    assert_eq!(read_fd(fd), SERVER_FD_TEXT);

    // no fds either way
    let r = guard(c.call_raw(PROG, FDS, words(&[0]), Vec::new()))
        .await
        .unwrap();
    assert_eq!(r.body, b"count=0");
    assert!(r.fds.is_empty());

    // the most fds a message may carry
    let many: Vec<_> = (0..32)
        .map(|i| fd_with(format!("{i}").as_bytes()))
        .collect();
    let r = guard(c.call_raw(PROG, FDS, words(&[0]), many))
        .await
        .unwrap();
    let texts: Vec<Vec<u8>> = (0..32).map(|i| format!("{i}").into_bytes()).collect();
    let texts: Vec<&[u8]> = texts.iter().map(|t| t.as_slice()).collect();
    assert_eq!(r.body, fds_reply_text(&texts));
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_call_with_fds_one_sendmsg_each_and_reply_with_fds_on_the_wire() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    let mut body = words(&[2]);
    body.extend(b"args");
    send(&mut s, &hdr(PROG, 1, FDS, 4, 11, 0), &body);
    send_fd(&s, &fd_with(b"A"));
    send_fd(&s, &fd_with(b"BB"));
    let (h, body, fds) = read_msg_fds(&mut s);
    // REPLY_WITH_FDS, the rest copied from the call
    assert_eq!(h, hdr(PROG, 1, FDS, 5, 11, 0));
    assert_eq!(body, fds_reply_text(&[b"A", b"BB"]));
    assert_eq!(fds.len(), 1);
    assert_eq!(read_fd(fds.into_iter().next().unwrap()), SERVER_FD_TEXT);

    // a CALL_WITH_FDS with a zero count is a plain call; the reply without fds is REPLY
    let mut body = words(&[0]);
    body.extend(words(&[0]));
    send(&mut s, &hdr(PROG, 1, FDS, 4, 12, 0), &body);
    let (h, body) = expect_msg(&mut s);
    assert_eq!(h, hdr(PROG, 1, FDS, 1, 12, 0));
    assert_eq!(body, b"count=0");
}

/// Everything written before the server reads: the message, its two fds (each with its dummy
/// byte) and the next message sit in the socket together.
#[tokio::test(flavor = "multi_thread")]
async fn fds_and_the_next_message_arrive_together() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    let mut body = words(&[2]);
    body.extend(words(&[0]));
    let mut first = frame(&hdr(PROG, 1, FDS, 4, 1, 0), &body);
    // the first fd rides on the last bytes of the message and its own dummy byte
    let split = first.len() - 3;
    let tail: Vec<u8> = first.drain(split..).chain([0u8]).collect();
    s.write_all(&first).unwrap();
    send_with_fds(&s, &tail, &[&fd_with(b"one")]);
    // the second fd's dummy byte and the whole next message in a single sendmsg
    let mut more = vec![0u8];
    more.extend(frame(&call_hdr(ECHO, 2), b"after the fds"));
    send_with_fds(&s, &more, &[&fd_with(b"two")]);

    // the two calls run concurrently: their replies may come in either order
    let mut replies = [expect_msg(&mut s), expect_msg(&mut s)];
    replies.sort_by_key(|r| r.0.serial);
    assert_eq!(
        replies,
        [
            (
                hdr(PROG, 1, FDS, 1, 1, 0),
                fds_reply_text(&[b"one", b"two"])
            ),
            (hdr(PROG, 1, ECHO, 1, 2, 0), b"after the fds".to_vec()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn announced_fd_missing_closes_the_connection() {
    let t = TestServer::default().await;
    // the dummy byte comes without its fd
    let mut s = t.raw();
    let mut body = words(&[1]);
    body.extend(words(&[0]));
    let mut bytes = frame(&hdr(PROG, 1, FDS, 4, 1, 0), &body);
    bytes.push(0);
    s.write_all(&bytes).unwrap();
    expect_eof(&mut s);

    // EOF where the fd should be
    let mut s = t.raw();
    send(&mut s, &hdr(PROG, 1, FDS, 4, 1, 0), &body);
    s.shutdown(std::net::Shutdown::Write).unwrap();
    expect_eof(&mut s);

    // more than 32 fds announced
    let mut s = t.raw();
    let mut body = words(&[33]);
    body.extend(words(&[0]));
    send(&mut s, &hdr(PROG, 1, FDS, 4, 1, 0), &body);
    expect_eof(&mut s);

    // a CALL_WITH_FDS too short to hold its count
    let mut s = t.raw();
    send(&mut s, &hdr(PROG, 1, FDS, 4, 1, 0), b"");
    expect_eof(&mut s);

    // the server still works
    let (c, _ev) = t.client().await;
    let r = guard(c.call_raw(PROG, FDS, words(&[0]), vec![fd_with(b"x")]))
        .await
        .unwrap();
    assert_eq!(r.body, fds_reply_text(&[b"x"]));
}

/// An fd may arrive with earlier bytes than its dummy byte (a forwarding proxy that reads with
/// `recvmsg` and writes what it read in one `sendmsg` delivers it so): it goes to the message
/// that announces it.
#[tokio::test(flavor = "multi_thread")]
async fn an_early_fd_goes_to_the_message_that_announces_it() {
    let t = TestServer::default().await;
    let mut s = t.raw();
    // the second half of an ECHO call, the FDS call and its dummy byte, in one piece with the fd
    let echo = frame(&call_hdr(ECHO, 1), b"plain");
    s.write_all(&echo[..10]).unwrap();
    let mut body = words(&[1]);
    body.extend(words(&[0]));
    let mut piece = echo[10..].to_vec();
    piece.extend(frame(&hdr(PROG, 1, FDS, 4, 2, 0), &body));
    piece.push(0);
    send_with_fds(&s, &piece, &[&fd_with(b"mine")]);
    let mut replies = [expect_msg(&mut s), expect_msg(&mut s)];
    replies.sort_by_key(|r| r.0.serial);
    assert_eq!(replies[0].1, b"plain");
    assert_eq!(replies[1].1, fds_reply_text(&[b"mine"]));
}

/// fds nobody announced must not pile up in the server.
#[tokio::test(flavor = "multi_thread")]
async fn unannounced_fds_do_not_pile_up() {
    let t = TestServer::default().await;
    let before = common::open_fds();
    let mut s = t.raw();
    // a message whose every byte carries fds: 92 bytes x 8 fds
    let bytes = frame(&call_hdr(ECHO, 1), &[0u8; 64]);
    {
        let fds: Vec<_> = (0..8).map(|_| fd_with(b"")).collect();
        let fd_refs: Vec<_> = fds.iter().collect();
        for b in &bytes {
            // the server may hang up before everything is sent
            if try_send_with_fds(&s, std::slice::from_ref(b), &fd_refs).is_err() {
                break;
            }
        }
    }
    expect_eof(&mut s);
    wait_until("disconnected", || {
        t.svc.disconnected.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    let after = common::open_fds();
    assert!(
        after < before + 50,
        "{} more fds open after the connection",
        after as i64 - before as i64
    );
    // the server still works
    let mut s = t.raw();
    send(&mut s, &call_hdr(ECHO, 2), b"ok");
    assert_eq!(expect_msg(&mut s).1, b"ok");
}
