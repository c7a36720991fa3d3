//! The routing table on its own, behind the real envelope, with a small driver whose every call
//! goes through a [`Router`]: typed arguments decoded and replies encoded by the router, bytes
//! after the arguments refused (and ignored by a procedure without arguments), the three ways a
//! handler runs, a handler's error mapped once, and VIR_ERR_NO_SUPPORT with the API's name for
//! a procedure nobody registered.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::sync::{Arc, LazyLock};

use oxvirt_proto::calls;
use oxvirt_proto::message::REMOTE_PROGRAM;
use oxvirt_proto::procedures::{remote_proc as rp, ServedBy};
use oxvirt_proto::remote::{
    ConnectOpenArgs, DomainArgs, DomainDefineXmlArgs, DomainRet, StringRet,
};
use oxvirt_proto::types::NonnullDomain;
use oxvirt_proto::vir_error::code;
use oxvirt_proto::VirError;
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver, RemoteService, Router, Runs};
use oxvirt_rpc::client::{Client as RpcClient, ClientError};
use oxvirt_rpc::server::{Client, Server, ServerConfig};

#[derive(Debug, Default)]
struct Small {
    events: EventHub,
}

fn handle(name: &str) -> NonnullDomain {
    NonnullDomain {
        name: name.into(),
        uuid: [7; 16],
        id: -1,
    }
}

static ROUTES: LazyLock<Router<Small>> = LazyLock::new(|| {
    let mut r = Router::new();
    r.add_sync(calls::ConnectGetType, |_, (), _| {
        Ok::<_, VirError>(StringRet {
            value: "SMALL".into(),
        })
    });
    r.add_sync(calls::DomainGetOsType, |_, a, _| {
        if a.dom.name == "missing" {
            return Err(VirError::new(code::NO_DOMAIN, 10, "no domain 'missing'"));
        }
        Ok(StringRet {
            value: format!("os of {}", a.dom.name),
        })
    });
    r.add(calls::DomainCreate, |_, a, _| async move {
        tokio::task::yield_now().await;
        if a.dom.name == "vm" {
            Ok(())
        } else {
            Err(VirError::new(code::OPERATION_INVALID, 10, "not startable"))
        }
    });
    r.add_blocking(calls::DomainDefineXml, |_, a, _| {
        // says which thread ran it (the test's runtime runs on the test's own thread)
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        Ok::<_, VirError>(DomainRet {
            dom: handle(&format!("{} {thread}", a.xml)),
        })
    });
    r.add_sync(calls::DomainGetXmlDesc, |_, _, _| {
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        Ok::<_, VirError>(StringRet { value: thread })
    });
    r
});

impl Driver for Small {
    fn open(&self, _name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        Ok("test:///default".into())
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        ROUTES.dispatch(self, ctx).await
    }
}

async fn connect() -> RpcClient {
    let server = Server::new(
        RemoteService::new(Arc::new(Small::default()), "test"),
        ServerConfig::default(),
    );
    let (ours, theirs) = tokio::net::UnixStream::pair().unwrap();
    tokio::spawn(server.serve_stream(theirs, "rw", false));
    let (client, _events) = RpcClient::from_stream(ours);
    let open = ConnectOpenArgs {
        name: Some("test:///default".into()),
        flags: 0,
    };
    client
        .call::<_, ()>(REMOTE_PROGRAM, rp::CONNECT_OPEN, &open)
        .await
        .unwrap();
    client
}

