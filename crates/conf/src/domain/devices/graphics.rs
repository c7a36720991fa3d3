//! `<graphics>`: VNC, SPICE and the other displays: type, parser and canonical form.

use super::*;

/// `<graphics type='vnc'|'spice'>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graphics {
    /// `type=`: `vnc` or `spice`.
    pub kind: String,
    /// `port=`; 0 when none is given or autoport chooses it (but in the live form).
    pub port: u32,
    /// `tlsPort=` of SPICE; 0 for none.
    pub tls_port: u32,
    /// `autoport=`.
    pub autoport: bool,
    /// `passwd=`: kept, printed only with secure information (never in this crate yet).
    pub passwd: Option<String>,
    /// `keymap=`.
    pub keymap: Option<String>,
    /// `sharePolicy=` of VNC.
    pub share_policy: Option<String>,
    /// `<listen>`s (at most one is modelled).
    pub listens: Vec<GraphicsListen>,
    /// Spice `<channel name= mode=>`.
    pub channels: Vec<(String, String)>,
    /// Spice `<image compression=>`.
    pub image_compression: Option<String>,
    /// Spice `defaultMode=` other than `any`.
    pub default_mode: Option<String>,
    /// Spice `(element, attribute, value)` after `<image>`, in libvirt's order (jpeg, zlib,
    /// playback, streaming, mouse, clipboard, filetransfer, gl).
    pub spice_options: Vec<(&'static str, &'static str, String)>,
}

/// `<listen type=>` of `<graphics>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphicsListen {
    /// `type='address'` with its `address=`.
    Address(Option<String>),
    /// `type='network'` with its `network=`.
    Network(String),
    /// `type='none'`.
    None,
    /// `<listen type='socket' socket=>`: a UNIX socket, its path given or generated.
    Socket(Option<String>),
}

/// SPICE option elements and their one attribute.
const SPICE_OPTIONS: &[(&str, &str)] = &[
    ("jpeg", "compression"),
    ("zlib", "compression"),
    ("playback", "compression"),
    ("streaming", "mode"),
    ("mouse", "mode"),
    ("clipboard", "copypaste"),
    ("filetransfer", "enable"),
    ("gl", "enable"),
];

pub(super) fn parse_graphics(n: Node<'_, '_>, live: bool) -> Result<Graphics> {
    let kind = match n.attribute("type") {
        Some(k @ ("vnc" | "spice")) => k.to_owned(),
        Some("egl-headless") => {
            if n.children().any(|c| c.is_element()) || n.attributes().count() > 1 {
                return Err(ConfError::NotImplemented("egl-headless options".into()));
            }
            return Ok(Graphics {
                kind: "egl-headless".into(),
                port: 0,
                tls_port: 0,
                autoport: false,
                passwd: None,
                keymap: None,
                share_policy: None,
                listens: Vec::new(),
                channels: Vec::new(),
                image_compression: None,
                default_mode: None,
                spice_options: Vec::new(),
            });
        }
        Some(k @ ("sdl" | "rdp" | "desktop" | "dbus")) => {
            return Err(ConfError::NotImplemented(format!("graphics type '{k}'")))
        }
        Some(k) => return Err(bad_attr(n, "type", k)),
        None => return Err(ConfError::NotImplemented("graphics without a type".into())),
    };
    for a in n.attributes() {
        let known = matches!(
            a.name(),
            "type" | "port" | "tlsPort" | "autoport" | "listen" | "passwd" | "keymap"
        ) || (kind == "vnc" && matches!(a.name(), "sharePolicy" | "socket"))
            || (kind == "spice" && a.name() == "defaultMode");
        if !known {
            return Err(ConfError::NotImplemented(format!(
                "<graphics> attribute '{}'",
                a.name()
            )));
        }
    }
    let port_attr = |k: &str| -> Result<Option<i64>> {
        match n.attribute(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|p| *p >= -1 && *p <= 65535)
                .map(Some)
                .ok_or_else(|| ConfError::NotImplemented(format!("graphics {k} '{v}'"))),
        }
    };
    let port = port_attr("port")?;
    let tls = if kind == "spice" {
        port_attr("tlsPort")?
    } else {
        None
    };
    let autoport_attr = yes_no(n, "autoport")?;
    let autoport = match kind.as_str() {
        "vnc" => autoport_attr.unwrap_or(matches!(port, None | Some(-1))),
        _ => autoport_attr.unwrap_or(false) || port == Some(-1) || tls == Some(-1),
    };
    let to_port = |p: Option<i64>| -> u32 {
        match p {
            Some(p) if p > 0 && (!autoport || live) => u32::try_from(p).unwrap_or(0),
            _ => 0,
        }
    };
    let mut g = Graphics {
        port: to_port(port),
        tls_port: to_port(tls),
        autoport,
        passwd: attr(n, "passwd"),
        keymap: attr(n, "keymap"),
        share_policy: attr(n, "sharePolicy"),
        listens: Vec::new(),
        channels: Vec::new(),
        image_compression: None,
        default_mode: match n.attribute("defaultMode") {
            None | Some("any") => None,
            Some(m @ ("secure" | "insecure")) => Some(m.to_owned()),
            Some(m) => return Err(bad_attr(n, "defaultMode", m)),
        },
        spice_options: Vec::new(),
        kind,
    };
    read_graphics_children(n, &mut g, live)?;
    if g.listens.len() > 1 {
        return Err(ConfError::NotImplemented("several <listen>".into()));
    }
    if g.kind == "spice" {
        for (e, k) in SPICE_OPTIONS {
            if let Some(c) = child(n, e) {
                let extra = c.attributes().any(|a| a.name() != *k);
                match attr(c, k) {
                    Some(v) if !extra => g.spice_options.push((e, k, v)),
                    _ => return Err(ConfError::NotImplemented(format!("this spice <{e}>"))),
                }
            }
        }
    }
    if let Some(sock) = attr(n, "socket").filter(|_| g.kind == "vnc") {
        match g.listens.first() {
            None if !sock.starts_with("/var/lib/libvirt/qemu/") || live => {
                g.listens.push(GraphicsListen::Socket(Some(sock)))
            }
            None => {}
            Some(GraphicsListen::Socket(Some(p))) if *p == sock => {}
            _ => {
                return Err(ConfError::NotImplemented(
                    "graphics socket attribute with another <listen>".into(),
                ))
            }
        }
    }
    if let Some(a) = attr(n, "listen") {
        match g.listens.first() {
            None => g.listens.push(GraphicsListen::Address(Some(a))),
            Some(GraphicsListen::Address(Some(b))) if *b == a => {}
            _ => {
                return Err(ConfError::NotImplemented(
                    "graphics listen attribute with another <listen>".into(),
                ))
            }
        }
    }
    Ok(g)
}

