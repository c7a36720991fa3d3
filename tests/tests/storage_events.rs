//! Storage pool events: the same python3-libvirt session against libvirt 9.0 and
//! oxvirt-storaged gets the same lifecycle and refresh events, in the same order, and a
//! registration filtered to one pool sees that pool's events only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::Libvirtd;

/// Arguments: URI, a directory for the pools. Prints each step and the events it caused.
const PY_EVENTS: &str = r#"
import libvirt, sys, threading, time, os
libvirt.virEventRegisterDefaultImpl()
uri, base = sys.argv[1], sys.argv[2]
c = libvirt.open(uri)
evs = []
lock = threading.Lock()
def lc(conn, pool, event, detail, tag):
    with lock: evs.append("%s:lifecycle %s %d %d" % (tag, pool.name(), event, detail))
def rf(conn, pool, tag):
    with lock: evs.append("%s:refresh %s" % (tag, pool.name()))
ids = [c.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, lc, "all"),
       c.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH, rf, "all")]
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
xml = "<pool type='dir'><name>%s</name><target><path>" + base + "/%s</path></target></pool>"
state = {}
def step(name, f):
    with lock: evs.clear()
    try:
        f()
    except libvirt.libvirtError as e:
        print(name, "error", e.get_error_code())
    time.sleep(0.5)
    with lock: print(name, sorted(evs) if name.startswith("sorted") else evs, flush=True)
def define():
    state["p"] = c.storagePoolDefineXML(xml % ("ev1", "ev1"), 0)
p = lambda: state["p"]
step("define", define)
step("define-again", lambda: c.storagePoolDefineXML(p().XMLDesc(0), 0))
step("build", lambda: p().build(0))
ids.append(c.storagePoolEventRegisterAny(p(), libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, lc, "ev1"))
step("sorted-create", lambda: p().create(0))
step("refresh", lambda: p().refresh(0))
step("vol-create", lambda: p().createXML("<volume><name>v</name><capacity>1048576</capacity></volume>", 0))
def up():
    v = p().storageVolLookupByName("v"); s = c.newStream(0)
    v.upload(s, 0, 4096, 0); s.send(b"x" * 4096); s.finish()
step("upload", up)
def down():
    v = p().storageVolLookupByName("v"); s = c.newStream(0)
    v.download(s, 0, 4096, 0)
    while s.recv(65536): pass
    s.finish()
step("download", down)
step("vol-wipe", lambda: p().storageVolLookupByName("v").wipe(0))
step("vol-resize", lambda: p().storageVolLookupByName("v").resize(2097152, 0))
step("vol-delete", lambda: p().storageVolLookupByName("v").delete(0))
step("autostart", lambda: p().setAutostart(1))
step("sorted-destroy", lambda: p().destroy())
step("destroy-again", lambda: p().destroy())
step("sorted-create-with-build", lambda: p().create(libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD))
step("sorted-destroy", lambda: p().destroy())
step("sorted-delete", lambda: p().delete(0))
step("sorted-undefine", lambda: p().undefine())
os.makedirs(base + "/ev2", exist_ok=True)
def cx():
    state["q"] = c.storagePoolCreateXML(xml % ("ev2", "ev2"), 0)
step("create-xml", cx)
step("destroy-transient", lambda: state["q"].destroy())
def cxb():
    state["q"] = c.storagePoolCreateXML(xml % ("ev3", "ev3"), libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
step("create-xml-build", cxb)
step("destroy-transient", lambda: state["q"].destroy())
for i in ids:
    c.storagePoolEventDeregisterAny(i)
try:
    c.storagePoolEventDeregisterAny(ids[0])
except libvirt.libvirtError as e:
    print("deregister-again error", e.get_error_code())
define()
step("after-deregister", lambda: p().undefine())
"#;

#[test]
fn pool_events_match_libvirt() {
    let run = |uri: &str, dir: &std::path::Path| {
        let r = oxvirt_e2e::python(PY_EVENTS, &[uri, dir.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{r:?}");
        r.stdout
    };
    let lv = Libvirtd::start();
    let lv_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-ev-lv-")
        .tempdir()
        .unwrap();
    let want = run(lv.uri(), lv_dir.path());
    let sd = Storaged::start();
    sd.drop_default_pool();
    let sd_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-ev-sd-")
        .tempdir()
        .unwrap();
    let got = run(&sd.uri(), sd_dir.path());
    eprintln!("{got}");
    // the session saw events at all (a daemon that sends none cannot pass)
    assert!(got.contains("all:lifecycle ev1 4 0"), "{got}");
    assert!(got.contains("ev1:lifecycle ev1 2 0"), "{got}");
    assert!(got.contains("all:refresh ev1"), "{got}");
    assert_eq!(want, got, "libvirt:\n{want}\n---\noxvirt:\n{got}");
}
