//! Processes as `/proc` shows them: the shims and QEMUs of a root, liveness, memory.

use super::*;

/// One process as `/proc` shows it.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The command line, arguments joined with spaces.
    pub cmdline: String,
}

/// All processes (a snapshot of `/proc`).
pub fn processes() -> Vec<Proc> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..."; comm may contain anything, so parse after the last ')'
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or("");
        if state == "Z" {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        out.push(Proc { pid, ppid, cmdline });
    }
    out
}

/// The shim processes of a state root (their command lines name it).
pub fn shims_under(root: &Path) -> Vec<Proc> {
    let needle = format!("{}/", root.display());
    processes()
        .into_iter()
        .filter(|p| p.cmdline.contains("oxvirt-shim") && p.cmdline.contains(&needle))
        .collect()
}

/// The QEMU processes of a state root (children of its shims).
pub fn qemus_under(root: &Path) -> Vec<Proc> {
    let shims: Vec<u32> = shims_under(root).iter().map(|p| p.pid).collect();
    processes()
        .into_iter()
        .filter(|p| shims.contains(&p.ppid) && p.cmdline.contains("qemu-system"))
        .collect()
}

/// Whether `pid` is a live (not zombie) process.
pub fn process_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_some_and(|s| s != "Z")
}

/// The processes below `root_pid`, plus those whose command line names `dir` (shims that
/// outlived an earlier daemon) and everything below them; `root_pid` itself is not included.
pub(crate) fn descendants_or_naming(root_pid: u32, dir: &Path) -> Vec<u32> {
    naming_and_below(Some(root_pid), dir)
}

/// The processes whose command line names `dir`, everything below them, and (with
/// `root_pid`) everything below `root_pid`.
pub(crate) fn naming_and_below(root_pid: Option<u32>, dir: &Path) -> Vec<u32> {
    let root_pid = root_pid.unwrap_or(u32::MAX);
    let all = processes();
    let needle = format!("{}/", dir.display());
    let mut set: Vec<u32> = all
        .iter()
        .filter(|p| p.pid != root_pid && p.cmdline.contains(&needle))
        .map(|p| p.pid)
        .collect();
    let mut parents = set.clone();
    if root_pid != u32::MAX {
        parents.push(root_pid);
    }
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent) {
            if p.pid != root_pid && !set.contains(&p.pid) {
                set.push(p.pid);
                parents.push(p.pid);
            }
        }
    }
    set
}

/// A process's resident memory in KiB (`VmRSS`), 0 when it cannot be read.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
