//! The wire protocol with raw and odd messages (protocol.md §1.7), limits, read-only
//! enforcement on the server, keepalive towards silent clients, and load.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Write;
use std::os::unix::net::UnixStream as StdStream;
use std::time::Duration;

use oxvirt_e2e::{read_until_eof, Qemud};
use oxvirt_proto::message::{ADMIN_PROGRAM, KEEPALIVE_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::*;
use oxvirt_proto::{Header, MessageType, Status, VirError};
use oxvirt_rpc::{Client, ClientError, Message};

async fn connect(d: &Qemud) -> Client {
    Client::connect(&d.socket()).await.unwrap().0
}

async fn open(c: &Client, flags: u32) {
    let _: AuthListRet = c.call(REMOTE_PROGRAM, rp::AUTH_LIST, &()).await.unwrap();
    let () = c
        .call(
            REMOTE_PROGRAM,
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("qemu:///system".into()),
                flags,
            },
        )
        .await
        .unwrap();
}

fn remote_err(r: Result<impl std::fmt::Debug, ClientError>) -> VirError {
    match r {
        Err(ClientError::Remote(e)) => e,
        other => panic!("expected an error reply, got {other:?}"),
    }
}

async fn raw_call(c: &Client, h: Header, body: Vec<u8>) -> Result<Vec<u8>, ClientError> {
    // Use the client's serial bookkeeping for the reply by sending through call_raw when
    // the header is ordinary; odd headers go through send_message and are matched by hand.
    let _ = h;
    c.call_raw(h.program, h.procedure, body, Vec::new())
        .await
        .map(|r| r.body)
}

#[tokio::test]
async fn envelope_before_open() {
    let d = Qemud::start();
    let c = connect(&d).await;
    // before AUTH_LIST and before open: "hypervisor connection not open"
    let e = remote_err(
        c.call::<_, StringRet>(REMOTE_PROGRAM, rp::CONNECT_GET_TYPE, &())
            .await,
    );
    assert_eq!((e.code, e.domain), (1, 7));
    assert_eq!(e.message, "internal error: hypervisor connection not open");
    assert_eq!(e.str1.as_deref(), Some("internal error: %s"));
    let r: AuthListRet = c.call(REMOTE_PROGRAM, rp::AUTH_LIST, &()).await.unwrap();
    assert_eq!(r.types, vec![AUTH_NONE]);
    // feature 10 is answered before open, others are not
    let r: ConnectSupportsFeatureRet = c
        .call(
            REMOTE_PROGRAM,
            rp::CONNECT_SUPPORTS_FEATURE,
            &ConnectSupportsFeatureArgs { feature: 10 },
        )
        .await
        .unwrap();
    assert_eq!(r.supported, 1);
    let e = remote_err(
        c.call::<_, ConnectSupportsFeatureRet>(
            REMOTE_PROGRAM,
            rp::CONNECT_SUPPORTS_FEATURE,
            &ConnectSupportsFeatureArgs { feature: 9 },
        )
        .await,
    );
    assert_eq!((e.code, e.domain), (1, 7));
    let () = c
        .call(
            REMOTE_PROGRAM,
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("qemu:///system".into()),
                flags: 0,
            },
        )
        .await
        .unwrap();
    let e = remote_err(
        c.call::<_, ()>(
            REMOTE_PROGRAM,
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("qemu:///system".into()),
                flags: 0,
            },
        )
        .await,
    );
    assert_eq!(e.message, "internal error: connection already open");
    // features after open; unknown ones are 0, never an error
    for (f, want) in [(8, 1), (9, 1), (10, 1), (14, 1), (15, 1), (999, 0), (1, 0)] {
        let r: ConnectSupportsFeatureRet = c
            .call(
                REMOTE_PROGRAM,
                rp::CONNECT_SUPPORTS_FEATURE,
                &ConnectSupportsFeatureArgs { feature: f },
            )
            .await
            .unwrap();
        assert_eq!(r.supported, want, "feature {f}");
    }
    let r: StringRet = c
        .call(REMOTE_PROGRAM, rp::CONNECT_GET_URI, &())
        .await
        .unwrap();
    assert_eq!(r.value, "qemu:///system");
    let () = c
        .call(REMOTE_PROGRAM, rp::CONNECT_REGISTER_CLOSE_CALLBACK, &())
        .await
        .unwrap();
    let () = c
        .call(REMOTE_PROGRAM, rp::CONNECT_UNREGISTER_CLOSE_CALLBACK, &())
        .await
        .unwrap();
    // CONNECT_CLOSE: OK, then the server closes the socket
    let () = c
        .call(REMOTE_PROGRAM, rp::CONNECT_CLOSE, &())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), c.closed())
        .await
        .unwrap();
}

