//! Probing a QEMU binary over QMP for what the driver needs to know about it (machine types,
//! CPU models, devices, KVM), and a per-binary cache so the probe runs once per binary, not
//! on every start: the cache entry is keyed by the binary's path, size, mtime and ctime, so
//! an upgraded QEMU is probed again.
//!
//! QEMU is started as libvirt does for probing: `-machine none`, no defaults, paused, QMP on
//! a private socket; everything it answers is untrusted and validated.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use oxvirt_qmp::{QmpClient, QmpConfig, QmpError};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: String,
        source: std::io::Error,
    },
    #[error("{binary} did not open its QMP socket: {detail}")]
    NoMonitor { binary: String, detail: String },
    #[error("probing {binary} failed: {source}")]
    Qmp { binary: String, source: QmpError },
    #[error("{binary} answered {command} with something unexpected")]
    BadAnswer {
        binary: String,
        command: &'static str,
    },
    #[error("cannot read {path}: {source}")]
    Stat {
        path: String,
        source: std::io::Error,
    },
}

/// A machine type as QEMU lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    /// e.g. `q35` for `pc-q35-7.2`.
    pub alias: Option<String>,
    pub is_default: bool,
    pub cpu_max: u32,
    pub deprecated: bool,
    /// The CPU model used when a domain names none (QEMU's `default-cpu-type` without its
    /// `-x86_64-cpu` suffix), if QEMU says.
    pub default_cpu: Option<String>,
}

/// A CPU model as QEMU lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuModel {
    pub name: String,
    /// Features that keep the model from running on this host/accelerator.
    pub unavailable_features: Vec<String>,
    pub deprecated: bool,
}

/// What the probe learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbedQemu {
    pub binary: PathBuf,
    /// libvirt's encoding: major × 1 000 000 + minor × 1 000 + micro.
    pub version: u64,
    pub package: String,
    /// QEMU's target architecture (`x86_64`).
    pub arch: String,
    pub machines: Vec<Machine>,
    pub cpu_models: Vec<CpuModel>,
    /// Device type names (`qom-list-types implements=device abstract=false`).
    pub devices: Vec<String>,
    pub kvm_present: bool,
    /// CPU models as TCG runs them (the same as `cpu_models` when KVM is not present).
    pub tcg_cpu_models: Vec<CpuModel>,
    /// QMP commands (`query-commands`), sorted.
    pub commands: Vec<String>,
    /// TPM front-end models (`query-tpm-models`), e.g. `tpm-tis`.
    pub tpm_models: Vec<String>,
    /// TPM back-end types (`query-tpm-types`), e.g. `emulator`.
    pub tpm_types: Vec<String>,
    /// CPU properties (QEMU's feature names) that are on in KVM's `host` CPU
    /// (`query-cpu-model-expansion` full); empty without KVM.
    pub kvm_host_props: Vec<String>,
    /// CPU properties that are on in TCG's `max` CPU.
    pub tcg_max_props: Vec<String>,
    /// TCG's `max` CPU's vendor (`AuthenticAMD`) and family and model, if QEMU says.
    pub tcg_max_vendor: Option<String>,
    pub tcg_max_signature: Option<(u32, u32, u32)>,
    /// TCG's static expansion of each CPU model libvirt knows (the models' definitions, from
    /// which `cpu_models` computes libvirt's).
    pub tcg_model_defs: Vec<CpuDefinition>,
}

/// A CPU model as `query-cpu-model-expansion` gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuDefinition {
    pub name: String,
    /// The boolean properties that are on, sorted.
    pub props: Vec<String>,
    pub vendor: Option<String>,
    /// `family`, `model` and `stepping`.
    pub signature: Option<(u32, u32, u32)>,
}

impl ProbedQemu {
    /// The canonical machine name for a name or alias (`q35` → `pc-q35-7.2`).
    pub fn canonical_machine(&self, name: &str) -> Option<&Machine> {
        self.machines
            .iter()
            .find(|m| m.alias.as_deref() == Some(name))
            .or_else(|| self.machines.iter().find(|m| m.name == name))
    }

    pub fn has_device(&self, name: &str) -> bool {
        self.devices.iter().any(|d| d == name)
    }

    pub fn has_command(&self, name: &str) -> bool {
        self.commands.iter().any(|c| c == name)
    }

    /// The default machine type (QEMU's `is-default`), else the first one.
    pub fn default_machine(&self) -> Option<&Machine> {
        self.machines
            .iter()
            .find(|m| m.is_default)
            .or_else(|| self.machines.iter().find(|m| m.name != "none"))
    }

