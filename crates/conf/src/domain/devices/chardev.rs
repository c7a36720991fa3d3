//! Character devices: `<serial>`, `<console>`, `<channel>` and the sources they (and smartcards, redirdevs, rngs) share.

use super::*;

/// A character device source of the types modelled so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChrSource {
    /// `pty`, with the pty path of a running domain (printed only in the live form).
    Pty {
        /// The pty's path once QEMU opened it (live form only).
        path: Option<String>,
    },
    /// `unix` without a path (libvirt generates one when the domain starts).
    UnixAuto,
    /// `unix` with `mode` (`bind` or `connect`) and `path`.
    Unix {
        /// `mode=`: `bind` or `connect`.
        mode: String,
        /// The socket's path.
        path: String,
    },
    /// `file` with `path` and `append`.
    File {
        /// The file's path.
        path: String,
        /// `append=`.
        append: Option<bool>,
    },
    /// `tcp` with `mode`, `host`, `service` and `<protocol type=>`.
    Tcp {
        /// `mode=`: `bind` or `connect`.
        mode: String,
        /// `host=`.
        host: Option<String>,
        /// `service=`: the port.
        service: String,
        /// `<protocol type=>`: `raw` or `telnet`.
        protocol: String,
    },
    /// `type='spicevmc'`: a SPICE channel.
    SpiceVmc,
}

impl ChrSource {
    /// The `type=` of the source.
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
    /// `file=`.
    pub file: String,
    /// `append=`.
    pub append: Option<bool>,
}

/// `<serial>`: an ISA serial port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serial {
    /// The host side.
    pub source: ChrSource,
    /// `<log>`.
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
    /// The host side.
    pub source: ChrSource,
    /// `<log>`.
    pub log: Option<ChrLog>,
    /// `serial` (the default on x86) or `virtio`.
    pub target_type: Option<String>,
    /// `<target port=>`.
    pub port: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
}

/// `<channel>` with a virtio target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// The host side.
    pub source: ChrSource,
    /// `<target name=>`: the guest's name of the port.
    pub name: Option<String>,
    /// `state=` of the target (`connected`/`disconnected`): runtime, live form only.
    pub state: Option<String>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
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

/// A `<serial>` of `<devices>` into `out`.
pub(super) fn read_serial(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let (source, log) = parse_chr_source(n, &["target"], live)?;
    let port = match child(n, "target") {
        Some(t) => {
            if !matches!(t.attribute("type"), None | Some("isa-serial"))
                || t.children().any(|c| {
                    c.is_element()
                        && !(c.tag_name().name() == "model"
                            && c.attribute("name") == Some("isa-serial"))
                })
            {
                return Err(ConfError::NotImplemented(
                    "serial targets other than isa-serial".into(),
                ));
            }
            uint_attr(t, "port")?
        }
        None => None,
    };
    if source == ChrSource::UnixAuto {
        return Err(missing_chr_path());
    }
    if source == ChrSource::SpiceVmc {
        return Err(ConfError::NotImplemented(format!(
            "this serial type '{}'",
            source.as_str()
        )));
    }
    out.serials.push(Serial {
        source,
        log,
        port,
        alias: parse_alias(n, live)?,
    });
    Ok(())
}

/// A `<console>` of `<devices>` into `out`.
pub(super) fn read_console(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let (source, log) = parse_chr_source(n, &["target"], live)?;
    let (target_type, port) = match child(n, "target") {
        Some(t) => (attr(t, "type"), uint_attr(t, "port")?),
        None => (None, None),
    };
    // a serial console prints the source of its serial port, whatever its type;
    // a virtio console takes any source with a path
    if source == ChrSource::UnixAuto {
        return Err(missing_chr_path());
    }
    let source_ok = source != ChrSource::SpiceVmc;
    if !source_ok
        || !matches!(
            target_type.as_deref(),
            None | Some("serial") | Some("virtio")
        )
    {
        return Err(ConfError::NotImplemented("this <console>".into()));
    }
    out.consoles.push(Console {
        source,
        log,
        target_type,
        port,
        alias: parse_alias(n, live)?,
    });
    Ok(())
}

