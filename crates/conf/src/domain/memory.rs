//! Memory: sizes, `<memtune>`, `<memoryBacking>` and `<numatune>`.

use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// The elements of `<memtune>` in the order libvirt prints them.
pub const MEMTUNE_LIMITS: &[&str] = &[
    "hard_limit",
    "soft_limit",
    "min_guarantee",
    "swap_hard_limit",
];

/// `<numatune>` with static placement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numatune {
    /// `<memory mode= nodeset=>`: the mode (strict, preferred, interleave, restrictive) and
    /// host nodes.
    pub memory: Option<(String, Vec<u32>)>,
    /// `<memnode cellid= mode= nodeset=>`, sorted by cell.
    pub memnodes: Vec<(u32, String, Vec<u32>)>,
}

/// `<memoryBacking>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryBacking {
    /// `<hugepages>`: `(page size in KiB, nodeset)`; an empty list for `<hugepages/>`.
    pub hugepages: Option<Vec<(u64, Option<Vec<u32>>)>>,
    /// `<nosharepages/>`.
    pub nosharepages: bool,
    /// `<locked/>`.
    pub locked: bool,
    /// `<source type=>`: file, anonymous or memfd.
    pub source: Option<String>,
    /// `<access mode=>`: shared or private.
    pub access: Option<String>,
    /// `<allocation mode= threads=>`.
    pub allocation: Option<(Option<String>, Option<u32>)>,
    /// `<discard/>`.
    pub discard: bool,
}

/// `<maxMemory slots='N' unit='KiB'>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxMemory {
    /// The maximum in KiB.
    pub kib: u64,
    /// `slots=`.
    pub slots: u32,
}

pub(super) fn numa_mode(n: Node<'_, '_>) -> Result<String> {
    match n.attribute("mode") {
        None => Ok("strict".into()),
        Some(m @ ("strict" | "preferred" | "interleave" | "restrictive")) => Ok(m.to_owned()),
        Some(m) => Err(ConfError::Xml(format!(
            "Unsupported NUMA memory tuning mode '{m}'"
        ))),
    }
}

pub(super) fn parse_numatune(t: Node<'_, '_>) -> Result<Numatune> {
    let mut nt = Numatune::default();
    for e in t.children().filter(|c| c.is_element()) {
        match e.tag_name().name() {
            "memory" => {
                if matches!(e.attribute("placement"), Some(p) if p != "static")
                    || e.attributes()
                        .any(|a| !matches!(a.name(), "mode" | "nodeset" | "placement"))
                {
                    return Err(ConfError::NotImplemented("this <numatune><memory>".into()));
                }
                let nodeset = e.attribute("nodeset").ok_or_else(|| {
                    ConfError::NotImplemented("<numatune><memory> without a nodeset".into())
                })?;
                nt.memory = Some((numa_mode(e)?, parse_cpuset(nodeset)?));
            }
            "memnode" => {
                let cell = uint_attr(e, "cellid")?.ok_or_else(|| {
                    ConfError::Xml("Invalid cellid attribute in memnode element".into())
                })?;
                let nodeset = e.attribute("nodeset").ok_or_else(|| {
                    ConfError::Xml("Missing required nodeset attribute in memnode element".into())
                })?;
                if nt.memnodes.iter().any(|(c, _, _)| *c == cell) {
                    return Err(ConfError::Xml(format!(
                        "Multiple memnode elements with cellid {cell}"
                    )));
                }
                nt.memnodes
                    .push((cell, numa_mode(e)?, parse_cpuset(nodeset)?));
            }
            other => return Err(ConfError::NotImplemented(format!("<numatune><{other}>"))),
        }
    }
    nt.memnodes.sort_by_key(|(c, _, _)| *c);
    Ok(nt)
}

