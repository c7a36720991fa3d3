//! The shim's side of the shim protocol: decode a call, run it on the [`Shim`], encode.

use std::future::Future;
use std::sync::Arc;

use oxvirt_conf::domain::parse_status;
use oxvirt_proto::message::SHIM_PROGRAM;
use oxvirt_proto::shim::{self as sp, ShimCall};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_rpc::server::{Call, Client, Reply, Service};

use super::Shim;
use crate::ShimError;

/// Serves one shim's socket.
#[derive(Debug)]
pub struct ShimService {
    shim: Arc<Shim>,
}

impl ShimService {
    /// The service of `shim`.
    pub fn new(shim: Arc<Shim>) -> Arc<Self> {
        Arc::new(ShimService { shim })
    }
}

/// Decode a call's arguments as `C`'s, run `f`, encode its reply as `C`'s.
async fn typed<C, F, Fut>(_: C, call: &Call, f: F) -> Result<Reply, ShimError>
where
    C: ShimCall,
    F: FnOnce(C::Args) -> Fut,
    Fut: Future<Output = Result<C::Ret, ShimError>>,
{
    let a: C::Args = oxvirt_xdr::from_bytes_exact(&call.body).map_err(|_| ShimError::Decode)?;
    let ret = f(a).await?;
    Ok(Reply::ok(oxvirt_xdr::to_bytes(&ret)?))
}

