//! The shim's lines in the VM's log (QEMU's command line as it was started, timestamped), and
//! the end of QEMU's own output for an error.

use std::path::Path;

use crate::{now_ms, ShimOptions};

pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=,./:@+".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Append a timestamped line to the VM's log (rotated first if full).
pub fn log_line(opts: &ShimOptions, msg: &str) {
    let line = format!("{} oxvirt-shim[{}]: {msg}\n", now_ms(), std::process::id());
    let _ = crate::vmlog::append(&opts.log, opts.log_limits, line.as_bytes());
}

/// The last lines QEMU wrote (its error, when it failed to start).
pub(crate) fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .rev()
        .filter(|l| !l.contains("oxvirt-shim["))
        .take(3)
        .collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}
