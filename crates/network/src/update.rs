//! `NETWORK_UPDATE` (`virsh net-update`), as libvirt 9.0's `networkUpdate` and
//! `virNetworkObjUpdate` do it: DHCP hosts and ranges, DNS hosts, portgroups, added first or
//! last, modified or deleted, in the live definition (dnsmasq told at once), the persistent
//! one, or both, with libvirt's errors.

use oxvirt_conf::network::{fragment, IpDef, Network};
use oxvirt_xdr::{Decode, Encode};

use oxvirt_sync::RwLockExt;

use crate::calls::find;
use crate::wire::NonnullNetwork;
use crate::{NetworkDriver, NetworkError};

/// `remote_network_update_args`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct NetworkUpdateArgs {
    pub net: NonnullNetwork,
    pub command: u32,
    pub section: u32,
    pub parent_index: i32,
    #[xdr(max = oxvirt_proto::message::STRING_MAX)]
    pub xml: String,
    pub flags: u32,
}

/// `virNetworkUpdateFlags`.
pub const AFFECT_LIVE: u32 = 1;
pub const AFFECT_CONFIG: u32 = 2;

/// `virNetworkUpdateCommand`.
pub mod command {
    pub const MODIFY: u32 = 1;
    pub const DELETE: u32 = 2;
    pub const ADD_LAST: u32 = 3;
    pub const ADD_FIRST: u32 = 4;
}

/// `virNetworkUpdateSection`.
pub mod section {
    pub const BRIDGE: u32 = 1;
    pub const DOMAIN: u32 = 2;
    pub const IP: u32 = 3;
    pub const IP_DHCP_HOST: u32 = 4;
    pub const IP_DHCP_RANGE: u32 = 5;
    pub const FORWARD: u32 = 6;
    pub const FORWARD_INTERFACE: u32 = 7;
    pub const FORWARD_PF: u32 = 8;
    pub const PORTGROUP: u32 = 9;
    pub const DNS_HOST: u32 = 10;
    pub const DNS_TXT: u32 = 11;
    pub const DNS_SRV: u32 = 12;
}

type Result<T> = std::result::Result<T, NetworkError>;

fn invalid(m: String) -> NetworkError {
    NetworkError::OperationInvalid(m)
}

fn unknown_command(c: u32) -> NetworkError {
    NetworkError::OperationUnsupported(format!("unrecognized network update command code {c}"))
}

fn is_add(c: u32) -> bool {
    c == command::ADD_FIRST || c == command::ADD_LAST
}

fn insert<T>(v: &mut Vec<T>, c: u32, item: T) {
    if c == command::ADD_FIRST {
        v.insert(0, item);
    } else {
        v.push(item);
    }
}

/// `virNetworkIPDefByIndex`: the `<ip>` whose DHCP is updated.
fn ip_index(def: &Network, parent: i32) -> Result<usize> {
    if parent >= 0 {
        let i = usize::try_from(parent).unwrap_or(usize::MAX);
        if i < def.ips.len() {
            return Ok(i);
        }
        return Err(invalid(format!(
            "couldn't update dhcp host entry - no <ip> element found at index {parent} in network '{}'",
            def.name
        )));
    }
    def.ips
        .iter()
        .position(IpDef::has_dhcp)
        .or_else(|| def.ips.iter().position(|i| i.address.is_ipv4()))
        .or_else(|| def.ips.iter().position(|i| !i.address.is_ipv4()))
        .ok_or_else(|| {
            invalid(format!(
                "couldn't update dhcp host entry - no <ip> element found in network '{}'",
                def.name
            ))
        })
}

/// `virNetworkDefUpdateCheckMultiDHCP`.
fn check_multi_dhcp(def: &Network, idx: usize) -> Result<()> {
    let v4 = def.ips[idx].address.is_ipv4();
    let other = def
        .ips
        .iter()
        .enumerate()
        .any(|(i, ip)| i != idx && ip.address.is_ipv4() == v4 && ip.has_dhcp());
    if other {
        return Err(invalid(format!(
            "dhcp is supported only for a single {} address on each network",
            if v4 { "IPv4" } else { "IPv6" }
        )));
    }
    Ok(())
}

