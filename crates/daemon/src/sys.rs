//! The runtime's one system-interface module with `unsafe`: taking ownership of descriptors a
//! parent handed over (systemd's socket activation).

#![allow(unsafe_code)]

use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// Take ownership of the inherited descriptor `fd`, if it is open. The caller makes sure it is
/// taken at most once (the activation environment is read once per process).
pub(crate) fn take_inherited(fd: RawFd) -> Option<OwnedFd> {
    if fd < 3 {
        return None;
    }
    // SAFETY: `fd` is only borrowed for the F_GETFD check below, which fails cleanly (EBADF)
    // if no descriptor has that number; the borrow ends before this statement does.
    let open = rustix::io::fcntl_getfd(unsafe { BorrowedFd::borrow_raw(fd) }).is_ok();
    if !open {
        return None;
    }
    // SAFETY: the descriptor is open (checked above) and, by the socket-activation protocol,
    // handed to this process to own; nothing else in the process knows its number (the
    // environment naming it is consumed once), so no other owner closes it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}
