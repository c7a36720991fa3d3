//! The project's test guest (`scripts/build-guest`) under bare QEMU with TCG: it boots to its
//! marker, answers on the serial console, gets an address by DHCP, and powers off on the ACPI
//! power button (QMP `system_powerdown`) and on `oxvirt.poweroff`.
#![allow(clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use oxvirt_e2e::guest;

/// Hang guard for anything the guest does; never a timing assertion (TCG on a busy host is slow).
const GUARD: Duration = Duration::from_secs(60);

/// The serial output so far, and whether QEMU closed it.
#[derive(Debug, Default)]
struct Serial {
    bytes: Vec<u8>,
    closed: bool,
}

/// A bare QEMU running the test guest, with its serial port on stdin/stdout and a QMP socket.
/// Killed when dropped, so a failing test leaves no QEMU behind.
#[derive(Debug)]
struct Vm {
    child: Child,
    stdin: ChildStdin,
    serial: Arc<(Mutex<Serial>, Condvar)>,
    dir: tempfile::TempDir,
    started: Instant,
}

impl Vm {
    /// Boot with `console=ttyS0 quiet` plus `append`, and extra QEMU arguments.
    fn boot(append: &str, extra: &[&str]) -> Vm {
        let (kernel, initrd) = guest();
        let dir = tempfile::Builder::new()
            .prefix("oxvirt-guest-")
            .tempdir()
            .expect("tempdir");
        let qmp = dir.path().join("qmp.sock");
        let stderr = std::fs::File::create(dir.path().join("qemu.stderr")).expect("stderr file");
        let started = Instant::now();
        let mut child = Command::new("qemu-system-x86_64")
            .args(["-machine", "q35,accel=tcg", "-m", "256", "-nographic"])
            .args(["-no-user-config", "-nodefaults", "-serial", "stdio"])
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", qmp.display()))
            .arg("-kernel")
            .arg(&kernel)
            .arg("-initrd")
            .arg(&initrd)
            .arg("-append")
            .arg(format!("console=ttyS0 quiet {append}"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn qemu-system-x86_64 (is qemu-system-x86 installed?)");
        let stdin = child.stdin.take().expect("qemu stdin");
        let mut stdout = child.stdout.take().expect("qemu stdout");
        let serial = Arc::new((Mutex::new(Serial::default()), Condvar::new()));
        let s = Arc::clone(&serial);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = stdout.read(&mut buf).unwrap_or(0);
                let mut g = s.0.lock().expect("serial lock");
                if n == 0 {
                    g.closed = true;
                } else {
                    g.bytes.extend_from_slice(&buf[..n]);
                }
                s.1.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        Vm {
            child,
            stdin,
            serial,
            dir,
            started,
        }
    }

    fn output(&self) -> String {
        let g = self.serial.0.lock().expect("serial lock");
        String::from_utf8_lossy(&g.bytes).into_owned()
    }

    /// The rest of the serial line that starts at byte offset `at`, once it is complete.
    fn line_at(&self, at: usize) -> String {
        let end = self.wait_for_from(at, "\n");
        let g = self.serial.0.lock().expect("serial lock");
        String::from_utf8_lossy(&g.bytes[at..end]).trim().to_owned()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("qemu.stderr")).unwrap_or_default()
    }

    /// Wait until the serial output contains `text` after byte offset `from`; returns the
    /// offset just past it.
    fn wait_for_from(&self, from: usize, text: &str) -> usize {
        let deadline = Instant::now() + GUARD;
        let (lock, cond) = &*self.serial;
        let mut g = lock.lock().expect("serial lock");
        loop {
            let tail = g.bytes.get(from..).unwrap_or_default();
            if let Some(i) = tail.windows(text.len()).position(|w| w == text.as_bytes()) {
                return from + i + text.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || g.closed {
                let out = String::from_utf8_lossy(&g.bytes).into_owned();
                drop(g);
                panic!(
                    "no {text:?} on the serial console (waited {:?}, QEMU {}):\n{out}\n--- stderr:\n{}",
                    GUARD,
                    if left.is_zero() { "still running" } else { "closed it" },
                    self.stderr()
                );
            }
            g = cond.wait_timeout(g, left).expect("serial lock").0;
        }
    }

    fn wait_for(&self, text: &str) -> usize {
        self.wait_for_from(0, text)
    }

    /// Wait for the boot marker; returns the time from QEMU's start and the marker's line.
    fn wait_ready(&self) -> (Duration, String) {
        let end = self.wait_for("OXVIRT-GUEST-READY uptime=");
        let elapsed = self.started.elapsed();
        let line = self.line_at(end);
        eprintln!("guest ready {elapsed:?} after QEMU started (guest uptime {line} s)");
        (elapsed, line)
    }

    /// Type on the serial console.
    fn type_line(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| self.stdin.flush())
            .expect("write to the serial console");
    }

    /// Run one QMP command over a fresh connection (greeting, capabilities, command) and return
    /// its reply line.
    fn qmp(&self, command: &str) -> String {
        let path = self.dir.path().join("qmp.sock");
        let deadline = Instant::now() + GUARD;
        let stream = loop {
            match UnixStream::connect(&path) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline, "QMP socket {path:?}: {e}");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        };
        stream.set_read_timeout(Some(GUARD)).expect("timeout");
        let mut writer = stream.try_clone().expect("clone QMP stream");
        let mut reader = BufReader::new(stream);
        let mut next_reply = |what: &str| -> String {
            loop {
                let mut line = String::new();
                let n = reader
                    .read_line(&mut line)
                    .unwrap_or_else(|e| panic!("QMP {what}: {e}"));
                assert!(n > 0, "QMP closed before the {what}");
                // Events may come in between; the greeting and replies are what we wait for.
                if !line.contains("\"event\"") {
                    return line;
                }
            }
        };
        let greeting = next_reply("greeting");
        assert!(greeting.contains("\"QMP\""), "QMP greeting: {greeting}");
        writer
            .write_all(b"{\"execute\":\"qmp_capabilities\"}\n")
            .expect("QMP write");
        let caps = next_reply("qmp_capabilities reply");
        assert!(caps.contains("\"return\""), "qmp_capabilities: {caps}");
        writer
            .write_all(format!("{{\"execute\":\"{command}\"}}\n").as_bytes())
            .expect("QMP write");
        next_reply("command reply")
    }

