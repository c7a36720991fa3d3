//! Confinement end to end (issue 18): with the daemon as root, QEMU runs as the `qemu.conf`
//! user (libvirt-qemu, as Debian's libvirt) with no capabilities, `no_new_privs` and its
//! seccomp sandbox; the shim runs with its own filter and two capabilities; a disk is the QEMU
//! user's while the VM runs and its owner's again after it stops — also when qemud and the shim
//! were SIGKILLed in between. And the start latency with and without the DAC model.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oxvirt_e2e::{guest, Qemud};

/// The Debian user libvirt (and oxvirt by default) runs QEMU as.
fn qemu_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let uid = passwd
        .lines()
        .find(|l| l.starts_with("libvirt-qemu:"))?
        .split(':')
        .nth(2)?
        .parse()
        .ok()?;
    let group = std::fs::read_to_string("/etc/group").ok()?;
    let gid = group
        .lines()
        .find(|l| l.starts_with("libvirt-qemu:"))?
        .split(':')
        .nth(2)?
        .parse()
        .ok()?;
    Some((uid, gid))
}

/// Root and the Debian user, or a note why the test does not apply.
fn applies() -> Option<(u32, u32)> {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: the DAC model needs the daemon to run as root");
        return None;
    }
    let u = qemu_user();
    if u.is_none() {
        eprintln!("skipped: no libvirt-qemu user (scripts/test installs libvirt-daemon-system)");
    }
    u
}

/// A 0755 directory holding a raw disk owned by 4321:4321, and a domain using it.
fn domain(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    domain_owned(dir, name, 4321)
}

/// [`domain`] with the disk owned by `owner`.
fn domain_owned(dir: &Path, name: &str, owner: u32) -> (PathBuf, PathBuf) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let disk = dir.join(format!("{name}.img"));
    std::fs::File::create(&disk)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    rustix::fs::chown(
        &disk,
        Some(rustix::fs::Uid::from_raw(owner)),
        Some(rustix::fs::Gid::from_raw(owner)),
    )
    .unwrap();
    let (kernel, initrd) = guest();
    let xml = format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd>\
<cmdline>console=ttyS0 quiet</cmdline></os>\
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>\
<source file='{}'/><target dev='vda' bus='virtio'/></disk>\
<serial type='pty'><target port='0'/></serial></devices></domain>",
        kernel.display(),
        initrd.display(),
        disk.display()
    );
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, xml).unwrap();
    (path, disk)
}

/// Debian's OVMF build without secure boot (package ovmf).
const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

fn owner(p: &Path) -> (u32, u32) {
    let m = std::fs::metadata(p).unwrap();
    (m.uid(), m.gid())
}

