//! Calls that start, stop and control running domains: each is forwarded to the domain's
//! shim ([`crate::running::Vm::call`]) with a deadline. Also the console stream and QEMU
//! monitor passthrough.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::Domain;
use oxvirt_proto::calls;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{DomainOpenConsoleArgs, DomainRet, QemuDomainMonitorCommandRet};
use oxvirt_proto::shim as sp;
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::{CallCtx, Router};
use oxvirt_rpc::stream::StreamIn;
use tokio::io::unix::AsyncFd;
use tokio_util::sync::CancellationToken;

use crate::running::Vm;
use crate::{QemuDriver, QemuError};

use oxvirt_proto::events::id as event_id;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::flags::domain_console::{FORCE as CONSOLE_FORCE, SAFE as CONSOLE_SAFE};
use oxvirt_proto::flags::domain_destroy::GRACEFUL as DESTROY_GRACEFUL;
use oxvirt_proto::flags::domain_mem::MAXIMUM as MEM_MAXIMUM;
// (and DEFAULT, 0)
use oxvirt_proto::flags::domain_shutdown::{ACPI_POWER_BTN as SHUTDOWN_ACPI, ALL as SHUTDOWN_ALL};
use oxvirt_proto::flags::domain_start::{ALL as START_FLAGS, PAUSED as START_PAUSED};
use oxvirt_proto::flags::qemu_monitor_command::HMP as MONITOR_HMP;
use oxvirt_sync::{MutexExt, RwLockExt};

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

fn not_running() -> QemuError {
    QemuError::OperationInvalid("domain is not running".into())
}

impl QemuDriver {
    /// The running VM behind a handle; a known but inactive domain is "not running".
    pub(crate) fn running_vm(&self, dom: &NonnullDomain) -> Result<Arc<Vm>, QemuError> {
        if let Some(vm) = self.running.get(&dom.uuid) {
            return Ok(vm);
        }
        self.entry(dom)?;
        Err(not_running())
    }

    async fn start_persistent(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        flags: u32,
    ) -> Result<NonnullDomain, QemuError> {
        let e = self.entry(dom)?;
        if self.running.get(&dom.uuid).is_some() {
            return Err(QemuError::OperationInvalid(
                "domain is already running".into(),
            ));
        }
        let def = e.domain()?;
        if let Some(vm) = self.start_managed_save(dom, &def.name, flags).await? {
            return Ok(vm.handle());
        }
        let vm = self.start_vm(&def, true, flags).await?;
        Ok(vm.handle())
    }

    async fn create_transient(
        self: &Arc<Self>,
        xml: &str,
        flags: u32,
    ) -> Result<NonnullDomain, QemuError> {
        let def: Domain = self.parse_domain(xml)?;
        let persistent = {
            let reg = self.registry.read_locked();
            match (reg.by_name(&def.name), reg.by_uuid(&def.uuid)) {
                (Some(e), _) if e.def.uuid != def.uuid => {
                    return Err(QemuError::DomainExists(format!(
                        "domain '{}' already exists with uuid {}",
                        def.name,
                        oxvirt_conf::domain::uuid_string(&e.def.uuid)
                    )))
                }
                (_, Some(e)) if e.def.name != def.name => {
                    return Err(QemuError::DomainExists(format!(
                        "domain '{}' is already defined with uuid {}",
                        e.def.name,
                        oxvirt_conf::domain::uuid_string(&e.def.uuid)
                    )))
                }
                (Some(_), _) => true,
                _ => false,
            }
        };
        if let Some(vm) = self.running.by_name(&def.name) {
            return Err(QemuError::OperationInvalid(format!(
                "domain '{}' is already active",
                vm.name
            )));
        }
        let vm = self.start_vm(&def, persistent, flags).await?;
        Ok(vm.handle())
    }

