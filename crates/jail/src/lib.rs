//! Confinement of oxvirt's processes, as one ordered, auditable sequence (the shape of
//! firecracker's jailer): every process oxvirt confines — QEMU before it is executed, the
//! per-VM shim once QEMU runs — goes through [`Jail::apply`], whose steps run in this order:
//!
//! 1. **rlimits** ([`Jail::rlimit`]), while raising them is still allowed;
//! 2. **bounding set**: every capability not kept is dropped from it (needs CAP_SETPCAP, so
//!    before anything else drops that);
//! 3. **identity** ([`Jail::identity`]): supplementary groups, then the group, then the user
//!    (`setresuid` away from root clears the permitted and effective sets);
//! 4. **capabilities** ([`Jail::keep_caps`]): effective and permitted set to exactly those kept,
//!    inheritable and ambient emptied;
//! 5. **no_new_privs**: nothing executed later gains privileges;
//! 6. **Landlock** ([`Jail::landlock`]) where the kernel has it (a note otherwise);
//! 7. **seccomp** ([`Jail::seccomp`]) last, so the filter needs to allow only what the
//!    process does from then on (for a child: its `execve`).
//!
//! A step that is not configured is skipped; a configured step that fails fails the whole
//! sequence (a child is then not executed). Each step is a function of its own below.
//! `unsafe` is confined to [`sys`].

mod landlock_rules;
pub mod seccomp;
mod sys;

use std::io;

pub use landlock_rules::{landlock_abi, ExecCreate, WritablePaths};

/// One Linux capability (its number, as in `<linux/capability.h>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap(pub u32);

impl Cap {
    pub const CHOWN: Cap = Cap(0);
    pub const DAC_OVERRIDE: Cap = Cap(1);
    pub const FOWNER: Cap = Cap(3);
    pub const KILL: Cap = Cap(5);
    pub const SETGID: Cap = Cap(6);
    pub const SETUID: Cap = Cap(7);
    pub const SETPCAP: Cap = Cap(8);
    pub const SYS_PTRACE: Cap = Cap(19);
    pub const SYS_ADMIN: Cap = Cap(21);
    pub const SYS_RESOURCE: Cap = Cap(24);

    fn bit(self) -> u64 {
        1u64.checked_shl(self.0).unwrap_or(0)
    }
}

/// A failed confinement step.
#[derive(Debug, thiserror::Error)]
pub enum JailError {
    #[error("confinement step '{step}' failed: {source}")]
    Step {
        step: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("seccomp policy: {0}")]
    Policy(String),
    #[error("Landlock: {0}")]
    Landlock(String),
}

fn step(step: &'static str) -> impl FnOnce(io::Error) -> JailError {
    move |source| JailError::Step { step, source }
}

impl From<JailError> for io::Error {
    fn from(e: JailError) -> Self {
        match e {
            JailError::Step { source, .. } => source,
            other => io::Error::other(other.to_string()),
        }
    }
}

/// The user, group and supplementary groups a process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

/// A resource limit a jailed process gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rlimit {
    /// `RLIMIT_NOFILE` (qemu.conf `max_files`).
    Files(u64),
    /// `RLIMIT_NPROC` (qemu.conf `max_processes`).
    Processes(u64),
    /// `RLIMIT_CORE` (qemu.conf `max_core`).
    Core(u64),
}

/// What a process is confined to; built before the fork, applied by [`Jail::apply`].
#[derive(Default)]
pub struct Jail {
    rlimits: Vec<Rlimit>,
    identity: Option<Identity>,
    keep_caps: Option<Vec<Cap>>,
    no_new_privs: bool,
    landlock: Option<landlock::RulesetCreated>,
    seccomp: Option<seccompiler::BpfProgram>,
    /// Notes for the process's log: steps skipped and why.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Jail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jail")
            .field("rlimits", &self.rlimits)
            .field("identity", &self.identity)
            .field("keep_caps", &self.keep_caps)
            .field("no_new_privs", &self.no_new_privs)
            .field("landlock", &self.landlock.is_some())
            .field("seccomp", &self.seccomp.as_ref().map(Vec::len))
            .finish()
    }
}

impl Jail {
    pub fn new() -> Self {
        Self::default()
    }

    /// Step 1: a resource limit.
    pub fn rlimit(mut self, l: Rlimit) -> Self {
        self.rlimits.push(l);
        self
    }

    /// Step 3: run as this identity.
    pub fn identity(mut self, id: Identity) -> Self {
        self.identity = Some(id);
        self
    }

    /// Steps 2 and 4: keep exactly these capabilities (none: an empty slice).
    pub fn keep_caps(mut self, caps: &[Cap]) -> Self {
        self.keep_caps = Some(caps.to_vec());
        self
    }

    /// Step 5: set `no_new_privs`.
    pub fn no_new_privs(mut self) -> Self {
        self.no_new_privs = true;
        self
    }

    /// Step 6: allow writes only beneath `paths` (reads stay as DAC says). Without Landlock
    /// in the kernel the step is skipped with a note.
    pub fn landlock(mut self, paths: &WritablePaths) -> Result<Self, JailError> {
        match paths.ruleset()? {
            Some(r) => self.landlock = Some(r),
            None => self
                .notes
                .push("Landlock is not available in this kernel: file writes not limited".into()),
        }
        Ok(self)
    }

