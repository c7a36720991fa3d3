//! libvirt's x86 CPU models as libvirt 9.0 uses them, computed from QEMU's own definitions,
//! and the two algorithms of libvirt's x86 CPU driver the XML shows:
//!
//! - a model's features are what QEMU's `query-cpu-model-expansion` (`static`, under TCG)
//!   says the model has, in libvirt's names, corrected by [`DIFFERENCES`], the hand-written
//!   list of where libvirt's model and QEMU 7.2's (as TCG expands it: QEMU turns `vme` off
//!   for TCG, and always adds `hypervisor`) differ;
//!   a model's signatures likewise are QEMU's family/model corrected by a small table;
//! - [`decode`] (its candidates given by the driver, from its probe of QEMU) picks the model that describes a set of features with the fewest listed
//!   differences (libvirt's `x86Decode`: newest model first, same vendor only, models of the
//!   CPU's signature before any other, a model wins only with strictly fewer `require` +
//!   `disable` entries, QEMU's blockers of a model disabled), as for the domain
//!   capabilities' host-model CPU;
//! - [`update_live`] turns a running guest's CPU into the live XML's (libvirt's
//!   `virCPUx86UpdateLive`): the features the vCPU has beyond the model are required, the
//!   model's features it lacks and those QEMU filtered out are disabled, in CPUID order.
//!
//! Nothing here is read from libvirt's files: the tables are hand-written facts.

use crate::cpu_map;

/// Where libvirt's model differs from QEMU's static expansion of it under TCG (besides
/// `hypervisor`, which no libvirt model has): (model, features libvirt's model has that the
/// expansion lacks, features the expansion has that libvirt's model lacks).
const DIFFERENCES: &[(&str, &[&str], &[&str])] = &[
    ("486", &["vme"], &[]),
    ("pentium", &["vme"], &["apic"]),
    ("pentium2", &["vme"], &["apic"]),
    ("pentium3", &["vme"], &["apic"]),
    ("coreduo", &["vme"], &["acpi", "ss"]),
    ("n270", &["vme"], &["acpi", "ss", "movbe", "lahf_lm"]),
    ("core2duo", &["vme"], &["acpi", "ss", "cx16", "lahf_lm"]),
    ("qemu64", &[], &["lahf_lm"]),
    ("Westmere", &[], &["pclmuldq", "arat"]),
    ("Westmere-IBRS", &[], &["pclmuldq", "arat"]),
    ("SandyBridge", &[], &["arat", "xsaveopt"]),
    ("SandyBridge-IBRS", &[], &["arat", "xsaveopt"]),
    ("IvyBridge", &["vme"], &["arat", "xsaveopt"]),
    ("IvyBridge-IBRS", &["vme"], &["arat", "xsaveopt"]),
    ("Haswell-noTSX", &[], HASWELL),
    ("Haswell-noTSX-IBRS", &[], HASWELL),
    ("Haswell", &[], HASWELL),
    ("Haswell-IBRS", &[], HASWELL),
    ("Broadwell-noTSX", &[], HASWELL),
    ("Broadwell-noTSX-IBRS", &[], HASWELL),
    ("Broadwell", &[], HASWELL),
    ("Broadwell-IBRS", &[], HASWELL),
    ("Skylake-Client", &["vme", "mpx"], &[]),
    ("Skylake-Client-IBRS", &["vme", "mpx"], &[]),
    ("Skylake-Client-noTSX-IBRS", &["vme", "mpx"], &[]),
    ("Skylake-Server", &["vme", "mpx"], &["clflushopt", "pku"]),
    ("Skylake-Server-IBRS", &["vme", "mpx"], &["pku"]),
    ("Skylake-Server-noTSX-IBRS", &["vme", "mpx"], &["pku"]),
    ("Cascadelake-Server", &["vme", "mpx"], &["pku"]),
    (
        "Cascadelake-Server-noTSX",
        &["vme", "mpx"],
        &[
            "pku",
            "arch-capabilities",
            "rdctl-no",
            "ibrs-all",
            "skip-l1dfl-vmentry",
            "mds-no",
        ],
    ),
    ("Icelake-Server", &["vme", "mpx"], &[]),
    ("Icelake-Server-noTSX", &["vme", "mpx"], &[]),
    ("Cooperlake", &["vme"], &[]),
    ("Snowridge", &["vme"], &["monitor", "mpx"]),
    ("athlon", &["vme"], &["mca"]),
    (
        "phenom",
        &[],
        &[
            "cx16", "popcnt", "pdpe1gb", "rdtscp", "lahf_lm", "abm", "sse4a", "npt",
        ],
    ),
    ("Opteron_G2", &["rdtscp"], &[]),
    ("Opteron_G3", &[], &["monitor"]),
    ("Opteron_G4", &[], &["npt", "nrip-save"]),
    ("Opteron_G5", &[], &["npt", "nrip-save"]),
    ("EPYC", &["vme"], EPYC),
    ("EPYC-IBPB", &["vme"], EPYC),
    ("EPYC-Rome", &["vme"], &["monitor", "xsaves", "topoext"]),
    ("EPYC-Milan", &["vme"], &["monitor", "topoext"]),
    ("Dhyana", &["vme"], EPYC),
];
const HASWELL: &[&str] = &["f16c", "rdrand", "arat", "xsaveopt", "abm"];
const EPYC: &[&str] = &["monitor", "topoext", "npt", "nrip-save"];