#[tokio::test]
async fn empty_name_opens_the_default_uri() {
    let d = Qemud::start();
    let c = connect(&d).await;
    let () = c
        .call(
            REMOTE_PROGRAM,
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some(String::new()),
                flags: 0,
            },
        )
        .await
        .unwrap();
    let r: StringRet = c
        .call(REMOTE_PROGRAM, rp::CONNECT_GET_URI, &())
        .await
        .unwrap();
    assert_eq!(r.value, "qemu:///system");
}

#[tokio::test]
async fn unknown_procedures_programs_versions() {
    let d = Qemud::start();
    let c = connect(&d).await;
    open(&c, 0).await;
    let e = remote_err(
        raw_call(
            &c,
            Header::new(REMOTE_PROGRAM, 9999, MessageType::Call, 0, Status::Ok),
            vec![],
        )
        .await,
    );
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (39, 7, "unknown procedure: 9999")
    );
    // a real procedure not implemented (DOMAIN_MIGRATE_PREPARE, the first migration
    // protocol): libvirt's public function finds no driver method, VIR_ERR_NO_SUPPORT in
    // VIR_FROM_DOMAIN
    let e = remote_err(
        raw_call(
            &c,
            Header::new(REMOTE_PROGRAM, 61, MessageType::Call, 0, Status::Ok),
            vec![],
        )
        .await,
    );
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            3,
            20,
            "this function is not supported by the connection driver: virDomainMigratePrepare"
        )
    );
    // an event number is no call: unknown, as in libvirtd
    let e = remote_err(
        raw_call(
            &c,
            Header::new(REMOTE_PROGRAM, 107, MessageType::Call, 0, Status::Ok),
            vec![],
        )
        .await,
    );
    assert_eq!((e.code, e.message.as_str()), (39, "unknown procedure: 107"));
    // the LXC program's one call is served, and not supported by a QEMU driver
    let e = remote_err(
        raw_call(
            &c,
            Header::new(0x0006_8000, 1, MessageType::Call, 0, Status::Ok),
            vec![],
        )
        .await,
    );
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (
            3,
            0,
            "this function is not supported by the connection driver: virDomainLxcOpenNamespace"
        )
    );
    let e = remote_err(
        raw_call(
            &c,
            Header::new(0x1234_5678, 3, MessageType::Call, 0, Status::Ok),
            vec![],
        )
        .await,
    );
    assert_eq!((e.code, e.domain), (39, 7));
    assert_eq!(e.message, "Cannot find program 305419896 version 1");
    // the admin program is not served on the rw socket
    let e = remote_err(
        raw_call(
            &c,
            Header::new(ADMIN_PROGRAM, 1, MessageType::Call, 0, Status::Ok),
            vec![0; 4],
        )
        .await,
    );
    assert_eq!(
        e.message,
        format!("Cannot find program {ADMIN_PROGRAM} version 1")
    );
}

/// Odd headers, sent raw, answered by serial.
fn raw_roundtrip(sock: &mut StdStream, h: Header, body: &[u8]) -> Option<(Header, Vec<u8>)> {
    let m = Message::new(h, body.to_vec());
    sock.write_all(&m.to_wire().unwrap()).unwrap();
    read_message(sock, Duration::from_secs(2))
}

