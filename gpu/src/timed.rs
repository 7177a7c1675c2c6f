//! An MSM wrapper that measures the wall time spent in MSMs, for benchmarks and reports.
//!
//! halo2 commits some columns in parallel, so summing per-call times would overcount: this
//! counts the time during which at least one MSM is in flight (the union of the intervals),
//! which is what an MSM speed-up can remove from a proof.

use crate::{BasesId, Msm, Result};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Clock {
    active: usize,
    since: Option<Instant>,
    busy: Duration,
    calls: u64,
    points: u64,
}

/// Totals of a [`Timed`] MSM.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MsmTotals {
    /// Wall time with at least one MSM in flight.
    pub busy: Duration,
    /// MSM calls.
    pub calls: u64,
    /// Points over all calls.
    pub points: u64,
}

/// Wraps an MSM and records its busy time, calls and points.
#[derive(Debug)]
pub struct Timed {
    inner: Arc<dyn Msm>,
    clock: Mutex<Clock>,
}

impl Timed {
    /// Wraps `inner`.
    #[must_use]
    pub fn new(inner: Arc<dyn Msm>) -> Self {
        Self { inner, clock: Mutex::new(Clock::default()) }
    }

    /// Totals so far (an MSM in flight counts up to now).
    #[must_use]
    pub fn totals(&self) -> MsmTotals {
        let Ok(c) = self.clock.lock() else { return MsmTotals::default() };
        let running = c.since.map_or(Duration::ZERO, |s| s.elapsed());
        MsmTotals { busy: c.busy + running, calls: c.calls, points: c.points }
    }

    /// Clears the totals.
    pub fn reset(&self) {
        if let Ok(mut c) = self.clock.lock() {
            let active = c.active;
            *c = Clock { active, since: (active > 0).then(Instant::now), ..Clock::default() };
        }
    }

    fn enter(&self, points: usize) {
        if let Ok(mut c) = self.clock.lock() {
            if c.active == 0 {
                c.since = Some(Instant::now());
            }
            c.active += 1;
            c.calls += 1;
            c.points += points as u64;
        }
    }

    fn leave(&self) {
        if let Ok(mut c) = self.clock.lock() {
            c.active = c.active.saturating_sub(1);
            if c.active == 0 {
                if let Some(s) = c.since.take() {
                    c.busy += s.elapsed();
                }
            }
        }
    }
}

impl Msm for Timed {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn msm(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> Result<G1> {
        self.enter(scalars.len());
        let r = self.inner.msm(scalars, bases, id);
        self.leave();
        r
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::thread::sleep;

    #[derive(Debug)]
    struct Sleepy;
    impl Msm for Sleepy {
        fn name(&self) -> String {
            "sleepy".into()
        }
        fn msm(&self, _: &[Fr], _: &[G1Affine], _: Option<BasesId>) -> Result<G1> {
            sleep(Duration::from_millis(50));
            Ok(G1::default())
        }
    }

    #[test]
    fn overlapping_calls_count_once() {
        let t = Arc::new(Timed::new(Arc::new(Sleepy)));
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..4 {
                let t = Arc::clone(&t);
                s.spawn(move || t.msm(&[Fr::one(); 3], &[], None).unwrap());
            }
        });
        let wall = start.elapsed();
        let totals = t.totals();
        assert_eq!((totals.calls, totals.points), (4, 12));
        assert!(totals.busy >= Duration::from_millis(50) && totals.busy <= wall, "{totals:?}");
        t.reset();
        assert_eq!(t.totals(), MsmTotals::default());
    }
}
