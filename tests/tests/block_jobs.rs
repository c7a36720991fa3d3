//! Block jobs on the running test guest: a shallow blockcopy pivoted to its destination, an
//! active blockcommit pivoted to the base, with virsh's progress and the BLOCK_JOB and
//! BLOCK_JOB_2 events in libvirt's order; blockresize seen by the guest; blkdeviotune; and a
//! SIGKILL of qemud in the middle of a copy (the restarted daemon finds the job, which ends).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use oxvirt_e2e::serial_shell::{serial_xml, SerialShell};
use oxvirt_e2e::{guest, EventWatch, Qemud, Run};

/// virsh without `-q`: its progress and its "Successfully pivoted" are what is tested.
fn virsh_loud(q: &Qemud, args: &[&str]) -> Run {
    let o = oxvirt_e2e::command("virsh")
        .arg("-c")
        .arg(q.uri())
        .args(args)
        .output()
        .unwrap();
    Run::from(o)
}

fn qemu_img(args: &[&str]) {
    let out = Command::new("qemu-img").args(args).output().unwrap();
    assert!(out.status.success(), "qemu-img {args:?}: {out:?}");
}

/// A base image with `mib` MiB of data and a qcow2 overlay over it, in `dir`: the overlay.
fn images(dir: &Path, mib: u32) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let base = dir.join("base.qcow2").display().to_string();
    let top = dir.join("top.qcow2").display().to_string();
    qemu_img(&["create", "-q", "-f", "qcow2", &base, "64M"]);
    if mib > 0 {
        let out = Command::new("qemu-io")
            .args(["-f", "qcow2", "-c"])
            .arg(format!("write -P 0x5a 0 {mib}M"))
            .arg(&base)
            .output()
            .unwrap();
        assert!(out.status.success(), "qemu-io: {out:?}");
    }
    qemu_img(&[
        "create", "-q", "-f", "qcow2", "-b", &base, "-F", "qcow2", &top,
    ]);
    top
}

/// The test guest with `disk` as vda and its shell on a serial socket.
fn guest_xml(root: &Path, name: &str, disk: &str) -> String {
    let (kernel, initrd) = guest();
    let serial = serial_xml(
        &root.join(format!("{name}.sock")),
        &root.join(format!("{name}.serial")),
    );
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet no_timer_check</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{disk}'/><target dev='vda' bus='virtio'/></disk>{serial}</devices></domain>
",
        kernel.display(),
        initrd.display(),
    )
}

fn source_of(q: &Qemud, name: &str) -> String {
    let xml = q.virsh(&["dumpxml", name]).ok().to_owned();
    let disk = &xml[xml.find("<disk").unwrap()..xml.find("</disk>").unwrap()];
    let at = disk.find("<source file='").unwrap() + "<source file='".len();
    disk[at..at + disk[at..].find('\'').unwrap()].to_owned()
}

