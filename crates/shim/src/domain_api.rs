//! A running VM's small QMP calls for the driver's domain API: NMI injection, key presses and
//! the balloon's statistics (`virsh inject-nmi`, `send-key`, `dommemstat`).

use oxvirt_proto::domain_api::{memory_stat as tag, DomainMemoryStat};
use oxvirt_proto::shim as sp;
use serde_json::{json, Value};

use crate::stats::QMP_STATS_TIMEOUT;
use crate::{Shim, ShimError};
use oxvirt_sync::MutexExt;

/// The balloon's `guest-stats` fields in libvirt's order: QEMU's name, libvirt's tag, and the
/// divisor to libvirt's unit (KiB for sizes). `last-update` sits between `usable` and the
/// disk caches, as libvirt lists them.
const GUEST_STATS: &[(&str, i32, u64)] = &[
    ("stat-swap-in", tag::SWAP_IN, 1024),
    ("stat-swap-out", tag::SWAP_OUT, 1024),
    ("stat-major-faults", tag::MAJOR_FAULT, 1),
    ("stat-minor-faults", tag::MINOR_FAULT, 1),
    ("stat-free-memory", tag::UNUSED, 1024),
    ("stat-total-memory", tag::AVAILABLE, 1024),
    ("stat-available-memory", tag::USABLE, 1024),
    ("last-update", tag::LAST_UPDATE, 1),
    ("stat-disk-caches", tag::DISK_CACHES, 1024),
    ("stat-htlb-pgalloc", tag::HUGETLB_PGALLOC, 1),
    ("stat-htlb-pgfail", tag::HUGETLB_PGFAIL, 1),
];

/// The statistics of a `guest-stats` answer, in libvirt's order; QEMU's -1 (not reported by
/// the guest) is left out, `last-update` always kept.
pub(crate) fn guest_stats(v: &Value) -> Vec<DomainMemoryStat> {
    let stats = v.get("stats");
    GUEST_STATS
        .iter()
        .filter_map(|&(name, tag, div)| {
            let raw = if name == "last-update" {
                v.get(name)
            } else {
                stats.and_then(|s| s.get(name))
            };
            let val = raw.and_then(Value::as_i64).filter(|&x| x >= 0)?;
            Some(DomainMemoryStat {
                tag,
                val: val as u64 / div,
            })
        })
        .collect()
}

/// libvirt's metadata types: `VIR_DOMAIN_METADATA_DESCRIPTION`, `_TITLE`, `_ELEMENT`.
const METADATA_DESCRIPTION: i32 = 0;
const METADATA_TITLE: i32 = 1;
const METADATA_ELEMENT: i32 = 2;

impl Shim {
    /// Set or remove the live definition's description, title or metadata element, and write
    /// the status file.
    pub async fn set_metadata(&self, a: sp::SetMetadataArgs) -> Result<(), ShimError> {
        let _job = self.begin_job("set metadata").await?;
        self.require_active()?;
        let doc = {
            let mut g = self.rt.locked();
            let Some(rt) = g.as_mut() else {
                return Err(ShimError::OperationInvalid("domain is not running".into()));
            };
            let dom = &mut rt.status.domain;
            match a.type_ {
                METADATA_DESCRIPTION => dom.description = a.value,
                METADATA_TITLE => dom.title = a.value,
                METADATA_ELEMENT => dom
                    .set_metadata_element(
                        a.value.as_deref(),
                        a.key.as_deref(),
                        a.uri.as_deref().unwrap_or_default(),
                    )
                    .map_err(|e| ShimError::InvalidArg(e.to_string()))?,
                t => {
                    return Err(ShimError::InvalidArg(format!(
                        "unknown metadata type '{t}'"
                    )))
                }
            }
            rt.status.format()
        };
        self.write_status(&doc);
        Ok(())
    }

    /// QMP `inject-nmi`.
    pub async fn inject_nmi(&self, flags: u32) -> Result<(), ShimError> {
        if flags != 0 {
            return Err(ShimError::InvalidArg(format!(
                "unsupported flags (0x{flags:x}) in function qemuDomainInjectNMI"
            )));
        }
        let _job = self.begin_job("inject-nmi").await?;
        self.require_active()?;
        self.qmp()?.execute("inject-nmi", None).await?;
        Ok(())
    }

    /// QMP `send-key` with QEMU's key numbers.
    pub async fn send_key(&self, a: sp::SendKeyArgs) -> Result<(), ShimError> {
        let _job = self.begin_job("send-key").await?;
        self.require_active()?;
        let keys: Vec<Value> = a
            .qnums
            .iter()
            .map(|k| json!({"type": "number", "data": k}))
            .collect();
        let mut args = json!({ "keys": keys });
        if a.holdtime != 0 {
            args["hold-time"] = json!(a.holdtime);
        }
        self.qmp()?.execute("send-key", Some(args)).await?;
        Ok(())
    }

    /// The balloon's size (`query-balloon`) and the guest's statistics (`guest-stats` of the
    /// balloon device), in libvirt's order and units. No balloon: no statistics.
    pub async fn memory_stats(&self) -> Result<sp::MemoryStatsRet, ShimError> {
        self.require_active()?;
        let st = self.status()?;
        let Some(b) = st
            .domain
            .devices
            .memballoon
            .as_ref()
            .filter(|b| b.model != "none")
        else {
            return Ok(sp::MemoryStatsRet { stats: Vec::new() });
        };
        let q = self.qmp()?;
        let mut stats = Vec::new();
        let actual = q
            .execute_with_timeout("query-balloon", None, QMP_STATS_TIMEOUT)
            .await?;
        if let Some(bytes) = actual.get("actual").and_then(Value::as_u64) {
            stats.push(DomainMemoryStat {
                tag: tag::ACTUAL_BALLOON,
                val: bytes / 1024,
            });
        }
        let path = format!(
            "/machine/peripheral/{}",
            b.alias.as_deref().unwrap_or("balloon0")
        );
        if let Ok(v) = q
            .execute_with_timeout(
                "qom-get",
                Some(json!({"path": path, "property": "guest-stats"})),
                QMP_STATS_TIMEOUT,
            )
            .await
        {
            stats.extend(guest_stats(&v));
        }
        Ok(sp::MemoryStatsRet { stats })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_stats_in_libvirt_order_and_units() {
        let none = json!({"stats": {"stat-swap-in": -1, "stat-free-memory": -1}, "last-update": 0});
        assert_eq!(
            guest_stats(&none),
            vec![DomainMemoryStat {
                tag: tag::LAST_UPDATE,
                val: 0
            }]
        );
        let some = json!({"stats": {"stat-swap-in": 0, "stat-minor-faults": 1016,
            "stat-free-memory": 198455296_i64, "stat-disk-caches": 2744320}, "last-update": 17});
        let got: Vec<(i32, u64)> = guest_stats(&some).iter().map(|s| (s.tag, s.val)).collect();
        assert_eq!(
            got,
            vec![
                (tag::SWAP_IN, 0),
                (tag::MINOR_FAULT, 1016),
                (tag::UNUSED, 193804),
                (tag::LAST_UPDATE, 17),
                (tag::DISK_CACHES, 2680)
            ]
        );
    }
}