    /// The facts the domain XML defaults depend on, for `oxvirt_conf::domain::post_parse`.
    pub fn conf_caps(&self) -> oxvirt_conf::domain::QemuCaps {
        let default_cpu = self
            .machines
            .iter()
            .find(|m| m.is_default)
            .and_then(|m| m.default_cpu.clone())
            .unwrap_or_else(|| "qemu64".to_owned());
        oxvirt_conf::domain::QemuCaps {
            emulator: self.binary.display().to_string(),
            arch: self.arch.clone(),
            machines: self
                .machines
                .iter()
                .map(|m| oxvirt_conf::domain::MachineType {
                    name: m.name.clone(),
                    alias: m.alias.clone(),
                    default: m.is_default,
                    max_cpus: m.cpu_max,
                })
                .collect(),
            default_cpu_model: default_cpu,
            nvram_dir: "/var/lib/libvirt/qemu/nvram".into(),
        }
    }
}

/// Longest any single probe command may take.
const PROBE_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Start `binary` paused with `-machine none` and ask it over QMP. `scratch` is a private
/// directory for the monitor socket.
pub async fn probe(binary: &Path, scratch: &Path) -> Result<ProbedQemu, ProbeError> {
    let mut p = match session(binary, scratch, "kvm:tcg", false).await? {
        Answer::Full(p) => *p,
        Answer::Cpus(..) => return Err(bad_answer(binary, "query-cpu-definitions")),
    };
    if p.kvm_present {
        // a second QEMU with TCG tells which CPU models TCG can run
        // (a QEMU that cannot run TCG, e.g. without its accelerator module, keeps KVM's
        // answer: the TCG view is only used for domain capabilities of type 'qemu')
        match session(binary, scratch, "tcg", true).await {
            Ok(Answer::Cpus(c)) => {
                p.tcg_cpu_models = c.models;
                p.tcg_max_props = c.max.props;
                p.tcg_max_vendor = c.max.vendor;
                p.tcg_max_signature = c.max.signature;
                p.tcg_model_defs = c.model_defs;
            }
            Ok(Answer::Full(_)) => return Err(bad_answer(binary, "query-cpu-definitions")),
            Err(e) => {
                tracing::warn!("{e}");
                p.tcg_cpu_models = p.cpu_models.clone();
            }
        }
    } else {
        p.tcg_cpu_models = p.cpu_models.clone();
        p.tcg_max_props = std::mem::take(&mut p.kvm_host_props);
    }
    Ok(p)
}

fn bad_answer(binary: &Path, command: &'static str) -> ProbeError {
    ProbeError::BadAnswer {
        binary: binary.display().to_string(),
        command,
    }
}

enum Answer {
    Full(Box<ProbedQemu>),
    /// What a TCG QEMU says of its CPUs.
    Cpus(TcgCpus),
}

/// CPU models, the `max` CPU (properties on, vendor) and the models' static expansions.
struct TcgCpus {
    models: Vec<CpuModel>,
    max: CpuDefinition,
    model_defs: Vec<CpuDefinition>,
}

