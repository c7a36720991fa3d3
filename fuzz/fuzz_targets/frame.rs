//! Message framing as the server reads it: length word, header, fd count, then the body
//! decoded as the arguments of the procedure the header names.
#![no_main]

mod args;

use libfuzzer_sys::fuzz_target;
use oxvirt_rpc::frame::{check_len, parse_frame};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let len = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    let Ok(len) = check_len(len) else { return };
    let msg = &data[4..data.len().min(len)];
    if let Ok(frame) = parse_frame(msg) {
        assert!(frame.nfds <= 32);
        args::decode_call(frame.header.program, frame.header.procedure, frame.body);
    }
});
