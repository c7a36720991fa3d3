//! LUKS-encrypted volumes as libvirt-tck's `qemu/100-disk-encryption` makes them: a secret
//! (usage volume) in secretd, `vol-create` with `<encryption format='luks'>` naming it; storaged
//! reads the passphrase from secretd over the wire (a private secret included: the root's
//! system token elevates its identity) and has `qemu-img` create the image with it. The same
//! virsh session against qemud (forwarding to secretd and storaged) and against libvirt 9.0
//! gives the same output, and the images open with the passphrase and only with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::daemon::Daemon;
use oxvirt_e2e::session;
use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{Libvirtd, Qemud, Run};

const UUID: &str = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
const PRIVATE_UUID: &str = "22222222-8403-7b23-c8d6-21ccc2f80d6f";

fn secret(uuid: &str, private: &str, usage: &str) -> String {
    format!(
        "<secret ephemeral='no' private='{private}'>\n  <uuid>{uuid}</uuid>\n  \
         <usage type='volume'>\n    <volume>{usage}</volume>\n  </usage>\n</secret>\n"
    )
}

fn vol(name: &str, format: &str, encryption: &str) -> String {
    format!(
        "<volume>\n  <name>{name}</name>\n  <capacity unit='M'>16</capacity>\n  <target>\n    \
         <format type='{format}'/>\n    {encryption}\n  </target>\n</volume>\n"
    )
}

fn luks(secret: &str) -> String {
    format!("<encryption format='luks'><secret type='passphrase' {secret}/></encryption>")
}

fn write_inputs(dir: &Path) {
    let pool = dir.join("pool");
    let p = |n: &str| pool.join(n).display().to_string();
    let files = [
        ("sec.xml", secret(UUID, "no", &p("luks.qcow2"))),
        ("private.xml", secret(PRIVATE_UUID, "yes", &p("private.qcow2"))),
        (
            "unknown.xml",
            vol(
                "unknown.qcow2",
                "qcow2",
                &luks("uuid='11111111-8403-7b23-c8d6-21ccc2f80d6f'"),
            ),
        ),
        (
            "luks.xml",
            vol("luks.qcow2", "qcow2", &luks(&format!("uuid='{UUID}'"))),
        ),
        (
            "raw.xml",
            vol("luks.raw", "raw", &luks(&format!("uuid='{UUID}'"))),
        ),
        (
            "private-vol.xml",
            vol(
                "private.qcow2",
                "qcow2",
                &luks(&format!("uuid='{PRIVATE_UUID}'")),
            ),
        ),
        (
            "usage.xml",
            vol(
                "usage.qcow2",
                "qcow2",
                &luks(&format!("usage='{}'", p("luks.qcow2"))),
            ),
        ),
        (
            "cipher.xml",
            vol(
                "cipher.qcow2",
                "qcow2",
                &format!(
                    "<encryption format='luks'><secret type='passphrase' uuid='{UUID}'/>\
                     <cipher name='aes' size='128' mode='cbc' hash='sha256'/>\
                     <ivgen name='plain64' hash='sha256'/></encryption>"
                ),
            ),
        ),
        (
            "nosecret.xml",
            vol("nosecret.qcow2", "qcow2", "<encryption format='luks'/>"),
        ),
        (
            "qcow.xml",
            vol(
                "qcow.qcow2",
                "qcow2",
                &format!("<encryption format='qcow'><secret type='passphrase' uuid='{UUID}'/></encryption>"),
            ),
        ),
        (
            "vmdk.xml",
            vol("v.vmdk", "vmdk", &luks(&format!("uuid='{UUID}'"))),
        ),
    ];
    for (n, x) in files {
        std::fs::write(dir.join(n), x).unwrap();
    }
    std::fs::write(dir.join("pass"), "letmein").unwrap();
    std::fs::write(dir.join("pass2"), "pw2").unwrap();
}

