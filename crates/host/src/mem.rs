//! Host memory: `/proc/meminfo` and the NUMA nodes' `meminfo`, with the semantics of
//! libvirt 9.0's `virhostmem.c`, `virnuma.c` and libnuma 2.0.16's `numa_node_size64`.

use std::collections::BTreeSet;

use crate::ctext::{fgets_lines, find, find_ignore_case, is_space, scan_token, scan_u64, strtoull};
use crate::error::{ErrorDomain, HostError};
use crate::fs::Root;
use crate::TypedStat;

/// `MEMINFO_PATH`.
pub(crate) const MEMINFO_PATH: &str = "/proc/meminfo";
const NODE_ROOT: &str = "/sys/devices/system/node";

/// `LINUX_NB_MEMORY_STATS_ALL`: statistics for the whole host.
pub const LINUX_NB_MEMORY_STATS_ALL: i32 = 4;
/// `LINUX_NB_MEMORY_STATS_CELL`: statistics for one NUMA cell.
pub const LINUX_NB_MEMORY_STATS_CELL: i32 = 2;

/// `VIR_NODE_MEMORY_STATS_FIELD_LENGTH`: `sscanf` reads the header with `%80s`.
const FIELD_LENGTH: usize = 80;

/// The path of a NUMA cell's meminfo.
pub(crate) fn node_meminfo_path(cell: i32) -> String {
    format!("{NODE_ROOT}/node{cell}/meminfo")
}

/// `virHostMemGetStatsLinux` (after its nparams checks) on the text of `/proc/meminfo`
/// (`nr_params` 4) or of `/sys/devices/system/node/nodeN/meminfo` (`nr_params` 2, lines
/// start with "Node N "). Returns the statistics found, in the order of the file, at most
/// `nr_params` of them: "total" (MemTotal), "free" (MemFree), "buffers" (Buffers),
/// "cached" (Cached), values in KiB as the file gives them.
///
/// Errors: "no prefix found" for a "Node " line without two spaces, "no available memory
/// line found" when none matched (both internal errors, domain 0).
pub fn parse_meminfo(meminfo: &[u8], nr_params: usize) -> Result<Vec<TypedStat>, HostError> {
    const FIELDS: [(&[u8], &str); 4] = [
        (b"MemTotal:", "total"),
        (b"MemFree:", "free"),
        (b"Buffers:", "buffers"),
        (b"Cached:", "cached"),
    ];
    let mut found = Vec::new();
    for line in fgets_lines(meminfo, 1024) {
        let mut buf = line;
        if buf.starts_with(b"Node ") {
            // skip "Node N "
            for _ in 0..2 {
                match buf.iter().position(|&b| b == b' ') {
                    Some(i) => buf = &buf[i + 1..],
                    None => return Err(HostError::internal("no prefix found")),
                }
            }
        }
        // sscanf(buf, "%80s %lu kB", hdr, &val) < 2 → skip
        let Some((hdr, rest)) = scan_token(buf, FIELD_LENGTH) else {
            continue;
        };
        let Some((val, _)) = scan_u64(rest) else {
            continue;
        };
        if let Some((_, field)) = FIELDS.iter().find(|(h, _)| *h == hdr) {
            found.push(TypedStat { field, value: val });
        }
        if found.len() >= nr_params {
            break;
        }
    }
    if found.is_empty() {
        return Err(HostError::internal("no available memory line found"));
    }
    Ok(found)
}

/// What libnuma's `numa_node_size64(node, &free)` makes of a node's meminfo text: total
/// and free memory in bytes, -1 for a value that was not found or not parsable (libvirt
/// treats a negative total as an error, and passes a -1 free value on as 2^64-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSize {
    pub total: i64,
    pub free: i64,
}