    async fn console(
        self: &Arc<Self>,
        a: DomainOpenConsoleArgs,
        mut ctx: CallCtx,
    ) -> Result<(), QemuError> {
        check_flags(
            a.flags,
            CONSOLE_FORCE | CONSOLE_SAFE,
            "qemuDomainOpenConsole",
        )?;
        let vm = self.running_vm(&a.dom)?;
        let token = CancellationToken::new();
        {
            let mut c = vm.console.locked();
            if let Some(t) = c.as_ref() {
                if !t.is_cancelled() {
                    if a.flags & CONSOLE_FORCE == 0 {
                        return Err(QemuError::OperationFailed(
                            "Active console session exists for this domain".into(),
                        ));
                    }
                    t.cancel();
                }
            }
            *c = Some(token.clone());
        }
        let r = vm
            .call_with_fds(
                sp::OpenConsole,
                &sp::OpenConsoleArgs {
                    dev_name: a.dev_name.clone(),
                },
                self.call_timeout,
            )
            .await;
        let fds = match r {
            Ok((_alias, fds)) => fds,
            Err(e) => {
                token.cancel();
                return Err(e);
            }
        };
        let Some(fd) = fds.into_iter().next() else {
            token.cancel();
            return Err(QemuError::Internal("the shim sent no console".into()));
        };
        rustix::fs::fcntl_setfl(&fd, rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::RDWR)
            .map_err(|e| QemuError::Internal(format!("cannot set up the console: {e}")))?;
        let afd = crate::sys::async_fd(fd).map_err(|source| QemuError::Io {
            what: "cannot watch the console".into(),
            source,
        })?;
        let stream = ctx.call.open_stream(&ctx.client);
        tokio::spawn(pump_console(afd, stream, token));
        Ok(())
    }
}

enum Ev {
    Cancelled,
    Read(std::io::Result<usize>),
    In(Option<StreamIn>),
}

/// Move bytes between a console's pty and a client's stream until either side ends.
async fn pump_console(
    fd: AsyncFd<OwnedFd>,
    mut stream: oxvirt_rpc::stream::ServerStream,
    token: CancellationToken,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let ev = tokio::select! {
            _ = token.cancelled() => Ev::Cancelled,
            r = fd.readable() => match r {
                Ok(mut g) => match g.try_io(|f| rustix::io::read(f.get_ref().as_fd(), &mut buf[..]).map_err(std::io::Error::from)) {
                    Ok(r) => Ev::Read(r),
                    Err(_would_block) => continue,
                },
                Err(e) => Ev::Read(Err(e)),
            },
            m = stream.recv() => Ev::In(m),
        };
        match ev {
            Ev::Cancelled => {
                let _ = stream
                    .fail(VirError::new(
                        oxvirt_proto::vir_error::code::OPERATION_FAILED,
                        oxvirt_proto::vir_error::domain::STREAMS,
                        "console has been forcibly closed: another client took it over or the domain stopped",
                    ))
                    .await;
                return;
            }
            Ev::Read(Ok(0)) | Ev::Read(Err(_)) => {
                // the pty closed (the domain stopped)
                let _ = stream.send_eof().await;
                // the client answers with a finish (or hangs up)
                let deadline = tokio::time::sleep(Duration::from_secs(5));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        _ = &mut deadline => return,
                        m = stream.recv() => match m {
                            // a finish or an abort both wait for our confirmation
                            Some(StreamIn::Finish | StreamIn::Error(_)) => { let _ = stream.finish().await; return; }
                            None => return,
                            _ => {}
                        },
                    }
                }
            }
            Ev::Read(Ok(n)) => {
                if !stream.send_data(&buf[..n]).await {
                    token.cancel();
                    return;
                }
            }
            Ev::In(Some(StreamIn::Data(d))) => {
                if write_all(&fd, &d).await.is_err() {
                    let _ = stream.send_eof().await;
                }
            }
            // the client's virStreamFinish and virStreamAbort both wait for a confirmation (a
            // zero-length OK packet, as libvirt's daemonStreamHandleFinish/Abort send)
            Ev::In(Some(StreamIn::Finish | StreamIn::Error(_))) => {
                let _ = stream.finish().await;
                token.cancel();
                return;
            }
            Ev::In(None) => {
                token.cancel();
                return;
            }
            Ev::In(Some(_)) => {}
        }
    }
}

async fn write_all(fd: &AsyncFd<OwnedFd>, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        let mut g = fd.writable().await?;
        match g
            .try_io(|f| rustix::io::write(f.get_ref().as_fd(), data).map_err(std::io::Error::from))
        {
            Ok(Ok(n)) => data = &data[n..],
            Ok(Err(e)) => return Err(e),
            Err(_would_block) => continue,
        }
    }
    Ok(())
}

