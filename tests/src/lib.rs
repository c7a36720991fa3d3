//! Harness for end-to-end tests: start a real `oxvirt-qemud` on a private root directory and
//! drive it with Debian's `virsh` and `/usr/bin/python3` (python3-libvirt), or raw sockets.
//!
//! The tests need the packages `scripts/install-deps` installs; `scripts/test` runs them.

#![allow(clippy::expect_used, clippy::panic)] // a test harness fails loudly on purpose

pub mod chardev;
pub mod daemon;
pub mod networkd;
pub mod proxyd;
pub mod storaged;

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// The workspace's target directory (next to the test executable's `deps` directory).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/test-xxxx -> target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

static BUILD: Once = Once::new();

/// The path of a workspace binary, built first so a test never runs a stale one.
pub fn binary(name: &str) -> PathBuf {
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            // the daemon runs each VM's shim from next to its own executable
            .args([
                "build",
                "--quiet",
                "-p",
                "oxvirt-qemud",
                "-p",
                "oxvirt-shim-bin",
                "-p",
                "oxvirt-cli",
                "-p",
                "oxvirt-networkd",
                "-p",
                "oxvirt-leaseshelper",
                "-p",
                "oxvirt-storaged",
                "-p",
                "oxvirt-secretd",
                "-p",
                "oxvirt-interfaced",
            ])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the daemons failed");
    });
    let p = target_dir().join(name);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

static GUEST: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();

