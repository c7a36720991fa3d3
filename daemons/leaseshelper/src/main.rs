//! `oxvirt-leaseshelper`: what dnsmasq runs (`--dhcp-script`) when a lease changes, as
//! libvirt's `libvirt_leaseshelper`: `add|old|del MAC IP [HOSTNAME]` updates the status file
//! `$OXVIRT_LEASES_DIR/$VIR_BRIDGE_NAME.status` (libvirt's JSON), atomically; `init` prints
//! the leases still valid in dnsmasq's lease file format (dnsmasq runs with
//! `--leasefile-ro` and learns its leases from here at start).

use std::process::ExitCode;

use oxvirt_network::dnsmasq::LEASES_DIR_ENV;
use oxvirt_network::leases::{self, Lease};

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = env(LEASES_DIR_ENV).ok_or(format!("{LEASES_DIR_ENV} is not set"))?;
    let bridge = env("VIR_BRIDGE_NAME")
        .or_else(|| env("DNSMASQ_INTERFACE"))
        .ok_or("VIR_BRIDGE_NAME is not set")?;
    if bridge.contains('/') || bridge.starts_with('.') {
        return Err(format!("bad bridge name {bridge}"));
    }
    let path = leases::status_path(std::path::Path::new(&dir), &bridge);
    let action = args.first().map(String::as_str).unwrap_or("");
    let now = now();
    match action {
        "init" => {
            print!("{}", leases::dnsmasq_lines(&leases::read(&path), now));
            Ok(())
        }
        "add" | "old" | "del" => {
            let (Some(mac), Some(ip)) = (args.get(1), args.get(2)) else {
                return Err(format!("usage: {action} MAC IP [HOSTNAME]"));
            };
            let iaid = env("DNSMASQ_IAID");
            let expiry = env("DNSMASQ_LEASE_EXPIRES")
                .and_then(|e| e.parse().ok())
                .or_else(|| {
                    env("DNSMASQ_TIME_REMAINING")
                        .and_then(|r| r.parse::<i64>().ok())
                        .map(|r| now + r)
                })
                .unwrap_or(0);
            let lease = Lease {
                ip: ip.clone(),
                // for DHCPv6 dnsmasq passes the client's DUID where the MAC goes
                mac: if iaid.is_some() {
                    env("DNSMASQ_MAC")
                } else {
                    Some(mac.clone())
                },
                hostname: args
                    .get(3)
                    .cloned()
                    .filter(|h| !h.is_empty())
                    .or_else(|| env("DNSMASQ_SUPPLIED_HOSTNAME")),
                client_id: if iaid.is_some() {
                    Some(mac.clone())
                } else {
                    env("DNSMASQ_CLIENT_ID")
                },
                server_duid: env("DNSMASQ_SERVER_DUID"),
                iaid,
                expiry,
            };
            let mut all = leases::read(&path);
            leases::apply(&mut all, action, lease, now);
            leases::write(&path, &all).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        // dnsmasq also runs the script for events libvirt ignores (tftp, arp, ...)
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oxvirt-leaseshelper: {e}");
            ExitCode::FAILURE
        }
    }
}
