//! The snapshot calls that change things: SNAPSHOT_CREATE_XML, REVERT_TO_SNAPSHOT and
//! SNAPSHOT_DELETE, as libvirt 9.0's QEMU driver does them.
//!
//! - Internal snapshots: of a shut-off domain with `qemu-img snapshot -c/-a/-d` on each qcow2
//!   disk; of a running one with QEMU's `snapshot-save`/`-load`/`-delete` jobs, run by its shim
//!   ([`sp::SnapshotInternal`]).
//! - External disk-only snapshots of a shut-off domain: a qcow2 overlay per disk
//!   (`qemu-img create -b`), the persistent definition's disks moved onto them. Reverting to
//!   an external snapshot is refused with libvirt 9.0's error.
//!
//! The metadata is written after the images changed, and only if they did: a crash in between
//! leaves an image snapshot without metadata (as `--no-metadata` would), never metadata
//! naming a snapshot that is not there. Calls on one domain are serialised by its job.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oxvirt_conf::domain::{Disk as DomainDisk, Domain};
use oxvirt_conf::snapshot::{self, Disk, Location, Parse, Snapshot, State};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_snapshot as cf;
use oxvirt_proto::flags::snapshot_delete as df;
use oxvirt_proto::flags::snapshot_revert as rf;
use oxvirt_proto::shim as sp;
use oxvirt_proto::snapshot::SnapshotRet;
use oxvirt_proto::states::state;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, ToVirError, VirError};
use oxvirt_remote::Router;
use oxvirt_sync::RwLockExt;

use crate::domain_calls::check_flags;
use crate::running::Vm;
use crate::snapshot_calls::DomainSnapshots;
use crate::snapshot_store::{self as store, Item};
use crate::{QemuDriver, QemuError};

/// The longest a snapshot job may take (QEMU writing the guest's memory into the image).
const JOB_TIMEOUT: Duration = Duration::from_secs(3600);

fn plain(code: i32, domain: i32, msg: &str) -> QemuError {
    QemuError::Vir(VirError::plain(code, domain, msg))
}

fn failed(msg: String) -> QemuError {
    QemuError::OperationFailed(msg)
}

fn driver_type(d: &DomainDisk) -> Option<&str> {
    d.driver
        .iter()
        .find(|(k, _)| *k == "type")
        .map(|(_, v)| v.as_str())
}

/// Run `qemu-img ARGS`; its stderr is the error.
async fn qemu_img(args: &[&str]) -> Result<(), QemuError> {
    qemu_img_out(args).await.map(|_| ())
}

/// A disk image's virtual size (`qemu-img info`, sharing the image with a running QEMU).
async fn virtual_size(path: &str) -> Result<u64, QemuError> {
    let out = qemu_img_out(&["info", "-U", "--output=json", path]).await?;
    serde_json::from_slice::<serde_json::Value>(&out)
        .ok()
        .and_then(|v| v["virtual-size"].as_u64())
        .ok_or_else(|| failed(format!("cannot read the size of {path}")))
}

