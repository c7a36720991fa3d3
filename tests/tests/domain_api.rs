//! A running VM's API (issue 16, statistics, tuning, metadata and the small calls): virsh and
//! python3-libvirt against a running TCG guest on oxvirt and on a private libvirtd 9.0 with the
//! same guest, outputs compared; and the procedure table: no QEMU-driver procedure answers
//! "unknown procedure".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use oxvirt_e2e::{guest, python, virsh, Libvirtd, Qemud, Run};
use oxvirt_proto::procedures::{remote_proc as rp, Program, ServedBy};
use oxvirt_proto::remote::{AuthListRet, ConnectOpenArgs};
use oxvirt_rpc::{Client, ClientError};

/// Every call of the hypervisor daemon's share of the table (the QEMU driver's procedures and
/// the few libvirt's QEMU driver lacks), sent with an empty body to a real daemon, answers
/// something else than "unknown procedure": its handler (a decoding error for a call with
/// arguments) or VIR_ERR_NO_SUPPORT with the API's name.
#[tokio::test]
async fn no_qemu_driver_procedure_is_unknown() {
    let d = Qemud::start();
    let c = Client::connect(&d.socket()).await.unwrap().0;
    let _: AuthListRet = c
        .call(Program::Remote.number(), rp::AUTH_LIST, &())
        .await
        .unwrap();
    let () = c
        .call(
            Program::Remote.number(),
            rp::CONNECT_OPEN,
            &ConnectOpenArgs {
                name: Some("qemu:///system".into()),
                flags: 0,
            },
        )
        .await
        .unwrap();
    let mut asked = 0;
    let mut no_support = 0;
    for program in [Program::Remote, Program::Qemu, Program::Lxc] {
        for p in program.procedures() {
            if p.event || p.api_name.is_none() || p.served_by() != ServedBy::Qemu {
                continue;
            }
            asked += 1;
            match c
                .call_raw(program.number(), p.number, Vec::new(), Vec::new())
                .await
            {
                Ok(_) => {}
                Err(ClientError::Remote(e)) => {
                    assert!(
                        !e.message.contains("unknown procedure"),
                        "{}: {}",
                        p.constant_name(),
                        e.message
                    );
                    if e.code == 3 {
                        no_support += 1;
                        assert_eq!(
                            e.message,
                            format!(
                                "this function is not supported by the connection driver: {}",
                                p.api_name.unwrap_or_default()
                            )
                        );
                    }
                }
                Err(other) => panic!("{}: {other:?}", p.constant_name()),
            }
        }
    }
    assert!(asked > 240, "{asked}");
    assert!(no_support < asked, "{no_support} of {asked}");
}

/// The test guest with a 16 MiB raw disk (vda) and a user-mode NIC.
fn guest_with_devices(name: &str, disk: &Path) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{}'/><target dev='vda' bus='virtio'/></disk>
<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>
<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        kernel.display(),
        initrd.display(),
        disk.display()
    )
}

/// A domain defined and started from `xml` through virsh at `uri`.
fn define_and_start(uri: &str, dir: &Path, xml: &str, name: &str) {
    let f = dir.join(format!("{name}.xml"));
    std::fs::write(&f, xml).unwrap();
    virsh(uri, &["define", f.to_str().unwrap()]).ok();
    virsh(uri, &["start", name]).ok();
}

/// virsh's output (status, stdout, stderr) with the numbers that must differ between two
/// guests (counters, times, sizes on the host) replaced by N.
fn normalized(r: &Run, numbers: bool) -> String {
    let text = format!(
        "{}\n{}\n{}",
        r.status,
        r.stdout.trim_end(),
        r.stderr.trim_end()
    );
    if !numbers {
        return text;
    }
    let mut out = String::new();
    let mut in_num = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            if !in_num {
                out.push('N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(ch);
        }
    }
    out
}