pub(super) fn parse_memory_backing(m: Node<'_, '_>) -> Result<MemoryBacking> {
    let mut mb = MemoryBacking::default();
    for c in m.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "hugepages" => {
                let mut pages = Vec::new();
                for p in c.children().filter(|p| p.is_element()) {
                    if p.tag_name().name() != "page" {
                        continue;
                    }
                    let size = p.attribute("size").unwrap_or("");
                    let value = parse_u64(size).ok_or_else(|| {
                        ConfError::Xml(format!("unable to parse size attribute '{size}'"))
                    })?;
                    let unit = p.attribute("unit").unwrap_or("KiB");
                    let scale = unit_scale(unit)
                        .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
                    let kib = value
                        .checked_mul(scale)
                        .ok_or_else(|| {
                            ConfError::Overflow(format!("value too large: {size}{unit}"))
                        })?
                        .div_ceil(1024);
                    let nodeset = match p.attribute("nodeset") {
                        None => None,
                        Some(n) => Some(parse_cpuset(n)?),
                    };
                    pages.push((kib, nodeset));
                }
                mb.hugepages = Some(pages);
            }
            "nosharepages" => mb.nosharepages = true,
            "locked" => mb.locked = true,
            "discard" => mb.discard = true,
            "source" => {
                mb.source = match c.attribute("type") {
                    Some(t @ ("file" | "anonymous" | "memfd")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!("unknown source type '{t}'")))
                    }
                    None => None,
                }
            }
            "access" => {
                mb.access = match c.attribute("mode") {
                    Some(t @ ("shared" | "private")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!(
                            "unknown memoryBacking/access/mode '{t}'"
                        )))
                    }
                    None => None,
                }
            }
            "allocation" => {
                let mode = match c.attribute("mode") {
                    Some(t @ ("immediate" | "ondemand")) => Some(t.to_owned()),
                    Some(t) => {
                        return Err(ConfError::unsupported(format!(
                            "unknown memoryBacking/allocation/mode '{t}'"
                        )))
                    }
                    None => None,
                };
                mb.allocation = Some((mode, uint_attr(c, "threads")?));
            }
            other => {
                return Err(ConfError::NotImplemented(format!(
                    "<memoryBacking><{other}>"
                )));
            }
        }
    }
    Ok(mb)
}

pub(super) fn format_memory_backing(w: &mut Writer, mb: &MemoryBacking) {
    w.child("memoryBacking", &[], |w| {
        match &mb.hugepages {
            None => {}
            Some(pages) => w.child("hugepages", &[], |w| {
                for (size, nodeset) in pages {
                    let mut a = vec![("size", size.to_string()), ("unit", "KiB".into())];
                    if let Some(n) = nodeset {
                        a.push(("nodeset", format_cpuset(n)));
                    }
                    w.empty("page", &a);
                }
            }),
        }
        if mb.nosharepages {
            w.empty("nosharepages", &[]);
        }
        if mb.locked {
            w.empty("locked", &[]);
        }
        if let Some(s) = &mb.source {
            w.empty("source", &[("type", s.clone())]);
        }
        if let Some(a) = &mb.access {
            w.empty("access", &[("mode", a.clone())]);
        }
        if let Some((mode, threads)) = &mb.allocation {
            let mut a = Vec::new();
            if let Some(m) = mode {
                a.push(("mode", m.clone()));
            }
            if let Some(t) = threads {
                a.push(("threads", t.to_string()));
            }
            w.empty("allocation", &a);
        }
        if mb.discard {
            w.empty("discard", &[]);
        }
    });
}