    /// Wait for QEMU to exit by itself; returns its status.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + GUARD;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait qemu") {
                return status;
            }
            if Instant::now() >= deadline {
                panic!(
                    "QEMU did not exit within {GUARD:?}:\n{}\n--- stderr:\n{}",
                    self.output(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[test]
fn build_outputs_and_idempotence() {
    let (kernel, initrd) = guest();
    let dir = kernel.parent().expect("guest dir");
    let version = std::fs::read_to_string(dir.join("kernel-version")).expect("kernel-version");
    assert!(
        version.trim().ends_with("-cloud-amd64"),
        "kernel-version: {version:?}"
    );
    assert!(std::fs::metadata(&initrd).expect("initrd").len() > 100_000);
    // A second run changes nothing: same stamp, same bytes.
    let before = std::fs::read(&initrd).expect("read initrd");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/build-guest");
    let out = Command::new(&script)
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run build-guest");
    assert!(out.status.success(), "build-guest again: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("up to date"),
        "second run rebuilt: {stderr}"
    );
    assert_eq!(before, std::fs::read(&initrd).expect("read initrd"));
}

#[test]
fn boots_and_powers_off_on_acpi_powerdown() {
    let mut vm = Vm::boot("", &[]);
    let (_, uptime) = vm.wait_ready();
    assert!(uptime.parse::<f64>().is_ok(), "uptime {uptime:?}");
    // acpid starts before the marker; waiting for the shell's prompt as well means the button is
    // pressed on a guest that has finished booting.
    vm.wait_for("guest# ");
    let reply = vm.qmp("system_powerdown");
    assert!(reply.contains("\"return\""), "system_powerdown: {reply}");
    vm.wait_for("OXVIRT-GUEST-POWEROFF");
    let status = vm.wait_exit();
    assert!(status.success(), "QEMU exited with {status}");
}

#[test]
fn console_shell_answers() {
    let mut vm = Vm::boot("", &[]);
    vm.wait_ready();
    let prompt = vm.wait_for("guest# ");
    vm.type_line("echo hi-$((40+2))");
    // The echoed command line has no "hi-42"; only the shell's output does.
    vm.wait_for_from(prompt, "hi-42");
}

#[test]
fn poweroff_switch_powers_off_after_ready() {
    let mut vm = Vm::boot("oxvirt.poweroff", &[]);
    vm.wait_ready();
    let status = vm.wait_exit();
    assert!(status.success(), "QEMU exited with {status}");
}

#[test]
fn dhcp_on_a_virtio_nic() {
    let vm = Vm::boot("oxvirt.noshell", &["-nic", "user,model=virtio-net-pci"]);
    vm.wait_ready();
    let end = vm.wait_for("OXVIRT-GUEST-NET eth0 ");
    let addr = vm.line_at(end);
    assert_eq!(addr, "10.0.2.15/24", "serial:\n{}", vm.output());
}