/// The children of `<graphics>`: `<listen>`s and SPICE's channels and options.
fn read_graphics_children(n: Node<'_, '_>, g: &mut Graphics, live: bool) -> Result<()> {
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "listen" => {
                let l = match c.attribute("type") {
                    Some("address") => GraphicsListen::Address(attr(c, "address")),
                    Some("network") => match attr(c, "network") {
                        Some(net) if c.attribute("address").is_none() => {
                            GraphicsListen::Network(net)
                        }
                        _ => {
                            return Err(ConfError::NotImplemented(
                                "this <listen type='network'>".into(),
                            ))
                        }
                    },
                    Some("none") => GraphicsListen::None,
                    Some("socket") => {
                        let path = attr(c, "socket");
                        // libvirt's own socket paths are not kept in the definition
                        if g.kind == "vnc"
                            && !live
                            && path
                                .as_deref()
                                .is_some_and(|p| p.starts_with("/var/lib/libvirt/qemu/"))
                        {
                            continue;
                        }
                        GraphicsListen::Socket(path)
                    }
                    _ => return Err(ConfError::NotImplemented("this <listen>".into())),
                };
                g.listens.push(l);
            }
            "channel" if g.kind == "spice" => match (attr(c, "name"), attr(c, "mode")) {
                (Some(name), Some(mode)) => g.channels.push((name, mode)),
                _ => return Err(ConfError::NotImplemented("this spice <channel>".into())),
            },
            "image" if g.kind == "spice" => {
                g.image_compression = attr(c, "compression");
            }
            name if g.kind == "spice" && SPICE_OPTIONS.iter().any(|(e, _)| *e == name) => {}
            other => return Err(ConfError::NotImplemented(format!("<graphics><{other}>"))),
        }
    }
    Ok(())
}

