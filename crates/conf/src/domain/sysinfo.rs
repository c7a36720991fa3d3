//! `<sysinfo>`: SMBIOS tables and firmware config (`type='fwcfg'`) entries.

use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<sysinfo type='smbios'>`: each block's `(entry name, value)` in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sysinfo {
    /// `<bios>` entries in libvirt's order.
    pub bios: Vec<(&'static str, String)>,
    /// `<system>` entries in libvirt's order.
    pub system: Vec<(&'static str, String)>,
    /// `<baseBoard>`s, each with its entries in libvirt's order.
    pub base_boards: Vec<Vec<(&'static str, String)>>,
    /// `<chassis>` entries in libvirt's order.
    pub chassis: Vec<(&'static str, String)>,
    /// `<oemStrings>` entries.
    pub oem_strings: Vec<String>,
}

/// The entries of `<bios>`, in libvirt's order.
pub const SYSINFO_BIOS: &[&str] = &["vendor", "version", "date", "release"];

/// The entries of `<system>`, in libvirt's order.
pub const SYSINFO_SYSTEM: &[&str] = &[
    "manufacturer",
    "product",
    "version",
    "serial",
    "uuid",
    "sku",
    "family",
];

/// The entries of `<baseBoard>`, in libvirt's order.
pub const SYSINFO_BASEBOARD: &[&str] = &[
    "manufacturer",
    "product",
    "version",
    "serial",
    "asset",
    "location",
];

/// The entries of `<chassis>`, in libvirt's order.
pub const SYSINFO_CHASSIS: &[&str] = &["manufacturer", "version", "serial", "asset", "sku"];

pub(super) fn parse_sysinfo(n: Node<'_, '_>, root: Node<'_, '_>) -> Result<Sysinfo> {
    if n.attribute("type") != Some("smbios")
        || root
            .children()
            .filter(|c| {
                c.is_element()
                    && c.tag_name().name() == "sysinfo"
                    && c.attribute("type") != Some("fwcfg")
            })
            .count()
            > 1
        || root
            .children()
            .filter(|c| {
                c.is_element()
                    && c.tag_name().name() == "sysinfo"
                    && c.attribute("type") == Some("fwcfg")
            })
            .count()
            > 1
    {
        return Err(ConfError::NotImplemented(
            "<sysinfo> other than a single smbios one".into(),
        ));
    }
    // the first entry of each name, empty values left out (libvirt's XPath lookups)
    let block = |b: Node<'_, '_>, names: &[&'static str]| -> Vec<(&'static str, String)> {
        names
            .iter()
            .filter_map(|name| {
                b.children()
                    .find(|e| {
                        e.is_element()
                            && e.tag_name().name() == "entry"
                            && e.attribute("name") == Some(name)
                    })
                    .map(text_of)
                    .filter(|v| !v.is_empty())
                    .map(|v| (*name, v))
            })
            .collect()
    };
    let mut si = Sysinfo::default();
    let mut seen: Vec<&str> = Vec::new();
    for b in n.children().filter(|c| c.is_element()) {
        let name = b.tag_name().name();
        let values = match name {
            "bios" => block(b, SYSINFO_BIOS),
            "system" => block(b, SYSINFO_SYSTEM),
            "baseBoard" => block(b, SYSINFO_BASEBOARD),
            "chassis" => block(b, SYSINFO_CHASSIS),
            "oemStrings" => {
                let v: Vec<String> = b
                    .children()
                    .filter(|e| e.is_element() && e.tag_name().name() == "entry")
                    .map(text_of)
                    .collect();
                if v.is_empty() || v.iter().any(String::is_empty) {
                    return Err(ConfError::NotImplemented("this <oemStrings>".into()));
                }
                Vec::new()
            }
            other => return Err(ConfError::NotImplemented(format!("<sysinfo><{other}>"))),
        };
        if name != "baseBoard" && seen.contains(&name) {
            return Err(ConfError::NotImplemented(format!(
                "several <sysinfo><{name}>"
            )));
        }
        seen.push(name);
        if name != "oemStrings" && values.is_empty() {
            return Err(ConfError::NotImplemented(format!(
                "empty <sysinfo><{name}>"
            )));
        }
        match name {
            "bios" => {
                if let Some((_, d)) = values.iter().find(|(k, _)| *k == "date") {
                    let parts: Vec<&str> = d.split('/').collect();
                    let ok = matches!(parts.as_slice(), [m, dd, y]
                        if m.len() == 2 && dd.len() == 2 && (y.len() == 2 || y.len() == 4)
                            && d.chars().all(|c| c.is_ascii_digit() || c == '/'));
                    if !ok {
                        return Err(ConfError::NotImplemented(format!("BIOS date '{d}'")));
                    }
                }
                si.bios = values;
            }
            "system" => {
                if let Some((_, u)) = values.iter().find(|(k, _)| *k == "uuid") {
                    let dom = child_text(root, "uuid").and_then(|t| parse_uuid(t.trim()));
                    if dom.is_none() || dom.map(|d| uuid_string(&d)).as_deref() != Some(u.as_str())
                    {
                        return Err(ConfError::NotImplemented(
                            "a <sysinfo> system uuid other than the domain's, in canonical form"
                                .into(),
                        ));
                    }
                }
                si.system = values;
            }
            "baseBoard" => si.base_boards.push(values),
            "chassis" => si.chassis = values,
            _ => {
                si.oem_strings = b
                    .children()
                    .filter(|e| e.is_element() && e.tag_name().name() == "entry")
                    .map(text_of)
                    .collect();
            }
        }
    }
    Ok(si)
}

/// `<sysinfo type='smbios'>`.
pub(super) fn format_sysinfo(w: &mut Writer, si: &Sysinfo) {
    w.open("sysinfo", &[("type", "smbios".into())]);
    let block = |w: &mut Writer, name: &str, values: &[(&'static str, String)]| {
        if values.is_empty() {
            return;
        }
        w.open(name, &[]);
        for (k, v) in values {
            w.text("entry", &[("name", (*k).to_string())], v);
        }
        w.close(name);
    };
    block(w, "bios", &si.bios);
    block(w, "system", &si.system);
    for b in &si.base_boards {
        block(w, "baseBoard", b);
    }
    block(w, "chassis", &si.chassis);
    if !si.oem_strings.is_empty() {
        w.open("oemStrings", &[]);
        for s in &si.oem_strings {
            w.text("entry", &[], s);
        }
        w.close("oemStrings");
    }
    w.close("sysinfo");
}

/// `<sysinfo type='fwcfg'>`.
pub(super) fn format_fwcfg(w: &mut Writer, entries: &[(String, Option<String>, String)]) {
    w.child("sysinfo", &[("type", "fwcfg".into())], |w| {
        for (name, file, value) in entries {
            let mut a = vec![("name", name.clone())];
            match file {
                Some(f) => {
                    a.push(("file", f.clone()));
                    w.empty("entry", &a);
                }
                None => w.text("entry", &a, value),
            }
        }
    });
}

/// `<sysinfo type='fwcfg'>`'s entries: name, file and value.
type FwcfgEntries = Vec<(String, Option<String>, String)>;

/// `<sysinfo type='fwcfg'>`'s entries: name, file and value.
pub(super) fn parse_fwcfg(root: Node<'_, '_>) -> Result<Option<FwcfgEntries>> {
    Ok(
        match root.children().find(|c| {
            c.is_element()
                && c.tag_name().name() == "sysinfo"
                && c.attribute("type") == Some("fwcfg")
        }) {
            None => None,
            Some(f) => {
                let mut entries: Vec<(String, Option<String>, String)> = Vec::new();
                for e in f.children().filter(|c| c.is_element()) {
                    if e.tag_name().name() != "entry" {
                        return Err(ConfError::NotImplemented(format!(
                            "<sysinfo type='fwcfg'><{}>",
                            e.tag_name().name()
                        )));
                    }
                    let name = attr(e, "name").ok_or_else(|| {
                        ConfError::Xml("Firmware entry is missing 'name' attribute".into())
                    })?;
                    if !name.starts_with("opt/") {
                        return Err(ConfError::Xml(format!(
                            "Invalid firmware name '{name}': it must start with 'opt/'"
                        )));
                    }
                    let file = attr(e, "file");
                    let value = text_of(e);
                    if file.is_none() && value.is_empty() {
                        return Err(ConfError::Xml(
                            "Firmware entry must have either value or 'file' attribute".into(),
                        ));
                    }
                    if file.is_some() && !value.is_empty() {
                        return Err(ConfError::Xml(
                            "Firmware entry can't have both value and 'file' attribute".into(),
                        ));
                    }
                    entries.push((name, file, value));
                }
                Some(entries)
            }
        },
    )
}
