//! The cell-level instructions every op chip is built from: linear combinations and products
//! on the lane gates ([`GateInstructions`]) and exact range checks on the range tables
//! ([`RangeInstructions`]). [`Builder`] implements both: it is the chip that records cells into
//! the columns the configs in [`crate::config`] own.

use crate::builder::{range_tag, Builder, Cell, Gate, Split};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

/// What the gate lanes offer: linear combinations and products of cells, as runs of the
/// multiply-add and multiply-accumulate gates that `LaneConfig` configures on every lane.
pub trait GateInstructions {
    /// `konst + Σ coef·x` as one multiply-accumulate chain `[x1, x2, x3, x4, acc, x5, …]`:
    /// a term of coefficient 1 starts the chain (the constant 0 when none has), `konst` is
    /// the first step's fixed constant, three further terms go to a three-term mac step, the
    /// last `m mod 3` one to a mac step (see `Builder::mac_steps`; single steps only in lanes
    /// without the three-term gate). The inputs are copied in. With `m` terms after the start
    /// it costs 1 + m + ⌊m/3⌋ + m mod 3 cells (1 + 2m without): a rescale's `r + 2^s·q − h`
    /// is 3 cells where a zero start took 5.
    fn lincomb(&mut self, terms: &[(Cell, i128)], konst: i128) -> Cell;

    /// `a − b`: the cell a claimed extreme laid out for it when there is one (softmax's
    /// `max(x) − x` is its row maximum's gap), else a new 3-cell linear combination, kept for
    /// later callers when `remember`.
    fn difference(&mut self, a: Cell, b: Cell, remember: bool) -> Cell;

    /// `a + b·c`. Costs 4 cells.
    fn mul_add(&mut self, a: Cell, b: Cell, c: Cell) -> Cell;

    /// `b·c`.
    fn mul(&mut self, b: Cell, c: Cell) -> Cell;

    /// `c·z + x·y + konst` in one affine multiply-add `[z, x, y, out]` (coefficients
    /// `f0 = konst`, `f1 = c − 1`): a product and the sum that reads it (`x·x + x` before a
    /// pool) in four cells, where the product and a chain step took seven.
    fn affine_product(&mut self, z: (Cell, i128), x: Cell, y: Cell, konst: i128) -> Cell;

    /// Proves `x·y + 2^(shift−1) = 2^shift·q + r` in one affine multiply-add `[r, x, y, q]`
    /// (coefficients `f0 = 2^(shift−1)`, `f1 = −2`, `f2 = 2^shift − 1`), where a product and a
    /// separate rescale take seven cells. `r` and `q` are the caller's, with their ranges.
    fn rescaled_product(&mut self, x: Cell, y: Cell, shift: u32, r: Cell, q: Cell);

    /// [`GateInstructions::rescaled_product`] with any constant: `x·y + konst = 2^shift·q + r`
    /// (`f0 = konst`). An odd `x·y + 1` has no remainder at ±2^(shift−1), so a remainder proven
    /// in `[−(2^(shift−1) − 1), 2^(shift−1) − 1]` (one bound-table lookup) rounds uniquely.
    fn rounded_product(&mut self, x: Cell, y: Cell, rounding: (u32, i128), r: Cell, q: Cell);

    /// `Π factors` in the field, for products too wide for `i128` (the values are recorded as
    /// wide ones): one run `[0, f1, f2, p2, f3, p3, …]` whose multiply-add gates, every other
    /// row, each read the last product and the next factor (`p·f = p'`, the coefficient −1 on
    /// the row after the gate's cancelling its first cell). Costs 2n cells where a chain of
    /// separate multiplications took 4 a factor.
    fn field_product(&mut self, factors: &[Cell]) -> Cell;

    /// Σ a_i·b_i for input-dependent vectors, as one chain `[0, a1, b1, acc1, a2, b2, …]`
    /// whose multiply-add gates overlap. Costs 1 + 3n cells.
    fn dot(&mut self, pairs: &[(Cell, Cell)]) -> Cell;

