//! Reading a `<network>` document as `virNetworkDefParseXML` (libvirt 9.0) does, in its order,
//! so the first error reported is libvirt's.

use super::addr::{check_range, format_ip, parse_ip, parse_mac};
use super::error::{from_conf, NetError, Result};
use super::*;
use roxmltree::Node;

type N<'a, 'i> = Node<'a, 'i>;

mod dns;
use dns::parse_dns;
pub(crate) use dns::{parse_dns_host, parse_dns_txt, parse_srv};

fn child<'a, 'i>(n: N<'a, 'i>, name: &str) -> Option<N<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

fn children<'a, 'i>(n: N<'a, 'i>, name: &'a str) -> impl Iterator<Item = N<'a, 'i>> + 'a {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// XPath's `string(./x)`: the text of the element, `None` when missing or empty.
fn text_of(n: N<'_, '_>) -> Option<String> {
    let t: String = n
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    (!t.is_empty()).then_some(t)
}

/// XPath's `string(./@a)`: `None` when missing or empty.
fn attr(n: N<'_, '_>, name: &str) -> Option<String> {
    n.attribute(name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `virXMLPropTristateBool`.
fn tristate(n: N<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(NetError::XmlGeneric(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'.",
            n.tag_name().name()
        ))),
    }
}

/// `virStrToLong_ui`-style unsigned parsing (decimal only, as libvirt's base-10 helpers).
fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a network definition (`virNetworkDefParse`): the document must be well-formed with a
/// `<network>` root. A missing `<uuid>` is generated.
pub fn parse(xml: &str) -> Result<Network> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| from_conf(crate::libxml::malformed(xml, &e), "(network_definition)"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "network" {
        return Err(NetError::XmlGeneric(format!(
            "expecting root element of 'network', not '{}'",
            root.tag_name().name()
        )));
    }
    parse_root(root)
}

fn parse_root(root: N<'_, '_>) -> Result<Network> {
    let mut def = Network {
        stp: true,
        ..Default::default()
    };
    def.name = child(root, "name")
        .and_then(text_of)
        .ok_or(NetError::NoName)?;
    if def.name.contains('/') {
        return Err(NetError::DetailGeneric("invalid char in name: /".into()));
    }
    match child(root, "uuid").and_then(text_of) {
        None => {
            def.uuid = crate::domain::random_uuid()
                .map_err(|_| NetError::Internal("Failed to generate UUID".into()))?
        }
        Some(u) => {
            def.uuid = crate::domain::parse_uuid(&u)
                .ok_or_else(|| NetError::Internal("malformed uuid element".into()))?;
            def.uuid_specified = true;
        }
    }
    if let Some(v) = attr(root, "ipv6") {
        def.ipv6nogw = match v.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                return Err(NetError::Xml(format!(
                    "Invalid ipv6 setting '{v}' in network '{}'",
                    def.name
                )))
            }
        };
    }
    def.trust_guest_rx_filters = tristate(root, "trustGuestRxFilters")?;
    if let Some(d) = child(root, "domain") {
        let local_only = tristate(d, "localOnly")?;
        if let Some(name) = d.attribute("name") {
            def.domain = Some(DomainName {
                name: name.to_owned(),
                local_only,
            });
        }
    }
    if let Some(b) = child(root, "bandwidth") {
        def.bandwidth = Some(parse_bandwidth(b, false)?);
    }
    if let Some(v) = child(root, "vlan") {
        def.vlan = parse_vlan(v)?;
    }
    if let Some(p) = child(root, "port") {
        def.isolated_port = tristate(p, "isolated")?;
    }
    if let Some(b) = child(root, "bridge") {
        def.bridge = attr(b, "name");
        def.bridge_zone = attr(b, "zone");
        let stp = attr(b, "stp");
        def.stp_given = stp.is_some();
        def.stp = stp.as_deref() != Some("off");
        if let Some(d) = attr(b, "delay") {
            def.delay = parse_u64(&d).ok_or_else(|| {
                NetError::Xml(format!("Invalid delay value in network '{}'", def.name))
            })?;
        }
        if let Some(m) = attr(b, "macTableManager") {
            def.mac_table_manager = Some(match m.as_str() {
                "kernel" => MacTableManager::Kernel,
                "libvirt" => MacTableManager::Libvirt,
                _ => {
                    return Err(NetError::Xml(format!(
                        "Invalid macTableManager setting '{m}' in network '{}'",
                        def.name
                    )))
                }
            });
        }
    }
    if let Some(m) = child(root, "mac").and_then(|m| attr(m, "address")) {
        let mac = parse_mac(&m).ok_or_else(|| {
            NetError::Xml(format!(
                "Invalid bridge mac address '{m}' in network '{}'",
                def.name
            ))
        })?;
        if mac[0] & 1 == 1 {
            return Err(NetError::Xml(format!(
                "Invalid multicast bridge mac address '{m}' in network '{}'",
                def.name
            )));
        }
        def.mac = Some(mac);
    }
    if let Some(m) = child(root, "mtu").and_then(|m| attr(m, "size")) {
        def.mtu = parse_u64(&m)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                NetError::Xml(format!("Invalid mtu size '{m}' in network '{}'", def.name))
            })?;
    }
    if let Some(d) = child(root, "dns") {
        def.dns = parse_dns(&def.name, d)?;
    }
    if let Some(v) = child(root, "virtualport") {
        def.virtualport = Some(parse_virtualport(v, true)?);
    }
    for pg in children(root, "portgroup") {
        def.portgroups.push(parse_portgroup(pg)?);
    }
    for ip in children(root, "ip") {
        def.ips.push(parse_ip_def(&def.name, ip)?);
    }
    for r in children(root, "route") {
        def.routes.push(parse_route(&def.name, r)?);
    }
    check_route_gateways(&def)?;
    if let Some(f) = child(root, "forward") {
        def.forward = parse_forward(&def.name, f)?;
    }
    check_forward_mode(&def)?;
    if let Some(m) = child(root, "metadata") {
        def.metadata =
            Some(crate::domain::parse_metadata(m).map_err(|e| NetError::Unsupported(e.detail()))?);
    }
    if let Some(opts) = root.children().find(|c| {
        c.is_element()
            && c.tag_name().name() == "options"
            && c.tag_name().namespace() == Some(DNSMASQ_NS)
    }) {
        for o in opts.children().filter(|c| {
            c.is_element()
                && c.tag_name().name() == "option"
                && c.tag_name().namespace() == Some(DNSMASQ_NS)
        }) {
            match o.attribute("value") {
                Some(v) => def.dnsmasq_options.push(v.to_owned()),
                None => return Err(NetError::Xml("No dnsmasq options value specified".into())),
            }
        }
    }
    Ok(def)
}

