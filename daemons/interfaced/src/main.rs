//! `oxvirt-interfaced`: the interface driver daemon. Wiring only: the runtime (options, sockets,
//! signals, idle exit, the whole `main`) is `oxvirt-daemon`, the driver `oxvirt-interface`.

use std::process::ExitCode;

use clap::Parser;
use oxvirt_daemon::CommonArgs;

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
    oxvirt_daemon::main(
        "oxvirt-interfaced",
        args.common,
        oxvirt_interface::daemon::serve,
    )
}
