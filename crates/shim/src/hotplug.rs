//! Device hotplug and unplug, as libvirt's QEMU driver does it: a disk is `blockdev-add`
//! (storage node, then format node) and `device_add`; a NIC `netdev_add` and `device_add`.
//! An unplug is `device_del`, then QEMU's `DEVICE_DELETED` (the guest may take its time):
//! the call waits for it up to [`REMOVAL_WAIT`] and the removal otherwise finishes when it
//! comes; then the backends go (`blockdev-del`, `netdev_del`), the device leaves the live
//! definition, the status file is written and the driver hears [`sp::DeviceRemoved`].
//!
//! Handled so far: disks (file and block, on virtio, SCSI, SATA and USB buses) and
//! `type='user'` NICs. A shim restarted between `device_del` and `DEVICE_DELETED` keeps the
//! device in its status.

use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::{parse_live, Disk, Domain};
use oxvirt_proto::shim as sp;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::{Shim, ShimError};

/// How long an unplug waits for QEMU's `DEVICE_DELETED` (libvirt's 5 s).
pub(crate) const REMOVAL_WAIT: Duration = Duration::from_secs(5);

/// The block node index of a disk: the one its `<source index>` names, else (a disk of the
/// command line) its place among those disks.
pub(crate) fn disk_node(dom: &Domain, alias: &str) -> Option<usize> {
    let mut boot = 0usize;
    for d in &dom.devices.disks {
        if d.source_index.is_none() {
            boot += 1;
        }
        if d.alias.as_deref() == Some(alias) {
            return Some(d.source_index.map_or(boot, |i| i as usize));
        }
    }
    None
}

/// The next free block node index (libvirt counts on from the highest in use).
pub(crate) fn next_node(dom: &Domain) -> u32 {
    let boot = dom
        .devices
        .disks
        .iter()
        .filter(|d| d.source_index.is_none())
        .count();
    let max = dom
        .devices
        .disks
        .iter()
        .filter_map(|d| d.source_index)
        .max()
        .unwrap_or(0);
    max.max(u32::try_from(boot).unwrap_or(u32::MAX)) + 1
}

/// Where a disk goes in the list: the place it has in the new definition, after the disks
/// before it that the VM has.
fn place_of(new: &Domain, cur: &Domain, alias: &str) -> usize {
    let before: Vec<&str> = new
        .devices
        .disks
        .iter()
        .take_while(|d| d.alias.as_deref() != Some(alias))
        .filter_map(|d| d.alias.as_deref())
        .collect();
    cur.devices
        .disks
        .iter()
        .rposition(|d| d.alias.as_deref().is_some_and(|a| before.contains(&a)))
        .map_or(0, |i| i + 1)
}

impl Shim {
    /// Hotplug the device `alias` of `domain_xml` (the driver's live definition with the
    /// device, its alias and address assigned).
    pub async fn attach_device(&self, domain_xml: &str, alias: &str) -> Result<String, ShimError> {
        let _job = self.begin_job("device attach").await?;
        self.require_active()?;
        let new = parse_live(domain_xml)?;
        let cur = self.status()?.domain;
        let qmp = self.qmp()?;
        if let Some(d) = new
            .devices
            .disks
            .iter()
            .find(|d| d.alias.as_deref() == Some(alias))
        {
            let mut disk: Disk = d.clone();
            if disk.source.is_some() {
                disk.source_index = Some(next_node(&cur));
                disk.backing_store_end = true;
            }
            let node = disk.source_index.map_or(0, |i| i as usize);
            let (blockdevs, dev) = oxvirt_qemu_command::disk_parts(&new, &disk, node, None)?;
            let mut added: Vec<String> = Vec::new();
            for b in blockdevs {
                let name = b
                    .get("node-name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if let Err(e) = qmp.execute("blockdev-add", Some(Value::Object(b))).await {
                    self.del_nodes(&added).await;
                    return Err(e.into());
                }
                added.push(name);
            }
            if let Err(e) = qmp.execute("device_add", Some(Value::Object(dev))).await {
                self.del_nodes(&added).await;
                return Err(e.into());
            }
            let at = place_of(&new, &cur, alias);
            self.update(|rt| {
                let disks = &mut rt.status.domain.devices.disks;
                disks.insert(at.min(disks.len()), disk);
                None
            });
        } else if let Some(n) = new
            .devices
            .interfaces
            .iter()
            .find(|n| n.alias.as_deref() == Some(alias))
        {
            let netdev_id = format!("host{alias}");
            let i = new.devices.interfaces.len();
            let (netdev, dev) = oxvirt_qemu_command::interface_parts(&new, n, &netdev_id, i, None)?;
            qmp.execute("netdev_add", Some(Value::Object(netdev)))
                .await?;
            if let Err(e) = qmp.execute("device_add", Some(Value::Object(dev))).await {
                let _ = qmp
                    .execute("netdev_del", Some(json!({"id": netdev_id})))
                    .await;
                return Err(e.into());
            }
            let nic = n.clone();
            self.update(|rt| {
                rt.status.domain.devices.interfaces.push(nic);
                None
            });
        } else {
            return Err(ShimError::OperationFailed(format!(
                "no device with alias {alias} to attach"
            )));
        }
        // the status changed (the update above writes only on state changes)
        let st = self.status()?;
        let doc = st.format();
        self.write_status(&doc);
        info!(alias, "device attached");
        Ok(doc)
    }

    pub(crate) async fn del_nodes(&self, nodes: &[String]) {
        let Ok(qmp) = self.qmp() else { return };
        for n in nodes.iter().rev() {
            if let Err(e) = qmp
                .execute("blockdev-del", Some(json!({"node-name": n})))
                .await
            {
                warn!(node = %n, "blockdev-del failed: {e}");
            }
        }
    }

