//! Facts about the host, computed exactly as libvirt 9.0's QEMU driver computes them
//! (Linux): node info, CPU and memory statistics, free memory per NUMA cell, the online
//! CPU map, SMBIOS sysinfo, the host name and the maximum vCPU count.
//!
//! Everything here is synchronous, blocking (it reads `/proc` and `/sys`, runs
//! `dmidecode`, may resolve the host name) and returns plain Rust values. Errors are
//! [`HostError`]s carrying libvirt's error code, domain and exact message.
//!
//! Two flavours are offered for the typed-parameter calls:
//! * simple ones ([`cpu_stats`], [`memory_stats`]) returning the statistics;
//! * exact ones named after the RPC procedures ([`node_get_cpu_stats`],
//!   [`node_get_memory_stats`], [`node_get_cpu_map`], [`connect_get_sysinfo`]) that also
//!   perform the checks of libvirt's public API and driver (negative numbers, flags,
//!   `nparams`, in libvirt's order) and return what the reply carries. Only the RPC
//!   dispatcher's own limits (`nparams` > 16 → "nparams too large", `maxcells` > 1024 →
//!   "maxCells > REMOTE_NODE_MAX_CELLS") are left to the caller.
//!
//! The parsers are pure functions over byte slices (`parse_*`), so they can be tested and
//! fuzzed on their own; thin wrappers read the real files.

mod affinity;
mod arch;
pub mod atomic;
mod bitmap;
mod caps;
mod cpu;
mod ctext;
mod error;
mod fs;
mod mem;
mod sys;
pub use sys::release_free_memory;
mod sysinfo;

pub use affinity::set_thread_affinity;
pub use arch::{arch_from_machine, host_arch, ARCH_NAMES};
pub use bitmap::Bitmap;
pub use caps::{
    add_hidden_cpuid_flags, host_caps, host_caps_at, host_uuid, parse_cpu_list, parse_cpuinfo_x86,
    user_ids, CacheBank, Cell, CellCpu, CpuInfo, HostCaps,
};
pub use cpu::{
    parse_cpu_frequency, parse_proc_stat, CpuFrequency, CpuMap, CpuTopology, LINUX_NB_CPU_STATS,
};
pub use error::{
    ErrorDomain, HostError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR,
    VIR_ERR_INVALID_ARG, VIR_ERR_SYSTEM_ERROR,
};
pub use mem::{
    parse_meminfo, parse_node_size, NodeSize, LINUX_NB_MEMORY_STATS_ALL, LINUX_NB_MEMORY_STATS_CELL,
};
pub use sysinfo::{
    parse_cpuinfo_sysinfo, parse_dmidecode, read_host_sysinfo, sysinfo_xml, Entries, Sysinfo,
};

use fs::Root;
use mem::Numa;

/// `VIR_NODE_CPU_STATS_ALL_CPUS`.
pub const NODE_CPU_STATS_ALL_CPUS: i32 = -1;
/// `VIR_NODE_MEMORY_STATS_ALL_CELLS`.
pub const NODE_MEMORY_STATS_ALL_CELLS: i32 = -1;

/// One statistic of `NODE_GET_CPU_STATS` / `NODE_GET_MEMORY_STATS`
/// (`virNodeCPUStats` / `virNodeMemoryStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedStat {
    /// libvirt's field name: "kernel", "user", "idle", "iowait" (CPU, nanoseconds);
    /// "total", "free", "buffers", "cached" (memory, KiB). An empty name only appears in
    /// the padding of [`node_get_memory_stats`].
    pub field: &'static str,
    pub value: u64,
}

/// What a two-call typed-statistics reply carries: with `nparams == 0` in the call, no
/// `params` and the number available in `nparams`; otherwise the `params` and
/// `nparams` 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsReply {
    pub params: Vec<TypedStat>,
    pub nparams: i32,
}

/// `NODE_GET_INFO` (`virNodeInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// libvirt's name of the host architecture (`virArchFromHost`), e.g. "x86_64".
    pub model: String,
    /// Memory in KiB: the sum of the NUMA nodes' MemTotal (not /proc/meminfo's!), or
    /// `sysinfo(2)`'s total RAM when NUMA is unavailable.
    pub memory_kib: u64,
    /// Online CPUs.
    pub cpus: u32,
    /// "cpu MHz" of the last CPU in /proc/cpuinfo (x86), truncated; 0 on ARM.
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

