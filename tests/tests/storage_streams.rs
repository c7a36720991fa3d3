//! Streams at scale: python3-libvirt uploads 1 GiB into a volume of oxvirt-storaged and
//! downloads it again, with SHA-256 checksums on both sides; a download the client cuts
//! mid-way (abort) leaves the daemon serving that connection and others.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::storaged::Storaged;

/// Arguments: URI, pool name. Prints `upload SHA MiB/s`, `download SHA MiB/s`, then `ok` lines.
const PY_STREAMS: &str = r#"
import libvirt, sys, hashlib, time
uri, pool = sys.argv[1], sys.argv[2]
c = libvirt.open(uri)
p = c.storagePoolLookupByName(pool)
N, CH = 1 << 30, 1 << 20
v = p.createXML("<volume><name>big.img</name><capacity unit='G'>1</capacity>"
                "<allocation>0</allocation></volume>", 0)
base = bytes(range(256)) * (CH // 256)
def send_all(s, b):
    while b:
        n = s.send(b)
        b = b[n:]
h = hashlib.sha256()
s = c.newStream(0)
v.upload(s, 0, N, 0)
t = time.time()
for i in range(N // CH):
    b = i.to_bytes(8, "little") + base[8:]
    h.update(b)
    send_all(s, b)
s.finish()
print("upload", h.hexdigest(), "%.0f MiB/s" % (N / CH / (time.time() - t)), flush=True)

def download(conn, vol, cut=None):
    h = hashlib.sha256()
    s = conn.newStream(0)
    vol.download(s, 0, 0, 0)
    got = 0
    while True:
        b = s.recv(256 * 1024)
        if not b:
            break
        h.update(b)
        got += len(b)
        if cut is not None and got >= cut:
            s.abort()
            return None, got
    s.finish()
    return h.hexdigest(), got

t = time.time()
d, got = download(c, v)
print("download", d, "%.0f MiB/s" % (N / CH / (time.time() - t)), flush=True)
assert got == N, got

# a download cut by its client after 64 MiB
_, got = download(c, v, cut=64 << 20)
print("cut after", got >> 20, "MiB", flush=True)
# the same connection and another one are served
assert v.info()[1] == N
c2 = libvirt.open(uri)
v2 = c2.storagePoolLookupByName(pool).storageVolLookupByName("big.img")
s = c2.newStream(0)
v2.download(s, 0, 4 * CH, 0)
first = b""
while True:
    b = s.recv(CH)
    if not b:
        break
    first += b
s.finish()
assert len(first) == 4 * CH and first[:8] == (0).to_bytes(8, "little"), len(first)
print("ok other connection", flush=True)
print("ok same connection", len(c.storagePoolLookupByName(pool).listAllVolumes(0)), flush=True)
v.delete(0)
"#;

#[test]
fn python_streams_of_a_gib_with_checksums_and_a_cut_download() {
    let sd = Storaged::start();
    let dir = sd.root().join("big");
    for args in [
        vec![
            "pool-define-as",
            "big",
            "dir",
            "--target",
            dir.to_str().unwrap(),
        ],
        vec!["pool-build", "big"],
        vec!["pool-start", "big"],
    ] {
        sd.virsh(&args).ok();
    }
    let r = oxvirt_e2e::python(PY_STREAMS, &[&sd.uri(), "big"]);
    eprintln!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.status, 0, "{r:?}\n{}", sd.log());
    let sha = |what: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(what))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
            .unwrap()
    };
    assert_eq!(sha("upload "), sha("download "));
    assert!(r.stdout.contains("ok other connection"), "{}", r.stdout);
    assert!(r.stdout.contains("ok same connection 1"), "{}", r.stdout);
}