fn check_route_gateways(def: &Network) -> Result<()> {
    for r in &def.routes {
        let reachable = def.ips.iter().any(|ip| {
            ip.address.is_ipv4() == r.gateway.is_ipv4()
                && ip
                    .effective_prefix()
                    .is_some_and(|p| in_network(&r.gateway, &ip.address, p))
        });
        if !reachable {
            return Err(NetError::Unsupported(format!(
                "unreachable static route gateway '{}' specified for network '{}'",
                format_ip(&r.gateway),
                def.name
            )));
        }
    }
    Ok(())
}

fn check_forward_mode(def: &Network) -> Result<()> {
    let mode = def.forward.mode;
    let m = mode.as_str();
    let name = &def.name;
    match mode {
        ForwardMode::None => {}
        ForwardMode::Route | ForwardMode::Nat => {
            if def.ips.is_empty() {
                return Err(NetError::Xml(format!(
                    "{m} forwarding requested, but no IP address provided for network '{name}'"
                )));
            }
            if def.forward.ifs.len() > 1 {
                return Err(NetError::Xml(format!("multiple forwarding interfaces specified for network '{name}', only one is supported")));
            }
        }
        ForwardMode::Open => {
            if !def.forward.ifs.is_empty() {
                return Err(NetError::Xml(format!(
                    "forward dev not allowed for network '{name}' with forward mode='{m}'"
                )));
            }
        }
        ForwardMode::Private
        | ForwardMode::Vepa
        | ForwardMode::Passthrough
        | ForwardMode::Hostdev
        | ForwardMode::Bridge => {
            if mode != ForwardMode::Bridge {
                if def.bridge.is_some() {
                    return Err(NetError::Xml(format!(
                        "bridge name not allowed in {m} mode (network '{name}')"
                    )));
                }
                if def.bridge_zone.is_some() {
                    return Err(NetError::Xml(format!(
                        "bridge zone not allowed in {m} mode (network '{name}')"
                    )));
                }
                if def.mac_table_manager.is_some() {
                    return Err(NetError::Xml(format!(
                        "bridge macTableManager setting not allowed in {m} mode (network '{name}')"
                    )));
                }
            }
            if def.delay != 0 || def.stp_given || def.bridge_zone.is_some() {
                return Err(NetError::Xml(format!("bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in {m} (network '{name}')")));
            }
            if def.bridge.is_some() && (!def.forward.ifs.is_empty() || def.forward.pf.is_some()) {
                return Err(NetError::Xml(format!("A network with forward mode='{m}' can specify a bridge name or a forward dev, but not both (network '{name}')")));
            }
        }
    }
    if def.mtu != 0 && !mode.is_l3() {
        return Err(NetError::Xml(format!(
            "mtu size only allowed in open, route, nat, and isolated mode, not in {m} (network '{name}')"
        )));
    }
    Ok(())
}

