//! QoS (`<bandwidth>`) set with `tc` as libvirt 9.0 sets it: a network's on its bridge (HTB
//! classes `1:1`/`1:2` towards the guests, an ingress policer for what they send), a guest's
//! port (its portgroup's, or the guest's own `<interface><bandwidth>`) on its TAP device; a port's new parameters reach its TAP at
//! once; everything goes with the guest and the network. On a kernel that cannot police
//! ingress traffic (no `act_police`, as on this project's test machines) an outbound limit is
//! refused with a clear error and the network leaves nothing behind.
//!
//! Everything lives in a network namespace of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::{Duration, Instant};

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::{guest, Qemud};

const NET: &str = "<network>
  <name>qosnet</name>
  <forward mode='nat'/>
  <bridge name='virbr7' stp='on' delay='0'/>
  <bandwidth>
    <inbound average='1000' peak='2000' burst='256'/>
  </bandwidth>
  <portgroup name='slow'>
    <bandwidth>
      <inbound average='100' burst='64'/>
    </bandwidth>
  </portgroup>
  <ip address='192.168.157.1' netmask='255.255.255.0'/>
</network>
";

const OUT_NET: &str = "<network>
  <name>outnet</name>
  <bridge name='virbr5'/>
  <bandwidth>
    <outbound average='500'/>
  </bandwidth>
  <ip address='192.168.155.1' netmask='255.255.255.0'/>
</network>
";

/// Whether the kernel polices ingress traffic (`act_police`), tried on a bridge of the
/// namespace made for the purpose.
fn kernel_polices(ns: &Netns) -> bool {
    ns.ip(&["link", "add", "qprobe0", "type", "bridge"]);
    ns.exec("tc", &["qdisc", "add", "dev", "qprobe0", "ingress"]);
    let ok = ns
        .exec(
            "tc",
            &[
                "filter", "add", "dev", "qprobe0", "parent", "ffff:", "protocol", "all", "u32",
                "match", "u32", "0", "0", "police", "rate", "8kbps", "burst", "8kb", "drop",
            ],
        )
        .status
        .success();
    ns.ip(&["link", "del", "qprobe0"]);
    ok
}

fn tc(ns: &Netns, args: &[&str]) -> String {
    let o = ns.exec("tc", args);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The test guest on portgroup 'slow', with `extra` in its `<interface>` (its own bandwidth).
fn guest_xml(name: &str, mac: &str, extra: &str) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<devices><interface type='network'><mac address='{mac}'/><source network='qosnet' portgroup='slow'/>{extra}<model type='virtio'/></interface></devices></domain>
",
        kernel.display(),
        initrd.display(),
    )
}

