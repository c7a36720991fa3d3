//! The server side of libvirt's REMOTE program that is the same for every oxvirt driver daemon.
//!
//! [`RemoteService`] implements the connection envelope exactly as libvirt 9.0's clients expect
//! it (AUTH_LIST, SUPPORTS_FEATURE before and after CONNECT_OPEN, CONNECT_OPEN/CLOSE, close
//! callbacks, GET_URI, IS_SECURE/IS_ENCRYPTED, SET_IDENTITY), refuses changing calls on
//! read-only connections, keeps domain event registrations ([`events::EventHub`]), serves the
//! ADMIN program on admin sockets, and hands every other call to a [`Driver`].

#![warn(missing_docs, unreachable_pub)]

pub mod access;
pub mod admin;
pub mod event_registry;
pub mod events;
pub mod forward;
pub mod router;
pub mod secret_link;
mod service;
pub mod uri;

pub use event_registry::EventRegistry;
pub use forward::{Forwarder, Upstream};
pub use router::{Route, Router, Runs};
pub use service::{decode_args, ret, CallCtx, Driver, RemoteService, Session};

/// The libvirt version oxvirt's protocol and behaviour follow (9.0.0).
pub const LIBVIRT_VERSION: u64 = 9_000_000;
