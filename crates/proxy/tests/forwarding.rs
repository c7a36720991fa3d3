//! The proxy against a stand-in daemon: CONNECT_OPEN picks the socket by URI (the read-only one
//! for a read-only client, with CONNECT_RO), the caller's identity goes there first, calls and
//! their errors pass as they are, events come back, and a daemon that goes away ends the
//! client's connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{ConnectOpenArgs, ConnectSetIdentityArgs, StringRet, CONNECT_RO};
use oxvirt_proto::{TypedParamValue, VirError};
use oxvirt_proxy::{ProxyService, Routes};
use oxvirt_rpc::client::{Client as RpcClient, ClientError};
use oxvirt_rpc::server::{Call, Client, Listener, Reply, Server, ServerConfig, Service};

/// What the stand-in daemon saw.
#[derive(Debug, Default)]
struct Seen {
    /// (listener, name, flags) of each CONNECT_OPEN.
    opens: Vec<(&'static str, Option<String>, u32)>,
    /// unix-user-id and process-id of each SET_IDENTITY.
    identities: Vec<(u64, i64)>,
}

#[derive(Debug, Default)]
struct Fake {
    seen: Mutex<Seen>,
}

impl Service for Fake {
    type Session = ();

    fn serves(&self, _listener: &str, program: u32) -> bool {
        program == REMOTE_PROGRAM
    }

    fn connected(&self, _client: &Arc<Client>) {}

    async fn call(self: Arc<Self>, client: Arc<Client>, _s: Arc<()>, call: Call) -> Reply {
        match call.header.procedure {
            rp::CONNECT_OPEN => {
                let a: ConnectOpenArgs = oxvirt_xdr::from_bytes(&call.body).unwrap();
                self.seen
                    .lock()
                    .unwrap()
                    .opens
                    .push((client.listener, a.name, a.flags));
                Reply::ok(Vec::new())
            }
            rp::CONNECT_SET_IDENTITY => {
                let a: ConnectSetIdentityArgs = oxvirt_xdr::from_bytes(&call.body).unwrap();
                let get = |f: &str| a.params.iter().find(|p| p.field == f).map(|p| &p.value);
                let uid = match get("unix-user-id") {
                    Some(TypedParamValue::ULLong(u)) => *u,
                    other => panic!("unix-user-id {other:?}"),
                };
                let pid = match get("process-id") {
                    Some(TypedParamValue::LLong(p)) => *p,
                    other => panic!("process-id {other:?}"),
                };
                self.seen.lock().unwrap().identities.push((uid, pid));
                Reply::ok(Vec::new())
            }
            rp::CONNECT_GET_URI => {
                // an event first, as a daemon's event may overtake a reply
                client.send_event(
                    REMOTE_PROGRAM,
                    rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                    vec![7; 8],
                );
                Reply::value(&StringRet {
                    value: "fake:///system".into(),
                })
            }
            p => Reply::err(VirError::internal(format!("fake: procedure {p}"))),
        }
    }
}

fn listen(dir: &Path, name: &str, ro: bool) -> Listener {
    Listener::bind(&dir.join(name), 0o600, ro, if ro { "ro" } else { "rw" }).unwrap()
}

async fn open(socket: &Path, name: Option<&str>) -> (RpcClient, oxvirt_rpc::client::EventReceiver) {
    let (c, ev) = RpcClient::connect(socket).await.unwrap();
    c.call::<_, ()>(
        REMOTE_PROGRAM,
        rp::CONNECT_OPEN,
        &ConnectOpenArgs {
            name: name.map(str::to_owned),
            flags: 0,
        },
    )
    .await
    .unwrap();
    (c, ev)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_identity_calls_events_and_a_daemon_going_away() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fake = Arc::new(Fake::default());
    let daemon = Server::new(fake.clone(), ServerConfig::default());
    let serving = tokio::spawn(daemon.clone().serve(vec![
        listen(dir, "qemud-sock", false),
        listen(dir, "qemud-sock-ro", true),
    ]));
    let proxy = Server::new(
        ProxyService::new(Routes::new(dir, false, true), "virtproxyd"),
        ServerConfig::default(),
    );
    tokio::spawn(proxy.clone().serve(vec![
        listen(dir, "libvirt-sock", false),
        listen(dir, "libvirt-sock-ro", true),
    ]));

    // a NULL URI is probed: qemud; the identity is ours
    let (c, mut events) = open(&dir.join("libvirt-sock"), None).await;
    let uri: StringRet = c
        .call(REMOTE_PROGRAM, rp::CONNECT_GET_URI, &())
        .await
        .unwrap();
    assert_eq!(uri.value, "fake:///system");
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.header.procedure, rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE);
    assert_eq!(ev.body, vec![7; 8]);
    // an error passes as the daemon sent it
    let e = c
        .call::<_, ()>(REMOTE_PROGRAM, rp::CONNECT_GET_HOSTNAME, &())
        .await
        .unwrap_err();
    match e {
        ClientError::Remote(v) => assert!(v.message.contains("fake: procedure"), "{v:?}"),
        e => panic!("{e:?}"),
    }
    // the read-only socket: the daemon's read-only socket, opened read-only
    let (ro, _ev) = open(&dir.join("libvirt-sock-ro"), Some("qemu:///system")).await;
    {
        let seen = fake.seen.lock().unwrap();
        assert_eq!(seen.opens[0], ("rw", Some("qemu:///system".into()), 0));
        assert_eq!(
            seen.opens[1],
            ("ro", Some("qemu:///system".into()), CONNECT_RO)
        );
        let me = (
            u64::from(rustix::process::geteuid().as_raw()),
            i64::from(std::process::id()),
        );
        assert_eq!(seen.identities, vec![me, me]);
    }
    // a URI whose daemon has no socket: libvirt's connect error
    let (n, _e) = RpcClient::connect(&dir.join("libvirt-sock")).await.unwrap();
    let e = n
        .call::<_, ()>(
            REMOTE_PROGRAM,
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("network:///system".into()),
                flags: 0,
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Failed to connect socket to"), "{e}");

    // the daemon goes: the proxy ends its clients' connections
    daemon.shutdown();
    let _ = serving.await;
    tokio::time::timeout(std::time::Duration::from_secs(10), c.closed())
        .await
        .expect("the client's connection ends");
    tokio::time::timeout(std::time::Duration::from_secs(10), ro.closed())
        .await
        .expect("the read-only client's connection ends");
}
