//! Block jobs and block resizing (`virsh blockresize`, `blockcopy`, `blockcommit`,
//! `blockpull`, `blockjob`): the driver checks the call as libvirt 9.0's QEMU driver does,
//! makes a copy's destination and gives QEMU's user the files it will write, and the shim
//! runs the job ([`sp::BlockJobStart`], ...). The shim tells each step
//! ([`sp::BlockJobChanged`]); the driver takes the new status, gives back the files no longer
//! used, and sends libvirt's BLOCK_JOB and BLOCK_JOB_2 events, in that order.

use std::sync::Arc;

use oxvirt_conf::domain::{parse_device, parse_status, Disk, DiskMirror, Domain};
use oxvirt_proto::block_api::{self as ba, flags as bf, job_type};
use oxvirt_proto::calls;
use oxvirt_proto::events::id as event_id;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::shim as sp;
use oxvirt_proto::types::TypedParamValue;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::block_images::{self, Image};
use crate::job_calls::check_active;
use crate::running::Vm;
use crate::{QemuDriver, QemuError};

fn vir(c: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, domain::QEMU, msg))
}

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

/// The disk `path` names: its target (`vda`) or its source.
pub(crate) fn find_disk(def: &Domain, path: &str) -> Result<Disk, QemuError> {
    def.devices
        .disks
        .iter()
        .find(|d| d.target_dev == path || d.source.as_deref() == Some(path))
        .cloned()
        .ok_or_else(|| {
            vir(
                code::INVALID_ARG,
                format!("disk '{path}' not found in domain"),
            )
        })
}

/// A bandwidth in MiB/s (or bytes/s with `bytes`) as bytes/s.
fn bandwidth(bw: u64, bytes: bool) -> Result<u64, QemuError> {
    if bytes {
        return Ok(bw);
    }
    bw.checked_mul(1 << 20).ok_or_else(|| {
        vir(
            code::OVERFLOW,
            format!("bandwidth must be less than {}", u64::MAX >> 20),
        )
    })
}

fn source_of(disk: &Disk) -> Result<String, QemuError> {
    disk.source.clone().ok_or_else(|| {
        vir(
            code::OPERATION_INVALID,
            format!("disk '{}' does not have source", disk.target_dev),
        )
    })
}

fn busy(disk: &Disk) -> Result<(), QemuError> {
    if disk.mirror.is_some() {
        return Err(vir(
            code::BLOCK_COPY_ACTIVE,
            format!("disk '{}' already in active block job", disk.target_dev),
        ));
    }
    Ok(())
}

/// A copy's destination.
struct Dest {
    path: String,
    kind: String,
    format: Option<String>,
}

impl QemuDriver {
    /// Start a job: the file QEMU will write (`lend`) goes to QEMU's user first, back if the
    /// start fails.
    async fn start_block_job(
        &self,
        vm: &Vm,
        a: sp::BlockJobStartArgs,
        lend: Option<String>,
    ) -> Result<(), QemuError> {
        let cur = vm.def();
        let mut lent = cur.clone();
        if let (Some(path), Some(d)) = (
            lend,
            lent.devices
                .disks
                .iter_mut()
                .find(|d| d.target_dev == a.disk),
        ) {
            d.mirror = Some(DiskMirror {
                kind: a.kind.clone().unwrap_or_else(|| "file".into()),
                job: "copy".into(),
                ready: None,
                format: None,
                source: path,
                index: None,
            });
        }
        self.dac.label_new(&cur, &lent)?;
        match vm.call(sp::BlockJobStart, &a, self.call_timeout).await {
            Ok(r) => {
                let st = parse_status(&r.status_xml)?;
                // an event of the job may have come first: it has the newer status
                vm.update_status(|s| {
                    let told = s
                        .domain
                        .devices
                        .disks
                        .iter()
                        .any(|d| d.target_dev == a.disk && d.mirror.is_some());
                    if !told {
                        *s = st;
                    }
                });
                Ok(())
            }
            Err(e) => {
                self.dac.restore_gone(&lent, &cur);
                Err(e)
            }
        }
    }

