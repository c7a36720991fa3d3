//! Host CPUs: frequency from `/proc/cpuinfo`, times from `/proc/stat`, topology from
//! sysfs, the online map — libvirt 9.0's `virhostcpu.c` semantics (Linux).

use std::collections::{BTreeMap, BTreeSet};

use crate::arch::{family, ArchFamily};
use crate::bitmap::Bitmap;
use crate::ctext::{fgets_lines, is_space, scan_token, scan_u64, skip_spaces, vir_str_to_ui};
use crate::error::{ErrorDomain, HostError};
use crate::fs::Root;
use crate::TypedStat;

/// `CPUINFO_PATH`.
pub(crate) const CPUINFO_PATH: &str = "/proc/cpuinfo";
/// `PROCSTAT_PATH`.
pub(crate) const PROCSTAT_PATH: &str = "/proc/stat";
const SYSFS_SYSTEM_PATH: &str = "/sys/devices/system";

/// `LINUX_NB_CPU_STATS`: how many statistics `NODE_GET_CPU_STATS` returns on Linux.
pub const LINUX_NB_CPU_STATS: i32 = 4;

/// libvirt reads these files with `fgets(line, 1024, f)`.
const LINE_BUF: usize = 1024;

/// Result of [`parse_cpu_frequency`]: libvirt only logs a warning when the frequency
/// cannot be parsed and keeps whatever it had found so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuFrequency {
    /// MHz of the last processor listed (each "cpu MHz" line overwrites the previous one);
    /// 0 when not found.
    pub mhz: u32,
    /// Set when a malformed frequency line stopped the scan (libvirt: "Missing or invalid
    /// CPU frequency in /proc/cpuinfo", logged as a warning only).
    pub warning: Option<String>,
}

/// `virHostCPUParseFrequency` on the text of `/proc/cpuinfo` for architecture `arch`
/// (libvirt's name, e.g. "x86_64"). ARM gives 0 (no sensible way), x86 reads "cpu MHz",
/// PowerPC "clock", s390 "cpu MHz dynamic"; other architectures give 0.
pub fn parse_cpu_frequency(cpuinfo: &[u8], arch: &str) -> CpuFrequency {
    let prefix: &[u8] = match family(arch) {
        ArchFamily::Arm => {
            return CpuFrequency {
                mhz: 0,
                warning: None,
            }
        }
        ArchFamily::X86 => b"cpu MHz",
        ArchFamily::Ppc | ArchFamily::Ppc64 => b"clock",
        ArchFamily::S390 => b"cpu MHz dynamic",
        ArchFamily::Other => {
            return CpuFrequency {
                mhz: 0,
                warning: Some(format!(
                    "{arch} is not supported by the {CPUINFO_PATH} parser"
                )),
            }
        }
    };
    let mut mhz = 0;
    for line in fgets_lines(cpuinfo, LINE_BUF) {
        match parse_frequency_line(line, prefix) {
            FreqLine::NotThisLine => {}
            FreqLine::Mhz(v) => mhz = v,
            FreqLine::Invalid => {
                return CpuFrequency {
                    mhz,
                    warning: Some(format!(
                        "Missing or invalid CPU frequency in {CPUINFO_PATH}"
                    )),
                }
            }
        }
    }
    CpuFrequency { mhz, warning: None }
}

enum FreqLine {
    NotThisLine,
    Mhz(u32),
    Invalid,
}

/// `virHostCPUParseFrequencyString`.
fn parse_frequency_line(line: &[u8], prefix: &[u8]) -> FreqLine {
    let Some(rest) = line.strip_prefix(prefix) else {
        return FreqLine::NotThisLine;
    };
    let rest = skip_spaces(rest);
    let Some(&first) = rest.first() else {
        return FreqLine::Invalid;
    };
    if first != b':' {
        return FreqLine::NotThisLine;
    }
    let rest = skip_spaces(&rest[1..]);
    if rest.is_empty() {
        return FreqLine::Invalid;
    }
    match vir_str_to_ui(rest) {
        Some((v, n)) => match rest.get(n) {
            None => FreqLine::Mhz(v),
            Some(&b) if b == b'.' || is_space(b) => FreqLine::Mhz(v),
            Some(_) => FreqLine::Invalid,
        },
        None => FreqLine::Invalid,
    }
}

