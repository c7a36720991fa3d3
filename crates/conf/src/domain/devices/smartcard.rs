//! `<smartcard>`: passthrough smartcards.

use super::*;

/// `<smartcard mode='passthrough'>` with its character device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smartcard {
    /// The host side.
    pub source: ChrSource,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address type='ccid'>`.
    pub address: Option<Address>,
}

/// A `<smartcard>` of `<devices>` into `out`.
pub(super) fn read_smartcard(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    if n.attribute("mode") != Some("passthrough") {
        return Err(ConfError::NotImplemented(
            "smartcard other than passthrough".into(),
        ));
    }
    let (source, log) = parse_chr_source(n, &["address"], live)?;
    if log.is_some() {
        return Err(ConfError::NotImplemented("<smartcard><log>".into()));
    }
    out.smartcards.push(Smartcard {
        source,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_smartcard(w: &mut Writer, sc: &Smartcard, cx: Ctx) {
    w.child(
        "smartcard",
        &[
            ("mode", "passthrough".into()),
            ("type", sc.source.as_str().into()),
        ],
        |w| {
            format_chr_source(w, &sc.source, cx);
            cx.alias(w, &sc.alias);
            format_address(w, &sc.address);
        },
    );
}