/// A `<channel>` of `<devices>` into `out`.
pub(super) fn read_channel(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let (source, log) = parse_chr_source(n, &["target", "address"], live)?;
    // the socket path libvirt 9.0 used to generate is dropped again
    let source = match source {
        ChrSource::Unix { path, .. }
            if !live && path.starts_with("/var/lib/libvirt/qemu/channel/target/") =>
        {
            ChrSource::UnixAuto
        }
        s => s,
    };
    let generated = |p: &str| live && p.starts_with("/var/lib/libvirt/qemu/channel/target/");
    let source_ok = match &source {
        ChrSource::UnixAuto
        | ChrSource::SpiceVmc
        | ChrSource::Pty { .. }
        | ChrSource::File { .. } => true,
        ChrSource::Unix { mode, path } => {
            (mode == "bind" && generated(path))
                || !path.starts_with("/var/lib/libvirt/qemu/channel/target/")
        }
        _ => false,
    };
    if log.is_some() || !source_ok {
        return Err(ConfError::NotImplemented("this <channel> source".into()));
    }
    let Some(t) = child(n, "target") else {
        return Err(ConfError::NotImplemented(
            "<channel> without a target".into(),
        ));
    };
    if t.attribute("type") != Some("virtio") {
        return Err(ConfError::NotImplemented(
            "channel targets other than virtio".into(),
        ));
    }
    let address = parse_address(n)?;
    let state = match t.attribute("state").filter(|_| live) {
        None => None,
        Some(s @ ("connected" | "disconnected")) => Some(s.to_owned()),
        Some(s) => return Err(ConfError::NotImplemented(format!("channel state '{s}'"))),
    };
    out.channels.push(Channel {
        source,
        name: attr(t, "name"),
        state,
        alias: parse_alias(n, live)?,
        address,
    });
    Ok(())
}

pub(super) fn format_serial(w: &mut Writer, sr: &Serial, cx: Ctx) {
    w.open("serial", &[("type", sr.source.as_str().into())]);
    format_chr_source(w, &sr.source, cx);
    format_chr_log(w, &sr.log);
    let port = sr.port.unwrap_or(0).to_string();
    w.child(
        "target",
        &[("type", "isa-serial".into()), ("port", port)],
        |w| w.empty("model", &[("name", "isa-serial".into())]),
    );
    cx.alias(w, &sr.alias);
    w.close("serial");
}

pub(super) fn format_channel(w: &mut Writer, ch: &Channel, cx: Ctx) {
    w.open("channel", &[("type", ch.source.as_str().into())]);
    // the socket path libvirt generates is runtime state
    let generated = matches!(&ch.source, ChrSource::Unix { path, .. }
        if path.starts_with("/var/lib/libvirt/qemu/channel/target/"));
    if cx.live || !generated {
        format_chr_source(w, &ch.source, cx);
    }
    let mut a = vec![("type", "virtio".to_string())];
    if let Some(n) = &ch.name {
        a.push(("name", n.clone()));
    }
    if let (true, Some(st)) = (cx.live, &ch.state) {
        a.push(("state", st.clone()));
    }
    w.empty("target", &a);
    cx.alias(w, &ch.alias);
    format_address(w, &ch.address);
    w.close("channel");
}

/// The `<console>`s, with libvirt's copy of serial 0 as console 0 (and a console for serial 0
/// when there is none).
pub(super) fn format_consoles(w: &mut Writer, d: &Devices, cx: Ctx) {
    type ConsoleOut = (ChrSource, Option<ChrLog>, String, u32, Option<String>);
    let mut consoles: Vec<ConsoleOut> = Vec::new();
    for (n, c) in d.consoles.iter().enumerate() {
        let serial_target = matches!(c.target_type.as_deref(), None | Some("serial"));
        match d.serials.get(n).filter(|_| serial_target) {
            // libvirt's console 0 is a copy of serial 0, alias included
            Some(sr) => consoles.push((
                sr.source.clone(),
                sr.log.clone(),
                "serial".into(),
                sr.port.unwrap_or(0),
                if n == 0 {
                    sr.alias.clone().or_else(|| c.alias.clone())
                } else {
                    c.alias.clone()
                },
            )),
            None => consoles.push((
                c.source.clone(),
                c.log.clone(),
                c.target_type.clone().unwrap_or_else(|| "serial".into()),
                c.port.unwrap_or(0),
                c.alias.clone(),
            )),
        }
    }
    if d.consoles.is_empty() {
        if let Some(sr) = d.serials.first() {
            consoles.push((
                sr.source.clone(),
                sr.log.clone(),
                "serial".into(),
                sr.port.unwrap_or(0),
                sr.alias.clone(),
            ));
        }
    }
    for (src, log, ty, port, alias) in &consoles {
        let mut a = vec![("type", src.as_str().to_string())];
        if let (true, ChrSource::Pty { path: Some(p) }) = (cx.live, src) {
            a.push(("tty", p.clone()));
        }
        w.open("console", &a);
        format_chr_source(w, src, cx);
        format_chr_log(w, log);
        w.empty(
            "target",
            &[("type", ty.clone()), ("port", port.to_string())],
        );
        cx.alias(w, alias);
        w.close("console");
    }
}