fn mac_eq(a: &str, b: &str) -> bool {
    oxvirt_conf::network::parse_mac(a) == oxvirt_conf::network::parse_mac(b)
}

fn or_unknown(s: Option<&str>) -> String {
    s.unwrap_or("unknown").to_owned()
}

fn update_dhcp_host(def: &mut Network, c: u32, parent: i32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    fragment::check_element(&name, xml, "host")?;
    let idx = ip_index(def, parent)?;
    let partial = c == command::DELETE;
    let host = fragment::dhcp_host(&name, &def.ips[idx], xml, partial)?;
    let ipdef = &def.ips[idx];
    if !partial
        && host
            .ip
            .is_some_and(|a| a.is_ipv4() != ipdef.address.is_ipv4())
    {
        return Err(invalid("the address family of a host entry IP must match the address family of the dhcp element's parent".into()));
    }
    let ip_s = host.ip.map(|a| oxvirt_conf::network::format_ip(&a));
    let name_s = host.name.clone().unwrap_or_else(|| "(null)".into());
    let same = |h: &oxvirt_conf::network::DhcpHost| {
        matches!((&host.mac, &h.mac), (Some(a), Some(b)) if mac_eq(a, b))
            || (host.ip.is_some() && host.ip == h.ip)
            || (host.name.is_some() && host.name == h.name)
    };
    match c {
        command::MODIFY => {
            let Some(i) = ipdef.hosts.iter().position(same) else {
                return Err(invalid(format!(
                    "couldn't locate an existing dhcp host entry with \"mac='{}'\" \"name='{name_s}'\" \"ip='{}'\" in network '{name}'",
                    or_unknown(host.mac.as_deref()),
                    or_unknown(ip_s.as_deref())
                )));
            };
            def.ips[idx].hosts[i] = host;
        }
        command::ADD_FIRST | command::ADD_LAST => {
            check_multi_dhcp(def, idx)?;
            if def.ips[idx].hosts.iter().any(same) {
                return Err(invalid(format!(
                    "there is an existing dhcp host entry in network '{name}' that matches \"<host mac='{}' name='{name_s}' ip='{}'/>\"",
                    or_unknown(host.mac.as_deref()),
                    or_unknown(ip_s.as_deref())
                )));
            }
            insert(&mut def.ips[idx].hosts, c, host);
        }
        command::DELETE => {
            let matching = |h: &oxvirt_conf::network::DhcpHost| {
                let mac_ok = match (&host.mac, &h.mac) {
                    (Some(a), Some(b)) => mac_eq(a, b),
                    _ => true,
                };
                mac_ok
                    && (host.name.is_none() || host.name == h.name)
                    && (host.ip.is_none() || host.ip == h.ip)
            };
            let Some(i) = def.ips[idx].hosts.iter().position(matching) else {
                return Err(invalid(format!(
                    "couldn't locate a matching dhcp host entry in network '{name}'"
                )));
            };
            def.ips[idx].hosts.remove(i);
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dhcp_range(def: &mut Network, c: u32, parent: i32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    fragment::check_element(&name, xml, "range")?;
    let idx = ip_index(def, parent)?;
    if c == command::MODIFY {
        return Err(NetworkError::OperationUnsupported(
            "dhcp ranges cannot be modified, only added or deleted".into(),
        ));
    }
    let range = fragment::dhcp_range(&name, &def.ips[idx], xml)?;
    if range.start.is_ipv4() != def.ips[idx].address.is_ipv4() {
        return Err(invalid("the address family of a dhcp range must match the address family of the dhcp element's parent".into()));
    }
    let found = def.ips[idx]
        .ranges
        .iter()
        .position(|r| r.start == range.start && r.end == range.end);
    match c {
        command::ADD_FIRST | command::ADD_LAST => {
            check_multi_dhcp(def, idx)?;
            if found.is_some() {
                return Err(invalid(format!(
                    "there is an existing dhcp range entry in network '{name}' that matches \"<range start='{}' end='{}'/>\"",
                    oxvirt_conf::network::format_ip(&range.start),
                    oxvirt_conf::network::format_ip(&range.end)
                )));
            }
            insert(&mut def.ips[idx].ranges, c, range);
        }
        command::DELETE => {
            let Some(i) = found else {
                return Err(invalid(format!(
                    "couldn't locate a matching dhcp range entry in network '{name}'"
                )));
            };
            def.ips[idx].ranges.remove(i);
        }
        c => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_portgroup(def: &mut Network, c: u32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    fragment::check_element(&name, xml, "portgroup")?;
    let pg = fragment::portgroup(&name, xml)?;
    let found = def.portgroups.iter().position(|p| p.name == pg.name);
    let found_default = def.portgroups.iter().position(|p| p.is_default);
    if found.is_none() && (c == command::MODIFY || c == command::DELETE) {
        return Err(invalid(format!(
            "couldn't find a portgroup entry in network '{name}' matching <portgroup name='{}'>",
            pg.name
        )));
    }
    if found.is_some() && is_add(c) {
        return Err(invalid(format!(
            "there is an existing portgroup entry in network '{name}' that matches \"<portgroup name='{}'>\"",
            pg.name
        )));
    }
    if c != command::DELETE && pg.is_default && found_default.is_some() && found_default != found {
        return Err(invalid(format!(
            "a different portgroup entry in network '{name}' is already set as the default. Only one default is allowed."
        )));
    }
    match (c, found) {
        (command::MODIFY, Some(i)) => def.portgroups[i] = pg,
        (command::ADD_FIRST | command::ADD_LAST, _) => insert(&mut def.portgroups, c, pg),
        (command::DELETE, Some(i)) => {
            def.portgroups.remove(i);
        }
        (c, _) => return Err(unknown_command(c)),
    }
    Ok(())
}

fn update_dns_host(def: &mut Network, c: u32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    if c == command::MODIFY {
        return Err(NetworkError::OperationUnsupported(
            "DNS HOST records cannot be modified, only added or deleted".into(),
        ));
    }
    fragment::check_element(&name, xml, "host")?;
    let add = is_add(c);
    let host = fragment::dns_host(&name, xml, !add)?;
    let matches: Vec<usize> = def
        .dns
        .hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.ip == host.ip || (!add && host.hostnames.iter().any(|n| h.hostnames.contains(n)))
        })
        .map(|(i, _)| i)
        .collect();
    if add {
        if !matches.is_empty() {
            return Err(invalid(format!(
                "there is already at least one DNS HOST record with a matching field in network {name}"
            )));
        }
        insert(&mut def.dns.hosts, c, host);
    } else if c == command::DELETE {
        match matches.as_slice() {
            [] => {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS HOST record in network {name}"
                )))
            }
            [i] => {
                def.dns.hosts.remove(*i);
            }
            _ => {
                return Err(invalid(format!(
                    "multiple matching DNS HOST records were found in network {name}"
                )))
            }
        }
    } else {
        return Err(unknown_command(c));
    }
    Ok(())
}

