//! Second-phase cells: values that depend on a challenge drawn from the transcript after every
//! first-phase column is committed. Freivalds checks of linear layers live here.
//!
//! A second-phase lane carries the same two gates as a first-phase lane, except that its
//! multiply-add gate reads the challenge: `a0 + a1·(a2 + f·c) = a3` with the fixed `f` at the
//! gate's row (0 for dot products, 1 to multiply by `c`), and its three-term mac with `f0 = 1`
//! takes three Horner steps in `c` (sums against the powers of `c`). Values cannot be recorded as integers
//! at layout time, so each cell records how it follows from earlier cells ([`LateValue`]), and
//! [`Builder::late_values`] replays that log once the challenge is known.

use crate::builder::{Builder, Cell, Col, Gate, LateValue};
use crate::field::fe;
use crate::gadgets::mac_gate;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

impl Builder {
    /// Reserves `len` contiguous cells in the least-filled second-phase lane (adding the first
    /// such lane on demand).
    fn late_run(&mut self, len: usize) -> Vec<Cell> {
        if self.late.is_empty() {
            self.late.push(crate::builder::Lane::default());
        }
        let lane = crate::builder::least_filled(&self.late);
        let start = self.late[lane].values.len();
        self.late[lane].values.resize(start + len, 0);
        self.longest_run = self.longest_run.max(len);
        (0..len).map(|i| Cell { col: Col::Late(lane), row: start + i }).collect()
    }

    /// Records how the second-phase cell `at` is computed (a sizing layout needs no rule).
    fn log_late(&mut self, at: Cell, rule: LateValue) {
        if !self.sizing {
            self.late_log.push((at, rule));
        }
    }

    /// Places the copy of `from` at `at`: the value is replayed and the cells constrained equal.
    fn late_copy(&mut self, from: Cell, at: Cell) {
        self.log_late(at, LateValue::Copy(from));
        self.copy(from, at);
    }

    /// Every second-phase value for challenge `c`, per lane and row, by replaying the log
    /// (then the test hook's offsets).
    #[must_use]
    pub fn late_values(&self, c: Fr) -> Vec<Vec<Fr>> {
        let mut vals: Vec<Vec<Fr>> =
            self.late.iter().map(|l| vec![Fr::ZERO; l.values.len()]).collect();
        for &(at, rule) in &self.late_log {
            let get = |vals: &[Vec<Fr>], x: Cell| match x.col {
                Col::Late(l) => vals[l][x.row],
                _ => fe(self.value(x)),
            };
            let v = match rule {
                LateValue::Copy(x) => get(&vals, x),
                LateValue::Mac { acc, x, coef } => get(&vals, acc) + fe(coef) * get(&vals, x),
                LateValue::Mac3 { acc, terms } => terms
                    .iter()
                    .fold(get(&vals, acc), |sum, &(x, coef)| sum + fe(coef) * get(&vals, x)),
                LateValue::Horner3 { acc, terms } => {
                    terms.iter().fold(get(&vals, acc), |value, &t| value * c + get(&vals, t))
                }
                LateValue::MulAdd { a, b, c: m, f } => {
                    get(&vals, a) + get(&vals, b) * (get(&vals, m) + fe(f) * c)
                }
            };
            if let Col::Late(l) = at.col {
                vals[l][at.row] = v;
            }
        }
        #[cfg(feature = "test-hooks")]
        for (&at, &d) in &self.late_offsets {
            if let Col::Late(l) = at.col {
                vals[l][at.row] += fe(d);
            }
        }
        vals
    }
}

/// What the second-phase lanes offer: linear combinations and dot products whose values depend
/// on the challenge, and the challenge's powers, for Freivalds checks of linear layers.
pub trait FreivaldsInstructions {
    /// `Σ coef·x` over cells of either phase, as a second-phase multiply-accumulate chain
    /// `[0, x1, x2, x3, acc3, x4, …]` laid out as [`GateInstructions::lincomb`]'s. Costs
    /// 1 + n + ⌊n/3⌋ + n mod 3 cells.
    fn late_lincomb(&mut self, terms: &[(Cell, i128)]) -> Cell;

    /// `Σ a·b` over cells of either phase, as a second-phase chain `[0, a1, b1, acc1, …]` of
    /// overlapping multiply-add gates. Costs 1 + 3n cells.
    fn late_dot(&mut self, pairs: &[(Cell, Cell)]) -> Cell;

    /// The running sums of [`FreivaldsInstructions::late_dot`]'s chain, which it lays out
    /// anyway: `pairs.len() + 1` cells, the k-th holding `Σ_(i<k) a_i·b_i` (the constant 0
    /// first; a pair with a zero factor repeats the sum before it). A sum over any run of the
    /// pairs is then one difference (a convolution tap's share of an input row).
    fn late_dot_prefixes(&mut self, pairs: &[(Cell, Cell)]) -> Vec<Cell>;

    /// `a − b` as one mac step from `a` (three cells); `a` itself when `b` is the constant 0.
    fn late_difference(&mut self, a: Cell, b: Cell) -> Cell;

    /// Cells holding c^0 … c^(n−1) for the challenge `c`, shared by every check of the
    /// circuit: c^0 is the constant 1, and each further power is `0 + c^j·(0 + 1·c)`.
    fn challenge_powers(&mut self, n: usize) -> Vec<Cell>;

    /// `Σ_j xs[j]·c^j` over cells of either phase. With the three-term gate, by Horner's rule
    /// three coefficients a step, `[0, x_top, …, acc, …]` (the highest padded with zeros to a
    /// multiple of three): [`horner_cells`] cells where a dot product with the powers takes
    /// 1 + 3n. Without it, that dot product.
    fn late_powers_sum(&mut self, xs: &[Cell]) -> Cell;
}

