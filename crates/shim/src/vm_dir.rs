//! A VM's run directory (`run/qemu/NAME`) as the driver sees it from outside the shim: the
//! files in it, and the few process-level actions that are inherently the driver's because
//! they matter exactly when no shim is there to ask (a shim killed before it recorded QEMU's
//! pid, a start that failed half-way, a domain forgotten by recovery).
//!
//! Everything else the driver wants from a running VM goes through the shim protocol
//! ([`oxvirt_proto::shim`]).

use std::path::{Path, PathBuf};

use oxvirt_conf::domain::{parse_status, DomainStatus};

use crate::process::{self, Watched};
use crate::ShimError;

/// The shim's socket (mode 0600).
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join("shim.sock")
}

/// QEMU's monitor socket, created by the shim and inherited by QEMU.
pub fn monitor_path(dir: &Path) -> PathBuf {
    dir.join("qmp.sock")
}

/// The status document, the one source of a restarted shim's or driver's view of the VM.
pub fn status_path(dir: &Path) -> PathBuf {
    dir.join("status.xml")
}

/// Read a VM's status file.
pub fn read_status(dir: &Path) -> Result<DomainStatus, ShimError> {
    let p = status_path(dir);
    let text = std::fs::read_to_string(&p).map_err(|source| ShimError::Io {
        what: format!("cannot read {}", p.display()),
        source,
    })?;
    Ok(parse_status(&text)?)
}

/// Whether the QEMU a status document names still runs (the same process: pid and start
/// time, so a reused pid is not taken for it).
pub fn qemu_alive(st: &DomainStatus) -> bool {
    process::alive(st.qemu_pid, st.qemu_start_ticks)
}

/// SIGKILL the QEMU a status document names, if it still runs (through a pidfd, so a reused
/// pid is never signalled). Returns whether it was found alive.
pub fn kill_recorded_qemu(st: &DomainStatus) -> bool {
    if !qemu_alive(st) {
        return false;
    }
    if let Ok(w) = Watched::new(st.qemu_pid, None) {
        let _ = w.signal(rustix::process::Signal::KILL);
    }
    true
}

/// SIGKILL the QEMUs launched for the VM directory `dir` that no status file records (a shim
/// killed between launching QEMU and writing its pid leaves one: QEMU's environment names
/// its directory).
pub fn kill_unrecorded_qemus(dir: &Path) {
    process::kill_unrecorded_qemus(dir);
}

/// The CPU time (user + system, nanoseconds) of the process `pid`, the QEMU of a running
/// domain (`virsh dominfo`'s CPU time never waits for the shim).
pub fn qemu_cpu_time_ns(pid: i32) -> Option<u64> {
    process::cpu_time_ns(pid)
}
