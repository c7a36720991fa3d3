//! TAP devices made by networkd for a port and handed to the hypervisor daemon as fds (an
//! oxvirt extension of `NETWORK_PORT_CREATE_XML`, see [`TAP_FLAG`]): the unprivileged QEMU
//! driver gets real networking with no helper of its own, and a guest's traffic never depends
//! on networkd (the device lives as long as QEMU holds a queue).
//!
//! The device is made as libvirt's QEMU driver makes it: named `vnetN`, host-side MAC `fe:` and
//! the guest MAC's last five bytes, the bridge's MTU, `vnet_hdr` for virtio, one fd per queue,
//! plugged into the bridge and up.

use std::os::fd::OwnedFd;
use std::process::Command;

use oxvirt_conf::domain::mac_string;
use oxvirt_conf::network::Bandwidth;

use crate::sys;
use crate::NetworkError;

/// `NETWORK_PORT_CREATE_XML` flag bit (oxvirt only; no libvirt flag is this high): make the
/// port's TAP device and answer its queues as fds (REPLY_WITH_FDS).
pub const TAP_FLAG: u32 = 1 << 31;
/// With [`TAP_FLAG`]: the device carries virtio-net headers (`IFF_VNET_HDR`).
pub const TAP_VNET_HDR_FLAG: u32 = 1 << 30;
/// With [`TAP_FLAG`]: the number of queues, in bits 16 to 23 (0 means 1).
pub const TAP_QUEUES_SHIFT: u32 = 16;
/// Every bit of the extension.
pub const TAP_FLAGS_MASK: u32 = TAP_FLAG | TAP_VNET_HDR_FLAG | (0xff << TAP_QUEUES_SHIFT);

/// What a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapRequest {
    pub queues: u32,
    pub vnet_hdr: bool,
}

impl TapRequest {
    /// The request a CREATE_XML's flags carry, if any.
    pub fn from_flags(flags: u32) -> Option<TapRequest> {
        (flags & TAP_FLAG != 0).then(|| TapRequest {
            queues: ((flags >> TAP_QUEUES_SHIFT) & 0xff).max(1),
            vnet_hdr: flags & TAP_VNET_HDR_FLAG != 0,
        })
    }

    /// The flags that ask for this request.
    pub fn flags(&self) -> u32 {
        let q = self.queues.clamp(1, 255);
        TAP_FLAG | (q << TAP_QUEUES_SHIFT) | if self.vnet_hdr { TAP_VNET_HDR_FLAG } else { 0 }
    }
}

/// A TAP device just made. networkd keeps no fd of it: the device lives exactly as long as
/// the client (QEMU) holds a queue, and a port whose device is gone is reaped ([`gone`]).
#[derive(Debug)]
pub struct MadeTap {
    /// `NAME:IFINDEX` (names are reused, the index tells one device from a later one).
    pub id: String,
    /// One fd per queue, for the client.
    pub fds: Vec<OwnedFd>,
}

/// The ifindex of device `name`, if it exists.
fn ifindex(name: &str) -> Option<u32> {
    if name.contains('/') || name.is_empty() {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/ifindex"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether the device a `NAME:IFINDEX` record names still exists (the same one).
fn present(id: &str) -> bool {
    let (name, index) = id.split_once(':').unwrap_or((id, ""));
    match (ifindex(name), index.parse::<u32>().ok()) {
        (Some(now), Some(was)) => now == was,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Whether every device of a port is gone (its QEMU ended): the port can be reaped.
pub fn gone(ids: &[String]) -> bool {
    !ids.is_empty() && !ids.iter().any(|i| present(i))
}

fn ip(args: &[&str]) -> Result<(), NetworkError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| NetworkError::Internal(format!("cannot run ip {}: {e}", args.join(" "))))?;
    if out.status.success() {
        return Ok(());
    }
    Err(NetworkError::Internal(format!(
        "ip {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

fn open_tun() -> Result<OwnedFd, NetworkError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")
        .map(OwnedFd::from)
        .map_err(|e| NetworkError::System(format!("Unable to open /dev/net/tun: {e}")))
}

/// The host side of guest MAC `mac` (libvirt's: `fe` and the other five bytes).
pub fn host_mac(mac: &[u8; 6]) -> [u8; 6] {
    let mut m = *mac;
    m[0] = 0xfe;
    m
}

/// Make a TAP device for guest MAC `mac`, plugged into `bridge`, with the port's QoS `bw`.
pub fn create(
    req: &TapRequest,
    mac: &[u8; 6],
    bridge: &str,
    bw: Option<&Bandwidth>,
) -> Result<MadeTap, NetworkError> {
    if !crate::host::device_exists(bridge) {
        return Err(NetworkError::System(format!(
            "Cannot get interface MTU on '{bridge}': No such device"
        )));
    }
    let mut flags = sys::IFF_TAP | sys::IFF_NO_PI;
    if req.vnet_hdr {
        flags |= sys::IFF_VNET_HDR;
    }
    if req.queues > 1 {
        flags |= sys::IFF_MULTI_QUEUE;
    }
    let mut name = String::from("vnet%d");
    let mut fds = Vec::new();
    for _ in 0..req.queues.max(1) {
        let fd = open_tun()?;
        name = sys::tun_set_iff(&fd, &name, flags).map_err(|e| {
            NetworkError::System(format!("Unable to create tap device {name}: {e}"))
        })?;
        fds.push(fd);
    }
    // the device goes away with its last fd: on a failure below, dropping `fds` undoes it
    let mtu = std::fs::read_to_string(format!("/sys/class/net/{bridge}/mtu"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "1500".into());
    ip(&["link", "set", &name, "address", &mac_string(&host_mac(mac))])?;
    ip(&["link", "set", &name, "mtu", &mtu])?;
    ip(&["link", "set", &name, "master", bridge])?;
    ip(&["link", "set", &name, "up"])?;
    crate::qos::set(&name, bw, false)?;
    let index = ifindex(&name)
        .ok_or_else(|| NetworkError::System(format!("the tap device {name} vanished")))?;
    Ok(MadeTap {
        id: format!("{name}:{index}"),
        fds,
    })
}

/// The name of the first device of `ids` still present (a port's TAP, to change its QoS).
pub fn first_present(ids: &[String]) -> Option<&str> {
    ids.iter()
        .find(|i| present(i))
        .map(|id| id.split_once(':').map_or(id.as_str(), |(n, _)| n))
}

/// Remove TAP devices a port had (those still there: QEMU may hold them), never a later
/// device that reuses a name.
pub fn remove_all(ids: &[String]) {
    for id in ids {
        let n = id.split_once(':').map_or(id.as_str(), |(n, _)| n);
        if present(id) {
            if let Err(e) = ip(&["link", "del", n]) {
                tracing::warn!(tap = %n, error = %e, "cannot remove the tap device");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        let r = TapRequest {
            queues: 4,
            vnet_hdr: true,
        };
        assert_eq!(TapRequest::from_flags(r.flags()), Some(r));
        assert_eq!(r.flags() & !TAP_FLAGS_MASK, 0);
        assert_eq!(TapRequest::from_flags(3), None);
        assert_eq!(
            TapRequest::from_flags(TAP_FLAG),
            Some(TapRequest {
                queues: 1,
                vnet_hdr: false
            })
        );
    }

    #[test]
    fn host_side_mac() {
        assert_eq!(
            host_mac(&[0x52, 0x54, 0, 1, 2, 3]),
            [0xfe, 0x54, 0, 1, 2, 3]
        );
    }
}
