//! One line from QEMU's QMP monitor parsed into a message (greeting, reply, error, event):
//! never a panic, and whatever parses is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_qmp::{parse_message, ParseError, QmpMessage};

fuzz_target!(|data: &[u8]| {
    match parse_message(data) {
        Ok(QmpMessage::Greeting(g)) => {
            let _ = g.version.libvirt_number();
        }
        Ok(QmpMessage::Event(e)) => assert!(!e.data.is_null()),
        Ok(QmpMessage::Return { .. } | QmpMessage::Error { .. }) => {}
        Err(e) => {
            if let ParseError::InvalidUtf8 { valid_up_to } = e {
                assert!(valid_up_to < data.len());
            }
            let _ = e.to_string();
        }
    }
});
