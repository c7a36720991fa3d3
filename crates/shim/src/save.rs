//! `virsh save` and `managedsave` on the shim's side, and the incoming half of a restore.
//!
//! A save writes libvirt's image ([`crate::save_image`]) to the file the driver opened and
//! passed along: the partial header and the XML first, then QEMU's migration stream (QMP
//! `migrate` to the same file, handed to QEMU with `getfd`), the header marked complete last
//! (after an fsync), and only then is QEMU stopped: the domain ends shut off (saved). It runs
//! as its own task, so a driver that goes away meanwhile does not cut it.
//!
//! Crash safety: while a save runs, the file `DIR/saving` says whether the guest ran before.
//! A shim that finds it on reattach (its predecessor died mid-save) cancels the migration and
//! resumes the guest if it ran: the save has failed, its image never says complete, and the
//! VM is not lost.

use std::io::{Seek, SeekFrom};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use oxvirt_conf::domain::DomainStatus;
use oxvirt_qmp::QmpClient;
use serde_json::{json, Value};
use tracing::warn;

use crate::save_image::{self, Header};
use crate::states::{event, paused, running, state};
use crate::{log_line, Intent, Shim, ShimError};

/// The marker of a save in progress.
fn marker(dir: &Path) -> PathBuf {
    dir.join("saving")
}

/// How often a save or a restore asks QEMU how its migration goes.
const POLL: Duration = Duration::from_millis(100);

fn io(what: &str) -> impl FnOnce(std::io::Error) -> ShimError + '_ {
    move |source| ShimError::Io {
        what: what.to_owned(),
        source,
    }
}

impl Shim {
    /// Save the VM into `file` (see the module's documentation).
    pub async fn save(
        self: &Arc<Self>,
        domain_xml: String,
        was_running: bool,
        file: OwnedFd,
    ) -> Result<(), ShimError> {
        let me = self.clone();
        tokio::spawn(async move { me.save_task(domain_xml, was_running, file).await })
            .await
            .map_err(|e| ShimError::Internal(format!("the save task failed: {e}")))?
    }

    async fn save_task(
        self: &Arc<Self>,
        domain_xml: String,
        was_running: bool,
        file: OwnedFd,
    ) -> Result<(), ShimError> {
        let _job = self.begin_job("save").await?;
        let (st, _) = self.require_active()?;
        let q = self.qmp()?;
        let mut f = std::fs::File::from(file);
        let header = (|| {
            f.seek(SeekFrom::Start(0))?;
            f.set_len(0)?;
            save_image::write_prologue(&mut f, &domain_xml, was_running)
        })()
        .map_err(io("failed to write header to domain save file"))?;
        let ran = st == state::RUNNING;
        crate::fsutil::write_atomic(
            &marker(self.dir()),
            if ran { b"running" } else { b"paused" },
        )
        .map_err(io("cannot record the save"))?;
        let r = self.migrate_to_file(&q, ran, &f, header).await;
        match r {
            Ok(()) => {
                log_line(&self.opts, "domain saved; stopping QEMU");
                self.update(|rt| {
                    rt.intent = Intent::Saved;
                    None
                });
                let k = self.kill(false).await;
                let _ = std::fs::remove_file(marker(self.dir()));
                k
            }
            Err(e) => {
                log_line(&self.opts, &format!("save failed: {e}"));
                let _ = q.execute("migrate_cancel", None).await;
                if ran {
                    self.resume_after_save(&q).await;
                }
                let _ = std::fs::remove_file(marker(self.dir()));
                Err(e)
            }
        }
    }