/// One QEMU process: everything (`cpus_only` false) or just its CPU models.
async fn session(
    binary: &Path,
    scratch: &Path,
    accel: &str,
    cpus_only: bool,
) -> Result<Answer, ProbeError> {
    let b = binary.display().to_string();
    let sock = scratch.join(format!("probe-{}.qmp", std::process::id()));
    let _ = std::fs::remove_file(&sock);
    let mut child = tokio::process::Command::new(binary)
        .args([
            "-S",
            "-no-user-config",
            "-nodefaults",
            "-nographic",
            "-display",
            "none",
        ])
        .arg("-machine")
        .arg(format!("none,accel={accel}"))
        .arg("-qmp")
        .arg(format!("unix:{},server=on,wait=off", sock.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ProbeError::Spawn {
            binary: b.clone(),
            source,
        })?;
    let result = async {
        let config = QmpConfig {
            command_timeout: PROBE_COMMAND_TIMEOUT,
            ..QmpConfig::default()
        };
        // QEMU creates the socket early; wait for it, but not for ever.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let qmp = loop {
            match QmpClient::connect(&sock, config.clone()).await {
                Ok(q) => break q,
                Err(e) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        let mut err = String::new();
                        if let Some(mut e) = child.stderr.take() {
                            use tokio::io::AsyncReadExt;
                            let mut buf = Vec::new();
                            let _ = (&mut e).take(4096).read_to_end(&mut buf).await;
                            err = String::from_utf8_lossy(&buf).trim().to_owned();
                        }
                        return Err(ProbeError::NoMonitor {
                            binary: b.clone(),
                            detail: format!("QEMU exited ({status}): {err}"),
                        });
                    }
                    if tokio::time::Instant::now() > deadline {
                        return Err(ProbeError::NoMonitor {
                            binary: b.clone(),
                            detail: e.to_string(),
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        };
        let r = if cpus_only {
            match cpu_definitions(&qmp, binary).await {
                Ok(models) => {
                    let max = expansion(&qmp, "full", "max").await;
                    let model_defs = model_expansions(&qmp, &models).await;
                    Ok(Answer::Cpus(TcgCpus {
                        models,
                        max,
                        model_defs,
                    }))
                }
                Err(e) => Err(e),
            }
        } else {
            ask(&qmp, binary).await.map(|p| Answer::Full(Box::new(p)))
        };
        let _ = qmp.execute("quit", None).await;
        qmp.close();
        r
    }
    .await;
    let _ = child.start_kill();
    let _ = child.wait().await;
    let _ = std::fs::remove_file(&sock);
    result
}

async fn ask(qmp: &QmpClient, binary: &Path) -> Result<ProbedQemu, ProbeError> {
    let b = binary.display().to_string();
    let run = |cmd: &'static str, args: Option<Value>| {
        let b = b.clone();
        async move {
            qmp.execute(cmd, args)
                .await
                .map_err(|source| ProbeError::Qmp { binary: b, source })
        }
    };
    let bad = |command| ProbeError::BadAnswer {
        binary: b.clone(),
        command,
    };
    let g = qmp.greeting();
    // saturating: the numbers come from QEMU, which is not trusted
    let version = g
        .version
        .major
        .saturating_mul(1_000_000)
        .saturating_add(g.version.minor.saturating_mul(1_000))
        .saturating_add(g.version.micro);
    let package = g.version.package.trim().to_owned();

    let target = run("query-target", None).await?;
    let arch = target
        .get("arch")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("query-target"))?
        .to_owned();

    let machines = run("query-machines", None).await?;
    let machines = machines
        .as_array()
        .ok_or_else(|| bad("query-machines"))?
        .iter()
        .filter_map(|m| {
            Some(Machine {
                name: m.get("name")?.as_str()?.to_owned(),
                alias: m.get("alias").and_then(Value::as_str).map(str::to_owned),
                is_default: m
                    .get("is-default")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                cpu_max: m
                    .get("cpu-max")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(1),
                deprecated: m
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                default_cpu: m.get("default-cpu-type").and_then(Value::as_str).map(|t| {
                    t.strip_suffix(&format!("-{arch}-cpu"))
                        .unwrap_or(t)
                        .to_owned()
                }),
            })
        })
        .collect::<Vec<_>>();
    if machines.is_empty() {
        return Err(bad("query-machines"));
    }

    let cpu_models = cpu_definitions(qmp, binary).await?;

    let types = run(
        "qom-list-types",
        Some(json!({"implements": "device", "abstract": false})),
    )
    .await?;
    let mut devices: Vec<String> = types
        .as_array()
        .ok_or_else(|| bad("qom-list-types"))?
        .iter()
        .filter_map(|t| t.get("name")?.as_str().map(str::to_owned))
        .collect();
    devices.sort();

    let kvm = run("query-kvm", None).await?;
    let kvm_present = kvm.get("present").and_then(Value::as_bool).unwrap_or(false);

    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("name")?.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    };
    let commands = names(&run("query-commands", None).await?);
    let strs = |v: Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // QEMU built without TPM lacks the commands: no TPM then
    let tpm_models = match run("query-tpm-models", None).await {
        Ok(v) => strs(v),
        Err(_) => Vec::new(),
    };
    let tpm_types = match run("query-tpm-types", None).await {
        Ok(v) => strs(v),
        Err(_) => Vec::new(),
    };
    // KVM's host CPU; without KVM this QEMU runs TCG and `max` is its richest CPU (moved to
    // tcg_max_props by the caller)
    let host = expansion(qmp, "full", if kvm_present { "host" } else { "max" }).await;
    let kvm_host_props = host.props;
    // without KVM this QEMU runs TCG: its models' definitions as TCG expands them
    let (tcg_model_defs, tcg_max_vendor, tcg_max_signature) = if kvm_present {
        (Vec::new(), None, None)
    } else {
        (
            model_expansions(qmp, &cpu_models).await,
            host.vendor,
            host.signature,
        )
    };

    Ok(ProbedQemu {
        binary: binary.to_owned(),
        version,
        package,
        arch,
        machines,
        cpu_models,
        devices,
        kvm_present,
        tcg_cpu_models: Vec::new(),
        commands,
        tpm_models,
        tpm_types,
        kvm_host_props,
        tcg_max_props: Vec::new(),
        tcg_max_vendor,
        tcg_max_signature,
        tcg_model_defs,
    })
}