/// Register the calls on running domains (and the QEMU program's monitor passthrough).
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::QemuDomainMonitorCommand, |d, a, _| async move {
        let t = d.call_timeout;
        check_flags(a.flags, MONITOR_HMP, "qemuDomainQemuMonitorCommand")?;
        let vm = d.running_vm(&a.dom)?;
        vm.update_status(|s| {
            if !s.taints.iter().any(|x| x == "custom-monitor") {
                s.taints.push("custom-monitor".into());
            }
        });
        let r = vm
            .call(
                sp::MonitorCommand,
                &sp::MonitorCommandArgs {
                    cmd: a.cmd,
                    flags: a.flags,
                },
                t,
            )
            .await?;
        Ok::<_, QemuError>(QemuDomainMonitorCommandRet { result: r.value })
    });
    r.add(calls::DomainCreate, |d, a, _| async move {
        d.start_persistent(&a.dom, 0).await?;
        Ok::<_, QemuError>(())
    });
    r.add(calls::DomainCreateWithFlags, |d, a, _| async move {
        check_flags(a.flags, START_FLAGS, "qemuDomainCreateWithFlags")?;
        let dom = d
            .start_persistent(
                &a.dom,
                a.flags & (START_PAUSED | oxvirt_proto::flags::domain_start::FORCE_BOOT),
            )
            .await?;
        Ok::<_, QemuError>(DomainRet { dom })
    });
    r.add(calls::DomainCreateXml, |d, a, _| async move {
        check_flags(a.flags, START_FLAGS, "qemuDomainCreateXML")?;
        let dom = d
            .create_transient(&a.xml_desc, a.flags & START_PAUSED)
            .await?;
        Ok::<_, QemuError>(DomainRet { dom })
    });
    r.add(calls::DomainSuspend, |d, a, _| async move {
        let vm = d.running_vm(&a.dom)?;
        vm.call(sp::Suspend, &sp::FlagsArgs { flags: 0 }, d.call_timeout)
            .await
    });
    r.add(calls::DomainResume, |d, a, _| async move {
        let vm = d.running_vm(&a.dom)?;
        vm.call(sp::Resume, &sp::FlagsArgs { flags: 0 }, d.call_timeout)
            .await
    });
    r.add(calls::DomainShutdown, |d, a, _| async move {
        shutdown(&d, a.dom, 0, false).await
    });
    r.add(calls::DomainShutdownFlags, |d, a, _| async move {
        shutdown(&d, a.dom, a.flags, false).await
    });
    r.add(calls::DomainReboot, |d, a, _| async move {
        shutdown(&d, a.dom, a.flags, true).await
    });
    r.add(calls::DomainReset, |d, a, _| async move {
        check_flags(a.flags, 0, "qemuDomainReset")?;
        let vm = d.running_vm(&a.dom)?;
        vm.call(sp::Reset, &sp::FlagsArgs { flags: 0 }, d.call_timeout)
            .await
    });
    r.add(calls::DomainDestroy, |d, a, _| async move {
        destroy_flags(&d, a.dom, 0).await
    });
    r.add(calls::DomainDestroyFlags, |d, a, _| async move {
        destroy_flags(&d, a.dom, a.flags).await
    });
    r.add(calls::DomainSetMemory, |d, a, _| async move {
        set_memory_flags(&d, a.dom, a.memory, AFFECT_LIVE).await
    });
    r.add(calls::DomainSetMemoryFlags, |d, a, _| async move {
        set_memory_flags(&d, a.dom, a.memory, a.flags).await
    });
    r.add(calls::DomainOpenConsole, |d, a, ctx| async move {
        d.console(a, ctx).await
    });
}

/// DOMAIN_SHUTDOWN (flags 0), DOMAIN_SHUTDOWN_FLAGS and DOMAIN_REBOOT (`reboot`).
async fn shutdown(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    flags: u32,
    reboot: bool,
) -> Result<(), QemuError> {
    if flags & !SHUTDOWN_ACPI != 0 {
        if flags & !SHUTDOWN_ALL != 0 {
            return Err(QemuError::UnsupportedFlags {
                flags,
                func: "qemuDomainShutdownFlags",
            });
        }
        return Err(QemuError::ConfigUnsupported(
            "only the ACPI power button is supported by oxvirt yet (no guest agent)".into(),
        ));
    }
    let vm = d.running_vm(&dom)?;
    let a = sp::FlagsArgs { flags };
    if reboot {
        vm.call(sp::Reboot, &a, d.call_timeout).await
    } else {
        vm.call(sp::Shutdown, &a, d.call_timeout).await
    }
}

