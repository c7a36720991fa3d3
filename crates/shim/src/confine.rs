//! What the shim confines, through `oxvirt-jail`'s one sequence:
//!
//! - **QEMU**, before it is executed ([`qemu_jail`]): the `qemu.conf` user, group and
//!   supplementary groups when the driver runs as root (`--qemu-user`), its rlimits, no
//!   capabilities (bounding set emptied too), `no_new_privs`. Its seccomp filter is QEMU's own
//!   `-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny`.
//!   With the driver's directories given (`--qemu-create-beneath`), a Landlock domain of its
//!   own: it executes only its program, creates files only beneath those directories, and
//!   signals or `ptrace`s no process outside its domain (another VM's QEMU, of the same user).
//! - **The shim itself**, once QEMU runs ([`confine_shim`]): `no_new_privs`, the seccomp
//!   allow-list `crates/jail/seccomp/shim.json` on every thread, and of its capabilities only
//!   - CAP_KILL: QEMU runs as another user; the shim signals it (pidfd) to stop it,
//!   - CAP_DAC_OVERRIDE: the consoles QEMU opens (`/dev/pts/N`, QEMU's, 0620) and the files
//!     QEMU creates are QEMU's user's, and the shim opens them for the driver's console calls.
//!
//!   Capabilities are per thread: they are dropped on the runtime's thread (the shim runs a
//!   current-thread runtime; threads started later inherit the reduced sets), and the seccomp
//!   filter, which covers every thread, refuses `capset`, `set*id` and `execve` anyway.
//!
//! An ordinary user's shim has no capabilities to drop: QEMU runs as that user and the VM's log
//! says so; `no_new_privs` and the filters apply all the same.

use oxvirt_jail::{Cap, Identity, Jail, Rlimit};
use tracing::{info, warn};

/// Who QEMU runs as, and its limits (from the driver's `qemu.conf`).
#[derive(Debug, Clone, Default)]
pub struct QemuConfinement {
    /// QEMU's user, group and supplementary groups; `None`: the shim's own.
    pub identity: Option<Identity>,
    /// QEMU's resource limits.
    pub rlimits: Vec<Rlimit>,
    /// The directories QEMU may create files, sockets and directories beneath (the driver's
    /// own and the allowed ones, `--qemu-create-beneath`). With any, QEMU gets a Landlock
    /// domain of its own: these directories to create in, its own program to execute, no
    /// signal or abstract socket outside its domain.
    pub create_beneath: Vec<std::path::PathBuf>,
    /// Confine the shim process too once QEMU runs (the `oxvirt-shim` program; never a test
    /// process that runs a shim in its own threads).
    pub confine_shim: bool,
}

/// `UID:GID:G1,G2,...` (the driver's `--qemu-user`).
pub fn parse_identity(s: &str) -> Result<Identity, String> {
    let mut it = s.splitn(3, ':');
    let n = |v: Option<&str>| -> Result<u32, String> {
        v.and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("bad identity '{s}': expected UID:GID:GROUPS"))
    };
    let uid = n(it.next())?;
    let gid = n(it.next())?;
    let groups = it
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|g| !g.is_empty())
        .map(|g| n(Some(g)))
        .collect::<Result<Vec<u32>, String>>()?;
    Ok(Identity { uid, gid, groups })
}

/// `files=N`, `processes=N`, `core=N` (the driver's `--qemu-rlimit`).
pub fn parse_rlimit(s: &str) -> Result<Rlimit, String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("bad rlimit '{s}'"))?;
    let v: u64 = v.parse().map_err(|_| format!("bad rlimit '{s}'"))?;
    match k {
        "files" => Ok(Rlimit::Files(v)),
        "processes" => Ok(Rlimit::Processes(v)),
        "core" => Ok(Rlimit::Core(v)),
        _ => Err(format!("unknown rlimit '{k}'")),
    }
}

/// QEMU's jail (applied in the child before exec); `programs`: what it may execute (the
/// program the shim runs, and the definition's emulator).
pub(crate) fn qemu_jail(c: &QemuConfinement, programs: &[&str]) -> Jail {
    match &c.identity {
        Some(id) => info!(
            uid = id.uid,
            gid = id.gid,
            "QEMU runs as uid {} gid {}",
            id.uid,
            id.gid
        ),
        None if rustix::process::geteuid().is_root() => {
            info!("QEMU runs as root: the driver names no user for it")
        }
        None => info!("the driver does not run as root: QEMU runs as its user, no relabelling"),
    }
    if c.create_beneath.is_empty() {
        return base_jail(c);
    }
    let mut rules = oxvirt_jail::ExecCreate::new();
    for p in programs {
        rules.program(p);
    }
    for d in &c.create_beneath {
        rules.create_beneath(d);
    }
    match base_jail(c).landlock_exec_create(&rules) {
        Ok(mut j) => {
            for n in j.notes.drain(..) {
                info!("{n}");
            }
            info!(
                "Landlock: QEMU may execute {:?} and create files beneath {:?} only",
                rules.programs(),
                rules.dirs()
            );
            j
        }
        Err(e) => {
            warn!("{e}: QEMU runs without its Landlock domain");
            base_jail(c)
        }
    }
}

/// QEMU's rlimits, identity, no capabilities, `no_new_privs`.
fn base_jail(c: &QemuConfinement) -> Jail {
    let mut j = Jail::new();
    for l in &c.rlimits {
        j = j.rlimit(*l);
    }
    if let Some(id) = &c.identity {
        j = j.identity(id.clone());
    }
    j.keep_caps(&[]).no_new_privs()
}

/// The capabilities the shim keeps once QEMU runs (see the module documentation).
pub const SHIM_CAPS: &[Cap] = &[Cap::KILL, Cap::DAC_OVERRIDE];

/// Confine the shim itself, once QEMU runs. Failures are logged: the VM keeps running.
pub(crate) fn confine_shim(c: &QemuConfinement) {
    if !c.confine_shim {
        return;
    }
    let jail = match oxvirt_jail::seccomp::policy(oxvirt_jail::seccomp::SHIM, "shim") {
        Ok(p) => Jail::new().keep_caps(SHIM_CAPS).no_new_privs().seccomp(p),
        Err(e) => {
            warn!("{e}: the shim runs without its seccomp filter");
            Jail::new().keep_caps(SHIM_CAPS).no_new_privs()
        }
    };
    match jail.apply_to_self() {
        Ok(notes) => {
            for n in notes {
                info!("{n}");
            }
        }
        Err(e) => warn!("cannot confine the shim: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse() {
        assert_eq!(
            parse_identity("64055:64055:106,64055").unwrap(),
            Identity {
                uid: 64055,
                gid: 64055,
                groups: vec![106, 64055]
            }
        );
        assert_eq!(parse_identity("1:2:").unwrap().groups, Vec::<u32>::new());
        assert!(parse_identity("x:2:").is_err());
        assert_eq!(parse_rlimit("files=10").unwrap(), Rlimit::Files(10));
        assert!(parse_rlimit("stack=1").is_err());
    }
}