/// `NODE_GET_INFO`: libvirt's `virCapabilitiesGetNodeInfo` = `virHostMemGetInfo` +
/// `virHostCPUGetInfo`.
///
/// * memory: sum over the NUMA nodes present in /sys/devices/system/node of libnuma's
///   `numa_node_size64` (MemTotal of nodeN/meminfo), in KiB;
/// * mhz: the last "cpu MHz" line of /proc/cpuinfo (a malformed one only stops the scan);
/// * cpus/sockets/cores/threads/nodes: from sysfs: per node directory, the online CPUs;
///   sockets = distinct `physical_package_id`s, cores = the most distinct `core_id`s in a
///   socket, threads = the largest `thread_siblings_list`; each the maximum over nodes,
///   cpus the sum. Without node directories (or no CPU in them) /sys/devices/system/cpu
///   is used as one node. When nodes×sockets×cores×threads ≠ cpus + offline CPUs,
///   libvirt reports 1 node, 1 socket, (cpus + offline) cores, 1 thread.
///
/// Errors as libvirt: "cannot open /proc/cpuinfo: ..." (system error), "internal error:
/// no CPUs found" / "no sockets found" / "no threads found" / "CPU socket topology has
/// changed" / "Failed to query NUMA node N", sysfs value errors.
pub fn node_info() -> Result<NodeInfo, HostError> {
    let root = Root::host();
    let numa = Numa::probe(&root)?;
    node_info_at(&root, &numa, host_arch())
}

fn node_info_at(root: &Root, numa: &Numa, arch: &str) -> Result<NodeInfo, HostError> {
    let (memory, _) = mem::mem_info(root, numa)?;
    let cpuinfo = root.read_stream(cpu::CPUINFO_PATH)?;
    let freq = parse_cpu_frequency(&cpuinfo, arch);
    let topo = cpu::topology(root, arch)?;
    Ok(NodeInfo {
        model: arch.to_owned(),
        memory_kib: memory / 1024,
        cpus: topo.cpus,
        mhz: freq.mhz,
        nodes: topo.nodes,
        sockets: topo.sockets,
        cores: topo.cores,
        threads: topo.threads,
    })
}

/// CPU times of all CPUs (`None`) or of CPU N: "kernel", "user", "idle", "iowait" in
/// nanoseconds, in that order (libvirt's `virHostCPUGetStatsLinux`: kernel = system +
/// irq + softirq, user = user + nice, from /proc/stat, ticks × 1e9 / CLK_TCK).
///
/// Error for a CPU without a "cpuN " line (absent or offline): "Invalid cpuNum in
/// virHostCPUGetStatsLinux" (`VIR_ERR_INVALID_ARG`, domain 0).
pub fn cpu_stats(cpu: Option<u32>) -> Result<Vec<TypedStat>, HostError> {
    let cpu_num = match cpu {
        None => NODE_CPU_STATS_ALL_CPUS,
        Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
    };
    Ok(cpu_stats_at(&Root::host(), cpu_num, Some(LINUX_NB_CPU_STATS), 0)?.params)
}