    async fn block_copy(
        &self,
        dom: &NonnullDomain,
        path: &str,
        dest: Dest,
        speed: u64,
        shallow: bool,
        reuse: bool,
    ) -> Result<(), QemuError> {
        let vm = check_active(self, dom)?;
        let disk = find_disk(&vm.def(), path)?;
        busy(&disk)?;
        let source = source_of(&disk)?;
        let chain = block_images::chain(&source).await?;
        let top = chain
            .first()
            .ok_or_else(|| QemuError::Internal(format!("no image at '{source}'")))?;
        let exists = std::path::Path::new(&dest.path).exists();
        let format = if reuse {
            if !exists {
                return Err(vir(
                    code::INVALID_ARG,
                    format!(
                        "missing destination file for disk {}: {}",
                        disk.target_dev, dest.path
                    ),
                ));
            }
            match dest.format {
                Some(f) => f,
                None => block_images::chain(&dest.path)
                    .await?
                    .first()
                    .map_or_else(|| "raw".into(), |i| i.format.clone()),
            }
        } else {
            if exists && dest.kind != "block" {
                return Err(vir(
                    code::CONFIG_UNSUPPORTED,
                    format!(
                        "external destination file for disk {} already exists and is not a block device: {}",
                        disk.target_dev, dest.path
                    ),
                ));
            }
            crate::path_policy::check_created_file(
                &self.path_policy,
                "block copy destination",
                &dest.path,
            )?;
            let format = dest.format.unwrap_or_else(|| top.format.clone());
            let backing = chain.get(1).filter(|_| shallow);
            block_images::create(&dest.path, &format, top.virtual_size, backing).await?;
            format
        };
        let args = sp::BlockJobStartArgs {
            disk: disk.target_dev.clone(),
            job_type: job_type::COPY,
            path: Some(dest.path.clone()),
            format: Some(format),
            kind: Some(dest.kind),
            shallow: shallow && chain.len() > 1,
            speed,
        };
        let r = self
            .start_block_job(&vm, args, Some(dest.path.clone()))
            .await;
        if r.is_err() && !reuse {
            let _ = std::fs::remove_file(&dest.path);
        }
        r
    }

    async fn block_commit(&self, a: ba::DomainBlockCommitArgs) -> Result<(), QemuError> {
        check_flags(
            a.flags,
            bf::COMMIT_SHALLOW
                | bf::COMMIT_ACTIVE
                | bf::COMMIT_RELATIVE
                | bf::COMMIT_BANDWIDTH_BYTES,
            "qemuDomainBlockCommit",
        )?;
        let vm = check_active(self, &a.dom)?;
        let disk = find_disk(&vm.def(), &a.disk)?;
        busy(&disk)?;
        let source = source_of(&disk)?;
        let chain = block_images::chain(&source).await?;
        let top_given = a
            .top
            .as_deref()
            .filter(|t| *t != source && *t != disk.target_dev);
        if let Some(t) = top_given {
            if chain.iter().skip(1).any(|i| i.filename == t) {
                return Err(vir(
                    code::OPERATION_UNSUPPORTED,
                    "commit of a layer below the active one is not supported yet",
                ));
            }
            return Err(vir(
                code::INVALID_ARG,
                format!("could not find image '{t}' in chain for '{source}'"),
            ));
        }
        if chain.len() < 2 {
            return Err(vir(
                code::INVALID_ARG,
                format!(
                    "top '{source}' in chain for '{}' has no backing file",
                    disk.target_dev
                ),
            ));
        }
        if a.flags & bf::COMMIT_ACTIVE == 0 {
            return Err(vir(
                code::INVALID_ARG,
                format!(
                    "commit of '{}' active layer requires active flag",
                    disk.target_dev
                ),
            ));
        }
        let base: &Image = if a.flags & bf::COMMIT_SHALLOW != 0 {
            &chain[1]
        } else if let Some(b) = &a.base {
            chain
                .iter()
                .skip(1)
                .find(|i| &i.filename == b)
                .ok_or_else(|| {
                    vir(
                        code::INVALID_ARG,
                        format!(
                            "could not find image '{b}' beneath '{source}' in chain for '{}'",
                            disk.target_dev
                        ),
                    )
                })?
        } else {
            &chain[chain.len() - 1]
        };
        let speed = bandwidth(a.bandwidth, a.flags & bf::COMMIT_BANDWIDTH_BYTES != 0)?;
        let args = sp::BlockJobStartArgs {
            disk: disk.target_dev.clone(),
            job_type: job_type::ACTIVE_COMMIT,
            path: Some(base.filename.clone()),
            format: Some(base.format.clone()),
            kind: Some("file".into()),
            shallow: false,
            speed,
        };
        self.start_block_job(&vm, args, Some(base.filename.clone()))
            .await
    }

    async fn block_pull(
        &self,
        dom: &NonnullDomain,
        path: &str,
        base: Option<String>,
        speed: u64,
    ) -> Result<(), QemuError> {
        let vm = check_active(self, dom)?;
        let disk = find_disk(&vm.def(), path)?;
        busy(&disk)?;
        let source = source_of(&disk)?;
        if let Some(b) = &base {
            let chain = block_images::chain(&source).await?;
            if !chain.iter().skip(1).any(|i| &i.filename == b) {
                return Err(vir(
                    code::INVALID_ARG,
                    format!(
                        "could not find image '{b}' beneath '{source}' in chain for '{}'",
                        disk.target_dev
                    ),
                ));
            }
        }
        let args = sp::BlockJobStartArgs {
            disk: disk.target_dev.clone(),
            job_type: job_type::PULL,
            path: base,
            format: None,
            kind: None,
            shallow: false,
            speed,
        };
        self.start_block_job(&vm, args, None).await
    }

