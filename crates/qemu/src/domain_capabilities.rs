//! `CONNECT_GET_DOMAIN_CAPABILITIES`: what a domain of one emulator, machine type and
//! virtualization type can use, laid out as libvirt 9.0 writes it. The emulator is chosen
//! and the arguments checked by [`select`]; [`domain_capabilities_xml`] is a pure function.

use std::fmt::Write as _;

use oxvirt_conf::xml::escape;
use oxvirt_host::CpuInfo;

use crate::capabilities::{is_arch_name, kvm_usable, libvirt_arch};
use crate::cpu_map;
use crate::firmware::Firmware;
use crate::probe::{CpuModel, Machine, ProbedQemu};
use crate::QemuError;

/// The virtualization type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtType {
    Qemu,
    Kvm,
}

impl VirtType {
    fn name(self) -> &'static str {
        match self {
            VirtType::Qemu => "qemu",
            VirtType::Kvm => "kvm",
        }
    }
}

/// libvirt's domain types (`virDomainVirtType`), for the "unknown virttype" check.
const VIRT_TYPES: &[&str] = &[
    "none",
    "qemu",
    "kqemu",
    "kvm",
    "xen",
    "lxc",
    "uml",
    "openvz",
    "test",
    "vmware",
    "hyperv",
    "vbox",
    "phyp",
    "parallels",
    "bhyve",
    "vz",
    "hvf",
];

/// What [`select`] chose.
#[derive(Debug, Clone)]
pub struct Selected<'a> {
    pub emulator: &'a ProbedQemu,
    pub machine: &'a Machine,
    pub virt: VirtType,
    /// libvirt's name of the guest architecture (an x86_64 emulator also serves i686).
    pub arch: String,
}

/// The emulator, machine and virtualization type the arguments ask for, with libvirt's
/// errors (`virQEMUCapsCacheLookupDefault` and `qemuConnectGetDomainCapabilities`).
pub fn select<'a>(
    emulators: &'a [ProbedQemu],
    host_arch: &str,
    emulatorbin: Option<&str>,
    arch: Option<&str>,
    machine: Option<&str>,
    virttype: Option<&str>,
) -> Result<Selected<'a>, QemuError> {
    let virt = match virttype {
        None => None,
        Some(v) if VIRT_TYPES.contains(&v) => Some(v),
        Some(v) => return Err(QemuError::InvalidArg(format!("unknown virttype: {v}"))),
    };
    let arch = match arch {
        None => None,
        Some(a) if is_arch_name(a) => Some(a),
        Some(a) => return Err(QemuError::InvalidArg(format!("unknown architecture: {a}"))),
    };
    let p = match emulatorbin {
        Some(bin) => {
            let p = emulators
                .iter()
                .find(|p| p.binary.as_os_str() == bin)
                .ok_or_else(|| {
                    QemuError::Vir(oxvirt_proto::VirError::new(
                        oxvirt_proto::vir_error::code::SYSTEM_ERROR,
                        oxvirt_proto::vir_error::domain::QEMU,
                        format!("Cannot check QEMU binary {bin}: No such file or directory"),
                    ))
                })?;
            let own = libvirt_arch(&p.arch);
            if let Some(a) = arch {
                // an x86_64 QEMU also runs i686 guests
                if a != own && !(own == "x86_64" && a == "i686") {
                    return Err(QemuError::InvalidArg(format!(
                        "Emulator '{bin}' does not support arch '{a}'"
                    )));
                }
            } else if own != host_arch {
                return Err(QemuError::InvalidArg(format!(
                    "Emulator '{bin}' does not support arch '{host_arch}'"
                )));
            }
            p
        }
        None => {
            let a = arch.unwrap_or(host_arch);
            emulators
                .iter()
                .find(|p| libvirt_arch(&p.arch) == a)
                .ok_or_else(|| {
                    QemuError::ConfigUnsupported(format!(
                        "unable to find any emulator to serve '{a}' architecture"
                    ))
                })?
        }
    };
    let kvm = kvm_usable(p, host_arch);
    let virt = match virt {
        None if kvm => VirtType::Kvm,
        None => VirtType::Qemu,
        Some("qemu") => VirtType::Qemu,
        Some("kvm") if kvm => VirtType::Kvm,
        Some(v) => {
            return Err(QemuError::InvalidArg(format!(
                "Emulator '{}' does not support virt type '{v}'",
                p.binary.display()
            )))
        }
    };
    // libvirt does not list QEMU's `none` machine
    let m = match machine {
        None => p.default_machine(),
        Some(name) => p.canonical_machine(name),
    }
    .filter(|m| m.name != "none");
    let m = m.ok_or_else(|| {
        QemuError::InvalidArg(format!(
            "the machine '{}' is not supported by emulator '{}'",
            machine.unwrap_or(""),
            p.binary.display()
        ))
    })?;
    Ok(Selected {
        emulator: p,
        machine: m,
        virt,
        arch: arch.unwrap_or_else(|| libvirt_arch(&p.arch)).to_owned(),
    })
}

