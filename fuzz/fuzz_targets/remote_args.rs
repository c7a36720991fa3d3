//! XDR decoding of every argument (and some reply) types: the first byte picks the type.
#![no_main]

mod args;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let mut i = pick as usize;
    // wrap around the list of types
    while args::decode_by_index(i, rest).is_none() {
        if i == 0 {
            return;
        }
        i /= 2;
    }
});
