//! The cell-level instructions every op chip is built from: linear combinations and products
//! on the lane gates ([`GateInstructions`]) and exact range checks on the range tables
//! ([`RangeInstructions`]). [`Builder`] implements both: it is the chip that records cells into
//! the columns the configs in [`crate::circuit`] own.

use crate::builder::{range_tag, Builder, Cell, Gate};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

/// What the gate lanes offer: linear combinations and products of cells, as runs of the
/// multiply-add and multiply-accumulate gates that `LaneConfig` configures on every lane.
pub trait GateInstructions {
    /// `konst + Σ coef·x` as one multiply-accumulate chain `[konst, x1, acc1, x2, acc2, …]`
    /// whose first cell is copied from the constant column, so the gate needs no fixed
    /// constant of its own. The inputs are copied in. Costs 1 + 2n cells.
    fn lincomb(&mut self, terms: &[(Cell, i128)], konst: i128) -> Cell;

    /// `a + b·c`. Costs 4 cells.
    fn mul_add(&mut self, a: Cell, b: Cell, c: Cell) -> Cell;

    /// `b·c`.
    fn mul(&mut self, b: Cell, c: Cell) -> Cell;

    /// Σ a_i·b_i for input-dependent vectors, as one chain `[0, a1, b1, acc1, a2, b2, …]`
    /// whose multiply-add gates overlap. Costs 1 + 3n cells.
    fn dot(&mut self, pairs: &[(Cell, Cell)]) -> Cell;

    /// `Σ coef·x` with field coefficients, for sums too wide for `i128` (packed words): the
    /// chain of [`GateInstructions::lincomb`] starting from the constant 0, its partial sums
    /// and coefficients recorded as wide values. Costs 1 + 2n cells.
    fn field_lincomb(&mut self, terms: &[(Cell, Fr)]) -> Cell;
}

impl GateInstructions for Builder {
    fn lincomb(&mut self, terms: &[(Cell, i128)], konst: i128) -> Cell {
        let (_, kept) = self.nonzero_terms(terms);
        let terms = kept.as_slice();
        if terms.is_empty() {
            return self.constant(konst);
        }
        let mut values = Vec::with_capacity(1 + 2 * terms.len());
        let mut acc = konst;
        values.push(acc);
        for &(x, c) in terms {
            acc += c * self.value(x);
            values.push(self.value(x));
            values.push(acc);
        }
        let cells = self.run(&values);
        let start = self.constant(konst);
        self.copy(start, cells[0]);
        for (i, &(x, c)) in terms.iter().enumerate() {
            let at = cells[1 + 2 * i];
            self.enable(Gate::Mac, cells[2 * i]);
            self.set_coef(at, c);
            self.copy(x, at);
        }
        cells[cells.len() - 1]
    }

    fn mul_add(&mut self, a: Cell, b: Cell, c: Cell) -> Cell {
        let (va, vb, vc) = (self.value(a), self.value(b), self.value(c));
        let cells = self.run(&[va, vb, vc, va + vb * vc]);
        self.enable(Gate::MulAdd, cells[0]);
        self.copy(a, cells[0]);
        self.copy(b, cells[1]);
        self.copy(c, cells[2]);
        cells[3]
    }

    fn mul(&mut self, b: Cell, c: Cell) -> Cell {
        let zero = self.constant(0);
        self.mul_add(zero, b, c)
    }

    fn dot(&mut self, pairs: &[(Cell, Cell)]) -> Cell {
        if pairs.is_empty() {
            return self.constant(0);
        }
        let mut values = vec![0i128];
        let mut acc = 0i128;
        for &(a, b) in pairs {
            let (va, vb) = (self.value(a), self.value(b));
            acc += va * vb;
            values.extend([va, vb, acc]);
        }
        let cells = self.run(&values);
        let zero = self.constant(0);
        self.copy(zero, cells[0]);
        for (i, &(a, b)) in pairs.iter().enumerate() {
            self.enable(Gate::MulAdd, cells[3 * i]);
            self.copy(a, cells[3 * i + 1]);
            self.copy(b, cells[3 * i + 2]);
        }
        cells[cells.len() - 1]
    }

    fn field_lincomb(&mut self, terms: &[(Cell, Fr)]) -> Cell {
        let mut values = vec![0i128];
        for &(x, _) in terms {
            values.extend([self.value(x), 0]);
        }
        let cells = self.run(&values);
        let zero = self.constant(0);
        self.copy(zero, cells[0]);
        let mut acc = Fr::ZERO;
        for (i, &(x, c)) in terms.iter().enumerate() {
            let (at, sum) = (cells[1 + 2 * i], cells[2 + 2 * i]);
            let xv = self.field_value(x);
            acc += c * xv;
            self.enable(Gate::Mac, cells[2 * i]);
            self.set_wide(at, Some(xv), Some(c));
            self.set_wide(sum, Some(acc), None);
            self.copy(x, at);
        }
        cells[cells.len() - 1]
    }
}

