//! oxvirt's one policy for poisoned locks, written once and used at every lock site.
//!
//! A `std::sync` lock is *poisoned* when a thread panicked while holding it. oxvirt's code does
//! not panic on input (the workspace lints forbid `unwrap`, and input is checked), so a poisoned
//! lock means a bug was hit; the question is what every later user of the lock does.
//!
//! **The policy: recover.** The lock is taken anyway, with the data as the panicking thread left
//! it; the poisoning is logged once (at error level, naming the place that found it) and then
//! cleared, so the next users go on quietly. The alternatives both do harm:
//!
//! - *skipping* the work when the lock is poisoned (`if let Ok(g) = m.lock() { … }`) silently
//!   loses state updates: a VM that stopped stays "running", a registration is never removed;
//! - *failing* the call (`m.lock().map_err(…)?`) turns one panic into an error on every later
//!   call touching the object, until the daemon restarts.
//!
//! Recovering is sound here because every update under an oxvirt lock is small (one
//! assignment, one insert or remove) and what must survive a crash is on disk, written
//! atomically (crash-only design): the in-memory data is at worst one update behind, as after
//! any bug, and a restart rebuilds it from disk.
//!
//! Use [`MutexExt::locked`], [`RwLockExt::read_locked`] and [`RwLockExt::write_locked`] instead
//! of `lock()`, `read()` and `write()`:
//!
//! ```
//! use std::sync::{Mutex, RwLock};
//! use oxvirt_sync::{MutexExt, RwLockExt};
//!
//! let m = Mutex::new(1);
//! *m.locked() += 1;
//! let r = RwLock::new(vec![1]);
//! r.write_locked().push(2);
//! assert_eq!((*m.locked(), r.read_locked().len()), (2, 2));
//! ```
//!
//! (Async locks, `tokio::sync::Mutex`, have no poisoning and are used as they are.)

use std::panic::Location;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Log a poisoning once (the caller clears it).
#[track_caller]
fn poisoned(kind: &str) {
    let at = Location::caller();
    tracing::error!(
        "a {kind} was poisoned (a thread panicked while holding it; found at {}:{}): going on \
         with its data as the panic left it",
        at.file(),
        at.line()
    );
}

/// [`Mutex::lock`] under oxvirt's lock policy (see the crate's documentation).
pub trait MutexExt<T: ?Sized> {
    /// Lock, recovering a poisoned mutex.
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T: ?Sized> MutexExt<T> for Mutex<T> {
    #[track_caller]
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(|e: PoisonError<_>| {
            poisoned("mutex");
            self.clear_poison();
            e.into_inner()
        })
    }
}

/// [`RwLock::read`] and [`RwLock::write`] under oxvirt's lock policy (see the crate's
/// documentation).
pub trait RwLockExt<T: ?Sized> {
    /// Lock for reading, recovering a poisoned lock.
    fn read_locked(&self) -> RwLockReadGuard<'_, T>;
    /// Lock for writing, recovering a poisoned lock.
    fn write_locked(&self) -> RwLockWriteGuard<'_, T>;
}

impl<T: ?Sized> RwLockExt<T> for RwLock<T> {
    #[track_caller]
    fn read_locked(&self) -> RwLockReadGuard<'_, T> {
        self.read().unwrap_or_else(|e: PoisonError<_>| {
            poisoned("read-write lock");
            self.clear_poison();
            e.into_inner()
        })
    }

    #[track_caller]
    fn write_locked(&self) -> RwLockWriteGuard<'_, T> {
        self.write().unwrap_or_else(|e: PoisonError<_>| {
            poisoned("read-write lock");
            self.clear_poison();
            e.into_inner()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn poison_mutex(m: &Arc<Mutex<Vec<i32>>>) {
        let m2 = m.clone();
        let r = std::thread::spawn(move || {
            let mut g = m2.lock().expect("not yet poisoned");
            g.push(1);
            panic!("poison it");
        })
        .join();
        assert!(r.is_err());
        assert!(m.is_poisoned());
    }

    #[test]
    fn a_poisoned_mutex_is_recovered_with_its_data_and_cleared() {
        let m = Arc::new(Mutex::new(Vec::new()));
        poison_mutex(&m);
        // the update made before the panic is there, and the next one is not skipped
        m.locked().push(2);
        assert_eq!(*m.locked(), vec![1, 2]);
        assert!(!m.is_poisoned());
    }

    #[test]
    fn a_poisoned_rwlock_is_recovered_for_reading_and_writing() {
        let l = Arc::new(RwLock::new(0));
        let l2 = l.clone();
        let r = std::thread::spawn(move || {
            let mut g = l2.write().expect("not yet poisoned");
            *g = 5;
            panic!("poison it");
        })
        .join();
        assert!(r.is_err());
        assert!(l.is_poisoned());
        assert_eq!(*l.read_locked(), 5);
        assert!(!l.is_poisoned());
        *l.write_locked() += 1;
        assert_eq!(*l.read_locked(), 6);
    }
}
