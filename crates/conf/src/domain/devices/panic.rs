//! `<panic>`: the guest panic notifier.

use super::*;

/// `<panic model=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// `model=`: `isa`, `pseries`, `hyperv`, `s390` or `pvpanic`.
    pub model: Option<String>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<panic>` of `<devices>` into `out`.
pub(super) fn read_panic(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        None => None,
        Some(m @ ("isa" | "pvpanic" | "hyperv")) => Some(m.to_owned()),
        Some(m @ ("pseries" | "s390")) => {
            return Err(ConfError::NotImplemented(format!("panic model '{m}'")))
        }
        Some(m) => return Err(ConfError::Xml(format!("unknown panic model '{m}'"))),
    };
    out.panics.push(Panic {
        model,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_panic(w: &mut Writer, p: &Panic, cx: Ctx) {
    let a = match &p.model {
        Some(m) => vec![("model", m.clone())],
        None => Vec::new(),
    };
    if p.address.is_some() || cx.shows_alias(&p.alias) {
        w.open("panic", &a);
        cx.alias(w, &p.alias);
        format_address(w, &p.address);
        w.close("panic");
    } else {
        w.empty("panic", &a);
    }
}
