//! Device attach, detach and update (`virsh attach-device`, `detach-device`,
//! `detach-device-alias`, `update-device` and the virsh commands built on them): libvirt's
//! flag rules (`--current`, `--live`, `--config`), then the edit of the persistent definition
//! ([`oxvirt_conf::domain::attach_config`] and its siblings) followed by the domain's
//! post-parse, which gives a new device its defaults and addresses as libvirt does.
//!
//! The live side is in [`crate::hotplug_live`]: disks and user NICs plug and unplug, CD-ROM
//! media change and NIC links go up and down; other live changes answer libvirt's "not
//! supported" error.

use std::sync::Arc;

use oxvirt_conf::domain::{DeviceXml, Domain};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::NonnullDomain;
use oxvirt_remote::Router;
use oxvirt_sync::RwLockExt;

use crate::domain_calls::check_flags;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_DEVICE_MODIFY_FORCE` of UPDATE_DEVICE_FLAGS.
const DEVICE_MODIFY_FORCE: u32 = 4;

/// Which definitions a call changes, after libvirt's `virDomainObjUpdateModificationImpact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Impact {
    live: bool,
    config: bool,
}

/// `--current` (neither bit) means the live definition of a running domain, else the
/// persistent one; `--live` needs a running domain, `--config` a persistent one.
fn impact(flags: u32, active: bool, persistent: bool) -> Result<Impact, QemuError> {
    let mut live = flags & AFFECT_LIVE != 0;
    let mut config = flags & AFFECT_CONFIG != 0;
    if !live && !config {
        live = active;
        config = !active;
    }
    if live && !active {
        return Err(QemuError::OperationInvalid("domain is not running".into()));
    }
    if config && !persistent {
        return Err(QemuError::OperationInvalid(
            "transient domains do not have any persistent config".into(),
        ));
    }
    Ok(Impact { live, config })
}

/// What a call does to a definition.
enum Edit {
    Attach(DeviceXml),
    Detach(DeviceXml),
    DetachAlias(String),
    Update(DeviceXml),
}

impl Edit {
    fn clone_for_check(&self) -> Self {
        match self {
            Edit::Attach(d) => Edit::Attach(d.clone()),
            Edit::Detach(d) => Edit::Detach(d.clone()),
            Edit::DetachAlias(a) => Edit::DetachAlias(a.clone()),
            Edit::Update(d) => Edit::Update(d.clone()),
        }
    }

    fn apply(self, def: &mut Domain) -> Result<(), QemuError> {
        match self {
            Edit::Attach(d) => oxvirt_conf::domain::attach_config(def, d)?,
            Edit::Detach(d) => oxvirt_conf::domain::detach_config(def, &d)?,
            Edit::DetachAlias(a) => oxvirt_conf::domain::detach_alias_config(def, &a)?,
            Edit::Update(d) => oxvirt_conf::domain::update_config(def, d)?,
        }
        Ok(())
    }
}

impl QemuDriver {
    /// Apply `edit` with `flags` (CURRENT, LIVE, CONFIG) to the domain behind `dom`.
    async fn edit_devices(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        flags: u32,
        edit: Edit,
    ) -> Result<(), QemuError> {
        let v = self.view(dom)?;
        let how = impact(flags, v.active(), v.persistent())?;
        if how.live && how.config {
            // libvirt checks the persistent edit first (on a copy), so a device it refuses
            // there changes nothing live
            let e = self.entry(dom)?;
            let mut def = e.domain()?;
            edit.clone_for_check().apply(&mut def)?;
        }
        if how.live {
            let vm = v
                .vm()
                .cloned()
                .ok_or_else(|| QemuError::OperationInvalid("domain is not running".into()))?;
            match &edit {
                Edit::Attach(d) => self.attach_live(&vm, d.clone()).await?,
                Edit::Detach(d) => self.detach_live(&vm, Some(d), None).await?,
                Edit::DetachAlias(a) => self.detach_live(&vm, None, Some(a)).await?,
                Edit::Update(d) => self.update_live(&vm, d.clone()).await?,
            }
        }
        if how.config {
            let d = self.clone();
            let uuid = dom.uuid;
            tokio::task::spawn_blocking(move || d.edit_config(&uuid, edit))
                .await
                .map_err(|e| QemuError::Internal(e.to_string()))??;
        }
        Ok(())
    }

