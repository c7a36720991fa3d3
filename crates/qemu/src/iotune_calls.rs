//! `virsh blkdeviotune` (DOMAIN_SET_BLOCK_IO_TUNE, DOMAIN_GET_BLOCK_IO_TUNE): a disk's I/O
//! throttling in its `<iotune>`, on the live definition (given to QEMU by the shim,
//! `block_set_io_throttle`), the persistent one, or both, merged as libvirt 9.0 merges them
//! (a total clears the read and write limits of its group and the reverse; what is not given
//! stays).

use std::sync::Arc;

use oxvirt_conf::domain::{parse_status, Disk, Domain, FormatOptions, DISK_IOTUNE};
use oxvirt_proto::block_api::{DomainGetBlockIoTuneArgs, DomainSetBlockIoTuneArgs};
use oxvirt_proto::calls;
use oxvirt_proto::flags::domain_affect::{CONFIG as AFFECT_CONFIG, LIVE as AFFECT_LIVE};
use oxvirt_proto::flags::typed_param::STRING_OKAY;
use oxvirt_proto::remote::TypedParamsRet;
use oxvirt_proto::shim as sp;
use oxvirt_proto::types::{TypedParam, TypedParamValue};
use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::VirError;
use oxvirt_remote::Router;

use crate::metadata_calls::impact;
use crate::setter_calls::save_config;
use crate::{QemuDriver, QemuError};

fn vir(c: i32, msg: impl Into<String>) -> QemuError {
    QemuError::Vir(VirError::new(c, domain::QEMU, msg))
}

/// The limits that come as a total and a read/write pair.
const GROUPS: &[[&str; 3]] = &[
    ["total_bytes_sec", "read_bytes_sec", "write_bytes_sec"],
    ["total_iops_sec", "read_iops_sec", "write_iops_sec"],
    [
        "total_bytes_sec_max",
        "read_bytes_sec_max",
        "write_bytes_sec_max",
    ],
    [
        "total_iops_sec_max",
        "read_iops_sec_max",
        "write_iops_sec_max",
    ],
    [
        "total_bytes_sec_max_length",
        "read_bytes_sec_max_length",
        "write_bytes_sec_max_length",
    ],
    [
        "total_iops_sec_max_length",
        "read_iops_sec_max_length",
        "write_iops_sec_max_length",
    ],
];

fn value<'a>(t: &'a [(&'static str, String)], k: &str) -> Option<&'a str> {
    t.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str())
}

/// `old` with the given parameters (checked: known names, their types).
fn merged(
    old: &[(&'static str, String)],
    params: &[TypedParam],
) -> Result<Vec<(&'static str, String)>, QemuError> {
    let mut given: Vec<(&'static str, String)> = Vec::new();
    for p in params {
        let Some(k) = DISK_IOTUNE.iter().find(|k| **k == p.field) else {
            return Err(vir(
                code::INVALID_ARG,
                format!("argument unsupported: parameter '{}'", p.field),
            ));
        };
        let v = match (&p.value, *k) {
            (TypedParamValue::String(s), "group_name") => s.clone(),
            (TypedParamValue::ULLong(n), k) if k != "group_name" => n.to_string(),
            _ => {
                return Err(vir(
                    code::INVALID_ARG,
                    format!("invalid type for parameter '{}'", p.field),
                ))
            }
        };
        given.retain(|(n, _)| n != k);
        given.push((k, v));
    }
    let mut out = Vec::new();
    for k in DISK_IOTUNE {
        let group = GROUPS.iter().find(|g| g.contains(k));
        let v = match value(&given, k) {
            Some(v) => Some(v.to_owned()),
            // a total given clears the pair, a pair member given clears the total
            None => {
                let cleared = group.is_some_and(|g| {
                    if *k == g[0] {
                        value(&given, g[1]).is_some() || value(&given, g[2]).is_some()
                    } else {
                        value(&given, g[0]).is_some()
                    }
                });
                (!cleared)
                    .then(|| value(old, k).map(str::to_owned))
                    .flatten()
            }
        };
        if let Some(v) = v.filter(|v| v != "0" && !v.is_empty()) {
            out.push((*k, v));
        }
    }
    for g in GROUPS {
        if value(&out, g[0]).is_some()
            && (value(&out, g[1]).is_some() || value(&out, g[2]).is_some())
        {
            let what = g[0].trim_start_matches("total_");
            return Err(vir(
                code::INVALID_ARG,
                format!("total and read/write of {what} cannot be set at the same time"),
            ));
        }
    }
    Ok(out)
}

fn disk_mut<'a>(def: &'a mut Domain, disk: &str) -> Result<&'a mut Disk, QemuError> {
    def.devices
        .disks
        .iter_mut()
        .find(|d| d.target_dev == disk || d.source.as_deref() == Some(disk))
        .ok_or_else(|| {
            vir(
                code::INVALID_ARG,
                format!("disk '{disk}' not found in domain"),
            )
        })
}

async fn set(d: &Arc<QemuDriver>, a: DomainSetBlockIoTuneArgs) -> Result<(), QemuError> {
    if a.flags & !(AFFECT_LIVE | AFFECT_CONFIG) != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuDomainSetBlockIoTune",
        });
    }
    let v = d.view(&a.dom)?;
    let (live, config) = impact(&v, a.flags)?;
    let mut persistent = match (config, v.entry()) {
        (true, Some(e)) => Some(e.domain()?),
        _ => None,
    };
    // both are checked before either changes
    let new_config = match &mut persistent {
        Some(def) => {
            let disk = disk_mut(def, &a.disk)?;
            Some(merged(&disk.iotune, &a.params)?)
        }
        None => None,
    };
    if let (true, Some(vm)) = (live, v.vm()) {
        let mut def = vm.def();
        let disk = disk_mut(&mut def, &a.disk)?;
        disk.iotune = merged(&disk.iotune, &a.params)?;
        let alias = disk
            .alias
            .clone()
            .ok_or_else(|| vir(code::OPERATION_INVALID, "the disk has no device alias"))?;
        let domain_xml = def.format_with(FormatOptions {
            inactive: false,
            secure: true,
            migratable: false,
        });
        let r = vm
            .call(
                sp::SetBlockIoTune,
                &sp::AttachDeviceArgs { domain_xml, alias },
                d.call_timeout,
            )
            .await?;
        let st = parse_status(&r.status_xml)?;
        vm.update_status(|s| *s = st);
    }
    if let (Some(mut def), Some(t)) = (persistent, new_config) {
        disk_mut(&mut def, &a.disk)?.iotune = t;
        save_config(d, def).await?;
    }
    Ok(())
}

