//! `<seclabel>` of a domain (`virSecurityLabelDefParseXML`): what a define keeps of it, and the
//! label a start generates. oxvirt's one security model is `dac` (QEMU as an unprivileged user,
//! `crates/qemu/src/dac.rs`): its live XML names the generated `+UID:+GID` label as libvirt's
//! does; a define drops it again, so libvirt's own live XML defines.

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
    /// `<label>` and `<imagelabel>` of a running domain (live XML and status only).
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
            label: None,
        });
    }
    Ok(out)
}

/// The labels a running domain's status keeps (`<label>`), parsed only from a status file:
/// a definition's own labels are dropped as libvirt's define drops them.
pub(crate) fn keep_live_labels(labels: &mut [SecLabel], root: Node<'_, '_>) {
    for n in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "seclabel")
    {
        if let Some(s) = labels
            .iter_mut()
            .find(|s| Some(s.model.as_str()) == n.attribute("model"))
        {
            s.label = text(n, "label");
        }
    }
}

pub(super) fn format(labels: &[SecLabel], w: &mut Writer, live: bool) {
    for s in labels {
        let attrs = [
            ("type", s.kind.clone()),
            ("model", s.model.clone()),
            ("relabel", if s.relabel { "yes" } else { "no" }.to_owned()),
        ];
        match (&s.label, live) {
            (Some(l), true) => {
                w.open("seclabel", &attrs);
                w.text("label", &[], l);
                w.text("imagelabel", &[], l);
                w.close("seclabel");
            }
            _ => w.empty("seclabel", &attrs),
        }
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
    fn a_status_keeps_the_generated_label_and_the_live_xml_shows_it() {
        let live = "<domain type='qemu' id='3'><name>t</name><memory>65536</memory><vcpu>1</vcpu>\
             <os><type>hvm</type></os><seclabel type='dynamic' model='dac' relabel='yes'>\
             <label>+64055:+64055</label><imagelabel>+64055:+64055</imagelabel></seclabel>\
             </domain>";
        let xml = format!(
            "<domstatus version='1' state='1' reason='1' pid='1' startTicks='1' monitor='m' \
             startedAt='0' persistent='yes'>{live}</domstatus>"
        );
        let st = crate::domain::parse_status(&xml).expect("status");
        assert_eq!(
            st.domain.seclabels[0].label.as_deref(),
            Some("+64055:+64055")
        );
        let out = st.domain.format(FormatFlags { inactive: false });
        assert!(
            out.contains(
                "  <seclabel type='dynamic' model='dac' relabel='yes'>\n    \
             <label>+64055:+64055</label>\n    <imagelabel>+64055:+64055</imagelabel>\n  \
             </seclabel>\n"
            ),
            "{out}"
        );
        let inactive = st.domain.format(FormatFlags { inactive: true });
        assert!(inactive.contains("<seclabel type='dynamic' model='dac' relabel='yes'/>"));
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
