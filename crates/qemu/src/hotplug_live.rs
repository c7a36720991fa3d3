//! The live side of device attach and detach: the new device gets its address and alias in
//! a copy of the running domain's live definition (the domain's post-parse and alias
//! assignment, as libvirt's `qemuDomainAttachDeviceLive` does for one device), the shim
//! plugs it into QEMU and answers the new status; an unplug asks the shim for QEMU's
//! `device_del` and the removal ends with the shim's DEVICE_REMOVED event, whenever QEMU's
//! `DEVICE_DELETED` comes. Disks and `type='user'` NICs so far; NICs of type network and
//! bridge need the TAP work (their netdev is another engineer's: `interface_parts`, which
//! refuses them, is the hook).

use std::sync::Arc;

use oxvirt_conf::domain::{parse_status, DeviceXml, Domain, FormatOptions};
use oxvirt_proto::events::id as event_id;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::DomainEventDeviceAliasMsg;
use oxvirt_proto::shim as sp;
use oxvirt_proto::vir_error::{code, domain as vir_domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Driver;

use crate::running::Vm;
use crate::{QemuDriver, QemuError};

/// libvirt's error for a device kind it cannot change live.
pub(crate) fn live_unsupported(verb: &str, element: &str) -> QemuError {
    QemuError::Vir(VirError::new(
        code::OPERATION_UNSUPPORTED,
        vir_domain::QEMU,
        format!("live {verb} of device '{element}' is not supported"),
    ))
}

/// The alias of the device a detach names in the live definition.
fn live_alias(def: &Domain, dev: &DeviceXml) -> Result<String, QemuError> {
    match dev.element.as_str() {
        "disk" => {
            let target = dev.disk().map(|d| d.target_dev.clone()).unwrap_or_default();
            def.devices
                .disks
                .iter()
                .find(|d| d.target_dev == target)
                .and_then(|d| d.alias.clone())
                .ok_or_else(|| {
                    QemuError::Vir(VirError::new(
                        code::DEVICE_MISSING,
                        vir_domain::QEMU,
                        format!("disk {target} not found"),
                    ))
                })
        }
        "interface" => {
            let i = oxvirt_conf::domain::find_interface(def, dev)?;
            def.devices
                .interfaces
                .get(i)
                .and_then(|n| n.alias.clone())
                .ok_or_else(|| QemuError::Internal("the NIC has no alias".into()))
        }
        other => Err(live_unsupported("detach", other)),
    }
}

/// The device with `alias` in the live definition, if it is one an unplug handles.
fn has_alias(def: &Domain, alias: &str) -> Result<(), QemuError> {
    let d = &def.devices;
    let is = |a: &Option<String>| a.as_deref() == Some(alias);
    if d.disks.iter().any(|x| is(&x.alias)) || d.interfaces.iter().any(|x| is(&x.alias)) {
        return Ok(());
    }
    Err(QemuError::Vir(VirError::new(
        code::INTERNAL_ERROR,
        vir_domain::DOMAIN,
        format!("no device found with alias {alias}"),
    )))
}

impl QemuDriver {
    /// Attach `dev` to the running `vm`.
    pub(crate) async fn attach_live(
        self: &Arc<Self>,
        vm: &Arc<Vm>,
        dev: DeviceXml,
    ) -> Result<(), QemuError> {
        let cur = vm.def();
        let element = dev.element.clone();
        let target = match element.as_str() {
            "disk" => dev.disk().map(|d| d.target_dev.clone()),
            // libvirt plugs these live; oxvirt does not yet, but gives the same answer when
            // the device would find no PCI slot
            "interface" | "watchdog" | "rng" | "controller" | "serial" | "channel" | "input" => {
                None
            }
            other => return Err(live_unsupported("attach", other)),
        };
        if let (Some(t), Some(new_disk)) = (&target, dev.disk()) {
            // libvirt's validation of the whole definition with the device in it
            if let Some(old) = cur.devices.disks.iter().find(|d| &d.target_dev == t) {
                let src = |d: &oxvirt_conf::domain::Disk| {
                    d.source.clone().unwrap_or_else(|| "<null>".into())
                };
                return Err(QemuError::Conf(oxvirt_conf::ConfError::Xml(format!(
                    "target '{t}' duplicated for disk sources '{}' and '{}'",
                    src(old),
                    src(new_disk)
                ))));
            }
        }
        let mut new = cur.clone();
        oxvirt_conf::domain::attach_config(&mut new, dev)?;
        self.post_parse(&mut new)?;
        if new.devices.controllers.len() != cur.devices.controllers.len() {
            // the device needs a controller (a PCIe root port) QEMU cannot get live
            return Err(QemuError::Internal("No more available PCI slots".into()));
        }
        if !matches!(element.as_str(), "disk" | "interface") {
            return Err(live_unsupported("attach", &element));
        }
        oxvirt_conf::domain::assign_aliases(&mut new);
        let alias = match &target {
            Some(t) => new
                .devices
                .disks
                .iter()
                .find(|d| &d.target_dev == t)
                .and_then(|d| d.alias.clone()),
            None => new.devices.interfaces.last().and_then(|n| n.alias.clone()),
        }
        .ok_or_else(|| QemuError::Internal("the new device has no alias".into()))?;
        let domain_xml = new.format_with(FormatOptions::default());
        // the new disk's file goes to QEMU's user first (and back if the attach fails)
        self.dac.label_new(&cur, &new)?;
        self.dac.record(&vm.dir, &new, true);
        let r = vm
            .call(
                sp::AttachDevice,
                &sp::AttachDeviceArgs {
                    domain_xml,
                    alias: alias.clone(),
                },
                self.call_timeout,
            )
            .await
            .inspect_err(|_| {
                self.dac.restore_gone(&new, &cur);
                self.dac.record(&vm.dir, &cur, false);
            })?;
        let st = parse_status(&r.status_xml)?;
        vm.update_status(|s| *s = st);
        self.emit_device(
            vm.handle(),
            &alias,
            event_id::DEVICE_ADDED,
            rp::DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
            None,
        );
        Ok(())
    }

    /// Detach the device `dev` names (or, with `alias`, the device of that alias) from the
    /// running `vm`: QEMU's unplug, waited for up to 5 s.
    pub(crate) async fn detach_live(
        self: &Arc<Self>,
        vm: &Arc<Vm>,
        dev: Option<&DeviceXml>,
        alias: Option<&str>,
    ) -> Result<(), QemuError> {
        let cur = vm.def();
        let alias = match (dev, alias) {
            (Some(d), _) => live_alias(&cur, d)?,
            (None, Some(a)) => {
                has_alias(&cur, a)?;
                a.to_owned()
            }
            (None, None) => return Err(QemuError::Internal("nothing to detach".into())),
        };
        vm.call(
            sp::DetachDevice,
            &sp::DetachDeviceArgs { alias },
            self.call_timeout,
        )
        .await?;
        Ok(())
    }

    /// Update a running device: a removable disk's medium (change, insert, eject) or a NIC's
    /// link state; other changes answer libvirt's "not supported".
    pub(crate) async fn update_live(
        self: &Arc<Self>,
        vm: &Arc<Vm>,
        dev: DeviceXml,
    ) -> Result<(), QemuError> {
        let cur = vm.def();
        let r = match dev.element.as_str() {
            "disk" => {
                let Some(new_disk) = dev.disk() else {
                    return Err(QemuError::Internal("not a disk".into()));
                };
                let Some(old) = cur
                    .devices
                    .disks
                    .iter()
                    .find(|d| d.target_dev == new_disk.target_dev)
                else {
                    return Err(QemuError::Internal(format!(
                        "disk '{}' not found",
                        new_disk.target_dev
                    )));
                };
                if !matches!(old.device.as_str(), "cdrom" | "floppy") {
                    return Err(live_unsupported("update", "disk"));
                }
                let alias = old.alias.clone().unwrap_or_default();
                let mut new = cur.clone();
                if let Some(d) = new
                    .devices
                    .disks
                    .iter_mut()
                    .find(|d| d.target_dev == new_disk.target_dev)
                {
                    d.source = new_disk.source.clone();
                    d.kind = new_disk.kind.clone();
                    // a medium's format: the new XML's, else raw as libvirt's post-parse
                    d.driver = new_disk.driver.clone();
                    if !d.driver.iter().any(|(k, _)| *k == "name") {
                        d.driver.insert(0, ("name", "qemu".into()));
                    }
                    if !d.driver.iter().any(|(k, _)| *k == "type") {
                        d.driver.push(("type", "raw".into()));
                    }
                }
                // the new medium goes to QEMU's user; the old one back once it is out
                self.dac.label_new(&cur, &new)?;
                self.dac.record(&vm.dir, &new, true);
                let r = vm
                    .call(
                        sp::ChangeMedia,
                        &sp::AttachDeviceArgs {
                            domain_xml: new.format_with(FormatOptions::default()),
                            alias,
                        },
                        self.call_timeout,
                    )
                    .await
                    .inspect_err(|_| {
                        self.dac.restore_gone(&new, &cur);
                        self.dac.record(&vm.dir, &cur, false);
                    })?;
                self.dac.restore_gone(&cur, &new);
                self.dac.record(&vm.dir, &new, false);
                r
            }
            "interface" => {
                let i = oxvirt_conf::domain::find_interface(&cur, &dev)?;
                let (Some(old), Some(new)) = (cur.devices.interfaces.get(i), dev.interface())
                else {
                    return Err(QemuError::Internal("no NIC".into()));
                };
                // only the link may change live (what domif-setlink sends)
                let mut same = new.clone();
                same.link_up = old.link_up;
                same.alias = old.alias.clone();
                same.address = old.address;
                if same.model.is_none() {
                    same.model = old.model.clone();
                }
                if same != *old {
                    return Err(live_unsupported("update", "interface"));
                }
                let up = new.link_up != Some(false);
                vm.call(
                    sp::SetLink,
                    &sp::SetLinkArgs {
                        alias: old.alias.clone().unwrap_or_default(),
                        up,
                    },
                    self.call_timeout,
                )
                .await?
            }
            other => return Err(live_unsupported("update", other)),
        };
        let st = parse_status(&r.status_xml)?;
        vm.update_status(|s| *s = st);
        Ok(())
    }

    /// The shim's DEVICE_REMOVED (or DEVICE_REMOVAL_FAILED): the new status, and the event.
    pub(crate) fn device_event(&self, vm: &Arc<Vm>, ev: sp::DeviceEvent, removed: bool) {
        if removed {
            if let Ok(st) = parse_status(&ev.status_xml) {
                let before = vm.status().command_domain();
                let after = st.command_domain();
                vm.update_status(|s| *s = st);
                // the unplugged disk's file goes back to its owner (unless another device
                // of the VM still names it)
                self.dac.restore_gone(&before, &after);
                self.dac.record(&vm.dir, &after, false);
            }
            self.emit_device(
                vm.handle(),
                &ev.alias,
                event_id::DEVICE_REMOVED,
                rp::DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
                Some(rp::DOMAIN_EVENT_DEVICE_REMOVED),
            );
        } else {
            self.emit_device(
                vm.handle(),
                &ev.alias,
                event_id::DEVICE_REMOVAL_FAILED,
                rp::DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED,
                None,
            );
        }
    }

    fn emit_device(
        &self,
        dom: NonnullDomain,
        alias: &str,
        id: i32,
        callback_proc: i32,
        legacy: Option<i32>,
    ) {
        let msg = DomainEventDeviceAliasMsg {
            dom,
            dev_alias: alias.to_owned(),
        };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events()
                .emit(id, &msg.dom, callback_proc, legacy, &body);
        }
    }
}
