//! `<seclabel>` of a domain (`virSecurityLabelDefParseXML`): what a define keeps of it. oxvirt has
//! no security driver; it keeps the labels a definition asks for, as libvirt's define does, so
//! that libvirt's own XML (whose live form names the DAC label it generated) defines again.

use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// One `<seclabel>`: a dynamic label (generated when the domain starts, so a define drops the
/// `<label>` and `<imagelabel>` a live XML has) or a static one (its `<label>` kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecLabel {
    /// `type=`: `dynamic` or `static`.
    pub kind: String,
    /// `model=`: the security driver (`dac`, `selinux`, `apparmor`).
    pub model: String,
    /// `relabel=`.
    pub relabel: bool,
    /// `<label>` of a static label.
    pub label: Option<String>,
}

fn text(n: Node<'_, '_>, name: &str) -> Option<String> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .map(|c| c.text().unwrap_or("").to_owned())
}

/// The top-level `<seclabel>`s of `root`.
pub(super) fn parse(root: Node<'_, '_>) -> Result<Vec<SecLabel>, ConfError> {
    let mut out: Vec<SecLabel> = Vec::new();
    for n in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "seclabel")
    {
        let kind = n.attribute("type").unwrap_or("dynamic");
        // without a model libvirt takes the host's security driver; `none` labels and base
        // labels are not modelled
        let Some(model) = n.attribute("model") else {
            return Err(ConfError::NotImplemented(
                "<seclabel> without a model".into(),
            ));
        };
        if !matches!(kind, "dynamic" | "static") || text(n, "baselabel").is_some() {
            return Err(ConfError::NotImplemented(format!(
                "<seclabel type='{kind}'> or <baselabel>"
            )));
        }
        let relabel = match n.attribute("relabel") {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(v) => {
                return Err(ConfError::Xml(format!(
                    "invalid security relabel value '{v}'"
                )))
            }
        };
        let label = if kind == "static" {
            match (text(n, "label"), relabel) {
                (Some(l), Some(_)) => Some(l),
                _ => {
                    return Err(ConfError::NotImplemented(
                        "a static <seclabel> without <label> or relabel=".into(),
                    ))
                }
            }
        } else {
            if relabel == Some(false) {
                return Err(ConfError::unsupported(
                    "dynamic label type must use resource relabeling",
                ));
            }
            None
        };
        if out.iter().any(|s| s.model == model) {
            return Err(ConfError::NotImplemented(format!(
                "a second <seclabel> for model {model}"
            )));
        }
        out.push(SecLabel {
            kind: kind.to_owned(),
            model: model.to_owned(),
            relabel: relabel.unwrap_or(true),
            label,
        });
    }
    Ok(out)
}

pub(super) fn format(labels: &[SecLabel], w: &mut Writer) {
    for s in labels {
        let attrs = [
            ("type", s.kind.clone()),
            ("model", s.model.clone()),
            ("relabel", if s.relabel { "yes" } else { "no" }.to_owned()),
        ];
        match &s.label {
            Some(l) => w.child("seclabel", &attrs, |w| w.text("label", &[], l)),
            None => w.empty("seclabel", &attrs),
        }
    }
}
