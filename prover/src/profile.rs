//! Where key generation and proving spend their time, measured from outside halo2.
//!
//! halo2 runs a proof as a fixed sequence of arguments, and every commitment goes through
//! [`crate::commit::MsmParams`]: advice columns, then the lookups' permuted columns, the
//! permutation's grand products, the lookups' grand products (all in Lagrange form), then the
//! vanishing argument's random polynomial and the quotient's pieces (in coefficient form), then
//! the multi-open. A [`Timeline`] records when each commitment and the multi-open start and
//! end; knowing from the constraint system how many commitments each argument makes, the gaps
//! between them are attributed to the work that precedes them ([`ProvePhases`]). This needs no
//! fork and no profiling build: the same numbers come from every `zkinfer prove`.

use std::sync::Mutex;
use std::time::Instant;

/// What a recorded interval was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A commitment to values in Lagrange form.
    Lagrange,
    /// A commitment to coefficients.
    Coeff,
    /// The SHPLONK multi-open.
    Open,
}

/// Start and end times of the commitments and the multi-open of one key generation or proof.
#[derive(Debug)]
pub struct Timeline {
    origin: Instant,
    events: Mutex<Vec<(Mark, f64, f64)>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    /// A timeline whose clock starts now.
    #[must_use]
    pub fn new() -> Self {
        Self { origin: Instant::now(), events: Mutex::new(Vec::new()) }
    }

    /// Records an interval that started at `start` and ends now.
    pub(crate) fn record(&self, mark: Mark, start: Instant) {
        let s = start.saturating_duration_since(self.origin).as_secs_f64();
        let e = self.origin.elapsed().as_secs_f64();
        if let Ok(mut events) = self.events.lock() {
            events.push((mark, s, e));
        }
    }

    /// Seconds since the clock started.
    #[must_use]
    pub fn elapsed(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn events(&self) -> Vec<(Mark, f64, f64)> {
        let mut events = self.events.lock().map(|e| e.clone()).unwrap_or_default();
        events.sort_by(|a, b| a.1.total_cmp(&b.1));
        events
    }

    /// Seconds inside commitments (overlapping ones counted once).
    #[must_use]
    pub fn commit_seconds(&self) -> f64 {
        let commits: Vec<_> = self.events().into_iter().filter(|e| e.0 != Mark::Open).collect();
        union(&commits)
    }
}

/// Records on `timeline`, when there is one, an interval that started at `start`.
pub(crate) fn record(timeline: Option<&Timeline>, mark: Mark, start: Instant) {
    if let Some(t) = timeline {
        t.record(mark, start);
    }
}

/// Total length of the union of intervals sorted by start.
fn union(events: &[(Mark, f64, f64)]) -> f64 {
    let mut total = 0.0;
    let mut covered_to = f64::NEG_INFINITY;
    for &(_, s, e) in events {
        let s = s.max(covered_to);
        if e > s {
            total += e - s;
            covered_to = e;
        }
    }
    total
}

/// How many commitments each argument of a proof makes, from its constraint system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arguments {
    /// Advice columns (every phase).
    pub advice: usize,
    /// Lookup arguments (two permuted columns and one product each).
    pub lookups: usize,
    /// Permutation grand products (columns in chunks of the degree minus two).
    pub permutation_products: usize,
}

impl Arguments {
    /// The counts for a proving key's constraint system.
    #[must_use]
    pub fn of(
        cs: &halo2_proofs::plonk::ConstraintSystem<halo2_proofs::halo2curves::bn256::Fr>,
    ) -> Self {
        let chunk = cs.degree().saturating_sub(2).max(1);
        Self {
            advice: cs.num_advice_columns(),
            lookups: cs.lookups().len(),
            permutation_products: cs.permutation().get_columns().len().div_ceil(chunk),
        }
    }
}

/// Seconds a proof spent per phase. They add up to the proof's time.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ProvePhases {
    /// zkinfer's layout: the witness placed in lanes, with every lookup and range limb.
    pub layout: f64,
    /// halo2's synthesis: the laid-out cells copied into its columns (every phase).
    pub synthesis: f64,
    /// Commitments to the advice columns.
    pub advice_commit: f64,
    /// Lookup arguments: permuted columns (sorting), grand products and their commitments.
    pub lookups: f64,
    /// Permutation argument: grand products and their commitments.
    pub permutation: f64,
    /// Quotient: advice columns to coefficients, the constraints evaluated on the extended
    /// domain, the quotient's pieces committed.
    pub quotient: f64,
    /// Evaluations of every polynomial at the challenge point.
    pub evaluations: f64,
    /// SHPLONK multi-open.
    pub opening: f64,
    /// Of the above, the time inside the commitments' MSMs (and their inverse FFTs when the
    /// SRS has no Lagrange points); the multi-open's own MSMs are in `opening` only.
    pub msm: f64,
}

