//! Access control on every call (`ROOT/etc/access.conf`): users A and B (made here with
//! useradd, clients run as them with setpriv) and a TLS client's DN, each with other rules —
//! A may start and stop `web-*` only, B may only read, the DN may do everything to networks —
//! every call checked for allow or deny through qemud's own UNIX socket and through
//! oxvirt-proxyd (the caller's identity forwarded, over its UNIX socket and over TLS), lists
//! filtered to what the caller may see (events too), each denial naming the permission.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::pki::make_certs;
use oxvirt_e2e::proxyd::Proxyd;
use oxvirt_e2e::{command, virsh, Qemud, Run};

const USER_A: &str = "oxacl-a";
const USER_B: &str = "oxacl-b";
const NETADMIN_DN: &str = "C=GB,O=oxvirt test,CN=netadmin";

/// A local user made for the test, removed when dropped.
struct TestUser {
    name: &'static str,
    home: PathBuf,
}

impl TestUser {
    fn new(name: &'static str, under: &Path) -> Self {
        let _ = command("userdel").arg(name).output();
        let o = command("useradd")
            .args(["--system", "--no-create-home", "--user-group", name])
            .output()
            .unwrap();
        assert!(o.status.success(), "useradd {name}: {o:?}");
        let home = under.join(format!("home-{name}"));
        std::fs::create_dir_all(&home).unwrap();
        let o = command("chown")
            .arg(format!("{name}:{name}"))
            .arg(&home)
            .output()
            .unwrap();
        assert!(o.status.success());
        TestUser { name, home }
    }

    /// virsh as this user.
    fn virsh(&self, uri: &str, args: &[&str]) -> Run {
        let o = command("setpriv")
            .args(["--reuid", self.name, "--regid", self.name, "--init-groups"])
            .arg("env")
            .arg(format!("HOME={}", self.home.display()))
            .args(["virsh", "-q", "-c", uri])
            .args(args)
            .output()
            .unwrap();
        Run::from(o)
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = command("userdel").arg(self.name).output();
    }
}

fn rules() -> String {
    format!(
        "# the ACL matrix of tests/tests/access.rs\n\
         allow user:{USER_A} connect:getattr,connect:search_domains\n\
         allow user:{USER_A} domain:getattr,domain:start,domain:stop domain:web-*\n\
         allow user:{USER_B} *:getattr,*:read,*:search_*\n\
         allow dn:\"{NETADMIN_DN}\" connect:*,network:*,network_port:*\n"
    )
}

fn domain(name: &str) -> String {
    format!(
        "<domain type='qemu'><name>{name}</name><memory>65536</memory>\
         <os><type>hvm</type></os></domain>"
    )
}

const NETWORK: &str = "<network><name>aclnet</name><bridge name='aclbr0'/></network>";