#[test]
fn bandwidth_on_the_bridge_and_the_tap() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-qos-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let q = Qemud::start_in_via(root, &["ip", "netns", "exec", &ns.0], &[]);
    let d = Networkd::start_in(root, &ns);
    let net = root.join("net.xml");
    std::fs::write(&net, NET).unwrap();
    d.virsh(&["net-create", net.to_str().unwrap()]).ok();

    // the network's: 1000 KiB/s (8 Mbit) towards the guests, at most 2000 (SFQ under the
    // guests' class, or pfifo on a kernel without it)
    let qd = tc(&ns, &["qdisc", "show", "dev", "virbr7"]);
    assert!(
        qd.contains("qdisc htb 1: root") && qd.contains("default 0x2"),
        "{qd}"
    );
    assert!(
        qd.contains("qdisc sfq 2: parent 1:2") || qd.contains("qdisc pfifo 2: parent 1:2"),
        "{qd}"
    );
    assert!(!qd.contains("ingress"), "no outbound limit: {qd}");
    let cl = tc(&ns, &["class", "show", "dev", "virbr7"]);
    assert!(
        cl.contains("class htb 1:1 root rate 8Mbit ceil 16Mbit"),
        "{cl}"
    );
    assert!(
        cl.contains("class htb 1:2 parent 1:1 leaf 2: prio 0 rate 8Mbit ceil 16Mbit burst 256Kb"),
        "{cl}"
    );

    // an outbound limit: policed on the bridge's ingress, or refused where the kernel cannot
    let out = root.join("out.xml");
    std::fs::write(&out, OUT_NET).unwrap();
    let r = d.virsh(&["net-create", out.to_str().unwrap()]);
    if kernel_polices(&ns) {
        assert_eq!(r.status, 0, "{r:?}");
        let qd = tc(&ns, &["qdisc", "show", "dev", "virbr5"]);
        assert!(qd.contains("qdisc ingress ffff:"), "{qd}");
        let f = tc(&ns, &["filter", "show", "dev", "virbr5", "parent", "ffff:"]);
        assert!(f.contains("police") && f.contains("rate 4Mbit"), "{f}");
        d.virsh(&["net-destroy", "outnet"]).ok();
    } else {
        assert!(
            r.stderr.contains(
                "Cannot set the outbound bandwidth on 'virbr5': this kernel cannot police ingress traffic (act_police)"
            ),
            "{r:?}"
        );
    }
    assert!(ns.ip(&["link", "show", "virbr5"]).is_empty());
    assert!(!d.virsh(&["net-list", "--all"]).ok().contains("outnet"));

    // a guest on portgroup 'slow': its TAP gets the portgroup's
    let file = root.join("g.xml");
    std::fs::write(&file, guest_xml("qosg", "52:54:00:0d:00:01", "")).unwrap();
    q.virsh(&["create", file.to_str().unwrap()]).ok();
    let qd = tc(&ns, &["qdisc", "show", "dev", "vnet0"]);
    assert!(
        qd.contains("qdisc htb 1: root") && qd.contains("default 0x1"),
        "{qd}"
    );
    let cl = tc(&ns, &["class", "show", "dev", "vnet0"]);
    assert!(
        cl.contains("class htb 1:1 root leaf 2: prio 0 rate 800Kbit"),
        "{cl}"
    );
    assert!(cl.contains("burst 64Kb"), "{cl}");

    // new parameters reach the TAP at once
    let port = d.virsh(&["net-port-list", "qosnet"]).ok().to_owned();
    let port = port
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 36)
        .unwrap_or_else(|| panic!("no port: {port}"))
        .to_owned();
    let py = "import sys, libvirt\n\
              c = libvirt.open(sys.argv[1])\n\
              p = c.networkLookupByName('qosnet').portLookupByUUIDString(sys.argv[2])\n\
              p.setParameters({'inbound.average': 200})\n\
              print(sorted(p.parameters().items()))\n";
    let r = oxvirt_e2e::python(py, &[&d.uri(), &port]);
    assert!(r.ok().contains("('inbound.average', 200)"), "{r:?}");
    let cl = tc(&ns, &["class", "show", "dev", "vnet0"]);
    assert!(cl.contains("rate 1600Kbit"), "{cl}");
    assert!(
        !cl.contains("burst 64Kb"),
        "the new parameters have no burst: {cl}"
    );

    // a guest's own <bandwidth> comes before its portgroup's: 300 KiB/s, 2400 kbit
    let own = root.join("own.xml");
    let bw = "<bandwidth><inbound average='300' peak='400'/></bandwidth>";
    std::fs::write(&own, guest_xml("qosown", "52:54:00:0d:00:02", bw)).unwrap();
    q.virsh(&["create", own.to_str().unwrap()]).ok();
    let live = q.virsh(&["dumpxml", "qosown"]).ok().to_owned();
    assert!(
        live.contains("<inbound average='300' peak='400'/>") && live.contains("vnet1"),
        "{live}"
    );
    let cl = tc(&ns, &["class", "show", "dev", "vnet1"]);
    assert!(cl.contains("rate 2400Kbit ceil 3200Kbit"), "{cl}");

    // the guests and the network take theirs with them
    q.virsh(&["destroy", "qosg"]).ok();
    q.virsh(&["destroy", "qosown"]).ok();
    wait_until("the TAPs are gone", || {
        ns.ip(&["link", "show", "vnet0"]).is_empty() && ns.ip(&["link", "show", "vnet1"]).is_empty()
    });
    d.virsh(&["net-destroy", "qosnet"]).ok();
    assert!(ns.ip(&["link", "show", "virbr7"]).is_empty());
    assert!(!tc(&ns, &["qdisc", "show"]).contains("htb"));
    drop(d);
}
