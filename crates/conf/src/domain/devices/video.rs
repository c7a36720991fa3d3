//! `<video>`: display adapters.

use super::*;

/// `<video><model .../></video>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    /// `<model type=>`: `vga`, `cirrus`, `qxl`, `virtio`, `bochs`, `ramfb`, `none`.
    pub model: String,
    /// `ram=` in KiB (qxl).
    pub ram: Option<u32>,
    /// `vram=` in KiB.
    pub vram: Option<u32>,
    /// `vgamem=` in KiB (qxl).
    pub vgamem: Option<u32>,
    /// `heads=`.
    pub heads: Option<u32>,
    /// `primary='yes'`.
    pub primary: bool,
    /// `<acceleration accel3d= accel2d=>`.
    pub accel3d: Option<bool>,
    /// `accel2d=`.
    pub accel2d: Option<bool>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<video>` of `<devices>` into `out`.
pub(super) fn read_video(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let m = child(n, "model");
    if n.children()
        .any(|c| c.is_element() && !matches!(c.tag_name().name(), "model" | "address" | "alias"))
        || m.is_some_and(|m| {
            m.children()
                .any(|c| c.is_element() && c.tag_name().name() != "acceleration")
        })
    {
        return Err(ConfError::NotImplemented("<video> children".into()));
    }
    let accel = m.and_then(|m| child(m, "acceleration"));
    if accel.is_some_and(|a| {
        a.attributes()
            .any(|x| !matches!(x.name(), "accel3d" | "accel2d"))
    }) {
        return Err(ConfError::NotImplemented(
            "this video <acceleration>".into(),
        ));
    }
    let model = match m.and_then(|m| m.attribute("type")) {
        Some(t @ ("vga" | "cirrus" | "qxl" | "virtio" | "bochs" | "none")) => t.into(),
        Some(t) => return Err(ConfError::NotImplemented(format!("video model '{t}'"))),
        None => return Err(ConfError::NotImplemented("video without a model".into())),
    };
    let get = |k: &str| -> Result<Option<u32>> {
        match m {
            Some(m) => uint_attr(m, k),
            None => Ok(None),
        }
    };
    if m.is_some_and(|m| m.attribute("vram64").is_some() || m.attribute("blob").is_some()) {
        return Err(ConfError::NotImplemented("video vram64/blob".into()));
    }
    let primary = match m {
        Some(m) => yes_no(m, "primary")?.unwrap_or(false),
        None => false,
    };
    out.videos.push(Video {
        model,
        ram: get("ram")?,
        vram: get("vram")?,
        vgamem: get("vgamem")?,
        heads: get("heads")?,
        primary,
        accel3d: accel.map(|a| yes_no(a, "accel3d")).transpose()?.flatten(),
        accel2d: accel.map(|a| yes_no(a, "accel2d")).transpose()?.flatten(),
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_video(w: &mut Writer, v: &Video, cx: Ctx) {
    w.open("video", &[]);
    let mut a = vec![("type", v.model.clone())];
    for (k, x) in [
        ("ram", v.ram),
        ("vram", v.vram),
        ("vgamem", v.vgamem),
        ("heads", v.heads),
    ] {
        if let Some(x) = x {
            a.push((k, x.to_string()));
        }
    }
    if v.primary {
        a.push(("primary", "yes".into()));
    }
    let mut acc = Vec::new();
    if let Some(x) = v.accel3d {
        acc.push(("accel3d", fmt_yes_no(x)));
    }
    if let Some(x) = v.accel2d {
        acc.push(("accel2d", fmt_yes_no(x)));
    }
    w.child("model", &a, |w| {
        if !acc.is_empty() {
            w.empty("acceleration", &acc);
        }
    });
    cx.alias(w, &v.alias);
    format_address(w, &v.address);
    w.close("video");
}
