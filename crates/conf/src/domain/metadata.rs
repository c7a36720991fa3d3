//! `<metadata>`: foreign-namespace elements kept as they are.

use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<metadata>`: namespaced elements, the first one per namespace URI
/// (`virXMLNodeSanitizeNamespaces`).
pub(crate) fn parse_metadata(m: Node<'_, '_>) -> Result<Vec<Element>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for c in m.children().filter(|c| c.is_element()) {
        let Some(ns) = c.tag_name().namespace() else {
            continue;
        };
        if seen.contains(&ns) {
            continue;
        }
        seen.push(ns);
        let mut e = Element::from_node(c);
        // the element carries every namespace it uses when moved out of its document
        let mut decls: Vec<(Option<String>, String)> = Vec::new();
        for n in c.namespaces() {
            let d = (n.name().map(str::to_owned), n.uri().to_owned());
            if d.0.as_deref() != Some("xml") && !decls.contains(&d) {
                decls.push(d);
            }
        }
        let used_by_self = |d: &(Option<String>, String)| {
            e.ns_decls.contains(d) || c.tag_name().namespace() == Some(d.1.as_str())
        };
        let mut merged = e.ns_decls.clone();
        for d in decls {
            if !merged.contains(&d) && used_by_self(&d) {
                merged.push(d);
            }
        }
        e.ns_decls = merged;
        if !prefixes_declared(&e, &[]) {
            // how libxml2 re-declares a prefix bound outside the copied element is not
            // modelled
            return Err(ConfError::NotImplemented(
                "<metadata> elements using a namespace prefix declared outside them".into(),
            ));
        }
        out.push(e);
    }
    Ok(out)
}

/// Whether every prefix the element and its descendants use is declared within them.
pub(super) fn prefixes_declared(e: &Element, outer: &[&str]) -> bool {
    let mut scope: Vec<&str> = outer.to_vec();
    for (p, _) in &e.ns_decls {
        if let Some(p) = p {
            scope.push(p);
        }
    }
    let ok = |q: &str| match q.split_once(':') {
        Some((p, _)) => p == "xml" || p == "xmlns" || scope.contains(&p),
        None => true,
    };
    if e.prefix.as_deref().is_some_and(|p| !scope.contains(&p)) {
        return false;
    }
    if !e.attrs.iter().all(|(k, _)| ok(k)) {
        return false;
    }
    e.children.iter().all(|c| match c {
        crate::xml::Node::Element(c) => prefixes_declared(c, &scope),
        _ => true,
    })
}
impl Domain {
    pub(super) fn format_metadata(&self, w: &mut Writer, items: &[Element]) {
        crate::xml::format_metadata(w, items);
    }
}
