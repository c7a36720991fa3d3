//! `<input>`: keyboards, mice and tablets.

use super::*;

/// `<input type= bus=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `type=`: `mouse`, `keyboard` or `tablet`.
    pub kind: String,
    /// `bus=`: `ps2`, `usb` or `virtio`.
    pub bus: Option<String>,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<input>` of `<devices>` into `out`.
pub(super) fn read_input(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let kind = match n.attribute("type") {
        Some(k @ ("mouse" | "keyboard" | "tablet")) => k.to_owned(),
        Some(k) => return Err(ConfError::NotImplemented(format!("input type '{k}'"))),
        None => return Err(ConfError::Xml("missing input device type".into())),
    };
    let bus = attr(n, "bus");
    if !matches!(bus.as_deref(), Some("ps2" | "usb" | "virtio")) {
        return Err(ConfError::NotImplemented(
            "input devices other than ps2, usb or virtio".into(),
        ));
    }
    if n.children()
        .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
    {
        return Err(ConfError::NotImplemented("<input> children".into()));
    }
    out.inputs.push(Input {
        kind,
        bus,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

/// `x86`: whether the guest is one (its implicit PS/2 devices are not printed in the migratable form).
pub(super) fn format_input(w: &mut Writer, i: &Input, cx: Ctx, x86: bool) {
    // libvirt drops the implicit PS/2 keyboard from the migratable form
    if cx.migratable
        && x86
        && i.kind == "keyboard"
        && i.bus.as_deref() == Some("ps2")
        && !cx.shows_alias(&i.alias)
    {
        return;
    }
    let mut a = vec![("type", i.kind.clone())];
    if let Some(b) = &i.bus {
        a.push(("bus", b.clone()));
    }
    if i.address.is_some() || cx.shows_alias(&i.alias) {
        w.child("input", &a, |w| {
            cx.alias(w, &i.alias);
            format_address(w, &i.address)
        });
    } else {
        w.empty("input", &a);
    }
}
