//! `<rng>`: random number generators and their backends.

use super::*;

/// `<rng model=>` with a `random` backend (a host device) or an `egd` one (a character device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    /// `virtio`, `virtio-transitional` or `virtio-non-transitional`.
    pub model: String,
    /// `<rate bytes= period=>`.
    pub rate: Option<(u32, Option<u32>)>,
    /// The device of the `random` backend (empty for `egd`).
    pub backend: String,
    /// The character device of the `egd` backend.
    pub egd: Option<ChrSource>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<rng>` of `<devices>` into `out`.
pub(super) fn read_rng(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => m.to_owned(),
        Some(m) => return Err(ConfError::Xml(format!("Unknown RNG model '{m}'"))),
        None => return Err(ConfError::Xml("missing RNG device model".into())),
    };
    if n.children().any(|c| {
        c.is_element()
            && !matches!(
                c.tag_name().name(),
                "backend" | "rate" | "address" | "alias"
            )
    }) {
        return Err(ConfError::NotImplemented("<rng> children".into()));
    }
    let b =
        child(n, "backend").ok_or_else(|| ConfError::Xml("missing RNG device backend".into()))?;
    let (backend, egd) = match b.attribute("model") {
        Some("random") => {
            let path = text_of(b);
            let path = if path.is_empty() {
                "/dev/urandom".to_owned()
            } else {
                path
            };
            if !matches!(path.as_str(), "/dev/urandom" | "/dev/random" | "/dev/hwrng") {
                return Err(ConfError::NotImplemented(
                    "rng backends other than /dev/urandom, /dev/random and /dev/hwrng".into(),
                ));
            }
            (path, None)
        }
        Some("egd") => {
            if b.attribute("type").is_none() {
                return Err(ConfError::Xml("missing EGD backend type".into()));
            }
            let (src, _) = parse_chr_source(b, &[], live)?;
            (String::new(), Some(src))
        }
        Some(m) => return Err(ConfError::NotImplemented(format!("rng backend '{m}'"))),
        None => return Err(ConfError::Xml("missing RNG device backend model".into())),
    };
    let rate = match child(n, "rate") {
        None => None,
        Some(r) => Some((
            uint_attr(r, "bytes")?
                .ok_or_else(|| ConfError::Xml("missing RNG rate bytes".into()))?,
            uint_attr(r, "period")?,
        )),
    };
    out.rngs.push(Rng {
        model,
        rate,
        backend,
        egd,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_rng(w: &mut Writer, r: &Rng, cx: Ctx) {
    w.open("rng", &[("model", r.model.clone())]);
    if let Some((bytes, period)) = r.rate {
        let mut a = vec![("bytes", bytes.to_string())];
        if let Some(p) = period {
            a.push(("period", p.to_string()));
        }
        w.empty("rate", &a);
    }
    match &r.egd {
        Some(src) => w.child(
            "backend",
            &[("model", "egd".into()), ("type", src.as_str().into())],
            |w| format_chr_source(w, src, cx),
        ),
        None => w.text("backend", &[("model", "random".into())], &r.backend),
    }
    cx.alias(w, &r.alias);
    format_address(w, &r.address);
    w.close("rng");
}
