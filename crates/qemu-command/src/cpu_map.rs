//! What the capabilities need from libvirt's x86 CPU map: the CPU model names libvirt knows
//! (in its order) with their vendors, the names libvirt gives CPUID features (in CPUID
//! order), and the features of the `kvm64` model used as the host CPU's base model.
//!
//! This is a compact table of facts (names and CPUID positions), not libvirt's decoder:
//! the host CPU is described as `kvm64` plus the host features it lacks, which is what
//! libvirt prints for CPUs it cannot match to a model (such as a virtual EPYC).

/// x86 CPU models libvirt 9.0 knows, in its order, with their vendor (`None`: no vendor).
pub const X86_MODELS: &[(&str, Option<&str>)] = &[
    ("486", None),
    ("pentium", None),
    ("pentium2", None),
    ("pentium3", None),
    ("pentiumpro", None),
    ("coreduo", Some("Intel")),
    ("n270", Some("Intel")),
    ("core2duo", Some("Intel")),
    ("qemu32", None),
    ("kvm32", None),
    ("cpu64-rhel5", None),
    ("cpu64-rhel6", None),
    ("qemu64", None),
    ("kvm64", None),
    ("Conroe", Some("Intel")),
    ("Penryn", Some("Intel")),
    ("Nehalem", Some("Intel")),
    ("Nehalem-IBRS", Some("Intel")),
    ("Westmere", Some("Intel")),
    ("Westmere-IBRS", Some("Intel")),
    ("SandyBridge", Some("Intel")),
    ("SandyBridge-IBRS", Some("Intel")),
    ("IvyBridge", Some("Intel")),
    ("IvyBridge-IBRS", Some("Intel")),
    ("Haswell-noTSX", Some("Intel")),
    ("Haswell-noTSX-IBRS", Some("Intel")),
    ("Haswell", Some("Intel")),
    ("Haswell-IBRS", Some("Intel")),
    ("Broadwell-noTSX", Some("Intel")),
    ("Broadwell-noTSX-IBRS", Some("Intel")),
    ("Broadwell", Some("Intel")),
    ("Broadwell-IBRS", Some("Intel")),
    ("Skylake-Client", Some("Intel")),
    ("Skylake-Client-IBRS", Some("Intel")),
    ("Skylake-Client-noTSX-IBRS", Some("Intel")),
    ("Skylake-Server", Some("Intel")),
    ("Skylake-Server-IBRS", Some("Intel")),
    ("Skylake-Server-noTSX-IBRS", Some("Intel")),
    ("Cascadelake-Server", Some("Intel")),
    ("Cascadelake-Server-noTSX", Some("Intel")),
    ("Icelake-Client", Some("Intel")),
    ("Icelake-Client-noTSX", Some("Intel")),
    ("Icelake-Server", Some("Intel")),
    ("Icelake-Server-noTSX", Some("Intel")),
    ("Cooperlake", Some("Intel")),
    ("Snowridge", Some("Intel")),
    ("athlon", Some("AMD")),
    ("phenom", Some("AMD")),
    ("Opteron_G1", Some("AMD")),
    ("Opteron_G2", Some("AMD")),
    ("Opteron_G3", Some("AMD")),
    ("Opteron_G4", Some("AMD")),
    ("Opteron_G5", Some("AMD")),
    ("EPYC", Some("AMD")),
    ("EPYC-IBPB", Some("AMD")),
    ("EPYC-Rome", Some("AMD")),
    ("EPYC-Milan", Some("AMD")),
    ("Dhyana", Some("Hygon")),
];

/// The vendor libvirt gives a model; `None` when libvirt does not know the model at all.
pub fn model_vendor(name: &str) -> Option<&'static str> {
    X86_MODELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.unwrap_or("unknown"))
}

/// libvirt's name for `vendor_id`.
pub fn vendor_name(vendor_id: &str) -> Option<&'static str> {
    match vendor_id {
        "GenuineIntel" => Some("Intel"),
        "AuthenticAMD" => Some("AMD"),
        "HygonGenuine" => Some("Hygon"),
        _ => None,
    }
}

