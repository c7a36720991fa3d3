//! qemud forwards network and storage calls to the networkd and storaged of its root, as
//! virtqemud does to virtnetworkd/virtstoraged: virsh and python3-libvirt talk to qemud's
//! socket only — lists, lookups, definitions, volume upload/download streams (sparse too),
//! network events — and a client gets libvirt's connect error when storaged is not running.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{binary, Qemud};

/// `oxvirt-networkd --root DIR --no-host-network`: definitions and lists only, nothing on the
/// host's interfaces (no network is started here). Killed on drop.
struct Networkd(Child);

impl Networkd {
    fn start_in(root: &Path) -> Self {
        // not a first start: no `default` network
        std::fs::create_dir_all(root.join("etc/network")).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("networkd.log"))
            .unwrap();
        let child = Command::new(binary("oxvirt-networkd"))
            .arg("--root")
            .arg(root)
            .arg("--no-host-network")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while UnixStream::connect(root.join("run/networkd-sock")).is_err() {
            assert!(Instant::now() < deadline, "oxvirt-networkd did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Networkd(child)
    }
}

impl Drop for Networkd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tmp_root(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}

const NETWORK: &str = "<network><name>fwdnet</name>\
    <bridge name='virbr93'/><ip address='192.168.93.1' netmask='255.255.255.0'/></network>";

#[test]
fn networks_pools_and_volume_streams_through_qemud() {
    let tmp = tmp_root("oxvirt-fwd-");
    let root = tmp.path();
    let _s = Storaged::start_in_without_default(root);
    let _n = Networkd::start_in(root);
    let q = Qemud::start_in(root);

    // networks: define, list, look up, undefine — all on qemud's socket
    let xml = root.join("net.xml");
    std::fs::write(&xml, NETWORK).unwrap();
    q.virsh(&["net-define", xml.to_str().unwrap()]).ok();
    let list = q.virsh(&["net-list", "--all", "--name"]);
    assert_eq!(list.ok().trim(), "fwdnet", "{list:?}");
    let dump = q.virsh(&["net-dumpxml", "fwdnet"]);
    assert!(dump.ok().contains("<bridge name='virbr93'"), "{dump:?}");
    let info = q.virsh(&["net-info", "fwdnet"]).ok().to_string();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Active:") && l.ends_with("no")),
        "{info}"
    );

    // a dir pool and a volume
    let target = root.join("pool");
    q.virsh(&[
        "pool-define-as",
        "fwdpool",
        "dir",
        "--target",
        target.to_str().unwrap(),
    ])
    .ok();
    q.virsh(&["pool-build", "fwdpool"]).ok();
    q.virsh(&["pool-start", "fwdpool"]).ok();
    let pools = q.virsh(&["pool-list", "--name"]);
    assert_eq!(pools.ok().trim(), "fwdpool", "{pools:?}");
    q.virsh(&["vol-create-as", "fwdpool", "v.img", "4M"]).ok();
    let path = q.virsh(&["vol-path", "--pool", "fwdpool", "v.img"]);
    assert_eq!(
        PathBuf::from(path.ok().trim()),
        target.join("v.img"),
        "{path:?}"
    );

