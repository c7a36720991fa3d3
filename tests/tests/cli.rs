//! The `oxvirt` command: embedded mode (its default) with real VMs, a program SIGKILLed while
//! its VM runs, two programs on one root, and the same commands against `oxvirt-qemud` and
//! against Debian's real libvirtd 9.0 giving the same results.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{guest, process_alive, EmbedRoot, Libvirtd, Qemud, Run, GUARD};

/// Wait until a child's output file holds `text`.
fn wait_output(path: &Path, text: &str, child: &mut Child) {
    let deadline = Instant::now() + GUARD;
    loop {
        let out = std::fs::read_to_string(path).unwrap_or_default();
        if out.contains(text) {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the program ended ({st}) before {text:?} appeared:\n{out}");
        }
        assert!(
            Instant::now() < deadline,
            "{text:?} did not appear within {GUARD:?}:\n{out}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Wait for a child to exit; its status.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(Instant::now() < deadline, "the program did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `oxvirt run` for the test guest, attached, output to `out`.
fn spawn_run(e: &EmbedRoot, name: &str, out: &Path, err: &Path) -> Child {
    spawn_run_with(e, name, out, err, Stdio::null())
}

fn spawn_run_with(e: &EmbedRoot, name: &str, out: &Path, err: &Path, stdin: Stdio) -> Child {
    let (kernel, initrd) = guest();
    e.oxvirt()
        .args([
            "run",
            "--name",
            name,
            "--virt-type",
            "qemu",
            "--memory",
            "256M",
        ])
        .arg("--kernel")
        .arg(&kernel)
        .arg("--initrd")
        .arg(&initrd)
        .stdin(stdin)
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(std::fs::File::create(err).unwrap())
        .spawn()
        .expect("spawn oxvirt run")
}

/// Talk to a guest's shell through `oxvirt console` until it answers; the console program is
/// then stopped (SIGINT, as Ctrl+C).
fn console_answers(mut console: std::process::Command, dir: &Path) {
    let out = dir.join("console.out");
    let err = dir.join("console.err");
    let mut child = console
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("spawn oxvirt console");
    let mut stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + GUARD;
    // the shell may still be booting: ask again every second
    loop {
        let _ = stdin.write_all(b"echo hello-$((6*7))\n");
        std::thread::sleep(Duration::from_secs(1));
        if std::fs::read_to_string(&out)
            .unwrap_or_default()
            .contains("hello-42")
        {
            break;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!(
                "oxvirt console ended ({st}):\n{}{}",
                std::fs::read_to_string(&out).unwrap_or_default(),
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "the console never answered");
    }
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let st = wait_exit(&mut child);
    assert!(st.success(), "oxvirt console after SIGINT: {st}");
}

/// `oxvirt console NAME` on a pseudo-terminal: the greeting, a command typed and answered,
/// Ctrl+] to leave with status 0.
fn tty_console_roundtrip(e: &EmbedRoot, name: &str) {
    oxvirt_e2e::pty_console_roundtrip(
        &format!("{} console {name}", oxvirt_e2e::binary("oxvirt").display()),
        &[("XDG_DATA_HOME", e.data_home().as_os_str())],
        "Escape character is ^] (Ctrl + ])",
    );
}

/// Programs opening one fresh root at the same moment: one owns it, the others share it; all
/// succeed and see the same thing.
#[test]
fn many_programs_open_one_root_at_once() {
    let e = EmbedRoot::new();
    let children: Vec<Child> = (0..6)
        .map(|_| {
            e.oxvirt()
                .args(["--json", "list", "--all"])
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{o:?}");
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]", "{o:?}");
    }
    // and a defined domain is seen by every later program, whichever owns the root
    let xml = e.data_home().join("d.xml");
    std::fs::write(
        &xml,
        "<domain type='qemu'><name>d1</name><memory unit='MiB'>64</memory>\
         <os><type arch='x86_64'>hvm</type></os></domain>",
    )
    .unwrap();
    let def = e.run(&["define", &xml.display().to_string()]);
    assert_eq!(
        def.ok(),
        format!("Domain 'd1' defined from {}\n", xml.display())
    );
    let children: Vec<Child> = (0..4)
        .map(|_| e.oxvirt().args(["domstate", "d1"]).spawn().unwrap())
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "shut off (unknown)\n",
            "{o:?}"
        );
    }
}

#[test]
fn embedded_run_list_console_shutdown() {
    let e = EmbedRoot::new();
    let out = e.data_home().join("run.out");
    let err = e.data_home().join("run.err");
    let mut run = spawn_run_with(&e, "demo", &out, &err, Stdio::piped());
    wait_output(&out, "OXVIRT-GUEST-READY", &mut run);
    // the default root is in XDG_DATA_HOME, laid out as oxvirt-qemud --root lays it out
    let root = e.root();
    for p in ["run/qemud-sock", "run/qemud.lock", "run/qemu/demo", "etc"] {
        assert!(
            root.join(p).exists(),
            "{} is missing",
            root.join(p).display()
        );
    }

    // a second program on the same root shares it: it sees the VM `run` owns
    let list = e.run(&["list"]);
    assert_eq!(
        list.ok(),
        " Id   Name   State\n----------------------\n 1    demo   running\n\n"
    );
    let json: serde_json::Value = serde_json::from_str(e.run(&["--json", "list"]).ok()).unwrap();
    assert_eq!(json[0]["name"], "demo");
    assert_eq!(json[0]["state"], "running");
    assert_eq!(json[0]["id"], 1);
    let info = e.run(&["dominfo", "demo"]);
    assert!(info.ok().contains("State:          running"), "{info:?}");
    assert!(info.ok().contains("Persistent:     no"), "{info:?}");

    // oxvirt-qemud refuses a root an embedded program owns, naming it
    let qemud = std::process::Command::new(oxvirt_e2e::binary("oxvirt-qemud"))
        .arg("--root")
        .arg(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!qemud.status.success());
    let msg = String::from_utf8_lossy(&qemud.stderr);
    assert!(
        msg.contains(&format!("is in use by pid {}", run.id())),
        "{msg}"
    );

    // `run` holds the console: typing into it reaches the guest's shell
    let mut stdin = run.stdin.take().unwrap();
    let deadline = Instant::now() + GUARD;
    while !std::fs::read_to_string(&out).unwrap().contains("hello-42") {
        stdin.write_all(b"echo hello-$((6*7))\n").unwrap();
        std::thread::sleep(Duration::from_secs(1));
        assert!(Instant::now() < deadline, "the console never answered");
    }
    // and another program's console is refused while it does, as libvirt refuses it
    let c = e.run(&["console", "demo"]);
    assert_eq!(c.status, 1, "{c:?}");
    assert!(c.stderr.starts_with("error: "), "{c:?}");
    assert_eq!(c.stderr.lines().count(), 1, "{c:?}");

    // shut down from a third program: the guest powers off, `run` sees its console end and
    // exits by itself, and nothing is left
    let sd = e.run(&["shutdown", "demo", "--wait"]);
    assert_eq!(sd.ok(), "Domain 'demo' is shut off\n");
    let st = wait_exit(&mut run);
    assert!(st.success(), "oxvirt run: {st}");
    let err_text = std::fs::read_to_string(&err).unwrap();
    assert!(
        err_text.contains("Domain 'demo' stopped"),
        "oxvirt run said:\n{err_text}"
    );
    assert_eq!(
        e.run(&["list", "--all"]).ok(),
        " Id   Name   State\n--------------------\n\n"
    );
    assert!(e.qemus().is_empty());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !e.shims().is_empty() {
        assert!(Instant::now() < deadline, "shims left: {:?}", e.shims());
        std::thread::sleep(Duration::from_millis(50));
    }
    // the owner is gone: the next program owns the root, and its errors are one clear line
    let r = e.run(&["dominfo", "demo"]);
    assert_eq!(r.status, 1);
    assert_eq!(
        r.stderr,
        "error: Domain not found: no domain with matching name 'demo'\n"
    );
}

#[test]
fn a_program_sigkilled_while_its_vm_runs_leaves_it_to_the_next() {
    let e = EmbedRoot::new();
    let out = e.data_home().join("run.out");
    let err = e.data_home().join("run.err");
    let mut run = spawn_run(&e, "survivor", &out, &err);
    wait_output(&out, "OXVIRT-GUEST-READY", &mut run);
    let qemu_before: Vec<u32> = e.qemus().iter().map(|p| p.pid).collect();
    assert_eq!(qemu_before.len(), 1);
    run.kill().unwrap();
    run.wait().unwrap();

    // a new program opens the root, owns it, reattaches the VM: same QEMU, still running
    let r = e.run(&["domstate", "survivor"]);
    assert_eq!(r.ok(), "running (unpaused)\n");
    let qemu_after: Vec<u32> = e.qemus().iter().map(|p| p.pid).collect();
    assert_eq!(qemu_before, qemu_after);
    // this time on a terminal: raw mode, and Ctrl+] leaves
    tty_console_roundtrip(&e, "survivor");
    assert_eq!(
        e.run(&["destroy", "survivor"]).ok(),
        "Domain 'survivor' destroyed\n"
    );
    for pid in qemu_before {
        let deadline = Instant::now() + Duration::from_secs(10);
        while process_alive(pid) {
            assert!(Instant::now() < deadline, "QEMU {pid} still runs");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert!(e.run(&["list", "--all", "--json"]).ok().trim() == "[]");
}

#[test]
fn run_detach_then_stop_it() {
    let e = EmbedRoot::new();
    let (kernel, initrd) = guest();
    let r = e
        .oxvirt()
        .args(["run", "--name", "bg", "--virt-type", "qemu", "--detach"])
        .arg("--kernel")
        .arg(&kernel)
        .arg("--initrd")
        .arg(&initrd)
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    assert_eq!(String::from_utf8_lossy(&r.stdout), "Domain 'bg' started\n");
    // the program is gone, the VM is not
    assert_eq!(e.run(&["domstate", "bg"]).ok(), "running (booted)\n");
    assert_eq!(e.qemus().len(), 1);
    e.run(&["destroy", "bg"]).ok();
    // usage errors are one line and a non-zero status
    let r = e.run(&["run", "--name", "x"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "error: give --kernel (with --initrd) or --disk\n");
    let r = e.run(&["--connect", "qemu+tcp://h/system", "list"]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr
            .starts_with("error: invalid URI 'qemu+tcp://h/system': transport 'tcp'"),
        "{r:?}"
    );
}

/// A domain both daemons can run: the test guest (copied where libvirt's QEMU user can read
/// it), a fixed UUID, no serial log file.
fn comparison_xml(dir: &Path) -> String {
    let (kernel, initrd) = guest();
    let k = dir.join("vmlinuz");
    let i = dir.join("initramfs.cpio.gz");
    std::fs::copy(kernel, &k).unwrap();
    std::fs::copy(initrd, &i).unwrap();
    use std::os::unix::fs::PermissionsExt;
    for p in [dir, &k, &i] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!(
        "<domain type='qemu'><name>cmpvm</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
<memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><cpu mode='maximum'/>
<devices><serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        k.display(),
        i.display()
    )
}

/// Note what a command printed (CPU time masked: it differs from run to run).
fn record(log: &mut Vec<String>, what: &str, r: Run) {
    let masked: String = r
        .stdout
        .lines()
        .map(|l| {
            if l.starts_with("CPU time:") {
                "CPU time: *"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    log.push(format!(
        "$ oxvirt {what}\n[{}] {masked}\n{}",
        r.status, r.stderr
    ));
}

/// The same session of `oxvirt` commands on one URI; returns what each printed (with the
/// values that legitimately differ between runs, CPU time, masked).
fn session(uri: &str, dir: &Path) -> Vec<String> {
    let e = EmbedRoot::new();
    let xml = dir.join("cmpvm.xml");
    std::fs::write(&xml, comparison_xml(dir)).unwrap();
    let xml = xml.display().to_string();
    let ox = |args: &[&str]| -> Run {
        let mut all = vec!["--connect", uri];
        all.extend_from_slice(args);
        e.run(&all)
    };
    let mut log = Vec::new();
    let mut events = e
        .oxvirt()
        .args([
            "--connect",
            uri,
            "--json",
            "events",
            "--loop",
            "--timeout",
            "300",
        ])
        .stdout(std::fs::File::create(dir.join("events.out")).unwrap())
        .spawn()
        .unwrap();
    // registered before anything happens
    std::thread::sleep(Duration::from_millis(500));

    record(&mut log, "define", ox(&["define", &xml]));
    record(&mut log, "list --all", ox(&["list", "--all"]));
    record(
        &mut log,
        "--json list --all",
        ox(&["--json", "list", "--all"]),
    );
    record(&mut log, "dominfo", ox(&["dominfo", "cmpvm"]));
    record(
        &mut log,
        "dumpxml --inactive",
        ox(&["dumpxml", "--inactive", "cmpvm"]),
    );
    record(&mut log, "start", ox(&["start", "cmpvm"]));
    record(&mut log, "domstate", ox(&["domstate", "cmpvm"]));
    record(&mut log, "list", ox(&["list"]));
    let mut console = e.oxvirt();
    console.args(["--connect", uri, "console", "cmpvm"]);
    console_answers(console, dir);
    record(&mut log, "suspend", ox(&["suspend", "cmpvm"]));
    record(&mut log, "domstate", ox(&["domstate", "cmpvm"]));
    record(&mut log, "resume", ox(&["resume", "cmpvm"]));
    record(&mut log, "domstate", ox(&["domstate", "cmpvm"]));
    let stats = ox(&["--json", "domstats", "cmpvm"]);
    let stats: serde_json::Value = serde_json::from_str(stats.ok()).unwrap();
    log.push(format!(
        "domstats: {} state={} reason={} has cpu.time={} balloon.current={} vcpu.current={}",
        stats[0]["domain"],
        stats[0]["stats"]["state.state"],
        stats[0]["stats"]["state.reason"],
        stats[0]["stats"].get("cpu.time").is_some(),
        stats[0]["stats"].get("balloon.current").is_some(),
        stats[0]["stats"].get("vcpu.current").is_some(),
    ));
    record(&mut log, "reboot", ox(&["reboot", "cmpvm"]));
    // back up after the reboot: the shell answers again
    let mut console = e.oxvirt();
    console.args(["--connect", uri, "console", "cmpvm"]);
    console_answers(console, dir);
    record(
        &mut log,
        "shutdown --wait",
        ox(&["shutdown", "--wait", "cmpvm"]),
    );
    record(&mut log, "domstate", ox(&["domstate", "cmpvm"]));
    record(&mut log, "start", ox(&["start", "cmpvm"]));
    record(&mut log, "dominfo", ox(&["dominfo", "cmpvm"]));
    record(&mut log, "destroy", ox(&["destroy", "cmpvm"]));
    record(&mut log, "domstate", ox(&["domstate", "cmpvm"]));
    record(&mut log, "undefine", ox(&["undefine", "cmpvm"]));
    record(&mut log, "list --all", ox(&["list", "--all"]));
    record(&mut log, "dominfo (gone)", ox(&["dominfo", "cmpvm"]));
    record(&mut log, "start (gone)", ox(&["start", "cmpvm"]));

    std::thread::sleep(Duration::from_millis(500));
    let pid = rustix::process::Pid::from_raw(events.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    assert!(wait_exit(&mut events).success());
    // reboot events come once per QEMU reset (2 or 3 of them, with either daemon)
    let evs: Vec<String> = std::fs::read_to_string(dir.join("events.out"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"reboot\""))
        .map(str::to_owned)
        .collect();
    log.push(format!("events:\n{}", evs.join("\n")));
    log
}

#[test]
fn the_same_commands_give_the_same_results_on_oxvirt_qemud_and_libvirtd() {
    let ours_dir = tempfile::tempdir().unwrap();
    let theirs_dir = tempfile::tempdir().unwrap();
    let qemud = Qemud::start();
    let ours = session(&qemud.uri(), ours_dir.path());
    drop(qemud);
    let lv = Libvirtd::start();
    let theirs = session(lv.uri(), theirs_dir.path());
    drop(lv);
    // the XML file path differs: the same name in each directory
    let norm = |v: Vec<String>, d: &Path| -> Vec<String> {
        v.into_iter()
            .map(|s| s.replace(&d.display().to_string(), "DIR"))
            .collect()
    };
    let ours = norm(ours, ours_dir.path());
    let theirs = norm(theirs, theirs_dir.path());
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b, "oxvirt-qemud (left) and libvirtd (right) differ");
    }
    assert_eq!(ours.len(), theirs.len());
    // and the session really did something
    let all = ours.join("\n");
    for want in [
        "Domain 'cmpvm' defined from DIR/cmpvm.xml",
        "running (booted)",
        "paused (user)",
        "running (unpaused)",
        "shut off (shutdown)",
        "shut off (destroyed)",
        "Domain 'cmpvm' has been undefined",
        "error: Domain not found: no domain with matching name 'cmpvm'",
        "\"type\":\"Stopped\"",
    ] {
        assert!(all.contains(want), "{want:?} missing in:\n{all}");
    }
}

/// No root needed: an ordinary user (`nobody`) boots the guest in an embedded root of its own.
#[test]
fn an_ordinary_user_runs_a_vm() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let e = EmbedRoot::new();
    let home = e.data_home();
    std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (kernel, initrd) = guest();
    let k = home.join("vmlinuz");
    let i = home.join("initrd");
    std::fs::copy(kernel, &k).unwrap();
    std::fs::copy(initrd, &i).unwrap();
    let o = oxvirt_e2e::command("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("XDG_DATA_HOME={}", home.join("data").display()))
        .arg(format!("HOME={}", home.display()))
        .arg(oxvirt_e2e::binary("oxvirt"))
        .args(["run", "--name", "mine", "--virt-type", "qemu"])
        .args(["--cmdline", "console=ttyS0 quiet oxvirt.poweroff"])
        .arg("--kernel")
        .arg(&k)
        .arg("--initrd")
        .arg(&i)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("OXVIRT-GUEST-READY"), "{stdout}\n{stderr}");
    assert!(stderr.contains("Domain 'mine' stopped"), "{stderr}");
    // its state belongs to the user
    let lock = home.join("data/oxvirt/embed/run/qemud.lock");
    assert_ne!(std::fs::metadata(lock).unwrap().uid(), 0);
}
