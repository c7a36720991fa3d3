//! The secret procedures, each a typed handler on the driver's one routing table. Lookups run
//! inline; the calls that write files run on the blocking pool.

use std::sync::{Arc, LazyLock};

use oxvirt_proto::calls;
use oxvirt_proto::remote::{CallbackIdRet, IntRet, StringRet, U64Ret};
use oxvirt_proto::secret::{
    ConnectListAllSecretsRet, ConnectListSecretsRet, SecretGetValueRet, SecretRet, SECRET_LIST_MAX,
};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;
use oxvirt_sync::MutexExt;

use crate::events::Lifecycle;
use crate::store::Entry;
use crate::{handle, SecretDriver, SecretError};

/// `VIR_SECRET_DEFINE_VALIDATE`: check the XML against the schema (it is always checked).
const DEFINE_VALIDATE: u32 = 1;
/// `VIR_CONNECT_LIST_SECRETS_*`: (no) ephemeral, (no) private.
const LIST_EPHEMERAL: u32 = 1;
const LIST_NO_EPHEMERAL: u32 = 2;
const LIST_PRIVATE: u32 = 4;
const LIST_NO_PRIVATE: u32 = 8;

/// The routes, built once.
pub static ROUTES: LazyLock<Router<SecretDriver>> = LazyLock::new(|| {
    let mut r = Router::new();
    register(&mut r);
    r
});

fn no_flags(flags: u32, func: &'static str) -> Result<(), SecretError> {
    if flags != 0 {
        return Err(SecretError::Flags { flags, func });
    }
    Ok(())
}

/// Whether a secret passes `virConnectListAllSecrets`' filters.
fn matches(e: &Entry, flags: u32) -> bool {
    let pair = |yes: u32, no: u32, v: bool| {
        flags & (yes | no) == 0 || (flags & yes != 0 && v) || (flags & no != 0 && !v)
    };
    pair(LIST_EPHEMERAL, LIST_NO_EPHEMERAL, e.def.ephemeral)
        && pair(LIST_PRIVATE, LIST_NO_PRIVATE, e.def.private)
}

