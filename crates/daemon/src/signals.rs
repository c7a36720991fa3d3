//! How a daemon ends: SIGTERM or SIGINT (stop accepting, let calls finish, exit), or an idle
//! timeout; SIGHUP asks it to reload its configuration and goes on.

use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tracing::info;

/// Why [`until_stopped`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// SIGTERM or SIGINT.
    Signal,
    /// Idle for the whole timeout.
    Idle,
}

/// Wait until the daemon should stop. `is_idle` is polled every second when `idle_timeout`
/// is set: the daemon stops once it has been idle for the whole timeout. `reload` runs on
/// every SIGHUP.
pub async fn until_stopped(
    is_idle: impl Fn() -> bool,
    idle_timeout: Option<Duration>,
    reload: impl Fn(),
) -> StopReason {
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        // without signal handlers, run until killed (or idle)
        return idle_wait(&is_idle, idle_timeout).await;
    };
    let idle = idle_wait(&is_idle, idle_timeout);
    tokio::pin!(idle);
    loop {
        tokio::select! {
            _ = term.recv() => return StopReason::Signal,
            _ = int.recv() => return StopReason::Signal,
            _ = hup.recv() => {
                info!("SIGHUP: reloading");
                reload();
            }
            r = &mut idle => return r,
        }
    }
}

async fn idle_wait(is_idle: &impl Fn() -> bool, timeout: Option<Duration>) -> StopReason {
    let Some(timeout) = timeout else {
        return std::future::pending().await;
    };
    let tick = Duration::from_secs(1).min(timeout);
    let mut idle_for = Duration::ZERO;
    loop {
        tokio::time::sleep(tick).await;
        if is_idle() {
            idle_for += tick;
            if idle_for >= timeout {
                info!("idle for {} s: exiting", timeout.as_secs());
                return StopReason::Idle;
            }
        } else {
            idle_for = Duration::ZERO;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn idle_timeout_counts_only_idle_time() {
        let busy = AtomicBool::new(true);
        let wait = until_stopped(
            || !busy.load(Ordering::SeqCst),
            Some(Duration::from_secs(1)),
            || {},
        );
        tokio::pin!(wait);
        // busy: does not stop, however long
        assert!(tokio::time::timeout(Duration::from_millis(2500), &mut wait)
            .await
            .is_err());
        busy.store(false, Ordering::SeqCst);
        let r = tokio::time::timeout(Duration::from_secs(5), &mut wait).await;
        assert_eq!(r, Ok(StopReason::Idle));
    }
}
