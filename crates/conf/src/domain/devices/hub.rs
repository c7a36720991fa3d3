//! `<hub>`: USB hubs.

use super::*;

/// `<hub type='usb'>`: a USB hub with [`USB_HUB_PORTS`] ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hub {
    /// `<alias name=>`: the QEMU device id. A normal (define) parse keeps only user aliases
    /// (`ua-` prefix); the live parser keeps all; `assign_aliases` fills the rest.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<hub>` of `<devices>` into `out`.
pub(super) fn read_hub(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    match n.attribute("type") {
        Some("usb") => {}
        Some(t) => {
            return Err(ConfError::Internal(format!(
                "unknown hub device type '{t}'"
            )))
        }
        None => return Err(ConfError::Internal("missing hub device type".into())),
    }
    out.hubs.push(Hub {
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_hub(w: &mut Writer, h: &Hub, cx: Ctx) {
    w.child("hub", &[("type", "usb".to_owned())], |w| {
        cx.alias(w, &h.alias);
        format_address(w, &h.address)
    });
}
