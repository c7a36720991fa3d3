//! `virConnectFindStoragePoolSources` as libvirt 9.0 answers it here: the exports `showmount`
//! lists for `netfs`, libvirt's errors for a missing host, an unknown type, and the types whose
//! backend has no discovery (`dir`, `fs`, `disk`, ...).

use std::process::Command;

use oxvirt_conf::storage::{parse_source_spec, PoolType};
use oxvirt_proto::errors::{ErrorCode, ErrorDomain};
use oxvirt_proto::storage::ConnectFindStoragePoolSourcesArgs;
use oxvirt_proto::VirError;

use crate::error::{Result, StorageError};

fn no_discovery(t: &str) -> StorageError {
    StorageError::Vir(VirError::new(
        ErrorCode::NoSupport as i32,
        ErrorDomain::Storage as i32,
        format!("pool type '{t}' does not support source discovery"),
    ))
}

/// The `<sources>` document of the pools found.
pub fn find(a: &ConnectFindStoragePoolSourcesArgs) -> Result<String> {
    if a.flags != 0 {
        return Err(StorageError::Vir(VirError::unsupported_flags(
            a.flags,
            "storageConnectFindStoragePoolSources",
            ErrorDomain::Storage as i32,
        )));
    }
    let t = PoolType::from_name(&a.pool_type).ok_or_else(|| {
        StorageError::Internal(format!("unknown storage pool type {}", a.pool_type))
    })?;
    match t {
        PoolType::Netfs | PoolType::Iscsi => {
            let src = a
                .src_spec
                .as_deref()
                .map(|x| parse_source_spec(x, t))
                .transpose()?;
            let host = src
                .as_ref()
                .and_then(|s| s.hosts.first())
                .map(|h| h.name.clone())
                .ok_or_else(|| {
                    StorageError::InvalidArg(format!(
                        "hostname must be specified for {} sources",
                        t.as_str()
                    ))
                })?;
            if t == PoolType::Iscsi {
                return Err(no_discovery(t.as_str()));
            }
            netfs(&host, src.and_then(|s| s.format).unwrap_or("nfs"))
        }
        _ => Err(no_discovery(t.as_str())),
    }
}

/// `showmount --no-headers --exports HOST` (libvirt's `virStorageBackendFileSystemNetFindNFSPoolSources`):
/// no tool, no answer or no export is "no storage pools were found".
fn netfs(host: &str, format: &str) -> Result<String> {
    let out = Command::new("showmount")
        .args(["--no-headers", "--exports", host])
        .output();
    let exports: Vec<String> = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|p| p.starts_with('/'))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if exports.is_empty() {
        return Err(StorageError::OperationFailed(format!(
            "no storage pools were found on host '{host}'"
        )));
    }
    let esc = oxvirt_conf::xml::escape;
    let mut x = String::from("<sources>\n");
    for e in exports {
        x.push_str(&format!(
            "  <source>\n    <host name='{}'/>\n    <dir path='{}'/>\n    <format type='{format}'/>\n  </source>\n",
            esc(host),
            esc(&e)
        ));
    }
    x.push_str("</sources>\n");
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(t: &str, spec: Option<&str>) -> ConnectFindStoragePoolSourcesArgs {
        ConnectFindStoragePoolSourcesArgs {
            pool_type: t.into(),
            src_spec: spec.map(str::to_owned),
            flags: 0,
        }
    }

    #[test]
    fn errors_as_libvirts() {
        let msg = |r: Result<String>| match r {
            Err(e) => oxvirt_proto::ToVirError::to_vir_error(&e).message,
            Ok(x) => x,
        };
        assert_eq!(
            msg(find(&args("dir", None))),
            "this function is not supported by the connection driver: pool type 'dir' does not support source discovery"
        );
        assert_eq!(
            msg(find(&args("bogus", None))),
            "internal error: unknown storage pool type bogus"
        );
        assert_eq!(
            msg(find(&args("netfs", None))),
            "invalid argument: hostname must be specified for netfs sources"
        );
        assert_eq!(
            msg(find(&args(
                "netfs",
                Some("<source><host name='nas.invalid'/></source>")
            ))),
            "operation failed: no storage pools were found on host 'nas.invalid'"
        );
    }
}
