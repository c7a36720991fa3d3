//! Bulk statistics (`virsh domstats`, CONNECT_GET_ALL_DOMAIN_STATS): one call for every domain.
//! The state group comes from the driver's own copy; the other groups from each running
//! domain's shim, asked concurrently, each with a deadline: a stalled VM delays only its own
//! record, which then carries what the driver knows without waiting.

use std::sync::Arc;
use std::time::Duration;

use oxvirt_proto::calls;
use oxvirt_proto::remote::{
    ConnectGetAllDomainStatsArgs, ConnectGetAllDomainStatsRet, DomainStatsRecord,
};
use oxvirt_proto::shim as sp;
use oxvirt_proto::{TypedParam, TypedParamValue};
use oxvirt_remote::Router;

use crate::domain_calls::View;
use oxvirt_proto::flags::domain_stats as group;
// the list filters (as CONNECT_LIST_ALL_DOMAINS' first 8 bits), NOWAIT, BACKING, ENFORCE_STATS
use oxvirt_proto::flags::get_all_domain_stats::{BACKING, ENFORCE_STATS, FILTERS, NOWAIT};

use crate::{QemuDriver, QemuError};

/// The groups oxvirt gathers.
const SUPPORTED: u32 = group::STATE
    | group::CPU_TOTAL
    | group::BALLOON
    | group::VCPU
    | group::INTERFACE
    | group::BLOCK;

/// How long a record waits for its shim (`NOWAIT`: hardly at all).
const SHIM_DEADLINE: Duration = Duration::from_secs(2);
const SHIM_DEADLINE_NOWAIT: Duration = Duration::from_millis(50);

/// Register CONNECT_GET_ALL_DOMAIN_STATS.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::ConnectGetAllDomainStats, |d, a, _| async move {
        all_domain_stats(&d, a).await
    });
}

async fn all_domain_stats(
    d: &Arc<QemuDriver>,
    a: ConnectGetAllDomainStatsArgs,
) -> Result<ConnectGetAllDomainStatsRet, QemuError> {
    if a.flags & !(FILTERS | NOWAIT | BACKING | ENFORCE_STATS) != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuConnectGetAllDomainStats",
        });
    }
    if a.flags & ENFORCE_STATS != 0 && a.stats & !SUPPORTED != 0 {
        return Err(QemuError::Vir(oxvirt_proto::VirError::new(
            oxvirt_proto::vir_error::code::OPERATION_UNSUPPORTED,
            oxvirt_proto::vir_error::domain::DOMAIN,
            format!(
                "Stats types bits 0x{:x} are not supported by this daemon",
                a.stats & !SUPPORTED
            ),
        )));
    }
    let groups = if a.stats == 0 {
        SUPPORTED
    } else {
        a.stats & SUPPORTED
    };
    let views: Vec<View> = if a.doms.is_empty() {
        d.all_views()?
            .into_iter()
            .filter(|v| crate::domain_calls::matches_filter(d, v, a.flags & FILTERS))
            .collect()
    } else {
        a.doms
            .iter()
            .map(|h| d.view(h))
            .collect::<Result<Vec<_>, _>>()?
    };
    let deadline = if a.flags & NOWAIT != 0 {
        SHIM_DEADLINE_NOWAIT
    } else {
        SHIM_DEADLINE
    };
    let tasks: Vec<_> = views
        .into_iter()
        .map(|v| {
            let d = d.clone();
            tokio::spawn(async move { record(&d, &v, groups, deadline).await })
        })
        .collect();
    let mut ret_stats = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(r) = t.await {
            ret_stats.push(r);
        }
    }
    Ok(ConnectGetAllDomainStatsRet { ret_stats })
}

async fn record(d: &QemuDriver, v: &View, groups: u32, deadline: Duration) -> DomainStatsRecord {
    let mut params = Vec::new();
    if groups & group::STATE != 0 {
        let (s, r) = v.state(&d.running);
        params.push(TypedParam {
            field: "state.state".into(),
            value: TypedParamValue::Int(s),
        });
        params.push(TypedParam {
            field: "state.reason".into(),
            value: TypedParamValue::Int(r),
        });
    }
    let rest = groups & !group::STATE;
    if let (Some(vm), true) = (v.vm(), rest != 0) {
        if let Ok(r) = vm
            .call(sp::Stats, &sp::StatsArgs { groups: rest }, deadline)
            .await
        {
            params.extend(r.params);
        }
    }
    DomainStatsRecord {
        dom: v.handle(),
        params,
    }
}
