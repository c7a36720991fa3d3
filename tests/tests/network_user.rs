//! Real networking for an ordinary user with no privilege and no setuid helper: `nobody` boots
//! the test guest in an embedded root of its own with a NIC on networkd's `default` network
//! (networkd, root, makes the TAP device and hands it over as an fd) and the guest gets a lease;
//! on a network `networkd.conf` does not list for it, the start is refused with a clear error
//! and leaves no port, no TAP and no QEMU behind.
//!
//! Everything lives in a network namespace of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use oxvirt_e2e::net_guest::{guest_net, guest_xml, network_nic};
use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::{guest, qemus_under};

const ISOLATED: &str = "<network>
  <name>other</name>
  <bridge name='virbr8'/>
  <ip address='192.168.158.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.158.10' end='192.168.158.20'/></dhcp>
  </ip>
</network>
";

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A directory `nobody` owns.
fn owned_dir(p: &Path) {
    std::fs::create_dir_all(p).unwrap();
    std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// An embedded root for `nobody` whose `run/networkd-sock` is networkd's socket.
fn nobody_root(dir: &Path, networkd_sock: &Path) -> PathBuf {
    let root = dir.join("embed");
    for p in [dir, &root, &root.join("run"), &root.join("log")] {
        owned_dir(p);
    }
    std::os::unix::fs::symlink(networkd_sock, root.join("run/networkd-sock")).unwrap();
    root
}

/// `oxvirt ARGS` as `nobody` on the embedded root `root`.
fn oxvirt_as_nobody(root: &Path, args: &[&str]) -> Output {
    oxvirt_e2e::command("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("HOME={}", root.display()))
        .arg(oxvirt_e2e::binary("oxvirt"))
        .arg("--connect")
        .arg(format!("qemu:///embed?root={}", root.display()))
        .args(args)
        .output()
        .unwrap()
}

/// Define guest `name` with a NIC on `network` in `root`, as `nobody` (kernel and initrd copied
/// where it can read them).
fn define_as_nobody(root: &Path, name: &str, network: &str, mac: &str) {
    let (kernel, initrd) = guest();
    let k = root.join("vmlinuz");
    let i = root.join("initrd");
    if !k.exists() {
        std::fs::copy(&kernel, &k).unwrap();
        std::fs::copy(&initrd, &i).unwrap();
    }
    let xml = guest_xml(root, name, &network_nic(network, mac))
        .replace(&kernel.display().to_string(), &k.display().to_string())
        .replace(&initrd.display().to_string(), &i.display().to_string());
    let file = root.join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let o = oxvirt_as_nobody(root, &["define", file.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
}

fn vnets(ns: &Netns) -> Vec<String> {
    ns.ip(&["-br", "link", "show"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("vnet"))
        .map(str::to_owned)
        .collect()
}

fn port_files(nd: &Path, net: &str) -> usize {
    std::fs::read_dir(nd.join("run/network").join(net).join("ports"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".xml"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn nobody_boots_a_guest_on_the_default_network_only_where_allowed() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-netuser-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ns = Netns::new(dir);
    let nd = dir.join("nd");
    std::fs::create_dir_all(nd.join("etc")).unwrap();
    std::fs::set_permissions(&nd, std::fs::Permissions::from_mode(0o755)).unwrap();
    // nobody may plug into 'default' (and a bridge of that name, were there one), nowhere else
    std::fs::write(
        nd.join("etc/networkd.conf"),
        "# who may have TAP devices, on which networks\nallow nobody default\n",
    )
    .unwrap();
    // a first start: networkd defines and starts libvirt's default network
    let d = Networkd::first_start_in(&nd, &ns);
    wait_until("the default network is up", || {
        d.virsh(&["net-list"]).ok().contains("default")
    });
    let net = dir.join("other.xml");
    std::fs::write(&net, ISOLATED).unwrap();
    d.virsh(&["net-create", net.to_str().unwrap()]).ok();
    std::fs::set_permissions(nd.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = nobody_root(&dir.join("u"), &d.socket());

    // refused on 'other', and nothing is left behind
    define_as_nobody(&root, "elsewhere", "other", "52:54:00:0e:00:02");
    let o = oxvirt_as_nobody(&root, &["start", "elsewhere"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("access denied: user 65534 may not use network ports on network 'other'"),
        "{err}"
    );
    assert_eq!(port_files(&nd, "other"), 0);
    assert!(vnets(&ns).is_empty(), "{:?}", vnets(&ns));
    assert!(qemus_under(&root).is_empty());
    let state = oxvirt_as_nobody(&root, &["domstate", "elsewhere"]);
    assert!(String::from_utf8_lossy(&state.stdout).contains("shut off"));

    // on 'default' the guest runs and gets a lease from the network's dnsmasq
    let mac = "52:54:00:0e:00:01";
    define_as_nobody(&root, "mine", "default", mac);
    let o = oxvirt_as_nobody(&root, &["start", "mine"]);
    assert!(o.status.success(), "{o:?}");
    let qemu = qemus_under(&root);
    assert_eq!(qemu.len(), 1);
    assert!(
        oxvirt_e2e::command("ps")
            .args(["-o", "user=", "-p", &qemu[0].pid.to_string()])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "nobody")
            .unwrap(),
        "QEMU runs as nobody"
    );
    let addr = guest_net(&root, "mine");
    assert!(addr.starts_with("192.168.122."), "{addr}");
    let leases = d.virsh(&["net-dhcp-leases", "default"]).ok().to_owned();
    assert!(leases.contains(mac), "{leases}");
    assert!(leases.contains(addr.as_str()), "{leases}");
    assert_eq!(port_files(&nd, "default"), 1);
    assert_eq!(vnets(&ns).len(), 1);

    // stopped: its port and TAP go
    let o = oxvirt_as_nobody(&root, &["destroy", "mine"]);
    assert!(o.status.success(), "{o:?}");
    wait_until("no port, no TAP", || {
        port_files(&nd, "default") == 0 && vnets(&ns).is_empty()
    });
    drop(d);
}
