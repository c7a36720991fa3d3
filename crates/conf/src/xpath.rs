//! Reading elements the way libvirt's XPath helpers do (`virXPathString` and friends), shared
//! by the parsers of every kind of object.

use roxmltree::Node;

/// The first child element called `name` (no namespace).
pub(crate) fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// Every child element called `name`.
pub(crate) fn children<'a, 'i>(
    n: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace().is_none()
    })
}

/// The element at a `/`-separated path of first children (`target/permissions`).
pub(crate) fn at<'a, 'i>(n: Node<'a, 'i>, path: &str) -> Option<Node<'a, 'i>> {
    path.split('/').try_fold(n, child)
}

/// XPath `string(node)`: the text of all descendants.
pub(crate) fn text_of(n: Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

/// libvirt's `virXPathString("string(./PATH)")`: the text, an empty string counting as absent.
pub(crate) fn string(n: Node<'_, '_>, path: &str) -> Option<String> {
    at(n, path).map(text_of).filter(|s| !s.is_empty())
}

/// `virXPathString("string(./PATH/@ATTR)")`: an attribute, empty counting as absent.
pub(crate) fn attr_at(n: Node<'_, '_>, path: &str, attr: &str) -> Option<String> {
    let e = if path.is_empty() {
        Some(n)
    } else {
        at(n, path)
    };
    e.and_then(|e| e.attribute(attr))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
