//! `oxvirt-secretd`: the secret driver daemon. Wiring only: the runtime (options, sockets,
//! signals, idle exit, the whole `main`) is `oxvirt-daemon`, the driver `oxvirt-secret`.

use std::process::ExitCode;

use clap::Parser;
use oxvirt_daemon::CommonArgs;

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt-secretd",
    version,
    about = "oxvirt's secret driver daemon"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    oxvirt_daemon::main("oxvirt-secretd", args.common, oxvirt_secret::daemon::serve)
}