    /// The persistent definition's edit, read, changed, post-parsed and written under the
    /// registry's lock (two edits at once never lose one another).
    fn edit_config(&self, uuid: &[u8; 16], edit: Edit) -> Result<(), QemuError> {
        let mut reg = self.registry.write_locked();
        let entry = reg.by_uuid(uuid).cloned().ok_or_else(|| {
            QemuError::OperationInvalid(
                "transient domains do not have any persistent config".into(),
            )
        })?;
        let mut def = entry.domain()?;
        edit.apply(&mut def)?;
        self.post_parse(&mut def)?;
        reg.define(def)?;
        Ok(())
    }
}

/// Register the device calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainAttachDevice, |d, a, _| async move {
        let dev = oxvirt_conf::domain::parse_device(&a.xml).map_err(QemuError::from)?;
        d.edit_devices(&a.dom, AFFECT_LIVE, Edit::Attach(dev)).await
    });
    r.add(calls::DomainAttachDeviceFlags, |d, a, _| async move {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainAttachDeviceFlags",
        )?;
        let dev = oxvirt_conf::domain::parse_device(&a.xml)?;
        d.edit_devices(&a.dom, a.flags, Edit::Attach(dev)).await
    });
    r.add(calls::DomainDetachDevice, |d, a, _| async move {
        let dev = oxvirt_conf::domain::parse_device(&a.xml).map_err(QemuError::from)?;
        d.edit_devices(&a.dom, AFFECT_LIVE, Edit::Detach(dev)).await
    });
    r.add(calls::DomainDetachDeviceFlags, |d, a, _| async move {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainDetachDeviceFlags",
        )?;
        let dev = oxvirt_conf::domain::parse_device(&a.xml)?;
        d.edit_devices(&a.dom, a.flags, Edit::Detach(dev)).await
    });
    r.add(calls::DomainDetachDeviceAlias, |d, a, _| async move {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG,
            "qemuDomainDetachDeviceAlias",
        )?;
        d.edit_devices(&a.dom, a.flags, Edit::DetachAlias(a.alias))
            .await
    });
    r.add(calls::DomainUpdateDeviceFlags, |d, a, _| async move {
        check_flags(
            a.flags,
            AFFECT_LIVE | AFFECT_CONFIG | DEVICE_MODIFY_FORCE,
            "qemuDomainUpdateDeviceFlags",
        )?;
        let dev = oxvirt_conf::domain::parse_device(&a.xml)?;
        d.edit_devices(&a.dom, a.flags, Edit::Update(dev)).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirt_s_modification_impact() {
        let ok = |flags, active, persistent| impact(flags, active, persistent).ok();
        let both = |live, config| Some(Impact { live, config });
        assert_eq!(ok(0, true, true), both(true, false));
        assert_eq!(ok(0, false, true), both(false, true));
        assert_eq!(ok(AFFECT_CONFIG, true, true), both(false, true));
        assert_eq!(
            ok(AFFECT_LIVE | AFFECT_CONFIG, true, true),
            both(true, true)
        );
        let err = |flags, active, persistent| {
            impact(flags, active, persistent)
                .map_err(|e| e.to_string())
                .err()
        };
        assert_eq!(
            err(AFFECT_LIVE, false, true).as_deref(),
            Some("domain is not running")
        );
        assert_eq!(
            err(AFFECT_CONFIG, true, false).as_deref(),
            Some("transient domains do not have any persistent config")
        );
        assert_eq!(
            err(0, true, false),
            None,
            "current on a transient running domain is live"
        );
    }
}
