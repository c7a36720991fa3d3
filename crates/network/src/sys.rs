//! The TUN/TAP ioctls (`TUNSETIFF`), which have no safe wrapper in `rustix`. Each `unsafe`
//! block states why it is sound.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// `IFF_TAP`: an Ethernet device.
pub const IFF_TAP: libc::c_short = 0x0002;
/// `IFF_NO_PI`: no packet information header.
pub const IFF_NO_PI: libc::c_short = 0x1000;
/// `IFF_VNET_HDR`: a virtio-net header before each frame (QEMU's virtio NICs use it).
pub const IFF_VNET_HDR: libc::c_short = 0x4000;
/// `IFF_MULTI_QUEUE`: one fd per queue.
pub const IFF_MULTI_QUEUE: libc::c_short = 0x0100;

/// `TUNSETIFF` (`_IOW('T', 202, int)`).
const TUNSETIFF: u64 = 0x4004_54ca;

/// `struct ifreq` as TUNSETIFF reads and writes it: the name, then the flags (a union of 24
/// bytes on 64-bit Linux, 16 on 32-bit; the larger size is safe for both).
#[repr(C)]
struct IfReq {
    name: [u8; libc::IFNAMSIZ],
    flags: libc::c_short,
    _rest: [u8; 22],
}

/// Attach `fd` (an open `/dev/net/tun`) to the TAP device `name` (a template such as
/// `vnet%d` makes a new one) with `flags`; returns the device's name.
pub fn tun_set_iff(fd: &OwnedFd, name: &str, flags: libc::c_short) -> io::Result<String> {
    let bytes = name.as_bytes();
    if bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid interface name '{name}'"),
        ));
    }
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        flags,
        _rest: [0; 22],
    };
    req.name[..bytes.len()].copy_from_slice(bytes);
    // SAFETY: `fd` is an open file descriptor borrowed for the call; TUNSETIFF reads and
    // writes at most a `struct ifreq` (40 bytes on 64-bit Linux), and `req` is a fully
    // initialised, properly aligned `#[repr(C)]` value of that size that outlives the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut req as *mut IfReq) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    let len = req
        .name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(req.name.len());
    Ok(String::from_utf8_lossy(&req.name[..len]).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ifreq_is_the_kernels_size() {
        assert_eq!(std::mem::size_of::<super::IfReq>(), 40);
    }
}
