//! `oxvirt-storaged`: the storage driver daemon (libvirt's `virtstoraged`). Its wiring only: the
//! runtime is `oxvirt-daemon`, the driver `oxvirt-storage`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_daemon::{CommonArgs, Served};
use oxvirt_storage::{StorageDriver, LIBVIRT_NAME, SHORT_NAME};

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt-storaged",
    version,
    about = "oxvirt's storage driver daemon"
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
    let privileged = c.privileged();
    let driver_paths = paths.clone();
    // the first start on a root makes the default pool there, as libvirt's packaging does
    let images =
        oxvirt_storage::default_pool::images_dir(&paths, c.libvirt_paths, c.root.is_some());
    StorageDriver::prepare(&paths).map_err(|e| e.to_string())?;
    let served = Served::start(
        c.daemon_options().serve_options(SHORT_NAME, LIBVIRT_NAME),
        move || async move { StorageDriver::new(&driver_paths, privileged, Some(&images)) },
    )
    .await
    .map_err(|e| e.to_string())?;
    let driver = served.driver.clone();
    let autostart = tokio::spawn(async move { driver.autostart_all().await });
    oxvirt_daemon::wait_until_stopped("oxvirt-storaged", &served, c.idle_timeout()).await;
    autostart.abort();
    served.stop(Duration::ZERO).await;
    Ok(())
}