fn parse_lease(n: N<'_, '_>) -> Result<Option<Lease>> {
    let Some(e) = n.attribute("expiry") else {
        return Ok(None);
    };
    let expiry = parse_u64(e).ok_or_else(|| {
        NetError::XmlGeneric(format!(
            "Invalid value for attribute 'expiry' in element 'lease': '{e}'. Expected non-negative integer value"
        ))
    })?;
    let unit = match n.attribute("unit") {
        None | Some("minutes") => LeaseUnit::Minutes,
        Some("seconds") => LeaseUnit::Seconds,
        Some("hours") => LeaseUnit::Hours,
        Some(u) => {
            return Err(NetError::XmlGeneric(format!(
                "Invalid value for attribute 'unit' in element 'lease': '{u}'."
            )))
        }
    };
    if expiry > 0
        && ((unit == LeaseUnit::Seconds && expiry < 120)
            || (unit == LeaseUnit::Minutes && expiry < 2))
    {
        return Err(NetError::Unsupported(
            "The minimum lease time should be greater than 2 minutes".into(),
        ));
    }
    Ok(Some(Lease { expiry, unit }))
}

fn addr_or(s: &str) -> Result<IpAddr> {
    parse_ip(s).ok_or_else(|| {
        NetError::SystemUtil(format!(
            "Cannot parse socket address '{s}': Name or service not known"
        ))
    })
}

fn parse_dhcp(net: &str, ip: &mut IpDef, d: N<'_, '_>) -> Result<()> {
    for r in children(d, "range") {
        let range = parse_range(net, ip, r)?;
        ip.ranges.push(range);
    }
    for h in children(d, "host") {
        ip.hosts.push(parse_dhcp_host(net, ip, h)?);
    }
    if let Some(b) = child(d, "bootp") {
        if ip.address.is_ipv4() {
            if let Some(file) = b.attribute("file") {
                ip.bootp_file = Some(file.to_owned());
                if let Some(s) = b.attribute("server") {
                    ip.bootp_server = Some(addr_or(s)?);
                }
            }
        }
    }
    Ok(())
}

/// `virNetworkDHCPRangeDefParseXML`: one `<range>` of `ip`.
pub(crate) fn parse_range(net: &str, ip: &IpDef, r: N<'_, '_>) -> Result<DhcpRange> {
    let prefix = ip.effective_prefix().unwrap_or(0);
    let start = r.attribute("start").ok_or_else(|| {
        NetError::Xml(format!(
            "Missing 'start' attribute in dhcp range for network '{net}'"
        ))
    })?;
    let start = addr_or(start)?;
    let end = r.attribute("end").ok_or_else(|| {
        NetError::Xml(format!(
            "Missing 'end' attribute in dhcp range for network '{net}'"
        ))
    })?;
    let end = addr_or(end)?;
    check_range(&start, &end, Some((&ip.address, prefix))).map_err(NetError::InternalUtil)?;
    let lease = match child(r, "lease") {
        Some(l) => parse_lease(l)?,
        None => None,
    };
    Ok(DhcpRange { start, end, lease })
}

