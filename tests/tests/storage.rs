//! oxvirt-storaged against libvirt 9.0: the same virsh session (pools and volumes of a dir pool)
//! on both gives the same output, once paths, UUIDs, file times and the file system's free space
//! are put aside. And the daemon is crash-only: killed and restarted, its pools run again and a
//! volume left half-made is gone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::session;
use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{Libvirtd, Run};

/// The session, `DIR` standing for the pool's parent directory.
const SESSION: &[&[&str]] = &[
    &["pool-define-as", "p1", "dir", "--target", "DIR/images"],
    &["pool-build", "p1"],
    &["pool-start", "p1"],
    &["pool-list", "--all"],
    &["pool-list", "--all", "--details"],
    &["pool-info", "p1"],
    &["pool-autostart", "p1"],
    &["pool-info", "p1"],
    &["pool-autostart", "p1", "--disable"],
    &["vol-create-as", "p1", "a.img", "10M", "--format", "raw"],
    &["vol-create-as", "p1", "b.qcow2", "20M", "--format", "qcow2"],
    &["vol-create-as", "p1", "s.img", "8M", "--allocation", "1M"],
    &["vol-create-as", "p1", "a.img", "1M"],
    &["vol-list", "p1", "--details"],
    &["vol-info", "--pool", "p1", "a.img"],
    &["vol-info", "--pool", "p1", "s.img"],
    &["vol-info", "--pool", "p1", "s.img", "--bytes", "--physical"],
    &["vol-dumpxml", "--pool", "p1", "a.img"],
    &["vol-dumpxml", "--pool", "p1", "b.qcow2"],
    &["vol-dumpxml", "--pool", "p1", "s.img"],
    &["vol-clone", "--pool", "p1", "a.img", "c.img"],
    &["vol-info", "--pool", "p1", "c.img"],
    &["vol-clone", "--pool", "p1", "b.qcow2", "d.qcow2"],
    &["vol-dumpxml", "--pool", "p1", "d.qcow2"],
    &["vol-resize", "--pool", "p1", "a.img", "20M"],
    &["vol-info", "--pool", "p1", "a.img"],
    &["vol-resize", "--pool", "p1", "a.img", "5M"],
    &["vol-resize", "--pool", "p1", "b.qcow2", "30M"],
    &["vol-info", "--pool", "p1", "b.qcow2"],
    &["vol-wipe", "--pool", "p1", "c.img"],
    &["vol-info", "--pool", "p1", "c.img"],
    &["vol-wipe", "--pool", "p1", "c.img", "--algorithm", "random"],
    &["vol-info", "--pool", "p1", "c.img"],
    &["vol-wipe", "--pool", "p1", "c.img", "--algorithm", "nnsa"],
    &["vol-wipe", "--pool", "p1", "c.img", "--algorithm", "trim"],
    &["vol-path", "--pool", "p1", "a.img"],
    &["vol-key", "--pool", "p1", "a.img"],
    &["vol-name", "DIR/images/a.img"],
    &["vol-info", "--pool", "p1", "nosuch.img"],
    &["vol-delete", "--pool", "p1", "c.img"],
    &["vol-delete", "--pool", "p1", "d.qcow2"],
    &["vol-list", "p1"],
    &["pool-refresh", "p1"],
    &["vol-list", "p1", "--details"],
    &["pool-dumpxml", "p1"],
    &["pool-destroy", "p1"],
    &["vol-list", "p1"],
    &["pool-delete", "p1"],
    &["pool-start", "p1"],
    &["vol-delete", "--pool", "p1", "a.img"],
    &["vol-delete", "--pool", "p1", "b.qcow2"],
    &["vol-delete", "--pool", "p1", "s.img"],
    &["pool-destroy", "p1"],
    &["pool-delete", "p1"],
    &["pool-undefine", "p1"],
    &["pool-list", "--all"],
    &["pool-info", "p1"],
];

/// The loop device's name to put aside, or a string no output holds.
fn lo_or_none(lo: &str) -> &str {
    if lo.is_empty() {
        "\u{0}"
    } else {
        lo
    }
}

