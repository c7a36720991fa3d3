//! Debian's virt-install 4.1 against oxvirt-qemud: it reads the capabilities and domain
//! capabilities, writes a pc machine with its USB controllers, and starts the test guest; the
//! common recipes that need neither networks nor storage, against libvirt 9.0's results; and
//! the storage recipes (`--cdrom`, `--disk size=`, `pool=`, `vol=`), which qemud forwards to
//! the storaged of its root.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use oxvirt_e2e::chardev::chardev_elements;
use oxvirt_e2e::storaged::Storaged;
use oxvirt_e2e::{command, guest, Libvirtd, Qemud};

#[test]
fn virt_install_imports_and_boots_the_guest() {
    let q = Qemud::start();
    let (kernel, initrd) = guest();
    let boot = format!(
        "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
        kernel.display(),
        initrd.display()
    );
    let out = command("virt-install")
        .env("HOME", q.root())
        .args([
            "--connect",
            &q.uri(),
            "--name",
            "vi1",
            "--virt-type",
            "qemu",
        ])
        .args(["--memory", "256", "--vcpus", "1", "--graphics", "none"])
        .args([
            "--noautoconsole",
            "--import",
            "--osinfo",
            "detect=on,require=off",
        ])
        .args(["--boot", &boot, "--disk", "none", "--network", "none"])
        .output()
        .expect("run virt-install (is virtinst installed? run scripts/install-deps)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "virt-install failed:\n{stdout}\n{stderr}\n--- daemon:\n{}\n--- VM:\n{}",
        q.log(),
        q.vm_log("vi1")
    );
    assert!(stdout.contains("Domain creation completed"), "{stdout}");
    assert_eq!(q.domstate("vi1"), "running (booted)");
    let live = q.virsh(&["dumpxml", "vi1"]).ok().to_string();
    assert!(live.contains("machine='pc-i440fx-"), "{live}");
    assert!(live.contains("model='ich9-uhci3'"), "{live}");
    assert!(live.contains("<master startport='4'/>"), "{live}");
    // the guest boots: its shell answers on the console (typed again until it does, since
    // input before the shell runs is lost)
    oxvirt_e2e::python_console_roundtrip(&q.uri(), "vi1", false);
    q.virsh(&["destroy", "vi1"]).ok();
    q.virsh(&["undefine", "vi1"]).ok();
}

/// What one virt-install recipe must give on both daemons: its extra arguments, and strings
/// the live XML must hold.
struct Recipe {
    name: &'static str,
    args: Vec<String>,
    live_has: Vec<String>,
}

/// Run `recipe` with virt-install against `uri`; returns the live XML and whether the domain
/// is persistent, and leaves nothing defined.
fn run_recipe(uri: &str, home: &std::path::Path, recipe: &Recipe) -> (String, bool) {
    let out = command("virt-install")
        .env("HOME", home)
        .args([
            "--connect",
            uri,
            "--name",
            recipe.name,
            "--virt-type",
            "qemu",
        ])
        .args(["--memory", "256", "--vcpus", "1", "--noautoconsole"])
        .args(&recipe.args)
        .output()
        .expect("run virt-install");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} on {uri}: virt-install failed:\n{stdout}\n{stderr}",
        recipe.name
    );
    let state = oxvirt_e2e::virsh(uri, &["domstate", recipe.name])
        .ok()
        .trim()
        .to_owned();
    assert_eq!(state, "running", "{} on {uri}", recipe.name);
    let live = oxvirt_e2e::virsh(uri, &["dumpxml", recipe.name])
        .ok()
        .to_string();
    for want in &recipe.live_has {
        assert!(
            live.contains(want.as_str()),
            "{} on {uri}: no {want} in\n{live}",
            recipe.name
        );
    }
    let info = oxvirt_e2e::virsh(uri, &["dominfo", recipe.name])
        .ok()
        .to_string();
    let persistent = !info
        .lines()
        .any(|l| l.starts_with("Persistent:") && l.ends_with("no"));
    if let Some(port) = recipe
        .live_has
        .iter()
        .any(|w| w == "<graphics type='vnc'")
        .then(|| {
            let at = live.find("<graphics type='vnc' port='").expect("vnc port") + 27;
            live[at..]
                .split('\'')
                .next()
                .unwrap_or("")
                .parse::<u16>()
                .expect("port")
        })
    {
        // the display answers with QEMU's RFB greeting
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to VNC");
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let mut greeting = [0u8; 12];
        std::io::Read::read_exact(&mut s, &mut greeting).unwrap();
        assert_eq!(&greeting, b"RFB 003.008\n", "{} on {uri}", recipe.name);
    }
    oxvirt_e2e::virsh(uri, &["destroy", recipe.name]).ok();
    if persistent {
        oxvirt_e2e::virsh(uri, &["undefine", recipe.name]).ok();
    }
    (live, persistent)
}

