//! `virsh save`, `restore`, `save-image-*`, `managedsave*`, and `start` from a managed save,
//! in libvirt's save-image format ([`oxvirt_shim::save_image`]) so images move between
//! oxvirt and libvirt 9.0 both ways.
//!
//! The driver opens the image file and hands it to the domain's shim, which writes the image
//! (header, XML, QEMU's migration stream, the header marked complete last) and stops QEMU
//! ([`sp::Save`]). A restore reads the header and XML here and starts the domain with the
//! file, positioned at the stream, passed to QEMU ([`sp::START_RESTORE`]). A managed save is
//! the same image at `lib/qemu/save/NAME.save` (libvirt's `/var/lib/libvirt/qemu/save`).

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::{Domain, FormatOptions};
use oxvirt_proto::calls;
use oxvirt_proto::events::lifecycle as event;
use oxvirt_proto::flags::domain_save_image::XML_SECURE;
use oxvirt_proto::flags::domain_save_restore::{BYPASS_CACHE, PAUSED, RESET_NVRAM, RUNNING};
use oxvirt_proto::remote::StringRet;
use oxvirt_proto::shim as sp;
use oxvirt_proto::{NonnullDomain, TypedParam, TypedParamValue};
use oxvirt_remote::Router;
use oxvirt_shim::save_image::{self, Image, ImageError};
use oxvirt_sync::RwLockExt;
use tracing::warn;

use crate::states::state;
use crate::{QemuDriver, QemuError};

/// The longest a save may take (QEMU writing the guest's memory).
const SAVE_TIMEOUT: Duration = Duration::from_secs(3600);

/// A restore's saved state for [`QemuDriver::start_vm_from`]: the image, positioned at QEMU's
/// migration stream, and the SUSPENDED event's detail if the domain restores paused.
#[derive(Debug)]
pub struct Incoming {
    pub image: OwnedFd,
    pub paused_detail: i32,
}

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

fn image_error(e: ImageError) -> QemuError {
    QemuError::OperationFailed(e.to_string())
}

fn open_error(path: &Path) -> impl FnOnce(std::io::Error) -> QemuError + '_ {
    move |source| QemuError::Io {
        what: format!("Failed to open domain image file '{}'", path.display()),
        source,
    }
}

/// Read an image's header and XML; the file is left at QEMU's stream.
fn read_image(path: &Path, write: bool, raw_only: bool) -> Result<(Image, File), QemuError> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .map_err(open_error(path))?;
    let img = save_image::read(&mut f, raw_only).map_err(image_error)?;
    Ok((img, f))
}

/// What the XML of an image says, in the form libvirt prints it (inactive; secrets with
/// `secure`).
fn image_xml(d: &QemuDriver, img: &Image, secure: bool) -> Result<String, QemuError> {
    let def = d.parse_domain(&img.xml)?;
    Ok(def.format_with(FormatOptions {
        inactive: true,
        secure,
        migratable: false,
    }))
}

/// The XML a save writes: the given one (for the same domain) or the live definition, in
/// libvirt's migratable form with secrets.
fn saved_xml(d: &QemuDriver, live: &Domain, dxml: Option<&str>) -> Result<String, QemuError> {
    let def = match dxml {
        Some(x) => {
            let new = d.parse_domain(x)?;
            check_same_domain(live, &new)?;
            new
        }
        None => live.clone(),
    };
    Ok(def.format_with(FormatOptions {
        inactive: true,
        secure: true,
        migratable: true,
    }))
}

/// libvirt's ABI check, as far as names go: the new XML is for the same domain.
fn check_same_domain(old: &Domain, new: &Domain) -> Result<(), QemuError> {
    if old.name != new.name {
        return Err(QemuError::ConfigUnsupported(format!(
            "target domain name '{}' does not match source '{}'",
            new.name, old.name
        )));
    }
    if old.uuid != new.uuid {
        return Err(QemuError::ConfigUnsupported(format!(
            "target domain uuid {} does not match source {}",
            oxvirt_conf::domain::uuid_string(&new.uuid),
            oxvirt_conf::domain::uuid_string(&old.uuid)
        )));
    }
    Ok(())
}

impl QemuDriver {
    /// Where a domain's managed save image is.
    pub fn managed_save_path(&self, name: &str) -> PathBuf {
        self.paths
            .lib
            .join("qemu")
            .join("save")
            .join(format!("{name}.save"))
    }

