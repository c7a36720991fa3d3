//! Who makes a call: a UNIX user (SO_PEERCRED, or forwarded by a front daemon), a TLS client
//! certificate's distinguished name, a SASL user name.

use std::path::Path;

/// The identity access rules are matched against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// The UNIX user id.
    pub uid: Option<u32>,
    /// The UNIX user name (from the password database).
    pub user: Option<String>,
    /// The user's groups, primary first (ids).
    pub gids: Vec<u32>,
    /// The user's groups by name.
    pub groups: Vec<String>,
    /// The TLS client certificate's distinguished name.
    pub dn: Option<String>,
    /// The SASL user name.
    pub sasl: Option<String>,
}

impl Subject {
    /// A local user with primary group `gid`, names and supplementary groups looked up in
    /// `/etc/passwd` and `/etc/group`.
    pub fn unix(uid: u32, gid: u32) -> Self {
        Self::unix_in(uid, gid, Path::new("/etc"))
    }

    /// [`Subject::unix`] with the databases of another `/etc` (tests).
    pub fn unix_in(uid: u32, gid: u32, etc: &Path) -> Self {
        let passwd = entries(&etc.join("passwd"));
        let group = entries(&etc.join("group"));
        let user = passwd
            .iter()
            .find(|e| e.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
            .and_then(|e| e.first().cloned());
        let mut gids = vec![gid];
        let mut groups = Vec::new();
        for g in &group {
            let (Some(name), Some(id)) = (g.first(), g.get(2).and_then(|i| i.parse::<u32>().ok()))
            else {
                continue;
            };
            let member = user.as_deref().is_some_and(|u| {
                g.get(3)
                    .is_some_and(|m| m.split(',').any(|member| member == u))
            });
            if id == gid {
                groups.insert(0, name.clone());
            } else if member {
                gids.push(id);
                groups.push(name.clone());
            }
        }
        Subject {
            uid: Some(uid),
            user,
            gids,
            groups,
            ..Subject::default()
        }
    }

    /// A TLS client known by its certificate's distinguished name.
    pub fn tls(dn: &str) -> Self {
        Subject {
            dn: Some(dn.to_owned()),
            ..Subject::default()
        }
    }

    /// How the subject is named in logs: `user 'alice'`, `uid 1001`, `dn 'CN=x'`.
    pub fn describe(&self) -> String {
        match (&self.user, self.uid, &self.dn, &self.sasl) {
            (_, _, _, Some(s)) => format!("sasl user '{s}'"),
            (_, _, Some(dn), _) => format!("dn '{dn}'"),
            (Some(u), _, _, _) => format!("user '{u}'"),
            (None, Some(uid), _, _) => format!("uid {uid}"),
            _ => "anonymous".to_owned(),
        }
    }
}

/// The colon-separated records of a database file (an unreadable file has none).
fn entries(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').map(str::to_owned).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_names_and_groups() {
        let d = std::env::temp_dir().join(format!("oxvirt-access-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("passwd"),
            "root:x:0:0::/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            d.join("group"),
            "root:x:0:\nalice:x:1001:\nops:x:2000:bob,alice\nother:x:2001:bob\n",
        )
        .unwrap();
        let s = Subject::unix_in(1001, 1001, &d);
        assert_eq!(s.user.as_deref(), Some("alice"));
        assert_eq!(s.gids, vec![1001, 2000]);
        assert_eq!(s.groups, vec!["alice".to_owned(), "ops".to_owned()]);
        let nobody = Subject::unix_in(4242, 4242, &d);
        assert_eq!(nobody.user, None);
        assert_eq!(nobody.describe(), "uid 4242");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
