//! `CONNECT_GET_CAPABILITIES`: the host and guest capabilities XML, laid out as libvirt
//! 9.0's QEMU driver writes it. A pure function of the host facts and the probed emulators.

use std::fmt::Write as _;

use oxvirt_conf::xml::escape;
use oxvirt_host::HostCaps;

use crate::cpu_map;
use crate::probe::{Machine, ProbedQemu};

/// Host facts that do not come from [`HostCaps`].
#[derive(Debug, Clone)]
pub struct HostExtra<'a> {
    pub uuid: &'a str,
    /// libvirt's host architecture name (`x86_64`).
    pub arch: &'a str,
    /// sockets, dies, cores, threads (`NODE_GET_INFO`'s topology).
    pub topology: (u32, u32, u32, u32),
    /// uid and gid QEMU runs as for the DAC security model.
    pub dac: (u32, u32),
}

/// libvirt's architecture name for QEMU's target name.
pub fn libvirt_arch(qemu_arch: &str) -> &str {
    match qemu_arch {
        "i386" => "i686",
        "arm" => "armv7l",
        "ppc64" => "ppc64",
        other => other,
    }
}

/// libvirt's architecture names in its `virArch` order (guests are listed in it).
pub fn arches() -> &'static [&'static str] {
    oxvirt_host::ARCH_NAMES.get(1..).unwrap_or_default()
}

/// Whether libvirt knows an architecture of this name.
pub fn is_arch_name(arch: &str) -> bool {
    arches().contains(&arch)
}

/// Position of an architecture in libvirt's order.
pub fn arch_rank(arch: &str) -> usize {
    arches()
        .iter()
        .position(|a| *a == arch)
        .unwrap_or(arches().len())
}

fn word_size(arch: &str) -> u32 {
    match arch {
        "i686" | "armv6l" | "armv7l" | "armv7b" | "ppc" | "ppcle" | "riscv32" | "s390"
        | "sparc" | "mips" | "mipsel" | "m68k" => 32,
        _ => 64,
    }
}

/// Machines in libvirt's order: the default first, then QEMU's order; `none` left out.
pub fn ordered_machines(p: &ProbedQemu) -> Vec<&Machine> {
    let mut v: Vec<&Machine> = p.machines.iter().filter(|m| m.name != "none").collect();
    if let Some(i) = v.iter().position(|m| m.is_default) {
        let d = v.remove(i);
        v.insert(0, d);
    }
    v
}

fn host_cpu(out: &mut String, h: &HostCaps, x: &HostExtra<'_>) {
    let c = &h.cpu;
    out.push_str("    <cpu>\n");
    let _ = writeln!(out, "      <arch>{}</arch>", escape(x.arch));
    if matches!(x.arch, "x86_64" | "i686") {
        let _ = writeln!(out, "      <model>{}</model>", cpu_map::HOST_BASE_MODEL);
        if let Some(v) = cpu_map::vendor_name(&c.vendor_id) {
            let _ = writeln!(out, "      <vendor>{v}</vendor>");
        }
        if let Some(m) = c.microcode {
            let _ = writeln!(out, "      <microcode version='{m}'/>");
        }
        if let (Some(f), Some(m), Some(s)) = (c.family, c.model, c.stepping) {
            let _ = writeln!(
                out,
                "      <signature family='{f}' model='{m}' stepping='{s}'/>"
            );
        }
        let has = |f: &str| c.flags.iter().any(|x| x == f);
        if let Some(hz) = c.hz.filter(|_| has("constant_tsc") && has("nonstop_tsc")) {
            let scaling = if has("tsc_scale") { "yes" } else { "no" };
            let _ = writeln!(
                out,
                "      <counter name='tsc' frequency='{hz}' scaling='{scaling}'/>"
            );
        }
    }
    let (s, d, co, t) = x.topology;
    let _ = writeln!(
        out,
        "      <topology sockets='{s}' dies='{d}' cores='{co}' threads='{t}'/>"
    );
    if let Some(bits) = c.phys_bits {
        let _ = writeln!(out, "      <maxphysaddr mode='emulate' bits='{bits}'/>");
    }
    if matches!(x.arch, "x86_64" | "i686") {
        for f in cpu_map::host_extra_features(&c.flags) {
            let _ = writeln!(out, "      <feature name='{f}'/>");
        }
    }
    for p in &h.page_sizes {
        let _ = writeln!(out, "      <pages unit='KiB' size='{p}'/>");
    }
    out.push_str("    </cpu>\n");
}

