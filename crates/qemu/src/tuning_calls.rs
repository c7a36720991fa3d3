//! cgroup-backed tuning (`virsh schedinfo`, `memtune`, `blkiotune`, `cpu-stats`; `numatune` is `numa_calls`),
//! answered as libvirt 9.0 answers on a host with cgroup v1 controllers: the live values from
//! the VM's cgroups ([`crate::cgroup`]), the persistent ones from the definition; where
//! libvirt fails on such a host (the blkio weight without a bfq/cfq scheduler, per-CPU
//! accounting through its v2 backend) the same error.

use std::sync::Arc;

use oxvirt_conf::domain::{Cputune, Domain, CPUTUNE_VALUES};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::remote::TYPED_PARAM_STRING_OKAY;
use oxvirt_proto::tune_api::{
    DomainGetCpuStatsArgs, DomainGetCpuStatsRet, DomainGetParametersRet,
    DomainGetSchedulerParametersRet, DomainGetSchedulerTypeRet,
};
use oxvirt_proto::types::{TypedParam, TypedParamValue as V};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::cgroup;
use crate::metadata_calls::impact;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED`.
const UNLIMITED_KIB: u64 = 9_007_199_254_740_991;
/// The scheduler parameters in libvirt's order: (name, cgroup group, cgroup file, the
/// `<cputune>` element).
const SCHED: &[(&str, &str, &str, &str)] = &[
    ("cpu_shares", "", "cpu.shares", "shares"),
    ("vcpu_period", "vcpu0", "cpu.cfs_period_us", "period"),
    ("vcpu_quota", "vcpu0", "cpu.cfs_quota_us", "quota"),
    (
        "emulator_period",
        "emulator",
        "cpu.cfs_period_us",
        "emulator_period",
    ),
    (
        "emulator_quota",
        "emulator",
        "cpu.cfs_quota_us",
        "emulator_quota",
    ),
    ("global_period", "", "cpu.cfs_period_us", "global_period"),
    ("global_quota", "", "cpu.cfs_quota_us", "global_quota"),
    (
        "iothread_period",
        "",
        "cpu.cfs_period_us",
        "iothread_period",
    ),
    ("iothread_quota", "", "cpu.cfs_quota_us", "iothread_quota"),
];

fn vir(c: i32, dom: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, dom, msg))
}

pub(crate) fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

pub(crate) fn param(field: &str, value: V) -> TypedParam {
    TypedParam {
        field: field.into(),
        value,
    }
}

/// The definition a getter reads and whether it is the live one.
pub(crate) fn def_of(
    d: &QemuDriver,
    dom: &NonnullDomain,
    flags: u32,
) -> Result<(Domain, bool), QemuError> {
    let v = d.view(dom)?;
    let (live, _) = impact(&v, flags & (AFFECT_LIVE | AFFECT_CONFIG))?;
    match (live, v.vm(), v.entry()) {
        (true, Some(vm), _) => Ok((vm.def(), true)),
        (_, _, Some(e)) => Ok((e.domain()?, false)),
        (_, Some(vm), None) => Ok((vm.def(), true)),
        (_, None, None) => Err(QemuError::Internal("no definition".into())),
    }
}

/// The live VM's directory in the v1 hierarchy of `controller`.
pub(crate) fn live_dir(
    d: &QemuDriver,
    def: &Domain,
    controller: &str,
) -> Option<std::path::PathBuf> {
    let id = def.id?;
    let partition = def.resource.as_ref().and_then(|r| r.partition.as_deref());
    cgroup::v1_dir(partition, id, &def.name, controller).filter(|p| d.privileged && p.is_dir())
}

pub(crate) fn not_mounted(what: &str) -> QemuError {
    vir(
        code::OPERATION_INVALID,
        domain::QEMU,
        format!("cgroup {what} controller is not mounted"),
    )
}

fn sched_params(d: &QemuDriver, def: &Domain, live: bool) -> Result<Vec<TypedParam>, QemuError> {
    let mut out = Vec::new();
    if live {
        let dir = live_dir(d, def, "cpu").ok_or_else(|| not_mounted("CPU"))?;
        for (name, group, file, _) in SCHED {
            let text = cgroup::read_value(&dir.join(group), file)
                .or_else(|_| cgroup::read_value(&dir, file))
                .map_err(|e| QemuError::Internal(format!("cannot read {file}: {e}")))?;
            out.push(typed(name, &text));
        }
    } else {
        let ct = def.cputune.clone().unwrap_or_default();
        for (name, _, _, elem) in SCHED {
            let v = if *elem == "shares" {
                ct.shares.map_or(0, |s| s as i64)
            } else {
                ct.values
                    .iter()
                    .find(|(k, _)| k == elem)
                    .map_or(0, |(_, v)| *v)
            };
            out.push(typed(name, &v.to_string()));
        }
    }
    Ok(out)
}

/// A scheduler value as libvirt types it: the quotas signed, the rest unsigned.
fn typed(name: &str, text: &str) -> TypedParam {
    if name.ends_with("_quota") {
        param(name, V::LLong(text.parse().unwrap_or(0)))
    } else {
        param(name, V::ULLong(text.parse().unwrap_or(0)))
    }
}

fn get_sched(
    d: &QemuDriver,
    dom: &NonnullDomain,
    nparams: i32,
    flags: u32,
) -> Result<DomainGetSchedulerParametersRet, QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY,
        "qemuDomainGetSchedulerParametersFlags",
    )?;
    let (def, live) = def_of(d, dom, flags)?;
    let mut params = sched_params(d, &def, live)?;
    params.truncate(usize::try_from(nparams).unwrap_or(0));
    Ok(DomainGetSchedulerParametersRet { params })
}

/// Range checks of libvirt's scheduler setter.
fn check_sched_value(name: &str, v: i64) -> Result<(), QemuError> {
    let range = if name.ends_with("_period") {
        Some((1000, 1_000_000))
    } else if name.ends_with("_quota") && v != -1 {
        Some((1000, 17_592_186_044_415))
    } else {
        None
    };
    if let Some((lo, hi)) = range {
        if v < lo || v > hi {
            return Err(vir(
                code::INVALID_ARG,
                domain::QEMU,
                format!("value of '{name}' is out of range [{lo}, {hi}]"),
            ));
        }
    }
    Ok(())
}

fn set_cputune(ct: &mut Cputune, elem: &str, v: i64) {
    if elem == "shares" {
        ct.shares = Some(v as u64);
        return;
    }
    let Some(key) = CPUTUNE_VALUES.iter().find(|k| **k == elem) else {
        return;
    };
    ct.values.retain(|(k, _)| k != key);
    ct.values.push((key, v));
    ct.values
        .sort_by_key(|(k, _)| CPUTUNE_VALUES.iter().position(|c| c == k));
}

async fn set_sched(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    params: Vec<TypedParam>,
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG,
        "qemuDomainSetSchedulerParametersFlags",
    )?;
    let mut values = Vec::new();
    for p in &params {
        let Some(row) = SCHED.iter().find(|r| r.0 == p.field) else {
            return Err(vir(
                code::ARGUMENT_UNSUPPORTED,
                domain::NONE,
                format!("parameter '{}' not supported", p.field),
            ));
        };
        let v = match p.value {
            V::ULLong(v) => i64::try_from(v).unwrap_or(i64::MAX),
            V::LLong(v) => v,
            _ => {
                return Err(vir(
                    code::INVALID_ARG,
                    domain::NONE,
                    format!("invalid type for parameter '{}'", p.field),
                ))
            }
        };
        check_sched_value(row.0, v)?;
        values.push((row, v));
    }
    let v = d.view(&dom)?;
    let (live, config) = impact(&v, flags)?;
    if let (true, Some(vm)) = (live, v.vm()) {
        let mut def = vm.def();
        let dir = live_dir(d, &def, "cpu").ok_or_else(|| not_mounted("CPU"))?;
        let mut event = Vec::new();
        for ((name, group, file, elem), val) in &values {
            let groups: Vec<std::path::PathBuf> = if *group == "vcpu0" {
                (0..def.vcpu.current.unwrap_or(def.vcpu.count))
                    .map(|n| dir.join(format!("vcpu{n}")))
                    .collect()
            } else {
                vec![dir.join(group)]
            };
            for g in groups {
                std::fs::write(g.join(file), val.to_string()).map_err(|e| QemuError::Io {
                    what: format!("cannot set {file}"),
                    source: e,
                })?;
            }
            // the kernel may round the shares: the live XML shows what it took
            let took = cgroup::read_value(&dir.join(group), file)
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(*val);
            set_cputune(def.cputune.get_or_insert_with(Cputune::default), elem, took);
            event.push(typed(&format!("cputune.{name}"), &took.to_string()));
        }
        crate::setter_calls::save_live(d, vm, def).await?;
        crate::setter_calls::emit_tunable(d, &v.handle(), event);
    }
    if let (true, Some(e)) = (config, v.entry()) {
        let mut def = e.domain()?;
        for ((_, _, _, elem), val) in &values {
            set_cputune(def.cputune.get_or_insert_with(Cputune::default), elem, *val);
        }
        crate::setter_calls::save_config(d, def).await?;
    }
    Ok(())
}

/// Count-or-values reply of the memory, blkio and NUMA getters.
pub(crate) fn counted(params: Vec<TypedParam>, nparams: i32) -> DomainGetParametersRet {
    if nparams == 0 {
        return DomainGetParametersRet {
            nparams: params.len() as i32,
            params: Vec::new(),
        };
    }
    let mut params = params;
    params.truncate(usize::try_from(nparams).unwrap_or(0));
    DomainGetParametersRet { params, nparams: 0 }
}

/// A memory cgroup limit in KiB, libvirt's "unlimited" for the kernel's maximum.
fn limit_kib(bytes: &str) -> u64 {
    let kib = bytes.parse::<u64>().unwrap_or(u64::MAX) >> 10;
    if kib >= (i64::MAX as u64 & !4095) >> 10 {
        UNLIMITED_KIB
    } else {
        kib
    }
}

fn get_memory(
    d: &QemuDriver,
    dom: &NonnullDomain,
    nparams: i32,
    flags: u32,
) -> Result<DomainGetParametersRet, QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY,
        "qemuDomainGetMemoryParameters",
    )?;
    let (def, live) = def_of(d, dom, flags)?;
    let names = [
        ("hard_limit", "memory.limit_in_bytes"),
        ("soft_limit", "memory.soft_limit_in_bytes"),
        ("swap_hard_limit", "memory.memsw.limit_in_bytes"),
    ];
    let dir = if live {
        Some(live_dir(d, &def, "memory").ok_or_else(|| not_mounted("memory"))?)
    } else {
        None
    };
    if nparams == 0 {
        return Ok(counted(vec![param("", V::Int(0)); 3], 0));
    }
    let params = names
        .iter()
        .map(|(name, file)| {
            let kib = match &dir {
                Some(dir) => cgroup::read_value(dir, file).map_or(UNLIMITED_KIB, |t| limit_kib(&t)),
                None => def
                    .memtune
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or(UNLIMITED_KIB, |(_, v)| *v),
            };
            param(name, V::ULLong(kib))
        })
        .collect();
    Ok(counted(params, nparams))
}

fn get_blkio(
    d: &QemuDriver,
    dom: &NonnullDomain,
    nparams: i32,
    flags: u32,
) -> Result<DomainGetParametersRet, QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY,
        "qemuDomainGetBlkioParameters",
    )?;
    let (def, live) = def_of(d, dom, flags)?;
    let dir = if live {
        Some(live_dir(d, &def, "blkio").ok_or_else(|| not_mounted("blkio"))?)
    } else {
        None
    };
    if nparams == 0 {
        return Ok(counted(vec![param("", V::Int(0)); 6], 0));
    }
    let weight = match &dir {
        Some(dir) => {
            let w = cgroup::read_value(dir, "blkio.bfq.weight")
                .or_else(|_| cgroup::read_value(dir, "blkio.weight"))
                .map_err(|_| {
                    vir(
                        code::OPERATION_INVALID,
                        domain::CGROUP,
                        "blkio device weight is valid only for bfq or cfq scheduler",
                    )
                })?;
            w.split_whitespace()
                .last()
                .and_then(|w| w.parse().ok())
                .unwrap_or(0)
        }
        None => def.blkiotune.as_ref().and_then(|b| b.weight).unwrap_or(0),
    };
    let mut params = vec![param("weight", V::UInt(weight))];
    if flags & TYPED_PARAM_STRING_OKAY != 0 {
        for f in [
            "device_weight",
            "device_read_iops_sec",
            "device_write_iops_sec",
            "device_read_bytes_sec",
            "device_write_bytes_sec",
        ] {
            params.push(param(f, V::String(String::new())));
        }
    }
    Ok(counted(params, nparams))
}

/// QEMU's CPU time (total, user, system) in ns from `/proc/PID/stat`.
fn cpu_times(pid: i32) -> (u64, u64, u64) {
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let num = |i: usize| {
        f.get(i - 3)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (u, s) = (
        num(14) * 1_000_000_000 / ticks,
        num(15) * 1_000_000_000 / ticks,
    );
    (u + s, u, s)
}

fn get_cpu_stats(
    d: &QemuDriver,
    a: &DomainGetCpuStatsArgs,
) -> Result<DomainGetCpuStatsRet, QemuError> {
    check_flags(a.flags, TYPED_PARAM_STRING_OKAY, "qemuDomainGetCPUStats")?;
    let vm = crate::job_calls::check_active(d, &a.dom)?;
    if a.start_cpu == -1 {
        if a.nparams == 0 {
            return Ok(DomainGetCpuStatsRet {
                params: Vec::new(),
                nparams: 3,
            });
        }
        let (t, u, s) = cpu_times(vm.qemu_pid());
        let mut params = vec![
            param("cpu_time", V::ULLong(t)),
            param("user_time", V::ULLong(u)),
            param("system_time", V::ULLong(s)),
        ];
        params.truncate(a.nparams as usize);
        let n = params.len() as i32;
        return Ok(DomainGetCpuStatsRet { params, nparams: n });
    }
    if a.nparams == 0 && a.ncpus != 0 {
        return Ok(DomainGetCpuStatsRet {
            params: Vec::new(),
            nparams: 2,
        });
    }
    let host = oxvirt_host::node_get_cpu_map(0)
        .ok()
        .and_then(|m| i32::try_from(m.total).ok())
        .unwrap_or(1);
    if a.ncpus == 0 {
        return Ok(DomainGetCpuStatsRet {
            params: Vec::new(),
            nparams: host,
        });
    }
    if a.start_cpu >= host {
        return Err(vir(
            code::INVALID_ARG,
            domain::CGROUP,
            format!(
                "start_cpu {} larger than maximum of {}",
                a.start_cpu,
                host - 1
            ),
        ));
    }
    // libvirt 9.0 reads per-CPU usage through its cgroup v2 backend on this kind of host
    Err(vir(
        code::OPERATION_UNSUPPORTED,
        domain::CGROUP,
        "operation 'getCpuacctPercpuUsage' not supported for backend 'cgroup V2'",
    ))
}

/// Register the tuning calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetSchedulerType, |d, a, _| {
        let v = d.view(&a.dom)?;
        if let Some(vm) = v.vm() {
            live_dir(d, &vm.def(), "cpu").ok_or_else(|| not_mounted("CPU"))?;
        }
        Ok::<_, QemuError>(DomainGetSchedulerTypeRet {
            type_: "posix".into(),
            nparams: SCHED.len() as i32,
        })
    });
    r.add_sync(calls::DomainGetSchedulerParameters, |d, a, _| {
        get_sched(d, &a.dom, a.nparams, 0)
    });
    r.add_sync(calls::DomainGetSchedulerParametersFlags, |d, a, _| {
        get_sched(d, &a.dom, a.nparams, a.flags)
    });
    r.add(calls::DomainSetSchedulerParameters, |d, a, _| async move {
        set_sched(&d, a.dom, a.params, 0).await
    });
    r.add(
        calls::DomainSetSchedulerParametersFlags,
        |d, a, _| async move { set_sched(&d, a.dom, a.params, a.flags).await },
    );
    r.add_sync(calls::DomainGetMemoryParameters, |d, a, _| {
        get_memory(d, &a.dom, a.nparams, a.flags)
    });
    r.add_sync(calls::DomainGetBlkioParameters, |d, a, _| {
        get_blkio(d, &a.dom, a.nparams, a.flags)
    });
    r.add_sync(calls::DomainGetCpuStats, |d, a, _| get_cpu_stats(d, &a));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_as_libvirt_shows_them() {
        assert_eq!(limit_kib("9223372036854771712"), UNLIMITED_KIB);
        assert_eq!(limit_kib("1073741824"), 1_048_576);
    }

    #[test]
    fn scheduler_ranges_and_cputune() {
        assert!(check_sched_value("vcpu_period", 999).is_err());
        assert!(check_sched_value("vcpu_quota", -1).is_ok());
        assert!(check_sched_value("cpu_shares", 5).is_ok());
        let mut ct = Cputune::default();
        set_cputune(&mut ct, "quota", 5000);
        set_cputune(&mut ct, "period", 20000);
        set_cputune(&mut ct, "shares", 512);
        assert_eq!(ct.values, vec![("period", 20000), ("quota", 5000)]);
        assert_eq!(ct.shares, Some(512));
    }

    #[test]
    fn getters_count_first() {
        let r = counted(vec![param("a", V::Int(1)), param("b", V::Int(2))], 0);
        assert_eq!((r.nparams, r.params.len()), (2, 0));
        let r = counted(vec![param("a", V::Int(1)), param("b", V::Int(2))], 1);
        assert_eq!((r.nparams, r.params.len()), (0, 1));
    }
}
