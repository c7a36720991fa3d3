//! Block jobs and block resizing, as libvirt's QEMU driver runs them with `-blockdev`: a copy
//! is `blockdev-add` of the destination (made by the driver) and `blockdev-mirror`; a commit
//! `block-commit`; a pull `block-stream`. QEMU's `BLOCK_JOB_READY`, `_COMPLETED` and
//! `_CANCELLED` move the job on ([`Shim::block_job_qmp_event`]): the disk's `<mirror>` becomes
//! ready, and a pivot makes the destination (a copy) or the base (an active commit) the
//! disk's source. Each step is written to the status file and told to the driver
//! ([`sp::BlockJobChanged`]), so a driver restarted meanwhile finds the disk as it is.
//!
//! A job is named `PREFIX-TARGET-NODE` (`copy-vda-libvirt-3-format`, as libvirt names them):
//! the disk is known from the name alone, also for a job QEMU reports that this shim did not
//! start.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::{Disk, DiskMirror, Domain};
use oxvirt_proto::block_api::{job_status, job_type};
use oxvirt_proto::shim as sp;
use oxvirt_sync::MutexExt;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::{Shim, ShimError};

/// How long an abort that waits for its job to end waits.
const ABORT_WAIT: Duration = Duration::from_secs(60);

/// How a job was asked to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Pivot,
    Abort,
}

/// A block job this shim started.
#[derive(Debug, Clone)]
pub(crate) struct BlockJob {
    /// QEMU's job id.
    pub(crate) id: String,
    /// libvirt's job type.
    pub(crate) job_type: i32,
    /// What the user asked, if anything.
    pub(crate) ending: Option<Ending>,
    /// The disk's top node before the job (it goes, with its storage node, after a pivot).
    pub(crate) old_root: String,
    /// A copy's destination nodes (they go after an abort).
    pub(crate) new_nodes: Vec<String>,
}

/// The block jobs of a VM, by disk target.
pub(crate) type BlockJobs = HashMap<String, BlockJob>;

/// The disk of a job id `PREFIX-TARGET-...`.
fn disk_of_job(id: &str) -> Option<&str> {
    id.split('-').nth(1)
}

fn job_prefix(t: i32) -> &'static str {
    match t {
        job_type::PULL => "pull",
        job_type::COPY => "copy",
        _ => "commit",
    }
}

/// libvirt's type of a job QEMU reports (`mirror`, `commit`, `stream`), when no record says.
fn type_of_qemu_job(id: &str, qemu_type: &str) -> i32 {
    match (qemu_type, id.starts_with("copy-")) {
        ("stream", _) => job_type::PULL,
        ("mirror", true) => job_type::COPY,
        ("mirror", false) => job_type::ACTIVE_COMMIT,
        ("commit", _) => job_type::COMMIT,
        _ => job_type::UNKNOWN,
    }
}

/// The next free block node index, counting the destinations of jobs in progress.
fn free_node(dom: &Domain) -> u32 {
    let mirrors = dom
        .devices
        .disks
        .iter()
        .filter_map(|d| d.mirror.as_ref().and_then(|m| m.index))
        .max()
        .unwrap_or(0);
    crate::hotplug::next_node(dom).max(mirrors + 1)
}

fn no_disk(target: &str) -> ShimError {
    ShimError::InvalidArg(format!("disk '{target}' not found in domain"))
}

fn find_disk<'a>(dom: &'a Domain, target: &str) -> Result<&'a Disk, ShimError> {
    dom.devices
        .disks
        .iter()
        .find(|d| d.target_dev == target)
        .ok_or_else(|| no_disk(target))
}

/// Whether `qdev` (what `query-block` says) is the device `alias`.
pub(crate) fn is_device(qdev: &str, alias: &str) -> bool {
    qdev == alias
        || qdev
            .strip_prefix("/machine/peripheral/")
            .is_some_and(|r| r == alias || r.starts_with(&format!("{alias}/")))
}

