//! The REMOTE program's envelope on its own, with a small driver that records what reaches it:
//! the calls allowed before CONNECT_OPEN and the refusal of every other one, CONNECT_OPEN's
//! answers (the driver's URI, a second open, the driver's refusal), and read-only enforcement
//! (changing calls refused before the driver sees them, queries passed through).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::sync::{Arc, Mutex};

use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    feature, AuthListRet, ConnectOpenArgs, ConnectSupportsFeatureArgs, ConnectSupportsFeatureRet,
    DomainArgs, StringRet, CONNECT_RO,
};
use oxvirt_proto::types::NonnullDomain;
use oxvirt_proto::vir_error::code;
use oxvirt_proto::VirError;
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver, RemoteService};
use oxvirt_rpc::client::{Client as RpcClient, ClientError};
use oxvirt_rpc::server::{Client, Server, ServerConfig};

/// Accepts `test:///default` (and the default name), answers every call with an empty body,
/// and records the procedures that reached it.
#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<i32>>,
    events: EventHub,
}

impl Driver for Recorder {
    fn open(&self, name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        match name {
            None | Some("") | Some("test:///default") => Ok("test:///default".into()),
            Some(other) => Err(VirError::new(
                code::NO_CONNECT,
                0,
                format!("no driver for {other}"),
            )),
        }
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        self.calls.lock().unwrap().push(ctx.procedure());
        Ok(Vec::new())
    }
}

struct Conn {
    client: RpcClient,
    driver: Arc<Recorder>,
}

impl Conn {
    async fn new() -> Conn {
        let driver = Arc::new(Recorder::default());
        let server = Server::new(
            RemoteService::new(driver.clone(), "test"),
            ServerConfig::default(),
        );
        let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
        tokio::spawn(server.serve_stream(theirs, "rw", false));
        let (client, _events) = RpcClient::from_stream(ours);
        Conn { client, driver }
    }

    async fn call<A, R>(&self, procedure: i32, args: &A) -> Result<R, VirError>
    where
        A: oxvirt_xdr::Encode + ?Sized,
        R: oxvirt_xdr::Decode,
    {
        match self.client.call(REMOTE_PROGRAM, procedure, args).await {
            Ok(r) => Ok(r),
            Err(ClientError::Remote(e)) => Err(e),
            Err(e) => panic!("transport error: {e}"),
        }
    }

    async fn open(&self, name: &str, flags: u32) -> Result<(), VirError> {
        self.call(
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some(name.into()),
                flags,
            },
        )
        .await
    }

    fn reached(&self) -> Vec<i32> {
        self.driver.calls.lock().unwrap().clone()
    }
}

fn dom() -> DomainArgs {
    DomainArgs {
        dom: NonnullDomain {
            name: "vm".into(),
            uuid: [7; 16],
            id: -1,
        },
    }
}

#[tokio::test]
async fn before_connect_open_only_the_handshake_answers() {
    let c = Conn::new().await;
    let auth: AuthListRet = c.call(rp::AUTH_LIST, &()).await.unwrap();
    assert_eq!(auth.types, vec![0], "auth none");
    let e = c
        .call::<_, ()>(rp::NODE_GET_INFO, &())
        .await
        .expect_err("a call before CONNECT_OPEN");
    assert_eq!(e.code, code::INTERNAL_ERROR);
    assert!(e.message.contains("connection not open"), "{e:?}");
    assert!(c.reached().is_empty(), "the driver saw {:?}", c.reached());

    c.open("test:///default", 0).await.unwrap();
    let uri: StringRet = c.call(rp::CONNECT_GET_URI, &()).await.unwrap();
    assert_eq!(uri.value, "test:///default");
    let again = c
        .open("test:///default", 0)
        .await
        .expect_err("a second open");
    assert!(again.message.contains("already open"), "{again:?}");
    // open now: calls reach the driver
    c.call::<_, ()>(rp::NODE_GET_INFO, &()).await.unwrap();
    assert_eq!(c.reached(), vec![rp::NODE_GET_INFO]);
}

#[tokio::test]
async fn the_drivers_refusal_of_a_uri_is_the_answer() {
    let c = Conn::new().await;
    let e = c.open("xen:///system", 0).await.expect_err("refused");
    assert_eq!(e.code, code::NO_CONNECT);
    assert!(e.message.contains("xen:///system"), "{e:?}");
    // still not open
    let e = c
        .call::<_, ()>(rp::NODE_GET_INFO, &())
        .await
        .expect_err("not open");
    assert!(e.message.contains("connection not open"), "{e:?}");
}

#[tokio::test]
async fn feature_probes_answer_before_and_after_open() {
    let c = Conn::new().await;
    // the keepalive probe is answered before CONNECT_OPEN, as libvirt's clients send it
    let r: ConnectSupportsFeatureRet = c
        .call(
            rp::CONNECT_SUPPORTS_FEATURE,
            &ConnectSupportsFeatureArgs {
                feature: feature::PROGRAM_KEEPALIVE,
            },
        )
        .await
        .unwrap();
    assert_eq!(r.supported, 1);
    c.open("", 0).await.unwrap();
    let r: ConnectSupportsFeatureRet = c
        .call(
            rp::CONNECT_SUPPORTS_FEATURE,
            &ConnectSupportsFeatureArgs {
                feature: feature::FD_PASSING,
            },
        )
        .await
        .unwrap();
    assert_eq!(r.supported, 1);
}

#[tokio::test]
async fn a_read_only_connection_passes_queries_and_refuses_changes() {
    let c = Conn::new().await;
    c.open("test:///default", CONNECT_RO).await.unwrap();
    c.call::<_, ()>(rp::DOMAIN_GET_INFO, &dom()).await.unwrap();
    for p in [rp::DOMAIN_CREATE, rp::DOMAIN_DESTROY, rp::DOMAIN_UNDEFINE] {
        let e = c.call::<_, ()>(p, &dom()).await.expect_err("refused");
        assert_eq!(e.code, code::OPERATION_DENIED, "{p}: {e:?}");
        assert!(
            e.message.contains("read only access prevents"),
            "{p}: {e:?}"
        );
    }
    // only the query reached the driver
    assert_eq!(c.reached(), vec![rp::DOMAIN_GET_INFO]);
}

#[tokio::test]
async fn a_read_write_connection_passes_changes() {
    let c = Conn::new().await;
    c.open("test:///default", 0).await.unwrap();
    c.call::<_, ()>(rp::DOMAIN_DESTROY, &dom()).await.unwrap();
    assert_eq!(c.reached(), vec![rp::DOMAIN_DESTROY]);
}
