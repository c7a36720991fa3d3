//! A save image (`virsh save`, managed save) read back for a restore: QEMU writes the image's
//! migration stream through the descriptor the shim lends it, so a compromised QEMU can write
//! the header and the XML too. Reading never panics nor allocates beyond the bound; what reads
//! has a header that encodes and decodes to itself, and a new XML of the same size fits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_shim::save_image::{read, redefined_data, Header, DATA_MAX, HEADER_LEN, MAGIC};

fuzz_target!(|data: &[u8]| {
    // the input as it is, and after the complete image's magic (which a fuzzer without a
    // seed corpus would take long to find)
    let with_magic = [MAGIC.as_slice(), data].concat();
    for (data, raw_only) in [(data, false), (data, true), (&with_magic[..], false)] {
        let mut r = data;
        let Ok(img) = read(&mut r, raw_only) else {
            continue;
        };
        assert!(img.header.data_len <= DATA_MAX);
        assert_eq!(
            data.len() - r.len(),
            HEADER_LEN + img.header.data_len as usize,
            "left at the migration stream"
        );
        let hb: [u8; HEADER_LEN] = img.header.encode();
        assert_eq!(Header::decode(&hb).expect("re-encoded header"), img.header);
        if let Ok((h, d)) = redefined_data(&img, &img.xml) {
            assert_eq!(d.len(), h.data_len as usize);
        }
    }
});
