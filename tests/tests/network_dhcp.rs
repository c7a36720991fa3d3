//! `oxvirt-networkd`'s host plumbing, in network namespaces of the test's own: a "guest" is a
//! namespace joined to a network's bridge by a veth pair running `busybox udhcpc`, the
//! "outside world" an uplink namespace joined to the daemon's by another veth pair, where
//! `busybox nc` answers. Nothing here touches the host's interfaces or firewall, and no packet
//! leaves these namespaces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use oxvirt_e2e::networkd::{Netns, Networkd, Uplink};

fn suffix(tmp: &Path, what: &str) -> String {
    format!(
        "{}-{what}",
        tmp.file_name().unwrap().to_string_lossy().replace('.', "-")
    )
}

fn write(tmp: &Path, name: &str, text: &str) -> String {
    let p = tmp.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// A network on `10.N.0.0/24`, bridge `virbrN`, DHCP `.100`-`.150`.
fn net_xml(name: &str, n: u8, forward: &str) -> String {
    format!(
        "<network><name>{name}</name>{forward}<bridge name='virbr{n}'/>\
         <ip address='10.{n}.0.1' netmask='255.255.255.0'><dhcp>\
         <range start='10.{n}.0.100' end='10.{n}.0.150'/></dhcp></ip></network>"
    )
}

/// A guest: a namespace whose `eth0` (MAC `mac`) is a veth pair's end, the other end
/// (`host_if`) a port of bridge `br` in `host`.
fn guest(host: &Netns, br: &str, host_if: &str, suffix: &str, mac: &str) -> Netns {
    let g = Netns::named(suffix);
    let o = host.exec(
        "ip",
        &[
            "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", &g.0,
        ],
    );
    assert!(o.status.success(), "{o:?}");
    host.ip(&["link", "set", host_if, "master", br, "up"]);
    g.ip(&["link", "set", "eth0", "address", mac]);
    g.ip(&["link", "set", "eth0", "up"]);
    g
}

/// `udhcpc` in guest `g`: the address it was given, configured with its default route.
fn dhcp(g: &Netns, tmp: &Path, hostname: &str) -> Option<String> {
    let script = tmp.join("udhcpc.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n[ \"$1\" = bound ] || exit 0\nip addr add $ip/$mask dev $interface\n\
         [ -n \"$router\" ] && ip route add default via $router\necho $ip > $LEASE_OUT\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = tmp.join(format!("lease-{}", g.0));
    let o = g
        .command("busybox")
        .args(["udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "2"])
        .arg("-s")
        .arg(&script)
        .args(["-x", &format!("hostname:{hostname}")])
        .env("LEASE_OUT", &out)
        .output()
        .unwrap();
    if !o.status.success() {
        return None;
    }
    std::fs::read_to_string(out)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// What the uplink's server answers guest `g` (empty when nothing got through).
fn fetch(g: &Netns) -> String {
    let o = g
        .command("busybox")
        .args(["nc", "-w", "3", "198.51.100.2", "8080"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// `virsh net-dhcp-leases NAME` once it lists every one of `macs` (dnsmasq runs the lease
/// helper after its answer, so a lease shows a moment after the guest has it).
fn leases_with(d: &Networkd, name: &str, macs: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = d.virsh(&["net-dhcp-leases", name]).ok().to_owned();
        if macs.iter().all(|m| out.contains(m)) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn nft_table(ns: &Netns) -> String {
    String::from_utf8_lossy(
        &ns.exec("nft", &["list", "table", "ip", "oxvirt_network"])
            .stdout,
    )
    .into_owned()
}

fn dnsmasq_pid(root: &Path, name: &str) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(root.join(format!("run/network/{name}.pid")))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    oxvirt_e2e::process_alive(pid).then_some(pid)
}

fn dnsmasq_running_for(root: &Path) -> bool {
    let conf = root.join("lib/network/dnsmasq");
    oxvirt_e2e::processes()
        .iter()
        .any(|p| p.cmdline.contains(conf.to_str().unwrap()))
}

#[test]
fn nat_network_leases_nat_restarts_and_cleanup() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-dhcp-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let d = Networkd::start_in(root, &ns);
    let f = write(
        root,
        "nat.xml",
        &net_xml("nat51", 51, "<forward mode='nat'/>"),
    );
    d.virsh(&["net-define", &f]).ok();
    d.virsh(&["net-start", "nat51"]).ok();

    // the firewall, the sysctls, dnsmasq's files
    let rules = nft_table(&ns);
    for want in [
        "ip saddr 10.51.0.0/24 ip daddr != 10.51.0.0/24 counter packets 0 bytes 0 masquerade comment \"oxvirt network nat51\"",
        "iif \"virbr51\" udp dport 67 counter",
        "jump guest_output",
    ] {
        assert!(rules.contains(want), "{want}\n{rules}");
    }
    let fwd = ns.exec("cat", &["/proc/sys/net/ipv4/ip_forward"]);
    assert_eq!(String::from_utf8_lossy(&fwd.stdout).trim(), "1");
    let conf = std::fs::read_to_string(root.join("lib/network/dnsmasq/nat51.conf")).unwrap();
    assert!(
        conf.contains("interface=virbr51\ndhcp-range=10.51.0.100,10.51.0.150,255.255.255.0\n"),
        "{conf}"
    );
    let first_pid = dnsmasq_pid(root, "nat51").expect("dnsmasq runs");

    // a guest gets a lease, listed by net-dhcp-leases (and filtered by MAC)
    let g1 = guest(
        &ns,
        "virbr51",
        "vg1",
        &suffix(root, "g1"),
        "52:54:00:51:00:01",
    );
    let ip1 = dhcp(&g1, root, "guest-one").expect("a lease for the first guest");
    assert!(ip1.starts_with("10.51.0."), "{ip1}");
    let leases = leases_with(&d, "nat51", &["52:54:00:51:00:01"]);
    assert!(
        leases.contains("52:54:00:51:00:01") && leases.contains(&format!("{ip1}/24")),
        "{leases}"
    );
    assert!(leases.contains("guest-one"), "{leases}");
    let other = d
        .virsh(&["net-dhcp-leases", "nat51", "--mac", "52:54:00:99:99:99"])
        .ok()
        .to_owned();
    assert!(!other.contains("10.51.0."), "{other}");

    // through NAT to the uplink, which has no route back to 10.51.0.0/24
    let up = Uplink::new(&ns, &suffix(root, "up"));
    assert!(!up.ns.ip(&["route"]).contains("10.51"));
    assert_eq!(fetch(&g1), "hello");

    // dnsmasq SIGKILLed: started again, and it serves a new lease
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(first_pid).unwrap()).unwrap(),
        rustix::process::Signal::KILL,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let second_pid = loop {
        match dnsmasq_pid(root, "nat51") {
            Some(p) if p != first_pid => break p,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "dnsmasq not restarted\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let g2 = guest(
        &ns,
        "virbr51",
        "vg2",
        &suffix(root, "g2"),
        "52:54:00:51:00:02",
    );
    let ip2 = dhcp(&g2, root, "guest-two").expect("a lease after the restart of dnsmasq");
    assert_ne!(ip1, ip2);
    let leases = leases_with(&d, "nat51", &["52:54:00:51:00:01", "52:54:00:51:00:02"]);
    assert!(
        leases.contains("52:54:00:51:00:01") && leases.contains("52:54:00:51:00:02"),
        "{leases}"
    );

    // networkd SIGKILLed and restarted: the same rules, the same dnsmasq, the leases
    d.sigkill();
    let d = Networkd::start_in(root, &ns);
    assert_eq!(
        nft_table(&ns).matches("oxvirt network nat51").count(),
        rules.matches("oxvirt network nat51").count()
    );
    assert_eq!(dnsmasq_pid(root, "nat51"), Some(second_pid));
    let leases = d.virsh(&["net-dhcp-leases", "nat51"]).ok().to_owned();
    assert!(leases.contains(&ip2), "{leases}");
    assert_eq!(fetch(&g1), "hello");

    // destroy: no rule, no dnsmasq, no bridge
    d.virsh(&["net-destroy", "nat51"]).ok();
    let after = nft_table(&ns);
    assert!(!after.contains("oxvirt network"), "{after}");
    assert!(!dnsmasq_running_for(root));
    assert_eq!(ns.ip(&["-br", "link", "show", "type", "bridge"]), "");
    assert!(!root.join("run/network/nat51.fw").exists());
}

#[test]
fn isolated_and_routed_networks() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-dhcp-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let d = Networkd::start_in(root, &ns);
    let up = Uplink::new(&ns, &suffix(root, "up"));

    // isolated: a lease, no default route, and nothing forwarded even with one
    let f = write(root, "iso.xml", &net_xml("iso52", 52, ""));
    d.virsh(&["net-define", &f]).ok();
    d.virsh(&["net-start", "iso52"]).ok();
    let g = guest(
        &ns,
        "virbr52",
        "vi1",
        &suffix(root, "gi"),
        "52:54:00:52:00:01",
    );
    let ip = dhcp(&g, root, "iso").expect("a lease on the isolated network");
    assert!(ip.starts_with("10.52.0."), "{ip}");
    assert!(
        !g.ip(&["route"]).contains("default"),
        "{}",
        g.ip(&["route"])
    );
    g.ip(&["route", "add", "default", "via", "10.52.0.1"]);
    assert_eq!(fetch(&g), "");
    assert!(leases_with(&d, "iso52", &["52:54:00:52:00:01"]).contains(&ip));

    // route: no NAT, so the uplink answers only once it has a route back
    let f = write(
        root,
        "route.xml",
        &net_xml("route53", 53, "<forward mode='route'/>"),
    );
    d.virsh(&["net-define", &f]).ok();
    d.virsh(&["net-start", "route53"]).ok();
    assert!(!nft_table(&ns).contains("masquerade"));
    let gr = guest(
        &ns,
        "virbr53",
        "vr1",
        &suffix(root, "gr"),
        "52:54:00:53:00:01",
    );
    let ip = dhcp(&gr, root, "routed").expect("a lease on the routed network");
    assert!(ip.starts_with("10.53.0."), "{ip}");
    assert_eq!(fetch(&gr), "");
    up.ns
        .ip(&["route", "add", "10.53.0.0/24", "via", "198.51.100.1"]);
    assert_eq!(fetch(&gr), "hello");

    d.virsh(&["net-destroy", "iso52"]).ok();
    d.virsh(&["net-destroy", "route53"]).ok();
    assert!(!nft_table(&ns).contains("oxvirt network"));
    assert!(!dnsmasq_running_for(root));
}

#[test]
fn default_network_and_route_collisions() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-dhcp-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    // 192.168.122.0/24 is taken in this namespace: the default network takes the next one
    ns.ip(&[
        "link", "add", "taken0", "type", "veth", "peer", "name", "taken1",
    ]);
    ns.ip(&["addr", "add", "192.168.122.5/24", "dev", "taken0"]);
    ns.ip(&["link", "set", "taken1", "up"]);
    ns.ip(&["link", "set", "taken0", "up"]);
    assert!(ns.ip(&["route"]).contains("192.168.122.0/24 dev taken0"));
    let d = Networkd::first_start_in(root, &ns);
    let list = d.virsh(&["net-list", "--all"]).ok().to_owned();
    assert!(
        list.lines().any(
            |l| l.split_whitespace().collect::<Vec<_>>() == ["default", "active", "yes", "yes"]
        ),
        "{list}\n{}",
        d.log()
    );
    let xml = d.virsh(&["net-dumpxml", "default"]).ok().to_owned();
    assert!(
        xml.contains("<ip address='192.168.123.1' netmask='255.255.255.0'>"),
        "{xml}"
    );
    // running, it shows libvirt's default NAT port range; its definition does not
    assert!(
        xml.contains("<forward mode='nat'>\n    <nat>\n      <port start='1024' end='65535'/>"),
        "{xml}"
    );
    let inactive = d
        .virsh(&["net-dumpxml", "--inactive", "default"])
        .ok()
        .to_owned();
    assert!(inactive.contains("<forward mode='nat'/>"), "{inactive}");
    assert!(ns
        .ip(&["-br", "addr", "show", "virbr0"])
        .contains("192.168.123.1/24"));
    assert!(dnsmasq_pid(root, "default").is_some());

    // a network on a subnet routed elsewhere is refused, as libvirt refuses it
    let f = write(
        root,
        "clash.xml",
        "<network><name>clash</name><bridge name='virbr60'/>\
         <ip address='192.168.122.1' netmask='255.255.255.0'/></network>",
    );
    d.virsh(&["net-define", &f]).ok();
    let r = d.virsh(&["net-start", "clash"]);
    assert_ne!(r.status, 0);
    assert!(
        r.stderr
            .contains("internal error: Network is already in use by interface taken0"),
        "{}",
        r.stderr
    );
    assert_eq!(ns.ip(&["link", "show", "virbr60"]), "");

    // a second start on the same root does not define it again
    d.virsh(&["net-destroy", "default"]).ok();
    d.virsh(&["net-undefine", "default"]).ok();
    drop(d);
    let d = Networkd::first_start_in(root, &ns);
    assert!(!d
        .virsh(&["net-list", "--all", "--name"])
        .ok()
        .contains("default"));
}

#[test]
fn live_update_reaches_dnsmasq() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-dhcp-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    // dnsmasq, unprivileged once started, reads its hosts file again on SIGHUP: the root
    // must let it through (a private root that does not gets a new dnsmasq instead)
    std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let ns = Netns::new(root);
    let d = Networkd::start_in(root, &ns);
    let f = write(
        root,
        "upd.xml",
        &net_xml("upd54", 54, "<forward mode='nat'/>"),
    );
    d.virsh(&["net-define", &f]).ok();
    d.virsh(&["net-start", "upd54"]).ok();
    let pid = dnsmasq_pid(root, "upd54").unwrap();

    // a fixed address for a MAC, live only: dnsmasq's hosts file, SIGHUP, served
    d.virsh(&[
        "net-update",
        "upd54",
        "add",
        "ip-dhcp-host",
        "<host mac='52:54:00:54:00:07' name='fixed' ip='10.54.0.77'/>",
        "--live",
    ])
    .ok();
    let hosts = std::fs::read_to_string(root.join("lib/network/dnsmasq/upd54.hostsfile")).unwrap();
    assert_eq!(hosts, "52:54:00:54:00:07,10.54.0.77,fixed\n");
    assert_eq!(dnsmasq_pid(root, "upd54"), Some(pid));
    let live = d.virsh(&["net-dumpxml", "upd54"]).ok().to_owned();
    assert!(
        live.contains("<host mac='52:54:00:54:00:07' name='fixed' ip='10.54.0.77'/>"),
        "{live}"
    );
    let inactive = d
        .virsh(&["net-dumpxml", "upd54", "--inactive"])
        .ok()
        .to_owned();
    assert!(!inactive.contains("10.54.0.77"), "{inactive}");
    let g = guest(
        &ns,
        "virbr54",
        "vu1",
        &suffix(root, "gu"),
        "52:54:00:54:00:07",
    );
    assert_eq!(dhcp(&g, root, "fixed").as_deref(), Some("10.54.0.77"));

    // a new range, live: dnsmasq started again with it
    d.virsh(&[
        "net-update",
        "upd54",
        "add",
        "ip-dhcp-range",
        "<range start='10.54.0.200' end='10.54.0.210'/>",
        "--live",
    ])
    .ok();
    let conf = std::fs::read_to_string(root.join("lib/network/dnsmasq/upd54.conf")).unwrap();
    assert!(
        conf.contains("dhcp-range=10.54.0.200,10.54.0.210,255.255.255.0\n"),
        "{conf}"
    );
    assert!(dnsmasq_pid(root, "upd54").is_some_and(|p| p != pid));

    // the persistent definition, on a running network: the next start
    d.virsh(&[
        "net-update",
        "upd54",
        "add",
        "dns-host",
        "<host ip='10.54.0.9'><hostname>nine</hostname></host>",
        "--config",
    ])
    .ok();
    assert!(d
        .virsh(&["net-dumpxml", "upd54", "--inactive"])
        .ok()
        .contains("nine"));
    assert!(!d.virsh(&["net-dumpxml", "upd54"]).ok().contains("nine"));
    d.virsh(&["net-destroy", "upd54"]).ok();
    let r = d.virsh(&[
        "net-update",
        "upd54",
        "delete",
        "dns-host",
        "<host ip='10.54.0.9'/>",
        "--live",
    ]);
    assert!(
        r.stderr
            .contains("Requested operation is not valid: network is not running"),
        "{}",
        r.stderr
    );
    assert!(d.virsh(&["net-dumpxml", "upd54"]).ok().contains("nine"));
}
