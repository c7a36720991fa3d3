//! Character devices: `<serial>`, `<console>`, `<channel>` and the sources they (and smartcards, redirdevs, rngs) share.

use super::*;

/// A character device source of the types modelled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChrSource {
    /// `pty`, with the pty path of a running domain (printed only in the live form).
    Pty {
        path: Option<String>,
    },
    /// `unix` without a path (libvirt generates one when the domain starts).
    UnixAuto,
    /// `unix` with `mode` (`bind` or `connect`) and `path`.
    Unix {
        mode: String,
        path: String,
    },
    /// `file` with `path` and `append`.
    File {
        path: String,
        append: Option<bool>,
    },
    /// `tcp` with `mode`, `host`, `service` and `<protocol type=>`.
    Tcp {
        mode: String,
        host: Option<String>,
        service: String,
        protocol: String,
    },
    SpiceVmc,
}

impl ChrSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            ChrSource::Pty { .. } => "pty",
            ChrSource::UnixAuto | ChrSource::Unix { .. } => "unix",
            ChrSource::File { .. } => "file",
            ChrSource::Tcp { .. } => "tcp",
            ChrSource::SpiceVmc => "spicevmc",
        }
    }
}

/// `<log file= append=>` of a character device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChrLog {
    pub file: String,
    pub append: Option<bool>,
}

/// `<serial>`: an ISA serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serial {
    pub source: ChrSource,
    pub log: Option<ChrLog>,
    /// `None` until post-parse numbers it.
    pub port: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<console>`: the target types modelled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    pub source: ChrSource,
    pub log: Option<ChrLog>,
    /// `serial` (the default on x86) or `virtio`.
    pub target_type: Option<String>,
    pub port: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<channel>` with a virtio target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub source: ChrSource,
    pub name: Option<String>,
    /// `state=` of the target (`connected`/`disconnected`): runtime, live form only.
    pub state: Option<String>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    pub address: Option<Address>,
}

/// libvirt's error for a unix chardev without a path where it generates none (serials and
/// consoles: only virtio channels get a generated socket).
pub(super) fn missing_chr_path() -> ConfError {
    ConfError::Internal("Missing source path attribute for char device".into())
}

/// The source of a character device: its type attribute, `<source>`, `<protocol>` and `<log>`.
/// `allowed` names the other children the caller handles.
pub(super) fn parse_chr_source(
    n: Node<'_, '_>,
    allowed: &[&str],
    live: bool,
) -> Result<(ChrSource, Option<ChrLog>)> {
    let ty = n.attribute("type").unwrap_or("pty");
    if !matches!(ty, "pty" | "unix" | "file" | "tcp" | "spicevmc") {
        return Err(ConfError::NotImplemented(format!(
            "character device type '{ty}'"
        )));
    }
    let mut log = None;
    let mut source: Option<Node<'_, '_>> = None;
    let mut protocol = None;
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "log" => {
                let Some(file) = attr(c, "file") else {
                    return Err(ConfError::NotImplemented("<log> without a file".into()));
                };
                log = Some(ChrLog {
                    file,
                    append: on_off(c, "append")?,
                });
            }
            "source" if source.is_none() => {
                if c.children().any(|x| x.is_element()) {
                    return Err(ConfError::NotImplemented("<source> children".into()));
                }
                source = Some(c);
            }
            "protocol" if ty == "tcp" => {
                protocol = match c.attribute("type") {
                    None => None,
                    Some(p @ ("raw" | "telnet")) => Some(p.to_owned()),
                    Some(p) => {
                        return Err(ConfError::NotImplemented(format!("chardev protocol '{p}'")))
                    }
                }
            }
            "alias" => {}
            name if allowed.contains(&name) => {}
            name => {
                return Err(ConfError::NotImplemented(format!(
                    "<{}><{name}>",
                    n.tag_name().name()
                )))
            }
        }
    }
    let sattr = |k: &str| source.and_then(|s| attr(s, k));
    let mode = || -> Result<String> {
        match sattr("mode").as_deref() {
            None | Some("connect") => Ok("connect".into()),
            Some("bind") => Ok("bind".into()),
            Some(m) => Err(ConfError::NotImplemented(format!(
                "chardev source mode '{m}'"
            ))),
        }
    };
    let src = match ty {
        "pty" => {
            // libvirt reads the pty path only from live XML
            if source.is_some_and(|s| s.attributes().any(|a| a.name() != "path")) {
                return Err(ConfError::NotImplemented(
                    "<source> of a pty chardev".into(),
                ));
            }
            ChrSource::Pty {
                path: sattr("path").filter(|_| live),
            }
        }
        "spicevmc" => {
            if source.is_some() {
                return Err(ConfError::NotImplemented(format!(
                    "<source> of a {ty} chardev"
                )));
            }
            ChrSource::SpiceVmc
        }
        "unix" => match sattr("path") {
            None => ChrSource::UnixAuto,
            Some(path) => ChrSource::Unix {
                mode: mode()?,
                path,
            },
        },
        "file" => match sattr("path") {
            Some(path) => ChrSource::File {
                path,
                append: match source {
                    Some(s) => on_off(s, "append")?,
                    None => None,
                },
            },
            None => {
                return Err(ConfError::NotImplemented(
                    "file chardev without a path".into(),
                ))
            }
        },
        _ => match sattr("service") {
            Some(service) => ChrSource::Tcp {
                mode: mode()?,
                host: sattr("host"),
                service,
                protocol: protocol.unwrap_or_else(|| "raw".into()),
            },
            None => {
                return Err(ConfError::NotImplemented(
                    "tcp chardev without a service".into(),
                ))
            }
        },
    };
    if source.is_some_and(|s| {
        s.attributes()
            .any(|a| !matches!(a.name(), "mode" | "path" | "append" | "host" | "service"))
    }) {
        return Err(ConfError::NotImplemented(
            "chardev <source> attributes".into(),
        ));
    }
    Ok((src, log))
}

pub(super) fn format_chr_source(w: &mut Writer, src: &ChrSource, cx: Ctx) {
    match src {
        ChrSource::Pty { path: Some(p) } if cx.live => w.empty("source", &[("path", p.clone())]),
        ChrSource::Pty { .. } | ChrSource::UnixAuto | ChrSource::SpiceVmc => {}
        ChrSource::Unix { mode, path } => {
            w.empty("source", &[("mode", mode.clone()), ("path", path.clone())])
        }
        ChrSource::File { path, append } => {
            let mut a = vec![("path", path.clone())];
            if let Some(x) = append {
                a.push(("append", fmt_on_off(*x)));
            }
            w.empty("source", &a);
        }
        ChrSource::Tcp {
            mode,
            host,
            service,
            protocol,
        } => {
            let mut a = vec![("mode", mode.clone())];
            if let Some(h) = host {
                a.push(("host", h.clone()));
            }
            a.push(("service", service.clone()));
            w.empty("source", &a);
            w.empty("protocol", &[("type", protocol.clone())]);
        }
    }
}

pub(super) fn format_chr_log(w: &mut Writer, log: &Option<ChrLog>) {
    if let Some(l) = log {
        let mut a = vec![("file", l.file.clone())];
        if let Some(x) = l.append {
            a.push(("append", fmt_on_off(x)));
        }
        w.empty("log", &a);
    }
}
