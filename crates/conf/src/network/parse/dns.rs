//! The `<dns>` element of a network (forwarders, hosts, TXT and SRV records), read as
//! `virNetworkDNSDefParseXML` does; `net-update` parses single records with the same functions.

use super::*;

pub(super) fn parse_dns(net: &str, d: N<'_, '_>) -> Result<Dns> {
    let mut dns = Dns {
        enable: tristate(d, "enable")?,
        forward_plain_names: tristate(d, "forwardPlainNames")?,
        ..Default::default()
    };
    for f in children(d, "forwarder") {
        let addr = match f.attribute("addr") {
            Some(a) => Some(parse_ip(a).ok_or_else(|| {
                NetError::Xml(format!(
                    "Invalid forwarder IP address '{a}' in network '{net}'"
                ))
            })?),
            None => None,
        };
        let domain = f.attribute("domain").map(str::to_owned);
        if addr.is_none() && domain.is_none() {
            return Err(NetError::Xml(
                "Invalid forwarder element, must contain at least one of addr or domain".into(),
            ));
        }
        dns.forwarders.push(DnsForwarder { domain, addr });
    }
    for h in children(d, "host") {
        dns.hosts.push(parse_dns_host(net, h, false)?);
    }
    for s in children(d, "srv") {
        dns.srvs.push(parse_srv(net, s, false)?);
    }
    for t in children(d, "txt") {
        dns.txts.push(parse_dns_txt(net, t, false)?);
    }
    if dns.enable == Some(false)
        && !(dns.forwarders.is_empty()
            && dns.hosts.is_empty()
            && dns.srvs.is_empty()
            && dns.txts.is_empty())
    {
        return Err(NetError::Xml(format!(
            "Extra data in disabled network '{net}'"
        )));
    }
    Ok(dns)
}

/// `virNetworkDNSHostDefParseXML`; `partial` (a deletion) takes a record with only an
/// address or only names.
pub(crate) fn parse_dns_host(net: &str, h: N<'_, '_>, partial: bool) -> Result<DnsHost> {
    let names: Vec<String> = children(h, "hostname")
        .map(|n| text_of(n).unwrap_or_default())
        .collect();
    if names.iter().any(String::is_empty)
        || (names.is_empty() && !(partial && h.attribute("ip").is_some()))
    {
        return Err(NetError::Detail(format!(
            "Missing hostname in network '{net}' DNS HOST record"
        )));
    }
    let ip = match h.attribute("ip") {
        Some(i) => parse_ip(i).ok_or_else(|| {
            NetError::Detail(format!(
                "Invalid IP address in network '{net}' DNS HOST record"
            ))
        })?,
        None if partial && !names.is_empty() => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        None => {
            return Err(NetError::Detail(format!(
                "Missing IP address in network '{net}' DNS HOST record"
            )))
        }
    };
    Ok(DnsHost {
        ip,
        hostnames: names,
    })
}

/// `virNetworkDNSTxtDefParseXML`; `partial` (a deletion) needs no value.
pub(crate) fn parse_dns_txt(net: &str, t: N<'_, '_>, partial: bool) -> Result<DnsTxt> {
    let name = t.attribute("name").ok_or_else(|| {
        NetError::Detail(format!(
            "missing required name attribute in DNS TXT record of network {net}"
        ))
    })?;
    if name.contains([' ', ',']) {
        return Err(NetError::Detail(format!(
            "prohibited character in DNS TXT record name '{name}' of network {net}"
        )));
    }
    let value = match t.attribute("value") {
        Some(v) => v.to_owned(),
        None if partial => String::new(),
        None => {
            return Err(NetError::Detail(format!(
                "missing required value attribute in DNS TXT record named '{name}' of network {net}"
            )))
        }
    };
    Ok(DnsTxt {
        name: name.to_owned(),
        value,
    })
}

const PROTOCOL_CHARS: &str = "-+/";
const SERVICE_CHARS: &str = "_-+/*";

/// `virNetworkDNSSrvDefParseXML`; `partial` (a deletion): service and protocol may be
/// missing (left empty: they then match any).
pub(crate) fn parse_srv(net: &str, s: N<'_, '_>, partial: bool) -> Result<DnsSrv> {
    let service = match s.attribute("service") {
        Some(v) => v,
        None if partial => "",
        None => {
            return Err(NetError::Detail(format!(
                "missing required service attribute in DNS SRV record of network '{net}'"
            )))
        }
    };
    if service.len() > 15 {
        return Err(NetError::Detail(format!(
            "service attribute '{service}' in network '{net}' is too long, limit is 15 bytes"
        )));
    }
    if !service
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || SERVICE_CHARS.contains(c))
    {
        return Err(NetError::Detail(format!("invalid character in service attribute '{service}' in DNS SRV record of network '{net}'")));
    }
    let protocol = match s.attribute("protocol") {
        Some(v) => v,
        None if partial => "",
        None => {
            return Err(NetError::Detail(format!(
            "missing required protocol attribute in DNS SRV record '{service}' of network '{net}'"
        )))
        }
    };
    if !protocol
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || PROTOCOL_CHARS.contains(c))
    {
        return Err(NetError::Detail(format!("invalid character in protocol attribute '{protocol}' in DNS SRV record of network '{net}'")));
    }
    let domain = s.attribute("domain").map(str::to_owned);
    let target = s.attribute("target").map(str::to_owned);
    let mut srv = DnsSrv {
        service: service.to_owned(),
        protocol: protocol.to_owned(),
        domain,
        target,
        ..Default::default()
    };
    for (name, slot, max, cap) in [
        ("port", 0usize, 65535u64, "invalid"),
        ("priority", 1, 65535, "Invalid"),
        ("weight", 2, 65535, "invalid"),
    ] {
        let Some(v) = s.attribute(name).filter(|v| !v.is_empty()) else {
            continue;
        };
        if srv.target.is_none() {
            return Err(NetError::Detail(format!("DNS SRV {name} attribute not permitted without target for service '{service}' in network '{net}'")));
        }
        let x = parse_u64(v)
            .filter(|x| *x <= max && (name != "port" || *x >= 1))
            .ok_or_else(|| {
                NetError::Detail(format!(
                    "{cap} DNS SRV {name} attribute for service '{service}' in network '{net}'"
                ))
            })?;
        match slot {
            0 => srv.port = x as u32,
            1 => srv.priority = x as u32,
            _ => srv.weight = x as u32,
        }
    }
    Ok(srv)
}
