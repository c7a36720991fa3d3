//! `<cpu>`: the guest CPU model, its features, topology and NUMA cells.

use super::format::{fmt_on_off, fmt_yes_no};
use super::parse::*;
use super::*;
use crate::error::ConfError;
use crate::xml::Writer;
use roxmltree::Node;

/// `<cpu>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cpu {
    /// `mode=`: `custom`, `host-model`, `host-passthrough` or `maximum`.
    pub mode: Option<String>,
    /// `match=`.
    pub match_: Option<String>,
    /// `check=`.
    pub check: Option<String>,
    /// `migratable=` (of host-passthrough and maximum).
    pub migratable: Option<bool>,
    /// `<model>`.
    pub model: Option<CpuModel>,
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// `<topology>`.
    pub topology: Option<Topology>,
    /// `<cache level= mode=>`.
    pub cache: Option<(Option<u32>, String)>,
    /// `<feature policy= name=>`s: (policy, name) in document order.
    pub features: Vec<(String, String)>,
    /// `<numa><cell>`s: the guest NUMA nodes.
    pub numa: Vec<NumaCell>,
}

/// `<cell id= cpus= memory= unit='KiB' memAccess= discard=>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumaCell {
    /// `id=`.
    pub id: u32,
    /// `cpus=`: the vCPUs of the cell.
    pub cpus: Option<Vec<u32>>,
    /// `memory=` in KiB.
    pub memory_kib: u64,
    /// `shared` or `private`.
    pub mem_access: Option<String>,
    /// `discard=`.
    pub discard: Option<bool>,
}

/// `<model fallback=>name</model>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuModel {
    /// `fallback=`: `allow` or `forbid`.
    pub fallback: Option<String>,
    /// The CPU model's name.
    pub name: String,
}

/// `<topology sockets= dies= cores= threads=>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topology {
    /// `sockets=`.
    pub sockets: u32,
    /// `dies=`.
    pub dies: u32,
    /// `cores=`.
    pub cores: u32,
    /// `threads=`.
    pub threads: u32,
}

pub(super) fn parse_cpu(c: Node<'_, '_>) -> Result<Cpu> {
    let mut cpu = Cpu {
        mode: attr(c, "mode"),
        match_: attr(c, "match"),
        check: attr(c, "check"),
        migratable: on_off(c, "migratable")?,
        ..Cpu::default()
    };
    // `match` only means something for custom CPUs; libvirt does not read it otherwise
    if cpu.mode.as_deref().is_some_and(|m| m != "custom") {
        cpu.match_ = None;
    }
    if let Some(m) = &cpu.mode {
        if !matches!(
            m.as_str(),
            "custom" | "host-model" | "host-passthrough" | "maximum"
        ) {
            return Err(ConfError::Xml(format!("Invalid mode attribute '{m}'")));
        }
    }
    if let Some(m) = &cpu.match_ {
        if !matches!(m.as_str(), "minimum" | "exact" | "strict") {
            return Err(ConfError::Xml(
                "Invalid match attribute for CPU specification".into(),
            ));
        }
    }
    if let Some(m) = &cpu.check {
        if !matches!(m.as_str(), "none" | "partial" | "full") {
            return Err(ConfError::Xml(
                "Invalid check attribute for CPU specification".into(),
            ));
        }
    }
    if let Some(m) = child(c, "model") {
        let name = text_of(m);
        if !name.is_empty() {
            cpu.model = Some(CpuModel {
                fallback: attr(m, "fallback"),
                name,
            });
        }
    }
    cpu.vendor = child_text_nonempty(c, "vendor");
    if let Some(t) = child(c, "topology") {
        let get = |n: &str| -> Result<u32> {
            uint_attr(t, n)?
                .ok_or_else(|| ConfError::Xml(format!("Missing '{n}' attribute in CPU topology")))
        };
        cpu.topology = Some(Topology {
            sockets: get("sockets")?,
            dies: uint_attr(t, "dies")?.unwrap_or(1),
            cores: get("cores")?,
            threads: get("threads")?,
        });
    }
    for f in children(c, "feature") {
        let name =
            attr(f, "name").ok_or_else(|| ConfError::Xml("missing CPU feature name".into()))?;
        let policy = match f.attribute("policy") {
            None => "require".to_owned(),
            Some(p @ ("force" | "require" | "optional" | "disable" | "forbid")) => p.to_owned(),
            Some(p) => {
                return Err(ConfError::Xml(format!("Invalid CPU feature policy '{p}'")));
            }
        };
        if cpu.features.iter().any(|(_, n)| *n == name) {
            return Err(ConfError::Internal(format!(
                "CPU feature '{name}' specified more than once"
            )));
        }
        cpu.features.push((policy, name));
    }
    if let Some(c) = child(c, "cache") {
        let mode = match c.attribute("mode") {
            Some(m @ ("emulate" | "passthrough" | "disable")) => m.to_owned(),
            Some(m) => return Err(bad_attr(c, "mode", m)),
            None => {
                return Err(ConfError::XmlValue(
                    "Missing required attribute 'mode' in element 'cache'".into(),
                ))
            }
        };
        cpu.cache = Some((uint_attr(c, "level")?, mode));
    }
    if let Some(numa) = child(c, "numa") {
        for (i, cell) in numa.children().filter(|e| e.is_element()).enumerate() {
            if cell.tag_name().name() != "cell" {
                return Err(ConfError::NotImplemented(format!(
                    "<numa><{}>",
                    cell.tag_name().name()
                )));
            }
            if cell.children().any(|e| e.is_element()) {
                return Err(ConfError::NotImplemented("<numa><cell> children".into()));
            }
            let id = uint_attr(cell, "id")?.unwrap_or(u32::try_from(i).unwrap_or(u32::MAX));
            if usize::try_from(id).ok() != Some(i) {
                return Err(ConfError::Xml(
                    "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed".into(),
                ));
            }
            let cpus = match cell.attribute("cpus") {
                None | Some("") => None,
                Some(s) => Some(parse_cpuset(s)?),
            };
            let mem_access = match cell.attribute("memAccess") {
                None => None,
                Some(m @ ("shared" | "private")) => Some(m.to_owned()),
                Some(m) => {
                    return Err(ConfError::Xml(format!(
                        "Invalid 'memAccess' attribute value '{m}'"
                    )))
                }
            };
            let memory = cell.attribute("memory").unwrap_or("");
            let value = parse_u64(memory).ok_or_else(|| {
                ConfError::XmlValue(format!(
                    "Invalid value '{memory}' for element or attribute './@memory'"
                ))
            })?;
            let unit = cell.attribute("unit").unwrap_or("KiB");
            let scale = unit_scale(unit)
                .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
            let bytes = value
                .checked_mul(scale)
                .filter(|b| *b <= i64::MAX as u64)
                .ok_or_else(|| ConfError::Overflow(format!("value too large: {memory}{unit}")))?;
            cpu.numa.push(NumaCell {
                id,
                cpus,
                memory_kib: bytes.div_ceil(1024),
                mem_access,
                discard: yes_no(cell, "discard")?,
            });
        }
    }
    for unsupported in ["maxphysaddr"] {
        if child(c, unsupported).is_some() {
            return Err(ConfError::NotImplemented(format!("<cpu><{unsupported}>")));
        }
    }
    Ok(cpu)
}