fn topology(out: &mut String, h: &HostCaps) {
    out.push_str("    <topology>\n");
    let _ = writeln!(out, "      <cells num='{}'>", h.cells.len());
    for cell in &h.cells {
        let _ = writeln!(out, "        <cell id='{}'>", cell.id);
        let _ = writeln!(
            out,
            "          <memory unit='KiB'>{}</memory>",
            cell.memory_kib
        );
        for (size, n) in &cell.pages {
            let _ = writeln!(out, "          <pages unit='KiB' size='{size}'>{n}</pages>");
        }
        if !cell.distances.is_empty() {
            out.push_str("          <distances>\n");
            for (id, v) in &cell.distances {
                let _ = writeln!(out, "            <sibling id='{id}' value='{v}'/>");
            }
            out.push_str("          </distances>\n");
        }
        let _ = writeln!(out, "          <cpus num='{}'>", cell.cpus.len());
        for c in &cell.cpus {
            let _ = writeln!(
                out,
                "            <cpu id='{}' socket_id='{}' die_id='{}' core_id='{}' siblings='{}'/>",
                c.id,
                c.socket_id,
                c.die_id,
                c.core_id,
                escape(&c.siblings)
            );
        }
        out.push_str("          </cpus>\n");
        out.push_str("        </cell>\n");
    }
    out.push_str("      </cells>\n");
    out.push_str("    </topology>\n");
}

fn cache(out: &mut String, h: &HostCaps) {
    if h.caches.is_empty() {
        return;
    }
    out.push_str("    <cache>\n");
    for b in &h.caches {
        // libvirt prints the size in the largest unit that divides it
        let (size, unit) = if b.size_kib % (1024 * 1024) == 0 && b.size_kib > 0 {
            (b.size_kib / (1024 * 1024), "GiB")
        } else if b.size_kib % 1024 == 0 && b.size_kib > 0 {
            (b.size_kib / 1024, "MiB")
        } else {
            (b.size_kib, "KiB")
        };
        let _ = writeln!(
            out,
            "      <bank id='{}' level='{}' type='{}' size='{size}' unit='{unit}' cpus='{}'/>",
            b.id,
            b.level,
            b.kind,
            escape(&b.cpus)
        );
    }
    out.push_str("    </cache>\n");
}

fn guest(out: &mut String, p: &ProbedQemu, host_arch: &str) {
    let arch = libvirt_arch(&p.arch);
    out.push_str("  <guest>\n");
    out.push_str("    <os_type>hvm</os_type>\n");
    let _ = writeln!(out, "    <arch name='{}'>", escape(arch));
    let _ = writeln!(out, "      <wordsize>{}</wordsize>", word_size(arch));
    let _ = writeln!(
        out,
        "      <emulator>{}</emulator>",
        escape(&p.binary.display().to_string())
    );
    for m in ordered_machines(p) {
        let dep = if m.deprecated {
            " deprecated='yes'"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "      <machine maxCpus='{}'{dep}>{}</machine>",
            m.cpu_max,
            escape(&m.name)
        );
        if let Some(a) = &m.alias {
            let _ = writeln!(
                out,
                "      <machine canonical='{}' maxCpus='{}'{dep}>{}</machine>",
                escape(&m.name),
                m.cpu_max,
                escape(a)
            );
        }
    }
    out.push_str("      <domain type='qemu'/>\n");
    if kvm_usable(p, host_arch) {
        out.push_str("      <domain type='kvm'/>\n");
    }
    out.push_str("    </arch>\n");
    out.push_str("    <features>\n");
    if arch == "i686" {
        out.push_str("      <pae/>\n      <nonpae/>\n");
    }
    if matches!(arch, "i686" | "x86_64") {
        out.push_str("      <acpi default='on' toggle='yes'/>\n");
        out.push_str("      <apic default='on' toggle='no'/>\n");
    }
    out.push_str("      <cpuselection/>\n");
    out.push_str("      <deviceboot/>\n");
    out.push_str("      <disksnapshot default='on' toggle='no'/>\n");
    out.push_str("    </features>\n");
    out.push_str("  </guest>\n");
}