fn status(pid: u32) -> oxvirt_jail::Status {
    oxvirt_jail::status_of(pid as i32).unwrap()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn qemu_and_shim_are_confined_and_a_disk_is_lent_for_the_vm_life() {
    let Some((uid, gid)) = applies() else { return };
    let q = Qemud::start();
    let dir = tempfile::tempdir().unwrap();
    let (xml, disk) = domain(dir.path(), "conf1");
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    q.virsh(&["start", "conf1"]).ok();

    let qemus = q.qemus();
    assert_eq!(qemus.len(), 1, "{}", q.vm_log("conf1"));
    let s = status(qemus[0].pid);
    assert_eq!((s.uid, s.gid), (Some(uid), Some(gid)), "QEMU's identity");
    assert_eq!(s.cap_eff, Some(0), "QEMU has no capabilities");
    assert_eq!(s.cap_bnd, Some(0), "nor can it regain any");
    assert_eq!(s.no_new_privs, Some(1));
    assert_eq!(s.seccomp, Some(2), "QEMU's -sandbox filter");

    let shims = q.shims();
    assert_eq!(shims.len(), 1);
    let s = status(shims[0].pid);
    assert_eq!(s.no_new_privs, Some(1), "the shim's no_new_privs");
    assert_eq!(s.seccomp, Some(2), "the shim's own filter");
    // CAP_KILL (5) and CAP_DAC_OVERRIDE (1) only
    assert_eq!(s.cap_eff, Some(0x22), "the shim's capabilities");
    println!(
        "the confined shim's RSS: {} KiB",
        oxvirt_e2e::rss_kib(shims[0].pid)
    );

    assert_eq!(owner(&disk), (uid, gid), "the disk is QEMU's while it runs");
    let live = q.virsh(&["dumpxml", "conf1"]).ok().to_owned();
    assert!(
        live.contains(&format!(
            "<seclabel type='dynamic' model='dac' relabel='yes'>\n    <label>+{uid}:+{gid}</label>\n    \
             <imagelabel>+{uid}:+{gid}</imagelabel>\n  </seclabel>"
        )),
        "{live}"
    );
    // libvirt 9.0 on a host without an LSM: the primary model is none, no label printed
    let info = q.virsh(&["dominfo", "conf1"]).ok().to_owned();
    assert!(
        info.contains("Security model: none\nSecurity DOI:   0\n"),
        "{info}"
    );
    // the inactive XML keeps no label
    let inactive = q.virsh(&["dumpxml", "--inactive", "conf1"]).ok().to_owned();
    assert!(!inactive.contains("<label>"), "{inactive}");
    // the guest runs (a shim killed by its filter, or a QEMU that cannot open its disk, would not)
    assert!(q.domstate("conf1").starts_with("running"));

    q.virsh(&["destroy", "conf1"]).ok();
    assert_eq!(owner(&disk), (4321, 4321), "given back at stop");
}

#[test]
fn owners_come_back_after_sigkill_of_qemud_and_of_the_shim() {
    let Some((uid, gid)) = applies() else { return };
    let root = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (xml1, disk1) = domain(dir.path(), "kill1");
    let (xml2, disk2) = domain(dir.path(), "kill2");
    let q = Qemud::start_in(root.path());
    for (x, n) in [(&xml1, "kill1"), (&xml2, "kill2")] {
        q.virsh(&["define", x.to_str().unwrap()]).ok();
        q.virsh(&["start", n]).ok();
    }
    assert_eq!(owner(&disk1), (uid, gid));
    assert_eq!(owner(&disk2), (uid, gid));
    let shims = q.shims();
    let qemus = q.qemus();
    q.sigkill();
    // kill1: its shim dies too, QEMU runs on (a new shim takes it over)
    let shim1 = shims
        .iter()
        .find(|p| p.cmdline.contains("/kill1 "))
        .expect("kill1's shim");
    oxvirt_e2e::signal(shim1.pid, rustix::process::Signal::KILL);
    // kill2: QEMU dies while no daemon listens (its shim records it and exits)
    let qemu2 = qemus
        .iter()
        .find(|p| p.cmdline.contains("kill2"))
        .expect("kill2's QEMU");
    oxvirt_e2e::signal(qemu2.pid, rustix::process::Signal::KILL);
    wait_until("kill2's QEMU to go", || {
        !oxvirt_e2e::process_alive(qemu2.pid)
    });
    assert_eq!(
        owner(&disk1),
        (uid, gid),
        "nobody gave kill1's disk back yet"
    );

    let q = Qemud::start_in(root.path());
    assert!(q.domstate("kill1").starts_with("running"));
    assert_eq!(owner(&disk1), (uid, gid), "still QEMU's: kill1 runs");
    wait_until("kill2's disk to be given back", || {
        owner(&disk2) == (4321, 4321)
    });
    assert!(q.domstate("kill2").starts_with("shut off"));
    q.virsh(&["destroy", "kill1"]).ok();
    assert_eq!(owner(&disk1), (4321, 4321), "given back at stop");
}

/// A hot-plugged disk is QEMU's while attached and its owner's again once detached; the
/// loader (read-only, world-readable, shared) stays root's, the NVRAM file is lent like a disk.
#[test]
fn hot_detach_and_nvram_give_files_back() {
    let Some((uid, gid)) = applies() else { return };
    let q = Qemud::start();
    let dir = tempfile::tempdir().unwrap();
    let (xml, _) = domain(dir.path(), "hot1");
    // the NVRAM of a pflash firmware, an existing file of its own owner (in the driver's
    // directory: the path policy wants files QEMU writes there)
    let nvram = q.root().join("lib/qemu/nvram/hot1_VARS.fd");
    std::fs::create_dir_all(nvram.parent().unwrap()).unwrap();
    std::fs::copy(OVMF_VARS, &nvram).unwrap();
    rustix::fs::chown(
        &nvram,
        Some(rustix::fs::Uid::from_raw(4322)),
        Some(rustix::fs::Gid::from_raw(4322)),
    )
    .unwrap();
    let def = std::fs::read_to_string(&xml).unwrap().replace(
        "<kernel>",
        &format!(
            "<loader readonly='yes' type='pflash'>{OVMF_CODE}</loader><nvram>{}</nvram><kernel>",
            nvram.display()
        ),
    );
    std::fs::write(&xml, def).unwrap();
    let (_, extra) = domain_owned(dir.path(), "hot1-extra", 4323);
    q.virsh(&["define", xml.to_str().unwrap()]).ok();
    // paused: the firmware need not run for its files to be lent
    q.virsh(&["start", "--paused", "hot1"]).ok();
    assert_eq!(
        owner(&nvram),
        (uid, gid),
        "the NVRAM is QEMU's while it runs"
    );
    assert_eq!(
        owner(Path::new(OVMF_CODE)),
        (0, 0),
        "the loader is not relabelled"
    );
    q.virsh(&[
        "attach-disk",
        "hot1",
        extra.to_str().unwrap(),
        "sdb",
        "--targetbus",
        "usb",
        "--live",
    ])
    .ok();
    assert_eq!(owner(&extra), (uid, gid), "a hot-plugged disk is QEMU's");
    q.virsh(&["detach-disk", "hot1", "sdb", "--live"]).ok();
    wait_until("the detached disk to be given back", || {
        owner(&extra) == (4323, 4323)
    });
    let live = q.virsh(&["dumpxml", "hot1"]).ok().to_owned();
    assert!(!live.contains("sdb"), "{live}");
    q.virsh(&["destroy", "hot1"]).ok();
    assert_eq!(owner(&nvram), (4322, 4322), "the NVRAM given back at stop");
}

/// Start latency, median of 10 starts, with the DAC model (QEMU as libvirt-qemu, files lent)
/// and without (`qemu.conf`: user and group root, no dynamic ownership; the disk is root's, as
/// libvirt needs it then: QEMU has no capabilities either way). Printed, not asserted.
#[test]
fn start_latency_with_and_without_confinement() {
    if applies().is_none() {
        return;
    }
    let mut medians = Vec::new();
    for (label, conf) in [
        ("with the DAC model", ""),
        (
            "QEMU as root, no relabelling",
            "user = \"+0\"\ngroup = \"+0\"\ndynamic_ownership = 0\n",
        ),
    ] {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/qemu.conf"), conf).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (xml, _) = domain_owned(dir.path(), "lat", 0);
        let q = Qemud::start_in(root.path());
        q.virsh(&["define", xml.to_str().unwrap()]).ok();
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            q.virsh(&["start", "lat"]).ok();
            times.push(t.elapsed());
            q.virsh(&["destroy", "lat"]).ok();
        }
        times.sort();
        let median = (times[4] + times[5]) / 2;
        println!(
            "start latency {label}: median {median:?} of 10 (min {:?}, max {:?})",
            times[0], times[9]
        );
        medians.push(median);
    }
    println!(
        "added by confinement: {:?}",
        medians[0].saturating_sub(medians[1])
    );
}
