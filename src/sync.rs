//! Locking that survives a panic elsewhere.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, taking the guard even if another thread panicked while holding it.
///
/// Every mutex in this crate guards data that stays consistent between statements (a map, a
/// queue, a cached token), so a poisoned lock carries no broken invariant; refusing it would
/// only turn one panicking test or task into a failure of everything sharing the value.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
