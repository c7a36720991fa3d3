//! Domain calls answered by the registry: define/undefine, lists, lookups, state, info, XML,
//! autostart. No domain runs yet (the per-VM shim comes with the QEMU driver issue), so every
//! defined domain is shut off.

use std::sync::Arc;

use oxvirt_conf::domain::{uuid_string, Domain};
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::{
    ConnectListAllDomainsArgs, ConnectListAllDomainsRet, ConnectListDefinedDomainsArgs,
    ConnectListDefinedDomainsRet, ConnectListDomainsArgs, ConnectListDomainsRet, DomainArgs,
    DomainDefineXmlArgs, DomainDefineXmlFlagsArgs, DomainEventLifecycleMsg, DomainFlagsArgs,
    DomainGetInfoRet, DomainGetMessagesRet, DomainGetStateRet, DomainLookupByIdArgs,
    DomainLookupByNameArgs, DomainLookupByUuidArgs, DomainRet, DomainSetAutostartArgs, IntRet,
    StringRet, U64Ret, DOMAIN_LIST_MAX,
};
use oxvirt_proto::NonnullDomain;
use oxvirt_remote::{CallCtx, Driver};

use crate::registry::{Defined, Entry};
use crate::{QemuDriver, QemuError};

/// Every `VIR_CONNECT_LIST_DOMAINS_*` flag libvirt 9.0 knows.
const LIST_DOMAINS_FLAGS: u32 = 0xffff;
/// `VIR_DOMAIN_DEFINE_VALIDATE`.
const DEFINE_VALIDATE: u32 = 1;
/// `VIR_DOMAIN_XML_SECURE | INACTIVE | UPDATE_CPU | MIGRATABLE`.
const XML_FLAGS: u32 = 0xf;
/// `VIR_DOMAIN_UNDEFINE_*` (managed save, snapshots, nvram, keep nvram, checkpoints, tpm,
/// keep tpm): nothing of that exists yet, so each is accepted and has nothing to do.
const UNDEFINE_FLAGS: u32 = 0x7f;

/// Domain states and lifecycle events (libvirt's numbers).
const STATE_SHUTOFF: i32 = 5;
const EVENT_DEFINED: i32 = 0;
const EVENT_UNDEFINED: i32 = 1;
const PROC_EVENT_LIFECYCLE_LEGACY: i32 = 107;

fn enc<T: oxvirt_xdr::Encode>(v: &T) -> Result<Vec<u8>, QemuError> {
    Ok(oxvirt_xdr::to_bytes(v)?)
}

fn args<T: oxvirt_xdr::Decode>(ctx: &CallCtx) -> Result<T, QemuError> {
    ctx.args().map_err(QemuError::Vir)
}

fn handle(def: &Domain) -> NonnullDomain {
    NonnullDomain {
        name: def.name.clone(),
        uuid: def.uuid,
        id: -1,
    }
}

fn check_flags(flags: u32, allowed: u32, func: &'static str) -> Result<(), QemuError> {
    if flags & !allowed != 0 {
        return Err(QemuError::UnsupportedFlags { flags, func });
    }
    Ok(())
}

impl QemuDriver {
    /// The entry behind a client's handle (found by UUID, as libvirt does).
    fn entry(&self, dom: &NonnullDomain) -> Result<Entry, QemuError> {
        let reg = self.registry.read().map_err(|_| poisoned())?;
        reg.by_uuid(&dom.uuid)
            .cloned()
            .ok_or_else(|| QemuError::NoDomainHandle(uuid_string(&dom.uuid), dom.name.clone()))
    }

    /// Parse, fill in the QEMU defaults, and validate a domain XML.
    pub fn parse_domain(&self, xml: &str) -> Result<Domain, QemuError> {
        let caps = self.caps.as_ref().ok_or(QemuError::NoEmulator)?;
        let mut def = oxvirt_conf::domain::parse(xml)?;
        oxvirt_conf::domain::post_parse(&mut def, &caps.conf_caps())?;
        Ok(def)
    }

    fn emit_lifecycle(&self, dom: NonnullDomain, event: i32, detail: i32) {
        let msg = DomainEventLifecycleMsg { dom, event, detail };
        if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
            self.events().emit(
                oxvirt_remote::events::DOMAIN_EVENT_ID_LIFECYCLE,
                &msg.dom,
                rp::DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                Some(PROC_EVENT_LIFECYCLE_LEGACY),
                &body,
            );
        }
    }

    fn define(&self, xml: &str) -> Result<NonnullDomain, QemuError> {
        let def = self.parse_domain(xml)?;
        let (entry, how) = {
            let mut reg = self.registry.write().map_err(|_| poisoned())?;
            reg.define(def)?
        };
        let h = handle(&entry.def);
        let detail = match how {
            Defined::Added => 0,
            Defined::Updated => 1,
        };
        self.emit_lifecycle(h.clone(), EVENT_DEFINED, detail);
        Ok(h)
    }
}

fn poisoned() -> QemuError {
    QemuError::Vir(oxvirt_proto::VirError::internal(
        "domain registry lock poisoned",
    ))
}

