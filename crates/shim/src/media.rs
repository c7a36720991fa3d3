//! Changes of a running device that QEMU makes in place: a removable disk's medium
//! (`virsh change-media`, an update of a CD-ROM) the way libvirt 9.0 does it — open the tray,
//! remove the medium, drop its block nodes, add the new ones, insert, close — and a NIC's
//! link (`virsh domif-setlink`, QMP `set_link`).

use oxvirt_conf::domain::parse_live;
use serde_json::{json, Value};
use tracing::info;

use crate::hotplug::{disk_node, next_node};
use crate::{Shim, ShimError};

impl Shim {
    /// Give the removable disk `alias` the medium it has in `domain_xml` (none: eject).
    pub async fn change_media(&self, domain_xml: &str, alias: &str) -> Result<String, ShimError> {
        let _job = self.begin_job("change media").await?;
        self.require_active()?;
        let new = parse_live(domain_xml)?;
        let cur = self.status()?.domain;
        let is = |a: &Option<String>| a.as_deref() == Some(alias);
        let (Some(old), Some(wanted)) = (
            cur.devices.disks.iter().find(|d| is(&d.alias)),
            new.devices.disks.iter().find(|d| is(&d.alias)),
        ) else {
            return Err(ShimError::OperationFailed(format!(
                "no removable disk with alias {alias}"
            )));
        };
        let qmp = self.qmp()?;
        qmp.execute(
            "blockdev-open-tray",
            Some(json!({"id": alias, "force": true})),
        )
        .await?;
        qmp.execute("blockdev-remove-medium", Some(json!({"id": alias})))
            .await?;
        if old.source.is_some() {
            if let Some(node) = disk_node(&cur, alias) {
                self.del_nodes(&[
                    format!("libvirt-{node}-format"),
                    format!("libvirt-{node}-storage"),
                ])
                .await;
            }
        }
        // libvirt's node counter moves on for an eject too
        let node = next_node(&cur);
        let mut disk = old.clone();
        disk.source = wanted.source.clone();
        disk.kind = wanted.kind.clone();
        disk.driver = wanted.driver.clone();
        disk.source_index = Some(node);
        disk.backing_store_end = disk.source.is_some();
        if disk.source.is_some() {
            let (blockdevs, _) = oxvirt_qemu_command::disk_parts(&cur, &disk, node as usize, None)?;
            let mut format_node = String::new();
            for b in blockdevs {
                format_node = b
                    .get("node-name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                qmp.execute("blockdev-add", Some(Value::Object(b))).await?;
            }
            qmp.execute(
                "blockdev-insert-medium",
                Some(json!({"id": alias, "node-name": format_node})),
            )
            .await?;
            qmp.execute("blockdev-close-tray", Some(json!({"id": alias})))
                .await?;
        }
        self.update(|rt| {
            if let Some(d) = rt
                .status
                .domain
                .devices
                .disks
                .iter_mut()
                .find(|d| d.alias.as_deref() == Some(alias))
            {
                *d = disk;
            }
            None
        });
        let doc = self.status()?.format();
        self.write_status(&doc);
        info!(alias, "medium changed");
        Ok(doc)
    }

    /// Set the link of the NIC `alias` up or down.
    pub async fn set_link(&self, alias: &str, up: bool) -> Result<String, ShimError> {
        let _job = self.begin_job("set link").await?;
        self.require_active()?;
        self.qmp()?
            .execute("set_link", Some(json!({"name": alias, "up": up})))
            .await?;
        self.update(|rt| {
            if let Some(n) = rt
                .status
                .domain
                .devices
                .interfaces
                .iter_mut()
                .find(|n| n.alias.as_deref() == Some(alias))
            {
                n.link_up = Some(up);
            }
            None
        });
        let doc = self.status()?.format();
        self.write_status(&doc);
        Ok(doc)
    }
}
