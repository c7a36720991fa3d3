//! The domain registry of oxvirt-qemud through virsh and python3-libvirt: define, list,
//! dominfo, domstate, dumpxml, autostart, undefine, persistence across a restart, events,
//! and libvirt-identical XML for the corpus in tests/data/domain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;

use oxvirt_e2e::{python, Qemud};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/domain")
}

/// Every deterministic corpus input is either defined with exactly libvirt's XML or refused
/// with an error; never defined with different XML. The count that matches may only grow.
#[test]
fn corpus_through_the_daemon_is_identical_or_refused() {
    let d = Qemud::start();
    let script = r#"
import sys, os, glob, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
same = diff = refused = 0
for f in sorted(glob.glob(sys.argv[2] + "/*.xml")):
    if ".expected" in f:
        continue
    n = f[:-4]
    if not os.path.exists(n + ".expected.xml") or os.path.exists(n + ".nondeterministic"):
        continue
    try:
        dom = c.defineXML(open(f).read())
    except libvirt.libvirtError:
        refused += 1
        continue
    x = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    dom.undefine()
    # a generated NVRAM path is in the driver's own directory where libvirt has its own
    x = x.replace(sys.argv[3] + "/", "/var/lib/libvirt/qemu/nvram/")
    if x == open(n + ".expected.xml").read():
        same += 1
    else:
        diff += 1
        print("DIFF", f)
print("same", same, "diff", diff, "refused", refused)
"#;
    let nvram_dir = d.root().join("lib/qemu/nvram");
    let out = python(
        script,
        &[
            &d.uri(),
            corpus().to_str().unwrap(),
            nvram_dir.to_str().unwrap(),
        ],
    )
    .ok()
    .to_string();
    eprintln!("{out}");
    let last = out.lines().last().unwrap();
    let n: Vec<usize> = last
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(
        n[1], 0,
        "defined with XML that differs from libvirt's:\n{out}"
    );
    assert!(
        n[0] >= 124,
        "fewer corpus files identical than before: {out}"
    );
}

#[test]
fn define_list_info_autostart_undefine_and_restart() {
    let src = corpus().join("edge-q35-minimal.xml");
    let expected = std::fs::read_to_string(corpus().join("edge-q35-minimal.expected.xml")).unwrap();
    let name = {
        let x = std::fs::read_to_string(&src).unwrap();
        let a = x.find("<name>").unwrap() + 6;
        let b = x[a..].find("</name>").unwrap() + a;
        x[a..b].to_string()
    };
    let mut d = Qemud::start();
    d.virsh(&["define", src.to_str().unwrap()]).ok();
    let list = d.virsh(&["list", "--all"]).ok().to_string();
    assert!(list.contains(&name) && list.contains("shut off"), "{list}");
    assert_eq!(d.virsh(&["list", "--all", "--name"]).ok().trim(), name);
    assert_eq!(d.virsh(&["list", "--name"]).ok().trim(), "");
    assert_eq!(d.virsh(&["list", "--inactive", "--name"]).ok().trim(), name);
    let info = d.virsh(&["dominfo", &name]).ok().to_string();
    for want in [
        "State:          shut off",
        "Persistent:     yes",
        "Autostart:      disable",
        "Id:             -",
    ] {
        assert!(info.contains(want), "{want}\n{info}");
    }
    assert_eq!(
        d.virsh(&["domstate", "--reason", &name]).ok().trim(),
        "shut off (unknown)"
    );
    // virsh prints the XML with one more newline
    assert_eq!(
        d.virsh(&["dumpxml", "--inactive", &name]).ok().trim_end(),
        expected.trim_end()
    );
    // defining the same XML again updates it
    d.virsh(&["define", src.to_str().unwrap()]).ok();
    d.virsh(&["autostart", &name]).ok();
    assert!(d
        .virsh(&["dominfo", &name])
        .ok()
        .contains("Autostart:      enable"));
    assert_eq!(
        d.virsh(&["list", "--all", "--autostart", "--name"])
            .ok()
            .trim(),
        name
    );
    d.virsh(&["autostart", "--disable", &name]).ok();
    assert_eq!(
        d.virsh(&["list", "--all", "--autostart", "--name"])
            .ok()
            .trim(),
        ""
    );
    d.virsh(&["undefine", &name]).ok();
    assert_eq!(d.virsh(&["list", "--all", "--name"]).ok().trim(), "");
    assert!(d.alive());
}