pub(super) fn format_graphics(w: &mut Writer, g: &Graphics, cx: Ctx) {
    if g.kind == "egl-headless" {
        w.empty("graphics", &[("type", g.kind.clone())]);
        return;
    }
    let mut a = vec![("type", g.kind.clone())];
    let first = g.listens.first();
    let listen_none = matches!(
        first,
        Some(GraphicsListen::None | GraphicsListen::Socket(_))
    );
    if g.kind == "vnc" {
        if !listen_none {
            // a running domain shows the port it got
            if g.port != 0 && (!g.autoport || cx.live) {
                a.push(("port", g.port.to_string()));
            } else if g.autoport {
                a.push(("port", "-1".into()));
            }
            a.push(("autoport", fmt_yes_no(g.autoport)));
        }
    } else if !listen_none {
        if g.port != 0 {
            a.push(("port", g.port.to_string()));
        }
        if g.tls_port != 0 {
            a.push(("tlsPort", g.tls_port.to_string()));
        }
        a.push(("autoport", fmt_yes_no(g.autoport)));
    }
    if let Some(GraphicsListen::Address(Some(addr))) = first {
        a.push(("listen", addr.clone()));
    }
    if let (true, Some(GraphicsListen::Socket(Some(p)))) = (g.kind == "vnc", first) {
        a.push(("socket", p.clone()));
    }
    if let Some(k) = &g.keymap {
        a.push(("keymap", k.clone()));
    }
    if let Some(m) = &g.default_mode {
        a.push(("defaultMode", m.clone()));
    }
    if let Some(p) = &g.share_policy {
        a.push(("sharePolicy", p.clone()));
    }
    if let (true, Some(p)) = (cx.secure, &g.passwd) {
        a.push(("passwd", p.clone()));
    }
    w.open("graphics", &a);
    for l in &g.listens {
        match l {
            GraphicsListen::Address(None) => w.empty("listen", &[("type", "address".into())]),
            GraphicsListen::Address(Some(x)) => w.empty(
                "listen",
                &[("type", "address".into()), ("address", x.clone())],
            ),
            GraphicsListen::Network(n) => w.empty(
                "listen",
                &[("type", "network".into()), ("network", n.clone())],
            ),
            GraphicsListen::None => w.empty("listen", &[("type", "none".into())]),
            GraphicsListen::Socket(None) => w.empty("listen", &[("type", "socket".into())]),
            GraphicsListen::Socket(Some(p)) => w.empty(
                "listen",
                &[("type", "socket".into()), ("socket", p.clone())],
            ),
        }
    }
    for (name, mode) in &g.channels {
        w.empty("channel", &[("name", name.clone()), ("mode", mode.clone())]);
    }
    if let Some(c) = &g.image_compression {
        w.empty("image", &[("compression", c.clone())]);
    }
    for (e, k, v) in &g.spice_options {
        w.empty(e, &[(k, v.clone())]);
    }
    w.close("graphics");
}

/// Listens, the video device libvirt adds next to graphics, and the video model defaults.
pub(crate) fn graphics_video_defaults(def: &mut Domain) -> Result<()> {
    let devs = &mut def.devices;
    if devs.graphics.iter().any(|g| g.kind == "egl-headless")
        && (devs.graphics.len() > 1 || devs.videos.is_empty())
    {
        return Err(ConfError::NotImplemented(
            "egl-headless graphics next to other graphics or without a video".into(),
        ));
    }
    for g in devs
        .graphics
        .iter_mut()
        .filter(|g| g.kind != "egl-headless")
    {
        // spice without any port listens nowhere, whatever address it names
        if g.kind == "spice"
            && g.port == 0
            && g.tls_port == 0
            && !g.autoport
            && matches!(g.listens.as_slice(), [GraphicsListen::Address(_)])
        {
            g.listens = vec![GraphicsListen::None];
        }
        if g.listens.is_empty() {
            let none = g.kind == "spice" && g.port == 0 && g.tls_port == 0 && !g.autoport;
            g.listens.push(if none {
                GraphicsListen::None
            } else {
                GraphicsListen::Address(None)
            });
        }
    }
    if !devs.graphics.is_empty() && devs.videos.is_empty() {
        devs.videos.push(Video {
            model: "cirrus".into(),
            ram: None,
            vram: None,
            vgamem: None,
            heads: None,
            accel3d: None,
            accel2d: None,
            primary: false,
            alias: None,
            address: None,
        });
    }
    // the primary video goes first
    if let Some(i) = devs.videos.iter().position(|v| v.primary) {
        let v = devs.videos.remove(i);
        devs.videos.insert(0, v);
    }
    for (i, v) in devs.videos.iter_mut().enumerate() {
        v.primary = i == 0 && v.model != "none";
        match v.model.as_str() {
            "none" => continue,
            "qxl" => {
                v.ram.get_or_insert(65536);
                v.vram.get_or_insert(65536);
                v.vgamem.get_or_insert(16384);
            }
            "virtio" => {}
            _ => {
                v.vram.get_or_insert(16384);
            }
        }
        v.heads.get_or_insert(1);
    }
    Ok(())
}