/// `CONNECT_LIST_ALL_DOMAINS` filters: each pair is an OR, pairs are ANDed. Every domain is
/// persistent, inactive, shut off, without managed save, snapshots or checkpoints.
fn matches_filter(e: &Entry, flags: u32) -> bool {
    let pair = |on: u32, off: u32, is: bool| -> bool {
        let want = flags & (on | off);
        want == 0 || (is && flags & on != 0) || (!is && flags & off != 0)
    };
    pair(1, 2, false)                 // ACTIVE / INACTIVE
        && pair(4, 8, true)           // PERSISTENT / TRANSIENT
        && {
            // RUNNING 16, PAUSED 32, SHUTOFF 64, OTHER 128
            let states = flags & (16 | 32 | 64 | 128);
            states == 0 || states & 64 != 0
        }
        && pair(256, 512, false)      // MANAGEDSAVE / NO_MANAGEDSAVE
        && pair(1024, 2048, e.autostart) // AUTOSTART / NO_AUTOSTART
        && pair(4096, 8192, false)    // HAS_SNAPSHOT / NO_SNAPSHOT
        && pair(16384, 32768, false) // HAS_CHECKPOINT / NO_CHECKPOINT
}

/// Whether a procedure writes configuration files (and so should not run on an async worker).
pub fn writes_files(procedure: i32) -> bool {
    matches!(
        procedure,
        rp::DOMAIN_DEFINE_XML
            | rp::DOMAIN_DEFINE_XML_FLAGS
            | rp::DOMAIN_UNDEFINE
            | rp::DOMAIN_UNDEFINE_FLAGS
            | rp::DOMAIN_SET_AUTOSTART
    )
}