const SESSION: &[&[&str]] = &[
    &["pool-define-as", "p", "dir", "--target", "DIR/pool"],
    &["pool-build", "p"],
    &["pool-start", "p"],
    &["secret-define", "DIR/sec.xml"],
    &["secret-define", "DIR/private.xml"],
    &["vol-create", "p", "DIR/unknown.xml"],
    // a secret without a value yet
    &["vol-create", "p", "DIR/luks.xml"],
    &["secret-set-value", UUID, "--file", "DIR/pass", "--plain"],
    &["vol-create", "p", "DIR/luks.xml"],
    &["vol-create", "p", "DIR/raw.xml"],
    &["vol-create", "p", "DIR/private-vol.xml"],
    &[
        "secret-set-value",
        PRIVATE_UUID,
        "--file",
        "DIR/pass2",
        "--plain",
    ],
    // a private secret: a client may not read it, the storage driver may
    &["secret-get-value", PRIVATE_UUID],
    &["vol-create", "p", "DIR/private-vol.xml"],
    &["vol-create", "p", "DIR/usage.xml"],
    &["vol-create", "p", "DIR/cipher.xml"],
    &["vol-create", "p", "DIR/nosecret.xml"],
    &["vol-create", "p", "DIR/qcow.xml"],
    &["vol-create", "p", "DIR/vmdk.xml"],
    &["vol-dumpxml", "--pool", "p", "luks.qcow2"],
    &["vol-dumpxml", "--pool", "p", "luks.raw"],
    &["vol-dumpxml", "--pool", "p", "private.qcow2"],
    &["vol-dumpxml", "--pool", "p", "usage.qcow2"],
    &["vol-dumpxml", "--pool", "p", "cipher.qcow2"],
    &["vol-info", "--pool", "p", "luks.raw"],
    &["vol-info", "--pool", "p", "luks.qcow2"],
    &["vol-list", "p", "--details"],
    &["vol-delete", "--pool", "p", "luks.raw"],
    &["vol-list", "p"],
];

/// The `<timestamps>` of a volume's XML are the file's: left out of the comparison.
fn without_timestamps(s: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for l in s.lines() {
        if l.trim() == "<timestamps>" {
            skip = true;
        }
        if !skip {
            out.push_str(l);
            out.push('\n');
        }
        if l.trim() == "</timestamps>" {
            skip = false;
        }
    }
    out
}

fn run_session(virsh: impl Fn(&[&str]) -> Run, dir: &str) -> Vec<String> {
    session::run_session(SESSION, virsh, dir, without_timestamps)
}

/// Set the private secret's value to `value`, through the file `pass`.
fn set_passphrase(q: &Qemud, pass: &Path, value: &str) {
    std::fs::write(pass, value).unwrap();
    q.virsh(&[
        "secret-set-value",
        PRIVATE_UUID,
        "--file",
        pass.to_str().unwrap(),
        "--plain",
    ])
    .ok();
}

