//! The runtime's errors.

use std::path::PathBuf;

/// What can go wrong while setting a daemon up.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another process owns the state root (see [`crate::RootLock`]).
    #[error("root {} is in use by {}", root.display(), pid.map_or("another process".to_owned(), |p| format!("pid {p}")))]
    RootInUse {
        /// The root directory.
        root: PathBuf,
        /// The owner's pid, as its lock file says.
        pid: Option<u32>,
    },
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// Systemd's socket activation handed over something unusable.
    #[error("socket activation: {0}")]
    Activation(String),
    /// The driver could not be set up (its state or keys unreadable).
    #[error("cannot set the driver up: {0}")]
    Driver(String),
}

impl DaemonError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonError {
        let what = what.into();
        move |source| DaemonError::Io { what, source }
    }
}
