//! One device's statistics (`virsh domblkstat`, `domifstat`, `dommemstat`, `domblkinfo`):
//! block counters and sizes from the shim's `domstats` block group, the balloon's numbers
//! from the shim, QEMU's RSS from `/proc`, a NIC's counters from its host device.

use std::sync::Arc;

use oxvirt_conf::domain::Domain;
use oxvirt_proto::calls;
use oxvirt_proto::domain_api::{
    memory_stat, DomainBlockStatsRet, DomainGetBlockInfoRet, DomainInterfaceStatsRet,
    DomainMemoryStat, DomainMemoryStatsRet,
};
use oxvirt_proto::remote::TypedParamsRet;
use oxvirt_proto::shim as sp;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{TypedParam, TypedParamValue, VirError};
use oxvirt_remote::Router;

use crate::job_calls::check_active;
use crate::running::Vm;
use crate::{QemuDriver, QemuError};

/// `VIR_TYPED_PARAM_STRING_OKAY`.
const TYPED_PARAM_STRING_OKAY: u32 = 4;

/// The counters of one disk (or of all, summed), as `block.N.*` names them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct BlockCounters {
    rd_reqs: u64,
    rd_bytes: u64,
    rd_times: u64,
    wr_reqs: u64,
    wr_bytes: u64,
    wr_times: u64,
    fl_reqs: u64,
    fl_times: u64,
}

/// The index of the disk `path` names (its target or its source, as libvirt's
/// `virDomainDiskByName`).
fn disk_index(def: &Domain, path: &str) -> Option<usize> {
    let disks = &def.devices.disks;
    disks
        .iter()
        .position(|d| d.target_dev == path)
        .or_else(|| disks.iter().position(|d| d.source.as_deref() == Some(path)))
}

fn ull(params: &[TypedParam], field: &str) -> Option<u64> {
    params
        .iter()
        .find(|p| p.field == field)
        .and_then(|p| match p.value {
            TypedParamValue::ULLong(v) => Some(v),
            _ => None,
        })
}

/// Sum (or pick) the counters of the block group's records.
fn counters(params: &[TypedParam], only: Option<usize>, ndisks: usize) -> BlockCounters {
    let mut c = BlockCounters::default();
    for i in (0..ndisks).filter(|i| only.is_none_or(|o| o == *i)) {
        let get = |name: &str| ull(params, &format!("block.{i}.{name}")).unwrap_or(0);
        c.rd_reqs += get("rd.reqs");
        c.rd_bytes += get("rd.bytes");
        c.rd_times += get("rd.times");
        c.wr_reqs += get("wr.reqs");
        c.wr_bytes += get("wr.bytes");
        c.wr_times += get("wr.times");
        c.fl_reqs += get("fl.reqs");
        c.fl_times += get("fl.times");
    }
    c
}

async fn block_group(d: &QemuDriver, vm: &Vm) -> Result<Vec<TypedParam>, QemuError> {
    let r = vm
        .call(
            sp::Stats,
            &sp::StatsArgs {
                groups: sp::group::BLOCK,
            },
            d.call_timeout,
        )
        .await?;
    Ok(r.params)
}

/// libvirt's "invalid path: X" for a disk the domain does not have.
fn invalid_path(path: &str) -> QemuError {
    QemuError::InvalidArg(format!("invalid path: {path}"))
}

async fn block_counters(
    d: &Arc<QemuDriver>,
    dom: &oxvirt_proto::NonnullDomain,
    path: &str,
) -> Result<BlockCounters, QemuError> {
    let vm = check_active(d, dom)?;
    let def = vm.def();
    let only = if path.is_empty() {
        None
    } else {
        Some(disk_index(&def, path).ok_or_else(|| invalid_path(path))?)
    };
    let params = block_group(d, &vm).await?;
    Ok(counters(&params, only, def.devices.disks.len()))
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// QEMU's resident set in KiB (`/proc/PID/stat`'s rss, in pages).
fn rss_kib(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    // fields 3.. of proc(5); rss is field 24
    let pages: u64 = after.split_whitespace().nth(21)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64 / 1024)
}

/// A NIC's counters from its host device, seen from the guest (the host's receive is the
/// guest's transmit, as libvirt swaps them for tap devices).
fn host_nic_counters(dev: &str) -> Result<DomainInterfaceStatsRet, QemuError> {
    let read = |name: &str| -> Result<i64, QemuError> {
        let p = format!("/sys/class/net/{dev}/statistics/{name}");
        std::fs::read_to_string(&p)
            .map_err(|e| QemuError::Io {
                what: format!("cannot read {p}"),
                source: e,
            })
            .map(|s| s.trim().parse().unwrap_or(0))
    };
    Ok(DomainInterfaceStatsRet {
        rx_bytes: read("tx_bytes")?,
        rx_packets: read("tx_packets")?,
        rx_errs: read("tx_errors")?,
        rx_drop: read("tx_dropped")?,
        tx_bytes: read("rx_bytes")?,
        tx_packets: read("rx_packets")?,
        tx_errs: read("rx_errors")?,
        tx_drop: read("rx_dropped")?,
    })
}