#[test]
fn definitions_survive_a_daemon_restart() {
    let root = tempfile::tempdir().unwrap();
    // TCG: QEMU runs as the unprivileged qemu user, who may not open /dev/kvm on every host
    let xml = std::fs::read_to_string(corpus().join("edge-q35-minimal.xml"))
        .unwrap()
        .replace("<domain type='kvm'>", "<domain type='qemu'>");
    let src = root.path().join("q35-minimal.xml");
    std::fs::write(&src, xml).unwrap();
    let name = "q35-minimal";
    {
        let d = Qemud::start_in(root.path());
        d.virsh(&["define", src.to_str().unwrap()]).ok();
        d.virsh(&["autostart", name]).ok();
    }
    let d = Qemud::start_in(root.path());
    assert_eq!(d.virsh(&["list", "--all", "--name"]).ok().trim(), name);
    assert!(d
        .virsh(&["dominfo", name])
        .ok()
        .contains("Autostart:      enable"));
    // marked autostart: the restarted daemon started it
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !d.virsh(&["domstate", name]).ok().contains("running") {
        assert!(std::time::Instant::now() < deadline, "not autostarted");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    d.virsh(&["destroy", name]).ok();
    d.virsh(&["undefine", name]).ok();
    assert_eq!(d.virsh(&["list", "--all", "--name"]).ok().trim(), "");
    drop(d);
    let d = Qemud::start_in(root.path());
    assert_eq!(d.virsh(&["list", "--all", "--name"]).ok().trim(), "");
    let e = d.virsh(&["dominfo", name]).err().to_string();
    assert!(e.contains("failed to get domain"), "{e}");
}

#[test]
fn name_and_uuid_clashes_are_refused() {
    let d = Qemud::start();
    let x = |name: &str, uuid: &str| {
        format!("<domain type='qemu'><name>{name}</name><uuid>{uuid}</uuid><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>")
    };
    let a = "11111111-2222-3333-4444-555555555555";
    let b = "11111111-2222-3333-4444-666666666666";
    let script = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
c.defineXML(sys.argv[2])
for x in sys.argv[3:]:
    try:
        c.defineXML(x)
        print("defined")
    except libvirt.libvirtError as e:
        print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
"#;
    let out = python(
        script,
        &[&d.uri(), &x("one", a), &x("one", b), &x("two", a)],
    )
    .ok()
    .to_string();
    assert!(
        out.contains(&format!(
            "9 10 operation failed: domain 'one' already exists with uuid {a}"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "9 10 operation failed: domain 'one' is already defined with uuid {a}"
        )),
        "{out}"
    );
}

/// Lifecycle events for define (added, then updated) and undefine reach a client with an
/// event loop, with libvirt's event and detail numbers.
#[test]
fn define_and_undefine_events() {
    let d = Qemud::start();
    let src = corpus().join("edge-q35-minimal.xml");
    let script = r#"
import sys, time, libvirt
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
seen = []
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                         lambda conn, dom, ev, detail, opaque: seen.append((dom.name(), ev, detail)), None)
xml = open(sys.argv[2]).read()
dom = c.defineXML(xml)
c.defineXML(xml)
dom.undefine()
end = time.time() + 5
while len(seen) < 3 and time.time() < end:
    libvirt.virEventRunDefaultImpl()
print(seen)
"#;
    let out = python(script, &[&d.uri(), src.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(out.contains(", 0, 0), ("), "{out}");
    assert!(out.contains(", 0, 1), ("), "{out}");
    assert!(out.trim_end().ends_with(", 1, 0)]"), "{out}");
}

/// `virsh define --validate` (VIR_DOMAIN_DEFINE_VALIDATE) through the daemon: each
/// `*.validate.xml` corpus input is refused with libvirt's schema error (code 92), or defined
/// when libvirt's schema accepts it.
#[test]
fn define_validate_gives_libvirts_schema_errors() {
    let d = Qemud::start();
    let mut checked = 0;
    for e in std::fs::read_dir(corpus()).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".validate.xml") else {
            continue;
        };
        let err_file = corpus().join(format!("{stem}.validate.expected-validate-error"));
        let r = d.virsh(&["define", "--validate", p.to_str().unwrap()]);
        match std::fs::read_to_string(&err_file) {
            Ok(expected) => {
                assert_ne!(r.status, 0, "{name} should be refused");
                let msg = expected
                    .lines()
                    .skip_while(|l| !l.starts_with("message: "))
                    .collect::<Vec<_>>()
                    .join("\n");
                let msg = msg.trim_start_matches("message: ").trim();
                assert!(
                    r.stderr.contains(msg.lines().next().unwrap_or("")),
                    "{name}: {}\nexpected: {msg}",
                    r.stderr
                );
            }
            Err(_) => {
                assert_eq!(r.status, 0, "{name}: {}", r.stderr);
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} validate cases");
}
