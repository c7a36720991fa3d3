//! The QEMU driver: what `oxvirt-qemud` serves for `qemu:///system` and `qemu:///session`
//! (and what embedded mode runs in-process).
//!
//! - Host-level calls ([`host_calls`]): version, hostname, node info and statistics, sysinfo,
//!   security model, capabilities and domain capabilities ([`capabilities`],
//!   [`domain_capabilities`]), CPU model names, from a QMP probe of QEMU ([`probe`]).
//! - The registry of persistent domains ([`registry`], [`domain_calls`]): define, undefine,
//!   lists, lookups, XML, state and info; queries never wait for a VM.
//! - Running domains ([`running`], [`lifecycle_calls`]): each has its own `oxvirt-shim`
//!   process (the `oxvirt-shim` crate) that launches QEMU (the `oxvirt-qemu-command` crate) and
//!   owns its QMP monitor (`oxvirt-qmp`); the driver forwards typed calls to it over the shim
//!   protocol and follows its events. Start and recovery after a
//!   restart are the same path.
//!
//! Every call is routed once, by [`routes::ROUTES`]: each `*_calls` module registers its
//! typed handlers there.
//!
//! Errors are typed ([`QemuError`]) and mapped to libvirt's codes once, in
//! [`QemuError::to_vir_error`].

pub mod agent_calls;
pub mod block_calls;
pub mod block_images;
pub mod capabilities;
pub mod cgroup;
pub mod cpu_models;
pub mod dac;
pub mod dac_lent;
pub mod dac_remember;
pub mod daemon;
pub mod device_stats_calls;
pub mod disk_bytes_calls;
pub mod disk_secrets;
pub mod domain_calls;
pub mod domain_capabilities;
pub mod error;
pub mod firmware;
pub mod host_calls;
pub mod hotplug_calls;
pub mod hotplug_live;
pub mod input_calls;
pub mod iotune_calls;
pub mod job_calls;
pub mod lifecycle_calls;
pub mod metadata_calls;
pub mod migration_calls;
pub mod net_ports;
pub mod numa_calls;
pub mod path_policy;
pub mod paths;
pub mod probe;
pub mod procedure_table;
pub mod qemu_conf;
pub mod registry;
pub mod routes;
pub mod running;
pub mod save_calls;
pub mod screenshot_calls;
pub mod setter_calls;
pub mod snapshot_calls;
pub mod snapshot_ops;
pub mod snapshot_store;
pub mod start_prep;
pub mod stats_calls;
pub mod tuning_calls;
pub mod vcpu_calls;
pub mod version;
pub mod volume_disks;

// shared with the shim: its status files, VM logs and state numbers are the driver's view too
pub use oxvirt_qemu_command::cpu_map;
use oxvirt_shim::sys;
pub use oxvirt_shim::{fsutil, states, vmlog};

use std::path::PathBuf;
use std::sync::Arc;

use oxvirt_proto::vir_error::{code, domain};
use oxvirt_proto::{ToVirError, VirError};
use oxvirt_remote::events::EventHub;
use oxvirt_remote::{CallCtx, Driver};
use oxvirt_rpc::server::Client;

pub use error::QemuError;
pub use paths::Paths;

/// Settings of a driver.
#[derive(Debug, Clone)]
pub struct DriverOptions {
    /// How long a call on one VM may wait for its shim and QEMU (libvirt's job wait is 30 s).
    pub call_timeout: std::time::Duration,
    /// The directory everything is under (`--root DIR`, embedded mode), if any: the driver
    /// then also accepts `qemu:///embed?root=DIR` for it.
    pub root: Option<PathBuf>,
    /// When a domain's log is rotated (virtlogd's `max_size`/`max_backups` defaults).
    pub log_limits: vmlog::LogLimits,
    /// Directories besides the driver's own where a domain may have QEMU create files and
    /// sockets (see [`path_policy`]).
    pub allowed_paths: Vec<PathBuf>,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            call_timeout: running::DEFAULT_CALL_TIMEOUT,
            root: None,
            log_limits: vmlog::LogLimits::default(),
            allowed_paths: Vec::new(),
        }
    }
}