/// What a call must give.
enum Want {
    /// Success, with this in its output.
    Ok(&'static str),
    /// VIR_ERR_ACCESS_DENIED naming this permission (and, if given, the object).
    Denied(&'static str, Option<&'static str>),
    /// A failure with this text (virsh reports a lookup the rules refuse as a domain it
    /// cannot get, as it does with libvirt's polkit driver).
    Fails(&'static str),
}

fn expect(r: Run, want: &Want, what: &str) {
    match want {
        Want::Ok(s) => {
            let out = r.ok();
            assert!(out.contains(s), "{what}: {out:?} lacks {s:?}");
        }
        Want::Denied(perm, obj) => {
            let e = r.err();
            let mut text = format!("access denied: '{perm}' is not granted");
            if let Some(o) = obj {
                text.push_str(&format!(" on {o}"));
            }
            assert!(e.contains(&text), "{what}: {e:?} lacks {text:?}");
        }
        Want::Fails(text) => {
            let e = r.err();
            assert!(e.contains(text), "{what}: {e:?} lacks {text:?}");
        }
    }
}

/// The calls of user A: start and stop web-1 only.
fn matrix_a(a: &TestUser, uri: &str) {
    use Want::*;
    // (virsh undefine reads the domain first: A is refused at that read)
    let cases: &[(&[&str], Want)] = &[
        (&["list", "--all", "--name"], Ok("web-1")),
        (&["start", "web-1"], Ok("")),
        (
            &["domstate", "web-1"],
            Denied("domain:read", Some("domain 'web-1'")),
        ),
        (&["destroy", "web-1"], Ok("")),
        (&["start", "db-1"], Fails("failed to get domain 'db-1'")),
        (
            &["dumpxml", "web-1"],
            Denied("domain:read", Some("domain 'web-1'")),
        ),
        (
            &["undefine", "web-1"],
            Denied("domain:read", Some("domain 'web-1'")),
        ),
        (
            &["suspend", "web-1"],
            Denied("domain:suspend", Some("domain 'web-1'")),
        ),
        (&["nodeinfo"], Denied("connect:read", None)),
        (
            &["net-list", "--all"],
            Denied("connect:search_networks", None),
        ),
    ];
    for (args, want) in cases {
        expect(a.virsh(uri, args), want, &format!("A {uri} {args:?}"));
    }
    // the list is filtered: db-1 is not there
    let list = a.virsh(uri, &["list", "--all", "--name"]).ok().to_owned();
    assert_eq!(list.trim(), "web-1", "A's list through {uri}");
}

/// The calls of user B: reading only.
fn matrix_b(b: &TestUser, uri: &str) {
    use Want::*;
    let cases: &[(&[&str], Want)] = &[
        (&["dominfo", "db-1"], Ok("db-1")),
        (&["dumpxml", "db-1"], Ok("<name>db-1</name>")),
        (&["domstate", "web-1"], Ok("shut off")),
        (
            &["dumpxml", "--security-info", "db-1"],
            Denied("domain:read_secure", Some("domain 'db-1'")),
        ),
        (
            &["start", "db-1"],
            Denied("domain:start", Some("domain 'db-1'")),
        ),
        (
            &["undefine", "web-1"],
            Denied("domain:delete", Some("domain 'web-1'")),
        ),
        (&["nodeinfo"], Ok("CPU model")),
        (&["net-dumpxml", "aclnet"], Ok("aclbr0")),
        (
            &["net-undefine", "aclnet"],
            Denied("network:delete", Some("network 'aclnet'")),
        ),
    ];
    for (args, want) in cases {
        expect(b.virsh(uri, args), want, &format!("B {uri} {args:?}"));
    }
    let list = b.virsh(uri, &["list", "--all", "--name"]).ok().to_owned();
    assert_eq!(
        list.split_whitespace().collect::<Vec<_>>(),
        ["db-1", "web-1"]
    );
    let define = uri_file(b, "web-9");
    expect(
        b.virsh(uri, &["define", define.to_str().unwrap()]),
        &Denied("domain:write", Some("domain 'web-9'")),
        "B define",
    );
}

/// A domain XML file `NAME.xml` the user can read.
fn uri_file(u: &TestUser, name: &str) -> PathBuf {
    let p = u.home.join(format!("{name}.xml"));
    std::fs::write(&p, domain(name)).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    p
}

/// A client of the lifecycle events of `argv[1]`: prints "ready", then each event's domain
/// and type until web-1 stops (5).
const EVENTS_PY: &str = r#"
import sys, signal, libvirt
signal.alarm(120)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
done = []
def cb(conn, dom, event, detail, opaque):
    print("event", dom.name(), event, flush=True)
    if dom.name() == "web-1" and event == 5:
        done.append(1)
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
print("ready", flush=True)
while not done:
    libvirt.virEventRunDefaultImpl()
"#;

/// A's event client on `uri` sees web-1's events and none of db-1's.
fn events_filtered(a: &TestUser, q: &Qemud, uri: &str) {
    use std::io::{BufRead, BufReader};
    let mut child = command("setpriv")
        .args(["--reuid", a.name, "--regid", a.name, "--init-groups"])
        .arg("env")
        .arg(format!("HOME={}", a.home.display()))
        .args(["/usr/bin/python3", "-c", EVENTS_PY, uri])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    for args in [
        ["start", "db-1"],
        ["destroy", "db-1"],
        ["start", "web-1"],
        ["destroy", "web-1"],
    ] {
        q.virsh(&args).ok();
    }
    let seen: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{seen:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(seen.iter().any(|l| l == "event web-1 2"), "{seen:?}"); // started
    assert!(
        seen.iter().all(|l| l.starts_with("event web-1 ")),
        "{seen:?}"
    );
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn acl_matrix_through_the_daemon_and_the_proxy() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-access-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/access.conf"), rules()).unwrap();
    let pki = root.join("pki");
    make_certs(&pki);
    let port = free_port();
    std::fs::write(
        root.join("etc/proxyd.conf"),
        format!(
            "listen_tls = 1\nlisten_addr = \"127.0.0.1\"\ntls_port = \"{port}\"\n\
             key_file = \"{p}/server.key\"\ncert_file = \"{p}/server.pem\"\n\
             ca_file = \"{p}/ca/cacert.pem\"\n\
             tls_allowed_dn_list = [\"{NETADMIN_DN}\", \"C=GB,O=oxvirt test,CN=allowed\"]\n",
            p = pki.display()
        ),
    )
    .unwrap();
    let a = TestUser::new(USER_A, root);
    let b = TestUser::new(USER_B, root);

    let ns = Netns::new(root);
    let _n = Networkd::start_in(root, &ns);
    let q = Qemud::start_in(root);
    let p = Proxyd::start_in_with(root, &["--listen"]);
    std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // with rules, the read-write sockets are open to everyone: the rules decide
    let mode = std::fs::metadata(q.socket()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o666);

    // root is the administrator: the rules do not bind it
    for name in ["web-1", "db-1"] {
        let f = root.join(format!("{name}.xml"));
        std::fs::write(&f, domain(name)).unwrap();
        q.virsh(&["define", f.to_str().unwrap()]).ok();
    }
    let netf = root.join("aclnet.xml");
    std::fs::write(&netf, NETWORK).unwrap();
    q.virsh(&["net-define", netf.to_str().unwrap()]).ok();

    let direct = q.uri();
    let proxied = p.uri("qemu");
    for uri in [&direct, &proxied] {
        matrix_a(&a, uri);
        matrix_b(&b, uri);
        events_filtered(&a, &q, uri);
    }

    // the DN over TLS (the proxy forwards it): everything on networks, nothing on domains
    let dn_uri = |driver: &str| {
        format!(
            "{driver}+tls://localhost:{port}/system?pkipath={}",
            pki.join("pki-netadmin").display()
        )
    };
    let qemu_tls = dn_uri("qemu");
    let net_tls = dn_uri("network");
    expect(
        virsh(&net_tls, &["net-list", "--all", "--name"]),
        &Want::Ok("aclnet"),
        "DN net-list",
    );
    expect(
        virsh(&net_tls, &["net-dumpxml", "aclnet"]),
        &Want::Ok("aclbr0"),
        "DN net-dumpxml",
    );
    expect(
        virsh(&net_tls, &["net-autostart", "aclnet"]),
        &Want::Ok(""),
        "DN net-autostart",
    );
    expect(
        virsh(&net_tls, &["net-undefine", "aclnet"]),
        &Want::Ok(""),
        "DN net-undefine",
    );
    expect(
        virsh(&net_tls, &["net-define", netf.to_str().unwrap()]),
        &Want::Ok(""),
        "DN net-define",
    );
    // domains: the list is empty (filtered), a lookup is refused
    let list = virsh(&qemu_tls, &["list", "--all", "--name"])
        .ok()
        .to_owned();
    assert_eq!(list.trim(), "", "the DN's domain list");
    expect(
        virsh(&qemu_tls, &["start", "web-1"]),
        &Want::Fails("failed to get domain 'web-1'"),
        "DN start",
    );
    // another certificate on tls_allowed_dn_list but without a rule: nothing at all
    let other = format!(
        "qemu+tls://localhost:{port}/system?pkipath={}",
        pki.join("pki-allowed").display()
    );
    expect(
        virsh(&other, &["list"]),
        &Want::Denied("connect:search_domains", None),
        "no rule",
    );

    // a user cannot pass for another: SET_IDENTITY is for root and the daemons
    let py = "import libvirt,sys\nc=libvirt.open(sys.argv[1])\ntry:\n    c.setIdentity({'user-name': 'root'})\n    print('accepted')\nexcept libvirt.libvirtError as e:\n    print('refused', e.get_error_code())\n";
    let o = command("setpriv")
        .args(["--reuid", USER_A, "--regid", USER_A, "--init-groups"])
        .arg("env")
        .arg(format!("HOME={}", a.home.display()))
        .args(["/usr/bin/python3", "-c", py, &direct])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("refused 88"), "{o:?}");
}
