//! The shim's (and the driver's) one system-interface module with `unsafe`: registering owned
//! descriptors (pidfds, console ptys) with tokio's reactor.

#![allow(unsafe_code)]

use std::os::fd::OwnedFd;

use tokio::io::unix::AsyncFd;

/// Watch an owned descriptor for readiness.
pub fn async_fd(fd: OwnedFd) -> std::io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the `OwnedFd` owns its descriptor and moves into the `AsyncFd`: it stays open,
    // and names the same open file description, until the `AsyncFd` (and with it the
    // `OwnedFd`) is dropped; `as_raw_fd` of an `OwnedFd` always returns the same number.
    unsafe { AsyncFd::register(fd) }.map_err(std::io::Error::from)
}
