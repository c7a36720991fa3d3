//! Domain XML: parsing and validation never panic, post-parse defaults never panic, and whatever parses
//! formats to a document that parses back and formats identically (a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::domain::{parse, post_parse, FormatFlags, QemuCaps};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // schema validation (VIR_DOMAIN_DEFINE_VALIDATE) never panics either
    let _ = oxvirt_conf::domain::validate(text);
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
        use oxvirt_conf::domain::split_controllers;
        assert_eq!(split_controllers(&out), split_controllers(&back));
    }
});