    /// Whether the domain has a managed save image.
    pub fn has_managed_save(&self, name: &str) -> bool {
        self.managed_save_path(name).is_file()
    }

    /// Save a running domain to `path` (`virsh save`, `managedsave`).
    async fn save_domain(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        path: &Path,
        dxml: Option<&str>,
        flags: u32,
        managed: bool,
    ) -> Result<(), QemuError> {
        let vm = self.running_vm(dom)?;
        if managed && !vm.persistent() {
            return Err(QemuError::OperationInvalid(
                "cannot do managed save for transient domain".into(),
            ));
        }
        let domain_xml = saved_xml(self, &vm.def(), dxml)?;
        let was_running = if flags & RUNNING != 0 {
            true
        } else if flags & PAUSED != 0 {
            false
        } else {
            vm.state().0 == state::RUNNING
        };
        if managed {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| QemuError::Io {
                    what: format!("cannot create {}", dir.display()),
                    source,
                })?;
            }
        }
        let existed = path.exists();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(open_error(path))?;
        let r = vm
            .call_sending_fds(
                sp::Save,
                &sp::SaveArgs {
                    domain_xml,
                    was_running,
                },
                vec![OwnedFd::from(file)],
                SAVE_TIMEOUT,
            )
            .await;
        if let Err(e) = r {
            // no image of a failed save is left to be taken for a valid one
            if !existed || managed {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Restore a domain from the image at `path` (`virsh restore`, `start` of a domain with a
    /// managed save).
    async fn restore_domain(
        self: &Arc<Self>,
        path: &Path,
        dxml: Option<&str>,
        flags: u32,
        expect: Option<&NonnullDomain>,
    ) -> Result<Arc<crate::running::Vm>, QemuError> {
        let (img, mut file) = read_image(path, false, true)?;
        let saved = self.parse_domain(&img.xml)?;
        let def = match dxml {
            Some(x) => {
                let new = self.parse_domain(x)?;
                check_same_domain(&saved, &new)?;
                new
            }
            None => saved,
        };
        if let Some(dom) = expect {
            if dom.uuid != def.uuid {
                return Err(QemuError::OperationInvalid(format!(
                    "the managed save image of '{}' is of another domain",
                    dom.name
                )));
            }
        }
        let persistent = {
            let reg = self.registry.read_locked();
            match (reg.by_name(&def.name), reg.by_uuid(&def.uuid)) {
                (Some(e), _) if e.def.uuid != def.uuid => {
                    return Err(QemuError::DomainExists(format!(
                        "domain '{}' already exists with uuid {}",
                        def.name,
                        oxvirt_conf::domain::uuid_string(&e.def.uuid)
                    )))
                }
                (_, Some(e)) if e.def.name != def.name => {
                    return Err(QemuError::DomainExists(format!(
                        "domain '{}' is already defined with uuid {}",
                        e.def.name,
                        oxvirt_conf::domain::uuid_string(&e.def.uuid)
                    )))
                }
                (Some(_), _) => true,
                _ => false,
            }
        };
        if let Some(vm) = self
            .running
            .get(&def.uuid)
            .or_else(|| self.running.by_name(&def.name))
        {
            return Err(QemuError::OperationInvalid(format!(
                "domain '{}' is already active",
                vm.name
            )));
        }
        let paused = flags & PAUSED != 0 || (!img.header.was_running && flags & RUNNING == 0);
        // libvirt 9.0 says "Suspended Restored" with or without --paused (measured)
        let paused_detail = event::SUSPENDED_RESTORED;
        file.seek(SeekFrom::Start(img.stream_offset()))
            .map_err(open_error(path))?;
        self.start_vm_from(
            &def,
            persistent,
            u32::from(paused),
            Some(Incoming {
                image: OwnedFd::from(file),
                paused_detail,
            }),
        )
        .await
    }

    /// `start` of a persistent domain with a managed save: restore it, then remove the image.
    /// None when there is no image (or only one cut short, which goes): boot as usual.
    pub(crate) async fn start_managed_save(
        self: &Arc<Self>,
        dom: &NonnullDomain,
        name: &str,
        flags: u32,
    ) -> Result<Option<Arc<crate::running::Vm>>, QemuError> {
        let path = self.managed_save_path(name);
        if !path.is_file() {
            return Ok(None);
        }
        if flags & oxvirt_proto::flags::domain_start::FORCE_BOOT != 0 {
            remove_image(&path)?;
            return Ok(None);
        }
        let paused = if flags & oxvirt_proto::flags::domain_start::PAUSED != 0 {
            PAUSED
        } else {
            0
        };
        match self.restore_domain(&path, None, paused, Some(dom)).await {
            Ok(vm) => {
                if let Err(e) = std::fs::remove_file(&path) {
                    warn!("cannot remove the managed save {}: {e}", path.display());
                }
                Ok(Some(vm))
            }
            Err(QemuError::OperationFailed(m)) if m == ImageError::Incomplete.to_string() => {
                warn!("ignoring incomplete managed state {}", path.display());
                remove_image(&path)?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Undefine's rule for a managed save: refused unless `remove`, which removes it.
    pub(crate) fn undefine_managed_save(&self, name: &str, remove: bool) -> Result<(), QemuError> {
        let path = self.managed_save_path(name);
        if !path.exists() {
            return Ok(());
        }
        if !remove {
            return Err(QemuError::OperationInvalid(
                "Refusing to undefine while domain managed save image exists".into(),
            ));
        }
        remove_image(&path)
    }
}

fn remove_image(path: &Path) -> Result<(), QemuError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(QemuError::Io {
            what: format!("Failed to remove managed save file '{}'", path.display()),
            source,
        }),
    }
}

/// `save-image-define`, `managedsave-define`: a new XML (for the same domain) in the image,
/// and with RUNNING/PAUSED a new state to restore to.
fn define_image_xml(
    d: &QemuDriver,
    path: &Path,
    dxml: Option<&str>,
    flags: u32,
) -> Result<(), QemuError> {
    let (img, f) = read_image(path, true, false)?;
    let old = d.parse_domain(&img.xml)?;
    let xml = match dxml {
        Some(x) => {
            let new = d.parse_domain(x)?;
            check_same_domain(&old, &new)?;
            new.format_with(FormatOptions {
                inactive: true,
                secure: true,
                migratable: true,
            })
        }
        None => img.xml.clone(),
    };
    let (mut header, data) = save_image::redefined_data(&img, &xml).map_err(image_error)?;
    if flags & RUNNING != 0 {
        header.was_running = true;
    } else if flags & PAUSED != 0 {
        header.was_running = false;
    }
    let w = |what: &str| {
        let what = format!("{what} '{}'", path.display());
        move |source| QemuError::Io { what, source }
    };
    // the data first, then the header: an image cut here keeps its old header's length
    f.write_all_at(&data, save_image::HEADER_LEN as u64)
        .map_err(w("failed to write domain xml to"))?;
    f.write_all_at(&header.encode(), 0)
        .map_err(w("failed to write header to domain save file"))?;
    f.sync_all().map_err(w("cannot sync"))?;
    Ok(())
}

fn check_exclusive(flags: u32) -> Result<(), QemuError> {
    if flags & RUNNING != 0 && flags & PAUSED != 0 {
        return Err(QemuError::InvalidArg(
            "Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive"
                .into(),
        ));
    }
    Ok(())
}

/// The `file` and `dxml` of SAVE_PARAMS and RESTORE_PARAMS (`VIR_DOMAIN_SAVE_PARAM_*`); any
/// other parameter, or one of another type, is refused as libvirt's `virTypedParamsValidate`
/// refuses it.
fn save_params(params: &[TypedParam]) -> Result<(Option<String>, Option<String>), QemuError> {
    let (mut file, mut dxml) = (None, None);
    for p in params {
        let slot = match p.field.as_str() {
            "file" => &mut file,
            "dxml" => &mut dxml,
            other => {
                return Err(QemuError::InvalidArg(format!(
                    "parameter '{other}' not supported"
                )))
            }
        };
        match &p.value {
            TypedParamValue::String(v) => *slot = Some(v.clone()),
            _ => {
                return Err(QemuError::InvalidArg(format!(
                    "invalid type for parameter '{}', expected type 'string'",
                    p.field
                )))
            }
        }
    }
    Ok((file, dxml))
}

fn no_managed_save() -> QemuError {
    QemuError::OperationInvalid("domain does not have managed save image".into())
}

pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSave, |d, a, _| async move {
        d.save_domain(&a.dom, Path::new(&a.to), None, 0, false)
            .await
    });
    r.add(calls::DomainSaveFlags, |d, a, _| async move {
        check_flags(
            a.flags,
            BYPASS_CACHE | RUNNING | PAUSED,
            "qemuDomainSaveFlags",
        )?;
        check_exclusive(a.flags)?;
        d.save_domain(&a.dom, Path::new(&a.to), a.dxml.as_deref(), a.flags, false)
            .await
    });
    r.add(calls::DomainSaveParams, |d, a, _| async move {
        check_flags(
            a.flags,
            BYPASS_CACHE | RUNNING | PAUSED,
            "qemuDomainSaveParams",
        )?;
        check_exclusive(a.flags)?;
        let (file, dxml) = save_params(&a.params)?;
        let Some(file) = file else {
            return Err(QemuError::Vir(oxvirt_proto::VirError::new(
                oxvirt_proto::vir_error::code::OPERATION_UNSUPPORTED,
                oxvirt_proto::vir_error::domain::QEMU,
                "saving to default location not supported",
            )));
        };
        d.save_domain(&a.dom, Path::new(&file), dxml.as_deref(), a.flags, false)
            .await
    });
    r.add(calls::DomainRestoreParams, |d, a, _| async move {
        check_flags(
            a.flags,
            BYPASS_CACHE | RUNNING | PAUSED | RESET_NVRAM,
            "qemuDomainRestoreParams",
        )?;
        check_exclusive(a.flags)?;
        let (file, dxml) = save_params(&a.params)?;
        let Some(file) = file else {
            return Err(QemuError::InvalidArg("missing file".into()));
        };
        d.restore_domain(Path::new(&file), dxml.as_deref(), a.flags, None)
            .await?;
        Ok::<_, QemuError>(())
    });
    r.add(calls::DomainRestore, |d, a, _| async move {
        d.restore_domain(Path::new(&a.from), None, 0, None).await?;
        Ok::<_, QemuError>(())
    });
    r.add(calls::DomainRestoreFlags, |d, a, _| async move {
        check_flags(
            a.flags,
            BYPASS_CACHE | RUNNING | PAUSED | RESET_NVRAM,
            "qemuDomainRestoreFlags",
        )?;
        check_exclusive(a.flags)?;
        d.restore_domain(Path::new(&a.from), a.dxml.as_deref(), a.flags, None)
            .await?;
        Ok::<_, QemuError>(())
    });
    r.add_blocking(calls::DomainSaveImageGetXmlDesc, |d, a, _| {
        check_flags(a.flags, XML_SECURE, "qemuDomainSaveImageGetXMLDesc")?;
        let (img, _) = read_image(Path::new(&a.file), false, false)?;
        let value = image_xml(d, &img, a.flags & XML_SECURE != 0)?;
        Ok::<_, QemuError>(StringRet { value })
    });
    r.add_blocking(calls::DomainSaveImageDefineXml, |d, a, _| {
        check_flags(a.flags, RUNNING | PAUSED, "qemuDomainSaveImageDefineXML")?;
        check_exclusive(a.flags)?;
        define_image_xml(d, Path::new(&a.file), Some(&a.dxml), a.flags)
    });
    r.add(calls::DomainManagedSave, |d, a, _| async move {
        check_flags(
            a.flags,
            BYPASS_CACHE | RUNNING | PAUSED,
            "qemuDomainManagedSave",
        )?;
        check_exclusive(a.flags)?;
        let path = d.managed_save_path(&d.view(&a.dom)?.handle().name);
        d.save_domain(&a.dom, &path, None, a.flags, true).await
    });
    r.add_blocking(calls::DomainManagedSaveRemove, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainManagedSaveRemove")?;
        let name = d.view(&a.dom)?.handle().name;
        remove_image(&d.managed_save_path(&name))
    });
    r.add_blocking(calls::DomainManagedSaveGetXmlDesc, |d, a, _| {
        check_flags(a.flags, XML_SECURE, "qemuDomainManagedSaveGetXMLDesc")?;
        let path = d.managed_save_path(&d.view(&a.dom)?.handle().name);
        if !path.is_file() {
            return Err(no_managed_save());
        }
        let (img, _) = read_image(&path, false, false)?;
        let value = image_xml(d, &img, a.flags & XML_SECURE != 0)?;
        Ok::<_, QemuError>(StringRet { value })
    });
    r.add_blocking(calls::DomainManagedSaveDefineXml, |d, a, _| {
        check_flags(a.flags, RUNNING | PAUSED, "qemuDomainManagedSaveDefineXML")?;
        check_exclusive(a.flags)?;
        let path = d.managed_save_path(&d.view(&a.dom)?.handle().name);
        if !path.is_file() {
            return Err(no_managed_save());
        }
        define_image_xml(d, &path, a.dxml.as_deref(), a.flags)
    });
}