fn read_message(sock: &mut StdStream, timeout: Duration) -> Option<(Header, Vec<u8>)> {
    use std::io::Read;
    sock.set_read_timeout(Some(timeout)).unwrap();
    let mut len = [0u8; 4];
    sock.read_exact(&mut len).ok()?;
    let len = u32::from_be_bytes(len) as usize;
    let mut rest = vec![0u8; len - 4];
    sock.read_exact(&mut rest).ok()?;
    let h: Header = oxvirt_xdr::from_bytes(&rest).unwrap();
    Some((h, rest[24..].to_vec()))
}

fn wire_err(body: &[u8]) -> VirError {
    VirError::from_wire(&oxvirt_xdr::from_bytes(body).unwrap())
}

fn call_header(proc_: i32, serial: u32) -> Header {
    Header::new(REMOTE_PROGRAM, proc_, MessageType::Call, serial, Status::Ok)
}

fn raw_open(s: &mut StdStream, flags: u32) {
    raw_roundtrip(s, call_header(rp::AUTH_LIST, 0), &[]).unwrap();
    let body = oxvirt_xdr::to_bytes(&ConnectOpenArgs {
        name: Some("qemu:///system".into()),
        flags,
    })
    .unwrap();
    let (h, _) = raw_roundtrip(s, call_header(rp::CONNECT_OPEN, 1), &body).unwrap();
    assert_eq!(h.status, 0);
}

#[test]
fn odd_messages_from_protocol_md() {
    let d = Qemud::start();
    let mut s = StdStream::connect(d.socket()).unwrap();
    // keepalive PING before anything: PONG
    let ping = Message::new(
        Header::new(KEEPALIVE_PROGRAM, 1, MessageType::Message, 0, Status::Ok),
        vec![],
    );
    s.write_all(&ping.to_wire().unwrap()).unwrap();
    let (h, _) = read_message(&mut s, Duration::from_secs(2)).unwrap();
    assert_eq!((h.program, h.procedure, h.mtype), (KEEPALIVE_PROGRAM, 2, 2));
    raw_open(&mut s, 0);

    // wrong version
    let mut h = call_header(rp::CONNECT_GET_TYPE, 10);
    h.version = 2;
    let (r, body) = raw_roundtrip(&mut s, h, &[]).unwrap();
    assert_eq!(
        (
            r.program,
            r.version,
            r.procedure,
            r.serial,
            r.mtype,
            r.status
        ),
        (REMOTE_PROGRAM, 2, 3, 10, 1, 1)
    );
    assert_eq!(
        wire_err(&body).message,
        "Cannot find program 536903814 version 2"
    );

    // a CALL with status CONTINUE
    let mut h = call_header(rp::CONNECT_GET_TYPE, 18);
    h.status = 2;
    let (r, body) = raw_roundtrip(&mut s, h, &[]).unwrap();
    assert_eq!(r.serial, 18);
    assert_eq!(wire_err(&body).message, "Unexpected message status 2");

    // truncated args
    let (_, body) = raw_roundtrip(
        &mut s,
        call_header(rp::DOMAIN_LOOKUP_BY_NAME, 15),
        &[0, 0, 0, 9, b'x'],
    )
    .unwrap();
    let e = wire_err(&body);
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (39, 7, "Unable to decode message payload")
    );

    // bytes after the arguments are refused (libvirtd 9.0 ignores them; see decode_args)
    let (_, body) = raw_roundtrip(
        &mut s,
        call_header(rp::DOMAIN_LOOKUP_BY_NAME, 16),
        &[0, 0, 0, 1, b'x', 0, 0, 0, 1, 2, 3, 4],
    )
    .unwrap();
    let e = wire_err(&body);
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (39, 7, "Unable to decode message payload")
    );
    // a call without arguments ignores its body, as libvirtd does
    let (r, body) =
        raw_roundtrip(&mut s, call_header(rp::CONNECT_GET_TYPE, 17), &[1, 2, 3, 4]).unwrap();
    assert_eq!(r.status, 0);
    let t: StringRet = oxvirt_xdr::from_bytes(&body).unwrap();
    assert_eq!(t.value, "QEMU");

    // string length past the maximum (and past the input)
    let (_, body) = raw_roundtrip(
        &mut s,
        call_header(rp::DOMAIN_LOOKUP_BY_NAME, 19),
        &[0xff, 0xff, 0xff, 0xff],
    )
    .unwrap();
    assert_eq!(wire_err(&body).message, "Unable to decode message payload");
    let mut big = (STRING_MAX_PLUS_ONE as u32).to_be_bytes().to_vec();
    big.extend(std::iter::repeat_n(b'a', 64));
    let (_, body) =
        raw_roundtrip(&mut s, call_header(rp::DOMAIN_LOOKUP_BY_NAME, 20), &big).unwrap();
    assert_eq!(wire_err(&body).message, "Unable to decode message payload");

    // array count past its maximum (identity params: at most 20)
    let mut body = 21u32.to_be_bytes().to_vec();
    body.extend([0u8; 64]);
    let (_, body) =
        raw_roundtrip(&mut s, call_header(rp::CONNECT_SET_IDENTITY, 21), &body).unwrap();
    assert_eq!(wire_err(&body).message, "Unable to decode message payload");

    // a REPLY, a MESSAGE, an unknown type and a STREAM for no stream are ignored
    for t in [1, 2, 9, 3] {
        let mut h = call_header(rp::CONNECT_GET_TYPE, 30 + t as u32);
        h.mtype = t;
        let m = Message::new(h, vec![]);
        s.write_all(&m.to_wire().unwrap()).unwrap();
    }
    let (r, _) = raw_roundtrip(&mut s, call_header(rp::CONNECT_GET_TYPE, 40), &[]).unwrap();
    assert_eq!(
        (r.serial, r.status),
        (40, 0),
        "the ignored messages must get no answer"
    );

    // CONNECT_CLOSE: reply, then EOF
    let (r, _) = raw_roundtrip(&mut s, call_header(rp::CONNECT_CLOSE, 41), &[]).unwrap();
    assert_eq!((r.serial, r.status), (41, 0));
    let (_, eof) = read_until_eof(&mut s, Duration::from_secs(5));
    assert!(eof);
}

