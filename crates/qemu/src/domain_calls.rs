//! Domain calls answered by the driver alone, never waiting for a shim: define/undefine,
//! lists, lookups, state, info, XML, autostart. A running domain's state and live definition
//! come from the driver's copy, which its shim's events keep current.

use std::sync::Arc;

use oxvirt_conf::domain::{uuid_string, Domain, FormatOptions};
use oxvirt_proto::calls;
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    ConnectListAllDomainsRet, ConnectListDefinedDomainsRet, ConnectListDomainsRet,
    DomainEventLifecycleMsg, DomainGetInfoRet, DomainGetMessagesRet, DomainGetStateRet, DomainRet,
    IntRet, StringRet, U64Ret, DOMAIN_LIST_MAX,
};
use oxvirt_proto::NonnullDomain;
use oxvirt_remote::{Driver, Router};

use crate::registry::{Defined, Entry, Summary};
use crate::running::Vm;
use crate::{QemuDriver, QemuError};

use oxvirt_proto::events::lifecycle::{
    self, DEFINED as EVENT_DEFINED, UNDEFINED as EVENT_UNDEFINED,
};
use oxvirt_proto::flags::domain_define::VALIDATE as DEFINE_VALIDATE;
use oxvirt_proto::flags::domain_message as message;
use oxvirt_proto::flags::domain_xml::{
    ALL as XML_FLAGS, INACTIVE as XML_INACTIVE, MIGRATABLE as XML_MIGRATABLE, SECURE as XML_SECURE,
};
use oxvirt_proto::flags::list_domains::{self as list, ALL as LIST_DOMAINS_FLAGS};
// Of the `VIR_DOMAIN_UNDEFINE_*` flags (managed save, snapshots, nvram, keep nvram,
// checkpoints, tpm, keep tpm) only NVRAM files exist; the others are accepted and have
// nothing to do.
use oxvirt_proto::flags::domain_undefine::{
    ALL as UNDEFINE_FLAGS, KEEP_NVRAM as UNDEFINE_KEEP_NVRAM, NVRAM as UNDEFINE_NVRAM,
};
use oxvirt_proto::states::state;
use oxvirt_sync::RwLockExt;

fn handle(def: &Summary) -> NonnullDomain {
    NonnullDomain {
        name: def.name.clone(),
        uuid: def.uuid,
        id: -1,
    }
}

pub(crate) fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

impl QemuDriver {
    /// The entry behind a client's handle (found by UUID, as libvirt does).
    pub(crate) fn entry(&self, dom: &NonnullDomain) -> Result<Entry, QemuError> {
        let reg = self.registry.read_locked();
        reg.by_uuid(&dom.uuid)
            .cloned()
            .ok_or_else(|| QemuError::NoDomainHandle(uuid_string(&dom.uuid), dom.name.clone()))
    }

    /// A domain as clients see it: its persistent definition, its running VM, or both.
    pub(crate) fn view(&self, dom: &NonnullDomain) -> Result<View, QemuError> {
        let vm = self.running.get(&dom.uuid);
        let entry = {
            let reg = self.registry.read_locked();
            reg.by_uuid(&dom.uuid).cloned()
        };
        View::new(entry, vm)
            .ok_or_else(|| QemuError::NoDomainHandle(uuid_string(&dom.uuid), dom.name.clone()))
    }

    fn view_by_name(&self, name: &str) -> Result<View, QemuError> {
        let entry = {
            let reg = self.registry.read_locked();
            reg.by_name(name).cloned()
        };
        let vm = match &entry {
            Some(e) => self.running.get(&e.def.uuid),
            None => self.running.by_name(name),
        };
        View::new(entry, vm).ok_or_else(|| QemuError::NoDomainName(name.to_owned()))
    }

    fn view_by_uuid(&self, uuid: &[u8; 16]) -> Result<View, QemuError> {
        self.view(&NonnullDomain {
            name: String::new(),
            uuid: *uuid,
            id: -1,
        })
        .map_err(|_| QemuError::NoDomainUuid(uuid_string(uuid)))
    }

