//! `virsh domstats` groups as one VM's shim gathers them: CPU time from `/proc`, balloon and
//! vCPU counts from the live definition, per-vCPU times from QEMU's vCPU threads, block I/O
//! from QMP. A QEMU that does not answer within [`QMP_STATS_TIMEOUT`] only loses the groups
//! that need it.

use std::time::Duration;

use oxvirt_conf::domain::DomainStatus;
use oxvirt_proto::{TypedParam, TypedParamValue};
use serde_json::Value;

use super::process;
use oxvirt_qmp::QmpClient;

pub(crate) use oxvirt_proto::shim::group;

/// How long a statistics query waits for QEMU.
pub(crate) const QMP_STATS_TIMEOUT: Duration = Duration::from_millis(500);

fn p(field: impl Into<String>, value: TypedParamValue) -> TypedParam {
    TypedParam {
        field: field.into(),
        value,
    }
}

fn ull(field: impl Into<String>, v: u64) -> TypedParam {
    p(field, TypedParamValue::ULLong(v))
}

/// The parameters of the asked groups (the state group is the driver's).
pub(crate) async fn gather(
    st: &DomainStatus,
    qmp: Option<&QmpClient>,
    groups: u32,
) -> Vec<TypedParam> {
    let mut out = Vec::new();
    let dom = &st.domain;
    if groups & group::CPU_TOTAL != 0 {
        if let Some((user, system)) = process::cpu_times_ns(st.qemu_pid) {
            out.push(ull("cpu.time", user + system));
            out.push(ull("cpu.user", user));
            out.push(ull("cpu.system", system));
        }
    }
    if groups & group::BALLOON != 0 {
        out.push(ull(
            "balloon.current",
            dom.current_memory_kib.unwrap_or(dom.memory_kib),
        ));
        out.push(ull("balloon.maximum", dom.memory_kib));
    }
    if groups & group::VCPU != 0 {
        let current = dom.vcpu.current.unwrap_or(dom.vcpu.count);
        out.push(p("vcpu.current", TypedParamValue::UInt(current)));
        out.push(p("vcpu.maximum", TypedParamValue::UInt(dom.vcpu.count)));
        if let Some(q) = qmp {
            if let Ok(v) = q
                .execute_with_timeout("query-cpus-fast", None, QMP_STATS_TIMEOUT)
                .await
            {
                for cpu in v.as_array().into_iter().flatten() {
                    let (Some(idx), Some(tid)) = (
                        cpu.get("cpu-index").and_then(Value::as_u64),
                        cpu.get("thread-id").and_then(Value::as_i64),
                    ) else {
                        continue;
                    };
                    out.push(p(format!("vcpu.{idx}.state"), TypedParamValue::Int(1)));
                    if let Some((u, s)) = process::thread_cpu_times_ns(st.qemu_pid, tid as i32) {
                        out.push(ull(format!("vcpu.{idx}.time"), u + s));
                    }
                }
            }
        }
    }
    if groups & group::INTERFACE != 0 {
        // user-mode NICs have no host device to count traffic on (libvirt reports them
        // without counters too)
        out.push(p(
            "net.count",
            TypedParamValue::UInt(dom.devices.interfaces.len() as u32),
        ));
        for (i, n) in dom.devices.interfaces.iter().enumerate() {
            let mac = oxvirt_conf::domain::mac_string(&n.mac);
            out.push(p(
                format!("net.{i}.name"),
                TypedParamValue::String(n.target_dev.clone().unwrap_or(mac)),
            ));
        }
    }
    if groups & group::BLOCK != 0 {
        block(dom, qmp, &mut out).await;
    }
    out
}

async fn block(
    dom: &oxvirt_conf::domain::Domain,
    qmp: Option<&QmpClient>,
    out: &mut Vec<TypedParam>,
) {
    let disks = &dom.devices.disks;
    out.push(p("block.count", TypedParamValue::UInt(disks.len() as u32)));
    // the node each device reads from now (a pivot or a commit changes it)
    let roots: Vec<(String, String)> = match qmp {
        Some(q) => q
            .execute_with_timeout("query-block", None, QMP_STATS_TIMEOUT)
            .await
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|b| {
                Some((
                    b.get("qdev")?.as_str()?.to_owned(),
                    b.pointer("/inserted/node-name")?.as_str()?.to_owned(),
                ))
            })
            .collect(),
        None => Vec::new(),
    };
    let (stats, nodes) = match qmp {
        Some(q) => (
            q.execute_with_timeout(
                "query-blockstats",
                Some(serde_json::json!({"query-nodes": true})),
                QMP_STATS_TIMEOUT,
            )
            .await
            .ok(),
            q.execute_with_timeout(
                "query-named-block-nodes",
                Some(serde_json::json!({"flat": true})),
                QMP_STATS_TIMEOUT,
            )
            .await
            .ok(),
        ),
        None => (None, None),
    };
    let find = |list: &Option<Value>, node: &str| -> Option<Value> {
        list.as_ref()?
            .as_array()?
            .iter()
            .find(|e| e.get("node-name").and_then(Value::as_str) == Some(node))
            .cloned()
    };
    for (i, d) in disks.iter().enumerate() {
        out.push(p(
            format!("block.{i}.name"),
            TypedParamValue::String(d.target_dev.clone()),
        ));
        if let Some(src) = &d.source {
            out.push(p(
                format!("block.{i}.path"),
                TypedParamValue::String(src.clone()),
            ));
        } else {
            continue;
        }
        let fmt_node = d
            .alias
            .as_deref()
            .and_then(|a| {
                roots
                    .iter()
                    .find(|(q, _)| crate::block_jobs::is_device(q, a))
            })
            .map_or_else(|| format!("libvirt-{}-format", i + 1), |(_, n)| n.clone());
        if let Some(s) = find(&stats, &fmt_node).and_then(|e| e.get("stats").cloned()) {
            for (name, key) in [
                ("rd.reqs", "rd_operations"),
                ("rd.bytes", "rd_bytes"),
                ("rd.times", "rd_total_time_ns"),
                ("wr.reqs", "wr_operations"),
                ("wr.bytes", "wr_bytes"),
                ("wr.times", "wr_total_time_ns"),
                ("fl.reqs", "flush_operations"),
                ("fl.times", "flush_total_time_ns"),
            ] {
                if let Some(v) = s.get(key).and_then(Value::as_u64) {
                    out.push(ull(format!("block.{i}.{name}"), v));
                }
            }
        }
        if let Some(img) = find(&nodes, &fmt_node).and_then(|e| e.get("image").cloned()) {
            if let Some(a) = img.get("actual-size").and_then(Value::as_u64) {
                out.push(ull(format!("block.{i}.allocation"), a));
            }
            if let Some(c) = img.get("virtual-size").and_then(Value::as_u64) {
                out.push(ull(format!("block.{i}.capacity"), c));
            }
        }
        if let Ok(m) = std::fs::metadata(d.source.as_deref().unwrap_or_default()) {
            out.push(ull(format!("block.{i}.physical"), m.len()));
        }
    }
}
