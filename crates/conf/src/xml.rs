//! Writing XML the way libvirt does (`virBuffer` with two-space indentation and
//! `virBufferEscapeString`), and re-serialising foreign XML the way libxml2's `xmlNodeDump`
//! does for `<metadata>`.

use std::fmt::Write as _;

/// Escape text or an attribute value as `virBufferEscapeString` does: `< > & ' "` become
/// entities and control characters other than tab, newline and carriage return are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// An element being written: name, attributes and children, formatted like libvirt.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    out: String,
    indent: usize,
}

impl Writer {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty document whose first level is indented by `indent` spaces (an element
    /// written into another document).
    pub fn with_indent(indent: usize) -> Self {
        Writer {
            out: String::new(),
            indent,
        }
    }

    /// The document written.
    pub fn finish(self) -> String {
        self.out
    }

    fn pad(&mut self) {
        for _ in 0..self.indent {
            self.out.push(' ');
        }
    }

    /// `<name attrs/>`
    pub fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.pad();
        self.out.push('<');
        self.out.push_str(name);
        push_attrs(&mut self.out, attrs);
        self.out.push_str("/>\n");
    }

    /// `<name attrs>text</name>`
    pub fn text(&mut self, name: &str, attrs: &[(&str, String)], text: &str) {
        self.pad();
        let _ = write!(self.out, "<{name}");
        push_attrs(&mut self.out, attrs);
        let _ = writeln!(self.out, ">{}</{name}>", escape(text));
    }

    /// `<name attrs>` then the children, indented, then `</name>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.pad();
        self.out.push('<');
        self.out.push_str(name);
        push_attrs(&mut self.out, attrs);
        self.out.push_str(">\n");
        self.indent += 2;
    }

    /// `</name>`, one level out.
    pub fn close(&mut self, name: &str) {
        self.indent = self.indent.saturating_sub(2);
        self.pad();
        let _ = writeln!(self.out, "</{name}>");
    }

    /// An element with children written by `body`; self-closing when `body` writes nothing.
    pub fn child(&mut self, name: &str, attrs: &[(&str, String)], body: impl FnOnce(&mut Writer)) {
        let mut inner = Writer {
            out: String::new(),
            indent: self.indent + 2,
        };
        body(&mut inner);
        if inner.out.is_empty() {
            self.empty(name, attrs);
        } else {
            self.open(name, attrs);
            self.out.push_str(&inner.out);
            self.close(name);
        }
    }

    /// Raw lines, already indented by the caller relative to the current level.
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// The current indentation, in spaces.
    pub fn indent(&self) -> usize {
        self.indent
    }
}

/// `<metadata>` with its foreign elements as libxml2 dumps them (`<metadata/>` when empty).
pub fn format_metadata(w: &mut Writer, items: &[Element]) {
    if items.is_empty() {
        w.empty("metadata", &[]);
        return;
    }
    w.open("metadata", &[]);
    let level = w.indent() / 2;
    for e in items {
        let mut s = String::new();
        for _ in 0..level {
            s.push_str("  ");
        }
        e.dump(&mut s, level);
        s.push('\n');
        w.raw(&s);
    }
    w.close("metadata");
}

fn push_attrs(out: &mut String, attrs: &[(&str, String)]) {
    for (k, v) in attrs {
        let _ = write!(out, " {k}='{}'", escape(v));
    }
}

/// A foreign XML node kept verbatim (for `<metadata>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An element.
    Element(Element),
    /// A text node.
    Text(String),
    /// A text node written as one CDATA section.
    CData(String),
    /// A comment.
    Comment(String),
    /// A processing instruction.
    ProcessingInstruction {
        /// Its target.
        target: String,
        /// Its content.
        value: Option<String>,
    },
}

