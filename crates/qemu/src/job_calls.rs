//! Jobs and the monitor's health as libvirt reports them (`virsh domjobinfo`, `domjobabort`,
//! `domcontrol`, `domblkerror`). oxvirt runs no long (async) jobs yet — no migration, save,
//! dump or backup — so every domain's job is "none", as libvirt reports an idle domain.

use std::sync::Arc;

use oxvirt_proto::calls;
use oxvirt_proto::domain_api::{
    DomainGetControlInfoRet, DomainGetDiskErrorsRet, DomainGetJobInfoRet, DomainGetJobStatsRet,
};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::running::Vm;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_JOB_STATS_COMPLETED`, `VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`.
const JOB_STATS_COMPLETED: u32 = 1;
const JOB_STATS_KEEP_COMPLETED: u32 = 2;
/// `VIR_DOMAIN_ABORT_JOB_POSTCOPY`.
const ABORT_JOB_POSTCOPY: u32 = 1;
/// `VIR_DOMAIN_GET_DISK_ERRORS`' remote maximum.
const DISK_ERRORS_MAX: u32 = oxvirt_proto::domain_api::DISK_ERRORS_MAX as u32;

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

/// libvirt's `virDomainObjCheckActive`: "domain is not running" from the domain layer.
pub(crate) fn check_active(d: &QemuDriver, dom: &NonnullDomain) -> Result<Arc<Vm>, QemuError> {
    d.running_vm(dom).map_err(|e| match e {
        QemuError::OperationInvalid(m) => {
            QemuError::Vir(VirError::new(code::OPERATION_INVALID, domain::DOMAIN, m))
        }
        other => other,
    })
}

/// Register the job and control calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetJobInfo, |d, a, _| {
        // the domain must exist; libvirt's active check comes first for a current job
        check_active(d, &a.dom)?;
        Ok::<_, QemuError>(DomainGetJobInfoRet::default())
    });
    r.add_sync(calls::DomainGetJobStats, |d, a, _| {
        check_flags(
            a.flags,
            JOB_STATS_COMPLETED | JOB_STATS_KEEP_COMPLETED,
            "qemuDomainGetJobStats",
        )?;
        if a.flags & JOB_STATS_COMPLETED == 0 {
            check_active(d, &a.dom)?;
        } else {
            d.view(&a.dom)?;
        }
        Ok::<_, QemuError>(DomainGetJobStatsRet {
            type_: 0,
            params: Vec::new(),
        })
    });
    r.add_sync(calls::DomainAbortJob, |d, a, _| abort_job(d, &a.dom, 0));
    r.add_sync(calls::DomainAbortJobFlags, |d, a, _| {
        abort_job(d, &a.dom, a.flags)
    });
    r.add_sync(calls::DomainGetControlInfo, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetControlInfo")?;
        check_active(d, &a.dom)?;
        // VIR_DOMAIN_CONTROL_OK: the shim answers for QEMU's monitor
        Ok::<_, QemuError>(DomainGetControlInfoRet {
            state: 0,
            details: 0,
            state_time: 0,
        })
    });
    r.add_sync(calls::DomainGetDiskErrors, |d, a, _| {
        if a.maxerrors > DISK_ERRORS_MAX {
            return Err(QemuError::Vir(VirError::rpc("maxerrors too large")));
        }
        check_flags(a.flags, 0, "qemuDomainGetDiskErrors")?;
        let vm = check_active(d, &a.dom)?;
        // no error is recorded for any disk (QEMU's BLOCK_IO_ERROR is not followed yet);
        // asked for no array, libvirt answers the number of disks
        let nerrors = if a.maxerrors == 0 {
            i32::try_from(vm.def().devices.disks.len()).unwrap_or(i32::MAX)
        } else {
            0
        };
        Ok(DomainGetDiskErrorsRet {
            errors: Vec::new(),
            nerrors,
        })
    });
}

fn abort_job(d: &QemuDriver, dom: &NonnullDomain, flags: u32) -> Result<(), QemuError> {
    check_flags(flags, ABORT_JOB_POSTCOPY, "qemuDomainAbortJobFlags")?;
    check_active(d, dom)?;
    Err(QemuError::OperationInvalid(
        "no job is active on the domain".into(),
    ))
}
