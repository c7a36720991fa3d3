//! Kills in the middle: SIGKILL `oxvirt-qemud` or a shim at random moments while define,
//! undefine, start, shutdown and destroy run, restart what was killed, and check after each
//! kill that nothing is lost or stuck:
//!
//! 1. every persistent configuration parses and is one of the versions that were defined;
//! 2. every QEMU that runs belongs to a domain shown as running;
//! 3. no domain shown as running lacks its QEMU;
//! 4. no stale lock or job: a later call on every domain goes through.
//!
//! Seeded and reproducible in its choices (`OXVIRT_CHAOS_SEED`), bounded in kills
//! (`OXVIRT_CHAOS_KILLS`, default 200) and time. Prints the number of kills and violations.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::{binary, guest_xml, processes, Qemud};

/// xorshift64*: enough randomness, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMES: [&str; 3] = ["chaos-0", "chaos-1", "chaos-2"];
/// The two definitions each domain alternates between (they differ in memory).
const MEMS: [&str; 2] = [
    "<memory unit='MiB'>128</memory>",
    "<memory unit='MiB'>160</memory>",
];

fn xml(root: &Path, name: &str, v: usize) -> String {
    let x = guest_xml(name, &root.join(format!("{name}.serial.log")));
    let start = x.find("<memory").expect("memory element");
    let end = x[start..].find("</memory>").expect("memory end") + start + "</memory>".len();
    format!("{}{}{}", &x[..start], MEMS[v], &x[end..])
}

/// The QEMUs of this test's domains, found by their serial logs under `root` (so not those of
/// another run of the test on the same machine), with the domain names.
fn qemu_names(root: &Path) -> Vec<(u32, String)> {
    let root = root.display().to_string();
    processes()
        .into_iter()
        .filter(|p| p.cmdline.contains("qemu-system") && p.cmdline.contains(&root))
        .filter_map(|p| {
            let i = p.cmdline.find("guest=chaos-")?;
            let rest = &p.cmdline[i + "guest=".len()..];
            let name = rest.split(',').next()?.to_string();
            Some((p.pid, name))
        })
        .collect()
}

/// Run virsh without waiting for it.
fn spawn_virsh(uri: &str, args: &[&str]) -> std::process::Child {
    Command::new("virsh")
        .arg("-c")
        .arg(uri)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("virsh")
}

fn wait_child(c: &mut std::process::Child, limit: Duration) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = c.kill();
    let _ = c.wait();
}

fn kill(pid: u32) {
    if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

#[test]
fn sigkill_at_random_points_breaks_no_invariant() {
    let kills_wanted: u64 = std::env::var("OXVIRT_CHAOS_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("OXVIRT_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x6f78_7669_7274);
    let mut rng = Rng(seed | 1);
    let _ = binary("oxvirt-qemud");
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for n in NAMES {
        for v in 0..2 {
            std::fs::write(r.join(format!("{n}-{v}.xml")), xml(r, n, v)).unwrap();
        }
    }
    let mut d = Qemud::start_in(r);
    let started = Instant::now();
    let (mut kills, mut violations, mut qemud_kills) = (0u64, 0u64, 0u64);
    let mut problems: Vec<String> = Vec::new();
    while kills < kills_wanted && started.elapsed() < Duration::from_secs(600) {
        let name = NAMES[rng.below(3) as usize];
        let v = rng.below(2) as usize;
        let file = r.join(format!("{name}-{v}.xml"));
        let file = file.to_str().unwrap().to_string();
        let args: Vec<&str> = match rng.below(5) {
            0 => vec!["define", &file],
            1 => vec!["undefine", name],
            2 => vec!["start", name],
            3 => vec!["shutdown", name],
            _ => vec!["destroy", name],
        };
        let mut op = spawn_virsh(&d.uri(), &args);
        std::thread::sleep(Duration::from_millis(rng.below(120)));
        // the victim: qemud, or the shim of a running domain
        let shims = d.shims();
        let victim_is_qemud = shims.is_empty() || rng.below(2) == 0;
        if victim_is_qemud {
            let root_path = d.root().to_path_buf();
            d.sigkill();
            qemud_kills += 1;
            wait_child(&mut op, Duration::from_secs(30));
            d = Qemud::start_in(&root_path);
        } else {
            let s = &shims[rng.below(shims.len() as u64) as usize];
            kill(s.pid);
            wait_child(&mut op, Duration::from_secs(30));
        }
        kills += 1;
        // let the daemon notice a dead shim and reattach
        std::thread::sleep(Duration::from_millis(150));
        if let Err(p) = check(&d, r) {
            violations += 1;
            if violations == 1 && std::env::var_os("OXVIRT_CHAOS_DEBUG").is_some() {
                let keep = root.keep();
                panic!(
                    "after kill {kills} ({}), victim qemud={victim_is_qemud}: {p}\nroot kept: {}",
                    args.join(" "),
                    keep.display()
                );
            }
            problems.push(format!("after kill {kills} ({}): {p}", args.join(" ")));
        }
    }
    println!(
        "chaos: {kills} kills ({qemud_kills} of qemud, {} of shims), {violations} violations, {:.1} s, seed {seed}",
        kills - qemud_kills,
        started.elapsed().as_secs_f64()
    );
    for n in NAMES {
        let _ = d.virsh(&["destroy", n]);
    }
    assert!(kills >= kills_wanted.min(50), "too few kills: {kills}");
    assert_eq!(violations, 0, "{problems:#?}");
}

/// The invariants; a domain in transition gets a moment to settle.
fn check(d: &Qemud, root: &Path) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..40 {
        match check_once(d, root) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}

fn check_once(d: &Qemud, root: &Path) -> Result<(), String> {
    // 1. persistent configurations
    for n in NAMES {
        let f = root.join("etc/qemu").join(format!("{n}.xml"));
        if let Ok(text) = std::fs::read_to_string(&f) {
            if !(text.contains("<memory unit='KiB'>131072</memory>")
                || text.contains("<memory unit='KiB'>163840</memory>"))
                || !text.trim_end().ends_with("</domain>")
            {
                return Err(format!("{} is neither version:\n{text}", f.display()));
            }
        }
    }
    let listed = d.virsh(&["list", "--all"]);
    if listed.status != 0 {
        return Err(format!("list failed: {}", listed.stderr));
    }
    let running: Vec<String> = listed
        .stdout
        .lines()
        .filter(|l| l.contains(" running") || l.contains(" paused") || l.contains(" in shutdown"))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    let qemus = qemu_names(root);
    // 2. every QEMU belongs to a domain shown as running
    for (pid, name) in &qemus {
        if !running.contains(name) {
            return Err(format!(
                "QEMU {pid} of {name} runs, but {name} is not shown running:\n{}",
                listed.stdout
            ));
        }
    }
    // 3. no running domain without its QEMU
    for name in &running {
        if !qemus.iter().any(|(_, n)| n == name) {
            return Err(format!("{name} is shown running without a QEMU"));
        }
    }
    // 4. no stale job: a call that takes each running domain's job goes through
    for name in &running {
        let r = d.virsh(&["qemu-monitor-command", name, "--hmp", "info status"]);
        if r.status != 0 && !r.stderr.contains("not running") {
            return Err(format!("{name} does not answer: {}", r.stderr));
        }
    }
    Ok(())
}