/// What the range table offers: exact bounds on cells, by lookups in the range tables that
/// `LookupConfig`'s lanes check (one table per limb width).
pub trait RangeInstructions {
    /// Proves `0 ≤ v < 2^bits` with limbs of at most `limb_bits` bits, each looked up in the
    /// range table of its exact width.
    fn range_check(&mut self, v: Cell, bits: u32);

    /// Proves `v` is a small integer, `−bound ≤ v < 2^c − bound` with `2^c > 2·bound`, with one
    /// range check. Quotients (rescale, division, square root) need this: their linear
    /// relations alone admit field elements `q + t·2^−s`, which a later exact multiplication
    /// by 2^s would turn back into a plausible but wrong value.
    fn small(&mut self, v: Cell, bound: u64);

    /// Proves `|v| ≤ bound` exactly: `bound + v` and `bound − v` are both in `[0, 2^c)` with
    /// `2^c > 2·bound`.
    fn bounded(&mut self, v: Cell, bound: u64);

    /// Proves `0 ≤ v ≤ bound` exactly: `v` and `bound − v` are both in `[0, 2^c)` with
    /// `2^c > bound`.
    fn at_most(&mut self, v: Cell, bound: u64);

    /// `(s, s·x)` with `s = [x ≥ 0]` for `|x| < 2^bits`, proven with one range check:
    /// `t = s ? x : −x − 1 = 2·s·x − x − 1 + s` must lie in `[0, 2^bits)` and `s` in `{0, 1}`.
    /// A false `s` makes `t` negative, i.e. a field element near the modulus, outside the range.
    fn sign(&mut self, x: Cell, bits: u32) -> (Cell, Cell);
}

impl RangeInstructions for Builder {
    fn range_check(&mut self, v: Cell, bits: u32) {
        if bits == 0 {
            let zero = self.constant(0);
            self.copy(zero, v);
            return;
        }
        let l = self.limb_bits;
        if bits <= l {
            self.lookup(range_tag(bits), v, 0);
            return;
        }
        let value = self.value(v);
        let n = bits.div_ceil(l);
        let mut terms = Vec::with_capacity(n as usize);
        for j in 0..n {
            let width = if j + 1 == n { bits - l * (n - 1) } else { l };
            let limb = (value >> (l * j)) & ((1i128 << width) - 1);
            let cell = self.run(&[limb])[0];
            self.lookup(range_tag(width), cell, 0);
            terms.push((cell, 1i128 << (l * j)));
        }
        let sum = self.lincomb(&terms, 0);
        self.copy(sum, v);
    }

    fn small(&mut self, v: Cell, bound: u64) {
        let b = i128::from(bound);
        let bits = 128 - (2 * b).leading_zeros();
        let shifted = self.lincomb(&[(v, 1)], b);
        self.range_check(shifted, bits);
    }

    fn bounded(&mut self, v: Cell, bound: u64) {
        let b = i128::from(bound);
        let bits = 128 - (2 * b).leading_zeros();
        let lo = self.lincomb(&[(v, 1)], b);
        self.range_check(lo, bits);
        let hi = self.lincomb(&[(v, -1)], b);
        self.range_check(hi, bits);
    }

    fn at_most(&mut self, v: Cell, bound: u64) {
        let b = i128::from(bound);
        let bits = 128 - b.leading_zeros();
        self.range_check(v, bits);
        let slack = self.lincomb(&[(v, -1)], b);
        self.range_check(slack, bits);
    }

    fn sign(&mut self, x: Cell, bits: u32) -> (Cell, Cell) {
        let (s, sx) = self.sign_bit(x);
        let t = self.lincomb(&[(sx, 2), (x, -1), (s, 1)], -1);
        self.range_check(t, bits);
        (s, sx)
    }
}

impl Builder {
    /// `(s, s·x)` with the witness `s = [x ≥ 0]` proven boolean, but not yet tied to the sign
    /// of `x`: the caller's range check on `(2s − 1)·x` (plus an offset) does that.
    pub(crate) fn sign_bit(&mut self, x: Cell) -> (Cell, Cell) {
        let s = self.run(&[i128::from(self.value(x) >= 0)])[0];
        self.lookup(range_tag(1), s, 0);
        let sx = self.mul(s, x);
        (s, sx)
    }

    /// The constant-0 cell and the terms that are not zero by construction: zero
    /// coefficients and the constant-0 cell that im2col padding produces cost nothing.
    pub(crate) fn nonzero_terms(&mut self, terms: &[(Cell, i128)]) -> (Cell, Vec<(Cell, i128)>) {
        let zero = self.constant(0);
        (zero, terms.iter().copied().filter(|&(c, w)| w != 0 && c != zero).collect())
    }
}

/// Exact ⌊sqrt(v)⌋ for v ≥ 0 (a float guess corrected by integer steps).
#[must_use]
pub(crate) fn isqrt(v: i128) -> i128 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let mut r = (v.max(0) as f64).sqrt() as i128;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}
