//! Real guests on real networks: the project's test guest, started by `oxvirt-qemud` with NICs
//! whose TAP devices `oxvirt-networkd` makes, driven from the inside through its serial shell.
//! Two guests on the default NAT network get leases, see each other and the bridge, and reach
//! a server in an "uplink" namespace through NAT; an isolated network gives a lease and no way
//! out; a routed network routes without NAT; a `type='bridge'` NIC works on a host bridge.
//!
//! Everything lives in namespaces the tests make: the daemons' bridges, firewall rules and
//! dnsmasq, the guests' TAP devices, the uplink; no packet leaves them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::{Duration, Instant};

use oxvirt_e2e::net_guest::{guest_net, network_nic, start, BOOT};
use oxvirt_e2e::networkd::{Netns, Networkd, Uplink};
use oxvirt_e2e::serial_shell::SerialShell;
use oxvirt_e2e::{guest, Qemud};

fn address(cidr: &str) -> &str {
    cidr.split('/').next().unwrap()
}

/// `virsh net-dhcp-leases NAME` through qemud once it lists every one of `macs` (the lease
/// helper runs after dnsmasq's answer).
fn leases_with(q: &Qemud, name: &str, macs: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = q.virsh(&["net-dhcp-leases", name]).ok().to_owned();
        if macs.iter().all(|m| out.contains(m)) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What the uplink's server answers the guest (busybox `nc`; empty when nothing got through).
fn fetch(sh: &mut SerialShell) -> String {
    let (out, _) = sh.run(
        "nc -w 5 198.51.100.2 8080 </dev/null",
        Duration::from_secs(60),
    );
    out
}

fn ping(sh: &mut SerialShell, to: &str) -> bool {
    let (_, rc) = sh.run(&format!("ping -c 2 -W 5 {to}"), Duration::from_secs(60));
    rc == 0
}

fn suffix(dir: &Path, what: &str) -> String {
    format!(
        "{}-{what}",
        dir.file_name().unwrap().to_string_lossy().replace('.', "-")
    )
}

#[test]
fn two_guests_on_the_default_nat_network() {
    let ns_dir = tempfile::Builder::new()
        .prefix("oxvirt-guests-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(ns_dir.path());
    let q = Qemud::start_via(&["ip", "netns", "exec", &ns.0], &[]);
    let root = q.root().to_owned();
    // networkd's first start on the root: libvirt's default network, 192.168.122.0/24
    let d = Networkd::first_start_in(&root, &ns);
    let up = Uplink::new(&ns, &suffix(ns_dir.path(), "up"));
    assert!(q
        .virsh(&["net-dumpxml", "default"])
        .ok()
        .contains("<ip address='192.168.122.1' netmask='255.255.255.0'>"));
    let (m1, m2) = ("52:54:00:0e:00:01", "52:54:00:0e:00:02");
    start(&q, "g1", &network_nic("default", m1));
    start(&q, "g2", &network_nic("default", m2));
    let a1 = guest_net(&root, "g1");
    let a2 = guest_net(&root, "g2");
    for a in [&a1, &a2] {
        assert!(a.starts_with("192.168.122.") && a.ends_with("/24"), "{a}");
    }
    assert_ne!(a1, a2);
    let leases = leases_with(&q, "default", &[m1, m2]);
    for (m, a) in [(m1, &a1), (m2, &a2)] {
        assert!(
            leases
                .lines()
                .any(|l| l.contains(m) && l.contains(a.as_str())),
            "{m} {a}\n{leases}"
        );
    }
    assert!(!up.ns.ip(&["route"]).contains("192.168.122"));
    let mut s1 = SerialShell::connect(&root.join("g1.sock"));
    let mut s2 = SerialShell::connect(&root.join("g2.sock"));
    for (sh, other) in [(&mut s1, &a2), (&mut s2, &a1)] {
        assert!(ping(sh, address(other)), "{}", sh.output());
        assert!(ping(sh, "192.168.122.1"), "{}", sh.output());
        assert!(fetch(sh).contains("hello"), "{}", sh.output());
    }
    // the guests go: their ports and TAP devices with them
    q.virsh(&["destroy", "g1"]).ok();
    q.virsh(&["destroy", "g2"]).ok();
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.virsh(&["net-port-list", "default"]).ok().contains('-')
        || ns.ip(&["link", "show"]).contains("vnet")
    {
        assert!(Instant::now() < deadline, "ports or TAPs left behind");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A network on `10.N.0.0/24`, bridge `virbrN`, DHCP `.100`-`.150`.
fn net_xml(name: &str, n: u8, forward: &str) -> String {
    format!(
        "<network><name>{name}</name>{forward}<bridge name='virbr{n}'/>\
         <ip address='10.{n}.0.1' netmask='255.255.255.0'><dhcp>\
         <range start='10.{n}.0.100' end='10.{n}.0.150'/></dhcp></ip></network>"
    )
}

#[test]
fn isolated_routed_and_bridge_nics() {
    let ns_dir = tempfile::Builder::new()
        .prefix("oxvirt-guests-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(ns_dir.path());
    let q = Qemud::start_via(&["ip", "netns", "exec", &ns.0], &[]);
    let root = q.root().to_owned();
    let _d = Networkd::start_in(&root, &ns);
    let up = Uplink::new(&ns, &suffix(ns_dir.path(), "up"));
    for (name, n, fwd) in [
        ("iso62", 62, ""),
        ("route63", 63, "<forward mode='route'/>"),
    ] {
        let f = root.join(format!("{name}.net.xml"));
        std::fs::write(&f, net_xml(name, n, fwd)).unwrap();
        q.virsh(&["net-create", f.to_str().unwrap()]).ok();
    }
    // a host bridge of the namespace's own, no DHCP on it
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&["addr", "add", "10.70.0.1/24", "dev", "br0"]);
    ns.ip(&["link", "set", "br0", "up"]);
    let (mi, mr, mb) = (
        "52:54:00:0e:00:62",
        "52:54:00:0e:00:63",
        "52:54:00:0e:00:70",
    );
    start(&q, "gi", &network_nic("iso62", mi));
    start(&q, "gr", &network_nic("route63", mr));
    start(
        &q,
        "gb",
        &format!(
            "<interface type='bridge'><mac address='{mb}'/><source bridge='br0'/>\
             <model type='virtio'/></interface>"
        ),
    );

    // isolated: a lease, no default route; nothing forwarded even with one
    let ai = guest_net(&root, "gi");
    assert!(ai.starts_with("10.62.0."), "{ai}");
    assert!(leases_with(&q, "iso62", &[mi]).contains(&ai));
    let mut si = SerialShell::connect(&root.join("gi.sock"));
    assert!(!si.ok("ip route").contains("default"), "{}", si.output());
    assert!(ping(&mut si, "10.62.0.1"), "{}", si.output());
    si.ok("ip route add default via 10.62.0.1");
    assert!(!fetch(&mut si).contains("hello"), "{}", si.output());
    assert!(!ping(&mut si, "198.51.100.2"));

    // routed: no NAT, so the uplink answers once it has a route back
    let ar = guest_net(&root, "gr");
    assert!(ar.starts_with("10.63.0."), "{ar}");
    assert!(leases_with(&q, "route63", &[mr]).contains(&ar));
    let mut sr = SerialShell::connect(&root.join("gr.sock"));
    assert!(sr.ok("ip route").contains("default via 10.63.0.1"));
    assert!(!fetch(&mut sr).contains("hello"), "{}", sr.output());
    up.ns
        .ip(&["route", "add", "10.63.0.0/24", "via", "198.51.100.1"]);
    assert!(fetch(&mut sr).contains("hello"), "{}", sr.output());
    assert!(ping(&mut sr, "198.51.100.2"), "{}", sr.output());

    // the host bridge: its TAP on br0, the guest reaches the bridge's address
    assert_eq!(guest_net(&root, "gb"), "none");
    let live = q.virsh(&["dumpxml", "gb"]).ok().to_owned();
    assert!(
        live.contains("<source bridge='br0'/>\n      <target dev='vnet"),
        "{live}"
    );
    let mut sb = SerialShell::connect(&root.join("gb.sock"));
    sb.ok("ip addr add 10.70.0.5/24 dev eth0");
    assert!(ping(&mut sb, "10.70.0.1"), "{}", sb.output());
    let brif = ns.ip(&["link", "show", "master", "br0"]);
    assert!(brif.contains("vnet"), "{brif}");
}

/// The MAC of the first NIC of a live XML.
fn first_mac(live: &str) -> String {
    let at = live.find("<mac address='").expect("a NIC") + 14;
    live[at..at + 17].to_owned()
}

/// Debian's virt-install, unchanged, with `--network network=default` and with
/// `--network bridge=virbr0` (the default network's bridge, as an existing host bridge): both
/// guests boot with their NIC on the bridge and get a lease from the network's dnsmasq.
#[test]
fn virt_install_network_and_bridge() {
    let ns_dir = tempfile::Builder::new()
        .prefix("oxvirt-guests-")
        .tempdir()
        .unwrap();
    let ns = Netns::new(ns_dir.path());
    let q = Qemud::start_via(&["ip", "netns", "exec", &ns.0], &[]);
    let root = q.root().to_owned();
    let d = Networkd::first_start_in(&root, &ns);
    let (kernel, initrd) = guest();
    let boot = format!(
        "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
        kernel.display(),
        initrd.display()
    );
    let mut macs = Vec::new();
    for (name, network) in [("vin", "network=default"), ("vib", "bridge=virbr0")] {
        let out = oxvirt_e2e::command("virt-install")
            .env("HOME", &root)
            .args(["--connect", &q.uri(), "--name", name, "--virt-type", "qemu"])
            .args(["--memory", "256", "--vcpus", "1", "--graphics", "none"])
            .args(["--noautoconsole", "--import", "--osinfo", "debian11"])
            .args(["--boot", &boot, "--disk", "none", "--network", network])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "virt-install --network {network}: {}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            q.log()
        );
        let live = q.virsh(&["dumpxml", name]).ok().to_owned();
        let want = if network.starts_with("network") {
            "<source network='default' portid='"
        } else {
            "<source bridge='virbr0'/>"
        };
        assert!(live.contains(want), "{live}");
        assert!(live.contains("<target dev='vnet"), "{live}");
        assert!(live.contains("<model type='virtio'/>"), "{live}");
        macs.push(first_mac(&live));
    }
    let m: Vec<&str> = macs.iter().map(String::as_str).collect();
    let deadline = Instant::now() + BOOT;
    let leases = loop {
        let out = q.virsh(&["net-dhcp-leases", "default"]).ok().to_owned();
        if m.iter().all(|x| out.contains(x)) {
            break out;
        }
        assert!(Instant::now() < deadline, "no lease for {m:?}:\n{out}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(leases.contains("192.168.122."), "{leases}");
    // one port on the network (the bridge NIC's TAP is no port of it), both TAPs on the bridge
    let ports = d.virsh(&["net-port-list", "default"]).ok().to_owned();
    assert_eq!(
        ports.lines().filter(|l| l.contains('-')).count(),
        1,
        "{ports}"
    );
    let on = ns.ip(&["link", "show", "master", "virbr0"]);
    assert_eq!(on.matches("vnet").count(), 2, "{on}");
    for name in ["vin", "vib"] {
        q.virsh(&["destroy", name]).ok();
        q.virsh(&["undefine", name]).ok();
    }
}