fn register(r: &mut Router<SecretDriver>) {
    r.add_sync(calls::ConnectGetType, |_, (), _| {
        Ok::<_, SecretError>(StringRet {
            value: "secret".into(),
        })
    });
    r.add_sync(calls::ConnectGetLibVersion, |_, (), _| {
        Ok::<_, SecretError>(U64Ret {
            value: oxvirt_remote::LIBVIRT_VERSION,
        })
    });
    r.add_sync(calls::ConnectNumOfSecrets, |d, (), _| {
        let n = d.store.locked().all().count();
        Ok::<_, SecretError>(IntRet {
            value: i32::try_from(n).unwrap_or(i32::MAX),
        })
    });
    r.add_sync(calls::ConnectListSecrets, |d, a, _| {
        if a.maxuuids < 0 || a.maxuuids as usize > SECRET_LIST_MAX {
            return Err(VirError::new(
                code::RPC,
                domain::RPC,
                "maxuuids > REMOTE_SECRET_LIST_MAX",
            ));
        }
        let uuids = d
            .store
            .locked()
            .all()
            .take(a.maxuuids as usize)
            .map(|e| oxvirt_conf::domain::uuid_string(&e.def.uuid))
            .collect();
        Ok(ConnectListSecretsRet { uuids })
    });
    r.add_sync(calls::ConnectListAllSecrets, |d, a, _| {
        let known = LIST_EPHEMERAL | LIST_NO_EPHEMERAL | LIST_PRIVATE | LIST_NO_PRIVATE;
        if a.flags & !known != 0 {
            return Err(SecretError::Flags {
                flags: a.flags & !known,
                func: "secretConnectListAllSecrets",
            });
        }
        let store = d.store.locked();
        let found: Vec<_> = store.all().filter(|e| matches(e, a.flags)).collect();
        Ok(ConnectListAllSecretsRet {
            ret: u32::try_from(found.len()).unwrap_or(u32::MAX),
            secrets: if a.need_results != 0 {
                found.into_iter().map(handle).collect()
            } else {
                Vec::new()
            },
        })
    });
    r.add_sync(calls::SecretLookupByUuid, |d, a, _| {
        Ok::<_, SecretError>(SecretRet {
            secret: handle(d.store.locked().get(&a.uuid)?),
        })
    });
    r.add_sync(calls::SecretLookupByUsage, |d, a, _| {
        Ok::<_, SecretError>(SecretRet {
            secret: handle(d.store.locked().by_usage(a.usage_type, &a.usage_id)?),
        })
    });
    r.add_sync(calls::SecretGetXmlDesc, |d, a, _| {
        no_flags(a.flags, "secretGetXMLDesc")?;
        let store = d.store.locked();
        Ok::<_, SecretError>(StringRet {
            value: oxvirt_conf::secret::format(&store.get(&a.secret.uuid)?.def),
        })
    });
    r.add_sync(calls::SecretGetValue, |d, a, ctx| {
        no_flags(a.flags, "secretGetValue")?;
        let store = d.store.locked();
        let e = store.get(&a.secret.uuid)?;
        // a private value goes to the root's own daemons only (libvirt's elevated identity:
        // the system token in the identity a driver's secondary connection set)
        if e.def.private
            && !oxvirt_remote::secret_link::is_elevated(
                ctx.session.identity().as_deref(),
                &d.run_dir,
            )
        {
            return Err(SecretError::InvalidSecret("secret is private".into()));
        }
        let value = e.value.as_ref().ok_or_else(|| {
            SecretError::NoSecret(format!(
                "secret '{}' does not have a value",
                oxvirt_conf::domain::uuid_string(&e.def.uuid)
            ))
        })?;
        Ok(SecretGetValueRet {
            value: value.to_vec(),
        })
    });
    r.add_blocking(calls::SecretDefineXml, |d, a, _| {
        if a.flags & !DEFINE_VALIDATE != 0 {
            return Err(SecretError::Flags {
                flags: a.flags & !DEFINE_VALIDATE,
                func: "secretDefineXML",
            });
        }
        let def = oxvirt_conf::secret::parse(&a.xml)?;
        let h = handle(d.store.locked().define(def)?);
        d.secret_events.lifecycle(&h, Lifecycle::Defined);
        Ok(SecretRet { secret: h })
    });
    r.add_blocking(calls::SecretSetValue, |d, a, _| {
        no_flags(a.flags, "secretSetValue")?;
        let h = handle(d.store.locked().set_value(&a.secret.uuid, &a.value)?);
        d.secret_events.value_changed(&h);
        Ok::<_, SecretError>(())
    });
    r.add_blocking(calls::SecretUndefine, |d, a, _| {
        let e = d.store.locked().undefine(&a.secret.uuid)?;
        d.secret_events.lifecycle(&handle(&e), Lifecycle::Undefined);
        Ok::<_, SecretError>(())
    });
    r.add_sync(
        calls::ConnectSecretEventRegisterAny,
        |d: &Arc<SecretDriver>, a, ctx| {
            let id = d.secret_events.registry.register(
                &ctx.client,
                a.event_id,
                a.secret.map(|s| s.uuid),
            )?;
            Ok::<_, VirError>(CallbackIdRet { callback_id: id })
        },
    );
    r.add_sync(calls::ConnectSecretEventDeregisterAny, |d, a, ctx| {
        d.secret_events
            .registry
            .deregister(&ctx.client, a.callback_id)
    });
}

#[cfg(test)]
mod tests {
    use oxvirt_proto::procedures::ServedBy;

    use super::ROUTES;

    #[test]
    fn every_route_is_the_secret_driver_s() {
        let names: Vec<_> = ROUTES.routes().map(|r| r.info.name).collect();
        assert_eq!(names.len(), 14, "{names:?}");
        for r in ROUTES.routes() {
            assert!(
                matches!(
                    r.info.served_by(),
                    ServedBy::Secret | ServedBy::Qemu | ServedBy::Connection
                ),
                "{}",
                r.info.name
            );
        }
    }
}
