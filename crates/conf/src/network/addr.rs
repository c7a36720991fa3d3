//! IP and MAC addresses as libvirt's `virSocketAddr` and `virMacAddr` read and print them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parse an address as `getaddrinfo(AI_NUMERICHOST)` does: IPv4 in `inet_aton`'s forms (`a`,
/// `a.b`, `a.b.c`, `a.b.c.d`, each part decimal, octal or hexadecimal) or IPv6.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        let s = s.split('%').next().unwrap_or(s);
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    parse_inet_aton(s).map(IpAddr::V4)
}

fn parse_inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        vals.push(parse_c_number(p)?);
    }
    let last = *vals.last()?;
    let n = vals.len();
    let mut out: u32 = 0;
    for (i, v) in vals.iter().take(n - 1).enumerate() {
        if *v > 255 {
            return None;
        }
        out |= (*v as u32) << (24 - 8 * i);
    }
    let room = 32 - 8 * (n as u32 - 1);
    if room < 32 && last >= (1u64 << room) || last > u32::MAX as u64 {
        return None;
    }
    out |= last as u32;
    Some(Ipv4Addr::from(out))
}

fn parse_c_number(p: &str) -> Option<u64> {
    if p.is_empty() {
        return None;
    }
    if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        if h.is_empty() {
            return Some(0);
        }
        return u64::from_str_radix(h, 16).ok();
    }
    if p.len() > 1 && p.starts_with('0') {
        return u64::from_str_radix(&p[1..], 8).ok();
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

/// An address as `virSocketAddrFormat` prints it (glibc's `inet_ntop`).
pub fn format_ip(a: &IpAddr) -> String {
    a.to_string()
}

/// The number of leading one bits of a netmask, if it is a valid netmask.
pub(crate) fn netmask_bits(m: &IpAddr) -> Option<u32> {
    let bits: u128 = match m {
        IpAddr::V4(v) => (u32::from(*v) as u128) << 96,
        IpAddr::V6(v) => u128::from(*v),
    };
    let ones = bits.leading_ones();
    let total = if m.is_ipv4() { 32 } else { 128 };
    // the rest must be zero
    if ones < 128 && (bits << ones) != 0 {
        return None;
    }
    Some(ones.min(total))
}

/// `virSocketAddrGetIPPrefix`: the prefix given, else the netmask's, else the natural one.
pub fn ip_prefix(addr: &IpAddr, netmask: Option<&IpAddr>, prefix: u32) -> Option<u32> {
    if prefix > 0 {
        return Some(prefix);
    }
    if let Some(m) = netmask {
        return netmask_bits(m);
    }
    match addr {
        IpAddr::V4(v) => {
            let octet = v.octets()[0];
            if octet & 0x80 == 0 {
                Some(8)
            } else if octet & 0xC0 == 0x80 {
                Some(16)
            } else if octet & 0xE0 == 0xC0 {
                Some(24)
            } else {
                None
            }
        }
        IpAddr::V6(_) => Some(64),
    }
}

fn as_u128(a: &IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u32::from(*v) as u128,
        IpAddr::V6(v) => u128::from(*v),
    }
}

/// Whether `a` is in `net`/`prefix`.
pub fn in_network(a: &IpAddr, net: &IpAddr, prefix: u32) -> bool {
    if a.is_ipv4() != net.is_ipv4() {
        return false;
    }
    let width = if a.is_ipv4() { 32 } else { 128 };
    if prefix == 0 {
        return true;
    }
    if prefix > width {
        return false;
    }
    let shift = width - prefix;
    (as_u128(a) >> shift) == (as_u128(net) >> shift)
}

/// `virSocketAddrGetRange` with a network: the size of the range, or libvirt's error text.
pub fn check_range(
    start: &IpAddr,
    end: &IpAddr,
    net: Option<(&IpAddr, u32)>,
) -> std::result::Result<u128, String> {
    let s = format_ip(start);
    let e = format_ip(end);
    if start.is_ipv4() != end.is_ipv4() {
        return Err(format!("mismatch of address family in range {s} - {e}"));
    }
    if let Some((n, p)) = net {
        if !in_network(start, n, p) || !in_network(end, n, p) {
            return Err(format!(
                "range {s} - {e} is not entirely within network {}/{p}",
                format_ip(n)
            ));
        }
    }
    let (a, b) = (as_u128(start), as_u128(end));
    if b < a {
        return Err(format!("range {s} - {e} is reversed "));
    }
    Ok(b - a + 1)
}

/// `virMacAddrParse`: six groups of one or two hexadecimal digits separated by `:`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (m, p) in mac.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *m = u8::from_str_radix(p, 16).ok()?;
    }
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms() {
        assert_eq!(
            parse_ip("8.8.8").map(|a| a.to_string()).as_deref(),
            Some("8.8.0.8")
        );
        assert_eq!(
            parse_ip("10").map(|a| a.to_string()).as_deref(),
            Some("0.0.0.10")
        );
        assert_eq!(
            parse_ip("0x0a.010.0.1").map(|a| a.to_string()).as_deref(),
            Some("10.8.0.1")
        );
        assert_eq!(parse_ip("10.0.0.300"), None);
        assert_eq!(parse_ip("10.0.0.1 "), None);
        assert_eq!(
            parse_ip("FD00:30:0::1").map(|a| a.to_string()).as_deref(),
            Some("fd00:30::1")
        );
    }

    #[test]
    fn ranges() {
        let n = parse_ip("10.0.0.1").unwrap();
        let a = parse_ip("10.0.0.2").unwrap();
        let b = parse_ip("10.0.0.20").unwrap();
        assert_eq!(check_range(&a, &b, Some((&n, 24))), Ok(19));
        assert_eq!(
            check_range(&b, &a, Some((&n, 24))),
            Err("range 10.0.0.20 - 10.0.0.2 is reversed ".into())
        );
        let c = parse_ip("10.0.1.2").unwrap();
        assert!(check_range(&a, &c, Some((&n, 24))).is_err());
        assert_eq!(netmask_bits(&parse_ip("255.255.255.0").unwrap()), Some(24));
        assert_eq!(netmask_bits(&parse_ip("255.0.255.0").unwrap()), None);
        assert_eq!(
            ip_prefix(&parse_ip("172.16.5.1").unwrap(), None, 0),
            Some(16)
        );
    }
}
