//! `oxvirt-networkd`: the same `virsh net-*` session against it and against Debian's real
//! libvirtd 9.0 gives the same output (definitions only: starting a network on libvirtd would
//! touch the host's interfaces), lifecycle events through python3-libvirt, and a daemon
//! SIGKILLed and restarted finding its networks (active, persistent, autostart).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::{python, Libvirtd, Run};

fn corpus(name: &str) -> String {
    format!("{}/data/network/{name}.xml", env!("CARGO_MANIFEST_DIR"))
}

/// What a virsh run shows a user: status, stdout and stderr.
fn shown(r: &Run) -> String {
    format!("status {}\n{}{}", r.status, r.stdout, r.stderr)
}

#[test]
fn virsh_net_session_matches_libvirtd() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-net-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(tmp.path());
    let ours = Networkd::start_in(tmp.path(), &ns);
    let lv = Libvirtd::start();
    let nat = corpus("nat-full");
    let isolated = corpus("isolated-basic");
    let generated = corpus("nat-generated");
    let minimal = corpus("isolated-minimal");
    let bridge = corpus("bridge-host");
    let dns = corpus("dns-full");
    let bad = corpus("bad-range-outside");
    let bad_mode = corpus("bad-forward-mode");
    let session: Vec<Vec<&str>> = vec![
        vec!["net-list", "--all"],
        vec!["net-define", &nat],
        vec!["net-define", &isolated],
        vec!["net-define", &bridge],
        vec!["net-define", &dns],
        vec!["net-define", &bad],
        vec!["net-define", &bad_mode],
        vec!["net-list", "--all"],
        vec!["net-list", "--inactive", "--name"],
        vec!["net-list", "--persistent", "--uuid"],
        vec!["net-list"],
        vec!["net-info", "nat-full"],
        vec!["net-info", "bridge-host"],
        vec!["net-dumpxml", "nat-full"],
        vec!["net-dumpxml", "--inactive", "dns-full"],
        vec!["net-uuid", "isolated-basic"],
        vec!["net-name", "0d7b6b1e-aaaa-4bbb-8ccc-000000000008"],
        vec!["net-autostart", "nat-full"],
        vec!["net-list", "--all", "--autostart"],
        vec!["net-list", "--all", "--no-autostart"],
        vec!["net-autostart", "--disable", "nat-full"],
        vec!["net-list", "--all", "--autostart"],
        vec!["net-dumpxml", "nosuch"],
        vec!["net-info", "nosuch"],
        vec!["net-destroy", "nat-full"],
        vec!["net-undefine", "isolated-basic"],
        vec!["net-undefine", "isolated-basic"],
        // the same definition again: a redefinition
        vec!["net-define", &nat],
        vec!["net-list", "--all"],
        vec!["net-undefine", "nat-full"],
        vec!["net-undefine", "bridge-host"],
        vec!["net-undefine", "dns-full"],
        vec!["net-list", "--all"],
    ];
    let mut diffs = Vec::new();
    let mut failed = 0;
    for args in &session {
        let ra = ours.virsh(args);
        failed += usize::from(ra.status != 0);
        let a = shown(&ra);
        let b = shown(&lv.virsh(args));
        if a != b {
            diffs.push(format!(
                "virsh {args:?}\n--- oxvirt-networkd\n{a}--- libvirtd 9.0\n{b}"
            ));
        }
    }
    // generated bridge names, UUIDs and MACs: the bridges are the same, the rest is random
    for f in [&generated, &minimal] {
        ours.virsh(&["net-define", f]).ok();
        lv.virsh(&["net-define", f]).ok();
    }
    for name in ["nat-generated", "isolated-minimal"] {
        let a = ours.virsh(&["net-info", name]);
        let b = lv.virsh(&["net-info", name]);
        let bridge = |r: &Run| {
            r.ok()
                .lines()
                .find(|l| l.starts_with("Bridge:"))
                .map(str::to_owned)
        };
        assert_eq!(bridge(&a), bridge(&b), "generated bridge of {name}");
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    // the session has its refusals (bad definitions, unknown names, ...) and nothing else
    assert_eq!(failed, 6, "calls that failed");
}

