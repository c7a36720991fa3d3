//! The runtime's errors.

use std::path::PathBuf;

/// What can go wrong while setting a daemon up.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another process owns the state root (see [`crate::RootLock`]).
    #[error("root {} is in use by {}", root.display(), pid.map_or("another process".to_owned(), |p| format!("pid {p}")))]
    RootInUse { root: PathBuf, pid: Option<u32> },
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Systemd's socket activation handed over something unusable.
    #[error("socket activation: {0}")]
    Activation(String),
}

impl DaemonError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonError {
        let what = what.into();
        move |source| DaemonError::Io { what, source }
    }
}