    // upload and download through qemud: the bytes come back
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 123)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let up = root.join("up.bin");
    let down = root.join("down.bin");
    std::fs::write(&up, &data).unwrap();
    q.virsh(&[
        "vol-upload",
        "--pool",
        "fwdpool",
        "v.img",
        up.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        &std::fs::read(target.join("v.img")).unwrap()[..data.len()],
        &data[..]
    );
    q.virsh(&[
        "vol-download",
        "--pool",
        "fwdpool",
        "v.img",
        down.to_str().unwrap(),
        "--length",
        &data.len().to_string(),
    ])
    .ok();
    let st = Command::new("cmp").arg(&up).arg(&down).status().unwrap();
    assert!(st.success(), "downloaded bytes differ");

    // sparse: a file with a hole in the middle keeps its hole on the way up and down
    let sparse = root.join("sparse.bin");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(&sparse).unwrap();
        f.write_all(&[7u8; 65536]).unwrap();
        f.seek(SeekFrom::Start(3 * 1024 * 1024)).unwrap();
        f.write_all(&[9u8; 65536]).unwrap();
    }
    q.virsh(&["vol-create-as", "fwdpool", "s.img", "4M"]).ok();
    q.virsh(&[
        "vol-upload",
        "--sparse",
        "--pool",
        "fwdpool",
        "s.img",
        sparse.to_str().unwrap(),
    ])
    .ok();
    let sdown = root.join("sparse-down.bin");
    q.virsh(&[
        "vol-download",
        "--sparse",
        "--pool",
        "fwdpool",
        "s.img",
        sdown.to_str().unwrap(),
    ])
    .ok();
    let a = std::fs::read(&sparse).unwrap();
    let b = std::fs::read(&sdown).unwrap();
    assert_eq!(&b[..a.len()], &a[..], "sparse round trip");
    assert!(b[a.len()..].iter().all(|&x| x == 0));
    use std::os::unix::fs::MetadataExt;
    let blocks = std::fs::metadata(&sdown).unwrap().blocks() * 512;
    assert!(
        blocks < 1024 * 1024,
        "the downloaded file has its hole ({blocks} bytes allocated)"
    );

    // streams aborted by the client, both ways: the connection goes on
    let r = q.python(ABORTS, &[]);
    assert_eq!(r.ok().trim(), "65536 1 ok", "{r:?}");

    q.virsh(&["vol-delete", "--pool", "fwdpool", "v.img"]).ok();
    q.virsh(&["net-undefine", "fwdnet"]).ok();
    let list = q.virsh(&["net-list", "--all", "--name"]);
    assert_eq!(list.ok().trim(), "", "{list:?}");

    // every secondary connection went with its client: storaged has no client left
    let clients = || {
        let o = oxvirt_e2e::command("virt-admin")
            .arg("-c")
            .arg(format!(
                "virtstoraged:///system?socket={}",
                root.join("run/storaged-admin-sock").display()
            ))
            .args(["srv-clients-list", "virtstoraged"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| {
                l.split_whitespace()
                    .next()
                    .is_some_and(|w| w.parse::<u64>().is_ok())
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while clients() != 0 {
        assert!(Instant::now() < deadline, "storaged still has clients");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const ABORTS: &str = r#"
import sys, libvirt
c = libvirt.open(sys.argv[1])
v = c.storagePoolLookupByName("fwdpool").storageVolLookupByName("v.img")
st = c.newStream(0)
v.download(st, 0, 0, 0)
got = b""
while len(got) < 65536:
    got += st.recv(65536 - len(got))
st.abort()
st = c.newStream(0)
v.upload(st, 0, 4096, 0)
st.send(b"x" * 1000)
st.abort()
n = len(c.listAllStoragePools())
st = c.newStream(0)
v.download(st, 0, 4096, 0)
back = b""
while True:
    b = st.recv(4096)
    if not b:
        break
    back += b
st.finish()
print(len(got), n, "ok" if len(back) == 4096 else "short")
"#;

const NETWORK_EVENTS: &str = r#"
import sys, threading, time, libvirt
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
seen = []
def cb(conn, net, event, detail, opaque):
    seen.append("%s %d" % (net.name(), event))
def dcb(conn, dom, event, detail, opaque):
    seen.append("domain %s" % dom.name())
# a domain callback of qemud's own first: its id and the network one's may be equal
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dcb, None)
cid = conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, cb, None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
net = conn.networkDefineXML(sys.argv[2])
net.undefine()
deadline = time.time() + 10
while len(seen) < 2 and time.time() < deadline:
    time.sleep(0.05)
conn.networkEventDeregisterAny(cid)
conn.networkDefineXML(sys.argv[2]).undefine()
time.sleep(0.5)
print(" ".join(seen))
"#;

#[test]
fn network_events_through_qemud() {
    let tmp = tmp_root("oxvirt-fwd-ev-");
    let root = tmp.path();
    let _n = Networkd::start_in(root);
    let q = Qemud::start_in(root);
    let r = q.python(NETWORK_EVENTS, &[NETWORK]);
    // defined, undefined; nothing after the deregistration
    assert_eq!(r.ok().trim(), "fwdnet 0 fwdnet 1", "{r:?}");
}

#[test]
fn absent_or_stopped_daemons_answer_as_libvirt() {
    let tmp = tmp_root("oxvirt-fwd-none-");
    let root = tmp.path();
    let q = Qemud::start_in(root);
    // no storaged on this root at all: as a libvirtd without the storage driver
    let r = q.virsh(&["pool-list"]);
    assert_eq!(
        r.err(),
        "error: Failed to get the number of active pools \nerror: this function is not supported by the connection driver: virConnectNumOfStoragePools\n",
        "{r:?}"
    );
    // a socket nobody answers on (a daemon killed): libvirt's connect error, 38 in the RPC
    // domain, as its remote driver reports an unreachable socket
    let sock = root.join("run/storaged-sock");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    let r = q.virsh(&["pool-list"]);
    assert!(
        r.err().contains(&format!(
            "Failed to connect socket to '{}': Connection refused",
            sock.display()
        )),
        "{r:?}"
    );
    let r = q.python(
        "import sys, libvirt\nc = libvirt.open(sys.argv[1])\n\
         try:\n    c.listAllStoragePools()\nexcept libvirt.libvirtError as e:\n    \
         print(e.get_error_code(), e.get_error_domain())\n",
        &[],
    );
    assert_eq!(r.ok().trim(), "38 7", "{r:?}");
    // domains are not affected, and once storaged runs the calls go through
    q.virsh(&["list", "--all"]).ok();
    std::fs::remove_file(&sock).unwrap();
    let _s = Storaged::start_in_without_default(root);
    let r = q.virsh(&["pool-list", "--all", "--name"]);
    assert_eq!(r.ok().trim(), "", "{r:?}");
}