/// CPUID features in libvirt's order: (Linux /proc/cpuinfo flag, libvirt name; `-`: a
/// feature not read from /proc/cpuinfo).
const FEATURES: &[(&str, &str)] = &[
    // CPUID 1 EDX
    ("fpu", "fpu"),
    ("vme", "vme"),
    ("de", "de"),
    ("pse", "pse"),
    ("tsc", "tsc"),
    ("msr", "msr"),
    ("pae", "pae"),
    ("mce", "mce"),
    ("cx8", "cx8"),
    ("apic", "apic"),
    ("sep", "sep"),
    ("mtrr", "mtrr"),
    ("pge", "pge"),
    ("mca", "mca"),
    ("cmov", "cmov"),
    ("pat", "pat"),
    ("pse36", "pse36"),
    ("pn", "pn"),
    ("clflush", "clflush"),
    ("dts", "ds"),
    ("acpi", "acpi"),
    ("mmx", "mmx"),
    ("fxsr", "fxsr"),
    ("sse", "sse"),
    ("sse2", "sse2"),
    ("ss", "ss"),
    ("ht", "ht"),
    ("tm", "tm"),
    ("ia64", "ia64"),
    ("pbe", "pbe"),
    // CPUID 1 ECX
    ("pni", "pni"),
    ("pclmulqdq", "pclmuldq"),
    ("dtes64", "dtes64"),
    ("monitor", "monitor"),
    ("ds_cpl", "ds_cpl"),
    ("vmx", "vmx"),
    ("smx", "smx"),
    ("est", "est"),
    ("tm2", "tm2"),
    ("ssse3", "ssse3"),
    ("cid", "cid"),
    ("fma", "fma"),
    ("cx16", "cx16"),
    ("xtpr", "xtpr"),
    ("pdcm", "pdcm"),
    ("pcid", "pcid"),
    ("dca", "dca"),
    ("sse4_1", "sse4.1"),
    ("sse4_2", "sse4.2"),
    ("x2apic", "x2apic"),
    ("movbe", "movbe"),
    ("popcnt", "popcnt"),
    ("tsc_deadline_timer", "tsc-deadline"),
    ("aes", "aes"),
    ("xsave", "xsave"),
    // Linux does not list OSXSAVE; it is set whenever the kernel enabled XSAVE
    ("xsave", "osxsave"),
    ("avx", "avx"),
    ("f16c", "f16c"),
    ("rdrand", "rdrand"),
    ("hypervisor", "hypervisor"),
    // CPUID 6 EAX
    ("arat", "arat"),
    // CPUID 7.0 EBX
    ("fsgsbase", "fsgsbase"),
    ("tsc_adjust", "tsc_adjust"),
    ("sgx", "sgx"),
    ("bmi1", "bmi1"),
    ("hle", "hle"),
    ("avx2", "avx2"),
    ("smep", "smep"),
    ("bmi2", "bmi2"),
    ("erms", "erms"),
    ("invpcid", "invpcid"),
    ("rtm", "rtm"),
    ("-", "cmt"),
    ("mpx", "mpx"),
    ("avx512f", "avx512f"),
    ("avx512dq", "avx512dq"),
    ("rdseed", "rdseed"),
    ("adx", "adx"),
    ("smap", "smap"),
    ("avx512ifma", "avx512ifma"),
    ("pcommit", "pcommit"),
    ("clflushopt", "clflushopt"),
    ("clwb", "clwb"),
    ("intel_pt", "intel-pt"),
    ("avx512pf", "avx512pf"),
    ("avx512er", "avx512er"),
    ("avx512cd", "avx512cd"),
    ("sha_ni", "sha-ni"),
    ("avx512bw", "avx512bw"),
    ("avx512vl", "avx512vl"),
    // CPUID 7.0 ECX
    ("avx512vbmi", "avx512vbmi"),
    ("umip", "umip"),
    ("pku", "pku"),
    ("ospke", "ospke"),
    ("waitpkg", "waitpkg"),
    ("avx512_vbmi2", "avx512vbmi2"),
    ("gfni", "gfni"),
    ("vaes", "vaes"),
    ("vpclmulqdq", "vpclmulqdq"),
    ("avx512_vnni", "avx512vnni"),
    ("avx512_bitalg", "avx512bitalg"),
    ("avx512_vpopcntdq", "avx512-vpopcntdq"),
    ("la57", "la57"),
    ("rdpid", "rdpid"),
    ("bus_lock_detect", "bus-lock-detect"),
    ("cldemote", "cldemote"),
    ("movdiri", "movdiri"),
    ("movdir64b", "movdir64b"),
    ("-", "sgxlc"),
    ("pks", "pks"),
    // CPUID 7.0 EDX
    ("avx512_4vnniw", "avx512-4vnniw"),
    ("avx512_4fmaps", "avx512-4fmaps"),
    ("fsrm", "fsrm"),
    ("avx512_vp2intersect", "avx512-vp2intersect"),
    ("md_clear", "md-clear"),
    ("serialize", "serialize"),
    ("tsxldtrk", "tsx-ldtrk"),
    ("-", "pconfig"),
    ("arch_lbr", "arch-lbr"),
    ("amx_bf16", "amx-bf16"),
    ("avx512_fp16", "avx512-fp16"),
    ("amx_tile", "amx-tile"),
    ("amx_int8", "amx-int8"),
    ("flush_l1d", "spec-ctrl"),
    ("stibp", "stibp"),
    ("arch_capabilities", "arch-capabilities"),
    ("core_capabilities", "core-capability"),
    // Linux's `ssbd` is synthetic (any SSBD mechanism, e.g. AMD's virt-ssbd); this is CPUID's
    ("spec_ctrl_ssbd", "ssbd"),
    // CPUID 7.1 EAX
    ("avx_vnni", "avx-vnni"),
    ("avx512_bf16", "avx512-bf16"),
    // CPUID 0xD.1 EAX
    ("xsaveopt", "xsaveopt"),
    ("xsavec", "xsavec"),
    ("xgetbv1", "xgetbv1"),
    ("xsaves", "xsaves"),
    ("xfd", "xfd"),
    // CPUID 0xF.1 EDX
    ("-", "mbm_total"),
    ("-", "mbm_local"),
    // CPUID 0x12.0 EAX, 0x12.1 EAX
    ("-", "sgx1"),
    ("-", "sgx2"),
    ("-", "sgx-exinfo"),
    ("-", "sgx-debug"),
    ("-", "sgx-mode64"),
    ("-", "sgx-provisionkey"),
    ("-", "sgx-tokenkey"),
    ("-", "sgx-kss"),
    // CPUID 0x14.0 ECX
    ("-", "intel-pt-lip"),
    // CPUID 0x80000001 EDX
    ("syscall", "syscall"),
    ("nx", "nx"),
    ("mmxext", "mmxext"),
    ("fxsr_opt", "fxsr_opt"),
    ("pdpe1gb", "pdpe1gb"),
    ("rdtscp", "rdtscp"),
    ("lm", "lm"),
    ("3dnowext", "3dnowext"),
    ("3dnow", "3dnow"),
    // CPUID 0x80000001 ECX
    ("lahf_lm", "lahf_lm"),
    ("cmp_legacy", "cmp_legacy"),
    ("svm", "svm"),
    ("extapic", "extapic"),
    ("cr8_legacy", "cr8legacy"),
    ("abm", "abm"),
    ("sse4a", "sse4a"),
    ("misalignsse", "misalignsse"),
    ("3dnowprefetch", "3dnowprefetch"),
    ("osvw", "osvw"),
    ("ibs", "ibs"),
    ("xop", "xop"),
    ("skinit", "skinit"),
    ("wdt", "wdt"),
    ("lwp", "lwp"),
    ("fma4", "fma4"),
    ("tce", "tce"),
    ("-", "cvt16"),
    ("nodeid_msr", "nodeid_msr"),
    ("tbm", "tbm"),
    ("topoext", "topoext"),
    ("perfctr_core", "perfctr_core"),
    ("perfctr_nb", "perfctr_nb"),
    // CPUID 0x80000007 EDX
    ("nonstop_tsc", "invtsc"),
    // CPUID 0x80000008 EBX
    ("clzero", "clzero"),
    ("xsaveerptr", "xsaveerptr"),
    ("wbnoinvd", "wbnoinvd"),
    ("ibpb", "ibpb"),
    ("-", "ibrs"),
    ("-", "amd-stibp"),
    ("amd_ssbd", "amd-ssbd"),
    ("virt_ssbd", "virt-ssbd"),
    ("-", "amd-no-ssb"),
    // CPUID 0x8000000A EDX
    ("npt", "npt"),
    ("lbrv", "lbrv"),
    ("svm_lock", "svm-lock"),
    ("nrip_save", "nrip-save"),
    ("tsc_scale", "tsc-scale"),
    ("vmcb_clean", "vmcb-clean"),
    ("flushbyasid", "flushbyasid"),
    ("decodeassists", "decodeassists"),
    ("pausefilter", "pause-filter"),
    ("pfthreshold", "pfthreshold"),
    ("avic", "avic"),
    ("v_vmsave_vmload", "v-vmsave-vmload"),
    ("vgif", "vgif"),
    ("svme_addr_chk", "svme-addr-chk"),
    // IA32_ARCH_CAPABILITIES MSR bits (no /proc/cpuinfo flags; QEMU reports them)
    ("-", "rdctl-no"),
    ("-", "ibrs-all"),
    ("-", "rsba"),
    ("-", "skip-l1dfl-vmentry"),
    ("-", "ssb-no"),
    ("-", "mds-no"),
    ("-", "pschange-mc-no"),
    ("-", "tsx-ctrl"),
    ("-", "taa-no"),
    // IA32_CORE_CAPABILITIES MSR
    ("-", "split-lock-detect"),
];

