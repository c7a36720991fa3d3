//! Hostile local clients (issue 20, F2 and F3): a user other than root on the world-writable
//! read-only socket must not take the memory or the places root's read-write and admin
//! clients need, nor get past the read-only policy.
//!
//! The attackers run as user `nobody` (a python3 child under `setpriv`), so the daemon's
//! per-user limits apply to them as they would to a real local user.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{rss_kib, Qemud};
use oxvirt_proto::message::{ADMIN_PROGRAM, QEMU_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::{admin_proc as ap, remote_proc as rp};
use oxvirt_proto::remote::{ConnectOpenArgs, DomainFlagsArgs, DomainLookupByNameArgs, DomainRet};
use oxvirt_proto::{Header, MessageType, Status, VirError};
use oxvirt_rpc::Message;

const NOBODY: u32 = 65534;

fn header(program: u32, procedure: i32, serial: u32) -> Header {
    Header::new(program, procedure, MessageType::Call, serial, Status::Ok)
}

fn send(s: &mut UnixStream, h: Header, body: &[u8]) {
    s.write_all(&Message::new(h, body.to_vec()).to_wire().unwrap())
        .unwrap();
}

fn recv(s: &mut UnixStream) -> Option<(Header, Vec<u8>)> {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut rest = vec![0u8; (u32::from_be_bytes(len) as usize).checked_sub(4)?];
    s.read_exact(&mut rest).ok()?;
    let h: Header = oxvirt_xdr::from_bytes(&rest).unwrap();
    Some((h, rest[24..].to_vec()))
}

fn roundtrip(s: &mut UnixStream, h: Header, body: &[u8]) -> Result<Vec<u8>, VirError> {
    send(s, h, body);
    let (r, body) = recv(s).expect("an answer");
    if r.status == 0 {
        Ok(body)
    } else {
        Err(VirError::from_wire(&oxvirt_xdr::from_bytes(&body).unwrap()))
    }
}

/// AUTH_LIST and CONNECT_OPEN (read-only or not) on a new connection to `path`.
fn open(path: &std::path::Path, flags: u32) -> UnixStream {
    let mut s = UnixStream::connect(path).unwrap();
    roundtrip(&mut s, header(REMOTE_PROGRAM, rp::AUTH_LIST, 0), &[]).unwrap();
    let body = oxvirt_xdr::to_bytes(&ConnectOpenArgs {
        name: Some("qemu:///system".into()),
        flags,
    })
    .unwrap();
    roundtrip(&mut s, header(REMOTE_PROGRAM, rp::CONNECT_OPEN, 1), &body).unwrap();
    s
}

/// The best of three times of a new read-write client (connect, open, one call) and of a new
/// admin client (connect, open, one call).
fn root_latencies(d: &Qemud) -> (Duration, Duration) {
    let mut rw = Duration::MAX;
    let mut admin = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut s = open(&d.socket(), 0);
        roundtrip(
            &mut s,
            header(REMOTE_PROGRAM, rp::CONNECT_GET_VERSION, 2),
            &[],
        )
        .unwrap();
        rw = rw.min(t.elapsed());
        let t = Instant::now();
        let mut a = UnixStream::connect(d.socket_admin()).unwrap();
        roundtrip(&mut a, header(ADMIN_PROGRAM, ap::CONNECT_OPEN, 0), &[0; 4]).unwrap();
        roundtrip(
            &mut a,
            header(ADMIN_PROGRAM, ap::CONNECT_GET_LIB_VERSION, 1),
            &[],
        )
        .unwrap();
        admin = admin.min(t.elapsed());
    }
    (rw, admin)
}

/// Let `nobody` reach the read-only socket of a daemon on a private root.
fn open_to_nobody(d: &Qemud) {
    for dir in [d.root().to_path_buf(), d.root().join("run")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    }
}

/// The attacker: connects `n` times to the read-only socket as `nobody` and, in mode
/// "memory", opens each connection and announces a 32 MiB message followed by as many bytes as
/// the socket takes (up to 1 MiB); in mode "idle", sends nothing. Prints how many connections
/// the daemon still holds after a moment, then holds them until its stdin closes.
const ATTACKER: &str = r#"
import resource, socket, struct, sys, time
mode, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
REM = 0x20008086
def msg(proc, serial, body=b""):
    m = struct.pack(">IIiiii", REM, 1, proc, 0, serial, 0) + body
    return struct.pack(">I", len(m) + 4) + m
name = b"qemu:///system"
open_body = struct.pack(">II", 1, len(name)) + name + b"\0\0" + struct.pack(">I", 1)
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
    except OSError:
        break
    if mode == "memory":
        try:
            s.sendall(msg(66, 0) + msg(1, 1, open_body))
            s.settimeout(5)
            s.recv(4096)
            big = struct.pack(">I", 32 << 20) + struct.pack(">IIiiii", REM, 1, 3, 0, 2, 0)
            s.setblocking(False)
            s.send(big + b"\0" * (1 << 20))
        except OSError:
            pass
    socks.append(s)
