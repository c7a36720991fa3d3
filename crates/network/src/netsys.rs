//! What a started network reads and sets in the kernel of the network namespace the daemon
//! runs in: the routes already there (a network whose subnet is routed elsewhere is refused,
//! as libvirt's `networkCheckRouteCollision` does) and the sysctls libvirt sets (IPv4 and IPv6
//! forwarding for `nat`/`route` networks, the bridge's IPv6 settings).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use oxvirt_conf::network::{ForwardMode, Network};

use crate::NetworkError;

/// A route of the host: destination, prefix length, device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    pub dest: IpAddr,
    pub prefix: u32,
    pub dev: String,
}

/// The IPv4 routes (`/proc/net/route`: little-endian hex destination and mask).
pub fn ipv4_routes_from(text: &str) -> Vec<HostRoute> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let (Ok(dest), Ok(mask)) = (u32::from_str_radix(f[1], 16), u32::from_str_radix(f[7], 16))
        else {
            continue;
        };
        out.push(HostRoute {
            dest: IpAddr::V4(Ipv4Addr::from(u32::from_be(dest))),
            prefix: u32::from_be(mask).count_ones(),
            dev: f[0].to_owned(),
        });
    }
    out
}

/// The IPv6 routes (`/proc/net/ipv6_route`: hex destination, hex prefix length, ..., device).
pub fn ipv6_routes_from(text: &str) -> Vec<HostRoute> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let (Ok(dest), Ok(prefix)) = (
            u128::from_str_radix(f[0], 16),
            u32::from_str_radix(f[1], 16),
        ) else {
            continue;
        };
        out.push(HostRoute {
            dest: IpAddr::V6(Ipv6Addr::from(dest)),
            prefix,
            dev: f[9].to_owned(),
        });
    }
    out
}

/// Every route of the namespace the daemon runs in.
pub fn host_routes() -> Vec<HostRoute> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let mut v = ipv4_routes_from(&read("/proc/net/route"));
    v.extend(ipv6_routes_from(&read("/proc/net/ipv6_route")));
    v
}

fn masked(a: &IpAddr, prefix: u32) -> u128 {
    let (bits, width) = match a {
        IpAddr::V4(v) => (u128::from(u32::from(*v)), 32),
        IpAddr::V6(v) => (u128::from(*v), 128),
    };
    if prefix == 0 || prefix > width {
        return 0;
    }
    bits >> (width - prefix)
}

/// libvirt's check: a route to exactly the network's subnet on another device than the
/// network's bridge means the subnet is in use: "Network is already in use by interface DEV".
pub fn check_route_collision(def: &Network, routes: &[HostRoute]) -> Result<(), NetworkError> {
    for ip in &def.ips {
        let Some(prefix) = ip.effective_prefix() else {
            continue;
        };
        for r in routes {
            if r.dest.is_ipv4() != ip.address.is_ipv4()
                || r.prefix != prefix
                || prefix == 0
                || def.bridge.as_deref() == Some(r.dev.as_str())
                || r.dev == "lo"
            {
                continue;
            }
            if masked(&r.dest, prefix) == masked(&ip.address, prefix) {
                return Err(NetworkError::Internal(format!(
                    "Network is already in use by interface {}",
                    r.dev
                )));
            }
        }
    }
    Ok(())
}

/// Whether a route of `routes` overlaps `net`/`prefix` (either contains the other), the
/// default route aside.
pub fn subnet_used(net: &IpAddr, prefix: u32, routes: &[HostRoute]) -> bool {
    routes.iter().any(|r| {
        r.prefix > 0 && r.dest.is_ipv4() == net.is_ipv4() && {
            let p = r.prefix.min(prefix);
            masked(&r.dest, p) == masked(net, p)
        }
    })
}

fn write_sysctl(path: &str, value: &str) -> Result<(), NetworkError> {
    if !Path::new(path).exists() {
        return Ok(());
    }
    std::fs::write(path, value)
        .map_err(|e| NetworkError::Io(format!("cannot set {path} to {value}: {e}")))
}

/// The sysctls libvirt sets for a started network: the bridge's IPv6 (disabled when the
/// network has no IPv6 address, else no router advertisements and no autoconfiguration),
/// and forwarding for the families `nat`/`route` networks forward.
pub fn set_sysctls(def: &Network, br: &str) -> Result<(), NetworkError> {
    let has_v6 = def.ips.iter().any(|i| !i.address.is_ipv4());
    let conf = format!("/proc/sys/net/ipv6/conf/{br}");
    if !has_v6 && !def.ipv6nogw {
        write_sysctl(&format!("{conf}/disable_ipv6"), "1")?;
    } else {
        write_sysctl(&format!("{conf}/disable_ipv6"), "0")?;
        write_sysctl(&format!("{conf}/accept_ra"), "0")?;
        write_sysctl(&format!("{conf}/autoconf"), "0")?;
    }
    if matches!(def.forward.mode, ForwardMode::Nat | ForwardMode::Route) {
        if def.ips.iter().any(|i| i.address.is_ipv4()) {
            write_sysctl("/proc/sys/net/ipv4/ip_forward", "1")?;
        }
        if has_v6 {
            write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_conf::network::parse;

    const ROUTE: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
eth0\t007AA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    #[test]
    fn routes_parse() {
        let r = ipv4_routes_from(ROUTE);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].dest, "192.168.122.0".parse::<IpAddr>().unwrap());
        assert_eq!(r[1].prefix, 24);
        let v6 = ipv6_routes_from(
            "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1\n",
        );
        assert_eq!(v6[0].dest, "fd00::".parse::<IpAddr>().unwrap());
        assert_eq!((v6[0].prefix, v6[0].dev.as_str()), (64, "eth1"));
    }

    #[test]
    fn collision_as_libvirt() {
        let routes = ipv4_routes_from(ROUTE);
        let def = |addr: &str| {
            parse(&format!(
                "<network><name>n</name><bridge name='virbr0'/><ip address='{addr}' prefix='24'/></network>"
            ))
            .unwrap()
        };
        let e = check_route_collision(&def("192.168.122.1"), &routes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: Network is already in use by interface eth0"
        );
        assert!(check_route_collision(&def("192.168.123.1"), &routes).is_ok());
        let net: IpAddr = "192.168.122.0".parse().unwrap();
        assert!(subnet_used(&net, 24, &routes));
        let net: IpAddr = "192.168.123.0".parse().unwrap();
        assert!(!subnet_used(&net, 24, &routes));
    }
}
