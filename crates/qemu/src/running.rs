//! Running domains as the driver sees them: one [`Vm`] per running domain, each with a
//! connection to its shim. The driver never talks to QEMU: everything that acts on a running
//! VM is a call to its shim, and the shim's events keep the driver's copy of the state current,
//! so queries (state, info, XML, lists) never wait for a shim or a QEMU.
//!
//! Starting a domain and recovering one after a restart are the same path: a shim is reached
//! (started fresh, found alive, or started in reattach mode), its status document read, and the
//! [`Vm`] built from it ([`QemuDriver::attach`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use oxvirt_conf::domain::Domain;
use oxvirt_conf::domain::{parse_status, DomainStatus};
use oxvirt_proto::message::SHIM_PROGRAM;
use oxvirt_proto::shim::{self as sp, ShimCall, ShimEvent};
use oxvirt_proto::NonnullDomain;
use oxvirt_rpc::client::{Client as RpcClient, ClientError, EventReceiver};
use tokio::io::AsyncBufReadExt;
use tracing::{debug, info, warn};

use crate::states::{event, shutoff, state};
use crate::{QemuDriver, QemuError};
use oxvirt_shim::vm_dir::{self, monitor_path, read_status, socket_path, status_path};
use oxvirt_sync::{MutexExt, RwLockExt};

/// How long a call on one VM may wait for its shim (and QEMU) before failing.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// One running domain.
#[derive(Debug)]
pub struct Vm {
    pub uuid: [u8; 16],
    pub name: String,
    pub id: i32,
    pub dir: PathBuf,
    status: Mutex<DomainStatus>,
    link: RpcClient,
    /// Serialises the calls that change this VM (start/stop paths, suspend, ...).
    pub job: tokio::sync::Mutex<()>,
    /// The console session in use, if any (cancelled when another client forces its way in).
    pub console: Mutex<Option<tokio_util::sync::CancellationToken>>,
}

impl Vm {
    pub fn status(&self) -> DomainStatus {
        self.status.locked().clone()
    }

    pub fn state(&self) -> (i32, i32) {
        let s = self.status.locked();
        (s.state, s.reason)
    }

    pub fn def(&self) -> Domain {
        self.status().domain
    }

    pub fn handle(&self) -> NonnullDomain {
        NonnullDomain {
            name: self.name.clone(),
            uuid: self.uuid,
            id: self.id,
        }
    }

    pub fn persistent(&self) -> bool {
        self.status.locked().persistent
    }

    pub fn set_persistent(&self, p: bool) {
        {
            let mut s = self.status.locked();
            s.persistent = p;
        }
    }

    pub fn qemu_pid(&self) -> i32 {
        self.status.locked().qemu_pid
    }

    pub fn update_status(&self, f: impl FnOnce(&mut DomainStatus)) {
        {
            let mut s = self.status.locked();
            f(&mut s);
        }
    }

    /// A call to the shim, bounded by `timeout`: `vm.call(sp::Reset, &args, t)`; the call's
    /// type names its argument and reply ([`ShimCall`]).
    pub async fn call<C: ShimCall>(
        &self,
        call: C,
        args: &C::Args,
        timeout: Duration,
    ) -> Result<C::Ret, QemuError> {
        // a little longer than the shim's own QMP deadline, whose error says more
        let grace = timeout + Duration::from_secs(1);
        match tokio::time::timeout(grace, link_call(&self.link, call, args)).await {
            Ok(r) => r,
            Err(_) => Err(QemuError::Timeout(format!(
                "domain '{}' did not answer within {} s (its QEMU may be stalled)",
                self.name,
                timeout.as_secs()
            ))),
        }
    }

    /// A call that passes file descriptors to the shim, bounded by `timeout`.
    pub async fn call_sending_fds<C: ShimCall>(
        &self,
        call: C,
        args: &C::Args,
        fds: Vec<std::os::fd::OwnedFd>,
        timeout: Duration,
    ) -> Result<C::Ret, QemuError> {
        match tokio::time::timeout(timeout, link_call_fds(&self.link, call, args, fds)).await {
            Ok(r) => r,
            Err(_) => Err(QemuError::Timeout(format!(
                "domain '{}' did not answer within {} s",
                self.name,
                timeout.as_secs()
            ))),
        }
    }