#[test]
fn copy_commit_resize_and_iotune_on_a_running_guest() {
    let q = Qemud::start();
    let dir = q.root().join("images");
    let top = images(&dir, 4);
    let base = dir.join("base.qcow2").display().to_string();
    let copy = dir.join("copy.qcow2").display().to_string();
    let xml = q.root().join("g.xml");
    std::fs::write(&xml, guest_xml(q.root(), "g", &top)).unwrap();
    let events = EventWatch::start(&q);
    q.virsh(&["create", &xml.display().to_string()]).ok();
    let mut shell = SerialShell::connect(&q.root().join("g.sock"));

    // no job yet
    let r = virsh_loud(&q, &["blockjob", "g", "vda", "--info"]);
    assert_eq!(r.ok().trim(), "No current block job for vda");
    let r = q.virsh(&["blockjob", "g", "vda", "--abort"]);
    assert!(
        r.err()
            .contains("disk vda does not have an active block job"),
        "{r:?}"
    );

    // a shallow copy, pivoted: the destination is the disk's source over the same base
    let r = virsh_loud(
        &q,
        &[
            "blockcopy",
            "g",
            "vda",
            &copy,
            "--shallow",
            "--wait",
            "--verbose",
            "--pivot",
        ],
    );
    // the progress goes to stderr, the result to stdout
    assert!(r.status == 0, "{r:?}");
    assert!(r.stderr.contains("Block Copy: [100 %]"), "{r:?}");
    assert!(r.ok().contains("Successfully pivoted"), "{r:?}");
    assert_eq!(source_of(&q, "g"), copy);
    assert!(!q.virsh(&["dumpxml", "g"]).ok().contains("<mirror"));
    let info = Command::new("qemu-img")
        .args(["info", "-U", &copy])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains(&base));
    events.wait_for("g", "Block Copy for vda completed", 1);

    // an active commit into the base, pivoted: the base is the disk's source
    let r = virsh_loud(
        &q,
        &[
            "blockcommit",
            "g",
            "vda",
            "--active",
            "--wait",
            "--verbose",
            "--pivot",
        ],
    );
    assert!(r.stderr.contains("Block commit: [100 %]"), "{r:?}");
    assert!(r.ok().contains("Successfully pivoted"), "{r:?}");
    assert_eq!(source_of(&q, "g"), base);
    events.wait_for("g", "Active Block Commit for vda completed", 1);

    // the events as libvirt 9.0 sends them (measured): BLOCK_JOB then BLOCK_JOB_2, ready
    // then completed, the path the disk's source when the event is sent
    let lines: Vec<String> = events
        .lines_for("g")
        .into_iter()
        .filter(|l| l.contains("block-job"))
        .map(|l| {
            l.replace(&copy, "COPY")
                .replace(&base, "BASE")
                .replace(&top, "TOP")
        })
        .collect();
    assert_eq!(
        lines,
        [
            "event 'block-job' for domain 'g': Block Copy for TOP ready",
            "event 'block-job-2' for domain 'g': Block Copy for vda ready",
            "event 'block-job' for domain 'g': Block Copy for COPY completed",
            "event 'block-job-2' for domain 'g': Block Copy for vda completed",
            "event 'block-job' for domain 'g': Active Block Commit for COPY ready",
            "event 'block-job-2' for domain 'g': Active Block Commit for vda ready",
            "event 'block-job' for domain 'g': Active Block Commit for BASE completed",
            "event 'block-job-2' for domain 'g': Active Block Commit for vda completed",
        ],
        "{}",
        events.output()
    );

    // blockresize: the guest sees the new size (in 512-byte sectors)
    assert_eq!(shell.ok("cat /sys/block/vda/size").trim(), "131072");
    q.virsh(&["blockresize", "g", "vda", "128M"]).ok();
    let deadline = Instant::now() + Duration::from_secs(60);
    while shell.ok("cat /sys/block/vda/size").trim() != "262144" {
        assert!(
            Instant::now() < deadline,
            "the guest never saw the new size"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = q.virsh(&["blockresize", "g", "vdz", "128M"]);
    assert!(
        r.err()
            .contains("disk 'vdz' was not found in the domain config"),
        "{r:?}"
    );

    // blkdeviotune: live, in the live XML, given to QEMU; a total and a pair refused
    q.virsh(&["blkdeviotune", "g", "vda", "--total-bytes-sec", "10000000"])
        .ok();
    let r = q.virsh(&["blkdeviotune", "g", "vda"]);
    assert!(r.ok().contains("total_bytes_sec: 10000000"), "{r:?}");
    assert!(q
        .virsh(&["dumpxml", "g"])
        .ok()
        .contains("<total_bytes_sec>10000000</total_bytes_sec>"));
    let hmp = q.virsh(&["qemu-monitor-command", "g", "--hmp", "info block"]);
    assert!(hmp.ok().contains("bps=10000000 "), "{hmp:?}");
    q.virsh(&["blkdeviotune", "g", "vda", "--read-iops-sec", "50"])
        .ok();
    let r = q.virsh(&["blkdeviotune", "g", "vda"]);
    assert!(r.ok().contains("total_bytes_sec: 10000000"), "{r:?}");
    assert!(r.ok().contains("read_iops_sec  : 50"), "{r:?}");
    let r = q.virsh(&[
        "blkdeviotune",
        "g",
        "vda",
        "--read-bytes-sec",
        "1",
        "--total-bytes-sec",
        "1",
    ]);
    assert!(
        r.err()
            .contains("total and read/write of bytes_sec cannot be set at the same time"),
        "{r:?}"
    );

    q.virsh(&["destroy", "g"]).ok();
}

#[test]
fn a_copy_cut_by_a_qemud_sigkill_is_found_and_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_owned();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let q = Qemud::start_in(&root);
    let dir = root.join("images");
    let top = images(&dir, 16);
    let copy = dir.join("copy.qcow2").display().to_string();
    let xml = root.join("g.xml");
    std::fs::write(&xml, guest_xml(&root, "g", &top)).unwrap();
    q.virsh(&["create", &xml.display().to_string()]).ok();
    // 1 MiB/s over 16 MiB: the copy runs for a while
    q.virsh(&["blockcopy", "g", "vda", &copy, "--bandwidth", "1"])
        .ok();
    let r = q.virsh(&["blockjob", "g", "vda", "--info"]);
    assert!(r.stderr.contains("Block Copy: ["), "{r:?}");
    assert!(q.virsh(&["dumpxml", "g"]).ok().contains("job='copy'"));
    q.sigkill();

    let q = Qemud::start_in(&root);
    let r = q.virsh(&["blockjob", "g", "vda", "--info", "--bytes"]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("Block Copy: ["), "{r:?}");
    assert!(out.contains("Bandwidth limit: 1048576 bytes/s"), "{r:?}");
    let live = q.virsh(&["dumpxml", "g"]).ok().to_owned();
    assert!(
        live.contains(&format!("<mirror type='file' file='{copy}'")),
        "{live}"
    );
    // the job goes on: lift the limit, wait for it to be ready, pivot
    q.virsh(&["blockjob", "g", "vda", "--bandwidth", "0"]).ok();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !q.virsh(&["dumpxml", "g"]).ok().contains("ready='yes'") {
        assert!(Instant::now() < deadline, "the copy never became ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = q.virsh(&["blockjob", "g", "vda", "--pivot"]);
    r.ok();
    assert_eq!(source_of(&q, "g"), copy);
    let r = virsh_loud(&q, &["blockjob", "g", "vda", "--info"]);
    assert_eq!(r.ok().trim(), "No current block job for vda");
    q.virsh(&["destroy", "g"]).ok();
}

/// The virsh sequence of the comparison on `uri`, its images in `dir`: each command's status,
/// output and error, the paths of `dir` written `DIR`.
fn sequence(uri: &str, dir: &Path) -> Vec<String> {
    let top = images(dir, 4);
    let d = dir.display().to_string();
    let copy = format!("{d}/copy.qcow2");
    let xml = dir.join("g.xml");
    std::fs::write(
        &xml,
        guest_xml(dir, "g", &top).replace(
            &format!("<serial type='unix'><source mode='bind' path='{d}/g.sock'/>"),
            "<serial type='pty'>",
        ),
    )
    .unwrap();
    let xml = xml.display().to_string();
    let mut out = Vec::new();
    let loud = |args: &[&str]| {
        let o = oxvirt_e2e::command("virsh")
            .arg("-c")
            .arg(uri)
            .args(args)
            .output()
            .unwrap();
        Run::from(o)
    };
    let mut run = |args: &[&str]| {
        let r = loud(args);
        let text = format!(
            "{args:?} [{}] {} | {}",
            r.status,
            r.stdout.trim(),
            r.stderr.trim()
        );
        // a known difference, not the block jobs': domblkinfo's allocation is QEMU's
        // actual-size of the image, libvirt's its highest written offset
        let text: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("Allocation:"))
            .collect();
        out.push(text.join("\n").replace(&d, "DIR"));
    };
    run(&["create", &xml]);
    for args in [
        &["blockjob", "g", "vda", "--info"][..],
        &["blockjob", "g", "vda", "--abort"],
        &["blockjob", "g", "vdz", "--info"],
        &["blockresize", "g", "vdz", "128M"],
        &["blkdeviotune", "g", "vdz"],
        &["blockcommit", "g", "vda"],
        &[
            "blockcopy",
            "g",
            "vda",
            &copy,
            "--shallow",
            "--wait",
            "--pivot",
        ],
        &["blockcopy", "g", "vda", &copy, "--wait", "--pivot"],
        &["blockcommit", "g", "vda", "--active", "--wait", "--pivot"],
        &["blockjob", "g", "vda", "--info"],
        &["blockresize", "g", "vda", "128M"],
        &["blkdeviotune", "g", "vda", "--total-bytes-sec", "10000000"],
        &["blkdeviotune", "g", "vda", "--read-iops-sec", "50"],
        &["blkdeviotune", "g", "vda"],
        &[
            "blkdeviotune",
            "g",
            "vda",
            "--read-bytes-sec",
            "1",
            "--total-bytes-sec",
            "1",
        ],
        &[
            "blkdeviotune",
            "g",
            "vda",
            "--config",
            "--total-bytes-sec",
            "4",
        ],
        &["domblkinfo", "g", "vda"],
        &["destroy", "g"],
    ] {
        run(args);
    }
    out
}

#[test]
fn virsh_says_what_libvirt_says() {
    let lv = oxvirt_e2e::Libvirtd::start();
    let tmp = tempfile::tempdir().unwrap();
    // the copy's destination is a file the daemon creates: in an allowed directory
    let ours = Qemud::start_with(&["--allow-path", &tmp.path().display().to_string()]);
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    mode(tmp.path());
    let (a, b) = (tmp.path().join("lv"), tmp.path().join("ox"));
    let theirs = sequence(lv.uri(), &a);
    let mine = sequence(&ours.uri(), &b);
    assert_eq!(mine, theirs);
}