/// virt-install recipes that need neither networks nor storage start the guest on oxvirt as
/// on libvirt 9.0 (a private instance, same recipes, same machine), with the same serials,
/// consoles, channels and graphics in the live XML. (`--cdrom PATH` is not among them:
/// virt-install 4.1 resolves a media path through the storage API: see
/// [`virt_install_storage_recipes`].)
#[test]
fn virt_install_recipes_start_as_on_libvirt() {
    let lv = Libvirtd::start();
    let (kernel, initrd) = guest();
    // files QEMU opens under libvirt run as libvirt's qemu user: a directory it can enter
    let files = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        files.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    // outside the daemon's root: its path policy must be told files may be made there
    let q = Qemud::start_with(&["--allow-path", files.path().to_str().unwrap()]);
    let serial_log = files.path().join("serial.log");
    let boot: Vec<String> = [
        "--import".to_owned(),
        "--boot".to_owned(),
        format!(
            "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
            kernel.display(),
            initrd.display()
        ),
        "--disk".to_owned(),
        "none".to_owned(),
    ]
    .into();
    let with_boot = |extra: &[&str]| -> Vec<String> {
        boot.iter()
            .cloned()
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let s = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
    let recipes = [
        Recipe {
            name: "vi-none",
            args: with_boot(&[
                "--osinfo",
                "detect=on,require=off",
                "--network",
                "none",
                "--graphics",
                "none",
            ]),
            live_has: s(&["<serial type='pty'>", "<console type='pty' tty='/dev/pts/"]),
        },
        Recipe {
            name: "vi-user",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "user",
                "--graphics",
                "none",
            ]),
            live_has: s(&["<interface type='user'>"]),
        },
        Recipe {
            name: "vi-agent",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "none",
            ]),
            live_has: s(&[
                "<target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>",
            ]),
        },
        Recipe {
            name: "vi-vcon",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "none",
                "--console",
                "pty,target.type=virtio",
            ]),
            live_has: s(&["<target type='virtio' port='0'/>"]),
        },
        Recipe {
            name: "vi-sfile",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "none",
                "--serial",
                &format!("file,path={}", serial_log.display()),
            ]),
            live_has: s(&["<serial type='file'>"]),
        },
        Recipe {
            name: "vi-2pty",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "none",
                "--serial",
                "pty",
                "--serial",
                "pty",
            ]),
            live_has: s(&["<target type='isa-serial' port='1'>"]),
        },
        Recipe {
            name: "vi-trans",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "none",
                "--transient",
            ]),
            live_has: s(&["<serial type='pty'>"]),
        },
        Recipe {
            name: "vi-vnc",
            args: with_boot(&[
                "--osinfo",
                "debian11",
                "--network",
                "none",
                "--graphics",
                "vnc",
            ]),
            live_has: s(&["<graphics type='vnc'", "listen='127.0.0.1'"]),
        },
        Recipe {
            name: "vi-spice",
            args: with_boot(&["--osinfo", "debian11", "--network", "none"]),
            live_has: s(&[
                "<graphics type='spice'",
                "<redirdev bus='usb' type='spicevmc'>",
                "<sound model='ich9'>",
            ]),
        },
    ];
    let lv_home = tempfile::tempdir().unwrap();
    let ox_lib = q.root().join("lib/qemu").display().to_string();
    let mut started = 0;
    for r in &recipes {
        let (lv_live, lv_persistent) = run_recipe(lv.uri(), lv_home.path(), r);
        let (ox_live, ox_persistent) = run_recipe(&q.uri(), q.root(), r);
        assert_eq!(ox_persistent, lv_persistent, "{}", r.name);
        assert_eq!(ox_persistent, r.name != "vi-trans", "{}", r.name);
        assert_eq!(
            chardev_elements(&ox_live, &[&ox_lib]),
            chardev_elements(&lv_live, &["/var/lib/libvirt/qemu"]),
            "{}: oxvirt (left) and libvirt 9.0 (right)",
            r.name
        );
        started += 1;
    }
    eprintln!(
        "virt-install recipes started on libvirt 9.0 and on oxvirt: {started} of {}",
        recipes.len()
    );
}

