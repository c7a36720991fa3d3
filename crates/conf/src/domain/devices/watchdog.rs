//! `<watchdog>`: the watchdog device.

use super::*;

/// `<watchdog model= action=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchdog {
    /// `model=`: `i6300esb`, `ib700` or `diag288`.
    pub model: String,
    /// `action=`: `reset` when not given.
    pub action: String,
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<watchdog>` of `<devices>` into `out`.
pub(super) fn read_watchdog(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        Some(m @ ("i6300esb" | "ib700" | "itco")) => m.to_owned(),
        Some(m) => return Err(ConfError::NotImplemented(format!("watchdog model '{m}'"))),
        None => return Err(ConfError::NotImplemented("watchdog without a model".into())),
    };
    let action = match n.attribute("action") {
        None => "reset".to_owned(),
        Some(a @ ("reset" | "shutdown" | "poweroff" | "pause" | "none" | "inject-nmi")) => {
            a.to_owned()
        }
        Some(a) => return Err(ConfError::NotImplemented(format!("watchdog action '{a}'"))),
    };
    if n.children()
        .any(|c| c.is_element() && !matches!(c.tag_name().name(), "address" | "alias"))
    {
        return Err(ConfError::NotImplemented("<watchdog> children".into()));
    }
    if out.watchdog.is_some() {
        return Err(ConfError::Internal(
            "only a single watchdog device is supported".into(),
        ));
    }
    out.watchdog = Some(Watchdog {
        model,
        action,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_watchdog(w: &mut Writer, wd: &Watchdog, cx: Ctx) {
    let a = [("model", wd.model.clone()), ("action", wd.action.clone())];
    if wd.address.is_some() || cx.shows_alias(&wd.alias) {
        w.child("watchdog", &a, |w| {
            cx.alias(w, &wd.alias);
            format_address(w, &wd.address)
        });
    } else {
        w.empty("watchdog", &a);
    }
}
