//! The firewall of a started network, with nftables (`nft`), in the layout of libvirt 10.x's
//! nftables backend: tables `ip oxvirt_network` and `ip6 oxvirt_network`, a `forward` base chain
//! jumping to `guest_output`, `guest_input` and `guest_cross`, and a `guest_nat` postrouting
//! chain; per network the rules libvirt's backend inserts for `nat`, `route`, isolated and
//! `open` (none) networks. Beyond libvirt, each network with an address also gets rules
//! accepting its DHCP and DNS traffic (`guest_to_host`, input: udp 67, udp/tcp 53;
//! `host_to_guest`, output: udp 68, udp/tcp 53).
//!
//! Every rule carries the comment `oxvirt network NAME`; the handles nft echoes are recorded in
//! the network's run state ([`FwRecord`]), and a destroy deletes the rules recorded (those still
//! there with that comment), or, when nothing was recorded (a crash between the two), every rule
//! with the network's comment.

use std::io::Write;
use std::process::{Command, Stdio};

use oxvirt_conf::network::{format_ip, ForwardIf, ForwardMode, IpDef, Network};

use crate::NetworkError;

/// The table (in both families).
pub const TABLE: &str = "oxvirt_network";

const FORWARD: &str = "forward";
const OUT: &str = "guest_output";
const IN: &str = "guest_input";
const CROSS: &str = "guest_cross";
const NAT: &str = "guest_nat";
const TO_HOST: &str = "guest_to_host";
const FROM_HOST: &str = "host_to_guest";

/// The rules nft made for one network: (family, chain, handle) and their comment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FwRecord {
    pub comment: String,
    pub rules: Vec<(String, String, u64)>,
}

impl FwRecord {
    /// The record as a file: the comment, then one `family chain handle` line per rule.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n", self.comment);
        for (f, c, h) in &self.rules {
            s.push_str(&format!("{f} {c} {h}\n"));
        }
        s
    }

    /// The record read back ([`FwRecord::to_text`]); `None` for anything else.
    pub fn from_text(t: &str) -> Option<Self> {
        let mut lines = t.lines();
        let comment = lines.next()?.to_owned();
        let mut rules = Vec::new();
        for l in lines {
            let mut w = l.split(' ');
            let (f, c, h) = (w.next()?, w.next()?, w.next()?.parse().ok()?);
            rules.push((f.to_owned(), c.to_owned(), h));
        }
        Some(FwRecord { comment, rules })
    }
}

/// The comment the rules of network `name` carry.
pub fn comment_for(name: &str) -> String {
    format!("oxvirt network {name}")
}