/// Features libvirt's map marks as removed from a model: libvirt disables them explicitly
/// in every guest CPU of that model unless the definition names them.
const REMOVED: &[(&str, &[&str])] = &[
    ("Opteron_G3", &["monitor"]),
    ("EPYC", &["monitor"]),
    ("EPYC-IBPB", &["monitor"]),
    ("Dhyana", &["monitor"]),
    ("Icelake-Server", &["intel-pt"]),
    ("Icelake-Server-noTSX", &["intel-pt"]),
    ("Icelake-Client", &["intel-pt"]),
    ("Icelake-Client-noTSX", &["intel-pt"]),
];

/// Where libvirt's CPU signatures (family, model) of a model differ from QEMU's definition:
/// models libvirt gives none (it never prefers them by signature), models whose signature
/// libvirt replaces, and the further signatures libvirt gives a model.
const NO_SIGNATURE: &[&str] = &[
    "486",
    "pentium",
    "pentium2",
    "pentium3",
    "pentiumpro",
    "coreduo",
    "n270",
    "core2duo",
    "qemu32",
    "kvm32",
    "cpu64-rhel5",
    "cpu64-rhel6",
    "qemu64",
    "kvm64",
    "athlon",
    "phenom",
];
const OTHER_SIGNATURES: &[(&str, &[(u32, u32)])] = &[
    ("Opteron_G3", &[(15, 6)]),
    ("Icelake-Server", &[(6, 106)]),
    ("Icelake-Server-noTSX", &[(6, 106)]),
    ("Icelake-Client", &[(6, 126)]),
    ("Icelake-Client-noTSX", &[(6, 126)]),
];
const MORE_SIGNATURES: &[(&str, &[(u32, u32)])] = &[
    ("Conroe", &[(6, 22)]),
    ("Penryn", &[(6, 29)]),
    ("Nehalem", NEHALEM),
    ("Nehalem-IBRS", NEHALEM),
    ("Westmere", &[(6, 47), (6, 37)]),
    ("SandyBridge", &[(6, 45)]),
    ("SandyBridge-IBRS", &[(6, 45)]),
    ("IvyBridge", &[(6, 62)]),
    ("IvyBridge-IBRS", &[(6, 62)]),
    ("Haswell-noTSX", HASWELL_SIGS),
    ("Haswell-noTSX-IBRS", HASWELL_SIGS),
    ("Haswell", HASWELL_SIGS),
    ("Haswell-IBRS", HASWELL_SIGS),
    ("Broadwell-noTSX", BROADWELL_SIGS),
    ("Broadwell-noTSX-IBRS", BROADWELL_SIGS),
    ("Broadwell", BROADWELL_SIGS),
    ("Broadwell-IBRS", BROADWELL_SIGS),
    ("Skylake-Client", SKYLAKE_SIGS),
    ("Skylake-Client-IBRS", SKYLAKE_SIGS),
    ("Skylake-Client-noTSX-IBRS", SKYLAKE_SIGS),
];
const NEHALEM: &[(u32, u32)] = &[(6, 30), (6, 31), (6, 46)];
const HASWELL_SIGS: &[(u32, u32)] = &[(6, 63), (6, 69), (6, 70)];
const BROADWELL_SIGS: &[(u32, u32)] = &[(6, 71), (6, 79), (6, 86)];
const SKYLAKE_SIGS: &[(u32, u32)] = &[(6, 78), (6, 142), (6, 158)];
/// The models whose signature holds for some steppings only (all of family 6 model 85).
const STEPPINGS: &[(&str, u32, u32)] = &[
    ("Skylake-Server", 0, 4),
    ("Skylake-Server-IBRS", 0, 4),
    ("Skylake-Server-noTSX-IBRS", 0, 4),
    ("Cascadelake-Server", 5, 7),
    ("Cascadelake-Server-noTSX", 5, 7),
    ("Cooperlake", 10, 11),
];

