//! Step 6 of the sequence: Landlock, limiting where a process may write. Reads stay governed by
//! DAC (QEMU reads its binary, libraries, firmware and `/proc`); every write right — writing,
//! truncating, creating and removing files, sockets, directories — is granted only beneath the
//! paths given (the VM's own directories, the disks and files its definition names, `/dev`).

use std::path::PathBuf;

use landlock::{
    AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr,
    RulesetStatus, ABI,
};

use crate::JailError;

/// The newest Landlock ABI this program uses.
const ABI_USED: ABI = ABI::V3;

/// The kernel's Landlock ABI version (0: none).
pub fn landlock_abi() -> u32 {
    crate::sys::landlock_abi()
}

/// The paths beneath which a process may write.
#[derive(Debug, Clone, Default)]
pub struct WritablePaths {
    paths: Vec<PathBuf>,
}

impl WritablePaths {
    pub fn new() -> Self {
        Self::default()
    }

    /// Allow writes beneath `p` (a directory) or to `p` (a file). A path that does not exist
    /// is left out (nothing can be written there without creating it in an allowed directory).
    pub fn allow(&mut self, p: impl Into<PathBuf>) {
        self.paths.push(p.into());
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The ruleset, created before the fork; `None` if the kernel has no Landlock.
    pub(crate) fn ruleset(&self) -> Result<Option<RulesetCreated>, JailError> {
        if landlock_abi() == 0 {
            return Ok(None);
        }
        let all = AccessFs::from_write(ABI_USED);
        let lerr = |e: landlock::RulesetError| JailError::Landlock(e.to_string());
        let mut r = Ruleset::default()
            .handle_access(all)
            .map_err(lerr)?
            .create()
            .map_err(lerr)?;
        for p in &self.paths {
            let Ok(fd) = PathFd::new(p) else {
                continue;
            };
            // a file gets the rights that apply to files; a directory all of them
            let access = if p.is_dir() {
                all
            } else {
                all & AccessFs::from_file(ABI_USED)
            };
            r = r.add_rule(PathBeneath::new(fd, access)).map_err(lerr)?;
        }
        Ok(Some(r))
    }
}

/// Enforce a prepared ruleset on the calling thread.
pub(crate) fn restrict_self(r: RulesetCreated) -> Result<(), JailError> {
    let st = r
        .restrict_self()
        .map_err(|e| JailError::Landlock(e.to_string()))?;
    if st.ruleset == RulesetStatus::NotEnforced {
        return Err(JailError::Landlock("the ruleset was not enforced".into()));
    }
    Ok(())
}
