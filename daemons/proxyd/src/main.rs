//! `oxvirt-proxyd`: libvirt's legacy sockets (`libvirt-sock`, `-sock-ro`,
//! `libvirt-admin-sock`) in front of oxvirt's driver daemons, as libvirt's virtproxyd. Wiring
//! only: the runtime is `oxvirt-daemon`, the proxy `oxvirt-proxy`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_daemon::CommonArgs;
use oxvirt_proxy::{ListenConfig, ServeOptions};
use tracing::info;

/// How long calls in flight get to be answered on SIGTERM.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt-proxyd",
    version,
    about = "oxvirt's proxy daemon: libvirt's legacy sockets in front of the driver daemons"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Listen on the network as configured (TLS on port 16514 by default), as
    /// `virtproxyd --listen`.
    #[arg(long)]
    listen: bool,
    /// The configuration file (default: DIR/etc/proxyd.conf with --root DIR, else
    /// /etc/oxvirt/proxyd.conf), in libvirt's syntax with virtproxyd.conf's keys.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = args.common.log.clone();
    oxvirt_daemon::run(log.as_deref(), run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let c = &args.common;
    let paths = c.paths();
    let config = args
        .config
        .clone()
        .unwrap_or_else(|| paths.etc.join("proxyd.conf"));
    let listen = if args.listen {
        Some(ListenConfig::load(&config).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let proxy = oxvirt_proxy::serve(ServeOptions {
        paths: paths.clone(),
        libvirt_paths: c.libvirt_paths,
        privileged: c.privileged(),
        server: c.server_config(),
        listen,
    })
    .await
    .map_err(|e| e.to_string())?;
    info!(
        socket = %paths.sockets(oxvirt_proxy::SOCKET_NAME).rw.display(),
        "oxvirt-proxyd ready"
    );
    let why = oxvirt_daemon::until_stopped(|| proxy.is_idle(), c.idle_timeout(), || {}).await;
    info!(?why, "shutting down");
    proxy.drain(SHUTDOWN_WAIT).await;
    Ok(())
}