    async fn block_rebase(&self, a: ba::DomainBlockRebaseArgs) -> Result<(), QemuError> {
        check_flags(
            a.flags,
            bf::REBASE_SHALLOW
                | bf::REBASE_REUSE_EXT
                | bf::REBASE_COPY_RAW
                | bf::REBASE_COPY
                | bf::REBASE_RELATIVE
                | bf::REBASE_COPY_DEV
                | bf::REBASE_BANDWIDTH_BYTES,
            "qemuDomainBlockRebase",
        )?;
        let speed = bandwidth(a.bandwidth, a.flags & bf::REBASE_BANDWIDTH_BYTES != 0)?;
        if a.flags & bf::REBASE_COPY == 0 {
            if a.flags
                & (bf::REBASE_SHALLOW
                    | bf::REBASE_REUSE_EXT
                    | bf::REBASE_COPY_RAW
                    | bf::REBASE_COPY_DEV)
                != 0
            {
                return Err(vir(
                    code::ARGUMENT_UNSUPPORTED,
                    "flags not supported without VIR_DOMAIN_BLOCK_REBASE_COPY",
                ));
            }
            return self.block_pull(&a.dom, &a.path, a.base, speed).await;
        }
        let dest = a
            .base
            .ok_or_else(|| vir(code::INVALID_ARG, "a block copy needs a destination"))?;
        let dest = Dest {
            path: dest,
            kind: if a.flags & bf::REBASE_COPY_DEV != 0 {
                "block".into()
            } else {
                "file".into()
            },
            format: (a.flags & bf::REBASE_COPY_RAW != 0).then(|| "raw".into()),
        };
        self.block_copy(
            &a.dom,
            &a.path,
            dest,
            speed,
            a.flags & bf::REBASE_SHALLOW != 0,
            a.flags & bf::REBASE_REUSE_EXT != 0,
        )
        .await
    }

    async fn block_copy_call(&self, a: ba::DomainBlockCopyArgs) -> Result<(), QemuError> {
        check_flags(
            a.flags,
            bf::COPY_SHALLOW | bf::COPY_REUSE_EXT | bf::COPY_TRANSIENT_JOB,
            "qemuDomainBlockCopy",
        )?;
        let mut speed = 0;
        for p in &a.params {
            match (p.field.as_str(), &p.value) {
                ("bandwidth", TypedParamValue::ULLong(v)) => speed = *v,
                ("granularity", TypedParamValue::UInt(_))
                | ("buf-size", TypedParamValue::ULLong(_)) => {}
                (f, _) => {
                    return Err(vir(
                        code::INVALID_ARG,
                        format!("argument unsupported: parameter '{f}'"),
                    ))
                }
            }
        }
        let dev = parse_device(&a.destxml)?;
        let d = dev
            .disk()
            .ok_or_else(|| vir(code::INVALID_ARG, "the destination XML is not a disk"))?;
        let path = d.source.clone().ok_or_else(|| {
            vir(
                code::INVALID_ARG,
                "the block copy destination has no source",
            )
        })?;
        let format = d
            .driver
            .iter()
            .find(|(k, _)| *k == "type")
            .map(|(_, v)| v.clone());
        let dest = Dest {
            path,
            kind: d.kind.clone(),
            format,
        };
        self.block_copy(
            &a.dom,
            &a.path,
            dest,
            speed,
            a.flags & bf::COPY_SHALLOW != 0,
            a.flags & bf::COPY_REUSE_EXT != 0,
        )
        .await
    }

    async fn block_job_info(
        &self,
        a: ba::DomainBlockJobArgs,
    ) -> Result<ba::DomainGetBlockJobInfoRet, QemuError> {
        check_flags(a.flags, bf::BANDWIDTH_BYTES, "qemuDomainGetBlockJobInfo")?;
        let vm = check_active(self, &a.dom)?;
        let disk = find_disk(&vm.def(), &a.path)?;
        let r = vm
            .call(
                sp::BlockJobInfo,
                &sp::DiskArgs {
                    disk: disk.target_dev.clone(),
                },
                self.call_timeout,
            )
            .await?;
        if !r.found {
            return Ok(ba::DomainGetBlockJobInfoRet::default());
        }
        let ready = disk
            .mirror
            .as_ref()
            .is_some_and(|m| m.ready.as_deref() == Some("yes"));
        let (mut cur, mut end) = (r.cur, r.end);
        // libvirt's reporting: a job QEMU has not sized yet is 0 of 1, and one not ready never
        // shows cur == end (programs poll for that instead of waiting for the event)
        if cur == 0 && end == 0 {
            end = 1;
            if ready {
                cur = 1;
            }
        }
        if !ready && cur == end && cur > 0 {
            cur -= 1;
        }
        let bandwidth = if a.flags & bf::BANDWIDTH_BYTES != 0 {
            r.speed
        } else {
            r.speed >> 20
        };
        Ok(ba::DomainGetBlockJobInfoRet {
            found: 1,
            type_: r.job_type,
            bandwidth,
            cur,
            end,
        })
    }

