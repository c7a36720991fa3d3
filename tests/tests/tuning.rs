//! Setters and tuning of a domain (issue 16): `setvcpus`, `setmaxmem`, `setmem --config`,
//! `vcpupin`, `emulatorpin`, `set-lifecycle-action`, on a running TCG guest on oxvirt and on a
//! private libvirtd 9.0 with the same guest: virsh prints the same and the live and persistent
//! XML end the same; the live pinning is the QEMU threads' affinity and survives a SIGKILL of
//! qemud.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;

use oxvirt_e2e::{guest, python, Libvirtd, Qemud, Run};

/// The test guest with two vCPUs (no disk, no NIC).
fn two_vcpu_guest(name: &str) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>2</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        kernel.display(),
        initrd.display(),
    )
}

fn text(r: &Run) -> String {
    format!(
        "{}\n{}\n{}",
        r.status,
        r.stdout.trim_end(),
        r.stderr.trim_end()
    )
}

/// The tuning parts of a domain XML: `<memory>`, `<currentMemory>`, `<vcpu>`, `<cputune>`
/// and the lifecycle actions.
fn tuning_xml(xml: &str) -> String {
    let mut out = Vec::new();
    let mut in_cputune = false;
    for l in xml.lines().map(str::trim) {
        if l == "<cputune>" {
            in_cputune = true;
        }
        if in_cputune
            || ["<memory", "<currentMemory", "<vcpu ", "<vcpu>", "<on_"]
                .iter()
                .any(|p| l.starts_with(p))
        {
            out.push(l.to_owned());
        }
        if l == "</cputune>" {
            in_cputune = false;
        }
    }
    out.join("\n")
}

/// The CPUs QEMU's vCPU thread `n` may run on (`Cpus_allowed_list` of the thread named
/// "CPU n/TCG").
fn vcpu_affinity(qemu: u32, n: u32) -> Option<String> {
    for e in std::fs::read_dir(format!("/proc/{qemu}/task"))
        .ok()?
        .flatten()
    {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim() == format!("CPU {n}/TCG") {
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            return status
                .lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|s| s.trim().to_owned());
        }
    }
    None
}

fn qemu_pid_of(root: &Path, name: &str) -> u32 {
    oxvirt_e2e::qemus_under(root)
        .iter()
        .find(|p| p.cmdline.contains(&format!("guest={name}")))
        .map(|p| p.pid)
        .expect("the guest's QEMU")
}