/// `NODE_GET_CPU_STATS` exactly as libvirtd answers it, given the call's `cpuNum`,
/// `nparams` and `flags`. Checks, in libvirt's order:
/// 1. `nparams < 0`: "*nparams in virNodeGetCPUStats must be zero or greater" (8, domain 20);
/// 2. `cpu_num < -1`: "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value"
///    (8, domain 20);
/// 3. `flags != 0`: "unsupported flags (0x..) in function virHostCPUGetStats" (8, domain 0);
/// 4. /proc/stat unreadable: "cannot open /proc/stat: ..." (38);
/// 5. `nparams == 0`: reply `nparams` = 4, no params (the CPU is *not* checked);
/// 6. `nparams != 4`: "nparams in virHostCPUGetStatsLinux must be equal to 4" (8, domain 0);
/// 7. no such CPU: "Invalid cpuNum in virHostCPUGetStatsLinux" (8, domain 0).
pub fn node_get_cpu_stats(cpu_num: i32, nparams: i32, flags: u32) -> Result<StatsReply, HostError> {
    if nparams < 0 {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetCPUStats",
            "*nparams",
            "*nparams in virNodeGetCPUStats must be zero or greater",
        ));
    }
    if cpu_num < 0 && cpu_num != NODE_CPU_STATS_ALL_CPUS {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetCPUStats",
            "cpuNum",
            "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value",
        ));
    }
    if flags != 0 {
        return Err(HostError::unsupported_flags(
            ErrorDomain::None,
            flags,
            "virHostCPUGetStats",
        ));
    }
    cpu_stats_at(&Root::host(), cpu_num, Some(nparams), flags)
}

fn cpu_stats_at(
    root: &Root,
    cpu_num: i32,
    nparams: Option<i32>,
    _flags: u32,
) -> Result<StatsReply, HostError> {
    let procstat = root.read_stream(cpu::PROCSTAT_PATH)?;
    if let Some(n) = nparams {
        if n == 0 {
            return Ok(StatsReply {
                params: Vec::new(),
                nparams: LINUX_NB_CPU_STATS,
            });
        }
        if n != LINUX_NB_CPU_STATS {
            return Err(HostError::invalid_arg(
                ErrorDomain::None,
                "virHostCPUGetStatsLinux",
                "*nparams",
                format!("nparams in virHostCPUGetStatsLinux must be equal to {LINUX_NB_CPU_STATS}"),
            ));
        }
    }
    let tck = rustix::param::clock_ticks_per_second();
    Ok(StatsReply {
        params: parse_proc_stat(&procstat, cpu_num, tck)?,
        nparams: 0,
    })
}

/// Memory statistics of the host (`None`: /proc/meminfo → "total", "free", "buffers",
/// "cached") or of NUMA cell N (/sys/devices/system/node/nodeN/meminfo → "total",
/// "free"), in KiB, in the order of the file. Without NUMA support cell 0 means the
/// whole host, as in libvirt.
///
/// Error for a cell above the highest node: "cellNum in virHostMemGetStats must be less
/// than or equal to {max}" (`VIR_ERR_INVALID_ARG`, domain 0).
pub fn memory_stats(cell: Option<u32>) -> Result<Vec<TypedStat>, HostError> {
    let cell_num = match cell {
        None => NODE_MEMORY_STATS_ALL_CELLS,
        Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
    };
    let root = Root::host();
    let numa = Numa::probe(&root)?;
    Ok(memory_stats_at(&root, &numa, cell_num, None)?.params)
}

/// `NODE_GET_MEMORY_STATS` exactly as libvirtd answers it. Checks, in libvirt's order:
/// 1. `nparams < 0`: "*nparams in virNodeGetMemoryStats must be zero or greater" (8, 20);
/// 2. `cell_num < -1`: "cellNum in virNodeGetMemoryStats only accepts -1 as a negative
///    value" (8, 20);
/// 3. `flags != 0`: "unsupported flags (0x..) in function virHostMemGetStats" (8, 0);
/// 4. a cell: "unsupported configuration: NUMA isn't available on this host" (67, 0) —
///    except cell 0, which then means the whole host —, "cellNum in virHostMemGetStats
///    must be less than or equal to {max}" (8, 0);
/// 5. file unreadable: "cannot open {path}: ..." (38);
/// 6. `nparams == 0`: reply `nparams` = 4 (host) or 2 (cell);
/// 7. other count: "nparams in virHostMemGetStatsLinux must be {4|2}" (8, 0);
/// 8. the statistics, padded with empty-named zero entries up to 4 or 2 when the file
///    lacks some (as libvirtd sends them).
pub fn node_get_memory_stats(
    cell_num: i32,
    nparams: i32,
    flags: u32,
) -> Result<StatsReply, HostError> {
    if nparams < 0 {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetMemoryStats",
            "*nparams",
            "*nparams in virNodeGetMemoryStats must be zero or greater",
        ));
    }
    if cell_num < 0 && cell_num != NODE_MEMORY_STATS_ALL_CELLS {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetMemoryStats",
            "cellNum",
            "cellNum in virNodeGetMemoryStats only accepts -1 as a negative value",
        ));
    }
    if flags != 0 {
        return Err(HostError::unsupported_flags(
            ErrorDomain::None,
            flags,
            "virHostMemGetStats",
        ));
    }
    let root = Root::host();
    let numa = Numa::probe(&root)?;
    memory_stats_at(&root, &numa, cell_num, Some(nparams))
}