impl ProvePhases {
    /// Attributes a proof's timeline (started right before halo2's `create_proof`, which
    /// returned `end` seconds later) to phases; `layout` is zkinfer's layout time, measured
    /// before. Counts that do not match the events (another halo2 sequence) leave the
    /// unmatched phases at zero and their time in the next matched one.
    #[must_use]
    pub fn attribute(timeline: &Timeline, args: Arguments, layout: f64, end: f64) -> Self {
        let events = timeline.events();
        let lagrange: Vec<_> = events.iter().copied().filter(|e| e.0 == Mark::Lagrange).collect();
        let coeff: Vec<_> = events.iter().copied().filter(|e| e.0 == Mark::Coeff).collect();
        let open = events.iter().find(|e| e.0 == Mark::Open).map_or((end, end), |e| (e.1, e.2));
        // The end of the last commitment of each successive group of Lagrange commitments.
        let mut at = 0;
        let mut last = 0.0_f64;
        let mut boundary = |count: usize| {
            let group = &lagrange[at.min(lagrange.len())..(at + count).min(lagrange.len())];
            at += count;
            last = group.iter().map(|e| e.2).fold(last, f64::max);
            (last, union(group))
        };
        let (advice_end, advice_commit) = boundary(args.advice);
        let (permuted_end, _) = boundary(2 * args.lookups);
        let (permutation_end, _) = boundary(args.permutation_products);
        let (products_end, _) = boundary(args.lookups);
        let quotient_end = coeff.iter().map(|e| e.2).fold(products_end, f64::max);
        let gap = |a: f64, b: f64| (b - a).max(0.0);
        Self {
            layout,
            synthesis: gap(advice_commit, advice_end),
            advice_commit,
            lookups: gap(advice_end, permuted_end) + gap(permutation_end, products_end),
            permutation: gap(permuted_end, permutation_end),
            quotient: gap(products_end, quotient_end),
            evaluations: gap(quotient_end, open.0),
            opening: gap(open.0, end.max(open.1)),
            msm: timeline.commit_seconds(),
        }
    }

    /// The sum of the phases (everything but `msm`, which they include).
    #[must_use]
    pub fn total(&self) -> f64 {
        self.layout
            + self.synthesis
            + self.advice_commit
            + self.lookups
            + self.permutation
            + self.quotient
            + self.evaluations
            + self.opening
    }
}

/// Seconds a key generation spent per phase.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SetupPhases {
    /// zkinfer's layout of the circuit (no witness).
    pub layout: f64,
    /// halo2's key generation: one synthesis, the fixed and permutation columns, their
    /// commitments (the verifying key) and polynomials (the proving key).
    pub keygen: f64,
    /// Of the above, the time inside commitment MSMs.
    pub msm: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(events: &[(Mark, f64, f64)]) -> Timeline {
        let t = Timeline::new();
        *t.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = events.to_vec();
        t
    }

    #[test]
    fn gaps_go_to_the_argument_that_follows() {
        use Mark::{Coeff, Lagrange, Open};
        // Two advice columns (committed in parallel), one lookup, one permutation product.
        let t = timeline(&[
            (Lagrange, 1.0, 2.0),
            (Lagrange, 1.5, 2.5),
            (Lagrange, 3.0, 3.5),
            (Lagrange, 3.5, 4.0),
            (Lagrange, 5.0, 5.5),
            (Lagrange, 7.0, 7.5),
            (Coeff, 7.6, 7.7),
            (Coeff, 9.0, 10.0),
            (Open, 11.0, 12.0),
        ]);
        let args = Arguments { advice: 2, lookups: 1, permutation_products: 1 };
        let p = ProvePhases::attribute(&t, args, 0.25, 12.5);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} != {b}");
        close(p.advice_commit, 1.5);
        close(p.synthesis, 1.0);
        close(p.lookups, 1.5 + 2.0);
        close(p.permutation, 1.5);
        close(p.quotient, 2.5);
        close(p.evaluations, 1.0);
        close(p.opening, 1.5);
        close(p.msm, 1.5 + 1.0 + 0.5 + 0.5 + 0.1 + 1.0);
        close(p.total(), 12.75);
    }

    #[test]
    fn missing_events_leave_phases_at_zero() {
        let p = ProvePhases::attribute(
            &timeline(&[]),
            Arguments { advice: 3, lookups: 2, permutation_products: 1 },
            0.0,
            4.0,
        );
        assert!(p.opening == 0.0 && p.evaluations == 4.0 && p.total() == 4.0, "{p:?}");
    }
}