/// Inputs besides the emulator.
#[derive(Debug, Clone)]
pub struct DomcapsInput<'a> {
    pub firmware: &'a [Firmware],
    pub host_cpu: &'a CpuInfo,
    /// `KVM_CAP_MAX_VCPUS`, when known.
    pub kvm_max_vcpus: Option<u32>,
    /// Whether the host can pass PCI devices with VFIO (it has IOMMU groups).
    pub vfio: bool,
    /// Whether `swtpm` is installed: libvirt offers the emulated TPM backends (and their
    /// versions) only then.
    pub swtpm: bool,
}

/// Machines with a built-in IDE controller (libvirt: i440FX, malta, sun4u, g3beige).
fn has_builtin_ide(m: &str) -> bool {
    m == "pc"
        || m.starts_with("pc-0.")
        || m.starts_with("pc-1.")
        || m.starts_with("pc-i440fx-")
        || m.starts_with("rhel")
        || matches!(m, "malta" | "sun4u" | "g3beige")
}

fn enum_values(out: &mut String, indent: usize, name: &str, values: &[&str]) {
    let pad = " ".repeat(indent);
    if values.is_empty() {
        let _ = writeln!(out, "{pad}<enum name='{name}'/>");
        return;
    }
    let _ = writeln!(out, "{pad}<enum name='{name}'>");
    for v in values {
        let _ = writeln!(out, "{pad}  <value>{}</value>", escape(v));
    }
    let _ = writeln!(out, "{pad}</enum>");
}

fn os(out: &mut String, p: &ProbedQemu, arch: &str, m: &Machine, input: &DomcapsInput<'_>) {
    // descriptors name QEMU's targets
    let target = if arch == "i686" { "i386" } else { arch };
    let fws: Vec<&Firmware> = input
        .firmware
        .iter()
        .filter(|f| f.serves(target, &m.name))
        .collect();
    let mut loaders: Vec<&str> = fws.iter().map(|f| f.executable.as_str()).collect();
    let efi = fws.iter().any(|f| f.uefi);
    if fws.is_empty() && matches!(p.arch.as_str(), "x86_64" | "i386") {
        // without descriptors libvirt offers its built-in OVMF paths
        loaders = vec![
            "/usr/share/OVMF/OVMF_CODE.fd",
            "/usr/share/OVMF/OVMF_CODE.secboot.fd",
        ];
    }
    // in descriptor priority order, each once
    let mut seen = Vec::new();
    loaders.retain(|l| {
        let new = !seen.contains(l);
        seen.push(*l);
        new
    });
    out.push_str("  <os supported='yes'>\n");
    enum_values(out, 4, "firmware", if efi { &["efi"] } else { &[] });
    out.push_str("    <loader supported='yes'>\n");
    for l in &loaders {
        let _ = writeln!(out, "      <value>{}</value>", escape(l));
    }
    enum_values(out, 6, "type", &["rom", "pflash"]);
    enum_values(out, 6, "readonly", &["yes", "no"]);
    let secure: &[&str] = if fws.iter().any(|f| f.secure_boot) {
        &["yes", "no"]
    } else {
        &["no"]
    };
    enum_values(out, 6, "secure", secure);
    out.push_str("    </loader>\n");
    out.push_str("  </os>\n");
}

