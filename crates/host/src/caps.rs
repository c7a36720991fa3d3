//! The host facts the `<host>` part of libvirt's capabilities XML is made of: the CPU as
//! /proc/cpuinfo describes it, the NUMA cells with their memory, pages, distances and CPUs,
//! the level-3 caches, the page sizes, IOMMU support and the host UUID.
//!
//! Everything is read relative to a root directory (`/` on the host, a scratch directory in
//! tests); missing files give empty or default values, never an error, except for the CPU
//! list which the topology needs.

use std::path::{Path, PathBuf};

/// One CPU of a NUMA cell (`<cpu id= socket_id= die_id= core_id= siblings=/>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellCpu {
    pub id: u32,
    pub socket_id: i64,
    pub die_id: i64,
    pub core_id: i64,
    /// The thread siblings as a CPU list (`0-1`).
    pub siblings: String,
}

/// One NUMA cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub id: u32,
    pub memory_kib: u64,
    /// (page size in KiB, number of pages) for the system page size and each huge page size.
    pub pages: Vec<(u64, u64)>,
    /// (cell id, distance).
    pub distances: Vec<(u32, u32)>,
    pub cpus: Vec<CellCpu>,
}

/// A cache bank (`<bank id= level= type= size= unit= cpus=/>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheBank {
    pub id: u32,
    pub level: u32,
    /// `both`, `data` or `code`.
    pub kind: String,
    /// Size in KiB.
    pub size_kib: u64,
    pub cpus: String,
}

/// The host CPU as /proc/cpuinfo (first processor) describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuInfo {
    /// `vendor_id` (`AuthenticAMD`, `GenuineIntel`).
    pub vendor_id: String,
    pub family: Option<u32>,
    pub model: Option<u32>,
    pub stepping: Option<u32>,
    pub microcode: Option<u64>,
    /// The kernel's flag names.
    pub flags: Vec<String>,
    /// `cpu MHz` × 1 000 000 (Hz), as an integer.
    pub hz: Option<u64>,
    /// Physical address bits.
    pub phys_bits: Option<u32>,
}

/// Everything `<host>` needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCaps {
    pub cpu: CpuInfo,
    /// Page sizes in KiB: the system page size first, then huge page sizes ascending.
    pub page_sizes: Vec<u64>,
    pub cells: Vec<Cell>,
    pub caches: Vec<CacheBank>,
    pub iommu: bool,
}

/// Parse /proc/cpuinfo's first processor block.
pub fn parse_cpuinfo_x86(text: &str) -> CpuInfo {
    let mut c = CpuInfo::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !c.vendor_id.is_empty() || !c.flags.is_empty() {
                break;
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        match k {
            "vendor_id" => c.vendor_id = v.to_owned(),
            "cpu family" => c.family = v.parse().ok(),
            "model" => c.model = v.parse().ok(),
            "stepping" => c.stepping = v.parse().ok(),
            "microcode" => {
                c.microcode = match v.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).ok(),
                    None => v.parse().ok(),
                }
            }
            "flags" => c.flags = v.split_whitespace().map(str::to_owned).collect(),
            "cpu MHz" => c.hz = parse_mhz_hz(v),
            "address sizes" => {
                c.phys_bits = v
                    .split(" bits physical")
                    .next()
                    .and_then(|n| n.trim().parse().ok())
            }
            _ => {}
        }
    }
    c
}

/// `2596.128` → 2 596 128 000 (exact decimal arithmetic, up to 6 decimals).
fn parse_mhz_hz(v: &str) -> Option<u64> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    let int: u64 = int.parse().ok()?;
    let mut frac_hz: u64 = 0;
    let mut scale: u64 = 100_000;
    for d in frac.chars().take(6) {
        frac_hz = frac_hz.checked_add(u64::from(d.to_digit(10)?).checked_mul(scale)?)?;
        scale /= 10;
    }
    int.checked_mul(1_000_000)?.checked_add(frac_hz)
}

/// Parse a CPU list (`0-3,5`) into CPU numbers; `None` when malformed.
pub fn parse_cpu_list(s: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let s = s.trim();
    if s.is_empty() {
        return Some(out);
    }
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if b < a || b - a > 1 << 16 {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.trim().parse().ok()?),
        }
    }
    Some(out)
}