    async fn block_job_abort(&self, a: ba::DomainBlockJobArgs) -> Result<(), QemuError> {
        check_flags(
            a.flags,
            bf::ABORT_ASYNC | bf::ABORT_PIVOT,
            "qemuDomainBlockJobAbort",
        )?;
        let vm = check_active(self, &a.dom)?;
        let disk = find_disk(&vm.def(), &a.path)?;
        let r = vm
            .call(
                sp::BlockJobAbort,
                &sp::BlockJobAbortArgs {
                    disk: disk.target_dev.clone(),
                    pivot: a.flags & bf::ABORT_PIVOT != 0,
                    wait: a.flags & bf::ABORT_ASYNC == 0,
                },
                self.call_timeout * 4,
            )
            .await?;
        self.take_block_status(&vm, &r.status_xml);
        Ok(())
    }

    async fn block_job_set_speed(&self, a: ba::DomainBlockBandwidthArgs) -> Result<(), QemuError> {
        check_flags(a.flags, bf::BANDWIDTH_BYTES, "qemuDomainBlockJobSetSpeed")?;
        let speed = bandwidth(a.bandwidth, a.flags & bf::BANDWIDTH_BYTES != 0)?;
        let vm = check_active(self, &a.dom)?;
        let disk = find_disk(&vm.def(), &a.path)?;
        vm.call(
            sp::BlockJobSetSpeed,
            &sp::BlockJobSpeedArgs {
                disk: disk.target_dev,
                speed,
            },
            self.call_timeout,
        )
        .await
    }

    /// Take a status the shim returned: the files the VM no longer uses go back.
    fn take_block_status(&self, vm: &Vm, status_xml: &str) {
        let Ok(st) = parse_status(status_xml) else {
            return;
        };
        let old = vm.def();
        self.dac.restore_gone(&old, &st.domain);
        vm.update_status(|s| *s = st);
    }

    /// The shim's BLOCK_JOB change: the new status, then libvirt's two events.
    pub(crate) fn block_job_event(&self, vm: &Arc<Vm>, ev: sp::BlockJobEvent) {
        use oxvirt_remote::Driver;
        self.take_block_status(vm, &ev.status_xml);
        let msg = ba::DomainEventBlockJobMsg {
            dom: vm.handle(),
            path: ev.path,
            type_: ev.job_type,
            status: ev.status,
        };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                event_id::BLOCK_JOB,
                &msg.dom,
                rp::DOMAIN_EVENT_CALLBACK_BLOCK_JOB,
                Some(rp::DOMAIN_EVENT_BLOCK_JOB),
                &body,
            );
        }
        let msg = ba::DomainEventBlockJob2Msg {
            dom: vm.handle(),
            dst: ev.disk,
            type_: ev.job_type,
            status: ev.status,
        };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                event_id::BLOCK_JOB_2,
                &msg.dom,
                rp::DOMAIN_EVENT_BLOCK_JOB_2,
                None,
                &body,
            );
        }
    }
}

/// Register the block job calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainGetBlockJobInfo, |d, a, _| async move {
        d.block_job_info(a).await
    });
    r.add(calls::DomainBlockJobAbort, |d, a, _| async move {
        d.block_job_abort(a).await
    });
    r.add(calls::DomainBlockJobSetSpeed, |d, a, _| async move {
        d.block_job_set_speed(a).await
    });
    r.add(calls::DomainBlockPull, |d, a, _| async move {
        check_flags(a.flags, bf::PULL_BANDWIDTH_BYTES, "qemuDomainBlockPull")?;
        let speed = bandwidth(a.bandwidth, a.flags & bf::PULL_BANDWIDTH_BYTES != 0)?;
        d.block_pull(&a.dom, &a.path, None, speed).await
    });
    r.add(calls::DomainBlockRebase, |d, a, _| async move {
        d.block_rebase(a).await
    });
    r.add(calls::DomainBlockCopy, |d, a, _| async move {
        d.block_copy_call(a).await
    });
    r.add(calls::DomainBlockCommit, |d, a, _| async move {
        d.block_commit(a).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_is_mib_unless_bytes() {
        assert_eq!(bandwidth(3, false).unwrap(), 3 << 20);
        assert_eq!(bandwidth(3, true).unwrap(), 3);
        assert!(bandwidth(u64::MAX, false).is_err());
    }
}
