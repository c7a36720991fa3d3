//! The async RPC framework every oxvirt socket uses: libvirt's message framing over UNIX
//! sockets (with fd passing), a [`server`] with one task per connection (and per call that waits),
//! keepalive, [`stream`]s and events, read-only listeners and peer identity, and an async
//! [`client`]. It knows no procedure: programs are served by a [`server::Service`].

pub mod client;
pub mod frame;
pub mod limits;
pub mod server;
pub mod stream;
pub mod transport;

pub use client::{Client, ClientError};
pub use frame::Message;
pub use server::{Call, Listener, Reply, Server, ServerConfig, Service};
