//! `virsh save`, `restore`, `save-image-*` and `managedsave*` end to end on the test guest, in
//! libvirt's save-image format: the guest's console counter goes on after a restore (its state
//! came back, it did not boot again), images move between a private libvirtd 9.0 and oxvirt
//! both ways, and a save cut by SIGKILL of the shim or of qemud loses no VM and leaves no
//! image that passes for complete.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{
    count_in_file, guest, guest_xml, wait_in_file, EventWatch, Libvirtd, Qemud, GUARD,
};

const READY: &str = "OXVIRT-GUEST-READY";

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

/// Type the ticker into the guest's console.
fn start_ticker(uri: &str, name: &str) {
    let r = oxvirt_e2e::python(TICKER_PY, &[uri, name]);
    assert!(r.ok().contains("ok"), "{r:?}");
}

/// The highest `TICK-N-K` in the serial log.
fn last_tick(log: &Path) -> u64 {
    let text = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    text.split("TICK-")
        .skip(1)
        .filter_map(|s| s.split_once("-K").and_then(|(n, _)| n.parse().ok()))
        .max()
        .unwrap_or(0)
}

/// Wait until the counter passes `n`.
fn wait_tick_above(log: &Path, n: u64) -> u64 {
    let deadline = Instant::now() + GUARD;
    loop {
        let t = last_tick(log);
        if t > n {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "the guest's counter did not pass {n} within {GUARD:?}: {}",
            String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default())
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn magic(path: &Path) -> Vec<u8> {
    std::fs::read(path)
        .map(|b| b.into_iter().take(16).collect())
        .unwrap_or_default()
}

/// virsh without `-q`, for the messages it prints on success.
fn loud(q: &Qemud, args: &[&str]) -> String {
    let o = Command::new("virsh")
        .arg("-c")
        .arg(q.uri())
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "virsh {args:?}: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn define_guest(q: &Qemud, name: &str) -> PathBuf {
    let serial = q.root().join(format!("{name}.serial"));
    let xml = q.root().join(format!("{name}.xml"));
    std::fs::write(&xml, guest_xml(name, &serial)).unwrap();
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    serial
}

#[test]
fn save_restore_and_managed_save_bring_the_guest_back_where_it_was() {
    let q = Qemud::start();
    let name = "sv-a";
    let serial = define_guest(&q, name);
    let ev = EventWatch::start(&q);
    q.virsh(&["start", name]).ok();
    wait_in_file(&serial, READY, 1);
    start_ticker(&q.uri(), name);
    wait_tick_above(&serial, 2);

    // save: the image is libvirt's, complete, and the domain is shut off (saved)
    let img = q.root().join("sv-a.img");
    let imgs = img.to_str().unwrap();
    let out = loud(&q, &["save", name, imgs]);
    assert!(
        out.contains(&format!("Domain '{name}' saved to {imgs}")),
        "{out}"
    );
    assert_eq!(magic(&img), b"LibvirtQemudSave");
    assert_eq!(
        q.virsh(&["domstate", "--reason", name]).ok().trim(),
        "shut off (saved)"
    );
    ev.wait_for(name, "Stopped Saved", 1);
    let before = last_tick(&serial);
    let xml = q.virsh(&["save-image-dumpxml", imgs]).ok().to_owned();
    assert!(xml.contains(&format!("<name>{name}</name>")), "{xml}");
    assert!(
        !xml.contains("<domain type='qemu' id="),
        "the inactive form: {xml}"
    );

    // restore: the counter goes on from where it was, no boot
    let out = loud(&q, &["restore", imgs]);
    assert!(
        out.contains(&format!("Domain restored from {imgs}")),
        "{out}"
    );
    assert_eq!(
        q.virsh(&["domstate", "--reason", name]).ok().trim(),
        "running (restored)"
    );
    ev.wait_for(name, "Started Restored", 1);
    // libvirt 9.0's detail for a restored guest that runs
    ev.wait_for(name, "Resumed Snapshot", 1);
    wait_tick_above(&serial, before + 1);
    assert_eq!(count_in_file(&serial, READY), 0, "the guest booted again");

    // save-image-define: restore paused; --running on restore overrides it
    q.virsh(&["save", name, imgs]).ok();
    let edited = q.root().join("edited.xml");
    std::fs::write(&edited, &xml).unwrap();
    q.virsh(&[
        "save-image-define",
        imgs,
        edited.to_str().unwrap(),
        "--paused",
    ])
    .ok();
    q.virsh(&["restore", imgs]).ok();
    assert_eq!(
        q.virsh(&["domstate", "--reason", name]).ok().trim(),
        "paused (migrating)"
    );
    ev.wait_for(name, "Suspended Restored", 1);
    q.virsh(&["resume", name]).ok();
    let t = last_tick(&serial);
    wait_tick_above(&serial, t);
    q.virsh(&["save", name, imgs, "--paused"]).ok();
    q.virsh(&["restore", imgs, "--running"]).ok();
    assert_eq!(q.virsh(&["domstate", name]).ok().trim(), "running");

    // an image cut short is never restored
    let bytes = std::fs::read(&img).unwrap();
    let cut = q.root().join("cut.img");
    let mut partial = bytes[..bytes.len() / 2].to_vec();
    partial[..16].copy_from_slice(b"LibvirtQemudPart");
    std::fs::write(&cut, &partial).unwrap();
    let e = q
        .virsh(&["restore", cut.to_str().unwrap()])
        .err()
        .to_owned();
    assert!(
        e.contains("operation failed: save image is incomplete"),
        "{e}"
    );
    drop(bytes);
    let _ = std::fs::remove_file(&img);
    let _ = std::fs::remove_file(&cut);

    // managed save: dominfo says so, undefine refuses, start restores and removes it
    let out = loud(&q, &["managedsave", name]);
    assert!(
        out.contains(&format!("Domain '{name}' state saved by libvirt")),
        "{out}"
    );
    assert!(q
        .virsh(&["dominfo", name])
        .ok()
        .contains("Managed save:   yes"));
    let mxml = q.virsh(&["managedsave-dumpxml", name]).ok().to_owned();
    assert!(mxml.contains(&format!("<name>{name}</name>")), "{mxml}");
    let e = q.virsh(&["undefine", name]).err().to_owned();
    assert!(
        e.contains("Refusing to undefine while domain managed save image exists"),
        "{e}"
    );
    let listed = q
        .virsh(&["list", "--all", "--managed-save"])
        .ok()
        .to_owned();
    assert!(listed.contains("saved"), "{listed}");
    let before = last_tick(&serial);
    q.virsh(&["start", name]).ok();
    assert_eq!(
        q.virsh(&["domstate", "--reason", name]).ok().trim(),
        "running (restored)"
    );
    assert!(q
        .virsh(&["dominfo", name])
        .ok()
        .contains("Managed save:   no"));
    wait_tick_above(&serial, before + 1);
    assert_eq!(count_in_file(&serial, READY), 0, "the guest booted again");

    // managedsave-remove: the next start boots
    q.virsh(&["managedsave", name]).ok();
    q.virsh(&["managedsave-remove", name]).ok();
    assert!(q
        .virsh(&["dominfo", name])
        .ok()
        .contains("Managed save:   no"));
    let e = q.virsh(&["managedsave-dumpxml", name]).err().to_owned();
    assert!(e.contains("domain does not have managed save image"), "{e}");
    q.virsh(&["start", name]).ok();
    wait_in_file(&serial, READY, 1);

    // undefine --managed-save removes the image
    q.virsh(&["managedsave", name]).ok();
    q.virsh(&["undefine", name, "--managed-save"]).ok();
    assert!(!q.root().join("lib/qemu/save/sv-a.save").exists());
}

/// A copy of the test guest's kernel and initramfs that libvirt's QEMU user can read (never
/// the shared build outputs themselves: libvirt relabels what it starts with).
fn readable_guest(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let (k, i) = guest();
    let (kc, ic) = (dir.join("vmlinuz"), dir.join("initramfs.cpio.gz"));
    std::fs::copy(&k, &kc).unwrap();
    std::fs::copy(&i, &ic).unwrap();
    for p in [dir, &kc, &ic] {
        let mode = if p == dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    (kc, ic)
}

#[test]
fn images_move_between_libvirt_and_oxvirt_both_ways() {
    let lv = Libvirtd::start();
    let dir = tempfile::Builder::new()
        .prefix("oxvirt-save-")
        .tempdir()
        .unwrap();
    let d = dir.path();
    let (kernel, initrd) = readable_guest(d);
    let name = "sv-lv";
    let serial = d.join("serial.log");
    let xml = guest_xml(name, &serial)
        .replace(
            &guest().0.display().to_string(),
            &kernel.display().to_string(),
        )
        .replace(
            &guest().1.display().to_string(),
            &initrd.display().to_string(),
        );
    let xml_file = d.join("sv-lv.xml");
    std::fs::write(&xml_file, xml).unwrap();
    lv.virsh(&["define", xml_file.to_str().unwrap()]).ok();
    lv.virsh(&["start", name]).ok();
    wait_in_file(&serial, READY, 1);
    start_ticker(lv.uri(), name);
    wait_tick_above(&serial, 2);

    // libvirt saves, oxvirt restores
    let img = d.join("by-libvirt.img");
    lv.virsh(&["save", name, img.to_str().unwrap()]).ok();
    lv.virsh(&["undefine", name]).ok();
    let before = last_tick(&serial);
    let q = Qemud::start_with(&["--allow-path", d.to_str().unwrap()]);
    let ours = q
        .virsh(&["save-image-dumpxml", img.to_str().unwrap()])
        .ok()
        .to_owned();
    let theirs = lv
        .virsh(&["save-image-dumpxml", img.to_str().unwrap()])
        .ok()
        .to_owned();
    assert_eq!(ours, theirs, "save-image-dumpxml as libvirt's");
    q.virsh(&["restore", img.to_str().unwrap()]).ok();
    assert_eq!(
        q.virsh(&["domstate", "--reason", name]).ok().trim(),
        "running (restored)"
    );
    wait_tick_above(&serial, before + 1);
    assert_eq!(count_in_file(&serial, READY), 0, "the guest booted again");

    // oxvirt saves, libvirt restores
    let img2 = d.join("by-oxvirt.img");
    q.virsh(&["save", name, img2.to_str().unwrap()]).ok();
    let before = last_tick(&serial);
    let ours = q
        .virsh(&["save-image-dumpxml", img2.to_str().unwrap()])
        .ok()
        .to_owned();
    let theirs = lv
        .virsh(&["save-image-dumpxml", img2.to_str().unwrap()])
        .ok()
        .to_owned();
    assert_eq!(ours, theirs, "libvirt reads oxvirt's image as oxvirt does");
    lv.virsh(&["restore", img2.to_str().unwrap()]).ok();
    assert_eq!(
        lv.virsh(&["domstate", "--reason", name]).ok().trim(),
        "running (restored)"
    );
    wait_tick_above(&serial, before + 1);
    assert_eq!(count_in_file(&serial, READY), 0, "the guest booted again");
    lv.virsh(&["destroy", name]).ok();
}

fn kill(pid: u32) {
    if let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

/// SIGKILL of the shim, then of qemud, while a save runs: each time the save is reported done
/// (a complete image, the domain shut off) or failed (no complete image, the guest running
/// again), never stuck, and the VM is never lost.
#[test]
fn a_save_cut_by_sigkill_loses_no_vm() {
    let root = tempfile::Builder::new()
        .prefix("oxvirt-save-crash-")
        .tempdir()
        .unwrap();
    let r = root.path();
    let name = "sv-crash";
    let mut q = Qemud::start_in(r);
    let serial = define_guest(&q, name);
    for round in 0..2 {
        // a fresh boot each round (a saved domain's restore is tested above)
        if q.virsh(&["domstate", name]).ok().trim() != "running" {
            let _ = std::fs::remove_file(&serial);
            q.virsh(&["start", name]).ok();
        }
        wait_in_file(&serial, READY, 1);
        let img = r.join(format!("crash-{round}.img"));
        let mut save = Command::new("virsh")
            .args(["-c", &q.uri(), "save", name, img.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // cut it once QEMU's stream has started
        let deadline = Instant::now() + GUARD;
        while std::fs::metadata(&img).map(|m| m.len()).unwrap_or(0) < 1 << 20 {
            assert!(Instant::now() < deadline, "the save never started");
            if save.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let status = if round == 0 {
            for s in q.shims() {
                kill(s.pid);
            }
            wait_child(&mut save)
        } else {
            let old = q;
            old.sigkill();
            let status = wait_child(&mut save);
            q = Qemud::start_in(r);
            status
        };
        // the outcome settles: shut off (saved) with a complete image, or running again
        let deadline = Instant::now() + GUARD;
        let state = loop {
            let s = q
                .virsh(&["domstate", "--reason", name])
                .ok()
                .trim()
                .to_owned();
            if s == "shut off (saved)" || s.starts_with("running") {
                break s;
            }
            assert!(Instant::now() < deadline, "round {round}: stuck in {s}");
            std::thread::sleep(Duration::from_millis(200));
        };
        let complete = magic(&img) == b"LibvirtQemudSave";
        if state == "shut off (saved)" {
            assert!(
                complete,
                "round {round}: saved but the image is not complete"
            );
            q.virsh(&["restore", img.to_str().unwrap()]).ok();
            assert!(q.virsh(&["domstate", name]).ok().contains("running"));
        } else {
            assert!(
                round == 1 || !status,
                "round {round}: the save said done but the guest runs on"
            );
            assert!(
                !complete || round == 1,
                "round {round}: a failed save left a complete image"
            );
        }
        let _ = std::fs::remove_file(&img);
        // the guest answers
        oxvirt_e2e::python_console_roundtrip(&q.uri(), name, true);
    }
    q.virsh(&["destroy", name]).ok();
}

/// Wait for a child virsh, bounded; whether it succeeded.
fn wait_child(c: &mut std::process::Child) -> bool {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(s) = c.try_wait().unwrap() {
            return s.success();
        }
        assert!(Instant::now() < deadline, "virsh save is stuck");
        std::thread::sleep(Duration::from_millis(50));
    }
}