fn memory_stats_at(
    root: &Root,
    numa: &Numa,
    cell_num: i32,
    nparams: Option<i32>,
) -> Result<StatsReply, HostError> {
    let mut cell = cell_num;
    if !numa.available && cell == 0 {
        cell = NODE_MEMORY_STATS_ALL_CELLS;
    }
    let path = if cell == NODE_MEMORY_STATS_ALL_CELLS {
        mem::MEMINFO_PATH.to_owned()
    } else {
        let max = numa.get_max_node()?;
        if cell > max {
            return Err(HostError::invalid_arg(
                ErrorDomain::None,
                "virHostMemGetStats",
                "cellNum",
                format!("cellNum in virHostMemGetStats must be less than or equal to {max}"),
            ));
        }
        mem::node_meminfo_path(cell)
    };
    let text = root.read_stream(&path)?;
    let nr = if cell == NODE_MEMORY_STATS_ALL_CELLS {
        LINUX_NB_MEMORY_STATS_ALL
    } else {
        LINUX_NB_MEMORY_STATS_CELL
    };
    if let Some(n) = nparams {
        if n == 0 {
            return Ok(StatsReply {
                params: Vec::new(),
                nparams: nr,
            });
        }
        if n != nr {
            return Err(HostError::invalid_arg(
                ErrorDomain::None,
                "virHostMemGetStatsLinux",
                "nparams",
                format!("nparams in virHostMemGetStatsLinux must be {nr}"),
            ));
        }
    }
    let mut params = parse_meminfo(&text, nr as usize)?;
    if nparams.is_some() {
        params.resize(
            nr as usize,
            TypedStat {
                field: "",
                value: 0,
            },
        );
    }
    Ok(StatsReply { params, nparams: 0 })
}

/// `NODE_GET_FREE_MEMORY`: free bytes, the sum of the NUMA nodes' MemFree (or
/// `sysinfo(2)`'s free RAM without NUMA). Note libvirt treats a result of 0 as a failure
/// of the call (the API returns 0 for errors); an `Ok(0)` should be answered as an error.
///
/// Errors: "internal error: Failed to query NUMA node N" and the NUMA errors of
/// [`node_get_memory_stats`].
pub fn free_memory_bytes() -> Result<u64, HostError> {
    let root = Root::host();
    let numa = Numa::probe(&root)?;
    Ok(mem::mem_info(&root, &numa)?.1)
}

/// `NODE_GET_CELLS_FREE_MEMORY`: free bytes of cells `start_cell ..` (at most
/// `max_cells`, up to the highest node). Checks, in libvirt's order:
/// * `max_cells <= 0`: "maxCells in virNodeGetCellsFreeMemory must be greater than zero"
///   (8, domain 20);
/// * `start_cell < 0`: "startCell in virNodeGetCellsFreeMemory must be zero or greater"
///   (8, domain 20);
/// * `start_cell` above the highest node: "internal error: start cell 3 out of range
///   (0-0)" (1, domain 0).
///
/// A cell between 0 and the highest node that does not exist reads as 0 free bytes.
/// (libvirtd's dispatcher rejects `maxcells > 1024` first: "maxCells >
/// REMOTE_NODE_MAX_CELLS".)
pub fn cells_free_memory(start_cell: i32, max_cells: i32) -> Result<Vec<u64>, HostError> {
    if max_cells <= 0 {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetCellsFreeMemory",
            "maxCells",
            "maxCells in virNodeGetCellsFreeMemory must be greater than zero",
        ));
    }
    if start_cell < 0 {
        return Err(HostError::invalid_arg(
            ErrorDomain::Domain,
            "virNodeGetCellsFreeMemory",
            "startCell",
            "startCell in virNodeGetCellsFreeMemory must be zero or greater",
        ));
    }
    let root = Root::host();
    let numa = Numa::probe(&root)?;
    mem::cells_free(&root, &numa, start_cell, max_cells)
}

