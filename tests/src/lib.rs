//! Harness for end-to-end tests: start a real `oxvirt-qemud` on a private root directory and
//! drive it with Debian's `virsh` and `/usr/bin/python3` (python3-libvirt), or raw sockets.
//!
//! The tests need the packages `scripts/install-deps` installs; `scripts/test` runs them.

#![allow(clippy::expect_used, clippy::panic)] // a test harness fails loudly on purpose

pub mod ansible;
mod binaries;
pub mod chardev;
mod console;
pub mod daemon;
mod embed;
mod guest;
mod libvirtd;
pub mod net_guest;
pub mod networkd;
pub mod pki;
mod procs;
pub mod proxyd;
mod qemud;
mod run;
pub mod serial_shell;
pub mod session;
pub mod storaged;

pub use binaries::*;
pub use console::*;
pub use embed::*;
pub use guest::*;
pub use libvirtd::*;
pub use procs::*;
pub use qemud::*;
pub use run::*;

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};
