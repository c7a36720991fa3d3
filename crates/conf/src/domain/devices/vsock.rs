//! `<vsock>`: the virtio socket device.

use super::*;

/// `<vsock model=><cid auto= address=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vsock {
    /// `model=`: `virtio`, ...
    pub model: Option<String>,
    /// `<cid auto=>`.
    pub cid_auto: Option<bool>,
    /// `<cid address=>`.
    pub cid: Option<u32>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<vsock>` of `<devices>` into `out`.
pub(super) fn read_vsock(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        None => None,
        Some(m @ ("virtio" | "virtio-transitional" | "virtio-non-transitional")) => {
            Some(m.to_owned())
        }
        Some(m) => return Err(ConfError::Xml(format!("unknown vsock model: {m}"))),
    };
    let cid = child(n, "cid");
    out.vsock = Some(Vsock {
        model,
        cid_auto: cid.map(|c| yes_no(c, "auto")).transpose()?.flatten(),
        cid: cid.map(|c| uint_attr(c, "address")).transpose()?.flatten(),
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_vsock(w: &mut Writer, v: &Vsock, cx: Ctx) {
    let a = match &v.model {
        Some(m) => vec![("model", m.clone())],
        None => Vec::new(),
    };
    w.child("vsock", &a, |w| {
        let mut c = Vec::new();
        if let Some(auto) = v.cid_auto {
            c.push(("auto", fmt_yes_no(auto)));
        }
        if let Some(x) = v.cid {
            c.push(("address", x.to_string()));
        }
        if !c.is_empty() {
            w.empty("cid", &c);
        }
        cx.alias(w, &v.alias);
        format_address(w, &v.address);
    });
}