#[test]
fn setters_match_libvirt() {
    let files = tempfile::tempdir().unwrap();
    let root = tempfile::Builder::new()
        .prefix("oxvirt-e2e-")
        .tempdir()
        .unwrap();
    let q = Qemud::start_in(root.path());
    let lv = Libvirtd::start();
    let xml = files.path().join("tune.xml");
    std::fs::write(&xml, two_vcpu_guest("tune")).unwrap();
    for uri in [q.uri(), lv.uri().to_owned()] {
        oxvirt_e2e::virsh(&uri, &["define", xml.to_str().unwrap()]).ok();
        oxvirt_e2e::virsh(&uri, &["start", "tune"]).ok();
    }
    let commands: &[&[&str]] = &[
        &["vcpupin", "tune", "1", "0"],
        &["vcpupin", "tune"],
        &["vcpupin", "tune", "0", "1", "--config"],
        &["vcpupin", "tune", "--config"],
        &["vcpupin", "tune", "--vcpu", "1"],
        &["vcpupin", "tune", "5", "0"],
        &["vcpupin", "tune", "5", "0", "--config"],
        &["vcpupin", "tune", "0", "0-1", "--live", "--config"],
        &["emulatorpin", "tune", "1"],
        &["emulatorpin", "tune"],
        &["emulatorpin", "tune", "0", "--config"],
        &["emulatorpin", "tune", "--config"],
        &["setvcpus", "tune", "2"],
        &["setvcpus", "tune", "2", "--live"],
        &["setvcpus", "tune", "3", "--live"],
        &["setvcpus", "tune", "1", "--live"],
        &["setvcpus", "tune", "3", "--config"],
        &["setvcpus", "tune", "1", "--config"],
        &["vcpucount", "tune"],
        &["setvcpus", "tune", "4", "--maximum", "--config"],
        &["setvcpus", "tune", "3", "--config"],
        &["vcpucount", "tune"],
        &["setvcpus", "tune", "3", "--maximum", "--live", "--config"],
        &["setvcpus", "tune", "1", "--guest"],
        &["setvcpus", "tune", "1", "--maximum", "--config"],
        &["vcpucount", "tune"],
        &["vcpupin", "tune", "--config"],
        &["setmaxmem", "tune", "300000"],
        &["setmaxmem", "tune", "300000", "--config"],
        &["setmem", "tune", "400000", "--config"],
        &["setmem", "tune", "200000", "--config"],
        &[
            "set-lifecycle-action",
            "tune",
            "reboot",
            "destroy",
            "--config",
        ],
        &[
            "set-lifecycle-action",
            "tune",
            "poweroff",
            "coredump-destroy",
        ],
        &[
            "set-lifecycle-action",
            "tune",
            "crash",
            "preserve",
            "--live",
        ],
        &[
            "set-lifecycle-action",
            "tune",
            "crash",
            "coredump-restart",
            "--config",
        ],
        &[
            "set-lifecycle-action",
            "tune",
            "reboot",
            "destroy",
            "--live",
        ],
    ];
    let mut diffs = Vec::new();
    for args in commands {
        let (ours, theirs) = (text(&q.virsh(args)), text(&lv.virsh(args)));
        if ours != theirs {
            diffs.push(format!(
                "virsh {}:\n--- oxvirt\n{ours}\n--- libvirt\n{theirs}",
                args.join(" ")
            ));
        }
    }
    for flags in [&["dumpxml", "tune"][..], &["dumpxml", "tune", "--inactive"]] {
        let ours = tuning_xml(q.virsh(flags).ok());
        let theirs = tuning_xml(lv.virsh(flags).ok());
        if ours != theirs {
            diffs.push(format!(
                "virsh {}:\n--- oxvirt\n{ours}\n--- libvirt\n{theirs}",
                flags.join(" ")
            ));
        }
    }
    // the same values through python3-libvirt, and the tunable event of a live pinning
    let script = r#"
import sys, json, libvirt, threading, time
libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open(sys.argv[1])
d = c.lookupByName('tune')
got = []
c.domainEventRegisterAny(d, libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE, lambda c, d, p, o: got.append(p), None)
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
def call(f):
    try:
        return f()
    except libvirt.libvirtError as e:
        return ['error', e.get_error_code(), e.get_error_domain(), e.get_error_message()]
out = {
    'pin': call(lambda: d.pinVcpuFlags(0, (True, False), libvirt.VIR_DOMAIN_AFFECT_LIVE)),
    'pinEmpty': call(lambda: d.pinVcpu(0, (False, False))),
    'pinInfo': call(lambda: d.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_LIVE)),
    'emulator': call(lambda: d.pinEmulator((False, True), 0)),
    'emulatorInfo': call(lambda: d.emulatorPinInfo(0)),
    'badFlags': call(lambda: d.setVcpusFlags(1, 1 << 10)),
    'lifecycleBad': call(lambda: d.setLifecycleAction(1, 4, 0)),
    'maxMemory': call(lambda: d.setMaxMemory(1 << 20)),
}
for _ in range(100):
    if len(got) >= 2:
        break
    time.sleep(0.1)
