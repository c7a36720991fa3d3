//! The live XML's CPU as libvirt 9.0 writes it.
//!
//! Before QEMU starts (the driver's `cpu_models::prepare`, libvirt's `qemuProcessUpdateGuestCPU`): a `host-model`
//! CPU of a TCG domain becomes the domain capabilities' host-model CPU (`mode='custom'
//! match='exact'`, the model, vendor and features, then the definition's own features), and
//! a model's removed features are disabled explicitly.
//!
//! Once QEMU runs ([`update`], `qemuProcessUpdateGuestCPU` → `virCPUx86UpdateLive`): a
//! custom CPU becomes `check='full'` with `fallback='forbid'`, and the differences between
//! what the guest CPU really has (QEMU's vCPU properties, after QEMU dropped what the
//! accelerator cannot do) and libvirt's model are listed: `require` for features beyond the
//! model, `disable` for the model's features it lacks, in CPUID order. libvirt's model is
//! QEMU's static expansion of it corrected by `cpu_models`' table.

use oxvirt_conf::domain::Domain;
use serde_json::json;

use crate::ShimError;
use oxvirt_qemu_command::{cpu_map, cpu_models};
use oxvirt_qmp::QmpClient;

/// The model whose features are to be read, if the definition's CPU is a custom CPU of a
/// model libvirt knows.
pub fn updatable_model(dom: &Domain) -> Option<&str> {
    let cpu = dom.cpu.as_ref()?;
    if !matches!(cpu.mode.as_deref(), None | Some("custom")) {
        return None;
    }
    let name = cpu.model.as_ref()?.name.as_str();
    cpu_map::model_vendor(name).map(|_| name)
}

/// Update the definition's CPU from `enabled` (libvirt feature name → whether the guest CPU
/// has it; `None` when QEMU does not know the feature), `model_features` being libvirt's
/// features of its model and `filtered` those QEMU could not give the vCPU.
pub fn apply(
    dom: &mut Domain,
    model_features: &[&str],
    enabled: impl Fn(&str) -> Option<bool>,
    filtered: &[&str],
) {
    let Some(model) = updatable_model(dom).map(str::to_owned) else {
        return;
    };
    let Some(cpu) = dom.cpu.as_mut() else {
        return;
    };
    cpu_models::update_live(&mut cpu.features, &model, model_features, enabled, filtered);
    cpu.check = Some("full".into());
    if let Some(m) = cpu.model.as_mut() {
        m.fallback = Some("forbid".into());
    }
}

/// libvirt's features of `model`, from the running QEMU's static expansion of it (the hand
/// tables of the default models when QEMU cannot say).
async fn model_features(qmp: &QmpClient, model: &str) -> Option<Vec<&'static str>> {
    let props = static_props(qmp, model).await;
    if !props.is_empty() {
        return cpu_models::model_features(model, &props);
    }
    cpu_map::model_features(model).map(<[&str]>::to_vec)
}

/// The boolean properties QEMU's static expansion of `model` turns on, sorted (empty when
/// QEMU cannot expand it): the driver's probe asks the same of the QEMU it probes.
async fn static_props(qmp: &QmpClient, model: &str) -> Vec<String> {
    let r = qmp
        .execute(
            "query-cpu-model-expansion",
            Some(json!({"type": "static", "model": {"name": model}})),
        )
        .await;
    let mut on: Vec<String> = r
        .ok()
        .and_then(|v| v.get("model")?.get("props")?.as_object().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k)
        .collect();
    on.sort();
    on
}

