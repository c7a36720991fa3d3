//! Launching QEMU for a start, and reattaching to one a previous shim launched.

use std::os::unix::net::UnixListener as StdUnixListener;
use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::DomainStatus;
use oxvirt_qmp::{QmpClient, QmpError};
use oxvirt_sync::MutexExt;
use rustix::process::Signal;
use serde_json::Value;
use tracing::{info, warn};

use crate::process::{self, Watched};
use crate::qemu_log::{log_tail, shell_quote};
use crate::states::{paused, running, state};
use crate::{
    console, invalid, log_line, monitor_path, now_ms, read_status, state_is_active, status_path,
    Intent, Runtime, Shim, ShimError,
};

/// How long a start waits for QEMU to describe the guest CPU (`update_guest_cpu`).
const GUEST_CPU_WAIT: Duration = Duration::from_secs(5);

impl Shim {
    /// Launch QEMU for the status document `start` (the live definition, shut off).
    pub async fn start(
        self: &Arc<Self>,
        start: DomainStatus,
        paused_start: bool,
        taps: Vec<std::os::fd::OwnedFd>,
        incoming: Option<std::os::fd::OwnedFd>,
    ) -> Result<DomainStatus, ShimError> {
        let _job = self.begin_job("start").await?;
        if self.rt.locked().is_some() {
            return Err(invalid("domain is already running"));
        }
        self.start_tried
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // volume disks as the file or block disks the driver resolved them to
        let command_domain = start.command_domain();
        let dom = &command_domain;
        // OXVIRT_SHIM_EMULATOR runs another program in QEMU's place (the tests play a
        // misbehaving QEMU with it)
        let emulator = match std::env::var("OXVIRT_SHIM_EMULATOR") {
            Ok(e) if !e.is_empty() => e,
            _ => dom.devices.emulator.clone().ok_or(ShimError::NoEmulator)?,
        };
        let mon_path = monitor_path(&self.opts.dir);
        let _ = std::fs::remove_file(&mon_path);
        let listener = StdUnixListener::bind(&mon_path).map_err(|source| ShimError::Io {
            what: format!("cannot create the monitor socket {}", mon_path.display()),
            source,
        })?;
        let mut cmd = oxvirt_qemu_command::build(
            dom,
            &oxvirt_qemu_command::Inputs {
                emulator: &emulator,
                monitor_fd: std::os::fd::AsRawFd::as_raw_fd(&listener),
                tap_fds: &taps
                    .iter()
                    .map(std::os::fd::AsRawFd::as_raw_fd)
                    .collect::<Vec<_>>(),
            },
        )?;
        if incoming.is_some() {
            crate::save::add_incoming(&mut cmd.args);
        }
        log_line(
            &self.opts,
            &format!(
                "starting up: {} {}",
                cmd.program,
                cmd.args
                    .iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
        let defined = dom.devices.emulator.clone().unwrap_or_default();
        let jail = crate::confine::qemu_jail(&self.opts.confine, &[&emulator, &defined]);
        let child =
            process::spawn(&cmd, &listener, &taps, &self.opts.log, jail).map_err(|source| {
                ShimError::Io {
                    what: format!("cannot execute {}", cmd.program),
                    source,
                }
            })?;
        // QEMU runs: the shim needs no more than watching and talking to it
        crate::confine::confine_shim(&self.opts.confine);
        drop(listener);
        // QEMU holds the TAP devices now
        drop(taps);
        let pid = child.id() as i32;
        let watched = Watched::new(pid, Some(child)).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?;
        let mut status = start;
        status.qemu_pid = pid;
        status.qemu_start_ticks = process::start_ticks(pid).unwrap_or(0);
        status.monitor = mon_path.display().to_string();
        status.shim_pid = Some(std::process::id() as i32);
        status.started_at_ms = now_ms();
        status.state = state::PAUSED;
        status.reason = paused::STARTING_UP;
        self.write_status(&status.format());
        let signaller = Arc::new(Watched::new(pid, None).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?);
        *self.signaller.locked() = Some(signaller.clone());

        let r = self
            .connect_and_boot(&mut status, paused_start, incoming.as_ref())
            .await;
        if let Err(e) = r {
            // never leave a half-started VM: kill what was launched
            let _ = signaller.signal(Signal::KILL);
            let mut w = watched;
            let _ = tokio::time::timeout(Duration::from_secs(5), w.exited()).await;
            let msg = match e {
                ShimError::Qmp(QmpError::Connect { .. })
                | ShimError::Qmp(QmpError::Disconnected(
                    oxvirt_qmp::Disconnect::Eof | oxvirt_qmp::Disconnect::TruncatedEof,
                )) => ShimError::Internal(format!(
                    "qemu unexpectedly closed the monitor: {}",
                    log_tail(&self.opts.log)
                )),
                ShimError::Qmp(QmpError::Disconnected(reason)) => ShimError::Internal(format!(
                    "QEMU's monitor misbehaved, QEMU was stopped: {reason}"
                )),
                ShimError::Qmp(QmpError::GreetingTimeout(t)) => ShimError::Internal(format!(
                    "QEMU sent no monitor greeting within {} s, QEMU was stopped",
                    t.as_secs()
                )),
                other => other,
            };
            let _ = std::fs::remove_file(status_path(&self.opts.dir));
            return Err(msg);
        }
        *self.rt.locked() = Some(Runtime {
            status: status.clone(),
            intent: Intent::None,
        });
        self.write_status(&status.format());
        self.spawn_watchers(watched);
        self.update_guest_cpu(&mut status).await;
        Ok(status)
    }

    /// The live CPU as libvirt shows it once QEMU runs (`guest_cpu`). Done after the start
    /// is recorded, so a shim killed meanwhile leaves a running domain (shown with its CPU
    /// as defined), never an unrecorded QEMU.
    pub(crate) async fn update_guest_cpu(&self, status: &mut DomainStatus) {
        let Some(qmp) = self.qmp.locked().clone() else {
            return;
        };
        let mut dom = status.domain.clone();
        // a QEMU that does not answer promptly keeps the CPU as defined rather than holding
        // the start (and the domain's job) for the call timeout
        match tokio::time::timeout(GUEST_CPU_WAIT, crate::guest_cpu::update(&qmp, &mut dom)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                warn!("cannot read the guest CPU: {e}");
                return;
            }
            Err(_) => {
                warn!("QEMU did not tell the guest CPU within {GUEST_CPU_WAIT:?}");
                return;
            }
        }
        if dom.cpu == status.domain.cpu {
            return;
        }
        let doc = self.rt.locked().as_mut().map(|r| {
            r.status.domain.cpu = dom.cpu.clone();
            r.status.format()
        });
        if let Some(doc) = doc {
            self.write_status(&doc);
        }
        status.domain.cpu = dom.cpu;
    }

    pub(crate) async fn connect_and_boot(
        &self,
        status: &mut DomainStatus,
        paused_start: bool,
        incoming: Option<&std::os::fd::OwnedFd>,
    ) -> Result<(), ShimError> {
        let qmp = Arc::new(QmpClient::connect(&status.monitor, self.opts.qmp.clone()).await?);
        *self.qmp.locked() = Some(qmp.clone());
        console::fill_ptys(&qmp, status).await?;
        for args in oxvirt_qemu_command::graphics::password_commands(&status.domain) {
            qmp.execute("set_password", Some(args)).await?;
        }
        if let Some(image) = incoming {
            crate::save::load_incoming(&qmp, image).await?;
        }
        if paused_start {
            status.state = state::PAUSED;
            status.reason = if incoming.is_some() {
                paused::MIGRATION
            } else {
                paused::USER
            };
        } else {
            qmp.execute("cont", None).await?;
            status.state = state::RUNNING;
            status.reason = if incoming.is_some() {
                running::RESTORED
            } else {
                running::BOOTED
            };
        }
        Ok(())
    }

    /// Reattach to the QEMU the status file names (a previous shim launched it).
    pub async fn reattach(self: &Arc<Self>) -> Result<DomainStatus, ShimError> {
        let _job = self.begin_job("reattach").await?;
        let mut status = read_status(&self.opts.dir)?;
        if !state_is_active(status.state)
            || !process::alive(status.qemu_pid, status.qemu_start_ticks)
        {
            return Err(ShimError::Internal(format!(
                "QEMU (pid {}) of domain '{}' is not running",
                status.qemu_pid, status.domain.name
            )));
        }
        let watched = Watched::new(status.qemu_pid, None).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?;
        let signaller =
            Arc::new(
                Watched::new(status.qemu_pid, None).map_err(|source| ShimError::Io {
                    what: "cannot watch the QEMU process".into(),
                    source,
                })?,
            );
        *self.signaller.locked() = Some(signaller);
        let qmp = Arc::new(QmpClient::connect(&status.monitor, self.opts.qmp.clone()).await?);
        *self.qmp.locked() = Some(qmp.clone());
        // a save its predecessor did not finish
        self.recover_save(&qmp, &mut status).await;
        // QEMU may have changed while nobody watched
        let st = qmp.execute("query-status", None).await?;
        let running_now = st.get("running").and_then(Value::as_bool).unwrap_or(false);
        let qstatus = st.get("status").and_then(Value::as_str).unwrap_or("");
        let mut pending_kill = false;
        if qstatus == "shutdown" {
            status.state = state::SHUTDOWN;
            status.reason = crate::states::shutdown::UNKNOWN;
            pending_kill = true;
        } else if running_now && status.state != state::RUNNING {
            status.state = state::RUNNING;
            status.reason = running::UNPAUSED;
        } else if !running_now && status.state == state::RUNNING {
            status.state = state::PAUSED;
            status.reason = paused::UNKNOWN;
        }
        status.shim_pid = Some(std::process::id() as i32);
        *self.rt.locked() = Some(Runtime {
            status: status.clone(),
            intent: Intent::None,
        });
        self.write_status(&status.format());
        self.spawn_watchers(watched);
        if pending_kill {
            self.after_guest_poweroff();
        }
        info!(pid = status.qemu_pid, "reattached to QEMU");
        crate::confine::confine_shim(&self.opts.confine);
        Ok(status)
    }
}