/// `<memtune>`, when it has a limit.
pub(super) fn format_memtune(w: &mut Writer, memtune: &[(&'static str, u64)]) {
    if !memtune.is_empty() {
        w.open("memtune", &[]);
        for (k, v) in memtune {
            w.text(k, &[("unit", "KiB".into())], &v.to_string());
        }
        w.close("memtune");
    }
}

impl Domain {
    /// `<numatune>`: automatic placement, or the node sets of the memory and its cells.
    pub(super) fn format_numatune(&self, w: &mut Writer) {
        if self.numatune_auto {
            w.child("numatune", &[], |w| {
                w.empty(
                    "memory",
                    &[("mode", "strict".into()), ("placement", "auto".into())],
                )
            });
        }
        if let Some(nt) = self.numatune.as_ref().filter(|_| !self.numatune_auto) {
            w.child("numatune", &[], |w| {
                if let Some((mode, set)) = &nt.memory {
                    w.empty(
                        "memory",
                        &[("mode", mode.clone()), ("nodeset", format_cpuset(set))],
                    );
                }
                for (cell, mode, set) in &nt.memnodes {
                    w.empty(
                        "memnode",
                        &[
                            ("cellid", cell.to_string()),
                            ("mode", mode.clone()),
                            ("nodeset", format_cpuset(set)),
                        ],
                    );
                }
            });
        }
    }
}

/// `<memtune>`'s limits in libvirt's order, in KiB.
pub(super) fn parse_memtune(root: Node<'_, '_>) -> Result<Vec<(&'static str, u64)>> {
    let mut memtune = Vec::new();
    if let Some(m) = child(root, "memtune") {
        for c in m.children().filter(|c| c.is_element()) {
            let n = c.tag_name().name();
            if !MEMTUNE_LIMITS.contains(&n) {
                return Err(ConfError::NotImplemented(format!("<memtune><{n}>")));
            }
        }
        for k in MEMTUNE_LIMITS {
            if let Some(c) = child(m, k) {
                memtune.push((*k, scaled_kib(c, &format!("memtune/{k}"), "KiB")?));
            }
        }
    }
    Ok(memtune)
}

/// `<numatune>`: `(true, None)` for the automatic placement libvirt prints back as it is.
pub(super) fn parse_numatune_of(root: Node<'_, '_>) -> Result<(bool, Option<Numatune>)> {
    Ok(match child(root, "numatune") {
        None => (false, None),
        Some(t) => {
            let elems: Vec<_> = t.children().filter(|c| c.is_element()).collect();
            match elems.as_slice() {
                [m] if m.tag_name().name() == "memory"
                    && m.attribute("placement") == Some("auto")
                    && matches!(m.attribute("mode"), None | Some("strict"))
                    && m.attributes().count() == 1 + usize::from(m.attribute("mode").is_some()) =>
                {
                    (true, None)
                }
                _ => (false, Some(parse_numatune(t)?)),
            }
        }
    })
}

/// The memory size (the NUMA cells' total when they have one), the current size, the hotplug
/// checks and the DIMM slots of memory devices without an address.
pub(super) fn memory_defaults(def: &mut Domain) -> Result<()> {
    // memory: with NUMA cells, the total is theirs
    let numa_total: u64 = def
        .cpu
        .as_ref()
        .map_or(0, |c| c.numa.iter().map(|n| n.memory_kib).sum());
    if numa_total > 0 {
        let dimms: u64 = def.devices.memories.iter().map(|m| m.size_kib).sum();
        def.memory_kib = numa_total.saturating_add(dimms);
    }
    if def.memory_kib == 0 {
        return Err(ConfError::Xml(
            "Memory size must be specified via <memory> or in the <numa> configuration".into(),
        ));
    }
    match def.current_memory_kib {
        Some(c) if c != 0 && c <= def.memory_kib => {}
        _ => def.current_memory_kib = Some(def.memory_kib),
    }
    if def.max_memory.is_some() && numa_total == 0 {
        return Err(ConfError::qemu_unsupported(
            "At least one numa node has to be configured when enabling memory hotplug",
        ));
    }
    if !def.devices.memories.is_empty() && def.max_memory.is_none() {
        return Err(ConfError::unsupported(
            "cannot use/hotplug a memory device when domain 'maxMemory' is not defined",
        ));
    }
    // DIMM slots: the first free one for each device without an address
    let mut used: Vec<u32> = def
        .devices
        .memories
        .iter()
        .filter_map(|m| match m.address {
            Some(Address::Dimm { slot, .. }) => Some(slot),
            _ => None,
        })
        .collect();
    for m in &mut def.devices.memories {
        if m.address.is_none() {
            let slot = (0..).find(|s| !used.contains(s)).unwrap_or(0);
            used.push(slot);
            m.address = Some(Address::Dimm { slot, base: None });
        }
    }
    Ok(())
}