/// The test guest's kernel and initramfs, built by `scripts/build-guest` into `target/guest`
/// (once per test process; the script itself returns at once when nothing changed).
pub fn guest() -> (PathBuf, PathBuf) {
    GUEST
        .get_or_init(|| {
            let dir = target_dir()
                .parent()
                .expect("target dir has a parent")
                .join("guest");
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/build-guest");
            let status = Command::new(&script)
                .arg(&dir)
                .stdin(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
            assert!(status.success(), "{} failed: {status}", script.display());
            let kernel = dir.join("vmlinuz");
            let initrd = dir.join("initramfs.cpio.gz");
            assert!(
                kernel.exists() && initrd.exists(),
                "the guest build left no outputs"
            );
            (kernel, initrd)
        })
        .clone()
}

/// A private `oxvirt-qemud --root DIR`, stopped (SIGTERM) when dropped.
#[derive(Debug)]
pub struct Qemud {
    root: PathBuf,
    /// The temporary root, removed on drop (none when the caller gave the root).
    _tmp: Option<tempfile::TempDir>,
    child: Child,
    /// Leave the VMs running on drop (after [`Qemud::sigkill`]).
    keep_vms: bool,
}

impl Qemud {
    /// SIGKILL the daemon alone, as a crash would: its shims and VMs run on (for a restart
    /// on the same root to find them).
    pub fn sigkill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.keep_vms = true;
    }

    /// Start with default settings.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start with extra command-line arguments; waits until the socket accepts connections.
    pub fn start_with(extra: &[&str]) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("oxvirt-e2e-")
            .tempdir()
            .expect("tempdir");
        Self::spawn(tmp.path().to_path_buf(), Some(tmp), extra)
    }

    /// Start on a root directory the caller keeps (to restart a daemon on the same state).
    pub fn start_in(root: &Path) -> Self {
        Self::spawn(root.to_path_buf(), None, &[])
    }

    /// [`Qemud::start_in`] with extra command-line arguments.
    pub fn start_in_with(root: &Path, extra: &[&str]) -> Self {
        Self::spawn(root.to_path_buf(), None, extra)
    }

    fn spawn(root: PathBuf, tmp: Option<tempfile::TempDir>, extra: &[&str]) -> Self {
        Self::spawn_via(root, tmp, &[], extra)
    }

    /// Start the daemon through a wrapper command (`wrapper` then the daemon's path and
    /// arguments), e.g. `nsenter --mount=...` to run it in another mount namespace.
    pub fn start_via(wrapper: &[&str], extra: &[&str]) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("oxvirt-e2e-")
            .tempdir()
            .expect("tempdir");
        Self::spawn_via(tmp.path().to_path_buf(), Some(tmp), wrapper, extra)
    }

    fn spawn_via(
        root: PathBuf,
        tmp: Option<tempfile::TempDir>,
        wrapper: &[&str],
        extra: &[&str],
    ) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("qemud.log"))
            .expect("log file");
        let daemon = binary("oxvirt-qemud");
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(&daemon);
                c
            }
            None => Command::new(&daemon),
        };
        let child = cmd
            .arg("--root")
            .arg(&root)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn oxvirt-qemud");
        let d = Qemud {
            root,
            _tmp: tmp,
            child,
            keep_vms: false,
        };
        // a fresh root probes QEMU first (two emulators): on a loaded machine that can take a
        // while
        let deadline = Instant::now() + Duration::from_secs(120);
        while UnixStream::connect(d.socket()).is_err()
            || UnixStream::connect(d.socket_ro()).is_err()
        {
            assert!(
                Instant::now() < deadline,
                "oxvirt-qemud did not start:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// The daemon's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("run/qemud-sock")
    }

    pub fn socket_ro(&self) -> PathBuf {
        self.root.join("run/qemud-sock-ro")
    }

    pub fn socket_admin(&self) -> PathBuf {
        self.root.join("run/qemud-admin-sock")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The libvirt URI of the read-write socket.
    pub fn uri(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket().display())
    }

    /// The libvirt URI of the read-only socket.
    pub fn uri_ro(&self) -> String {
        format!("qemu+unix:///system?socket={}", self.socket_ro().display())
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("qemud.log")).unwrap_or_default()
    }

    /// Whether the daemon process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Run `virsh -c URI ARGS...`.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri(), args)
    }

    /// Run a python3-libvirt script with the read-write URI as `sys.argv[1]` (then `args`).
    pub fn python(&self, script: &str, args: &[&str]) -> Run {
        let uri = self.uri();
        let mut all = vec![uri.as_str()];
        all.extend_from_slice(args);
        python(script, &all)
    }

    /// `virsh domstate --reason NAME`, trimmed.
    pub fn domstate(&self, name: &str) -> String {
        self.virsh(&["domstate", "--reason", name])
            .ok()
            .trim()
            .to_owned()
    }

    /// Wait until `virsh domstate --reason NAME` says `want`; panics with the daemon log if it
    /// does not within `GUARD`.
    pub fn wait_state(&self, name: &str, want: &str) {
        let deadline = Instant::now() + GUARD;
        loop {
            let r = self.virsh(&["domstate", "--reason", name]);
            if r.status == 0 && r.stdout.trim() == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "domain {name} did not become {want:?} within {GUARD:?}; last: {r:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The shim processes of this daemon (their command lines name the root directory).
    pub fn shims(&self) -> Vec<Proc> {
        shims_under(&self.root)
    }

    /// The QEMU processes of this daemon (children of its shims).
    pub fn qemus(&self) -> Vec<Proc> {
        qemus_under(&self.root)
    }

    /// The shim and QEMU log of domain `name`.
    pub fn vm_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join("log/qemu").join(format!("{name}.log")))
            .unwrap_or_default()
    }
}

/// Hang guard for waiting on guests and daemons; never a timing assertion (TCG on a busy host
/// is slow).
pub const GUARD: Duration = Duration::from_secs(60);

/// The test guest's domain XML: `name`, 256 MiB, one vCPU, q35 under TCG, direct kernel boot,
/// its serial console on a pty logged to `serial_log`.
pub fn guest_xml(name: &str, serial_log: &Path) -> String {
    let (kernel, initrd) = guest();
    format!(
        "<domain type='qemu'><name>{name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{}</kernel><initrd>{}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
<features><acpi/></features><on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><serial type='pty'><log file='{}' append='off'/><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console></devices></domain>
",
        kernel.display(),
        initrd.display(),
        serial_log.display()
    )
}

/// How often `text` occurs in the file at `path` (0 when it does not exist yet).
pub fn count_in_file(path: &Path, text: &str) -> usize {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).matches(text).count())
        .unwrap_or(0)
}