/// A directory QEMU under libvirt (its qemu user) can enter, with a small ISO in it.
fn media_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("oxvirt-vi-media-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let content = dir.path().join("iso");
    std::fs::create_dir(&content).unwrap();
    std::fs::write(content.join("readme.txt"), "oxvirt\n").unwrap();
    let iso = dir.path().join("small.iso");
    let out = command("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-o"])
        .arg(&iso)
        .arg(&content)
        .output()
        .expect("run xorriso (run scripts/install-deps)");
    assert!(out.status.success(), "xorriso: {out:?}");
    std::fs::set_permissions(&iso, std::fs::Permissions::from_mode(0o644)).unwrap();
    (dir, iso)
}

/// The storage recipes for a daemon whose `default` pool is at `images`.
fn storage_recipes(iso: &std::path::Path, images: &std::path::Path) -> Vec<Recipe> {
    let (kernel, initrd) = guest();
    let common = |disk: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "--import",
            "--osinfo",
            "debian11",
            "--network",
            "none",
            "--graphics",
            "none",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("--boot".into());
        v.push(format!(
            "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
            kernel.display(),
            initrd.display()
        ));
        v.extend(disk.iter().map(|s| s.to_string()));
        v
    };
    // (libvirt adds index='N' after the path)
    let file = |name: &str| format!("<source file='{}'", images.join(name).display());
    let mut cdrom = common(&["--disk", "none"]);
    // --cdrom is an install method: not with --import
    cdrom.retain(|a| a != "--import");
    cdrom.extend(["--cdrom".to_owned(), iso.display().to_string()]);
    vec![
        Recipe {
            name: "vi-cdrom",
            args: cdrom,
            live_has: vec![
                "<disk type='file' device='cdrom'>".into(),
                format!("<source file='{}'", iso.display()),
            ],
        },
        Recipe {
            name: "vi-size",
            args: common(&["--disk", "size=1"]),
            live_has: vec![
                "<driver name='qemu' type='qcow2' discard='unmap'/>".into(),
                file("vi-size.qcow2"),
            ],
        },
        Recipe {
            name: "vi-pool",
            args: common(&["--disk", "pool=default,size=1"]),
            live_has: vec![file("vi-pool.qcow2")],
        },
        Recipe {
            name: "vi-vol",
            args: common(&["--disk", "vol=default/vi-pre.img"]),
            live_has: vec![
                "<driver name='qemu' type='raw'/>".into(),
                file("vi-pre.img"),
            ],
        },
    ]
}

/// Define, build and start a `default` dir pool at `images`, with the volume `vi-pre.img`.
fn default_pool(uri: &str, images: &std::path::Path) {
    let v = |args: &[&str]| oxvirt_e2e::virsh(uri, args).ok().to_string();
    v(&[
        "pool-define-as",
        "default",
        "dir",
        "--target",
        images.to_str().unwrap(),
    ]);
    v(&["pool-build", "default"]);
    v(&["pool-start", "default"]);
    v(&["vol-create-as", "default", "vi-pre.img", "16M"]);
}

