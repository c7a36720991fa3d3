//! The runtime every oxvirt daemon's `main` is built on, so that a daemon's own `main.rs` holds
//! only its options and its wiring:
//!
//! - [`CommonArgs`]: the options every daemon takes (`--root DIR`, `--log`, keepalive, client
//!   limits, `--timeout SECS`, `--libvirt-paths`);
//! - [`run`]: logging, the tokio runtime and the exit status;
//! - [`Paths`]: where a daemon keeps its files (system paths, or everything under `--root DIR`);
//! - [`Sockets`]: the read-write / read-only / admin trio, at oxvirt's paths (`run/qemud-sock`)
//!   or libvirt's (`/run/libvirt/virtqemud-sock`, so stock clients in direct mode find the
//!   daemon), or handed over by systemd's socket activation ([`activation`]);
//! - [`RootLock`]: one process at a time owns a state root;
//! - [`Served`]: a [`Driver`](oxvirt_remote::Driver) served on its sockets and to in-process
//!   clients, stopped cleanly;
//! - [`until_stopped`]: SIGTERM/SIGINT end the daemon, SIGHUP asks it to reload, and an idle
//!   timeout ends it when it has no client and holds nothing running;
//! - [`wait_until_stopped`] and [`main`]: what every driver daemon's `main` does around its
//!   own wiring (a daemon with only the common options is one call to [`main`]).
//!
//! Daemons started with the same `--root DIR` find each other's sockets under `DIR/run`.

#![warn(missing_docs, unreachable_pub)]

pub mod activation;
mod args;
mod daemon_main;
mod error;
pub mod fsutil;
mod listeners;
mod lock;
mod paths;
mod served;
mod signals;
mod sys;

pub use args::CommonArgs;
pub use daemon_main::{main, wait_until_stopped, DaemonOptions};
pub use error::DaemonError;
pub use listeners::Bound;
pub use lock::RootLock;
pub use paths::{Paths, Sockets};
pub use served::{ServeOptions, Served};
pub use signals::{until_stopped, StopReason};

use std::process::ExitCode;

/// Set up logging (`--log`, else `$OXVIRT_LOG`, else `info`, to stderr), take the sockets of a
/// socket activation ([`activation::init`]), start a multi-threaded tokio runtime, run `main` on it, and turn its result into the process's exit status (an
/// error is logged).
pub fn run<F, E>(log: Option<&str>, main: F) -> ExitCode
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let filter = log
        .map(str::to_owned)
        .or_else(|| std::env::var("OXVIRT_LOG").ok())
        .unwrap_or_else(|| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    // while the process has one thread: the environment is changed here
    if let Err(e) = activation::init() {
        tracing::error!("{e}");
        return ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(main) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether this process runs as root (system mode unless told otherwise).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}