/// What may differ between two daemons: the directory, UUIDs, file times and the file
/// system's sizes (which other processes change meanwhile).
fn normalise(out: &str, dir: &str) -> String {
    let mut lines = Vec::new();
    let mut in_times = false;
    for l in out.replace(dir, "DIR").lines() {
        let t = l.trim_start();
        if t.starts_with("<timestamps>") {
            in_times = true;
            continue;
        }
        if in_times {
            in_times = !t.starts_with("</timestamps>");
            continue;
        }
        let l = if t.starts_with("UUID:") {
            "UUID: *".to_owned()
        } else if t.starts_with("<uuid>") {
            "<uuid>*</uuid>".to_owned()
        } else if ["Capacity:", "Allocation:", "Available:"]
            .iter()
            .any(|k| t.starts_with(k))
            && out.contains("State:")
        {
            format!("{} *", t.split(':').next().unwrap_or(""))
        } else if ["<capacity", "<allocation", "<available"]
            .iter()
            .any(|k| t.starts_with(k))
            && out.contains("<pool ")
        {
            format!("{}*", t.split('>').next().unwrap_or(""))
        } else if t.starts_with("p1 ") && t.contains("running") {
            // pool-list --details: the sizes of the file system
            t.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
        } else {
            l.to_owned()
        };
        lines.push(l);
    }
    lines.join("\n")
}

fn run_session(virsh: impl Fn(&[&str]) -> Run, dir: &str) -> Vec<String> {
    run_commands(SESSION, virsh, dir, "")
}

/// Run `session` (`DIR` standing for `dir`, `LOOP` for the loop device `lo`).
fn run_commands(
    session: &[&[&str]],
    virsh: impl Fn(&[&str]) -> Run,
    dir: &str,
    lo: &str,
) -> Vec<String> {
    session
        .iter()
        .map(|cmd| {
            let args: Vec<String> = cmd
                .iter()
                .map(|a| a.replace("DIR", dir).replace("LOOP", lo))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = virsh(&args);
            session::transcript(
                cmd,
                &r,
                &normalise(&r.stdout, dir),
                &normalise(&r.stderr, dir),
            )
            .replace(lo_or_none(lo), "LOOP")
        })
        .collect()
}

#[test]
fn virsh_session_matches_libvirt() {
    let lv = Libvirtd::start();
    let lv_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-lv-")
        .tempdir()
        .unwrap();
    let want = run_session(|a| lv.virsh(a), lv_dir.path().to_str().unwrap());

    let sd = Storaged::start();
    sd.drop_default_pool();
    let sd_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-sd-")
        .tempdir()
        .unwrap();
    let got = run_session(|a| sd.virsh(a), sd_dir.path().to_str().unwrap());

    let diffs = session::differences(&want, &got);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn a_killed_daemon_comes_back_with_its_pools_and_without_half_made_volumes() {
    let root = tempfile::Builder::new()
        .prefix("oxvirt-storaged-crash-")
        .tempdir()
        .unwrap();
    let images = root.path().join("images");
    let other = root.path().join("other");
    let sd = Storaged::start_in(root.path());
    for args in [
        vec![
            "pool-define-as",
            "p1",
            "dir",
            "--target",
            images.to_str().unwrap(),
        ],
        vec!["pool-build", "p1"],
        vec!["pool-start", "p1"],
        vec!["vol-create-as", "p1", "done.img", "1M"],
        vec![
            "pool-define-as",
            "p2",
            "dir",
            "--target",
            other.to_str().unwrap(),
        ],
        vec!["pool-build", "p2"],
        vec!["pool-autostart", "p2"],
    ] {
        sd.virsh(&args).ok();
    }
    sd.sigkill();
    // a create cut by the kill: its mark and the file it had begun
    let pending = root.path().join("run/storage/pending/p1");
    std::fs::create_dir_all(&pending).unwrap();
    let half = images.join("half.img");
    std::fs::write(&half, b"partial").unwrap();
    std::fs::write(pending.join("half.img"), half.to_str().unwrap()).unwrap();

    let sd = Storaged::start_in(root.path());
    let list = sd.virsh(&["pool-list", "--all"]).ok().to_owned();
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["p1", "active", "no"]),
        "{list}"
    );
    // autostart runs once the sockets answer
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let l = sd.virsh(&["pool-list", "--all"]).ok().to_owned();
        if l.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["p2", "active", "yes"])
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "p2 did not autostart: {l}\n{}",
            sd.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // the default pool the first start made comes back running, and is not made twice
    let l = sd.virsh(&["pool-list", "--all"]).ok().to_owned();
    assert!(
        l.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["default", "active", "yes"]),
        "{l}"
    );
    let vols = sd.virsh(&["vol-list", "p1"]).ok().to_owned();
    assert!(vols.contains("done.img"), "{vols}");
    assert!(!vols.contains("half.img"), "{vols}");
    assert!(!half.exists(), "the half-made volume is removed");
    assert!(!pending.join("half.img").exists());
}

