//! Live tuning the driver applied and the shim keeps: the live definition's `<vcpu>`,
//! `<cputune>` and lifecycle actions, written to the status file so that the live XML shows
//! them after a restart of the driver (`virsh vcpupin --live`, `set-lifecycle-action --live`).

use oxvirt_conf::domain::{parse_live, Domain, Lifecycle};
use oxvirt_sync::MutexExt;
use serde_json::json;
use std::os::unix::fs::OpenOptionsExt;

use crate::{Shim, ShimError};

/// QMP `set-action`'s `reboot` value for `<on_reboot>`: only `destroy` keeps QEMU from
/// resetting (as `-no-reboot` at start).
fn reboot_action(l: Lifecycle) -> &'static str {
    match l {
        Lifecycle::Destroy => "shutdown",
        _ => "reset",
    }
}

/// Copy the tuning fields of `new` into `cur`.
fn take_tuning(cur: &mut Domain, new: Domain) {
    cur.vcpu = new.vcpu;
    cur.cputune = new.cputune;
    cur.numatune = new.numatune;
    cur.on_poweroff = new.on_poweroff;
    cur.on_reboot = new.on_reboot;
    cur.on_crash = new.on_crash;
}

impl Shim {
    /// Take the tuning of the live definition `domain_xml` into the status file; a changed
    /// `<on_reboot>` goes to QEMU first.
    pub async fn set_live_tuning(&self, domain_xml: &str) -> Result<(), ShimError> {
        let _job = self.begin_job("set live tuning").await?;
        self.require_active()?;
        let new = parse_live(domain_xml)?;
        let cur = self.status()?.domain;
        if reboot_action(cur.on_reboot) != reboot_action(new.on_reboot) {
            self.qmp()?
                .execute(
                    "set-action",
                    Some(json!({ "reboot": reboot_action(new.on_reboot) })),
                )
                .await?;
        }
        let doc = {
            let mut g = self.rt.locked();
            let Some(rt) = g.as_mut() else {
                return Err(ShimError::OperationInvalid("domain is not running".into()));
            };
            take_tuning(&mut rt.status.domain, new);
            rt.status.format()
        };
        self.write_status(&doc);
        Ok(())
    }
}

impl Shim {
    /// QMP `screendump` in PNG to `screenshot.png` in the VM's directory: its path.
    pub async fn screenshot(&self, device: Option<String>, head: u32) -> Result<String, ShimError> {
        let _job = self.begin_job("screenshot").await?;
        self.require_active()?;
        let path = self.dir().join("screenshot.png");
        let _ = std::fs::remove_file(&path);
        // QEMU may run as another user who cannot create files here: the shim opens the file
        // and QEMU writes to it through an fd set (`/dev/fdset/N` is a path QEMU's open knows)
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| ShimError::Io {
                what: format!("cannot create {}", path.display()),
                source,
            })?;
        let q = self.qmp()?;
        let set = q
            .add_fd(None, std::os::fd::AsFd::as_fd(&file), Some("screenshot"))
            .await?;
        drop(file);
        let mut args = json!({
            "filename": format!("/dev/fdset/{}", set.fdset_id),
            "format": "png",
        });
        if let Some(d) = device {
            args["device"] = json!(d);
            args["head"] = json!(head);
        }
        let r = q.execute("screendump", Some(args)).await;
        let _ = q
            .execute("remove-fd", Some(json!({ "fdset-id": set.fdset_id })))
            .await;
        if r.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        r?;
        Ok(path.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_destroy_stops_reboots() {
        assert_eq!(reboot_action(Lifecycle::Destroy), "shutdown");
        assert_eq!(reboot_action(Lifecycle::Restart), "reset");
        assert_eq!(reboot_action(Lifecycle::Preserve), "reset");
    }
}
