//! The per-VM shim: what `oxvirt-shim` runs. One shim owns one QEMU: it launches it (or
//! reattaches to one a previous shim launched), owns its QMP monitor, turns QMP events into
//! state changes and lifecycle events, keeps the VM's status file, and serves the driver over
//! the shim protocol ([`oxvirt_proto::shim`]) on `DIR/shim.sock`.
//!
//! Files in the VM's run directory `DIR` (`run/qemu/NAME`):
//! - `shim.sock`: the shim's socket (mode 0600);
//! - `qmp.sock`: QEMU's monitor, created by the shim and inherited by QEMU, so it outlives the
//!   shim and a new shim can reattach;
//! - `status.xml`: the status document (live definition, state, QEMU's pid and start time),
//!   written atomically after every change. It is the only state a restarted shim or driver
//!   needs.
//!
//! Launching and reattaching end in the same state: a [`Shim`] with a watched QEMU process, a
//! QMP connection and an event task. When QEMU exits, the shim records the final state in the
//! status file, tells its clients, and exits once the driver has hung up (or after a grace
//! period when nobody listens): the driver removes the directory.
//!
//! A start is handed the driver's one copy of the live definition (the status document the
//! driver wrote, parsed here once); the shim alone builds QEMU's command line from it
//! ([`oxvirt_qemu_command::build`]). The driver reaches a shim only through the shim
//! protocol's typed calls ([`oxvirt_proto::shim::ShimCall`]) and, when no shim is there to
//! ask, through [`vm_dir`].

#![warn(missing_docs, unreachable_pub)]

pub mod confine;
mod console;
mod domain_api;
mod error;
pub mod fsutil;
pub mod guest_cpu;
mod hotplug;
mod media;
mod process;
mod qemu_log;
mod serve;
mod service;
pub mod states;
mod stats;
pub mod sys;
mod tune;
pub mod vm_dir;
pub mod vmlog;

pub use error::ShimError;
pub use qemu_log::log_line;
pub use serve::run;
pub use vm_dir::{monitor_path, read_status, socket_path, status_path};

use oxvirt_sync::MutexExt;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oxvirt_conf::domain::DomainStatus;
use oxvirt_proto::shim::{self as sp, ShimEvent, StateEvent};
use rustix::process::Signal;
use serde_json::{json, Value};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::states::{event, paused, running, shutoff, state};
use oxvirt_qmp::{QmpClient, QmpConfig, QmpError};
use process::Watched;
use qemu_log::{log_tail, shell_quote};

pub use service::ShimService;

/// How a shim is run.
#[derive(Debug, Clone)]
pub struct ShimOptions {
    /// The VM's run directory (`run/qemu/NAME`).
    pub dir: PathBuf,
    /// QEMU's (and the shim's) log file.
    pub log: PathBuf,
    /// When the log is rotated (the shim is its one writer; see [`crate::vmlog`]).
    pub log_limits: crate::vmlog::LogLimits,
    /// Reattach to the QEMU the status file names instead of waiting for START.
    pub reattach: bool,
    /// Timeouts and limits of the QMP connection.
    pub qmp: QmpConfig,
    /// Who QEMU runs as and its limits ([`confine`]).
    pub confine: confine::QemuConfinement,
}

/// How long a start waits for QEMU to describe the guest CPU (`update_guest_cpu`).
const GUEST_CPU_WAIT: Duration = Duration::from_secs(5);

/// Why QEMU is going away, when we asked it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    None,
    Destroy,
    /// `virsh reboot`: power button now, reset when the guest is down.
    FakeReboot,
    /// The guest went down for a `virsh reboot`; the reset is under way.
    Rebooting,
}

#[derive(Debug)]
struct Runtime {
    status: DomainStatus,
    intent: Intent,
}

