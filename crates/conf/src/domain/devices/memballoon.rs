//! `<memballoon>`: the balloon device.

use super::*;

/// `<memballoon model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memballoon {
    /// `model=`: `virtio` or `none`.
    pub model: String,
    /// `autodeflate=`.
    pub autodeflate: Option<bool>,
    /// `freePageReporting=`.
    pub free_page_reporting: Option<bool>,
    /// `<stats period=>` in seconds.
    pub period: Option<u32>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<memballoon>` of `<devices>` into `out`.
pub(super) fn read_memballoon(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    if out.memballoon.is_some() {
        return Ok(());
    }
    let model = match n.attribute("model") {
        Some(m @ ("virtio" | "none")) => m.to_owned(),
        Some(m) => return Err(ConfError::NotImplemented(format!("memballoon model '{m}'"))),
        None => return Err(ConfError::Xml("memballoon must contain model name".into())),
    };
    let period = match child(n, "stats") {
        Some(s) => uint_attr(s, "period")?,
        None => None,
    };
    out.memballoon = Some(Memballoon {
        model,
        autodeflate: on_off(n, "autodeflate")?,
        free_page_reporting: on_off(n, "freePageReporting")?,
        period,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_memballoon(w: &mut Writer, m: &Memballoon, cx: Ctx) {
    let mut a = vec![("model", m.model.clone())];
    if let Some(v) = m.autodeflate {
        a.push(("autodeflate", fmt_on_off(v)));
    }
    if let Some(v) = m.free_page_reporting {
        a.push(("freePageReporting", fmt_on_off(v)));
    }
    w.child("memballoon", &a, |w| {
        if let Some(p) = m.period {
            w.empty("stats", &[("period", p.to_string())]);
        }
        cx.alias(w, &m.alias);
        format_address(w, &m.address);
    });
}
