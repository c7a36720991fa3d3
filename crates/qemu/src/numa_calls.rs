//! `virsh numatune` (DOMAIN_GET_NUMA_PARAMETERS, DOMAIN_SET_NUMA_PARAMETERS) as libvirt 9.0's
//! QEMU driver answers it: the memory's `<numatune>` mode and host nodes in the persistent
//! definition, and for a running domain the nodes its memory may use (the `cpuset.mems` of its
//! cgroups), with libvirt's checks in libvirt's order.

use std::sync::Arc;

use oxvirt_conf::domain::{format_cpuset, parse_cpuset, Domain, Numatune};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::remote::TYPED_PARAM_STRING_OKAY;
use oxvirt_proto::tune_api::DomainGetParametersRet;
use oxvirt_proto::types::{TypedParam, TypedParamValue as V};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{NonnullDomain, VirError};
use oxvirt_remote::Router;

use crate::metadata_calls::impact;
use crate::tuning_calls::{check_flags, counted, def_of, live_dir, not_mounted, param};
use crate::{QemuDriver, QemuError};

/// `virDomainNumatuneMemMode` in libvirt's numbering.
const MODES: [&str; 4] = ["strict", "preferred", "interleave", "restrictive"];

fn vir(c: i32, dom: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, dom, msg))
}

/// The memory's mode (libvirt's number; strict when none is set) and node set.
fn memory_of(def: &Domain) -> (i32, Option<&[u32]>) {
    match def.numatune.as_ref().and_then(|n| n.memory.as_ref()) {
        Some((mode, nodes)) => (
            MODES.iter().position(|m| m == mode).unwrap_or(0) as i32,
            Some(nodes.as_slice()),
        ),
        None => (0, None),
    }
}

fn get_numa(
    d: &QemuDriver,
    dom: &NonnullDomain,
    nparams: i32,
    flags: u32,
) -> Result<DomainGetParametersRet, QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY,
        "qemuDomainGetNumaParameters",
    )?;
    if flags & AFFECT_LIVE != 0 && flags & AFFECT_CONFIG != 0 {
        // libvirt's text has no "invalid argument" prefix here
        return Err(QemuError::Vir(VirError::plain(
            code::INVALID_ARG,
            domain::DOMAIN,
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive",
        )));
    }
    let (def, _) = def_of(d, dom, flags)?;
    if nparams == 0 {
        return Ok(counted(vec![param("", V::Int(0)); 2], 0));
    }
    let (mode, nodes) = memory_of(&def);
    let mut params = vec![param("numa_mode", V::Int(mode))];
    if flags & TYPED_PARAM_STRING_OKAY != 0 {
        let text = nodes.map(format_cpuset).unwrap_or_default();
        params.push(param("numa_nodeset", V::String(text)));
    }
    Ok(counted(params, nparams))
}

/// The parameters of a set, checked as `virTypedParamsValidate` and libvirt's loop do:
/// the mode and the node set given, if any.
fn parse_params(params: &[TypedParam]) -> Result<(Option<i32>, Option<Vec<u32>>), QemuError> {
    let (mut mode, mut nodes) = (None, None);
    for p in params {
        match (p.field.as_str(), &p.value) {
            ("numa_mode", V::Int(m)) => {
                if !(0..MODES.len() as i32).contains(m) {
                    return Err(vir(
                        code::INVALID_ARG,
                        domain::QEMU,
                        format!("unsupported numatune mode: '{m}'"),
                    ));
                }
                mode = Some(*m);
            }
            ("numa_nodeset", V::String(s)) => {
                let set = parse_cpuset(s).map_err(|_| {
                    vir(
                        code::INVALID_ARG,
                        domain::NONE,
                        format!("Failed to parse bitmap '{s}'"),
                    )
                })?;
                nodes = Some(set);
            }
            ("numa_mode", _) => return Err(bad_type(&p.field, "int")),
            ("numa_nodeset", _) => return Err(bad_type(&p.field, "string")),
            (f, _) => {
                return Err(vir(
                    code::ARGUMENT_UNSUPPORTED,
                    domain::NONE,
                    format!("parameter '{f}' not supported"),
                ))
            }
        }
    }
    Ok((mode, nodes))
}

fn bad_type(field: &str, want: &str) -> QemuError {
    vir(
        code::INVALID_ARG,
        domain::NONE,
        format!("invalid type for parameter '{field}', expected '{want}'"),
    )
}

/// `virDomainNumatuneSet` for the memory with static placement: a mode without a node set
/// needs one already there; a strict mode with none is nothing to record.
fn apply(def: &mut Domain, mode: Option<i32>, nodes: Option<Vec<u32>>) -> Result<(), QemuError> {
    let cur = def.numatune.as_ref().and_then(|n| n.memory.clone());
    let nodes = match (nodes, cur.as_ref()) {
        (Some(n), _) => n,
        (None, Some((_, n))) => n.clone(),
        (None, None) => {
            if mode.unwrap_or(0) == 0 {
                return Ok(());
            }
            return Err(vir(
                code::CONFIG_UNSUPPORTED,
                domain::DOMAIN,
                "nodeset for NUMA memory tuning must be set if 'placement' is 'static'",
            ));
        }
    };
    let mode = match (mode, cur) {
        (Some(m), _) => MODES[m as usize].to_string(),
        (None, Some((m, _))) => m,
        (None, None) => MODES[0].to_string(),
    };
    def.numatune_auto = false;
    def.numatune.get_or_insert_with(Numatune::default).memory = Some((mode, nodes));
    Ok(())
}

