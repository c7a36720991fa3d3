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

use crate::hotplug::{disk_node, next_node};
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

impl Shim {
    /// Move the named disks onto their overlays (see [`sp::SnapshotExternal`]).
    pub async fn snapshot_external(
        self: &Arc<Self>,
        a: sp::SnapshotExternalArgs,
    ) -> Result<sp::StatusRet, ShimError> {
        let _job = self.begin_job("snapshot").await?;
        self.require_active()?;
        let q = self.qmp()?;
        let dom = self.status()?.domain;
        if a.disks.len() != a.overlays.len() || a.disks.is_empty() {
            return Err(ShimError::InvalidArg(
                "disks and overlays do not match".into(),
            ));
        }
        let mut added: Vec<String> = Vec::new();
        let mut actions = Vec::new();
        let mut moved = Vec::new();
        for (n, (alias, overlay)) in (next_node(&dom)..).zip(a.disks.iter().zip(&a.overlays)) {
            let Some(old) = disk_node(&dom, alias) else {
                self.del_nodes(&added).await;
                return Err(ShimError::InvalidArg(format!(
                    "no disk with alias '{alias}'"
                )));
            };
            let storage = format!("libvirt-{n}-storage");
            let format = format!("libvirt-{n}-format");
            let nodes = [
                json!({"driver": "file", "filename": overlay, "node-name": storage,
                       "auto-read-only": true, "discard": "unmap"}),
                json!({"driver": "qcow2", "file": storage, "node-name": format,
                       "read-only": false, "backing": null}),
            ];
            for b in nodes {
                let name = b["node-name"].as_str().unwrap_or_default().to_string();
                if let Err(e) = q.execute("blockdev-add", Some(b)).await {
                    self.del_nodes(&added).await;
                    return Err(e.into());
                }
                added.push(name);
            }
            actions.push(json!({"type": "blockdev-snapshot",
                "data": {"node": format!("libvirt-{old}-format"), "overlay": format}}));
            moved.push((alias.clone(), overlay.clone(), n));
        }
        if let Err(e) = q
            .execute("transaction", Some(json!({"actions": actions})))
            .await
        {
            self.del_nodes(&added).await;
            return Err(e.into());
        }
        self.update(|rt| {
            for d in &mut rt.status.domain.devices.disks {
                if let Some((_, overlay, n)) =
                    moved.iter().find(|m| d.alias.as_deref() == Some(&m.0))
                {
                    d.source = Some(overlay.clone());
                    d.driver.retain(|(k, _)| *k != "type");
                    d.driver.push(("type", "qcow2".into()));
                    d.source_index = Some(*n);
                }
            }
            None
        });
        // the status changed (the update above writes only on state changes)
        let status_xml = self.status()?.format();
        self.write_status(&status_xml);
        Ok(sp::StatusRet { status_xml })
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
