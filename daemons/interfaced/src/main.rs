//! `oxvirt-interfaced`: the interface driver daemon. Wiring only: the runtime (options, sockets,
//! signals, idle exit) is `oxvirt-daemon`, the driver `oxvirt-interface`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_daemon::CommonArgs;
use oxvirt_interface::daemon::{self, ServeOptions};
use tracing::info;

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt-interfaced",
    version,
    about = "oxvirt's interface driver daemon"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = args.common.log.clone();
    oxvirt_daemon::run(log.as_deref(), run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let c = &args.common;
    let paths = c.paths();
    let served = daemon::serve(ServeOptions {
        paths: paths.clone(),
        privileged: c.privileged(),
        server: c.server_config(),
        libvirt_paths: c.libvirt_paths,
    })
    .await
    .map_err(|e| e.to_string())?;
    info!(socket = %paths.sockets(daemon::SHORT_NAME).rw.display(), "oxvirt-interfaced ready");
    let why = oxvirt_daemon::until_stopped(|| served.is_idle(), c.idle_timeout(), || {}).await;
    info!(?why, "shutting down");
    served.stop(Duration::ZERO).await;
    Ok(())
}
