//! `oxvirt-shim`: one per running VM. Arguments and wiring only; the shim's logic is
//! `oxvirt_shim`.
//!
//! The driver starts it with the VM's run directory; the shim moves to its own session (so it
//! outlives the driver), binds `DIR/shim.sock`, prints `ready` (or `error: ...`) on stdout,
//! and from then on writes only to its log (stderr).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_qmp::QmpConfig;
use oxvirt_shim::{run, ShimOptions};

#[derive(Debug, Parser)]
#[command(name = "oxvirt-shim", version, about = "oxvirt's per-VM QEMU shim")]
struct Args {
    /// The VM's run directory (shim.sock, qmp.sock and status.xml live there).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The VM's log file (QEMU's output and the shim's messages).
    #[arg(long, value_name = "FILE")]
    log: PathBuf,
    /// Take over the QEMU that DIR/status.xml names instead of waiting to start one.
    #[arg(long)]
    reattach: bool,
    /// Seconds a QMP command may take before the call fails.
    #[arg(long, default_value_t = 30)]
    qmp_timeout: u64,
    /// Rotate the log once it reaches this many bytes (virtlogd's max_size).
    #[arg(long, default_value_t = oxvirt_shim::vmlog::DEFAULT_MAX_SIZE)]
    log_max_size: u64,
    /// Rotated copies of the log kept (virtlogd's max_backups).
    #[arg(long, default_value_t = oxvirt_shim::vmlog::DEFAULT_MAX_BACKUPS)]
    log_max_backups: u32,
    /// QEMU's identity, UID:GID:GROUPS (the driver's qemu.conf user; when it runs as root).
    #[arg(long, value_name = "UID:GID:GROUPS", value_parser = oxvirt_shim::confine::parse_identity)]
    qemu_user: Option<oxvirt_jail::Identity>,
    /// A resource limit for QEMU: files=N, processes=N or core=N (repeatable).
    #[arg(long, value_name = "KIND=N", value_parser = oxvirt_shim::confine::parse_rlimit)]
    qemu_rlimit: Vec<oxvirt_jail::Rlimit>,
    /// A directory QEMU may create files beneath (repeatable; the driver's own and the
    /// allowed ones). With any, QEMU runs in a Landlock domain of its own.
    #[arg(long, value_name = "DIR")]
    qemu_create_beneath: Vec<PathBuf>,
    /// Log filter (tracing's env-filter syntax); OXVIRT_LOG also works.
    #[arg(long)]
    log_filter: Option<String>,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Our own session: a signal to the driver's process group does not reach us or QEMU.
    let _ = rustix::process::setsid();
    let filter = args
        .log_filter
        .clone()
        .or_else(|| std::env::var("OXVIRT_LOG").ok())
        .unwrap_or_else(|| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("error: cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let opts = ShimOptions {
        dir: args.dir,
        log: args.log,
        log_limits: oxvirt_shim::vmlog::LogLimits {
            max_size: args.log_max_size,
            max_backups: args.log_max_backups,
        },
        reattach: args.reattach,
        qmp: QmpConfig {
            command_timeout: Duration::from_secs(args.qmp_timeout),
            // libvirt's QEMU_DEFAULT_MONITOR_WAIT: QEMU greets once its devices are set up,
            // which takes seconds more when it unlocks LUKS images on a busy host
            greeting_timeout: Duration::from_secs(30),
            ..QmpConfig::default()
        },
        confine: oxvirt_shim::confine::QemuConfinement {
            identity: args.qemu_user,
            rlimits: args.qemu_rlimit,
            create_beneath: args.qemu_create_beneath,
            confine_shim: true,
        },
    };
    let r = rt.block_on(run(opts, |r| match r {
        Ok(()) => say("ready"),
        Err(e) => say(&format!("error: {e}")),
    }));
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