    /// `Σ coef·x` with field coefficients, for sums too wide for `i128` (packed words): a
    /// chain of single mac steps `[0, x1, acc1, x2, acc2, …]` starting from the constant 0, its
    /// partial sums and coefficients recorded as wide values. Costs 1 + 2n cells.
    fn field_lincomb(&mut self, terms: &[(Cell, Fr)]) -> Cell;
}

/// The gate of a chain step adding `width` terms.
pub(crate) fn mac_gate(width: usize) -> Gate {
    if width == 3 {
        Gate::Mac3
    } else {
        Gate::Mac
    }
}

impl GateInstructions for Builder {
    fn lincomb(&mut self, terms: &[(Cell, i128)], konst: i128) -> Cell {
        let (zero, kept) = self.nonzero_terms(terms);
        if kept.is_empty() {
            return self.constant(konst);
        }
        // A unit term is the chain's first cell, unless it is the only term (a chain needs a
        // step to carry the constant).
        let unit = kept.iter().position(|&(_, c)| c == 1).filter(|_| kept.len() > 1);
        let mut rest = kept;
        let start = unit.map_or(zero, |i| rest.remove(i).0);
        let cells = self.chain(self.value(start), &rest, konst);
        self.copy(start, cells[0]);
        cells[cells.len() - 1]
    }

    fn difference(&mut self, a: Cell, b: Cell, remember: bool) -> Cell {
        if let Some(&d) = self.differences.get(&(a, b)) {
            return d;
        }
        let d = self.lincomb(&[(a, 1), (b, -1)], 0);
        if remember {
            self.differences.insert((a, b), d);
        }
        d
    }

    fn mul_add(&mut self, a: Cell, b: Cell, c: Cell) -> Cell {
        let (va, vb, vc) = (self.value(a), self.value(b), self.value(c));
        self.mul_add_run(a, b, c, va + vb * vc)[3]
    }

    fn mul(&mut self, b: Cell, c: Cell) -> Cell {
        let zero = self.constant(0);
        self.mul_add(zero, b, c)
    }

    fn affine_product(&mut self, (z, c): (Cell, i128), x: Cell, y: Cell, konst: i128) -> Cell {
        let out = c * self.value(z) + self.value(x) * self.value(y) + konst;
        let cells = self.mul_add_run(z, x, y, out);
        self.set_coef(cells[0], konst);
        self.set_coef(cells[1], c - 1);
        cells[3]
    }

    fn rescaled_product(&mut self, x: Cell, y: Cell, shift: u32, r: Cell, q: Cell) {
        self.rounded_product(x, y, (shift, 1i128 << (shift - 1)), r, q);
    }

    fn rounded_product(&mut self, x: Cell, y: Cell, (shift, konst): (u32, i128), r: Cell, q: Cell) {
        let values = [self.value(r), self.value(x), self.value(y), self.value(q)];
        let cells = self.run(&values);
        self.enable(Gate::MulAdd, cells[0]);
        for (from, to) in [r, x, y, q].into_iter().zip(&cells) {
            self.copy(from, *to);
        }
        self.set_coef(cells[0], konst);
        self.set_coef(cells[1], -2);
        self.set_coef(cells[2], (1i128 << shift) - 1);
    }