/// `virNetworkDHCPHostDefParseXML` (not partial: the form of a definition).
pub(crate) fn parse_dhcp_host(net: &str, ip: &IpDef, h: N<'_, '_>) -> Result<DhcpHost> {
    let v6 = ip.address.is_ipv6();
    let mac = h.attribute("mac").map(str::to_owned);
    if let Some(m) = &mac {
        if v6 {
            return Err(NetError::Xml(format!("Invalid to specify MAC address '{m}' in network '{net}' IPv6 static host definition")));
        }
        let bytes = parse_mac(m).ok_or_else(|| {
            NetError::Xml(format!("Cannot parse MAC address '{m}' in network '{net}'"))
        })?;
        if bytes[0] & 1 == 1 {
            return Err(NetError::Xml(format!(
                "expected unicast mac address, found multicast '{m}' in network '{net}'"
            )));
        }
    }
    let id = h.attribute("id").map(str::to_owned);
    if let Some(id) = &id {
        if let Some(c) = id.chars().find(|c| !(c.is_ascii_hexdigit() || *c == ':')) {
            return Err(NetError::Xml(format!(
                "Invalid character '{c}' in id '{id}' of network '{net}'"
            )));
        }
    }
    let name = h.attribute("name").map(str::to_owned);
    if let Some(n) = &name {
        if !n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(NetError::Xml(format!(
                "Cannot use host name '{n}' in network '{net}'"
            )));
        }
    }
    let ipaddr = match h.attribute("ip") {
        Some(s) => Some(parse_ip(s).ok_or_else(|| {
            NetError::Xml(format!(
                "Invalid IP address in static host definition for network '{net}'"
            ))
        })?),
        None => None,
    };
    if v6 {
        if id.is_none() && name.is_none() {
            return Err(NetError::Xml(format!(
                "Static host definition in IPv6 network '{net}' must have id or name attribute"
            )));
        }
    } else if mac.is_none() && name.is_none() {
        return Err(NetError::Xml(format!(
            "Static host definition in IPv4 network '{net}' must have mac or name attribute"
        )));
    }
    if ipaddr.is_none() {
        return Err(NetError::Xml(format!(
            "Missing IP address in static host definition for network '{net}'"
        )));
    }
    let lease = match child(h, "lease") {
        Some(l) => parse_lease(l)?,
        None => None,
    };
    Ok(DhcpHost {
        mac,
        id,
        name,
        ip: ipaddr,
        lease,
    })
}