/// `TICK_TO_NSEC`: nanoseconds per clock tick (`1e9 / sysconf(_SC_CLK_TCK)`).
pub(crate) fn tick_to_nsec(clk_tck: u64) -> u64 {
    1_000_000_000u64.checked_div(clk_tck).unwrap_or(0)
}

/// `virHostCPUGetStatsLinux` on the text of `/proc/stat` (after the nparams checks):
/// `kernel` = (system + irq + softirq), `user` = (user + nice), `idle`, `iowait`, in
/// nanoseconds (ticks × `1e9 / clk_tck`), in that order. `cpu_num` -1 is the "cpu " line,
/// N the "cpuN " line; no such line is libvirt's "Invalid cpuNum in
/// virHostCPUGetStatsLinux" (invalid argument, domain 0).
pub fn parse_proc_stat(
    procstat: &[u8],
    cpu_num: i32,
    clk_tck: u64,
) -> Result<Vec<TypedStat>, HostError> {
    let header = if cpu_num == crate::NODE_CPU_STATS_ALL_CPUS {
        "cpu ".to_owned()
    } else {
        format!("cpu{cpu_num} ")
    };
    let tick = tick_to_nsec(clk_tck);
    for line in fgets_lines(procstat, LINE_BUF) {
        if !line.starts_with(header.as_bytes()) {
            continue;
        }
        // sscanf(buf, "%*s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", ...) >= 4
        let Some((_, mut rest)) = scan_token(line, usize::MAX) else {
            continue;
        };
        let mut v = [0u64; 10];
        let mut n = 0;
        while n < v.len() {
            match scan_u64(rest) {
                Some((x, r)) => {
                    v[n] = x;
                    rest = r;
                    n += 1;
                }
                None => break,
            }
        }
        if n < 4 {
            continue;
        }
        let [usr, ni, sys, idle, iowait, irq, softirq, ..] = v;
        return Ok(vec![
            TypedStat {
                field: "kernel",
                value: sys
                    .wrapping_add(irq)
                    .wrapping_add(softirq)
                    .wrapping_mul(tick),
            },
            TypedStat {
                field: "user",
                value: usr.wrapping_add(ni).wrapping_mul(tick),
            },
            TypedStat {
                field: "idle",
                value: idle.wrapping_mul(tick),
            },
            TypedStat {
                field: "iowait",
                value: iowait.wrapping_mul(tick),
            },
        ]);
    }
    Err(HostError::invalid_arg(
        ErrorDomain::None,
        "virHostCPUGetStatsLinux",
        "cpuNum",
        "Invalid cpuNum in virHostCPUGetStatsLinux",
    ))
}

/// CPU topology as `virHostCPUGetInfoPopulateLinux` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTopology {
    pub cpus: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

fn cpu_dir_number(name: &str) -> Option<u32> {
    // sscanf(name, "cpu%u", &cpu) == 1
    let rest = name.strip_prefix("cpu")?;
    vir_scan_uint(rest.as_bytes())
}

fn node_dir_number(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("node")?;
    vir_scan_uint(rest.as_bytes())
}

/// `sscanf("%u")` on what follows a fixed prefix: white space, optional sign, digits.
fn vir_scan_uint(s: &[u8]) -> Option<u32> {
    let r = crate::ctext::strtoull(s, 10);
    if r.consumed == 0 {
        return None;
    }
    // %u stores the low 32 bits of the converted value.
    Some((r.value & 0xffff_ffff) as u32)
}

