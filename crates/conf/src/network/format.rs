//! Printing a network as libvirt 9.0's `virNetworkDefFormatBuf` does.

use super::addr::format_ip;
use super::*;
use crate::domain::{mac_string, uuid_string};
use crate::xml::Writer;

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

impl Network {
    /// libvirt's XML for this network.
    pub fn format(&self, flags: FormatFlags) -> String {
        let mut w = Writer::new();
        let mut root: Vec<(&str, String)> = Vec::new();
        if !self.dnsmasq_options.is_empty() {
            root.push(("xmlns:dnsmasq", DNSMASQ_NS.to_owned()));
        }
        if !flags.inactive && self.connections > 0 {
            root.push(("connections", self.connections.to_string()));
        }
        if self.ipv6nogw {
            root.push(("ipv6", "yes".into()));
        }
        if let Some(t) = self.trust_guest_rx_filters {
            root.push(("trustGuestRxFilters", yes_no(t)));
        }
        w.open("network", &root);
        w.text("name", &[], &self.name);
        w.text("uuid", &[], &uuid_string(&self.uuid));
        if let Some(m) = &self.metadata {
            crate::xml::format_metadata(&mut w, m);
        }
        self.format_forward(&mut w, flags);
        let hasbridge = self.forward.mode.is_l3();
        if hasbridge || self.bridge.is_some() || self.mac_table_manager.is_some() {
            let mut a: Vec<(&str, String)> = Vec::new();
            if let Some(b) = &self.bridge {
                a.push(("name", b.clone()));
            }
            if let Some(z) = &self.bridge_zone {
                a.push(("zone", z.clone()));
            }
            if hasbridge {
                a.push(("stp", if self.stp { "on" } else { "off" }.into()));
                a.push(("delay", self.delay.to_string()));
            }
            if let Some(m) = self.mac_table_manager {
                a.push(("macTableManager", m.as_str().into()));
            }
            w.empty("bridge", &a);
        }
        if self.mtu != 0 {
            w.empty("mtu", &[("size", self.mtu.to_string())]);
        }
        if let Some(m) = &self.mac {
            w.empty("mac", &[("address", mac_string(m))]);
        }
        if let Some(d) = &self.domain {
            let mut a = vec![("name", d.name.clone())];
            if let Some(l) = d.local_only {
                a.push(("localOnly", yes_no(l)));
            }
            w.empty("domain", &a);
        }
        self.format_dns(&mut w);
        format_vlan(&mut w, &self.vlan);
        if let Some(b) = &self.bandwidth {
            format_bandwidth(&mut w, b);
        }
        if let Some(i) = self.isolated_port {
            w.empty("port", &[("isolated", yes_no(i))]);
        }
        for ip in &self.ips {
            format_ip_def(&mut w, ip);
        }
        for r in &self.routes {
            let mut a: Vec<(&str, String)> = Vec::new();
            if let Some(f) = &r.family {
                a.push(("family", f.clone()));
            }
            a.push(("address", format_ip(&r.address)));
            if let Some(m) = &r.netmask {
                a.push(("netmask", format_ip(m)));
            }
            if let Some(p) = r.prefix {
                a.push(("prefix", p.to_string()));
            }
            a.push(("gateway", format_ip(&r.gateway)));
            if let Some(m) = r.metric.filter(|m| *m > 0) {
                a.push(("metric", m.to_string()));
            }
            w.empty("route", &a);
        }
        if let Some(v) = &self.virtualport {
            format_virtualport(&mut w, v);
        }
        for pg in &self.portgroups {
            let mut a = vec![("name", pg.name.clone())];
            if pg.is_default {
                a.push(("default", "yes".into()));
            }
            if let Some(t) = pg.trust_guest_rx_filters {
                a.push(("trustGuestRxFilters", yes_no(t)));
            }
            w.open("portgroup", &a);
            format_vlan(&mut w, &pg.vlan);
            if let Some(v) = &pg.virtualport {
                format_virtualport(&mut w, v);
            }
            if let Some(b) = &pg.bandwidth {
                format_bandwidth(&mut w, b);
            }
            w.close("portgroup");
        }
        if !self.dnsmasq_options.is_empty() {
            w.open("dnsmasq:options", &[]);
            for o in &self.dnsmasq_options {
                w.empty("dnsmasq:option", &[("value", o.clone())]);
            }
            w.close("dnsmasq:options");
        }
        w.close("network");
        w.finish()
    }

