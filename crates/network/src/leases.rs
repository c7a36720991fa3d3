//! DHCP leases in libvirt's status format: `lib/network/dnsmasq/BRIDGE.status`, a JSON array
//! of objects (`ip-address`, `mac-address`, `hostname`, `client-id`, `expiry-time`, and for
//! DHCPv6 `iaid`, `server-duid`), kept by the lease helper dnsmasq runs
//! (`oxvirt-leaseshelper`) and read by `NETWORK_GET_DHCP_LEASES`.

use std::path::{Path, PathBuf};

use oxvirt_daemon::fsutil::write_atomic;
use serde_json::{Map, Value};

/// One lease.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lease {
    pub ip: String,
    pub mac: Option<String>,
    pub hostname: Option<String>,
    pub client_id: Option<String>,
    pub iaid: Option<String>,
    pub server_duid: Option<String>,
    /// Seconds since the epoch; 0: never.
    pub expiry: i64,
}

/// The status file of the network whose bridge is `bridge`.
pub fn status_path(dir: &Path, bridge: &str) -> PathBuf {
    dir.join(format!("{bridge}.status"))
}

fn s(v: &Map<String, Value>, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_owned)
}

/// The leases of a status file's text (what does not parse is left out).
pub fn parse(text: &str) -> Vec<Lease> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let o = i.as_object()?;
            Some(Lease {
                ip: s(o, "ip-address")?,
                mac: s(o, "mac-address"),
                hostname: s(o, "hostname"),
                client_id: s(o, "client-id"),
                iaid: s(o, "iaid"),
                server_duid: s(o, "server-duid"),
                expiry: o.get("expiry-time").and_then(|x| x.as_i64()).unwrap_or(0),
            })
        })
        .collect()
}

/// The leases in a status file (none when it is missing).
pub fn read(path: &Path) -> Vec<Lease> {
    std::fs::read_to_string(path)
        .map(|t| parse(&t))
        .unwrap_or_default()
}

/// The status file's text for `leases`, keys in the order libvirt's helper writes them.
pub fn format(leases: &[Lease]) -> String {
    let q = |v: &str| serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
    let items: Vec<String> = leases
        .iter()
        .map(|l| {
            let mut fields = Vec::new();
            if let Some(v) = &l.iaid {
                fields.push(format!("    \"iaid\": {}", q(v)));
            }
            fields.push(format!("    \"ip-address\": {}", q(&l.ip)));
            if let Some(v) = &l.mac {
                fields.push(format!("    \"mac-address\": {}", q(v)));
            }
            if let Some(v) = &l.hostname {
                fields.push(format!("    \"hostname\": {}", q(v)));
            }
            if let Some(v) = &l.client_id {
                fields.push(format!("    \"client-id\": {}", q(v)));
            }
            fields.push(format!("    \"expiry-time\": {}", l.expiry));
            if let Some(v) = &l.server_duid {
                fields.push(format!("    \"server-duid\": {}", q(v)));
            }
            format!("  {{\n{}\n  }}", fields.join(",\n"))
        })
        .collect();
    if items.is_empty() {
        return "[\n]\n".into();
    }
    format!("[\n{}\n]\n", items.join(",\n"))
}

/// Write a status file atomically.
pub fn write(path: &Path, leases: &[Lease]) -> std::io::Result<()> {
    write_atomic(path, format(leases).as_bytes())
}

/// What dnsmasq's `add`/`old` does to the leases: the lease of that address replaced; `del`:
/// removed. Expired leases (other than `now`'s) are dropped on the way.
pub fn apply(leases: &mut Vec<Lease>, action: &str, lease: Lease, now: i64) {
    leases.retain(|l| l.ip != lease.ip && (l.expiry == 0 || l.expiry > now));
    if action != "del" {
        leases.push(lease);
    }
}

/// The leases as dnsmasq's lease file (what `init` prints): `EXPIRY MAC IP HOSTNAME CLIENTID`.
pub fn dnsmasq_lines(leases: &[Lease], now: i64) -> String {
    let mut out = String::new();
    for l in leases.iter().filter(|l| l.expiry == 0 || l.expiry > now) {
        if l.iaid.is_some() {
            continue;
        }
        out.push_str(&format!(
            "{} {} {} {} {}\n",
            l.expiry,
            l.mac.as_deref().unwrap_or("*"),
            l.ip,
            l.hostname.as_deref().unwrap_or("*"),
            l.client_id.as_deref().unwrap_or("*")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_updates() {
        let a = Lease {
            ip: "192.168.122.10".into(),
            mac: Some("52:54:00:aa:bb:cc".into()),
            hostname: Some("guest".into()),
            client_id: Some("01:52:54:00:aa:bb:cc".into()),
            expiry: 2000,
            ..Lease::default()
        };
        let text = format(std::slice::from_ref(&a));
        assert!(
            text.contains("\"ip-address\": \"192.168.122.10\""),
            "{text}"
        );
        assert_eq!(parse(&text), vec![a.clone()]);
        let mut v = vec![a.clone()];
        let b = Lease {
            expiry: 3000,
            ..a.clone()
        };
        apply(&mut v, "old", b.clone(), 1000);
        assert_eq!(v, vec![b.clone()]);
        assert_eq!(
            dnsmasq_lines(&v, 1000),
            "3000 52:54:00:aa:bb:cc 192.168.122.10 guest 01:52:54:00:aa:bb:cc\n"
        );
        apply(&mut v, "del", b, 1000);
        assert!(v.is_empty());
    }
}
