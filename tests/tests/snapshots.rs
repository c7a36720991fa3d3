//! `virsh snapshot-*` end to end: a session on a shut-off domain with two qcow2 disks, run on
//! oxvirt and on a private libvirtd 9.0 with the same commands, compared output for output
//! (creation times and paths masked); its metadata surviving a SIGKILL of qemud; and an
//! internal snapshot of the running test guest, whose console counter goes back to where it
//! was when the snapshot is reverted (its memory came back, it did not boot again).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use oxvirt_e2e::{count_in_file, guest_xml, wait_in_file, Libvirtd, Qemud, Run, GUARD};

const READY: &str = "OXVIRT-GUEST-READY";

fn qcow2(path: &Path) {
    let o = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(path)
        .arg("64M")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
}

fn image_snapshots(path: &Path) -> String {
    let o = Command::new("qemu-img")
        .args(["snapshot", "-U", "-l"])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn offline_xml(dir: &Path) -> String {
    format!(
        "<domain type='qemu'><name>s1</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
         <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{0}/d1.qcow2'/><target dev='vda' bus='virtio'/></disk>\
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{0}/d2.qcow2'/><target dev='vdb' bus='virtio'/></disk>\
         </devices></domain>",
        dir.display()
    )
}

/// The session, each command's status, stdout and stderr in one text.
const SESSION: &[&[&str]] = &[
    &[
        "snapshot-create-as",
        "s1",
        "first",
        "--description",
        "hello <world>",
    ],
    &["snapshot-create-as", "s1", "second"],
    &["snapshot-list", "s1"],
    &["snapshot-list", "s1", "--parent"],
    &["snapshot-list", "s1", "--tree"],
    &["snapshot-list", "s1", "--roots"],
    &["snapshot-list", "s1", "--leaves", "--name"],
    &["snapshot-list", "s1", "--internal", "--name"],
    &["snapshot-list", "s1", "--external", "--name"],
    &["snapshot-list", "s1", "--active", "--name"],
    &["snapshot-list", "s1", "--inactive", "--name"],
    &["snapshot-list", "s1", "--no-metadata", "--name"],
    &["snapshot-list", "s1", "--from", "first", "--name"],
    &["snapshot-info", "s1", "first"],
    &["snapshot-info", "s1", "--current"],
    &["snapshot-current", "s1", "--name"],
    &["snapshot-parent", "s1", "second"],
    &["snapshot-parent", "s1", "first"],
    &["snapshot-create-as", "s1", "third", "--quiesce"],
    &["snapshot-create-as", "s1", "second"],
    &["snapshot-create-as", "s1", "third", "--live"],
    &["snapshot-create-as", "s1", "bad/name"],
    &["snapshot-delete", "s1", "nosuch"],
    &["snapshot-info", "s1", "nosuch"],
    &["undefine", "s1"],
    &["snapshot-revert", "s1", "first"],
    &["snapshot-current", "s1", "--name"],
    &["snapshot-create-as", "s1", "third"],
    &["snapshot-list", "s1", "--tree"],
    &["snapshot-create-as", "s1", "ext", "--disk-only"],
    &["snapshot-list", "s1", "--external", "--name"],
    &["snapshot-info", "s1", "ext"],
    &["snapshot-revert", "s1", "ext"],
    &["snapshot-delete", "s1", "ext"],
    &["snapshot-delete", "s1", "ext", "--metadata"],
    &["snapshot-delete", "s1", "first"],
    &["snapshot-list", "s1", "--parent"],
    &["snapshot-delete", "s1", "--current", "--children"],
    &["snapshot-list", "s1", "--parent"],
];

fn transcript(run: impl Fn(&[&str]) -> Run, dir: &Path) -> String {
    let mut out = String::new();
    for args in SESSION {
        let r = run(args);
        out.push_str(&format!(
            "$ virsh {}\nrc={}\n{}{}",
            args.join(" "),
            r.status,
            r.stdout,
            r.stderr
        ));
    }
    mask(&out, dir)
}

/// Times and the disks' directory differ between the two runs.
fn mask(text: &str, dir: &Path) -> String {
    let text = text.replace(&dir.display().to_string(), "DIR");
    text.lines()
        .map(|l| {
            // "2026-12-07 13:04:01 +0000": a creation time
            let mut s = l.to_string();
            while let Some(i) = s.find(" +0000") {
                let start = i.saturating_sub(19);
                s.replace_range(start..i + 6, "TIME");
            }
            // the columns' widths follow the times'
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_snapshot_session_on_a_shut_off_domain_is_libvirts_and_survives_a_restart() {
    let lv = Libvirtd::start();
    let lv_dir = tempfile::tempdir().unwrap();
    let root = tempfile::Builder::new()
        .prefix("oxvirt-e2e-snap-")
        .tempdir()
        .unwrap();
    let ox_dir = root.path().join("disks");
    std::fs::create_dir_all(&ox_dir).unwrap();
    for d in [lv_dir.path(), ox_dir.as_path()] {
        qcow2(&d.join("d1.qcow2"));
        qcow2(&d.join("d2.qcow2"));
    }
    let lv_xml = lv_dir.path().join("s1.xml");
    std::fs::write(&lv_xml, offline_xml(lv_dir.path())).unwrap();
    lv.virsh(&["define", lv_xml.to_str().unwrap()]).ok();
    let want = transcript(|a| lv.virsh(a), lv_dir.path());

    let q = Qemud::start_in(root.path());
    let ox_xml = ox_dir.join("s1.xml");
    std::fs::write(&ox_xml, offline_xml(&ox_dir)).unwrap();
    q.virsh(&["define", ox_xml.to_str().unwrap()]).ok();
    let got = transcript(|a| q.virsh(a), &ox_dir);
    let (w, g): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
    for (i, (a, b)) in w.iter().zip(&g).enumerate() {
        assert_eq!(
            a, b,
            "line {i} differs;\nlibvirt:\n{want}\n\noxvirt:\n{got}"
        );
    }
    assert_eq!(w.len(), g.len(), "libvirt:\n{want}\n\noxvirt:\n{got}");

    // the images hold what the metadata says
    let l = image_snapshots(&ox_dir.join("d1.ext"));
    assert!(!l.contains("second"), "{l}");
    let l = image_snapshots(&ox_dir.join("d1.qcow2"));
    assert!(l.contains("second") && l.contains("third"), "{l}");

    // the snapshot XML is libvirt's up to the domain (whose defaults are checked elsewhere)
    let head = |x: &str| x.split("<domain").next().unwrap_or_default().to_string();
    let lvx = lv
        .virsh(&["snapshot-dumpxml", "s1", "second"])
        .ok()
        .to_owned();
    let oxx = q
        .virsh(&["snapshot-dumpxml", "s1", "second"])
        .ok()
        .to_owned();
    let strip_time = |x: &str| {
        x.lines()
            .filter(|l| !l.contains("<creationTime>"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip_time(&head(&lvx)), strip_time(&head(&oxx)));
    assert!(
        oxx.contains("<domain type='qemu'>\n    <name>s1</name>"),
        "{oxx}"
    );

    // the metadata (and the current mark) survives a SIGKILL of qemud
    q.virsh(&["snapshot-revert", "s1", "second"]).ok();
    let before = q
        .virsh(&["snapshot-list", "s1", "--parent"])
        .ok()
        .to_owned();
    let info = q
        .virsh(&["snapshot-info", "s1", "--current"])
        .ok()
        .to_owned();
    q.sigkill();
    let q = Qemud::start_in(root.path());
    assert_eq!(q.virsh(&["snapshot-list", "s1", "--parent"]).ok(), before);
    assert_eq!(q.virsh(&["snapshot-info", "s1", "--current"]).ok(), info);
    assert!(info.contains("Name:           second"), "{info}");
    assert_eq!(q.virsh(&["snapshot-dumpxml", "s1", "second"]).ok(), oxx);
    // undefine with their metadata
    q.virsh(&["undefine", "s1", "--snapshots-metadata"]).ok();
    assert!(!root.path().join("lib/qemu/snapshot/s1").exists());
}

/// Start a counter in the guest's shell: `TICK-N-K` on the serial port every second.
const TICKER_PY: &str = r#"
import sys, signal, libvirt
signal.alarm(60)
c = libvirt.open(sys.argv[1])
d = c.lookupByName(sys.argv[2])
st = c.newStream(0)
d.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
buf = b""
while b"shell-42" not in buf.replace(b"shell-$((6*7))", b""):
    st.send(b"\necho shell-$((6*7))\n")
    data = st.recv(1024)
    if isinstance(data, int):
        continue
    if not data:
        break
    buf += data
st.send(b"(i=0; while :; do i=$((i+1)); echo TICK-$i-K; sleep 1; done) &\n")
print("ok")
st.finish()
c.close()
"#;

/// The `TICK-N-K` numbers in the serial log, in the order printed.
fn ticks(log: &Path) -> Vec<u64> {
    let text = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    text.split("TICK-")
        .skip(1)
        .filter_map(|s| s.split_once("-K").and_then(|(n, _)| n.parse().ok()))
        .collect()
}

fn wait_ticks(log: &Path, what: &str, done: impl Fn(&[u64]) -> bool) -> Vec<u64> {
    let deadline = Instant::now() + GUARD;
    loop {
        let t = ticks(log);
        if done(&t) {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}: {t:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_internal_snapshot_of_the_running_guest_brings_its_memory_back() {
    let q = Qemud::start();
    let name = "snap-run";
    let serial = q.root().join(format!("{name}.serial"));
    let disk = q.root().join("run.qcow2");
    qcow2(&disk);
    let xml = guest_xml(name, &serial).replace(
        "<devices>",
        &format!(
            "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
            disk.display()
        ),
    );
    let path = q.root().join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    q.virsh(&["define", path.to_str().unwrap()]).ok();
    q.virsh(&["start", name]).ok();
    wait_in_file(&serial, READY, 1);
    let r = oxvirt_e2e::python(TICKER_PY, &[&q.uri(), name]);
    assert!(r.ok().contains("ok"), "{r:?}");
    wait_ticks(&serial, "the counter starts", |t| t.len() > 2);

    q.virsh(&["snapshot-create-as", name, "live1"]).ok();
    let at = *ticks(&serial).last().unwrap();
    let xml = q
        .virsh(&["snapshot-dumpxml", name, "live1"])
        .ok()
        .to_owned();
    assert!(xml.contains("<state>running</state>"), "{xml}");
    assert!(xml.contains("<memory snapshot='internal'/>"), "{xml}");
    // as libvirt 9.0: the persistent definition beside the live one
    assert!(xml.contains("\n  <inactiveDomain type='qemu'>\n"), "{xml}");
    assert!(image_snapshots(&disk).contains("live1"));
    assert!(q.domstate(name).starts_with("running"));
    let later = wait_ticks(&serial, "the counter goes on", |t| {
        t.last().is_some_and(|l| *l > at + 3)
    });
    let top = *later.last().unwrap();

    // revert: the counter goes back to where it was, without a boot
    q.virsh(&["snapshot-revert", name, "live1"]).ok();
    assert!(q.domstate(name).starts_with("running"));
    let n = later.len();
    wait_ticks(&serial, "the counter went back", |t| {
        t.len() > n + 1 && t[n..].iter().any(|x| *x < top)
    });
    assert_eq!(count_in_file(&serial, READY), 1, "the guest booted again");
    assert_eq!(
        q.virsh(&["snapshot-current", name, "--name"]).ok().trim(),
        "live1"
    );

    // revert --paused, then delete on the running domain
    q.virsh(&["snapshot-revert", name, "live1", "--paused"])
        .ok();
    assert!(q.domstate(name).starts_with("paused"));
    q.virsh(&["resume", name]).ok();
    q.virsh(&["snapshot-delete", name, "live1"]).ok();
    assert!(!image_snapshots(&disk).contains("live1"));
    assert_eq!(q.virsh(&["snapshot-list", name, "--name"]).ok().trim(), "");

    // external disk-only: the running guest goes on in a new overlay on top of its image
    q.virsh(&["snapshot-create-as", name, "ext1", "--disk-only"])
        .ok();
    let overlay = q.root().join("run.ext1");
    let blk = q.virsh(&["domblklist", name]).ok().to_owned();
    assert!(blk.contains(overlay.to_str().unwrap()), "{blk}");
    let inactive = q.virsh(&["dumpxml", "--inactive", name]).ok().to_owned();
    assert!(inactive.contains(overlay.to_str().unwrap()), "{inactive}");
    let o = Command::new("qemu-img")
        .args(["info", "-U"])
        .arg(&overlay)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        info.contains(&format!("backing file: {}", disk.display())),
        "{info}"
    );
    let xml = q.virsh(&["snapshot-dumpxml", name, "ext1"]).ok().to_owned();
    assert!(xml.contains("<state>disk-snapshot</state>"), "{xml}");
    let n = ticks(&serial).len();
    wait_ticks(&serial, "the counter goes on on the overlay", |t| {
        t.len() > n + 2
    });
    let e = q.virsh(&["snapshot-revert", name, "ext1"]).err().to_owned();
    assert!(
        e.contains("revert to external snapshot not supported yet"),
        "{e}"
    );
    q.virsh(&["destroy", name]).ok();
}

fn kill(pid: u32) {
    if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

/// Wait for a child virsh, bounded; whether it succeeded.
fn wait_child(c: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(s) = c.try_wait().unwrap() {
            return s.success();
        }
        assert!(
            Instant::now() < deadline,
            "virsh snapshot-create-as is stuck"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGKILL of the shim, then of qemud, while an internal snapshot of the running guest is
/// taken: the call ends (done or failed, never stuck), the guest runs on, the metadata reads
/// back and names only snapshots the image has, and the next snapshot works.
#[test]
fn a_snapshot_cut_by_sigkill_loses_no_vm_and_no_metadata() {
    let root = tempfile::Builder::new()
        .prefix("oxvirt-snap-crash-")
        .tempdir()
        .unwrap();
    let r = root.path();
    let name = "snap-crash";
    let mut q = Qemud::start_in(r);
    let serial = r.join(format!("{name}.serial"));
    let disk = r.join("crash.qcow2");
    qcow2(&disk);
    let xml = guest_xml(name, &serial).replace(
        "<devices>",
        &format!(
            "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
             <source file='{}'/><target dev='vda' bus='virtio'/></disk>",
            disk.display()
        ),
    );
    let path = r.join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    q.virsh(&["define", path.to_str().unwrap()]).ok();
    q.virsh(&["start", name]).ok();
    wait_in_file(&serial, READY, 1);
    for round in 0..2 {
        let snap = format!("cut{round}");
        let mut create = Command::new("virsh")
            .args(["-c", &q.uri(), "snapshot-create-as", name, &snap])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // cut it while QEMU writes (the guest's 256 MiB take a while under TCG); where
        // exactly does not matter: every outcome must be consistent
        std::thread::sleep(Duration::from_millis(150));
        if round == 0 {
            for s in q.shims() {
                kill(s.pid);
            }
            wait_child(&mut create);
        } else {
            let old = q;
            old.sigkill();
            wait_child(&mut create);
            q = Qemud::start_in(r);
        }
        // the guest runs on (QEMU ends the job and resumes it by itself)
        let deadline = Instant::now() + GUARD;
        while !q.virsh(&["domstate", name]).ok().starts_with("running") {
            assert!(
                Instant::now() < deadline,
                "round {round}: the guest stays stopped"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // the metadata reads back and names only what the image holds
        let listed = q.virsh(&["snapshot-list", name, "--name"]).ok().to_owned();
        let image = image_snapshots(&disk);
        for s in listed.split_whitespace() {
            assert!(
                image.contains(s),
                "round {round}: {s} listed, image: {image}"
            );
        }
        // the next snapshot works, and so does its deletion
        let next = format!("after{round}");
        q.virsh(&["snapshot-create-as", name, &next]).ok();
        q.virsh(&["snapshot-delete", name, &next]).ok();
        oxvirt_e2e::python_console_roundtrip(&q.uri(), name, true);
    }
    q.virsh(&["destroy", name]).ok();
}
