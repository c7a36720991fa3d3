//! Network and network port XML: parsing and the driver's define checks never panic, and
//! whatever parses formats to a document that parses back and formats identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::network::{parse, port, validate, FormatFlags};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = port::parse(text) {
        let once = p.format();
        let again = port::parse(&once).expect("formatted port parses").format();
        assert_eq!(once, again, "port format(parse(x)) is a fixed point");
    }
    let Ok(mut def) = parse(text) else { return };
    for flags in [FormatFlags { inactive: true }, FormatFlags { inactive: false }] {
        let once = def.format(flags);
        let again = parse(&once).expect("formatted XML parses").format(flags);
        assert_eq!(once, again, "format(parse(x)) is a fixed point");
    }
    if validate(&mut def, |b| b == "virbr0").is_ok() {
        let out = def.format(FormatFlags { inactive: true });
        let back = parse(&out).expect("defined XML parses");
        assert_eq!(out, back.format(FormatFlags { inactive: true }));
    }
});
