//! A running VM's cgroup, named and laid out as libvirt 9.0's QEMU driver does on a host
//! without systemd: the partition (`<resource><partition>`, `/machine` by default) holds
//! `qemu-ID-NAME.libvirt-qemu` (NAME cut to 20 characters), in every cgroup v1 hierarchy of
//! the controllers libvirt uses (cpu, cpuset, memory, blkio, freezer), or on a host with
//! cgroup v2 only, in its hierarchy; in the cpu and cpuset hierarchies the vCPU threads go
//! to `vcpuN` and QEMU's other threads to `emulator` below it (in v2 the whole process goes
//! to `emulator`: per-thread v2 groups are not made yet).
//!
//! [`place`] is the one entry point: the driver calls it when it attaches to a VM (after a
//! start, and again after its own or the shim's restart: it is idempotent, so the cgroup is
//! found again by its name), and [`remove`] when the VM has stopped. Code that confines QEMU
//! further calls [`place`] too and then finds each hierarchy's directory with [`dirs`].
//! Everything is best effort: a host without cgroups (or a non-root driver) runs VMs
//! without them, as libvirt's unprivileged driver.

use std::io;
use std::path::{Path, PathBuf};

/// The v1 controllers libvirt's QEMU driver places a VM in.
const V1_CONTROLLERS: &[&str] = &["cpu", "cpuset", "memory", "blkio", "freezer"];
/// The controllers with per-thread `emulator` and `vcpuN` groups.
const THREADED: &[&str] = &["cpu", "cpuset"];

/// A cgroup hierarchy: where it is mounted, and its v1 controllers (empty for v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// The mount point.
    pub mount: PathBuf,
    /// The v1 controllers of this mount that libvirt uses; empty for the v2 hierarchy.
    pub controllers: Vec<String>,
}

impl Hierarchy {
    /// The v2 (unified) hierarchy.
    pub fn is_v2(&self) -> bool {
        self.controllers.is_empty()
    }

    fn threaded(&self) -> bool {
        self.is_v2()
            || self
                .controllers
                .iter()
                .any(|c| THREADED.contains(&c.as_str()))
    }
}

/// The hierarchies of `/proc/mounts` text: the v1 mounts of libvirt's controllers and a v2
/// mount.
fn parse_mounts(text: &str) -> Vec<Hierarchy> {
    let mut out = Vec::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        let (Some(mount), Some(fstype), Some(opts)) = (f.get(1), f.get(2), f.get(3)) else {
            continue;
        };
        let controllers: Vec<String> = opts
            .split(',')
            .filter(|o| V1_CONTROLLERS.contains(o))
            .map(str::to_owned)
            .collect();
        match *fstype {
            "cgroup" if !controllers.is_empty() => out.push(Hierarchy {
                mount: PathBuf::from(mount),
                controllers,
            }),
            "cgroup2" => out.push(Hierarchy {
                mount: PathBuf::from(mount),
                controllers: Vec::new(),
            }),
            _ => {}
        }
    }
    // A hybrid host (v1 controllers and a v2 mount without them): the v1 hierarchies only.
    // libvirt makes its v2 groups threaded and fails to start a VM whose v2 group exists
    // as a plain one, so a VM libvirt runs under the same name is never disturbed.
    if out.iter().any(|h| !h.is_v2()) {
        out.retain(|h| !h.is_v2());
    }
    out
}

/// The host's hierarchies.
pub fn hierarchies() -> Vec<Hierarchy> {
    parse_mounts(&std::fs::read_to_string("/proc/mounts").unwrap_or_default())
}

/// The VM's cgroup path relative to each hierarchy's root: `machine/qemu-1-NAME.libvirt-qemu`.
pub fn relative_path(partition: Option<&str>, id: i32, name: &str) -> PathBuf {
    let partition = partition.unwrap_or("/machine").trim_start_matches('/');
    let scope = format!(
        "qemu-{}.libvirt-qemu",
        crate::start_prep::short_name(id, name)
    );
    Path::new(partition).join(scope)
}

/// The VM's directory in each hierarchy, with the hierarchy.
pub fn dirs(partition: Option<&str>, id: i32, name: &str) -> Vec<(Hierarchy, PathBuf)> {
    let rel = relative_path(partition, id, name);
    hierarchies()
        .into_iter()
        .map(|h| {
            let d = h.mount.join(&rel);
            (h, d)
        })
        .collect()
}