impl ShimService {
    async fn dispatch(&self, call: &Call) -> Result<Reply, ShimError> {
        let s = &self.shim;
        match call.header.procedure {
            sp::Status::PROC => {
                typed(sp::Status, call, |()| async {
                    Ok(sp::StatusRet {
                        status_xml: s.settled_status().await?.format(),
                    })
                })
                .await
            }
            sp::Start::PROC => {
                // the TAP queues networkd made for the NICs ride along (CALL_WITH_FDS)
                let mut taps = call
                    .fds
                    .iter()
                    .map(|f| f.try_clone())
                    .collect::<std::io::Result<Vec<_>>>()
                    .map_err(|source| ShimError::Io {
                        what: "cannot take the TAP devices".into(),
                        source,
                    })?;
                typed(sp::Start, call, |a| async move {
                    // a restore's image comes last, after the TAP queues
                    let incoming = if a.flags & sp::START_RESTORE != 0 {
                        Some(taps.pop().ok_or_else(|| {
                            ShimError::InvalidArg("a restore without its image".into())
                        })?)
                    } else {
                        None
                    };
                    // the driver's one copy of the definition: parsed here once, never
                    // re-derived (its defaults, ids and aliases came with it)
                    let st = parse_status(&a.status_xml)?;
                    let r = s
                        .start(st, a.flags & sp::START_PAUSED != 0, taps, incoming)
                        .await?;
                    Ok(sp::StatusRet {
                        status_xml: r.format(),
                    })
                })
                .await
            }
            sp::Suspend::PROC => typed(sp::Suspend, call, |_| s.suspend()).await,
            sp::Resume::PROC => typed(sp::Resume, call, |_| s.resume()).await,
            sp::Shutdown::PROC => typed(sp::Shutdown, call, |_| s.shutdown(false)).await,
            sp::Reboot::PROC => typed(sp::Reboot, call, |_| s.shutdown(true)).await,
            sp::Reset::PROC => typed(sp::Reset, call, |_| s.reset()).await,
            sp::Destroy::PROC => typed(sp::Destroy, call, |a| s.destroy(a.flags)).await,
            sp::SetMemory::PROC => typed(sp::SetMemory, call, |a| s.set_memory(a.kib)).await,
            sp::MonitorCommand::PROC => {
                typed(sp::MonitorCommand, call, |a| async move {
                    let value = s.monitor_command(&a.cmd, a.flags & 1 != 0).await?;
                    Ok(sp::StringRet { value })
                })
                .await
            }
            sp::OpenConsole::PROC => {
                let mut fd = None;
                let mut r = typed(sp::OpenConsole, call, |a| {
                    let r = s.open_console(a.dev_name.as_deref()).map(|(f, alias)| {
                        fd = Some(f);
                        sp::StringRet { value: alias }
                    });
                    std::future::ready(r)
                })
                .await?;
                r.fds.extend(fd);
                Ok(r)
            }
            sp::Stats::PROC => typed(sp::Stats, call, |a| s.stats(a.groups)).await,
            sp::InjectNmi::PROC => typed(sp::InjectNmi, call, |a| s.inject_nmi(a.flags)).await,
            sp::SendKey::PROC => typed(sp::SendKey, call, |a| s.send_key(a)).await,
            sp::MemoryStats::PROC => typed(sp::MemoryStats, call, |()| s.memory_stats()).await,
            sp::SetMetadata::PROC => typed(sp::SetMetadata, call, |a| s.set_metadata(a)).await,
            sp::AttachDevice::PROC => {
                typed(sp::AttachDevice, call, |a| async move {
                    let status_xml = s.attach_device(&a.domain_xml, &a.alias).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            sp::ChangeMedia::PROC => {
                typed(sp::ChangeMedia, call, |a| async move {
                    let status_xml = s.change_media(&a.domain_xml, &a.alias).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            sp::SetLink::PROC => {
                typed(sp::SetLink, call, |a| async move {
                    let status_xml = s.set_link(&a.alias, a.up).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            sp::DetachDevice::PROC => {
                typed(sp::DetachDevice, call, |a| async move {
                    let removed = s.detach_device(&a.alias).await?;
                    Ok(sp::DetachDeviceRet { removed })
                })
                .await
            }
            sp::SetLiveTuning::PROC => {
                typed(sp::SetLiveTuning, call, |a| async move {
                    s.set_live_tuning(&a.domain_xml).await
                })
                .await
            }
            sp::Screenshot::PROC => {
                typed(sp::Screenshot, call, |a| async move {
                    let value = s.screenshot(a.device, a.head).await?;
                    Ok(sp::StringRet { value })
                })
                .await
            }
            sp::Save::PROC => {
                let file = call
                    .fds
                    .first()
                    .map(|f| f.try_clone())
                    .transpose()
                    .map_err(|source| ShimError::Io {
                        what: "cannot take the save file".into(),
                        source,
                    })?
                    .ok_or_else(|| ShimError::InvalidArg("a save without its file".into()))?;
                typed(sp::Save, call, |a| {
                    s.save(a.domain_xml, a.was_running, file)
                })
                .await
            }
            sp::SnapshotInternal::PROC => {
                typed(sp::SnapshotInternal, call, |a| s.snapshot_internal(a)).await
            }
            sp::SnapshotExternal::PROC => {
                typed(sp::SnapshotExternal, call, |a| s.snapshot_external(a)).await
            }
            sp::BlockResize::PROC => {
                typed(sp::BlockResize, call, |a| async move {
                    s.block_resize(&a.disk, a.bytes).await
                })
                .await
            }
            sp::BlockJobStart::PROC => {
                typed(sp::BlockJobStart, call, |a| async move {
                    let status_xml = s.block_job_start(a).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            sp::BlockJobInfo::PROC => {
                typed(sp::BlockJobInfo, call, |a| async move {
                    s.block_job_info(&a.disk).await
                })
                .await
            }
            sp::BlockJobAbort::PROC => {
                typed(sp::BlockJobAbort, call, |a| async move {
                    let status_xml = s.block_job_abort(a).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            sp::BlockJobSetSpeed::PROC => {
                typed(sp::BlockJobSetSpeed, call, |a| async move {
                    s.block_job_set_speed(&a.disk, a.speed).await
                })
                .await
            }
            sp::SetBlockIoTune::PROC => {
                typed(sp::SetBlockIoTune, call, |a| async move {
                    let status_xml = s.set_block_io_tune(&a.domain_xml, &a.alias).await?;
                    Ok(sp::StatusRet { status_xml })
                })
                .await
            }
            p => Ok(Reply::err(VirError::unknown_procedure(p))),
        }
    }
}

impl Service for ShimService {
    type Session = ();

    fn serves(&self, _listener: &str, program: u32) -> bool {
        program == SHIM_PROGRAM
    }

    fn connected(&self, client: &Arc<Client>) {
        self.shim.add_client(client.clone());
    }

    async fn call(self: Arc<Self>, _client: Arc<Client>, _session: Arc<()>, call: Call) -> Reply {
        match self.dispatch(&call).await {
            Ok(r) => r,
            Err(e) => Reply::err(e.to_vir_error()),
        }
    }

    fn disconnected(&self, client: &Arc<Client>, _session: &Arc<()>) {
        self.shim.remove_client(client.id);
    }
}