fn parse_ip_def(net: &str, n: N<'_, '_>) -> Result<IpDef> {
    let family = attr(n, "family");
    let address = attr(n, "address").ok_or_else(|| {
        NetError::Xml(format!(
            "Missing required address attribute in network '{net}'"
        ))
    })?;
    let addr = parse_ip(&address)
        .ok_or_else(|| NetError::Xml(format!("Invalid address '{address}' in network '{net}'")))?;
    let netmask_s = attr(n, "netmask");
    let netmask =
        match &netmask_s {
            Some(m) => Some(parse_ip(m).ok_or_else(|| {
                NetError::Xml(format!("Invalid netmask '{m}' in network '{net}'"))
            })?),
            None => None,
        };
    let prefix = match n.attribute("prefix") {
        None => 0,
        Some(p) => parse_u64(p)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                NetError::XmlGeneric(format!(
                    "Invalid value for attribute 'prefix' in element 'ip': '{p}'. Expected non-negative integer value"
                ))
            })?,
    };
    let local_ptr = tristate(n, "localPtr")?;
    match family.as_deref() {
        None | Some("ipv4") => {
            if !addr.is_ipv4() {
                return Err(NetError::Unsupported(format!(
                    "{} family specified for non-IPv4 address '{address}' in network '{net}'",
                    if family.is_none() { "no" } else { "ipv4" }
                )));
            }
            if let Some(m) = &netmask {
                if !m.is_ipv4() {
                    return Err(NetError::Unsupported(format!("Invalid netmask '{}' for address '{address}' in network '{net}' (both must be IPv4)", netmask_s.unwrap_or_default())));
                }
                if prefix > 0 {
                    return Err(NetError::Unsupported(format!(
                        "Network '{net}' IP address cannot have both a prefix and a netmask"
                    )));
                }
            } else if prefix > 32 {
                return Err(NetError::Unsupported(format!(
                    "Invalid IPv4 prefix '{prefix}' in network '{net}'"
                )));
            }
        }
        Some("ipv6") => {
            if !addr.is_ipv6() {
                return Err(NetError::Unsupported(format!(
                    "Family 'ipv6' specified for non-IPv6 address '{address}' in network '{net}'"
                )));
            }
            if netmask.is_some() {
                return Err(NetError::Unsupported(format!(
                    "netmask not allowed for IPv6 address '{address}' in network '{net}'"
                )));
            }
            if prefix > 128 {
                return Err(NetError::Unsupported(format!(
                    "Invalid IPv6 prefix '{prefix}' in network '{net}'"
                )));
            }
        }
        Some(f) => {
            return Err(NetError::Xml(format!(
                "Unrecognized family '{f}' in network '{net}'"
            )))
        }
    }
    let mut ip = IpDef {
        family,
        address: addr,
        netmask,
        prefix,
        local_ptr,
        ranges: Vec::new(),
        hosts: Vec::new(),
        tftp_root: None,
        bootp_file: None,
        bootp_server: None,
    };
    if let Some(d) = child(n, "dhcp") {
        parse_dhcp(net, &mut ip, d)?;
    }
    if let Some(t) = child(n, "tftp") {
        if !ip.address.is_ipv4() {
            return Err(NetError::Unsupported(format!(
                "Unsupported <tftp> element in an IPv6 element in network '{net}'"
            )));
        }
        ip.tftp_root = attr(t, "root");
    }
    Ok(ip)
}

fn parse_route(net: &str, n: N<'_, '_>) -> Result<Route> {
    let family = attr(n, "family");
    let address_s = attr(n, "address").ok_or_else(|| {
        NetError::Xml(format!(
            "{net}: Missing required address attribute in route definition"
        ))
    })?;
    let gateway_s = attr(n, "gateway").ok_or_else(|| {
        NetError::Xml(format!(
            "{net}: Missing required gateway attribute in route definition"
        ))
    })?;
    let address = parse_ip(&address_s).ok_or_else(|| {
        NetError::Xml(format!(
            "{net}: Bad network address '{address_s}' in route definition"
        ))
    })?;
    let gateway = parse_ip(&gateway_s).ok_or_else(|| {
        NetError::Xml(format!(
            "{net}: Bad gateway address '{gateway_s}' in route definition"
        ))
    })?;
    let netmask = match attr(n, "netmask") {
        Some(m) => Some(parse_ip(&m).ok_or_else(|| {
            NetError::Xml(format!(
                "{net}: Bad netmask address '{m}' in route definition"
            ))
        })?),
        None => None,
    };
    let num = |name: &str, nonzero: bool| -> Result<Option<u32>> {
        match n.attribute(name) {
            None => Ok(None),
            Some(v) => {
                let x = parse_u64(v).and_then(|x| u32::try_from(x).ok()).ok_or_else(|| {
                    NetError::XmlGeneric(format!("Invalid value for attribute '{name}' in element 'route': '{v}'. Expected non-negative integer value"))
                })?;
                if nonzero && x == 0 {
                    return Err(NetError::XmlGeneric(format!(
                        "Invalid value for attribute '{name}' in element 'route': Zero is not permitted"
                    )));
                }
                Ok(Some(x))
            }
        }
    };
    let prefix = num("prefix", false)?;
    let metric = num("metric", true)?;
    Ok(Route {
        family,
        address,
        netmask,
        prefix,
        gateway,
        metric,
    })
}

