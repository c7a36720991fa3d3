//! Internal snapshots of a running VM: QEMU's `snapshot-save`, `snapshot-load` and
//! `snapshot-delete` jobs (QEMU 6.0 and later), on the qcow2 format nodes of the disks the
//! driver names. QEMU pauses the guest for the job and lets it go on as it was afterwards.
//!
//! It runs as its own task, so a driver that goes away meanwhile does not cut it; a shim
//! killed meanwhile leaves the job to QEMU, which finishes it and resumes the guest itself.

use std::sync::Arc;
use std::time::Duration;

use oxvirt_proto::shim as sp;
use oxvirt_qmp::QmpClient;
use serde_json::{json, Value};

use crate::hotplug::disk_node;
use crate::{Shim, ShimError};

/// How often the shim asks QEMU how the job goes.
const POLL: Duration = Duration::from_millis(100);

impl Shim {
    /// Run one snapshot job (see the module's documentation).
    pub async fn snapshot_internal(
        self: &Arc<Self>,
        a: sp::SnapshotInternalArgs,
    ) -> Result<(), ShimError> {
        let me = self.clone();
        tokio::spawn(async move { me.snapshot_task(a).await })
            .await
            .map_err(|e| ShimError::Internal(format!("the snapshot task failed: {e}")))?
    }

    async fn snapshot_task(self: &Arc<Self>, a: sp::SnapshotInternalArgs) -> Result<(), ShimError> {
        let _job = self.begin_job("snapshot").await?;
        self.require_active()?;
        let q = self.qmp()?;
        let dom = self.status()?.domain;
        let mut nodes = Vec::new();
        for alias in &a.disks {
            let node = disk_node(&dom, alias)
                .ok_or_else(|| ShimError::InvalidArg(format!("no disk with alias '{alias}'")))?;
            nodes.push(format!("libvirt-{node}-format"));
        }
        let Some(vmstate) = nodes.first().cloned() else {
            return Err(ShimError::InvalidArg("a snapshot without disks".into()));
        };
        let (cmd, id) = match a.op {
            sp::SNAPSHOT_SAVE => ("snapshot-save", "snapshot-save"),
            sp::SNAPSHOT_LOAD => ("snapshot-load", "snapshot-load"),
            sp::SNAPSHOT_DELETE => ("snapshot-delete", "snapshot-delete"),
            op => return Err(ShimError::InvalidArg(format!("snapshot operation {op}"))),
        };
        let mut args = json!({"job-id": id, "tag": a.tag, "devices": nodes});
        if a.op != sp::SNAPSHOT_DELETE {
            args["vmstate"] = Value::String(vmstate);
        }
        // a job of a shim killed earlier is over by now: it goes first
        let _ = q.execute("job-dismiss", Some(json!({"id": id}))).await;
        q.execute(cmd, Some(args)).await?;
        wait_job(&q, id).await
    }
}

/// Wait until the job `id` has concluded, dismiss it, and report its error.
async fn wait_job(q: &QmpClient, id: &str) -> Result<(), ShimError> {
    loop {
        let jobs = q.execute("query-jobs", None).await?;
        let job = jobs
            .as_array()
            .and_then(|a| a.iter().find(|j| j["id"] == id))
            .cloned();
        let Some(job) = job else {
            return Err(ShimError::OperationFailed(format!("job '{id}' vanished")));
        };
        if job["status"] == "concluded" {
            let _ = q.execute("job-dismiss", Some(json!({"id": id}))).await;
            return match job["error"].as_str() {
                Some(e) => Err(ShimError::OperationFailed(e.to_string())),
                None => Ok(()),
            };
        }
        tokio::time::sleep(POLL).await;
    }
}
