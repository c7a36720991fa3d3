//! libvirt's remote protocol, declared in oxvirt's own Rust from the documented facts:
//! program numbers, the message header, the error struct, error codes and domains,
//! the table of every procedure (number, name, ACL, priority, stream direction), and the
//! argument/return types of the procedures oxvirt implements. No I/O here.

pub mod errors;
pub mod message;
pub mod procedures;
pub mod remote;
pub mod shim;
pub mod storage;
pub mod types;
pub mod vir_error;

pub use message::{Header, MessageType, Status};
pub use types::*;
pub use vir_error::{ToVirError, VirError};
