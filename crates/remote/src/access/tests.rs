use super::*;
use oxvirt_proto::procedures::{remote_proc as rp, remote_procedure};
use oxvirt_proto::types::NonnullDomain;

const RULES: &str = "
allow uid:1001 connect:getattr,connect:search_domains
allow uid:1001 domain:getattr,domain:start,domain:stop domain:web-*
allow dn:CN=net connect:*,network:*
";

fn ac() -> Arc<AccessControl> {
    AccessControl::new(Rules::parse(RULES, "t").unwrap(), 4242)
}

fn dom(name: &str) -> Vec<u8> {
    let mut b = oxvirt_xdr::to_bytes(&NonnullDomain {
        name: name.into(),
        uuid: [2; 16],
        id: -1,
    })
    .unwrap();
    b.extend(0u32.to_be_bytes());
    b
}

fn subject(uid: u32) -> Subject {
    Subject {
        uid: Some(uid),
        ..Subject::default()
    }
}

fn check(s: &Subject, p: i32, body: Vec<u8>) -> Result<Vec<After>, VirError> {
    ac().before(s, remote_procedure(p).unwrap(), &mut body.clone())
}

#[test]
fn who_is_checked() {
    let a = ac();
    let peer = |uid| Peer {
        uid,
        gid: uid,
        pid: None,
    };
    assert_eq!(a.who(&peer(0), None), Who::Admin);
    assert_eq!(a.who(&peer(4242), None), Who::Admin);
    assert!(matches!(a.who(&peer(1001), None), Who::Subject(s) if s.uid == Some(1001)));
    // a forwarded identity replaces the peer (the proxy, root)
    let fwd = vec![TypedParam {
        field: "x509-distinguished-name".into(),
        value: TypedParamValue::String("CN=net".into()),
    }];
    assert!(
        matches!(a.who(&peer(0), Some(&fwd)), Who::Subject(s) if s.dn.as_deref() == Some("CN=net") && s.uid.is_none())
    );
    let root = vec![TypedParam {
        field: "unix-user-id".into(),
        value: TypedParamValue::ULLong(0),
    }];
    assert_eq!(a.who(&peer(0), Some(&root)), Who::Admin);
}

#[test]
fn object_checks_name_the_permission() {
    let s = subject(1001);
    assert!(check(&s, rp::DOMAIN_CREATE, dom("web-1")).is_ok());
    let e = check(&s, rp::DOMAIN_CREATE, dom("db-1")).unwrap_err();
    assert_eq!(e.code, code::ACCESS_DENIED);
    assert_eq!(
        e.message,
        "access denied: 'domain:start' is not granted on domain 'db-1'"
    );
    let e = check(&s, rp::DOMAIN_UNDEFINE, dom("web-1")).unwrap_err();
    assert!(e.message.contains("'domain:delete'"), "{}", e.message);
    let e = check(&s, rp::CONNECT_GET_CAPABILITIES, Vec::new()).unwrap_err();
    assert_eq!(e.message, "access denied: 'connect:read' is not granted");
    // lookups by UUID are checked on the reply, lists filtered
    let after = check(&s, rp::DOMAIN_LOOKUP_BY_UUID, vec![0; 16]).unwrap();
    let a = ac();
    assert!(a.after(&s, &after, dom("web-9")).is_ok());
    assert!(a.after(&s, &after, dom("db-9")).is_err());
    let after = check(
        &s,
        rp::CONNECT_LIST_ALL_DOMAINS,
        vec![0, 0, 0, 1, 0, 0, 0, 0],
    )
    .unwrap();
    assert!(matches!(after.as_slice(), [After::Filter(_)]));
    // a subject with no rule at all cannot even open
    assert!(check(&subject(7), rp::CONNECT_OPEN, vec![0, 0, 0, 0, 0, 0, 0, 0]).is_err());
}

#[test]
fn conditional_permissions_follow_the_flags() {
    let rules = "allow uid:1 domain:read\nallow uid:1 connect:getattr";
    let a = AccessControl::new(Rules::parse(rules, "t").unwrap(), 4242);
    let s = subject(1);
    let info = remote_procedure(rp::DOMAIN_GET_XML_DESC).unwrap();
    let mut plain = dom("x");
    assert!(a.before(&s, info, &mut plain.clone()).is_ok());
    let n = plain.len();
    plain[n - 1] = 1; // VIR_DOMAIN_XML_SECURE
    let e = a.before(&s, info, &mut plain).unwrap_err();
    assert!(e.message.contains("'domain:read_secure'"), "{}", e.message);
}

#[test]
fn hostile_bytes_never_panic() {
    // every procedure, arguments and replies of pseudo-random bytes (and truncated handles)
    let a = ac();
    let s = subject(1001);
    let mut x: u32 = 0x1234_5678;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for info in oxvirt_proto::procedures::REMOTE_PROCEDURES {
        for len in [0usize, 3, 4, 8, 20, 40, 64] {
            let mut body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // a plausible small length word first, so strings are walked too
            if len >= 4 {
                body[..4].copy_from_slice(&(next() % 24).to_be_bytes());
            }
            let reply: Vec<u8> = body.iter().rev().copied().collect();
            let _ = a.check_call(&s, info, &mut body.clone(), reply);
            let _ = a.check_call(&s, info, &mut dom("web-1"), body);
        }
    }
}

#[test]
fn events_are_filtered_by_getattr() {
    let f = ac().event_filter(subject(1001));
    let remote = oxvirt_proto::message::REMOTE_PROGRAM;
    // legacy lifecycle: the handle first
    let mut legacy = dom("web-1");
    assert!((f.0)(remote, rp::DOMAIN_EVENT_LIFECYCLE, &legacy));
    legacy = dom("db-1");
    assert!(!(f.0)(remote, rp::DOMAIN_EVENT_LIFECYCLE, &legacy));
    // callback lifecycle: the callback id, then the handle
    let mut cb = 7i32.to_be_bytes().to_vec();
    cb.extend(dom("web-2"));
    assert!((f.0)(remote, rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE, &cb));
    let mut cb = 7i32.to_be_bytes().to_vec();
    cb.extend(dom("db-2"));
    assert!(!(f.0)(remote, rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE, &cb));
    // no object: passes
    assert!((f.0)(
        remote,
        rp::CONNECT_EVENT_CONNECTION_CLOSED,
        &[0, 0, 0, 0]
    ));
}