fn update_dns_txt(def: &mut Network, c: u32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    if c == command::MODIFY {
        return Err(NetworkError::OperationUnsupported(
            "DNS TXT records cannot be modified, only added or deleted".into(),
        ));
    }
    fragment::check_element(&name, xml, "txt")?;
    let add = is_add(c);
    let txt = fragment::dns_txt(&name, xml, !add)?;
    let found = def.dns.txts.iter().position(|t| t.name == txt.name);
    if add {
        if found.is_some() {
            return Err(invalid(format!(
                "there is already a DNS TXT record with name '{}' in network {name}",
                txt.name
            )));
        }
        insert(&mut def.dns.txts, c, txt);
    } else if c == command::DELETE {
        let Some(i) = found else {
            return Err(invalid(format!(
                "couldn't locate a matching DNS TXT record in network {name}"
            )));
        };
        def.dns.txts.remove(i);
    } else {
        return Err(unknown_command(c));
    }
    Ok(())
}

fn update_dns_srv(def: &mut Network, c: u32, xml: &str) -> Result<()> {
    let name = def.name.clone();
    if c == command::MODIFY {
        return Err(NetworkError::OperationUnsupported(
            "DNS SRV records cannot be modified, only added or deleted".into(),
        ));
    }
    fragment::check_element(&name, xml, "srv")?;
    let add = is_add(c);
    let srv = fragment::dns_srv(&name, xml, !add)?;
    let field = |want: &str, have: &str| want.is_empty() || want == have;
    let opt = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
    let found: Vec<usize> = def
        .dns
        .srvs
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            opt(&srv.domain, &s.domain)
                && field(&srv.service, &s.service)
                && field(&srv.protocol, &s.protocol)
                && opt(&srv.target, &s.target)
        })
        .map(|(i, _)| i)
        .collect();
    if add {
        if !found.is_empty() {
            return Err(invalid(format!(
                "there is already at least one DNS SRV record matching all specified fields in network {name}"
            )));
        }
        insert(&mut def.dns.srvs, c, srv);
    } else if c == command::DELETE {
        match found.as_slice() {
            [] => {
                return Err(invalid(format!(
                    "couldn't locate a matching DNS SRV record in network {name}"
                )))
            }
            [i] => {
                def.dns.srvs.remove(*i);
            }
            _ => {
                return Err(invalid(format!(
                    "multiple DNS SRV records matching all specified fields were found in network {name}"
                )))
            }
        }
    } else {
        return Err(unknown_command(c));
    }
    Ok(())
}