time.sleep(1.0)
alive = 0
for s in socks:
    s.setblocking(False)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print("alive", alive, flush=True)
sys.stdin.read()
"#;

struct Attacker {
    child: Child,
    alive: usize,
}

impl Attacker {
    fn start(d: &Qemud, mode: &str, n: usize) -> Attacker {
        let mut child = Command::new("setpriv")
            .args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                ATTACKER,
                mode,
                d.socket_ro().to_str().unwrap(),
                &n.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("setpriv python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let alive = line
            .strip_prefix("alive ")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("attacker said {line:?}"));
        Attacker { child, alive }
    }
}

impl Drop for Attacker {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// F2 (a): a hundred read-only connections announcing 32 MiB messages. Each is dropped at its
/// length word (read-only connections send at most 256 KiB), so the daemon's memory does not
/// grow by the 3 GiB they announce; root's clients are answered within 100 ms meanwhile.
#[test]
fn read_only_memory_attack_is_bounded() {
    let d = Qemud::start();
    open_to_nobody(&d);
    let rss0 = rss_kib(d.pid());
    let a = Attacker::start(&d, "memory", 100);
    assert_eq!(a.alive, 0, "connections announcing 32 MiB were kept");
    let rss = rss_kib(d.pid());
    let (rw, admin) = root_latencies(&d);
    assert!(
        rss < rss0 + 32 * 1024,
        "the daemon grew from {rss0} KiB to {rss} KiB"
    );
    assert!(rw < Duration::from_millis(100), "read-write client: {rw:?}");
    assert!(
        admin < Duration::from_millis(100),
        "admin client: {admin:?}"
    );
}

/// F2 (b): thousands of idle read-only connections of one user. It holds at most 100
/// (`--max-clients-per-uid`); the others are closed at once; root's read-write and admin
/// clients are answered within 100 ms and the daemon stays small.
#[test]
fn read_only_slot_attack_leaves_root_served() {
    let d = Qemud::start();
    open_to_nobody(&d);
    let rss0 = rss_kib(d.pid());
    let a = Attacker::start(&d, "idle", 3000);
    assert_eq!(a.alive, 100, "the per-user cap did not hold");
    let (rw, admin) = root_latencies(&d);
    let rss = rss_kib(d.pid());
    assert!(
        rss < rss0 + 16 * 1024,
        "the daemon grew from {rss0} KiB to {rss} KiB"
    );
    assert!(rw < Duration::from_millis(100), "read-write client: {rw:?}");
    assert!(
        admin < Duration::from_millis(100),
        "admin client: {admin:?}"
    );
    // another user's connections are also read-only-pool connections: root's read-only
    // clients still get in
    let mut ro = open(&d.socket_ro(), 1);
    roundtrip(
        &mut ro,
        header(REMOTE_PROGRAM, rp::CONNECT_GET_VERSION, 2),
        &[],
    )
    .unwrap();
}

/// F2 (c): read-only connections that never open, or stop in the middle of a message, are
/// dropped after `--handshake-timeout` / `--message-timeout`; an opened read-only client that
/// is merely idle is kept (libvirt clients without an event loop never ask for keepalive).
#[test]
fn stalled_read_only_connections_are_dropped() {
    let d = Qemud::start_with(&["--handshake-timeout", "1", "--message-timeout", "1"]);
    let mut never_opens = UnixStream::connect(d.socket_ro()).unwrap();
    let mut stalls = open(&d.socket_ro(), 1);
    stalls
        .write_all(&[0, 0, 0, 40, 0x20, 0, 0x80, 0x86, 0, 0])
        .unwrap();
    let mut idle = open(&d.socket_ro(), 1);
    let t = Instant::now();
    for s in [&mut never_opens, &mut stalls] {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut b = [0u8; 1];
        assert_eq!(s.read(&mut b).unwrap(), 0);
    }
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    std::thread::sleep(Duration::from_secs(2));
    roundtrip(
        &mut idle,
        header(REMOTE_PROGRAM, rp::CONNECT_GET_VERSION, 2),
        &[],
    )
    .unwrap();
}

/// F2 (d): one connection registers at most `--max-event-callbacks` callbacks.
#[test]
fn event_callbacks_per_connection_are_capped() {
    let d = Qemud::start_with(&["--max-event-callbacks", "50"]);
    let mut s = open(&d.socket_ro(), 1);
    // event id 0 (lifecycle), no domain filter
    let body = [0u8; 8];
    for i in 0..50 {
        roundtrip(
            &mut s,
            header(
                REMOTE_PROGRAM,
                rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                10 + i,
            ),
            &body,
        )
        .unwrap();
    }
    let e = roundtrip(
        &mut s,
        header(
            REMOTE_PROGRAM,
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
            99,
        ),
        &body,
    )
    .unwrap_err();
    assert_eq!((e.code, e.domain), (39, 7));
    assert_eq!(
        e.message,
        "too many event callbacks on this connection (the maximum is 50)"
    );
    // another connection has its own allowance
    let mut t = open(&d.socket_ro(), 1);
    roundtrip(
        &mut t,
        header(
            REMOTE_PROGRAM,
            rp::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
            3,
        ),
        &body,
    )
    .unwrap();
}

/// F3: the read-only policy looks at the decoded flags. DOMAIN_GET_XML_DESC with
/// VIR_DOMAIN_XML_SECURE and an extra word after the arguments was answered with the secure
/// XML (the old check read the last word of the body). Bytes after the arguments are ignored,
/// as libvirtd 9.0 ignores them (observed: GET_XML_DESC flags=0 plus a zero word answers).
/// Also libvirt's error domains for denials: 20 for the REMOTE program's domain calls, 0 for
/// the QEMU program's, and no ADMIN program on the read-only socket.
#[test]
fn read_only_denials_use_decoded_arguments() {
    let d = Qemud::start();
    let xml = d.root().join("ro.xml");
    std::fs::write(
        &xml,
        "<domain type='qemu'><name>ro</name><memory>65536</memory>\
         <os><type>hvm</type></os></domain>",
    )
    .unwrap();
    d.virsh(&["define", xml.to_str().unwrap()]).ok();
    let mut s = open(&d.socket_ro(), 1);
    let dom = roundtrip(
        &mut s,
        header(REMOTE_PROGRAM, rp::DOMAIN_LOOKUP_BY_NAME, 2),
        &oxvirt_xdr::to_bytes(&DomainLookupByNameArgs { name: "ro".into() }).unwrap(),
    )
    .unwrap();
    let dom: DomainRet = oxvirt_xdr::from_bytes(&dom).unwrap();
    let args = |flags| {
        oxvirt_xdr::to_bytes(&DomainFlagsArgs {
            dom: dom.dom.clone(),
            flags,
        })
        .unwrap()
    };
    let get_xml = header(REMOTE_PROGRAM, rp::DOMAIN_GET_XML_DESC, 3);
    let denial = "operation forbidden: virDomainGetXMLDesc with secure flag";
    let e = roundtrip(&mut s, get_xml, &args(1)).unwrap_err();
    assert_eq!((e.code, e.domain, e.message.as_str()), (29, 20, denial));
    let mut trailing = args(1);
    trailing.extend_from_slice(&[0; 4]);
    let e = roundtrip(&mut s, get_xml, &trailing).unwrap_err();
    assert_eq!((e.code, e.domain, e.message.as_str()), (29, 20, denial));
    // bytes after the arguments are an error of their own, whatever the flags
    let mut trailing = args(0);
    trailing.extend_from_slice(&[0; 4]);
    let e = roundtrip(&mut s, get_xml, &trailing).unwrap_err();
    assert_eq!((e.code, e.domain), (39, 7));
    assert_eq!(e.message, "Unable to decode message payload");
    roundtrip(&mut s, get_xml, &args(0)).unwrap();
    // arguments that do not decode: libvirt's decoding error, not a decision on garbage
    let e = roundtrip(&mut s, get_xml, &[0, 0, 0, 1]).unwrap_err();
    assert_eq!((e.code, e.domain), (39, 7));
    assert_eq!(e.message, "Unable to decode message payload");
    // the QEMU program: libvirt-qemu's API reports its denial in domain 0
    let mut monitor = oxvirt_xdr::to_bytes(&dom.dom).unwrap();
    monitor.extend_from_slice(&[0, 0, 0, 1, b'x', 0, 0, 0, 0, 0, 0, 0]);
    let e = roundtrip(&mut s, header(QEMU_PROGRAM, 1, 4), &monitor).unwrap_err();
    assert_eq!((e.code, e.domain), (29, 0));
    assert_eq!(
        e.message,
        "operation forbidden: read only access prevents virDomainQemuMonitorCommand"
    );
    // the ADMIN program is not served on the read-only socket (libvirtd 9.0 answers so too)
    let e = roundtrip(&mut s, header(ADMIN_PROGRAM, ap::CONNECT_OPEN, 5), &[0; 4]).unwrap_err();
    assert_eq!((e.code, e.domain), (39, 7));
    assert_eq!(
        e.message,
        format!("Cannot find program {ADMIN_PROGRAM} version 1")
    );
}
