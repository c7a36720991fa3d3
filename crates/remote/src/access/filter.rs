//! Filtering list replies down to the objects the subject may see (libvirt's `@aclfilter`).
//!
//! - `..._LIST_ALL_...` replies (`{handles<>, ret}`) keep the handles the subject has the
//!   filter permission on, and `ret` counts them; a call asking for the count only
//!   (`need_results` 0) is asked for the handles, which are counted and dropped;
//! - name lists (`CONNECT_LIST_DEFINED_DOMAINS`, `CONNECT_LIST_NETWORKS`, ...) keep the
//!   allowed names;
//! - `CONNECT_GET_ALL_DOMAIN_STATS` keeps the allowed domains' records.
//!
//! The number-only calls (`CONNECT_NUM_OF_...`, and `CONNECT_LIST_DOMAINS`, which lists ids)
//! are not filtered.

use oxvirt_proto::procedures::{Permission, ProcedureInfo};
use oxvirt_proto::remote::ConnectGetAllDomainStatsRet;
use oxvirt_proto::VirError;

use super::locate::{handle, walk, Field};

#[derive(Debug)]
enum Shape {
    /// `{handles<>, ret}`; whether the client asked for the count only.
    Handles(&'static [Field], usize, bool),
    /// `{names<>}`.
    Names,
    /// `{records<>}` of domain statistics.
    Stats,
}

/// How to filter one call's reply.
#[derive(Debug)]
pub(crate) struct ListFilter {
    /// The permission each listed object must grant.
    pub(crate) perm: &'static Permission,
    shape: Shape,
}

fn bad() -> VirError {
    VirError::internal("cannot filter a list reply")
}

impl ListFilter {
    /// How to filter `info`'s reply, if it is a list; rewrites a count-only request of a
    /// `LIST_ALL` call in `body` into a request for the items.
    pub(crate) fn prepare(
        info: &ProcedureInfo,
        perm: &'static Permission,
        body: &mut [u8],
    ) -> Option<Self> {
        let n = info.name;
        let shape = if n.contains("LIST_ALL") {
            let (fields, i) = handle(perm.object)?;
            // need_results follows the parent's handle (a network's ports, a pool's volumes)
            let at = if n.starts_with("CONNECT_") {
                0
            } else {
                walk(body, 0, &[Field::Str, Field::Uuid], None)?.0
            };
            let need = body.get_mut(at..at + 4)?;
            let count_only = need == [0, 0, 0, 0];
            if count_only {
                need.copy_from_slice(&1i32.to_be_bytes());
            }
            Shape::Handles(fields, i, count_only)
        } else if n == "CONNECT_GET_ALL_DOMAIN_STATS" {
            Shape::Stats
        } else if n.contains("_LIST_") && n != "CONNECT_LIST_DOMAINS" {
            Shape::Names
        } else {
            return None;
        };
        Some(ListFilter { perm, shape })
    }

