//! The QEMU driver's `qemu.conf` (`DIR/etc/qemu.conf` for a root, `etc/qemu.conf` under the
//! system paths otherwise): the keys of libvirt's file that say who QEMU runs as and what
//! happens to the files it uses. Everything else in the file is ignored, as are unknown keys.
//!
//! - `user`, `group`: QEMU's identity when the daemon runs as root; a name, or `+N` for a
//!   number (libvirt's syntax). Default as Debian's libvirt: `libvirt-qemu` and `libvirt-qemu`
//!   (the Debian package `libvirt-daemon-system` creates them; `scripts/test` checks for them).
//! - `dynamic_ownership` (default 1): give the files a VM needs to that user for its life.
//! - `remember_owner` (default 1): keep their original owner in an extended attribute.
//! - `max_processes`, `max_files`, `max_core`: QEMU's rlimits (unset: inherited).

use std::path::Path;

use crate::QemuError;

/// The settings read from `qemu.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QemuConf {
    pub user: String,
    pub group: String,
    pub dynamic_ownership: bool,
    pub remember_owner: bool,
    pub max_processes: Option<u64>,
    pub max_files: Option<u64>,
    pub max_core: Option<u64>,
}

impl Default for QemuConf {
    fn default() -> Self {
        QemuConf {
            user: "libvirt-qemu".into(),
            group: "libvirt-qemu".into(),
            dynamic_ownership: true,
            remember_owner: true,
            max_processes: None,
            max_files: None,
            max_core: None,
        }
    }
}

fn bad(path: &Path, line: usize, what: &str) -> QemuError {
    QemuError::ConfigUnsupported(format!("{}:{line}: {what}", path.display()))
}

/// One `key = value` line's value: a quoted string or an integer.
#[derive(Debug, PartialEq, Eq)]
enum Value {
    Str(String),
    Int(u64),
}

fn value(v: &str) -> Option<Value> {
    let v = v.trim();
    if let Some(s) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Some(Value::Str(s.to_owned()));
    }
    v.parse().ok().map(Value::Int)
}

impl QemuConf {
    /// Parse the text of `path` (for error messages).
    pub fn parse(text: &str, path: &Path) -> Result<QemuConf, QemuError> {
        let mut c = QemuConf::default();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = strip_comment(line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(bad(path, n, "expecting '='"));
            };
            let k = k.trim();
            let val = || value(v).ok_or_else(|| bad(path, n, "expecting a value"));
            let flag = |v: Value| match v {
                Value::Int(i) => Ok(i != 0),
                Value::Str(_) => Err(bad(path, n, &format!("{k}: expected a number"))),
            };
            let num = |v: Value| match v {
                Value::Int(i) => Ok(Some(i)),
                Value::Str(s) if k == "max_core" && s == "unlimited" => Ok(Some(u64::MAX)),
                Value::Str(_) => Err(bad(path, n, &format!("{k}: expected a number"))),
            };
            let text = |v: Value| match v {
                Value::Str(s) => Ok(s),
                Value::Int(_) => Err(bad(path, n, &format!("{k}: expected a string"))),
            };
            match k {
                "user" => c.user = text(val()?)?,
                "group" => c.group = text(val()?)?,
                "dynamic_ownership" => c.dynamic_ownership = flag(val()?)?,
                "remember_owner" => c.remember_owner = flag(val()?)?,
                "max_processes" => c.max_processes = num(val()?)?.filter(|v| *v != 0),
                "max_files" => c.max_files = num(val()?)?.filter(|v| *v != 0),
                "max_core" => c.max_core = num(val()?)?,
                _ => {}
            }
        }
        Ok(c)
    }

    /// Read `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<QemuConf, QemuError> {
        match std::fs::read_to_string(path) {
            Ok(t) => Self::parse(&t, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QemuConf::default()),
            Err(source) => Err(QemuError::Io {
                what: format!("cannot read {}", path.display()),
                source,
            }),
        }
    }
}

/// The entries of a colon-separated database (`/etc/passwd`, `/etc/group`).
fn entries(file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split(':').map(str::to_owned).collect())
        .collect()
}

/// A user or group named as libvirt's `qemu.conf` does: `+N` is the number N; otherwise a name
/// in `db`, or a number (libvirt's `virGetUserID`/`virGetGroupID`).
fn resolve(spec: &str, db: &[Vec<String>]) -> Option<u32> {
    if let Some(n) = spec.strip_prefix('+') {
        return n.parse().ok();
    }
    db.iter()
        .find(|e| e.first().is_some_and(|n| n == spec))
        .and_then(|e| e.get(2)?.parse().ok())
        .or_else(|| spec.parse().ok())
}