    /// Every domain: the persistent ones (by name), then the transient running ones.
    pub(crate) fn all_views(&self) -> Result<Vec<View>, QemuError> {
        let any_running = !self.running.is_empty();
        let mut out: Vec<View> = {
            let reg = self.registry.read_locked();
            reg.all()
                .map(|e| {
                    let vm = if any_running {
                        self.running.get(&e.def.uuid)
                    } else {
                        None
                    };
                    View::Defined(e.clone(), vm)
                })
                .collect()
        };
        if any_running {
            for vm in self.running.all() {
                if !out
                    .iter()
                    .any(|v| v.vm().is_some_and(|x| x.uuid == vm.uuid))
                {
                    out.push(View::Transient(vm));
                }
            }
        }
        Ok(out)
    }

    /// The NVRAM file of a definition: its `<nvram>`, or the one a `firmware='efi'` domain
    /// gets when it starts.
    pub fn nvram_file(&self, def: &Domain) -> Option<std::path::PathBuf> {
        match def.os.nvram.as_ref().and_then(|n| n.path.as_deref()) {
            Some(p) => Some(p.into()),
            _ if def.os.firmware.as_deref() == Some("efi") => {
                Some(crate::firmware::nvram_path(&self.nvram_dir(), &def.name).into())
            }
            _ => None,
        }
    }

    /// Parse, fill in the QEMU defaults, and validate a domain XML.
    pub fn parse_domain(&self, xml: &str) -> Result<Domain, QemuError> {
        let mut def = oxvirt_conf::domain::parse(xml)?;
        self.post_parse(&mut def)?;
        Ok(def)
    }

    /// Fill in the QEMU defaults of a parsed (or edited) definition: its devices' defaults,
    /// addresses and implicit controllers.
    pub fn post_parse(&self, def: &mut Domain) -> Result<(), QemuError> {
        let caps = self.caps.as_ref().ok_or(QemuError::NoEmulator)?;
        crate::start_prep::drop_generated_paths(def, &self.paths);
        let mut conf_caps = caps.conf_caps();
        conf_caps.nvram_dir = self.nvram_dir().display().to_string();
        oxvirt_conf::domain::post_parse(def, &conf_caps)?;
        Ok(())
    }

    pub(crate) fn emit_lifecycle(&self, dom: NonnullDomain, event: i32, detail: i32) {
        let msg = DomainEventLifecycleMsg { dom, event, detail };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                oxvirt_proto::events::id::LIFECYCLE,
                &msg.dom,
                rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                Some(rp::DOMAIN_EVENT_LIFECYCLE),
                &body,
            );
        }
    }

    fn define(&self, xml: &str) -> Result<NonnullDomain, QemuError> {
        let def = self.parse_domain(xml)?;
        // a running domain (transient ones too) owns its name and UUID
        if let Some(vm) = self.running.by_name(&def.name) {
            if vm.uuid != def.uuid {
                return Err(QemuError::DomainExists(format!(
                    "domain '{}' already exists with uuid {}",
                    def.name,
                    uuid_string(&vm.uuid)
                )));
            }
        }
        if let Some(vm) = self.running.get(&def.uuid) {
            if vm.name != def.name {
                return Err(QemuError::DomainExists(format!(
                    "domain '{}' is already defined with uuid {}",
                    vm.name,
                    uuid_string(&vm.uuid)
                )));
            }
        }
        let (entry, how) = {
            let mut reg = self.registry.write_locked();
            reg.define(def)?
        };
        let mut h = handle(&entry.def);
        if let Some(vm) = self.running.get(&entry.def.uuid) {
            // defining a running transient domain makes it persistent
            vm.set_persistent(true);
            h = vm.handle();
        }
        let detail = match how {
            Defined::Added => lifecycle::DEFINED_ADDED,
            Defined::Updated => lifecycle::DEFINED_UPDATED,
        };
        self.emit_lifecycle(h.clone(), EVENT_DEFINED, detail);
        Ok(h)
    }
}

