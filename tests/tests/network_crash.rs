//! Crash-only networking with real guests: networkd SIGKILLed while a guest pings loses no
//! ping, and after its restart the network, its leases and a new guest's port work; a
//! SIGKILLed dnsmasq is started again and serves a new lease; qemud SIGKILLed with running
//! guests finds them with their ports on its restart, and a guest that died meanwhile has its
//! port and TAP removed, with no stray `vnet*` device and no stray firewall rule.
//!
//! Everything lives in a network namespace of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::time::{Duration, Instant};

use oxvirt_e2e::net_guest::{guest_net, network_nic, start};
use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::serial_shell::SerialShell;
use oxvirt_e2e::Qemud;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ports(d: &Networkd) -> Vec<String> {
    let mut v: Vec<String> = d
        .virsh(&["net-port-list", "default"])
        .ok()
        .lines()
        .map(str::trim)
        .filter(|l| l.len() == 36)
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// The TAP devices of the namespace.
fn vnets(ns: &Netns) -> Vec<String> {
    let mut v: Vec<String> = ns
        .ip(&["-br", "link", "show"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("vnet"))
        .map(|n| n.split('@').next().unwrap_or(n).to_owned())
        .collect();
    v.sort();
    v
}

/// The namespace's whole firewall, without counter values.
fn ruleset(ns: &Netns) -> String {
    String::from_utf8_lossy(&ns.exec("nft", &["-s", "list", "ruleset"]).stdout).into_owned()
}

fn dnsmasq_pid(root: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(root.join("run/network/default.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    oxvirt_e2e::process_alive(pid).then_some(pid)
}

fn kill(pid: u32) {
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap(),
        rustix::process::Signal::KILL,
    );
}

fn mac(n: u8) -> String {
    format!("52:54:00:0c:00:{n:02x}")
}

#[test]
fn guests_networkd_dnsmasq_and_qemud_sigkilled() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-netcrash-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let wrapper = ["ip", "netns", "exec", ns.0.as_str()];
    let q = Qemud::start_in_via(root, &wrapper, &[]);
    let d = Networkd::first_start_in(root, &ns);
    start(&q, "c1", &network_nic("default", &mac(1)));
    start(&q, "c2", &network_nic("default", &mac(2)));
    let a2 = guest_net(root, "c2");
    assert!(a2.starts_with("192.168.122."), "{a2}");
    let a1 = guest_net(root, "c1");
    assert!(a1.starts_with("192.168.122."), "{a1}");
    let peer = a2.split('/').next().unwrap().to_owned();

    // networkd SIGKILLed while c1 pings c2: no ping lost
    let mut s1 = SerialShell::connect(&root.join("c1.sock"));
    s1.ok(&format!(
        "ping -c 40 -i 0.25 -W 5 {peer} >/tmp/ping.log 2>&1 & true"
    ));
    std::thread::sleep(Duration::from_secs(2));
    d.sigkill();
    std::thread::sleep(Duration::from_secs(2));
    let d = Networkd::start_in(root, &ns);
    let (log, _) = s1.run(
        "wait; cat /tmp/ping.log | tail -n 3",
        Duration::from_secs(120),
    );
    assert!(
        log.contains("40 packets transmitted, 40 packets received"),
        "{log}"
    );
    // after the restart: the list, the leases
    let list = d.virsh(&["net-list"]).ok().to_owned();
    assert!(
        list.lines().any(
            |l| l.split_whitespace().collect::<Vec<_>>() == ["default", "active", "yes", "yes"]
        ),
        "{list}"
    );
    let leases = q.virsh(&["net-dhcp-leases", "default"]).ok().to_owned();
    assert!(
        leases.contains(&mac(1)) && leases.contains(&mac(2)),
        "{leases}"
    );
    assert_eq!(ports(&d).len(), 2);

    // dnsmasq SIGKILLed: started again; a new guest gets a port and a lease from it
    let first = dnsmasq_pid(root).expect("dnsmasq runs");
    kill(first);
    wait_until("dnsmasq is started again", || {
        dnsmasq_pid(root).is_some_and(|p| p != first)
    });
    start(&q, "c3", &network_nic("default", &mac(3)));
    let a3 = guest_net(root, "c3");
    assert!(a3.starts_with("192.168.122."), "{a3}\n{}", d.log());
    assert_eq!(ports(&d).len(), 3);

    // qemud SIGKILLed with three running guests; c2's QEMU dies while it is down
    let before_ports = ports(&d);
    let before_rules = ruleset(&ns);
    assert_eq!(vnets(&ns).len(), 3);
    let c2_port = {
        let live = q.virsh(&["dumpxml", "c2"]).ok().to_owned();
        let at = live.find("portid='").unwrap() + 8;
        live[at..at + 36].to_owned()
    };
    let c2_tap = {
        let live = q.virsh(&["dumpxml", "c2"]).ok().to_owned();
        let at = live.find("<target dev='").unwrap() + 13;
        live[at..].split('\'').next().unwrap().to_owned()
    };
    let c2_qemu = q
        .qemus()
        .into_iter()
        .find(|p| p.cmdline.contains("guest=c2,"))
        .expect("c2's QEMU");
    q.sigkill();
    kill(c2_qemu.pid);
    wait_until("c2's QEMU is gone", || {
        !oxvirt_e2e::process_alive(c2_qemu.pid)
    });
    let q = Qemud::start_in_via(root, &wrapper, &[]);
    q.wait_state("c1", "running (booted)");
    q.wait_state("c3", "running (booted)");
    // c2 was transient: it is gone, and so are its port and its TAP
    wait_until("c2's port is deleted", || !ports(&d).contains(&c2_port));
    let want: Vec<String> = before_ports.into_iter().filter(|p| *p != c2_port).collect();
    assert_eq!(ports(&d), want);
    wait_until("c2's TAP is gone", || !vnets(&ns).contains(&c2_tap));
    assert_eq!(vnets(&ns).len(), 2, "{:?}", vnets(&ns));
    assert_eq!(ruleset(&ns), before_rules);
    // c1 and c3 keep their ports (the live XML names them) and their traffic
    for name in ["c1", "c3"] {
        let live = q.virsh(&["dumpxml", name]).ok().to_owned();
        let at = live.find("portid='").unwrap() + 8;
        assert!(want.contains(&live[at..at + 36].to_owned()), "{live}");
    }
    let a3 = a3.split('/').next().unwrap().to_owned();
    let (out, rc) = s1.run(&format!("ping -c 2 -W 5 {a3}"), Duration::from_secs(60));
    assert_eq!(rc, 0, "{out}");

    // and when they stop, nothing is left
    q.virsh(&["destroy", "c1"]).ok();
    q.virsh(&["destroy", "c3"]).ok();
    wait_until("no port, no TAP", || {
        ports(&d).is_empty() && vnets(&ns).is_empty()
    });
    assert_eq!(ruleset(&ns), before_rules);
}

/// The port UUIDs networkd has on disk for the default network (what it would find after a
/// restart; listing through the API would reap them, this does not).
fn port_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("run/network/default/ports"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| n.strip_suffix(".xml").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The port UUIDs the live XML of the running domains name.
fn live_ports(q: &Qemud) -> Vec<String> {
    let names = q.virsh(&["list", "--name"]).ok().to_owned();
    let mut v: Vec<String> = names
        .lines()
        .filter(|n| !n.trim().is_empty())
        .filter_map(|n| {
            let live = q.virsh(&["dumpxml", n.trim()]).ok().to_owned();
            let at = live.find("portid='")? + 8;
            Some(live[at..at + 36].to_owned())
        })
        .collect();
    v.sort();
    v
}

/// qemud SIGKILLed just after networkd made a guest's port and TAP (at several points of the
/// start that follows): once qemud is back, every port on disk belongs to a running guest, every
/// TAP to a port, and the firewall is unchanged; reaped by networkd itself (its files, not a
/// list call, are checked). Destroying what runs leaves nothing.
#[test]
fn qemud_sigkilled_right_after_a_port_is_made() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-netcrash2-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let ns = Netns::new(root);
    let wrapper = ["ip", "netns", "exec", ns.0.as_str()];
    let mut q = Qemud::start_in_via(root, &wrapper, &[]);
    let d = Networkd::first_start_in(root, &ns);
    wait_until("the default network is up", || {
        d.virsh(&["net-list"]).ok().contains("default")
    });
    let rules = ruleset(&ns);
    for (i, delay_ms) in [0u64, 50, 300].into_iter().enumerate() {
        let name = format!("k{i}");
        let file = root.join(format!("{name}.xml"));
        let nic = network_nic("default", &mac(0x20 + u8::try_from(i).unwrap()));
        std::fs::write(&file, oxvirt_e2e::net_guest::guest_xml(root, &name, &nic)).unwrap();
        let before = port_files(root);
        let mut create = std::process::Command::new("virsh")
            .args(["-c", &q.uri(), "create", file.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while port_files(root).len() <= before.len() {
            assert!(Instant::now() < deadline, "no port was made");
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        q.sigkill();
        let _ = create.wait();
        q = Qemud::start_in_via(root, &wrapper, &[]);
        // networkd reaps a port whose TAP went with qemud by itself
        wait_until("the ports on disk are the running guests'", || {
            port_files(root) == live_ports(&q)
        });
        assert_eq!(vnets(&ns).len(), port_files(root).len(), "{:?}", vnets(&ns));
        assert_eq!(ruleset(&ns), rules);
    }
    let names = q.virsh(&["list", "--name"]).ok().to_owned();
    for n in names.lines().filter(|n| !n.trim().is_empty()) {
        q.virsh(&["destroy", n.trim()]).ok();
    }
    wait_until("no port file, no TAP", || {
        port_files(root).is_empty() && vnets(&ns).is_empty()
    });
    assert_eq!(ruleset(&ns), rules);
    drop(d);
}
