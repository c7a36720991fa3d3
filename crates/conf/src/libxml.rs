//! libvirt's report of a document that is not well-formed XML: libxml2's message for the most
//! common errors, the line libxml2 stopped at, and the context lines libvirt's `catchXMLError`
//! adds (the line's text, then dashes up to libxml2's position and a caret).
//!
//! roxmltree finds the error; this module translates it into libxml2's wording and position.

use crate::error::ConfError;
use roxmltree::{Error, TextPos};

/// The `ConfError::Malformed` libvirt would report for `xml`, given roxmltree's error.
pub(crate) fn malformed(xml: &str, e: &Error) -> ConfError {
    let b = xml.as_bytes();
    let at = offset_of(xml, e.pos());
    let (message, cursor) = match e {
        Error::UnexpectedCloseTag(expected, actual, _) => {
            let line = open_elements(xml, at).last().map(|(_, l)| *l).unwrap_or(1);
            (
                format!("Opening and ending tag mismatch: {expected} line {line} and {actual}"),
                after(b, at, b'>'),
            )
        }
        Error::UnknownEntityReference(name, _) => {
            let cursor = if in_attribute(xml, at) {
                attribute_end(b, at)
            } else {
                after(b, at, b';')
            };
            (format!("Entity '{name}' not defined"), cursor)
        }
        Error::MalformedEntityReference(_) => {
            let cursor = if in_attribute(xml, at) {
                attribute_end(b, at)
            } else {
                name_end(b, at + 1)
            };
            ("EntityRef: expecting ';'".to_owned(), cursor)
        }
        Error::InvalidChar2("a quote", _, _) => ("AttValue: \" or ' expected".to_owned(), at),
        Error::InvalidChar(b'=', _, _) => (
            format!(
                "Specification mandates value for attribute {}",
                name_before(xml, at)
            ),
            at,
        ),
        Error::InvalidChar(b'\'' | b'"', b'<', _) => (
            "Unescaped '<' not allowed in attributes values".to_owned(),
            at,
        ),
        Error::InvalidChar2("a whitespace", _, _) => {
            ("error parsing attribute name".to_owned(), at)
        }
        Error::InvalidName(_) if at > 0 && b.get(at - 1) == Some(&b'<') => {
            ("StartTag: invalid element name".to_owned(), at)
        }
        Error::DuplicatedAttribute(name, _) => {
            (format!("Attribute {name} redefined"), value_end(b, at))
        }
        Error::UnclosedRootNode => {
            let open = open_elements(xml, b.len());
            match open.last() {
                Some((name, line)) => (
                    format!("Premature end of data in tag {name} line {line}"),
                    b.len(),
                ),
                None => ("Premature end of data".to_owned(), b.len()),
            }
        }
        Error::UnknownToken(_) if root_closed_before(xml, at) => {
            ("Extra content at the end of the document".to_owned(), at)
        }
        Error::InvalidString("-->", _) => ("Comment not terminated".to_owned(), b.len()),
        Error::NoRootNode => ("Start tag expected, '<' not found".to_owned(), b.len()),
        other => (other.to_string(), at),
    };
    let cursor = cursor.min(b.len());
    let line = 1 + b
        .get(..cursor)
        .map_or(0, |s| s.iter().filter(|c| **c == b'\n').count());
    let (context, pointer) = context(b, cursor);
    ConfError::Malformed {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: e.pos().col,
        message: format!("{message}\n{context}\n{pointer}"),
    }
}

/// The byte offset of roxmltree's (1-based row, 1-based character column) position.
fn offset_of(xml: &str, pos: TextPos) -> usize {
    let mut off = 0;
    for (i, line) in xml.split_inclusive('\n').enumerate() {
        if i + 1 == pos.row as usize {
            let col = (pos.col as usize).saturating_sub(1);
            return off + line.char_indices().nth(col).map_or(line.len(), |(i, _)| i);
        }
        off += line.len();
    }
    xml.len()
}

/// The position just after the first `c` at or after `from`.
fn after(b: &[u8], from: usize, c: u8) -> usize {
    b.get(from..)
        .and_then(|s| s.iter().position(|x| *x == c))
        .map_or(b.len(), |i| from + i + 1)
}

