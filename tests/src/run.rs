//! Running commands (`virsh`, `python3`) in a clean environment, and watching `virsh event`.

use super::*;

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
