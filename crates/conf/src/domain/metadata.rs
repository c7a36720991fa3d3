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

impl Domain {
    /// The `<metadata>` element of namespace `uri`, as libvirt's `virDomainGetMetadata`
    /// returns it (the element alone, its namespace declared on it).
    pub fn metadata_element(&self, uri: &str) -> Option<String> {
        let e = self
            .metadata
            .as_ref()?
            .iter()
            .find(|e| e.namespace.as_deref() == Some(uri))?;
        // libvirt hands the element back out of its namespace
        let mut e = e.clone();
        in_namespace(&mut e, None, None);
        e.ns_decls.retain(|(_, u)| u != uri);
        let mut s = String::new();
        e.dump(&mut s, 0);
        Some(s)
    }

    /// Replace (or, with no `xml`, remove) the `<metadata>` element of namespace `uri`, as
    /// libvirt's `virDomainSetMetadata`: the new element is `xml`'s root moved into namespace
    /// `uri` with prefix `key`.
    pub fn set_metadata_element(
        &mut self,
        xml: Option<&str>,
        key: Option<&str>,
        uri: &str,
    ) -> Result<()> {
        let new = match xml {
            Some(text) => {
                let doc = roxmltree::Document::parse(text)
                    .map_err(|e| crate::libxml::malformed(text, &e))?;
                let mut e = Element::from_node(doc.root_element());
                let key = key.unwrap_or_default();
                // the element and its descendants without a namespace of their own move into
                // `uri`, as libvirt's
                in_namespace(&mut e, (!key.is_empty()).then(|| key.to_owned()), Some(uri));
                e.namespace = Some(uri.to_owned());
                e.ns_decls
                    .retain(|(p, _)| p.is_some() && p.as_deref() != Some(key));
                e.ns_decls.insert(0, (e.prefix.clone(), uri.to_owned()));
                Some(e)
            }
            None => None,
        };
        let items = self.metadata.get_or_insert_with(Vec::new);
        items.retain(|e| e.namespace.as_deref() != Some(uri));
        items.extend(new);
        Ok(())
    }
}

/// Put `e` and its descendants that are in no namespace (or in `e`'s own) into `uri` with
/// `prefix`; `uri` none takes them out of their namespace.
fn in_namespace(e: &mut Element, prefix: Option<String>, uri: Option<&str>) {
    let from = e.namespace.clone();
    fn walk(e: &mut Element, from: &Option<String>, prefix: &Option<String>, uri: Option<&str>) {
        if e.namespace.is_none() || e.namespace == *from {
            e.prefix = prefix.clone();
            e.namespace = uri.map(str::to_owned);
        }
        for c in &mut e.children {
            if let crate::xml::Node::Element(child) = c {
                walk(child, from, prefix, uri);
            }
        }
    }
    walk(e, &from, &prefix, uri);
}

#[cfg(test)]
mod element_tests {

    #[test]
    fn set_get_and_remove_an_element() {
        let mut d = super::super::parse::parse(
            "<domain type='qemu'><name>m</name><memory>65536</memory><os><type>hvm</type></os></domain>",
        )
        .unwrap();
        d.set_metadata_element(Some("<foo>bar</foo>"), Some("x"), "http://example.org/x")
            .unwrap();
        assert_eq!(
            d.metadata_element("http://example.org/x").as_deref(),
            Some("<foo>bar</foo>")
        );
        let mut stored = String::new();
        if let Some(e) = d.metadata.as_deref().and_then(<[_]>::first) {
            e.dump(&mut stored, 0);
        }
        assert_eq!(
            stored,
            "<x:foo xmlns:x=\"http://example.org/x\">bar</x:foo>"
        );
        d.set_metadata_element(Some("<a><b/></a>"), Some("y"), "http://example.org/x")
            .unwrap();
        stored.clear();
        if let Some(e) = d.metadata.as_deref().and_then(<[_]>::first) {
            e.dump(&mut stored, 0);
        }
        assert_eq!(
            stored,
            "<y:a xmlns:y=\"http://example.org/x\">\n  <y:b/>\n</y:a>"
        );
        d.set_metadata_element(None, None, "http://example.org/x")
            .unwrap();
        assert_eq!(d.metadata_element("http://example.org/x"), None);
        // an emptied <metadata> stays, as libvirt's
        assert_eq!(d.metadata.as_deref(), Some(&[][..]));
    }
}
