//! The host's network interfaces as the kernel shows them in sysfs (`/sys/class/net`), read
//! afresh on every call as libvirt's udev backend does: nothing is cached, so nothing goes
//! stale and a restart loses nothing.

use std::path::{Path, PathBuf};

/// What kind of interface libvirt calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Anything that is not a bridge.
    Ethernet,
    /// A Linux bridge and its ports.
    Bridge {
        /// Spanning tree on.
        stp: bool,
        /// The forward delay as sysfs gives it (centiseconds).
        delay: String,
        /// Its ports, by name.
        ports: Vec<HostIface>,
    },
}

/// One interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIface {
    /// Its name.
    pub name: String,
    /// Its MAC address as sysfs writes it (lower case).
    pub mac: String,
    /// Its MTU.
    pub mtu: Option<u32>,
    /// The kernel's operational state (`up`, `down`, `unknown`, `lowerlayerdown`, ...).
    pub operstate: String,
    /// The link speed in Mb/s, when the driver knows one.
    pub speed: Option<u32>,
    /// A port of a bridge or a bond (libvirt lists only the interface it belongs to).
    pub enslaved: bool,
    /// Its kind.
    pub kind: Kind,
}

impl HostIface {
    /// Up, as libvirt counts "active".
    pub fn active(&self) -> bool {
        self.operstate == "up"
    }
}

/// Where the interfaces are read from (`/sys/class/net`, or a test's copy).
#[derive(Debug, Clone)]
pub struct Sysfs {
    root: PathBuf,
}

fn attr(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|s| s.trim_end_matches('\n').to_owned())
}

impl Sysfs {
    /// The kernel's `/sys/class/net`.
    pub fn host() -> Self {
        Sysfs {
            root: "/sys/class/net".into(),
        }
    }

    /// Interfaces under `root` (a directory laid out like `/sys/class/net`).
    pub fn at(root: &Path) -> Self {
        Sysfs {
            root: root.to_owned(),
        }
    }

    /// Every interface, by name.
    pub fn all(&self) -> Vec<HostIface> {
        let mut names: Vec<String> = std::fs::read_dir(&self.root)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        // TAP devices (the NICs of VMs, `tun_flags`) are not host interfaces, as libvirt's
        // udev backend has it
        names
            .iter()
            .filter(|n| !self.root.join(n).join("tun_flags").exists())
            .filter_map(|n| self.get(n))
            .collect()
    }

    /// The interfaces libvirt lists: every one that is not a port of another (nor a TAP device,
    /// which [`Sysfs::all`] leaves out).
    pub fn listed(&self) -> Vec<HostIface> {
        self.all().into_iter().filter(|i| !i.enslaved).collect()
    }

    /// One interface by name.
    pub fn get(&self, name: &str) -> Option<HostIface> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return None;
        }
        self.read(name, true)
    }

    fn read(&self, name: &str, with_ports: bool) -> Option<HostIface> {
        let dir = self.root.join(name);
        let mac = attr(&dir, "address")?;
        let bridge = dir.join("bridge");
        let kind = if bridge.is_dir() {
            let mut ports: Vec<String> = std::fs::read_dir(dir.join("brif"))
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            ports.sort();
            Kind::Bridge {
                stp: attr(&bridge, "stp_state").is_some_and(|s| s != "0"),
                delay: attr(&bridge, "forward_delay").unwrap_or_default(),
                ports: if with_ports {
                    ports.iter().filter_map(|p| self.read(p, false)).collect()
                } else {
                    Vec::new()
                },
            }
        } else {
            Kind::Ethernet
        };
        Some(HostIface {
            name: name.to_owned(),
            mac,
            mtu: attr(&dir, "mtu").and_then(|m| m.parse().ok()),
            operstate: attr(&dir, "operstate").unwrap_or_else(|| "unknown".into()),
            // a link without carrier answers EINVAL, and some drivers -1: no speed then
            speed: attr(&dir, "speed").and_then(|s| s.parse().ok()),
            enslaved: dir.join("brport").exists() || dir.join("master").exists(),
            kind,
        })
    }
}