/// QEMU's identity: uid, gid, and the supplementary groups (as libvirt's `virGetGroupList`:
/// `getgrouplist` of the user, that is its primary group in `/etc/passwd` and the groups that
/// list it as a member in `/etc/group`, then `gid`).
pub fn identity(c: &QemuConf) -> Result<oxvirt_jail::Identity, QemuError> {
    identity_in(c, &entries("/etc/passwd"), &entries("/etc/group"))
}

/// [`identity`] over the given user and group databases.
fn identity_in(
    c: &QemuConf,
    passwd: &[Vec<String>],
    groups: &[Vec<String>],
) -> Result<oxvirt_jail::Identity, QemuError> {
    let uid = resolve(&c.user, passwd).ok_or_else(|| {
        QemuError::ConfigUnsupported(format!("Failed to find user record for name '{}'", c.user))
    })?;
    let gid = resolve(&c.group, groups).ok_or_else(|| {
        QemuError::ConfigUnsupported(format!(
            "Failed to find group record for name '{}'",
            c.group
        ))
    })?;
    let user = passwd
        .iter()
        .find(|e| e.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid));
    let name = user.and_then(|e| e.first().cloned());
    let primary = user.and_then(|e| e.get(3)?.parse::<u32>().ok());
    let mut list: Vec<u32> = groups
        .iter()
        .filter(|g| {
            name.as_deref().is_some_and(|n| {
                g.get(3)
                    .is_some_and(|m| m.split(',').any(|member| member == n))
            })
        })
        .filter_map(|g| g.get(2)?.parse().ok())
        .chain(primary)
        .collect();
    list.push(gid);
    list.sort_unstable();
    list.dedup();
    Ok(oxvirt_jail::Identity {
        uid,
        gid,
        groups: list,
    })
}

/// A line without its `#` comment: the first `#` outside a quoted string.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_libvirt_writes_them() {
        let p = Path::new("qemu.conf");
        let c = QemuConf::parse(
            "# a comment\nuser = \"+107\"   # trailing\ngroup=\"kvm\"\n\
             dynamic_ownership = 0\nremember_owner = 0\nmax_files = 4096\n\
             max_core = \"unlimited\"\nsecurity_driver = [ \"none\" ]\n",
            p,
        )
        .unwrap();
        assert_eq!(c.user, "+107");
        assert_eq!(c.group, "kvm");
        assert!(!c.dynamic_ownership && !c.remember_owner);
        assert_eq!(c.max_files, Some(4096));
        assert_eq!(c.max_core, Some(u64::MAX));
        assert_eq!(QemuConf::parse("", p).unwrap(), QemuConf::default());
        assert!(QemuConf::parse("user = 5\n", p).is_err());
        assert!(QemuConf::parse("nonsense\n", p).is_err());
    }

    #[test]
    fn users_by_number_name_or_plus() {
        let db = vec![vec!["qemu".to_owned(), "x".into(), "64055".into()]];
        assert_eq!(resolve("+5", &db), Some(5));
        assert_eq!(resolve("qemu", &db), Some(64055));
        assert_eq!(resolve("17", &db), Some(17));
        assert_eq!(resolve("nobody-here", &db), None);
        let root = identity(&QemuConf {
            user: "+0".into(),
            group: "+0".into(),
            ..QemuConf::default()
        })
        .unwrap();
        assert_eq!((root.uid, root.gid), (0, 0));
        assert!(root.groups.contains(&0));
    }
    fn db(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(':').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn the_users_primary_group_is_among_its_groups() {
        // Debian: libvirt-qemu's primary group is kvm, of which /etc/group lists no member;
        // without it QEMU cannot open /dev/kvm (root:kvm 0660)
        let passwd = db("root:x:0:0::/root:/bin/sh\nlibvirt-qemu:x:64055:106::/var/lib/libvirt:/usr/sbin/nologin");
        let groups = db("root:x:0:\nkvm:x:106:\nlibvirt-qemu:x:64055:libvirt-qemu\ndisk:x:6:other");
        let id = identity_in(&QemuConf::default(), &passwd, &groups).unwrap();
        assert_eq!((id.uid, id.gid), (64055, 64055));
        assert_eq!(id.groups, vec![106, 64055]);
        let conf = QemuConf {
            group: "disk".into(),
            ..QemuConf::default()
        };
        let id = identity_in(&conf, &passwd, &groups).unwrap();
        assert_eq!(id.groups, vec![6, 106, 64055]);
    }
}
