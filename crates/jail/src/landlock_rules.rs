//! Step 6 of the sequence: Landlock, limiting where a process may write. Reads stay governed by
//! DAC (QEMU reads its binary, libraries, firmware and `/proc`); every write right — writing,
//! truncating, creating and removing files, sockets, directories — is granted only beneath the
//! paths given (the VM's own directories, the disks and files its definition names, `/dev`).

use std::path::PathBuf;

use landlock::{
    Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreated,
    RulesetCreatedAttr, RulesetStatus, ABI,
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

/// What QEMU (and helpers like it) may execute and where it may create files, for a process
/// whose writes to existing files stay as DAC says (QEMU opens hot-plugged disks by path, so a
/// ruleset fixed at start cannot list them):
///
/// - **execute**: only the programs named (and the interpreters the kernel loads for them: an
///   ELF's `PT_INTERP`, a script's `#!` line), so a compromised QEMU cannot run anything;
/// - **create, remove, rename and link** files, directories, sockets, fifos, device nodes and
///   symlinks only beneath the directories named (the driver's own, and the allowed ones);
/// - **scopes** (Landlock ABI 6): no signals to, and no abstract unix sockets of, processes
///   outside its own domain — with a domain per VM, one QEMU cannot signal or `ptrace`
///   another, though they run as the same user.
#[derive(Debug, Clone, Default)]
pub struct ExecCreate {
    programs: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

/// The creation rights [`ExecCreate`] handles.
fn create_rights(abi: ABI) -> landlock::BitFlags<AccessFs> {
    // writing and truncating existing files stay as DAC says, and so do device ioctls (QEMU
    // opens ptys, /dev/net/tun, /dev/kvm)
    AccessFs::from_write(abi) & !(AccessFs::WriteFile | AccessFs::Truncate | AccessFs::IoctlDev)
}

impl ExecCreate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Allow executing `p`, and the interpreters it needs.
    pub fn program(&mut self, p: impl Into<PathBuf>) {
        let p = p.into();
        let mut next = Some(p);
        // a script's interpreter may itself be a script, to a small depth (the kernel's is 4)
        for _ in 0..5 {
            let Some(p) = next.take() else { break };
            let head = read_head(&p);
            if let Some(interp) = shebang(&head) {
                next = Some(interp);
            } else if let Some(interp) = elf_interp(&p, &head) {
                self.programs.push(interp);
            }
            self.programs.push(p);
        }
    }

    /// Allow creating and removing entries beneath the directory `d`.
    pub fn create_beneath(&mut self, d: impl Into<PathBuf>) {
        self.dirs.push(d.into());
    }

    pub fn programs(&self) -> &[PathBuf] {
        &self.programs
    }

    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The ruleset, created before the fork; `None` if the kernel has no Landlock.
    pub(crate) fn ruleset(&self) -> Result<Option<RulesetCreated>, JailError> {
        if landlock_abi() == 0 {
            return Ok(None);
        }
        let abi = ABI::V6;
        let create = create_rights(abi);
        let lerr = |e: landlock::RulesetError| JailError::Landlock(e.to_string());
        let mut r = Ruleset::default()
            .handle_access(create | AccessFs::Execute)
            .map_err(lerr)?
            .scope(landlock::Scope::from_all(abi))
            .map_err(lerr)?
            .create()
            .map_err(lerr)?;
        for p in &self.programs {
            if let Ok(fd) = PathFd::new(p) {
                r = r
                    .add_rule(PathBeneath::new(fd, AccessFs::Execute))
                    .map_err(lerr)?;
            }
        }
        for d in &self.dirs {
            if let Ok(fd) = PathFd::new(d) {
                r = r.add_rule(PathBeneath::new(fd, create)).map_err(lerr)?;
            }
        }
        Ok(Some(r))
    }
}

/// The first bytes of a file (enough for an ELF header or a `#!` line).
fn read_head(p: &std::path::Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::new();
    if let Ok(f) = std::fs::File::open(p) {
        let _ = f.take(256).read_to_end(&mut head);
    }
    head
}

/// A script's interpreter: the first word of its `#!` line.
fn shebang(head: &[u8]) -> Option<PathBuf> {
    let rest = head.strip_prefix(b"#!")?;
    let line = rest.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let word = line.split_whitespace().next()?;
    word.starts_with('/').then(|| PathBuf::from(word))
}

/// An ELF64 little-endian executable's program interpreter (`PT_INTERP`), as the kernel
/// loads it. Anything malformed: none (the kernel would refuse to execute it anyway).
fn elf_interp(p: &std::path::Path, head: &[u8]) -> Option<PathBuf> {
    use std::io::{Read, Seek, SeekFrom};
    // ELF magic, 64-bit, little endian
    if head.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let u16_at = |b: &[u8], o: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            b.get(o..o + 2)?.try_into().ok()?,
        )))
    };
    let u64_at = |b: &[u8], o: usize| -> Option<u64> {
        Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?))
    };
    let phoff = u64_at(head, 0x20)?;
    let phentsize = u16_at(head, 0x36)?;
    let phnum = u16_at(head, 0x38)?.min(64);
    if phentsize < 56 {
        return None;
    }
    let mut f = std::fs::File::open(p).ok()?;
    let mut table = vec![0u8; usize::try_from(phentsize * phnum).ok()?];
    f.seek(SeekFrom::Start(phoff)).ok()?;
    f.read_exact(&mut table).ok()?;
    for ph in table.chunks_exact(usize::try_from(phentsize).ok()?) {
        // PT_INTERP
        if ph.get(..4)? != 3u32.to_le_bytes().as_slice() {
            continue;
        }
        let off = u64_at(ph, 8)?;
        let size = u64_at(ph, 32)?.min(4096);
        let mut name = vec![0u8; usize::try_from(size).ok()?];
        f.seek(SeekFrom::Start(off)).ok()?;
        f.read_exact(&mut name).ok()?;
        let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
        let s = std::str::from_utf8(name.get(..end)?).ok()?;
        return s.starts_with('/').then(|| PathBuf::from(s));
    }
    None
}

#[cfg(test)]
mod exec_tests {
    use super::*;

    #[test]
    fn a_program_brings_its_interpreters() {
        let mut r = ExecCreate::new();
        r.program("/usr/bin/true");
        let p = r.programs();
        assert!(p.contains(&PathBuf::from("/usr/bin/true")), "{p:?}");
        assert!(
            p.iter().any(|p| p.to_string_lossy().contains("ld-linux")),
            "the ELF interpreter: {p:?}"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("s");
        std::fs::write(&script, "#!/usr/bin/true -x\nexit 0\n").expect("write");
        let mut r = ExecCreate::new();
        r.program(&script);
        assert!(r.programs().contains(&PathBuf::from("/usr/bin/true")));
        assert!(r.programs().contains(&script));
        assert_eq!(r.programs().len(), 3, "{:?}", r.programs());
    }

    #[test]
    fn malformed_headers_name_no_interpreter() {
        assert_eq!(shebang(b"#!relative\n"), None);
        assert_eq!(shebang(b"#!"), None);
        assert_eq!(
            elf_interp(std::path::Path::new("/nonexistent"), b"\x7fELF\x02\x01"),
            None
        );
        assert_eq!(
            elf_interp(std::path::Path::new("/dev/null"), b"garbage"),
            None
        );
    }
}