fn get(d: &Arc<QemuDriver>, a: DomainGetBlockIoTuneArgs) -> Result<TypedParamsRet, QemuError> {
    if a.flags & !(AFFECT_LIVE | AFFECT_CONFIG | STRING_OKAY) != 0 {
        return Err(QemuError::UnsupportedFlags {
            flags: a.flags,
            func: "qemuDomainGetBlockIoTune",
        });
    }
    let strings = a.flags & STRING_OKAY != 0;
    let names: Vec<&str> = DISK_IOTUNE
        .iter()
        .copied()
        .filter(|k| strings || *k != "group_name")
        .collect();
    let v = d.view(&a.dom)?;
    let (live, _) = impact(&v, a.flags & (AFFECT_LIVE | AFFECT_CONFIG))?;
    if a.nparams == 0 {
        return Ok(TypedParamsRet {
            params: Vec::new(),
            nparams: names.len() as i32,
        });
    }
    let disk = a
        .disk
        .ok_or_else(|| vir(code::INVALID_ARG, "a disk is required"))?;
    let mut def = match (live, v.vm()) {
        (true, Some(vm)) => vm.def(),
        _ => v
            .entry()
            .ok_or_else(|| vir(code::OPERATION_INVALID, "domain has no persistent config"))?
            .domain()?,
    };
    let disk = disk_mut(&mut def, &disk)?;
    let mut t = disk.iotune.clone();
    // QEMU names a throttled device's group after it unless told: libvirt reports QEMU's name
    if live && !t.is_empty() && value(&t, "group_name").is_none() {
        if let Some(a) = &disk.alias {
            let qom = match disk.target_bus.as_deref() {
                Some("virtio") | None => format!("/machine/peripheral/{a}/virtio-backend"),
                _ => format!("/machine/peripheral/{a}"),
            };
            t.push(("group_name", qom));
        }
    }
    let params = names
        .iter()
        .take(usize::try_from(a.nparams).unwrap_or(0))
        .map(|k| TypedParam {
            field: (*k).to_owned(),
            value: if *k == "group_name" {
                TypedParamValue::String(value(&t, k).unwrap_or_default().to_owned())
            } else {
                TypedParamValue::ULLong(value(&t, k).and_then(|v| v.parse().ok()).unwrap_or(0))
            },
        })
        .collect::<Vec<_>>();
    let n = params.len() as i32;
    Ok(TypedParamsRet { params, nparams: n })
}

/// Register DOMAIN_SET_BLOCK_IO_TUNE and DOMAIN_GET_BLOCK_IO_TUNE.
pub(crate) fn register(r: &mut Router<QemuDriver>) {
    r.add(calls::DomainSetBlockIoTune, |d, a, _| async move {
        set(&d, a).await
    });
    r.add_sync(calls::DomainGetBlockIoTune, |d, a, _| get(d, a));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ull(k: &str, v: u64) -> TypedParam {
        TypedParam {
            field: k.into(),
            value: TypedParamValue::ULLong(v),
        }
    }

    #[test]
    fn a_total_clears_its_pair_and_the_rest_stays() {
        let old = vec![
            ("read_bytes_sec", "100".to_owned()),
            ("total_iops_sec", "5".to_owned()),
        ];
        let t = merged(&old, &[ull("total_bytes_sec", 1000)]).unwrap();
        assert_eq!(
            t,
            [
                ("total_bytes_sec", "1000".to_owned()),
                ("total_iops_sec", "5".to_owned())
            ]
        );
        let t = merged(&t, &[ull("read_iops_sec", 7), ull("total_bytes_sec", 0)]).unwrap();
        assert_eq!(t, [("read_iops_sec", "7".to_owned())]);
        let e = merged(&[], &[ull("total_bytes_sec", 1), ull("read_bytes_sec", 1)]);
        assert!(e.is_err());
        assert!(merged(&[], &[ull("bogus", 1)]).is_err());
    }
}