/// Cells of [`FreivaldsInstructions::late_powers_sum`] over `n` coefficients, with (`mac3`)
/// or without the three-term gate.
#[must_use]
pub fn horner_cells(n: usize, mac3: bool) -> usize {
    match n {
        0 => 0,
        _ if mac3 => 1 + 4 * n.div_ceil(3),
        _ => 1 + 3 * n,
    }
}

impl FreivaldsInstructions for Builder {
    fn late_lincomb(&mut self, terms: &[(Cell, i128)]) -> Cell {
        let (zero, terms) = self.nonzero_terms(terms);
        if terms.is_empty() {
            return zero;
        }
        let steps = self.mac_steps(&terms);
        let cells = self.late_run(1 + terms.len() + steps.len());
        self.late_copy(zero, cells[0]);
        let mut at = 0;
        for step in steps {
            let width = step.len();
            let acc = cells[at];
            let mut placed = [(acc, 0); 3];
            for (j, &(x, coef)) in step.iter().enumerate() {
                let cell = cells[at + 1 + j];
                self.late_copy(x, cell);
                self.set_coef(cell, coef);
                placed[j] = (cell, coef);
            }
            self.enable(mac_gate(width), acc);
            let next = cells[at + width + 1];
            let rule = match width {
                3 => LateValue::Mac3 { acc, terms: placed },
                _ => LateValue::Mac { acc, x: placed[0].0, coef: placed[0].1 },
            };
            self.log_late(next, rule);
            at += width + 1;
        }
        cells[cells.len() - 1]
    }

    fn late_dot(&mut self, pairs: &[(Cell, Cell)]) -> Cell {
        let sums = self.late_dot_prefixes(pairs);
        sums[sums.len() - 1]
    }

    fn late_dot_prefixes(&mut self, pairs: &[(Cell, Cell)]) -> Vec<Cell> {
        let zero = self.constant(0);
        let kept = |&(a, b): &(Cell, Cell)| a != zero && b != zero;
        let terms = pairs.iter().filter(|p| kept(p)).count();
        let mut sums = Vec::with_capacity(pairs.len() + 1);
        sums.push(zero);
        if terms == 0 {
            sums.resize(pairs.len() + 1, zero);
            return sums;
        }
        let cells = self.late_run(1 + 3 * terms);
        self.late_copy(zero, cells[0]);
        let mut i = 0;
        for pair in pairs {
            if kept(pair) {
                let [acc, ca, cb, next] = [0, 1, 2, 3].map(|o| cells[3 * i + o]);
                self.late_copy(pair.0, ca);
                self.late_copy(pair.1, cb);
                self.enable(Gate::MulAdd, acc);
                self.log_late(next, LateValue::MulAdd { a: acc, b: ca, c: cb, f: 0 });
                i += 1;
            }
            sums.push(if i == 0 { zero } else { cells[3 * i] });
        }
        sums
    }

    fn late_difference(&mut self, a: Cell, b: Cell) -> Cell {
        if b == self.constant(0) {
            return a;
        }
        let cells = self.late_run(3);
        self.late_copy(a, cells[0]);
        self.late_copy(b, cells[1]);
        self.set_coef(cells[1], -1);
        self.enable(Gate::Mac, cells[0]);
        self.log_late(cells[2], LateValue::Mac { acc: cells[0], x: cells[1], coef: -1 });
        cells[2]
    }

    fn late_powers_sum(&mut self, xs: &[Cell]) -> Cell {
        if !self.mac3 {
            let r = self.challenge_powers(xs.len());
            return self.late_dot(&xs.iter().copied().zip(r).collect::<Vec<_>>());
        }
        let zero = self.constant(0);
        if xs.is_empty() {
            return zero;
        }
        // Highest coefficient first, zeros above it to fill the first step.
        let pad = (3 - xs.len() % 3) % 3;
        let coefs: Vec<Cell> =
            std::iter::repeat_n(zero, pad).chain(xs.iter().rev().copied()).collect();
        let steps = coefs.len() / 3;
        let cells = self.late_run(1 + 4 * steps);
        self.late_copy(zero, cells[0]);
        for (s, three) in coefs.chunks(3).enumerate() {
            let acc = cells[4 * s];
            let terms = [1, 2, 3].map(|j| cells[4 * s + j]);
            for (&x, &at) in three.iter().zip(&terms) {
                self.late_copy(x, at);
            }
            self.enable(Gate::Mac3, acc);
            // On a second-phase lane f0 switches the three-term step to Horner's.
            self.set_coef(acc, 1);
            self.log_late(cells[4 * s + 4], LateValue::Horner3 { acc, terms });
        }
        self.horner_steps += steps;
        cells[4 * steps]
    }

    fn challenge_powers(&mut self, n: usize) -> Vec<Cell> {
        if self.powers.is_empty() {
            let one = self.constant(1);
            self.powers.push(one);
        }
        let zero = self.constant(0);
        while self.powers.len() < n {
            let prev = self.powers[self.powers.len() - 1];
            let cells = self.late_run(4);
            self.late_copy(zero, cells[0]);
            self.late_copy(prev, cells[1]);
            self.late_copy(zero, cells[2]);
            self.enable(Gate::MulAdd, cells[0]);
            self.set_coef(cells[0], 1);
            self.log_late(
                cells[3],
                LateValue::MulAdd { a: cells[0], b: cells[1], c: cells[2], f: 1 },
            );
            self.powers.push(cells[3]);
        }
        self.powers[..n].to_vec()
    }
}