/// One VM's shim.
#[derive(Debug)]
pub struct Shim {
    opts: ShimOptions,
    rt: Mutex<Option<Runtime>>,
    qmp: Mutex<Option<Arc<QmpClient>>>,
    /// A second pidfd of QEMU for signals (the watcher task owns the first).
    signaller: Mutex<Option<Arc<Watched>>>,
    /// Serialises calls that change the VM (not destroy, not queries).
    job: Arc<tokio::sync::Mutex<()>>,
    /// What holds the job, since when.
    busy: Arc<Mutex<Option<(std::time::Instant, &'static str)>>>,
    clients: Mutex<Vec<Arc<oxvirt_rpc::server::Client>>>,
    /// How often the QMP connection broke.
    qmp_losses: std::sync::atomic::AtomicU32,
    /// Whether a client ever connected (a start that failed leaves nothing to wait for).
    ever_connected: std::sync::atomic::AtomicBool,
    /// Becomes true once QEMU is gone and the final state is recorded.
    gone: watch::Sender<bool>,
    /// A START came (it may have failed: then the shim has nothing left to do).
    start_tried: std::sync::atomic::AtomicBool,
    /// Counts the devices QEMU has unplugged (an unplug waits for it to move).
    removed: watch::Sender<u64>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn invalid(msg: &str) -> ShimError {
    ShimError::OperationInvalid(msg.to_owned())
}

impl Shim {
    /// A shim for the VM `opts.dir` (nothing runs yet).
    pub fn new(opts: ShimOptions) -> Arc<Self> {
        Arc::new(Shim {
            opts,
            rt: Mutex::new(None),
            qmp: Mutex::new(None),
            signaller: Mutex::new(None),
            job: Arc::new(tokio::sync::Mutex::new(())),
            busy: Arc::new(Mutex::new(None)),
            clients: Mutex::new(Vec::new()),
            ever_connected: std::sync::atomic::AtomicBool::new(false),
            qmp_losses: std::sync::atomic::AtomicU32::new(0),
            gone: watch::channel(false).0,
            start_tried: std::sync::atomic::AtomicBool::new(false),
            removed: watch::channel(0).0,
        })
    }

    /// The VM's run directory.
    pub fn dir(&self) -> &Path {
        &self.opts.dir
    }

    /// Take the VM's job for a call that changes it. A call never queues for long behind
    /// one that QEMU does not answer: when the job is busy, it waits at most [`JOB_WAIT`],
    /// and not at all if the holder has been at it that long already; then it fails with
    /// libvirt's busy-domain error (OPERATION_TIMEOUT).
    async fn begin_job(&self, what: &'static str) -> Result<Job, ShimError> {
        let held = |busy: &Mutex<Option<(std::time::Instant, &'static str)>>| {
            (*busy.locked()).map(|(at, w)| (at.elapsed(), w))
        };
        let guard = match self.job.clone().try_lock_owned() {
            Ok(g) => g,
            Err(_) => {
                let waited = match held(&self.busy) {
                    Some((age, _)) if age >= JOB_WAIT => None,
                    _ => tokio::time::timeout(JOB_WAIT, self.job.clone().lock_owned())
                        .await
                        .ok(),
                };
                match waited {
                    Some(g) => g,
                    None => {
                        let (age, holder) = held(&self.busy).unwrap_or((JOB_WAIT, "another call"));
                        return Err(ShimError::Busy(format!(
                            "cannot acquire state change lock (held by {holder} for {:.1} s: QEMU is not answering)",
                            age.as_secs_f64()
                        )));
                    }
                }
            }
        };
        {
            let mut b = self.busy.locked();
            *b = Some((std::time::Instant::now(), what));
        }
        Ok(Job {
            _guard: guard,
            busy: self.busy.clone(),
        })
    }

    /// Resolves once QEMU is gone and the final state is recorded.
    pub async fn wait_gone(&self) {
        let mut rx = self.gone.subscribe();
        let _ = rx.wait_for(|g| *g).await;
    }

    /// How many clients (drivers) are connected.
    pub fn client_count(&self) -> usize {
        self.clients.locked().len()
    }

    pub(crate) fn add_client(&self, c: Arc<oxvirt_rpc::server::Client>) {
        self.ever_connected
            .store(true, std::sync::atomic::Ordering::Relaxed);
        {
            let mut v = self.clients.locked();
            v.push(c);
        }
    }

    pub(crate) fn remove_client(&self, id: u64) {
        {
            let mut v = self.clients.locked();
            v.retain(|c| c.id != id);
        }
    }

    /// Send an event to every client.
    fn emit<E: ShimEvent>(&self, _event: E, body: &E::Body) {
        if let Ok(body) = oxvirt_xdr::to_bytes(body) {
            self.broadcast(E::PROC, body);
        }
    }

    fn broadcast(&self, procedure: i32, body: Vec<u8>) {
        let clients = self.clients.locked().clone();
        for c in clients {
            c.send_event(oxvirt_proto::message::SHIM_PROGRAM, procedure, body.clone());
        }
    }

    fn qmp(&self) -> Result<Arc<QmpClient>, ShimError> {
        self.qmp
            .locked()
            .clone()
            .ok_or_else(|| invalid("domain is not running"))
    }

    /// The status document once a start in progress has ended (a driver recovering after a
    /// crash may ask while QEMU is still being launched).
    pub async fn settled_status(&self) -> Result<DomainStatus, ShimError> {
        let started = self.rt.locked().is_some();
        if !started && self.start_tried.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = tokio::time::timeout(Duration::from_secs(120), self.job.lock()).await;
        }
        self.status()
    }

    /// The current status document.
    pub fn status(&self) -> Result<DomainStatus, ShimError> {
        let rt = self.rt.locked();
        rt.as_ref()
            .map(|r| r.status.clone())
            .ok_or_else(|| invalid("domain is not running"))
    }

    fn state(&self) -> (i32, i32) {
        self.rt
            .locked()
            .as_ref()
            .map(|r| (r.status.state, r.status.reason))
            .unwrap_or((state::SHUTOFF, shutoff::UNKNOWN))
    }

    /// Change the runtime state, write the status file, and (with `event >= 0`) tell clients.
    fn update(&self, f: impl FnOnce(&mut Runtime) -> Option<(i32, i32)>) {
        let (doc, ev) = {
            let mut g = self.rt.locked();
            let Some(rt) = g.as_mut() else { return };
            let key = |rt: &Runtime| {
                (
                    rt.status.state,
                    rt.status.reason,
                    rt.status.domain.current_memory_kib,
                    rt.status.taints.len(),
                )
            };
            let before = key(rt);
            let ev = f(rt).map(|(e, d)| StateEvent {
                state: rt.status.state,
                reason: rt.status.reason,
                event: e,
                detail: d,
            });
            // a flood of events that change nothing writes nothing
            let doc = (key(rt) != before || ev.is_some()).then(|| rt.status.format());
            (doc, ev)
        };
        if let Some(doc) = doc {
            self.write_status(&doc);
        }
        if let Some(ev) = ev {
            self.emit(sp::StateChanged, &ev);
        }
    }

    fn write_status(&self, doc: &str) {
        if let Err(e) = crate::fsutil::write_atomic(&status_path(&self.opts.dir), doc.as_bytes()) {
            warn!("cannot write the status file: {e}");
        }
    }

    /// Launch QEMU for the status document `start` (the live definition, shut off).
    pub async fn start(
        self: &Arc<Self>,
        start: DomainStatus,
        paused_start: bool,
        taps: Vec<std::os::fd::OwnedFd>,
    ) -> Result<DomainStatus, ShimError> {
        let _job = self.begin_job("start").await?;
        if self.rt.locked().is_some() {
            return Err(invalid("domain is already running"));
        }
        self.start_tried
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // volume disks as the file or block disks the driver resolved them to
        let command_domain = start.command_domain();
        let dom = &command_domain;
        // OXVIRT_SHIM_EMULATOR runs another program in QEMU's place (the tests play a
        // misbehaving QEMU with it)
        let emulator = match std::env::var("OXVIRT_SHIM_EMULATOR") {
            Ok(e) if !e.is_empty() => e,
            _ => dom.devices.emulator.clone().ok_or(ShimError::NoEmulator)?,
        };
        let mon_path = monitor_path(&self.opts.dir);
        let _ = std::fs::remove_file(&mon_path);
        let listener = StdUnixListener::bind(&mon_path).map_err(|source| ShimError::Io {
            what: format!("cannot create the monitor socket {}", mon_path.display()),
            source,
        })?;
        let cmd = oxvirt_qemu_command::build(
            dom,
            &oxvirt_qemu_command::Inputs {
                emulator: &emulator,
                monitor_fd: std::os::fd::AsRawFd::as_raw_fd(&listener),
                tap_fds: &taps
                    .iter()
                    .map(std::os::fd::AsRawFd::as_raw_fd)
                    .collect::<Vec<_>>(),
            },
        )?;
        log_line(
            &self.opts,
            &format!(
                "starting up: {} {}",
                cmd.program,
                cmd.args
                    .iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
        let jail = confine::qemu_jail(&self.opts.confine);
        let child =
            process::spawn(&cmd, &listener, &taps, &self.opts.log, jail).map_err(|source| {
                ShimError::Io {
                    what: format!("cannot execute {}", cmd.program),
                    source,
                }
            })?;
        // QEMU runs: the shim needs no more than watching and talking to it
        confine::confine_shim(&self.opts.confine);
        drop(listener);
        // QEMU holds the TAP devices now
        drop(taps);
        let pid = child.id() as i32;
        let watched = Watched::new(pid, Some(child)).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?;
        let mut status = start;
        status.qemu_pid = pid;
        status.qemu_start_ticks = process::start_ticks(pid).unwrap_or(0);
        status.monitor = mon_path.display().to_string();
        status.shim_pid = Some(std::process::id() as i32);
        status.started_at_ms = now_ms();
        status.state = state::PAUSED;
        status.reason = paused::STARTING_UP;
        self.write_status(&status.format());
        let signaller = Arc::new(Watched::new(pid, None).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?);
        *self.signaller.locked() = Some(signaller.clone());

        let r = self.connect_and_boot(&mut status, paused_start).await;
        if let Err(e) = r {
            // never leave a half-started VM: kill what was launched
            let _ = signaller.signal(Signal::KILL);
            let mut w = watched;
            let _ = tokio::time::timeout(Duration::from_secs(5), w.exited()).await;
            let msg = match e {
                ShimError::Qmp(QmpError::Connect { .. })
                | ShimError::Qmp(QmpError::Disconnected(
                    oxvirt_qmp::Disconnect::Eof | oxvirt_qmp::Disconnect::TruncatedEof,
                )) => ShimError::Internal(format!(
                    "qemu unexpectedly closed the monitor: {}",
                    log_tail(&self.opts.log)
                )),
                ShimError::Qmp(QmpError::Disconnected(reason)) => ShimError::Internal(format!(
                    "QEMU's monitor misbehaved, QEMU was stopped: {reason}"
                )),
                ShimError::Qmp(QmpError::GreetingTimeout(t)) => ShimError::Internal(format!(
                    "QEMU sent no monitor greeting within {} s, QEMU was stopped",
                    t.as_secs()
                )),
                other => other,
            };
            let _ = std::fs::remove_file(status_path(&self.opts.dir));
            return Err(msg);
        }
        *self.rt.locked() = Some(Runtime {
            status: status.clone(),
            intent: Intent::None,
        });
        self.write_status(&status.format());
        self.spawn_watchers(watched);
        self.update_guest_cpu(&mut status).await;
        Ok(status)
    }

    /// The live CPU as libvirt shows it once QEMU runs (`guest_cpu`). Done after the start
    /// is recorded, so a shim killed meanwhile leaves a running domain (shown with its CPU
    /// as defined), never an unrecorded QEMU.
    async fn update_guest_cpu(&self, status: &mut DomainStatus) {
        let Some(qmp) = self.qmp.locked().clone() else {
            return;
        };
        let mut dom = status.domain.clone();
        // a QEMU that does not answer promptly keeps the CPU as defined rather than holding
        // the start (and the domain's job) for the call timeout
        match tokio::time::timeout(GUEST_CPU_WAIT, crate::guest_cpu::update(&qmp, &mut dom)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                warn!("cannot read the guest CPU: {e}");
                return;
            }
            Err(_) => {
                warn!("QEMU did not tell the guest CPU within {GUEST_CPU_WAIT:?}");
                return;
            }
        }
        if dom.cpu == status.domain.cpu {
            return;
        }
        let doc = self.rt.locked().as_mut().map(|r| {
            r.status.domain.cpu = dom.cpu.clone();
            r.status.format()
        });
        if let Some(doc) = doc {
            self.write_status(&doc);
        }
        status.domain.cpu = dom.cpu;
    }

    async fn connect_and_boot(
        &self,
        status: &mut DomainStatus,
        paused_start: bool,
    ) -> Result<(), ShimError> {
        let qmp = Arc::new(QmpClient::connect(&status.monitor, self.opts.qmp.clone()).await?);
        *self.qmp.locked() = Some(qmp.clone());
        console::fill_ptys(&qmp, status).await?;
        for args in oxvirt_qemu_command::graphics::password_commands(&status.domain) {
            qmp.execute("set_password", Some(args)).await?;
        }
        if paused_start {
            status.state = state::PAUSED;
            status.reason = paused::USER;
        } else {
            qmp.execute("cont", None).await?;
            status.state = state::RUNNING;
            status.reason = running::BOOTED;
        }
        Ok(())
    }

    /// Reattach to the QEMU the status file names (a previous shim launched it).
    pub async fn reattach(self: &Arc<Self>) -> Result<DomainStatus, ShimError> {
        let _job = self.begin_job("reattach").await?;
        let mut status = read_status(&self.opts.dir)?;
        if !state_is_active(status.state)
            || !process::alive(status.qemu_pid, status.qemu_start_ticks)
        {
            return Err(ShimError::Internal(format!(
                "QEMU (pid {}) of domain '{}' is not running",
                status.qemu_pid, status.domain.name
            )));
        }
        let watched = Watched::new(status.qemu_pid, None).map_err(|source| ShimError::Io {
            what: "cannot watch the QEMU process".into(),
            source,
        })?;
        let signaller =
            Arc::new(
                Watched::new(status.qemu_pid, None).map_err(|source| ShimError::Io {
                    what: "cannot watch the QEMU process".into(),
                    source,
                })?,
            );
        *self.signaller.locked() = Some(signaller);
        let qmp = Arc::new(QmpClient::connect(&status.monitor, self.opts.qmp.clone()).await?);
        *self.qmp.locked() = Some(qmp.clone());
        // QEMU may have changed while nobody watched
        let st = qmp.execute("query-status", None).await?;
        let running_now = st.get("running").and_then(Value::as_bool).unwrap_or(false);
        let qstatus = st.get("status").and_then(Value::as_str).unwrap_or("");
        let mut pending_kill = false;
        if qstatus == "shutdown" {
            status.state = state::SHUTDOWN;
            status.reason = crate::states::shutdown::UNKNOWN;
            pending_kill = true;
        } else if running_now && status.state != state::RUNNING {
            status.state = state::RUNNING;
            status.reason = running::UNPAUSED;
        } else if !running_now && status.state == state::RUNNING {
            status.state = state::PAUSED;
            status.reason = paused::UNKNOWN;
        }
        status.shim_pid = Some(std::process::id() as i32);
        *self.rt.locked() = Some(Runtime {
            status: status.clone(),
            intent: Intent::None,
        });
        self.write_status(&status.format());
        self.spawn_watchers(watched);
        if pending_kill {
            self.after_guest_poweroff();
        }
        info!(pid = status.qemu_pid, "reattached to QEMU");
        confine::confine_shim(&self.opts.confine);
        Ok(status)
    }

    fn spawn_watchers(self: &Arc<Self>, mut watched: Watched) {
        let me = self.clone();
        tokio::spawn(async move {
            watched.exited().await;
            me.qemu_exited();
        });
        self.spawn_event_task();
    }

    /// Follow QMP events; when the monitor connection breaks while QEMU lives on (QEMU sent
    /// something we refuse: garbage, an oversized line, invalid UTF-8), reconnect a few times
    /// with a growing pause, then give up: the VM runs on, and calls that need QMP fail with
    /// the reason.
    fn spawn_event_task(self: &Arc<Self>) {
        let me = self.clone();
        let Some(mut events) = self.qmp().ok().and_then(|q| q.take_events()) else {
            return;
        };
        tokio::spawn(async move {
            while let Ok(ev) = events.recv().await {
                me.qmp_event(&ev.name, &ev.data);
            }
            let reason = me
                .qmp()
                .ok()
                .and_then(|q| q.disconnect_reason())
                .map(|r| r.to_string())
                .unwrap_or_else(|| "closed".into());
            if *me.gone.borrow() {
                return;
            }
            warn!("QMP connection lost: {reason}");
            log_line(&me.opts, &format!("QMP connection lost: {reason}"));
            let losses = me
                .qmp_losses
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if losses >= MAX_QMP_LOSSES {
                log_line(&me.opts,
                    "giving up on QMP after repeated failures: the VM runs on, calls that need QEMU's monitor fail",
                );
                return;
            }
            me.reconnect_qmp().await;
        });
    }

    async fn reconnect_qmp(self: &Arc<Self>) {
        let monitor = match self.status() {
            Ok(s) => s.monitor,
            Err(_) => return,
        };
        for pause_ms in [50u64, 500, 2000] {
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            if *self.gone.borrow() {
                return;
            }
            match QmpClient::connect(&monitor, self.opts.qmp.clone()).await {
                Ok(q) => {
                    {
                        let mut g = self.qmp.locked();
                        *g = Some(Arc::new(q));
                    }
                    log_line(&self.opts, "QMP connection restored");
                    self.spawn_event_task();
                    return;
                }
                Err(e) => warn!("QMP reconnect failed: {e}"),
            }
        }
        log_line(
            &self.opts,
            "giving up on QMP: the VM runs on, calls that need QEMU's monitor fail",
        );
    }

    fn qmp_event(self: &Arc<Self>, name: &str, data: &Value) {
        debug!(event = name, "QMP event");
        match name {
            "STOP" => self.update(|rt| {
                if rt.status.state == state::RUNNING && rt.intent != Intent::Rebooting {
                    rt.status.state = state::PAUSED;
                    rt.status.reason = paused::UNKNOWN;
                    Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
                } else {
                    None
                }
            }),
            "RESUME" => self.update(|rt| {
                if rt.status.state == state::PAUSED && rt.intent != Intent::Rebooting {
                    rt.status.state = state::RUNNING;
                    rt.status.reason = running::UNPAUSED;
                    Some((event::RESUMED, event::RESUMED_UNPAUSED))
                } else {
                    None
                }
            }),
            "SHUTDOWN" => {
                let guest = data.get("guest").and_then(Value::as_bool).unwrap_or(false);
                let mut reboot = false;
                self.update(|rt| {
                    // QEMU's SHUTDOWN on the SIGTERM of a destroy is an event too: libvirt 9.0
                    // sends "Shutdown Finished after host request" before "Stopped Destroyed"
                    // (measured against its libvirtd)
                    if rt.status.state == state::SHUTDOWN {
                        return None;
                    }
                    if rt.intent == Intent::FakeReboot && guest {
                        // down for the reboot: the domain stays "running" (as in libvirt), and
                        // QEMU's STOP and RESUME around the reset are not the user's
                        reboot = true;
                        rt.intent = Intent::Rebooting;
                        return None;
                    }
                    rt.status.state = state::SHUTDOWN;
                    rt.status.reason = crate::states::shutdown::UNKNOWN;
                    let detail = if guest {
                        event::SHUTDOWN_GUEST
                    } else {
                        event::SHUTDOWN_HOST
                    };
                    Some((event::SHUTDOWN, detail))
                });
                if reboot {
                    self.finish_fake_reboot();
                } else if guest {
                    self.after_guest_poweroff();
                }
            }
            "RESET" => self.emit(sp::Rebooted, &()),
            "DEVICE_DELETED" => {
                if let Some(alias) = data.get("device").and_then(Value::as_str) {
                    self.device_deleted(alias.to_owned());
                }
            }
            "DEVICE_UNPLUG_GUEST_ERROR" => {
                if let Some(alias) = data.get("device").and_then(Value::as_str) {
                    self.device_removal_failed(alias.to_owned());
                }
            }
            "BALLOON_CHANGE" => {
                if let Some(actual) = data.get("actual").and_then(Value::as_u64) {
                    let kib = actual / 1024;
                    self.update(|rt| {
                        rt.status.domain.current_memory_kib = Some(kib);
                        None
                    });
                    self.emit(sp::BalloonChanged, &sp::BalloonEvent { actual_kib: kib });
                }
            }
            _ => {}
        }
    }

    /// The guest powered off (QEMU waits, stopped, because of `-no-shutdown`): do what
    /// `<on_poweroff>` says.
    fn after_guest_poweroff(self: &Arc<Self>) {
        let action = self
            .rt
            .locked()
            .as_ref()
            .map(|r| r.status.domain.on_poweroff);
        match action {
            Some(oxvirt_conf::domain::Lifecycle::Restart) => self.finish_fake_reboot(),
            Some(oxvirt_conf::domain::Lifecycle::Preserve) => {}
            _ => {
                let me = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = me.kill(false).await {
                        warn!("cannot stop QEMU after the guest powered off: {e}");
                    }
                });
            }
        }
    }