/// `NODE_GET_CPU_MAP` data (`virHostCPUGetMap`): online CPUs as a byte map sized for the
/// present CPUs, their count, and the number of present CPUs (highest + 1).
pub fn online_cpu_map() -> Result<CpuMap, HostError> {
    cpu::online_cpu_map(&Root::host())
}

/// `NODE_GET_CPU_MAP` with libvirt's flags check: "unsupported flags (0x..) in function
/// virHostCPUGetMap" (8, domain 0). The map and count are what the reply carries when
/// `need_map` / `need_online` are set.
pub fn node_get_cpu_map(flags: u32) -> Result<CpuMap, HostError> {
    if flags != 0 {
        return Err(HostError::unsupported_flags(
            ErrorDomain::None,
            flags,
            "virHostCPUGetMap",
        ));
    }
    online_cpu_map()
}

/// `virHostCPUGetCount`: highest present CPU + 1 (`NODE_GET_CPU_MAP`'s `ret`).
pub fn cpu_count() -> Result<u32, HostError> {
    cpu::cpu_count(&Root::host())
}

/// `CONNECT_GET_SYSINFO` with the QEMU driver's flags check ("unsupported flags (0x..)
/// in function qemuConnectGetSysinfo", 8, domain 10), then [`sysinfo_xml`].
pub fn connect_get_sysinfo(flags: u32) -> Result<String, HostError> {
    if flags != 0 {
        return Err(HostError::unsupported_flags(
            ErrorDomain::Qemu,
            flags,
            "qemuConnectGetSysinfo",
        ));
    }
    sysinfo_xml()
}

/// `CONNECT_GET_HOSTNAME` (`virGetHostname`): the kernel's host name; when it does not
/// start with "localhost" and has no dot, the canonical name from
/// `getaddrinfo(AI_CANONNAME)` unless that fails or starts with "localhost".
pub fn hostname() -> Result<String, HostError> {
    let uts = rustix::system::uname();
    let name = uts.nodename().to_string_lossy().into_owned();
    Ok(canonicalize_hostname(&name, |h| {
        sys::canonical_name(h).ok().flatten()
    }))
}

fn canonicalize_hostname(name: &str, lookup: impl FnOnce(&str) -> Option<String>) -> String {
    if name.starts_with("localhost") || name.contains('.') {
        return name.to_owned();
    }
    match lookup(name) {
        Some(canon) if !canon.starts_with("localhost") => canon,
        _ => name.to_owned(),
    }
}

/// `CONNECT_GET_MAX_VCPUS` (`qemuConnectGetMaxVcpus`): no type or "qemu" (any case) →
/// 16; "kvm" (any case) → [`kvm_max_vcpus`]; anything else → "invalid argument: unknown
/// type '{type}'" (`VIR_ERR_INVALID_ARG`, domain `VIR_FROM_QEMU` 10).
///
/// (`virsh maxvcpus` asks the domain capabilities first and prints their `vcpu max`,
/// e.g. 255; it only falls back to this call when that fails.)
pub fn max_vcpus(virt_type: Option<&str>) -> Result<u32, HostError> {
    match virt_type {
        None => Ok(16),
        Some(t) if t.eq_ignore_ascii_case("qemu") => Ok(16),
        Some(t) if t.eq_ignore_ascii_case("kvm") => kvm_max_vcpus(),
        Some(t) => Err(HostError::InvalidArgDetail {
            domain: ErrorDomain::Qemu,
            detail: format!("unknown type '{t}'"),
        }),
    }
}

const KVM_CAP_NR_VCPUS: u32 = 9;
const KVM_CAP_MAX_VCPUS: u32 = 66;

