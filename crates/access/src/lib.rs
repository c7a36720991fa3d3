//! oxvirt's access driver: the rules of `access.conf`.
//!
//! libvirt checks permissions on every API call (`connect:getattr` to open a connection,
//! `domain:start` to start a domain, ...) through an access driver, polkit in libvirt. oxvirt's
//! driver is a rules file read by every daemon at start (`DIR/etc/access.conf` under
//! `--root DIR`, `/etc/oxvirt/access.conf` otherwise). One rule per line:
//!
//! ```text
//! # ACTION SUBJECT            PERMISSIONS                              [OBJECTS]
//! allow    user:alice         connect:getattr,connect:search_domains
//! allow    user:alice         domain:getattr,domain:start,domain:stop  domain:web-*
//! allow    group:auditors     *:getattr,*:read,*:search_*
//! allow    dn:"O=Example,CN=netadmin"  connect:*,network:*,network_port:*
//! deny     *                  *
//! ```
//!
//! - ACTION: `allow` or `deny`.
//! - SUBJECT: `user:NAME`, `uid:N`, `group:NAME`, `gid:N`, `dn:PATTERN` (a TLS client
//!   certificate's distinguished name, as in `tls_allowed_dn_list`), `sasl:NAME`, or `*`
//!   (anyone). NAME and PATTERN take `*` and `?`.
//! - PERMISSIONS: comma-separated `OBJECT_TYPE:PERMISSION` with libvirt's names
//!   (`domain:start`, `storage_vol:data_write`, ...); either side may be a pattern
//!   (`domain:*`, `*:getattr`, `*:search_*`, or `*` for everything).
//! - OBJECTS (optional, default `*`): comma-separated `OBJECT_TYPE:NAME_PATTERN` or
//!   `OBJECT_TYPE`; a rule applies to a check only if one of them matches the object. An
//!   object whose name the daemon does not know at the time of the check (a restore from a
//!   file, a migration) matches only name pattern `*`.
//!
//! The first rule whose subject, permission and object all match decides; when none matches,
//! the call is denied. Double quotes group a field that holds blanks; `#` starts a comment.

#![warn(missing_docs, unreachable_pub)]

pub mod glob;
mod parse;
mod subject;

use std::path::Path;

pub use subject::Subject;

/// A rules file that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not a rule.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What a matching rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The call may go on.
    Allow,
    /// The call is refused.
    Deny,
}

/// Who a rule is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectPattern {
    /// Anyone.
    Any,
    /// A UNIX user by name pattern.
    User(String),
    /// A UNIX user by id.
    Uid(u32),
    /// A member of a group by name pattern.
    Group(String),
    /// A member of a group by id.
    Gid(u32),
    /// A TLS client by distinguished-name pattern.
    Dn(String),
    /// A SASL user by name pattern.
    Sasl(String),
}

impl SubjectPattern {
    fn matches(&self, s: &Subject) -> bool {
        let name = |p: &str, n: &Option<String>| n.as_deref().is_some_and(|n| glob::matches(p, n));
        match self {
            SubjectPattern::Any => true,
            SubjectPattern::User(p) => name(p, &s.user),
            SubjectPattern::Uid(u) => s.uid == Some(*u),
            SubjectPattern::Group(p) => s.groups.iter().any(|g| glob::matches(p, g)),
            SubjectPattern::Gid(g) => s.gids.contains(g),
            SubjectPattern::Dn(p) => name(p, &s.dn),
            SubjectPattern::Sasl(p) => name(p, &s.sasl),
        }
    }
}

/// `OBJECT_TYPE:PERMISSION`, either side a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermPattern {
    /// The object type pattern (`domain`, `*`).
    pub object: String,
    /// The permission pattern (`start`, `search_*`, `*`).
    pub perm: String,
}

/// `OBJECT_TYPE:NAME_PATTERN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPattern {
    /// The object type pattern.
    pub object: String,
    /// The name pattern (`*` also matches an object whose name is not known).
    pub name: String,
}

/// One line of the rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Allow or deny.
    pub action: Action,
    /// Who.
    pub subject: SubjectPattern,
    /// Which permissions.
    pub perms: Vec<PermPattern>,
    /// On which objects.
    pub objects: Vec<ObjectPattern>,
    /// The line it was read from (for logs).
    pub line: usize,
}

/// The object a permission is checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object<'a> {
    /// Its type: `connect`, `domain`, `network`, ...
    pub kind: &'a str,
    /// Its name, when known (`None` for `connect` and for objects not known yet).
    pub name: Option<&'a str>,
}

impl Rule {
    fn applies(&self, s: &Subject, object: Object<'_>, perm: &str) -> bool {
        self.subject.matches(s)
            && self
                .perms
                .iter()
                .any(|p| glob::matches(&p.object, object.kind) && glob::matches(&p.perm, perm))
            && self.objects.iter().any(|o| {
                glob::matches(&o.object, object.kind)
                    && match object.name {
                        Some(n) => glob::matches(&o.name, n),
                        None => o.name == "*",
                    }
            })
    }
}

/// The rules of an access.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// In file order.
    pub rules: Vec<Rule>,
}

impl Rules {
    /// Parse a rules file's text (`path` names it in errors).
    pub fn parse(text: &str, path: &str) -> Result<Self, AccessError> {
        parse::rules(text, path)
    }

    /// Read the rules file at `path`: `Ok(None)` when there is none (no access control).
    pub fn load(path: &Path) -> Result<Option<Self>, AccessError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(AccessError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Whether `subject` has permission `perm` on `object`: the first rule that matches
    /// decides; none matching denies.
    pub fn allows(&self, subject: &Subject, object: Object<'_>, perm: &str) -> bool {
        self.rules
            .iter()
            .find(|r| r.applies(subject, object, perm))
            .is_some_and(|r| r.action == Action::Allow)
    }
}

#[cfg(test)]
mod tests;