fn custom_models(models: &[CpuModel]) -> Vec<(&str, bool, &'static str)> {
    let mut v: Vec<(&str, bool, &'static str)> = models
        .iter()
        .filter_map(|c| {
            let vendor = cpu_map::model_vendor(&c.name)?;
            Some((c.name.as_str(), c.unavailable_features.is_empty(), vendor))
        })
        .collect();
    v.sort_by(|a, b| b.0.cmp(a.0));
    v.dedup_by(|a, b| a.0 == b.0);
    v
}

fn cpu(out: &mut String, p: &ProbedQemu, virt: VirtType, input: &DomcapsInput<'_>) {
    out.push_str("  <cpu>\n");
    if virt == VirtType::Kvm {
        out.push_str("    <mode name='host-passthrough' supported='yes'>\n");
        enum_values(out, 6, "hostPassthroughMigratable", &["on", "off"]);
        out.push_str("    </mode>\n");
    } else {
        out.push_str("    <mode name='host-passthrough' supported='no'/>\n");
    }
    out.push_str("    <mode name='maximum' supported='yes'>\n");
    enum_values(out, 6, "maximumMigratable", &["on", "off"]);
    out.push_str("    </mode>\n");
    let x86 = matches!(p.arch.as_str(), "x86_64" | "i386");
    let c = input.host_cpu;
    // QEMU's max (TCG) or host (KVM) CPU decoded against libvirt's models
    let decoded = match virt {
        _ if !x86 => None,
        VirtType::Qemu => crate::cpu_models::tcg_host_model(p),
        VirtType::Kvm => crate::cpu_models::kvm_host_model(p, c),
    };
    if let Some(d) = decoded {
        out.push_str("    <mode name='host-model' supported='yes'>\n");
        let _ = writeln!(out, "      <model fallback='forbid'>{}</model>", d.model);
        if let Some(v) = d.vendor {
            let _ = writeln!(out, "      <vendor>{v}</vendor>");
        }
        for f in d.require {
            let _ = writeln!(out, "      <feature policy='require' name='{f}'/>");
        }
        for f in d.disable {
            let _ = writeln!(out, "      <feature policy='disable' name='{f}'/>");
        }
        out.push_str("    </mode>\n");
    } else {
        host_model_from_base(out, p, virt, x86, c);
    }
    let models = match virt {
        VirtType::Kvm => &p.cpu_models,
        VirtType::Qemu => &p.tcg_cpu_models,
    };
    let models = if x86 {
        custom_models(models)
    } else {
        Vec::new()
    };
    if models.is_empty() {
        out.push_str("    <mode name='custom' supported='no'/>\n");
    } else {
        out.push_str("    <mode name='custom' supported='yes'>\n");
        for (name, usable, vendor) in models {
            let _ = writeln!(
                out,
                "      <model usable='{}' vendor='{vendor}'>{}</model>",
                if usable { "yes" } else { "no" },
                escape(name)
            );
        }
        out.push_str("    </mode>\n");
    }
    out.push_str("  </cpu>\n");
}

/// The host-model CPU as the host's base model plus features (KVM, or a QEMU whose models
/// were not probed).
fn host_model_from_base(out: &mut String, p: &ProbedQemu, virt: VirtType, x86: bool, c: &CpuInfo) {
    match cpu_map::vendor_name(&c.vendor_id).filter(|_| x86) {
        Some(vendor) => {
            out.push_str("    <mode name='host-model' supported='yes'>\n");
            let _ = writeln!(
                out,
                "      <model fallback='forbid'>{}</model>",
                cpu_map::HOST_BASE_MODEL
            );
            let _ = writeln!(out, "      <vendor>{vendor}</vendor>");
            // (TCG has no invariant TSC, whatever the host has)
            let (props, flags): (&[String], &[String]) = match virt {
                VirtType::Kvm => (&p.kvm_host_props, &c.flags),
                VirtType::Qemu => (&p.tcg_max_props, &[]),
            };
            let (require, disable) = cpu_map::host_model_features(props, flags)
                .unwrap_or_else(|| (cpu_map::host_extra_features(&c.flags), Vec::new()));
            for f in require {
                let _ = writeln!(out, "      <feature policy='require' name='{f}'/>");
            }
            for f in disable {
                let _ = writeln!(out, "      <feature policy='disable' name='{f}'/>");
            }
            out.push_str("    </mode>\n");
        }
        None => out.push_str("    <mode name='host-model' supported='no'/>\n"),
    }
}

/// `<devices><disk>`: the disk devices, buses and models QEMU offers.
fn disk(out: &mut String, p: &ProbedQemu, m: &Machine) {
    let has = |d: &str| p.has_device(d);
    out.push_str("    <disk supported='yes'>\n");
    let mut dev = vec!["disk", "cdrom"];
    if has("isa-fdc") {
        dev.push("floppy");
    }
    dev.push("lun");
    enum_values(out, 6, "diskDevice", &dev);
    let mut bus = Vec::new();
    if has_builtin_ide(&m.name) {
        bus.push("ide");
    }
    if has("isa-fdc") {
        bus.push("fdc");
    }
    if has("virtio-scsi-pci") || has("lsi53c895a") {
        bus.push("scsi");
    }
    if has("virtio-blk-pci") {
        bus.push("virtio");
    }
    if has("usb-storage") {
        bus.push("usb");
    }
    if has("ich9-ahci") {
        bus.push("sata");
    }
    enum_values(out, 6, "bus", &bus);
    let mut model = vec!["virtio"];
    if has("virtio-blk-pci-transitional") {
        model.extend(["virtio-transitional", "virtio-non-transitional"]);
    }
    enum_values(out, 6, "model", &model);
    out.push_str("    </disk>\n");
}

/// `<devices><tpm>`: the TPM models and backends (the emulator only with swtpm).
fn tpm(out: &mut String, p: &ProbedQemu, input: &DomcapsInput<'_>) {
    if !p.tpm_models.is_empty() {
        out.push_str("    <tpm supported='yes'>\n");
        let models: Vec<&str> = ["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"]
            .into_iter()
            .filter(|m| p.tpm_models.iter().any(|x| x == m))
            .collect();
        enum_values(out, 6, "model", &models);
        let mut back: Vec<&str> = ["passthrough", "emulator"]
            .into_iter()
            .filter(|b| p.tpm_types.iter().any(|x| x == b) && (*b != "emulator" || input.swtpm))
            .collect();
        if back.contains(&"emulator") {
            back.push("external");
        }
        enum_values(out, 6, "backendModel", &back);
        if input.swtpm {
            enum_values(out, 6, "backendVersion", &["1.2", "2.0"]);
        }
        out.push_str("    </tpm>\n");
    } else {
        out.push_str("    <tpm supported='no'/>\n");
    }
}

fn devices(out: &mut String, p: &ProbedQemu, m: &Machine, input: &DomcapsInput<'_>) {
    let has = |d: &str| p.has_device(d);
    out.push_str("  <devices>\n");

    disk(out, p, m);

    out.push_str("    <graphics supported='yes'>\n");
    let mut g = vec!["sdl"];
    if p.has_command("query-vnc") {
        g.push("vnc");
    }
    if p.has_command("query-spice") {
        g.push("spice");
    }
    g.extend(["egl-headless", "dbus"]);
    enum_values(out, 6, "type", &g);
    out.push_str("    </graphics>\n");

    out.push_str("    <video supported='yes'>\n");
    let mut v = Vec::new();
    for (model, dev) in [
        ("vga", "VGA"),
        ("cirrus", "cirrus-vga"),
        ("vmvga", "vmware-svga"),
        ("qxl", "qxl-vga"),
        ("virtio", "virtio-gpu-pci"),
    ] {
        if has(dev) {
            v.push(model);
        }
    }
    v.push("none");
    for (model, dev) in [("bochs", "bochs-display"), ("ramfb", "ramfb")] {
        if has(dev) {
            v.push(model);
        }
    }
    enum_values(out, 6, "modelType", &v);
    out.push_str("    </video>\n");

    out.push_str("    <hostdev supported='yes'>\n");
    enum_values(out, 6, "mode", &["subsystem"]);
    enum_values(
        out,
        6,
        "startupPolicy",
        &["default", "mandatory", "requisite", "optional"],
    );
    let mut sub = vec!["usb"];
    if has("vfio-pci") {
        sub.push("pci");
    }
    sub.push("scsi");
    enum_values(out, 6, "subsysType", &sub);
    enum_values(out, 6, "capsType", &[]);
    enum_values(
        out,
        6,
        "pciBackend",
        if input.vfio && has("vfio-pci") {
            &["vfio"]
        } else {
            &[]
        },
    );
    out.push_str("    </hostdev>\n");

    out.push_str("    <rng supported='yes'>\n");
    let mut rng = vec!["virtio"];
    if has("virtio-rng-pci-transitional") {
        rng.extend(["virtio-transitional", "virtio-non-transitional"]);
    }
    enum_values(out, 6, "model", &rng);
    enum_values(out, 6, "backendModel", &["random", "egd", "builtin"]);
    out.push_str("    </rng>\n");

    out.push_str("    <filesystem supported='yes'>\n");
    let mut fs = vec!["path", "handle"];
    if has("vhost-user-fs-pci") {
        fs.push("virtiofs");
    }
    enum_values(out, 6, "driverType", &fs);
    out.push_str("    </filesystem>\n");

    tpm(out, p, input);

    if has("usb-redir") {
        out.push_str("    <redirdev supported='yes'>\n");
        enum_values(out, 6, "bus", &["usb"]);
        out.push_str("    </redirdev>\n");
    } else {
        out.push_str("    <redirdev supported='no'/>\n");
    }

    out.push_str("    <channel supported='yes'>\n");
    let mut ch = vec!["pty", "unix"];
    if p.has_command("query-spice") {
        ch.push("spicevmc");
    }
    enum_values(out, 6, "type", &ch);
    out.push_str("    </channel>\n");
    out.push_str("  </devices>\n");
}

fn features(out: &mut String, p: &ProbedQemu) {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let x86 = matches!(p.arch.as_str(), "x86_64" | "i386");
    out.push_str("  <features>\n");
    out.push_str("    <gic supported='no'/>\n");
    let _ = writeln!(
        out,
        "    <vmcoreinfo supported='{}'/>",
        yn(p.has_device("vmcoreinfo"))
    );
    let _ = writeln!(
        out,
        "    <genid supported='{}'/>",
        yn(p.has_device("vmgenid"))
    );
    out.push_str("    <backingStoreInput supported='yes'/>\n");
    out.push_str("    <backup supported='yes'/>\n");
    out.push_str("    <sev supported='no'/>\n");
    out.push_str("    <sgx supported='no'/>\n");
    if x86 {
        out.push_str("    <hyperv supported='yes'>\n");
        enum_values(out, 6, "features", &["spinlocks", "vendor_id"]);
        out.push_str("    </hyperv>\n");
    } else {
        out.push_str("    <hyperv supported='no'/>\n");
    }
    out.push_str("  </features>\n");
}

/// The domain capabilities XML.
pub fn domain_capabilities_xml(
    p: &ProbedQemu,
    arch: &str,
    m: &Machine,
    virt: VirtType,
    input: &DomcapsInput<'_>,
) -> String {
    let mut out = String::with_capacity(8 * 1024);
    out.push_str("<domainCapabilities>\n");
    let _ = writeln!(
        out,
        "  <path>{}</path>",
        escape(&p.binary.display().to_string())
    );
    let _ = writeln!(out, "  <domain>{}</domain>", virt.name());
    let _ = writeln!(out, "  <machine>{}</machine>", escape(&m.name));
    let _ = writeln!(out, "  <arch>{}</arch>", escape(arch));
    let max = match (virt, input.kvm_max_vcpus) {
        (VirtType::Kvm, Some(k)) => m.cpu_max.min(k),
        _ => m.cpu_max,
    };
    let _ = writeln!(out, "  <vcpu max='{max}'/>");
    out.push_str("  <iothreads supported='yes'/>\n");
    os(&mut out, p, arch, m, input);
    cpu(&mut out, p, virt, input);
    out.push_str("  <memoryBacking supported='yes'>\n");
    enum_values(&mut out, 4, "sourceType", &["file", "anonymous", "memfd"]);
    out.push_str("  </memoryBacking>\n");
    devices(&mut out, p, m, input);
    features(&mut out, p);
    out.push_str("</domainCapabilities>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::tests::probed;

    fn fw(name: &str, exe: &str, machines: &[&str], secure: bool) -> Firmware {
        Firmware {
            name: name.into(),
            uefi: true,
            flash: true,
            executable: exe.into(),
            targets: vec![(
                "x86_64".into(),
                machines.iter().map(|s| s.to_string()).collect(),
            )],
            secure_boot: secure,
            nvram_template: None,
            requires_smm: secure,
            enrolled_keys: false,
        }
    }

    #[test]
    fn selection_and_errors() {
        let e = [
            probed("x86_64", "/usr/bin/qemu-system-x86_64"),
            probed("i386", "/usr/bin/qemu-system-i386"),
        ];
        let s = select(&e, "x86_64", None, None, None, None).unwrap();
        assert_eq!(
            (s.emulator.arch.as_str(), s.machine.name.as_str(), s.virt),
            ("x86_64", "pc-i440fx-7.2", VirtType::Kvm)
        );
        let s = select(&e, "x86_64", None, None, Some("q35"), Some("qemu")).unwrap();
        assert_eq!(
            (s.machine.name.as_str(), s.virt),
            ("pc-q35-7.2", VirtType::Qemu)
        );
        let s = select(&e, "x86_64", None, Some("i686"), None, None).unwrap();
        assert_eq!(
            (s.emulator.arch.as_str(), s.arch.as_str()),
            ("i386", "i686")
        );
        let bin = Some("/usr/bin/qemu-system-x86_64");
        let s = select(&e, "x86_64", bin, Some("i686"), None, None).unwrap();
        assert_eq!(
            (s.emulator.arch.as_str(), s.arch.as_str()),
            ("x86_64", "i686")
        );
        let err = |r: Result<_, QemuError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            err(select(&e, "x86_64", None, None, None, Some("foo"))),
            "unknown virttype: foo"
        );
        assert_eq!(
            err(select(&e, "x86_64", None, None, None, Some("xen"))),
            "Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'xen'"
        );
        assert_eq!(
            err(select(&e, "x86_64", None, Some("aarch64"), None, None)),
            "unable to find any emulator to serve 'aarch64' architecture"
        );
        assert_eq!(
            err(select(&e, "x86_64", None, None, Some("nosuch"), None)),
            "the machine 'nosuch' is not supported by emulator '/usr/bin/qemu-system-x86_64'"
        );
        assert_eq!(
            err(select(&e, "x86_64", None, None, Some("none"), None)),
            "the machine 'none' is not supported by emulator '/usr/bin/qemu-system-x86_64'"
        );
        assert_eq!(
            err(select(
                &e,
                "x86_64",
                Some("/usr/bin/qemu-system-i386"),
                None,
                None,
                None
            )),
            "Emulator '/usr/bin/qemu-system-i386' does not support arch 'x86_64'"
        );
        let mut nokvm = e.clone();
        nokvm[0].kvm_present = false;
        assert_eq!(
            err(select(&nokvm, "x86_64", None, None, None, Some("kvm"))),
            "Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'kvm'"
        );
    }

    #[test]
    fn domcaps_layout() {
        let p = probed("x86_64", "/usr/bin/qemu-system-x86_64");
        let fws = [
            fw("40.json", "/o/CODE.ms.fd", &["pc-q35-*"], true),
            fw("60.json", "/o/CODE.fd", &["pc-i440fx-*", "pc-q35-*"], false),
        ];
        let cpu = CpuInfo {
            vendor_id: "AuthenticAMD".into(),
            flags: vec!["fpu".into(), "vme".into()],
            ..CpuInfo::default()
        };
        let input = DomcapsInput {
            firmware: &fws,
            host_cpu: &cpu,
            kvm_max_vcpus: Some(1024),
            vfio: false,
            swtpm: false,
        };
        let pc = p.canonical_machine("pc").unwrap();
        let xml = domain_capabilities_xml(&p, "x86_64", pc, VirtType::Qemu, &input);
        // no swtpm: the passthrough backend only, no versions (virt-install then adds no
        // emulated TPM to UEFI guests)
        assert!(xml.contains(
            "<enum name='backendModel'>\n        <value>passthrough</value>\n      </enum>\n    </tpm>"
        ));
        let with = DomcapsInput {
            swtpm: true,
            ..input.clone()
        };
        let xml2 = domain_capabilities_xml(&p, "x86_64", pc, VirtType::Qemu, &with);
        assert!(xml2.contains("<value>emulator</value>\n        <value>external</value>"));
        assert!(xml2.contains("backendVersion"));
        assert!(xml.starts_with(
            "<domainCapabilities>\n  <path>/usr/bin/qemu-system-x86_64</path>\n  \
             <domain>qemu</domain>\n  <machine>pc-i440fx-7.2</machine>\n  <arch>x86_64</arch>\n  \
             <vcpu max='255'/>\n"
        ));
        assert!(xml.contains("    <loader supported='yes'>\n      <value>/o/CODE.fd</value>\n"));
        assert!(xml.contains("<enum name='secure'>\n        <value>no</value>\n      </enum>"));
        assert!(xml.contains("    <mode name='host-passthrough' supported='no'/>\n"));
        // TCG without expansion data: the host's features
        assert!(xml.contains("<feature policy='require' name='vme'/>"));
        // custom models: TCG's, known to libvirt, descending
        assert!(xml.contains(
            "      <model usable='yes' vendor='unknown'>qemu64</model>\n      \
             <model usable='no' vendor='AMD'>EPYC</model>\n      \
             <model usable='yes' vendor='unknown'>486</model>\n"
        ));
        assert!(xml.contains("<value>ide</value>"));
        let q35 = p.canonical_machine("q35").unwrap();
        let xml = domain_capabilities_xml(&p, "x86_64", q35, VirtType::Kvm, &input);
        assert!(xml.contains("<vcpu max='288'/>"));
        assert!(xml.contains("<value>/o/CODE.ms.fd</value>\n      <value>/o/CODE.fd</value>"));
        assert!(xml.contains("<value>yes</value>\n        <value>no</value>"));
        assert!(!xml.contains("<value>ide</value>"));
        assert!(xml.contains("<model usable='no' vendor='unknown'>qemu64</model>"));
        assert!(xml.contains("hostPassthroughMigratable"));
        // KVM: what QEMU's host CPU has beyond kvm64, and kvm64's features it lacks
        assert!(xml.contains(
            "      <vendor>AMD</vendor>\n      <feature policy='require' name='vme'/>\n      \
             <feature policy='require' name='lahf_lm'/>\n      \
             <feature policy='disable' name='de'/>\n"
        ));
        assert!(xml.ends_with("  </features>\n</domainCapabilities>\n"));
        // only i440FX machines have a built-in IDE bus
        let isapc = p.canonical_machine("isapc").unwrap();
        let xml = domain_capabilities_xml(&p, "x86_64", isapc, VirtType::Qemu, &input);
        assert!(!xml.contains("<value>ide</value>"));
    }
}