/// A domain as clients see it: persistent (perhaps running), or transient and running.
#[derive(Debug)]
pub(crate) enum View {
    Defined(Entry, Option<Arc<Vm>>),
    Transient(Arc<Vm>),
}

impl View {
    fn new(entry: Option<Entry>, vm: Option<Arc<Vm>>) -> Option<Self> {
        match (entry, vm) {
            (Some(e), vm) => Some(View::Defined(e, vm)),
            (None, Some(vm)) => Some(View::Transient(vm)),
            (None, None) => None,
        }
    }

    pub fn vm(&self) -> Option<&Arc<Vm>> {
        match self {
            View::Defined(_, vm) => vm.as_ref(),
            View::Transient(vm) => Some(vm),
        }
    }

    pub fn entry(&self) -> Option<&Entry> {
        match self {
            View::Defined(e, _) => Some(e),
            View::Transient(_) => None,
        }
    }

    pub fn handle(&self) -> NonnullDomain {
        match (self.vm(), self.entry()) {
            (Some(vm), _) => vm.handle(),
            (None, Some(e)) => handle(&e.def),
            (None, None) => NonnullDomain {
                name: String::new(),
                uuid: [0; 16],
                id: -1,
            },
        }
    }

    /// The facts of the definition in effect: the live one while running, else the
    /// persistent one.
    pub fn def(&self) -> Arc<Summary> {
        match self {
            View::Defined(_, Some(vm)) | View::Transient(vm) => Arc::new(Summary::of(&vm.def())),
            View::Defined(e, None) => e.def.clone(),
        }
    }

    pub fn active(&self) -> bool {
        self.vm().is_some()
    }

    pub fn persistent(&self) -> bool {
        self.entry().is_some()
    }

    /// State and reason; `running` remembers how inactive domains last stopped.
    pub fn state(&self, running: &crate::running::Running) -> (i32, i32) {
        match self {
            View::Defined(_, Some(vm)) | View::Transient(vm) => vm.state(),
            View::Defined(e, None) => running.stopped_state(&e.def.uuid),
        }
    }
}

/// `CONNECT_LIST_ALL_DOMAINS` filters: each pair is an OR, pairs are ANDed. No domain has a
/// managed save image, snapshots or checkpoints.
pub(crate) fn matches_filter(d: &QemuDriver, v: &View, flags: u32) -> bool {
    let autostart = v.entry().is_some_and(|e| e.autostart);
    filter_bits(
        flags,
        v.active(),
        v.persistent(),
        v.state(&d.running).0,
        autostart,
    )
}

fn filter_bits(flags: u32, active: bool, persistent: bool, state: i32, autostart: bool) -> bool {
    let pair = |on: u32, off: u32, is: bool| -> bool {
        let want = flags & (on | off);
        want == 0 || (is && flags & on != 0) || (!is && flags & off != 0)
    };
    pair(list::ACTIVE, list::INACTIVE, active)
        && pair(list::PERSISTENT, list::TRANSIENT, persistent)
        && {
            let states = flags & (list::RUNNING | list::PAUSED | list::SHUTOFF | list::OTHER);
            let bit = match state {
                state::RUNNING => list::RUNNING,
                state::PAUSED => list::PAUSED,
                state::SHUTOFF => list::SHUTOFF,
                _ => list::OTHER,
            };
            states == 0 || states & bit != 0
        }
        && pair(list::MANAGEDSAVE, list::NO_MANAGEDSAVE, false)
        && pair(list::AUTOSTART, list::NO_AUTOSTART, autostart)
        && pair(list::HAS_SNAPSHOT, list::NO_SNAPSHOT, false)
        && pair(list::HAS_CHECKPOINT, list::NO_CHECKPOINT, false)
}

