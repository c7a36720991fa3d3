//! The jail's one module with `unsafe`: the raw calls of each confinement step (capabilities,
//! `prctl`, identity, rlimits) and the registration of the sequence as a pre-exec hook.

#![allow(unsafe_code)]

use std::io;
use std::os::unix::process::CommandExt;

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit capability sets in two 32-bit words.
const CAP_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn check(r: libc::c_long) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The calling thread's (effective, permitted) capability sets as 64-bit masks.
pub(crate) fn capget() -> io::Result<(u64, u64)> {
    let mut hdr = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget(2) reads the header and writes two `CapData` words for version 3; both
    // point to live, properly laid out (`repr(C)`) values of the sizes the kernel expects.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) };
    check(r)?;
    let join = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
    Ok((
        join(data[0].effective, data[1].effective),
        join(data[0].permitted, data[1].permitted),
    ))
}

/// Set the calling thread's effective and permitted sets to `mask`, its inheritable set empty.
pub(crate) fn capset(mask: u64) -> io::Result<()> {
    let mut hdr = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let lo = (mask & 0xffff_ffff) as u32;
    let hi = (mask >> 32) as u32;
    let data = [
        CapData {
            effective: lo,
            permitted: lo,
            inheritable: 0,
        },
        CapData {
            effective: hi,
            permitted: hi,
            inheritable: 0,
        },
    ];
    // SAFETY: capset(2) reads the header and two `CapData` words (version 3), which live on
    // this stack frame for the whole call.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) };
    check(r)
}

fn prctl(op: libc::c_int, a: libc::c_ulong, b: libc::c_ulong) -> io::Result<()> {
    // SAFETY: the prctl operations used here (CAPBSET_DROP, CAP_AMBIENT, SET_NO_NEW_PRIVS)
    // take only integer arguments; no memory is passed to the kernel.
    let r = unsafe { libc::prctl(op, a, b, 0 as libc::c_ulong, 0 as libc::c_ulong) };
    check(libc::c_long::from(r))
}

/// Drop capability `cap` from the bounding set (needs CAP_SETPCAP).
pub(crate) fn capbset_drop(cap: u32) -> io::Result<()> {
    prctl(libc::PR_CAPBSET_DROP, libc::c_ulong::from(cap), 0)
}

/// Empty the ambient set.
pub(crate) fn ambient_clear() -> io::Result<()> {
    prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
        0,
    )
}

/// Set `no_new_privs`: no exec from here on gains privileges (setuid bits, file caps).
pub(crate) fn set_no_new_privs() -> io::Result<()> {
    prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0)
}

/// Replace the supplementary groups.
pub(crate) fn setgroups(groups: &[u32]) -> io::Result<()> {
    // SAFETY: setgroups(2) reads `len` gid_t values from a live slice.
    let r = unsafe { libc::setgroups(groups.len(), groups.as_ptr()) };
    check(libc::c_long::from(r))
}

/// Set the real, effective and saved group id.
pub(crate) fn setresgid(gid: u32) -> io::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::setresgid(gid, gid, gid) };
    check(libc::c_long::from(r))
}

/// Set the real, effective and saved user id. Leaving uid 0 clears the permitted and effective
/// capability sets (no KEEPCAPS is set).
pub(crate) fn setresuid(uid: u32) -> io::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::setresuid(uid, uid, uid) };
    check(libc::c_long::from(r))
}

/// Set a resource limit (soft and hard).
pub(crate) fn setrlimit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit(2) reads one `rlimit` that lives for the call.
    let r = unsafe { libc::setrlimit(resource, &lim) };
    check(libc::c_long::from(r))
}

/// Run `hook` in the child between fork and exec.
pub(crate) fn pre_exec<F>(cmd: &mut std::process::Command, hook: F)
where
    F: FnMut() -> io::Result<()> + Send + Sync + 'static,
{
    // SAFETY: the hook runs in the forked child before exec. It only makes system calls
    // (prctl, capset, set*id, setrlimit, landlock, seccomp) on state prepared before the fork;
    // the allocations it may make are safe with glibc, whose fork handlers reset the
    // allocator's locks in the child, and the child is single-threaded.
    unsafe {
        cmd.pre_exec(hook);
    }
}

/// The kernel's Landlock ABI version, 0 without Landlock.
pub(crate) fn landlock_abi() -> u32 {
    /// `LANDLOCK_CREATE_RULESET_VERSION`
    const VERSION: libc::c_ulong = 1;
    // SAFETY: landlock_create_ruleset(NULL, 0, VERSION) only returns the ABI version; no memory
    // is read or written.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            VERSION,
        )
    };
    u32::try_from(r).unwrap_or(0)
}