/// The QEMU driver's state.
#[derive(Debug)]
pub struct QemuDriver {
    pub paths: Paths,
    /// Whether this driver runs privileged (system mode).
    pub privileged: bool,
    /// The QEMU binary used by default, if one was found.
    pub emulator: Option<PathBuf>,
    /// QEMU's version as libvirt encodes it (major × 1 000 000 + minor × 1 000 + micro).
    pub qemu_version: Option<u64>,
    /// What the default emulator supports (probed over QMP once per binary, then cached).
    pub caps: Option<probe::ProbedQemu>,
    /// Every probed emulator, one per architecture (the default one first), for the
    /// capabilities' guests and the domain capabilities.
    pub emulators: Vec<probe::ProbedQemu>,
    /// QEMU firmware descriptors, read at start.
    pub firmware: Vec<firmware::Firmware>,
    /// The host UUID of the capabilities (SMBIOS's, else random per daemon, as libvirt).
    pub host_uuid: String,
    /// Persistent domains.
    pub registry: std::sync::RwLock<registry::Registry>,
    /// Running domains and their shims.
    pub running: running::Running,
    /// How long a call on one VM may wait for its shim and QEMU.
    pub call_timeout: std::time::Duration,
    /// The state root, when everything is under one directory.
    pub root: Option<PathBuf>,
    /// When a domain's log is rotated.
    pub log_limits: vmlog::LogLimits,
    /// Where a domain's chardevs and logs may be created.
    pub path_policy: path_policy::PathPolicy,
    /// Where network and storage calls go (the sibling daemons of this root's run directory).
    pub forward: oxvirt_remote::Forwarder,
    /// The driver's connection to the storage daemon (volume disks).
    pub storage: volume_disks::StorageLink,
    /// Who QEMU runs as and which files it is given (`qemu.conf`, libvirt's DAC model).
    pub dac: dac::Dac,
    /// The driver's connection to the secret daemon (passphrases of encrypted disks).
    pub secrets: oxvirt_remote::secret_link::SecretLink,
    /// Migration's bandwidth limits, per domain.
    pub migration_limits: migration_calls::MigrationLimits,
    events: EventHub,
}

impl QemuDriver {
    /// Set up the driver: find QEMU and probe it (or read the cached probe), so no call has to.
    pub async fn new(paths: Paths, privileged: bool) -> Arc<Self> {
        Self::with_options(paths, privileged, DriverOptions::default()).await
    }

