//! `oxvirt-qemud`: the QEMU driver daemon. Arguments, sockets and wiring only; the driver is
//! `oxvirt-qemu`, the protocol envelope `oxvirt-remote`, the RPC framework `oxvirt-rpc`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_qemu::daemon::{ServeOptions, ServedDriver};
use oxvirt_qemu::{DriverOptions, Paths};
use oxvirt_rpc::server::ServerConfig;
use tracing::{error, info};

#[derive(Debug, Parser)]
#[command(name = "oxvirt-qemud", version, about = "oxvirt's QEMU driver daemon")]
struct Args {
    /// Put every path under DIR (DIR/etc, DIR/run, DIR/lib, DIR/log, DIR/cache) instead of
    /// the system locations; the sockets are DIR/run/qemud-sock{,-ro} and qemud-admin-sock.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Seconds of client silence before a keepalive PING (0: never ping).
    #[arg(long, default_value_t = 5)]
    keepalive_interval: u64,
    /// Unanswered PINGs before a client is dropped.
    #[arg(long, default_value_t = 5)]
    keepalive_count: u32,
    /// Most clients at once on the read-write socket.
    #[arg(long, default_value_t = 5000)]
    max_clients: usize,
    /// Most clients at once on the read-only socket.
    #[arg(long, default_value_t = 5000)]
    max_ro_clients: usize,
    /// Most clients at once on the admin socket.
    #[arg(long, default_value_t = 5000)]
    max_admin_clients: usize,
    /// Most connections a user other than root (and the daemon's own) may hold at once.
    #[arg(long, default_value_t = 100)]
    max_clients_per_uid: usize,
    /// Seconds a read-only (or another user's) connection has to open.
    #[arg(long, default_value_t = 30)]
    handshake_timeout: u64,
    /// Seconds a read-only (or another user's) connection has to finish a message it started.
    #[arg(long, default_value_t = 30)]
    message_timeout: u64,
    /// Seconds of silence after which a read-only connection without keepalive is dropped
    /// (0: never).
    #[arg(long, default_value_t = 0)]
    idle_timeout: u64,
    /// Most event callbacks one connection may register.
    #[arg(long, default_value_t = 1024)]
    max_event_callbacks: usize,
    /// Most calls in flight per client.
    #[arg(long, default_value_t = 5)]
    max_client_requests: usize,
    /// Seconds a call on one VM may wait for its QEMU before it fails with a timeout.
    #[arg(long, default_value_t = 30)]
    vm_call_timeout: u64,
    /// Log filter (tracing's env-filter syntax), e.g. "debug"; OXVIRT_LOG also works.
    #[arg(long)]
    log: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = args
        .log
        .clone()
        .or_else(|| std::env::var("OXVIRT_LOG").ok())
        .unwrap_or_else(|| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let paths = match &args.root {
        Some(r) => Paths::under(r),
        None => Paths::system(),
    };
    let privileged = args.root.is_none() || rustix_is_root();
    let served = ServedDriver::start(ServeOptions {
        paths: paths.clone(),
        privileged,
        driver: DriverOptions {
            call_timeout: Duration::from_secs(args.vm_call_timeout.max(1)),
            root: args.root.clone(),
        },
        server: ServerConfig {
            max_clients: args.max_clients,
            max_ro_clients: args.max_ro_clients,
            max_admin_clients: args.max_admin_clients,
            max_clients_per_uid: args.max_clients_per_uid,
            handshake_timeout: Duration::from_secs(args.handshake_timeout),
            message_timeout: Duration::from_secs(args.message_timeout),
            idle_timeout: Duration::from_secs(args.idle_timeout),
            max_event_callbacks: args.max_event_callbacks,
            max_client_requests: args.max_client_requests,
            keepalive_interval: Duration::from_secs(args.keepalive_interval),
            keepalive_count: args.keepalive_count,
            ..ServerConfig::default()
        },
        server_name: "virtqemud",
    })
    .await
    .map_err(|e| e.to_string())?;
    info!(socket = %paths.qemud_socket().display(), "oxvirt-qemud ready");
    // domains marked autostart, once the sockets answer (their events reach early clients)
    let driver = served.driver.clone();
    let autostart = tokio::spawn(async move { driver.autostart_all().await });
    // hand memory freed after bursts of calls back to the system
    let trim = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            oxvirt_host::release_free_memory();
        }
    });
    wait_for_signal().await;
    info!("shutting down");
    autostart.abort();
    trim.abort();
    served.stop(Duration::ZERO).await;
    Ok(())
}

fn rustix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers, run until killed.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
