//! Snapshot XML (`<domainsnapshot>`): parsing never panics in any mode, and a redefinition that
//! parses formats to the driver's own file, which parses back and formats identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::snapshot::{format, parse, Format, Parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse(text, Parse::default());
    let redefine = Parse { redefine: true, ..Parse::default() };
    let Ok(p) = parse(text, redefine) else { return };
    // libvirt prints no <creationTime> for 0, and a redefinition needs one: not a fixed point
    if p.snapshot.creation_time == 0 {
        return;
    }
    let how = Format { internal: true, current: true, ..Format::default() };
    let once = format(&p.snapshot, Some("u"), how);
    let back = parse(&once, Parse { internal: true, ..redefine }).expect("formatted XML parses");
    assert!(back.current);
    assert_eq!(once, format(&back.snapshot, Some("u"), how), "a fixed point");
});