fn update_forward_interface(def: &mut Network, c: u32, xml: &str) -> Result<()> {
    use oxvirt_conf::network::ForwardIf;
    let name = def.name.clone();
    fragment::check_element(&name, xml, "interface")?;
    if c == command::MODIFY {
        return Err(NetworkError::OperationUnsupported(
            "forward interface entries cannot be modified, only added or deleted".into(),
        ));
    }
    let dev = fragment::forward_interface(&name, xml)?;
    let found = def
        .forward
        .ifs
        .iter()
        .position(|i| matches!(i, ForwardIf::Netdev { dev: d, .. } if *d == dev));
    if is_add(c) {
        if found.is_some() {
            return Err(invalid(format!(
                "there is an existing interface entry in network '{name}' that matches \"<interface dev='{dev}'>\""
            )));
        }
        insert(
            &mut def.forward.ifs,
            c,
            ForwardIf::Netdev {
                dev,
                connections: 0,
            },
        );
    } else if c == command::DELETE {
        let Some(i) = found else {
            return Err(invalid(format!(
                "couldn't find an interface entry in network '{name}' matching <interface dev='{dev}'>"
            )));
        };
        if let ForwardIf::Netdev { connections, .. } = &def.forward.ifs[i] {
            if *connections > 0 {
                return Err(invalid(format!(
                    "unable to delete interface '{dev}' in network '{name}'. It is currently being used by {connections} domains."
                )));
            }
        }
        def.forward.ifs.remove(i);
    } else {
        return Err(unknown_command(c));
    }
    Ok(())
}

/// `virNetworkDefUpdateSection`, then the checks a definition gets when it is read (libvirt
/// copies the updated definition through its parser).
pub fn apply(def: &mut Network, c: u32, s: u32, parent: i32, xml: &str) -> Result<()> {
    apply_section(def, c, s, parent, xml)?;
    oxvirt_conf::network::parse(
        &def.format(oxvirt_conf::network::FormatFlags { inactive: false }),
    )?;
    Ok(())
}