/// `query-cpu-model-expansion` (`kind`: full or static) of `model`: the boolean properties
/// that are on, its vendor and signature; empty when QEMU cannot expand it.
pub(crate) async fn expansion(qmp: &QmpClient, kind: &str, model: &str) -> CpuDefinition {
    let r = qmp
        .execute(
            "query-cpu-model-expansion",
            Some(json!({"type": kind, "model": {"name": model}})),
        )
        .await;
    let props = r
        .ok()
        .and_then(|v| v.get("model")?.get("props")?.as_object().cloned())
        .unwrap_or_default();
    let mut on: Vec<String> = props
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(true))
        .map(|(k, _)| k.clone())
        .collect();
    on.sort();
    let num = |k: &str| {
        props
            .get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    CpuDefinition {
        name: model.to_owned(),
        props: on,
        vendor: props
            .get("vendor")
            .and_then(Value::as_str)
            .map(str::to_owned),
        signature: num("family")
            .zip(num("model"))
            .map(|(f, m)| (f, m, num("stepping").unwrap_or(0))),
    }
}

/// The static expansions of the models among `models` that libvirt knows.
async fn model_expansions(qmp: &QmpClient, models: &[CpuModel]) -> Vec<CpuDefinition> {
    let mut out = Vec::new();
    for m in models {
        if crate::cpu_map::model_vendor(&m.name).is_none() {
            continue;
        }
        let d = expansion(qmp, "static", &m.name).await;
        if !d.props.is_empty() {
            out.push(d);
        }
    }
    out
}

