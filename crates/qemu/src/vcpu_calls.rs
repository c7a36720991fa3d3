//! vCPU queries (`virsh vcpucount`, `vcpuinfo`, `vcpupin`, `emulatorpin`, `iothreadinfo`):
//! counts from the definition, each vCPU's time, host CPU and affinity from its QEMU thread
//! (`/proc/PID/task`, named "CPU N/TCG" or "CPU N/KVM"), pinning from `<cputune>`.

use oxvirt_conf::domain::Domain;
use oxvirt_proto::calls;
use oxvirt_proto::domain_api::{
    CpumapsRet, DomainGetIothreadInfoRet, DomainGetVcpusRet, DomainIothreadInfo, VcpuInfo,
    CPUMAPS_MAX, VCPUINFO_MAX,
};
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::remote::IntRet;
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::domain_calls::View;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_VCPU_MAXIMUM`, `_GUEST`, `_HOTPLUGGABLE`.
const VCPU_MAXIMUM: u32 = 4;
const VCPU_GUEST: u32 = 8;
const VCPU_HOTPLUGGABLE: u32 = 16;

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

/// The definition a LIVE/CONFIG query reads (libvirt's `virDomainObjGetOneDef`).
fn one_def(v: &View, flags: u32) -> Result<Domain, QemuError> {
    let live = match flags & (AFFECT_LIVE | AFFECT_CONFIG) {
        0 => v.active(),
        f => f & AFFECT_LIVE != 0,
    };
    match (live, v.vm(), v.entry()) {
        (true, Some(vm), _) => Ok(vm.def()),
        (true, None, _) => Err(QemuError::Vir(VirError::new(
            oxvirt_proto::vir_error::code::OPERATION_INVALID,
            oxvirt_proto::vir_error::domain::DOMAIN,
            "domain is not running",
        ))),
        (false, _, Some(e)) => e.domain(),
        (false, _, None) => Err(QemuError::Vir(VirError::new(
            oxvirt_proto::vir_error::code::OPERATION_INVALID,
            oxvirt_proto::vir_error::domain::DOMAIN,
            "transient domains do not have any persistent config",
        ))),
    }
}

/// `virHostCPUGetCount()`: the host's CPUs.
fn host_cpus() -> usize {
    oxvirt_host::node_get_cpu_map(0)
        .ok()
        .and_then(|m| usize::try_from(m.total).ok())
        .unwrap_or(1)
        .max(1)
}

/// A `maplen`-byte map with `cpus` set (bit N of byte N/8).
fn map_of(cpus: impl IntoIterator<Item = usize>, maplen: usize) -> Vec<u8> {
    let mut m = vec![0u8; maplen];
    for c in cpus {
        if let Some(b) = m.get_mut(c / 8) {
            *b |= 1 << (c % 8);
        }
    }
    m
}

/// The CPUs vCPU `n` may run on by the definition: its `<vcpupin>`, else `<vcpu cpuset>`,
/// else every host CPU.
fn vcpu_cpus(def: &Domain, n: u32, host: usize) -> Vec<usize> {
    let pin = def
        .cputune
        .as_ref()
        .and_then(|t| t.vcpupin.iter().find(|(v, _)| *v == n))
        .map(|(_, c)| c.clone());
    match pin.or_else(|| def.vcpu.cpuset.clone()) {
        Some(c) => c.into_iter().map(|c| c as usize).collect(),
        None => (0..host).collect(),
    }
}

/// The emulator's CPUs by the definition.
fn emulator_cpus(def: &Domain, host: usize) -> Vec<usize> {
    match def
        .cputune
        .as_ref()
        .and_then(|t| t.emulatorpin.clone())
        .or_else(|| def.vcpu.cpuset.clone())
    {
        Some(c) => c.into_iter().map(|c| c as usize).collect(),
        None => (0..host).collect(),
    }
}

/// A vCPU thread of QEMU: its index, thread id, CPU time (ns) and last host CPU.
pub(crate) struct VcpuThread {
    pub(crate) index: u32,
    pub(crate) tid: i32,
    time_ns: u64,
    cpu: i32,
}

pub(crate) fn vcpu_threads(pid: i32) -> Vec<VcpuThread> {
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for e in dir.flatten() {
        let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let Some(index) = comm
            .trim()
            .strip_prefix("CPU ")
            .and_then(|r| r.split('/').next())
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let f: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, r)| r.split_whitespace().collect())
            .unwrap_or_default();
        // fields 3.. of proc(5): utime 14, stime 15, processor 39
        let num = |i: usize| {
            f.get(i - 3)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
        };
        out.push(VcpuThread {
            index,
            tid,
            time_ns: (num(14) + num(15)) * 1_000_000_000 / ticks,
            cpu: i32::try_from(num(39)).unwrap_or(0),
        });
    }
    out.sort_by_key(|t| t.index);
    out
}

/// The CPUs a thread may run on (its `Cpus_allowed_list`).
fn affinity(pid: i32, tid: i32, host: usize) -> Vec<usize> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).unwrap_or_default();
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(str::trim);
    match list.and_then(|l| oxvirt_host::Bitmap::parse(l.as_bytes()).ok()) {
        Some(b) => (0..host).filter(|&c| b.is_set(c)).collect(),
        None => (0..host).collect(),
    }
}

fn len(v: i32, what: &str) -> Result<usize, QemuError> {
    usize::try_from(v)
        .map_err(|_| QemuError::Vir(VirError::rpc(format!("{what} must be positive"))))
}

/// Register the vCPU queries.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetVcpusFlags, |d, a, _| {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM | VCPU_GUEST | VCPU_HOTPLUGGABLE,
            "qemuDomainGetVcpusFlags",
        )?;
        let v = d.view(&a.dom)?;
        let def = one_def(&v, a.flags)?;
        if a.flags & VCPU_GUEST != 0 {
            return Err(QemuError::Vir(VirError::new(
                oxvirt_proto::vir_error::code::ARGUMENT_UNSUPPORTED,
                oxvirt_proto::vir_error::domain::QEMU,
                "QEMU guest agent is not configured",
            )));
        }
        let n = if a.flags & VCPU_MAXIMUM != 0 {
            def.vcpu.count
        } else {
            def.vcpu.current.unwrap_or(def.vcpu.count)
        };
        Ok(IntRet {
            value: i32::try_from(n).unwrap_or(i32::MAX),
        })
    });
    r.add_sync(calls::DomainGetMaxVcpus, |d, a, _| {
        let v = d.view(&a.dom)?;
        let def = one_def(&v, AFFECT_LIVE)?;
        Ok::<_, QemuError>(IntRet {
            value: i32::try_from(def.vcpu.count).unwrap_or(i32::MAX),
        })
    });
    r.add_sync(calls::DomainGetVcpus, |d, a, _| {
        let (maxinfo, maplen) = (len(a.maxinfo, "maxinfo")?, len(a.maplen, "maplen")?);
        if maxinfo > VCPUINFO_MAX {
            return Err(QemuError::Vir(VirError::rpc(
                "maxinfo > REMOTE_VCPUINFO_MAX",
            )));
        }
        if maxinfo.saturating_mul(maplen) > CPUMAPS_MAX {
            return Err(QemuError::Vir(VirError::rpc(
                "maxinfo * maplen > REMOTE_CPUMAPS_MAX",
            )));
        }
        let vm = d.running.get(&a.dom.uuid).ok_or_else(|| {
            QemuError::OperationInvalid(
                "cannot retrieve vcpu information for inactive domain".into(),
            )
        });
        let vm = match vm {
            Ok(vm) => vm,
            Err(e) => {
                d.view(&a.dom)?;
                return Err(e);
            }
        };
        let host = host_cpus();
        let threads = vcpu_threads(vm.qemu_pid());
        let mut info = Vec::new();
        let mut cpumaps = vec![0u8; maxinfo * maplen];
        for (i, t) in threads.iter().take(maxinfo).enumerate() {
            info.push(VcpuInfo {
                number: t.index,
                state: 1, // VIR_VCPU_RUNNING
                cpu_time: t.time_ns,
                cpu: t.cpu,
            });
            let m = map_of(affinity(vm.qemu_pid(), t.tid, host), maplen);
            cpumaps[i * maplen..(i + 1) * maplen].copy_from_slice(&m);
        }
        Ok(DomainGetVcpusRet { info, cpumaps })
    });
    r.add_sync(calls::DomainGetVcpuPinInfo, |d, a, _| {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainGetVcpuPinInfo",
        )?;
        let (ncpumaps, maplen) = (len(a.ncpumaps, "ncpumaps")?, len(a.maplen, "maplen")?);
        if ncpumaps.saturating_mul(maplen) > CPUMAPS_MAX {
            return Err(QemuError::Vir(VirError::rpc(
                "ncpumaps * maplen > REMOTE_CPUMAPS_MAX",
            )));
        }
        let v = d.view(&a.dom)?;
        let def = one_def(&v, a.flags)?;
        let host = host_cpus();
        let n = ncpumaps.min(def.vcpu.count as usize);
        let mut cpumaps = Vec::with_capacity(ncpumaps * maplen);
        for i in 0..n {
            cpumaps.extend(map_of(vcpu_cpus(&def, i as u32, host), maplen));
        }
        cpumaps.resize(ncpumaps * maplen, 0);
        Ok(CpumapsRet {
            cpumaps,
            num: n as i32,
        })
    });
    r.add_sync(calls::DomainGetEmulatorPinInfo, |d, a, _| {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainGetEmulatorPinInfo",
        )?;
        let maplen = len(a.maplen, "maplen")?;
        if maplen > CPUMAPS_MAX {
            return Err(QemuError::Vir(VirError::rpc("maplen > REMOTE_CPUMAPS_MAX")));
        }
        let v = d.view(&a.dom)?;
        let def = one_def(&v, a.flags)?;
        Ok(CpumapsRet {
            cpumaps: map_of(emulator_cpus(&def, host_cpus()), maplen),
            num: 1,
        })
    });
    r.add_sync(calls::DomainGetIothreadInfo, |d, a, _| {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainGetIOThreadInfo",
        )?;
        let v = d.view(&a.dom)?;
        let def = one_def(&v, a.flags)?;
        let host = host_cpus();
        let maplen = host.div_ceil(8);
        let info: Vec<DomainIothreadInfo> = (1..=def.iothreads)
            .map(|id| DomainIothreadInfo {
                iothread_id: id,
                cpumap: map_of(0..host, maplen),
            })
            .collect();
        Ok::<_, QemuError>(DomainGetIothreadInfoRet {
            ret: info.len() as u32,
            info,
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps() {
        assert_eq!(map_of([0, 1, 9], 2), vec![0b11, 0b10]);
        assert_eq!(map_of([20], 1), vec![0]);
    }

    #[test]
    fn this_process_has_no_vcpu_threads() {
        assert!(vcpu_threads(std::process::id() as i32).is_empty());
    }
}
