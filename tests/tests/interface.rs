//! oxvirt-interfaced against libvirt 9.0's udev backend, both inside a network namespace this
//! test makes (bridges with ports, veth pairs up and down, a changed MTU, STP, a TAP device): the same virsh
//! session and python checks give the same output. Nothing outside the namespace is touched.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::daemon::Daemon;
use oxvirt_e2e::networkd::Netns;
use oxvirt_e2e::session;
use oxvirt_e2e::{python, virsh, Libvirtd, Run};

const SESSION: &[&[&str]] = &[
    &["iface-list"],
    &["iface-list", "--all"],
    &["iface-list", "--inactive"],
    &["iface-dumpxml", "br0"],
    &["iface-dumpxml", "br0", "--inactive"],
    &["iface-dumpxml", "br1"],
    &["iface-dumpxml", "br2"],
    &["iface-dumpxml", "v1"],
    &["iface-dumpxml", "v0"],
    &["iface-dumpxml", "t0"],
    &["iface-dumpxml", "t2"],
    &["iface-dumpxml", "lo"],
    &["iface-dumpxml", "nosuch"],
    &["iface-mac", "t0"],
    &["iface-mac", "nosuch"],
    &["iface-name", "02:00:00:00:00:01"],
    &["iface-name", "02:00:00:00:00:09"],
    &["iface-name", "02:00:00:00:00:0A"],
    &["iface-name", "00:11:22:33:44:55"],
    &["iface-define", "/dev/null"],
    &["iface-undefine", "t0"],
    &["iface-start", "t0"],
    &["iface-destroy", "t0"],
    &["iface-begin"],
    &["iface-commit"],
    &["iface-rollback"],
];

/// Every check python-libvirt can make of the driver; one line each.
const PY: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
def t(name, f):
    try:
        print(name, "ok", f())
    except libvirt.libvirtError as e:
        print(name, e.get_error_code(), e.get_error_domain(), e.get_error_message())
t("type", c.getType)
t("num", c.numOfInterfaces)
t("numdef", c.numOfDefinedInterfaces)
t("list", lambda: sorted(c.listInterfaces()))
t("listdef", lambda: sorted(c.listDefinedInterfaces()))
t("all", lambda: sorted((i.name(), i.MACString(), i.isActive()) for i in c.listAllInterfaces(0)))
t("active", lambda: sorted(i.name() for i in c.listAllInterfaces(2)))
t("inactive", lambda: sorted(i.name() for i in c.listAllInterfaces(1)))
t("allflags", lambda: c.listAllInterfaces(4))
t("xmlflags", lambda: c.interfaceLookupByName("t0").XMLDesc(2))
t("bymac", lambda: c.interfaceLookupByMACString("02:00:00:00:00:09").name())
t("bymac-upper", lambda: c.interfaceLookupByMACString("02:00:00:00:00:0A").name())
t("isactive", lambda: c.interfaceLookupByName("t1").isActive())
t("define", lambda: c.interfaceDefineXML("<interface type='ethernet' name='x'/>"))
t("commit", lambda: c.changeCommit(0))
"#;

fn run_session(uri: &str) -> Vec<String> {
    SESSION
        .iter()
        .map(|cmd| {
            let r: Run = virsh(uri, cmd);
            session::transcript(cmd, &r, &r.stdout, &r.stderr)
        })
        .collect()
}

#[test]
fn virsh_and_python_see_what_libvirt_9_sees() {
    let ns = Netns::named(&format!("if-{}", std::process::id()));
    let setup = ns.exec(
        "sh",
        &[
            "-ec",
            "ip link set lo up; \
         ip link add br0 type bridge; ip link add v0 type veth peer name v1; \
         ip link set v0 master br0; ip link set br0 up; ip link set v0 up; ip link set v1 up; \
         ip link add br1 type bridge; ip link add v2 type veth peer name v3; \
         ip link set v2 master br1; ip link set v3 master br1; \
         ip link set br1 type bridge stp_state 1 forward_delay 500; \
         ip link set v2 address 02:00:00:00:00:01; \
         ip link add br2 type bridge; ip link set br2 mtu 1400; \
         ip link add t0 type veth peer name t1; ip link set t0 mtu 9000; \
         ip link set t0 address 02:00:00:00:00:09; ip link set t1 address 02:00:00:00:00:0a; \
         ip link set t0 up; ip link set t1 up; \
         ip link add t2 type veth peer name t3; \
         ip tuntap add tp0 mode tap",
        ],
    );
    assert!(setup.status.success(), "{setup:?}");
    let lv = Libvirtd::start_in_netns(&ns.0);
    let lv_uri = lv.uri().replace("qemu+unix", "interface+unix");
    let want = run_session(&lv_uri);
    let want_py = python(PY, &[&lv_uri]);

    let d = Daemon::start_in_netns("interfaced", "interface", &ns.0);
    let got = run_session(&d.uri());
    let got_py = python(PY, &[&d.uri()]);

    let diffs = session::differences(&want, &got);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert_eq!(want_py.status, 0, "{want_py:?}");
    assert_eq!(got_py.stdout, want_py.stdout, "{}", d.log());
    // the namespace's interfaces, not the host's
    assert!(got_py.stdout.contains("'br1'"), "{}", got_py.stdout);
}