const STRING_MAX_PLUS_ONE: usize = oxvirt_proto::message::STRING_MAX + 1;

#[test]
fn framing_errors_close_the_connection_and_nothing_else() {
    let d = Qemud::start();
    let cases: Vec<Vec<u8>> = vec![
        vec![0, 0, 0, 3],
        vec![0, 0, 0, 27],
        0x0200_0005u32.to_be_bytes().to_vec(), // 32 MiB + 5
        u32::MAX.to_be_bytes().to_vec(),
        {
            // a header that is too short for its length word claims
            let mut v = 28u32.to_be_bytes().to_vec();
            v.extend([0x20, 0, 0x80, 0x86]);
            v
        },
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let mut s = StdStream::connect(d.socket()).unwrap();
        s.write_all(bytes).unwrap();
        if i == 4 {
            // truncated message then EOF from us
            s.shutdown(std::net::Shutdown::Write).unwrap();
        }
        let (got, eof) = read_until_eof(&mut s, Duration::from_secs(5));
        assert!(eof, "case {i}: connection not closed");
        assert!(got.is_empty(), "case {i}: got a reply {got:?}");
    }
    // the daemon still serves
    let mut s = StdStream::connect(d.socket()).unwrap();
    raw_open(&mut s, 0);
}

#[test]
fn read_only_is_enforced_by_the_server() {
    let d = Qemud::start();
    let define = oxvirt_xdr::to_bytes(&StringRet {
        value: "<domain/>".into(),
    })
    .unwrap();
    // the -ro socket, whatever the client claims
    let mut s = StdStream::connect(d.socket_ro()).unwrap();
    raw_open(&mut s, 0);
    let (r, body) = raw_roundtrip(&mut s, call_header(rp::DOMAIN_DEFINE_XML, 5), &define).unwrap();
    assert_eq!(r.status, 1);
    let e = wire_err(&body);
    assert_eq!(e.code, 29);
    assert_eq!(
        e.message,
        "operation forbidden: read only access prevents virDomainDefineXML"
    );
    // reads work
    let (r, _) = raw_roundtrip(&mut s, call_header(rp::NODE_GET_INFO, 6), &[]).unwrap();
    assert_eq!(r.status, 0);
    // the rw socket opened read-only
    let mut s = StdStream::connect(d.socket()).unwrap();
    raw_open(&mut s, CONNECT_RO);
    let (_, body) = raw_roundtrip(&mut s, call_header(rp::DOMAIN_DEFINE_XML, 5), &define).unwrap();
    assert_eq!(wire_err(&body).code, 29);
    // and opened read-write, the same call reaches the driver (not a read-only denial)
    let mut s = StdStream::connect(d.socket()).unwrap();
    raw_open(&mut s, 0);
    let (_, body) = raw_roundtrip(&mut s, call_header(rp::DOMAIN_DEFINE_XML, 5), &define).unwrap();
    assert_ne!(wire_err(&body).code, 29);
}