fn parse_forward(net: &str, f: N<'_, '_>) -> Result<Forward> {
    let mode = match attr(f, "mode") {
        None => ForwardMode::Nat,
        Some(m) => ForwardMode::from_name(&m)
            .ok_or_else(|| NetError::Unsupported(format!("unknown forwarding type '{m}'")))?,
    };
    let mut fwd = Forward {
        mode,
        ..Default::default()
    };
    fwd.managed = attr(f, "managed").is_some_and(|m| m.eq_ignore_ascii_case("yes"));
    if let Some(d) = child(f, "driver") {
        fwd.driver = d.attribute("name").map(str::to_owned);
    }
    let ifs: Vec<_> = children(f, "interface").collect();
    let addrs: Vec<_> = children(f, "address").collect();
    let pfs: Vec<_> = children(f, "pf").collect();
    let nats: Vec<_> = children(f, "nat").collect();
    if nats.len() > 1 {
        return Err(NetError::Xml(format!(
            "Only one <nat> element is allowed in <forward> of network {net}"
        )));
    }
    if let Some(n) = nats.first() {
        fwd.nat = parse_nat(net, fwd.mode, *n)?;
    }
    let dev = attr(f, "dev");
    if dev.is_some() && (!addrs.is_empty() || !pfs.is_empty()) {
        return Err(NetError::Xml(format!("the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network {net}")));
    }
    if !ifs.is_empty() || dev.is_some() {
        let mut devs: Vec<String> = Vec::new();
        if let Some(d) = &dev {
            devs.push(d.clone());
        }
        for (i, n) in ifs.iter().enumerate() {
            let d = n.attribute("dev").ok_or_else(|| {
                NetError::Xml(format!(
                    "Missing required dev attribute in <forward> <interface> element of network {net}"
                ))
            })?;
            if i == 0 && dev.is_some() {
                if Some(d) != dev.as_deref() {
                    return Err(NetError::Xml(format!(
                        "<forward dev='{}'> must match first <interface dev='{d}'/> in network {net}",
                        dev.as_deref().unwrap_or_default()
                    )));
                }
                continue;
            }
            if devs.iter().any(|x| x == d) {
                return Err(NetError::Xml(format!(
                    "interface '{d}' can only be listed once in network {net}"
                )));
            }
            devs.push(d.to_owned());
        }
        fwd.ifs = devs
            .into_iter()
            .map(|dev| ForwardIf::Netdev {
                dev,
                connections: 0,
            })
            .collect();
    } else if !addrs.is_empty() {
        for a in addrs {
            let t = a
                .attribute("type")
                .ok_or_else(|| NetError::Xml(format!("missing address type in network {net}")))?;
            if t != "pci" {
                return Err(NetError::Unsupported(format!(
                    "unknown address type '{t}' in network {net}"
                )));
            }
            let num = |k: &str| -> Result<u32> {
                let v = a.attribute(k).unwrap_or("0");
                let parsed = if let Some(h) = v.strip_prefix("0x") {
                    u32::from_str_radix(h, 16).ok()
                } else {
                    v.parse().ok()
                };
                parsed.ok_or_else(|| {
                    NetError::Internal(format!("Cannot parse <address> '{k}' attribute"))
                })
            };
            let p = ForwardIf::Pci {
                domain: num("domain")?,
                bus: num("bus")?,
                slot: num("slot")?,
                function: num("function")?,
            };
            if let ForwardIf::Pci {
                domain,
                bus,
                slot,
                function,
            } = &p
            {
                if fwd.ifs.contains(&p) {
                    return Err(NetError::Xml(format!("PCI device '{domain:04x}:{bus:02x}:{slot:02x}.{function:x}' can only be listed once in network {net}")));
                }
            }
            fwd.ifs.push(p);
        }
    } else if pfs.len() > 1 {
        return Err(NetError::Xml(format!(
            "Only one <pf> element is allowed in <forward> of network {net}"
        )));
    } else if let Some(p) = pfs.first() {
        let d = p.attribute("dev").ok_or_else(|| {
            NetError::Xml(format!(
                "Missing required dev attribute in <pf> element of network '{net}'"
            ))
        })?;
        fwd.pf = Some(d.to_owned());
    }
    Ok(fwd)
}