/// Wait until `text` occurs at least `n` times in the file at `path` (a serial log).
pub fn wait_in_file(path: &Path, text: &str, n: usize) {
    let deadline = Instant::now() + GUARD;
    while count_in_file(path, text) < n {
        assert!(
            Instant::now() < deadline,
            "{text:?} did not appear {n} times in {} within {GUARD:?}:\n{}",
            path.display(),
            std::fs::read(path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Qemud {
    /// Stop the daemon and every process it left: the shims (whose command lines name the root
    /// directory) and their QEMUs, so a test never leaks a VM whatever happened.
    fn drop(&mut self) {
        if self.keep_vms {
            return;
        }
        let leftovers = descendants_or_naming(self.child.id(), &self.root);
        if let Ok(pid) = i32::try_from(self.child.id()) {
            if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        for pid in &leftovers {
            signal(*pid, rustix::process::Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // the shims and QEMUs were not our children: wait until they are gone (or zombies of
        // someone else) so the temporary root can be removed
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && leftovers.iter().any(|p| process_alive(*p)) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn signal(pid: u32, sig: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// One process as `/proc` shows it.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The command line, arguments joined with spaces.
    pub cmdline: String,
}

/// All processes (a snapshot of `/proc`).
pub fn processes() -> Vec<Proc> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."; comm may contain anything, so parse after the last ')'
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("");
        if state == "Z" {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        out.push(Proc { pid, ppid, cmdline });
    }
    out
}

/// The shim processes of a state root (their command lines name it).
pub fn shims_under(root: &Path) -> Vec<Proc> {
    let needle = format!("{}/", root.display());
    processes()
        .into_iter()
        .filter(|p| p.cmdline.contains("oxvirt-shim") && p.cmdline.contains(&needle))
        .collect()
}

/// The QEMU processes of a state root (children of its shims).
pub fn qemus_under(root: &Path) -> Vec<Proc> {
    let shims: Vec<u32> = shims_under(root).iter().map(|p| p.pid).collect();
    processes()
        .into_iter()
        .filter(|p| shims.contains(&p.ppid) && p.cmdline.contains("qemu-system"))
        .collect()
}

/// Collect everything `r` gives (a child's output) into a string, on a thread of its own.
pub fn collect_output(mut r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let out = Arc::new(Mutex::new(String::new()));
    let o = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                return;
            }
            o.lock()
                .expect("collected output")
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    out
}

/// Type on a domain's serial console through python3-libvirt's `virStream` (blocking) until
/// the guest's shell answers (input sent before the shell runs is lost, so the command is typed
/// again every 2 s): proof that the console carries both ways. `force` takes the console over
/// from another client (VIR_DOMAIN_CONSOLE_FORCE).
pub fn python_console_roundtrip(uri: &str, name: &str, force: bool) {
    let r = python(
        CONSOLE_ROUNDTRIP_PY,
        &[uri, name, if force { "1" } else { "0" }],
    );
    let out = r.ok();
    assert!(
        out.replace("hello-$((6*7))", "").contains("hello-42"),
        "console output: {out}"
    );
}

/// The python3-libvirt script of [`python_console_roundtrip`]: arguments URI, domain name,
/// and "1" to force the console; prints what the console carried.
pub const CONSOLE_ROUNDTRIP_PY: &str = r#"
import sys, signal, threading, libvirt
signal.alarm(60)
c = libvirt.open(sys.argv[1])
d = c.lookupByName(sys.argv[2])
st = c.newStream(0)
d.openConsole(None, st, libvirt.VIR_DOMAIN_CONSOLE_FORCE if sys.argv[3] == "1" else 0)
done = threading.Event()
def typer():
    while not done.is_set():
        st.send(b"\necho hello-$((6*7))\n")
        done.wait(2)
threading.Thread(target=typer, daemon=True).start()
buf = b""
while b"hello-42" not in buf.replace(b"hello-$((6*7))", b""):
    data = st.recv(1024)
    if isinstance(data, int):
        continue
    if not data:
        break
    buf += data
done.set()
print("console:", buf.decode(errors="replace")[-200:])
st.abort()
c.close()
"#;

/// Run a console client (`cmdline`, through `sh -c`) on a pseudo-terminal (util-linux
/// `script`) with extra environment `envs`: wait for its `greeting`, type a command until the
/// guest's shell answers it, leave with Ctrl-] and check that the client exits with status 0.
pub fn pty_console_roundtrip(cmdline: &str, envs: &[(&str, &std::ffi::OsStr)], greeting: &str) {
    use std::io::Write;
    let mut cmd = command("script");
    cmd.arg("-qfc")
        .arg(cmdline)
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run script (util-linux) and a console");
    let mut stdin = child.stdin.take().expect("stdin");
    let out = collect_output(child.stdout.take().expect("stdout"));
    let seen = |t: &str| out.lock().expect("console output").contains(t);
    let deadline = Instant::now() + GUARD;
    while !seen(greeting) {
        assert!(
            Instant::now() < deadline,
            "{cmdline}: no {greeting:?}: {:?}",
            out.lock().expect("console output")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // the shell may still be starting: ask again until it answers
    while !seen("con-42") {
        stdin
            .write_all(b"echo con-$((6*7))\r")
            .expect("type on the console");
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            Instant::now() < deadline,
            "{cmdline}: no answer: {:?}",
            out.lock().expect("console output")
        );
    }
    stdin.write_all(b"\x1d").expect("type Ctrl-]");
    loop {
        if let Some(status) = child.try_wait().expect("wait for the console") {
            assert!(status.success(), "{cmdline}: {status}");
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmdline} did not end on Ctrl-]");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether `pid` is a live (not zombie) process.
pub fn process_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|s| s != "Z")
}

/// The processes below `root_pid`, plus those whose command line names `dir` (shims that
/// outlived an earlier daemon) and everything below them; `root_pid` itself is not included.
fn descendants_or_naming(root_pid: u32, dir: &Path) -> Vec<u32> {
    naming_and_below(Some(root_pid), dir)
}

/// The processes whose command line names `dir`, everything below them, and (with
/// `root_pid`) everything below `root_pid`.
fn naming_and_below(root_pid: Option<u32>, dir: &Path) -> Vec<u32> {
    let root_pid = root_pid.unwrap_or(u32::MAX);
    let all = processes();
    let needle = format!("{}/", dir.display());
    let mut set: Vec<u32> = all
        .iter()
        .filter(|p| p.pid != root_pid && p.cmdline.contains(&needle))
        .map(|p| p.pid)
        .collect();
    let mut parents = set.clone();
    if root_pid != u32::MAX {
        parents.push(root_pid);
    }
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent) {
            if p.pid != root_pid && !set.contains(&p.pid) {
                set.push(p.pid);
                parents.push(p.pid);
            }
        }
    }
    set
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Self {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Assert success and return stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "command failed: {self:?}");
        &self.stdout
    }

    /// Assert failure and return stderr.
    pub fn err(&self) -> &str {
        assert_ne!(self.status, 0, "command should have failed: {self:?}");
        &self.stderr
    }
}

/// A command environment that doesn't touch the user's files or default URIs.
pub fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env_remove("LIBVIRT_DEFAULT_URI")
        .env("LIBVIRT_AUTOSTART", "0")
        .env("VIRSH_HISTSIZE", "0")
        .stdin(Stdio::null());
    c
}

/// Run Debian's virsh.
pub fn virsh(uri: &str, args: &[&str]) -> Run {
    let o = command("virsh")
        .arg("-q")
        .arg("-c")
        .arg(uri)
        .args(args)
        .output()
        .expect("run virsh (is libvirt-clients installed? run scripts/install-deps)");
    Run::from(o)
}

/// Run a script with Debian's python3 (which has the libvirt module).
pub fn python(script: &str, args: &[&str]) -> Run {
    let o = command("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run /usr/bin/python3 (is python3-libvirt installed?)");
    Run::from(o)
}

/// Read from a raw socket until EOF or `timeout`; returns the bytes and whether EOF came.
pub fn read_until_eof(s: &mut UnixStream, timeout: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (out, false);
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return (out, false)
            }
            Err(_) => return (out, true),
        }
    }
}

