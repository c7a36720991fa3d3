use super::*;

const CONF: &str = r#"
# A may start/stop web-* only
allow user:alice connect:getattr,connect:search_domains
allow user:alice domain:getattr,domain:start,domain:stop domain:web-*
allow group:auditors *:getattr,*:read,*:search_*   # read-only
allow dn:"O=Example Org,CN=net*" connect:*,network:*,network_port:*
deny uid:1234 *
allow uid:1234 *
"#;

fn alice() -> Subject {
    Subject {
        uid: Some(1001),
        user: Some("alice".into()),
        gids: vec![1001],
        groups: vec!["alice".into()],
        ..Subject::default()
    }
}

fn dom(name: &str) -> Object<'_> {
    Object {
        kind: "domain",
        name: Some(name),
    }
}

const CONNECT: Object<'static> = Object {
    kind: "connect",
    name: None,
};

#[test]
fn first_match_wins_and_no_match_denies() {
    let r = Rules::parse(CONF, "t").unwrap();
    assert_eq!(r.rules.len(), 6);
    let a = alice();
    assert!(r.allows(&a, CONNECT, "getattr"));
    assert!(!r.allows(&a, CONNECT, "write"));
    assert!(r.allows(&a, dom("web-1"), "start"));
    assert!(!r.allows(&a, dom("db-1"), "start"));
    assert!(!r.allows(&a, dom("web-1"), "write"));
    // an object whose name is unknown matches only '*'
    assert!(!r.allows(
        &a,
        Object {
            kind: "domain",
            name: None
        },
        "start"
    ));
    let denied = Subject {
        uid: Some(1234),
        ..Subject::default()
    };
    assert!(!r.allows(&denied, CONNECT, "getattr"));
}

#[test]
fn groups_and_dn() {
    let r = Rules::parse(CONF, "t").unwrap();
    let b = Subject {
        uid: Some(1002),
        user: Some("bob".into()),
        gids: vec![1002, 3000],
        groups: vec!["bob".into(), "auditors".into()],
        ..Subject::default()
    };
    assert!(r.allows(&b, dom("db-1"), "read"));
    assert!(r.allows(&b, CONNECT, "search_networks"));
    assert!(!r.allows(&b, dom("db-1"), "start"));
    assert!(!r.allows(&b, dom("db-1"), "read_secure"));
    let n = Subject::tls("O=Example Org,CN=netadmin");
    let net = Object {
        kind: "network",
        name: Some("default"),
    };
    assert!(r.allows(&n, net, "start"));
    assert!(r.allows(&n, CONNECT, "getattr"));
    assert!(!r.allows(&n, dom("web-1"), "getattr"));
    assert!(!r.allows(&Subject::tls("CN=other"), net, "getattr"));
}

#[test]
fn syntax_errors_name_the_line() {
    for (text, want) in [
        ("allow user:a", "expected ACTION"),
        ("permit user:a *", "unknown action"),
        ("allow who:a *", "unknown subject kind"),
        ("allow uid:x *", "not a number"),
        ("allow user:a domain", "not OBJECT_TYPE:PERMISSION"),
        ("allow user:a * domain:", "not OBJECT_TYPE[:NAME]"),
        ("allow dn:\"CN=a *", "unterminated quote"),
    ] {
        let e = Rules::parse(&format!("\n{text}\n"), "f")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f:2: "), "{e}");
        assert!(e.contains(want), "{text}: {e}");
    }
    assert_eq!(
        Rules::parse("  # only a comment\n\n", "f")
            .unwrap()
            .rules
            .len(),
        0
    );
}

#[test]
fn missing_file_is_no_rules() {
    assert_eq!(
        Rules::load(Path::new("/nonexistent/oxvirt/access.conf")).unwrap(),
        None
    );
}
