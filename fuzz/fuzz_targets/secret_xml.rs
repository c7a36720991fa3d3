//! Secret XML: parsing never panics, and whatever parses formats to a document that parses
//! back and formats identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::secret::{format, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(def) = parse(text) else { return };
    let once = format(&def);
    let again = format(&parse(&once).expect("formatted XML parses"));
    assert_eq!(once, again, "format(parse(x)) is a fixed point");
});
