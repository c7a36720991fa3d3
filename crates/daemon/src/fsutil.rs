//! Crash-safe files, for every daemon: the one implementation is `oxvirt_host::atomic` (the
//! shim, which links no daemon runtime, uses it too).

pub use oxvirt_host::atomic::write_atomic;
