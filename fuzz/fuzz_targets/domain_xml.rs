//! Domain XML: parsing never panics, post-parse defaults never panic, and whatever parses
//! formats to a document that parses back and formats identically (a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::domain::{parse, post_parse, FormatFlags, QemuCaps};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut def) = parse(text) else { return };
    let flags = FormatFlags { inactive: true };
    let once = def.format(flags);
    let again = parse(&once).expect("formatted XML parses").format(flags);
    assert_eq!(once, again, "format(parse(x)) is a fixed point");
    if post_parse(&mut def, &QemuCaps::debian_qemu_7_2_x86_64()).is_ok() {
        let out = def.format(flags);
        let back = parse(&out).expect("defined XML parses").format(flags);
        // libvirt appends the controllers it adds on define and sorts them when parsing, so
        // only their order may change
        assert_eq!(split_controllers(&out), split_controllers(&back));
    }
});

/// The document without its `<controller>` elements, and those elements sorted.
fn split_controllers(doc: &str) -> (String, Vec<String>) {
    let mut rest = String::new();
    let mut ctrls = Vec::new();
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        if let Some(c) = &mut cur {
            c.push_str(line);
            c.push('\n');
            if line.trim_start().starts_with("</controller>") {
                ctrls.extend(cur.take());
            }
        } else if line.trim_start().starts_with("<controller ") {
            if line.trim_end().ends_with("/>") {
                ctrls.push(line.to_owned());
            } else {
                cur = Some(format!("{line}\n"));
            }
        } else {
            rest.push_str(line);
            rest.push('\n');
        }
    }
    ctrls.extend(cur);
    ctrls.sort();
    (rest, ctrls)
}