    async fn migrate_to_file(
        &self,
        q: &QmpClient,
        ran: bool,
        f: &std::fs::File,
        mut header: Header,
    ) -> Result<(), ShimError> {
        if ran {
            self.update(|rt| {
                rt.status.state = state::PAUSED;
                rt.status.reason = paused::SAVE;
                Some((event::SUSPENDED, event::SUSPENDED_PAUSED))
            });
            q.execute("stop", None).await?;
        }
        // as fast as the disk takes it (QEMU's default is 128 MiB/s)
        q.execute(
            "migrate-set-parameters",
            Some(json!({"max-bandwidth": 1u64 << 40})),
        )
        .await?;
        q.getfd("migrate", f.as_fd()).await?;
        q.execute("migrate", Some(json!({"uri": "fd:migrate"})))
            .await?;
        wait_migration(q, "query-migrate").await?;
        // the stream is on disk before the header says the image is complete
        (|| {
            f.sync_all()?;
            header.complete = true;
            f.write_all_at(&header.encode(), 0)?;
            f.sync_all()
        })()
        .map_err(io("failed to write header to domain save file"))?;
        Ok(())
    }

    /// A save that failed: the guest runs again (libvirt's "save canceled").
    async fn resume_after_save(&self, q: &QmpClient) {
        self.update(|rt| {
            rt.status.state = state::RUNNING;
            rt.status.reason = running::SAVE_CANCELED;
            Some((event::RESUMED, event::RESUMED_UNPAUSED))
        });
        if let Err(e) = q.execute("cont", None).await {
            warn!("cannot resume the guest after a failed save: {e}");
        }
    }

    /// Reattaching: a predecessor died in the middle of a save. Its migration is cancelled and
    /// the guest resumed if it ran; the status says what the VM is now.
    pub(crate) async fn recover_save(&self, q: &QmpClient, status: &mut DomainStatus) {
        let m = marker(self.dir());
        let Ok(was) = std::fs::read_to_string(&m) else {
            return;
        };
        log_line(&self.opts, "a save was cut short: cancelling it");
        let _ = q.execute("migrate_cancel", None).await;
        if was == "running" {
            match q.execute("cont", None).await {
                Ok(_) => {
                    status.state = state::RUNNING;
                    status.reason = running::SAVE_CANCELED;
                }
                Err(e) => warn!("cannot resume the guest after a cut save: {e}"),
            }
        }
        let _ = std::fs::remove_file(&m);
    }
}

/// Poll `cmd` (`query-migrate`) until the migration has completed; a failed or cancelled one
/// is an error with QEMU's reason.
async fn wait_migration(q: &QmpClient, cmd: &str) -> Result<(), ShimError> {
    loop {
        let v = q.execute(cmd, None).await?;
        match v.get("status").and_then(Value::as_str) {
            Some("completed") => return Ok(()),
            Some(s @ ("failed" | "cancelled")) => {
                let why = v
                    .get("error-desc")
                    .and_then(Value::as_str)
                    .unwrap_or(s)
                    .to_owned();
                return Err(ShimError::OperationFailed(format!(
                    "operation failed: migration out job: {why}"
                )));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// The incoming half of a restore: QEMU (started with `-incoming defer`) reads the image's
/// migration stream from `image` (positioned at it); returns once the state is loaded. A
/// stream QEMU cannot load makes QEMU exit: the caller sees its monitor close.
pub(crate) async fn load_incoming(q: &QmpClient, image: &OwnedFd) -> Result<(), ShimError> {
    q.getfd("migrate", image.as_fd()).await?;
    q.execute("migrate-incoming", Some(json!({"uri": "fd:migrate"})))
        .await?;
    loop {
        let v = q.execute("query-status", None).await?;
        match v.get("status").and_then(Value::as_str) {
            Some("inmigrate") => tokio::time::sleep(POLL).await,
            Some("paused" | "prelaunch" | "postmigrate" | "running") => return Ok(()),
            Some(other) => {
                return Err(ShimError::OperationFailed(format!(
                    "operation failed: restoring the saved state left QEMU {other}"
                )))
            }
            None => tokio::time::sleep(POLL).await,
        }
    }
}

/// QEMU's arguments for a restore: `-incoming defer`, before `-msg` as libvirt places it (at
/// the end when there is none).
pub(crate) fn add_incoming(args: &mut Vec<String>) {
    let at = args
        .iter()
        .position(|a| a == "-sandbox" || a == "-msg")
        .unwrap_or(args.len());
    args.splice(at..at, ["-incoming".to_owned(), "defer".to_owned()]);
}
