//! The CPU models the driver computes from its probe of QEMU: the domain capabilities'
//! host-model CPU ([`tcg_host_model`], [`kvm_host_model`]: libvirt's decoder over the models
//! QEMU offers) and what a start changes in the definition's CPU before QEMU runs
//! ([`prepare`]). The tables and the decoder are `oxvirt_qemu_command::cpu_models`, which the
//! shim uses too for the live CPU.

use oxvirt_conf::domain::{CpuModel as XmlCpuModel, Domain, VirtType};
use oxvirt_host::CpuInfo;
use oxvirt_qemu_command::cpu_map;
pub use oxvirt_qemu_command::cpu_models::*;

use crate::probe::{CpuModel, ProbedQemu};

/// The models of `models` (QEMU's list for one accelerator) libvirt knows, as [`decode`]
/// considers them.
fn candidates<'a>(p: &'a ProbedQemu, models: &'a [CpuModel]) -> Vec<Candidate<'a>> {
    models
        .iter()
        .filter_map(|m| {
            let def = p.tcg_model_defs.iter().find(|d| d.name == m.name)?;
            Some(Candidate {
                name: m.name.as_str(),
                features: model_features(&m.name, &def.props)?,
                blockers: m
                    .unavailable_features
                    .iter()
                    .filter_map(|f| libvirt_feature_name(f))
                    .collect(),
                signatures: signatures(&m.name, def.signature.map(|(f, m, _)| (f, m))),
            })
        })
        .collect()
}

/// The domain capabilities' host-model CPU for TCG: QEMU's `max` CPU decoded against the
/// models TCG offers (libvirt's `virQEMUCapsInitHostCPUModel` for TCG). `None` when the
/// probe has no model definitions.
pub fn tcg_host_model(p: &ProbedQemu) -> Option<Decoded> {
    if p.tcg_model_defs.is_empty() || p.tcg_max_props.is_empty() {
        return None;
    }
    let vendor = p.tcg_max_vendor.as_deref().and_then(cpu_map::vendor_name);
    decode(
        &libvirt_features(&p.tcg_max_props),
        vendor,
        p.tcg_max_signature,
        &candidates(p, &p.tcg_cpu_models),
    )
}

/// The domain capabilities' host-model CPU for KVM: QEMU's `host` CPU (plus the host's
/// invariant TSC, which QEMU leaves out of migratable CPUs) decoded against the models KVM
/// offers, with the host's vendor and signature.
pub fn kvm_host_model(p: &ProbedQemu, host: &CpuInfo) -> Option<Decoded> {
    if p.tcg_model_defs.is_empty() || p.kvm_host_props.is_empty() {
        return None;
    }
    let mut data = libvirt_features(&p.kvm_host_props);
    if host.flags.iter().any(|f| f == "nonstop_tsc") && !data.contains(&"invtsc") {
        let order = cpu_map::feature_names();
        data.push("invtsc");
        data.sort_by_key(|f| order.iter().position(|o| o == f));
    }
    decode(
        &data,
        cpu_map::vendor_name(&host.vendor_id),
        host.family
            .zip(host.model)
            .map(|(f, m)| (f, m, host.stepping.unwrap_or(0))),
        &candidates(p, &p.cpu_models),
    )
}

/// What a start changes in the live definition's CPU before QEMU runs (`p`: the probe of
/// the domain's QEMU, for the host-model CPU).
pub fn prepare(dom: &mut Domain, p: Option<&ProbedQemu>) {
    let tcg = dom.virt_type == VirtType::Qemu;
    let Some(cpu) = dom.cpu.as_mut() else {
        return;
    };
    if cpu.mode.as_deref() == Some("host-model") && tcg {
        let Some(d) = p.and_then(tcg_host_model) else {
            return;
        };
        let own = std::mem::take(&mut cpu.features);
        cpu.features = d
            .require
            .iter()
            .map(|f| ("require".to_owned(), (*f).to_owned()))
            .chain(
                d.disable
                    .iter()
                    .map(|f| ("disable".to_owned(), (*f).to_owned())),
            )
            .collect();
        for (policy, name) in own {
            match cpu.features.iter_mut().find(|(_, n)| *n == name) {
                Some(f) => f.0 = policy,
                None => cpu.features.push((policy, name)),
            }
        }
        cpu.mode = Some("custom".into());
        cpu.match_ = Some("exact".into());
        cpu.model = Some(XmlCpuModel {
            fallback: Some("forbid".into()),
            name: d.model,
        });
        cpu.vendor = d.vendor.map(str::to_owned);
    }
    if !matches!(cpu.mode.as_deref(), None | Some("custom")) {
        return;
    }
    if let Some(m) = cpu.model.as_ref().map(|m| m.name.clone()) {
        disable_removed(&mut cpu.features, &m);
    }
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

    fn features(d: &Domain) -> Vec<(String, String)> {
        d.cpu.as_ref().unwrap().features.clone()
    }

    #[test]
    fn prepare_disables_removed_features_and_keeps_other_cpus() {
        let mut d = dom("<cpu mode='custom' match='exact'><model>EPYC</model></cpu>");
        prepare(&mut d, None);
        let want: Vec<(String, String)> = vec![("disable".into(), "monitor".into())];
        assert_eq!(features(&d), want);
        // named by the definition: kept as it is
        let mut d = dom("<cpu mode='custom' match='exact'><model>EPYC</model><feature policy='require' name='monitor'/></cpu>");
        prepare(&mut d, None);
        let want: Vec<(String, String)> = vec![("require".into(), "monitor".into())];
        assert_eq!(features(&d), want);
        // host-model without a probe stays host-model
        let mut h = dom("<cpu mode='host-model'/>");
        let before = h.clone();
        prepare(&mut h, None);
        assert_eq!(h, before);
    }
}