/// Run `qemu-img ARGS`; its stdout, or its stderr as the error.
async fn qemu_img_out(args: &[&str]) -> Result<Vec<u8>, QemuError> {
    let out = tokio::process::Command::new("qemu-img")
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| QemuError::Io {
            what: "cannot run qemu-img".into(),
            source,
        })?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(failed(format!(
        "qemu-img {} failed: {}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// The check of a creation's flags, in libvirt's order.
fn check_create_flags(flags: u32) -> Result<(), QemuError> {
    check_flags(
        flags,
        cf::CREATE_REDEFINE
            | cf::CREATE_CURRENT
            | cf::CREATE_NO_METADATA
            | cf::CREATE_HALT
            | cf::CREATE_DISK_ONLY
            | cf::CREATE_REUSE_EXT
            | cf::CREATE_QUIESCE
            | cf::CREATE_ATOMIC
            | cf::CREATE_LIVE
            | cf::CREATE_VALIDATE,
        "qemuSnapshotCreateXML",
    )?;
    if flags & cf::CREATE_QUIESCE != 0 && flags & cf::CREATE_DISK_ONLY == 0 {
        return Err(plain(
            code::INVALID_ARG,
            domain::QEMU,
            "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag \
             'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'",
        ));
    }
    if flags & cf::CREATE_REDEFINE != 0 && flags & cf::CREATE_NO_METADATA != 0 {
        return Err(plain(
            code::INVALID_ARG,
            domain::DOMAIN_SNAPSHOT,
            "Flags 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' and \
             'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA' are mutually exclusive",
        ));
    }
    if flags & cf::CREATE_CURRENT != 0 && flags & cf::CREATE_REDEFINE == 0 {
        return Err(plain(
            code::INVALID_ARG,
            domain::DOMAIN_SNAPSHOT,
            "Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE' is required by flag \
             'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT'",
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), QemuError> {
    let bad = ['/']
        .into_iter()
        .find(|c| name.contains(*c))
        .map(String::from)
        .or_else(|| matches!(name, "." | "..").then(|| name.to_string()));
    if let Some(c) = bad {
        return Err(plain(
            code::XML_DETAIL,
            domain::QEMU,
            &format!("invalid snapshot name '{name}': name can't contain '{c}'"),
        ));
    }
    Ok(())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// libvirt's `virDomainSnapshotAlignDisks`: one entry per domain disk, in its order, with
/// the requested location or the default; external ones get their overlay's path.
fn align_disks(def: &mut Snapshot, dom: &Domain, default: Location) -> Result<(), QemuError> {
    let unsupported = |m: String| {
        QemuError::Vir(VirError::new(
            code::CONFIG_UNSUPPORTED,
            domain::DOMAIN_SNAPSHOT,
            m,
        ))
    };
    if def.disks.len() > dom.devices.disks.len() {
        return Err(unsupported(
            "too many disk snapshot requests for domain".into(),
        ));
    }
    let mut requested = std::mem::take(&mut def.disks);
    for r in &requested {
        if !dom
            .devices
            .disks
            .iter()
            .any(|d| d.target_dev == r.name || d.source.as_deref() == Some(r.name.as_str()))
        {
            return Err(unsupported(format!("no disk named '{}'", r.name)));
        }
    }
    for d in &dom.devices.disks {
        let pos = requested
            .iter()
            .position(|r| r.name == d.target_dev || d.source.as_deref() == Some(r.name.as_str()));
        let mut s = match pos {
            Some(i) => requested.remove(i),
            None => Disk {
                source_type: "file".into(),
                ..Disk::default()
            },
        };
        if s.name != d.target_dev && requested.iter().any(|r| r.name == d.target_dev) {
            return Err(unsupported(format!("disk '{}' specified twice", s.name)));
        }
        s.name = d.target_dev.clone();
        if s.snapshot == Location::Default {
            s.snapshot = if d.source.is_none() || d.readonly {
                Location::No
            } else {
                default
            };
        }
        if s.snapshot == Location::External && s.path.is_none() {
            let Some(src) = d.source.as_deref().filter(|_| d.kind == "file") else {
                return Err(unsupported(format!(
                    "cannot generate external snapshot name for disk '{}' without source",
                    s.name
                )));
            };
            let stem = match src.rfind('.') {
                Some(i) if !src[i..].contains('/') => &src[..i],
                _ => src,
            };
            s.path = Some(format!(
                "{stem}.{}",
                def.name.as_deref().unwrap_or_default()
            ));
        }
        def.disks.push(s);
    }
    Ok(())
}

/// The disks an internal snapshot works on: their aliases (live) and paths, all qcow2.
fn internal_disks<'a>(def: &Snapshot, dom: &'a Domain) -> Result<Vec<&'a DomainDisk>, QemuError> {
    let mut out = Vec::new();
    for s in def
        .disks
        .iter()
        .filter(|s| s.snapshot == Location::Internal)
    {
        let Some(d) = dom.devices.disks.iter().find(|d| d.target_dev == s.name) else {
            continue;
        };
        if driver_type(d) != Some("qcow2") || d.source.is_none() {
            return Err(QemuError::OperationInvalid(format!(
                "Disk '{}' does not support snapshotting",
                d.source.as_deref().unwrap_or(&d.target_dev)
            )));
        }
        out.push(d);
    }
    Ok(out)
}

fn aliases(disks: &[&DomainDisk]) -> Vec<String> {
    disks.iter().filter_map(|d| d.alias.clone()).collect()
}

fn path_of(d: &DomainDisk) -> &str {
    d.source.as_deref().unwrap_or_default()
}

impl QemuDriver {
    async fn snapshot_create(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        xml: &str,
        flags: u32,
    ) -> Result<SnapshotRet, QemuError> {
        check_create_flags(flags)?;
        let job = self.running.job(&dom.uuid);
        let _job = job.lock().await;
        let s = self.snapshots(dom)?;
        let vm = self.running.get(&dom.uuid);
        let redefine = flags & cf::CREATE_REDEFINE != 0;
        let how = Parse {
            redefine,
            internal: false,
            offline: vm.is_none(),
        };
        let mut def = snapshot::parse(xml, how)
            .map_err(|e| QemuError::Vir(e.to_vir_error()))?
            .snapshot;
        let name = def.name.clone().unwrap_or_else(|| now().to_string());
        check_name(&name)?;
        def.name = Some(name.clone());
        if redefine {
            return self.snapshot_redefine(&s, def, flags);
        }
        if s.all.get(&name).is_some() {
            return Err(QemuError::Vir(VirError::new(
                code::OPERATION_FAILED,
                domain::CONF,
                format!("domain moment {name} already exists"),
            )));
        }
        if flags & cf::CREATE_LIVE != 0 && (vm.is_none() || def.memory != Location::External) {
            return Err(QemuError::Vir(VirError::new(
                code::OPERATION_UNSUPPORTED,
                domain::QEMU,
                "live snapshot creation is supported only during full system snapshots",
            )));
        }
        let disk_only = flags & cf::CREATE_DISK_ONLY != 0;
        if vm.is_some() && flags & cf::CREATE_QUIESCE != 0 {
            return Err(QemuError::Vir(VirError::new(
                code::ARGUMENT_UNSUPPORTED,
                domain::QEMU,
                "QEMU guest agent is not configured",
            )));
        }
        def.creation_time = now();
        def.parent = s.all.current().map(|c| c.name().to_string());
        let (dom_def, st) = match &vm {
            Some(vm) => (vm.def(), vm.state().0),
            None => (self.entry(dom)?.domain()?, state::SHUTOFF),
        };
        def.state = Some(match (&vm, disk_only) {
            (None, _) => State::Shutoff,
            (Some(_), true) => State::DiskSnapshot,
            (Some(_), false) => State::from_domain_state(st),
        });
        if def.memory == Location::Default {
            def.memory = if vm.is_none() || disk_only {
                Location::No
            } else {
                Location::Internal
            };
        }
        if disk_only && def.memory != Location::No {
            return Err(QemuError::Vir(VirError::new(
                code::CONFIG_UNSUPPORTED,
                domain::QEMU,
                "disk-only snapshot with memory state is not supported",
            )));
        }
        let external = disk_only || def.memory == Location::External;
        let default = if external {
            Location::External
        } else {
            Location::Internal
        };
        align_disks(&mut def, &dom_def, default)?;
        let kinds: Vec<Location> = def
            .disks
            .iter()
            .map(|d| d.snapshot)
            .filter(|l| *l != Location::No)
            .collect();
        if kinds.contains(&Location::Internal) && kinds.contains(&Location::External) {
            return Err(QemuError::Vir(VirError::new(
                code::CONFIG_UNSUPPORTED,
                domain::QEMU,
                "mixing internal and external targets for a snapshot is not yet supported",
            )));
        }
        def.domain = Some(dom_def.clone());
        if vm.is_some() {
            // libvirt 9.0 keeps the persistent definition of a running domain beside its live one
            def.inactive_domain = self.entry(dom).ok().and_then(|e| e.domain().ok());
        }
        match (&vm, external) {
            (None, false) => self.create_offline_internal(&def, &dom_def).await?,
            (None, true) => {
                self.create_offline_external(&def, dom, flags & cf::CREATE_REUSE_EXT != 0)
                    .await?
            }
            (Some(vm), false) => {
                let disks = internal_disks(&def, &dom_def)?;
                self.snapshot_job(vm, sp::SNAPSHOT_SAVE, &name, &disks)
                    .await?
            }
            (Some(_), true) if def.memory == Location::External => {
                return Err(QemuError::Vir(VirError::new(
                    code::OPERATION_UNSUPPORTED,
                    domain::QEMU,
                    "external snapshots with the memory state of a running domain are not \
                     supported by oxvirt yet",
                )))
            }
            (Some(vm), true) => {
                self.create_running_external(vm, &def, dom, flags & cf::CREATE_REUSE_EXT != 0)
                    .await?
            }
        }
        if flags & cf::CREATE_NO_METADATA == 0 {
            // the old current mark goes first: a crash in between leaves no current one
            store::set_current(&s.dir, &s.all, None)?;
            store::write(&s.dir, &def, true)?;
        }
        if let (Some(vm), true) = (&vm, flags & cf::CREATE_HALT != 0) {
            self.destroy(vm, 0).await?;
        }
        Ok(SnapshotRet {
            snap: s.handle(&name),
        })
    }

    fn snapshot_redefine(
        &self,
        s: &DomainSnapshots,
        def: Snapshot,
        flags: u32,
    ) -> Result<SnapshotRet, QemuError> {
        let name = def.name.clone().unwrap_or_default();
        if let Some(d) = &def.domain {
            if d.uuid != s.dom.uuid {
                return Err(QemuError::InvalidArg(format!(
                    "definition for snapshot {name} must use uuid {}",
                    oxvirt_conf::domain::uuid_string(&s.dom.uuid)
                )));
            }
        }
        if flags & cf::CREATE_DISK_ONLY != 0 && def.state != Some(State::DiskSnapshot) {
            return Err(QemuError::InvalidArg(format!(
                "disk-only flag for snapshot {name} requires disk-snapshot state"
            )));
        }
        if let Some(old) = s.all.get(&name) {
            let online = |x: &Snapshot| x.state.is_some_and(State::is_online);
            if online(&old.def) != online(&def) {
                return Err(QemuError::InvalidArg(format!(
                    "cannot change between online and offline snapshot state in snapshot {name}"
                )));
            }
        }
        let current = flags & cf::CREATE_CURRENT != 0;
        if current {
            store::set_current(&s.dir, &s.all, None)?;
        }
        let keep = s.all.get(&name).is_some_and(|o| o.current);
        store::write(&s.dir, &def, current || keep)?;
        Ok(SnapshotRet {
            snap: s.handle(&name),
        })
    }

    async fn create_offline_internal(&self, def: &Snapshot, dom: &Domain) -> Result<(), QemuError> {
        let name = def.name.as_deref().unwrap_or_default();
        let disks = internal_disks(def, dom)?;
        let mut done: Vec<&str> = Vec::new();
        for d in &disks {
            if let Err(e) = qemu_img(&["snapshot", "-c", name, path_of(d)]).await {
                for p in done {
                    let _ = qemu_img(&["snapshot", "-d", name, p]).await;
                }
                return Err(e);
            }
            done.push(path_of(d));
        }
        Ok(())
    }

    async fn create_offline_external(
        &self,
        def: &Snapshot,
        dom: &NonnullDomain,
        reuse: bool,
    ) -> Result<(), QemuError> {
        let mut persistent = self.entry(dom)?.domain()?;
        let mut made = Vec::new();
        for s in def
            .disks
            .iter()
            .filter(|s| s.snapshot == Location::External)
        {
            let Some(d) = persistent
                .devices
                .disks
                .iter_mut()
                .find(|d| d.target_dev == s.name)
            else {
                continue;
            };
            let overlay = s.path.clone().unwrap_or_default();
            let backing = d.source.clone().unwrap_or_default();
            let fmt = driver_type(d).unwrap_or("raw").to_string();
            if !reuse {
                if Path::new(&overlay).exists() {
                    for m in &made {
                        let _ = std::fs::remove_file(m);
                    }
                    return Err(QemuError::OperationInvalid(format!(
                        "external snapshot file for disk {} already exists and is not a \
                         block device: {overlay}",
                        s.name
                    )));
                }
                let r = qemu_img(&[
                    "create", "-f", "qcow2", "-F", &fmt, "-b", &backing, &overlay,
                ])
                .await;
                if let Err(e) = r {
                    for m in &made {
                        let _ = std::fs::remove_file(m);
                    }
                    return Err(e);
                }
                made.push(overlay.clone());
            }
            d.source = Some(overlay);
            d.driver.retain(|(k, _)| *k != "type");
            d.driver.push(("type", "qcow2".into()));
        }
        let d = self.clone_registry_define(persistent);
        if d.is_err() {
            for m in &made {
                let _ = std::fs::remove_file(m);
            }
        }
        d
    }

    /// An external disk-only snapshot of a running domain: overlays made here (as root, then
    /// given to QEMU's user), the shim moves the disks onto them, the persistent definition
    /// follows.
    async fn create_running_external(
        &self,
        vm: &Arc<Vm>,
        def: &Snapshot,
        dom: &NonnullDomain,
        reuse: bool,
    ) -> Result<(), QemuError> {
        let live = vm.def();
        let mut new_live = live.clone();
        let (mut aliases, mut overlays, mut made) = (Vec::new(), Vec::new(), Vec::new());
        let cleanup = |made: &[String]| {
            for m in made {
                let _ = std::fs::remove_file(m);
            }
        };
        for s in def
            .disks
            .iter()
            .filter(|s| s.snapshot == Location::External)
        {
            let Some(d) = new_live
                .devices
                .disks
                .iter_mut()
                .find(|d| d.target_dev == s.name)
            else {
                continue;
            };
            let overlay = s.path.clone().unwrap_or_default();
            let backing = d.source.clone().unwrap_or_default();
            let fmt = driver_type(d).unwrap_or("raw").to_string();
            if !reuse {
                if Path::new(&overlay).exists() {
                    cleanup(&made);
                    return Err(QemuError::OperationInvalid(format!(
                        "external snapshot file for disk {} already exists and is not a \
                         block device: {overlay}",
                        s.name
                    )));
                }
                let r = async {
                    let size = virtual_size(&backing).await?.to_string();
                    qemu_img(&[
                        "create", "-q", "-f", "qcow2", "-F", &fmt, "-b", &backing, "-u", &overlay,
                        &size,
                    ])
                    .await
                }
                .await;
                if let Err(e) = r {
                    cleanup(&made);
                    return Err(e);
                }
                made.push(overlay.clone());
            }
            aliases.push(d.alias.clone().unwrap_or_default());
            overlays.push(overlay.clone());
            d.source = Some(overlay);
            d.driver.retain(|(k, _)| *k != "type");
            d.driver.push(("type", "qcow2".into()));
        }
        if let Err(e) = self.dac.label_new(&live, &new_live) {
            cleanup(&made);
            return Err(e);
        }
        let args = sp::SnapshotExternalArgs {
            disks: aliases,
            overlays: overlays.clone(),
        };
        let r = match vm
            .call(sp::SnapshotExternal, &args, self.call_timeout)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                self.dac.restore_gone(&new_live, &live);
                cleanup(&made);
                return Err(e);
            }
        };
        let st = oxvirt_conf::domain::parse_status(&r.status_xml)?;
        vm.update_status(|s| *s = st);
        if let Ok(e) = self.entry(dom) {
            let mut persistent = e.domain()?;
            for s in def
                .disks
                .iter()
                .filter(|s| s.snapshot == Location::External)
            {
                if let Some(d) = persistent
                    .devices
                    .disks
                    .iter_mut()
                    .find(|d| d.target_dev == s.name)
                {
                    d.source = s.path.clone();
                    d.driver.retain(|(k, _)| *k != "type");
                    d.driver.push(("type", "qcow2".into()));
                }
            }
            self.clone_registry_define(persistent)?;
        }
        Ok(())
    }

    fn clone_registry_define(&self, def: Domain) -> Result<(), QemuError> {
        let mut reg = self.registry.write_locked();
        reg.define(def).map(|_| ())
    }

    /// One QEMU snapshot job through the VM's shim.
    async fn snapshot_job(
        &self,
        vm: &Arc<Vm>,
        op: u32,
        name: &str,
        disks: &[&DomainDisk],
    ) -> Result<(), QemuError> {
        if disks.is_empty() {
            return Err(QemuError::OperationInvalid(
                "no disk of the domain can hold an internal snapshot".into(),
            ));
        }
        let args = sp::SnapshotInternalArgs {
            op,
            tag: name.to_string(),
            disks: aliases(disks),
        };
        vm.call(sp::SnapshotInternal, &args, JOB_TIMEOUT).await?;
        Ok(())
    }

    async fn snapshot_revert(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        name: &str,
        flags: u32,
    ) -> Result<(), QemuError> {
        check_flags(
            flags,
            rf::RUNNING | rf::PAUSED | rf::FORCE | rf::RESET_NVRAM,
            "qemuDomainRevertToSnapshot",
        )?;
        if flags & rf::RUNNING != 0 && flags & rf::PAUSED != 0 {
            return Err(plain(
                code::INVALID_ARG,
                domain::DOMAIN_SNAPSHOT,
                "Flags 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING' and \
                 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED' are mutually exclusive",
            ));
        }
        let job = self.running.job(&dom.uuid);
        let guard = job.lock().await;
        let s = self.snapshots(dom)?;
        let item = s.get(name)?.clone();
        if item.is_external() {
            return Err(QemuError::ConfigUnsupported(
                "revert to external snapshot not supported yet".into(),
            ));
        }
        let online = item.def.state.is_some_and(State::is_online);
        let target = item
            .def
            .domain
            .clone()
            .map_or_else(|| self.entry(dom)?.domain(), Ok)?;
        let mut vm = self.running.get(&dom.uuid);
        if let (Some(v), false) = (&vm, online) {
            // an offline snapshot: the domain stops first
            self.destroy(v, 0).await?;
            vm = None;
        }
        if !online {
            let disks = internal_disks(&item.def, &target)?;
            for d in &disks {
                qemu_img(&["snapshot", "-a", name, path_of(d)]).await?;
            }
        }
        let persistent = self.entry(dom).is_ok();
        if persistent && !online {
            let mut inactive = target.clone();
            inactive.id = None;
            self.clone_registry_define(inactive)?;
        }
        let want_paused = flags & rf::PAUSED != 0
            || (flags & rf::RUNNING == 0 && item.def.state == Some(State::Paused));
        let want_running = flags & rf::RUNNING != 0
            || (flags & rf::PAUSED == 0 && item.def.state == Some(State::Running));
        drop(guard);
        if online {
            let vm = match vm {
                Some(v) => v,
                None => {
                    let def = self.entry(dom)?.domain()?;
                    self.start_vm(&def, persistent, oxvirt_proto::flags::domain_start::PAUSED)
                        .await?
                }
            };
            let live = vm.def();
            let disks = internal_disks(&item.def, &live)?;
            self.snapshot_job(&vm, sp::SNAPSHOT_LOAD, name, &disks)
                .await?;
            self.settle_state(&vm, want_paused, want_running).await;
        } else if want_running || want_paused {
            let def = self.entry(dom)?.domain()?;
            let f = if want_paused {
                oxvirt_proto::flags::domain_start::PAUSED
            } else {
                0
            };
            self.start_vm(&def, persistent, f).await?;
        }
        let s = self.snapshots(dom)?;
        store::set_current(&s.dir, &s.all, Some(name))
    }

    /// Bring a VM QEMU just loaded a snapshot into to the state asked for. QEMU's job paused
    /// and resumed it, and those events may still be on their way: the state is checked again
    /// until it is the one wanted (for at most 5 s).
    async fn settle_state(&self, vm: &Arc<Vm>, paused: bool, running: bool) {
        let args = sp::FlagsArgs { flags: 0 };
        for _ in 0..50 {
            let st = vm.state().0;
            if paused && st == state::RUNNING {
                let _ = vm.call(sp::Suspend, &args, self.call_timeout).await;
            } else if running && st == state::PAUSED {
                let _ = vm.call(sp::Resume, &args, self.call_timeout).await;
            } else if (paused && st == state::PAUSED)
                || (running && st == state::RUNNING)
                || !(paused || running)
            {
                // settled, unless a late event of the job still comes
                tokio::time::sleep(Duration::from_millis(100)).await;
                if vm.state().0 == st {
                    return;
                }
                continue;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn snapshot_delete(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        name: &str,
        flags: u32,
    ) -> Result<(), QemuError> {
        check_flags(
            flags,
            df::CHILDREN | df::METADATA_ONLY | df::CHILDREN_ONLY,
            "qemuDomainSnapshotDelete",
        )?;
        if flags & df::CHILDREN != 0 && flags & df::CHILDREN_ONLY != 0 {
            return Err(plain(
                code::INVALID_ARG,
                domain::DOMAIN_SNAPSHOT,
                "Flags 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN' and \
                 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY' are mutually exclusive",
            ));
        }
        let job = self.running.job(&dom.uuid);
        let _job = job.lock().await;
        let s = self.snapshots(dom)?;
        let target = s.get(name)?.clone();
        let mut doomed: Vec<Item> = Vec::new();
        if flags & (df::CHILDREN | df::CHILDREN_ONLY) != 0 {
            doomed.extend(s.all.descendants(name).into_iter().cloned());
        }
        // children before their parents
        doomed.reverse();
        if flags & df::CHILDREN_ONLY == 0 {
            doomed.push(target.clone());
        }
        if flags & df::METADATA_ONLY == 0 {
            let internal_parent = |i: &Item| {
                i.def
                    .parent
                    .as_deref()
                    .and_then(|p| s.all.get(p))
                    .is_some_and(|p| !p.is_external())
            };
            if doomed.iter().any(|i| i.is_external() && internal_parent(i)) {
                return Err(QemuError::Vir(VirError::new(
                    code::OPERATION_UNSUPPORTED,
                    domain::QEMU,
                    "deleting external snapshot that has internal snapshot as parent not \
                     supported",
                )));
            }
            let external = doomed.iter().filter(|i| i.is_external()).count();
            if external > 0 {
                return Err(QemuError::ConfigUnsupported(format!(
                    "deletion of {external} external disk snapshots not supported yet"
                )));
            }
            for i in &doomed {
                self.delete_images(dom, i).await?;
            }
        }
        let gone: Vec<String> = doomed.iter().map(|i| i.name().to_string()).collect();
        // the children of a deleted snapshot move up to its parent
        for c in s.all.items.iter().filter(|c| {
            !gone.iter().any(|g| g == c.name())
                && c.def.parent.as_ref().is_some_and(|p| gone.contains(p))
        }) {
            let mut def = c.def.clone();
            while let Some(p) = def.parent.clone().filter(|p| gone.contains(p)) {
                def.parent = s.all.get(&p).and_then(|x| x.def.parent.clone());
            }
            store::write(&s.dir, &def, c.current)?;
        }
        let was_current = doomed.iter().any(|i| i.current);
        for g in &gone {
            store::remove(&s.dir, g)?;
        }
        if was_current && flags & df::CHILDREN_ONLY == 0 {
            if let Some(p) = target.def.parent.as_deref() {
                let s = self.snapshots(dom)?;
                store::set_current(&s.dir, &s.all, Some(p))?;
            }
        } else if was_current {
            let s = self.snapshots(dom)?;
            store::set_current(&s.dir, &s.all, Some(name))?;
        }
        Ok(())
    }

    async fn delete_images(&self, dom: &NonnullDomain, item: &Item) -> Result<(), QemuError> {
        let name = item.name();
        match self.running.get(&dom.uuid) {
            Some(vm) => {
                let live = vm.def();
                let disks = internal_disks(&item.def, &live)?;
                self.snapshot_job(&vm, sp::SNAPSHOT_DELETE, name, &disks)
                    .await
            }
            None => {
                // as libvirt (try_all): a disk that does not have it (an overlay made since)
                // is no error
                let def = self.entry(dom)?.domain()?;
                for d in internal_disks(&item.def, &def)? {
                    if let Err(e) = qemu_img(&["snapshot", "-d", name, path_of(d)]).await {
                        tracing::warn!("skipping snapshot delete on {}: {e}", path_of(d));
                    }
                }
                Ok(())
            }
        }
    }
}

pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSnapshotCreateXml, |d, a, _| async move {
        d.snapshot_create(&a.dom, &a.xml_desc, a.flags).await
    });
    r.add(calls::DomainRevertToSnapshot, |d, a, _| async move {
        d.snapshot_revert(&a.child.dom, &a.child.name, a.flags)
            .await
    });
    r.add(calls::DomainSnapshotDelete, |d, a, _| async move {
        d.snapshot_delete(&a.child.dom, &a.child.name, a.flags)
            .await
    });
}