struct NodeScan {
    processors: u32,
    sockets: u32,
    cores: u32,
    threads: u32,
}

fn sys_cpu_path(cpu: usize, file: &str) -> String {
    format!("{SYSFS_SYSTEM_PATH}/cpu/cpu{cpu}/topology/{file}")
}

/// `virHostCPUGetSocket`: missing file or a negative id is socket 0.
fn get_socket(root: &Root, cpu: usize) -> Result<u32, HostError> {
    let v = root
        .read_value_int(&sys_cpu_path(cpu, "physical_package_id"))?
        .unwrap_or(0);
    Ok(u32::try_from(v).unwrap_or(0))
}

/// `virHostCPUGetCore`: missing file is core 0.
fn get_core(root: &Root, cpu: usize) -> Result<u32, HostError> {
    Ok(root
        .read_value_uint(&sys_cpu_path(cpu, "core_id"))?
        .unwrap_or(0))
}

/// `virHostCPUCountThreadSiblings`: 0 when the list cannot be read (libvirt then fails
/// with whatever error reading it raised).
fn count_thread_siblings(root: &Root, cpu: usize) -> Result<u32, HostError> {
    match root.read_value_bitmap(&sys_cpu_path(cpu, "thread_siblings_list"))? {
        Some(map) => Ok(u32::try_from(map.count()).unwrap_or(u32::MAX)),
        None => Ok(1),
    }
}

/// `virHostCPUParseNode` (without POWER subcore handling, which only applies on ppc64
/// KVM hosts).
fn parse_node(
    root: &Root,
    dir: &str,
    is_s390: bool,
    present: &Bitmap,
    online: &Bitmap,
    offline: &mut u32,
) -> Result<NodeScan, HostError> {
    let npresent = present.size();
    let mut node_cpus = vec![false; npresent];
    let mut sockets: BTreeSet<u32> = BTreeSet::new();

    for name in root.read_dir(dir)? {
        let Some(cpu) = cpu_dir_number(&name) else {
            continue;
        };
        let cpu = cpu as usize;
        if !present.is_set(cpu) {
            continue;
        }
        if let Some(slot) = node_cpus.get_mut(cpu) {
            *slot = true;
        }
        if !online.is_set(cpu) {
            continue;
        }
        let sock = get_socket(root, cpu)?;
        sockets.insert(sock);
    }

    let mut cores: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    let mut processors: u32 = 0;
    let mut threads: u32 = 0;
    for (cpu, &in_node) in node_cpus.iter().enumerate() {
        if !in_node {
            continue;
        }
        if !online.is_set(cpu) {
            *offline = offline.wrapping_add(1);
            continue;
        }
        processors = processors.wrapping_add(1);
        let sock = get_socket(root, cpu)?;
        if !sockets.contains(&sock) {
            return Err(HostError::internal("CPU socket topology has changed"));
        }
        let core = if is_s390 {
            // a logical CPU is a core on s390
            u32::try_from(cpu).unwrap_or(u32::MAX)
        } else {
            get_core(root, cpu)?
        };
        cores.entry(sock).or_default().insert(core);
        let siblings = count_thread_siblings(root, cpu)?;
        if siblings == 0 {
            return Err(HostError::internal(format!(
                "no thread siblings found for CPU {cpu}"
            )));
        }
        threads = threads.max(siblings);
    }
    let max_cores = cores
        .values()
        .map(|c| u32::try_from(c.len()).unwrap_or(u32::MAX))
        .max()
        .unwrap_or(0);
    Ok(NodeScan {
        processors,
        sockets: u32::try_from(sockets.len()).unwrap_or(u32::MAX),
        cores: max_cores,
        threads,
    })
}

