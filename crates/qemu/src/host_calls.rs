//! Host-level calls: hypervisor type and version, hostname, node info and statistics,
//! sysinfo, max vcpus, the (empty) security model, the CPU map, the capabilities and
//! domain capabilities XML, the CPU model names.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use oxvirt_proto::calls;
use oxvirt_proto::remote::{
    ConnectGetCpuModelNamesRet, ConnectGetDomainCapabilitiesArgs, IntRet,
    NodeGetCellsFreeMemoryRet, NodeGetCpuMapRet, NodeGetCpuStatsRet, NodeGetInfoRet,
    NodeGetMemoryStatsRet, NodeGetSecurityModelRet, NodeStat, StringRet, U64Ret,
    NODE_CPU_STATS_MAX, NODE_MAX_CELLS, NODE_MEMORY_STATS_MAX,
};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::{QemuDriver, QemuError};
use oxvirt_sync::MutexExt;

/// NODE_GET_INFO is cheap to keep: the topology and total memory rarely change, and
/// monitoring tools call it in loops. Re-read at most once a second.
static NODE_INFO: Mutex<Option<(Instant, NodeGetInfoRet)>> = Mutex::new(None);
const NODE_INFO_TTL: Duration = Duration::from_secs(1);

fn node_info() -> Result<NodeGetInfoRet, QemuError> {
    {
        let g = NODE_INFO.locked();
        if let Some((at, info)) = g.as_ref() {
            if at.elapsed() < NODE_INFO_TTL {
                return Ok(info.clone());
            }
        }
    }
    let n = oxvirt_host::node_info()?;
    let mut model = [0i8; 32];
    for (d, s) in model.iter_mut().zip(n.model.bytes().take(31)) {
        *d = s as i8;
    }
    let to_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let info = NodeGetInfoRet {
        model,
        memory: n.memory_kib,
        cpus: to_i32(n.cpus),
        mhz: to_i32(n.mhz),
        nodes: to_i32(n.nodes),
        sockets: to_i32(n.sockets),
        cores: to_i32(n.cores),
        threads: to_i32(n.threads),
    };
    {
        let mut g = NODE_INFO.locked();
        *g = Some((Instant::now(), info.clone()));
    }
    Ok(info)
}

fn node_stats(stats: Vec<oxvirt_host::TypedStat>) -> Vec<NodeStat> {
    stats
        .into_iter()
        .map(|s| NodeStat {
            field: s.field.to_string(),
            value: s.value,
        })
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, oxvirt_host::HostError> + Send + 'static,
) -> Result<T, QemuError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r?),
        Err(e) => Err(QemuError::Vir(VirError::internal(format!(
            "host query failed: {e}"
        )))),
    }
}

/// Register the host-level calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::ConnectGetType, |_, (), _| {
        Ok::<_, QemuError>(StringRet {
            value: "QEMU".into(),
        })
    });
    r.add_sync(calls::ConnectGetVersion, |d, (), _| {
        Ok::<_, QemuError>(U64Ret {
            value: d.qemu_version.ok_or(QemuError::NoEmulator)?,
        })
    });
    r.add_sync(calls::ConnectGetLibVersion, |_, (), _| {
        Ok::<_, QemuError>(U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        })
    });
    r.add(calls::ConnectGetHostname, |_, (), _| async move {
        Ok::<_, QemuError>(StringRet {
            value: blocking(oxvirt_host::hostname).await?,
        })
    });
    r.add(calls::ConnectGetSysinfo, |_, a, _| async move {
        Ok::<_, QemuError>(StringRet {
            value: blocking(move || oxvirt_host::connect_get_sysinfo(a.flags)).await?,
        })
    });
    r.add(calls::ConnectGetMaxVcpus, |_, a, _| async move {
        let n = blocking(move || oxvirt_host::max_vcpus(a.type_.as_deref())).await?;
        Ok::<_, QemuError>(IntRet {
            value: i32::try_from(n).unwrap_or(i32::MAX),
        })
    });
    r.add(calls::ConnectGetCapabilities, |d, (), _| async move {
        Ok::<_, QemuError>(StringRet {
            value: capabilities(&d).await?,
        })
    });
    r.add(calls::ConnectGetDomainCapabilities, |d, a, _| async move {
        Ok::<_, QemuError>(StringRet {
            value: domain_capabilities(&d, a).await?,
        })
    });
    r.add_sync(calls::ConnectGetCpuModelNames, |_, a, _| {
        let models = cpu_model_names(&a.arch, a.flags)?;
        let ret = i32::try_from(models.len()).unwrap_or(i32::MAX);
        Ok::<_, QemuError>(ConnectGetCpuModelNamesRet {
            models: if a.need_results != 0 {
                models
            } else {
                Vec::new()
            },
            ret,
        })
    });
    r.add_sync(calls::NodeGetInfo, |_, (), _| node_info());
    r.add(calls::NodeGetCpuStats, |_, a, _| async move {
        if a.nparams > NODE_CPU_STATS_MAX as i32 {
            return Err(QemuError::Vir(VirError::rpc("nparams too large")));
        }
        let r = blocking(move || oxvirt_host::node_get_cpu_stats(a.cpu_num, a.nparams, a.flags))
            .await?;
        Ok(NodeGetCpuStatsRet {
            params: node_stats(r.params),
            nparams: r.nparams,
        })
    });
    r.add(calls::NodeGetMemoryStats, |_, a, _| async move {
        if a.nparams > NODE_MEMORY_STATS_MAX as i32 {
            return Err(QemuError::Vir(VirError::rpc("nparams too large")));
        }
        let r =
            blocking(move || oxvirt_host::node_get_memory_stats(a.cell_num, a.nparams, a.flags))
                .await?;
        Ok(NodeGetMemoryStatsRet {
            params: node_stats(r.params),
            nparams: r.nparams,
        })
    });
    r.add(calls::NodeGetFreeMemory, |_, (), _| async move {
        let free = blocking(oxvirt_host::free_memory_bytes).await?;
        if free == 0 {
            // libvirt treats 0 as a failed call
            return Err(QemuError::Vir(VirError::internal(
                "unable to get free memory",
            )));
        }
        Ok(U64Ret { value: free })
    });
    r.add(calls::NodeGetCellsFreeMemory, |_, a, _| async move {
        if a.maxcells < 0 || a.maxcells as usize > NODE_MAX_CELLS {
            return Err(QemuError::Vir(VirError::rpc(
                "maxCells > REMOTE_NODE_MAX_CELLS",
            )));
        }
        let cells =
            blocking(move || oxvirt_host::cells_free_memory(a.start_cell, a.maxcells)).await?;
        Ok(NodeGetCellsFreeMemoryRet { cells })
    });
    r.add(calls::NodeGetCpuMap, |_, a, _| async move {
        let m = blocking(move || oxvirt_host::node_get_cpu_map(a.flags)).await?;
        Ok::<_, QemuError>(NodeGetCpuMapRet {
            cpumap: if a.need_map != 0 {
                m.cpumap
            } else {
                Vec::new()
            },
            online: if a.need_online != 0 { m.online } else { 0 },
            ret: i32::try_from(m.total).unwrap_or(i32::MAX),
        })
    });
    // No security driver yet: an empty model (one NUL char) makes virsh skip the lines.
    // no security driver confines QEMU: libvirt's "none" model (what `capabilities` says)
    r.add_sync(calls::NodeGetSecurityModel, |_, (), _| {
        Ok::<_, QemuError>(NodeGetSecurityModelRet {
            model: c_chars("none"),
            doi: c_chars("0"),
        })
    });
}

