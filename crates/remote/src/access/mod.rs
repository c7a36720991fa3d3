//! Access control on every call, as libvirt's access drivers do it: the permissions of the
//! procedure table's ACL column ([`ProcedureInfo::acl`]) are checked against the daemon's
//! rules ([`oxvirt_access::Rules`], `access.conf`) before the call runs, on the object the call
//! names; a lookup whose object is known only from its reply is checked on the reply; list
//! calls return only the objects the subject may see (the `@aclfilter` permission).
//!
//! The subject is the client's forwarded identity (CONNECT_SET_IDENTITY from oxvirt-proxyd or
//! another daemon) or, without one, its SO_PEERCRED. Root and the daemon's own user are the
//! administrator and are not subject to the rules (the daemons' own connections to each
//! other, and whoever could edit the rules file anyway). A denial is libvirt's
//! `VIR_ERR_ACCESS_DENIED` naming the permission: "access denied: 'domain:start' is not
//! granted on domain 'db-1'".

mod filter;
mod locate;

use std::sync::Arc;

use oxvirt_access::{Object, Rules, Subject};
use oxvirt_proto::procedures::{Permission, ProcedureInfo};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{TypedParam, TypedParamValue, VirError};
use oxvirt_rpc::server::Peer;

use filter::ListFilter;
use locate::{locate, name_in_args, Locate};

/// A daemon's access rules.
#[derive(Debug)]
pub struct AccessControl {
    rules: Rules,
    own_uid: u32,
}

/// Who a connection's calls are checked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// Root or the daemon's own user: everything is allowed.
    Admin,
    /// Someone the rules decide about.
    Subject(Subject),
}

/// What to do with a call's reply.
#[derive(Debug)]
pub(crate) enum After {
    /// The reply is the handle of the object `perm` is checked on (a lookup).
    CheckReply(&'static Permission, &'static [locate::Field], usize),
    /// The reply is a list to filter.
    Filter(ListFilter),
}

impl AccessControl {
    /// Rules for a daemon running as `own_uid`.
    pub fn new(rules: Rules, own_uid: u32) -> Arc<Self> {
        Arc::new(AccessControl { rules, own_uid })
    }