/// A CPU signature libvirt matches: family, model and, if only some, the steppings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// CPUID family.
    pub family: u32,
    /// CPUID model.
    pub model: u32,
    /// The first and last stepping, when only some match.
    pub steppings: Option<(u32, u32)>,
}

impl Signature {
    fn matches(&self, (family, model, stepping): (u32, u32, u32)) -> bool {
        self.family == family
            && self.model == model
            && self
                .steppings
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&stepping))
    }
}

/// libvirt's signatures of `model`, from QEMU's definition's (`qemu`: family, model).
pub fn signatures(model: &str, qemu: Option<(u32, u32)>) -> Vec<Signature> {
    if NO_SIGNATURE.contains(&model) {
        return Vec::new();
    }
    let steppings = STEPPINGS
        .iter()
        .find(|(m, _, _)| *m == model)
        .map(|(_, lo, hi)| (*lo, *hi));
    let sig = |&(family, model): &(u32, u32)| Signature {
        family,
        model,
        steppings,
    };
    if let Some((_, other)) = OTHER_SIGNATURES.iter().find(|(m, _)| *m == model) {
        return other.iter().map(sig).collect();
    }
    let more = MORE_SIGNATURES
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, s)| *s)
        .unwrap_or(&[]);
    qemu.iter().chain(more).map(sig).collect()
}

/// The features libvirt disables in every guest CPU of `model` (see [`REMOVED`]).
pub fn removed_features(model: &str) -> &'static [&'static str] {
    REMOVED
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, f)| *f)
        .unwrap_or(&[])
}

/// libvirt's names of the features QEMU says are on (`props`: QEMU's property names,
/// sorted), in CPUID order.
pub fn libvirt_features(props: &[String]) -> Vec<&'static str> {
    cpu_map::feature_names()
        .into_iter()
        .filter(|name| {
            let q = cpu_map::qemu_feature_name(name);
            props.binary_search_by(|p| p.as_str().cmp(q)).is_ok()
        })
        .collect()
}

/// libvirt's features of `model` from QEMU's static expansion of it under TCG (`props`: the
/// properties that are on, sorted), in CPUID order; `None` for a model libvirt does not know.
pub fn model_features(model: &str, props: &[String]) -> Option<Vec<&'static str>> {
    cpu_map::model_vendor(model)?;
    let (add, remove) = DIFFERENCES
        .iter()
        .find(|(m, _, _)| *m == model)
        .map(|(_, a, r)| (*a, *r))
        .unwrap_or((&[], &[]));
    Some(
        cpu_map::feature_names()
            .into_iter()
            .filter(|name| {
                let q = cpu_map::qemu_feature_name(name);
                let on = props.binary_search_by(|p| p.as_str().cmp(q)).is_ok();
                add.contains(name) || (on && *name != "hypervisor" && !remove.contains(name))
            })
            .collect(),
    )
}

/// libvirt's name for one of QEMU's feature properties, if libvirt knows the feature.
pub fn libvirt_feature_name(prop: &str) -> Option<&'static str> {
    cpu_map::feature_names()
        .into_iter()
        .find(|name| cpu_map::qemu_feature_name(name) == prop)
}

/// A model the hypervisor offers, as [`decode`] considers it.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The model's name.
    pub name: &'a str,
    /// libvirt's features of the model.
    pub features: Vec<&'static str>,
    /// libvirt's names of the features that keep the model from running here.
    pub blockers: Vec<&'static str>,
    /// libvirt's signatures of the model.
    pub signatures: Vec<Signature>,
}

/// A CPU described as a model plus differences, as libvirt writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The model.
    pub model: String,
    /// libvirt's vendor name, when the data has a vendor libvirt knows.
    pub vendor: Option<&'static str>,
    /// Features beyond the model.
    pub require: Vec<&'static str>,
    /// The model's features the CPU lacks.
    pub disable: Vec<&'static str>,
}

