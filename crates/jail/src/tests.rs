use super::*;
use std::process::Command;

fn is_root() -> bool {
    sys::capget().is_ok_and(|(e, _)| e & Cap::SETUID.bit() != 0)
}

/// Run `sh -c script` confined by `jail`; its stdout and whether it succeeded.
fn run(jail: Jail, script: &str) -> (String, bool) {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(script);
    jail.apply_to_child(&mut c);
    let out = c.output().expect("spawn");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.success(),
    )
}

#[test]
fn status_fields_are_parsed() {
    let s = parse_status(
        "Name:\tx\nUid:\t64055\t64055\t64055\t64055\nGid:\t106\t106\t106\t106\n\
         CapEff:\t0000000000000020\nCapBnd:\t000001ffffffffff\nNoNewPrivs:\t1\nSeccomp:\t2\n",
    );
    assert_eq!(s.uid, Some(64055));
    assert_eq!(s.gid, Some(106));
    assert_eq!(s.cap_eff, Some(0x20));
    assert_eq!(s.cap_bnd, Some(0x1ff_ffff_ffff));
    assert_eq!(s.no_new_privs, Some(1));
    assert_eq!(s.seccomp, Some(2));
}

#[test]
fn no_new_privs_and_no_capabilities() {
    let (out, ok) = run(
        Jail::new().keep_caps(&[]).no_new_privs(),
        "cat /proc/self/status",
    );
    assert!(ok);
    let s = parse_status(&out);
    assert_eq!(s.no_new_privs, Some(1));
    assert_eq!(s.cap_eff, Some(0));
    if is_root() {
        assert_eq!(s.cap_bnd, Some(0), "the bounding set is emptied by root");
    }
}

#[test]
fn kept_capabilities_stay() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let (out, ok) = run(
        Jail::new().keep_caps(&[Cap::KILL, Cap::DAC_OVERRIDE]),
        "cat /proc/self/status",
    );
    assert!(ok);
    let s = parse_status(&out);
    assert_eq!(s.cap_eff, Some(0x22));
    assert_eq!(s.cap_bnd, Some(0x22));
}

#[test]
fn identity_switch_drops_every_capability() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let id = Identity {
        uid: 65534,
        gid: 65534,
        groups: vec![65534, 4242],
    };
    let (out, ok) = run(
        Jail::new().identity(id).keep_caps(&[]).no_new_privs(),
        "cat /proc/self/status; id -G",
    );
    assert!(ok, "{out}");
    let s = parse_status(&out);
    assert_eq!((s.uid, s.gid), (Some(65534), Some(65534)));
    assert_eq!(s.cap_eff, Some(0));
    assert!(out.trim_end().ends_with("65534 4242"), "{out}");
}

#[test]
fn rlimits_are_set() {
    let (out, ok) = run(
        Jail::new()
            .rlimit(Rlimit::Files(77))
            .rlimit(Rlimit::Core(0)),
        "ulimit -n; ulimit -c",
    );
    assert!(ok);
    assert_eq!(out, "77\n0\n");
}

#[test]
fn seccomp_filter_is_enforced() {
    // a deny-list for the test: mkdir fails, everything else (exec included) works
    let json = r#"{"t": {"mismatch_action": "allow", "match_action": {"errno": 1},
        "filter": [{"syscall": "mkdir"}, {"syscall": "mkdirat"}]}}"#;
    let prog = seccomp::policy(json, "t").expect("policy");
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("d");
    let (out, ok) = run(
        Jail::new().no_new_privs().seccomp(prog),
        &format!(
            "grep Seccomp: /proc/self/status; mkdir {} 2>/dev/null && echo made",
            target.display()
        ),
    );
    assert!(!ok);
    assert!(out.starts_with("Seccomp:\t2"), "{out}");
    assert!(!target.exists());
    assert!(seccomp::policy(json, "other").is_err());
}

#[test]
fn the_shim_policy_compiles() {
    let p = seccomp::policy(seccomp::SHIM, "shim").expect("shim policy");
    assert!(p.len() > 50);
}

#[test]
fn landlock_limits_writes_to_the_paths_given() {
    if landlock_abi() == 0 {
        eprintln!("skipped: no Landlock in this kernel");
        return;
    }
    let allowed = tempfile::tempdir().expect("tmp");
    let other = tempfile::tempdir().expect("tmp");
    let mut w = WritablePaths::new();
    w.allow(allowed.path());
    let jail = Jail::new().no_new_privs().landlock(&w).expect("ruleset");
    let (_, ok) = run(
        jail,
        &format!(
            "echo in > {a}/f && cat {a}/f && ! (echo out > {o}/f) 2>/dev/null",
            a = allowed.path().display(),
            o = other.path().display()
        ),
    );
    assert!(ok);
    assert!(allowed.path().join("f").exists());
    assert!(!other.path().join("f").exists());
}

#[test]
fn landlock_limits_programs_and_creation() {
    if landlock_abi() < 6 {
        eprintln!("skipped: Landlock ABI 6 is needed");
        return;
    }
    let allowed = tempfile::tempdir().expect("tmp");
    let other = tempfile::tempdir().expect("tmp");
    std::fs::write(other.path().join("existing"), "").expect("write");
    let mut r = ExecCreate::new();
    r.program("/bin/sh");
    r.create_beneath(allowed.path());
    let jail = Jail::new()
        .no_new_privs()
        .landlock_exec_create(&r)
        .expect("ruleset");
    // the shell runs (it was allowed), creates where allowed, writes an existing file elsewhere,
    // and can neither create there nor execute another program, nor signal its parent
    let (out, ok) = run(
        jail,
        &format!(
            "echo in > {a}/f && echo w > {o}/existing && ! (echo out > {o}/f) 2>/dev/null && \
             ! /usr/bin/true 2>/dev/null && ! kill -0 $PPID 2>/dev/null && echo fine",
            a = allowed.path().display(),
            o = other.path().display()
        ),
    );
    assert!(ok && out.contains("fine"), "{out}");
    assert!(allowed.path().join("f").exists());
    assert!(!other.path().join("f").exists());
}

#[test]
fn landlock_leaves_devices_alone() {
    if landlock_abi() < 6 {
        eprintln!("skipped: Landlock ABI 6 is needed");
        return;
    }
    // QEMU makes ptys for its serial ports (ioctls on /dev/ptmx) and opens /dev/null
    let mut r = ExecCreate::new();
    r.program("/usr/bin/python3");
    let jail = Jail::new()
        .no_new_privs()
        .landlock_exec_create(&r)
        .expect("ruleset");
    let mut c = Command::new("/usr/bin/python3");
    c.arg("-c").arg(
        "import os; m, s = os.openpty(); print(os.ttyname(s)); open('/dev/null', 'w').write('x')",
    );
    jail.apply_to_child(&mut c);
    let out = c.output().expect("spawn");
    assert!(
        out.status.success() && out.stdout.starts_with(b"/dev/pts/"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
