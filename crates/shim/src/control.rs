//! The calls that change a running VM: destroy, suspend, resume, shutdown, reset, the
//! balloon, monitor commands, and statistics.

use serde_json::{json, Value};

use oxvirt_proto::shim as sp;
use oxvirt_qmp::QmpError;
use oxvirt_sync::MutexExt;
use rustix::process::Signal;
use std::time::Duration;

use crate::process;
use crate::states::{event, paused, running, state};
use crate::{invalid, state_is_active, stats, Intent, Shim, ShimError};

impl Shim {
    /// Stop QEMU: SIGTERM, then (unless graceful) SIGKILL if it is still there shortly after.
    pub(crate) async fn kill(&self, graceful: bool) -> Result<(), ShimError> {
        let sig = self
            .signaller
            .locked()
            .clone()
            .ok_or_else(|| invalid("domain is not running"))?;
        let mut gone = self.gone.subscribe();
        if *gone.borrow() {
            return Ok(());
        }
        let _ = sig.signal(Signal::TERM);
        // a stopped (SIGSTOP) QEMU cannot act on SIGTERM: no point in waiting for it
        let frozen = process::is_stopped(sig.pid());
        let patience = if frozen && !graceful {
            Duration::ZERO
        } else if graceful {
            Duration::from_secs(10)
        } else {
            Duration::from_millis(500)
        };
        if tokio::time::timeout(patience, gone.wait_for(|g| *g))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if graceful {
            return Err(ShimError::OperationFailed(format!(
                "Failed to terminate process {} with SIGTERM: Device or resource busy",
                sig.pid()
            )));
        }
        let _ = sig.signal(Signal::KILL);
        let killed = tokio::time::timeout(Duration::from_secs(10), gone.wait_for(|g| *g))
            .await
            .is_ok();
        if killed {
            Ok(())
        } else {
            Err(ShimError::OperationFailed(format!(
                "Failed to kill process {}",
                sig.pid()
            )))
        }
    }

    /// `virsh destroy`: stop QEMU (SIGTERM, then SIGKILL unless [`sp::DESTROY_GRACEFUL`]).
    pub async fn destroy(&self, flags: u32) -> Result<(), ShimError> {
        self.update(|rt| {
            rt.intent = Intent::Destroy;
            None
        });
        self.kill(flags & sp::DESTROY_GRACEFUL != 0).await
    }

    pub(crate) fn require_active(&self) -> Result<(i32, i32), ShimError> {
        let s = self.state();
        if !state_is_active(s.0) {
            return Err(invalid("domain is not running"));
        }
        Ok(s)
    }

    /// Pause the vCPUs (QMP `stop`).
    pub async fn suspend(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("suspend").await?;
        let (st, _) = self.require_active()?;
        if st == state::PAUSED {
            return Ok(());
        }
        if st != state::RUNNING {
            return Err(invalid("domain is not running"));
        }
        let q = self.qmp()?;
        // the STOP event must find the state already changed
        self.update(|rt| {
            rt.status.state = state::PAUSED;
            rt.status.reason = paused::USER;
            Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
        });
        if let Err(e) = q.execute("stop", None).await {
            self.update(|rt| {
                rt.status.state = state::RUNNING;
                rt.status.reason = running::UNPAUSED;
                Some((event::RESUMED, event::RESUMED_UNPAUSED))
            });
            return Err(e.into());
        }
        Ok(())
    }

    /// Resume the vCPUs (QMP `cont`).
    pub async fn resume(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("resume").await?;
        let (st, _) = self.require_active()?;
        if st == state::RUNNING {
            return Err(invalid("domain is already running"));
        }
        if st != state::PAUSED {
            return Err(invalid("domain is not running"));
        }
        let q = self.qmp()?;
        self.update(|rt| {
            rt.status.state = state::RUNNING;
            rt.status.reason = running::UNPAUSED;
            Some((event::RESUMED, event::RESUMED_UNPAUSED))
        });
        if let Err(e) = q.execute("cont", None).await {
            self.update(|rt| {
                rt.status.state = state::PAUSED;
                rt.status.reason = paused::USER;
                Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
            });
            return Err(e.into());
        }
        Ok(())
    }

    /// The ACPI power button; with `reboot`, reset the guest once it is down (`virsh reboot`).
    pub async fn shutdown(&self, reboot: bool) -> Result<(), ShimError> {
        let _job = self.begin_job("shutdown").await?;
        let (st, _) = self.require_active()?;
        if st != state::RUNNING && !reboot {
            return Err(invalid("domain is not running"));
        }
        if reboot {
            self.update(|rt| {
                rt.intent = Intent::FakeReboot;
                None
            });
        }
        self.qmp()?.execute("system_powerdown", None).await?;
        Ok(())
    }

    /// Hard reset (QMP `system_reset`).
    pub async fn reset(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("reset").await?;
        self.require_active()?;
        // QEMU's RESET events become the reboot events
        self.qmp()?.execute("system_reset", None).await?;
        Ok(())
    }

    /// Balloon target in KiB.
    pub async fn set_memory(&self, kib: u64) -> Result<(), ShimError> {
        let _job = self.begin_job("setmem").await?;
        self.require_active()?;
        let max = self.status()?.domain.memory_kib;
        if kib > max {
            return Err(ShimError::InvalidArg(
                "cannot set memory higher than max memory".into(),
            ));
        }
        let has_balloon = self
            .status()?
            .domain
            .devices
            .memballoon
            .as_ref()
            .is_some_and(|b| b.model != "none");
        if !has_balloon {
            return Err(ShimError::OperationInvalid(
                "Unable to change memory of active domain without the balloon device and guest OS balloon driver".into(),
            ));
        }
        self.qmp()?
            .execute("balloon", Some(json!({"value": kib.saturating_mul(1024)})))
            .await?;
        Ok(())
    }

    /// `qemu-monitor-command`: the reply as libvirt returns it (QEMU's whole JSON reply, or
    /// HMP's text). The domain is tainted.
    pub async fn monitor_command(&self, cmd: &str, hmp: bool) -> Result<String, ShimError> {
        let _job = self.begin_job("monitor command").await?;
        self.require_active()?;
        let q = self.qmp()?;
        self.update(|rt| {
            if !rt.status.taints.iter().any(|t| t == "custom-monitor") {
                rt.status.taints.push("custom-monitor".into());
            }
            None
        });
        if hmp {
            let v = q
                .execute("human-monitor-command", Some(json!({"command-line": cmd})))
                .await?;
            return Ok(v.as_str().unwrap_or_default().to_owned());
        }
        let req: Value = serde_json::from_str(cmd).map_err(|e| {
            ShimError::InvalidArg(format!("cannot parse QEMU monitor command '{cmd}': {e}"))
        })?;
        let exec = req
            .get("execute")
            .and_then(Value::as_str)
            .ok_or_else(|| ShimError::InvalidArg("the monitor command has no 'execute'".into()))?;
        let args = req.get("arguments").cloned();
        let id = "oxvirt-monitor";
        match q.execute(exec, args).await {
            Ok(v) => Ok(json!({"return": v, "id": id}).to_string()),
            Err(QmpError::Command { class, desc }) => {
                Ok(json!({"id": id, "error": {"class": class, "desc": desc}}).to_string())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `domstats` groups (never waits for the job; QEMU gets a short deadline).
    pub async fn stats(&self, groups: u32) -> Result<sp::StatsRet, ShimError> {
        let st = self.status()?;
        let qmp = self.qmp().ok();
        Ok(sp::StatsRet {
            params: stats::gather(&st, qmp.as_deref(), groups).await,
        })
    }
}
