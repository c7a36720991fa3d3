//! A domain's description, title and metadata elements (`virsh desc`, `desc --title`,
//! `metadata`): DOMAIN_SET_METADATA and DOMAIN_GET_METADATA on the live definition (kept by the
//! shim), the persistent one (the registry's file), or both, with the metadata-change event.

use std::sync::Arc;

use oxvirt_conf::domain::Domain;
use oxvirt_proto::calls;
use oxvirt_proto::domain_api::{
    DomainEventMetadataChangeMsg, DomainGetMetadataArgs, DomainSetMetadataArgs,
};
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::procedures::remote_proc as rp;
use oxvirt_proto::remote::StringRet;
use oxvirt_proto::shim as sp;
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;
use oxvirt_sync::RwLockExt;

use crate::domain_calls::View;
use crate::{QemuDriver, QemuError};

/// `VIR_DOMAIN_METADATA_*`.
const DESCRIPTION: i32 = 0;
const TITLE: i32 = 1;
const ELEMENT: i32 = 2;

fn domain_error(c: i32, msg: &str) -> QemuError {
    QemuError::Vir(VirError::new(c, domain::DOMAIN, msg))
}

/// libvirt's `virDomainObjUpdateModificationImpact`: which definitions a call with `flags`
/// affects, as (live, config).
pub(crate) fn impact(v: &View, flags: u32) -> Result<(bool, bool), QemuError> {
    let (mut live, config) = if flags & (AFFECT_LIVE | AFFECT_CONFIG) == 0 {
        (v.active(), !v.active())
    } else {
        (flags & AFFECT_LIVE != 0, flags & AFFECT_CONFIG != 0)
    };
    if live && !v.active() {
        return Err(domain_error(
            code::OPERATION_INVALID,
            "domain is not running",
        ));
    }
    if config && !v.persistent() {
        return Err(domain_error(
            code::OPERATION_INVALID,
            "transient domains do not have any persistent config",
        ));
    }
    live &= v.active();
    Ok((live, config))
}

/// The public API's argument checks (`virDomainSetMetadata`).
fn check_set_args(a: &DomainSetMetadataArgs) -> Result<(), QemuError> {
    let invalid = |m: &str| domain_error(code::INVALID_ARG, m);
    match a.type_ {
        TITLE | DESCRIPTION => {
            if a.type_ == TITLE && a.metadata.as_deref().is_some_and(|m| m.contains('\n')) {
                return Err(invalid("metadata title can't contain newlines"));
            }
            if a.uri.is_some() {
                return Err(invalid("uri in virDomainSetMetadata must be NULL"));
            }
            if a.key.is_some() {
                return Err(invalid("key in virDomainSetMetadata must be NULL"));
            }
        }
        ELEMENT => {
            if a.uri.is_none() {
                return Err(invalid("uri in virDomainSetMetadata must not be NULL"));
            }
            if a.metadata.is_some() && a.key.is_none() {
                return Err(invalid("key in virDomainSetMetadata must not be NULL"));
            }
        }
        _ => {}
    }
    Ok(())
}

fn unknown_type(t: i32) -> QemuError {
    domain_error(code::INVALID_ARG, &format!("unknown metadata type '{t}'"))
}

/// Apply a SET_METADATA to a definition (an empty text removes, as libvirt).
fn apply(def: &mut Domain, a: &DomainSetMetadataArgs) -> Result<(), QemuError> {
    let text = a.metadata.clone().filter(|m| !m.is_empty());
    match a.type_ {
        DESCRIPTION => def.description = text,
        TITLE => def.title = text,
        ELEMENT => def.set_metadata_element(
            a.metadata.as_deref(),
            a.key.as_deref(),
            a.uri.as_deref().unwrap_or_default(),
        )?,
        t => return Err(unknown_type(t)),
    }
    Ok(())
}

/// The text GET_METADATA answers from a definition.
fn get(def: &Domain, type_: i32, uri: Option<&str>) -> Result<String, QemuError> {
    let found = match type_ {
        DESCRIPTION => def.description.clone(),
        TITLE => def.title.clone(),
        ELEMENT => def.metadata_element(uri.unwrap_or_default()),
        t => return Err(unknown_type(t)),
    };
    found.ok_or_else(|| {
        domain_error(
            code::NO_DOMAIN_METADATA,
            "Requested metadata element is not present",
        )
    })
}

async fn set_metadata(d: &Arc<QemuDriver>, a: DomainSetMetadataArgs) -> Result<(), QemuError> {
    if a.flags & !(AFFECT_LIVE | AFFECT_CONFIG) != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuDomainSetMetadata",
        });
    }
    check_set_args(&a)?;
    if !(DESCRIPTION..=ELEMENT).contains(&a.type_) {
        return Err(unknown_type(a.type_));
    }
    let v = d.view(&a.dom)?;
    let (live, config) = impact(&v, a.flags)?;
    let value = if a.type_ == ELEMENT {
        a.metadata.clone()
    } else {
        a.metadata.clone().filter(|m| !m.is_empty())
    };
    if live {
        if let Some(vm) = v.vm() {
            let args = sp::SetMetadataArgs {
                type_: a.type_,
                value,
                key: a.key.clone(),
                uri: a.uri.clone(),
            };
            vm.call(sp::SetMetadata, &args, d.call_timeout).await?;
            let mut applied = Ok(());
            vm.update_status(|st| applied = apply(&mut st.domain, &a));
            applied?;
        }
    }
    if config {
        if let Some(e) = v.entry() {
            let mut def = e.domain()?;
            apply(&mut def, &a)?;
            let d2 = d.clone();
            tokio::task::spawn_blocking(move || d2.registry.write_locked().define(def).map(|_| ()))
                .await
                .map_err(|e| QemuError::Internal(format!("call failed: {e}")))??;
        }
    }
    let msg = DomainEventMetadataChangeMsg {
        dom: v.handle(),
        type_: a.type_,
        nsuri: a.uri.clone(),
    };
    if let Ok(body) = oxvirt_xdr::to_bytes(&msg) {
        d.events.emit(
            oxvirt_proto::events::id::METADATA_CHANGE,
            &msg.dom,
            rp::DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
            None,
            &body,
        );
    }
    Ok(())
}

fn get_metadata(d: &QemuDriver, a: &DomainGetMetadataArgs) -> Result<StringRet, QemuError> {
    if a.flags & !(AFFECT_LIVE | AFFECT_CONFIG) != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuDomainGetMetadata",
        });
    }
    if a.flags & AFFECT_LIVE != 0 && a.flags & AFFECT_CONFIG != 0 {
        return Err(domain_error(
            code::INVALID_ARG,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        ));
    }
    let v = d.view(&a.dom)?;
    let (live, _) = impact(&v, a.flags)?;
    let def = match (live, v.vm(), v.entry()) {
        (true, Some(vm), _) => vm.def(),
        (_, _, Some(e)) => e.domain()?,
        (_, Some(vm), None) => vm.def(),
        (_, None, None) => return Err(domain_error(code::INTERNAL_ERROR, "no definition")),
    };
    Ok(StringRet {
        value: get(&def, a.type_, a.uri.as_deref())?,
    })
}

/// Register the metadata calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSetMetadata, |d, a, _| async move {
        set_metadata(&d, a).await
    });
    r.add_sync(calls::DomainGetMetadata, |d, a, _| get_metadata(d, &a));
}