    /// The subject of a connection: its forwarded identity, else its peer credentials.
    pub fn who(&self, peer: &Peer, identity: Option<&[TypedParam]>) -> Who {
        let admin = |uid: u32| uid == 0 || uid == self.own_uid;
        let Some(params) = identity else {
            if admin(peer.uid) {
                return Who::Admin;
            }
            return Who::Subject(Subject::unix(peer.uid, peer.gid));
        };
        let num = |field: &str| {
            params
                .iter()
                .find(|p| p.field == field)
                .and_then(|p| match p.value {
                    TypedParamValue::ULLong(v) => u32::try_from(v).ok(),
                    TypedParamValue::LLong(v) => u32::try_from(v).ok(),
                    TypedParamValue::UInt(v) => Some(v),
                    TypedParamValue::Int(v) => u32::try_from(v).ok(),
                    _ => None,
                })
        };
        let text = |field: &str| {
            params
                .iter()
                .find(|p| p.field == field)
                .and_then(|p| match &p.value {
                    TypedParamValue::String(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let mut s = match (num("unix-user-id"), num("unix-group-id")) {
            (Some(uid), _) if admin(uid) => return Who::Admin,
            (Some(uid), gid) => Subject::unix(uid, gid.unwrap_or(uid)),
            (None, _) => Subject::default(),
        };
        s.dn = text("x509-distinguished-name");
        s.sasl = text("sasl-user-name");
        Who::Subject(s)
    }

    fn check(
        &self,
        s: &Subject,
        kind: &str,
        name: Option<&str>,
        perm: &str,
    ) -> Result<(), VirError> {
        if self.rules.allows(s, Object { kind, name }, perm) {
            return Ok(());
        }
        tracing::info!(subject = %s.describe(), kind, name, perm, "access denied");
        Err(denied(kind, name, perm))
    }

    /// The checks before a call runs; what to do with its reply. `call.body` may be
    /// rewritten (a list asked for its count only is asked for its items, to count those the
    /// subject may see).
    pub(crate) fn before(
        &self,
        s: &Subject,
        info: &'static ProcedureInfo,
        body: &mut [u8],
    ) -> Result<Vec<After>, VirError> {
        let mut after = Vec::new();
        for p in info.acl {
            if !applies(p, body) {
                continue;
            }
            match locate(info, p.object) {
                Locate::Connect => self.check(s, "connect", None, p.perm)?,
                at @ (Locate::Args(..) | Locate::Xml(_)) => {
                    let name = name_in_args(body, at);
                    self.check(s, p.object, name.as_deref(), p.perm)?
                }
                Locate::Reply(fields, i) => after.push(After::CheckReply(p, fields, i)),
                Locate::Unknown => self.check(s, p.object, None, p.perm)?,
            }
        }
        if let Some(f) = info.acl_filter.as_ref() {
            if let Some(l) = ListFilter::prepare(info, f, body) {
                after.push(After::Filter(l));
            }
        }
        Ok(after)
    }

    /// The checks and filters on a reply.
    pub(crate) fn after(
        &self,
        s: &Subject,
        after: &[After],
        mut body: Vec<u8>,
    ) -> Result<Vec<u8>, VirError> {
        for a in after {
            match a {
                After::CheckReply(p, fields, i) => {
                    let name = locate::walk(&body, 0, fields, Some(*i)).and_then(|(_, n)| n);
                    self.check(s, p.object, name.as_deref(), p.perm)?;
                }
                After::Filter(l) => {
                    body = l.apply(&body, |name| {
                        self.rules.allows(
                            s,
                            Object {
                                kind: l.perm.object,
                                name: Some(name),
                            },
                            l.perm.perm,
                        )
                    })?;
                }
            }
        }
        Ok(body)
    }
}

/// The object an event is about: its type and where its handle starts in the body (after
/// the callback id, except in the legacy domain events, numbers 107 to 311 without
/// `CALLBACK` in their name). `None` for events about no object.
fn event_object(info: &ProcedureInfo) -> Option<(&'static str, usize)> {
    if !info.event {
        return None;
    }
    let n = info.name;
    let kind = [
        ("DOMAIN_", "domain"),
        ("NETWORK_", "network"),
        ("STORAGE_POOL_", "storage_pool"),
        ("NODE_DEVICE_", "node_device"),
        ("SECRET_", "secret"),
    ]
    .iter()
    .find(|(p, _)| n.starts_with(p))?
    .1;
    let legacy = info.program == oxvirt_proto::procedures::Program::Remote
        && n.starts_with("DOMAIN_EVENT_")
        && !n.contains("CALLBACK")
        && info.number <= 311;
    Some((kind, if legacy { 0 } else { 4 }))
}

impl AccessControl {
    /// The events `s` may see: those of objects it has `getattr` on, as libvirt filters
    /// them (events about no object pass).
    pub fn event_filter(self: &Arc<Self>, s: Subject) -> oxvirt_rpc::server::EventFilter {
        let access = self.clone();
        oxvirt_rpc::server::EventFilter(Box::new(move |program, procedure, body| {
            let Some(info) = oxvirt_proto::procedures::Program::from_number(program)
                .and_then(|p| oxvirt_proto::procedures::procedure(p, procedure))
            else {
                return true;
            };
            let Some((kind, at)) = event_object(info) else {
                return true;
            };
            let Some((fields, i)) = locate::handle(kind) else {
                return true;
            };
            let name = locate::walk(body, at, fields, Some(i)).and_then(|(_, n)| n);
            access.rules.allows(
                &s,
                Object {
                    kind,
                    name: name.as_deref(),
                },
                "getattr",
            )
        }))
    }

    /// The checks of one call as the server runs them around the driver: those before it on
    /// `body` (which may be rewritten), then those on `reply`. For tests and fuzzing.
    pub fn check_call(
        &self,
        s: &Subject,
        info: &'static ProcedureInfo,
        body: &mut [u8],
        reply: Vec<u8>,
    ) -> Result<Vec<u8>, VirError> {
        let after = self.before(s, info, body)?;
        self.after(s, &after, reply)
    }
}

/// libvirt's VIR_ERR_ACCESS_DENIED, naming the permission.
pub fn denied(kind: &str, name: Option<&str>, perm: &str) -> VirError {
    let detail = match name {
        Some(n) if kind != "connect" => {
            format!(
                "'{kind}:{perm}' is not granted on {} '{n}'",
                kind.replace('_', " ")
            )
        }
        _ => format!("'{kind}:{perm}' is not granted"),
    };
    VirError::new(code::ACCESS_DENIED, domain::ACCESS, detail)
}

/// Whether a conditional permission applies to this call: flag conditions are decided on the
/// call's `flags` (the last argument of every call that has one), the one argument condition
/// (`source` of DOMAIN_INTERFACE_ADDRESSES) on that argument. Unknown counts as applying.
fn applies(p: &Permission, body: &[u8]) -> bool {
    if !p.is_conditional() {
        return true;
    }
    let arg = if p.param_condition.is_some() {
        oxvirt_xdr::from_bytes::<oxvirt_proto::remote::DomainInterfaceAddressesArgs>(body)
            .ok()
            .map(|a| a.source)
    } else {
        body.len()
            .checked_sub(4)
            .and_then(|at| body.get(at..))
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    };
    p.applies(arg)
}

#[cfg(test)]
mod tests;
