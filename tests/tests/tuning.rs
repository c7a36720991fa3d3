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