/// Read an encrypted image through `pass` (`qemu-img convert` to raw decrypts every block;
/// `qemu-img info` would not need the key): whether it could, and what qemu-img said.
fn open_with(path: &Path, driver: &str, pass: &str) -> (bool, String) {
    let key = if driver == "qcow2" {
        "encrypt.key-secret"
    } else {
        "key-secret"
    };
    let o = std::process::Command::new("qemu-img")
        .args([
            "convert",
            "--object",
            &format!("secret,id=s0,data={pass}"),
            "--image-opts",
            &format!("driver={driver},file.filename={},{key}=s0", path.display()),
            "-O",
            "raw",
        ])
        .arg(path.with_extension("plain"))
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn encrypted_volumes_as_libvirt() {
    // libvirt's qemu-img may fail QEMU's LUKS key-derivation timing ("Unable to get accurate
    // CPU usage", a round shorter than the thread CPU clock's tick): then its session again,
    // on a new libvirtd (oxvirt's storaged tries qemu-img again itself)
    let mut want = Vec::new();
    for _ in 0..3 {
        let lv = Libvirtd::start();
        let lv_in = tempfile::tempdir().unwrap();
        write_inputs(lv_in.path());
        want = run_session(|a| lv.virsh(a), lv_in.path().to_str().unwrap());
        if !want.iter().any(|t| t.contains("accurate CPU usage")) {
            break;
        }
    }

    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-luks-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let _secretd = Daemon::start_in("secretd", "secret", root, &[]);
    let storaged = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    let ox_in = tempfile::tempdir().unwrap();
    write_inputs(ox_in.path());
    let got = run_session(|a| q.virsh(a), ox_in.path().to_str().unwrap());

    let diffs = session::differences(&want, &got);
    assert!(
        diffs.is_empty(),
        "{}\nstoraged log:\n{}",
        diffs.join("\n"),
        storaged.log()
    );

    // the images are LUKS with the secrets' values as passphrases
    let pool = ox_in.path().join("pool");
    for (name, driver, pass) in [
        ("luks.qcow2", "qcow2", "letmein"),
        ("usage.qcow2", "qcow2", "letmein"),
        ("cipher.qcow2", "qcow2", "letmein"),
        ("private.qcow2", "qcow2", "pw2"),
    ] {
        let (ok, out) = open_with(&pool.join(name), driver, pass);
        assert!(ok, "{name} does not open with its passphrase: {out}");
        let (ok, out) = open_with(&pool.join(name), driver, "wrong");
        assert!(!ok, "{name} opens with a wrong passphrase: {out}");
        assert!(out.contains("Invalid password"), "{out}");
        let _ = std::fs::remove_file(pool.join(name).with_extension("plain"));
    }
    let info = std::process::Command::new("qemu-img")
        .args(["info", pool.join("cipher.qcow2").to_str().unwrap()])
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("cipher alg: aes-128"), "{info}");
    // no passphrase file is left behind, and none was ever on a command line the daemon ran
    let left: Vec<_> = std::fs::read_dir(root.join("run/storage"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".secret"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A guest with a LUKS qcow2 file disk (`<encryption>` in `<source>`) and a LUKS raw volume
/// disk (`<encryption>` under `<disk>`), as libvirt-tck's disk-encryption test boots it: qemud
/// reads the passphrase from secretd and QEMU unlocks both images at start (a wrong passphrase
/// fails the start with QEMU's error). The passphrase is never on QEMU's command line and its
/// files are gone once QEMU runs; the XML keeps `<encryption>` where it was given, with
/// libvirt's `engine='qemu'`.
#[test]
fn guest_boots_with_encrypted_disks() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-luksdom-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let _secretd = Daemon::start_in("secretd", "secret", root, &[]);
    let _storaged = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    let pool = root.join("pool");
    let p = pool.display().to_string();
    q.virsh(&["pool-define-as", "p", "dir", "--target", &p])
        .ok();
    q.virsh(&["pool-build", "p"]).ok();
    q.virsh(&["pool-start", "p"]).ok();
    let sec = root.join("sec.xml");
    std::fs::write(
        &sec,
        secret(PRIVATE_UUID, "yes", &format!("{p}/disk.qcow2")),
    )
    .unwrap();
    q.virsh(&["secret-define", sec.to_str().unwrap()]).ok();
    let pass = root.join("pass");
    set_passphrase(&q, &pass, "s3cr3t-passphrase");
    let enc = luks(&format!("uuid='{PRIVATE_UUID}'"));
    // the images as vol-create makes them (the test above), but with a short key derivation:
    // QEMU unlocks them before it greets, and a busy host takes long over the default 2 s
    for (n, f, o) in [
        (
            "disk.qcow2",
            "qcow2",
            "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=50",
        ),
        ("disk.raw", "luks", "key-secret=s0,iter-time=50"),
    ] {
        // QEMU times the key derivation on the thread's CPU clock and gives up ("Unable to get
        // accurate CPU usage") when a round is shorter than its tick: a measurement, try again
        let create = || {
            std::process::Command::new("qemu-img")
                .args([
                    "create",
                    "--object",
                    "secret,id=s0,data=s3cr3t-passphrase",
                    "-f",
                    f,
                    "-o",
                    o,
                ])
                .arg(pool.join(n))
                .arg("16M")
                .output()
                .unwrap()
        };
        let mut out = create();
        for _ in 0..4 {
            if out.status.success()
                || !String::from_utf8_lossy(&out.stderr).contains("accurate CPU usage")
            {
                break;
            }
            out = create();
        }
        assert!(out.status.success(), "{out:?}");
    }
    q.virsh(&["pool-refresh", "p"]).ok();
    let disks = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>\
         <source file='{p}/disk.qcow2'>{enc}</source><target dev='vda' bus='virtio'/></disk>\
         <disk type='volume' device='disk'><driver name='qemu' type='raw'/>\
         <source pool='p' volume='disk.raw'/><target dev='vdb' bus='virtio'/>{enc}</disk>"
    );
    let xml = oxvirt_e2e::guest_xml("encdom", &root.join("serial.log"))
        .replace("<devices>", &format!("<devices>{disks}"));
    let file = root.join("encdom.xml");
    std::fs::write(&file, xml).unwrap();
    q.virsh(&["define", file.to_str().unwrap()]).ok();
    let inactive = q.virsh(&["dumpxml", "encdom"]).ok().to_string();
    for want in [
        format!(
            "<source file='{p}/disk.qcow2'>\n        <encryption format='luks' engine='qemu'>\n          \
             <secret type='passphrase' uuid='{PRIVATE_UUID}'/>\n        </encryption>\n      </source>"
        ),
        format!(
            "<target dev='vdb' bus='virtio'/>\n      <encryption format='luks' engine='qemu'>\n        \
             <secret type='passphrase' uuid='{PRIVATE_UUID}'/>\n      </encryption>"
        ),
    ] {
        assert!(inactive.contains(&want), "no {want} in\n{inactive}");
    }

    q.virsh(&["start", "encdom"]).ok();
    let cmdline = q
        .qemus()
        .into_iter()
        .map(|p| p.cmdline)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!cmdline.contains("s3cr3t"), "{cmdline}");
    for want in [
        r#""driver":"qcow2","encrypt":{"format":"luks","key-secret":"libvirt-1-format-encryption-secret0"}"#,
        r#""driver":"luks","file":"libvirt-2-storage","key-secret":"libvirt-2-format-encryption-secret0""#,
        r#""qom-type":"secret""#,
    ] {
        assert!(cmdline.contains(want), "no {want} in\n{cmdline}");
    }
    let leftover: Vec<_> = walk(&root.join("run"))
        .into_iter()
        .filter(|f| f.ends_with(".secret"))
        .collect();
    assert!(leftover.is_empty(), "{leftover:?}");
    assert!(!q.vm_log("encdom").contains("s3cr3t"));
    let live = q.virsh(&["dumpxml", "encdom"]).ok().to_string();
    assert!(
        live.contains("<encryption format='luks' engine='qemu'>"),
        "{live}"
    );
    q.virsh(&["destroy", "encdom"]).ok();

    // a wrong passphrase: QEMU cannot unlock the image and the start fails
    set_passphrase(&q, &pass, "wrong");
    let r = q.virsh(&["start", "encdom"]);
    assert_ne!(r.status, 0, "{r:?}");
    assert!(r.stderr.contains("Invalid password"), "{r:?}");
    // a secret that is gone: the secret driver's error
    q.virsh(&["secret-undefine", PRIVATE_UUID]).ok();
    let r = q.virsh(&["start", "encdom"]);
    assert_eq!(
        r.err(),
        format!(
            "error: Failed to start domain 'encdom'\nerror: Secret not found: no secret with matching uuid '{PRIVATE_UUID}'\n"
        ),
        "{r:?}"
    );
    q.virsh(&["undefine", "encdom"]).ok();
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}
