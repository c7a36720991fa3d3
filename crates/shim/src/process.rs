//! QEMU as a process: launching it with an inherited monitor socket, watching it through a
//! pidfd (whether or not we are its parent), signalling it, and the facts `/proc` gives.

use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Child, Stdio};

use rustix::io::FdFlags;
use rustix::process::{Pid, PidfdFlags, Signal};
use tokio::io::unix::AsyncFd;

use oxvirt_qemu_command::Command;

/// Launch QEMU with `monitor` (a listening socket) and `taps` (the NICs' TAP queues) inherited
/// at the fd numbers the command line names, and stdout/stderr appended to `log`.
pub(crate) fn spawn(
    cmd: &Command,
    monitor: &UnixListener,
    taps: &[OwnedFd],
    log: &Path,
    jail: oxvirt_jail::Jail,
) -> std::io::Result<Child> {
    let out = crate::vmlog::open(log)?;
    let err = out.try_clone()?;
    // Inherit the monitor socket and the TAP queues: clear close-on-exec for this spawn only.
    // The shim starts exactly one QEMU, so no other spawn can race for the descriptors.
    rustix::io::fcntl_setfd(monitor, FdFlags::empty())?;
    for t in taps {
        rustix::io::fcntl_setfd(t, FdFlags::empty())?;
    }
    let mut c = std::process::Command::new(&cmd.program);
    // QEMU carries its VM's directory in its environment: if the shim dies before recording
    // QEMU's pid, the driver still finds it ([`unrecorded_qemus`])
    if let Some(dir) = monitor
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().and_then(Path::parent).map(Path::to_owned))
    {
        c.env(VM_DIR_ENV, dir);
    }
    // the one confinement sequence, in the child before exec (crates/jail)
    jail.apply_to_child(&mut c);
    let r = c
        .args(&cmd.args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn();
    rustix::io::fcntl_setfd(monitor, FdFlags::CLOEXEC)?;
    for t in taps {
        rustix::io::fcntl_setfd(t, FdFlags::CLOEXEC)?;
    }
    r
}

/// The environment variable naming a QEMU's VM directory (`run/qemu/NAME`).
pub(crate) const VM_DIR_ENV: &str = "OXVIRT_VM_DIR";

/// The QEMUs launched for the VM directory `dir` (by their environment). The driver kills
/// those of a domain that is not running: a shim killed between launching QEMU and recording
/// its pid leaves such a QEMU, which no status file names.
pub(crate) fn unrecorded_qemus(dir: &Path) -> Vec<i32> {
    let mut want = format!("{VM_DIR_ENV}=").into_bytes();
    want.extend_from_slice(dir.as_os_str().as_encoded_bytes());
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == want.as_slice()))
        })
        .collect()
}

/// Kill the QEMUs [`unrecorded_qemus`] finds for `dir`.
pub(crate) fn kill_unrecorded_qemus(dir: &Path) {
    for pid in unrecorded_qemus(dir) {
        tracing::warn!(pid, dir = %dir.display(), "killing a QEMU no status records");
        if let Ok(w) = Watched::new(pid, None) {
            let _ = w.signal(rustix::process::Signal::KILL);
        }
    }
}

/// A process watched through a pidfd: works for our own child and for a QEMU we reattach to.
#[derive(Debug)]
pub(crate) struct Watched {
    pid: i32,
    fd: AsyncFd<OwnedFd>,
    /// Our child, if we launched it (reaped once it exits).
    child: Option<Child>,
}

impl Watched {
    pub(crate) fn new(pid: i32, child: Option<Child>) -> std::io::Result<Self> {
        let p = Pid::from_raw(pid).ok_or_else(|| std::io::Error::other("invalid pid"))?;
        let fd = rustix::process::pidfd_open(p, PidfdFlags::NONBLOCK)?;
        Ok(Watched {
            pid,
            fd: crate::sys::async_fd(fd)?,
            child,
        })
    }

    pub(crate) fn pid(&self) -> i32 {
        self.pid
    }

    /// Wait until the process has exited (and reap it if it is our child).
    pub(crate) async fn exited(&mut self) {
        // a pidfd polls readable once the process has terminated
        if let Ok(mut g) = self.fd.readable().await {
            g.retain_ready();
        }
        if let Some(c) = self.child.as_mut() {
            let _ = c.wait();
        }
    }

