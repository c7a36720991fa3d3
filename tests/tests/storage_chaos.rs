//! Crash test of oxvirt-storaged: SIGKILL it at random points (seeded; the seed is printed) while
//! a client creates a raw or qcow2 volume with its allocation, clones a volume, uploads into one
//! or defines a pool, restart it, and check after every restart:
//!
//! - the pools that ran run again (`p1` and the default pool);
//! - every volume listed is complete (a raw one fully allocated, a qcow2 one passes
//!   `qemu-img check` with its capacity, a clone holds its source's bytes), and every one whose
//!   client was told it was made is listed;
//! - no pending mark is left, every pool a client defined is still defined and readable;
//! - an upload cut by the kill was reported as an error to its client: a client told the upload
//!   succeeded finds the volume holding every byte it sent.
//!
//! `OXVIRT_STORAGE_CHAOS_SEED` replays a run, `OXVIRT_STORAGE_CHAOS_KILLS` sets the number of kills
//! (100 by default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use oxvirt_e2e::storaged::Storaged;

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

const MIB: u64 = 1 << 20;
/// The size of created volumes (raw and qcow2, fully allocated).
const CREATE_SIZE: u64 = 24 * MIB;
/// The size of the clone source and of uploads.
const DATA_SIZE: u64 = 16 * MIB;

fn data(seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    (0..DATA_SIZE / 8)
        .flat_map(|_| r.next().to_le_bytes())
        .collect()
}

fn allocated(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).map(|m| m.blocks() * 512).unwrap_or(0)
}

fn spawn_virsh(uri: &str, args: &[String]) -> Child {
    oxvirt_e2e::command("virsh")
        .arg("-q")
        .arg("-c")
        .arg(uri)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("virsh")
}

