//! Network ports and TAP devices: the `virsh net-port-*` session and the port API through
//! python3-libvirt against `oxvirt-networkd` and against libvirt 9.0 (each in a network
//! namespace of its own) give the same output; a guest with `<interface type='network'>` gets
//! its TAP device from networkd (as an fd, through qemud and its shim), its DHCP discover is
//! seen on the bridge, the TAP outlives a SIGKILLed networkd, and a destroy removes port and
//! TAP; `<interface type='bridge'>` the same on a host bridge; an ordinary user gets a TAP only
//! when networkd's setting allows it.
//!
//! Every bridge, TAP device and packet stays inside the namespaces the tests make.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::networkd::{Netns, Networkd};
use oxvirt_e2e::{guest, python, Libvirtd, Qemud, Run};

const NET: &str = "<network>
  <name>tapnet</name>
  <uuid>0d7b6b1e-aaaa-4bbb-8ccc-0000000000a1</uuid>
  <forward mode='nat'/>
  <bridge name='virbr9' stp='on' delay='0'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
</network>
";

const PORT_UUID: &str = "5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d5";

const PORT: &str = "<networkport>
  <uuid>5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d5</uuid>
  <owner>
    <name>guest</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <mac address='52:54:00:7b:35:93'/>
  <bandwidth>
    <inbound average='1000' peak='2000' burst='100'/>
  </bandwidth>
</networkport>
";

/// The port API through python3-libvirt: every answer and error, one line each.
const PROBE: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
n = c.networkLookupByName('tapnet')
base = open(sys.argv[2]).read()
def t(label, f):
    try:
        print(label, "OK", f())
    except libvirt.libvirtError as e:
        print(label, "ERR", e.get_error_code(), e.get_error_domain(), e)
def other(last, plug=False):
    x = base.replace('d5<', last + '<')
    if plug:
        x = x.replace('</networkport>', "<plug type='network' bridge='virbr9'/></networkport>")
    return x
p = n.portCreateXML(base)
t("params", lambda: sorted(p.parameters().items()))
t("params-flags", lambda: p.parameters(1))
t("network", lambda: p.network().name())
t("lookup", lambda: n.portLookupByUUIDString(p.UUIDString()).UUIDString())
t("lookup-missing", lambda: n.portLookupByUUIDString('5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7d6'))
t("set-avg", lambda: p.setParameters({'inbound.average': 500}))
t("params2", lambda: sorted(p.parameters().items()))
t("xml2", lambda: p.XMLDesc())
t("set-floor", lambda: p.setParameters({'inbound.floor': 500}))
t("xmlflags", lambda: p.XMLDesc(1))
t("create-dup", lambda: n.portCreateXML(base))
t("create-reclaim-noplug", lambda: n.portCreateXML(other('d9'), 1))
t("create-plug-noreclaim", lambda: n.portCreateXML(other('d9', True), 0))
t("create-badflag", lambda: n.portCreateXML(other('d9'), 4))
t("create-validate", lambda: n.portCreateXML(other('db'), 2).XMLDesc())
t("create-group", lambda: n.portCreateXML(other('dc').replace('<mac', '<group>g</group><mac'), 0).XMLDesc())
t("create-badxml", lambda: n.portCreateXML('<networkport/>', 0))
t("create-reclaim", lambda: n.portCreateXML(other('da', True), 1).XMLDesc())
t("no-bandwidth", lambda: n.portCreateXML(other('dd').replace("<bandwidth>\n    <inbound average='1000' peak='2000' burst='100'/>\n  </bandwidth>\n", "")).parameters())
t("list", lambda: sorted(x.UUIDString() for x in n.listAllPorts()))
t("list-flags", lambda: n.listAllPorts(1))
t("netxml", lambda: n.XMLDesc().splitlines()[0])
q = n.portLookupByUUIDString('5d744f21-ba4a-4d6e-bdb2-1d7a19e1b7da')
t("delete", lambda: q.delete())
t("delete-again", lambda: q.delete())
t("delete-flags", lambda: p.delete(1))
t("list2", lambda: sorted(x.UUIDString() for x in n.listAllPorts()))
n.destroy()
t("list-inactive", lambda: n.listAllPorts())
t("lookup-inactive", lambda: n.portLookupByUUIDString(p.UUIDString()))
"#;