pub(super) fn format_cpu(w: &mut Writer, cpu: &Cpu) {
    let mut a = Vec::new();
    if let Some(m) = &cpu.mode {
        a.push(("mode", m.clone()));
    }
    if let Some(m) = &cpu.match_ {
        a.push(("match", m.clone()));
    }
    if let Some(c) = &cpu.check {
        a.push(("check", c.clone()));
    }
    if let Some(m) = cpu.migratable {
        a.push(("migratable", fmt_on_off(m)));
    }
    w.child("cpu", &a, |w| {
        if let Some(m) = &cpu.model {
            let mut a = Vec::new();
            if let Some(f) = &m.fallback {
                a.push(("fallback", f.clone()));
            }
            w.text("model", &a, &m.name);
        }
        if let Some(v) = &cpu.vendor {
            w.text("vendor", &[], v);
        }
        if let Some(t) = &cpu.topology {
            w.empty(
                "topology",
                &[
                    ("sockets", t.sockets.to_string()),
                    ("dies", t.dies.to_string()),
                    ("cores", t.cores.to_string()),
                    ("threads", t.threads.to_string()),
                ],
            );
        }
        if let Some((level, mode)) = &cpu.cache {
            let mut a = Vec::new();
            if let Some(l) = level {
                a.push(("level", l.to_string()));
            }
            a.push(("mode", mode.clone()));
            w.empty("cache", &a);
        }
        for (policy, name) in &cpu.features {
            w.empty(
                "feature",
                &[("policy", policy.clone()), ("name", name.clone())],
            );
        }
        if !cpu.numa.is_empty() {
            w.open("numa", &[]);
            for c in &cpu.numa {
                let mut a = vec![("id", c.id.to_string())];
                if let Some(cpus) = &c.cpus {
                    a.push(("cpus", format_cpuset(cpus)));
                }
                a.push(("memory", c.memory_kib.to_string()));
                a.push(("unit", "KiB".into()));
                if let Some(m) = &c.mem_access {
                    a.push(("memAccess", m.clone()));
                }
                if let Some(d) = c.discard {
                    a.push(("discard", fmt_yes_no(d)));
                }
                w.empty("cell", &a);
            }
            w.close("numa");
        }
    });
}

pub(super) fn cpu_defaults(def: &mut Domain, caps: &QemuCaps) -> Result<()> {
    let virt = def.virt_type.clone();
    let cpu = def.cpu.get_or_insert_with(Cpu::default);
    let mode = cpu.mode.get_or_insert_with(|| "custom".into()).clone();
    match mode.as_str() {
        "custom" => {
            if cpu.model.is_none() {
                cpu.model = Some(CpuModel {
                    fallback: Some("forbid".into()),
                    name: caps.default_cpu_model.clone(),
                });
                cpu.check.get_or_insert_with(|| "none".into());
            }
            cpu.match_.get_or_insert_with(|| "exact".into());
            if let Some(m) = &mut cpu.model {
                m.fallback.get_or_insert_with(|| "allow".into());
            }
            cpu.check.get_or_insert_with(|| {
                if virt == VirtType::Kvm {
                    "partial".into()
                } else {
                    "none".into()
                }
            });
        }
        "host-passthrough" => {
            cpu.check.get_or_insert_with(|| "none".into());
            cpu.migratable.get_or_insert(true);
        }
        "maximum" => {
            cpu.check.get_or_insert_with(|| "none".into());
        }
        _ => {
            cpu.check.get_or_insert_with(|| "partial".into());
        }
    }
    if let Some(t) = cpu.topology {
        let total =
            u64::from(t.sockets) * u64::from(t.dies) * u64::from(t.cores) * u64::from(t.threads);
        if total != u64::from(def.vcpu.count) {
            return Err(ConfError::qemu_unsupported(
                "CPU topology doesn't match maximum vcpu count",
            ));
        }
    }
    Ok(())
}