impl Shim {
    /// The node QEMU's device `alias` reads from now (`query-block`).
    pub(crate) async fn root_node(&self, alias: &str) -> Result<String, ShimError> {
        let blocks = self.qmp()?.execute("query-block", None).await?;
        blocks
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| {
                b.get("qdev")
                    .and_then(Value::as_str)
                    .is_some_and(|q| is_device(q, alias))
            })
            .and_then(|b| b.pointer("/inserted/node-name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ShimError::OperationInvalid(format!("disk '{alias}' has no medium")))
    }

    /// The QOM path of device `alias` (`/machine/peripheral/virtio-disk0/virtio-backend`: what
    /// QEMU's block device commands take), from `query-block`.
    pub(crate) async fn block_qom_path(&self, alias: &str) -> Result<String, ShimError> {
        let blocks = self.qmp()?.execute("query-block", None).await?;
        blocks
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("qdev").and_then(Value::as_str))
            .find(|q| is_device(q, alias))
            .map(str::to_owned)
            .ok_or_else(|| ShimError::OperationInvalid(format!("no block device '{alias}'")))
    }

    /// The device alias and root node of disk `target`.
    async fn disk_root(&self, target: &str) -> Result<(Disk, String), ShimError> {
        let disk = find_disk(&self.status()?.domain, target)?.clone();
        let alias = disk.alias.clone().ok_or_else(|| no_disk(target))?;
        let node = self.root_node(&alias).await?;
        Ok((disk, node))
    }

    /// Resize disk `target` to `bytes` (QMP `block_resize` on its top node).
    pub async fn block_resize(&self, target: &str, bytes: u64) -> Result<(), ShimError> {
        let _job = self.begin_job("block resize").await?;
        self.require_active()?;
        let (_, node) = self.disk_root(target).await?;
        self.qmp()?
            .execute(
                "block_resize",
                Some(json!({"node-name": node, "size": bytes})),
            )
            .await?;
        Ok(())
    }

    /// Start a block job on a disk; the reply is the status document.
    pub async fn block_job_start(&self, a: sp::BlockJobStartArgs) -> Result<String, ShimError> {
        let _job = self.begin_job("block job").await?;
        self.require_active()?;
        let (disk, root) = self.disk_root(&a.disk).await?;
        if disk.mirror.is_some() || self.block_jobs.locked().contains_key(&a.disk) {
            return Err(ShimError::BlockCopyActive(format!(
                "disk '{}' already in active block job",
                a.disk
            )));
        }
        // a job id may not have the `#` of QEMU's own node names
        let id = format!(
            "{}-{}-{}",
            job_prefix(a.job_type),
            a.disk,
            root.trim_start_matches('#')
        );
        let q = self.qmp()?;
        let mut new_nodes = Vec::new();
        let mut mirror = None;
        let mut args = json!({"job-id": id, "device": root});
        if a.speed > 0 {
            args["speed"] = json!(a.speed);
        }
        let cmd = match a.job_type {
            job_type::COPY => {
                let path = a
                    .path
                    .clone()
                    .ok_or_else(|| ShimError::InvalidArg("a copy without destination".into()))?;
                let kind = a.kind.clone().unwrap_or_else(|| "file".into());
                let format = a.format.clone().unwrap_or_else(|| "raw".into());
                let n = free_node(&self.status()?.domain);
                let storage = format!("libvirt-{n}-storage");
                let fmt = format!("libvirt-{n}-format");
                let driver = if kind == "block" {
                    "host_device"
                } else {
                    "file"
                };
                q.execute(
                    "blockdev-add",
                    Some(
                        json!({"driver": driver, "filename": path, "node-name": storage,
                        "auto-read-only": true, "discard": "unmap"}),
                    ),
                )
                .await?;
                new_nodes.push(storage.clone());
                let mut f = json!({"node-name": fmt, "read-only": false, "driver": format,
                    "file": storage});
                if !a.shallow && format == "qcow2" {
                    f["backing"] = Value::Null;
                }
                if let Err(e) = q.execute("blockdev-add", Some(f)).await {
                    self.del_nodes(&new_nodes).await;
                    return Err(e.into());
                }
                new_nodes.push(fmt.clone());
                args["target"] = json!(fmt);
                args["sync"] = json!(if a.shallow { "top" } else { "full" });
                mirror = Some(DiskMirror {
                    kind,
                    job: "copy".into(),
                    ready: None,
                    format: Some(format),
                    source: path,
                    index: Some(n),
                });
                "blockdev-mirror"
            }
            job_type::PULL => {
                if let Some(b) = &a.path {
                    args["base"] = json!(b);
                }
                "block-stream"
            }
            t => {
                if let Some(b) = &a.path {
                    args["base"] = json!(b);
                }
                if t == job_type::ACTIVE_COMMIT {
                    let (path, format) = match &a.path {
                        Some(p) => (p.clone(), a.format.clone()),
                        None => self.chain_bottom(&root).await?,
                    };
                    mirror = Some(DiskMirror {
                        kind: "file".into(),
                        job: "active-commit".into(),
                        ready: None,
                        format,
                        source: path,
                        index: Some(free_node(&self.status()?.domain)),
                    });
                }
                "block-commit"
            }
        };
        // the record and the mirror come first: QEMU's READY may follow its reply at once
        self.block_jobs.locked().insert(
            a.disk.clone(),
            BlockJob {
                id: id.clone(),
                job_type: a.job_type,
                ending: None,
                old_root: root.clone(),
                new_nodes: new_nodes.clone(),
            },
        );
        let has_mirror = mirror.is_some();
        if has_mirror {
            self.change_disk(&a.disk, |d| d.mirror = mirror);
        }
        if let Err(e) = q.execute(cmd, Some(args)).await {
            self.block_jobs.locked().remove(&a.disk);
            if has_mirror {
                self.change_disk(&a.disk, |d| d.mirror = None);
            }
            self.del_nodes(&new_nodes).await;
            return Err(e.into());
        }
        info!(job = %id, "block job started");
        Ok(self.status()?.format())
    }