    /// Step 6, for QEMU: execute only the programs named, create files only beneath the
    /// directories named, signal and reach abstract sockets only within its own domain (see
    /// [`ExecCreate`]). Without Landlock in the kernel the step is skipped with a note.
    pub fn landlock_exec_create(mut self, rules: &ExecCreate) -> Result<Self, JailError> {
        match rules.ruleset()? {
            Some(r) => self.landlock = Some(r),
            None => self.notes.push(
                "Landlock is not available in this kernel: programs and file creation not limited"
                    .into(),
            ),
        }
        Ok(self)
    }

    /// Step 7: install this seccomp filter (see [`seccomp::policy`]).
    pub fn seccomp(mut self, prog: seccompiler::BpfProgram) -> Self {
        self.seccomp = Some(prog);
        self
    }

    /// Run the sequence on the calling thread (for a child: in it, before exec).
    pub fn apply(&mut self) -> Result<(), JailError> {
        apply_rlimits(&self.rlimits)?;
        if let Some(keep) = &self.keep_caps {
            drop_bounding_set(keep)?;
        }
        if let Some(id) = &self.identity {
            switch_identity(id)?;
        }
        if let Some(keep) = &self.keep_caps {
            set_caps(keep)?;
        }
        if self.no_new_privs {
            sys::set_no_new_privs().map_err(step("no_new_privs"))?;
        }
        if let Some(r) = self.landlock.take() {
            landlock_rules::restrict_self(r)?;
        }
        if let Some(p) = &self.seccomp {
            seccompiler::apply_filter(p)
                .map_err(|e| step("seccomp")(io::Error::other(e.to_string())))?;
        }
        Ok(())
    }

    /// Apply the sequence to `cmd`'s child between fork and exec.
    pub fn apply_to_child(self, cmd: &mut std::process::Command) {
        let mut jail = Some(self);
        sys::pre_exec(cmd, move || match jail.as_mut() {
            Some(j) => j.apply().map_err(io::Error::from),
            None => Ok(()),
        });
    }

    /// Apply the sequence to this process, with the seccomp filter on every thread (TSYNC, which
    /// also sets `no_new_privs` on them). Capabilities and identity change on the calling thread
    /// only: call it from the thread that outlives the others (the shim's runtime thread).
    pub fn apply_to_self(mut self) -> Result<Vec<String>, JailError> {
        let prog = self.seccomp.take();
        self.apply()?;
        if let Some(p) = prog {
            seccompiler::apply_filter_all_threads(&p)
                .map_err(|e| step("seccomp")(io::Error::other(e.to_string())))?;
        }
        Ok(self.notes)
    }
}

/// Step 1.
fn apply_rlimits(limits: &[Rlimit]) -> Result<(), JailError> {
    for l in limits {
        let (res, v) = match *l {
            Rlimit::Files(v) => (libc::RLIMIT_NOFILE, v),
            Rlimit::Processes(v) => (libc::RLIMIT_NPROC, v),
            Rlimit::Core(v) => (libc::RLIMIT_CORE, v),
        };
        sys::setrlimit(res, v).map_err(step("rlimit"))?;
    }
    Ok(())
}

fn mask(keep: &[Cap]) -> u64 {
    keep.iter().fold(0, |m, c| m | c.bit())
}

/// The highest capability number this kernel knows.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Step 2: drop what is not kept from the bounding set, if we may (CAP_SETPCAP); a process
/// without it has no capabilities to lose there.
fn drop_bounding_set(keep: &[Cap]) -> Result<(), JailError> {
    let (eff, _) = sys::capget().map_err(step("capget"))?;
    if eff & Cap::SETPCAP.bit() == 0 {
        return Ok(());
    }
    let keep = mask(keep);
    for c in 0..=last_cap() {
        if keep & Cap(c).bit() == 0 {
            sys::capbset_drop(c).map_err(step("bounding set"))?;
        }
    }
    Ok(())
}

/// Step 3.
fn switch_identity(id: &Identity) -> Result<(), JailError> {
    sys::setgroups(&id.groups).map_err(step("setgroups"))?;
    sys::setresgid(id.gid).map_err(step("setresgid"))?;
    sys::setresuid(id.uid).map_err(step("setresuid"))?;
    Ok(())
}

/// Step 4: only capabilities we still hold can be kept.
fn set_caps(keep: &[Cap]) -> Result<(), JailError> {
    let (_, permitted) = sys::capget().map_err(step("capget"))?;
    sys::ambient_clear().map_err(step("ambient capabilities"))?;
    sys::capset(mask(keep) & permitted).map_err(step("capset"))
}

/// A process's `/proc/PID/status` fields that show its confinement (for tests and logs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub cap_eff: Option<u64>,
    pub cap_bnd: Option<u64>,
    pub no_new_privs: Option<u32>,
    pub seccomp: Option<u32>,
}

/// Parse `/proc/PID/status`.
pub fn parse_status(text: &str) -> Status {
    let mut s = Status::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let first = v.split_whitespace().next().unwrap_or("");
        match k {
            "Uid" => s.uid = first.parse().ok(),
            "Gid" => s.gid = first.parse().ok(),
            "CapEff" => s.cap_eff = u64::from_str_radix(first, 16).ok(),
            "CapBnd" => s.cap_bnd = u64::from_str_radix(first, 16).ok(),
            "NoNewPrivs" => s.no_new_privs = first.parse().ok(),
            "Seccomp" => s.seccomp = first.parse().ok(),
            _ => {}
        }
    }
    s
}

/// The confinement of process `pid`.
pub fn status_of(pid: i32) -> io::Result<Status> {
    Ok(parse_status(&std::fs::read_to_string(format!(
        "/proc/{pid}/status"
    ))?))
}

#[cfg(test)]
mod tests;