/// Create `dir` and its missing parents below `mount`; in a cpuset hierarchy each new group
/// gets its parent's CPUs and memory nodes first (v1 leaves them empty).
fn make_dirs(mount: &Path, dir: &Path, cpuset: bool) -> io::Result<()> {
    let rel = dir
        .strip_prefix(mount)
        .map_err(|_| io::ErrorKind::InvalidInput)?;
    let mut cur = mount.to_path_buf();
    for c in rel.components() {
        let parent = cur.clone();
        cur.push(c);
        match std::fs::create_dir(&cur) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
        if cpuset {
            for f in ["cpuset.cpus", "cpuset.mems"] {
                let v = std::fs::read_to_string(parent.join(f))?;
                std::fs::write(cur.join(f), v.trim())?;
            }
        }
    }
    Ok(())
}

/// Put QEMU (`pid`) in its cgroups: the whole process in the VM's group, and in the cpu and
/// cpuset hierarchies each vCPU thread in `vcpuN` and the others in `emulator`. Returns the
/// first error; what could be done is done.
pub fn place(partition: Option<&str>, id: i32, name: &str, pid: i32) -> io::Result<()> {
    let mut first: Option<io::Error> = None;
    let vcpus = crate::vcpu_calls::vcpu_threads(pid);
    for (h, dir) in dirs(partition, id, name) {
        let cpuset = h.controllers.iter().any(|c| c == "cpuset");
        let r = (|| -> io::Result<()> {
            make_dirs(&h.mount, &dir, cpuset)?;
            if !h.threaded() {
                return std::fs::write(dir.join("cgroup.procs"), pid.to_string());
            }
            if h.is_v2() {
                // threads of one process in several v2 groups need threaded groups: the
                // process goes to `emulator` as a whole
                make_dirs(&h.mount, &dir.join("emulator"), false)?;
                return std::fs::write(dir.join("emulator/cgroup.procs"), pid.to_string());
            }
            make_dirs(&h.mount, &dir.join("emulator"), cpuset)?;
            std::fs::write(dir.join("emulator/cgroup.procs"), pid.to_string())?;
            for t in &vcpus {
                let sub = dir.join(format!("vcpu{}", t.index));
                make_dirs(&h.mount, &sub, cpuset)?;
                std::fs::write(sub.join("tasks"), t.tid.to_string())?;
            }
            Ok(())
        })();
        if let Err(e) = r {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

/// Remove the VM's (empty) groups, children first. Groups still holding a process stay.
pub fn remove(partition: Option<&str>, id: i32, name: &str) {
    for (_, dir) in dirs(partition, id, name) {
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    let _ = std::fs::remove_dir(e.path());
                }
            }
        }
        let _ = std::fs::remove_dir(&dir);
    }
}

/// The VM's directory in the v1 hierarchy of `controller`, if the host has one.
pub fn v1_dir(partition: Option<&str>, id: i32, name: &str, controller: &str) -> Option<PathBuf> {
    dirs(partition, id, name)
        .into_iter()
        .find(|(h, _)| h.controllers.iter().any(|c| c == controller))
        .map(|(_, d)| d)
}

/// A cgroup file's value, trimmed.
pub fn read_value(dir: &Path, file: &str) -> io::Result<String> {
    Ok(std::fs::read_to_string(dir.join(file))?.trim().to_owned())
}

/// Write a definition's `<cputune>` shares, periods and quotas and its `<memtune>` limits
/// into the VM's groups (what libvirt applies at start).
pub fn apply_tuning(def: &oxvirt_conf::domain::Domain) -> io::Result<()> {
    let Some(id) = def.id else { return Ok(()) };
    let partition = def.resource.as_ref().and_then(|r| r.partition.as_deref());
    if let (Some(ct), Some(dir)) = (&def.cputune, v1_dir(partition, id, &def.name, "cpu")) {
        if let Some(s) = ct.shares {
            std::fs::write(dir.join("cpu.shares"), s.to_string())?;
        }
        let vcpus: Vec<PathBuf> = (0..def.vcpu.current.unwrap_or(def.vcpu.count))
            .map(|n| dir.join(format!("vcpu{n}")))
            .collect();
        // periods before quotas: a quota must fit the period
        for suffix in ["period", "quota"] {
            for (k, v) in ct.values.iter().filter(|(k, _)| k.ends_with(suffix)) {
                let file = format!("cpu.cfs_{suffix}_us");
                let groups = match k.strip_suffix(suffix) {
                    Some("") => vcpus.clone(),
                    Some("emulator_") => vec![dir.join("emulator")],
                    _ => vec![dir.clone()],
                };
                for g in groups {
                    std::fs::write(g.join(&file), v.to_string())?;
                }
            }
        }
    }
    let mems = def.numatune.as_ref().and_then(|n| n.memory.as_ref());
    if let (Some((mode, nodes)), Some(dir)) = (mems, v1_dir(partition, id, &def.name, "cpuset")) {
        // strict and restrictive bind the memory to the nodes: the VM's group, then its children
        if mode == "strict" || mode == "restrictive" {
            write_mems(&dir, def, nodes)?;
        }
    }
    if let Some(dir) = v1_dir(partition, id, &def.name, "memory") {
        for (k, file) in [
            ("hard_limit", "memory.limit_in_bytes"),
            ("soft_limit", "memory.soft_limit_in_bytes"),
            ("swap_hard_limit", "memory.memsw.limit_in_bytes"),
        ] {
            if let Some((_, kib)) = def.memtune.iter().find(|(n, _)| *n == k) {
                std::fs::write(dir.join(file), (kib.saturating_mul(1024)).to_string())?;
            }
        }
    }
    Ok(())
}

