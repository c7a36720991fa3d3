//! Who may have network ports (and their TAP devices) made, on which networks: what
//! qemu-bridge-helper's `/etc/qemu/bridge.conf` allow lists do for libvirt's session mode, as a
//! setting of networkd checked on the peer's credentials. Root always may.
//!
//! The setting is `networkd.conf` in the daemon's configuration directory (`DIR/etc/` with
//! `--root DIR`, else `/etc/oxvirt/`), read at start, one rule a line:
//!
//! ```text
//! # allow WHO NETWORK...
//! allow alice default isolated   # user alice (a name or a uid) on two networks
//! allow @kvm all                 # the members of group kvm (primary or supplementary), anywhere
//! ```
//!
//! A NETWORK is a network's name, a host bridge's name (for `<interface type='bridge'>`), or
//! `all`. `--port-user USER` and `--port-group GROUP` add `allow USER all` and
//! `allow @GROUP all`.

use oxvirt_rpc::server::Peer;

/// Whom a rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    User(u32),
    Group(u32),
}

/// One `allow` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub who: Who,
    /// The networks (or host bridges); `None`: all.
    pub nets: Option<Vec<String>>,
}

/// Who may create ports on which network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortAccess {
    pub rules: Vec<Rule>,
}

impl PortAccess {
    /// Anyone, anywhere: `--port-user` and `--port-group`.
    pub fn everywhere(users: &[u32], groups: &[u32]) -> Self {
        let all = |who| Rule { who, nets: None };
        PortAccess {
            rules: users
                .iter()
                .map(|u| all(Who::User(*u)))
                .chain(groups.iter().map(|g| all(Who::Group(*g))))
                .collect(),
        }
    }

    /// Whether the setting names anyone (root aside).
    pub fn names_anyone(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Whether `peer` may create ports on `net` (`None`: on some network, for the calls on a
    /// port that exists); its supplementary groups are read from `/proc`.
    pub fn allows(&self, peer: &Peer, net: Option<&str>) -> bool {
        if peer.uid == 0 {
            return true;
        }
        let mut groups: Option<Vec<u32>> = None;
        self.rules.iter().any(|r| {
            let on = match (&r.nets, net) {
                (None, _) | (Some(_), None) => true,
                (Some(list), Some(n)) => list.iter().any(|l| l == n),
            };
            on && match r.who {
                Who::User(u) => u == peer.uid,
                Who::Group(g) => {
                    g == peer.gid
                        || groups
                            .get_or_insert_with(|| {
                                peer.pid.map(supplementary_groups).unwrap_or_default()
                            })
                            .contains(&g)
                }
            }
        })
    }

    /// Read `networkd.conf`'s text (`passwd` and `group`: the files names are looked up in).
    pub fn parse(text: &str, passwd: &str, group: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |what: String| format!("networkd.conf line {}: {what}", i + 1);
            let mut words = line.split_whitespace();
            if words.next() != Some("allow") {
                return Err(bad(format!("'{line}' is not 'allow WHO NETWORK...'")));
            }
            let who = words
                .next()
                .ok_or_else(|| bad("'allow' needs a user or @group".into()))?;
            let who = match who.strip_prefix('@') {
                Some(g) => Who::Group(
                    resolve_id(group, g).ok_or_else(|| bad(format!("unknown group '{g}'")))?,
                ),
                None => Who::User(
                    resolve_id(passwd, who).ok_or_else(|| bad(format!("unknown user '{who}'")))?,
                ),
            };
            let nets: Vec<String> = words.map(str::to_owned).collect();
            if nets.is_empty() {
                return Err(bad("'allow' needs networks (or 'all')".into()));
            }
            let nets = (!nets.iter().any(|n| n == "all")).then_some(nets);
            rules.push(Rule { who, nets });
        }
        Ok(PortAccess { rules })
    }

    /// These rules, then `other`'s.
    pub fn and(mut self, other: PortAccess) -> Self {
        self.rules.extend(other.rules);
        self
    }
}

fn supplementary_groups(pid: i32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|g| {
            g.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A user or group given by name or number, looked up in `/etc/passwd` or `/etc/group`.
pub fn resolve_id(file: &str, name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    std::fs::read_to_string(file).ok()?.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next() == Some(name))
            .then(|| f.nth(1).and_then(|id| id.parse().ok()))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(uid: u32, gid: u32) -> Peer {
        Peer {
            uid,
            gid,
            pid: None,
        }
    }

    #[test]
    fn everywhere() {
        let a = PortAccess::everywhere(&[1000], &[50]);
        assert!(a.allows(&p(0, 0), Some("x")));
        assert!(a.allows(&p(1000, 1000), Some("x")));
        assert!(a.allows(&p(2000, 50), None));
        assert!(!a.allows(&p(65534, 65534), Some("x")));
        assert!(!PortAccess::default().names_anyone());
        assert_eq!(resolve_id("/etc/passwd", "root"), Some(0));
        assert_eq!(resolve_id("/etc/passwd", "42"), Some(42));
        assert_eq!(resolve_id("/etc/passwd", "no-such-user-here"), None);
    }

    #[test]
    fn per_network() {
        let text = "# who may plug where\n\
                    allow nobody default isolated  # two networks\n\
                    \n\
                    allow @root all\n\
                    allow 1234 br0\n";
        let a = PortAccess::parse(text, "/etc/passwd", "/etc/group").unwrap();
        assert_eq!(a.rules.len(), 3);
        assert!(a.allows(&p(65534, 65534), Some("default")));
        assert!(a.allows(&p(65534, 65534), Some("isolated")));
        assert!(!a.allows(&p(65534, 65534), Some("other")));
        assert!(a.allows(&p(65534, 65534), None));
        assert!(a.allows(&p(1234, 1234), Some("br0")));
        assert!(!a.allows(&p(1234, 1234), Some("default")));
        assert!(a.allows(&p(77, 0), Some("anything")));
        assert!(!a.allows(&p(77, 77), Some("default")));
    }

    #[test]
    fn refusals() {
        let e = |t: &str| PortAccess::parse(t, "/etc/passwd", "/etc/group").unwrap_err();
        assert_eq!(
            e("deny nobody all"),
            "networkd.conf line 1: 'deny nobody all' is not 'allow WHO NETWORK...'"
        );
        assert_eq!(
            e("\nallow nobody"),
            "networkd.conf line 2: 'allow' needs networks (or 'all')"
        );
        assert_eq!(
            e("allow no-such-user-here all"),
            "networkd.conf line 1: unknown user 'no-such-user-here'"
        );
        assert_eq!(
            e("allow @no-such-group all"),
            "networkd.conf line 1: unknown group 'no-such-group'"
        );
        assert_eq!(
            e("allow"),
            "networkd.conf line 1: 'allow' needs a user or @group"
        );
    }
}