/// The group QEMU processes run as for the DAC model, as libvirt's Debian build configures
/// it (`libvirt-qemu`), or root.
fn dac_ids() -> (u32, u32) {
    oxvirt_host::user_ids("libvirt-qemu").unwrap_or((0, 0))
}

async fn capabilities(d: &QemuDriver) -> Result<String, QemuError> {
    let (host, info) =
        blocking(|| Ok((oxvirt_host::host_caps(), oxvirt_host::node_info()?))).await?;
    let extra = crate::capabilities::HostExtra {
        uuid: &d.host_uuid,
        arch: oxvirt_host::host_arch(),
        topology: (info.sockets, 1, info.cores, info.threads),
        dac: dac_ids(),
    };
    let guests: Vec<&crate::probe::ProbedQemu> = d.emulators.iter().collect();
    Ok(crate::capabilities::capabilities_xml(
        &host, &extra, &guests,
    ))
}

async fn domain_capabilities(
    d: &QemuDriver,
    a: ConnectGetDomainCapabilitiesArgs,
) -> Result<String, QemuError> {
    if a.flags != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuConnectGetDomainCapabilities",
        });
    }
    use crate::domain_capabilities as dc;
    let sel = dc::select(
        &d.emulators,
        oxvirt_host::host_arch(),
        a.emulatorbin.as_deref(),
        a.arch.as_deref(),
        a.machine.as_deref(),
        a.virttype.as_deref(),
    )?;
    let kvm = sel.virt == dc::VirtType::Kvm;
    let (host, kvm_max) = blocking(move || {
        let max = if kvm {
            oxvirt_host::kvm_max_vcpus().ok()
        } else {
            None
        };
        Ok((oxvirt_host::host_caps(), max))
    })
    .await?;
    let input = dc::DomcapsInput {
        firmware: &d.firmware,
        host_cpu: &host.cpu,
        kvm_max_vcpus: kvm_max,
        vfio: host.iommu,
        swtpm: crate::version::find_in_path(&["swtpm"]).is_some(),
    };
    Ok(dc::domain_capabilities_xml(
        sel.emulator,
        &sel.arch,
        sel.machine,
        sel.virt,
        &input,
    ))
}

/// `CONNECT_GET_CPU_MODEL_NAMES`: the CPU models libvirt knows for an architecture (none,
/// meaning "all accepted", for architectures without a CPU map).
fn cpu_model_names(arch: &str, flags: u32) -> Result<Vec<String>, QemuError> {
    if flags != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags,
            func: "qemuConnectGetCPUModelNames",
        });
    }
    if !crate::capabilities::is_arch_name(arch) {
        return Err(QemuError::InvalidArg(format!(
            "cannot find architecture {arch}"
        )));
    }
    Ok(match arch {
        "i686" | "x86_64" => crate::cpu_map::X86_MODELS
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        _ => Vec::new(),
    })
}

/// A NUL-terminated C string as XDR chars.
pub(crate) fn c_chars(s: &str) -> Vec<i8> {
    s.bytes()
        .map(|b| b as i8)
        .chain(std::iter::once(0))
        .collect()
}
