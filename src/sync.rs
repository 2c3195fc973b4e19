//! Locks that survive a panic elsewhere.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, taking the data even if a thread panicked while holding it: the data this crate
/// guards stays consistent between statements, and one panicking test or task must not take a
/// whole client or server down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
