//! What pools and volumes share: permissions, sizes, paths, and reading elements the way
//! libvirt's XPath helpers do.

use super::{Result, StorageConfError};
use crate::xml::Writer;
use roxmltree::Node;

pub(crate) use crate::xpath::{at, attr_at, child, children, string, text_of};

/// `virXMLPropTristateBool`: `yes`/`no`, anything else is libvirt's error.
pub(crate) fn yes_no(n: Node<'_, '_>, name: &str) -> Result<Option<bool>> {
    match n.attribute(name) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(v) => Err(bad_attr(n, name, v, "")),
    }
}

/// `virXMLProp*`'s error for a bad attribute value (`VIR_FROM_XML`).
pub(crate) fn bad_attr(n: Node<'_, '_>, name: &str, v: &str, expected: &str) -> StorageConfError {
    StorageConfError::XmlValue(format!(
        "Invalid value for attribute '{name}' in element '{}': '{v}'.{expected}",
        n.tag_name().name()
    ))
}

/// `virFileSanitizePath`: `//` stays at the start (POSIX allows it), other runs of `/` become
/// one, and a trailing `/` goes.
pub fn sanitize_path(path: &str) -> String {
    let b = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut idx = 0;
    if b.len() >= 2 && b[0] == b'/' && b[1] == b'/' && b.get(2) != Some(&b'/') {
        out.push_str("//");
        idx = 2;
    }
    let rest = path.get(idx..).unwrap_or("");
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'/') {
            continue;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// A size element (`virStorageSize`): a decimal value (a malformed one is "malformed capacity
/// element", for allocations too) scaled by its unit, at most `LLONG_MAX` bytes.
pub(crate) fn storage_size(text: &str, unit: Option<&str>) -> Result<u64> {
    let value = parse_ull(text)
        .ok_or_else(|| StorageConfError::Xml("malformed capacity element".into()))?;
    scale(value, text, unit, i64::MAX as u64)
}

/// `virScaleInteger`: `value` × the unit's bytes (bytes when there is none), at most `limit`.
pub(crate) fn scale(value: u64, text: &str, unit: Option<&str>, limit: u64) -> Result<u64> {
    let factor = match unit.filter(|u| !u.is_empty()) {
        None => 1,
        Some(u) => crate::domain::unit_scale(u)
            .ok_or_else(|| StorageConfError::InvalidArg(format!("unknown suffix '{u}'")))?,
    };
    value
        .checked_mul(factor)
        .filter(|b| *b <= limit)
        .ok_or_else(|| {
            StorageConfError::Overflow(format!(
                "value too large: {}{}",
                text.trim(),
                unit.unwrap_or("")
            ))
        })
}

/// `virStrToLong_ullp(.., 10)`: decimal, leading blanks and `+` allowed, no sign `-`.
pub(crate) fn parse_ull(s: &str) -> Option<u64> {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `<permissions>` of a pool target, a volume or a backing store. `None` fields are libvirt's
/// `-1` (not set, inherited).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Perms {
    /// `<mode>`: the file mode (octal in the XML).
    pub mode: Option<u32>,
    /// `<owner>`: the owning uid.
    pub owner: Option<u32>,
    /// `<group>`: the owning gid.
    pub group: Option<u32>,
    /// `<label>`: the security label.
    pub label: Option<String>,
}

impl Perms {
    /// `virStorageDefParsePerms` on `<permissions>` (absent: nothing set).
    pub(crate) fn parse(node: Option<Node<'_, '_>>) -> Result<Perms> {
        let Some(p) = node else {
            return Ok(Perms::default());
        };
        let mut perms = Perms::default();
        if let Some(mode) = string(p, "mode") {
            let m = parse_octal(&mode)
                .filter(|m| m & !0o777 == 0)
                .ok_or_else(|| StorageConfError::Xml("malformed octal mode".into()))?;
            perms.mode = Some(m as u32);
        }
        perms.owner = id(p, "owner")?;
        perms.group = id(p, "group")?;
        perms.label = string(p, "label");
        Ok(perms)
    }

    /// Whether nothing is set (no `<permissions>` element is printed).
    pub fn is_empty(&self) -> bool {
        self.mode.is_none() && self.owner.is_none() && self.group.is_none() && self.label.is_none()
    }

    pub(crate) fn format(&self, w: &mut Writer) {
        if self.is_empty() {
            return;
        }
        w.open("permissions", &[]);
        if let Some(m) = self.mode {
            w.text("mode", &[], &format!("0{m:o}"));
        }
        if let Some(o) = self.owner {
            w.text("owner", &[], &(o as i32).to_string());
        }
        if let Some(g) = self.group {
            w.text("group", &[], &(g as i32).to_string());
        }
        if let Some(l) = &self.label {
            w.text("label", &[], l);
        }
        w.close("permissions");
    }
}

/// `virStrToLong_i(s, NULL, 8)`: the whole string in octal, leading blanks and a sign allowed.
fn parse_octal(s: &str) -> Option<i64> {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    let v = i64::from_str_radix(digits, 8)
        .ok()
        .filter(|v| *v <= i32::MAX as i64)?;
    Some(if neg { -v } else { v })
}

/// `<owner>`/`<group>`: XPath `number()` of the text, a `uid_t` or -1 (not set).
fn id(p: Node<'_, '_>, name: &str) -> Result<Option<u32>> {
    let Some(n) = child(p, name) else {
        return Ok(None);
    };
    let bad = || StorageConfError::Xml(format!("malformed {name} element"));
    let v = xpath_number(&text_of(n)).ok_or_else(bad)?;
    let v = v.trunc();
    if v == -1.0 {
        return Ok(None);
    }
    if !(0.0..=u32::MAX as f64).contains(&v) {
        return Err(bad());
    }
    let v = v as u32;
    Ok((v != u32::MAX).then_some(v))
}

/// XPath 1.0 `number()`: optional blanks, an optional `-`, digits with an optional fraction.
fn xpath_number(s: &str) -> Option<f64> {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    let body = t.strip_prefix('-').unwrap_or(t);
    let valid = !body.is_empty()
        && body != "."
        && body.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && body.bytes().filter(|c| *c == b'.').count() <= 1;
    if !valid {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_libvirt() {
        assert_eq!(sanitize_path("//srv//images4/./x/"), "//srv/images4/./x");
        assert_eq!(sanitize_path("///a//b/"), "/a/b");
        assert_eq!(sanitize_path("/"), "/");
        assert_eq!(sanitize_path("rel/dir/"), "rel/dir");
    }

    #[test]
    fn sizes() {
        assert_eq!(storage_size("3", Some("MiB")), Ok(3 << 20));
        assert_eq!(storage_size("100", Some("KB")), Ok(100_000));
        assert_eq!(storage_size(" 7", None), Ok(7));
        assert!(matches!(
            storage_size("-1", None),
            Err(StorageConfError::Xml(_))
        ));
        assert_eq!(
            storage_size("16", Some("EiB")),
            Err(StorageConfError::Overflow("value too large: 16EiB".into()))
        );
    }

    #[test]
    fn modes_and_ids() {
        assert_eq!(parse_octal("755"), Some(0o755));
        assert_eq!(parse_octal("0711"), Some(0o711));
        assert_eq!(parse_octal("8"), None);
        assert_eq!(xpath_number(" 107 "), Some(107.0));
        assert_eq!(xpath_number("abc"), None);
    }
}