async fn cpu_definitions(qmp: &QmpClient, binary: &Path) -> Result<Vec<CpuModel>, ProbeError> {
    let cpus = qmp
        .execute("query-cpu-definitions", None)
        .await
        .map_err(|source| ProbeError::Qmp {
            binary: binary.display().to_string(),
            source,
        })?;
    Ok(cpus
        .as_array()
        .ok_or_else(|| bad_answer(binary, "query-cpu-definitions"))?
        .iter()
        .filter_map(|c| {
            Some(CpuModel {
                name: c.get("name")?.as_str()?.to_owned(),
                unavailable_features: c
                    .get("unavailable-features")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|f| f.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                deprecated: c
                    .get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
        })
        .collect())
}

/// Version of the cache entries' layout; entries of another version are probed again.
const FORMAT: u64 = 5;

/// What identifies one build of a binary: if any of it changes, probe again.
fn binary_key(binary: &Path) -> Result<Value, ProbeError> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(binary).map_err(|source| ProbeError::Stat {
        path: binary.display().to_string(),
        source,
    })?;
    Ok(json!({
        "path": binary.display().to_string(),
        "size": m.size(),
        "mtime": m.mtime(), "mtime_nsec": m.mtime_nsec(),
        "ctime": m.ctime(), "ctime_nsec": m.ctime_nsec(),
        "ino": m.ino(),
    }))
}

/// The probe's result as stored in the cache.
fn to_json(p: &ProbedQemu, key: Value) -> Value {
    json!({
        "format": FORMAT,
        "key": key,
        "version": p.version,
        "package": p.package,
        "arch": p.arch,
        "machines": p.machines.iter().map(|m| json!({
            "name": m.name, "alias": m.alias, "default": m.is_default,
            "cpu_max": m.cpu_max, "deprecated": m.deprecated, "default_cpu": m.default_cpu,
        })).collect::<Vec<_>>(),
        "cpu_models": p.cpu_models.iter().map(|c| json!({
            "name": c.name, "unavailable": c.unavailable_features, "deprecated": c.deprecated,
        })).collect::<Vec<_>>(),
        "devices": p.devices,
        "kvm_present": p.kvm_present,
        "tcg_cpu_models": p.tcg_cpu_models.iter().map(|c| json!({
            "name": c.name, "unavailable": c.unavailable_features, "deprecated": c.deprecated,
        })).collect::<Vec<_>>(),
        "commands": p.commands,
        "tpm_models": p.tpm_models,
        "tpm_types": p.tpm_types,
        "kvm_host_props": p.kvm_host_props,
        "tcg_max_props": p.tcg_max_props,
        "tcg_max_vendor": p.tcg_max_vendor,
        "tcg_max_signature": p.tcg_max_signature,
        "tcg_model_defs": p.tcg_model_defs.iter().map(|d| json!({
            "name": d.name, "props": d.props, "vendor": d.vendor, "signature": d.signature,
        })).collect::<Vec<_>>(),
    })
}

/// Read a cache entry back; `None` if it is for another build or not in our format.
fn from_json(binary: &Path, v: &Value, key: &Value) -> Option<ProbedQemu> {
    if v.get("format")?.as_u64()? != FORMAT || v.get("key")? != key {
        return None;
    }
    let strs = |a: &Value| -> Option<Vec<String>> {
        a.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let cpu_list = |a: &Value| -> Option<Vec<CpuModel>> {
        a.as_array()?
            .iter()
            .map(|c| {
                Some(CpuModel {
                    name: c.get("name")?.as_str()?.to_owned(),
                    unavailable_features: strs(c.get("unavailable")?)?,
                    deprecated: c.get("deprecated")?.as_bool()?,
                })
            })
            .collect()
    };
    Some(ProbedQemu {
        binary: binary.to_owned(),
        version: v.get("version")?.as_u64()?,
        package: v.get("package")?.as_str()?.to_owned(),
        arch: v.get("arch")?.as_str()?.to_owned(),
        machines: v
            .get("machines")?
            .as_array()?
            .iter()
            .map(|m| {
                Some(Machine {
                    name: m.get("name")?.as_str()?.to_owned(),
                    alias: m.get("alias")?.as_str().map(str::to_owned),
                    is_default: m.get("default")?.as_bool()?,
                    cpu_max: u32::try_from(m.get("cpu_max")?.as_u64()?).ok()?,
                    deprecated: m.get("deprecated")?.as_bool()?,
                    default_cpu: m.get("default_cpu")?.as_str().map(str::to_owned),
                })
            })
            .collect::<Option<_>>()?,
        cpu_models: cpu_list(v.get("cpu_models")?)?,
        devices: strs(v.get("devices")?)?,
        kvm_present: v.get("kvm_present")?.as_bool()?,
        tcg_cpu_models: cpu_list(v.get("tcg_cpu_models")?)?,
        commands: strs(v.get("commands")?)?,
        tpm_models: strs(v.get("tpm_models")?)?,
        tpm_types: strs(v.get("tpm_types")?)?,
        kvm_host_props: strs(v.get("kvm_host_props")?)?,
        tcg_max_props: strs(v.get("tcg_max_props")?)?,
        tcg_max_vendor: v.get("tcg_max_vendor")?.as_str().map(str::to_owned),
        tcg_max_signature: signature(v.get("tcg_max_signature")?),
        tcg_model_defs: v
            .get("tcg_model_defs")?
            .as_array()?
            .iter()
            .map(|d| {
                Some(CpuDefinition {
                    name: d.get("name")?.as_str()?.to_owned(),
                    props: strs(d.get("props")?)?,
                    vendor: d.get("vendor")?.as_str().map(str::to_owned),
                    signature: signature(d.get("signature")?),
                })
            })
            .collect::<Option<_>>()?,
    })
}

/// A `[family, model, stepping]` of the cache (`null`: none).
fn signature(v: &Value) -> Option<(u32, u32, u32)> {
    let a = v.as_array()?;
    let n = |i: usize| u32::try_from(a.get(i)?.as_u64()?).ok();
    Some((n(0)?, n(1)?, n(2)?))
}

/// The file a binary's cache entry lives in.
fn cache_file(dir: &Path, binary: &Path) -> PathBuf {
    let name: String = binary
        .display()
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{name}.json"))
}

/// The probe result for `binary`: from the cache in `dir` when it is for this very build,
/// otherwise by probing (and then written to the cache atomically).
pub async fn cached_probe(binary: &Path, dir: &Path) -> Result<(ProbedQemu, bool), ProbeError> {
    let key = binary_key(binary)?;
    let file = cache_file(dir, binary);
    if let Ok(text) = std::fs::read(&file) {
        if let Ok(v) = serde_json::from_slice::<Value>(&text) {
            if let Some(p) = from_json(binary, &v, &key) {
                return Ok((p, true));
            }
        }
    }
    let _ = std::fs::create_dir_all(dir);
    let p = probe(binary, dir).await?;
    if let Ok(bytes) = serde_json::to_vec_pretty(&to_json(&p, key)) {
        // A cache that cannot be written only costs a probe next time.
        if let Err(e) = crate::fsutil::write_atomic(&file, &bytes) {
            tracing::warn!("cannot write {}: {e}", file.display());
        }
    }
    Ok((p, false))
}
