//! QEMU's QMP events and its exit: the watcher tasks, the reconnection of a broken monitor,
//! and what each event changes.

use std::sync::Arc;
use std::time::Duration;

use oxvirt_proto::shim as sp;
use oxvirt_qmp::QmpClient;
use oxvirt_sync::MutexExt;
use serde_json::Value;
use tracing::{debug, warn};

use crate::process::Watched;
use crate::states::{event, paused, running, shutoff, state};
use crate::{log_line, Intent, Shim, ShimError};

/// How many times the shim reconnects to a QEMU whose monitor misbehaves.
const MAX_QMP_LOSSES: u32 = 5;

impl Shim {
    pub(crate) fn spawn_watchers(self: &Arc<Self>, mut watched: Watched) {
        let me = self.clone();
        tokio::spawn(async move {
            watched.exited().await;
            me.qemu_exited();
        });
        self.spawn_event_task();
    }

    /// Follow QMP events; when the monitor connection breaks while QEMU lives on (QEMU sent
    /// something we refuse: garbage, an oversized line, invalid UTF-8), reconnect a few times
    /// with a growing pause, then give up: the VM runs on, and calls that need QMP fail with
    /// the reason.
    pub(crate) fn spawn_event_task(self: &Arc<Self>) {
        let me = self.clone();
        let Some(mut events) = self.qmp().ok().and_then(|q| q.take_events()) else {
            return;
        };
        tokio::spawn(async move {
            while let Ok(ev) = events.recv().await {
                me.qmp_event(&ev.name, &ev.data);
            }
            let reason = me
                .qmp()
                .ok()
                .and_then(|q| q.disconnect_reason())
                .map(|r| r.to_string())
                .unwrap_or_else(|| "closed".into());
            if *me.gone.borrow() {
                return;
            }
            warn!("QMP connection lost: {reason}");
            log_line(&me.opts, &format!("QMP connection lost: {reason}"));
            let losses = me
                .qmp_losses
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if losses >= MAX_QMP_LOSSES {
                log_line(&me.opts,
                    "giving up on QMP after repeated failures: the VM runs on, calls that need QEMU's monitor fail",
                );
                return;
            }
            me.reconnect_qmp().await;
        });
    }

    pub(crate) async fn reconnect_qmp(self: &Arc<Self>) {
        let monitor = match self.status() {
            Ok(s) => s.monitor,
            Err(_) => return,
        };
        for pause_ms in [50u64, 500, 2000] {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            if *self.gone.borrow() {
                return;
            }
            match QmpClient::connect(&monitor, self.opts.qmp.clone()).await {
                Ok(q) => {
                    {
                        let mut g = self.qmp.locked();
                        *g = Some(Arc::new(q));
                    }
                    log_line(&self.opts, "QMP connection restored");
                    self.spawn_event_task();
                    return;
                }
                Err(e) => warn!("QMP reconnect failed: {e}"),
            }
        }
        log_line(
            &self.opts,
            "giving up on QMP: the VM runs on, calls that need QEMU's monitor fail",
        );
    }