/// The host's NUMA nodes (`/sys/devices/system/node/online`; node 0 where it cannot be read).
fn host_nodes() -> Vec<u32> {
    std::fs::read_to_string("/sys/devices/system/node/online")
        .ok()
        .and_then(|s| parse_cpuset(s.trim()).ok())
        .unwrap_or_else(|| vec![0])
}

/// libvirt's `virNumaNodesetIsAvailable`: every node of `nodes` is one of the host's.
pub(crate) fn check_available(nodes: &[u32]) -> Result<(), QemuError> {
    let host = host_nodes();
    match nodes.iter().find(|n| !host.contains(n)) {
        Some(n) => Err(vir(
            code::CONFIG_UNSUPPORTED,
            domain::NONE,
            format!("NUMA node {n} is unavailable"),
        )),
        None => Ok(()),
    }
}

/// The node set on a running domain: libvirt's mode check, the nodes' existence, then
/// `cpuset.mems` of the VM's groups (the VM's own first, so its children may narrow it).
fn set_live_nodes(d: &QemuDriver, def: &Domain, nodes: &[u32]) -> Result<(), QemuError> {
    if let Some((mode, _)) = def.numatune.as_ref().and_then(|n| n.memory.as_ref()) {
        if mode != "strict" && mode != "restrictive" {
            return Err(vir(
                code::OPERATION_INVALID,
                domain::QEMU,
                "change of nodeset for running domain requires restrictive numa mode",
            ));
        }
    }
    check_available(nodes)?;
    let dir = live_dir(d, def, "cpuset").ok_or_else(|| not_mounted("cpuset"))?;
    crate::cgroup::write_mems(&dir, def, nodes).map_err(|e| QemuError::Io {
        what: format!("cannot set cpuset.mems of {}", dir.display()),
        source: e,
    })
}

async fn set_numa(
    d: &Arc<QemuDriver>,
    dom: NonnullDomain,
    params: Vec<TypedParam>,
    flags: u32,
) -> Result<(), QemuError> {
    check_flags(
        flags,
        AFFECT_LIVE | AFFECT_CONFIG,
        "qemuDomainSetNumaParameters",
    )?;
    let (mode, nodes) = parse_params(&params)?;
    let v = d.view(&dom)?;
    let (live, config) = impact(&v, flags)?;
    if let (true, Some(vm)) = (live, v.vm()) {
        let mut def = vm.def();
        if !d.privileged {
            return Err(vir(
                code::OPERATION_UNSUPPORTED,
                domain::QEMU,
                "NUMA tuning is not available in session mode",
            ));
        }
        let (cur_mode, cur_nodes) = memory_of(&def);
        if let (Some(m), Some(_)) = (mode, cur_nodes) {
            if m != cur_mode {
                return Err(vir(
                    code::OPERATION_INVALID,
                    domain::QEMU,
                    "can't change numatune mode for running domain",
                ));
            }
        }
        if let Some(n) = &nodes {
            set_live_nodes(d, &def, n)?;
        }
        apply(&mut def, mode, nodes.clone())?;
        crate::setter_calls::save_live(d, vm, def).await?;
    }
    if let (true, Some(e)) = (config, v.entry()) {
        let mut def = e.domain()?;
        apply(&mut def, mode, nodes)?;
        crate::setter_calls::save_config(d, def).await?;
    }
    Ok(())
}

/// Register the NUMA calls.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add_sync(calls::DomainGetNumaParameters, |d, a, _| {
        get_numa(d, &a.dom, a.nparams, a.flags)
    });
    r.add(calls::DomainSetNumaParameters, |d, a, _| async move {
        set_numa(&d, a.dom, a.params, a.flags).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_proto::ToVirError;

    fn def() -> Domain {
        oxvirt_conf::domain::parse_live(
            "<domain type='qemu'><name>t</name><memory>131072</memory>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os></domain>",
        )
        .expect("domain XML")
    }

    fn p(field: &str, value: V) -> TypedParam {
        param(field, value)
    }

    #[test]
    fn params_are_checked_as_libvirt() {
        let e = |ps: &[TypedParam]| parse_params(ps).unwrap_err().to_vir_error();
        let v = e(&[p("numa_mode", V::Int(9))]);
        assert_eq!(
            (v.code, v.domain, v.message.as_str()),
            (
                code::INVALID_ARG,
                domain::QEMU,
                "invalid argument: unsupported numatune mode: '9'"
            )
        );
        let v = e(&[p("numa_nodeset", V::String("x".into()))]);
        assert_eq!(v.message, "invalid argument: Failed to parse bitmap 'x'");
        assert_eq!(v.domain, domain::NONE);
        assert_eq!(e(&[p("foo", V::Int(1))]).code, code::ARGUMENT_UNSUPPORTED);
        assert_eq!(
            parse_params(&[
                p("numa_mode", V::Int(2)),
                p("numa_nodeset", V::String("0-2,^1".into()))
            ])
            .unwrap(),
            (Some(2), Some(vec![0, 2]))
        );
    }

    #[test]
    fn a_mode_needs_a_nodeset_and_strict_alone_is_nothing() {
        let mut d = def();
        apply(&mut d, Some(0), None).unwrap();
        assert_eq!(d.numatune, None);
        let v = apply(&mut d, Some(2), None).unwrap_err().to_vir_error();
        assert_eq!(
            v.message,
            "unsupported configuration: nodeset for NUMA memory tuning must be set if 'placement' is 'static'"
        );
        apply(&mut d, None, Some(vec![0])).unwrap();
        assert_eq!(memory_of(&d), (0, Some(&[0u32][..])));
        apply(&mut d, Some(1), None).unwrap();
        assert_eq!(memory_of(&d), (1, Some(&[0u32][..])));
        apply(&mut d, None, Some(vec![5])).unwrap();
        assert_eq!(memory_of(&d), (1, Some(&[5u32][..])));
    }
}
