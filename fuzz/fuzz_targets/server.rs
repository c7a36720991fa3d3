//! The whole server: framing, the reader's limits, dispatch, the REMOTE envelope, the
//! read-only policy, event registrations and the ADMIN program, fed arbitrary message
//! sequences on one connection of the read-write, read-only or admin socket.
//!
//! The driver behind the envelope is a stub that answers every call; it aborts (a crash for
//! libFuzzer) if a call the read-only policy must refuse reaches it on a read-only connection.
//! A reply saying a call "failed unexpectedly" (a panic caught by the server) is a crash too.
//!
//! Input: the first byte picks the socket (bits 0-1: rw, ro, admin), whether a valid
//! AUTH_LIST + CONNECT_OPEN comes first (bit 2; bit 3: opened read-only) and whether the rest
//! is sent as raw bytes (bit 4). Otherwise the rest is a sequence of records, each becoming
//! one well-framed message: program selector (1 byte), procedure (2), type (1), status (1),
//! body length (2), body.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use oxvirt_proto::message::{ADMIN_PROGRAM, KEEPALIVE_PROGRAM, QEMU_PROGRAM, REMOTE_PROGRAM};
use oxvirt_proto::procedures::{self, remote_proc as rp, Program, ReadOnlyArg};
use oxvirt_proto::remote::{ConnectOpenArgs, DomainFlagsArgs};
use oxvirt_proto::{Header, VirError};
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver, RemoteService};
use oxvirt_rpc::server::{Client, Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Default)]
struct Stub {
    events: EventHub,
}

impl Driver for Stub {
    fn open(&self, _name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        Ok("test:///fuzz".into())
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        if ctx.client.is_read_only() {
            check_allowed(&ctx);
        }
        Ok(Vec::new())
    }
}

/// Abort if the call must not run on a read-only connection.
fn check_allowed(ctx: &CallCtx) {
    let h = &ctx.call.header;
    let Some(info) =
        Program::from_number(h.program).and_then(|p| procedures::procedure(p, h.procedure))
    else {
        return;
    };
    let arg = match (info.read_only_arg(), h.procedure) {
        (ReadOnlyArg::None, _) => None,
        (
            ReadOnlyArg::Flags,
            rp::DOMAIN_GET_XML_DESC
            | rp::DOMAIN_GET_VCPUS_FLAGS
            | rp::DOMAIN_MANAGED_SAVE_GET_XML_DESC,
        ) if h.program == REMOTE_PROGRAM => match ctx.args::<DomainFlagsArgs>() {
            Ok(a) => Some(a.flags),
            Err(_) => {
                eprintln!("undecodable arguments reached the driver: {h:?}");
                std::process::abort();
            }
        },
        // the other argument-dependent ones are checked by the server's own decoding
        _ => return,
    };
    if procedures::read_only_denial(h.program, h.procedure, arg).is_some() {
        eprintln!("a call refused on read-only connections reached the driver: {h:?}");
        std::process::abort();
    }
}

struct Env {
    rt: tokio::runtime::Runtime,
    server: Arc<Server<RemoteService<Stub>>>,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let service = RemoteService::new(Arc::new(Stub::default()), "fuzzd");
        let server = Server::new(
            service,
            ServerConfig {
                max_event_callbacks: 8,
                max_restricted_message: 4096,
                ..ServerConfig::default()
            },
        );
        Env { rt, server }
    })
}

fn message(
    program: u32,
    procedure: i32,
    mtype: i32,
    status: i32,
    serial: u32,
    body: &[u8],
) -> Vec<u8> {
    let h = Header {
        program,
        version: 1,
        procedure,
        mtype,
        serial,
        status,
    };
    let mut out = Vec::with_capacity(28 + body.len());
    out.extend_from_slice(&((28 + body.len()) as u32).to_be_bytes());
    let _ = oxvirt_xdr::Encode::encode(&h, &mut out);
    out.extend_from_slice(body);
    out
}

fn build(data: &[u8]) -> Option<(&'static str, bool, Vec<u8>)> {
    let (&mode, rest) = data.split_first()?;
    let (listener, ro) = match mode & 3 {
        0 => ("rw", false),
        1 => ("ro", true),
        _ => ("admin", false),
    };
    let mut out = Vec::new();
    if mode & 4 != 0 {
        out.extend(message(REMOTE_PROGRAM, rp::AUTH_LIST, 0, 0, 0, &[]));
        let open = oxvirt_xdr::to_bytes(&ConnectOpenArgs {
            name: Some("test:///fuzz".into()),
            flags: u32::from(mode & 8 != 0),
        })
        .ok()?;
        out.extend(message(REMOTE_PROGRAM, rp::CONNECT_OPEN, 0, 0, 1, &open));
        out.extend(message(ADMIN_PROGRAM, 1, 0, 0, 2, &[0; 4]));
    }
    if mode & 16 != 0 {
        out.extend_from_slice(rest);
        return Some((listener, ro, out));
    }
    let mut r = rest;
    let mut serial = 10u32;
    while r.len() >= 7 {
        let program = match r[0] % 6 {
            0 | 1 => REMOTE_PROGRAM,
            2 => QEMU_PROGRAM,
            3 => ADMIN_PROGRAM,
            4 => KEEPALIVE_PROGRAM,
            _ => u32::from(r[0]) << 24,
        };
        let procedure = i32::from(u16::from_be_bytes([r[1], r[2]]));
        let mtype = i32::from(r[3] % 8);
        let status = i32::from(r[4] % 4);
        let len = usize::from(u16::from_be_bytes([r[5], r[6]]));
        r = &r[7..];
        let body = &r[..len.min(r.len())];
        r = &r[body.len()..];
        out.extend(message(program, procedure, mtype, status, serial, body));
        serial += 1;
    }
    Some((listener, ro, out))
}

fuzz_target!(|data: &[u8]| {
    let Some((listener, ro, bytes)) = build(data) else {
        return;
    };
    let env = env();
    env.rt.block_on(async {
        let Ok((mut ours, theirs)) = tokio::net::UnixStream::pair() else {
            return;
        };
        let serving = tokio::spawn(env.server.clone().serve_stream(theirs, listener, ro));
        let (mut rd, mut wr) = ours.split();
        let writing = async {
            let _ = wr.write_all(&bytes).await;
            let _ = wr.shutdown().await;
        };
        let mut replies = Vec::new();
        let reading = rd.read_to_end(&mut replies);
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            let (_, r) = tokio::join!(writing, reading);
            r
        })
        .await;
        drop(ours);
        let _ = tokio::time::timeout(Duration::from_secs(5), serving).await;
        // a panic in a call is answered as this error: a crash for the fuzzer
        let needle = b"failed unexpectedly";
        assert!(
            !replies.windows(needle.len()).any(|w| w == needle),
            "a call panicked"
        );
    });
});