struct At<'a>(&'a Path);

impl At<'_> {
    fn p(&self, abs: &str) -> PathBuf {
        self.0.join(abs.trim_start_matches('/'))
    }
    fn read(&self, abs: &str) -> Option<String> {
        std::fs::read_to_string(self.p(abs)).ok()
    }
    fn int(&self, abs: &str) -> Option<i64> {
        self.read(abs)?.trim().parse().ok()
    }
    fn dir_numbers(&self, abs: &str, prefix: &str, suffix: &str) -> Vec<u64> {
        let mut v: Vec<u64> = std::fs::read_dir(self.p(abs))
            .map(|d| {
                d.filter_map(|e| {
                    let name = e.ok()?.file_name().into_string().ok()?;
                    name.strip_prefix(prefix)?
                        .strip_suffix(suffix)?
                        .parse()
                        .ok()
                })
                .collect()
            })
            .unwrap_or_default();
        v.sort_unstable();
        v
    }
}

const SYS_CPU: &str = "/sys/devices/system/cpu";
const SYS_NODE: &str = "/sys/devices/system/node";

fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.split_once(key)?.1.trim_start_matches(':').trim();
        rest.split_whitespace().next()?.parse().ok()
    })
}

fn cell_cpu(at: &At<'_>, cpu: u32) -> CellCpu {
    let t = format!("{SYS_CPU}/cpu{cpu}/topology");
    CellCpu {
        id: cpu,
        socket_id: at
            .int(&format!("{t}/physical_package_id"))
            .unwrap_or(0)
            .max(0),
        die_id: at.int(&format!("{t}/die_id")).unwrap_or(0).max(0),
        core_id: at.int(&format!("{t}/core_id")).unwrap_or(0),
        siblings: at
            .read(&format!("{t}/thread_siblings_list"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|| cpu.to_string()),
    }
}

/// Gather the capabilities' host facts from the files under `root`.
pub fn host_caps_at(root: &Path, system_page_kib: u64) -> HostCaps {
    let at = At(root);
    let cpu = at
        .read("/proc/cpuinfo")
        .map(|t| parse_cpuinfo_x86(&t))
        .unwrap_or_default();
    let huge = at.dir_numbers("/sys/kernel/mm/hugepages", "hugepages-", "kB");
    let mut page_sizes = vec![system_page_kib];
    page_sizes.extend(huge.iter().copied());

    let online = at
        .read(&format!("{SYS_CPU}/online"))
        .and_then(|s| parse_cpu_list(&s))
        .unwrap_or_default();
    let mut cells = Vec::new();
    let nodes = at.dir_numbers(SYS_NODE, "node", "");
    for &n in &nodes {
        let Ok(id) = u32::try_from(n) else { continue };
        let dir = format!("{SYS_NODE}/node{n}");
        let memory_kib = at
            .read(&format!("{dir}/meminfo"))
            .and_then(|t| meminfo_kib(&t, "MemTotal"))
            .unwrap_or(0);
        let mut pages = Vec::new();
        let mut huge_kib: u64 = 0;
        let mut huge_pages = Vec::new();
        for &size in &huge {
            let count = at
                .int(&format!("{dir}/hugepages/hugepages-{size}kB/nr_hugepages"))
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0);
            huge_kib = huge_kib.saturating_add(count.saturating_mul(size));
            huge_pages.push((size, count));
        }
        if system_page_kib > 0 {
            pages.push((
                system_page_kib,
                memory_kib.saturating_sub(huge_kib) / system_page_kib,
            ));
        }
        pages.extend(huge_pages);
        let distances = at
            .read(&format!("{dir}/distance"))
            .map(|d| {
                nodes
                    .iter()
                    .zip(d.split_whitespace())
                    .filter_map(|(&other, v)| Some((u32::try_from(other).ok()?, v.parse().ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        let cpus = at
            .read(&format!("{dir}/cpulist"))
            .and_then(|s| parse_cpu_list(&s))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| online.contains(c))
            .map(|c| cell_cpu(&at, c))
            .collect();
        cells.push(Cell {
            id,
            memory_kib,
            pages,
            distances,
            cpus,
        });
    }
    if cells.is_empty() {
        // no NUMA in sysfs: one cell with all online CPUs and the whole memory
        let memory_kib = at
            .read("/proc/meminfo")
            .and_then(|t| meminfo_kib(&t, "MemTotal"))
            .unwrap_or(0);
        cells.push(Cell {
            id: 0,
            memory_kib,
            pages: Vec::new(),
            distances: Vec::new(),
            cpus: online.iter().map(|&c| cell_cpu(&at, c)).collect(),
        });
    }

    // level 3+ caches, one bank per (level, id, type), in CPU order
    let mut caches: Vec<CacheBank> = Vec::new();
    for &cpu in &online {
        let base = format!("{SYS_CPU}/cpu{cpu}/cache");
        for idx in at.dir_numbers(&base, "index", "") {
            let d = format!("{base}/index{idx}");
            let Some(level) = at.int(&format!("{d}/level")) else {
                continue;
            };
            if level < 3 {
                continue;
            }
            let kind = match at.read(&format!("{d}/type")).as_deref().map(str::trim) {
                Some("Unified") => "both",
                Some("Data") => "data",
                Some("Instruction") => "code",
                _ => continue,
            };
            let size_kib = at
                .read(&format!("{d}/size"))
                .and_then(|s| s.trim().strip_suffix('K').and_then(|n| n.parse().ok()))
                .unwrap_or(0);
            let id = at.int(&format!("{d}/id")).unwrap_or(0);
            let cpus = at
                .read(&format!("{d}/shared_cpu_list"))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default();
            let (Ok(level), Ok(id)) = (u32::try_from(level), u32::try_from(id)) else {
                continue;
            };
            if caches
                .iter()
                .any(|b| b.level == level && b.id == id && b.kind == kind)
            {
                continue;
            }
            caches.push(CacheBank {
                id,
                level,
                kind: kind.to_owned(),
                size_kib,
                cpus,
            });
        }
    }

    let iommu = std::fs::read_dir(at.p("/sys/kernel/iommu_groups"))
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);

    HostCaps {
        cpu,
        page_sizes,
        cells,
        caches,
        iommu,
    }
}

/// [`host_caps_at`] on this host.
pub fn host_caps() -> HostCaps {
    let page = rustix::param::page_size() as u64 / 1024;
    let mut caps = host_caps_at(Path::new("/"), page);
    add_hidden_cpuid_flags(&mut caps.cpu.flags, crate::sys::cpuid);
    caps
}

/// CPUID bits Linux leaves out of `/proc/cpuinfo` (libvirt reads CPUID itself): XSAVES when
/// the kernel does not use it, and Intel's SSBD bit (`spec_ctrl_ssbd`, shown by Linux only
/// as its synthetic `ssbd`): (leaf, subleaf, register index, bit, flag name).
const HIDDEN_CPUID_FLAGS: &[(u32, u32, usize, u32, &str)] =
    &[(7, 0, 3, 31, "spec_ctrl_ssbd"), (0xd, 1, 0, 3, "xsaves")];

/// Add the [`HIDDEN_CPUID_FLAGS`] the CPU has to `flags`, `cpuid` answering CPUID queries.
pub fn add_hidden_cpuid_flags(
    flags: &mut Vec<String>,
    cpuid: impl Fn(u32, u32) -> Option<[u32; 4]>,
) {
    for &(leaf, sub, reg, bit, name) in HIDDEN_CPUID_FLAGS {
        let set = cpuid(leaf, sub)
            .and_then(|r| r.get(reg).copied())
            .is_some_and(|v| v & (1 << bit) != 0);
        if set && !flags.iter().any(|f| f == name) {
            flags.push(name.to_owned());
        }
    }
}

/// The host UUID as libvirt finds it: SMBIOS's system UUID, else a random one (libvirt
/// generates a random UUID when the host has no SMBIOS). Call once per daemon.
pub fn host_uuid() -> String {
    for p in [
        "/sys/devices/virtual/dmi/id/product_uuid",
        "/sys/class/dmi/id/product_uuid",
    ] {
        if let Ok(s) = std::fs::read_to_string(p) {
            let s = s.trim().to_ascii_lowercase();
            if s.len() == 36 {
                return s;
            }
        }
    }
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "00000000-0000-0000-0000-000000000000".to_owned())
}

/// uid and gid of a user (from /etc/passwd and the user's own group in /etc/group).
pub fn user_ids(user: &str) -> Option<(u32, u32)> {
    let field = |file: &str, idx: usize| -> Option<u32> {
        std::fs::read_to_string(file)
            .ok()?
            .lines()
            .find(|l| l.split(':').next() == Some(user))?
            .split(':')
            .nth(idx)?
            .parse()
            .ok()
    };
    let uid = field("/etc/passwd", 2)?;
    let gid = field("/etc/group", 2).or_else(|| field("/etc/passwd", 3))?;
    Some((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::testfs::{mkdir, write};

    #[test]
    fn cpuinfo_and_mhz() {
        let c = parse_cpuinfo_x86(
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n\
             stepping\t: 1\nmicrocode\t: 0x1000065\ncpu MHz\t\t: 2596.128\n\
             flags\t\t: fpu vme sse4_1\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n\
             processor\t: 1\nvendor_id\t: Other\n",
        );
        assert_eq!(c.vendor_id, "AuthenticAMD");
        assert_eq!(
            (c.family, c.model, c.stepping),
            (Some(25), Some(17), Some(1))
        );
        assert_eq!(c.microcode, Some(16777317));
        assert_eq!(c.hz, Some(2_596_128_000));
        assert_eq!(c.phys_bits, Some(48));
        assert_eq!(c.flags, ["fpu", "vme", "sse4_1"]);
        let mut flags = c.flags.clone();
        add_hidden_cpuid_flags(&mut flags, |leaf, sub| match (leaf, sub) {
            (0xd, 1) => Some([0xf, 0, 0, 0]),
            (7, 0) => Some([0, 0, 0, 0]),
            _ => None,
        });
        assert_eq!(flags, ["fpu", "vme", "sse4_1", "xsaves"]);
        add_hidden_cpuid_flags(&mut flags, |_, _| Some([0xf, 0, 0, 1 << 31]));
        assert_eq!(flags, ["fpu", "vme", "sse4_1", "xsaves", "spec_ctrl_ssbd"]);
        assert_eq!(parse_cpu_list("0-2,5"), Some(vec![0, 1, 2, 5]));
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn one_cell_host() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "/proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
        write(r, "/sys/devices/system/cpu/online", "0-1\n");
        mkdir(r, "/sys/kernel/mm/hugepages/hugepages-2048kB");
        write(
            r,
            "/sys/devices/system/node/node0/meminfo",
            "Node 0 MemTotal:       9791700 kB\n",
        );
        write(r, "/sys/devices/system/node/node0/cpulist", "0-1\n");
        write(r, "/sys/devices/system/node/node0/distance", "10\n");
        write(
            r,
            "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
            "2\n",
        );
        for cpu in 0..2 {
            let t = format!("/sys/devices/system/cpu/cpu{cpu}/topology");
            write(r, &format!("{t}/physical_package_id"), "0\n");
            write(r, &format!("{t}/core_id"), &format!("{cpu}\n"));
            write(r, &format!("{t}/thread_siblings_list"), &format!("{cpu}\n"));
            let c = format!("/sys/devices/system/cpu/cpu{cpu}/cache/index3");
            write(r, &format!("{c}/level"), "3\n");
            write(r, &format!("{c}/type"), "Unified\n");
            write(r, &format!("{c}/size"), "32768K\n");
            write(r, &format!("{c}/id"), "0\n");
            write(r, &format!("{c}/shared_cpu_list"), "0-1\n");
        }
        let h = host_caps_at(r, 4);
        assert_eq!(h.page_sizes, [4, 2048]);
        assert_eq!(h.cells.len(), 1);
        let c = &h.cells[0];
        assert_eq!(c.memory_kib, 9791700);
        assert_eq!(c.pages, [(4, (9791700 - 4096) / 4), (2048, 2)]);
        assert_eq!(c.distances, [(0, 10)]);
        assert_eq!(c.cpus.len(), 2);
        assert_eq!(c.cpus[1].core_id, 1);
        assert_eq!(c.cpus[1].siblings, "1");
        assert_eq!(h.caches.len(), 1);
        assert_eq!(h.caches[0].size_kib, 32768);
        assert!(!h.iommu);
    }
}
