//! python3-libvirt 9.0 driving a real QEMU guest, with event callbacks on the default event
//! loop: the lifecycle events arrive with libvirt's numbers, through both the new
//! (`domainEventRegisterAny`) and the legacy (`domainEventRegister`) API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{guest_xml, Qemud};

const SCRIPT: &str = r#"
import sys, time, threading, signal, libvirt
signal.alarm(120)
uri, xml, serial = sys.argv[1], sys.argv[2], sys.argv[3]
libvirt.virEventRegisterDefaultImpl()
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()

c = libvirt.open(uri)
lock = threading.Lock()
new, legacy, reboots = [], [], []
def lifecycle(conn, dom, event, detail, opaque):
    with lock:
        new.append((dom.name(), event, detail))
def reboot(conn, dom, opaque):
    with lock:
        reboots.append(dom.name())
def old(conn, dom, event, detail, opaque):
    with lock:
        legacy.append((dom.name(), event, detail))
lc = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
rb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, reboot, None)
c.domainEventRegister(old, None)

def wait(what, cond, guard=60):
    end = time.time() + guard
    while time.time() < end:
        with lock:
            if cond():
                return
        time.sleep(0.05)
    raise SystemExit("timeout waiting for %s: new=%r legacy=%r reboots=%r state=%r" % (what, new, legacy, reboots, d.state() if d else None))

def ready(n):
    try:
        return open(serial, "rb").read().count(b"OXVIRT-GUEST-READY") >= n
    except FileNotFoundError:
        return False

def seen(ev, det):
    return ("py1", ev, det) in new and ("py1", ev, det) in legacy

d = None
d = c.defineXML(xml)
wait("defined", lambda: seen(0, 0))
d.create()
wait("started", lambda: seen(2, 0))
print("state", d.state())
wait("ready", lambda: ready(1))
d.suspend()
wait("suspended", lambda: seen(3, 0))
print("state", d.state())
d.resume()
wait("resumed", lambda: seen(4, 0) and new.count(("py1", 4, 0)) >= 2)
d.reboot(0)
wait("rebooted", lambda: ready(2) and reboots)
d.shutdown()
wait("shutdown", lambda: seen(5, 0))
print("state", d.state())
d.create()
wait("started again", lambda: new.count(("py1", 2, 0)) >= 2)
d.destroy()
wait("destroyed", lambda: seen(5, 1))
print("state", d.state())
d.undefine()
wait("undefined", lambda: seen(1, 0))
c.domainEventDeregisterAny(lc)
c.domainEventDeregisterAny(rb)
c.domainEventDeregister(old)
with lock:
    print("new", " ".join("%d/%d" % (e, t) for (n, e, t) in new))
    print("legacy", " ".join("%d/%d" % (e, t) for (n, e, t) in legacy))
    print("reboots", len(reboots), set(reboots))
c.close()
"#;

#[test]
fn events_with_libvirt_numbers() {
    let q = Qemud::start();
    let serial = q.root().join("py1.serial");
    let xml = guest_xml("py1", &serial);
    let out = q
        .python(SCRIPT, &[&xml, &serial.display().to_string()])
        .ok()
        .to_string();
    eprintln!("{out}");
    let line = |tag: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap_or_else(|| panic!("no {tag:?} in {out}"))
            .trim()
            .to_owned()
    };
    // VIR_DOMAIN_RUNNING/BOOTED, PAUSED/USER, SHUTOFF/SHUTDOWN, SHUTOFF/DESTROYED
    let states: Vec<&str> = out.lines().filter(|l| l.starts_with("state ")).collect();
    assert_eq!(
        states,
        [
            "state [1, 1]",
            "state [3, 1]",
            "state [5, 1]",
            "state [5, 2]"
        ],
        "{out}"
    );
    // DEFINED/ADDED, RESUMED/UNPAUSED + STARTED/BOOTED, SUSPENDED/PAUSED, RESUMED/UNPAUSED,
    // SHUTDOWN/GUEST, STOPPED/SHUTDOWN, RESUMED + STARTED, SHUTDOWN/HOST (QEMU's SHUTDOWN on
    // destroy's SIGTERM, as libvirt 9.0 sends it), STOPPED/DESTROYED, UNDEFINED/REMOVED
    let want = "0/0 4/0 2/0 3/0 4/0 6/1 5/0 4/0 2/0 6/2 5/1 1/0";
    assert_eq!(line("new "), want, "{out}");
    assert_eq!(line("legacy "), want, "{out}");
    let reboots = line("reboots ");
    assert!(reboots.ends_with("{'py1'}"), "{out}");
    assert!(!reboots.starts_with('0'), "{out}");
}