/// Register the device statistics calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainBlockStats, |d, a, _| async move {
        let c = block_counters(&d, &a.dom, &a.device).await?;
        Ok::<_, QemuError>(DomainBlockStatsRet {
            rd_req: clamp(c.rd_reqs),
            rd_bytes: clamp(c.rd_bytes),
            wr_req: clamp(c.wr_reqs),
            wr_bytes: clamp(c.wr_bytes),
            errs: -1,
        })
    });
    r.add(calls::DomainBlockStatsFlags, |d, a, _| async move {
        if a.flags & !TYPED_PARAM_STRING_OKAY != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.flags,
                func: "qemuDomainBlockStatsFlags",
            });
        }
        let c = block_counters(&d, &a.dom, &a.path).await?;
        let all = [
            ("wr_bytes", c.wr_bytes),
            ("wr_operations", c.wr_reqs),
            ("rd_bytes", c.rd_bytes),
            ("rd_operations", c.rd_reqs),
            ("flush_operations", c.fl_reqs),
            ("wr_total_times", c.wr_times),
            ("rd_total_times", c.rd_times),
            ("flush_total_times", c.fl_times),
        ];
        if a.nparams == 0 {
            // the client asks how many there are first
            return Ok(TypedParamsRet {
                params: Vec::new(),
                nparams: all.len() as i32,
            });
        }
        let n = usize::try_from(a.nparams).unwrap_or(0).min(all.len());
        Ok(TypedParamsRet {
            params: all[..n]
                .iter()
                .map(|&(f, v)| TypedParam {
                    field: f.into(),
                    value: TypedParamValue::LLong(clamp(v)),
                })
                .collect(),
            nparams: n as i32,
        })
    });
    r.add_sync(calls::DomainInterfaceStats, |d, a, _| {
        let vm = check_active(d, &a.dom)?;
        let def = vm.def();
        let by_mac = oxvirt_conf::network::parse_mac(&a.device);
        let nic = def.devices.interfaces.iter().find(|n| match by_mac {
            Some(m) => n.mac == m,
            None => n.target_dev.as_deref() == Some(a.device.as_str()),
        });
        let Some(nic) = nic else {
            return Err(QemuError::Vir(VirError::new(
                code::INVALID_ARG,
                domain::DOMAIN,
                format!("'{}' is not a known interface", a.device),
            )));
        };
        match &nic.target_dev {
            Some(dev) => host_nic_counters(dev),
            None => Err(QemuError::Vir(VirError::new(
                code::INTERNAL_ERROR,
                domain::NONE,
                "Interface name not provided",
            ))),
        }
    });
    r.add(calls::DomainMemoryStats, |d, a, _| async move {
        if a.flags != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.flags,
                func: "qemuDomainMemoryStats",
            });
        }
        let vm = check_active(&d, &a.dom)?;
        let mut stats = vm.call(sp::MemoryStats, &(), d.call_timeout).await?.stats;
        if let Some(rss) = rss_kib(vm.qemu_pid()) {
            stats.push(DomainMemoryStat {
                tag: memory_stat::RSS,
                val: rss,
            });
        }
        stats.truncate(a.max_stats as usize);
        Ok(DomainMemoryStatsRet { stats })
    });
    r.add(calls::DomainGetBlockInfo, |d, a, _| async move {
        if a.flags != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags: a.flags,
                func: "qemuDomainGetBlockInfo",
            });
        }
        let v = d.view(&a.dom)?;
        let not_assigned =
            || QemuError::InvalidArg(format!("invalid path {} not assigned to domain", a.path));
        match v.vm() {
            Some(vm) => {
                let def = vm.def();
                let i = disk_index(&def, &a.path).ok_or_else(not_assigned)?;
                let params = block_group(&d, vm).await?;
                let get = |n: &str| ull(&params, &format!("block.{i}.{n}")).unwrap_or(0);
                Ok(DomainGetBlockInfoRet {
                    allocation: get("allocation"),
                    capacity: get("capacity"),
                    physical: get("physical"),
                })
            }
            None => {
                let def = v.entry().ok_or_else(not_assigned)?.domain()?;
                let i = disk_index(&def, &a.path).ok_or_else(not_assigned)?;
                let src = def.devices.disks[i].source.clone().unwrap_or_default();
                let m = std::fs::metadata(&src).map_err(|e| QemuError::Io {
                    what: format!("cannot stat file '{src}'"),
                    source: e,
                })?;
                use std::os::unix::fs::MetadataExt;
                Ok(DomainGetBlockInfoRet {
                    allocation: m.blocks() * 512,
                    capacity: m.len(),
                    physical: m.len(),
                })
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(f: &str, v: u64) -> TypedParam {
        TypedParam {
            field: f.into(),
            value: TypedParamValue::ULLong(v),
        }
    }

    #[test]
    fn counters_pick_one_disk_or_sum_all() {
        let params = vec![
            p("block.0.rd.reqs", 2),
            p("block.0.rd.bytes", 4608),
            p("block.1.rd.reqs", 3),
            p("block.1.wr.bytes", 512),
        ];
        let one = counters(&params, Some(0), 2);
        assert_eq!((one.rd_reqs, one.rd_bytes, one.wr_bytes), (2, 4608, 0));
        let all = counters(&params, None, 2);
        assert_eq!((all.rd_reqs, all.wr_bytes), (5, 512));
    }

    #[test]
    fn rss_of_this_process() {
        let kib = rss_kib(std::process::id() as i32).expect("rss");
        assert!(kib > 0);
    }
}
