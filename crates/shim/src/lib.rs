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

mod block_jobs;
pub mod confine;
mod console;
mod control;
mod domain_api;
mod error;
pub mod fsutil;
pub mod guest_cpu;
mod hotplug;
mod iotune;
mod launch;
mod media;
mod monitor;
mod process;
mod qemu_log;
mod save;
pub mod save_image;
mod serve;
mod service;
mod snapshot;
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
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oxvirt_conf::domain::DomainStatus;
use oxvirt_proto::shim::{self as sp, ShimEvent, StateEvent};
use tokio::sync::watch;
use tracing::warn;

use crate::states::{shutoff, state};
use oxvirt_qmp::{QmpClient, QmpConfig};
use process::Watched;

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

/// Why QEMU is going away, when we asked it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    None,
    Destroy,
    /// `virsh reboot`: power button now, reset when the guest is down.
    FakeReboot,
    /// The guest went down for a `virsh reboot`; the reset is under way.
    Rebooting,
    /// The VM's state is saved (`virsh save`): QEMU is stopped.
    Saved,
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
    /// The block jobs this shim started, by disk target.
    block_jobs: Mutex<block_jobs::BlockJobs>,
    /// Counts the block jobs that ended (an abort may wait for it to move).
    block_job_ended: watch::Sender<u64>,
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
            block_jobs: Mutex::new(Default::default()),
            block_job_ended: watch::channel(0).0,
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
}

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
