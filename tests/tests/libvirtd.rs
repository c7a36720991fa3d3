//! The private libvirtd of `scripts/private-libvirtd` (Debian's real libvirtd 9.0, for tests that
//! compare with libvirt itself): it runs a VM, and its stop leaves no process behind, twice in a
//! row.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::{process_alive, Libvirtd};

/// 128 MiB, no disks: SeaBIOS finds nothing to boot and waits, which is running enough.
const TINY: &str = "<domain type='qemu'><name>oxvirt-tiny</name><memory unit='MiB'>128</memory>\
<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>";

/// One instance's life: define, start, destroy and undefine a VM; returns the pid files' pids
/// read while the VM ran.
fn one_instance() -> Vec<(String, u32)> {
    let lv = Libvirtd::start();
    assert!(lv.uri().contains("/sock/libvirt-sock"), "{}", lv.uri());
    let xml = lv.dir().join("tiny.xml");
    std::fs::write(&xml, TINY).unwrap();
    lv.virsh(&["define", &xml.display().to_string()]).ok();
    let r = lv.virsh(&["start", "oxvirt-tiny"]);
    assert_eq!(
        r.status,
        0,
        "virsh start: {r:?}\nlibvirtd log:\n{}",
        lv.log()
    );
    assert_eq!(
        lv.virsh(&["domstate", "oxvirt-tiny"]).ok().trim(),
        "running"
    );

    let pids = lv.pids();
    for want in [
        "libvirtd.pid",
        "virtlogd.pid",
        "reaper.pid",
        "run/qemu/oxvirt-tiny.pid",
    ] {
        assert!(pids.iter().any(|(f, _)| f == want), "no {want} in {pids:?}");
    }
    for (f, pid) in &pids {
        assert!(process_alive(*pid), "{f}: {pid} is not running");
    }

    lv.virsh(&["destroy", "oxvirt-tiny"]).ok();
    assert_eq!(
        lv.virsh(&["domstate", "oxvirt-tiny"]).ok().trim(),
        "shut off"
    );
    lv.virsh(&["undefine", "oxvirt-tiny"]).ok();
    assert!(lv
        .virsh(&["list", "--all", "--name"])
        .ok()
        .trim()
        .is_empty());
    let dir = lv.dir().to_path_buf();
    drop(lv);
    assert!(!dir.exists(), "{} is still there", dir.display());
    pids
}

#[test]
fn private_libvirtd_runs_a_vm_and_leaves_nothing_twice() {
    for round in 1..=2 {
        let pids = one_instance();
        let left: Vec<_> = pids.iter().filter(|(_, p)| process_alive(*p)).collect();
        assert!(
            left.is_empty(),
            "round {round}: still running after the drop: {left:?}"
        );
    }
}