/// Bytes allocated to a file (`st_blocks` × 512).
fn allocated(p: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().blocks() * 512
}

#[test]
fn upload_and_download_round_trip_and_keep_holes() {
    use std::io::{Seek, SeekFrom, Write};
    let sd = Storaged::start();
    let dir = sd.root().join("images");
    for args in [
        vec![
            "pool-define-as",
            "p1",
            "dir",
            "--target",
            dir.to_str().unwrap(),
        ],
        vec!["pool-build", "p1"],
        vec!["pool-start", "p1"],
        vec!["vol-create-as", "p1", "a.img", "64M", "--allocation", "0"],
        vec!["vol-create-as", "p1", "b.img", "64M", "--allocation", "0"],
    ] {
        sd.virsh(&args).ok();
    }
    // 4 MiB of data, a 40 MiB hole, a tail
    let src = sd.root().join("src.bin");
    let mut f = std::fs::File::create(&src).unwrap();
    let data: Vec<u8> = (0..4u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    f.write_all(&data).unwrap();
    f.seek(SeekFrom::Start(44 << 20)).unwrap();
    f.write_all(b"the end").unwrap();
    drop(f);
    let size = std::fs::metadata(&src).unwrap().len();

    // plain: every byte goes over the stream
    sd.virsh(&["vol-upload", "--pool", "p1", "a.img", src.to_str().unwrap()])
        .ok();
    let out = sd.root().join("out.bin");
    sd.virsh(&[
        "vol-download",
        "--pool",
        "p1",
        "a.img",
        out.to_str().unwrap(),
    ])
    .ok();
    let got = std::fs::read(&out).unwrap();
    assert_eq!(got.len(), 64 << 20, "the whole volume comes back");
    assert_eq!(&got[..size as usize], &std::fs::read(&src).unwrap()[..]);

    // sparse: the hole stays a hole in the volume and in the downloaded copy
    sd.virsh(&[
        "vol-upload",
        "--sparse",
        "--pool",
        "p1",
        "b.img",
        src.to_str().unwrap(),
    ])
    .ok();
    let vol = dir.join("b.img");
    assert!(
        allocated(&vol) < 8 << 20,
        "sparse upload allocated {}",
        allocated(&vol)
    );
    let out2 = sd.root().join("out2.bin");
    sd.virsh(&[
        "vol-download",
        "--sparse",
        "--pool",
        "p1",
        "b.img",
        out2.to_str().unwrap(),
    ])
    .ok();
    let got2 = std::fs::read(&out2).unwrap();
    assert_eq!(&got2[..size as usize], &std::fs::read(&src).unwrap()[..]);
    assert!(
        allocated(&out2) < 8 << 20,
        "sparse download allocated {}",
        allocated(&out2)
    );

    // a volume that does not exist
    let e = sd.virsh(&[
        "vol-upload",
        "--pool",
        "p1",
        "nosuch.img",
        src.to_str().unwrap(),
    ]);
    assert!(e.err().contains("no storage vol with matching"), "{e:?}");
}

/// python3-libvirt's other storage calls, on both daemons: the legacy lists and counts,
/// lookups by UUID, target path, key and path, a transient pool, and the errors of lookups
/// that find nothing.
const PY_SESSION: &str = r#"
import sys, libvirt
libvirt.registerErrorHandler(lambda c, e: None, None)
conn = libvirt.open(sys.argv[1])
d = sys.argv[2]
def err(f):
    try:
        f()
        print("no error")
    except libvirt.libvirtError as e:
        print("error", e.get_error_code(), e.get_error_domain(), e.get_error_message())
p = conn.storagePoolDefineXML("<pool type='dir'><name>py1</name><target><path>%s/py1</path></target></pool>" % d, 0)
p.build(0)
print("defined", conn.numOfDefinedStoragePools(), conn.listDefinedStoragePools())
p.create(0)
print("active", conn.numOfStoragePools(), conn.listStoragePools(), p.isActive(), p.isPersistent(), p.autostart())
print("by uuid", conn.storagePoolLookupByUUIDString(p.UUIDString()).name())
print("by path", conn.storagePoolLookupByTargetPath(d + "/py1/").name())
v = p.createXML("<volume><name>v1</name><capacity unit='KiB'>64</capacity></volume>", 0)
print("vol", v.name(), v.key() == d + "/py1/v1", v.path() == d + "/py1/v1", v.info())
print("by key", conn.storageVolLookupByKey(d + "/py1/v1").name())
print("by path", conn.storageVolLookupByPath(d + "//py1/v1").name())
print("pool of vol", v.storagePoolLookupByVolume().name())
print("vols", p.numOfVolumes(), p.listVolumes(), [x.name() for x in p.listAllVolumes(0)])
print("info", p.info()[0])
err(lambda: conn.storagePoolLookupByName("nosuch"))
err(lambda: conn.storagePoolLookupByUUIDString("00000000-0000-0000-0000-000000000001"))
err(lambda: conn.storagePoolLookupByTargetPath("/nowhere"))
err(lambda: conn.storageVolLookupByKey("/nowhere/x"))
err(lambda: conn.storageVolLookupByPath("/nowhere/x"))
err(lambda: p.storageVolLookupByName("nosuch"))
err(lambda: p.create(0))
err(lambda: p.undefine())
err(lambda: p.createXML("<volume><name>v1</name><capacity>1</capacity></volume>", 0))
err(lambda: p.createXML("<volume><name>v2</name></volume>", 0))
v.delete(0)
p.destroy()
err(lambda: p.destroy())
err(lambda: p.numOfVolumes())
p.delete(0)
p.undefine()
t = conn.storagePoolCreateXML("<pool type='dir'><name>py2</name><target><path>%s</path></target></pool>" % d, 0)
print("transient", t.isActive(), t.isPersistent(), [x.name() for x in conn.listAllStoragePools(0)])
err(lambda: t.setAutostart(1))
t.destroy()
print("after", [x.name() for x in conn.listAllStoragePools(0)])
err(lambda: conn.storagePoolDefineXML("<pool type='dir'><name>py3</name></pool>", 0))
err(lambda: conn.storagePoolDefineXML("<pool type='dir'><name>py/3</name><target><path>/x</path></target></pool>", 0))
"#;

#[test]
fn python_storage_calls_match_libvirt() {
    let run = |uri: &str, dir: &std::path::Path| {
        let r = oxvirt_e2e::python(PY_SESSION, &[uri, dir.to_str().unwrap()]);
        assert_eq!(r.status, 0, "{r:?}");
        r.stdout.replace(dir.to_str().unwrap(), "DIR")
    };
    let lv = Libvirtd::start();
    let lv_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-lv-")
        .tempdir()
        .unwrap();
    let want = run(lv.uri(), lv_dir.path());
    let sd = Storaged::start();
    sd.drop_default_pool();
    let sd_dir = tempfile::Builder::new()
        .prefix("oxvirt-storage-sd-")
        .tempdir()
        .unwrap();
    let got = run(&sd.uri(), sd_dir.path());
    let mut diffs = Vec::new();
    for (w, g) in want.lines().zip(got.lines()) {
        if w != g {
            diffs.push(format!("libvirt: {w}\noxvirt:  {g}"));
        }
    }
    assert_eq!(
        want.lines().count(),
        got.lines().count(),
        "{want}\n---\n{got}"
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// The `fs` session: a pool on a loop device (`LOOP`), built with mkfs, mounted and unmounted;
/// and a `netfs` pool whose server does not exist.
const FS_SESSION: &[&[&str]] = &[
    &[
        "pool-define-as",
        "f1",
        "fs",
        "--source-dev",
        "LOOP",
        "--source-format",
        "ext4",
        "--target",
        "DIR/mnt",
    ],
    &["pool-build", "f1", "--overwrite", "--no-overwrite"],
    &["pool-build", "f1", "--no-overwrite"],
    &["pool-build", "f1", "--no-overwrite"],
    &["pool-build", "f1", "--overwrite"],
    &["pool-start", "f1"],
    &["pool-list", "--all"],
    &["pool-info", "f1"],
    &["pool-dumpxml", "f1"],
    &["vol-create-as", "f1", "a.img", "4M"],
    &["vol-create-as", "f1", "b.qcow2", "8M", "--format", "qcow2"],
    &["vol-list", "f1", "--details"],
    &["vol-info", "--pool", "f1", "a.img"],
    &["vol-dumpxml", "--pool", "f1", "b.qcow2"],
    &["vol-delete", "--pool", "f1", "a.img"],
    &["pool-destroy", "f1"],
    &["pool-start", "f1"],
    &["vol-list", "f1"],
    &["vol-delete", "--pool", "f1", "b.qcow2"],
    &["pool-destroy", "f1"],
    &["pool-delete", "f1"],
    &["pool-undefine", "f1"],
    &[
        "pool-define-as",
        "n1",
        "netfs",
        "--source-host",
        "nas.invalid",
        "--source-path",
        "/export",
        "--source-format",
        "nfs",
        "--target",
        "DIR/nfs",
    ],
    &["pool-dumpxml", "n1"],
    &["pool-build", "n1"],
    &["pool-start", "n1"],
    &["pool-list", "--all"],
    &["pool-delete", "n1"],
    &["pool-undefine", "n1"],
    &["find-storage-pool-sources", "dir"],
    &["find-storage-pool-sources", "fs"],
    &["find-storage-pool-sources", "netfs"],
    &["find-storage-pool-sources", "disk"],
    &["find-storage-pool-sources", "bogus"],
    &["find-storage-pool-sources-as", "netfs", "nas.invalid"],
];

/// A loop device on a 64 MiB file, detached on drop.
struct Loop {
    dev: String,
}

impl Loop {
    fn new(file: &std::path::Path) -> Self {
        std::fs::File::create(file)
            .unwrap()
            .set_len(64 << 20)
            .unwrap();
        let out = std::process::Command::new("losetup")
            .args(["-f", "--show"])
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "losetup: {out:?}");
        Loop {
            dev: String::from_utf8(out.stdout).unwrap().trim().to_owned(),
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = std::process::Command::new("losetup")
            .args(["-d", &self.dev])
            .status();
    }
}

#[test]
fn fs_pool_virsh_session_matches_libvirt() {
    let run = |virsh: &dyn Fn(&[&str]) -> Run, prefix: &str| {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        let lo = Loop::new(&dir.path().join("disk.img"));
        let out = run_commands(FS_SESSION, virsh, dir.path().to_str().unwrap(), &lo.dev);
        // whatever the session left mounted
        let _ = std::process::Command::new("umount")
            .arg(dir.path().join("mnt"))
            .output();
        out
    };
    let lv = Libvirtd::start();
    let want = run(&|a| lv.virsh(a), "oxvirt-storage-fs-lv-");
    let sd = Storaged::start();
    sd.drop_default_pool();
    let got = run(&|a| sd.virsh(a), "oxvirt-storage-fs-sd-");
    let diffs = session::differences(&want, &got);
    // the pool really was a mounted file system (a backend that only made directories fails)
    assert!(
        got.iter().any(|o| o.contains("lost+found")),
        "{}",
        got.join("\n")
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