    fn finish_fake_reboot(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move {
            let r = async {
                let q = me.qmp()?;
                q.execute("system_reset", None).await?;
                q.execute("cont", None).await?;
                Ok::<_, ShimError>(())
            }
            .await;
            match r {
                Ok(()) => me.update(|rt| {
                    rt.intent = Intent::None;
                    rt.status.state = state::RUNNING;
                    rt.status.reason = running::BOOTED;
                    None
                }),
                Err(e) => warn!("reboot failed: {e}"),
            }
        });
    }

    /// QEMU is gone: record why, tell the clients, let the shim end.
    fn qemu_exited(&self) {
        self.update(|rt| {
            let (reason, detail) = if rt.intent == Intent::Destroy {
                (shutoff::DESTROYED, event::STOPPED_DESTROYED)
            } else if rt.status.state == state::SHUTDOWN {
                (shutoff::SHUTDOWN, event::STOPPED_SHUTDOWN)
            } else {
                (shutoff::CRASHED, event::STOPPED_CRASHED)
            };
            rt.status.state = state::SHUTOFF;
            rt.status.reason = reason;
            Some((event::STOPPED, detail))
        });
        {
            let mut q = self.qmp.locked();
            if let Some(q) = q.take() {
                q.close();
            }
        }
        log_line(&self.opts, "QEMU has exited");
        self.gone.send_replace(true);
    }

    /// Stop QEMU: SIGTERM, then (unless graceful) SIGKILL if it is still there shortly after.
    async fn kill(&self, graceful: bool) -> Result<(), ShimError> {
        let sig = self
            .signaller
            .locked()
            .clone()
            .ok_or_else(|| invalid("domain is not running"))?;
        let mut gone = self.gone.subscribe();
        if *gone.borrow() {
            return Ok(());
        }
        let _ = sig.signal(Signal::TERM);
        // a stopped (SIGSTOP) QEMU cannot act on SIGTERM: no point in waiting for it
        let frozen = process::is_stopped(sig.pid());
        let patience = if frozen && !graceful {
            Duration::ZERO
        } else if graceful {
            Duration::from_secs(10)
        } else {
            Duration::from_millis(500)
        };
        if tokio::time::timeout(patience, gone.wait_for(|g| *g))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if graceful {
            return Err(ShimError::OperationFailed(format!(
                "Failed to terminate process {} with SIGTERM: Device or resource busy",
                sig.pid()
            )));
        }
        let _ = sig.signal(Signal::KILL);
        let killed = tokio::time::timeout(Duration::from_secs(10), gone.wait_for(|g| *g))
            .await
            .is_ok();
        if killed {
            Ok(())
        } else {
            Err(ShimError::OperationFailed(format!(
                "Failed to kill process {}",
                sig.pid()
            )))
        }
    }

    /// `virsh destroy`: stop QEMU (SIGTERM, then SIGKILL unless [`sp::DESTROY_GRACEFUL`]).
    pub async fn destroy(&self, flags: u32) -> Result<(), ShimError> {
        self.update(|rt| {
            rt.intent = Intent::Destroy;
            None
        });
        self.kill(flags & sp::DESTROY_GRACEFUL != 0).await
    }

    fn require_active(&self) -> Result<(i32, i32), ShimError> {
        let s = self.state();
        if !state_is_active(s.0) {
            return Err(invalid("domain is not running"));
        }
        Ok(s)
    }

    /// Pause the vCPUs (QMP `stop`).
    pub async fn suspend(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("suspend").await?;
        let (st, _) = self.require_active()?;
        if st == state::PAUSED {
            return Ok(());
        }
        if st != state::RUNNING {
            return Err(invalid("domain is not running"));
        }
        let q = self.qmp()?;
        // the STOP event must find the state already changed
        self.update(|rt| {
            rt.status.state = state::PAUSED;
            rt.status.reason = paused::USER;
            Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
        });
        if let Err(e) = q.execute("stop", None).await {
            self.update(|rt| {
                rt.status.state = state::RUNNING;
                rt.status.reason = running::UNPAUSED;
                Some((event::RESUMED, event::RESUMED_UNPAUSED))
            });
            return Err(e.into());
        }
        Ok(())
    }

    /// Resume the vCPUs (QMP `cont`).
    pub async fn resume(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("resume").await?;
        let (st, _) = self.require_active()?;
        if st == state::RUNNING {
            return Err(invalid("domain is already running"));
        }
        if st != state::PAUSED {
            return Err(invalid("domain is not running"));
        }
        let q = self.qmp()?;
        self.update(|rt| {
            rt.status.state = state::RUNNING;
            rt.status.reason = running::UNPAUSED;
            Some((event::RESUMED, event::RESUMED_UNPAUSED))
        });
        if let Err(e) = q.execute("cont", None).await {
            self.update(|rt| {
                rt.status.state = state::PAUSED;
                rt.status.reason = paused::USER;
                Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
            });
            return Err(e.into());
        }
        Ok(())
    }

    /// The ACPI power button; with `reboot`, reset the guest once it is down (`virsh reboot`).
    pub async fn shutdown(&self, reboot: bool) -> Result<(), ShimError> {
        let _job = self.begin_job("shutdown").await?;
        let (st, _) = self.require_active()?;
        if st != state::RUNNING && !reboot {
            return Err(invalid("domain is not running"));
        }
        if reboot {
            self.update(|rt| {
                rt.intent = Intent::FakeReboot;
                None
            });
        }
        self.qmp()?.execute("system_powerdown", None).await?;
        Ok(())
    }

    /// Hard reset (QMP `system_reset`).
    pub async fn reset(&self) -> Result<(), ShimError> {
        let _job = self.begin_job("reset").await?;
        self.require_active()?;
        // QEMU's RESET events become the reboot events
        self.qmp()?.execute("system_reset", None).await?;
        Ok(())
    }

    /// Balloon target in KiB.
    pub async fn set_memory(&self, kib: u64) -> Result<(), ShimError> {
        let _job = self.begin_job("setmem").await?;
        self.require_active()?;
        let max = self.status()?.domain.memory_kib;
        if kib > max {
            return Err(ShimError::InvalidArg(
                "cannot set memory higher than max memory".into(),
            ));
        }
        let has_balloon = self
            .status()?
            .domain
            .devices
            .memballoon
            .as_ref()
            .is_some_and(|b| b.model != "none");
        if !has_balloon {
            return Err(ShimError::OperationInvalid(
                "Unable to change memory of active domain without the balloon device and guest OS balloon driver".into(),
            ));
        }
        self.qmp()?
            .execute("balloon", Some(json!({"value": kib.saturating_mul(1024)})))
            .await?;
        Ok(())
    }

    /// `qemu-monitor-command`: the reply as libvirt returns it (QEMU's whole JSON reply, or
    /// HMP's text). The domain is tainted.
    pub async fn monitor_command(&self, cmd: &str, hmp: bool) -> Result<String, ShimError> {
        let _job = self.begin_job("monitor command").await?;
        self.require_active()?;
        let q = self.qmp()?;
        self.update(|rt| {
            if !rt.status.taints.iter().any(|t| t == "custom-monitor") {
                rt.status.taints.push("custom-monitor".into());
            }
            None
        });
        if hmp {
            let v = q
                .execute("human-monitor-command", Some(json!({"command-line": cmd})))
                .await?;
            return Ok(v.as_str().unwrap_or_default().to_owned());
        }
        let req: Value = serde_json::from_str(cmd).map_err(|e| {
            ShimError::InvalidArg(format!("cannot parse QEMU monitor command '{cmd}': {e}"))
        })?;
        let exec = req
            .get("execute")
            .and_then(Value::as_str)
            .ok_or_else(|| ShimError::InvalidArg("the monitor command has no 'execute'".into()))?;
        let args = req.get("arguments").cloned();
        let id = "oxvirt-monitor";
        match q.execute(exec, args).await {
            Ok(v) => Ok(json!({"return": v, "id": id}).to_string()),
            Err(QmpError::Command { class, desc }) => {
                Ok(json!({"id": id, "error": {"class": class, "desc": desc}}).to_string())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `domstats` groups (never waits for the job; QEMU gets a short deadline).
    pub async fn stats(&self, groups: u32) -> Result<sp::StatsRet, ShimError> {
        let st = self.status()?;
        let qmp = self.qmp().ok();
        Ok(sp::StatsRet {
            params: stats::gather(&st, qmp.as_deref(), groups).await,
        })
    }
}

/// How many times the shim reconnects to a QEMU whose monitor misbehaves.
const MAX_QMP_LOSSES: u32 = 5;

/// The longest a call waits for a VM's job.
pub const JOB_WAIT: Duration = Duration::from_millis(300);

/// A held job; released (and its holder forgotten) when dropped.
#[derive(Debug)]
struct Job {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    busy: Arc<Mutex<Option<(std::time::Instant, &'static str)>>>,
}

impl Drop for Job {
    fn drop(&mut self) {
        {
            let mut b = self.busy.locked();
            *b = None;
        }
    }
}

fn state_is_active(s: i32) -> bool {
    crate::states::is_active(s)
}
