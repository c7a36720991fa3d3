//! `<memory model=...>`: memory devices (DIMMs) for memory hotplug.

use super::*;

/// `<memory model='dimm'><target><size/><node/></target></memory>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryDevice {
    /// `model=`: `dimm`.
    pub model: String,
    /// `<target><size>` in KiB.
    pub size_kib: u64,
    /// `<target><node>`: the guest NUMA node.
    pub node: Option<u32>,
    /// `<alias name=>`: kept as for the other devices.
    pub alias: Option<String>,
    /// `<address type='dimm'>`.
    pub address: Option<Address>,
}

pub(super) fn parse_memory_device(n: Node<'_, '_>, live: bool) -> Result<MemoryDevice> {
    let model = match n.attribute("model") {
        Some("dimm") => "dimm".to_owned(),
        Some(m) => return Err(ConfError::NotImplemented(format!("memory model '{m}'"))),
        None => return Err(ConfError::Xml("missing memory model".into())),
    };
    if n.attributes().count() > 1 {
        return Err(ConfError::NotImplemented(
            "<memory> attributes other than model".into(),
        ));
    }
    for c in n.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "target" | "address" | "alias") {
            return Err(ConfError::NotImplemented(format!(
                "<memory><{}>",
                c.tag_name().name()
            )));
        }
    }
    let target =
        child(n, "target").ok_or_else(|| ConfError::Xml("missing memory target".into()))?;
    for c in target.children().filter(|c| c.is_element()) {
        if !matches!(c.tag_name().name(), "size" | "node") {
            return Err(ConfError::NotImplemented(format!(
                "<memory><target><{}>",
                c.tag_name().name()
            )));
        }
    }
    let size_kib = match child(target, "size") {
        Some(s) => scaled_kib(s, "size", "KiB")?,
        None => return Err(ConfError::Xml("missing memory size".into())),
    };
    let node =
        match child_text_nonempty(target, "node") {
            None => None,
            Some(t) => Some(t.trim().parse::<u32>().map_err(|_| {
                ConfError::Xml(format!("invalid value of memory device node '{t}'"))
            })?),
        };
    Ok(MemoryDevice {
        model,
        size_kib,
        node,
        alias: parse_alias(n, live)?,
        address: parse_address(n)?,
    })
}

pub(super) fn format_memory_device(w: &mut Writer, m: &MemoryDevice, cx: Ctx) {
    w.open("memory", &[("model", m.model.clone())]);
    w.open("target", &[]);
    w.text("size", &[("unit", "KiB".into())], &m.size_kib.to_string());
    if let Some(node) = m.node {
        w.text("node", &[], &node.to_string());
    }
    w.close("target");
    cx.alias(w, &m.alias);
    format_address(w, &m.address);
    w.close("memory");
}