/// A foreign element: its qualified name as written, its namespace declarations and attributes
/// in document order, and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Prefix as written (`foo` in `<foo:x>`), if any.
    pub prefix: Option<String>,
    /// Local name.
    pub name: String,
    /// Namespace URI of the element, if any.
    pub namespace: Option<String>,
    /// Namespace declarations made on this element: (prefix, uri).
    pub ns_decls: Vec<(Option<String>, String)>,
    /// Attributes: (qualified name, value).
    pub attrs: Vec<(String, String)>,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// Copy a roxmltree element, dropping whitespace-only text nodes as libvirt's parser
    /// (XML_PARSE_NOBLANKS) does.
    pub fn from_node(node: roxmltree::Node<'_, '_>) -> Element {
        let parent_ns: Vec<(Option<String>, String)> = node
            .parent_element()
            .map(|p| {
                p.namespaces()
                    .map(|n| (n.name().map(str::to_owned), n.uri().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let ns_decls = node
            .namespaces()
            .map(|n| (n.name().map(str::to_owned), n.uri().to_owned()))
            .filter(|d| !parent_ns.contains(d))
            .filter(|(p, _)| p.as_deref() != Some("xml"))
            .collect();
        let prefix = node
            .tag_name()
            .namespace()
            .and_then(|uri| node.lookup_prefix(uri))
            .map(str::to_owned);
        let attrs = node
            .attributes()
            .map(|a| {
                let name = match a.namespace().and_then(|uri| node.lookup_prefix(uri)) {
                    Some(p) => format!("{p}:{}", a.name()),
                    None => a.name().to_owned(),
                };
                (name, a.value().to_owned())
            })
            .collect();
        let mut children = Vec::new();
        for c in node.children() {
            match c.node_type() {
                roxmltree::NodeType::Element => children.push(Node::Element(Element::from_node(c))),
                roxmltree::NodeType::Text => {
                    let t = c.text().unwrap_or_default();
                    let raw = c.document().input_text().get(c.range()).unwrap_or("");
                    if raw.starts_with("<![CDATA[")
                        && raw.ends_with("]]>")
                        && raw.matches("<![CDATA[").count() == 1
                    {
                        children.push(Node::CData(t.to_owned()));
                    } else if !t.chars().all(|ch| matches!(ch, ' ' | '\t' | '\n' | '\r')) {
                        children.push(Node::Text(t.to_owned()));
                    }
                }
                roxmltree::NodeType::Comment => {
                    children.push(Node::Comment(c.text().unwrap_or_default().to_owned()))
                }
                roxmltree::NodeType::PI => {
                    if let Some(pi) = c.pi() {
                        children.push(Node::ProcessingInstruction {
                            target: pi.target.to_owned(),
                            value: pi.value.map(str::to_owned),
                        })
                    }
                }
                roxmltree::NodeType::Root => {}
            }
        }
        Element {
            prefix,
            name: node.tag_name().name().to_owned(),
            namespace: node.tag_name().namespace().map(str::to_owned),
            ns_decls,
            attrs,
            children,
        }
    }

    fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Serialise as libxml2's `xmlNodeDump(..., level, format=1)`: children on their own
    /// lines, two spaces per level, unless the element has text children (then inline).
    pub fn dump(&self, out: &mut String, level: usize) {
        let _ = write!(out, "<{}", self.qname());
        for (p, uri) in &self.ns_decls {
            match p {
                Some(p) => {
                    let _ = write!(out, " xmlns:{p}=\"{}\"", escape_attr_libxml(uri));
                }
                None => {
                    let _ = write!(out, " xmlns=\"{}\"", escape_attr_libxml(uri));
                }
            }
        }
        for (k, v) in &self.attrs {
            let _ = write!(out, " {k}=\"{}\"", escape_attr_libxml(v));
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        let format = !self
            .children
            .iter()
            .any(|c| matches!(c, Node::Text(_) | Node::CData(_)));
        for c in &self.children {
            if format {
                out.push('\n');
                for _ in 0..(level + 1) * 2 {
                    out.push(' ');
                }
            }
            match c {
                Node::Element(e) => e.dump(out, level + 1),
                Node::Text(t) => out.push_str(&escape_text_libxml(t)),
                Node::CData(t) => {
                    let _ = write!(out, "<![CDATA[{t}]]>");
                }
                Node::Comment(t) => {
                    let _ = write!(out, "<!--{t}-->");
                }
                Node::ProcessingInstruction { target, value } => match value {
                    Some(v) => {
                        let _ = write!(out, "<?{target} {v}?>");
                    }
                    None => {
                        let _ = write!(out, "<?{target}?>");
                    }
                },
            }
        }
        if format {
            out.push('\n');
            for _ in 0..level * 2 {
                out.push(' ');
            }
        }
        let _ = write!(out, "</{}>", self.qname());
    }
}

/// libxml2's escaping of text content.
fn escape_text_libxml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// libxml2's escaping of attribute values (non-ASCII as hexadecimal character references).
fn escape_attr_libxml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) >= 0x80 => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_virbuffer() {
        assert_eq!(
            escape("t & \"x\" 'y' <>"),
            "t &amp; &quot;x&quot; &apos;y&apos; &lt;&gt;"
        );
        assert_eq!(escape("a\u{1}b\tc"), "ab\tc");
    }

    #[test]
    fn writer_self_closes_empty_children() {
        let mut w = Writer::new();
        w.child("a", &[("x", "1".into())], |_| {});
        w.child("b", &[], |w| w.text("c", &[], "t"));
        assert_eq!(w.finish(), "<a x='1'/>\n<b>\n  <c>t</c>\n</b>\n");
    }

    #[test]
    fn dump_like_libxml2() {
        let doc = roxmltree::Document::parse(
            "<m><foo:x xmlns:foo=\"http://foo/\">\n <foo:y a=\"1&quot;&lt;'>\u{e9}\">t&lt;\u{e9} \"'</foo:y> <foo:z/><foo:w>mixed <foo:q/> text</foo:w><!-- c --><foo:c><![CDATA[<r> & t]]></foo:c></foo:x></m>",
        )
        .map_err(|e| e.to_string());
        let Ok(doc) = doc else { panic!("parse") };
        let Some(x) = doc.root_element().first_element_child() else {
            panic!("child")
        };
        let mut out = String::new();
        Element::from_node(x).dump(&mut out, 2);
        assert_eq!(
            out,
            "<foo:x xmlns:foo=\"http://foo/\">\n      <foo:y a=\"1&quot;&lt;'&gt;&#xE9;\">t&lt;\u{e9} \"'</foo:y>\n      <foo:z/>\n      <foo:w>mixed <foo:q/> text</foo:w>\n      <!-- c -->\n      <foo:c><![CDATA[<r> & t]]></foo:c>\n    </foo:x>"
        );
    }
}
