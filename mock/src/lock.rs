//! Locks that survive a panic elsewhere, and the one order the server's locks are taken in.
//!
//! The order: the operations store ([`Level::Operations`]), then the resource store
//! ([`Level::Resources`]), then the notifications record ([`Level::Notifications`]). Every
//! other lock of the shared state is a [`Level::Leaf`]: nothing is taken while one is held.
//! A thread that takes a lock out of order would deadlock against one that keeps it, so debug
//! builds (every test) check the order on each take, before blocking, and panic naming both
//! locks.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, taking the guard even if another thread panicked while holding it: the server's
/// state stays consistent between statements, and one panicking test must not take the whole
/// server down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A lock's place in the order: a thread holding one may take only locks of a later level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// The operations store.
    Operations = 0,
    /// The resource store (the engine).
    Resources = 1,
    /// The notifications record, written while the engine is held.
    Notifications = 2,
    /// Faults, recorded requests, scripts, answers, the seeded draws: held alone.
    Leaf = 3,
}

const LEVELS: [Level; 4] = [
    Level::Operations,
    Level::Resources,
    Level::Notifications,
    Level::Leaf,
];

thread_local! {
    /// The levels this thread holds, one bit each.
    static HELD: Cell<u8> = const { Cell::new(0) };
}

/// A guard taken in order; derefs to the locked value.
pub(crate) struct Ordered<'a, T> {
    guard: MutexGuard<'a, T>,
    level: Level,
}

/// Locks `m`, a lock of `level`; in debug builds, panics first if this thread holds a lock of
/// that level or a later one.
#[track_caller]
pub(crate) fn lock_at<T>(m: &Mutex<T>, level: Level) -> Ordered<'_, T> {
    if cfg!(debug_assertions) {
        HELD.with(|held| {
            let bits = held.get();
            if bits >> level as u8 != 0 {
                let holding: Vec<Level> = LEVELS
                    .into_iter()
                    .filter(|l| bits & (1 << *l as u8) != 0)
                    .collect();
                panic!("lock order: {level:?} taken while holding {holding:?}");
            }
            held.set(bits | 1 << level as u8);
        });
    }
    Ordered {
        guard: lock(m),
        level,
    }
}

impl<T> Drop for Ordered<'_, T> {
    fn drop(&mut self) {
        if cfg!(debug_assertions) {
            HELD.with(|held| held.set(held.get() & !(1 << self.level as u8)));
        }
    }
}

impl<T> Deref for Ordered<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Ordered<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let err = std::panic::catch_unwind(f).expect_err("a panic");
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn locks_taken_in_order_are_taken_and_given_back() {
        let (ops, res, notes) = (Mutex::new(1), Mutex::new(2), Mutex::new(3));
        let a = lock_at(&ops, Level::Operations);
        let b = lock_at(&res, Level::Resources);
        let c = lock_at(&notes, Level::Notifications);
        assert_eq!(*a + *b + *c, 6);
        drop((c, b, a));
        // All given back: the first level can be taken again.
        drop(lock_at(&ops, Level::Operations));
    }

    #[test]
    fn a_lock_taken_out_of_order_panics_naming_both() {
        let message = panic_of(|| {
            let (ops, res) = (Mutex::new(()), Mutex::new(()));
            let _engine = lock_at(&res, Level::Resources);
            let _store = lock_at(&ops, Level::Operations);
        });
        assert!(
            message.contains("Operations taken while holding [Resources]"),
            "{message}"
        );
        let message = panic_of(|| {
            let (a, b) = (Mutex::new(()), Mutex::new(()));
            let _faults = lock_at(&a, Level::Leaf);
            let _recorder = lock_at(&b, Level::Leaf);
        });
        assert!(
            message.contains("Leaf taken while holding [Leaf]"),
            "{message}"
        );
        // The panics gave their locks back.
        drop(lock_at(&Mutex::new(()), Level::Operations));
    }
}
