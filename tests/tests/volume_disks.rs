//! `<disk type='volume'>`: qemud resolves pool and volume through the storaged of its root at
//! start; QEMU opens the volumes' paths; the live XML keeps `<source pool= volume=>` as libvirt
//! 9.0's does (format `raw` filled in); a missing pool, an inactive pool and a missing volume
//! fail the start with libvirt's errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{guest_xml, Qemud};

const DISKS: &str = "<disk type='volume' device='disk'><source pool='fp' volume='v.img'/>\
<target dev='vda' bus='virtio'/></disk>\
<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='fp' volume='q.qcow2'/>\
<target dev='vdb' bus='virtio'/></disk>\
<disk type='volume' device='cdrom'><source pool='fp' volume='c.iso'/><target dev='sda' bus='sata'/></disk>";

#[test]
fn volume_disks_start_from_their_pool() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-voldisk-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let _s = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    let pool = root.join("fp");
    q.virsh(&[
        "pool-define-as",
        "fp",
        "dir",
        "--target",
        pool.to_str().unwrap(),
    ])
    .ok();
    q.virsh(&["pool-build", "fp"]).ok();
    let xml = guest_xml("voldom", &root.join("serial.log"))
        .replace("<devices>", &format!("<devices>{DISKS}"));
    let file = root.join("voldom.xml");
    std::fs::write(&file, xml).unwrap();
    q.virsh(&["define", file.to_str().unwrap()]).ok();

    // the pool is not active: libvirt's error names the last volume disk (it checks the
    // disks from the last to the first)
    let r = q.virsh(&["start", "voldom"]);
    assert_eq!(
        r.err(),
        "error: Failed to start domain 'voldom'\nerror: unsupported configuration: storage pool 'fp' containing volume 'c.iso' is not active\n",
        "{r:?}"
    );
    q.virsh(&["pool-start", "fp"]).ok();
    q.virsh(&["vol-create-as", "fp", "v.img", "4M"]).ok();
    q.virsh(&["vol-create-as", "fp", "c.iso", "1M"]).ok();
    // a volume is missing: the storage driver's error
    let r = q.virsh(&["start", "voldom"]);
    assert_eq!(
        r.err(),
        "error: Failed to start domain 'voldom'\nerror: Storage volume not found: no storage vol with matching name 'q.qcow2'\n",
        "{r:?}"
    );
    q.virsh(&["vol-create-as", "fp", "q.qcow2", "4M", "--format", "qcow2"])
        .ok();
    q.virsh(&["start", "voldom"]).ok();
    let live = q.virsh(&["dumpxml", "voldom"]).ok().to_string();
    for want in [
        "<disk type='volume' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source pool='fp' volume='v.img'/>",
        "<disk type='volume' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n      <source pool='fp' volume='q.qcow2'/>",
        "<disk type='volume' device='cdrom'>\n      <driver name='qemu' type='raw'/>\n      <source pool='fp' volume='c.iso'/>",
    ] {
        assert!(live.contains(want), "no {want} in\n{live}");
    }
    let blk = q.virsh(&["domblklist", "voldom"]).ok().to_string();
    // virsh names a volume disk's source by its volume, as with libvirt
    let rows: Vec<Vec<&str>> = blk
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["vda", "v.img"],
            vec!["vdb", "q.qcow2"],
            vec!["sda", "c.iso"]
        ],
        "{blk}"
    );
    // QEMU opened the volumes' files
    let cmdline = q
        .qemus()
        .into_iter()
        .map(|p| p.cmdline)
        .collect::<Vec<_>>()
        .join("\n");
    for v in ["v.img", "q.qcow2", "c.iso"] {
        let path = pool.join(v).display().to_string();
        assert!(
            cmdline.contains(&format!("\"filename\":\"{path}\"")),
            "{path} not in QEMU's command line:\n{cmdline}"
        );
    }
    // the inactive definition is unchanged
    let inactive = q
        .virsh(&["dumpxml", "--inactive", "voldom"])
        .ok()
        .to_string();
    assert!(
        inactive.contains("<driver name='qemu'/>\n      <source pool='fp' volume='v.img'/>"),
        "{inactive}"
    );
    q.virsh(&["destroy", "voldom"]).ok();

    // a pool that does not exist
    q.virsh(&["pool-destroy", "fp"]).ok();
    q.virsh(&["pool-undefine", "fp"]).ok();
    let r = q.virsh(&["start", "voldom"]);
    assert_eq!(
        r.err(),
        "error: Failed to start domain 'voldom'\nerror: Storage pool not found: no storage pool with matching name 'fp'\n",
        "{r:?}"
    );
    q.virsh(&["undefine", "voldom"]).ok();
}

/// Embedded mode (`qemu:///embed?root=DIR`, here through the `oxvirt` command, which runs the
/// driver in its own process): with the root's storaged running, a volume disk resolves the
/// same way.
#[test]
fn embedded_root_resolves_volumes_through_its_storaged() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-voldisk-embed-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let s = Storaged::start_in_without_default(root);
    let pool = root.join("fp");
    s.virsh(&[
        "pool-define-as",
        "fp",
        "dir",
        "--target",
        pool.to_str().unwrap(),
    ])
    .ok();
    s.virsh(&["pool-build", "fp"]).ok();
    s.virsh(&["pool-start", "fp"]).ok();
    for v in ["v.img", "q.qcow2", "c.iso"] {
        s.virsh(&["vol-create-as", "fp", v, "4M"]).ok();
    }
    let xml = guest_xml("embvol", &root.join("serial.log"))
        .replace("<devices>", &format!("<devices>{DISKS}"))
        .replace("type='qcow2'", "type='raw'");
    let file = root.join("embvol.xml");
    std::fs::write(&file, xml).unwrap();
    let uri = format!("qemu:///embed?root={}", root.display());
    let oxvirt = |args: &[&str]| {
        let o = oxvirt_e2e::command(oxvirt_e2e::binary("oxvirt").to_str().unwrap())
            .args(["--connect", &uri])
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "oxvirt {args:?}: {o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    oxvirt(&["define", file.to_str().unwrap()]);
    oxvirt(&["start", "embvol"]);
    let live = oxvirt(&["dumpxml", "embvol"]);
    assert!(
        live.contains("<source pool='fp' volume='v.img'/>"),
        "{live}"
    );
    let cmdline = oxvirt_e2e::qemus_under(root)
        .into_iter()
        .map(|p| p.cmdline)
        .collect::<Vec<_>>()
        .join("\n");
    let path = pool.join("v.img").display().to_string();
    assert!(
        cmdline.contains(&format!("\"filename\":\"{path}\"")),
        "{cmdline}"
    );
    oxvirt(&["destroy", "embvol"]);
    oxvirt(&["undefine", "embvol"]);
}