/// `virHostCPUGetKVMMaxVCPUs`: `KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS)` on /dev/kvm, else
/// `KVM_CAP_NR_VCPUS`, else 4. Error: "Unable to open /dev/kvm: ..." (38, domain 0).
pub fn kvm_max_vcpus() -> Result<u32, HostError> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open("/dev/kvm", OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
        .map_err(|e| HostError::system("Unable to open /dev/kvm", e.into()))?;
    for cap in [KVM_CAP_MAX_VCPUS, KVM_CAP_NR_VCPUS] {
        if let Ok(n) = sys::kvm_check_extension(&fd, cap) {
            if let Ok(n) = u32::try_from(n) {
                if n > 0 {
                    return Ok(n);
                }
            }
        }
    }
    Ok(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::testfs::{mkdir, write};
    use std::collections::BTreeSet;

    fn fake_host(r: &std::path::Path) {
        write(
            r,
            "/proc/cpuinfo",
            "processor\t: 0\ncpu MHz\t\t: 2596.128\n\nprocessor\t: 1\ncpu MHz\t\t: 2596.128\n",
        );
        write(r, "/proc/stat", "cpu  15139 0 5498 170918 815 0 69 105 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2 3 4 5 6 7 8 9 10\n");
        write(r, "/proc/meminfo", "MemTotal:       24684092 kB\nMemFree:        23709972 kB\nMemAvailable:   24329108 kB\nBuffers:            3304 kB\nCached:           785340 kB\n");
        write(r, "/sys/devices/system/cpu/present", "0-1\n");
        write(r, "/sys/devices/system/cpu/online", "0-1\n");
        for cpu in 0..2 {
            let t = format!("/sys/devices/system/cpu/cpu{cpu}/topology");
            write(r, &format!("{t}/physical_package_id"), "0\n");
            write(r, &format!("{t}/core_id"), &format!("{cpu}\n"));
            write(r, &format!("{t}/thread_siblings_list"), &format!("{cpu}\n"));
            mkdir(r, &format!("/sys/devices/system/node/node0/cpu{cpu}"));
        }
        write(
            r,
            "/sys/devices/system/node/node0/meminfo",
            "Node 0 MemTotal:        4679892 kB\nNode 0 MemFree:         3566892 kB\nNode 0 MemUsed:          563044 kB\n",
        );
    }

    fn numa(on: bool) -> Numa {
        Numa {
            available: on,
            max_node: 0,
            nodes: BTreeSet::from([0]),
        }
    }

    #[test]
    fn node_info_on_fake_host() {
        let d = tempfile::tempdir().unwrap();
        fake_host(d.path());
        let root = Root::at(d.path());
        let n = node_info_at(&root, &numa(true), "x86_64").unwrap();
        assert_eq!(
            n,
            NodeInfo {
                model: "x86_64".into(),
                memory_kib: 4679892,
                cpus: 2,
                mhz: 2596,
                nodes: 1,
                sockets: 1,
                cores: 2,
                threads: 1
            }
        );
        std::fs::remove_file(d.path().join("proc/cpuinfo")).unwrap();
        let e = node_info_at(&root, &numa(true), "x86_64").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot open /proc/cpuinfo: No such file or directory"
        );
        assert_eq!((e.code(), e.domain()), (38, 0));
    }

    #[test]
    fn memory_stats_on_fake_host() {
        let d = tempfile::tempdir().unwrap();
        fake_host(d.path());
        let root = Root::at(d.path());
        let r = memory_stats_at(&root, &numa(true), -1, Some(0)).unwrap();
        assert_eq!(
            r,
            StatsReply {
                params: vec![],
                nparams: 4
            }
        );
        let r = memory_stats_at(&root, &numa(true), 0, Some(0)).unwrap();
        assert_eq!(r.nparams, 2);
        let r = memory_stats_at(&root, &numa(true), 0, Some(2)).unwrap();
        assert_eq!(
            r.params,
            vec![
                TypedStat {
                    field: "total",
                    value: 4679892
                },
                TypedStat {
                    field: "free",
                    value: 3566892
                }
            ]
        );
        let e = memory_stats_at(&root, &numa(true), 5, Some(0)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cellNum in virHostMemGetStats must be less than or equal to 0"
        );
        assert_eq!((e.code(), e.domain()), (8, 0));
        let e = memory_stats_at(&root, &numa(true), -1, Some(2)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nparams in virHostMemGetStatsLinux must be 4"
        );
        let e = memory_stats_at(&root, &numa(true), 0, Some(4)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nparams in virHostMemGetStatsLinux must be 2"
        );
        // without NUMA, cell 0 is the whole host
        let r = memory_stats_at(&root, &numa(false), 0, None).unwrap();
        assert_eq!(r.params.len(), 4);
        let e = memory_stats_at(&root, &numa(false), 1, None).unwrap_err();
        assert_eq!((e.code(), e.domain()), (67, 0));
        // padding when the file lacks fields
        write(d.path(), "/proc/meminfo", "MemTotal: 10 kB\n");
        let r = memory_stats_at(&root, &numa(true), -1, Some(4)).unwrap();
        assert_eq!(r.params.len(), 4);
        assert_eq!(
            r.params[1],
            TypedStat {
                field: "",
                value: 0
            }
        );
    }

    #[test]
    fn cpu_stats_on_fake_host() {
        let d = tempfile::tempdir().unwrap();
        fake_host(d.path());
        let root = Root::at(d.path());
        // nparams 0 does not look at the CPU
        let r = cpu_stats_at(&root, 7, Some(0), 0).unwrap();
        assert_eq!(
            r,
            StatsReply {
                params: vec![],
                nparams: 4
            }
        );
        let e = cpu_stats_at(&root, -1, Some(3), 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nparams in virHostCPUGetStatsLinux must be equal to 4"
        );
        let r = cpu_stats_at(&root, 1, Some(4), 0).unwrap();
        let fields: Vec<&str> = r.params.iter().map(|s| s.field).collect();
        assert_eq!(fields, vec!["kernel", "user", "idle", "iowait"]);
        assert!(cpu_stats_at(&root, 2, Some(4), 0).is_err());
    }

    #[test]
    fn api_argument_checks() {
        let e = node_get_cpu_stats(-2, 0, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value"
        );
        assert_eq!((e.code(), e.domain()), (8, 20));
        let e = node_get_cpu_stats(-1, -1, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "*nparams in virNodeGetCPUStats must be zero or greater"
        );
        let e = node_get_cpu_stats(-1, 4, 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x2) in function virHostCPUGetStats"
        );
        assert_eq!((e.code(), e.domain()), (8, 0));
        let e = node_get_memory_stats(-2, 0, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cellNum in virNodeGetMemoryStats only accepts -1 as a negative value"
        );
        let e = node_get_memory_stats(0, 2, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x1) in function virHostMemGetStats"
        );
        let e = cells_free_memory(-1, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "maxCells in virNodeGetCellsFreeMemory must be greater than zero"
        );
        assert_eq!((e.code(), e.domain()), (8, 20));
        let e = cells_free_memory(-1, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "startCell in virNodeGetCellsFreeMemory must be zero or greater"
        );
        let e = node_get_cpu_map(1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x1) in function virHostCPUGetMap"
        );
        let e = connect_get_sysinfo(1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported flags (0x1) in function qemuConnectGetSysinfo"
        );
        assert_eq!((e.code(), e.domain()), (8, 10));
    }

    #[test]
    fn max_vcpus_types() {
        assert_eq!(max_vcpus(None).unwrap(), 16);
        assert_eq!(max_vcpus(Some("qemu")).unwrap(), 16);
        assert_eq!(max_vcpus(Some("QEMU")).unwrap(), 16);
        for t in ["foo", "", "kvm ", "tcg", "kqemu"] {
            let e = max_vcpus(Some(t)).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid argument: unknown type '{t}'")
            );
            assert_eq!((e.code(), e.domain()), (8, 10));
            assert_eq!(e.detail(), Some(format!("unknown type '{t}'").as_str()));
        }
    }

    #[test]
    fn hostname_canonicalisation() {
        let never = |_: &str| -> Option<String> { panic!("no lookup expected") };
        assert_eq!(
            canonicalize_hostname("localhost.localdomain", never),
            "localhost.localdomain"
        );
        assert_eq!(
            canonicalize_hostname("host.example.org", never),
            "host.example.org"
        );
        assert_eq!(
            canonicalize_hostname("vm", |_| Some("vm.example.org".into())),
            "vm.example.org"
        );
        assert_eq!(
            canonicalize_hostname("vm", |_| Some("localhost".into())),
            "vm"
        );
        assert_eq!(canonicalize_hostname("vm", |_| None), "vm");
    }

    /// Random inputs built from the parsers' keywords: no panic, no endless loop.
    #[test]
    fn parsers_never_panic() {
        const TOKENS: &[&[u8]] = &[
            b"cpu",
            b"cpu0 ",
            b"cpu MHz",
            b"clock",
            b" : ",
            b":",
            b"\n",
            b" ",
            b"\t",
            b"\0",
            b"\xff",
            b"12",
            b"-3",
            b"99999999999999999999999",
            b".5",
            b"kB",
            b"Node 0 ",
            b"MemTotal:",
            b"MemFree",
            b"Cached:",
            b"BIOS Information",
            b"Vendor: ",
            b"Version: ",
            b"Base Board Information",
            b"Processor Information",
            b"Memory Device",
            b"Size: ",
            b"No Module Installed",
            b"OEM Strings",
            b"String ",
            b"1: ",
            b"a.b",
            b"processor",
            b"platform",
            b"model name",
            b"^",
            b",",
            b"-",
            b"<&>",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let mut input = Vec::new();
            for _ in 0..len {
                input.extend_from_slice(TOKENS[(next() % TOKENS.len() as u64) as usize]);
            }
            let _ = parse_cpu_frequency(&input, "x86_64");
            let _ = parse_cpu_frequency(&input, "ppc64le");
            let _ = parse_proc_stat(&input, -1, 100);
            let _ = parse_proc_stat(&input, 0, 100);
            let _ = parse_meminfo(&input, 4);
            let _ = parse_node_size(&input);
            let _ = Bitmap::parse(&input);
            let mut oem = |_: usize| Some(String::from("x"));
            if let Ok(s) = parse_dmidecode(&input, &mut oem) {
                let _ = s.to_xml();
            }
            let _ = parse_cpuinfo_sysinfo(&input, "ppc64").to_xml();
            let _ = parse_cpuinfo_sysinfo(&input, "aarch64").to_xml();
        }
    }

    /// Sanity of the live host (whatever it is).
    #[test]
    fn live_host() {
        let n = node_info().unwrap();
        assert!(n.cpus >= 1);
        assert!(n.memory_kib > 0);
        assert!(n.nodes >= 1 && n.sockets >= 1 && n.cores >= 1 && n.threads >= 1);
        assert_eq!(n.model, host_arch());
        let s = cpu_stats(None).unwrap();
        assert_eq!(s.len(), 4);
        assert!(s.iter().any(|s| s.field == "idle" && s.value > 0));
        assert!(cpu_stats(Some(0)).is_ok());
        let e = cpu_stats(Some(100_000)).unwrap_err();
        assert_eq!(e.to_string(), "Invalid cpuNum in virHostCPUGetStatsLinux");
        let m = memory_stats(None).unwrap();
        assert_eq!(m.len(), 4);
        assert!(m[0].field == "total" && m[0].value > 0);
        assert!(free_memory_bytes().unwrap() > 0);
        let cells = cells_free_memory(0, 1).unwrap();
        assert_eq!(cells.len(), 1);
        let map = online_cpu_map().unwrap();
        assert!(map.online >= 1 && map.total >= map.online);
        assert_eq!(map.cpumap.len(), (map.total as usize).div_ceil(8));
        assert!(!hostname().unwrap().is_empty());
        match sysinfo_xml() {
            Ok(x) => assert!(x.starts_with("<sysinfo type='smbios'")),
            Err(e) => assert_eq!(e.code(), 67),
        }
        // /dev/kvm may be absent; then the error is libvirt's
        match max_vcpus(Some("kvm")) {
            Ok(n) => assert!(n >= 1),
            Err(e) => assert!(e.to_string().starts_with("Unable to open /dev/kvm: ")),
        }
    }
}