fn count_pings_until_eof(s: &mut StdStream, timeout: Duration) -> (usize, bool) {
    let deadline = std::time::Instant::now() + timeout;
    let mut pings = 0;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return (pings, false);
        }
        match read_message(s, left) {
            Some((h, _)) if h.program == KEEPALIVE_PROGRAM && h.procedure == 1 => pings += 1,
            Some(_) => {}
            None => {
                // read_message returns None on timeout or EOF: tell them apart
                let (_, eof) = read_until_eof(s, Duration::from_millis(10));
                if eof {
                    return (pings, true);
                }
                if std::time::Instant::now() >= deadline {
                    return (pings, false);
                }
            }
        }
    }
}

#[test]
fn silent_client_is_pinged_then_dropped() {
    let d = Qemud::start_with(&["--keepalive-interval", "1", "--keepalive-count", "2"]);
    let mut s = StdStream::connect(d.socket()).unwrap();
    raw_roundtrip(&mut s, call_header(rp::AUTH_LIST, 0), &[]).unwrap();
    let f = oxvirt_xdr::to_bytes(&ConnectSupportsFeatureArgs { feature: 10 }).unwrap();
    raw_roundtrip(&mut s, call_header(rp::CONNECT_SUPPORTS_FEATURE, 1), &f).unwrap();
    let (pings, eof) = count_pings_until_eof(&mut s, Duration::from_secs(20));
    assert!(eof, "the server did not drop a client that never answers");
    assert_eq!(pings, 2);
}