/// `virsh event --all --loop` on its own connection, its output collected as it comes (line
/// buffered through `stdbuf`); killed when dropped.
#[derive(Debug)]
pub struct EventWatch {
    child: Child,
    out: std::sync::Arc<std::sync::Mutex<String>>,
}

impl EventWatch {
    /// Start watching; returns once the watcher provably receives events (a probe domain is
    /// defined and undefined until its events show up, so nothing later is missed).
    pub fn start(q: &Qemud) -> Self {
        let mut child = command("stdbuf")
            .args(["-oL", "virsh", "-q", "-c"])
            .arg(q.uri())
            .args(["event", "--all", "--loop"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn virsh event");
        let out = collect_output(child.stdout.take().expect("virsh event stdout"));
        let w = EventWatch { child, out };
        let probe = "<domain type='qemu'><name>event-probe</name><memory>65536</memory><os><type>hvm</type></os></domain>";
        let file = q.root().join("event-probe.xml");
        std::fs::write(&file, probe).expect("write probe xml");
        let path = file.display().to_string();
        let deadline = Instant::now() + GUARD;
        while !w.output().contains("'event-probe': Undefined Removed") {
            assert!(
                Instant::now() < deadline,
                "virsh event saw no events: {:?}",
                w.output()
            );
            q.virsh(&["define", &path]).ok();
            q.virsh(&["undefine", "event-probe"]).ok();
            std::thread::sleep(Duration::from_millis(100));
        }
        w
    }

    /// The watcher's output so far.
    pub fn output(&self) -> String {
        self.out.lock().expect("event output").clone()
    }

    /// The event lines for domain `name` so far, with the `event '...' for domain 'NAME': `
    /// prefix kept.
    pub fn lines_for(&self, name: &str) -> Vec<String> {
        let tag = format!(" for domain '{name}'");
        self.output()
            .lines()
            .filter(|l| l.contains(&tag))
            .map(str::to_owned)
            .collect()
    }

    /// Wait until a line for domain `name` contains `text`, `n` times in all.
    pub fn wait_for(&self, name: &str, text: &str, n: usize) {
        let deadline = Instant::now() + GUARD;
        loop {
            let seen = self
                .lines_for(name)
                .iter()
                .filter(|l| l.contains(text))
                .count();
            if seen >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "event {text:?} for {name} seen {seen} times, wanted {n}; events:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for EventWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private, throw-away instance of Debian's real libvirtd 9.0 (with its virtlogd), for tests
/// that compare with libvirt itself: `scripts/private-libvirtd start` in a fresh temporary
/// directory (its own mount namespace, none of the host's configuration or state, auth none).
/// Dropping it runs `scripts/private-libvirtd stop`: its VMs are destroyed, its daemons and QEMUs
/// stopped, its directory removed. Needs root and `libvirt-daemon-system`
/// (`scripts/install-deps`).
#[derive(Debug)]
pub struct Libvirtd {
    dir: tempfile::TempDir,
    uri: String,
}

impl Libvirtd {
    /// Start an instance; returns once `virsh version` answers on its socket.
    pub fn start() -> Self {
        Self::start_netns(None)
    }

    /// [`Libvirtd::start`] inside network namespace `ns` (`ip netns exec`): its networks'
    /// bridges, TAP devices and firewall rules live there, never on the host.
    pub fn start_in_netns(ns: &str) -> Self {
        Self::start_netns(Some(ns))
    }

    fn start_netns(ns: Option<&str>) -> Self {
        assert!(
            rustix::process::geteuid().is_root(),
            "a private libvirtd needs root (scripts/private-libvirtd mounts in its own namespace)"
        );
        let dir = tempfile::Builder::new()
            .prefix("oxvirt-libvirtd-")
            .tempdir()
            .expect("tempdir");
        let o = private_libvirtd("start", dir.path(), ns);
        assert!(
            o.status == 0,
            "scripts/private-libvirtd start failed ({}):\n{}",
            o.status,
            o.stderr
        );
        let uri = o.stdout.trim().to_owned();
        assert!(
            uri.starts_with("qemu+unix:///system?socket="),
            "scripts/private-libvirtd start printed no URI: {o:?}"
        );
        Libvirtd { dir, uri }
    }

    /// The libvirt URI of its socket (`qemu+unix:///system?socket=DIR/sock/libvirt-sock`).
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The instance's directory (its logs, pid files, and its /var/lib/libvirt as `lib`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Run `virsh -c URI ARGS...`.
    pub fn virsh(&self, args: &[&str]) -> Run {
        virsh(&self.uri, args)
    }

    /// libvirtd's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir().join("libvirtd.log")).unwrap_or_default()
    }

    /// The processes of the instance by their pid files, as (file, pid): `libvirtd.pid`,
    /// `virtlogd.pid`, `reaper.pid` (the subreaper around the daemons) and one `run/qemu/NAME.pid`
    /// per running domain. Read them before the drop; a stopped instance has no files.
    pub fn pids(&self) -> Vec<(String, u32)> {
        let mut files: Vec<PathBuf> = ["libvirtd.pid", "virtlogd.pid", "reaper.pid"]
            .iter()
            .map(|f| self.dir().join(f))
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir().join("run/qemu")) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    // driver.pid is libvirtd's own lock file, not a process of its own
                    .filter(|p| {
                        p.extension().is_some_and(|e| e == "pid")
                            && p.file_name().is_some_and(|n| n != "driver.pid")
                    }),
            );
        }
        let mut out = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            if let Ok(pid) = text.trim().parse::<u32>() {
                let name = f
                    .strip_prefix(self.dir())
                    .unwrap_or(&f)
                    .display()
                    .to_string();
                out.push((name, pid));
            }
        }
        out
    }
}

