//! The access checks of a call on hostile bytes: the object names read from a call's
//! arguments (handles, names, XML) and from its reply (lookups), and the filtering of list
//! replies. The first two bytes pick the procedure; the rest is split into the arguments and
//! the reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxvirt_access::{Rules, Subject};
use oxvirt_proto::procedures::REMOTE_PROCEDURES;
use oxvirt_remote::access::AccessControl;

fuzz_target!(|data: &[u8]| {
    let [a, b, c, rest @ ..] = data else { return };
    let info = &REMOTE_PROCEDURES[usize::from(u16::from_be_bytes([*a, *b])) % REMOTE_PROCEDURES.len()];
    let cut = usize::from(*c).min(rest.len());
    let (args, reply) = rest.split_at(cut);
    let rules = Rules::parse(
        "allow uid:1 connect:*\nallow uid:1 domain:getattr,domain:read domain:web-*\nallow uid:1 network:* network:n?t\nallow uid:1 *:getattr *",
        "fuzz",
    );
    let Ok(rules) = rules else { return };
    let ac = AccessControl::new(rules, 0);
    let s = Subject {
        uid: Some(1),
        ..Subject::default()
    };
    let mut args = args.to_vec();
    let _ = ac.check_call(&s, info, &mut args, reply.to_vec());
});
