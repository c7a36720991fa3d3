//! Step 7's filters: one policy file per confined role, in seccompiler's JSON format, kept in
//! the repository (`crates/jail/seccomp/ROLE.json`, like crosvm's `jail/seccomp/`) and compiled
//! at run time for the host's architecture.
//!
//! - `shim.json`: the per-VM shim once QEMU runs, an allow-list. What the shim does from then
//!   on is event-loop work on sockets it holds (QMP, its protocol socket, consoles), its status
//!   file and log (write, rename, copy-then-truncate rotation), `/proc` reads and signals to
//!   QEMU through a pidfd. Anything else — `execve`, `ptrace`, `mount`, `set*id`, `capset`,
//!   `bpf`, module loading, `unshare` — fails with EPERM.
//!
//! QEMU's own filter is QEMU's `-sandbox` (a deny-list QEMU knows how to keep working with).

use std::io::Cursor;

use seccompiler::{BpfProgram, TargetArch};

use crate::JailError;

/// The shim's allow-list.
pub const SHIM: &str = include_str!("../seccomp/shim.json");

fn arch() -> Result<TargetArch, JailError> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| JailError::Policy(format!("architecture: {e:?}")))
}

/// Compile filter `name` of the JSON policy `json`.
pub fn policy(json: &str, name: &str) -> Result<BpfProgram, JailError> {
    let mut map = seccompiler::compile_from_json(Cursor::new(json.as_bytes()), arch()?)
        .map_err(|e| JailError::Policy(e.to_string()))?;
    map.remove(name)
        .ok_or_else(|| JailError::Policy(format!("no filter '{name}'")))
}