const EVENTS: &str = r#"
import sys, threading, libvirt
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
seen = []
def cb(conn, net, event, detail, opaque):
    seen.append("%s %d" % (net.name(), event))
conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, cb, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
xml = open(sys.argv[2]).read()
net = conn.networkDefineXML(xml)
net.create()
assert net.isActive() == 1 and net.isPersistent() == 1
assert net.bridgeName() == "virbr17"
net.setAutostart(True)
assert net.autostart() == 1
net.destroy()
net.undefine()
t = conn.networkCreateXML(xml)
assert t.isPersistent() == 0
t.destroy()
names = [n.name() for n in conn.listAllNetworks()]
import time
deadline = time.time() + 10
while len(seen) < 6 and time.time() < deadline:
    time.sleep(0.05)
print(" ".join(seen))
print(names)
"#;

#[test]
fn lifecycle_events_and_handles() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-net-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(tmp.path());
    let d = Networkd::start_in(tmp.path(), &ns);
    let r = python(EVENTS, &[&d.uri(), &corpus("isolated-basic")]);
    let out = r.ok();
    assert_eq!(
        out,
        "isolated-basic 0 isolated-basic 2 isolated-basic 3 isolated-basic 1 isolated-basic 2 isolated-basic 3\n[]\n",
        "{r:?}"
    );
}

#[test]
fn sigkill_and_restart_finds_networks() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-net-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(tmp.path());
    let d = Networkd::start_in(tmp.path(), &ns);
    d.virsh(&["net-define", &corpus("nat-full")]).ok();
    d.virsh(&["net-define", &corpus("isolated-basic")]).ok();
    d.virsh(&["net-define", &corpus("open-basic")]).ok();
    d.virsh(&["net-start", "nat-full"]).ok();
    d.virsh(&["net-autostart", "open-basic"]).ok();
    // a transient network
    let transient = std::fs::read_to_string(corpus("route-basic")).unwrap();
    let tfile = tmp.path().join("transient.xml");
    std::fs::write(&tfile, transient).unwrap();
    d.virsh(&["net-create", tfile.to_str().unwrap()]).ok();
    let rows = |d: &Networkd| -> Vec<String> {
        d.virsh(&["net-list", "--all"])
            .ok()
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let before = rows(&d);
    let bridges = ns.ip(&["-br", "link", "show", "type", "bridge"]);
    d.sigkill();
    let d = Networkd::start_in(tmp.path(), &ns);
    let after = rows(&d);
    // the bridges of the active networks are still there; open-basic's came with its start
    let now = ns.ip(&["-br", "link", "show", "type", "bridge"]);
    assert!(
        now.starts_with(&bridges) || now.contains(bridges.trim()),
        "{bridges}\n{now}"
    );
    // open-basic is autostarted by the new daemon
    let expected: Vec<String> = before
        .iter()
        .map(|l| l.replace("open-basic inactive", "open-basic active"))
        .collect();
    assert_eq!(after, expected, "before: {before:?}");
    assert!(
        after.contains(&"route-basic active no no".to_owned()),
        "{after:?}"
    );
    // the live definitions survived
    let xml = d.virsh(&["net-dumpxml", "route-basic"]).ok().to_owned();
    assert!(
        xml.contains("<bridge name='virbr14' stp='on' delay='0'/>"),
        "{xml}"
    );
    d.virsh(&["net-destroy", "route-basic"]).ok();
    d.virsh(&["net-destroy", "nat-full"]).ok();
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("run/network"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().ends_with(".xml"))
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("open-basic.xml")]);
    let names: Vec<String> = ns
        .ip(&["-br", "link", "show", "type", "bridge"])
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert_eq!(names, vec!["virbr16".to_owned()], "bridges left");
}