/// The running test guest's statistics, jobs, agent calls and input on oxvirt and on libvirt
/// 9.0: virsh prints the same (counters and sizes normalized), python3-libvirt gets the same
/// values, keys and errors.
#[test]
fn running_guest_api_matches_libvirt() {
    let files = tempfile::tempdir().unwrap();
    std::fs::set_permissions(files.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (ox_disk, lv_disk) = (files.path().join("ox.raw"), files.path().join("lv.raw"));
    for f in [&ox_disk, &lv_disk] {
        std::fs::File::create(f).unwrap().set_len(16 << 20).unwrap();
    }
    let q = Qemud::start_with(&["--allow-path", files.path().to_str().unwrap()]);
    let lv = Libvirtd::start();
    define_and_start(
        &q.uri(),
        files.path(),
        &guest_with_devices("api", &ox_disk),
        "api",
    );
    define_and_start(
        lv.uri(),
        files.path(),
        &guest_with_devices("api", &lv_disk),
        "api",
    );

    // (command, numbers normalized)
    let commands: &[(&[&str], bool)] = &[
        (&["domjobinfo", "api"], false),
        (&["domjobinfo", "api", "--completed"], false),
        (&["domjobabort", "api"], false),
        (&["domcontrol", "api"], false),
        (&["domblkerror", "api"], false),
        (&["domblkstat", "api", "vda"], true),
        (&["domblkstat", "api"], true),
        (&["domblkstat", "api", "vda", "--human"], true),
        (&["domblkstat", "api", "vdb"], false),
        (&["domifstat", "api", "vnet0"], false),
        (&["domifstat", "api", "52:54:00:12:34:56"], false),
        (&["domblkinfo", "api", "vdb"], false),
        (&["domtime", "api"], false),
        (&["domtime", "api", "--now"], false),
        (&["domhostname", "api"], false),
        (&["domhostname", "api", "--source", "lease"], false),
        (&["domifaddr", "api"], false),
        (&["domifaddr", "api", "--full"], false),
        (&["domifaddr", "api", "--source", "agent"], false),
        (&["domfsinfo", "api"], false),
        (&["domfsfreeze", "api"], false),
        (&["domfsthaw", "api"], false),
        (&["guestinfo", "api"], false),
        (&["guestvcpus", "api"], false),
        (
            &["qemu-agent-command", "api", r#"{"execute":"guest-ping"}"#],
            false,
        ),
        (&["send-key", "api", "KEY_A"], false),
        (&["send-key", "api", "--codeset", "usb", "4"], false),
        (&["inject-nmi", "api"], false),
        (&["vcpucount", "api"], false),
        (&["vcpuinfo", "api"], true),
        (&["vcpupin", "api"], false),
        (&["vcpupin", "api", "--config"], false),
        (&["emulatorpin", "api"], false),
        (&["emulatorpin", "api", "--config"], false),
        (&["iothreadinfo", "api"], false),
    ];
    let mut diffs = Vec::new();
    for (args, numbers) in commands {
        let ours = normalized(&q.virsh(args), *numbers);
        let theirs = normalized(&lv.virsh(args), *numbers);
        if ours != theirs {
            diffs.push(format!(
                "virsh {}:\n--- oxvirt\n{ours}\n--- libvirt\n{theirs}",
                args.join(" ")
            ));
        }
    }
    // sizes the two guests share: the disk's capacity and its file's size
    for uri in [q.uri(), lv.uri().to_owned()] {
        let info = virsh(&uri, &["domblkinfo", "api", "vda"]);
        let text = info.ok();
        assert!(text.contains("Capacity:       16777216"), "{uri}: {text}");
        assert!(text.contains("Physical:       16777216"), "{uri}: {text}");
        // the balloon's size and QEMU's RSS, whatever the guest's own numbers
        let mem = virsh(&uri, &["dommemstat", "api"]);
        let mem = mem.ok();
        assert!(mem.starts_with("actual 262144\n"), "{uri}: {mem}");
        assert!(mem.contains("\nlast_update "), "{uri}: {mem}");
        assert!(mem.contains("\nrss "), "{uri}: {mem}");
    }

    let script = r#"
import sys, json, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
d = libvirt.open(sys.argv[1]).lookupByName('api')
def call(f):
    try:
        r = f()
    except libvirt.libvirtError as e:
        return ['error', e.get_error_code(), e.get_error_domain(), e.get_error_message()]
    return r
out = {
    'jobInfo': call(d.jobInfo),
    'jobStats': call(d.jobStats),
    'controlInfo': call(d.controlInfo),
    'diskErrors': call(d.diskErrors),
    'blockStatsShape': call(lambda: [type(x).__name__ for x in d.blockStats('vda')] + [d.blockStats('vda')[4]]),
    'blockStatsFlagsKeys': call(lambda: sorted(d.blockStatsFlags('vda').keys())),
    'blockStatsBad': call(lambda: d.blockStats('nope')),
    'ifaceStatsUser': call(lambda: d.interfaceStats('52:54:00:12:34:56')),
    'ifaceStatsBad': call(lambda: d.interfaceStats('vnet9')),
    'memoryStatsActual': call(lambda: d.memoryStats()['actual']),
    'ifaddrLease': call(lambda: d.interfaceAddresses(0)),
    'ifaddrAgent': call(lambda: d.interfaceAddresses(1)),
    'getTime': call(d.getTime),
    'hostname': call(d.hostname),
    'abortJob': call(d.abortJob),
    'sendKeyBad': call(lambda: d.sendKey(0, 0, [300], 1, 0)),
    'sendKeyFlags': call(lambda: d.sendKey(0, 0, [30], 1, 1)),
    'nmiFlags': call(lambda: d.injectNMI(1)),
    'blockInfo': call(lambda: [d.blockInfo('vda')[0], d.blockInfo('vda')[2]]),
    'maxVcpus': call(d.maxVcpus),
    'vcpusFlags': call(lambda: [d.vcpusFlags(f) for f in (0, 1, 2, 4, 5, 6)]),
    'vcpusShape': call(lambda: [[[v[0], v[1]] for v in d.vcpus()[0]], d.vcpus()[1]]),
    'vcpuPinInfo': call(lambda: d.vcpuPinInfo(0)),
    'emulatorPinInfo': call(lambda: d.emulatorPinInfo(0)),
    'ioThreadInfo': call(lambda: d.ioThreadInfo(0)),
}
d.destroy()
out['inactiveControl'] = call(d.controlInfo)
out['inactiveJob'] = call(d.jobInfo)
out['inactiveTime'] = call(d.getTime)
out['inactiveBlockStats'] = call(lambda: d.blockStats('vda'))
out['inactiveMem'] = call(d.memoryStats)
out['inactiveNmi'] = call(d.injectNMI)
out['inactiveVcpus'] = call(d.vcpus)
out['inactiveMaxVcpus'] = call(d.maxVcpus)
out['inactiveVcpuPinInfo'] = call(lambda: d.vcpuPinInfo(0))
out['inactiveVcpusFlagsLive'] = call(lambda: d.vcpusFlags(1))
print(json.dumps(out, sort_keys=True, indent=1))
"#;
    let ours = python(script, &[&q.uri()]);
    let theirs = python(script, &[lv.uri()]);
    let (ours, theirs) = (ours.ok(), theirs.ok());
    if ours != theirs {
        diffs.push(format!(
            "python3-libvirt:\n--- oxvirt\n{ours}\n--- libvirt\n{theirs}"
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}

/// Description, title and metadata elements (SET/GET_METADATA, `virsh desc`, `metadata`) on
/// the live and persistent definitions of a running guest, their XML, and the metadata-change
/// events, on oxvirt and on libvirt 9.0.
#[test]
fn metadata_matches_libvirt() {
    let files = tempfile::tempdir().unwrap();
    std::fs::set_permissions(files.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (ox_disk, lv_disk) = (files.path().join("ox.raw"), files.path().join("lv.raw"));
    for f in [&ox_disk, &lv_disk] {
        std::fs::File::create(f).unwrap().set_len(1 << 20).unwrap();
    }
    let q = Qemud::start_with(&["--allow-path", files.path().to_str().unwrap()]);
    let lv = Libvirtd::start();
    define_and_start(
        &q.uri(),
        files.path(),
        &guest_with_devices("md", &ox_disk),
        "md",
    );
    define_and_start(
        lv.uri(),
        files.path(),
        &guest_with_devices("md", &lv_disk),
        "md",
    );

    let script = r#"
import sys, json, re, threading, time, libvirt
libvirt.registerErrorHandler(lambda *a: None, None)
libvirt.virEventRegisterDefaultImpl()
c = libvirt.open(sys.argv[1])
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
events = []
c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                         lambda conn, dom, mtype, nsuri, opaque: events.append([dom.name(), mtype, nsuri]), None)
d = c.lookupByName('md')
D, T, E = libvirt.VIR_DOMAIN_METADATA_DESCRIPTION, libvirt.VIR_DOMAIN_METADATA_TITLE, libvirt.VIR_DOMAIN_METADATA_ELEMENT
LIVE, CONFIG = libvirt.VIR_DOMAIN_AFFECT_LIVE, libvirt.VIR_DOMAIN_AFFECT_CONFIG
URI = 'http://example.org/x'
def call(f):
    try:
        r = f()
    except libvirt.libvirtError as e:
        return ['error', e.get_error_code(), e.get_error_domain(), e.get_error_message()]
    return r
def parts(xml):
    return re.findall(r'<title>.*?</title>|<description>.*?</description>|<metadata>.*?</metadata>|<metadata/>', xml, re.S)
out = []
out.append(call(lambda: d.metadata(D, None, 0)))
out.append(call(lambda: d.setMetadata(D, 'hello <world> & co', None, None, 0)))
out.append(call(lambda: d.metadata(D, None, 0)))
out.append(call(lambda: d.metadata(D, None, LIVE)))
out.append(call(lambda: d.metadata(D, None, CONFIG)))
out.append(call(lambda: d.setMetadata(T, 'A title', None, None, CONFIG)))
out.append(call(lambda: d.metadata(T, None, CONFIG)))
out.append(call(lambda: d.metadata(T, None, 0)))
out.append(call(lambda: d.setMetadata(T, 'two\nlines', None, None, 0)))
out.append(call(lambda: d.setMetadata(E, '<foo a="1">bar<baz/></foo>', 'x', URI, LIVE | CONFIG)))
out.append(call(lambda: d.metadata(E, URI, 0)))
out.append(call(lambda: d.metadata(E, URI, CONFIG)))
out.append(call(lambda: d.metadata(E, 'http://example.org/none', 0)))
out.append(call(lambda: d.metadata(7, None, 0)))
out.append(call(lambda: d.setMetadata(7, 'x', None, None, 0)))
out.append(call(lambda: d.setMetadata(D, 'x', None, None, 4)))
out.append(call(lambda: d.metadata(D, None, LIVE | CONFIG)))
out.append(parts(d.XMLDesc(0)))
out.append(parts(d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)))
out.append(call(lambda: d.setMetadata(D, '', None, None, LIVE)))
out.append(call(lambda: d.metadata(D, None, LIVE)))
out.append(call(lambda: d.setMetadata(E, None, None, URI, CONFIG)))
out.append(call(lambda: d.metadata(E, URI, CONFIG)))
d.destroy()
out.append(call(lambda: d.metadata(D, None, LIVE)))
out.append(call(lambda: d.setMetadata(D, 'off', None, None, LIVE)))
out.append(call(lambda: d.setMetadata(D, 'off', None, None, 0)))
out.append(call(lambda: d.metadata(D, None, 0)))
out.append(parts(d.XMLDesc(0)))
time.sleep(1)
out.append(events)
print(json.dumps(out, indent=1))
"#;
    let ours = python(script, &[&q.uri()]);
    let theirs = python(script, &[lv.uri()]);
    let (ours, theirs) = (ours.ok(), theirs.ok());
    assert_eq!(ours, theirs, "oxvirt (left) and libvirt (right) differ");
    // virsh's desc and metadata commands on the (now inactive) domain
    let mut diffs = Vec::new();
    for args in [
        &["desc", "md"][..],
        &["desc", "md", "--title"],
        &[
            "desc",
            "md",
            "--config",
            "--title",
            "--new-desc",
            "Virsh title",
        ],
        &["desc", "md", "--title", "--config"],
        &["metadata", "md", "http://example.org/none"],
    ] {
        let a = normalized(&q.virsh(args), false);
        let b = normalized(&lv.virsh(args), false);
        if a != b {
            diffs.push(format!("virsh {}:\n{a}\n---\n{b}", args.join(" ")));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}