    /// A call whose reply carries file descriptors.
    pub async fn call_with_fds<C: ShimCall>(
        &self,
        _call: C,
        args: &C::Args,
        timeout: Duration,
    ) -> Result<(C::Ret, Vec<std::os::fd::OwnedFd>), QemuError> {
        let body = oxvirt_xdr::to_bytes(args)?;
        match tokio::time::timeout(
            timeout,
            self.link.call_raw(SHIM_PROGRAM, C::PROC, body, Vec::new()),
        )
        .await
        {
            Ok(r) => {
                let r = r.map_err(shim_error)?;
                Ok((oxvirt_xdr::from_bytes(&r.body)?, r.fds))
            }
            Err(_) => Err(QemuError::Timeout(format!(
                "domain '{}' did not answer within {} s",
                self.name,
                timeout.as_secs()
            ))),
        }
    }
}

fn shim_error(e: ClientError) -> QemuError {
    match e {
        ClientError::Remote(v) => QemuError::Vir(v),
        ClientError::Closed => {
            QemuError::OperationFailed("the domain's shim went away during the call".into())
        }
        other => QemuError::Internal(format!("cannot talk to the domain's shim: {other}")),
    }
}

/// A typed call on a shim's connection (also before there is a [`Vm`]: status, start).
async fn link_call<C: ShimCall>(
    link: &RpcClient,
    _call: C,
    args: &C::Args,
) -> Result<C::Ret, QemuError> {
    link.call(SHIM_PROGRAM, C::PROC, args)
        .await
        .map_err(shim_error)
}

/// What a failed start undoes: the domain's name and id, its VM directory, the status it
/// started from (the files given to QEMU's user).
struct FailedStart<'a> {
    name: &'a str,
    id: i32,
    dir: &'a Path,
    status: &'a DomainStatus,
}

/// [`link_call`] with fds (CALL_WITH_FDS): START with the NICs' TAP queues.
async fn link_call_fds<C: ShimCall>(
    link: &RpcClient,
    _call: C,
    args: &C::Args,
    fds: Vec<std::os::fd::OwnedFd>,
) -> Result<C::Ret, QemuError> {
    let body = oxvirt_xdr::to_bytes(args)
        .map_err(|e| QemuError::Internal(format!("cannot encode a shim call: {e}")))?;
    let r = link
        .call_raw(SHIM_PROGRAM, C::PROC, body, fds)
        .await
        .map_err(shim_error)?;
    oxvirt_xdr::from_bytes(&r.body)
        .map_err(|e| QemuError::Internal(format!("bad reply from the shim: {e}")))
}

/// Ask a shim for its status document.
async fn shim_status(link: &RpcClient) -> Result<sp::StatusRet, QemuError> {
    link_call(link, sp::Status, &()).await
}

/// An event's body, decoded as its type says.
fn event_body<E: ShimEvent>(_: E, body: &[u8]) -> Result<E::Body, oxvirt_xdr::Error> {
    oxvirt_xdr::from_bytes(body)
}

/// The running domains.
#[derive(Debug, Default)]
pub struct Running {
    vms: RwLock<HashMap<[u8; 16], Arc<Vm>>>,
    next_id: Mutex<i32>,
    /// How each domain last stopped (state, reason), as `domstate --reason` reports it until
    /// the domain starts again. Kept in memory only, as libvirt does.
    last_stop: Mutex<HashMap<[u8; 16], (i32, i32)>>,
    /// Per-domain start/stop locks, also for domains that are not running.
    jobs: Mutex<HashMap<[u8; 16], Arc<tokio::sync::Mutex<()>>>>,
}

impl Running {
    pub fn get(&self, uuid: &[u8; 16]) -> Option<Arc<Vm>> {
        self.vms.read_locked().get(uuid).cloned()
    }

    pub fn by_name(&self, name: &str) -> Option<Arc<Vm>> {
        self.vms
            .read_locked()
            .values()
            .find(|v| v.name == name)
            .cloned()
    }

    pub fn by_id(&self, id: i32) -> Option<Arc<Vm>> {
        self.vms
            .read_locked()
            .values()
            .find(|v| v.id == id)
            .cloned()
    }

    pub fn all(&self) -> Vec<Arc<Vm>> {
        let mut v: Vec<Arc<Vm>> = self.vms.read_locked().values().cloned().collect();
        v.sort_by_key(|x| x.id);
        v
    }

    pub fn len(&self) -> usize {
        self.vms.read_locked().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, vm: Arc<Vm>) {
        {
            let mut n = self.next_id.locked();
            *n = (*n).max(vm.id);
        }
        {
            let mut m = self.vms.write_locked();
            m.insert(vm.uuid, vm);
        }
    }

    /// The state of a domain that does not run.
    pub fn stopped_state(&self, uuid: &[u8; 16]) -> (i32, i32) {
        self.last_stop
            .locked()
            .get(uuid)
            .copied()
            .unwrap_or((state::SHUTOFF, shutoff::UNKNOWN))
    }