    fn field_product(&mut self, factors: &[Cell]) -> Cell {
        let (first, rest) = match factors {
            [] => return self.constant(1),
            [only] => return *only,
            [first, rest @ ..] => (*first, rest),
        };
        // The integer values stay 0: the wide ones replace them.
        let cells = self.run(&vec![0; 2 * factors.len()]);
        let zero = self.constant(0);
        self.copy(zero, cells[0]);
        self.copy(first, cells[1]);
        let mut product = self.field_value(first);
        self.set_wide(cells[1], Some(product), None);
        for (i, &f) in rest.iter().enumerate() {
            // Gate at row 2i: (1 + coef[2i+1])·a0 + a1·a2 + coef[2i] = (1 + coef[2i+2])·a3.
            let at = 2 * i;
            self.enable(Gate::MulAdd, cells[at]);
            self.set_coef(cells[at + 1], -1);
            self.copy(f, cells[at + 2]);
            let v = self.field_value(f);
            product *= v;
            self.set_wide(cells[at + 2], Some(v), None);
            self.set_wide(cells[at + 3], Some(product), None);
        }
        cells[cells.len() - 1]
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

    /// The limbs of `value` (honestly in `[0, 2^bits)`) as new lookup-lane cells, each in the
    /// range table of its width, with their weights `2^(limb_bits·j)`: a linear combination of
    /// them is an integer in `[0, 2^bits)` by construction, with no cell to copy from.
    fn limbs(&mut self, value: i128, bits: u32) -> Vec<(Cell, i128)>;

    /// A new cell holding `value`, proven in `[0, 2^bits)`: a single limb when it fits one,
    /// else the sum of its [`RangeInstructions::limbs`].
    fn ranged(&mut self, value: i128, bits: u32) -> Cell;

    /// A new cell holding `value`, proven an integer with `|value| ≤ bound` (exactly when
    /// `exact`, else `|value| < 2^bits_for(bound)`): a bound-table lookup where one is
    /// available, else a sign-magnitude split when exact, else `value + 2^b` from its limbs.
    fn signed(&mut self, value: i128, bound: u64, exact: bool) -> Cell;

    /// Proves the bound of an existing cell (exactly when `exact`) and returns what the proof
    /// left behind, reusing a proof already made for it when that one is tight enough.
    fn split(&mut self, x: Cell, bound: u64, exact: bool) -> Split;

    /// `|x|` for `|x| ≤ bound`, from the cell's sign-magnitude split (made if missing).
    fn magnitude(&mut self, x: Cell, bound: u64) -> Cell;

    /// Proves `v` is a small integer, `−bound ≤ v < 2^c − bound` with `2^c > 2·bound`, with one
    /// range check. Quotients (rescale, division, square root) need this: their linear
    /// relations alone admit field elements `q + t·2^−s`, which a later exact multiplication
    /// by 2^s would turn back into a plausible but wrong value.
    fn small(&mut self, v: Cell, bound: u64);

    /// Proves `|v| ≤ bound` exactly (recorded, so a ReLU reading `v` costs nothing more).
    fn bounded(&mut self, v: Cell, bound: u64);

    /// Proves `0 ≤ v ≤ bound` exactly: `v` and `bound − v` are both in `[0, 2^c)` with
    /// `2^c > bound`.
    fn at_most(&mut self, v: Cell, bound: u64);

    /// `(s, s·x)` with `s = [x ≥ 0]` for `|x| < 2^bits`, proven with one range check:
    /// `t = s ? x : −x − 1 = 2·s·x − x − 1 + s` must lie in `[0, 2^bits)` and `s` in `{0, 1}`.
    /// A false `s` makes `t` negative, i.e. a field element near the modulus, outside the range.
    fn sign(&mut self, x: Cell, bits: u32) -> (Cell, Cell);
}

/// Bits of the magnitudes up to `bound`: `2^bits > bound`.
fn magnitude_bits(bound: u64) -> u32 {
    u64::BITS - bound.leading_zeros()
}

/// The largest bound a bound table may prove for a check of `bound`: the bound itself when
/// exact, else `2^bits − 1`, all the inexact contract asks.
fn loosest_bound(bound: u64, exact: bool) -> u64 {
    match magnitude_bits(bound) {
        _ if exact => bound,
        0 => 0,
        bits => u64::MAX >> (u64::BITS - bits),
    }
}

impl RangeInstructions for Builder {
    fn range_check(&mut self, v: Cell, bits: u32) {
        if bits == 0 {
            let zero = self.constant(0);
            self.copy(zero, v);
            return;
        }
        if bits <= self.limb_bits {
            self.range_lookup(range_tag(bits), v);
            return;
        }
        let value = self.value(v);
        let terms = self.limbs(value, bits);
        let sum = self.lincomb(&terms, 0);
        self.copy(sum, v);
    }