fn shown(r: &Run) -> String {
    format!("status {}\n{}{}", r.status, r.stdout, r.stderr)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("oxvirt-ports-")
        .tempdir()
        .unwrap()
}

#[test]
fn port_api_matches_libvirtd() {
    let tmp = tempdir();
    let dir = tmp.path();
    let ns = Netns::new(dir);
    let lv_ns = Netns::new(&dir.join("lv"));
    let ours = Networkd::start_in(dir, &ns);
    let lv = Libvirtd::start_in_netns(&lv_ns.0);
    let net = dir.join("net.xml");
    let port = dir.join("port.xml");
    std::fs::write(&net, NET).unwrap();
    std::fs::write(&port, PORT).unwrap();
    let (net, port) = (net.to_str().unwrap(), port.to_str().unwrap());
    let session: Vec<Vec<&str>> = vec![
        vec!["net-port-list", "tapnet"],
        vec!["net-define", net],
        vec!["net-port-list", "tapnet"],
        vec!["net-port-create", "tapnet", port],
        vec!["net-start", "tapnet"],
        vec!["net-port-list", "tapnet"],
        vec!["net-port-create", "tapnet", port],
        vec!["net-port-create", "tapnet", port],
        vec!["net-port-list", "tapnet"],
        vec!["net-port-list", "--table", "tapnet"],
        vec!["net-port-dumpxml", "tapnet", PORT_UUID],
        vec!["net-port-delete", "tapnet", PORT_UUID],
        vec!["net-port-list", "tapnet"],
        vec!["net-destroy", "tapnet"],
        vec!["net-start", "tapnet"],
        vec!["net-port-list", "tapnet"],
    ];
    let mut diffs = Vec::new();
    let mut failed = 0;
    for args in &session {
        let a = ours.virsh(args);
        failed += usize::from(a.status != 0);
        let (a, b) = (shown(&a), shown(&lv.virsh(args)));
        if a != b {
            diffs.push(format!(
                "virsh {args:?}\n--- oxvirt-networkd\n{a}--- libvirtd 9.0\n{b}"
            ));
        }
    }
    let a = python(PROBE, &[&ours.uri(), port]);
    let b = python(PROBE, &[lv.uri(), port]);
    assert_eq!(a.status, 0, "{}", a.stderr);
    if a.stdout != b.stdout {
        diffs.push(format!(
            "python\n--- oxvirt-networkd\n{}--- libvirtd 9.0\n{}",
            a.stdout, b.stdout
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    // the refusals: no network, not active (list, create) and the duplicate
    assert_eq!(failed, 4, "calls that failed");
    assert!(a
        .stdout
        .contains("delete-again ERR 107 19 network port not found"));
    assert!(a.stdout.contains("list-inactive ERR 55 19"));
}

#[test]
fn ports_survive_a_networkd_sigkill_and_go_with_their_network() {
    let tmp = tempdir();
    let dir = tmp.path();
    let ns = Netns::new(dir);
    let d = Networkd::start_in(dir, &ns);
    let net = dir.join("net.xml");
    let port = dir.join("port.xml");
    std::fs::write(&net, NET).unwrap();
    std::fs::write(&port, PORT).unwrap();
    d.virsh(&["net-create", net.to_str().unwrap()]).ok();
    d.virsh(&["net-port-create", "tapnet", port.to_str().unwrap()])
        .ok();
    let file = dir.join(format!("run/network/tapnet/ports/{PORT_UUID}.xml"));
    assert!(file.exists());
    d.sigkill();
    let d = Networkd::start_in(dir, &ns);
    assert!(d
        .virsh(&["net-port-list", "tapnet"])
        .ok()
        .contains(PORT_UUID));
    let x = d.virsh(&["net-port-dumpxml", "tapnet", PORT_UUID]);
    assert!(
        x.ok().contains("<plug type='network' bridge='virbr9'/>"),
        "{x:?}"
    );
    assert!(d
        .virsh(&["net-dumpxml", "tapnet"])
        .ok()
        .starts_with("<network connections='1'>"));
    d.virsh(&["net-destroy", "tapnet"]).ok();
    assert!(!file.exists());
    assert!(!dir.join("run/network/tapnet").exists());
}

/// Watch bridge `br` in `ns` for a DHCP discover from MAC `mac` (any, if empty) with an
/// AF_PACKET socket (it works whatever else listens on port 67); prints "DISCOVER".
fn dhcp_watch(ns: &Netns, br: &str, mac: &str) -> Child {
    const WATCH: &str = r#"
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(240)
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
while True:
    f = s.recv(4096)
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    udp = ip[ihl:]
    if (not mac or f[6:12] == mac) and ip[9] == 17 and udp[2:4] == b"\x00\x43" and udp[8] == 1:
        print("DISCOVER", flush=True)
        break
"#;
    ns.command("/usr/bin/python3")
        .args(["-c", WATCH, br, mac])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_discover(mut w: Child) {
    let mut out = String::new();
    w.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let mut err = String::new();
    w.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let _ = w.wait();
    assert!(
        out.contains("DISCOVER"),
        "no DHCP discover seen: {out}{err}"
    );
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn nic_guest_xml(name: &str, serial_log: &Path, mac: &str) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><interface type='network'><mac address='{mac}'/><source network='tapnet'/><model type='virtio'/></interface>
<serial type='pty'><log file='{}' append='off'/><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        kernel.display(),
        initrd.display(),
        serial_log.display()
    )
}

#[test]
fn a_guest_nic_gets_its_tap_from_networkd() {
    let ns_dir = tempdir();
    let ns = Netns::new(ns_dir.path());
    let q = Qemud::start_via(&["ip", "netns", "exec", &ns.0], &[]);
    let root = q.root().to_owned();
    let d = Networkd::start_in(&root, &ns);
    let net = root.join("net.xml");
    std::fs::write(&net, NET).unwrap();
    d.virsh(&["net-create", net.to_str().unwrap()]).ok();
    let mac = "52:54:00:aa:bb:01";
    let xml = root.join("g.xml");
    std::fs::write(
        &xml,
        nic_guest_xml("nic", &root.join("log/nic.serial"), mac),
    )
    .unwrap();
    let watch = dhcp_watch(&ns, "virbr9", mac);
    q.virsh(&["create", xml.to_str().unwrap()]).ok();
    // the live XML as libvirt 9.0 shows it
    let live = q.virsh(&["dumpxml", "nic"]).ok().to_owned();
    let ports = d.virsh(&["net-port-list", "tapnet"]).ok().to_owned();
    let portid = ports
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 36)
        .unwrap_or_else(|| panic!("no port: {ports}"))
        .to_owned();
    let want = format!(
        "    <interface type='network'>
      <mac address='{mac}'/>
      <source network='tapnet' portid='{portid}' bridge='virbr9'/>
      <target dev='vnet0'/>
      <model type='virtio'/>
      <alias name='net0'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
"
    );
    assert!(live.contains(&want), "{live}");
    let port = d.virsh(&["net-port-dumpxml", "tapnet", &portid]);
    assert!(port.ok().contains("<name>nic</name>"), "{port:?}");
    // vnet0: on the bridge, host MAC fe:..., virtio headers
    let link = ns.ip(&["-d", "link", "show", "vnet0"]);
    assert!(link.contains("master virbr9"), "{link}");
    assert!(link.contains("link/ether fe:54:00:aa:bb:01"), "{link}");
    assert!(link.contains("vnet_hdr on"), "{link}");
    wait_discover(watch);
    assert!(ns.counter("vnet0", "rx_packets") > 0);
    // networkd dies: the TAP stays on the bridge and still carries frames to the guest
    d.sigkill();
    let before = ns.counter("vnet0", "tx_packets");
    // broadcast frames sent on the bridge (an experimental EtherType: nobody answers them)
    const SEND: &str = r#"
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for _ in range(5):
    s.send(b"\xff" * 6 + bytes.fromhex("52540000beef") + b"\x88\xb5" + b"oxvirt" * 10)
"#;
    let st = ns
        .command("/usr/bin/python3")
        .args(["-c", SEND, "virbr9"])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(
        ns.counter("vnet0", "tx_packets") > before,
        "no frame reached the guest's TAP"
    );
    assert!(ns.ip(&["link", "show", "vnet0"]).contains("master virbr9"));
    // back up: the port is still there; destroy deletes it and the TAP
    let d = Networkd::start_in(&root, &ns);
    assert!(d.virsh(&["net-port-list", "tapnet"]).ok().contains(&portid));
    q.virsh(&["destroy", "nic"]).ok();
    wait_until("the port is deleted", || {
        !d.virsh(&["net-port-list", "tapnet"]).ok().contains(&portid)
    });
    assert!(ns.ip(&["link", "show", "vnet0"]).is_empty());
    assert!(d
        .virsh(&["net-dumpxml", "tapnet"])
        .ok()
        .starts_with("<network>"));
}

/// An embedded root for `nobody` whose `run/networkd-sock` is networkd's socket.
fn nobody_root(dir: &Path, networkd_sock: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let root = dir.join("embed");
    std::fs::create_dir_all(root.join("run")).unwrap();
    for p in [dir, &root, &root.join("run")] {
        std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::os::unix::fs::symlink(networkd_sock, root.join("run/networkd-sock")).unwrap();
    root
}

/// `oxvirt ARGS` as `nobody` on the embedded root `root`.
fn oxvirt_as_nobody(root: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    oxvirt_e2e::command("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("HOME={}", dir.display()))
        .arg(oxvirt_e2e::binary("oxvirt"))
        .arg("--connect")
        .arg(format!("qemu:///embed?root={}", root.display()))
        .args(args)
        .output()
        .unwrap()
}

/// `oxvirt run --network tapnet --detach` of the test guest as `nobody`.
fn oxvirt_run_as_nobody(root: &Path, dir: &Path) -> std::process::Output {
    let (kernel, initrd) = guest();
    let k = dir.join("vmlinuz");
    let i = dir.join("initrd");
    std::fs::copy(kernel, &k).unwrap();
    std::fs::copy(initrd, &i).unwrap();
    oxvirt_e2e::command("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("HOME={}", dir.display()))
        .arg(oxvirt_e2e::binary("oxvirt"))
        .arg("--connect")
        .arg(format!("qemu:///embed?root={}", root.display()))
        .args(["run", "--name", "mine", "--virt-type", "qemu"])
        .args(["--network", "tapnet", "--detach"])
        .args(["--cmdline", "console=ttyS0 quiet"])
        .arg("--kernel")
        .arg(&k)
        .arg("--initrd")
        .arg(&i)
        .output()
        .unwrap()
}

#[test]
fn an_ordinary_user_gets_a_tap_only_when_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempdir();
    let dir = tmp.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ns = Netns::new(dir);
    let nd = dir.join("nd");
    std::fs::create_dir_all(&nd).unwrap();
    std::fs::set_permissions(&nd, std::fs::Permissions::from_mode(0o755)).unwrap();
    let net = dir.join("net.xml");
    std::fs::write(&net, NET).unwrap();
    let port = dir.join("port.xml");
    std::fs::write(&port, PORT).unwrap();
    std::fs::set_permissions(&port, std::fs::Permissions::from_mode(0o644)).unwrap();

    // a setting that names someone else: nobody reaches the socket, may read, may not plug
    let d = Networkd::start_in_with(&nd, &ns, &["--port-group", "root"]);
    d.virsh(&["net-create", net.to_str().unwrap()]).ok();
    std::fs::set_permissions(nd.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = |args: &[&str]| {
        let o = oxvirt_e2e::command("runuser")
            .args(["-u", "nobody", "--", "virsh", "-c", &d.uri()])
            .args(args)
            .output()
            .unwrap();
        Run::from(o)
    };
    assert!(as_nobody(&["net-list"]).ok().contains("tapnet"));
    let r = as_nobody(&["net-port-create", "tapnet", port.to_str().unwrap()]);
    assert!(
        r.stderr
            .contains("access denied: user 65534 may not use network ports on network 'tapnet'"),
        "{r:?}"
    );
    let r = as_nobody(&["net-destroy", "tapnet"]);
    assert!(r.stderr.contains("access denied"), "{r:?}");
    let work = dir.join("u1");
    std::fs::create_dir_all(&work).unwrap();
    let root = nobody_root(&work, &d.socket());
    let o = oxvirt_run_as_nobody(&root, &work);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("access denied"), "{err}");
    // nothing left behind
    assert!(!d.virsh(&["net-port-list", "tapnet"]).ok().contains('-'));
    assert!(ns.ip(&["link", "show", "vnet0"]).is_empty());
    assert!(oxvirt_e2e::qemus_under(&root).is_empty());
    drop(d);

    // allowed: the guest boots with its NIC and sends its DHCP discover on the bridge
    let d = Networkd::start_in_with(&nd, &ns, &["--port-user", "nobody"]);
    let work = dir.join("u2");
    std::fs::create_dir_all(&work).unwrap();
    let root = nobody_root(&work, &d.socket());
    let watch = dhcp_watch(&ns, "virbr9", "");
    let o = oxvirt_run_as_nobody(&root, &work);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(ns.ip(&["link", "show", "vnet0"]).contains("master virbr9"));
    assert!(d.virsh(&["net-port-list", "tapnet"]).ok().contains('-'));
    wait_discover(watch);
    let o = oxvirt_as_nobody(&root, &work, &["destroy", "mine"]);
    assert!(o.status.success(), "{o:?}");
    // the VM is gone: so are its port and TAP
    wait_until("the port is deleted", || {
        !d.virsh(&["net-port-list", "tapnet"]).ok().contains('-')
    });
    assert!(ns.ip(&["link", "show", "vnet0"]).is_empty());
}

#[test]
fn a_bridge_nic_gets_its_tap_on_the_host_bridge() {
    let ns_dir = tempdir();
    let ns = Netns::new(ns_dir.path());
    let q = Qemud::start_via(&["ip", "netns", "exec", &ns.0], &[]);
    let root = q.root().to_owned();
    let d = Networkd::start_in(&root, &ns);
    ns.ip(&["link", "add", "br0", "type", "bridge"]);
    ns.ip(&["link", "set", "br0", "mtu", "1400", "up"]);
    let mac = "52:54:00:aa:bb:02";
    let xml = nic_guest_xml("brnic", &root.join("log/brnic.serial"), mac)
        .replace("type='network'", "type='bridge'")
        .replace("<source network='tapnet'/>", "<source bridge='br0'/>");
    let file = root.join("g.xml");
    std::fs::write(&file, xml).unwrap();
    let watch = dhcp_watch(&ns, "br0", mac);
    q.virsh(&["create", file.to_str().unwrap()]).ok();
    let live = q.virsh(&["dumpxml", "brnic"]).ok().to_owned();
    let want = format!(
        "    <interface type='bridge'>
      <mac address='{mac}'/>
      <source bridge='br0'/>
      <target dev='vnet0'/>
      <model type='virtio'/>
      <alias name='net0'/>
"
    );
    assert!(live.contains(&want), "{live}");
    let link = ns.ip(&["-d", "link", "show", "vnet0"]);
    assert!(link.contains("master br0"), "{link}");
    assert!(link.contains("mtu 1400"), "{link}");
    assert!(link.contains("link/ether fe:54:00:aa:bb:02"), "{link}");
    wait_discover(watch);
    q.virsh(&["destroy", "brnic"]).ok();
    wait_until("the TAP goes with its QEMU", || {
        ns.ip(&["link", "show", "vnet0"]).is_empty()
    });
    drop(d);
}
