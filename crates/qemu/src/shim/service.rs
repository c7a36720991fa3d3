//! The shim's side of the shim protocol: decode a call, run it on the [`Shim`], encode.

use std::sync::Arc;

use oxvirt_conf::domain::parse_status;
use oxvirt_proto::message::SHIM_PROGRAM;
use oxvirt_proto::shim::{self as sp, proc};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_rpc::server::{Call, Client, Reply, Service};

use super::Shim;
use crate::QemuError;

/// Serves one shim's socket.
#[derive(Debug)]
pub struct ShimService {
    shim: Arc<Shim>,
}

impl ShimService {
    pub fn new(shim: Arc<Shim>) -> Arc<Self> {
        Arc::new(ShimService { shim })
    }
}

fn args<T: oxvirt_xdr::Decode>(call: &Call) -> Result<T, QemuError> {
    oxvirt_xdr::from_bytes_exact(&call.body).map_err(|_| QemuError::Decode)
}

fn enc<T: oxvirt_xdr::Encode>(v: &T) -> Result<Vec<u8>, QemuError> {
    Ok(oxvirt_xdr::to_bytes(v)?)
}

impl ShimService {
    async fn dispatch(&self, call: &Call) -> Result<Reply, QemuError> {
        let s = &self.shim;
        let body = match call.header.procedure {
            proc::STATUS => enc(&sp::StatusRet {
                status_xml: s.settled_status().await?.format(),
            })?,
            proc::START => {
                let a: sp::StartArgs = args(call)?;
                let st = parse_status(&a.status_xml)?;
                let r = s.start(st, a.flags & sp::START_PAUSED != 0).await?;
                enc(&sp::StatusRet {
                    status_xml: r.format(),
                })?
            }
            proc::SUSPEND => {
                s.suspend().await?;
                Vec::new()
            }
            proc::RESUME => {
                s.resume().await?;
                Vec::new()
            }
            proc::SHUTDOWN | proc::REBOOT => {
                let _a: sp::FlagsArgs = args(call)?;
                s.shutdown(call.header.procedure == proc::REBOOT).await?;
                Vec::new()
            }
            proc::RESET => {
                s.reset().await?;
                Vec::new()
            }
            proc::DESTROY => {
                let a: sp::FlagsArgs = args(call)?;
                s.destroy(a.flags).await?;
                Vec::new()
            }
            proc::SET_MEMORY => {
                let a: sp::SetMemoryArgs = args(call)?;
                s.set_memory(a.kib).await?;
                Vec::new()
            }
            proc::MONITOR_COMMAND => {
                let a: sp::MonitorCommandArgs = args(call)?;
                let out = s.monitor_command(&a.cmd, a.flags & 1 != 0).await?;
                enc(&sp::StringRet { value: out })?
            }
            proc::OPEN_CONSOLE => {
                let a: sp::OpenConsoleArgs = args(call)?;
                let (fd, alias) = s.open_console(a.dev_name.as_deref())?;
                let mut r = Reply::ok(enc(&sp::StringRet { value: alias })?);
                r.fds.push(fd);
                return Ok(r);
            }
            proc::STATS => {
                let a: sp::StatsArgs = args(call)?;
                enc(&s.stats(a.groups).await?)?
            }
            p => return Ok(Reply::err(VirError::unknown_procedure(p))),
        };
        Ok(Reply::ok(body))
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