#[test]
fn start_makes_the_bridge_in_the_namespace() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-net-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(tmp.path());
    let d = Networkd::start_in(tmp.path(), &ns);
    d.virsh(&["net-define", &corpus("nat-full")]).ok();
    d.virsh(&["net-define", &corpus("mtu")]).ok();
    assert_eq!(ns.ip(&["-br", "link", "show", "type", "bridge"]), "");
    d.virsh(&["net-start", "nat-full"]).ok();
    d.virsh(&["net-start", "mtu"]).ok();
    let link = ns.ip(&["-br", "link", "show", "virbr10"]);
    assert!(link.contains("52:54:00:00:00:01"), "{link}");
    let addr = ns.ip(&["-br", "addr", "show", "virbr10"]);
    assert!(addr.contains("10.10.0.1/24"), "{addr}");
    let details = ns.ip(&["-d", "link", "show", "virbr10"]);
    assert!(details.contains("stp_state 0"), "{details}");
    assert!(details.contains("forward_delay 200"), "{details}");
    let mtu = ns.ip(&["link", "show", "virbr23"]);
    assert!(mtu.contains("mtu 9000"), "{mtu}");
    let details = ns.ip(&["-d", "link", "show", "virbr23"]);
    assert!(details.contains("stp_state 1"), "{details}");
    d.virsh(&["net-destroy", "nat-full"]).ok();
    d.virsh(&["net-destroy", "mtu"]).ok();
    assert_eq!(ns.ip(&["-br", "link", "show", "type", "bridge"]), "");
    // a bridge name taken by another device in the namespace is not generated again
    ns.ip(&["link", "add", "virbr0", "type", "bridge"]);
    let r = d.virsh(&["net-define", &corpus("nat-generated")]);
    r.ok();
    let info = d.virsh(&["net-info", "nat-generated"]).ok().to_owned();
    assert!(info.contains("Bridge:         virbr1"), "{info}");
}

