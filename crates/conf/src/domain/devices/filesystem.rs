//! `<filesystem>`: a host directory shared with virtio-9p or virtiofs.

use super::*;

/// `<filesystem type='mount'>`: a host directory shared with virtio-9p or virtiofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    /// `passthrough`, `mapped` or `squash`; `None` until post-parse (passthrough).
    pub accessmode: Option<String>,
    /// `<driver>` attributes in libvirt's order (type, format, wrpolicy, queue).
    pub driver: Vec<(&'static str, String)>,
    /// `<binary>` of virtiofs.
    pub binary: Option<FsBinary>,
    /// `<source dir=>` on the host.
    pub source_dir: String,
    /// `<target dir=>`: the mount tag in the guest.
    pub target_dir: String,
    /// `<readonly/>`.
    pub readonly: bool,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// `<binary>` of a virtiofs filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FsBinary {
    /// `path=`: the virtiofsd binary.
    pub path: Option<String>,
    /// `xattr=`.
    pub xattr: Option<bool>,
    /// `<cache mode=>`.
    pub cache_mode: Option<String>,
    /// `<sandbox mode=>`.
    pub sandbox_mode: Option<String>,
    /// `<lock posix= flock=>`.
    pub lock_posix: Option<bool>,
    /// `<lock flock=>`.
    pub lock_flock: Option<bool>,
    /// `<thread_pool size=>`.
    pub thread_pool: Option<u32>,
}

pub(super) fn parse_filesystem(n: Node<'_, '_>, live: bool) -> Result<Filesystem> {
    match n.attribute("type") {
        None | Some("mount") => {}
        Some(t @ ("block" | "file" | "template" | "ram" | "bind" | "volume")) => {
            return Err(ConfError::NotImplemented(format!("filesystem type '{t}'")))
        }
        Some(t) => {
            return Err(ConfError::unsupported(format!(
                "unknown filesystem type '{t}'"
            )))
        }
    }
    for a in n.attributes() {
        if !matches!(a.name(), "type" | "accessmode") {
            return Err(ConfError::NotImplemented(format!(
                "<filesystem> attribute '{}'",
                a.name()
            )));
        }
    }
    let accessmode = match n.attribute("accessmode") {
        None => None,
        Some(m @ ("passthrough" | "mapped" | "squash")) => Some(m.to_owned()),
        Some(m) => {
            return Err(ConfError::unsupported(format!("unknown accessmode '{m}'")));
        }
    };
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(
            c.tag_name().name(),
            "driver" | "binary" | "source" | "target" | "readonly" | "alias" | "address"
        ) {
            return Err(ConfError::NotImplemented(format!(
                "<filesystem><{}>",
                c.tag_name().name()
            )));
        }
    }
    let mut driver = Vec::new();
    let mut virtiofs = false;
    if let Some(d) = child(n, "driver") {
        const ATTRS: &[&str] = &["type", "format", "wrpolicy", "queue"];
        if d.has_children() || d.attributes().any(|a| !ATTRS.contains(&a.name())) {
            return Err(ConfError::NotImplemented("this filesystem <driver>".into()));
        }
        match d.attribute("type") {
            None => {}
            Some(t @ ("path" | "handle" | "loop" | "nbd" | "ploop" | "virtiofs")) => {
                virtiofs = t == "virtiofs";
                driver.push(("type", t.to_owned()));
            }
            Some(t) => {
                return Err(ConfError::unsupported(format!(
                    "unknown fs driver type '{t}'"
                )))
            }
        }
        if let Some(f) = d.attribute("format") {
            driver.push(("format", f.to_owned()));
        }
        match d.attribute("wrpolicy") {
            None | Some("default") => {}
            Some("immediate") => driver.push(("wrpolicy", "immediate".into())),
            Some(w) => {
                return Err(ConfError::unsupported(format!(
                    "unknown filesystem write policy '{w}'"
                )))
            }
        }
        if let Some(q) = uint_attr(d, "queue")? {
            driver.push(("queue", q.to_string()));
        }
    }
    let binary = match child(n, "binary") {
        None => None,
        Some(b) if virtiofs => {
            let mut fb = FsBinary {
                path: attr(b, "path"),
                xattr: on_off(b, "xattr")?,
                ..FsBinary::default()
            };
            for c in b.children().filter(|c| c.is_element()) {
                match c.tag_name().name() {
                    "cache" => fb.cache_mode = attr(c, "mode"),
                    "sandbox" => fb.sandbox_mode = attr(c, "mode"),
                    "lock" => {
                        fb.lock_posix = on_off(c, "posix")?;
                        fb.lock_flock = on_off(c, "flock")?;
                    }
                    "thread_pool" => fb.thread_pool = uint_attr(c, "size")?,
                    other => {
                        return Err(ConfError::NotImplemented(format!(
                            "<filesystem><binary><{other}>"
                        )))
                    }
                }
            }
            Some(fb)
        }
        Some(_) => None,
    };
    let source_dir = child(n, "source")
        .and_then(|s| attr(s, "dir"))
        .unwrap_or_default();
    if source_dir.is_empty() {
        return Err(ConfError::Xml(
            "missing source information for filesystem".into(),
        ));
    }
    let target_dir = child(n, "target")
        .and_then(|t| attr(t, "dir"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ConfError::Xml("missing target information for filesystem".into()))?;
    Ok(Filesystem {
        accessmode,
        driver,
        binary,
        source_dir,
        target_dir,
        readonly: child(n, "readonly").is_some(),
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

pub(super) fn format_filesystem(w: &mut Writer, f: &Filesystem, cx: Ctx) {
    w.open(
        "filesystem",
        &[
            ("type", "mount".into()),
            (
                "accessmode",
                f.accessmode.clone().unwrap_or_else(|| "passthrough".into()),
            ),
        ],
    );
    if !f.driver.is_empty() {
        let a: Vec<(&str, String)> = f.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
        w.empty("driver", &a);
    }
    if let Some(b) = &f.binary {
        let mut a = Vec::new();
        if let Some(p) = &b.path {
            a.push(("path", p.clone()));
        }
        if let Some(x) = b.xattr {
            a.push(("xattr", fmt_on_off(x)));
        }
        w.child("binary", &a, |w| {
            if let Some(m) = &b.cache_mode {
                w.empty("cache", &[("mode", m.clone())]);
            }
            if let Some(m) = &b.sandbox_mode {
                w.empty("sandbox", &[("mode", m.clone())]);
            }
            let mut l = Vec::new();
            if let Some(p) = b.lock_posix {
                l.push(("posix", fmt_on_off(p)));
            }
            if let Some(p) = b.lock_flock {
                l.push(("flock", fmt_on_off(p)));
            }
            if !l.is_empty() {
                w.empty("lock", &l);
            }
            if let Some(t) = b.thread_pool {
                w.empty("thread_pool", &[("size", t.to_string())]);
            }
        });
    }
    w.empty("source", &[("dir", f.source_dir.clone())]);
    w.empty("target", &[("dir", f.target_dir.clone())]);
    if f.readonly {
        w.empty("readonly", &[]);
    }
    cx.alias(w, &f.alias);
    format_address(w, &f.address);
    w.close("filesystem");
}
