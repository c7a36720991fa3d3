//! libvirt's domain states, state reasons, and lifecycle events with their details (the
//! numbers clients see in `virsh domstate --reason` and `virsh event`), as the driver names
//! them: written once in `oxvirt_proto` ([`oxvirt_proto::states`],
//! [`oxvirt_proto::events::lifecycle`]).

pub use oxvirt_proto::events::lifecycle as event;
pub use oxvirt_proto::states::{is_active, paused, running, shutdown, shutoff, state};
