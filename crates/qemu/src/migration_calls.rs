//! Migration's bandwidth limits (`virsh migrate-setspeed`, `migrate-getspeed`), as libvirt 9.0
//! keeps them: the precopy limit per domain object in the driver (MiB/s, running or not; its
//! default is QEMU's largest), the postcopy limit per running QEMU (0 until set). oxvirt does
//! not migrate yet: a migration will hand QEMU these values when it starts, as libvirt does;
//! until then nothing else reads them. They live in the daemon's memory, as libvirt's.

use std::collections::HashMap;
use std::sync::Mutex;

use oxvirt_proto::calls;
use oxvirt_proto::domain_api::DomainMigrateGetMaxSpeedRet;
use oxvirt_proto::types::Uuid;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;
use oxvirt_sync::MutexExt;

use crate::job_calls::check_active;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY`.
const POSTCOPY: u32 = 1;

/// `QEMU_DOMAIN_MIG_BANDWIDTH_MAX`: the largest limit QEMU takes, in MiB/s.
pub const BANDWIDTH_MAX: u64 = (i64::MAX as u64) / (1024 * 1024);

/// The limits of one domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    precopy: u64,
    /// The postcopy limit and the id of the running domain it was set for.
    postcopy: Option<(i32, u64)>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            precopy: BANDWIDTH_MAX,
            postcopy: None,
        }
    }
}

/// Every domain's limits, by UUID.
#[derive(Debug, Default)]
pub struct MigrationLimits(Mutex<HashMap<Uuid, Limits>>);

impl MigrationLimits {
    /// The precopy limit, or the postcopy limit of the running domain `id`.
    fn get(&self, uuid: &Uuid, postcopy_of: Option<i32>) -> u64 {
        let l = self.0.locked().get(uuid).copied().unwrap_or_default();
        match postcopy_of {
            None => l.precopy,
            Some(id) => match l.postcopy {
                Some((set_for, v)) if set_for == id => v,
                _ => 0,
            },
        }
    }

    fn set(&self, uuid: &Uuid, postcopy_of: Option<i32>, v: u64) {
        let mut m = self.0.locked();
        let l = m.entry(*uuid).or_default();
        match postcopy_of {
            None => l.precopy = v,
            Some(id) => l.postcopy = Some((id, v)),
        }
    }

    /// Forget a domain (it was undefined, or a transient one stopped).
    pub fn forget(&self, uuid: &Uuid) {
        self.0.locked().remove(uuid);
    }
}

fn check_flags(flags: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !POSTCOPY != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: flags & !POSTCOPY,
            func,
        });
    }
    Ok(())
}

/// The running domain's id for a postcopy call (which needs QEMU), none for a precopy one
/// (which needs only the domain).
fn postcopy_of(
    d: &QemuDriver,
    dom: &oxvirt_proto::types::NonnullDomain,
    flags: u32,
) -> Result<Option<i32>, QemuError> {
    if flags & POSTCOPY != 0 {
        Ok(Some(check_active(d, dom)?.handle().id))
    } else {
        d.view(dom)?;
        Ok(None)
    }
}

/// Register DOMAIN_MIGRATE_SET_MAX_SPEED and DOMAIN_MIGRATE_GET_MAX_SPEED.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainMigrateSetMaxSpeed, |d, a, _| {
        check_flags(a.flags, "qemuDomainMigrateSetMaxSpeed")?;
        if a.bandwidth > BANDWIDTH_MAX {
            return Err(QemuError::Vir(VirError::new(
                code::OVERFLOW,
                domain::QEMU,
                format!("bandwidth must be less than {}", BANDWIDTH_MAX + 1),
            )));
        }
        let id = postcopy_of(d, &a.dom, a.flags)?;
        d.migration_limits.set(&a.dom.uuid, id, a.bandwidth);
        Ok(())
    });
    r.add_sync(calls::DomainMigrateGetMaxSpeed, |d, a, _| {
        check_flags(a.flags, "qemuDomainMigrateGetMaxSpeed")?;
        let id = postcopy_of(d, &a.dom, a.flags)?;
        Ok::<_, QemuError>(DomainMigrateGetMaxSpeedRet {
            bandwidth: d.migration_limits.get(&a.dom.uuid, id),
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_as_libvirt_keeps_them() {
        let m = MigrationLimits::default();
        let u = [7u8; 16];
        assert_eq!(BANDWIDTH_MAX, 8_796_093_022_207);
        assert_eq!(m.get(&u, None), BANDWIDTH_MAX);
        assert_eq!(m.get(&u, Some(3)), 0);
        m.set(&u, None, 10_000);
        m.set(&u, Some(3), 20);
        assert_eq!((m.get(&u, None), m.get(&u, Some(3))), (10_000, 20));
        // a new QEMU (another id) starts with no postcopy limit; the precopy one stays
        assert_eq!((m.get(&u, None), m.get(&u, Some(4))), (10_000, 0));
        m.forget(&u);
        assert_eq!(m.get(&u, None), BANDWIDTH_MAX);
        assert_eq!(
            check_flags(2, "qemuDomainMigrateSetMaxSpeed")
                .unwrap_err()
                .to_string(),
            "unsupported flags (0x2) in function qemuDomainMigrateSetMaxSpeed"
        );
    }
}