/// DOMAIN_DESTROY (flags 0) and DOMAIN_DESTROY_FLAGS.
async fn destroy_flags(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(flags, DESTROY_GRACEFUL, "qemuDomainDestroyFlags")?;
    let vm = d.running_vm(&dom)?;
    d.destroy(&vm, flags).await
}

/// DOMAIN_SET_MEMORY (flags AFFECT_LIVE) and DOMAIN_SET_MEMORY_FLAGS.
pub(crate) async fn set_memory_flags(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    kib: u64,
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | MEM_MAXIMUM,
        "qemuDomainSetMemoryFlags",
    )?;
    d.set_memory(&dom, kib, flags).await
}

impl QemuDriver {
    /// Destroy: the shim kills QEMU; its final state event (or, if the shim is gone, our own
    /// check) ends the VM. Never waits behind another call on the VM.
    pub async fn destroy(self: &Arc<Self>, vm: &Arc<Vm>, flags: u32) -> Result<(), QemuError> {
        let graceful = flags & DESTROY_GRACEFUL != 0;
        let t = if graceful {
            self.call_timeout.max(Duration::from_secs(15))
        } else {
            Duration::from_secs(15)
        };
        let r = vm.call(sp::Destroy, &sp::FlagsArgs { flags }, t).await;
        // the STOPPED event arrives on the shim's connection; wait for it briefly so that the
        // caller's next call sees the domain shut off
        for _ in 0..200 {
            if self.running.get(&vm.uuid).is_none_or(|v| v.id != vm.id) {
                // The shim reports the stop before its reply, and the driver hangs up on a
                // stopped VM's shim at once, which can fail the call in flight: the VM is
                // shut off, so the destroy did its job.
                return Ok(());
            }
            if r.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        r
    }

    async fn set_memory(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        kib: u64,
        flags: u32,
    ) -> Result<(), QemuError> {
        let vm = self.running.get(&dom.uuid);
        let live = flags & AFFECT_LIVE != 0
            || (flags & (AFFECT_LIVE | AFFECT_CONFIG) == 0 && vm.is_some());
        let config = flags & AFFECT_CONFIG != 0
            || (flags & (AFFECT_LIVE | AFFECT_CONFIG) == 0 && vm.is_none());
        if flags & MEM_MAXIMUM != 0 && live {
            return Err(QemuError::OperationInvalid(
                "cannot resize the maximum memory on an active domain".into(),
            ));
        }
        if live {
            let vm = vm.ok_or_else(not_running)?;
            vm.call(sp::SetMemory, &sp::SetMemoryArgs { kib }, self.call_timeout)
                .await?;
        }
        if config {
            let e = self.entry(dom)?;
            let mut def: Domain = e.domain()?;
            if flags & MEM_MAXIMUM != 0 {
                def.memory_kib = kib;
                if def.current_memory_kib.is_some_and(|c| c > kib) {
                    def.current_memory_kib = Some(kib);
                }
            } else {
                if kib > def.memory_kib {
                    return Err(QemuError::InvalidArg(
                        "cannot set memory higher than max memory".into(),
                    ));
                }
                def.current_memory_kib = Some(kib);
            }
            let d = self.clone();
            tokio::task::spawn_blocking(move || {
                let mut reg = d.registry.write_locked();
                reg.define(def).map(|_| ())
            })
            .await
            .map_err(|e| QemuError::Internal(e.to_string()))??;
        }
        Ok(())
    }

    pub(crate) fn emit_reboot(&self, dom: NonnullDomain) {
        use oxvirt_remote::Driver;
        let msg = oxvirt_proto::remote::DomainEventRebootMsg { dom };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                event_id::REBOOT,
                &msg.dom,
                rp::DOMAIN_EVENT_CALLBACK_REBOOT,
                Some(rp::DOMAIN_EVENT_REBOOT),
                &body,
            );
        }
    }

    pub(crate) fn emit_balloon(&self, dom: NonnullDomain, actual: u64) {
        use oxvirt_remote::Driver;
        let msg = oxvirt_proto::remote::DomainEventBalloonChangeMsg { dom, actual };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                event_id::BALLOON_CHANGE,
                &msg.dom,
                rp::DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE,
                Some(rp::DOMAIN_EVENT_BALLOON_CHANGE),
                &body,
            );
        }
    }
}
