//! The pieces of a network that `virNetworkUpdate` adds, changes or removes, read from the
//! XML a client sends (`<host>`, `<range>`, `<portgroup>`, a DNS `<host>`), with libvirt 9.0's
//! checks and errors (`virNetworkDefUpdateSection` and the section parsers).

use super::error::{from_conf, NetError, Result};
use super::parse::{
    parse_dhcp_host, parse_dns_host, parse_dns_txt, parse_portgroup, parse_range, parse_srv,
};
use super::{parse_ip, parse_mac, DhcpHost, DhcpRange, DnsHost, DnsSrv, DnsTxt, IpDef, PortGroup};

/// The element the update carries, once its name is the one `section` expects
/// ("unexpected element <x>, expecting <y>, while updating network 'NAME'").
fn element<'a>(
    doc: &'a roxmltree::Document<'a>,
    net: &str,
    expect: &str,
) -> Result<roxmltree::Node<'a, 'a>> {
    let root = doc.root_element();
    if root.tag_name().name() != expect {
        return Err(NetError::Xml(format!(
            "unexpected element <{}>, expecting <{expect}>, while updating network '{net}'",
            root.tag_name().name()
        )));
    }
    Ok(root)
}

fn document(xml: &str) -> Result<roxmltree::Document<'_>> {
    roxmltree::Document::parse(xml)
        .map_err(|e| from_conf(crate::libxml::malformed(xml, &e), "network_update_xml"))
}

/// A DHCP `<host>` for `ip`. `partial` (a deletion): any of mac, name and ip is enough.
pub fn dhcp_host(net: &str, ip: &IpDef, xml: &str, partial: bool) -> Result<DhcpHost> {
    let doc = document(xml)?;
    let h = element(&doc, net, "host")?;
    if !partial {
        return parse_dhcp_host(net, ip, h);
    }
    let mac = h.attribute("mac").map(str::to_owned);
    if let Some(m) = &mac {
        if parse_mac(m).is_none() {
            return Err(NetError::Xml(format!(
                "Cannot parse MAC address '{m}' in network '{net}'"
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
    Ok(DhcpHost {
        mac,
        id: h.attribute("id").map(str::to_owned),
        name: h.attribute("name").map(str::to_owned),
        ip: ipaddr,
        lease: None,
    })
}

/// A DHCP `<range>` of `ip`.
pub fn dhcp_range(net: &str, ip: &IpDef, xml: &str) -> Result<DhcpRange> {
    let doc = document(xml)?;
    let r = element(&doc, net, "range")?;
    parse_range(net, ip, r)
}

/// A DNS `<host>`; `partial` (a deletion): an address or names.
pub fn dns_host(net: &str, xml: &str, partial: bool) -> Result<DnsHost> {
    let doc = document(xml)?;
    let h = element(&doc, net, "host")?;
    parse_dns_host(net, h, partial)
}

/// A `<portgroup>`.
pub fn portgroup(net: &str, xml: &str) -> Result<PortGroup> {
    let doc = document(xml)?;
    let p = element(&doc, net, "portgroup")?;
    parse_portgroup(p)
}

/// Checks only the element's name (the sections libvirt cannot update still check it first).
pub fn check_element(net: &str, xml: &str, expect: &str) -> Result<()> {
    let doc = document(xml)?;
    element(&doc, net, expect).map(|_| ())
}

/// A DNS `<txt>`; `partial` (a deletion): the name is enough.
pub fn dns_txt(net: &str, xml: &str, partial: bool) -> Result<DnsTxt> {
    let doc = document(xml)?;
    let t = element(&doc, net, "txt")?;
    parse_dns_txt(net, t, partial)
}

/// The `dev` of a forward `<interface>` ("missing dev attribute in <interface> element").
pub fn forward_interface(net: &str, xml: &str) -> Result<String> {
    let doc = document(xml)?;
    let i = element(&doc, net, "interface")?;
    i.attribute("dev")
        .map(str::to_owned)
        .ok_or_else(|| NetError::Xml("missing dev attribute in <interface> element".into()))
}

/// A DNS `<srv>`; `partial` (a deletion): any of its fields is enough.
pub fn dns_srv(net: &str, xml: &str, partial: bool) -> Result<DnsSrv> {
    let doc = document(xml)?;
    let s = element(&doc, net, "srv")?;
    parse_srv(net, s, partial)
}