    /// Whether the process has exited (without waiting).
    #[cfg(test)]
    pub(crate) fn has_exited(&self) -> bool {
        let mut fds = [rustix::event::PollFd::new(
            self.fd.get_ref(),
            rustix::event::PollFlags::IN,
        )];
        let now = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        matches!(rustix::event::poll(&mut fds, Some(&now)), Ok(n) if n > 0)
            && fds[0].revents().contains(rustix::event::PollFlags::IN)
    }

    /// Send a signal (to this very process, never to a reused pid).
    pub(crate) fn signal(&self, sig: Signal) -> std::io::Result<()> {
        rustix::process::pidfd_send_signal(self.fd.get_ref().as_fd(), sig)?;
        Ok(())
    }
}

/// Field 22 of `/proc/PID/stat`: when the process started (clock ticks since boot). Together
/// with the pid it names one process, even after the pid is reused.
pub(crate) fn start_ticks(pid: i32) -> Option<u64> {
    stat_fields(pid).and_then(|f| f.get(19).and_then(|s| s.parse().ok()))
}

/// The process's CPU time (user + system) in nanoseconds.
pub(crate) fn cpu_time_ns(pid: i32) -> Option<u64> {
    cpu_times_ns(pid).map(|(u, s)| u + s)
}

/// The process's user and system CPU time in nanoseconds.
pub(crate) fn cpu_times_ns(pid: i32) -> Option<(u64, u64)> {
    times_of(&stat_fields(pid)?)
}

/// One thread's user and system CPU time in nanoseconds.
pub(crate) fn thread_cpu_times_ns(pid: i32, tid: i32) -> Option<(u64, u64)> {
    if pid <= 0 || tid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
    times_of(&f)
}

fn times_of(f: &[String]) -> Option<(u64, u64)> {
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    let ns = 1_000_000_000 / rustix::param::clock_ticks_per_second().max(1);
    Some((utime.saturating_mul(ns), stime.saturating_mul(ns)))
}

/// Whether the process is stopped by a signal (state `T`).
pub(crate) fn is_stopped(pid: i32) -> bool {
    stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s == "T"))
}

/// Whether a process with this pid and start time is alive (not a zombie).
pub(crate) fn alive(pid: i32, ticks: u64) -> bool {
    match stat_fields(pid) {
        Some(f) => {
            f.first().is_some_and(|s| s != "Z")
                && f.get(19).and_then(|s| s.parse().ok()) == Some(ticks)
        }
        None => false,
    }
}

/// The fields of `/proc/PID/stat` after the command name: index 0 is the state (field 3).
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    if pid <= 0 {
        return None;
    }
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// Open a console's pty for a client: read-write, no controlling terminal, non-blocking.
pub(crate) fn open_pty(path: &str) -> std::io::Result<OwnedFd> {
    if !path.starts_with("/dev/pts/") {
        return Err(std::io::Error::other(format!("'{path}' is not a pty")));
    }
    let f = File::options()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(path)?;
    Ok(OwnedFd::from(f))
}

use std::os::unix::fs::OpenOptionsExt;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_start_time() {
        let me = std::process::id() as i32;
        let t = start_ticks(me).expect("ticks");
        assert!(alive(me, t));
        assert!(!alive(me, t + 1));
        assert!(cpu_time_ns(me).is_some());
        assert!(start_ticks(-1).is_none());
    }

    #[tokio::test]
    async fn watches_a_child_exit() {
        let child = std::process::Command::new("sleep")
            .arg("0.1")
            .spawn()
            .expect("spawn");
        let mut w = Watched::new(child.id() as i32, Some(child)).expect("pidfd");
        assert!(!w.has_exited());
        w.exited().await;
        assert!(w.has_exited());
    }

    #[tokio::test]
    async fn a_qemu_no_status_records_is_found_by_its_vm_dir_and_killed() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let spawn = |d: &Path| {
            std::process::Command::new("sleep")
                .arg("60")
                .env(VM_DIR_ENV, d)
                .spawn()
                .unwrap()
        };
        let mut ours = spawn(dir.path());
        let mut theirs = spawn(other.path());
        let ours_pid = ours.id() as i32;
        assert_eq!(unrecorded_qemus(dir.path()), vec![ours_pid]);
        kill_unrecorded_qemus(dir.path());
        let status = ours.wait().unwrap();
        assert!(!status.success(), "killed");
        // another VM's process is left alone
        assert_eq!(theirs.try_wait().unwrap(), None);
        assert!(unrecorded_qemus(dir.path()).is_empty());
        theirs.kill().unwrap();
        theirs.wait().unwrap();
    }
}
