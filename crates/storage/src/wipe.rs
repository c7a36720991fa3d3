//! Wipe algorithms (`virStorageVolWipeAlgorithm`) as libvirt 9.0 maps them: `zero` writes
//! zeroes itself, the patterns are `scrub -f -p PATTERN PATH`, `trim` is refused.

use std::path::Path;
use std::process::Command;

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::VirError;

use crate::error::{Result, StorageError};

/// libvirt's `SCRUB`, as Debian 12's build found it.
const SCRUB: &str = "/usr/bin/scrub";

/// `VIR_STORAGE_VOL_WIPE_ALG_TRIM`
const TRIM: u32 = 9;

/// scrub's pattern of each algorithm, in `virStorageVolWipeAlgorithm`'s order from NNSA (1).
const PATTERNS: [&str; 8] = [
    "nnsa",
    "dod",
    "bsi",
    "gutmann",
    "schneier",
    "pfitzner7",
    "pfitzner33",
    "random",
];

fn vir(code: ErrorCode, msg: String) -> StorageError {
    StorageError::Vir(VirError::new(code as i32, ErrorDomain::Storage as i32, msg))
}

/// The scrub pattern of `algorithm` (`None`: zero, written by the driver), or libvirt's error.
pub fn pattern(algorithm: u32) -> Result<Option<&'static str>> {
    match algorithm {
        0 => Ok(None),
        TRIM => Err(vir(
            ErrorCode::ArgumentUnsupported,
            "'trim' algorithm not supported".into(),
        )),
        a if a > TRIM => Err(vir(
            ErrorCode::InvalidArg,
            format!("wiping algorithm {a} not supported"),
        )),
        a => Ok(PATTERNS.get(a as usize - 1).copied()),
    }
}

/// Overwrite the file with scrub's `pattern`.
pub fn scrub(pattern: &str, path: &Path) -> Result<()> {
    let out = Command::new(SCRUB)
        .args(["-f", "-p", pattern])
        .arg(path)
        .output()
        .map_err(|e| StorageError::system(format!("Cannot find '{SCRUB}' in path"), e))?;
    if out.status.success() {
        return Ok(());
    }
    Err(StorageError::Internal(format!(
        "Child process ({SCRUB} -f -p {pattern} {}) unexpected exit status {}: {}",
        path.display(),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_map_as_libvirts() {
        assert_eq!(pattern(0).unwrap(), None);
        assert_eq!(pattern(1).unwrap(), Some("nnsa"));
        assert_eq!(pattern(8).unwrap(), Some("random"));
        assert!(pattern(9).is_err());
        assert!(pattern(10).is_err());
    }

    #[test]
    fn scrub_overwrites_the_file() {
        if !Path::new(SCRUB).exists() {
            eprintln!("skipped: {SCRUB} is not installed (scripts/install-deps installs it)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v.img");
        std::fs::write(&f, vec![0u8; 64 << 10]).unwrap();
        scrub("random", &f).unwrap();
        let data = std::fs::read(&f).unwrap();
        assert_eq!(data.len(), 64 << 10);
        assert!(data.iter().filter(|b| **b != 0).count() > 60 << 10);
    }
}