    pub fn set_stopped_state(&self, uuid: &[u8; 16], reason: Option<i32>) {
        {
            let mut m = self.last_stop.locked();
            match reason {
                Some(r) => {
                    m.insert(*uuid, (state::SHUTOFF, r));
                }
                None => {
                    m.remove(uuid);
                }
            }
        }
    }

    fn remove(&self, uuid: &[u8; 16], id: i32) -> Option<Arc<Vm>> {
        let mut m = self.vms.write_locked();
        if m.get(uuid).is_some_and(|v| v.id == id) {
            m.remove(uuid)
        } else {
            None
        }
    }

    pub fn allocate_id(&self) -> i32 {
        let mut n = self.next_id.locked();
        *n += 1;
        *n
    }

    /// The start/stop lock of a domain.
    pub fn job(&self, uuid: &[u8; 16]) -> Arc<tokio::sync::Mutex<()>> {
        let mut j = self.jobs.locked();
        j.entry(*uuid).or_default().clone()
    }
}

/// Where the shim binary is: `$OXVIRT_SHIM` if that file exists, else next to the running
/// program, else on PATH.
pub fn shim_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OXVIRT_SHIM") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return p;
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        // next to us; test binaries live one level deeper (target/debug/deps)
        for dir in exe.ancestors().skip(1).take(2) {
            let c = dir.join("oxvirt-shim");
            if c.is_file() {
                return c;
            }
        }
    }
    PathBuf::from("oxvirt-shim")
}

impl QemuDriver {
    /// The directory of the running domain `name` (a name the parser checked: one path
    /// component, never `.` or `..`).
    pub fn vm_dir(&self, name: &str) -> PathBuf {
        self.vm_dirs().join(name)
    }

    /// The parent of every running domain's directory.
    fn vm_dirs(&self) -> PathBuf {
        self.paths.run.join("qemu")
    }