    /// The reply with only the objects `allowed` says yes to.
    pub(crate) fn apply(
        &self,
        body: &[u8],
        allowed: impl Fn(&str) -> bool,
    ) -> Result<Vec<u8>, VirError> {
        match &self.shape {
            Shape::Handles(fields, i, count_only) => {
                let (kept, n, _rest) = keep(body, fields, *i, &allowed)?;
                let mut out = Vec::with_capacity(kept.len() + 8);
                if *count_only {
                    out.extend(0u32.to_be_bytes());
                } else {
                    out.extend(n.to_be_bytes());
                    out.extend(kept);
                }
                out.extend(n.to_be_bytes());
                Ok(out)
            }
            Shape::Names => {
                let (kept, n, _rest) = keep(body, &[Field::Str], 0, &allowed)?;
                let mut out = Vec::with_capacity(kept.len() + 4);
                out.extend(n.to_be_bytes());
                out.extend(kept);
                Ok(out)
            }
            Shape::Stats => {
                let mut r: ConnectGetAllDomainStatsRet =
                    oxvirt_xdr::from_bytes_exact(body).map_err(|_| bad())?;
                r.ret_stats.retain(|s| allowed(&s.dom.name));
                oxvirt_xdr::to_bytes(&r).map_err(|_| bad())
            }
        }
    }
}

/// The elements of the array at the start of `body` that are allowed (their bytes, their
/// number) and what follows the array.
fn keep<'a>(
    body: &'a [u8],
    fields: &[Field],
    i: usize,
    allowed: &impl Fn(&str) -> bool,
) -> Result<(Vec<u8>, u32, &'a [u8]), VirError> {
    let count = u32::from_be_bytes(
        body.get(0..4)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    let mut pos = 4;
    let mut kept = Vec::new();
    let mut n = 0u32;
    for _ in 0..count {
        let (end, name) = walk(body, pos, fields, Some(i)).ok_or_else(bad)?;
        if name.is_some_and(|name| allowed(&name)) {
            kept.extend_from_slice(body.get(pos..end).ok_or_else(bad)?);
            n += 1;
        }
        pos = end;
    }
    Ok((kept, n, body.get(pos..).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::procedures::{remote_proc as rp, remote_procedure};
    use oxvirt_proto::remote::{ConnectListAllDomainsRet, ConnectListDefinedDomainsRet};
    use oxvirt_proto::types::NonnullDomain;

    fn dom(name: &str) -> NonnullDomain {
        NonnullDomain {
            name: name.into(),
            uuid: [1; 16],
            id: -1,
        }
    }

    #[test]
    fn list_all_keeps_the_allowed() {
        let info = remote_procedure(rp::CONNECT_LIST_ALL_DOMAINS).unwrap();
        let perm = info.acl_filter.as_ref().unwrap();
        let mut args = vec![0, 0, 0, 1, 0, 0, 0, 0];
        let f = ListFilter::prepare(info, perm, &mut args).unwrap();
        let reply = ConnectListAllDomainsRet {
            domains: vec![dom("web-1"), dom("db-1"), dom("web-2")],
            ret: 3,
        };
        let out = f
            .apply(&oxvirt_xdr::to_bytes(&reply).unwrap(), |n| {
                n.starts_with("web-")
            })
            .unwrap();
        let r: ConnectListAllDomainsRet = oxvirt_xdr::from_bytes_exact(&out).unwrap();
        assert_eq!(r.domains, vec![dom("web-1"), dom("web-2")]);
        assert_eq!(r.ret, 2);

        // count only: the driver is asked for the items, the client gets the count
        let mut args = vec![0, 0, 0, 0, 0, 0, 0, 0];
        let f = ListFilter::prepare(info, perm, &mut args).unwrap();
        assert_eq!(args[..4], [0, 0, 0, 1]);
        let out = f
            .apply(&oxvirt_xdr::to_bytes(&reply).unwrap(), |n| n == "db-1")
            .unwrap();
        let r: ConnectListAllDomainsRet = oxvirt_xdr::from_bytes_exact(&out).unwrap();
        assert_eq!((r.domains.len(), r.ret), (0, 1));
    }

    #[test]
    fn names_lists() {
        let info = remote_procedure(rp::CONNECT_LIST_DEFINED_DOMAINS).unwrap();
        let perm = info.acl_filter.as_ref().unwrap();
        let f = ListFilter::prepare(info, perm, &mut [0, 0, 0, 9]).unwrap();
        let reply = ConnectListDefinedDomainsRet {
            names: vec!["a".into(), "web-b".into()],
        };
        let out = f
            .apply(&oxvirt_xdr::to_bytes(&reply).unwrap(), |n| {
                n.starts_with("web-")
            })
            .unwrap();
        let r: ConnectListDefinedDomainsRet = oxvirt_xdr::from_bytes_exact(&out).unwrap();
        assert_eq!(r.names, vec!["web-b".to_owned()]);
        assert!(f.apply(&[0, 0, 0, 2, 0, 0], |_| true).is_err());
        let ids = remote_procedure(rp::CONNECT_LIST_DOMAINS).unwrap();
        assert!(ListFilter::prepare(ids, perm, &mut [0, 0, 0, 9]).is_none());
    }
}