/// The end of an XML name starting at `from`.
fn name_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(c) = b.get(i) {
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':') || *c >= 0x80 {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The position of the quote closing the attribute value `at` is in.
fn attribute_end(b: &[u8], at: usize) -> usize {
    let quote = b
        .get(..at)
        .and_then(|s| s.iter().rposition(|c| *c == b'\'' || *c == b'"'))
        .and_then(|i| b.get(i).copied())
        .unwrap_or(b'\'');
    b.get(at..)
        .and_then(|s| s.iter().position(|x| *x == quote))
        .map_or(b.len(), |i| at + i)
}

/// The position after the quoted value of the attribute starting at `at`.
fn value_end(b: &[u8], at: usize) -> usize {
    let eq = after(b, at, b'=');
    let mut i = eq;
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    match b.get(i) {
        Some(q @ (b'\'' | b'"')) => after(b, i + 1, *q),
        _ => i,
    }
}

/// The attribute name just before `at` (skipping whitespace).
fn name_before(xml: &str, at: usize) -> String {
    let s = xml.get(..at).unwrap_or("").trim_end();
    let start = s
        .rfind(|c: char| c.is_whitespace() || c == '<')
        .map_or(0, |i| i + 1);
    s.get(start..).unwrap_or("").to_owned()
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Text,
    Tag,
    Quote(u8),
}

/// A light scan of `xml` up to `limit`: the elements open there with the line of their start
/// tag, and whether the position is inside an attribute value.
fn scan(xml: &str, limit: usize) -> (Vec<(String, usize)>, State, bool) {
    let b = xml.as_bytes();
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut state = State::Text;
    let mut line = 1;
    let mut i = 0;
    let mut root_seen = false;
    let mut tag_start_line = 1;
    let mut tag_name = String::new();
    while i < limit.min(b.len()) {
        let c = b[i];
        match state {
            State::Text => {
                let rest = &b[i..];
                if rest.starts_with(b"<!--") {
                    let end = find(b, i + 4, b"-->").map_or(b.len(), |e| e + 3);
                    line += count_nl(&b[i..end.min(b.len())]);
                    i = end;
                    continue;
                } else if rest.starts_with(b"<![CDATA[") {
                    let end = find(b, i + 9, b"]]>").map_or(b.len(), |e| e + 3);
                    line += count_nl(&b[i..end.min(b.len())]);
                    i = end;
                    continue;
                } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
                    let end = find(b, i + 2, b">").map_or(b.len(), |e| e + 1);
                    line += count_nl(&b[i..end.min(b.len())]);
                    i = end;
                    continue;
                } else if rest.starts_with(b"</") {
                    let end = after(b, i, b'>');
                    open.pop();
                    line += count_nl(&b[i..end.min(b.len())]);
                    i = end;
                    continue;
                } else if c == b'<' {
                    let e = name_end(b, i + 1);
                    tag_name = String::from_utf8_lossy(&b[i + 1..e]).into_owned();
                    tag_start_line = line;
                    state = State::Tag;
                    root_seen = true;
                    i = e;
                    continue;
                }
            }
            State::Tag => match c {
                b'\'' | b'"' => state = State::Quote(c),
                b'>' => {
                    let empty = i > 0 && b[i - 1] == b'/';
                    if !empty {
                        open.push((std::mem::take(&mut tag_name), tag_start_line));
                    }
                    state = State::Text;
                }
                _ => {}
            },
            State::Quote(q) => {
                if c == q {
                    state = State::Tag;
                }
            }
        }
        if c == b'\n' {
            line += 1;
        }
        i += 1;
    }
    if state == State::Tag && limit >= b.len() && !tag_name.is_empty() {
        // an unfinished start tag at the end counts as open
        open.push((tag_name, tag_start_line));
    }
    (open, state, root_seen)
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|i| from + i)
}

fn count_nl(b: &[u8]) -> usize {
    b.iter().filter(|c| **c == b'\n').count()
}

fn open_elements(xml: &str, limit: usize) -> Vec<(String, usize)> {
    scan(xml, limit).0
}

fn in_attribute(xml: &str, at: usize) -> bool {
    matches!(scan(xml, at).1, State::Quote(_))
}

fn root_closed_before(xml: &str, at: usize) -> bool {
    let (open, state, root_seen) = scan(xml, at);
    open.is_empty() && state == State::Text && root_seen
}

/// libvirt's context lines: the text of the line libxml2 stopped in and a pointer under the
/// position (`catchXMLError`).
fn context(b: &[u8], cursor: usize) -> (String, String) {
    let get = |i: usize| b.get(i).copied().unwrap_or(0);
    let eol = |c: u8| c == b'\n' || c == b'\r';
    let mut c = cursor;
    while c > 0 && eol(get(c)) {
        c -= 1;
    }
    while c > 0 && !eol(get(c)) {
        c -= 1;
    }
    if eol(get(c)) {
        c += 1;
    }
    let col = cursor.saturating_sub(c);
    let mut end = c;
    while end < b.len() && !eol(get(end)) {
        end += 1;
    }
    let content = b.get(c..end).unwrap_or(&[]);
    let mut pointer: String = content
        .iter()
        .take(col)
        .map(|ch| if *ch == b'\t' { '\t' } else { '-' })
        .collect();
    pointer.push('^');
    let text = if content.is_empty() {
        "(null)".to_owned()
    } else {
        String::from_utf8_lossy(content).into_owned()
    };
    (text, pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(xml: &str) -> String {
        match roxmltree::Document::parse(xml) {
            Ok(_) => String::new(),
            Err(e) => malformed(xml, &e).to_string(),
        }
    }

    #[test]
    fn libxml2_wording() {
        assert_eq!(
            msg("<domain>\n  <name>x</name>\n</domian>\n"),
            "(domain_definition):3: Opening and ending tag mismatch: domain line 1 and domian\n</domian>\n---------^"
        );
        assert_eq!(
            msg("<domain>\n  <os>\n"),
            "(domain_definition):3: Premature end of data in tag os line 2\n(null)\n^"
        );
        assert_eq!(
            msg("<a x='1' x='2'/>"),
            "(domain_definition):1: Attribute x redefined\n<a x='1' x='2'/>\n--------------^"
        );
        assert_eq!(
            msg("<a>\t&b</a>"),
            "(domain_definition):1: EntityRef: expecting ';'\n<a>\t&b</a>\n---\t--^"
        );
    }
}