pub fn call(d: &Arc<QemuDriver>, ctx: &CallCtx) -> Result<Vec<u8>, QemuError> {
    match ctx.procedure() {
        rp::CONNECT_LIST_ALL_DOMAINS => {
            let a: ConnectListAllDomainsArgs = args(ctx)?;
            check_flags(a.flags, LIST_DOMAINS_FLAGS, "qemuConnectListAllDomains")?;
            let reg = d.registry.read().map_err(|_| poisoned())?;
            let doms: Vec<NonnullDomain> = reg
                .all()
                .filter(|e| matches_filter(e, a.flags))
                .map(|e| handle(&e.def))
                .collect();
            let n = doms.len() as u32;
            enc(&ConnectListAllDomainsRet {
                domains: if a.need_results != 0 {
                    doms
                } else {
                    Vec::new()
                },
                ret: n,
            })
        }
        rp::CONNECT_NUM_OF_DOMAINS => enc(&IntRet { value: 0 }),
        rp::CONNECT_NUM_OF_DEFINED_DOMAINS => {
            let reg = d.registry.read().map_err(|_| poisoned())?;
            enc(&IntRet {
                value: i32::try_from(reg.len()).unwrap_or(i32::MAX),
            })
        }
        rp::CONNECT_LIST_DOMAINS => {
            let a: ConnectListDomainsArgs = args(ctx)?;
            if a.maxids < 0 || a.maxids as usize > DOMAIN_LIST_MAX {
                return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                    "maxids > REMOTE_DOMAIN_LIST_MAX",
                )));
            }
            enc(&ConnectListDomainsRet { ids: Vec::new() })
        }
        rp::CONNECT_LIST_DEFINED_DOMAINS => {
            let a: ConnectListDefinedDomainsArgs = args(ctx)?;
            if a.maxnames < 0 || a.maxnames as usize > DOMAIN_LIST_MAX {
                return Err(QemuError::Vir(oxvirt_proto::VirError::rpc(
                    "maxnames > REMOTE_DOMAIN_LIST_MAX",
                )));
            }
            let reg = d.registry.read().map_err(|_| poisoned())?;
            let names = reg
                .all()
                .take(a.maxnames as usize)
                .map(|e| e.def.name.clone())
                .collect();
            enc(&ConnectListDefinedDomainsRet { names })
        }
        rp::DOMAIN_LOOKUP_BY_NAME => {
            let a: DomainLookupByNameArgs = args(ctx)?;
            let reg = d.registry.read().map_err(|_| poisoned())?;
            let e = reg
                .by_name(&a.name)
                .ok_or(QemuError::NoDomainName(a.name))?;
            enc(&DomainRet {
                dom: handle(&e.def),
            })
        }
        rp::DOMAIN_LOOKUP_BY_UUID => {
            let a: DomainLookupByUuidArgs = args(ctx)?;
            let reg = d.registry.read().map_err(|_| poisoned())?;
            let e = reg
                .by_uuid(&a.uuid)
                .ok_or_else(|| QemuError::NoDomainUuid(uuid_string(&a.uuid)))?;
            enc(&DomainRet {
                dom: handle(&e.def),
            })
        }
        rp::DOMAIN_LOOKUP_BY_ID => {
            let a: DomainLookupByIdArgs = args(ctx)?;
            Err(QemuError::NoDomainId(a.id))
        }
        rp::DOMAIN_DEFINE_XML => {
            let a: DomainDefineXmlArgs = args(ctx)?;
            enc(&DomainRet {
                dom: d.define(&a.xml)?,
            })
        }
        rp::DOMAIN_DEFINE_XML_FLAGS => {
            let a: DomainDefineXmlFlagsArgs = args(ctx)?;
            check_flags(a.flags, DEFINE_VALIDATE, "qemuDomainDefineXMLFlags")?;
            if a.flags & DEFINE_VALIDATE != 0 {
                return Err(QemuError::ConfigUnsupported(
                    "validating domain XML against the schema is not supported by oxvirt yet"
                        .into(),
                ));
            }
            enc(&DomainRet {
                dom: d.define(&a.xml)?,
            })
        }
        rp::DOMAIN_UNDEFINE | rp::DOMAIN_UNDEFINE_FLAGS => {
            let (dom, flags) = if ctx.procedure() == rp::DOMAIN_UNDEFINE {
                let a: DomainArgs = args(ctx)?;
                (a.dom, 0)
            } else {
                let a: DomainFlagsArgs = args(ctx)?;
                (a.dom, a.flags)
            };
            check_flags(flags, UNDEFINE_FLAGS, "qemuDomainUndefineFlags")?;
            let e = d.entry(&dom)?;
            let removed = {
                let mut reg = d.registry.write().map_err(|_| poisoned())?;
                reg.undefine(&e.def.name)?
            };
            d.emit_lifecycle(handle(&removed.def), EVENT_UNDEFINED, 0);
            Ok(Vec::new())
        }
        rp::DOMAIN_GET_STATE => {
            let a: DomainFlagsArgs = args(ctx)?;
            check_flags(a.flags, 0, "qemuDomainGetState")?;
            d.entry(&a.dom)?;
            // never started: shut off, reason unknown
            enc(&DomainGetStateRet {
                state: STATE_SHUTOFF,
                reason: 0,
            })
        }
        rp::DOMAIN_GET_INFO => {
            let a: DomainArgs = args(ctx)?;
            let e = d.entry(&a.dom)?;
            let def = &e.def;
            enc(&DomainGetInfoRet {
                state: STATE_SHUTOFF as u8,
                max_mem: def.memory_kib,
                memory: def.current_memory_kib.unwrap_or(def.memory_kib),
                nr_virt_cpu: u16::try_from(def.vcpu.current.unwrap_or(def.vcpu.count))
                    .unwrap_or(u16::MAX),
                cpu_time: 0,
            })
        }
        rp::DOMAIN_GET_XML_DESC => {
            let a: DomainFlagsArgs = args(ctx)?;
            check_flags(a.flags, XML_FLAGS, "qemuDomainGetXMLDesc")?;
            let e = d.entry(&a.dom)?;
            enc(&StringRet {
                value: e.xml.to_string(),
            })
        }
        rp::DOMAIN_GET_OS_TYPE => {
            let a: DomainArgs = args(ctx)?;
            let e = d.entry(&a.dom)?;
            enc(&StringRet {
                value: e.def.os.os_type.clone(),
            })
        }
        rp::DOMAIN_GET_MAX_MEMORY => {
            let a: DomainArgs = args(ctx)?;
            let e = d.entry(&a.dom)?;
            enc(&U64Ret {
                value: e.def.memory_kib,
            })
        }
        rp::DOMAIN_IS_ACTIVE | rp::DOMAIN_IS_UPDATED => {
            let a: DomainArgs = args(ctx)?;
            d.entry(&a.dom)?;
            enc(&IntRet { value: 0 })
        }
        rp::DOMAIN_IS_PERSISTENT => {
            let a: DomainArgs = args(ctx)?;
            d.entry(&a.dom)?;
            enc(&IntRet { value: 1 })
        }
        rp::DOMAIN_GET_AUTOSTART => {
            let a: DomainArgs = args(ctx)?;
            let e = d.entry(&a.dom)?;
            enc(&IntRet {
                value: i32::from(e.autostart),
            })
        }
        rp::DOMAIN_SET_AUTOSTART => {
            let a: DomainSetAutostartArgs = args(ctx)?;
            let e = d.entry(&a.dom)?;
            let mut reg = d.registry.write().map_err(|_| poisoned())?;
            reg.set_autostart(&e.def.name, a.autostart != 0)?;
            Ok(Vec::new())
        }
        rp::DOMAIN_HAS_MANAGED_SAVE_IMAGE | rp::DOMAIN_SNAPSHOT_NUM => {
            let a: DomainFlagsArgs = args(ctx)?;
            d.entry(&a.dom)?;
            enc(&IntRet { value: 0 })
        }
        rp::DOMAIN_GET_MESSAGES => {
            let a: DomainFlagsArgs = args(ctx)?;
            // VIR_DOMAIN_MESSAGE_DEPRECATION | TAINTING
            check_flags(a.flags, 3, "qemuDomainGetMessages")?;
            d.entry(&a.dom)?;
            enc(&DomainGetMessagesRet { msgs: Vec::new() })
        }
        p => Err(QemuError::Vir(oxvirt_proto::VirError::unknown_procedure(p))),
    }
}