/// Register the registry's calls. Those that write files (define, undefine, autostart) block
/// briefly: they run off the async workers; the queries never wait for a VM.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    register_lists(r);
    register_lookup_define(r);
    register_info(r);
}

/// The connection's domain lists and counts.
fn register_lists(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::ConnectListAllDomains, |d, a, _| {
        check_flags(a.flags, LIST_DOMAINS_FLAGS, "qemuConnectListAllDomains")?;
        let doms: Vec<NonnullDomain> = if d.running.is_empty() {
            // the common case of a big registry: no views to build
            let reg = d.registry.read_locked();
            reg.all()
                .filter(|e| {
                    filter_bits(
                        a.flags,
                        false,
                        true,
                        d.running.stopped_state(&e.def.uuid).0,
                        e.autostart,
                    )
                })
                .map(|e| handle(&e.def))
                .collect()
        } else {
            d.all_views()?
                .iter()
                .filter(|v| matches_filter(d, v, a.flags))
                .map(View::handle)
                .collect()
        };
        let n = doms.len() as u32;
        Ok::<_, QemuError>(ConnectListAllDomainsRet {
            domains: if a.need_results != 0 {
                doms
            } else {
                Vec::new()
            },
            ret: n,
        })
    });
    r.add_sync(calls::ConnectNumOfDomains, |d, (), _| {
        Ok::<_, QemuError>(IntRet {
            value: i32::try_from(d.running.len()).unwrap_or(i32::MAX),
        })
    });
    r.add_sync(calls::ConnectNumOfDefinedDomains, |d, (), _| {
        let n = d.all_views()?.iter().filter(|v| !v.active()).count();
        Ok::<_, QemuError>(IntRet {
            value: i32::try_from(n).unwrap_or(i32::MAX),
        })
    });
    r.add_sync(calls::ConnectListDomains, |d, a, _| {
        if a.maxids < 0 || a.maxids as usize > DOMAIN_LIST_MAX {
            return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                "maxids > REMOTE_DOMAIN_LIST_MAX",
            )));
        }
        let ids = d
            .running
            .all()
            .iter()
            .map(|v| v.id)
            .take(a.maxids as usize)
            .collect();
        Ok(ConnectListDomainsRet { ids })
    });
    r.add_sync(calls::ConnectListDefinedDomains, |d, a, _| {
        if a.maxnames < 0 || a.maxnames as usize > DOMAIN_LIST_MAX {
            return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                "maxnames > REMOTE_DOMAIN_LIST_MAX",
            )));
        }
        let names = d
            .all_views()?
            .iter()
            .filter(|v| !v.active())
            .take(a.maxnames as usize)
            .map(|v| v.handle().name)
            .collect();
        Ok(ConnectListDefinedDomainsRet { names })
    });
}

/// Lookups, define and undefine.
fn register_lookup_define(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainLookupByName, |d, a, _| {
        Ok::<_, QemuError>(DomainRet {
            dom: d.view_by_name(&a.name)?.handle(),
        })
    });
    r.add_sync(calls::DomainLookupByUuid, |d, a, _| {
        Ok::<_, QemuError>(DomainRet {
            dom: d.view_by_uuid(&a.uuid)?.handle(),
        })
    });
    r.add_sync(calls::DomainLookupById, |d, a, _| {
        let vm = d.running.by_id(a.id).ok_or(QemuError::NoDomainId(a.id))?;
        Ok::<_, QemuError>(DomainRet { dom: vm.handle() })
    });
    r.add_blocking(calls::DomainDefineXml, |d, a, _| {
        Ok::<_, QemuError>(DomainRet {
            dom: d.define(&a.xml)?,
        })
    });
    r.add_blocking(calls::DomainDefineXmlFlags, |d, a, _| {
        check_flags(a.flags, DEFINE_VALIDATE, "qemuDomainDefineXMLFlags")?;
        if a.flags & DEFINE_VALIDATE != 0 {
            oxvirt_conf::domain::validate(&a.xml)?;
        }
        Ok::<_, QemuError>(DomainRet {
            dom: d.define(&a.xml)?,
        })
    });
    r.add_blocking(calls::DomainUndefine, |d, a, _| undefine(d, a.dom, 0));
    r.add_blocking(calls::DomainUndefineFlags, |d, a, _| {
        undefine(d, a.dom, a.flags)
    });
}

