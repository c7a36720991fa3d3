//! The setters of a domain's vCPUs, memory, pinning and lifecycle actions (`virsh setvcpus`,
//! `setmaxmem`, `vcpupin`, `emulatorpin`, `set-lifecycle-action`), on the live definition
//! (applied to QEMU's threads or QEMU, then kept by the shim), the persistent one (the
//! registry's file), or both, as libvirt's `virDomainObjUpdateModificationImpact` picks.

use std::sync::Arc;

use oxvirt_conf::domain::{format_cpuset, Cputune, Domain, FormatOptions, Lifecycle};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::shim as sp;
use oxvirt_proto::tune_api::DomainEventTunableMsg;
use oxvirt_proto::types::{TypedParam, TypedParamValue};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;
use oxvirt_sync::RwLockExt;

use crate::metadata_calls::impact;
use crate::running::Vm;
use crate::vcpu_calls::vcpu_threads;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_VCPU_MAXIMUM`, `_GUEST`, `_HOTPLUGGABLE`.
const VCPU_MAXIMUM: u32 = 4;
const VCPU_GUEST: u32 = 8;
const VCPU_HOTPLUGGABLE: u32 = 16;
/// `VIR_DOMAIN_MEM_MAXIMUM`.
const MEM_MAXIMUM: u32 = 4;

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

fn vir(c: i32, dom: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, dom, msg))
}

/// The CPUs set in a libvirt CPU map (bit N of byte N/8).
fn cpus_of(map: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, b) in map.iter().enumerate() {
        for bit in 0..8 {
            if b & (1 << bit) != 0 {
                out.push((i * 8 + bit) as u32);
            }
        }
    }
    out
}

fn pin_cpus(map: &[u8]) -> Result<Vec<u32>, QemuError> {
    let cpus = cpus_of(map);
    if cpus.is_empty() {
        return Err(vir(
            code::INVALID_ARG,
            domain::QEMU,
            "Empty cpu list for pinning",
        ));
    }
    Ok(cpus)
}

/// Save a new persistent definition in the registry, off the async workers.
pub(crate) async fn save_config(d: &Arc<QemuDriver>, def: Domain) -> Result<(), QemuError> {
    let d2 = d.clone();
    tokio::task::spawn_blocking(move || d2.registry.write_locked().define(def).map(|_| ()))
        .await
        .map_err(|e| QemuError::Internal(format!("call failed: {e}")))?
}

/// Give the shim the new live definition's tuning and keep it in the driver's view.
pub(crate) async fn save_live(d: &QemuDriver, vm: &Vm, def: Domain) -> Result<(), QemuError> {
    let domain_xml = def.format_with(FormatOptions {
        inactive: false,
        secure: true,
        migratable: false,
    });
    vm.call(
        sp::SetLiveTuning,
        &sp::LiveDefinitionArgs { domain_xml },
        d.call_timeout,
    )
    .await?;
    vm.update_status(|st| {
        st.domain.vcpu = def.vcpu;
        st.domain.cputune = def.cputune;
        st.domain.numatune = def.numatune;
        st.domain.on_poweroff = def.on_poweroff;
        st.domain.on_reboot = def.on_reboot;
        st.domain.on_crash = def.on_crash;
    });
    Ok(())
}

/// The tunable event (`VIR_DOMAIN_EVENT_ID_TUNABLE`).
pub(crate) fn emit_tunable(d: &QemuDriver, dom: &NonnullDomain, params: Vec<TypedParam>) {
    let msg = DomainEventTunableMsg {
        dom: dom.clone(),
        params,
    };
    if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
        d.events.emit(
            oxvirt_proto::events::id::TUNABLE,
            &msg.dom,
            rp::DOMAIN_EVENT_CALLBACK_TUNABLE,
            None,
            &body,
        );
    }
}

/// A string-valued tunable parameter.
fn text_param(field: String, v: String) -> TypedParam {
    TypedParam {
        field,
        value: TypedParamValue::String(v),
    }
}

fn cputune_mut(def: &mut Domain) -> &mut Cputune {
    def.cputune.get_or_insert_with(Cputune::default)
}

fn set_vcpupin(def: &mut Domain, vcpu: u32, cpus: Vec<u32>) {
    let ct = cputune_mut(def);
    ct.vcpupin.retain(|(v, _)| *v != vcpu);
    ct.vcpupin.push((vcpu, cpus));
    ct.vcpupin.sort_by_key(|(v, _)| *v);
}

fn affinity_error(what: &str, e: &std::io::Error) -> QemuError {
    vir(
        code::SYSTEM_ERROR,
        domain::NONE,
        format!(
            "cannot set CPU affinity on process {what}: {}",
            oxvirt_proto::vir_error::strerror(e)
        ),
    )
}

/// DOMAIN_PIN_VCPU (flags AFFECT_LIVE) and DOMAIN_PIN_VCPU_FLAGS.
async fn pin_vcpu(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    vcpu: u32,
    map: &[u8],
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(flags, AFFECT_LIVE | AFFECT_CONFIG, "qemuDomainPinVcpuFlags")?;
    let v = d.view(&dom)?;
    let (live, config) = impact(&v, flags)?;
    let cpus = pin_cpus(map)?;
    let mut persistent = match (config, v.entry()) {
        (true, Some(e)) => Some(e.domain()?),
        _ => None,
    };
    if let Some(def) = &persistent {
        if vcpu >= def.vcpu.count {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!(
                    "vcpu {vcpu} is out of range of persistent cpu count {}",
                    def.vcpu.count
                ),
            ));
        }
    }
    if let (true, Some(vm)) = (live, v.vm()) {
        let mut def = vm.def();
        let online = def.vcpu.current.unwrap_or(def.vcpu.count);
        if vcpu >= online {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!(
                    "vcpu {vcpu} is out of range of live cpu count {}",
                    def.vcpu.count
                ),
            ));
        }
        let host: Vec<usize> = cpus.iter().map(|&c| c as usize).collect();
        if let Some(t) = vcpu_threads(vm.qemu_pid())
            .into_iter()
            .find(|t| t.index == vcpu)
        {
            oxvirt_host::set_thread_affinity(t.tid, &host)
                .map_err(|e| affinity_error(&t.tid.to_string(), &e))?;
        }
        set_vcpupin(&mut def, vcpu, cpus.clone());
        save_live(d, vm, def).await?;
        emit_tunable(
            d,
            &v.handle(),
            vec![text_param(
                format!("cputune.vcpupin{vcpu}"),
                format_cpuset(&cpus),
            )],
        );
    }
    if let Some(mut def) = persistent.take() {
        set_vcpupin(&mut def, vcpu, cpus);
        save_config(d, def).await?;
    }
    Ok(())
}

/// DOMAIN_PIN_EMULATOR: QEMU's threads other than the vCPUs'.
async fn pin_emulator(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    map: &[u8],
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(flags, AFFECT_LIVE | AFFECT_CONFIG, "qemuDomainPinEmulator")?;
    let v = d.view(&dom)?;
    let (live, config) = impact(&v, flags)?;
    let cpus = pin_cpus(map)?;
    if let (true, Some(vm)) = (live, v.vm()) {
        let pid = vm.qemu_pid();
        let host: Vec<usize> = cpus.iter().map(|&c| c as usize).collect();
        let vcpus: Vec<i32> = vcpu_threads(pid).iter().map(|t| t.tid).collect();
        let tids: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|dir| {
                dir.flatten()
                    .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
                    .filter(|t| !vcpus.contains(t))
                    .collect()
            })
            .unwrap_or_default();
        for t in tids {
            oxvirt_host::set_thread_affinity(t, &host)
                .map_err(|e| affinity_error(&t.to_string(), &e))?;
        }
        let mut def = vm.def();
        cputune_mut(&mut def).emulatorpin = Some(cpus.clone());
        save_live(d, vm, def).await?;
        emit_tunable(
            d,
            &v.handle(),
            vec![text_param(
                "cputune.emulatorpin".into(),
                format_cpuset(&cpus),
            )],
        );
    }
    if let (true, Some(e)) = (config, v.entry()) {
        let mut def = e.domain()?;
        cputune_mut(&mut def).emulatorpin = Some(cpus);
        save_config(d, def).await?;
    }
    Ok(())
}

/// The vCPU count after a SETVCPUS of `n` online vCPUs in `def`.
fn set_online(def: &mut Domain, n: u32) {
    def.vcpu.current = (n < def.vcpu.count).then_some(n);
}

/// The maximum vCPU count after a SETVCPUS with `VIR_DOMAIN_VCPU_MAXIMUM`: fewer online
/// vCPUs when needed, and no pinning of vCPUs that are gone.
fn set_maximum(def: &mut Domain, n: u32) {
    let online = def.vcpu.current.unwrap_or(def.vcpu.count).min(n);
    def.vcpu.count = n;
    set_online(def, online);
    if let Some(ct) = def.cputune.as_mut() {
        ct.vcpupin.retain(|(v, _)| *v < n);
    }
}

/// DOMAIN_SET_VCPUS (flags AFFECT_LIVE) and DOMAIN_SET_VCPUS_FLAGS.
async fn set_vcpus(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    n: u32,
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM | VCPU_GUEST | VCPU_HOTPLUGGABLE,
        "qemuDomainSetVcpusFlags",
    )?;
    let v = d.view(&dom)?;
    let (live, config) = impact(&v, flags)?;
    if flags & VCPU_GUEST != 0 {
        return Err(vir(
            code::ARGUMENT_UNSUPPORTED,
            domain::QEMU,
            "QEMU guest agent is not configured",
        ));
    }
    let live_def = if live {
        v.vm().map(|vm| vm.def())
    } else {
        None
    };
    let mut persistent = match (config, v.entry()) {
        (true, Some(e)) => Some(e.domain()?),
        _ => None,
    };
    if flags & VCPU_MAXIMUM != 0 {
        if live_def.is_some() {
            return Err(vir(
                code::OPERATION_UNSUPPORTED,
                domain::QEMU,
                "maximum vcpu count of a live domain can't be modified",
            ));
        }
        // QEMU 7.2's machines: 288 vCPUs for q35, 255 for the others
        let q35 = persistent
            .as_ref()
            .and_then(|def| def.os.machine.as_deref())
            .is_some_and(|m| m.contains("q35"));
        let max = if q35 { 288 } else { 255 };
        if n > max {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!("requested vcpus is greater than max allowable vcpus for the domain: {n} > {max}"),
            ));
        }
        if let Some(mut def) = persistent.take() {
            set_maximum(&mut def, n);
            save_config(d, def).await?;
        }
        return Ok(());
    }
    if let Some(def) = &live_def {
        if n > def.vcpu.count {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!(
                    "requested vcpus is greater than max allowable vcpus for the live domain: {n} > {}",
                    def.vcpu.count
                ),
            ));
        }
    }
    if let Some(def) = &persistent {
        if n > def.vcpu.count {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!(
                    "requested vcpus is greater than max allowable vcpus for the persistent domain: {n} > {}",
                    def.vcpu.count
                ),
            ));
        }
    }
    if let Some(def) = &live_def {
        if n != def.vcpu.current.unwrap_or(def.vcpu.count) && def.vcpu.current.is_none() {
            // started with every vCPU online: none of them is hotpluggable
            return Err(vir(
                code::CONFIG_UNSUPPORTED,
                domain::QEMU,
                "failed to find appropriate hotpluggable vcpus to reach the desired target vcpu count",
            ));
        }
        if n != def.vcpu.current.unwrap_or(def.vcpu.count) {
            return Err(QemuError::ConfigUnsupported(
                "changing the number of online vCPUs of a running domain is not supported by oxvirt yet".into(),
            ));
        }
    }
    if let Some(mut def) = persistent.take() {
        set_online(&mut def, n);
        save_config(d, def).await?;
    }
    Ok(())
}

/// `VIR_DOMAIN_LIFECYCLE_*` names and `VIR_DOMAIN_LIFECYCLE_ACTION_*` values.
const LIFECYCLE_TYPES: &[&str] = &["poweroff", "reboot", "crash"];

fn lifecycle_action(action: u32) -> Option<Lifecycle> {
    Some(match action {
        0 => Lifecycle::Destroy,
        1 => Lifecycle::Restart,
        2 => Lifecycle::RenameRestart,
        3 => Lifecycle::Preserve,
        4 => Lifecycle::CoredumpDestroy,
        5 => Lifecycle::CoredumpRestart,
        _ => return None,
    })
}

fn set_lifecycle(def: &mut Domain, type_: u32, action: Lifecycle) {
    match type_ {
        0 => def.on_poweroff = action,
        1 => def.on_reboot = action,
        _ => def.on_crash = action,
    }
}

/// DOMAIN_SET_LIFECYCLE_ACTION.
async fn set_lifecycle_action(
    d: &Arc<QemuDriver>,
    a: oxvirt_proto::tune_api::DomainSetLifecycleActionArgs,
) -> Result<(), QemuError> {
    check_flags(
        a.flags,
        AFFECT_LIVE | AFFECT_CONFIG,
        "qemuDomainSetLifecycleAction",
    )?;
    let v = d.view(&a.dom)?;
    let (Some(type_name), Some(action)) = (
        LIFECYCLE_TYPES.get(a.type_ as usize),
        lifecycle_action(a.action),
    ) else {
        return Err(vir(
            code::INVALID_ARG,
            domain::DOMAIN,
            "invalid lifecycle type or action",
        ));
    };
    if a.type_ != 2
        && matches!(
            action,
            Lifecycle::CoredumpDestroy | Lifecycle::CoredumpRestart
        )
    {
        return Err(vir(
            code::CONFIG_UNSUPPORTED,
            domain::DOMAIN,
            format!(
                "Lifecycle event '{type_name}' doesn't support '{}' action",
                action.as_str()
            ),
        ));
    }
    let (live, config) = impact(&v, a.flags)?;
    if let (true, Some(vm)) = (live, v.vm()) {
        let mut def = vm.def();
        set_lifecycle(&mut def, a.type_, action);
        save_live(d, vm, def).await?;
    }
    if let (true, Some(e)) = (config, v.entry()) {
        let mut def = e.domain()?;
        set_lifecycle(&mut def, a.type_, action);
        save_config(d, def).await?;
    }
    Ok(())
}

/// Register the setters.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSetMaxMemory, |d, a, _| async move {
        crate::lifecycle_calls::set_memory_flags(&d, a.dom, a.memory, MEM_MAXIMUM).await
    });
    r.add(calls::DomainSetVcpus, |d, a, _| async move {
        set_vcpus(&d, a.dom, a.nvcpus, AFFECT_LIVE).await
    });
    r.add(calls::DomainSetVcpusFlags, |d, a, _| async move {
        set_vcpus(&d, a.dom, a.nvcpus, a.flags).await
    });
    r.add(calls::DomainPinVcpu, |d, a, _| async move {
        pin_vcpu(&d, a.dom, a.vcpu, &a.cpumap, AFFECT_LIVE).await
    });
    r.add(calls::DomainPinVcpuFlags, |d, a, _| async move {
        pin_vcpu(&d, a.dom, a.vcpu, &a.cpumap, a.flags).await
    });
    r.add(calls::DomainPinEmulator, |d, a, _| async move {
        pin_emulator(&d, a.dom, &a.cpumap, a.flags).await
    });
    r.add(calls::DomainSetLifecycleAction, |d, a, _| async move {
        set_lifecycle_action(&d, a).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_maps_read_as_libvirt_writes_them() {
        assert_eq!(cpus_of(&[0b101, 0b1]), vec![0, 2, 8]);
        assert!(pin_cpus(&[0, 0]).is_err());
    }

    fn dom(xml_vcpu: &str) -> Domain {
        oxvirt_conf::domain::parse(&format!(
            "<domain type='qemu'><name>t</name><memory>65536</memory>{xml_vcpu}\
             <os><type>hvm</type></os></domain>"
        ))
        .unwrap()
    }

    #[test]
    fn setvcpus_config_and_maximum() {
        let mut d = dom("<vcpu>4</vcpu><cputune><vcpupin vcpu='3' cpuset='0'/></cputune>");
        set_online(&mut d, 2);
        assert_eq!((d.vcpu.count, d.vcpu.current), (4, Some(2)));
        set_online(&mut d, 4);
        assert_eq!(d.vcpu.current, None);
        set_maximum(&mut d, 2);
        assert_eq!((d.vcpu.count, d.vcpu.current), (2, None));
        assert!(d.cputune.as_ref().unwrap().vcpupin.is_empty());
    }

    #[test]
    fn vcpupin_replaces_and_sorts() {
        let mut d = dom("<vcpu>4</vcpu>");
        set_vcpupin(&mut d, 2, vec![1]);
        set_vcpupin(&mut d, 0, vec![0, 1]);
        set_vcpupin(&mut d, 2, vec![0]);
        assert_eq!(
            d.cputune.unwrap().vcpupin,
            vec![(0, vec![0, 1]), (2, vec![0])]
        );
    }
}
