//! `oxvirt-networkd`: the network driver daemon. Wiring only: the runtime (options, sockets,
//! signals, idle exit) is `oxvirt-daemon`, the driver `oxvirt-network`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oxvirt_daemon::CommonArgs;
use oxvirt_network::access::{resolve_id, PortAccess};
use oxvirt_network::daemon::{self, ServeOptions};
use oxvirt_network::host::HostNetwork;

#[derive(Debug, Parser)]
#[command(
    name = "oxvirt-networkd",
    version,
    about = "oxvirt's network driver daemon"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Change nothing on the host when a network starts (no bridge, no address): networks are
    /// only recorded active. Without privileges nothing is changed either.
    #[arg(long)]
    no_host_network: bool,
    /// A user (name or uid) who may create network ports and get their TAP devices, on every
    /// network; repeat for several. Root always may. Per network: `networkd.conf`'s `allow`
    /// lines (in the configuration directory).
    #[arg(long = "port-user", value_name = "USER")]
    port_users: Vec<String>,
    /// A group (name or gid) whose members may create network ports; repeat for several.
    #[arg(long = "port-group", value_name = "GROUP")]
    port_groups: Vec<String>,
}

/// The users and groups of `--port-user` and `--port-group`, and the rules of `networkd.conf`.
fn port_access(args: &Args) -> Result<PortAccess, String> {
    let ids = |file: &str, what: &str, names: &[String]| {
        names
            .iter()
            .map(|n| resolve_id(file, n).ok_or_else(|| format!("unknown {what} '{n}'")))
            .collect::<Result<Vec<u32>, String>>()
    };
    let flags = PortAccess::everywhere(
        &ids("/etc/passwd", "user", &args.port_users)?,
        &ids("/etc/group", "group", &args.port_groups)?,
    );
    let conf = args.common.paths().etc.join("networkd.conf");
    let file = match std::fs::read_to_string(&conf) {
        Ok(text) => PortAccess::parse(&text, "/etc/passwd", "/etc/group")?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => PortAccess::default(),
        Err(e) => return Err(format!("cannot read {}: {e}", conf.display())),
    };
    Ok(flags.and(file))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let log = args.common.log.clone();
    oxvirt_daemon::run(log.as_deref(), run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let c = &args.common;
    let access = port_access(&args)?;
    let served = daemon::serve(ServeOptions {
        paths: c.paths(),
        privileged: c.privileged(),
        server: c.server_config(),
        libvirt_paths: c.libvirt_paths,
        host: if args.no_host_network || !c.privileged() {
            HostNetwork::Off
        } else {
            HostNetwork::Ip
        },
    })
    .await
    .map_err(|e| e.to_string())?;
    served.driver.set_port_access(access);
    // users the port setting names reach the read-write socket; the driver lets them read
    // and use ports, nothing else
    if served.driver.ports_open_to_others() {
        use std::os::unix::fs::PermissionsExt;
        let rw = served.socket();
        std::fs::set_permissions(rw, std::fs::Permissions::from_mode(0o666))
            .map_err(|e| format!("cannot open {} to the port users: {e}", rw.display()))?;
    }
    // networks marked autostart, once the sockets answer
    served.driver.autostart_all();
    served.driver.watch_dnsmasq();
    oxvirt_daemon::wait_until_stopped("oxvirt-networkd", &served, c.idle_timeout()).await;
    served.stop(Duration::ZERO).await;
    Ok(())
}