/// libvirt's `x86Decode` for a guest CPU: the model among `candidates` (any order) that
/// describes `data` (libvirt feature names) with the fewest differences. `vendor` is the
/// data's vendor (libvirt's name); models of other vendors are skipped. Once a model with
/// the data's `signature` (family, model, stepping) is found, only such models are
/// considered.
pub fn decode(
    data: &[&str],
    vendor: Option<&'static str>,
    signature: Option<(u32, u32, u32)>,
    candidates: &[Candidate<'_>],
) -> Option<Decoded> {
    let mut best: Option<(Decoded, bool)> = None;
    // newest first: libvirt walks its models backwards and keeps the first of equals
    for &(name, model_vendor) in cpu_map::X86_MODELS.iter().rev() {
        let Some(c) = candidates.iter().find(|c| c.name == name) else {
            continue;
        };
        if let (Some(v), Some(mv)) = (vendor, model_vendor) {
            if v != mv {
                continue;
            }
        }
        let mut require = Vec::new();
        let mut disable = Vec::new();
        for f in cpu_map::feature_names() {
            let in_data = data.contains(&f);
            let in_model = c.features.contains(&f);
            if in_data && !in_model {
                require.push(f);
            } else if (in_model && !in_data) || (c.blockers.contains(&f) && (!in_data || in_model))
            {
                // a blocker is disabled unless the data has it beyond the model
                disable.push(f);
            }
        }
        for r in removed_features(name) {
            if !require.contains(r) && !disable.contains(r) {
                disable.push(r);
            }
        }
        let matches = signature.is_some_and(|sig| c.signatures.iter().any(|s| s.matches(sig)));
        let better = match &best {
            None => true,
            Some((_, true)) if !matches => false,
            Some((_, false)) if matches => true,
            Some((b, _)) => require.len() + disable.len() < b.require.len() + b.disable.len(),
        };
        if better {
            let d = Decoded {
                model: name.to_owned(),
                vendor,
                require,
                disable,
            };
            best = Some((d, matches));
        }
    }
    best.map(|(d, _)| d)
}

/// libvirt's `virCPUDefUpdateFeature`: change the policy of a listed feature, or append it.
fn update_feature(features: &mut Vec<(String, String)>, name: &str, policy: &str) {
    match features.iter_mut().find(|(_, n)| n == name) {
        Some(f) => f.0 = policy.to_owned(),
        None => features.push((policy.to_owned(), name.to_owned())),
    }
}

/// Disable `model`'s removed features a definition does not name (libvirt's
/// `virCPUx86DisableRemovedFeatures`).
pub fn disable_removed(features: &mut Vec<(String, String)>, model: &str) {
    for r in removed_features(model) {
        if !features.iter().any(|(_, n)| n == r) {
            features.push(("disable".to_owned(), (*r).to_owned()));
        }
    }
}

/// libvirt's `virCPUx86UpdateLive` for a custom CPU of a model whose features are
/// `model_features`: `features` is the definition's list (policy, name), updated in place;
/// `enabled` tells whether the running vCPU has a feature (`None`: QEMU does not know it);
/// `filtered` are the features QEMU could not give the vCPU (its `unavailable-features`,
/// disabled whether or not the model has them).
pub fn update_live(
    features: &mut Vec<(String, String)>,
    model: &str,
    model_features: &[&str],
    enabled: impl Fn(&str) -> Option<bool>,
    filtered: &[&str],
) {
    // the model as the definition makes it: its features, plus the required, minus the
    // disabled ones
    let mut expected: Vec<&str> = model_features.to_vec();
    for (policy, name) in features.iter() {
        match policy.as_str() {
            "require" | "force" if !expected.contains(&name.as_str()) => {
                expected.push(name.as_str());
            }
            "disable" | "forbid" => expected.retain(|f| *f != name.as_str()),
            _ => {}
        }
    }
    let expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
    for name in cpu_map::feature_names() {
        let want = expected.iter().any(|e| e == name);
        let on = enabled(name);
        if on == Some(true) && !want {
            update_feature(features, name, "require");
        }
        if filtered.contains(&name) || (on == Some(false) && want) {
            update_feature(features, name, "disable");
        }
    }
    disable_removed(features, model);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn model_features_apply_the_differences() {
        let p = props(&[
            "fpu",
            "pclmulqdq",
            "arat",
            "hypervisor",
            "sse4.1",
            "lahf-lm",
        ]);
        assert_eq!(
            model_features("Westmere", &p).unwrap(),
            ["fpu", "sse4.1", "lahf_lm"]
        );
        assert_eq!(
            model_features("core2duo", &p).unwrap(),
            ["fpu", "vme", "pclmuldq", "sse4.1", "arat"]
        );
        assert!(model_features("NoSuchModel", &p).is_none());
        assert_eq!(
            libvirt_features(&p),
            ["fpu", "pclmuldq", "sse4.1", "hypervisor", "arat", "lahf_lm"]
        );
        assert_eq!(libvirt_feature_name("lahf-lm"), Some("lahf_lm"));
        assert_eq!(libvirt_feature_name("no-such"), None);
    }

    #[test]
    fn decode_prefers_fewest_differences_newest_first_same_vendor() {
        let c = |name: &'static str, f: &[&'static str]| Candidate {
            name,
            features: f.to_vec(),
            blockers: Vec::new(),
            signatures: Vec::new(),
        };
        let cands = [
            c("Opteron_G1", &["fpu", "sse"]),
            c("Opteron_G2", &["fpu", "sse", "sse2"]),
            c("EPYC", &["fpu", "sse", "sse2", "avx"]),
            c("Westmere", &["fpu", "sse", "sse2"]),
        ];
        let d = decode(
            &["fpu", "sse", "sse2", "monitor"],
            Some("AMD"),
            None,
            &cands,
        )
        .unwrap();
        // EPYC: monitor required, avx disabled; Opteron_G2: monitor; G1: sse2, monitor
        assert_eq!(d.model, "Opteron_G2");
        assert_eq!(d.require, ["monitor"]);
        assert!(d.disable.is_empty());
        assert_eq!(d.vendor, Some("AMD"));
        // a tie keeps the newer model
        let d = decode(
            &["fpu", "sse", "sse2", "avx"],
            Some("AMD"),
            None,
            &cands[..2],
        )
        .unwrap();
        assert_eq!((d.model.as_str(), d.require.len()), ("Opteron_G2", 1));
        // a blocker the data has within the model is disabled too
        let mut b = cands.to_vec();
        b[2].blockers = vec!["avx"];
        let d = decode(
            &["fpu", "sse", "sse2", "avx", "monitor"],
            Some("AMD"),
            None,
            &b,
        )
        .unwrap();
        assert_eq!(d.model, "EPYC");
        assert_eq!((d.require, d.disable), (vec!["monitor"], vec!["avx"]));
        // a model with the data's signature beats any without
        b[0].signatures = signatures("Opteron_G1", Some((15, 6)));
        let data = ["fpu", "sse", "sse2", "avx", "monitor"];
        let d = decode(&data, Some("AMD"), Some((15, 6, 1)), &b).unwrap();
        assert_eq!(d.model, "Opteron_G1");
        assert_eq!(d.require, ["sse2", "monitor", "avx"]);
        assert!(signatures("qemu64", Some((15, 107))).is_empty());
        assert_eq!(signatures("Opteron_G3", Some((16, 2)))[0].family, 15);
        assert_eq!(signatures("Westmere", Some((6, 44))).len(), 3);
        let sky = signatures("Skylake-Server", Some((6, 85)));
        assert!(sky[0].matches((6, 85, 4)) && !sky[0].matches((6, 85, 5)));
    }

    #[test]
    fn live_update_as_libvirt() {
        let mut f = vec![("require".to_owned(), "sse4.1".to_owned())];
        let model = ["fpu", "vme", "monitor"];
        update_live(
            &mut f,
            "EPYC",
            &model,
            |n| match n {
                "fpu" | "sse4.1" | "hypervisor" => Some(true),
                "cmt" => None,
                _ => Some(false),
            },
            &["topoext"],
        );
        let got: Vec<(&str, &str)> = f.iter().map(|(p, n)| (p.as_str(), n.as_str())).collect();
        assert_eq!(
            got,
            [
                ("require", "sse4.1"),
                ("disable", "vme"),
                ("disable", "monitor"),
                ("require", "hypervisor"),
                ("disable", "topoext"),
            ]
        );
        assert_eq!(removed_features("Westmere"), &[] as &[&str]);
    }
}