#[test]
fn client_without_keepalive_is_never_pinged() {
    let d = Qemud::start_with(&["--keepalive-interval", "1", "--keepalive-count", "1"]);
    let mut s = StdStream::connect(d.socket()).unwrap();
    raw_open(&mut s, 0);
    let (pings, eof) = count_pings_until_eof(&mut s, Duration::from_secs(4));
    assert_eq!((pings, eof), (0, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_connections_and_64_concurrent_clients() {
    let d = Qemud::start();
    for _ in 0..1000 {
        let c = connect(&d).await;
        open(&c, 0).await;
        let () = c
            .call(REMOTE_PROGRAM, rp::CONNECT_CLOSE, &())
            .await
            .unwrap();
        c.closed().await;
    }
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let c = connect(&d).await;
        tasks.push(tokio::spawn(async move {
            open(&c, 0).await;
            let mut ok = 0;
            for _ in 0..50 {
                let r: NodeGetInfoRet = c
                    .call(REMOTE_PROGRAM, rp::NODE_GET_INFO, &())
                    .await
                    .unwrap();
                assert!(r.cpus >= 1);
                ok += 1;
            }
            ok
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 64 * 50);
}

#[tokio::test]
async fn concurrent_calls_on_one_connection() {
    let d = Qemud::start();
    let c = connect(&d).await;
    open(&c, 0).await;
    let calls = (0..32).map(|_| {
        let c = c.clone();
        async move {
            let r: StringRet = c
                .call(REMOTE_PROGRAM, rp::CONNECT_GET_HOSTNAME, &())
                .await
                .unwrap();
            r.value
        }
    });
    let names = futures_join(calls.collect()).await;
    assert_eq!(names.len(), 32);
    assert!(names.windows(2).all(|w| w[0] == w[1]));
}

async fn futures_join<F: std::future::Future<Output = String> + Send + 'static>(
    fs: Vec<F>,
) -> Vec<String> {
    let hs: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in hs {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn admin_socket() {
    let d = Qemud::start();
    let (c, _) = Client::connect(&d.socket_admin()).await.unwrap();
    let () = c
        .call(ADMIN_PROGRAM, 1, &FlagsArgs { flags: 0 })
        .await
        .unwrap();
    let v: U64Ret = c.call(ADMIN_PROGRAM, 3, &()).await.unwrap();
    assert_eq!(v.value, 9_000_000);
    let s: admin::ConnectListServersRet = c
        .call(
            ADMIN_PROGRAM,
            4,
            &admin::ListArgs {
                need_results: 1,
                flags: 0,
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = s.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["virtqemud", "admin"]);
    // the REMOTE program is not served on the admin socket
    let e = remote_err(
        c.call::<_, AuthListRet>(REMOTE_PROGRAM, rp::AUTH_LIST, &())
            .await,
    );
    assert_eq!(e.code, 39);
    // virt-admin itself
    let out = oxvirt_e2e::command("virt-admin")
        .arg("-c")
        .arg(format!(
            "virtqemud:///system?socket={}",
            d.socket_admin().display()
        ))
        .arg("srv-list")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("virtqemud"), "{text}");

    // peer identity (SO_PEERCRED) of a client of the main server, as virt-admin shows it
    let _held = StdStream::connect(d.socket()).unwrap();
    let admin_uri = format!("virtqemud:///system?socket={}", d.socket_admin().display());
    let va = |args: &[&str]| {
        let o = oxvirt_e2e::command("virt-admin")
            .arg("-c")
            .arg(&admin_uri)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", o);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let list = va(&["srv-clients-list", "virtqemud"]);
    let ids: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u64>().is_ok())
        .collect();
    assert_eq!(ids.len(), 1, "{list}");
    let info = va(&["client-info", "virtqemud", ids[0]]);
    let get = |k: &str| {
        info.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(a, _)| a.trim() == k)
                    .map(|(_, b)| b.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no {k} in {info}"))
    };
    assert_eq!(get("unix_process_id"), std::process::id().to_string());
    assert_eq!(
        get("unix_user_id"),
        rustix::process::getuid().as_raw().to_string()
    );
    assert_eq!(get("readonly"), "no");
    assert_eq!(get("transport"), "unix");
}

/// Every REMOTE procedure number, with random bodies, on open connections (read-write and
/// read-only): every call is answered (or the message ignored) and the daemon keeps serving.
#[test]
fn random_calls_to_every_procedure_never_hurt_the_daemon() {
    let mut d = Qemud::start();
    // a small deterministic generator (xorshift), so a failure can be replayed
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for sock in [d.socket(), d.socket_ro()] {
        let mut s = StdStream::connect(&sock).unwrap();
        raw_open(&mut s, 0);
        let mut serial = 100;
        for proc_ in 1..=450 {
            if matches!(proc_, 2 | 1) {
                continue; // CONNECT_CLOSE would end the test connection; OPEN is covered
            }
            for _ in 0..3 {
                let len = (next() % 64) as usize;
                let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                serial += 1;
                let (h, _) = raw_roundtrip(&mut s, call_header(proc_, serial), &body)
                    .unwrap_or_else(|| panic!("no answer to procedure {proc_}"));
                assert_eq!(h.serial, serial);
                assert_eq!(h.mtype, 1);
            }
        }
        let (h, _) = raw_roundtrip(&mut s, call_header(rp::CONNECT_GET_TYPE, 1), &[]).unwrap();
        assert_eq!(h.status, 0);
    }
    assert!(d.alive(), "{}", d.log());
}
