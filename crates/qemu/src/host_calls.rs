//! Host-level calls: hypervisor type and version, hostname, node info and statistics,
//! sysinfo, max vcpus, the (empty) security model, the CPU map, the capabilities and
//! domain capabilities XML, the CPU model names.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    ConnectGetCpuModelNamesArgs, ConnectGetCpuModelNamesRet, ConnectGetDomainCapabilitiesArgs,
    ConnectGetMaxVcpusArgs, FlagsArgs, IntRet, NodeGetCellsFreeMemoryArgs,
    NodeGetCellsFreeMemoryRet, NodeGetCpuMapArgs, NodeGetCpuMapRet, NodeGetCpuStatsArgs,
    NodeGetCpuStatsRet, NodeGetInfoRet, NodeGetMemoryStatsArgs, NodeGetMemoryStatsRet,
    NodeGetSecurityModelRet, NodeStat, StringRet, U64Ret, NODE_CPU_STATS_MAX, NODE_MAX_CELLS,
    NODE_MEMORY_STATS_MAX,
};
use oxvirt_proto::VirError;
use oxvirt_remote::CallCtx;

use crate::{QemuDriver, QemuError};

fn enc<T: oxvirt_xdr::Encode>(v: &T) -> Result<Vec<u8>, QemuError> {
    Ok(oxvirt_xdr::to_bytes(v)?)
}

fn args<T: oxvirt_xdr::Decode>(ctx: &CallCtx) -> Result<T, QemuError> {
    ctx.args().map_err(QemuError::Vir)
}

/// NODE_GET_INFO is cheap to keep: the topology and total memory rarely change, and
/// monitoring tools call it in loops. Re-read at most once a second.
static NODE_INFO: Mutex<Option<(Instant, NodeGetInfoRet)>> = Mutex::new(None);
const NODE_INFO_TTL: Duration = Duration::from_secs(1);

fn node_info() -> Result<NodeGetInfoRet, QemuError> {
    if let Ok(g) = NODE_INFO.lock() {
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
    if let Ok(mut g) = NODE_INFO.lock() {
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

pub async fn call(d: &QemuDriver, ctx: &CallCtx) -> Result<Vec<u8>, QemuError> {
    match ctx.procedure() {
        rp::CONNECT_GET_TYPE => enc(&StringRet {
            value: "QEMU".into(),
        }),
        rp::CONNECT_GET_VERSION => enc(&U64Ret {
            value: d.qemu_version.ok_or(QemuError::NoEmulator)?,
        }),
        rp::CONNECT_GET_LIB_VERSION => enc(&U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        }),
        rp::CONNECT_GET_HOSTNAME => enc(&StringRet {
            value: blocking(oxvirt_host::hostname).await?,
        }),
        rp::CONNECT_GET_SYSINFO => {
            let a: FlagsArgs = args(ctx)?;
            enc(&StringRet {
                value: blocking(move || oxvirt_host::connect_get_sysinfo(a.flags)).await?,
            })
        }
        rp::CONNECT_GET_MAX_VCPUS => {
            let a: ConnectGetMaxVcpusArgs = args(ctx)?;
            let n = blocking(move || oxvirt_host::max_vcpus(a.type_.as_deref())).await?;
            enc(&IntRet {
                value: i32::try_from(n).unwrap_or(i32::MAX),
            })
        }
        rp::CONNECT_GET_CAPABILITIES => enc(&StringRet {
            value: capabilities(d).await?,
        }),
        rp::CONNECT_GET_DOMAIN_CAPABILITIES => {
            let a: ConnectGetDomainCapabilitiesArgs = args(ctx)?;
            enc(&StringRet {
                value: domain_capabilities(d, a).await?,
            })
        }
        rp::CONNECT_GET_CPU_MODEL_NAMES => {
            let a: ConnectGetCpuModelNamesArgs = args(ctx)?;
            let models = cpu_model_names(&a.arch, a.flags)?;
            let ret = i32::try_from(models.len()).unwrap_or(i32::MAX);
            enc(&ConnectGetCpuModelNamesRet {
                models: if a.need_results != 0 {
                    models
                } else {
                    Vec::new()
                },
                ret,
            })
        }
        rp::NODE_GET_INFO => enc(&node_info()?),
        rp::NODE_GET_CPU_STATS => {
            let a: NodeGetCpuStatsArgs = args(ctx)?;
            if a.nparams > NODE_CPU_STATS_MAX as i32 {
                return Err(QemuError::Vir(VirError::rpc("nparams too large")));
            }
            let r =
                blocking(move || oxvirt_host::node_get_cpu_stats(a.cpu_num, a.nparams, a.flags))
                    .await?;
            enc(&NodeGetCpuStatsRet {
                params: node_stats(r.params),
                nparams: r.nparams,
            })
        }
        rp::NODE_GET_MEMORY_STATS => {
            let a: NodeGetMemoryStatsArgs = args(ctx)?;
            if a.nparams > NODE_MEMORY_STATS_MAX as i32 {
                return Err(QemuError::Vir(VirError::rpc("nparams too large")));
            }
            let r = blocking(move || {
                oxvirt_host::node_get_memory_stats(a.cell_num, a.nparams, a.flags)
            })
            .await?;
            enc(&NodeGetMemoryStatsRet {
                params: node_stats(r.params),
                nparams: r.nparams,
            })
        }
        rp::NODE_GET_FREE_MEMORY => {
            let free = blocking(oxvirt_host::free_memory_bytes).await?;
            if free == 0 {
                // libvirt treats 0 as a failed call
                return Err(QemuError::Vir(VirError::internal(
                    "unable to get free memory",
                )));
            }
            enc(&U64Ret { value: free })
        }
        rp::NODE_GET_CELLS_FREE_MEMORY => {
            let a: NodeGetCellsFreeMemoryArgs = args(ctx)?;
            if a.maxcells < 0 || a.maxcells as usize > NODE_MAX_CELLS {
                return Err(QemuError::Vir(VirError::rpc(
                    "maxCells > REMOTE_NODE_MAX_CELLS",
                )));
            }
            let cells =
                blocking(move || oxvirt_host::cells_free_memory(a.start_cell, a.maxcells)).await?;
            enc(&NodeGetCellsFreeMemoryRet { cells })
        }
        rp::NODE_GET_CPU_MAP => {
            let a: NodeGetCpuMapArgs = args(ctx)?;
            let m = blocking(move || oxvirt_host::node_get_cpu_map(a.flags)).await?;
            enc(&NodeGetCpuMapRet {
                cpumap: if a.need_map != 0 {
                    m.cpumap
                } else {
                    Vec::new()
                },
                online: if a.need_online != 0 { m.online } else { 0 },
                ret: i32::try_from(m.total).unwrap_or(i32::MAX),
            })
        }
        // No security driver yet: an empty model (one NUL char) makes virsh skip the lines.
        // no security driver confines QEMU: libvirt's "none" model (what `capabilities` says)
        rp::NODE_GET_SECURITY_MODEL => enc(&NodeGetSecurityModelRet {
            model: c_chars("none"),
            doi: c_chars("0"),
        }),
        p => Err(QemuError::Vir(oxvirt_proto::procedures::unserved(
            ctx.program(),
            p,
        ))),
    }
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