    /// Remove a running domain's directory, only if `dir` is one: a real directory directly
    /// under `run/qemu` whose name is a valid domain name. Anything else is left and logged.
    fn remove_vm_dir(&self, dir: &Path) {
        let parent = self.vm_dirs();
        let name = dir.file_name().and_then(|n| n.to_str());
        let r = match name {
            Some(n) if dir.parent() == Some(parent.as_path()) => {
                crate::fsutil::remove_own_dir(&parent, n)
            }
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a domain directory",
            )),
        };
        if let Err(e) = r {
            warn!("not removing {}: {e}", dir.display());
        }
    }

    /// Where domains' NVRAM files are made (libvirt's `/var/lib/libvirt/qemu/nvram`).
    pub fn nvram_dir(&self) -> PathBuf {
        self.paths.lib.join("qemu").join("nvram")
    }

    /// The domain's log file (see [`crate::vmlog`]).
    pub fn vm_log(&self, name: &str) -> PathBuf {
        self.paths.log.join("qemu").join(format!("{name}.log"))
    }

    /// Start a shim process for the VM in `dir`; returns once its socket is up, with what
    /// resolves when the shim process ends.
    async fn spawn_shim(
        &self,
        dir: &Path,
        log: &Path,
        reattach: bool,
    ) -> Result<tokio::sync::oneshot::Receiver<()>, QemuError> {
        let io = |what: String| move |source| QemuError::Io { what, source };
        let _ = crate::vmlog::rotate_if_needed(log, self.log_limits);
        let logf = crate::vmlog::open(log).map_err(io(format!("cannot open {}", log.display())))?;
        let bin = shim_binary();
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.arg("--dir")
            .arg(dir)
            .arg("--log")
            .arg(log)
            .arg("--qmp-timeout")
            .arg(self.call_timeout.as_secs().to_string())
            .arg("--log-max-size")
            .arg(self.log_limits.max_size.to_string())
            .arg("--log-max-backups")
            .arg(self.log_limits.max_backups.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(logf))
            .kill_on_drop(false);
        if reattach {
            cmd.arg("--reattach");
        }
        // who QEMU runs as (the shim confines it before executing it)
        cmd.args(self.dac.shim_args());
        // where QEMU may create files: where the path policy lets a definition put them
        for d in self.path_policy.allowed() {
            cmd.arg("--qemu-create-beneath").arg(d);
        }
        let mut child = cmd
            .spawn()
            .map_err(io(format!("cannot execute {}", bin.display())))?;
        let out = child.stdout.take();
        // reap the shim whenever it ends; it outlives us if we go first
        let (exited, exit) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let _ = child.wait().await;
            let _ = exited.send(());
        });
        let Some(out) = out else {
            return Err(QemuError::Internal("the shim has no stdout".into()));
        };
        let mut lines = tokio::io::BufReader::new(out).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        match line {
            Ok(Ok(Some(l))) if l == "ready" => Ok(exit),
            Ok(Ok(Some(l))) => Err(QemuError::Internal(
                l.strip_prefix("error: ").unwrap_or(&l).to_owned(),
            )),
            Ok(_) => Err(QemuError::Internal(format!(
                "the shim exited before it was ready (see {})",
                log.display()
            ))),
            Err(_) => Err(QemuError::Timeout(
                "the shim did not start within 30 s".into(),
            )),
        }
    }

    async fn connect_shim(&self, dir: &Path) -> Result<(RpcClient, EventReceiver), QemuError> {
        RpcClient::connect(&socket_path(dir))
            .await
            .map_err(|e| QemuError::Internal(format!("cannot connect to the shim: {e}")))
    }

    /// The live definition a start begins with (its id allocated), or why the domain cannot
    /// start: it runs, or another of its name does; no emulator; a name that is no file name.
    fn live_definition(&self, def: &Domain) -> Result<Domain, QemuError> {
        if self.running.get(&def.uuid).is_some() {
            return Err(QemuError::OperationInvalid(
                "domain is already running".into(),
            ));
        }
        if let Some(other) = self.running.by_name(&def.name) {
            return Err(QemuError::OperationInvalid(format!(
                "domain '{}' is already active with uuid {}",
                other.name,
                oxvirt_conf::domain::uuid_string(&other.uuid)
            )));
        }
        let mut live = def.clone();
        oxvirt_conf::domain::assign_aliases(&mut live);
        // libvirt's privileged driver puts the domain in a cgroup partition, /machine unless
        // <resource> names one, and shows it in the live XML; oxvirt uses no cgroups but
        // gives the same XML and refuses the same relative partition
        if self.privileged && cgroups_available() {
            live.start_resource_partition()?;
        }
        let arch = match live.os.arch.as_deref() {
            Some("i686") => "i386".to_owned(),
            a => a.unwrap_or("x86_64").to_owned(),
        };
        crate::firmware::fill_domain(&mut live, &self.firmware, &arch, &self.nvram_dir())?;
        // the CPU as libvirt turns it before QEMU runs (host-model, removed features)
        let probed = self
            .emulators
            .iter()
            .find(|e| live.devices.emulator.as_deref() == Some(&*e.binary.to_string_lossy()));
        crate::cpu_models::prepare(&mut live, probed);
        let id = self.running.allocate_id();
        live.id = Some(id);
        // refuse what cannot start before any process exists
        if live.devices.emulator.is_none() {
            return Err(QemuError::NoEmulator);
        }
        // the name becomes file names: never anything but one path component
        oxvirt_conf::name::check_name(oxvirt_conf::name::ObjectKind::Domain, &live.name)?;
        Ok(live)
    }

    /// Start a domain: a fresh shim, START, and the [`Vm`].
    pub async fn start_vm(
        self: &Arc<Self>,
        def: &Domain,
        persistent: bool,
        flags: u32,
    ) -> Result<Arc<Vm>, QemuError> {
        self.start_vm_from(def, persistent, flags, None).await
    }

    /// [`QemuDriver::start_vm`], or with `incoming` a restore from a saved image.
    pub async fn start_vm_from(
        self: &Arc<Self>,
        def: &Domain,
        persistent: bool,
        flags: u32,
        incoming: Option<crate::save_calls::Incoming>,
    ) -> Result<Arc<Vm>, QemuError> {
        let restored = incoming.as_ref().map(|i| i.paused_detail);
        let job = self.running.job(&def.uuid);
        let _job = match tokio::time::timeout(self.call_timeout, job.lock()).await {
            Ok(g) => g,
            Err(_) => {
                return Err(QemuError::Timeout(
                    "cannot acquire state change lock".into(),
                ))
            }
        };
        let mut live = self.live_definition(def)?;
        let id = live.id.unwrap_or(0);
        // disks named by pool and volume: their paths, from the storage daemon
        let volumes = crate::volume_disks::resolve(&self.storage, &mut live).await?;
        let in_use = self
            .running
            .all()
            .iter()
            .flat_map(|vm| crate::start_prep::display_ports(&vm.def()).collect::<Vec<_>>())
            .collect();
        // the generated sockets' directories go again if the start fails from here on
        let cleanup = |_: &QemuError| crate::start_prep::cleanup(&self.paths, id, &def.name);
        let _ports = crate::start_prep::prepare(&mut live, &self.paths, &in_use)
            .and_then(|ports| {
                // every path, the generated ones included, before any process exists
                crate::path_policy::check(&live, &self.path_policy)?;
                crate::firmware::prepare_nvram(&live)?;
                Ok(ports)
            })
            .inspect_err(cleanup)?;
        // the NICs on networkd's networks: a port and a TAP device each, as fds
        let plugged = crate::net_ports::plug(&self.paths, &mut live)
            .await
            .inspect_err(cleanup)?;
        let plugged_ports = plugged.ports;
        let mut fds = plugged.fds;
        let dir = self.vm_dir(&live.name);
        let log = self.vm_log(&live.name);
        self.remove_vm_dir(&dir);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            crate::net_ports::release(&self.paths, plugged_ports).await;
            let e = QemuError::Io {
                what: format!("cannot create {}", dir.display()),
                source: e,
            };
            cleanup(&e);
            return Err(e);
        }
        // the passphrases of encrypted disks, for QEMU to read at start (removed after); QEMU
        // runs as the qemu.conf user, who must be able to read them
        let mut secret_files = Vec::new();
        if let Err(e) = crate::disk_secrets::write(&self.secrets, &live, &dir, &mut secret_files)
            .await
            .and_then(|()| self.dac.give_transient(&secret_files))
        {
            crate::disk_secrets::remove(&secret_files);
            crate::net_ports::release(&self.paths, plugged_ports).await;
            cleanup(&e);
            return Err(e);
        }
        let qemu_dirs = crate::start_prep::vm_dirs(&self.paths, id, &live.name);
        let mut status = DomainStatus {
            version: 1,
            state: state::SHUTOFF,
            reason: shutoff::UNKNOWN,
            qemu_pid: 0,
            qemu_start_ticks: 0,
            monitor: monitor_path(&dir).display().to_string(),
            shim_pid: None,
            started_at_ms: 0,
            taints: Vec::new(),
            persistent,
            volumes,
            domain: live,
        };
        // QEMU's files to its user (libvirt's DAC model), given back when the domain stops
        if let Err(e) = self.dac.prepare(&mut status, &qemu_dirs) {
            crate::disk_secrets::remove(&secret_files);
            crate::net_ports::release(&self.paths, plugged_ports).await;
            cleanup(&e);
            return Err(e);
        }
        self.dac.record(&dir, &status.command_domain(), false);
        // The definition is handed over once: this one document is the status file and the
        // START's argument; the shim parses it once and builds QEMU's command line from it.
        let status_xml = status.format();
        // the status file marks the start in progress before any process exists: a driver
        // that dies from here on finds the directory, asks the shim, or cleans up
        if let Err(e) = crate::fsutil::write_atomic(&status_path(&dir), status_xml.as_bytes()) {
            self.dac.restore(&status);
            crate::disk_secrets::remove(&secret_files);
            crate::net_ports::release(&self.paths, plugged_ports).await;
            let e = QemuError::Io {
                what: format!("cannot write {}", status_path(&dir).display()),
                source: e,
            };
            cleanup(&e);
            return Err(e);
        }
        let restore = incoming
            .map(|i| fds.push(i.image))
            .map_or(0, |()| sp::START_RESTORE);
        let start = sp::StartArgs {
            status_xml,
            flags: u32::from(flags & 1 != 0) | restore,
        };
        let mut shim_exit = None;
        let r = self.hand_over(&dir, &log, start, fds, &mut shim_exit).await;
        // QEMU has read them (or will never)
        crate::disk_secrets::remove(&secret_files);
        match r {
            Ok(vm) => {
                self.started(&vm, restored);
                Ok(vm)
            }
            Err(e) => {
                let undo = FailedStart {
                    name: &def.name,
                    id,
                    dir: &dir,
                    status: &status,
                };
                self.undo_start(undo, plugged_ports, shim_exit).await;
                Err(e)
            }
        }
    }

    /// Start the shim of a prepared VM directory and hand it the definition (START); the VM
    /// once QEMU runs. `shim_exit` resolves when the shim ends, once it was started.
    async fn hand_over(
        self: &Arc<Self>,
        dir: &Path,
        log: &Path,
        start: sp::StartArgs,
        fds: Vec<std::os::fd::OwnedFd>,
        shim_exit: &mut Option<tokio::sync::oneshot::Receiver<()>>,
    ) -> Result<Arc<Vm>, QemuError> {
        *shim_exit = Some(self.spawn_shim(dir, log, false).await?);
        let (link, events) = self.connect_shim(dir).await?;
        let reply = match tokio::time::timeout(
            Duration::from_secs(120),
            link_call_fds(&link, sp::Start, &start, fds),
        )
        .await
        {
            Ok(r) => r?,
            Err(_) => return Err(QemuError::Timeout("QEMU did not start within 120 s".into())),
        };
        let st = parse_status(&reply.status_xml)?;
        Ok(self.attach(dir, st, link, events))
    }

    /// Never leave a half-started VM: if the shim got as far as launching QEMU (and then died,
    /// or failed), that QEMU goes too, and so does everything the start prepared. The shim
    /// exits by itself once we hang up.
    async fn undo_start(
        &self,
        f: FailedStart<'_>,
        plugged_ports: Vec<oxvirt_network::ports_wire::NonnullNetworkPort>,
        shim_exit: Option<tokio::sync::oneshot::Receiver<()>>,
    ) {
        let dir = f.dir;
        if let Ok(st) = read_status(dir) {
            if vm_dir::kill_recorded_qemu(&st) {
                warn!(domain = %f.name, pid = st.qemu_pid, "killed the QEMU of a failed start");
            }
        }
        // a shim killed before it recorded QEMU's pid: that QEMU goes too
        vm_dir::kill_unrecorded_qemus(dir);
        self.dac.restore(f.status);
        let _ = std::fs::remove_file(status_path(dir));
        self.remove_vm_dir(dir);
        crate::start_prep::cleanup(&self.paths, f.id, f.name);
        crate::net_ports::release(&self.paths, plugged_ports).await;
        // we hung up: the shim of a failed start exits at once (it checks every 200 ms); a
        // start the shim refused (QEMU's command line) leaves no process
        if let Some(exit) = shim_exit {
            let _ = tokio::time::timeout(Duration::from_secs(5), exit).await;
        }
    }

    /// A start succeeded: the events libvirt gives for it.
    fn started(&self, vm: &Arc<Vm>, restored: Option<i32>) {
        self.running.set_stopped_state(&vm.uuid, None);
        let (s, _) = vm.state();
        if let Some(paused_detail) = restored {
            self.emit_lifecycle(vm.handle(), event::STARTED, event::STARTED_RESTORED);
            if s == state::PAUSED {
                self.emit_lifecycle(vm.handle(), event::SUSPENDED, paused_detail);
            } else {
                // libvirt 9.0's detail for a restored guest that runs (measured)
                let detail = event::RESUMED_FROM_SNAPSHOT;
                self.emit_lifecycle(vm.handle(), event::RESUMED, detail);
            }
        } else if s == state::PAUSED {
            self.emit_lifecycle(vm.handle(), event::STARTED, event::STARTED_BOOTED);
            self.emit_lifecycle(vm.handle(), event::SUSPENDED, event::SUSPENDED_PAUSED);
        } else {
            self.emit_lifecycle(vm.handle(), event::RESUMED, event::RESUMED_UNPAUSED);
            self.emit_lifecycle(vm.handle(), event::STARTED, event::STARTED_BOOTED);
        }
    }

    /// Make a [`Vm`] from a shim's status and connection, and follow its events.
    fn attach(
        self: &Arc<Self>,
        dir: &Path,
        st: DomainStatus,
        link: RpcClient,
        events: EventReceiver,
    ) -> Arc<Vm> {
        let vm = Arc::new(Vm {
            uuid: st.domain.uuid,
            name: st.domain.name.clone(),
            id: st.domain.id.unwrap_or(0),
            dir: dir.to_owned(),
            status: Mutex::new(st),
            link,
            job: tokio::sync::Mutex::new(()),
            console: Mutex::new(None),
        });
        self.running.insert(vm.clone());
        self.place_in_cgroup(&vm.def(), vm.qemu_pid());
        let d = self.clone();
        let v = vm.clone();
        tokio::spawn(async move { d.follow(v, events).await });
        vm
    }

    /// Apply a shim's events until it hangs up.
    async fn follow(self: Arc<Self>, vm: Arc<Vm>, mut events: EventReceiver) {
        while let Some(m) = events.recv().await {
            match m.header.procedure {
                sp::StateChanged::PROC => {
                    let Ok(ev) = event_body(sp::StateChanged, &m.body) else {
                        continue;
                    };
                    vm.update_status(|s| {
                        s.state = ev.state;
                        s.reason = ev.reason;
                    });
                    if ev.state == state::SHUTOFF {
                        self.vm_stopped(&vm, ev.event, ev.detail);
                        return;
                    }
                    if ev.event >= 0 {
                        self.emit_lifecycle(vm.handle(), ev.event, ev.detail);
                    }
                }
                sp::Rebooted::PROC => self.emit_reboot(vm.handle()),
                sp::BalloonChanged::PROC => {
                    if let Ok(b) = event_body(sp::BalloonChanged, &m.body) {
                        vm.update_status(|s| s.domain.current_memory_kib = Some(b.actual_kib));
                        self.emit_balloon(vm.handle(), b.actual_kib);
                    }
                }
                sp::DeviceRemoved::PROC => {
                    if let Ok(ev) = event_body(sp::DeviceRemoved, &m.body) {
                        self.device_event(&vm, ev, true);
                    }
                }
                sp::BlockJobChanged::PROC => {
                    if let Ok(ev) = event_body(sp::BlockJobChanged, &m.body) {
                        self.block_job_event(&vm, ev);
                    }
                }
                sp::DeviceRemovalFailed::PROC => {
                    if let Ok(ev) = event_body(sp::DeviceRemovalFailed, &m.body) {
                        self.device_event(&vm, ev, false);
                    }
                }
                _ => {}
            }
        }
        // The shim hung up without a final state: it died. QEMU may still run.
        if self
            .running
            .get(&vm.uuid)
            .is_some_and(|v| Arc::ptr_eq(&v, &vm))
        {
            warn!(domain = %vm.name, "the shim went away; reattaching");
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.recover_dir(&vm.dir).await;
        }
    }

    /// A VM is shut off: forget it, clean up, tell clients.
    fn vm_stopped(&self, vm: &Arc<Vm>, ev: i32, detail: i32) {
        if self.running.get(&vm.uuid).is_none_or(|v| v.id != vm.id) {
            return;
        }
        self.running.set_stopped_state(&vm.uuid, Some(vm.state().1));
        // The files go before the VM leaves the table: once it has, a new start may create
        // the directory again. The link closes when the last user of `vm` is done (a destroy
        // call still waits for its reply on it); the shim exits once we have hung up.
        self.dac.restore(&vm.status());
        let _ = std::fs::remove_file(status_path(&vm.dir));
        self.remove_vm_dir(&vm.dir);
        crate::start_prep::cleanup(&self.paths, vm.id, &vm.name);
        self.remove_cgroup(&vm.def());
        self.release_ports(&vm.def());
        if self.running.remove(&vm.uuid, vm.id).is_none() {
            return;
        }
        {
            let mut c = vm.console.locked();
            if let Some(t) = c.take() {
                t.cancel();
            }
        }
        // a transient domain is gone with its log (a persistent one's goes on undefine)
        if !vm.persistent() {
            crate::vmlog::remove(&self.vm_log(&vm.name));
        }
        let mut h = vm.handle();
        h.id = -1;
        if ev >= 0 {
            self.emit_lifecycle(h, ev, detail);
        }
        info!(domain = %vm.name, "domain stopped");
    }

    /// Start every persistent domain marked autostart that is not running (what libvirt does
    /// when its daemon starts). Failures are logged; they do not stop the others.
    pub async fn autostart_all(self: &Arc<Self>) {
        let marked: Vec<Domain> = self
            .registry
            .read_locked()
            .all()
            .filter(|e| e.autostart)
            .filter_map(|e| match e.domain() {
                Ok(d) => Some(d),
                Err(err) => {
                    warn!(domain = %e.def.name, "cannot autostart: {err}");
                    None
                }
            })
            .collect();
        let tasks: Vec<_> = marked
            .into_iter()
            .filter(|def| self.running.get(&def.uuid).is_none())
            .map(|def| {
                let d = self.clone();
                tokio::spawn(async move {
                    match d.start_vm(&def, true, 0).await {
                        Ok(_) => info!(domain = %def.name, "autostarted"),
                        Err(e) => warn!(domain = %def.name, "autostart failed: {e}"),
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }

    /// Recovery: every VM directory under `run/qemu`.
    pub async fn recover_all(self: &Arc<Self>) {
        let base = self.vm_dirs();
        let Ok(rd) = std::fs::read_dir(&base) else {
            return;
        };
        // only real directories with valid names: a root that once accepted names such as
        // "a\nb" keeps their directories, which are reported and left alone
        let dirs: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| {
                let ok = e
                    .file_name()
                    .to_str()
                    .is_some_and(oxvirt_conf::name::is_valid_name);
                if !ok {
                    warn!(dir = ?e.path(), "skipping a domain directory with an invalid name");
                }
                ok
            })
            .map(|e| e.path())
            .collect();
        let tasks: Vec<_> = dirs
            .into_iter()
            .map(|dir| {
                let d = self.clone();
                tokio::spawn(async move { d.recover_dir(&dir).await })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
    }

    /// Recovery of one VM: the shim alive → reconnect; the shim dead but QEMU alive → a new
    /// shim in reattach mode; QEMU dead → shut off (crashed).
    pub async fn recover_dir(self: &Arc<Self>, dir: &Path) {
        let st = match read_status(dir) {
            Ok(s) => s,
            Err(e) => {
                if status_path(dir).exists() {
                    warn!("{}: unreadable status, left alone: {e}", dir.display());
                } else {
                    debug!("{}: {e}", dir.display());
                    self.remove_vm_dir(dir);
                }
                return;
            }
        };
        let name = st.domain.name.clone();
        let job = self.running.job(&st.domain.uuid);
        let _job = job.lock().await;
        if let Some(v) = self.running.get(&st.domain.uuid) {
            // still followed by a live link: nothing to do
            if !v.link.is_closed() {
                return;
            }
            self.running.remove(&v.uuid, v.id);
        }
        // 1. a live shim
        if let Ok((link, events)) = self.connect_shim(dir).await {
            // a shim in the middle of a start answers once QEMU is up (or failed)
            let r = tokio::time::timeout(Duration::from_secs(150), shim_status(&link)).await;
            if let Ok(Ok(r)) = r {
                if let Ok(now) = parse_status(&r.status_xml) {
                    if crate::states::is_active(now.state) {
                        // a disk unplugged while no daemon listened goes back
                        self.dac.reconcile(dir, &now.command_domain());
                        self.attach(dir, now, link, events);
                        info!(domain = %name, "reconnected to the running shim");
                        return;
                    }
                }
            }
        }
        // what the shim wrote meanwhile counts
        let st = read_status(dir).unwrap_or(st);
        if !crate::states::is_active(st.state) {
            // QEMU ended while nobody listened (the shim recorded why), or it never started
            self.forget_dir(dir, &st, false);
            return;
        }
        // 2. QEMU alive: a new shim takes it over
        if vm_dir::qemu_alive(&st) {
            let log = self.vm_log(&name);
            match self.spawn_shim(dir, &log, true).await {
                Ok(_) => match self.connect_shim(dir).await {
                    Ok((link, events)) => {
                        let r = shim_status(&link).await;
                        match r.and_then(|r| Ok(parse_status(&r.status_xml)?)) {
                            Ok(now) => {
                                self.dac.reconcile(dir, &now.command_domain());
                                self.attach(dir, now, link, events);
                                info!(domain = %name, "a new shim took over the running QEMU");
                                return;
                            }
                            Err(e) => warn!(domain = %name, "reattach failed: {e}"),
                        }
                    }
                    Err(e) => warn!(domain = %name, "reattach failed: {e}"),
                },
                Err(e) => warn!(domain = %name, "reattach failed: {e}"),
            }
            if vm_dir::qemu_alive(&st) {
                // leave it for the next attempt rather than lose a running VM
                return;
            }
        }
        // 3. QEMU is gone
        self.forget_dir(dir, &st, true);
    }

    /// Delete the network ports of a domain that stopped, in the background.
    fn release_ports(&self, live: &Domain) {
        let ports = crate::net_ports::ports_of(live);
        if !ports.is_empty() {
            let paths = self.paths.clone();
            tokio::spawn(async move { crate::net_ports::release_by_name(&paths, ports).await });
        }
    }

    fn forget_dir(&self, dir: &Path, st: &DomainStatus, crashed: bool) {
        // the domain is not running: a QEMU a killed shim launched without recording it goes
        vm_dir::kill_unrecorded_qemus(dir);
        self.dac.reconcile(dir, &st.command_domain());
        self.dac.restore(st);
        self.remove_vm_dir(dir);
        self.remove_cgroup(&st.domain);
        self.release_ports(&st.domain);
        if let Some(id) = st.domain.id {
            crate::start_prep::cleanup(&self.paths, id, &st.domain.name);
        }
        let h = NonnullDomain {
            name: st.domain.name.clone(),
            uuid: st.domain.uuid,
            id: -1,
        };
        self.running.set_stopped_state(
            &st.domain.uuid,
            Some(if crashed { shutoff::CRASHED } else { st.reason }),
        );
        if crashed {
            warn!(domain = %st.domain.name, "QEMU is gone: the domain is shut off (crashed)");
            self.emit_lifecycle(h, event::STOPPED, event::STOPPED_CRASHED);
        }
    }
}

/// Whether the host has cgroups mounted (libvirt's `virCgroupAvailable`: a `cgroup` or
/// `cgroup2` file system in `/proc/mounts`).
fn cgroups_available() -> bool {
    std::fs::read_to_string("/proc/mounts").is_ok_and(|m| {
        m.lines()
            .filter_map(|l| l.split_whitespace().nth(2))
            .any(|t| t == "cgroup" || t == "cgroup2")
    })
}