    pub(crate) fn qmp_event(self: &Arc<Self>, name: &str, data: &Value) {
        debug!(event = name, "QMP event");
        match name {
            "STOP" => self.update(|rt| {
                if rt.status.state == state::RUNNING && rt.intent != Intent::Rebooting {
                    rt.status.state = state::PAUSED;
                    rt.status.reason = paused::UNKNOWN;
                    Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
                } else {
                    None
                }
            }),
            "RESUME" => self.update(|rt| {
                if rt.status.state == state::PAUSED && rt.intent != Intent::Rebooting {
                    rt.status.state = state::RUNNING;
                    rt.status.reason = running::UNPAUSED;
                    Some((event::RESUMED, event::RESUMED_UNPAUSED))
                } else {
                    None
                }
            }),
            "SHUTDOWN" => {
                let guest = data.get("guest").and_then(Value::as_bool).unwrap_or(false);
                let mut reboot = false;
                self.update(|rt| {
                    // QEMU's SHUTDOWN on the SIGTERM of a destroy is an event too: libvirt 9.0
                    // sends "Shutdown Finished after host request" before "Stopped Destroyed"
                    // (measured against its libvirtd)
                    // a saved VM's QEMU goes without a shutdown (libvirt kills it)
                    if rt.status.state == state::SHUTDOWN || rt.intent == Intent::Saved {
                        return None;
                    }
                    if rt.intent == Intent::FakeReboot && guest {
                        // down for the reboot: the domain stays "running" (as in libvirt), and
                        // QEMU's STOP and RESUME around the reset are not the user's
                        reboot = true;
                        rt.intent = Intent::Rebooting;
                        return None;
                    }
                    rt.status.state = state::SHUTDOWN;
                    rt.status.reason = crate::states::shutdown::UNKNOWN;
                    let detail = if guest {
                        event::SHUTDOWN_GUEST
                    } else {
                        event::SHUTDOWN_HOST
                    };
                    Some((event::SHUTDOWN, detail))
                });
                if reboot {
                    self.finish_fake_reboot();
                } else if guest {
                    self.after_guest_poweroff();
                }
            }
            "RESET" => self.emit(sp::Rebooted, &()),
            "DEVICE_DELETED" => {
                if let Some(alias) = data.get("device").and_then(Value::as_str) {
                    self.device_deleted(alias.to_owned());
                }
            }
            "DEVICE_UNPLUG_GUEST_ERROR" => {
                if let Some(alias) = data.get("device").and_then(Value::as_str) {
                    self.device_removal_failed(alias.to_owned());
                }
            }
            "BLOCK_JOB_READY" | "BLOCK_JOB_COMPLETED" | "BLOCK_JOB_CANCELLED" => {
                self.block_job_qmp_event(name, data)
            }
            "BALLOON_CHANGE" => {
                if let Some(actual) = data.get("actual").and_then(Value::as_u64) {
                    let kib = actual / 1024;
                    self.update(|rt| {
                        rt.status.domain.current_memory_kib = Some(kib);
                        None
                    });
                    self.emit(sp::BalloonChanged, &sp::BalloonEvent { actual_kib: kib });
                }
            }
            _ => {}
        }
    }

    /// The guest powered off (QEMU waits, stopped, because of `-no-shutdown`): do what
    /// `<on_poweroff>` says.
    pub(crate) fn after_guest_poweroff(self: &Arc<Self>) {
        let action = self
            .rt
            .locked()
            .as_ref()
            .map(|r| r.status.domain.on_poweroff);
        match action {
            Some(oxvirt_conf::domain::Lifecycle::Restart) => self.finish_fake_reboot(),
            Some(oxvirt_conf::domain::Lifecycle::Preserve) => {}
            _ => {
                let me = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = me.kill(false).await {
                        warn!("cannot stop QEMU after the guest powered off: {e}");
                    }
                });
            }
        }
    }

    pub(crate) fn finish_fake_reboot(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move {
            let r = async {
                let q = me.qmp()?;
                q.execute("system_reset", None).await?;
                q.execute("cont", None).await?;
                Ok::<_, ShimError>(())
            }
            .await;
            match r {
                Ok(()) => me.update(|rt| {
                    rt.intent = Intent::None;
                    rt.status.state = state::RUNNING;
                    rt.status.reason = running::BOOTED;
                    None
                }),
                Err(e) => warn!("reboot failed: {e}"),
            }
        });
    }

    /// QEMU is gone: record why, tell the clients, let the shim end.
    pub(crate) fn qemu_exited(&self) {
        self.update(|rt| {
            let (reason, detail) = if rt.intent == Intent::Destroy {
                (shutoff::DESTROYED, event::STOPPED_DESTROYED)
            } else if rt.intent == Intent::Saved {
                (shutoff::SAVED, event::STOPPED_SAVED)
            } else if rt.status.state == state::SHUTDOWN {
                (shutoff::SHUTDOWN, event::STOPPED_SHUTDOWN)
            } else {
                (shutoff::CRASHED, event::STOPPED_CRASHED)
            };
            rt.status.state = state::SHUTOFF;
            rt.status.reason = reason;
            Some((event::STOPPED, detail))
        });
        {
            let mut q = self.qmp.locked();
            if let Some(q) = q.take() {
                q.close();
            }
        }
        log_line(&self.opts, "QEMU has exited");
        self.gone.send_replace(true);
    }
}