    /// Unplug the device `alias`: `device_del`, then wait up to [`REMOVAL_WAIT`] for QEMU's
    /// `DEVICE_DELETED` ([`Shim::device_deleted`] finishes the removal).
    pub async fn detach_device(self: &Arc<Self>, alias: &str) -> Result<bool, ShimError> {
        let _job = self.begin_job("device detach").await?;
        self.require_active()?;
        let st = self.status()?;
        let d = &st.domain.devices;
        let known = d.disks.iter().any(|x| x.alias.as_deref() == Some(alias))
            || d.interfaces
                .iter()
                .any(|x| x.alias.as_deref() == Some(alias));
        if !known {
            return Err(ShimError::OperationFailed(format!(
                "device with alias {alias} cannot be detached"
            )));
        }
        let mut gone = self.removed.subscribe();
        self.qmp()?
            .execute("device_del", Some(json!({"id": alias})))
            .await?;
        let wait = tokio::time::timeout(REMOVAL_WAIT, async {
            loop {
                if !self.has_device(alias) {
                    return;
                }
                if gone.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        Ok(wait.is_ok() && !self.has_device(alias))
    }

    fn has_device(&self, alias: &str) -> bool {
        self.status().is_ok_and(|st| {
            let d = &st.domain.devices;
            d.disks.iter().any(|x| x.alias.as_deref() == Some(alias))
                || d.interfaces
                    .iter()
                    .any(|x| x.alias.as_deref() == Some(alias))
        })
    }

    /// QEMU's `DEVICE_DELETED` of `alias`: its backends go, it leaves the live definition,
    /// the driver hears it.
    pub(crate) fn device_deleted(self: &Arc<Self>, alias: String) {
        let me = self.clone();
        tokio::spawn(async move {
            let Ok(st) = me.status() else { return };
            let dom = st.domain;
            if let Some(node) = dom
                .devices
                .disks
                .iter()
                .find(|d| d.alias.as_deref() == Some(alias.as_str()))
                .and_then(|d| d.source.as_ref().and(disk_node(&dom, &alias)))
            {
                me.del_nodes(&[
                    format!("libvirt-{node}-storage"),
                    format!("libvirt-{node}-format"),
                ])
                .await;
            } else if dom
                .devices
                .interfaces
                .iter()
                .any(|n| n.alias.as_deref() == Some(alias.as_str()))
            {
                if let Ok(q) = me.qmp() {
                    let id = format!("host{alias}");
                    if let Err(e) = q.execute("netdev_del", Some(json!({"id": id}))).await {
                        warn!(netdev = %id, "netdev_del failed: {e}");
                    }
                }
            } else {
                return;
            }
            me.update(|rt| {
                let d = &mut rt.status.domain.devices;
                d.disks
                    .retain(|x| x.alias.as_deref() != Some(alias.as_str()));
                d.interfaces
                    .retain(|x| x.alias.as_deref() != Some(alias.as_str()));
                None
            });
            let Ok(st) = me.status() else { return };
            let doc = st.format();
            me.write_status(&doc);
            info!(alias, "device removed");
            me.removed.send_modify(|n| *n += 1);
            me.emit(
                sp::DeviceRemoved,
                &sp::DeviceEvent {
                    alias,
                    status_xml: doc,
                },
            );
        });
    }

    /// QEMU refused an unplug (`DEVICE_UNPLUG_GUEST_ERROR`).
    pub(crate) fn device_removal_failed(&self, alias: String) {
        let Ok(st) = self.status() else { return };
        self.emit(
            sp::DeviceRemovalFailed,
            &sp::DeviceEvent {
                alias,
                status_xml: st.format(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(disks: &str) -> Domain {
        let xml = format!(
            "<domain type='qemu' id='1'><name>d</name><memory>1024</memory><os><type>hvm</type></os><devices>{disks}</devices></domain>"
        );
        parse_live(&xml).unwrap()
    }

    fn disk(dev: &str, alias: &str, index: Option<u32>) -> String {
        let index = index.map(|i| format!(" index='{i}'")).unwrap_or_default();
        format!("<disk type='file' device='disk'><source file='/x/{dev}'{index}/><target dev='{dev}' bus='virtio'/><alias name='{alias}'/></disk>")
    }

    #[test]
    fn block_nodes_of_command_line_and_hot_added_disks() {
        // two disks of the command line (nodes 1 and 2), one hot-added as node 3
        let d = dom(&format!(
            "{}{}{}",
            disk("vda", "virtio-disk0", None),
            disk("vdb", "virtio-disk1", Some(3)),
            disk("vdc", "virtio-disk2", None)
        ));
        assert_eq!(disk_node(&d, "virtio-disk0"), Some(1));
        assert_eq!(disk_node(&d, "virtio-disk1"), Some(3));
        assert_eq!(disk_node(&d, "virtio-disk2"), Some(2));
        assert_eq!(disk_node(&d, "nosuch"), None);
        assert_eq!(next_node(&d), 4);
        assert_eq!(next_node(&dom("")), 1);
    }

    #[test]
    fn a_hot_added_disk_keeps_the_new_definition_s_place() {
        let cur = dom(&format!(
            "{}{}",
            disk("vda", "virtio-disk0", None),
            disk("vdc", "virtio-disk2", None)
        ));
        let new = dom(&format!(
            "{}{}{}",
            disk("vda", "virtio-disk0", None),
            disk("vdb", "virtio-disk1", None),
            disk("vdc", "virtio-disk2", None)
        ));
        assert_eq!(place_of(&new, &cur, "virtio-disk1"), 1);
        assert_eq!(place_of(&new, &cur, "virtio-disk0"), 0);
    }
}
