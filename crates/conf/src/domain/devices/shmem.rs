//! `<shmem>`: ivshmem shared memory devices.

use super::*;

/// `<shmem name=>`: an ivshmem device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shmem {
    /// `name=`: the shared memory object.
    pub name: String,
    /// `ivshmem`, `ivshmem-plain` or `ivshmem-doorbell`.
    pub model: Option<String>,
    /// `<size>` in bytes.
    pub size: Option<u64>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address>`: where the device sits on its bus.
    pub address: Option<Address>,
}

/// A `<shmem>` of `<devices>` into `out`.
pub(super) fn read_shmem(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let name = attr(n, "name")
        .ok_or_else(|| ConfError::Xml("shmem element must contain 'name' attribute".into()))?;
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "model" | "size" | "alias" | "address") {
            return Err(ConfError::NotImplemented(format!(
                "<shmem><{}>",
                c.tag_name().name()
            )));
        }
    }
    let model = match child(n, "model").and_then(|m| m.attribute("type")) {
        None => None,
        Some(m @ ("ivshmem" | "ivshmem-plain" | "ivshmem-doorbell")) => Some(m.to_owned()),
        Some(m) => return Err(ConfError::Xml(format!("Unknown shmem model type '{m}'"))),
    };
    let size = match child(n, "size") {
        None => None,
        Some(sz) => {
            let t = text_of(sz);
            let unit = sz.attribute("unit").unwrap_or("M");
            let v = parse_u64(&t).ok_or_else(|| {
                ConfError::XmlValue(format!(
                    "Invalid value '{t}' for element or attribute './size[1]'"
                ))
            })?;
            let scale = unit_scale(unit)
                .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
            Some(
                v.checked_mul(scale)
                    .ok_or_else(|| ConfError::Overflow(format!("value too large: {t}{unit}")))?,
            )
        }
    };
    if size.is_some_and(|s| !s.is_power_of_two() || s < 1 << 20) {
        return Err(ConfError::NotImplemented("this shmem size".into()));
    }
    out.shmems.push(Shmem {
        name,
        model,
        size,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    });
    Ok(())
}

pub(super) fn format_shmem(w: &mut Writer, s: &Shmem, cx: Ctx) {
    w.open("shmem", &[("name", s.name.clone())]);
    if let Some(m) = &s.model {
        w.empty("model", &[("type", m.clone())]);
    }
    if let Some(sz) = s.size {
        w.text("size", &[("unit", "M".into())], &(sz >> 20).to_string());
    }
    cx.alias(w, &s.alias);
    format_address(w, &s.address);
    w.close("shmem");
}