    /// The bottom image of the chain under `root` (path and format), from `query-block`.
    async fn chain_bottom(&self, root: &str) -> Result<(String, Option<String>), ShimError> {
        let blocks = self.qmp()?.execute("query-block", None).await?;
        let image = blocks
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| b.pointer("/inserted/node-name").and_then(Value::as_str) == Some(root))
            .and_then(|b| b.pointer("/inserted/image"));
        let mut cur = image.ok_or_else(|| ShimError::Internal("no image to commit".into()))?;
        let mut depth = 0;
        while let Some(next) = cur.get("backing-image") {
            cur = next;
            depth += 1;
            if depth > 64 {
                break;
            }
        }
        if depth == 0 {
            return Err(ShimError::InvalidArg(
                "top '' in chain for '' has no backing file".into(),
            ));
        }
        let path = cur
            .get("filename")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let format = cur.get("format").and_then(Value::as_str).map(str::to_owned);
        Ok((path, format))
    }

    /// Change disk `target` in the status, write it; the new document.
    pub(crate) fn change_disk(&self, target: &str, f: impl FnOnce(&mut Disk)) -> String {
        let doc = {
            let mut g = self.rt.locked();
            let Some(rt) = g.as_mut() else {
                return String::new();
            };
            if let Some(d) = rt
                .status
                .domain
                .devices
                .disks
                .iter_mut()
                .find(|d| d.target_dev == target)
            {
                f(d);
            }
            rt.status.format()
        };
        self.write_status(&doc);
        doc
    }

    /// The id and type of disk `target`'s job: this shim's record, else QEMU's list.
    async fn find_job(&self, target: &str) -> Result<Option<(String, i32, Value)>, ShimError> {
        let known = self.block_jobs.locked().get(target).cloned();
        let jobs = self.qmp()?.execute("query-block-jobs", None).await?;
        let qemu = jobs.as_array().into_iter().flatten().find(|j| {
            let id = j.get("device").and_then(Value::as_str).unwrap_or_default();
            match &known {
                Some(k) => id == k.id,
                None => disk_of_job(id) == Some(target),
            }
        });
        Ok(match (known, qemu) {
            (Some(k), Some(j)) => Some((k.id, k.job_type, j.clone())),
            (None, Some(j)) => {
                let id = j
                    .get("device")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let t = type_of_qemu_job(&id, j.get("type").and_then(Value::as_str).unwrap_or(""));
                Some((id, t, j.clone()))
            }
            _ => None,
        })
    }

    /// The progress of disk `target`'s job.
    pub async fn block_job_info(&self, target: &str) -> Result<sp::BlockJobInfoRet, ShimError> {
        self.require_active()?;
        find_disk(&self.status()?.domain, target)?;
        let Some((_, t, j)) = self.find_job(target).await? else {
            return Ok(sp::BlockJobInfoRet::default());
        };
        let num = |k: &str| j.get(k).and_then(Value::as_u64).unwrap_or(0);
        Ok(sp::BlockJobInfoRet {
            found: true,
            job_type: t,
            speed: num("speed"),
            cur: num("offset"),
            end: num("len"),
        })
    }

    /// A job's speed limit.
    pub async fn block_job_set_speed(&self, target: &str, speed: u64) -> Result<(), ShimError> {
        self.require_active()?;
        find_disk(&self.status()?.domain, target)?;
        let Some((id, _, _)) = self.find_job(target).await? else {
            return Err(no_job(target));
        };
        self.qmp()?
            .execute(
                "block-job-set-speed",
                Some(json!({"device": id, "speed": speed})),
            )
            .await?;
        Ok(())
    }

    /// Abort disk `target`'s job, or pivot to a ready copy's destination or commit's base.
    pub async fn block_job_abort(&self, a: sp::BlockJobAbortArgs) -> Result<String, ShimError> {
        self.require_active()?;
        let disk = find_disk(&self.status()?.domain, &a.disk)?.clone();
        let Some((id, t, _)) = self.find_job(&a.disk).await? else {
            return Err(no_job(&a.disk));
        };
        let mut ended = self.block_job_ended.subscribe();
        {
            let mut jobs = self.block_jobs.locked();
            let j = jobs.entry(a.disk.clone()).or_insert_with(|| BlockJob {
                id: id.clone(),
                job_type: t,
                ending: None,
                old_root: String::new(),
                new_nodes: Vec::new(),
            });
            if a.pivot {
                if !matches!(t, job_type::COPY | job_type::ACTIVE_COMMIT) {
                    return Err(ShimError::InvalidArg(format!(
                        "job type '{}' does not support pivot",
                        job_type_name(t)
                    )));
                }
                let ready = disk
                    .mirror
                    .as_ref()
                    .and_then(|m| m.ready.as_deref())
                    .is_some_and(|r| r == "yes");
                if !ready {
                    return Err(ShimError::BlockCopyActive(format!(
                        "block job '{id}' not ready for pivot yet"
                    )));
                }
            }
            if j.ending.is_some() {
                return Err(ShimError::OperationInvalid(format!(
                    "block job '{id}' already has an abort or pivot in progress"
                )));
            }
            j.ending = Some(if a.pivot {
                Ending::Pivot
            } else {
                Ending::Abort
            });
        }
        let ready = if a.pivot { "pivot" } else { "abort" };
        if disk.mirror.is_some() {
            self.change_disk(&a.disk, |d| {
                if let Some(m) = d.mirror.as_mut() {
                    m.ready = Some(ready.into());
                }
            });
        }
        let (cmd, args) = if a.pivot {
            ("block-job-complete", json!({"device": id}))
        } else {
            ("block-job-cancel", json!({"device": id, "force": true}))
        };
        if let Err(e) = self.qmp()?.execute(cmd, Some(args)).await {
            if let Some(j) = self.block_jobs.locked().get_mut(&a.disk) {
                j.ending = None;
            }
            return Err(e.into());
        }
        if a.wait {
            let _ = tokio::time::timeout(ABORT_WAIT, async {
                while self.block_jobs.locked().contains_key(&a.disk) {
                    if ended.changed().await.is_err() {
                        return;
                    }
                }
            })
            .await;
        }
        Ok(self.status()?.format())
    }

    /// QEMU's block job events.
    pub(crate) fn block_job_qmp_event(self: &Arc<Self>, name: &str, data: &Value) {
        let Some(id) = data.get("device").and_then(Value::as_str) else {
            return;
        };
        let Some(disk) = disk_of_job(id).map(str::to_owned) else {
            return;
        };
        let job = self
            .block_jobs
            .locked()
            .get(&disk)
            .filter(|j| j.id == id)
            .cloned();
        let t = job.as_ref().map_or_else(
            || type_of_qemu_job(id, data.get("type").and_then(Value::as_str).unwrap_or("")),
            |j| j.job_type,
        );
        match name {
            "BLOCK_JOB_READY" => {
                let doc = self.change_disk(&disk, |d| {
                    if let Some(m) = d.mirror.as_mut() {
                        m.ready = Some("yes".into());
                    }
                });
                self.block_job_told(&disk, t, job_status::READY, doc);
            }
            "BLOCK_JOB_COMPLETED" | "BLOCK_JOB_CANCELLED" => {
                let failed = name == "BLOCK_JOB_COMPLETED" && data.get("error").is_some();
                let ending = job.as_ref().and_then(|j| j.ending);
                let status = match (name, ending) {
                    _ if failed => job_status::FAILED,
                    (_, Some(Ending::Abort)) | ("BLOCK_JOB_CANCELLED", _) => job_status::CANCELED,
                    _ => job_status::COMPLETED,
                };
                let pivoted = status == job_status::COMPLETED && ending == Some(Ending::Pivot);
                let doc = self.change_disk(&disk, |d| {
                    let m = d.mirror.take();
                    if let (true, Some(m)) = (pivoted, m) {
                        d.kind = m.kind;
                        d.source = Some(m.source);
                        d.source_index = m.index;
                        if let Some(f) = m.format {
                            set_format(d, f);
                        }
                        d.backing_store = None;
                        d.backing_store_end = true;
                    }
                });
                // the nodes no longer in use go
                let gone: Vec<String> = match (&job, pivoted) {
                    // only the nodes named libvirt's way (QEMU frees its own)
                    (Some(j), true) => j
                        .old_root
                        .strip_suffix("-format")
                        .filter(|_| j.old_root.starts_with("libvirt-"))
                        .map(|n| vec![format!("{n}-storage"), j.old_root.clone()])
                        .unwrap_or_default(),
                    (Some(j), false) => j.new_nodes.clone(),
                    _ => Vec::new(),
                };
                if !gone.is_empty() {
                    let me = self.clone();
                    tokio::spawn(async move { me.del_nodes(&gone).await });
                }
                self.block_jobs.locked().remove(&disk);
                self.block_job_told(&disk, t, status, doc);
                self.block_job_ended.send_modify(|n| *n += 1);
                info!(job = %id, status, "block job ended");
            }
            _ => {}
        }
    }

    fn block_job_told(&self, disk: &str, job_type: i32, status: i32, status_xml: String) {
        let path = self
            .status()
            .ok()
            .and_then(|s| {
                s.domain
                    .devices
                    .disks
                    .iter()
                    .find(|d| d.target_dev == disk)
                    .and_then(|d| d.source.clone())
            })
            .unwrap_or_default();
        if status_xml.is_empty() {
            warn!(disk, "a block job event with no status");
        }
        self.emit(
            sp::BlockJobChanged,
            &sp::BlockJobEvent {
                disk: disk.to_owned(),
                path,
                job_type,
                status,
                status_xml,
            },
        );
    }
}

