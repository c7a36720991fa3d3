//! A thread's CPU affinity (`sched_setaffinity(2)`), for pinning a VM's vCPU and emulator
//! threads (`virsh vcpupin`, `emulatorpin`). The `unsafe` block states why it is sound.
#![allow(unsafe_code)]

use std::io;

/// Let thread (or process) `tid` run only on the host CPUs `cpus`. CPUs beyond what the
/// kernel's `cpu_set_t` holds are an error (EINVAL), as are an empty set and CPUs that are
/// not online.
pub fn set_thread_affinity(tid: i32, cpus: &[usize]) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set (what CPU_ZERO makes).
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let max = std::mem::size_of::<libc::cpu_set_t>() * 8;
    for &c in cpus {
        if c >= max {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: c < CPU_SETSIZE (checked above), and `set` is a valid cpu_set_t.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; the kernel only reads it.
    let rc = unsafe { libc::sched_setaffinity(tid, std::mem::size_of_val(&set), &set) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_huge_sets_fail() {
        assert!(set_thread_affinity(0, &[]).is_err());
        assert!(set_thread_affinity(0, &[1 << 20]).is_err());
    }

    #[test]
    fn a_thread_can_be_pinned_to_cpu_0() {
        std::thread::spawn(|| {
            // tid 0: the calling thread
            set_thread_affinity(0, &[0]).expect("CPU 0 is online");
            let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
            let line = status
                .lines()
                .find(|l| l.starts_with("Cpus_allowed_list:"))
                .unwrap();
            assert_eq!(line.split_whitespace().nth(1), Some("0"));
        })
        .join()
        .unwrap();
    }
}