/// libnuma's `numa_node_size64` parser: for each line containing "kB" (any case), the
/// number just before it; "MemTotal" lines give the total, "MemFree" lines the free
/// memory (the last such line wins), in KiB shifted to bytes.
pub fn parse_node_size(meminfo: &[u8]) -> NodeSize {
    let mut total: i64 = -1;
    let mut free: i64 = -1;
    for line in meminfo.split_inclusive(|&b| b == b'\n') {
        let line = crate::ctext::c_str(line);
        let Some(kb) = find_ignore_case(line, b"kB") else {
            continue;
        };
        let mut s = kb.saturating_sub(1);
        while s > 0 && is_space(line[s]) {
            s -= 1;
        }
        while s > 0 && line[s].is_ascii_digit() {
            s -= 1;
        }
        let parse = || {
            let r = strtoull(&line[s..], 0);
            if r.consumed == 0 {
                -1
            } else {
                (r.value << 10) as i64
            }
        };
        if find(line, b"MemTotal").is_some() {
            total = parse();
        }
        if find(line, b"MemFree").is_some() {
            free = parse();
        }
    }
    NodeSize { total, free }
}

/// The NUMA view libvirt gets from libnuma.
#[derive(Debug, Clone)]
pub(crate) struct Numa {
    /// `numa_available() != -1`: `get_mempolicy()` works (fails with ENOSYS without
    /// kernel NUMA support, EPERM under some seccomp profiles).
    pub available: bool,
    /// `numa_max_node()`: highest "node*" entry under /sys/devices/system/node; 0 when the
    /// directory cannot be read, -1 when it has no node entry.
    pub max_node: i32,
    /// `numa_nodes_ptr`: the nodes that exist.
    pub nodes: BTreeSet<u32>,
}

impl Numa {
    pub(crate) fn probe(root: &Root) -> Result<Numa, HostError> {
        let available = crate::sys::numa_available();
        let (max_node, nodes) = scan_nodes(root)?;
        Ok(Numa {
            available,
            max_node,
            nodes,
        })
    }

    /// `virNumaGetMaxNode`.
    pub(crate) fn get_max_node(&self) -> Result<i32, HostError> {
        if !self.available {
            return Err(HostError::ConfigUnsupported {
                domain: ErrorDomain::None,
                detail: "NUMA isn't available on this host".into(),
            });
        }
        if self.max_node < 0 {
            return Err(HostError::internal(
                "Failed to request maximum NUMA node id",
            ));
        }
        Ok(self.max_node)
    }
}

/// libnuma's `set_configured_nodes`: entries whose name starts with "node", numbered by
/// `strtoul(name + 4, NULL, 0)`.
fn scan_nodes(root: &Root) -> Result<(i32, BTreeSet<u32>), HostError> {
    let Some(names) = root.read_dir_quiet(NODE_ROOT)? else {
        return Ok((0, BTreeSet::new()));
    };
    let mut max: i32 = -1;
    let mut nodes = BTreeSet::new();
    for name in names {
        let Some(rest) = name.strip_prefix("node") else {
            continue;
        };
        let r = strtoull(rest.as_bytes(), 0);
        let nd = (r.value & 0xffff_ffff) as u32;
        nodes.insert(nd);
        // libnuma keeps an int; absurd numbers are ignored rather than wrapped.
        if let Ok(n) = i32::try_from(nd) {
            max = max.max(n);
        }
    }
    Ok((max, nodes))
}

/// `virNumaGetNodeMemory(node, &total, &free)`: bytes. Fails with libvirt's "Failed to
/// query NUMA node N" (internal error) when the node's meminfo cannot be read or has no
/// parsable MemTotal.
pub(crate) fn node_memory(root: &Root, node: i64) -> Result<(u64, u64), HostError> {
    let fail = || HostError::internal(format!("Failed to query NUMA node {node}"));
    let text =
        std::fs::read(root.path(&format!("{NODE_ROOT}/node{node}/meminfo"))).map_err(|_| fail())?;
    let size = parse_node_size(&text);
    if size.total < 0 {
        return Err(fail());
    }
    Ok((size.total as u64, size.free as u64))
}