/// The features of libvirt's `kvm64` model.
const KVM64: &[&str] = &[
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge", "mca",
    "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "pni", "cx16", "syscall",
    "nx", "lm",
];

/// The features of libvirt's `qemu64` model (QEMU's also has the TCG-only abm, lahf_lm,
/// popcnt and sse4a, which libvirt leaves out).
const QEMU64: &[&str] = &[
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge", "mca",
    "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "pni", "cx16", "syscall",
    "nx", "lm", "svm",
];

/// The features of libvirt's `qemu32` model.
const QEMU32: &[&str] = &[
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "pge", "cmov", "pat",
    "mmx", "fxsr", "sse", "sse2", "pni",
];

/// libvirt's features of `model`, for the models this table has (the default models).
pub fn model_features(model: &str) -> Option<&'static [&'static str]> {
    match model {
        "qemu64" => Some(QEMU64),
        "qemu32" => Some(QEMU32),
        "kvm64" => Some(KVM64),
        _ => None,
    }
}

/// libvirt's CPUID feature names, each once, in CPUID order.
pub fn feature_names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for &(_, name) in FEATURES {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The base model the host CPU is described with.
pub const HOST_BASE_MODEL: &str = "kvm64";

/// libvirt's names of the host's features beyond [`HOST_BASE_MODEL`], in libvirt's order.
pub fn host_extra_features(flags: &[String]) -> Vec<&'static str> {
    let has = |f: &str| flags.iter().any(|x| x == f);
    let mut out: Vec<&'static str> = Vec::new();
    for &(linux, name) in FEATURES {
        if has(linux) && !KVM64.contains(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// QEMU's property name for a libvirt feature name.
pub fn qemu_feature_name(name: &str) -> &str {
    match name {
        "cmp_legacy" => "cmp-legacy",
        "ds_cpl" => "ds-cpl",
        "fxsr_opt" => "fxsr-opt",
        "lahf_lm" => "lahf-lm",
        "nodeid_msr" => "nodeid-msr",
        "pclmuldq" => "pclmulqdq",
        "perfctr_core" => "perfctr-core",
        "perfctr_nb" => "perfctr-nb",
        "tsc_adjust" => "tsc-adjust",
        other => other,
    }
}

/// The domain capabilities' host-model CPU from the properties QEMU says are on in its
/// host (KVM) or max (TCG) CPU: the features beyond [`HOST_BASE_MODEL`] to require and the
/// base model's features to disable, in libvirt's order. `invtsc`, which QEMU leaves out of
/// migratable CPUs, is required when the host has it. `None` without properties.
pub fn host_model_features(
    props: &[String],
    host_flags: &[String],
) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    if props.is_empty() {
        return None;
    }
    let on = |name: &str| {
        let q = qemu_feature_name(name);
        props.binary_search_by(|p| p.as_str().cmp(q)).is_ok()
            || (name == "invtsc" && host_flags.iter().any(|f| f == "nonstop_tsc"))
    };
    let mut require: Vec<&'static str> = Vec::new();
    let mut disable: Vec<&'static str> = Vec::new();
    for &(_, name) in FEATURES {
        if require.contains(&name) || disable.contains(&name) {
            continue;
        }
        match (KVM64.contains(&name), on(name)) {
            (false, true) => require.push(name),
            (true, false) => disable.push(name),
            _ => {}
        }
    }
    Some((require, disable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_in_cpuid_order() {
        let flags: Vec<String> = "fpu vme sse4_1 avx512_bf16 xsave nonstop_tsc lm fxsr_opt"
            .split(' ')
            .map(str::to_owned)
            .collect();
        assert_eq!(
            host_extra_features(&flags),
            [
                "vme",
                "sse4.1",
                "xsave",
                "osxsave",
                "avx512-bf16",
                "fxsr_opt",
                "invtsc"
            ]
        );
        assert_eq!(model_vendor("486"), Some("unknown"));
        assert_eq!(model_vendor("EPYC"), Some("AMD"));
        assert_eq!(model_vendor("KnightsMill"), None);
        let mut props: Vec<String> = KVM64
            .iter()
            .filter(|f| **f != "pni")
            .map(|f| f.to_string())
            .chain(["vme", "lahf-lm", "mds-no", "x2apic"].map(str::to_owned))
            .collect();
        props.sort();
        let (req, dis) = host_model_features(&props, &flags).unwrap();
        assert_eq!(req, ["vme", "x2apic", "lahf_lm", "invtsc", "mds-no"]);
        assert_eq!(dis, ["pni"]);
        assert!(host_model_features(&[], &flags).is_none());
    }
}
