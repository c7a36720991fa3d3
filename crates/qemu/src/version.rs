//! Finding the QEMU binary and reading its version.

use std::path::{Path, PathBuf};

/// The first of `names` found on PATH or in `/usr/bin` and `/usr/libexec` (libvirt's
/// `virFindFileInPath` with its fallbacks).
pub fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/bin".into(), "/usr/libexec".into()]);
    for d in dirs {
        for name in names {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The x86_64 emulator on PATH (or in the usual places), as libvirt looks for it.
pub fn find_emulator() -> Option<PathBuf> {
    find_in_path(&["qemu-system-x86_64", "qemu-kvm"])
}

/// Parse `QEMU emulator version 7.2.19 (Debian ...)` into 7002019.
pub fn parse_version(text: &str) -> Option<u64> {
    let rest = text.split("version ").nth(1)?;
    let ver: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut it = ver.split('.').map(|p| p.parse::<u64>().ok());
    let major = it.next()??;
    let minor = it.next().flatten().unwrap_or(0);
    let micro = it.next().flatten().unwrap_or(0);
    if minor > 999 || micro > 999 {
        return None;
    }
    Some(major * 1_000_000 + minor * 1_000 + micro)
}

/// Run `EMULATOR --version` and parse it.
pub async fn probe_version(emulator: &Path) -> std::io::Result<u64> {
    let out = tokio::process::Command::new(emulator)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version(&text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("cannot parse the version of {}", emulator.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)\nCopyright"),
            Some(7_002_019)
        );
        assert_eq!(
            parse_version("QEMU emulator version 10.0.2"),
            Some(10_000_002)
        );
        assert_eq!(parse_version("QEMU emulator version 8.1"), Some(8_001_000));
        assert_eq!(parse_version("garbage"), None);
        assert_eq!(parse_version("version x"), None);
        assert_eq!(parse_version("version 1.2000.3"), None);
    }
}
