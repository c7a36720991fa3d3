//! The host interface driver (`oxvirt-interfaced`): the host's network interfaces listed,
//! looked up and described as libvirt 9.0's udev backend (Debian's build) does. Like that
//! backend it only reads: defining, starting and stopping host interfaces, and change
//! transactions, answer libvirt's "not supported" (the table's default for an unregistered
//! procedure).
//!
//! - [`host`]: the interfaces in sysfs, read on every call;
//! - [`xml`]: their XML;
//! - [`calls`]: the procedures on the one routing table ([`oxvirt_remote::Router`]);
//! - [`daemon`]: the driver served on its sockets by the runtime.

#![warn(missing_docs, unreachable_pub)]

use std::sync::Arc;

use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::vir_error::code;
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver};
use oxvirt_rpc::server::Client;

pub mod calls;
pub mod daemon;
pub mod host;
pub mod xml;

use host::Sysfs;

/// What can go wrong in the interface driver, in libvirt's terms at the RPC boundary.
#[derive(Debug, thiserror::Error)]
pub enum InterfaceError {
    /// `VIR_ERR_NO_INTERFACE`.
    #[error("Interface not found: {0}")]
    NoInterface(String),
    /// Flags the call does not take.
    #[error("unsupported flags (0x{flags:x}) in function {func}")]
    Flags {
        /// The flags given.
        flags: u32,
        /// libvirt's driver function named in the message.
        func: &'static str,
    },
}

impl ToVirError for InterfaceError {
    fn to_vir_error(&self) -> VirError {
        let iface = ErrorDomain::Interface as i32;
        match self {
            InterfaceError::NoInterface(m) => {
                VirError::new(ErrorCode::NoInterface as i32, iface, m.clone())
            }
            // the driver's own flag checks: libvirt 9.0 sends them without the API-level
            // "invalid argument: " prefix
            InterfaceError::Flags { .. } => {
                VirError::plain(code::INVALID_ARG, iface, self.to_string())
            }
        }
    }
}

/// The interface driver.
#[derive(Debug)]
pub struct InterfaceDriver {
    sysfs: Sysfs,
    events: EventHub,
    privileged: bool,
}

impl InterfaceDriver {
    /// The driver over `sysfs`.
    pub fn new(sysfs: Sysfs, privileged: bool) -> Arc<Self> {
        Arc::new(InterfaceDriver {
            sysfs,
            events: EventHub::new(),
            privileged,
        })
    }

    /// The URI a connection opened without a name gets.
    pub fn default_uri(&self) -> &'static str {
        if self.privileged {
            "interface:///system"
        } else {
            "interface:///session"
        }
    }
}

impl Driver for InterfaceDriver {
    fn open(&self, name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        // the driver's own URIs only: qemud reaches it as SCHEME:///system
        oxvirt_remote::uri::open_driver_uri(name, self.default_uri(), &["interface"])
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        calls::ROUTES.dispatch(self, ctx).await
    }
}
