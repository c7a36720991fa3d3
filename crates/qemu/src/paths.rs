//! Where the QEMU driver keeps its files: the runtime's layout ([`oxvirt_daemon::Paths`]),
//! with the driver's files in its `qemu` subdirectories (`etc/qemu`, `run/qemu`, `log/qemu`,
//! `cache/qemu`).

pub use oxvirt_daemon::Paths;