/// `virHostCPUGetPresentBitmap` / `virHostCPUGetOnlineBitmap`. libvirt fails without an
/// error message when the file is missing; we report it.
fn read_cpu_bitmap(root: &Root, which: &str) -> Result<Bitmap, HostError> {
    let path = format!("{SYSFS_SYSTEM_PATH}/cpu/{which}");
    root.read_value_bitmap(&path)?
        .ok_or_else(|| HostError::internal(format!("cannot read {path}")))
}

/// The topology part of `virHostCPUGetInfoPopulateLinux`, from sysfs under `root`.
pub(crate) fn topology(root: &Root, arch: &str) -> Result<CpuTopology, HostError> {
    let present = read_cpu_bitmap(root, "present")?;
    let online = read_cpu_bitmap(root, "online")?;
    let is_s390 = family(arch) == ArchFamily::S390;

    let mut t = CpuTopology {
        cpus: 0,
        nodes: 0,
        sockets: 0,
        cores: 0,
        threads: 0,
    };
    let mut offline: u32 = 0;

    let node_root = format!("{SYSFS_SYSTEM_PATH}/node");
    let mut done = false;
    if let Some(entries) = root.read_dir_quiet(&node_root)? {
        for name in entries {
            if node_dir_number(&name).is_none() {
                continue;
            }
            t.nodes = t.nodes.wrapping_add(1);
            let dir = format!("{node_root}/{name}");
            let n = parse_node(root, &dir, is_s390, &present, &online, &mut offline)?;
            t.cpus = t.cpus.wrapping_add(n.processors);
            t.sockets = t.sockets.max(n.sockets);
            t.cores = t.cores.max(n.cores);
            t.threads = t.threads.max(n.threads);
        }
        done = t.cpus != 0 && t.nodes != 0;
    }
    if !done {
        let dir = format!("{SYSFS_SYSTEM_PATH}/cpu");
        let n = parse_node(root, &dir, is_s390, &present, &online, &mut offline)?;
        t.nodes = 1;
        t.cpus = n.processors;
        t.sockets = n.sockets;
        t.cores = n.cores;
        t.threads = n.threads;
    }

    if t.cpus == 0 {
        return Err(HostError::internal("no CPUs found"));
    }
    if t.sockets == 0 {
        return Err(HostError::internal("no sockets found"));
    }
    if t.threads == 0 {
        return Err(HostError::internal("no threads found"));
    }

    // Topologies the nodeinfo structure cannot describe are reported as one node, one
    // socket, one thread per core, with every CPU a core.
    let product = t
        .nodes
        .wrapping_mul(t.sockets)
        .wrapping_mul(t.cores)
        .wrapping_mul(t.threads);
    if product != t.cpus.wrapping_add(offline) {
        t.nodes = 1;
        t.sockets = 1;
        t.cores = t.cpus.wrapping_add(offline);
        t.threads = 1;
    }
    Ok(t)
}

/// `virHostCPUGetCount`: the size of the present-CPU bitmap (highest present CPU + 1).
pub(crate) fn cpu_count(root: &Root) -> Result<u32, HostError> {
    let present = read_cpu_bitmap(root, "present")?;
    Ok(u32::try_from(present.size()).unwrap_or(u32::MAX))
}

/// What `NODE_GET_CPU_MAP` returns (`virHostCPUGetMap`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuMap {
    /// Online CPUs, bit N of byte N/8 for CPU N, `VIR_CPU_MAPLEN(total)` = `(total+7)/8`
    /// bytes (the length libvirtd's dispatcher sends).
    pub cpumap: Vec<u8>,
    /// How many CPUs are online.
    pub online: u32,
    /// `virHostCPUGetCount()`: highest present CPU + 1.
    pub total: u32,
}