/// A domain's state, XML and the flags and counts clients ask about.
fn register_info(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetState, |d, a, _| {
        check_flags(a.flags, 0, "qemuDomainGetState")?;
        let (state, reason) = d.view(&a.dom)?.state(&d.running);
        Ok::<_, QemuError>(DomainGetStateRet { state, reason })
    });
    r.add_sync(calls::DomainGetInfo, |d, a, _| {
        let v = d.view(&a.dom)?;
        let def = v.def();
        let (state, _) = v.state(&d.running);
        let cpu_time = v
            .vm()
            .and_then(|vm| oxvirt_shim::vm_dir::qemu_cpu_time_ns(vm.qemu_pid()))
            .unwrap_or(0);
        Ok::<_, QemuError>(DomainGetInfoRet {
            state: u8::try_from(state).unwrap_or(0),
            max_mem: def.memory_kib,
            memory: def.current_memory_kib.unwrap_or(def.memory_kib),
            nr_virt_cpu: u16::try_from(def.vcpus_current.unwrap_or(def.vcpus)).unwrap_or(u16::MAX),
            cpu_time,
        })
    });
    r.add_sync(calls::DomainGetXmlDesc, |d, a, _| {
        check_flags(a.flags, XML_FLAGS, "qemuDomainGetXMLDesc")?;
        let v = d.view(&a.dom)?;
        let inactive = a.flags & XML_INACTIVE != 0;
        let xml = match (&v, inactive) {
            (View::Defined(e, _), true) | (View::Defined(e, None), false) => {
                e.inactive_xml(a.flags & XML_SECURE != 0)?
            }
            (View::Defined(_, Some(vm)), false) | (View::Transient(vm), _) => {
                vm.def().format_with(FormatOptions {
                    inactive,
                    secure: a.flags & XML_SECURE != 0,
                    migratable: a.flags & XML_MIGRATABLE != 0,
                })
            }
        };
        Ok::<_, QemuError>(StringRet { value: xml })
    });
    r.add_sync(calls::DomainGetOsType, |d, a, _| {
        Ok::<_, QemuError>(StringRet {
            value: d.view(&a.dom)?.def().os_type.clone(),
        })
    });
    r.add_sync(calls::DomainGetMaxMemory, |d, a, _| {
        Ok::<_, QemuError>(U64Ret {
            value: d.view(&a.dom)?.def().memory_kib,
        })
    });
    r.add_sync(calls::DomainIsActive, |d, a, _| {
        let v = d.view(&a.dom)?;
        Ok::<_, QemuError>(IntRet {
            value: i32::from(v.active()),
        })
    });
    r.add_sync(calls::DomainIsUpdated, |d, a, _| {
        d.view(&a.dom)?;
        Ok::<_, QemuError>(IntRet { value: 0 })
    });
    r.add_sync(calls::DomainIsPersistent, |d, a, _| {
        let v = d.view(&a.dom)?;
        Ok::<_, QemuError>(IntRet {
            value: i32::from(v.persistent()),
        })
    });
    r.add_sync(calls::DomainGetAutostart, |d, a, _| {
        let v = d.view(&a.dom)?;
        Ok::<_, QemuError>(IntRet {
            value: i32::from(v.entry().is_some_and(|e| e.autostart)),
        })
    });
    r.add_blocking(calls::DomainSetAutostart, |d, a, _| {
        let v = d.view(&a.dom)?;
        let Some(e) = v.entry() else {
            return Err(QemuError::OperationInvalid(
                "cannot set autostart for transient domain".into(),
            ));
        };
        let mut reg = d.registry.write_locked();
        reg.set_autostart(&e.def.name, a.autostart != 0)?;
        Ok(())
    });
    r.add_sync(calls::DomainGetSecurityLabel, |d, a, _| {
        d.view(&a.dom)?;
        // the "none" model: no label
        Ok::<_, QemuError>(oxvirt_proto::remote::DomainGetSecurityLabelRet {
            label: vec![0],
            enforcing: 0,
        })
    });
    r.add_sync(calls::DomainHasManagedSaveImage, |d, a, _| {
        let name = d.view(&a.dom)?.handle().name;
        Ok::<_, QemuError>(IntRet {
            value: i32::from(d.has_managed_save(&name)),
        })
    });
    r.add_sync(calls::DomainGetMessages, |d, a, _| {
        check_flags(
            a.flags,
            message::DEPRECATION | message::TAINTING,
            "qemuDomainGetMessages",
        )?;
        let v = d.view(&a.dom)?;
        let mut msgs = Vec::new();
        if a.flags == 0 || a.flags & message::TAINTING != 0 {
            if let Some(vm) = v.vm() {
                for t in vm.status().taints {
                    msgs.push(format!("tainted: {}", taint_text(&t)));
                }
            }
        }
        Ok::<_, QemuError>(DomainGetMessagesRet { msgs })
    });
}