fn parse_nat(net: &str, mode: ForwardMode, n: N<'_, '_>) -> Result<Nat> {
    if mode != ForwardMode::Nat {
        return Err(NetError::Xml(format!(
            "The <nat> element can only be used when <forward> 'mode' is 'nat' in network {net}"
        )));
    }
    let mut nat = Nat {
        ipv6: tristate(n, "ipv6")?,
        ..Default::default()
    };
    let addrs: Vec<_> = children(n, "address").collect();
    if addrs.len() > 1 {
        return Err(NetError::Xml(format!(
            "Only one <address> element is allowed in <nat> in <forward> in network {net}"
        )));
    }
    if let Some(a) = addrs.first() {
        let start = a.attribute("start").ok_or_else(|| {
            NetError::Xml(format!("missing 'start' attribute in <address> element in <nat> in <forward> in network {net}"))
        })?;
        let end = a.attribute("end").ok_or_else(|| {
            NetError::Xml(format!("missing 'end' attribute in <address> element in <nat> in <forward> in network {net}"))
        })?;
        let s = parse_ip(start).filter(|a| a.is_ipv4()).ok_or_else(|| {
            NetError::Xml(format!(
                "Bad ipv4 start address '{start}' in <nat> in <forward> in network '{net}'"
            ))
        })?;
        let e = parse_ip(end).filter(|a| a.is_ipv4()).ok_or_else(|| {
            NetError::Xml(format!(
                "Bad ipv4 end address '{end}' in <nat> in <forward> in network '{net}'"
            ))
        })?;
        check_range(&s, &e, None).map_err(NetError::InternalUtil)?;
        nat.addr_start = Some(s);
        nat.addr_end = Some(e);
    }
    let ports: Vec<_> = children(n, "port").collect();
    if ports.len() > 1 {
        return Err(NetError::Xml(format!(
            "Only one <port> element is allowed in <nat> in <forward> in network {net}"
        )));
    }
    if let Some(p) = ports.first() {
        let start = p
            .attribute("start")
            .and_then(parse_u64)
            .filter(|v| *v <= 65535);
        let Some(start) = start else {
            return Err(NetError::Detail(format!("Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network {net}")));
        };
        let end = p
            .attribute("end")
            .and_then(parse_u64)
            .filter(|v| *v <= 65535 && *v >= start);
        let Some(end) = end else {
            return Err(NetError::Detail(format!("Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network {net}")));
        };
        nat.port_start = start as u32;
        nat.port_end = end as u32;
    }
    Ok(nat)
}

/// `virNetDevBandwidthParse` (no floor outside a port).
pub(crate) fn parse_bandwidth(b: N<'_, '_>, allow_floor: bool) -> Result<Bandwidth> {
    let rate = |n: N<'_, '_>| -> Result<Rate> {
        let get = |k: &str| -> Result<u64> {
            match n.attribute(k) {
                None => Ok(0),
                Some(v) => parse_u64(v).ok_or_else(|| {
                    NetError::UnsupportedUtil(format!(
                        "could not convert bandwidth {k} value '{v}'"
                    ))
                }),
            }
        };
        let r = Rate {
            average: get("average")?,
            peak: get("peak")?,
            floor: get("floor")?,
            burst: get("burst")?,
        };
        if r.average == 0 && r.floor == 0 && n.attribute("average").is_none() {
            return Err(NetError::DetailUtil(
                "Missing mandatory average or floor attributes".into(),
            ));
        }
        Ok(r)
    };
    let inbound = children(b, "inbound").next().map(rate).transpose()?;
    let outbound = children(b, "outbound").next().map(rate).transpose()?;
    if outbound.as_ref().is_some_and(|r| r.floor != 0) {
        return Err(NetError::UnsupportedUtil(
            "'floor' attribute allowed only in <inbound> element".into(),
        ));
    }
    if !allow_floor && inbound.as_ref().is_some_and(|r| r.floor != 0) {
        return Err(NetError::UnsupportedUtil(
            "floor attribute is not supported for this config".into(),
        ));
    }
    Ok(Bandwidth { inbound, outbound })
}