out['events'] = got
print(json.dumps(out, sort_keys=True))
"#;
    let ours = text(&python(script, &[&q.uri()]));
    let theirs = text(&python(script, &[lv.uri()]));
    if ours != theirs {
        diffs.push(format!(
            "python:\n--- oxvirt\n{ours}\n--- libvirt\n{theirs}"
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));

    // the live pinning is the threads' affinity, and the live XML keeps it over a restart
    let pid = qemu_pid_of(root.path(), "tune");
    assert_eq!(vcpu_affinity(pid, 0).as_deref(), Some("0"));
    assert_eq!(vcpu_affinity(pid, 1).as_deref(), Some("0"));
    let before = tuning_xml(q.virsh(&["dumpxml", "tune"]).ok());
    assert!(
        before.contains("<vcpupin vcpu='0' cpuset='0'/>"),
        "{before}"
    );
    assert!(
        before.contains("<on_reboot>destroy</on_reboot>"),
        "{before}"
    );
    q.sigkill();
    let q = Qemud::start_in(root.path());
    assert_eq!(tuning_xml(q.virsh(&["dumpxml", "tune"]).ok()), before);
    q.virsh(&["destroy", "tune"]).ok();
    lv.virsh(&["destroy", "tune"]).ok();
}

/// The cgroup path of QEMU's thread named `comm` in the v1 `cpu` hierarchy.
fn cpu_cgroup_of(qemu: u32, comm: &str) -> Option<String> {
    for e in std::fs::read_dir(format!("/proc/{qemu}/task"))
        .ok()?
        .flatten()
    {
        let c = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if c.trim() == comm {
            let cg = std::fs::read_to_string(e.path().join("cgroup")).ok()?;
            return cg
                .lines()
                .find_map(|l| l.split_once(":cpu:").map(|(_, p)| p.to_owned()));
        }
    }
    None
}

/// schedinfo, memtune, blkiotune, numatune and cpu-stats of a running guest on oxvirt and on
/// libvirt 9.0 (the guests named apart: both daemons name cgroups alike): the same output;
/// QEMU in libvirt's cgroups (`/machine/qemu-ID-NAME.libvirt-qemu`, vCPU threads in `vcpuN`),
/// removed when the guest stops.
#[test]
fn cgroup_tuning_matches_libvirt() {
    if !Path::new("/sys/fs/cgroup/cpu/cpu.shares").exists() {
        eprintln!("no cgroup v1 cpu hierarchy here: nothing to compare");
        return;
    }
    let files = tempfile::tempdir().unwrap();
    let root = tempfile::Builder::new()
        .prefix("oxvirt-e2e-")
        .tempdir()
        .unwrap();
    let q = Qemud::start_in(root.path());
    let lv = Libvirtd::start();
    for (uri, name) in [(q.uri(), "cgt"), (lv.uri().to_owned(), "cgl")] {
        let xml = files.path().join(format!("{name}.xml"));
        std::fs::write(&xml, two_vcpu_guest(name)).unwrap();
        oxvirt_e2e::virsh(&uri, &["define", xml.to_str().unwrap()]).ok();
        oxvirt_e2e::virsh(&uri, &["start", name]).ok();
    }
    let commands: &[(&[&str], bool)] = &[
        (&["schedinfo", "D"], false),
        (&["schedinfo", "D", "--config"], false),
        (&["memtune", "D"], false),
        (&["memtune", "D", "--config"], false),
        (&["blkiotune", "D"], false),
        (&["blkiotune", "D", "--config"], false),
        (&["numatune", "D"], false),
        (&["cpu-stats", "D"], false),
        (&["cpu-stats", "D", "--total"], true),
        (&["schedinfo", "D", "--set", "cpu_shares=512"], false),
        (
            &[
                "schedinfo",
                "D",
                "--set",
                "vcpu_period=50000",
                "--live",
                "--config",
            ],
            false,
        ),
        (&["schedinfo", "D", "--set", "vcpu_quota=10"], false),
        (&["schedinfo", "D", "--set", "nonsense=1"], false),
        (&["schedinfo", "D"], false),
        (&["schedinfo", "D", "--config"], false),
    ];
    let mut diffs = Vec::new();
    for (args, numbers) in commands {
        let ours: Vec<&str> = args
            .iter()
            .map(|a| if *a == "D" { "cgt" } else { a })
            .collect();
        let theirs: Vec<&str> = args
            .iter()
            .map(|a| if *a == "D" { "cgl" } else { a })
            .collect();
        let mut o = text(&q.virsh(&ours));
        let mut t = text(&lv.virsh(&theirs)).replace("cgl", "cgt");
        if *numbers {
            let digits =
                |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_digit()).collect() };
            o = digits(&o);
            t = digits(&t);
        }
        if o != t {
            diffs.push(format!(
                "virsh {}:\n--- oxvirt\n{o}\n--- libvirt\n{t}",
                ours.join(" ")
            ));
        }
    }
    for flags in [&["dumpxml"][..], &["dumpxml", "--inactive"]] {
        let o = tuning_xml(q.virsh(&[flags, &["cgt"]].concat()).ok());
        let t = tuning_xml(lv.virsh(&[flags, &["cgl"]].concat()).ok());
        if o != t {
            diffs.push(format!("{flags:?}:\n--- oxvirt\n{o}\n--- libvirt\n{t}"));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));

    let pid = qemu_pid_of(root.path(), "cgt");
    let id = q.virsh(&["domid", "cgt"]).ok().trim().to_owned();
    let group = format!("/machine/qemu-{id}-cgt.libvirt-qemu");
    assert_eq!(
        cpu_cgroup_of(pid, "CPU 1/TCG"),
        Some(format!("{group}/vcpu1"))
    );
    assert_eq!(
        cpu_cgroup_of(pid, "qemu-system-x86"),
        Some(format!("{group}/emulator"))
    );
    let shares = std::fs::read_to_string(format!("/sys/fs/cgroup/cpu{group}/cpu.shares")).unwrap();
    assert_eq!(shares.trim(), "512");
    q.virsh(&["destroy", "cgt"]).ok();
    assert!(!Path::new(&format!("/sys/fs/cgroup/cpu{group}")).exists());
    lv.virsh(&["destroy", "cgl"]).ok();
}