impl Drop for Libvirtd {
    fn drop(&mut self) {
        let o = private_libvirtd("stop", self.dir.path(), None);
        if o.status != 0 {
            eprintln!(
                "scripts/private-libvirtd stop {} failed ({}): {}",
                self.dir.path().display(),
                o.status,
                o.stderr
            );
        }
    }
}

/// Run `scripts/private-libvirtd CMD DIR`, in network namespace `ns` if given.
fn private_libvirtd(cmd: &str, dir: &Path, ns: Option<&str>) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/private-libvirtd");
    let mut c = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(&script);
            c
        }
        None => Command::new(&script),
    };
    let o = c
        .arg(cmd)
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    Run::from(o)
}

/// An embedded root for the `oxvirt` command (`qemu:///embed?root=DIR` in a temporary
/// directory). Dropping it kills every process that still names the root (shims, QEMUs,
/// `oxvirt` programs), so a test never leaks a VM whatever happened.
#[derive(Debug)]
pub struct EmbedRoot {
    dir: tempfile::TempDir,
}

impl Default for EmbedRoot {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbedRoot {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("oxvirt-embed-")
            .tempdir()
            .expect("tempdir");
        EmbedRoot { dir }
    }

    /// The directory `XDG_DATA_HOME` points to for [`EmbedRoot::oxvirt`]: the command's
    /// default root is `DIR/oxvirt/embed` under it.
    pub fn data_home(&self) -> &Path {
        self.dir.path()
    }

    /// The state root the command uses by default.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("oxvirt/embed")
    }

    /// The `oxvirt` command, using this root by default (no `--connect`).
    pub fn oxvirt(&self) -> Command {
        let mut c = command(&binary("oxvirt").display().to_string());
        c.env_remove("OXVIRT_CONNECT")
            .env("XDG_DATA_HOME", self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Run `oxvirt ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        let o = self.oxvirt().args(args).output().expect("run oxvirt");
        Run::from(o)
    }

    /// The shims running for this root.
    pub fn shims(&self) -> Vec<Proc> {
        shims_under(self.dir.path())
    }

    /// The QEMU processes of this root's VMs (children of its shims).
    pub fn qemus(&self) -> Vec<Proc> {
        qemus_under(self.dir.path())
    }
}

impl Drop for EmbedRoot {
    fn drop(&mut self) {
        let leftovers = naming_and_below(None, self.dir.path());
        for pid in &leftovers {
            signal(*pid, rustix::process::Signal::KILL);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && leftovers.iter().any(|p| process_alive(*p)) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A process's resident memory in KiB (`VmRSS`), 0 when it cannot be read.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
