//! The network subcommands (`net-list`, `net-info`, `net-dumpxml`, `net-define`, `net-undefine`,
//! `net-start`, `net-destroy`, `net-dhcp-leases`): virsh's output for people, JSON for scripts.
//! The calls go over the same connection as the domain commands (oxvirt-qemud and embedded
//! roots pass them on to the root's oxvirt-networkd; libvirtd serves them itself).

use std::path::PathBuf;

use clap::Subcommand;
use oxvirt::network::{list_flags, DhcpLease, Network, XML_INACTIVE};
use oxvirt::Connection;
use serde_json::{json, Value as Json};

use crate::output::{table, Out};

#[derive(Debug, Subcommand)]
pub enum NetCommand {
    /// List networks (active ones; --all for every one).
    #[command(name = "net-list")]
    List {
        /// Active and inactive networks.
        #[arg(long)]
        all: bool,
        /// Only inactive networks.
        #[arg(long)]
        inactive: bool,
    },
    /// A network's name, UUID, state and bridge.
    #[command(name = "net-info")]
    Info { network: String },
    /// A network's XML.
    #[command(name = "net-dumpxml")]
    Dumpxml {
        network: String,
        /// The persistent configuration rather than the running one.
        #[arg(long)]
        inactive: bool,
    },
    /// Define a persistent network from an XML file ("-" reads standard input).
    #[command(name = "net-define")]
    Define { file: PathBuf },
    /// Remove a network's persistent definition.
    #[command(name = "net-undefine")]
    Undefine { network: String },
    /// Start a defined network.
    #[command(name = "net-start")]
    Start { network: String },
    /// Stop a network.
    #[command(name = "net-destroy")]
    Destroy { network: String },
    /// The DHCP leases of a network.
    #[command(name = "net-dhcp-leases")]
    DhcpLeases {
        network: String,
        /// Only the leases of this MAC address.
        #[arg(long)]
        mac: Option<String>,
    },
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub async fn command(conn: &Connection, out: &Out, cmd: NetCommand) -> Result<(), String> {
    let e = |e: oxvirt::Error| e.to_string();
    let find = |name: String| async move { conn.lookup_network(&name).await.map_err(e) };
    match cmd {
        NetCommand::List { all, inactive } => list(conn, out, all, inactive).await?,
        NetCommand::Info { network } => info(out, &find(network).await?).await?,
        NetCommand::Dumpxml { network, inactive } => {
            let n = find(network).await?;
            let xml = n
                .xml(if inactive { XML_INACTIVE } else { 0 })
                .await
                .map_err(e)?;
            out.text(&xml, json!({"network": n.name(), "xml": xml}));
        }
        NetCommand::Define { file } => {
            let xml = crate::read_input(&file)?;
            let n = conn.define_network_xml(&xml).await.map_err(e)?;
            done(
                out,
                &n,
                "defined",
                &format!("defined from {}", file.display()),
            );
        }
        NetCommand::Undefine { network } => {
            let n = find(network).await?;
            n.undefine().await.map_err(e)?;
            done(out, &n, "undefined", "has been undefined");
        }
        NetCommand::Start { network } => {
            let n = find(network).await?;
            n.start().await.map_err(e)?;
            done(out, &n, "started", "started");
        }
        NetCommand::Destroy { network } => {
            let n = find(network).await?;
            n.destroy().await.map_err(e)?;
            done(out, &n, "destroyed", "destroyed");
        }
        NetCommand::DhcpLeases { network, mac } => {
            let n = find(network).await?;
            let mut leases = n.dhcp_leases(mac.as_deref()).await.map_err(e)?;
            // virsh's order: by MAC address, then address
            leases.sort_by(|a, b| (&a.mac, &a.ipaddr).cmp(&(&b.mac, &b.ipaddr)));
            print_leases(out, &leases);
        }
    }
    Ok(())
}

/// "Network default started", as virsh says it.
fn done(out: &Out, n: &Network, what: &str, sentence: &str) {
    out.done(
        &format!("Network {} {sentence}", n.name()),
        json!({"network": n.name(), "uuid": n.uuid_string(), "action": what}),
    );
}

async fn list(conn: &Connection, out: &Out, all: bool, inactive: bool) -> Result<(), String> {
    let e = |e: oxvirt::Error| e.to_string();
    let flags = if inactive {
        list_flags::INACTIVE
    } else if all {
        0
    } else {
        list_flags::ACTIVE
    };
    let nets = conn.list_networks(flags).await.map_err(e)?;
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for n in &nets {
        let active = n.is_active().await.map_err(e)?;
        let autostart = n.autostart().await.map_err(e)?;
        let persistent = n.is_persistent().await.map_err(e)?;
        rows.push(vec![
            n.name().to_owned(),
            if active { "active" } else { "inactive" }.to_owned(),
            yes_no(autostart).to_owned(),
            yes_no(persistent).to_owned(),
        ]);
        values.push(
            json!({"name": n.name(), "uuid": n.uuid_string(), "active": active,
            "autostart": autostart, "persistent": persistent}),
        );
    }
    if out.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&Json::Array(values)).unwrap_or_default()
        );
    } else {
        out!(
            "{}",
            table(&["Name", "State", "Autostart", "Persistent"], &rows)
        );
    }
    Ok(())
}