/// `virsh screenshot` of a guest with a VGA device on oxvirt and on libvirt 9.0: the same
/// messages, and a PNG image; a screen that does not exist and a stopped domain fail alike.
#[test]
fn screenshot_matches_libvirt() {
    let files = tempfile::tempdir().unwrap();
    let q = Qemud::start();
    let lv = Libvirtd::start();
    let xml = files.path().join("shot.xml");
    let guest = two_vcpu_guest("shot")
        .replace("</devices>", "<video><model type='vga'/></video></devices>");
    std::fs::write(&xml, guest).unwrap();
    let mut diffs = Vec::new();
    let mut sizes = Vec::new();
    for (uri, who) in [(q.uri(), "oxvirt"), (lv.uri().to_owned(), "libvirt")] {
        oxvirt_e2e::virsh(&uri, &["define", xml.to_str().unwrap()]).ok();
        oxvirt_e2e::virsh(&uri, &["start", "shot"]).ok();
        let png = files.path().join(format!("{who}.png"));
        let r = oxvirt_e2e::virsh(&uri, &["screenshot", "shot", png.to_str().unwrap()]);
        diffs.push(text(&r).replace(png.to_str().unwrap(), "FILE"));
        let r = oxvirt_e2e::virsh(&uri, &["screenshot", "shot", "--screen", "3"]);
        diffs.push(text(&r));
        let img = std::fs::read(&png).unwrap();
        assert!(img.starts_with(b"\x89PNG\r\n\x1a\n"), "{who}: not a PNG");
        // the IHDR's width and height
        sizes.push(img.get(16..24).map(<[u8]>::to_vec));
        oxvirt_e2e::virsh(&uri, &["destroy", "shot"]).ok();
        let r = oxvirt_e2e::virsh(&uri, &["screenshot", "shot", png.to_str().unwrap()]);
        diffs.push(text(&r).replace(png.to_str().unwrap(), "FILE"));
    }
    let (ours, theirs) = diffs.split_at(3);
    assert_eq!(ours, theirs);
    // the size follows the guest's video mode at that moment (text or framebuffer): only
    // that there is one
    for s in sizes {
        let s = s.unwrap();
        assert!(s[..4] != [0; 4] && s[4..] != [0; 4], "{s:?}");
    }
}