fn no_job(target: &str) -> ShimError {
    ShimError::InvalidArg(format!("disk {target} does not have an active block job"))
}

fn job_type_name(t: i32) -> &'static str {
    match t {
        job_type::PULL => "pull",
        job_type::COPY => "copy",
        job_type::COMMIT => "commit",
        job_type::ACTIVE_COMMIT => "active-commit",
        _ => "none",
    }
}

/// Set a disk's `<driver type=>`.
fn set_format(d: &mut Disk, f: String) {
    match d.driver.iter_mut().find(|(k, _)| *k == "type") {
        Some(e) => e.1 = f,
        None => d.driver.push(("type", f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_names_its_disk() {
        assert_eq!(disk_of_job("copy-vda-libvirt-3-format"), Some("vda"));
        assert_eq!(disk_of_job("commit-sdb-#block123"), Some("sdb"));
        assert_eq!(
            type_of_qemu_job("copy-vda-libvirt-3-format", "mirror"),
            job_type::COPY
        );
        assert_eq!(
            type_of_qemu_job("commit-vda-libvirt-1-format", "mirror"),
            job_type::ACTIVE_COMMIT
        );
        assert_eq!(type_of_qemu_job("pull-vda-x", "stream"), job_type::PULL);
    }

    #[test]
    fn devices_are_known_by_their_qdev_path() {
        assert!(is_device(
            "/machine/peripheral/virtio-disk0/virtio-backend",
            "virtio-disk0"
        ));
        assert!(is_device("virtio-disk0", "virtio-disk0"));
        assert!(!is_device(
            "/machine/peripheral/virtio-disk01/virtio-backend",
            "virtio-disk0"
        ));
    }
}