async fn call<A, R>(c: &RpcClient, procedure: i32, args: &A) -> Result<R, VirError>
where
    A: oxvirt_xdr::Encode + ?Sized,
    R: oxvirt_xdr::Decode,
{
    match c.call(REMOTE_PROGRAM, procedure, args).await {
        Ok(r) => Ok(r),
        Err(ClientError::Remote(e)) => Err(e),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// Arguments followed by one more word.
struct WithExtra<A>(A);

impl<A: oxvirt_xdr::Encode> oxvirt_xdr::Encode for WithExtra<A> {
    fn encode(&self, out: &mut Vec<u8>) -> oxvirt_xdr::Result<()> {
        self.0.encode(out)?;
        out.extend_from_slice(&[0, 0, 0, 1]);
        Ok(())
    }
}

#[test]
fn the_table_knows_each_route() {
    let n = ROUTES.routes().count();
    assert_eq!(n, 5);
    let runs = |p: i32| ROUTES.route(REMOTE_PROGRAM, p).map(|r| r.runs);
    assert_eq!(runs(rp::CONNECT_GET_TYPE), Some(Runs::Inline));
    assert_eq!(runs(rp::DOMAIN_CREATE), Some(Runs::Async));
    assert_eq!(runs(rp::DOMAIN_DEFINE_XML), Some(Runs::Blocking));
    assert_eq!(runs(rp::DOMAIN_SAVE), None);
    let create = ROUTES.route(REMOTE_PROGRAM, rp::DOMAIN_CREATE).unwrap();
    assert_eq!(create.info.served_by(), ServedBy::Qemu);
    assert_eq!(create.info.api_name, Some("virDomainCreate"));
    assert_eq!(create.info.acl.first().map(|p| p.perm), Some("start"));
}

#[tokio::test]
async fn typed_arguments_and_replies() {
    let c = connect().await;
    let dom = DomainArgs { dom: handle("vm") };
    let t: StringRet = call(&c, rp::CONNECT_GET_TYPE, &()).await.unwrap();
    assert_eq!(t.value, "SMALL");
    let os: StringRet = call(&c, rp::DOMAIN_GET_OS_TYPE, &dom).await.unwrap();
    assert_eq!(os.value, "os of vm");
    call::<_, ()>(&c, rp::DOMAIN_CREATE, &dom).await.unwrap();
    let def = DomainDefineXmlArgs { xml: "new".into() };
    let d: DomainRet = call(&c, rp::DOMAIN_DEFINE_XML, &def).await.unwrap();
    // a blocking handler runs on tokio's blocking pool, an inline one on the runtime's thread
    let here = std::thread::current().name().unwrap_or("").to_owned();
    assert!(d.dom.name.starts_with("new "), "{}", d.dom.name);
    assert_ne!(d.dom.name, format!("new {here}"));
    let flags = oxvirt_proto::remote::DomainFlagsArgs {
        dom: handle("vm"),
        flags: 0,
    };
    let inline: StringRet = call(&c, rp::DOMAIN_GET_XML_DESC, &flags).await.unwrap();
    assert_eq!(inline.value, here);
}

#[tokio::test]
async fn handler_errors_reach_the_client_as_they_are() {
    let c = connect().await;
    let e = call::<_, StringRet>(
        &c,
        rp::DOMAIN_GET_OS_TYPE,
        &DomainArgs {
            dom: handle("missing"),
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.domain), (code::NO_DOMAIN, 10));
    let e = call::<_, ()>(
        &c,
        rp::DOMAIN_CREATE,
        &DomainArgs {
            dom: handle("other"),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, code::OPERATION_INVALID);
}

#[tokio::test]
async fn bytes_after_the_arguments_are_refused_unless_there_are_none() {
    let c = connect().await;
    let e = call::<_, StringRet>(
        &c,
        rp::DOMAIN_GET_OS_TYPE,
        &WithExtra(DomainArgs { dom: handle("vm") }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.domain, e.message.as_str()),
        (code::RPC, 7, "Unable to decode message payload")
    );
    // a body too short for the arguments
    let e = call::<_, ()>(&c, rp::DOMAIN_CREATE, &()).await.unwrap_err();
    assert_eq!(e.message, "Unable to decode message payload");
    // a procedure without arguments ignores its body, as libvirtd does
    let t: StringRet = call(&c, rp::CONNECT_GET_TYPE, &WithExtra(()))
        .await
        .unwrap();
    assert_eq!(t.value, "SMALL");
}

#[tokio::test]
async fn a_procedure_nobody_registered_is_not_supported() {
    let c = connect().await;
    let e = call::<_, ()>(&c, rp::DOMAIN_SUSPEND, &DomainArgs { dom: handle("vm") })
        .await
        .unwrap_err();
    assert_eq!(e.code, code::NO_SUPPORT);
    assert_eq!(
        e.message,
        "this function is not supported by the connection driver: virDomainSuspend"
    );
}