/// The host nodes a VM's memory may use: `cpuset.mems` of its cpuset group `dir`, then of
/// its emulator and vCPU groups (the parent first, so the children may take the same set).
pub fn write_mems(dir: &Path, def: &oxvirt_conf::domain::Domain, nodes: &[u32]) -> io::Result<()> {
    let mems = oxvirt_conf::domain::format_cpuset(nodes);
    let vcpus = def.vcpu.current.unwrap_or(def.vcpu.count);
    let groups = [dir.to_owned(), dir.join("emulator")]
        .into_iter()
        .chain((0..vcpus).map(|n| dir.join(format!("vcpu{n}"))));
    for g in groups.filter(|g| g.is_dir()) {
        std::fs::write(g.join("cpuset.mems"), &mems)?;
    }
    Ok(())
}

impl crate::QemuDriver {
    /// [`place`] a VM's QEMU when the driver is privileged and the host has cgroups; a
    /// failure is logged (the VM runs on, unconfined, as libvirt's session driver).
    pub(crate) fn place_in_cgroup(&self, def: &oxvirt_conf::domain::Domain, pid: i32) {
        let (Some(id), true) = (def.id, self.privileged && pid > 0) else {
            return;
        };
        let partition = def.resource.as_ref().and_then(|r| r.partition.as_deref());
        if let Err(e) = place(partition, id, &def.name, pid) {
            tracing::warn!(domain = %def.name, "cannot place QEMU in its cgroup: {e}");
        }
        if let Err(e) = apply_tuning(def) {
            tracing::warn!(domain = %def.name, "cannot apply <cputune>/<memtune>: {e}");
        }
    }

    /// [`remove`] a stopped VM's groups.
    pub(crate) fn remove_cgroup(&self, def: &oxvirt_conf::domain::Domain) {
        if let (Some(id), true) = (def.id, self.privileged) {
            let partition = def.resource.as_ref().and_then(|r| r.partition.as_deref());
            remove(partition, id, &def.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
";

    #[test]
    fn the_hierarchies_libvirt_uses() {
        let h = parse_mounts(MOUNTS);
        let names: Vec<String> = h
            .iter()
            .map(|h| format!("{}:{}", h.mount.display(), h.controllers.join(",")))
            .collect();
        assert_eq!(
            names,
            [
                "/sys/fs/cgroup/cpu:cpu",
                "/sys/fs/cgroup/cpuset:cpuset",
                "/sys/fs/cgroup/memory:memory",
            ]
        );
        assert!(h[0].threaded() && !h[2].threaded());
        let v2 = parse_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
        assert!(v2.len() == 1 && v2[0].is_v2() && v2[0].threaded());
        let co = parse_mounts("cgroup /c cgroup rw,cpu,cpuacct 0 0\n");
        assert_eq!(co[0].controllers, ["cpu"]);
    }

    #[test]
    fn libvirt_s_names() {
        assert_eq!(
            relative_path(None, 1, "g"),
            Path::new("machine/qemu-1-g.libvirt-qemu")
        );
        assert_eq!(
            relative_path(Some("/custom/part"), 12, "a-very-long-domain-name-indeed"),
            Path::new("custom/part/qemu-12-a-very-long-domain-n.libvirt-qemu")
        );
    }

    #[test]
    fn groups_are_made_below_the_mount_with_cpuset_values() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("cpuset.cpus"), "0-1\n").unwrap();
        std::fs::write(t.path().join("cpuset.mems"), "0\n").unwrap();
        let d = t.path().join("machine/qemu-1-g.libvirt-qemu");
        make_dirs(t.path(), &d, true).unwrap();
        assert_eq!(read_value(&d, "cpuset.cpus").unwrap(), "0-1");
        make_dirs(t.path(), &d, true).unwrap();
        assert!(make_dirs(Path::new("/elsewhere"), &d, false).is_err());
    }
}