pub(crate) fn online_cpu_map(root: &Root) -> Result<CpuMap, HostError> {
    let online = read_cpu_bitmap(root, "online")?;
    let mut cpumap = online.to_data();
    let count = u32::try_from(online.count()).unwrap_or(u32::MAX);
    let total = cpu_count(root)?;
    let maplen = (total as usize).div_ceil(8);
    cpumap.resize(maplen, 0);
    Ok(CpuMap {
        cpumap,
        online: count,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::testfs::{mkdir, write};

    /// Captured on the development VM (2 vCPUs, AMD EPYC), trimmed.
    pub(crate) const CPUINFO_X86: &str = "processor\t: 0\n\
vendor_id\t: AuthenticAMD\n\
cpu family\t: 25\n\
model\t\t: 17\n\
model name\t: AMD EPYC\n\
stepping\t: 1\n\
microcode\t: 0x1000065\n\
cpu MHz\t\t: 2596.128\n\
cache size\t: 1024 KB\n\
physical id\t: 0\n\
siblings\t: 2\n\
core id\t\t: 0\n\
cpu cores\t: 2\n\
\n\
processor\t: 1\n\
vendor_id\t: AuthenticAMD\n\
model name\t: AMD EPYC\n\
cpu MHz\t\t: 2597.000\n\
core id\t\t: 1\n\
\n";

    const PROC_STAT: &str = "cpu  15139 0 5498 170918 815 0 69 105 0 0\n\
cpu0 6850 0 2249 87009 96 0 13 47 0 0\n\
cpu1 8289 3 3249 83909 718 5 56 58 0 0\n\
intr 277723 0 0 0\n\
ctxt 442539\n\
btime 1763636300\n";

    #[test]
    fn frequency_x86() {
        let f = parse_cpu_frequency(CPUINFO_X86.as_bytes(), "x86_64");
        assert_eq!(
            f,
            CpuFrequency {
                mhz: 2597,
                warning: None
            }
        );
        // ARM: never parsed
        assert_eq!(
            parse_cpu_frequency(CPUINFO_X86.as_bytes(), "aarch64").mhz,
            0
        );
        // no line
        assert_eq!(parse_cpu_frequency(b"processor : 0\n", "x86_64").mhz, 0);
        // ppc "clock"
        let f = parse_cpu_frequency(b"processor\t: 0\nclock\t\t: 3425.000000MHz\n", "ppc64le");
        assert_eq!(
            f,
            CpuFrequency {
                mhz: 3425,
                warning: None
            }
        );
        let f = parse_cpu_frequency(b"clock\t\t: 3425MHz\n", "ppc64le");
        assert_eq!(f.mhz, 0);
        assert!(f.warning.is_some());
        // s390
        let f = parse_cpu_frequency(b"cpu MHz dynamic : 5000\ncpu MHz static : 5000\n", "s390x");
        assert_eq!(f.mhz, 5000);
    }

    #[test]
    fn frequency_malformed() {
        let f = parse_cpu_frequency(b"cpu MHz : 1000\ncpu MHz : abc\ncpu MHz : 3000\n", "x86_64");
        assert_eq!(f.mhz, 1000);
        assert_eq!(
            f.warning.as_deref(),
            Some("Missing or invalid CPU frequency in /proc/cpuinfo")
        );
        assert!(parse_cpu_frequency(b"cpu MHz :\n", "x86_64")
            .warning
            .is_some());
        assert!(parse_cpu_frequency(b"cpu MHz", "x86_64").warning.is_some());
        // "cpu MHz dynamic" on x86 is not the x86 line
        assert_eq!(
            parse_cpu_frequency(b"cpu MHz dynamic: 12\n", "x86_64").mhz,
            0
        );
        assert_eq!(parse_cpu_frequency(b"cpu MHz : 12\n", "x86_64").mhz, 12);
        assert_eq!(
            parse_cpu_frequency(b"cpu MHz : 4294967296\n", "x86_64").mhz,
            0
        );
        assert_eq!(parse_cpu_frequency(b"\xff\xfe\0cpu MHz", "x86_64").mhz, 0);
    }

    #[test]
    fn proc_stat() {
        let s = parse_proc_stat(PROC_STAT.as_bytes(), -1, 100).unwrap();
        let got: Vec<(&str, u64)> = s.iter().map(|s| (s.field, s.value)).collect();
        assert_eq!(
            got,
            vec![
                ("kernel", (5498 + 69) * 10_000_000),
                ("user", 15139 * 10_000_000),
                ("idle", 170918 * 10_000_000),
                ("iowait", 815 * 10_000_000),
            ]
        );
        let s = parse_proc_stat(PROC_STAT.as_bytes(), 1, 100).unwrap();
        assert_eq!(s[0].value, (3249 + 5 + 56) * 10_000_000);
        assert_eq!(s[1].value, (8289 + 3) * 10_000_000);
        let e = parse_proc_stat(PROC_STAT.as_bytes(), 2, 100).unwrap_err();
        assert_eq!(e.to_string(), "Invalid cpuNum in virHostCPUGetStatsLinux");
        assert_eq!((e.code(), e.domain()), (8, 0));
    }

    #[test]
    fn proc_stat_malformed() {
        // fewer than 4 numbers: skipped
        assert!(parse_proc_stat(b"cpu  1 2 3\n", -1, 100).is_err());
        // 4 numbers are enough; missing ones count as 0
        let s = parse_proc_stat(b"cpu  1 2 3 4\n", -1, 100).unwrap();
        assert_eq!(s[3].value, 0);
        // garbage, huge values, no newline, NULs: no panic
        assert!(parse_proc_stat(b"cpu  x y z w\n", -1, 100).is_err());
        let s = parse_proc_stat(b"cpu  99999999999999999999 1 1 1 1", -1, 100).unwrap();
        assert_eq!(
            s[1].value,
            u64::MAX.wrapping_add(1).wrapping_mul(10_000_000)
        );
        assert!(parse_proc_stat(b"\0cpu  1 2 3 4\n", -1, 100).is_err());
        assert!(parse_proc_stat(b"", -1, 0).is_err());
        // "cpu1" is not "cpu10"
        assert!(parse_proc_stat(b"cpu10 1 2 3 4\n", 1, 100).is_err());
        // CLK_TCK 0 gives 0 ns rather than a division by zero
        assert_eq!(
            parse_proc_stat(b"cpu  1 2 3 4\n", -1, 0).unwrap()[2].value,
            0
        );
    }

    fn fake_cpu(root: &std::path::Path, cpu: u32, socket: i32, core: u32, siblings: &str) {
        let t = format!("/sys/devices/system/cpu/cpu{cpu}/topology");
        write(
            root,
            &format!("{t}/physical_package_id"),
            &format!("{socket}\n"),
        );
        write(root, &format!("{t}/core_id"), &format!("{core}\n"));
        write(
            root,
            &format!("{t}/thread_siblings_list"),
            &format!("{siblings}\n"),
        );
    }

    #[test]
    fn topology_this_vm() {
        // 1 node, 1 socket, 2 cores, 1 thread each: like the development VM
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "/sys/devices/system/cpu/present", "0-1\n");
        write(r, "/sys/devices/system/cpu/online", "0-1\n");
        fake_cpu(r, 0, 0, 0, "0");
        fake_cpu(r, 1, 0, 1, "1");
        mkdir(r, "/sys/devices/system/node/node0/cpu0");
        mkdir(r, "/sys/devices/system/node/node0/cpu1");
        write(r, "/sys/devices/system/node/node0/cpulist", "0-1\n");
        let t = topology(&Root::at(r), "x86_64").unwrap();
        assert_eq!(
            t,
            CpuTopology {
                cpus: 2,
                nodes: 1,
                sockets: 1,
                cores: 2,
                threads: 1
            }
        );
        let m = online_cpu_map(&Root::at(r)).unwrap();
        assert_eq!(
            m,
            CpuMap {
                cpumap: vec![3],
                online: 2,
                total: 2
            }
        );
    }

    #[test]
    fn topology_two_nodes_smt() {
        // 2 nodes × 1 socket × 2 cores × 2 threads
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "/sys/devices/system/cpu/present", "0-7\n");
        write(r, "/sys/devices/system/cpu/online", "0-7\n");
        for cpu in 0..8u32 {
            let socket = (cpu / 4) as i32;
            let core = (cpu % 4) / 2;
            let first = cpu - cpu % 2;
            fake_cpu(r, cpu, socket, core, &format!("{}-{}", first, first + 1));
            mkdir(
                r,
                &format!("/sys/devices/system/node/node{}/cpu{cpu}", cpu / 4),
            );
        }
        let t = topology(&Root::at(r), "x86_64").unwrap();
        assert_eq!(
            t,
            CpuTopology {
                cpus: 8,
                nodes: 2,
                sockets: 1,
                cores: 2,
                threads: 2
            }
        );
    }

    #[test]
    fn topology_offline_and_odd() {
        // CPU 3 offline: 3 online cores counted, but 1*1*3*1 != 3 online + 1 offline, so
        // libvirt reports its fallback topology: 1 node, 1 socket, 4 cores, 1 thread
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "/sys/devices/system/cpu/present", "0-3\n");
        write(r, "/sys/devices/system/cpu/online", "0-2\n");
        for cpu in 0..4u32 {
            fake_cpu(r, cpu, 0, cpu, &cpu.to_string());
            mkdir(r, &format!("/sys/devices/system/node/node0/cpu{cpu}"));
        }
        let t = topology(&Root::at(r), "x86_64").unwrap();
        assert_eq!(
            t,
            CpuTopology {
                cpus: 3,
                nodes: 1,
                sockets: 1,
                cores: 4,
                threads: 1
            }
        );
        let m = online_cpu_map(&Root::at(r)).unwrap();
        assert_eq!(
            m,
            CpuMap {
                cpumap: vec![7],
                online: 3,
                total: 4
            }
        );
    }

    #[test]
    fn topology_fake_when_inconsistent() {
        // 3 CPUs, 2 sockets (ids 0 and 5), cores 2/1: 1*2*2*1 = 4 != 3 → 1,1,3,1
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "/sys/devices/system/cpu/present", "0-2\n");
        write(r, "/sys/devices/system/cpu/online", "0-2\n");
        fake_cpu(r, 0, 0, 0, "0");
        fake_cpu(r, 1, 0, 1, "1");
        fake_cpu(r, 2, 5, 0, "2");
        // no node directory: falls back to /sys/devices/system/cpu
        let t = topology(&Root::at(r), "x86_64").unwrap();
        assert_eq!(
            t,
            CpuTopology {
                cpus: 3,
                nodes: 1,
                sockets: 1,
                cores: 3,
                threads: 1
            }
        );
    }

    #[test]
    fn topology_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        assert!(topology(&Root::at(r), "x86_64").is_err());
        write(r, "/sys/devices/system/cpu/present", "0\n");
        write(r, "/sys/devices/system/cpu/online", "0\n");
        // cpu0 has no topology directory at all: socket 0, core 0, 1 thread
        mkdir(r, "/sys/devices/system/cpu/cpu0");
        let t = topology(&Root::at(r), "x86_64").unwrap();
        assert_eq!(
            t,
            CpuTopology {
                cpus: 1,
                nodes: 1,
                sockets: 1,
                cores: 1,
                threads: 1
            }
        );
        write(
            r,
            "/sys/devices/system/cpu/cpu0/topology/core_id",
            "garbage\n",
        );
        let e = topology(&Root::at(r), "x86_64").unwrap_err();
        assert_eq!(e.code(), 1);
        write(r, "/sys/devices/system/cpu/online", "zz\n");
        assert!(topology(&Root::at(r), "x86_64").is_err());
    }
}