/// `virNetDevVlanParse`.
pub(crate) fn parse_vlan(v: N<'_, '_>) -> Result<Vlan> {
    let mut vlan = Vlan::default();
    for t in children(v, "tag") {
        let id = t
            .attribute("id")
            .ok_or_else(|| NetError::XmlUtil("missing or invalid vlan tag id attribute".into()))?;
        let id = parse_u64(id).filter(|x| *x <= 4095).ok_or_else(|| {
            NetError::XmlUtil(format!("vlan tag id {id} too large (maximum 4095)"))
        })? as u32;
        if let Some(m) = t.attribute("nativeMode") {
            if m != "tagged" && m != "untagged" {
                return Err(NetError::XmlUtil(format!(
                    "Invalid \"nativeMode='{m}'\" in vlan <tag> element"
                )));
            }
            vlan.native = Some((id, m.to_owned()));
        }
        vlan.tags.push(id);
    }
    if vlan.tags.is_empty() {
        return Err(NetError::XmlUtil(
            "missing tag id - each <vlan> must have at least one <tag id='N'/> subelement".into(),
        ));
    }
    vlan.trunk = match v.attribute("trunk") {
        None => vlan.tags.len() > 1,
        Some("yes") => true,
        Some("no") if vlan.tags.len() > 1 => return Err(NetError::XmlUtil(
            "invalid \"trunk='no'\" in <vlan> - trunk='no' is allowed only with a single vlan tag"
                .into(),
        )),
        Some("no") => false,
        Some(t) => {
            return Err(NetError::XmlUtil(format!(
                "invalid \"trunk='{t}'\" in <vlan> - must be yes or no"
            )))
        }
    };
    Ok(vlan)
}

/// `virNetDevVPortProfileParse`.
pub(crate) fn parse_virtualport(v: N<'_, '_>, require_type: bool) -> Result<VirtualPort> {
    let kind = match v.attribute("type") {
        Some(t @ ("openvswitch" | "802.1Qbg" | "802.1Qbh" | "midonet")) => t.to_owned(),
        Some(t) => {
            return Err(NetError::UnsupportedUtil(format!(
                "unknown virtualport type {t}"
            )))
        }
        None if require_type => {
            return Err(NetError::XmlUtil(
                "missing required virtualport type".into(),
            ))
        }
        None => String::new(),
    };
    let mut params = Vec::new();
    if let Some(p) = child(v, "parameters") {
        for name in [
            "managerid",
            "typeid",
            "typeidversion",
            "instanceid",
            "interfaceid",
            "profileid",
        ] {
            if let Some(val) = p.attribute(name) {
                let val = if matches!(name, "instanceid" | "interfaceid") {
                    crate::domain::parse_uuid(val)
                        .map(|u| crate::domain::uuid_string(&u))
                        .ok_or_else(|| {
                            NetError::Unsupported(format!(
                                "cannot parse {name} parameter as a uuid"
                            ))
                        })?
                } else {
                    val.to_owned()
                };
                params.push((name, val));
            }
        }
    }
    Ok(VirtualPort { kind, params })
}

pub(crate) fn parse_portgroup(n: N<'_, '_>) -> Result<PortGroup> {
    let name = attr(n, "name")
        .ok_or_else(|| NetError::Xml("Missing required name attribute in portgroup".into()))?;
    let is_default = attr(n, "default").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
    let trust_guest_rx_filters = tristate(n, "trustGuestRxFilters")?;
    let virtualport = child(n, "virtualport")
        .map(|v| parse_virtualport(v, false))
        .transpose()?;
    let bandwidth = child(n, "bandwidth")
        .map(|b| parse_bandwidth(b, false))
        .transpose()?;
    let vlan = child(n, "vlan")
        .map(parse_vlan)
        .transpose()?
        .unwrap_or_default();
    Ok(PortGroup {
        name,
        is_default,
        trust_guest_rx_filters,
        virtualport,
        bandwidth,
        vlan,
    })
}