/// `virHostMemGetInfo`: total and free bytes summed over the NUMA nodes that exist, or
/// from `sysinfo(2)` when NUMA is not available.
pub(crate) fn mem_info(root: &Root, numa: &Numa) -> Result<(u64, u64), HostError> {
    if !numa.available {
        let (total, free) = crate::sys::phys_and_avphys_bytes();
        if total == 0 || free == 0 {
            return Err(HostError::internal("Cannot determine free memory"));
        }
        return Ok((total, free));
    }
    let max = numa.get_max_node()?;
    let mut total: u64 = 0;
    let mut free: u64 = 0;
    for n in 0..=max {
        if !numa.nodes.contains(&(n as u32)) {
            continue;
        }
        let (t, f) = node_memory(root, i64::from(n))?;
        total = total.wrapping_add(t);
        free = free.wrapping_add(f);
    }
    Ok((total, free))
}

/// `virHostMemGetCellsFree` (after the public API's argument checks): free bytes of
/// cells `start ..= min(start + max - 1, max node)`. A cell whose meminfo cannot be read
/// counts 0 (libvirt ignores that error). Without NUMA there is one cell, 0.
pub(crate) fn cells_free(
    root: &Root,
    numa: &Numa,
    start: i32,
    max_cells: i32,
) -> Result<Vec<u64>, HostError> {
    if !numa.available {
        if start != 0 {
            return Err(HostError::internal(format!(
                "start cell {start} out of range (0-0)"
            )));
        }
        let (_, free) = crate::sys::phys_and_avphys_bytes();
        if free == 0 {
            return Err(HostError::internal("Cannot determine free memory"));
        }
        return Ok(vec![free]);
    }
    // libvirt returns 0 cells (success) when the maximum node cannot be determined.
    let Ok(max_cell) = numa.get_max_node() else {
        return Ok(Vec::new());
    };
    if start > max_cell {
        return Err(HostError::internal(format!(
            "start cell {start} out of range (0-{max_cell})"
        )));
    }
    let last = (i64::from(start) + i64::from(max_cells) - 1).min(i64::from(max_cell));
    let mut cells = Vec::new();
    let mut n = i64::from(start);
    while n <= last {
        cells.push(node_memory(root, n).map(|(_, f)| f).unwrap_or(0));
        n += 1;
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured on the development VM.
    pub(crate) const PROC_MEMINFO: &str = "MemTotal:       24684092 kB\n\
MemFree:        23709972 kB\n\
MemAvailable:   24329108 kB\n\
Buffers:            3304 kB\n\
Cached:           785340 kB\n\
SwapCached:            0 kB\n\
Active:           293516 kB\n\
HugePages_Total:       0\n";

    pub(crate) const NODE_MEMINFO: &str = "Node 0 MemTotal:        4679892 kB\n\
Node 0 MemFree:         4116848 kB\n\
Node 0 MemUsed:          563044 kB\n\
Node 0 SwapCached:            0 kB\n\
Node 0 Active:           163152 kB\n\
Node 0 HugePages_Total:     0\n";

    fn pairs(v: &[TypedStat]) -> Vec<(&str, u64)> {
        v.iter().map(|s| (s.field, s.value)).collect()
    }

    #[test]
    fn meminfo_all() {
        let v = parse_meminfo(PROC_MEMINFO.as_bytes(), 4).unwrap();
        assert_eq!(
            pairs(&v),
            vec![
                ("total", 24684092),
                ("free", 23709972),
                ("buffers", 3304),
                ("cached", 785340)
            ]
        );
    }

    #[test]
    fn meminfo_node() {
        let v = parse_meminfo(NODE_MEMINFO.as_bytes(), 2).unwrap();
        assert_eq!(pairs(&v), vec![("total", 4679892), ("free", 4116848)]);
    }

    #[test]
    fn meminfo_order_and_partial() {
        // file order, not field order; missing fields simply absent
        let v = parse_meminfo(b"Cached: 5 kB\nMemTotal: 7 kB\n", 4).unwrap();
        assert_eq!(pairs(&v), vec![("cached", 5), ("total", 7)]);
        // stops after nr_params
        let v = parse_meminfo(PROC_MEMINFO.as_bytes(), 2).unwrap();
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn meminfo_malformed() {
        let e = parse_meminfo(b"", 4).unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: no available memory line found"
        );
        let e = parse_meminfo(b"Node 0\n", 2).unwrap_err();
        assert_eq!(e.to_string(), "internal error: no prefix found");
        assert!(parse_meminfo(b"MemTotal: abc kB\n", 4).is_err());
        assert!(parse_meminfo(b"\xff\xff\xff\n\0MemTotal: 1 kB\n", 4).is_err());
        // a header longer than 80 characters is cut at 80 and never matches
        let long = format!("{}MemTotal: 1 kB\n", "x".repeat(100));
        assert!(parse_meminfo(long.as_bytes(), 4).is_err());
        let v = parse_meminfo(b"MemTotal: 99999999999999999999999 kB\n", 4).unwrap();
        assert_eq!(v[0].value, u64::MAX);
    }

    #[test]
    fn node_size() {
        assert_eq!(
            parse_node_size(NODE_MEMINFO.as_bytes()),
            NodeSize {
                total: 4679892 << 10,
                free: 4116848 << 10
            }
        );
        assert_eq!(
            parse_node_size(b""),
            NodeSize {
                total: -1,
                free: -1
            }
        );
        assert_eq!(
            parse_node_size(b"kB\nMemTotal kB\nMemFree: x kB"),
            NodeSize {
                total: -1,
                free: -1
            }
        );
        assert_eq!(
            parse_node_size(b"Node 0 MemTotal: 5 KB\n"),
            NodeSize {
                total: 5 << 10,
                free: -1
            }
        );
    }

    #[test]
    fn numa_nodes_from_sysfs() {
        use crate::fs::testfs::{mkdir, write};
        let d = tempfile::tempdir().unwrap();
        let r = Root::at(d.path());
        assert_eq!(scan_nodes(&r).unwrap(), (0, BTreeSet::new()));
        mkdir(d.path(), "/sys/devices/system/node/power");
        assert_eq!(scan_nodes(&r).unwrap().0, -1);
        write(
            d.path(),
            "/sys/devices/system/node/node0/meminfo",
            NODE_MEMINFO,
        );
        write(
            d.path(),
            "/sys/devices/system/node/node2/meminfo",
            "Node 2 MemTotal: 10 kB\n",
        );
        let (max, nodes) = scan_nodes(&r).unwrap();
        assert_eq!(max, 2);
        assert_eq!(nodes.into_iter().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(node_memory(&r, 0).unwrap(), (4679892 << 10, 4116848 << 10));
        // no MemFree: libvirt passes -1 on
        assert_eq!(node_memory(&r, 2).unwrap(), (10 << 10, u64::MAX));
        let e = node_memory(&r, 1).unwrap_err();
        assert_eq!(e.to_string(), "internal error: Failed to query NUMA node 1");

        let numa = Numa {
            available: true,
            max_node: 2,
            nodes: [0, 2].into_iter().collect(),
        };
        // node 1 does not exist: skipped for the totals, 0 in the per-cell list
        assert_eq!(
            mem_info(&r, &numa).unwrap(),
            (
                (4679892 + 10) << 10,
                (4116848u64 << 10).wrapping_add(u64::MAX)
            )
        );
        assert_eq!(
            cells_free(&r, &numa, 0, 100).unwrap(),
            vec![4116848 << 10, 0, u64::MAX]
        );
        assert_eq!(cells_free(&r, &numa, 1, 1).unwrap(), vec![0]);
        let e = cells_free(&r, &numa, 3, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: start cell 3 out of range (0-2)"
        );
        assert_eq!((e.code(), e.domain()), (1, 0));
        let e = numa_unavailable().get_max_node().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported configuration: NUMA isn't available on this host"
        );
        let e = cells_free(&r, &numa_unavailable(), 1, 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error: start cell 1 out of range (0-0)"
        );
        assert_eq!(cells_free(&r, &numa_unavailable(), 0, 5).unwrap().len(), 1);
    }

    fn numa_unavailable() -> Numa {
        Numa {
            available: false,
            max_node: 0,
            nodes: BTreeSet::new(),
        }
    }
}