/// Read the first vCPU's feature properties from QEMU and [`apply`] them.
pub async fn update(qmp: &QmpClient, dom: &mut Domain) -> Result<(), ShimError> {
    let Some(model) = updatable_model(dom).map(str::to_owned) else {
        return Ok(());
    };
    let Some(features) = model_features(qmp, &model).await else {
        return Ok(());
    };
    let cpus = qmp.execute("query-cpus-fast", None).await?;
    let Some(path) = cpus
        .as_array()
        .and_then(|a| a.first())
        .and_then(|c| c.get("qom-path"))
        .and_then(|p| p.as_str())
        .map(str::to_owned)
    else {
        return Ok(());
    };
    let mut known: Vec<(&'static str, bool)> = Vec::new();
    for name in cpu_map::feature_names() {
        let prop = cpu_map::qemu_feature_name(name);
        // a feature this QEMU does not have answers an error: not known
        if let Ok(v) = qmp
            .execute("qom-get", Some(json!({"path": path, "property": prop})))
            .await
        {
            if let Some(b) = v.as_bool() {
                known.push((name, b));
            }
        }
    }
    // what QEMU filtered out of the model (an older QEMU without the property: nothing)
    let filtered: Vec<&'static str> = qmp
        .execute(
            "qom-get",
            Some(json!({"path": path, "property": "unavailable-features"})),
        )
        .await
        .ok()
        .and_then(|v| {
            v.as_array().map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().and_then(cpu_models::libvirt_feature_name))
                    .collect()
            })
        })
        .unwrap_or_default();
    apply(
        dom,
        &features,
        |n| known.iter().find(|(k, _)| *k == n).map(|(_, b)| *b),
        &filtered,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(cpu: &str) -> Domain {
        let mut d = oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>c</name><memory>65536</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>{cpu}</domain>"
        ))
        .unwrap();
        oxvirt_conf::domain::post_parse(
            &mut d,
            &oxvirt_conf::domain::QemuCaps::debian_qemu_7_2_x86_64(),
        )
        .unwrap();
        d
    }

    /// What QEMU 7.2's qemu64 has under TCG: libvirt's qemu64, lahf_lm and hypervisor.
    fn tcg_qemu64(n: &str) -> Option<bool> {
        Some(QEMU64_TCG.contains(&n))
    }
    const QEMU64_TCG: &[&str] = &[
        "fpu",
        "de",
        "pse",
        "tsc",
        "msr",
        "pae",
        "mce",
        "cx8",
        "apic",
        "sep",
        "mtrr",
        "pge",
        "mca",
        "cmov",
        "pat",
        "pse36",
        "clflush",
        "mmx",
        "fxsr",
        "sse",
        "sse2",
        "pni",
        "cx16",
        "hypervisor",
        "syscall",
        "nx",
        "lm",
        "lahf_lm",
        "svm",
    ];

    const QEMU64: &[&str] = &[
        "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge", "mca",
        "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "pni", "cx16", "syscall",
        "nx", "lm", "svm",
    ];

    fn features(d: &Domain) -> Vec<(String, String)> {
        d.cpu.as_ref().unwrap().features.clone()
    }

    #[test]
    fn default_cpu_as_libvirt_9_0_shows_it() {
        let mut d = dom("");
        apply(&mut d, QEMU64, tcg_qemu64, &[]);
        let cpu = d.cpu.as_ref().unwrap();
        assert_eq!(cpu.check.as_deref(), Some("full"));
        assert_eq!(
            cpu.model.as_ref().unwrap().fallback.as_deref(),
            Some("forbid")
        );
        let want: Vec<(String, String)> = [("require", "hypervisor"), ("require", "lahf_lm")]
            .map(|(p, n)| (p.into(), n.into()))
            .to_vec();
        assert_eq!(features(&d), want);
    }

    #[test]
    fn given_features_come_first_and_are_not_repeated() {
        let mut d = dom("<cpu mode='custom' match='exact'><model>qemu64</model><feature policy='require' name='sse4.1'/><feature policy='disable' name='lahf_lm'/></cpu>");
        apply(
            &mut d,
            QEMU64,
            |n| match n {
                "sse4.1" => Some(true),
                "lahf_lm" => Some(false),
                n => tcg_qemu64(n),
            },
            &[],
        );
        let want: Vec<(String, String)> = [
            ("require", "sse4.1"),
            ("disable", "lahf_lm"),
            ("require", "hypervisor"),
        ]
        .map(|(p, n)| (p.into(), n.into()))
        .to_vec();
        assert_eq!(features(&d), want);
        assert_eq!(
            d.cpu.unwrap().model.unwrap().fallback.as_deref(),
            Some("forbid")
        );
    }

    #[test]
    fn missing_model_features_are_disabled_and_other_modes_untouched() {
        let mut d = dom("<cpu><model>qemu32</model></cpu>");
        let qemu32 = cpu_map::model_features("qemu32").unwrap();
        apply(
            &mut d,
            qemu32,
            |n| Some(n != "pse" && (n == "hypervisor" || qemu32.contains(&n))),
            &[],
        );
        let want: Vec<(String, String)> = [("disable", "pse"), ("require", "hypervisor")]
            .map(|(p, n)| (p.into(), n.into()))
            .to_vec();
        assert_eq!(features(&d), want);
        let mut w = dom("<cpu><model>NoSuchModel</model></cpu>");
        let before = w.clone();
        apply(&mut w, qemu32, |_| Some(true), &[]);
        assert_eq!(w, before);
        let mut m = dom("<cpu mode='maximum'/>");
        let before = m.clone();
        apply(&mut m, qemu32, |_| Some(true), &[]);
        assert_eq!(m, before);
    }
}
