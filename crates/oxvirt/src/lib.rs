//! oxvirt's client library: manage QEMU virtual machines from Rust, through a daemon
//! (`oxvirt-qemud`, or libvirt's own `libvirtd`/`virtqemud`) or with no daemon at all
//! (embedded mode).
//!
//! One [`Connection`] type, opened from a URI:
//!
//! | URI | what it opens |
//! |---|---|
//! | `qemu:///system`, `qemu:///session` | the daemon's standard socket |
//! | `qemu+unix:///system?socket=PATH` | a daemon on that socket |
//! | `qemu:///embed?root=DIR` | the QEMU driver inside this process, every file under DIR |
//!
//! Calls are `async` and run on any tokio runtime; [`Domain`] handles carry the calls on one
//! domain; [`Connection::domain_events`] gives events as a stream; errors carry libvirt's
//! code and domain ([`Error::code`]).
//!
//! # Embedded mode
//!
//! `qemu:///embed?root=DIR` needs no daemon: the driver runs in the program that opens the
//! URI, with its state, sockets, logs and VM processes under DIR, laid out exactly as
//! `oxvirt-qemud --root DIR` lays it out. Each VM runs under its own `oxvirt-shim` process
//! (found through `$OXVIRT_SHIM`, next to the program, or on `PATH`), so **VMs outlive the
//! program**: a program that exits, or is killed, leaves its VMs running, and the next program
//! to open the root finds them and manages them again (the same recovery a daemon restart runs).
//!
//! One program at a time owns a root (a lock on `DIR/run/qemud.lock`) and serves it on
//! `DIR/run/qemud-sock`. A second program that opens the same root meanwhile becomes a client of
//! the first through that socket: both see and manage the same VMs, and nothing is run twice.
//! When the owner closes its connection ([`Connection::close`]) it stops listening at once and
//! gives the programs still connected up to 3 s to finish; their connections then close, and
//! opening the root again makes one of them the owner. (An owner that exits without closing,
//! or is killed, drops them at once.)
//!
//! # Example
//!
//! Define a domain in a fresh embedded root, look at it, and remove it (no VM runs):
//!
//! ```
//! use oxvirt::{Connection, DomainState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let root = tempfile::tempdir()?;
//! let conn = Connection::open(&oxvirt::uri::embedded(root.path())).await?;
//! let dom = conn
//!     .define_xml(
//!         "<domain type='qemu'>
//!            <name>example</name>
//!            <memory unit='MiB'>64</memory>
//!            <os><type arch='x86_64'>hvm</type></os>
//!          </domain>",
//!         0,
//!     )
//!     .await?;
//! assert_eq!(dom.state().await?.0, DomainState::Shutoff);
//! let names: Vec<String> = conn
//!     .list_domains(0)
//!     .await?
//!     .iter()
//!     .map(|d| d.name().to_owned())
//!     .collect();
//! assert_eq!(names, ["example"]);
//! // the canonical XML, with libvirt's defaults filled in
//! assert!(dom.xml(oxvirt::xml_flags::INACTIVE).await?.contains("<on_poweroff>destroy</on_poweroff>"));
//! dom.undefine(0).await?;
//! conn.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Start a VM and follow its events (this one has no disk: it stays in its BIOS):
//!
//! ```
//! use oxvirt::{Connection, DomainEvent, DomainState};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let root = tempfile::tempdir()?;
//! let conn = Connection::open(&oxvirt::uri::embedded(root.path())).await?;
//! let mut events = conn.domain_events(None).await?;
//! let dom = conn
//!     .create_xml(
//!         "<domain type='qemu'>
//!            <name>tiny</name>
//!            <memory unit='MiB'>64</memory>
//!            <os><type arch='x86_64'>hvm</type></os>
//!          </domain>",
//!         0,
//!     )
//!     .await?;
//! assert_eq!(dom.state().await?.0, DomainState::Running);
//! assert!(dom.id().is_some());
//! // as with libvirt, "Resumed Unpaused" comes first, then "Started Booted"
//! while let Some(ev) = events.next().await {
//!     println!("{ev}");
//!     if let DomainEvent::Lifecycle { domain, event: 2, .. } = ev {
//!         assert_eq!(domain.name, "tiny");
//!         break;
//!     }
//! }
//! dom.destroy(0).await?; // a transient domain is gone once it stops
//! assert!(conn.domain_by_name("tiny").await.is_err());
//! # Ok(())
//! # }
//! ```
//!
//! Errors carry libvirt's numbers:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let root = tempfile::tempdir()?;
//! let conn = oxvirt::Connection::open(&oxvirt::uri::embedded(root.path())).await?;
//! let err = conn.domain_by_name("nope").await.unwrap_err();
//! assert_eq!(err.code(), oxvirt::code::NO_DOMAIN);
//! assert_eq!(err.to_string(), "Domain not found: no domain with matching name 'nope'");
//! # Ok(())
//! # }
//! ```

mod connection;
mod console;
mod domain;
// embedded mode links the QEMU driver: without the `embedded` feature a stand-in refuses
// `qemu:///embed` and the library talks to daemons only
#[cfg_attr(not(feature = "embedded"), path = "embedded_off.rs")]
mod embedded;
pub mod error;
mod events;
pub mod network;
mod stats;
pub mod uri;

pub use connection::{list_flags, Connection};
pub use console::Console;
pub use domain::{format_uuid, parse_uuid, xml_flags, Domain, DomainInfo, DomainState};
pub use error::{code, Error, Result};
pub use events::{lifecycle_names, DomainEvent, DomainEvents, EventDomain};
pub use stats::{DomainStats, Value};