    /// [`QemuDriver::new`] with non-default settings.
    pub async fn with_options(paths: Paths, privileged: bool, opts: DriverOptions) -> Arc<Self> {
        let emulator = version::find_emulator();
        let caps = match &emulator {
            Some(e) => match probe::cached_probe(e, &paths.cache.join("qemu/capabilities")).await {
                Ok((p, _)) => Some(p),
                Err(err) => {
                    tracing::warn!("{err}");
                    None
                }
            },
            None => None,
        };
        let mut emulators: Vec<probe::ProbedQemu> = caps.iter().cloned().collect();
        if let Some(dir) = emulator.as_deref().and_then(std::path::Path::parent) {
            // the other x86 target, probed (or read from the cache) once like the default
            for name in ["qemu-system-i386", "qemu-system-x86_64"] {
                let bin = dir.join(name);
                if !bin.is_file() || emulators.iter().any(|e| e.binary == bin) {
                    continue;
                }
                match probe::cached_probe(&bin, &paths.cache.join("qemu/capabilities")).await {
                    Ok((p, _)) => {
                        if !emulators.iter().any(|e| e.arch == p.arch) {
                            emulators.push(p);
                        }
                    }
                    Err(err) => tracing::warn!("{err}"),
                }
            }
        }
        let firmware = firmware::load_system();
        let host_uuid = oxvirt_host::host_uuid();
        let qemu_version = match (&caps, &emulator) {
            (Some(c), _) => Some(c.version),
            (None, Some(e)) => version::probe_version(e).await.ok(),
            (None, None) => None,
        };
        let (registry, problems) = registry::Registry::load(&paths.etc.join("qemu"), |xml| {
            Ok(oxvirt_conf::domain::parse(xml)?)
        });
        for p in problems {
            tracing::warn!("cannot load a domain configuration: {p}");
        }
        // the driver's own directories (all of a root), and those configured
        let own = [&paths.run, &paths.lib, &paths.log, &paths.cache]
            .into_iter()
            .cloned()
            .chain(opts.root.clone());
        let path_policy =
            path_policy::PathPolicy::new(own.chain(opts.allowed_paths.iter().cloned()));
        let forward = oxvirt_remote::Forwarder::siblings(&paths.run, privileged);
        let storage = volume_disks::StorageLink::new(
            forward
                .upstream(oxvirt_proto::procedures::ServedBy::Storage)
                .cloned(),
        );
        let dac = dac::Dac::load(&paths.etc);
        let secrets = oxvirt_remote::secret_link::SecretLink::new(
            forward
                .upstream(oxvirt_proto::procedures::ServedBy::Secret)
                .cloned(),
            &paths.run,
        );
        let d = Arc::new(QemuDriver {
            dac,
            forward,
            storage,
            secrets,
            paths,
            privileged,
            emulator,
            qemu_version,
            caps,
            emulators,
            firmware,
            host_uuid,
            registry: std::sync::RwLock::new(registry),
            running: running::Running::default(),
            call_timeout: opts.call_timeout,
            root: opts.root,
            log_limits: opts.log_limits,
            path_policy,
            migration_limits: Default::default(),
            events: EventHub::new(),
        });
        // the recovery path: find the VMs that run (their shims, or QEMU without a shim)
        d.recover_all().await;
        d
    }

    /// `qemu:///embed?root=DIR`: accepted for the root this driver serves.
    fn open_embed(&self, query: &str) -> Result<String, VirError> {
        let asked = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("root="))
            .map(PathBuf::from);
        let Some(asked) = asked else {
            return Err(
                QemuError::InvalidArg("URI must be qemu:///embed?root=...".into()).to_vir_error(),
            );
        };
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
        };
        match &self.root {
            Some(root) if same(root, &asked) => {
                Ok(format!("qemu:///embed?root={}", asked.display()))
            }
            _ => Err(QemuError::OperationInvalid(format!(
                "this driver does not serve the root {}",
                asked.display()
            ))
            .to_vir_error()),
        }
    }

    fn default_uri(&self) -> &'static str {
        if self.privileged {
            "qemu:///system"
        } else {
            "qemu:///session"
        }
    }
}

impl Driver for QemuDriver {
    fn open(&self, name: Option<&str>, _client: &Client) -> Result<String, VirError> {
        let name = match name {
            None | Some("") => return Ok(self.default_uri().to_owned()),
            Some(n) => n,
        };
        let (scheme, rest) = name.split_once(':').unwrap_or((name, ""));
        if !scheme.eq_ignore_ascii_case("qemu") {
            return Err(VirError::new(
                code::NO_CONNECT,
                domain::NONE,
                name.to_owned(),
            ));
        }
        let path = rest
            .strip_prefix("//")
            .map(|r| r.split_once('/').map(|(_, p)| p).unwrap_or(""))
            .unwrap_or(rest);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        match path {
            "system" | "session" => Ok(format!("qemu:///{path}")),
            "embed" => self.open_embed(query),
            other => Err(QemuError::UnexpectedUriPath(format!("/{other}")).to_vir_error()),
        }
    }

    fn supports_feature(&self, _feature: i32) -> bool {
        false
    }

    fn events(&self) -> &EventHub {
        &self.events
    }

    fn holds_running_resources(&self) -> bool {
        !self.running.is_empty()
    }

    async fn call(self: Arc<Self>, ctx: CallCtx) -> Result<Vec<u8>, VirError> {
        if self
            .forward
            .forwards(ctx.program(), ctx.procedure())
            .is_some()
        {
            return self.forward.call(ctx).await;
        }
        routes::ROUTES.dispatch(self, ctx).await
    }
}