    fn limbs(&mut self, value: i128, bits: u32) -> Vec<(Cell, i128)> {
        let l = self.limb_bits;
        let n = bits.div_ceil(l);
        (0..n)
            .map(|j| {
                // The top limb keeps every higher bit: a value out of range (a dishonest
                // witness) fails its lookup instead of wrapping into a consistent one.
                let width = if j + 1 == n { bits - l * (n - 1) } else { l };
                let limb = if j + 1 == n {
                    value >> (l * j)
                } else {
                    (value >> (l * j)) & ((1i128 << width) - 1)
                };
                (self.lookup_cell(range_tag(width), limb), 1i128 << (l * j))
            })
            .collect()
    }

    fn ranged(&mut self, value: i128, bits: u32) -> Cell {
        if bits == 0 {
            return self.constant(0);
        }
        let terms = self.limbs(value, bits);
        match terms.as_slice() {
            [(only, _)] => *only,
            _ => self.lincomb(&terms, 0),
        }
    }

    fn signed(&mut self, value: i128, bound: u64, exact: bool) -> Cell {
        if let Some((tag, table_bound)) =
            self.bound_table_within(bound, loosest_bound(bound, exact))
        {
            let (x, positive) = self.lookup_pair(tag, value, value.max(0));
            self.splits.insert(x, Split { positive, magnitude: None, max: table_bound });
            return x;
        }
        if exact {
            let (v, split) = self.sign_magnitude(value, bound);
            self.splits.insert(v, split);
            return v;
        }
        // `value + 2^b` from its limbs, shifted back in the same chain.
        let bits = magnitude_bits(bound);
        let limbs = self.limbs(value + (1i128 << bits), bits + 1);
        self.lincomb(&limbs, -(1i128 << bits))
    }

    fn split(&mut self, x: Cell, bound: u64, exact: bool) -> Split {
        if let Some(&split) = self.splits.get(&x) {
            if !exact || split.max <= bound {
                return split;
            }
        }
        let split = match self.bound_table_within(bound, loosest_bound(bound, exact)) {
            Some((tag, table_bound)) => {
                let v = self.value(x);
                let positive = self.lookup(tag, x, v.max(0));
                Split { positive, magnitude: None, max: table_bound }
            }
            None => self.copied_sign_magnitude(x, bound),
        };
        self.splits.insert(x, split);
        split
    }

    fn magnitude(&mut self, x: Cell, bound: u64) -> Cell {
        if let Some(m) = self.splits.get(&x).and_then(|s| s.magnitude) {
            return m;
        }
        let split = self.copied_sign_magnitude(x, bound);
        self.splits.entry(x).or_insert(split);
        split.magnitude.unwrap_or(x)
    }

    fn small(&mut self, v: Cell, bound: u64) {
        let b = i128::from(bound);
        let bits = 128 - (2 * b).leading_zeros();
        let shifted = self.lincomb(&[(v, 1)], b);
        self.range_check(shifted, bits);
    }

