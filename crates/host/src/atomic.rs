//! Crash-safe files (shared by every driver): every write goes to a temporary file in the same directory, is synced,
//! renamed over the target, and the directory is synced, so a reader (or a restart after
//! SIGKILL at any moment) sees either the old or the new content, never a mix.

use std::io::Write;
use std::path::Path;

/// Replace `path` with `data` atomically and durably.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"))?;
    // the temporary name stays short whatever the target's (a name may be 240 bytes)
    let short: String = name.to_string_lossy().chars().take(64).collect();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{short}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