fn apply_section(def: &mut Network, c: u32, s: u32, parent: i32, xml: &str) -> Result<()> {
    // the document is read before anything else is looked at
    oxvirt_conf::network::fragment::check_element(&def.name, xml, "").or_else(|e| match e {
        oxvirt_conf::network::NetError::Xml(_) => Ok(()),
        e => Err(e),
    })?;
    let no_support = |what: &str| {
        NetworkError::OperationUnsupported(format!(
            "can't update '{what}' section of network '{}'",
            def.name
        ))
    };
    match s {
        section::BRIDGE => Err(no_support("bridge")),
        section::DOMAIN => Err(no_support("domain")),
        section::IP => Err(no_support("ip")),
        section::FORWARD => Err(no_support("forward")),
        section::FORWARD_PF => Err(no_support("forward pf")),
        section::IP_DHCP_HOST => update_dhcp_host(def, c, parent, xml),
        section::IP_DHCP_RANGE => update_dhcp_range(def, c, parent, xml),
        section::PORTGROUP => update_portgroup(def, c, xml),
        section::DNS_HOST => update_dns_host(def, c, xml),
        section::DNS_TXT => update_dns_txt(def, c, xml),
        section::FORWARD_INTERFACE => update_forward_interface(def, c, xml),
        section::DNS_SRV => update_dns_srv(def, c, xml),
        _ => Err(NetworkError::OperationUnsupported(
            "can't update unrecognized section of network".into(),
        )),
    }
}

/// `networkUpdate`.
pub fn network_update(d: &NetworkDriver, a: NetworkUpdateArgs) -> Result<()> {
    if a.flags & !(AFFECT_LIVE | AFFECT_CONFIG) != 0 {
        return Err(NetworkError::InvalidArg(format!(
            "networkUpdate: unsupported flags (0x{:x})",
            a.flags & !(AFFECT_LIVE | AFFECT_CONFIG)
        )));
    }
    let mut reg = d.registry.write_locked();
    let o = find(&reg, &a.net)?;
    let mut flags = a.flags;
    if flags & (AFFECT_LIVE | AFFECT_CONFIG) == 0 {
        flags |= if o.active { AFFECT_LIVE } else { AFFECT_CONFIG };
    }
    if flags & AFFECT_LIVE != 0 && !o.active {
        return Err(invalid("network is not running".into()));
    }
    if flags & AFFECT_CONFIG != 0 && !o.persistent {
        return Err(invalid(
            "cannot change persistent config of a transient network".into(),
        ));
    }
    let live = if flags & AFFECT_LIVE != 0 {
        let mut def = o.def.clone();
        apply(&mut def, a.command, a.section, a.parent_index, &a.xml)?;
        Some(def)
    } else {
        None
    };
    let config = if flags & AFFECT_CONFIG != 0 {
        let mut def = o.persistent_def().clone();
        apply(&mut def, a.command, a.section, a.parent_index, &a.xml)?;
        Some(def)
    } else {
        None
    };
    let name = o.def.name.clone();
    let active = o.active;
    if let Some(c) = &config {
        reg.save_config(c)?;
    }
    if let Some(l) = &live {
        reg.save_status(l)?;
    }
    let Some(o) = reg.get_mut(&name) else {
        return Ok(());
    };
    if let Some(c) = config {
        if active {
            o.new_def = Some(c);
        } else {
            o.def = c;
        }
    }
    if let Some(l) = live {
        // the persistent definition stays what it was (libvirt keeps it apart while active)
        if o.persistent && o.new_def.is_none() {
            o.new_def = Some(o.def.clone());
        }
        o.def = l;
        let def = o.def.clone();
        drop(reg);
        // dnsmasq reads its hosts again (SIGHUP); a change of ranges needs a new dnsmasq
        if a.section == section::IP_DHCP_RANGE {
            d.plumbing.restart_dnsmasq(&def)?;
        } else if matches!(a.section, section::IP_DHCP_HOST | section::DNS_HOST) {
            d.plumbing.refresh_dnsmasq(&def)?;
        } else if matches!(a.section, section::DNS_TXT | section::DNS_SRV) {
            // TXT and SRV records are in dnsmasq's configuration file, read at start only
            d.plumbing.restart_dnsmasq(&def)?;
        }
    }
    Ok(())
}
