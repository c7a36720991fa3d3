//! `scripts/install` into a throw-away root (`DESTDIR`) and `scripts/uninstall` leaving nothing;
//! in between, the installed daemons started as their installed systemd socket units say
//! (`systemd-socket-activate` with the units' `ListenStream=`, `FileDescriptorName=` and
//! `ExecStart=`), in a mount namespace with a private `/run/libvirt`: stock virsh reaches qemud
//! through its modular socket (`virtqemud-sock`) and, with no URI at all, through proxyd's
//! `libvirt-sock`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Stdio;

use oxvirt_e2e::{binary, command};

const DOMAIN: &str =
    "<domain type='qemu'><name>inst1</name><memory>65536</memory><os><type>hvm</type></os></domain>";

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name)
}

fn run_script(name: &str, dest: &Path, target: &Path) -> String {
    let o = command(script(name).to_str().unwrap())
        .env("DESTDIR", dest)
        .env("PREFIX", "/usr")
        .env("BUILD", "0")
        .env("PROFILE", "debug")
        .env("TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(o.status.success(), "{name}: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Start a daemon as its installed units say: `activate oxvirt-qemud` (after `DEST`, `ROOT`).
const ACTIVATE: &str = r#"
activate() {
  U="$DEST/usr/lib/systemd/system"
  listen=$(grep -h '^ListenStream=' "$U/$1.socket" "$U/$1-ro.socket" "$U/$1-admin.socket" | sed 's/^ListenStream=/-l /')
  names=$(grep -h '^FileDescriptorName=' "$U/$1.socket" "$U/$1-ro.socket" "$U/$1-admin.socket" | sed 's/^.*=//' | paste -sd:)
  exec=$(grep '^ExecStart=' "$U/$1.service" | sed 's/^ExecStart=//')
  # shellcheck disable=SC2086
  systemd-socket-activate $listen --fdname="$names" $DEST$exec --root "$ROOT" 2>>"$ROOT/$1.log" &
}
"#;

#[test]
fn install_run_from_the_units_and_uninstall() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-install-")
        .tempdir()
        .unwrap();
    let dest = tmp.path().join("dest");
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    // the harness builds the debug binaries; the install takes them from there
    let target = binary("oxvirt-proxyd")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf();
    let out = run_script("install", &dest, &target);
    assert!(out.contains("installed under"), "{out}");
    for f in [
        "usr/sbin/oxvirt-qemud",
        "usr/sbin/oxvirt-shim",
        "usr/sbin/oxvirt-proxyd",
        "usr/sbin/oxvirt-leaseshelper",
        "usr/bin/oxvirt",
        "usr/share/oxvirt/examples/access.conf",
        "usr/lib/systemd/system/oxvirt-networkd-admin.socket",
    ] {
        assert!(dest.join(f).is_file(), "{f} not installed");
    }
    let units = dest.join("usr/lib/systemd/system");
    let sock = std::fs::read_to_string(units.join("oxvirt-proxyd.socket")).unwrap();
    assert!(
        sock.contains("ListenStream=/run/libvirt/libvirt-sock\n"),
        "{sock}"
    );
    assert!(sock.contains("Alias=virtproxyd.socket"), "{sock}");
    let ro = std::fs::read_to_string(units.join("oxvirt-qemud-ro.socket")).unwrap();
    assert!(
        ro.contains("ListenStream=/run/libvirt/virtqemud-sock-ro"),
        "{ro}"
    );
    assert!(ro.contains("SocketMode=0666"), "{ro}");
    // a second install over the first is refused (the manifest would lose track)
    let again = command(script("install").to_str().unwrap())
        .env("DESTDIR", &dest)
        .env("PREFIX", "/usr")
        .env("BUILD", "0")
        .env("PROFILE", "debug")
        .env("TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(!again.status.success());

    let xml = root.join("inst1.xml");
    std::fs::write(&xml, DOMAIN).unwrap();
    let body = format!(
        r#"{ACTIVATE}
        activate oxvirt-qemud; q=$!
        activate oxvirt-proxyd; p=$!
        i=0; while [ ! -S /run/libvirt/libvirt-sock ] || [ ! -S /run/libvirt/virtqemud-sock ]; do
          sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || exit 9; done
        virsh -q -c 'qemu:///system?mode=direct' define "$ROOT/inst1.xml"
        echo "direct: $(virsh -c 'qemu:///system?mode=direct' list --all --name | tr -d '\n')"
        echo "legacy: $(virsh list --all --name | tr -d '\n')"
        echo "uri: $(virsh uri)"
        echo "proxy: $(cat /proc/$p/comm)"
        kill $q $p; wait
        "#
    );
    let o = command("unshare")
        .args(["-m", "--propagation", "private", "sh", "-ec"])
        .arg(format!(
            "mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /root; mkdir -p /run/libvirt; {body}"
        ))
        .env("DEST", &dest)
        .env("ROOT", &root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let logs = format!(
        "{}\n{}",
        std::fs::read_to_string(root.join("oxvirt-qemud.log")).unwrap_or_default(),
        std::fs::read_to_string(root.join("oxvirt-proxyd.log")).unwrap_or_default()
    );
    assert!(o.status.success(), "{o:?}\n{logs}");
    assert!(text.contains("direct: inst1"), "{text}\n{logs}");
    assert!(text.contains("legacy: inst1"), "{text}\n{logs}");
    assert!(text.contains("uri: qemu:///system"), "{text}");
    assert!(text.contains("proxy: oxvirt-proxyd"), "{text}");

    let out = run_script("uninstall", &dest, &target);
    assert!(out.contains("uninstalled"), "{out}");
    let left: Vec<_> = std::fs::read_dir(&dest).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