async fn info(out: &Out, n: &Network) -> Result<(), String> {
    let e = |e: oxvirt::Error| e.to_string();
    let active = n.is_active().await.map_err(e)?;
    let persistent = n.is_persistent().await.map_err(e)?;
    let autostart = n.autostart().await.map_err(e)?;
    // a network with no bridge (a macvtap or hostdev pool) has none to show
    let bridge = n.bridge_name().await.ok();
    if out.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&json!({"name": n.name(), "uuid": n.uuid_string(),
                "active": active, "persistent": persistent, "autostart": autostart,
                "bridge": bridge}))
            .unwrap_or_default()
        );
        return Ok(());
    }
    let line = |k: &str, v: &str| outln!("{:<15} {v}", format!("{k}:"));
    line("Name", n.name());
    line("UUID", &n.uuid_string());
    line("Active", yes_no(active));
    line("Persistent", yes_no(persistent));
    line("Autostart", yes_no(autostart));
    if let Some(b) = bridge {
        line("Bridge", &b);
    }
    outln!();
    Ok(())
}

fn print_leases(out: &Out, leases: &[DhcpLease]) {
    if out.json {
        let v: Vec<Json> = leases
            .iter()
            .map(|l| {
                json!({"expirytime": l.expirytime, "mac": l.mac, "type": proto(l), "ipaddr": l.ipaddr,
                "prefix": l.prefix, "hostname": l.hostname, "clientid": l.clientid, "iaid": l.iaid})
            })
            .collect();
        outln!(
            "{}",
            serde_json::to_string_pretty(&Json::Array(v)).unwrap_or_default()
        );
        return;
    }
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = leases
        .iter()
        .map(|l| {
            vec![
                expiry(l.expirytime),
                dash(&l.mac),
                proto(l).to_owned(),
                format!("{}/{}", l.ipaddr, l.prefix),
                dash(&l.hostname),
                dash(&l.clientid),
            ]
        })
        .collect();
    out!(
        "{}",
        table(
            &[
                "Expiry Time",
                "MAC address",
                "Protocol",
                "IP address",
                "Hostname",
                "Client ID or DUID"
            ],
            &rows
        )
    );
}

fn proto(l: &DhcpLease) -> &'static str {
    if l.addr_type == 1 {
        "ipv6"
    } else {
        "ipv4"
    }
}

/// `YYYY-MM-DD HH:MM:SS` of a time in seconds since the epoch, in UTC (virsh prints local
/// time: the same on a machine set to UTC, as servers and the tests are).
pub fn expiry(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // the civil date of a day number (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_times() {
        assert_eq!(super::expiry(0), "1970-01-01 00:00:00");
        assert_eq!(super::expiry(1_796_563_530), "2026-12-06 13:25:30");
        assert_eq!(super::expiry(951_782_400), "2000-02-29 00:00:00");
    }
}
