//! The `oxvirt` command's network subcommands (`net-define`, `net-list`, `net-start`,
//! `net-info`, `net-dumpxml`, `net-dhcp-leases`, `net-destroy`, `net-undefine`) through
//! `oxvirt-qemud`, which passes them on to the root's `oxvirt-networkd`: each prints what virsh
//! prints for the same call (the virsh session against networkd is libvirt 9.0's, see
//! `network.rs`), errors are one line with status 1, and `--json` is JSON.
//!
//! Everything lives in a network namespace of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::{Qemud, Run};

const NET: &str = "<network>
  <name>clinet</name>
  <uuid>4a8f2b11-1c2d-4e3f-8a9b-0c1d2e3f4a5b</uuid>
  <forward mode='nat'/>
  <bridge name='virbr6' stp='on' delay='0'/>
  <ip address='192.168.156.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.156.2' end='192.168.156.254'/></dhcp>
  </ip>
</network>
";

fn oxvirt(q: &Qemud, args: &[&str]) -> Run {
    let o = oxvirt_e2e::command(oxvirt_e2e::binary("oxvirt").to_str().unwrap())
        .arg("--connect")
        .arg(q.uri())
        .args(args)
        .output()
        .unwrap();
    Run::from(o)
}

#[test]
fn net_subcommands_print_what_virsh_prints() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-clinet-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let q = Qemud::start_in_via(root, &["ip", "netns", "exec", &ns.0], &[]);
    let d = Networkd::start_in(root, &ns);
    let file = root.join("clinet.xml");
    std::fs::write(&file, NET).unwrap();
    let f = file.to_str().unwrap();

    // the same outputs as virsh's, call by call
    let same = |ox: &[&str], vs: &[&str]| {
        let a = oxvirt(&q, ox);
        // virsh without -q: with its tables' headers
        let b = Run::from(
            oxvirt_e2e::command("virsh")
                .args(["-c", &q.uri()])
                .args(vs)
                .output()
                .unwrap(),
        );
        assert_eq!(a.status, 0, "{a:?}");
        assert_eq!(a.stdout.trim_end(), b.ok().trim_end(), "oxvirt {ox:?}");
    };
    let r = oxvirt(&q, &["net-define", f]);
    assert_eq!(r.ok().trim(), format!("Network clinet defined from {f}"));
    same(&["net-list", "--all"], &["net-list", "--all"]);
    same(&["net-list"], &["net-list"]);
    assert_eq!(
        oxvirt(&q, &["net-start", "clinet"]).ok().trim(),
        "Network clinet started"
    );
    assert!(ns.ip(&["link", "show", "virbr6"]).contains("virbr6"));
    same(&["net-list"], &["net-list"]);
    same(&["net-info", "clinet"], &["net-info", "clinet"]);
    same(
        &["net-info", "4a8f2b11-1c2d-4e3f-8a9b-0c1d2e3f4a5b"],
        &["net-info", "clinet"],
    );
    same(&["net-dumpxml", "clinet"], &["net-dumpxml", "clinet"]);
    same(
        &["net-dumpxml", "--inactive", "clinet"],
        &["net-dumpxml", "--inactive", "clinet"],
    );
    same(
        &["net-dhcp-leases", "clinet"],
        &["net-dhcp-leases", "clinet"],
    );
    // a lease in the helper's status file, as dnsmasq's helper writes it
    let status = root.join("lib/network/dnsmasq/virbr6.status");
    std::fs::write(
        &status,
        r#"[
  {
    "ip-address": "192.168.156.77",
    "mac-address": "52:54:00:6c:00:01",
    "hostname": "guest1",
    "client-id": "01:52:54:00:6c:00:01",
    "expiry-time": 4102444800
  }
]
"#,
    )
    .unwrap();
    same(
        &["net-dhcp-leases", "clinet"],
        &["net-dhcp-leases", "clinet"],
    );
    same(
        &["net-dhcp-leases", "clinet", "--mac", "52:54:00:6c:00:01"],
        &["net-dhcp-leases", "clinet", "--mac", "52:54:00:6c:00:01"],
    );
    let j = oxvirt(&q, &["--json", "net-dhcp-leases", "clinet"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v[0]["ipaddr"], "192.168.156.77");
    assert_eq!(v[0]["prefix"], 24);
    let j = oxvirt(&q, &["--json", "net-list"]);
    let v: serde_json::Value = serde_json::from_str(j.ok()).unwrap();
    assert_eq!(v[0]["name"], "clinet");
    assert_eq!(v[0]["active"], true);

    // errors: one line, status 1, libvirt's text
    let r = oxvirt(&q, &["net-info", "nosuch"]);
    assert_eq!(r.status, 1);
    assert_eq!(
        r.stderr.trim(),
        "error: Network not found: no network with matching name 'nosuch'"
    );
    let r = oxvirt(&q, &["net-start", "clinet"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("network is already active"), "{r:?}");

    assert_eq!(
        oxvirt(&q, &["net-destroy", "clinet"]).ok().trim(),
        "Network clinet destroyed"
    );
    assert!(ns.ip(&["link", "show", "virbr6"]).is_empty());
    same(&["net-list", "--inactive"], &["net-list", "--inactive"]);
    assert_eq!(
        oxvirt(&q, &["net-undefine", "clinet"]).ok().trim(),
        "Network clinet has been undefined"
    );
    same(&["net-list", "--all"], &["net-list", "--all"]);
    drop(d);
}