    fn bounded(&mut self, v: Cell, bound: u64) {
        self.split(v, bound, true);
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
    /// The multiply-add run `[a, b, c, out]` with `a`, `b`, `c` copied in and `out` holding
    /// `out_value`; a wide caller records the inputs' and output's field values itself.
    fn mul_add_run(&mut self, a: Cell, b: Cell, c: Cell, out_value: i128) -> Vec<Cell> {
        let (va, vb, vc) = (self.value(a), self.value(b), self.value(c));
        let cells = self.run(&[va, vb, vc, out_value]);
        self.enable(Gate::MulAdd, cells[0]);
        self.copy(a, cells[0]);
        self.copy(b, cells[1]);
        self.copy(c, cells[2]);
        cells
    }

    /// A new cell `v = (2σ − 1)·m` holding `value` with `m` proven in `[0, bound]` (see
    /// [`Split`]): one limb decomposition, one more range check only when `bound + 1` is not a
    /// power of two.
    fn sign_magnitude(&mut self, value: i128, bound: u64) -> (Cell, Split) {
        let bits = magnitude_bits(bound);
        let m = self.ranged(value.abs(), bits);
        // σ = 1 at 0 too, so that σ + 1 leaves the one-bit table (every cell matters).
        let s = self.lookup_cell(range_tag(1), i128::from(value >= 0));
        let positive = self.mul(s, m);
        // 2·positive + m·(−1): one multiply-add where a chain from 0 took five cells.
        let minus_one = self.constant(-1);
        let v = self.affine_product((positive, 2), m, minus_one, 0);
        let full = if bits == 0 { 0 } else { u64::MAX >> (u64::BITS - bits) };
        if bound < full {
            let slack = self.lincomb(&[(m, -1)], i128::from(bound));
            self.range_check(slack, bits);
        }
        (v, Split { positive, magnitude: Some(m), max: bound })
    }

    /// [`Builder::sign_magnitude`] of an existing cell.
    fn copied_sign_magnitude(&mut self, x: Cell, bound: u64) -> Split {
        let (v, split) = self.sign_magnitude(self.value(x), bound);
        self.copy(v, x);
        split
    }

    /// `(s, s·x)` with the witness `s = [x ≥ 0]` proven boolean, but not yet tied to the sign
    /// of `x`: the caller's range check on `(2s − 1)·x` (plus an offset) does that.
    pub(crate) fn sign_bit(&mut self, x: Cell) -> (Cell, Cell) {
        let s = self.lookup_cell(range_tag(1), i128::from(self.value(x) >= 0));
        let sx = self.mul(s, x);
        (s, sx)
    }

    /// A fresh cell holding `start`, and `start + konst + Σ coef·x` from it, in one chain: a
    /// combination whose first value is produced here rather than copied in (a matmul's
    /// claimed output, which its rescale decomposes, see `chips::rescaled`).
    pub(crate) fn claimed_lincomb(
        &mut self,
        start: i128,
        terms: &[(Cell, i128)],
        konst: i128,
    ) -> (Cell, Cell) {
        let cells = self.chain(start, terms, konst);
        (cells[0], cells[cells.len() - 1])
    }

    /// The cells of the mac chain `[start, terms…, acc]` (the accumulator after each step),
    /// with the constant on the first step; the caller ties the start cell to its value.
    fn chain(&mut self, start: i128, terms: &[(Cell, i128)], konst: i128) -> Vec<Cell> {
        let steps = self.mac_steps(terms);
        let mut values = Vec::with_capacity(1 + 2 * terms.len());
        let mut acc = start;
        values.push(acc);
        acc += konst;
        for step in &steps {
            for &(x, c) in *step {
                acc += c * self.value(x);
                values.push(self.value(x));
            }
            values.push(acc);
        }
        let cells = self.run(&values);
        if konst != 0 {
            self.set_coef(cells[0], konst);
        }
        let mut at = 0;
        for step in steps {
            self.enable(mac_gate(step.len()), cells[at]);
            for (j, &(x, c)) in step.iter().enumerate() {
                let cell = cells[at + 1 + j];
                self.set_coef(cell, c);
                self.copy(x, cell);
            }
            at += step.len() + 1;
        }
        cells
    }

    /// The constant-0 cell and the terms that are not zero by construction: zero
    /// coefficients and the constant-0 cell that im2col padding produces cost nothing, and a
    /// cell that appears more than once (a row sum over a mask's repeated exp) is one term
    /// with the coefficients added.
    pub(crate) fn nonzero_terms(&mut self, terms: &[(Cell, i128)]) -> (Cell, Vec<(Cell, i128)>) {
        let zero = self.constant(0);
        let mut kept: Vec<(Cell, i128)> = Vec::with_capacity(terms.len());
        let mut index: std::collections::HashMap<Cell, usize> = std::collections::HashMap::new();
        // Short combinations (almost all) are searched; long ones indexed.
        let indexed = terms.len() > 16;
        for &(c, w) in terms {
            if w == 0 || c == zero {
                continue;
            }
            let at = if indexed {
                index.get(&c).copied()
            } else {
                kept.iter().position(|&(k, _)| k == c)
            };
            match at.and_then(|i| kept[i].1.checked_add(w).map(|sum| (i, sum))) {
                Some((i, sum)) => kept[i].1 = sum,
                None => {
                    if indexed {
                        index.insert(c, kept.len());
                    }
                    kept.push((c, w));
                }
            }
        }
        kept.retain(|&(_, w)| w != 0);
        (zero, kept)
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
