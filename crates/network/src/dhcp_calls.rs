//! `NETWORK_GET_DHCP_LEASES` (`virsh net-dhcp-leases`), as libvirt 9.0's network driver
//! answers it: the leases of the network's bridge from the status file the lease helper
//! keeps, expired ones left out, optionally only those of one MAC address.

use oxvirt_conf::network::parse_ip;

use crate::calls::{find, read};
use crate::wire::{NetworkDhcpLease, NetworkGetDhcpLeasesArgs, NetworkGetDhcpLeasesRet};
use crate::{NetworkDriver, NetworkError};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn get_dhcp_leases(
    d: &NetworkDriver,
    a: NetworkGetDhcpLeasesArgs,
) -> Result<NetworkGetDhcpLeasesRet, NetworkError> {
    if a.flags != 0 {
        return Err(NetworkError::InvalidArg(format!(
            "networkGetDHCPLeases: unsupported flags (0x{:x})",
            a.flags
        )));
    }
    let def = find(&*read(d)?, &a.net)?.def.clone();
    let now = now();
    let want_mac = a.mac.as_deref().map(str::to_ascii_lowercase);
    let mut out = Vec::new();
    for l in d.plumbing.leases(&def) {
        if l.expiry != 0 && l.expiry < now {
            continue;
        }
        if let Some(m) = &want_mac {
            if l.mac.as_deref().map(str::to_ascii_lowercase).as_ref() != Some(m) {
                continue;
            }
        }
        let Some(addr) = parse_ip(&l.ip) else {
            continue;
        };
        let prefix = def
            .ips
            .iter()
            .find(|i| i.address.is_ipv4() == addr.is_ipv4())
            .and_then(|i| i.effective_prefix())
            .unwrap_or(0);
        out.push(NetworkDhcpLease {
            iface: def.bridge.clone().unwrap_or_default(),
            expirytime: l.expiry,
            type_: i32::from(!addr.is_ipv4()),
            mac: l.mac,
            iaid: l.iaid,
            ipaddr: l.ip,
            prefix,
            hostname: l.hostname,
            clientid: l.client_id,
        });
    }
    let n = u32::try_from(out.len()).unwrap_or(u32::MAX);
    Ok(NetworkGetDhcpLeasesRet {
        leases: if a.need_results != 0 { out } else { Vec::new() },
        ret: n,
    })
}