/// Wait for a client (at most 60 s: a client that hangs on a dead daemon is a failure).
fn wait(mut c: Child) -> Result<bool, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(st) = c.try_wait().unwrap() {
            return Ok(st.success());
        }
        if Instant::now() > deadline {
            let _ = c.kill();
            return Err("the client hung after the daemon was killed".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Raw,
    Qcow2,
    Clone,
    Upload,
    Define,
}

const OPS: [Op; 5] = [Op::Raw, Op::Qcow2, Op::Clone, Op::Upload, Op::Define];

#[test]
fn sigkill_during_create_clone_and_upload_breaks_no_invariant() {
    let kills_wanted: u64 = std::env::var("OXVIRT_STORAGE_CHAOS_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("OXVIRT_STORAGE_CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("storage chaos: seed {seed} (OXVIRT_STORAGE_CHAOS_SEED={seed} replays it)");
    let mut rng = Rng(seed | 1);
    let root = tempfile::Builder::new()
        .prefix("oxvirt-storage-chaos-")
        .tempdir()
        .unwrap();
    let r = root.path();
    let images = r.join("images");
    let src_bytes = data(seed);
    let upload_file = r.join("upload.bin");
    std::fs::write(&upload_file, &src_bytes).unwrap();

    let mut sd = Storaged::start_in(r);
    let uri = sd.uri();
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
    ] {
        sd.virsh(&args).ok();
    }
    std::fs::write(images.join("src.img"), &src_bytes).unwrap();
    sd.virsh(&["pool-refresh", "p1"]).ok();

    let started = Instant::now();
    let mut violations: Vec<String> = Vec::new();
    let mut defined: BTreeSet<String> = BTreeSet::new();
    let mut counts = [0u32; 5];
    let mut cut_uploads = 0;
    for i in 0..kills_wanted {
        let op = OPS[rng.below(OPS.len() as u64) as usize];
        counts[op as usize] += 1;
        let (name, args): (String, Vec<String>) = match op {
            Op::Raw | Op::Qcow2 => {
                let (n, fmt) = if op == Op::Raw {
                    (format!("r{i}.img"), "raw")
                } else {
                    (format!("q{i}.qcow2"), "qcow2")
                };
                let size = format!("{}M", CREATE_SIZE / MIB);
                let a = [
                    "vol-create-as",
                    "p1",
                    &n,
                    &size,
                    "--allocation",
                    &size,
                    "--format",
                    fmt,
                ];
                (n.clone(), a.iter().map(|s| s.to_string()).collect())
            }
            Op::Clone => {
                let n = format!("c{i}.img");
                let a = ["vol-clone", "--pool", "p1", "src.img", &n];
                (n.clone(), a.iter().map(|s| s.to_string()).collect())
            }
            Op::Upload => {
                let n = format!("u{i}.img");
                sd.virsh(&["vol-create-as", "p1", &n, "16M", "--format", "raw"])
                    .ok();
                let a = [
                    "vol-upload",
                    "--pool",
                    "p1",
                    &n,
                    upload_file.to_str().unwrap(),
                ];
                (n.clone(), a.iter().map(|s| s.to_string()).collect())
            }
            Op::Define => {
                let n = format!("d{i}");
                let t = r.join(&n);
                let a = ["pool-define-as", &n, "dir", "--target", t.to_str().unwrap()];
                (n.clone(), a.iter().map(|s| s.to_string()).collect())
            }
        };
        let client = spawn_virsh(&uri, &args);
        // an upload of 16 MiB takes longer: its kills fall anywhere in it, or after it
        let window = if op == Op::Upload { 2500 } else { 250 };
        std::thread::sleep(Duration::from_millis(rng.below(window)));
        sd.sigkill();
        let ok = match wait(client) {
            Ok(ok) => ok,
            Err(e) => {
                violations.push(format!("kill {i} ({op:?} {name}): {e}"));
                false
            }
        };
        sd = Storaged::start_in(r);

        // the pools that ran run again (p1 from its state file, default by autostart)
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let l = sd.virsh(&["pool-list", "--all"]).stdout;
            let running = |p: &str| {
                l.lines()
                    .any(|x| x.split_whitespace().take(2).collect::<Vec<_>>() == [p, "active"])
            };
            if running("p1") && running("default") {
                break;
            }
            if Instant::now() > deadline {
                violations.push(format!("kill {i} ({op:?}): pools not running: {l}"));
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let pending = r.join("run/storage/pending");
        let marks: Vec<_> = std::fs::read_dir(&pending)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if !marks.is_empty() {
            violations.push(format!("kill {i}: pending marks left: {marks:?}"));
        }
        if op == Op::Define && ok {
            defined.insert(name.clone());
        }
        let pools = sd.virsh(&["pool-list", "--all", "--name"]).stdout;
        for d in &defined {
            if !pools.lines().any(|l| l.trim() == d) {
                violations.push(format!("kill {i}: pool {d} defined before is lost"));
            } else if sd.virsh(&["pool-dumpxml", "--inactive", d]).status != 0 {
                violations.push(format!("kill {i}: pool {d} cannot be read"));
            }
        }

        // every volume listed is complete
        let listed = sd.virsh(&["vol-list", "p1"]);
        if listed.status != 0 {
            violations.push(format!("kill {i}: vol-list failed: {listed:?}"));
        }
        let vols: BTreeSet<String> = listed
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        if !vols.contains("src.img") {
            violations.push(format!("kill {i}: src.img is not listed: {vols:?}"));
        }
        for v in &vols {
            let file = images.join(v);
            let bad = match v.chars().next() {
                Some('r') => {
                    let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
                    (len != CREATE_SIZE || allocated(&file) < CREATE_SIZE)
                        .then(|| format!("size {len}, allocated {}", allocated(&file)))
                }
                Some('q') => {
                    let check = oxvirt_e2e::command("qemu-img")
                        .args(["check", "-q", "-f", "qcow2"])
                        .arg(&file)
                        .output()
                        .unwrap();
                    let info = oxvirt_e2e::command("qemu-img")
                        .args(["info", "--output=json", "-f", "qcow2"])
                        .arg(&file)
                        .output()
                        .unwrap();
                    let info = String::from_utf8_lossy(&info.stdout);
                    let want = format!("\"virtual-size\": {CREATE_SIZE}");
                    (!check.status.success() || !info.contains(&want))
                        .then(|| format!("qemu-img check: {check:?}, info {info}"))
                }
                Some('c') => (std::fs::read(&file).ok().as_deref() != Some(&src_bytes[..]))
                    .then(|| "the clone does not hold its source's bytes".to_owned()),
                _ => None,
            };
            if let Some(b) = bad {
                violations.push(format!("kill {i}: volume {v} listed but not complete: {b}"));
            }
        }
        match op {
            Op::Raw | Op::Qcow2 | Op::Clone if ok && !vols.contains(&name) => {
                let files: Vec<_> = std::fs::read_dir(&images)
                    .map(|d| d.flatten().map(|e| e.file_name()).collect())
                    .unwrap_or_default();
                violations.push(format!(
                    "kill {i}: {name} was made (its client said so) but is not listed: {vols:?}, files {files:?}"
                ));
            }
            Op::Upload if ok => {
                let held = std::fs::read(images.join(&name)).ok();
                if held.as_deref() != Some(&src_bytes[..]) {
                    violations.push(format!(
                        "kill {i}: the upload into {name} succeeded for its client but the volume does not hold its bytes"
                    ));
                }
            }
            Op::Upload => cut_uploads += 1,
            _ => {}
        }
        // keep the disk small: this iteration's volume goes
        if op != Op::Define && vols.contains(&name) {
            sd.virsh(&["vol-delete", "--pool", "p1", &name]).ok();
        }
        let _ = std::fs::remove_file(images.join(&name));
        if i % 10 == 9 {
            sd.virsh(&["pool-refresh", "p1"]);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "storage chaos: {kills_wanted} kills (raw {}, qcow2 {}, clone {}, upload {} of which {cut_uploads} cut and reported, define {}), {} violations, {secs:.1} s, seed {seed}",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        violations.len()
    );
    assert!(
        violations.is_empty(),
        "seed {seed}:\n{}\n--- daemon log (tail) ---\n{}",
        violations.join("\n"),
        sd.log()
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    drop(sd);
}
