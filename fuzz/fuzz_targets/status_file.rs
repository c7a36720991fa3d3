//! Domain status files: parsing never panics, and whatever parses formats to a document that
//! parses back to the same status and formats identically (a fixed point). A corpus domain
//! made live (aliases, id) is also wrapped in a status file and must read back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::domain::{assign_aliases, parse, parse_live, parse_status, FormatFlags};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = parse_status(text) {
        let once = s.format();
        let back = parse_status(&once).expect("formatted status parses");
        let again = back.format();
        assert_eq!(once, again, "format(parse(x)) is a fixed point");
        assert_eq!(parse_status(&again).expect("parses again"), back);
    }
    // the same input as a domain: the live form is a fixed point of the live parser
    if let Ok(mut d) = parse(text) {
        assign_aliases(&mut d);
        d.id = Some(1);
        let live = FormatFlags { inactive: false };
        let once = d.format(live);
        let back = parse_live(&once).expect("live form parses");
        assert_eq!(back.format(live), once, "live form is a fixed point");
    }
});