/// Run `nft ARGS` with `script` on its standard input; its standard output.
fn nft(args: &[&str], script: &str) -> Result<String, NetworkError> {
    let mut child = Command::new("nft")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| NetworkError::Internal(format!("cannot run nft: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| NetworkError::Internal(format!("cannot write to nft: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| NetworkError::Internal(format!("cannot run nft: {e}")))?;
    if !out.status.success() {
        return Err(NetworkError::Internal(format!(
            "nft {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace(['"', '\\'], ""))
}

/// The commands that make the table and its chains where they are missing (`add` is a no-op
/// for what exists; a jump is added only when the listing shows none).
fn chains_script(family: &str) -> String {
    let listing = nft(&["list", "table", family, TABLE], "").unwrap_or_default();
    let mut s = format!("add table {family} {TABLE}\n");
    s.push_str(&format!(
        "add chain {family} {TABLE} {FORWARD} {{ type filter hook forward priority 0; policy accept; }}\n"
    ));
    s.push_str(&format!(
        "add chain {family} {TABLE} {TO_HOST} {{ type filter hook input priority 0; policy accept; }}\n"
    ));
    s.push_str(&format!(
        "add chain {family} {TABLE} {FROM_HOST} {{ type filter hook output priority 0; policy accept; }}\n"
    ));
    s.push_str(&format!(
        "add chain {family} {TABLE} {NAT} {{ type nat hook postrouting priority 100; policy accept; }}\n"
    ));
    for child in [OUT, IN, CROSS] {
        s.push_str(&format!("add chain {family} {TABLE} {child}\n"));
        if !listing.contains(&format!("jump {child}")) {
            s.push_str(&format!(
                "insert rule {family} {TABLE} {FORWARD} counter jump {child}\n"
            ));
        }
    }
    s
}

/// One family's rules, in the order libvirt inserts them (each `insert`ed at the head).
struct Rules {
    family: &'static str,
    lines: Vec<String>,
}

impl Rules {
    fn insert(&mut self, chain: &str, body: String) {
        self.lines.push(format!(
            "insert rule {} {TABLE} {chain} {body}",
            self.family
        ));
    }
}

fn family_of(ip: &IpDef) -> &'static str {
    if ip.address.is_ipv4() {
        "ip"
    } else {
        "ip6"
    }
}

fn network_cidr(ip: &IpDef) -> Option<String> {
    let prefix = ip.effective_prefix()?;
    let width = if ip.address.is_ipv4() { 32 } else { 128 };
    let bits: u128 = match ip.address {
        std::net::IpAddr::V4(v) => u128::from(u32::from(v)),
        std::net::IpAddr::V6(v) => u128::from(v),
    };
    let mask = if prefix == 0 {
        0
    } else {
        (u128::MAX >> (128 - width)) & !((1u128 << (width - prefix)) - 1)
    };
    let net = bits & mask;
    let addr = if ip.address.is_ipv4() {
        std::net::IpAddr::V4(std::net::Ipv4Addr::from(u32::try_from(net).ok()?))
    } else {
        std::net::IpAddr::V6(std::net::Ipv6Addr::from(net))
    };
    Some(format!("{}/{prefix}", format_ip(&addr)))
}

/// `virNetworkDefForwardIf(def, 0)`: the forward device, if any.
fn forward_dev(def: &Network) -> Option<&str> {
    def.forward.ifs.iter().find_map(|i| match i {
        ForwardIf::Netdev { dev, .. } => Some(dev.as_str()),
        ForwardIf::Pci { .. } => None,
    })
}

/// The rules a network gets, per family (libvirt's `nftablesAddFirewallRules` plus the
/// DHCP/DNS accept rules).
fn rules_for(def: &Network, br: &str) -> Vec<Rules> {
    let c = format!("comment {}", quote(&comment_for(&def.name)));
    let brq = quote(br);
    let phys = forward_dev(def).map(quote);
    let mut v4 = Rules {
        family: "ip",
        lines: Vec::new(),
    };
    let mut v6 = Rules {
        family: "ip6",
        lines: Vec::new(),
    };
    let has_v4 = def.ips.iter().any(|i| i.address.is_ipv4());
    let has_v6 = def.ips.iter().any(|i| !i.address.is_ipv4());
    if def.forward.mode != ForwardMode::Open {
        // the general rules: reject what is not allowed, allow guest to guest
        v4.insert(OUT, format!("iif {brq} counter reject {c}"));
        v4.insert(IN, format!("oif {brq} counter reject {c}"));
        v4.insert(CROSS, format!("iif {brq} oif {brq} counter accept {c}"));
        if has_v6 || def.ipv6nogw {
            v6.insert(OUT, format!("iif {brq} counter reject {c}"));
            v6.insert(IN, format!("oif {brq} counter reject {c}"));
            v6.insert(CROSS, format!("iif {brq} oif {brq} counter accept {c}"));
        }
    }
    // DHCP and DNS between the guests and dnsmasq
    if has_v4 {
        v4.insert(
            TO_HOST,
            format!("iif {brq} udp dport 67 counter accept {c}"),
        );
        v4.insert(
            FROM_HOST,
            format!("oif {brq} udp dport 68 counter accept {c}"),
        );
    }
    for (has, r) in [(has_v4, &mut v4), (has_v6, &mut v6)] {
        if !has {
            continue;
        }
        for proto in ["udp", "tcp"] {
            r.insert(
                TO_HOST,
                format!("iif {brq} {proto} dport 53 counter accept {c}"),
            );
            r.insert(
                FROM_HOST,
                format!("oif {brq} {proto} sport 53 counter accept {c}"),
            );
        }
    }
    if has_v6 {
        v6.insert(
            TO_HOST,
            format!("iif {brq} udp dport 547 counter accept {c}"),
        );
        v6.insert(
            FROM_HOST,
            format!("oif {brq} udp dport 546 counter accept {c}"),
        );
    }
    let ctx = RuleCtx {
        brq: &brq,
        phys: phys.as_deref(),
        c: &c,
    };
    for ip in &def.ips {
        let Some(net) = network_cidr(ip) else {
            continue;
        };
        let r = if ip.address.is_ipv4() {
            &mut v4
        } else {
            &mut v6
        };
        ip_rules(r, def, ip, &net, &ctx);
    }
    vec![v4, v6]
}

/// What every rule of a network names: its bridge, the forward device (both quoted) and the
/// rules' comment.
struct RuleCtx<'a> {
    brq: &'a str,
    phys: Option<&'a str>,
    c: &'a str,
}

/// The forwarding and NAT rules of one of a network's addresses, `net` its CIDR.
fn ip_rules(r: &mut Rules, def: &Network, ip: &IpDef, net: &str, ctx: &RuleCtx<'_>) {
    let RuleCtx { brq, phys, c } = *ctx;
    let fam = family_of(ip);
    let oifname = phys
        .as_ref()
        .map(|p| format!(" oifname {p}"))
        .unwrap_or_default();
    let iifname = phys
        .as_ref()
        .map(|p| format!(" iifname {p}"))
        .unwrap_or_default();
    let pre_out = phys
        .as_ref()
        .map(|p| format!("oifname {p} "))
        .unwrap_or_default();
    let pre_in = phys
        .as_ref()
        .map(|p| format!("iifname {p} "))
        .unwrap_or_default();
    let masquerade = def.forward.mode == ForwardMode::Nat
        && (ip.address.is_ipv4() || def.forward.nat.ipv6 == Some(true));
    let routed = def.forward.mode == ForwardMode::Route
        || (def.forward.mode == ForwardMode::Nat && !masquerade);
    if masquerade {
        r.insert(
            OUT,
            format!("{fam} saddr {net} iif {brq}{oifname} counter accept {c}"),
        );
        r.insert(
            IN,
            format!(
                "{pre_in}oif {brq} {fam} daddr {net} ct state related,established counter accept {c}"
            ),
        );
        let nat = &def.forward.nat;
        let (ps, pe) = if nat.port_start == 0 && nat.port_end == 0 {
            (1024, 65535)
        } else {
            (nat.port_start, nat.port_end)
        };
        let target = |ports: bool| -> String {
            let range = if ports {
                format!(":{ps}-{pe}")
            } else {
                String::new()
            };
            match (nat.addr_start, nat.addr_end) {
                (Some(s), Some(e)) if s.is_ipv4() == ip.address.is_ipv4() => {
                    format!("snat to {}-{}{range}", format_ip(&s), format_ip(&e))
                }
                (Some(s), _) if s.is_ipv4() == ip.address.is_ipv4() => {
                    format!("snat to {}{range}", format_ip(&s))
                }
                _ if ports => format!("masquerade to {range}"),
                _ => "masquerade".to_owned(),
            }
        };
        for proto in [None, Some("udp"), Some("tcp")] {
            let l4 = proto
                .map(|p| format!("meta l4proto {p} "))
                .unwrap_or_default();
            r.insert(
                NAT,
                format!(
                    "{l4}{fam} saddr {net} {fam} daddr != {net}{oifname} counter {} {c}",
                    target(proto.is_some())
                ),
            );
        }
        let exempt: &[&str] = if ip.address.is_ipv4() {
            &["255.255.255.255/32", "224.0.0.0/24"]
        } else {
            &["ff02::/16"]
        };
        for dst in exempt {
            r.insert(
                NAT,
                format!("{pre_out}{fam} saddr {net} {fam} daddr {dst} counter return {c}"),
            );
        }
    } else if routed {
        r.insert(
            OUT,
            format!("{fam} saddr {net} iif {brq}{oifname} counter accept {c}"),
        );
        r.insert(
            IN,
            format!("{fam} daddr {net}{iifname} oif {brq} counter accept {c}"),
        );
    }
}

/// Add the rules of network `def` (bridge `br`), making the tables and chains first; what nft
/// made, to record.
pub fn add_rules(def: &Network, br: &str) -> Result<FwRecord, NetworkError> {
    let mut script = String::new();
    let sets = rules_for(def, br);
    for r in &sets {
        if !r.lines.is_empty() {
            script.push_str(&chains_script(r.family));
        }
    }
    let mut record = FwRecord {
        comment: comment_for(&def.name),
        rules: Vec::new(),
    };
    if script.is_empty() {
        return Ok(record);
    }
    // the chains and every rule in one transaction (all or nothing, and one nft run: each
    // costs a good part of a start)
    for l in sets.iter().flat_map(|r| r.lines.iter()) {
        script.push_str(l);
        script.push('\n');
    }
    let echoed = nft(&["--echo", "--handle", "-f", "-"], &script)?;
    let tagged = format!("comment {}", quote(&record.comment));
    for line in echoed.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        // insert rule FAMILY TABLE CHAIN ... comment "..." # handle N (the shared jumps to
        // the chains carry no comment: they are no rule of this network)
        if w.len() > 6
            && w[0] == "insert"
            && w[1] == "rule"
            && w[3] == TABLE
            && line.contains(&tagged)
        {
            if let Some(h) = w.last().and_then(|h| h.parse().ok()) {
                if w[w.len() - 2] == "handle" {
                    record.rules.push((w[2].to_owned(), w[4].to_owned(), h));
                }
            }
        }
    }
    Ok(record)
}

/// Every rule of the table of `family` carrying `comment`: (chain, handle).
fn rules_with_comment(family: &str, comment: &str) -> Vec<(String, u64)> {
    let Ok(json) = nft(&["-j", "list", "table", family, TABLE], "") else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in v
        .get("nftables")
        .and_then(|n| n.as_array())
        .into_iter()
        .flatten()
    {
        let Some(rule) = item.get("rule") else {
            continue;
        };
        if rule.get("comment").and_then(|c| c.as_str()) != Some(comment) {
            continue;
        }
        if let (Some(chain), Some(handle)) = (
            rule.get("chain").and_then(|c| c.as_str()),
            rule.get("handle").and_then(|h| h.as_u64()),
        ) {
            out.push((chain.to_owned(), handle));
        }
    }
    out
}

/// Whether every rule of `record` is still in place.
pub fn rules_present(record: &FwRecord) -> bool {
    ["ip", "ip6"].iter().all(|fam| {
        let have = rules_with_comment(fam, &record.comment);
        record
            .rules
            .iter()
            .filter(|(f, _, _)| f == fam)
            .all(|(_, c, h)| have.iter().any(|(hc, hh)| hc == c && hh == h))
    })
}

/// Delete the rules of a network: those of `record` still there, or, with no record or one
/// without handles, every rule carrying the network's comment.
pub fn remove_rules(name: &str, record: Option<&FwRecord>) -> Result<(), NetworkError> {
    let comment = record
        .map(|r| r.comment.clone())
        .unwrap_or_else(|| comment_for(name));
    let mut script = String::new();
    for fam in ["ip", "ip6"] {
        for (chain, handle) in rules_with_comment(fam, &comment) {
            // a record without handles (a start cut short) finds them by the comment too
            let recorded = record.filter(|r| !r.rules.is_empty()).is_none_or(|r| {
                r.rules
                    .iter()
                    .any(|(f, c, h)| f == fam && *c == chain && *h == handle)
            });
            if recorded {
                script.push_str(&format!(
                    "delete rule {fam} {TABLE} {chain} handle {handle}\n"
                ));
            }
        }
    }
    if script.is_empty() {
        return Ok(());
    }
    nft(&["-f", "-"], &script).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_conf::network::parse;

    #[test]
    fn record_round_trips() {
        let r = FwRecord {
            comment: comment_for("default"),
            rules: vec![
                ("ip".into(), "guest_nat".into(), 12),
                ("ip6".into(), "guest_cross".into(), 3),
            ],
        };
        assert_eq!(FwRecord::from_text(&r.to_text()), Some(r));
    }

    #[test]
    fn nat_rules_as_libvirt() {
        let def = parse(
            "<network><name>n</name><forward mode='nat'/><bridge name='virbr9'/>\
             <ip address='192.168.9.1' netmask='255.255.255.0'/></network>",
        )
        .unwrap();
        let sets = rules_for(&def, "virbr9");
        let v4 = sets[0].lines.join("\n");
        let c = "comment \"oxvirt network n\"";
        for want in [
            format!("insert rule ip oxvirt_network guest_output iif \"virbr9\" counter reject {c}"),
            format!("insert rule ip oxvirt_network guest_output ip saddr 192.168.9.0/24 iif \"virbr9\" counter accept {c}"),
            format!("insert rule ip oxvirt_network guest_input oif \"virbr9\" ip daddr 192.168.9.0/24 ct state related,established counter accept {c}"),
            format!("insert rule ip oxvirt_network guest_nat meta l4proto tcp ip saddr 192.168.9.0/24 ip daddr != 192.168.9.0/24 counter masquerade to :1024-65535 {c}"),
            format!("insert rule ip oxvirt_network guest_nat ip saddr 192.168.9.0/24 ip daddr != 192.168.9.0/24 counter masquerade {c}"),
            format!("insert rule ip oxvirt_network guest_nat ip saddr 192.168.9.0/24 ip daddr 224.0.0.0/24 counter return {c}"),
            format!("insert rule ip oxvirt_network guest_to_host iif \"virbr9\" udp dport 67 counter accept {c}"),
        ] {
            assert!(v4.contains(&want), "{want}\n{v4}");
        }
        // no IPv6 address: no IPv6 rule
        assert!(sets[1].lines.is_empty());
    }

    #[test]
    fn open_has_no_forward_rules() {
        let def = parse(
            "<network><name>o</name><forward mode='open'/><bridge name='virbr8'/>\
             <ip address='10.8.0.1' prefix='24'/></network>",
        )
        .unwrap();
        let v4 = rules_for(&def, "virbr8").remove(0).lines.join("\n");
        assert!(
            !v4.contains("guest_output") && !v4.contains("guest_nat"),
            "{v4}"
        );
        assert!(v4.contains("dport 53"), "{v4}");
    }
}