    fn format_forward(&self, w: &mut Writer, flags: FormatFlags) {
        let f = &self.forward;
        if f.mode == ForwardMode::None {
            return;
        }
        let mut a: Vec<(&str, String)> = Vec::new();
        if f.pf.is_none() {
            if let Some(ForwardIf::Netdev { dev, .. }) = f.ifs.first() {
                a.push(("dev", dev.clone()));
            }
        }
        a.push(("mode", f.mode.as_str().into()));
        if f.mode == ForwardMode::Hostdev {
            a.push(("managed", yes_no(f.managed)));
        }
        let nat = &f.nat;
        let short = f.ifs.is_empty()
            && f.pf.is_none()
            && nat.addr_start.is_none()
            && nat.addr_end.is_none()
            && nat.port_start == 0
            && nat.port_end == 0
            && f.driver.is_none()
            && nat.ipv6.is_none();
        if short {
            w.empty("forward", &a);
            return;
        }
        w.open("forward", &a);
        if let Some(d) = &f.driver {
            w.empty("driver", &[("name", d.clone())]);
        }
        if f.mode == ForwardMode::Nat {
            format_nat(w, nat);
        }
        if let Some(pf) = &f.pf {
            w.empty("pf", &[("dev", pf.clone())]);
        }
        if !f.ifs.is_empty() && (f.pf.is_none() || !flags.inactive) {
            for i in &f.ifs {
                match i {
                    ForwardIf::Netdev { dev, connections } => {
                        let mut a = vec![("dev", dev.clone())];
                        if !flags.inactive && *connections > 0 {
                            a.push(("connections", connections.to_string()));
                        }
                        w.empty("interface", &a);
                    }
                    ForwardIf::Pci {
                        domain,
                        bus,
                        slot,
                        function,
                    } => w.empty(
                        "address",
                        &[
                            ("type", "pci".into()),
                            ("domain", format!("0x{domain:04x}")),
                            ("bus", format!("0x{bus:02x}")),
                            ("slot", format!("0x{slot:02x}")),
                            ("function", format!("0x{function:x}")),
                        ],
                    ),
                }
            }
        }
        w.close("forward");
    }

    fn format_dns(&self, w: &mut Writer) {
        let d = &self.dns;
        let has_children = !(d.forwarders.is_empty()
            && d.hosts.is_empty()
            && d.srvs.is_empty()
            && d.txts.is_empty());
        if d.enable.is_none() && d.forward_plain_names.is_none() && !has_children {
            return;
        }
        let mut a: Vec<(&str, String)> = Vec::new();
        if let Some(e) = d.enable {
            a.push(("enable", yes_no(e)));
        }
        if let Some(f) = d.forward_plain_names {
            a.push(("forwardPlainNames", yes_no(f)));
        }
        if !has_children {
            w.empty("dns", &a);
            return;
        }
        w.open("dns", &a);
        for f in &d.forwarders {
            let mut a: Vec<(&str, String)> = Vec::new();
            if let Some(dom) = &f.domain {
                a.push(("domain", dom.clone()));
            }
            if let Some(ad) = &f.addr {
                a.push(("addr", format_ip(ad)));
            }
            w.empty("forwarder", &a);
        }
        for t in &d.txts {
            w.empty(
                "txt",
                &[("name", t.name.clone()), ("value", t.value.clone())],
            );
        }
        for s in &d.srvs {
            let mut a = vec![
                ("service", s.service.clone()),
                ("protocol", s.protocol.clone()),
            ];
            if let Some(x) = &s.domain {
                a.push(("domain", x.clone()));
            }
            if let Some(x) = &s.target {
                a.push(("target", x.clone()));
            }
            for (k, v) in [
                ("port", s.port),
                ("priority", s.priority),
                ("weight", s.weight),
            ] {
                if v != 0 {
                    a.push((k, v.to_string()));
                }
            }
            w.empty("srv", &a);
        }
        for h in &d.hosts {
            w.open("host", &[("ip", format_ip(&h.ip))]);
            for n in &h.hostnames {
                w.text("hostname", &[], n);
            }
            w.close("host");
        }
        w.close("dns");
    }
}

fn format_nat(w: &mut Writer, nat: &Nat) {
    let has_body = nat.addr_start.is_some()
        || nat.addr_end.is_some()
        || nat.port_start != 0
        || nat.port_end != 0;
    if !has_body && nat.ipv6.is_none() {
        return;
    }
    let mut a: Vec<(&str, String)> = Vec::new();
    if let Some(v) = nat.ipv6 {
        a.push(("ipv6", yes_no(v)));
    }
    if !has_body {
        w.empty("nat", &a);
        return;
    }
    w.open("nat", &a);
    if let Some(s) = &nat.addr_start {
        let mut a = vec![("start", format_ip(s))];
        if let Some(e) = &nat.addr_end {
            a.push(("end", format_ip(e)));
        }
        w.empty("address", &a);
    }
    if nat.port_start != 0 || nat.port_end != 0 {
        let mut a = vec![("start", nat.port_start.to_string())];
        if nat.port_end != 0 {
            a.push(("end", nat.port_end.to_string()));
        }
        w.empty("port", &a);
    }
    w.close("nat");
}