/// virt-install's storage recipes on a `qemud` whose root has a `storaged` (the client talks
/// to qemud only; qemud forwards the pool and volume calls), and the same on libvirt 9.0: the
/// ISO of `--cdrom` is looked up, the volumes of `--disk size=1`, `pool=default,size=1` are
/// created in the `default` pool, `vol=default/NAME` is found, and each guest starts with the
/// disk in its live XML.
#[test]
fn virt_install_storage_recipes() {
    let (media, iso) = media_dir();
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-vi-storage-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let _s = Storaged::start_in_without_default(root);
    let q = Qemud::start_in_with(root, &["--allow-path", media.path().to_str().unwrap()]);
    let ox_images = root.join("images");
    default_pool(&q.uri(), &ox_images);
    let lv = Libvirtd::start();
    let lv_images = media.path().join("images");
    default_pool(lv.uri(), &lv_images);
    let lv_home = tempfile::tempdir().unwrap();
    let mut started = 0;
    for (lv_r, ox_r) in storage_recipes(&iso, &lv_images)
        .iter()
        .zip(storage_recipes(&iso, &ox_images).iter())
    {
        run_recipe(lv.uri(), lv_home.path(), lv_r);
        run_recipe(&q.uri(), root, ox_r);
        started += 1;
    }
    // the volumes virt-install made are in the pool, as on libvirt
    let vols = |uri: &str| {
        oxvirt_e2e::virsh(uri, &["vol-list", "default"])
            .ok()
            .to_string()
    };
    for v in ["vi-size.qcow2", "vi-pool.qcow2", "vi-pre.img"] {
        assert!(vols(&q.uri()).contains(v), "{v}: {}", vols(&q.uri()));
        assert!(vols(lv.uri()).contains(v), "{v}: {}", vols(lv.uri()));
    }
    eprintln!("virt-install storage recipes started on libvirt 9.0 and on oxvirt: {started} of 4");
}

/// Removes a file when dropped (a volume virt-install makes outside the test's root).
struct RemoveFile(std::path::PathBuf);

impl Drop for RemoveFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// On a root with no pool, `--disk size=1` makes virt-install define, build and start the
/// `default` pool itself (at libvirt's `/var/lib/libvirt/images`, virt-install's choice for a
/// system connection) and create the volume there.
#[test]
fn virt_install_defines_the_default_pool() {
    let tmp = tempfile::Builder::new()
        .prefix("oxvirt-vi-nopool-")
        .tempdir()
        .unwrap();
    let root = tmp.path();
    let _s = Storaged::start_in_without_default(root);
    let q = Qemud::start_in(root);
    assert_eq!(q.virsh(&["pool-list", "--all", "--name"]).ok().trim(), "");
    let (kernel, initrd) = guest();
    // a name of this run's own: the volume lands in a directory of the host
    let name = format!("vi-mkpool-{}", std::process::id());
    let images = std::path::Path::new("/var/lib/libvirt/images");
    let _vol = RemoveFile(images.join(format!("{name}.qcow2")));
    let recipe = Recipe {
        name: Box::leak(name.clone().into_boxed_str()),
        args: vec![
            "--import".into(),
            "--osinfo".into(),
            "debian11".into(),
            "--network".into(),
            "none".into(),
            "--graphics".into(),
            "none".into(),
            "--boot".into(),
            format!(
                "kernel={},initrd={},kernel_args=console=ttyS0 quiet",
                kernel.display(),
                initrd.display()
            ),
            "--disk".into(),
            "size=1".into(),
        ],
        live_has: vec![format!(
            "<source file='{}'",
            images.join(format!("{name}.qcow2")).display()
        )],
    };
    run_recipe(&q.uri(), root, &recipe);
    assert_eq!(
        q.virsh(&["pool-list", "--name"]).ok().trim(),
        "default",
        "virt-install started the default pool"
    );
    let xml = q.virsh(&["pool-dumpxml", "default"]).ok().to_string();
    assert!(
        xml.contains("<path>/var/lib/libvirt/images</path>"),
        "{xml}"
    );
    q.virsh(&["vol-delete", "--pool", "default", &format!("{name}.qcow2")])
        .ok();
}
