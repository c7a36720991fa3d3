//! The shim process's life: serve `DIR/shim.sock` until QEMU is gone (or, before a start,
//! until nobody needs the shim), rotating QEMU's log meanwhile.

use oxvirt_sync::MutexExt;
use std::path::Path;
use std::time::Duration;

use tracing::warn;

use crate::service::ShimService;
use crate::{monitor_path, socket_path, Shim, ShimError, ShimOptions};

/// Run a shim: serve `DIR/shim.sock`; in reattach mode take over the running QEMU first.
/// `ready` is called once the socket accepts connections (or with the error that ended the
/// shim before). Returns when QEMU is gone and the driver has been told (or nobody listened).
pub async fn run(
    opts: ShimOptions,
    ready: impl FnOnce(Result<(), String>),
) -> Result<(), ShimError> {
    let shim = Shim::new(opts.clone());
    // QEMU writes to the log without us: its size is checked every few seconds
    let (log, limits) = (opts.log.clone(), opts.log_limits);
    let rotation = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            let _ = crate::vmlog::rotate_if_needed(&log, limits);
        }
    });
    let _rotation = AbortOnDrop(rotation);
    if opts.reattach {
        if let Err(e) = shim.reattach().await {
            ready(Err(e.to_string()));
            return Err(e);
        }
    }
    let sock = socket_path(&opts.dir);
    let listener = match oxvirt_rpc::server::Listener::bind(&sock, 0o600, false, "shim") {
        Ok(l) => l,
        Err(source) => {
            let e = ShimError::Io {
                what: format!("cannot listen on {}", sock.display()),
                source,
            };
            ready(Err(e.to_string()));
            return Err(e);
        }
    };
    let server = oxvirt_rpc::server::Server::new(
        ShimService::new(shim.clone()),
        oxvirt_rpc::server::ServerConfig {
            max_clients: 16,
            max_client_requests: 32,
            keepalive_interval: Duration::ZERO,
            ..Default::default()
        },
    );
    // The driver removes the directory of a stopped VM and may create it again for the next
    // start, with a new shim, while this one is still on its way out: clean up only while our
    // socket is still there (the same file, not the next shim's).
    let sock_id = file_id(&sock);
    let ours = || sock_id.is_some() && file_id(&sock) == sock_id;
    let serving = tokio::spawn(server.clone().serve(vec![listener]));
    ready(Ok(()));
    // Until QEMU runs, a shim without a client for long is an orphan, and one whose START
    // failed has nothing left to do once the driver hung up: give up.
    let idle_start = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = shim.wait_gone() => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                let started = shim.rt.locked().is_some();
                let tried = shim.start_tried.load(std::sync::atomic::Ordering::Relaxed)
                    || shim.ever_connected.load(std::sync::atomic::Ordering::Relaxed);
                if !started
                    && shim.client_count() == 0
                    && (tried || idle_start.elapsed() > Duration::from_secs(30))
                {
                    warn!("no QEMU to run and nobody connected: exiting");
                    server.shutdown();
                    let _ = serving.await;
                    if ours() {
                        let _ = std::fs::remove_file(&sock);
                    }
                    return Ok(());
                }
            }
        }
    }
    // QEMU is gone: wait for the driver to hang up (it saw the final state), at most a while.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while shim.client_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown();
    let _ = serving.await;
    if ours() {
        let _ = std::fs::remove_file(&sock);
        let _ = std::fs::remove_file(monitor_path(&opts.dir));
    }
    Ok(())
}

/// A file's identity: device, inode and (because an inode number is soon reused) change time.
fn file_id(p: &Path) -> Option<(u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p)
        .ok()
        .map(|m| (m.dev(), m.ino(), m.ctime(), m.ctime_nsec()))
}

/// Ends a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
