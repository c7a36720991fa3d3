//! Pool and volume XML: parsing never panics, and whatever parses formats to a document that
//! parses back and formats identically (a fixed point). libvirt prints owners and groups over
//! 2^31 as negative numbers, which it then refuses; such documents are the only ones allowed
//! not to parse back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_conf::storage::{parse_pool, parse_volume, CapacityRule, PoolType};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pool) = parse_pool(text) {
        let once = pool.format();
        match parse_pool(&once) {
            Ok(back) => assert_eq!(once, back.format(), "pool format is a fixed point"),
            Err(e) => assert!(once.contains("<owner>-") || once.contains("<group>-"), "{e}"),
        }
    }
    for t in PoolType::ALL {
        let Ok(vol) = parse_volume(text, t, CapacityRule::OptionalWithBacking) else {
            continue;
        };
        let once = vol.format(t);
        match parse_volume(&once, t, CapacityRule::Required) {
            Ok(back) => assert_eq!(once, back.format(t), "volume format is a fixed point"),
            Err(e) => assert!(once.contains("<owner>-") || once.contains("<group>-"), "{e}"),
        }
    }
});
