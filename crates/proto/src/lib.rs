//! libvirt's remote protocol, declared in oxvirt's own Rust from the documented facts:
//! program numbers, the message header, the error struct, error codes and domains,
//! the table of every procedure (number, name, ACL, priority, stream direction), and the
//! argument/return types of the procedures oxvirt implements, and libvirt's other numbers by
//! name, each written once: error codes and domains ([`errors`], named in [`vir_error::code`]
//! and [`vir_error::domain`]), event ids ([`events`]), domain states ([`states`]) and flag bits
//! ([`flags`]). No I/O here.

pub mod block_api;
pub mod calls;
pub mod domain_api;
pub mod errors;
pub mod events;
pub mod flags;
pub mod interface;
pub mod message;
pub mod procedures;
pub mod remote;
pub mod save;
pub mod secret;
pub mod shim;
pub mod snapshot;
pub mod states;
pub mod storage;
pub mod tune_api;
pub mod types;
pub mod vir_error;

pub use message::{Header, MessageType, Status};
pub use types::*;
pub use vir_error::{ToVirError, VirError};