/// `virsh net-update` (`--config` on a defined network: libvirtd cannot start one without
/// touching the host) gives the same output and the same definition as libvirtd 9.0.
#[test]
fn net_update_matches_libvirtd() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-net-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(tmp.path());
    let ours = Networkd::start_in(tmp.path(), &ns);
    let lv = Libvirtd::start();
    let def = tmp.path().join("up.xml");
    std::fs::write(
        &def,
        "<network><name>up</name><uuid>0d7b6b1e-aaaa-4bbb-8ccc-000000000077</uuid>\
         <forward mode='nat'/><bridge name='virbr77'/><mac address='52:54:00:00:77:77'/>\
         <dns><host ip='10.77.0.5'><hostname>five</hostname></host></dns>\
         <ip address='10.77.0.1' netmask='255.255.255.0'><dhcp>\
         <range start='10.77.0.100' end='10.77.0.150'/>\
         <host mac='52:54:00:00:00:aa' name='aa' ip='10.77.0.10'/></dhcp></ip>\
         <portgroup name='pg1' default='yes'/></network>",
    )
    .unwrap();
    let def = def.to_str().unwrap();
    let u = |cmd: &'static str, section: &'static str, xml: &'static str, flag: &'static str| {
        vec!["net-update", "up", cmd, section, xml, flag]
    };
    let session: Vec<Vec<&str>> = vec![
        vec!["net-define", def],
        u(
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:bb' name='bb' ip='10.77.0.11'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:bb' name='bb' ip='10.77.0.11'/>",
            "--config",
        ),
        u(
            "add-first",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:cc' ip='10.77.0.12'/>",
            "--config",
        ),
        u(
            "modify",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:bb' name='bb2' ip='10.77.0.21'/>",
            "--config",
        ),
        u(
            "modify",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:dd' ip='10.77.0.22'/>",
            "--config",
        ),
        u(
            "delete",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:aa'/>",
            "--config",
        ),
        u(
            "delete",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:aa'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-host",
            "<hots mac='52:54:00:00:00:ee' ip='10.77.0.30'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:ee' ip='10.78.0.30'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-range",
            "<range start='10.77.0.200' end='10.77.0.210'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-range",
            "<range start='10.77.0.200' end='10.77.0.210'/>",
            "--config",
        ),
        u(
            "modify",
            "ip-dhcp-range",
            "<range start='10.77.0.200' end='10.77.0.210'/>",
            "--config",
        ),
        u(
            "delete",
            "ip-dhcp-range",
            "<range start='10.77.0.100' end='10.77.0.150'/>",
            "--config",
        ),
        u(
            "delete",
            "ip-dhcp-range",
            "<range start='10.77.0.100' end='10.77.0.150'/>",
            "--config",
        ),
        u(
            "add",
            "ip-dhcp-range",
            "<range start='10.79.0.200' end='10.79.0.210'/>",
            "--config",
        ),
        u(
            "add",
            "dns-host",
            "<host ip='10.77.0.6'><hostname>six</hostname></host>",
            "--config",
        ),
        u(
            "add",
            "dns-host",
            "<host ip='10.77.0.6'><hostname>six</hostname></host>",
            "--config",
        ),
        u(
            "modify",
            "dns-host",
            "<host ip='10.77.0.6'><hostname>six</hostname></host>",
            "--config",
        ),
        u("delete", "dns-host", "<host ip='10.77.0.5'/>", "--config"),
        u(
            "delete",
            "dns-host",
            "<host><hostname>nope</hostname></host>",
            "--config",
        ),
        u("add", "portgroup", "<portgroup name='pg2'/>", "--config"),
        u(
            "add",
            "portgroup",
            "<portgroup name='pg3' default='yes'/>",
            "--config",
        ),
        u(
            "modify",
            "portgroup",
            "<portgroup name='pg2'><vlan><tag id='5'/></vlan></portgroup>",
            "--config",
        ),
        u("delete", "portgroup", "<portgroup name='pg1'/>", "--config"),
        u("delete", "portgroup", "<portgroup name='pg1'/>", "--config"),
        u("add", "dns-txt", "<txt name='t1' value='v1'/>", "--config"),
        u(
            "add-first",
            "dns-txt",
            "<txt name='t0' value='v0'/>",
            "--config",
        ),
        u("add", "dns-txt", "<txt name='t1' value='v2'/>", "--config"),
        u(
            "modify",
            "dns-txt",
            "<txt name='t1' value='v2'/>",
            "--config",
        ),
        u("delete", "dns-txt", "<txt name='t1'/>", "--config"),
        u("delete", "dns-txt", "<txt name='t1'/>", "--config"),
        u(
            "add",
            "dns-srv",
            "<srv service='ldap' protocol='tcp' target='a.b' port='389'/>",
            "--config",
        ),
        u(
            "add",
            "dns-srv",
            "<srv service='ldap' protocol='tcp' target='a.b' port='389'/>",
            "--config",
        ),
        u(
            "add",
            "dns-srv",
            "<srv service='kerberos' protocol='udp'/>",
            "--config",
        ),
        u(
            "modify",
            "dns-srv",
            "<srv service='ldap' protocol='tcp'/>",
            "--config",
        ),
        u("delete", "dns-srv", "<srv protocol='tcp'/>", "--config"),
        u("delete", "dns-srv", "<srv protocol='tcp'/>", "--config"),
        u(
            "add",
            "forward-interface",
            "<interface dev='eth9'/>",
            "--config",
        ),
        u(
            "add",
            "forward-interface",
            "<interface dev='eth8'/>",
            "--config",
        ),
        u(
            "modify",
            "forward-interface",
            "<interface dev='eth8'/>",
            "--config",
        ),
        u(
            "delete",
            "forward-interface",
            "<interface dev='eth9'/>",
            "--config",
        ),
        u(
            "delete",
            "forward-interface",
            "<interface dev='eth9'/>",
            "--config",
        ),
        u("add", "bridge", "<bridge name='x'/>", "--config"),
        u("add", "forward", "<forward mode='route'/>", "--config"),
        u(
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:ff' ip='10.77.0.40'/>",
            "--live",
        ),
        vec![
            "net-update",
            "up",
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:ff' ip='10.77.0.40'/>",
        ],
        vec![
            "net-update",
            "up",
            "add",
            "ip-dhcp-host",
            "<host mac='52:54:00:00:00:f1' ip='10.77.0.41'/>",
            "--parent-index",
            "3",
        ],
        vec!["net-dumpxml", "up", "--inactive"],
        vec!["net-undefine", "up"],
    ];
    let mut diffs = Vec::new();
    let mut failed = 0;
    for args in &session {
        let ra = ours.virsh(args);
        failed += usize::from(ra.status != 0);
        let (a, b) = (shown(&ra), shown(&lv.virsh(args)));
        if a != b {
            diffs.push(format!(
                "virsh {args:?}\n--- oxvirt-networkd\n{a}--- libvirtd 9.0\n{b}"
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert_eq!(failed, 26, "calls that failed");
}
