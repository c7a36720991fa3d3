//! The proxy's errors.

/// What can go wrong setting the proxy up.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The runtime could not lock the root or bind the sockets.
    #[error(transparent)]
    Daemon(#[from] oxvirt_daemon::DaemonError),
    /// `proxyd.conf` is not valid.
    #[error("configuration: {0}")]
    Config(String),
    /// The TLS certificates, key or CA cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// A file or socket operation failed.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
}
