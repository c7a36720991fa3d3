//! `<seclabel>` of a domain (`virSecurityLabelDefParseXML`): what a define keeps of it. oxvirt has
//! no security driver; it keeps the labels a definition asks for, as libvirt's define does, so
//! that libvirt's own XML (whose live form names the DAC label it generated) defines again.

use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// One dynamic `<seclabel>`: the label is generated when the domain starts, so a define drops
/// the `<label>` and `<imagelabel>` a live XML has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecLabel {
    /// `type=`: `dynamic`.
    pub kind: String,
    /// `model=`: the security driver (`dac`, `selinux`, `apparmor`).
    pub model: String,
    /// `relabel=`.
    pub relabel: bool,
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
        // a static label asks to run QEMU under a given identity, which oxvirt does not do
        if kind == "static" {
            return Err(ConfError::NotImplemented("a static <seclabel>".into()));
        }
        if relabel == Some(false) {
            return Err(ConfError::unsupported(
                "dynamic label type must use resource relabeling",
            ));
        }
        if out.iter().any(|s| s.model == model) {
            return Err(ConfError::NotImplemented(format!(
                "a second <seclabel> for model {model}"
            )));
        }
        out.push(SecLabel {
            kind: kind.to_owned(),
            model: model.to_owned(),
            relabel: relabel.unwrap_or(true),
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
        w.empty("seclabel", &attrs);
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{parse as parse_domain, FormatFlags};
    use crate::error::ConfError;

    fn define(seclabels: &str) -> Result<String, ConfError> {
        let xml = format!(
            "<domain type='qemu'><name>t</name><memory>65536</memory><vcpu>1</vcpu>\
             <os><type>hvm</type></os>{seclabels}</domain>"
        );
        Ok(parse_domain(&xml)?.format(FormatFlags { inactive: true }))
    }

    #[test]
    fn dynamic_labels_drop_what_libvirt_generates() {
        let out = define(
            "<seclabel type='dynamic' model='dac' relabel='yes'><label>+64055:+64055</label>\
             <imagelabel>+64055:+64055</imagelabel></seclabel><seclabel model='selinux'/>",
        )
        .expect("defined");
        assert!(out.contains(
            "  <seclabel type='dynamic' model='dac' relabel='yes'/>\n  \
             <seclabel type='dynamic' model='selinux' relabel='yes'/>\n</domain>"
        ));
    }

    #[test]
    fn refused_as_libvirt_or_not_modelled() {
        let e = define("<seclabel type='dynamic' model='dac' relabel='no'/>").expect_err("no");
        assert_eq!(
            e.to_string(),
            "unsupported configuration: dynamic label type must use resource relabeling"
        );
        for s in [
            "<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>",
            "<seclabel type='none'/>",
            "<seclabel type='dynamic'/>",
            "<seclabel type='dynamic' model='dac'/><seclabel type='dynamic' model='dac'/>",
        ] {
            assert!(
                matches!(define(s), Err(ConfError::NotImplemented(_))),
                "{s}"
            );
        }
    }
}