fn format_lease(w: &mut Writer, l: &Lease) {
    if l.expiry == 0 {
        w.empty("lease", &[("expiry", "0".into())]);
    } else {
        w.empty(
            "lease",
            &[
                ("expiry", l.expiry.to_string()),
                ("unit", l.unit.as_str().into()),
            ],
        );
    }
}

fn format_ip_def(w: &mut Writer, ip: &IpDef) {
    let mut a: Vec<(&str, String)> = Vec::new();
    if let Some(f) = &ip.family {
        a.push(("family", f.clone()));
    }
    a.push(("address", format_ip(&ip.address)));
    if let Some(m) = &ip.netmask {
        a.push(("netmask", format_ip(m)));
    }
    if ip.prefix > 0 {
        a.push(("prefix", ip.prefix.to_string()));
    }
    if let Some(l) = ip.local_ptr {
        a.push(("localPtr", yes_no(l)));
    }
    // libvirt 9.0 always writes <ip> with an end tag
    w.open("ip", &a);
    if let Some(t) = &ip.tftp_root {
        w.empty("tftp", &[("root", t.clone())]);
    }
    if ip.has_dhcp() || ip.bootp_file.is_some() {
        w.open("dhcp", &[]);
        for r in &ip.ranges {
            let a = [("start", format_ip(&r.start)), ("end", format_ip(&r.end))];
            w.child("range", &a, |w| {
                if let Some(l) = &r.lease {
                    format_lease(w, l);
                }
            });
        }
        for h in &ip.hosts {
            let mut a: Vec<(&str, String)> = Vec::new();
            if let Some(m) = &h.mac {
                a.push(("mac", m.clone()));
            }
            if let Some(i) = &h.id {
                a.push(("id", i.clone()));
            }
            if let Some(n) = &h.name {
                a.push(("name", n.clone()));
            }
            if let Some(i) = &h.ip {
                a.push(("ip", format_ip(i)));
            }
            w.child("host", &a, |w| {
                if let Some(l) = &h.lease {
                    format_lease(w, l);
                }
            });
        }
        if let Some(f) = &ip.bootp_file {
            let mut a = vec![("file", f.clone())];
            if let Some(s) = &ip.bootp_server {
                a.push(("server", format_ip(s)));
            }
            w.empty("bootp", &a);
        }
        w.close("dhcp");
    }
    w.close("ip");
}

pub(crate) fn format_vlan(w: &mut Writer, v: &Vlan) {
    if v.tags.is_empty() {
        return;
    }
    let a: Vec<(&str, String)> = if v.trunk {
        vec![("trunk", "yes".into())]
    } else {
        Vec::new()
    };
    w.open("vlan", &a);
    for t in &v.tags {
        let mut a = vec![("id", t.to_string())];
        if let Some((id, mode)) = &v.native {
            if id == t {
                a.push(("nativeMode", mode.clone()));
            }
        }
        w.empty("tag", &a);
    }
    w.close("vlan");
}

pub(crate) fn format_bandwidth(w: &mut Writer, b: &Bandwidth) {
    if b.inbound.is_none() && b.outbound.is_none() {
        return;
    }
    w.open("bandwidth", &[]);
    for (name, r) in [("inbound", &b.inbound), ("outbound", &b.outbound)] {
        let Some(r) = r else { continue };
        let mut a: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("average", r.average),
            ("peak", r.peak),
            ("floor", r.floor),
            ("burst", r.burst),
        ] {
            if v != 0 {
                a.push((k, v.to_string()));
            }
        }
        w.empty(name, &a);
    }
    w.close("bandwidth");
}

pub(crate) fn format_virtualport(w: &mut Writer, v: &VirtualPort) {
    if v.kind.is_empty() && v.params.is_empty() {
        return;
    }
    let a: Vec<(&str, String)> = if v.kind.is_empty() {
        Vec::new()
    } else {
        vec![("type", v.kind.clone())]
    };
    if v.params.is_empty() {
        w.empty("virtualport", &a);
        return;
    }
    w.open("virtualport", &a);
    let p: Vec<(&str, String)> = v.params.iter().map(|(k, v)| (*k, v.clone())).collect();
    w.empty("parameters", &p);
    w.close("virtualport");
}
