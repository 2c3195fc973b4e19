//! Which RPCs a watcher makes next: for each location, a ListOperations sweep or one
//! GetOperation per operation, whichever costs fewer calls for the same lag.
//!
//! Within the lag target `L`, a location in *get* mode costs one GetOperation per watched
//! operation (each polled with a backoff capped at `L`), and in *sweep* mode one ListOperations
//! page per page of the location's listing, every `L`. The watcher does not know how many pages
//! a sweep takes until it has swept (a location may hold thousands of finished operations from
//! earlier days, and a server may ignore filters), so it starts from the watched count and
//! then uses what the last complete sweep took. It sweeps when that is strictly fewer calls.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::poll::Streak;

/// One watched operation.
#[derive(Debug)]
pub(super) struct Watched {
    /// `projects/{p}/locations/{l}`, when the name has one.
    pub(super) parent: Option<Arc<str>>,
    pub(super) next_get: Instant,
    pub(super) step: u32,
    /// Polls failed in a row.
    pub(super) streak: Streak,
    /// Not in the last complete sweep of its location: polled on its own until seen again.
    pub(super) missed: bool,
}

/// One location with watched operations.
#[derive(Debug)]
pub(super) struct Location {
    pub(super) watched: usize,
    /// Pages the last complete sweep took.
    pub(super) pages: Option<u32>,
    pub(super) next_sweep: Instant,
    /// Sweeps so far: like polls, sweeps start quick and back off to the lag target, so short
    /// operations are seen soon and long ones cost one sweep per lag.
    pub(super) step: u32,
    /// Sweeps failed in a row.
    pub(super) streak: Streak,
    /// A sweep failed for good (the server refuses to list it): get mode from now on.
    pub(super) unlistable: bool,
}

/// Everything watched, by name and by location.
#[derive(Debug, Default)]
pub(super) struct Registry {
    pub(super) ops: HashMap<String, Watched>,
    pub(super) locations: HashMap<Arc<str>, Location>,
}

/// What is due now, and when to look again.
#[derive(Debug, Default)]
pub(super) struct Due {
    pub(super) sweeps: Vec<Arc<str>>,
    pub(super) gets: Vec<String>,
    pub(super) wake: Option<Instant>,
}

impl Location {
    /// Whether a sweep of this location costs fewer calls than polling each operation.
    pub(super) fn sweeps(&self, page_size: u32) -> bool {
        let estimate = self
            .pages
            .unwrap_or_else(|| (self.watched as u32).div_ceil(page_size.max(1)))
            .max(1);
        !self.unlistable && (estimate as usize) < self.watched
    }
}

impl Registry {
    /// Adds `name` (a no-op if watched already), due for a first look at once.
    pub(super) fn add(&mut self, name: &str, now: Instant) {
        if self.ops.contains_key(name) {
            return;
        }
        let parent = name
            .rsplit_once("/operations/")
            .map(|(p, _)| p)
            .filter(|p| p.starts_with("projects/") && p.contains("/locations/"));
        let parent = parent.map(|p| match self.locations.get_key_value(p) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::from(p),
        });
        if let Some(p) = &parent {
            let location = self.locations.entry(Arc::clone(p)).or_insert(Location {
                watched: 0,
                pages: None,
                next_sweep: now,
                step: 0,
                streak: Streak::default(),
                unlistable: false,
            });
            location.watched += 1;
        }
        self.ops.insert(
            name.to_owned(),
            Watched {
                parent,
                next_get: now,
                step: 0,
                streak: Streak::default(),
                missed: false,
            },
        );
    }

    /// Stops watching `name`; whether it was watched.
    pub(super) fn remove(&mut self, name: &str) -> bool {
        let Some(w) = self.ops.remove(name) else {
            return false;
        };
        if let Some(p) = w.parent {
            if let Some(location) = self.locations.get_mut(&p) {
                location.watched -= 1;
                if location.watched == 0 {
                    self.locations.remove(&p);
                }
            }
        }
        true
    }

    /// The sweeps and gets due at `now`, and the earliest moment something else is due.
    pub(super) fn due(&self, now: Instant, page_size: u32) -> Due {
        let mut due = Due::default();
        let mut wake = |at: Instant| due_min(&mut due.wake, at);
        let sweeping: HashMap<&Arc<str>, bool> = self
            .locations
            .iter()
            .map(|(p, l)| (p, l.sweeps(page_size)))
            .collect();
        for (p, l) in &self.locations {
            if sweeping.get(p) == Some(&true) {
                if l.next_sweep <= now {
                    due.sweeps.push(Arc::clone(p));
                } else {
                    wake(l.next_sweep);
                }
            }
        }
        for (name, w) in &self.ops {
            let swept = w
                .parent
                .as_ref()
                .is_some_and(|p| sweeping.get(p) == Some(&true));
            if swept && !w.missed {
                continue;
            }
            if w.next_get <= now {
                due.gets.push(name.clone());
            } else {
                wake(w.next_get);
            }
        }
        due
    }
}

fn due_min(slot: &mut Option<Instant>, at: Instant) {
    *slot = Some(slot.map_or(at, |s| s.min(at)));
}

/// The delay before an operation's next GetOperation: the backoff, never longer than the lag.
pub(super) fn next_get_delay(backoff: &Backoff, step: u32, lag: Duration) -> Duration {
    backoff.delay(step).min(lag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watched_operation_stays_within_the_bytes_the_watch_figure_depends_on() {
        let watched = std::mem::size_of::<Watched>();
        assert!(
            watched <= 64,
            "Watched is {watched} bytes, over 64: one per watched operation, and 10,000 of them \
             peak at 17.4–18.2 MiB (BENCHMARKS.md, figure 10)"
        );
    }

    fn registry(names: impl IntoIterator<Item = String>) -> (Registry, Instant) {
        let now = Instant::now();
        let mut r = Registry::default();
        for n in names {
            r.add(&n, now);
        }
        (r, now)
    }

    #[tokio::test]
    async fn many_operations_in_a_location_are_swept() {
        let (r, now) = registry((0..50).map(|i| format!("projects/p/locations/l/operations/{i}")));
        let due = r.due(now, 1000);
        assert_eq!(due.sweeps.len(), 1);
        assert!(due.gets.is_empty());
    }

    #[tokio::test]
    async fn a_few_are_polled_and_a_costly_listing_is_not_swept() {
        let (mut r, now) =
            registry((0..3).map(|i| format!("projects/p/locations/l/operations/{i}")));
        // Three operations, but the location's listing took five pages last time.
        if let Some(l) = r.locations.values_mut().next() {
            l.pages = Some(5);
        }
        let due = r.due(now, 1000);
        assert!(due.sweeps.is_empty());
        assert_eq!(due.gets.len(), 3);
    }

    #[tokio::test]
    async fn names_without_a_location_are_polled() {
        let (r, now) = registry([
            "operations/1".to_owned(),
            "projects/p/operations/2".to_owned(),
        ]);
        let due = r.due(now, 1000);
        assert!(due.sweeps.is_empty());
        assert_eq!(due.gets.len(), 2);
        assert!(r.locations.is_empty());
    }

    #[tokio::test]
    async fn removing_the_last_operation_forgets_its_location() {
        let (mut r, _) = registry(["projects/p/locations/l/operations/1".to_owned()]);
        assert!(r.remove("projects/p/locations/l/operations/1"));
        assert!(!r.remove("projects/p/locations/l/operations/1"));
        assert!(r.locations.is_empty());
    }
}
