//! `<iommu>`: the virtual IOMMU.

use super::*;

/// `<iommu model=>` with its `<driver>` attributes in libvirt's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iommu {
    /// `model=`: `intel`, `smmuv3` or `virtio`.
    pub model: String,
    /// `<driver>` attributes in libvirt's order.
    pub driver: Vec<(&'static str, String)>,
    /// `<alias name=>`: `iommu0` in the live form, or a user alias.
    pub alias: Option<String>,
}

/// A `<iommu>` of `<devices>` into `out`.
pub(super) fn read_iommu(out: &mut Devices, n: Node<'_, '_>, live: bool) -> Result<()> {
    let model = match n.attribute("model") {
        Some(m @ ("intel" | "smmuv3" | "virtio")) => m.to_owned(),
        Some(m) => return Err(ConfError::Xml(format!("unknown IOMMU model '{m}'"))),
        None => return Err(ConfError::Xml("missing IOMMU model".into())),
    };
    const ATTRS: &[&str] = &["intremap", "caching_mode", "eim", "iotlb", "aw_bits"];
    let mut driver = Vec::new();
    if let Some(d) = child(n, "driver") {
        if d.attributes().any(|a| !ATTRS.contains(&a.name())) {
            return Err(ConfError::NotImplemented("this iommu <driver>".into()));
        }
        for k in ATTRS {
            if let Some(v) = d.attribute(*k) {
                if *k == "aw_bits" {
                    driver.push((*k, uint_attr(d, k)?.unwrap_or(0).to_string()));
                } else {
                    match v {
                        "on" | "off" => driver.push((*k, v.to_owned())),
                        _ => return Err(bad_attr(d, k, v)),
                    }
                }
            }
        }
    }
    if n.children()
        .any(|c| c.is_element() && !matches!(c.tag_name().name(), "driver" | "alias"))
    {
        return Err(ConfError::NotImplemented("<iommu> children".into()));
    }
    out.iommu = Some(Iommu {
        model,
        driver,
        alias: parse_alias(n, live)?,
    });
    Ok(())
}

pub(super) fn format_iommu(w: &mut Writer, io: &Iommu, cx: Ctx) {
    w.child("iommu", &[("model", io.model.clone())], |w| {
        if !io.driver.is_empty() {
            let a: Vec<(&str, String)> = io.driver.iter().map(|(k, v)| (*k, v.clone())).collect();
            w.empty("driver", &a);
        }
        cx.alias(w, &io.alias);
    });
}
