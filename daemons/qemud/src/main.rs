//! `oxvirt-qemud`: the QEMU driver daemon. Its own options and wiring only: the runtime
//! (options common to every daemon, sockets, signals, idle exit) is `oxvirt-daemon`, the driver
//! `oxvirt-qemu`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_daemon::CommonArgs;
use oxvirt_qemu::daemon::{self, ServeOptions};
use oxvirt_qemu::DriverOptions;

/// The longest SIGTERM waits for calls in flight (libvirt's daemons wait 30 s too).
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Parser)]
#[command(name = "oxvirt-qemud", version, about = "oxvirt's QEMU driver daemon")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Seconds a call on one VM may wait for its QEMU before it fails with a timeout.
    #[arg(long, default_value_t = 30)]
    vm_call_timeout: u64,
    /// Rotate a domain's log (log/qemu/NAME.log) once it reaches this many bytes (virtlogd's
    /// max_size).
    #[arg(long, default_value_t = oxvirt_qemu::vmlog::DEFAULT_MAX_SIZE)]
    vm_log_max_size: u64,
    /// Rotated copies of a domain's log kept (virtlogd's max_backups).
    #[arg(long, default_value_t = oxvirt_qemu::vmlog::DEFAULT_MAX_BACKUPS)]
    vm_log_max_backups: u32,
    /// A directory where domains may have QEMU create chardev sockets, files and logs,
    /// besides the daemon's own (repeatable).
    #[arg(long, value_name = "DIR")]
    allow_path: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = args.common.log.clone();
    oxvirt_daemon::run(log.as_deref(), run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let c = &args.common;
    let served = daemon::serve(ServeOptions {
        paths: c.paths(),
        privileged: c.privileged(),
        driver: DriverOptions {
            call_timeout: Duration::from_secs(args.vm_call_timeout.max(1)),
            root: c.root.clone(),
            log_limits: oxvirt_qemu::vmlog::LogLimits {
                max_size: args.vm_log_max_size,
                max_backups: args.vm_log_max_backups,
            },
            allowed_paths: args.allow_path.clone(),
        },
        server: c.server_config(),
        server_name: "virtqemud",
        libvirt_paths: c.libvirt_paths,
    })
    .await
    .map_err(|e| e.to_string())?;
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
    oxvirt_daemon::wait_until_stopped("oxvirt-qemud", &served, c.idle_timeout()).await;
    autostart.abort();
    trim.abort();
    // as libvirtd: calls in flight are answered (a VM call has its own timeout), then exit
    served.drain(SHUTDOWN_WAIT).await;
    Ok(())
}