/// DOMAIN_UNDEFINE (flags 0) and DOMAIN_UNDEFINE_FLAGS.
fn undefine(d: &Arc<QemuDriver>, dom: NonnullDomain, flags: u32) -> Result<(), QemuError> {
    check_flags(flags, UNDEFINE_FLAGS, "qemuDomainUndefineFlags")?;
    let v = d.view(&dom)?;
    let Some(e) = v.entry() else {
        return Err(QemuError::OperationInvalid(
            "cannot undefine transient domain".into(),
        ));
    };
    // the NVRAM file goes with NVRAM, stays with KEEP_NVRAM, and otherwise
    // prevents the undefine (qemuDomainUndefineFlags)
    let nvram = d.nvram_file(&e.domain()?);
    if let Some(path) = nvram.as_deref().filter(|p| p.exists()) {
        if flags & UNDEFINE_NVRAM != 0 {
            std::fs::remove_file(path).map_err(|source| QemuError::Io {
                what: format!("failed to remove nvram: {}", path.display()),
                source,
            })?;
        } else if flags & UNDEFINE_KEEP_NVRAM == 0 {
            return Err(QemuError::OperationInvalid(
                "cannot undefine domain with nvram".into(),
            ));
        }
    }
    d.undefine_managed_save(
        &e.def.name,
        flags & oxvirt_proto::flags::domain_undefine::MANAGED_SAVE != 0,
    )?;
    if v.vm().is_none() {
        // a running domain keeps its snapshots (libvirt refuses only inactive ones)
        d.undefine_snapshots(
            &e.def.name,
            flags & oxvirt_proto::flags::domain_undefine::SNAPSHOTS_METADATA != 0,
        )?;
    }
    let removed = {
        let mut reg = d.registry.write_locked();
        reg.undefine(&e.def.name)?
    };
    let mut h = handle(&removed.def);
    if let Some(vm) = v.vm() {
        // a running domain lives on, transient (its log goes when it stops)
        vm.set_persistent(false);
        h = vm.handle();
    } else {
        crate::vmlog::remove(&d.vm_log(&removed.def.name));
        d.migration_limits.forget(&removed.def.uuid);
    }
    d.emit_lifecycle(h, EVENT_UNDEFINED, lifecycle::UNDEFINED_REMOVED);
    Ok(())
}

/// libvirt's descriptions of taint flags.
fn taint_text(t: &str) -> &str {
    match t {
        "custom-monitor" => "custom monitor control commands issued",
        "high-privileges" => "running with undesirable elevated privileges",
        "custom-argv" => "custom configuration parameters specified",
        "host-cpu" => "host cpu properties passed through",
        other => other,
    }
}
