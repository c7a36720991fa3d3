//! The few system interfaces with no safe wrapper in `rustix`: `getaddrinfo(3)` for the
//! canonical host name, `get_mempolicy(2)` (libnuma's availability probe) and the
//! `KVM_CHECK_EXTENSION` ioctl and `malloc_trim(3)`, and the `CPUID` instruction. Each `unsafe` block states why it is
//! sound.
#![allow(unsafe_code)]

use std::ffi::{c_void, CStr, CString};
use std::io;
use std::os::fd::AsFd;

/// glibc's `AI_CANONIDN` (convert the canonical name from IDN form); libvirt passes it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const AI_CANONIDN: libc::c_int = 0x0080;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
const AI_CANONIDN: libc::c_int = 0;

/// `getaddrinfo(host, NULL, {AI_CANONNAME|AI_CANONIDN, AF_UNSPEC})` and the first
/// result's `ai_canonname`: `Ok(None)` when there is none, `Err(gai code)` on failure.
pub(crate) fn canonical_name(host: &str) -> Result<Option<String>, i32> {
    let c_host = CString::new(host).map_err(|_| libc::EAI_NONAME)?;
    let hints = libc::addrinfo {
        ai_flags: libc::AI_CANONNAME | AI_CANONIDN,
        ai_family: libc::AF_UNSPEC,
        ai_socktype: 0,
        ai_protocol: 0,
        ai_addrlen: 0,
        ai_addr: std::ptr::null_mut(),
        ai_canonname: std::ptr::null_mut(),
        ai_next: std::ptr::null_mut(),
    };
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `c_host` is a valid NUL-terminated string, the service may be NULL, `hints`
    // is a fully initialised addrinfo that outlives the call, and `res` is a valid place
    // for getaddrinfo to store its result list.
    let rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 {
        return Err(rc);
    }
    if res.is_null() {
        return Ok(None);
    }
    // SAFETY: getaddrinfo succeeded, so `res` points to a valid addrinfo list owned by
    // us until freeaddrinfo; `ai_canonname`, when not NULL, is a NUL-terminated string in
    // that list. The string is copied before the list is freed.
    let canon = unsafe {
        let cn = (*res).ai_canonname;
        if cn.is_null() {
            None
        } else {
            Some(CStr::from_ptr(cn).to_string_lossy().into_owned())
        }
    };
    // SAFETY: `res` came from a successful getaddrinfo and is freed exactly once; nothing
    // refers to it afterwards.
    unsafe { libc::freeaddrinfo(res) };
    Ok(canon)
}

/// libnuma's `numa_available()`: `get_mempolicy(NULL, NULL, 0, 0, 0)` must not fail with
/// ENOSYS or EPERM.
pub(crate) fn numa_available() -> bool {
    // SAFETY: with NULL `mode` and `nodemask` pointers and maxnode 0 the kernel writes
    // nothing to user memory; the call only reports whether the syscall is usable.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_get_mempolicy,
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_ulong>(),
            0 as libc::c_ulong,
            std::ptr::null_mut::<c_void>(),
            0 as libc::c_ulong,
        )
    };
    if rc < 0 {
        let errno = io::Error::last_os_error().raw_os_error();
        return !matches!(errno, Some(libc::ENOSYS) | Some(libc::EPERM));
    }
    true
}

/// `KVM_CHECK_EXTENSION` (`_IO(KVMIO, 0x03)`) with an integer capability argument; the
/// ioctl's return value is the answer.
struct CheckExtension(usize);

// SAFETY: KVM_CHECK_EXTENSION takes its argument by value (an integer, not a pointer),
// reads and writes no user memory, and returns an int; the opcode is the kernel's
// _IO(0xAE, 0x03).
unsafe impl rustix::ioctl::Ioctl for CheckExtension {
    type Output = rustix::ioctl::IoctlOutput;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> rustix::ioctl::Opcode {
        rustix::ioctl::opcode::none(0xAE, 0x03)
    }

    fn as_ptr(&mut self) -> *mut c_void {
        self.0 as *mut c_void
    }

    unsafe fn output_from_ptr(
        out: rustix::ioctl::IoctlOutput,
        _extract_output: *mut c_void,
    ) -> rustix::io::Result<Self::Output> {
        Ok(out)
    }
}

/// `ioctl(fd, KVM_CHECK_EXTENSION, cap)`.
pub(crate) fn kvm_check_extension(fd: impl AsFd, cap: u32) -> io::Result<i32> {
    // SAFETY: see the `Ioctl` impl: the argument is an integer and the fd is borrowed
    // for the duration of the call.
    let r = unsafe { rustix::ioctl::ioctl(fd, CheckExtension(cap as usize)) };
    r.map_err(io::Error::from)
}

/// glibc's `sysconf(_SC_PHYS_PAGES) * pagesize` and `sysconf(_SC_AVPHYS_PAGES) *
/// pagesize`, computed like glibc from `sysinfo(2)`, in bytes.
pub(crate) fn phys_and_avphys_bytes() -> (u64, u64) {
    let info = rustix::system::sysinfo();
    let page = rustix::param::page_size() as u64;
    let unit = u64::from(info.mem_unit);
    let pages = |num: u64| -> u64 {
        // glibc's sysinfo_mempages
        let (mut num, mut unit, mut ps) = (num, unit, page);
        while unit > 1 && ps > 1 {
            unit >>= 1;
            ps >>= 1;
        }
        num = num.wrapping_mul(unit);
        while ps > 1 {
            ps >>= 1;
            num >>= 1;
        }
        num
    };
    (
        pages(info.totalram as u64).wrapping_mul(page),
        pages(info.freeram as u64).wrapping_mul(page),
    )
}

/// Give memory that malloc holds free back to the system (after a burst of work).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `CPUID` leaf `leaf`, subleaf `sub`: `[eax, ebx, ecx, edx]`, or `None` above the highest
/// basic or extended leaf (or off x86_64).
pub(crate) fn cpuid(leaf: u32, sub: u32) -> Option<[u32; 4]> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::__cpuid_count;
        // SAFETY: CPUID exists on every x86_64 CPU and only reads identification registers;
        // leaves above the maximum are not queried (they would repeat the highest leaf).
        // (`__cpuid_count` is a safe function in newer Rust, an unsafe one in 1.82.)
        #[allow(unused_unsafe)]
        let max = unsafe { __cpuid_count(leaf & 0x8000_0000, 0) }.eax;
        if leaf > max {
            return None;
        }
        // SAFETY: as above, for a leaf the CPU has.
        #[allow(unused_unsafe)]
        let r = unsafe { __cpuid_count(leaf, sub) };
        Some([r.eax, r.ebx, r.ecx, r.edx])
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (leaf, sub);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_do_not_crash() {
        let _ = numa_available();
        let (total, free) = phys_and_avphys_bytes();
        assert!(total > 0 && free <= total);
        assert!(canonical_name("localhost").is_ok());
        assert!(canonical_name("bad\0name").is_err());
    }
}