/// The console/serial duplication of `virDomainDefAddConsoleCompat` and the serial port numbers.
pub(crate) fn chardev_defaults(def: &mut Domain) -> Result<()> {
    let devs = &mut def.devices;
    let serial_target = |c: &Console| matches!(c.target_type.as_deref(), None | Some("serial"));
    if devs.consoles.iter().skip(1).any(serial_target) {
        return Err(ConfError::unsupported(
            "Only the first console can be a serial port",
        ));
    }
    // libvirt's parser numbers consoles by their place in the XML, whatever port they give
    // (so defining its own output again can renumber virtio consoles: see the corpus's
    // *.redefined.xml)
    for (i, c) in devs.consoles.iter_mut().enumerate() {
        c.port = u32::try_from(i).ok();
    }
    // a first console that is not the serial one gets a serial console in front of it
    if let (Some(c), Some(s)) = (devs.consoles.first(), devs.serials.first()) {
        if !serial_target(c) {
            devs.consoles.insert(
                0,
                Console {
                    source: s.source.clone(),
                    log: s.log.clone(),
                    target_type: Some("serial".into()),
                    port: None,
                    alias: None,
                },
            );
        }
    }
    if let Some(c) = devs.consoles.first() {
        if devs.serials.is_empty() && serial_target(c) {
            devs.serials.push(Serial {
                source: c.source.clone(),
                log: c.log.clone(),
                port: None,
                alias: c.alias.clone(),
            });
        }
    }
    // libvirt checks the ports the XML gives (not the ones it picks: its own output with a
    // picked port 4 is refused when defined again)
    if devs.serials.iter().any(|s| s.port.is_some_and(|p| p > 3)) {
        return Err(ConfError::Internal(
            "Maximum supported number of ISA serial ports is '4'".into(),
        ));
    }
    let mut seen: Vec<u32> = Vec::new();
    for p in devs.serials.iter().filter_map(|s| s.port) {
        if seen.contains(&p) {
            return Err(ConfError::NotImplemented(
                "serial ports sharing a port".into(),
            ));
        }
        seen.push(p);
    }
    let mut next = 0;
    for s in &devs.serials {
        if let Some(p) = s.port {
            next = next.max(p.saturating_add(1));
        }
    }
    for s in &mut devs.serials {
        if s.port.is_none() {
            s.port = Some(next);
            next = next.saturating_add(1);
        }
    }
    Ok(())
}

/// Virtio-serial ports of the channels (`qemuDomainAssignVirtioSerialAddresses`): the ports the
/// XML gives are kept, the others take the first free port from 1 of their controller.
pub(crate) fn assign_virtio_serial_ports(devs: &mut Devices) -> Result<()> {
    let mut used: Vec<(u32, u32)> = Vec::new();
    for ch in &devs.channels {
        if let Some(Address::VirtioSerial {
            controller, port, ..
        }) = ch.address
        {
            if port != 0 {
                if used.contains(&(controller, port)) {
                    return Err(ConfError::Xml(format!(
                        "virtio serial port {port} on controller {controller} is already occupied"
                    )));
                }
                used.push((controller, port));
            }
        }
    }
    for ch in &mut devs.channels {
        let controller = match ch.address {
            Some(Address::VirtioSerial { port, .. }) if port != 0 => continue,
            Some(Address::VirtioSerial { controller, .. }) => controller,
            _ => 0,
        };
        let port = (1..)
            .find(|p| !used.contains(&(controller, *p)))
            .unwrap_or(1);
        used.push((controller, port));
        ch.address = Some(Address::VirtioSerial {
            controller,
            bus: 0,
            port,
        });
    }
    Ok(())
}