/// Whether KVM can run guests of this emulator's architecture on this host.
pub fn kvm_usable(p: &ProbedQemu, host_arch: &str) -> bool {
    let arch = libvirt_arch(&p.arch);
    p.kvm_present && (arch == host_arch || (host_arch == "x86_64" && arch == "i686"))
}

/// The capabilities XML. `guests` are the probed emulators, one per architecture.
pub fn capabilities_xml(h: &HostCaps, x: &HostExtra<'_>, guests: &[&ProbedQemu]) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<capabilities>\n\n  <host>\n");
    let _ = writeln!(out, "    <uuid>{}</uuid>", escape(x.uuid));
    host_cpu(&mut out, h, x);
    out.push_str("    <power_management/>\n");
    let _ = writeln!(
        out,
        "    <iommu support='{}'/>",
        if h.iommu { "yes" } else { "no" }
    );
    out.push_str(
        "    <migration_features>\n      <live/>\n      <uri_transports>\n        \
         <uri_transport>tcp</uri_transport>\n        <uri_transport>rdma</uri_transport>\n      \
         </uri_transports>\n    </migration_features>\n",
    );
    topology(&mut out, h);
    cache(&mut out, h);
    out.push_str(
        "    <secmodel>\n      <model>none</model>\n      <doi>0</doi>\n    </secmodel>\n",
    );
    let (uid, gid) = x.dac;
    let _ = write!(
        out,
        "    <secmodel>\n      <model>dac</model>\n      <doi>0</doi>\n      \
         <baselabel type='kvm'>+{uid}:+{gid}</baselabel>\n      \
         <baselabel type='qemu'>+{uid}:+{gid}</baselabel>\n    </secmodel>\n"
    );
    out.push_str("  </host>\n\n");
    let mut guests: Vec<&ProbedQemu> = guests.to_vec();
    guests.sort_by_key(|p| arch_rank(libvirt_arch(&p.arch)));
    for p in guests {
        guest(&mut out, p, x.arch);
        out.push('\n');
    }
    out.push_str("</capabilities>\n");
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::probe::CpuModel;
    use oxvirt_host::{CacheBank, Cell, CellCpu, CpuInfo};

    pub(crate) fn machine(name: &str, alias: Option<&str>, default: bool, max: u32) -> Machine {
        Machine {
            name: name.into(),
            alias: alias.map(str::to_owned),
            is_default: default,
            cpu_max: max,
            deprecated: false,
            default_cpu: Some("qemu64".into()),
        }
    }

    pub(crate) fn probed(arch: &str, binary: &str) -> ProbedQemu {
        let cpu = |n: &str, u: &[&str]| CpuModel {
            name: n.into(),
            unavailable_features: u.iter().map(|s| s.to_string()).collect(),
            deprecated: false,
        };
        ProbedQemu {
            binary: binary.into(),
            version: 7_002_000,
            package: String::new(),
            arch: arch.into(),
            machines: vec![
                machine("pc-q35-7.2", Some("q35"), false, 288),
                machine("none", None, false, 1),
                machine("pc-i440fx-7.2", Some("pc"), true, 255),
                machine("isapc", None, false, 1),
            ],
            cpu_models: vec![
                cpu("qemu64", &["svm"]),
                cpu("qemu64-v1", &[]),
                cpu("EPYC", &["x"]),
            ],
            devices: [
                "VGA",
                "virtio-blk-pci",
                "ich9-ahci",
                "usb-storage",
                "piix3-ide",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            kvm_present: true,
            tcg_cpu_models: vec![cpu("qemu64", &[]), cpu("EPYC", &["x"]), cpu("486", &[])],
            commands: vec!["query-spice".into(), "query-vnc".into()],
            tpm_models: vec!["tpm-tis".into(), "tpm-crb".into()],
            tpm_types: vec!["passthrough".into(), "emulator".into()],
            kvm_host_props: vec!["fpu".into(), "lahf-lm".into(), "vme".into()],
            tcg_max_props: Vec::new(),
            tcg_max_vendor: None,
            tcg_max_signature: None,
            tcg_model_defs: Vec::new(),
        }
    }

    #[test]
    fn capabilities_layout() {
        let h = HostCaps {
            cpu: CpuInfo {
                vendor_id: "AuthenticAMD".into(),
                family: Some(25),
                model: Some(17),
                stepping: Some(1),
                microcode: Some(16777317),
                flags: ["fpu", "vme", "constant_tsc", "nonstop_tsc"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                hz: Some(2_596_128_000),
                phys_bits: Some(48),
            },
            page_sizes: vec![4, 2048],
            cells: vec![Cell {
                id: 0,
                memory_kib: 1000,
                pages: vec![(4, 250), (2048, 0)],
                distances: vec![(0, 10)],
                cpus: vec![CellCpu {
                    id: 0,
                    socket_id: 0,
                    die_id: 0,
                    core_id: 0,
                    siblings: "0".into(),
                }],
            }],
            caches: vec![CacheBank {
                id: 0,
                level: 3,
                kind: "both".into(),
                size_kib: 32768,
                cpus: "0".into(),
            }],
            iommu: false,
        };
        let x = HostExtra {
            uuid: "88562356-874c-4741-a7ac-121da963633f",
            arch: "x86_64",
            topology: (1, 1, 1, 1),
            dac: (64055, 64055),
        };
        let a = probed("x86_64", "/usr/bin/qemu-system-x86_64");
        let b = probed("i386", "/usr/bin/qemu-system-i386");
        let xml = capabilities_xml(&h, &x, &[&a, &b]);
        assert!(xml.starts_with("<capabilities>\n\n  <host>\n    <uuid>88562356-"));
        assert!(xml.contains(
            "      <model>kvm64</model>\n      <vendor>AMD</vendor>\n      \
             <microcode version='16777317'/>\n"
        ));
        assert!(xml.contains("<counter name='tsc' frequency='2596128000' scaling='no'/>"));
        assert!(xml.contains("      <feature name='vme'/>\n      <feature name='invtsc'/>\n"));
        assert!(xml.contains("<bank id='0' level='3' type='both' size='32' unit='MiB' cpus='0'/>"));
        // i686 first, default machine first, alias after its machine, no `none`
        let i686 = xml.find("<arch name='i686'>").unwrap();
        let x86 = xml.find("<arch name='x86_64'>").unwrap();
        assert!(i686 < x86);
        assert!(xml.contains(
            "      <machine maxCpus='255'>pc-i440fx-7.2</machine>\n      \
             <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n      \
             <machine maxCpus='288'>pc-q35-7.2</machine>\n      \
             <machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>\n      \
             <machine maxCpus='1'>isapc</machine>\n      <domain type='qemu'/>\n      \
             <domain type='kvm'/>\n"
        ));
        assert!(!xml.contains(">none</machine>"));
        assert!(xml.ends_with("  </guest>\n\n</capabilities>\n"));
    }
}
