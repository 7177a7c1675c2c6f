//! Add (integer linear combination), Mul, Rescale and rounded Div.

use super::sums::Pending;
use super::{once_per, Ctx};
use crate::builder::{Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use std::collections::HashMap;

/// What the arithmetic chip offers: element-wise integer arithmetic over broadcast operands,
/// exactly as the integer evaluator defines it.
pub(super) trait ArithInstructions {
    /// `Σ coeffs_i·x_i` per element: one multiply-accumulate chain each, or nothing for a
    /// difference a claimed extreme already laid out (see `GateInstructions::difference`).
    fn add(&mut self, ctx: &Ctx<'_>, coeffs: &[i64]) -> Vec<Cell>;

    /// `x·y` per element: one multiply-add gate each (rescaling is a separate node).
    fn mul(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// `sum + x·y` per element, for an `Add` that reads a deferred product
    /// (`Deferral::Product`): one affine multiply-add with the sum's only term (its sum of
    /// several terms first, the constant 0 for none).
    fn add_products(&mut self, sum: &[Pending], factors: &[(Cell, Cell)]) -> Vec<Cell>;

    /// q = floor((x + 2^(s−1)) / 2^s): witness q and r with `r + 2^s·q − 2^(s−1) = x`,
    /// `0 ≤ r < 2^s` and q a small integer; q is then unique because x is bounded far below
    /// the field size. With `offsets`, input element i is `x_i + offsets[i]` (a bias added by
    /// a sum deferred into this combination, see `sums`): the combination ends at `x_i` itself.
    fn rescale(&mut self, ctx: &Ctx<'_>, shift: u32, offsets: Option<&[i128]>) -> Vec<Cell>;

    /// The rescale of products `x_i·y_i` not laid out (a `Mul` read only by this rescale):
    /// each element one affine multiply-add `−r + x·y + 2^(s−1) = 2^s·q` with `r` from its
    /// limb when the shift fits one, else the product laid out and rescaled as usual.
    fn rescale_products(
        &mut self,
        ctx: &Ctx<'_>,
        shift: u32,
        factors: &[(Cell, Cell)],
    ) -> Vec<Cell>;

    /// out = floor((2·num·2^s + den) / (2·den)) with den ≥ 1: witness out and r with
    /// `r + out·2den = num·2^(s+1) + den`, `0 ≤ r` and `r ≤ 2den − 1`.
    fn div(&mut self, ctx: &Ctx<'_>, shift: u32) -> Vec<Cell>;
}

/// The arithmetic chip: lane gates and range checks only, so it needs no columns of its own.
pub(super) struct ArithChip<'b> {
    pub b: &'b mut Builder,
}

impl ArithInstructions for ArithChip<'_> {
    fn add(&mut self, ctx: &Ctx<'_>, coeffs: &[i64]) -> Vec<Cell> {
        let b = &mut *self.b;
        let ins: Vec<Vec<Cell>> = (0..coeffs.len()).map(|i| ctx.broadcast(i)).collect();
        if let ([x, y], [1, -1] | [-1, 1]) = (ins.as_slice(), coeffs) {
            let (a, c) = if coeffs[0] == 1 { (x, y) } else { (y, x) };
            return a.iter().zip(c).map(|(&a, &c)| b.difference(a, c, false)).collect();
        }
        (0..ctx.out_len())
            .map(|k| {
                let terms: Vec<(Cell, i128)> =
                    ins.iter().zip(coeffs).map(|(c, &w)| (c[k], i128::from(w))).collect();
                b.lincomb(&terms, 0)
            })
            .collect()
    }

    fn mul(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let (x, y) = (ctx.broadcast(0), ctx.broadcast(1));
        once_per(x.into_iter().zip(y), |_, &(x, y)| b.mul(x, y))
    }

    fn add_products(&mut self, sum: &[Pending], factors: &[(Cell, Cell)]) -> Vec<Cell> {
        let b = &mut *self.b;
        debug_assert_eq!(sum.len(), factors.len(), "a product per element of the sum");
        sum.iter()
            .zip(factors)
            .map(|(s, &(x, y))| {
                let z = match s.terms.as_slice() {
                    [one] => *one,
                    [] => (b.constant(0), 1),
                    terms => (b.lincomb(terms, 0), 1),
                };
                b.affine_product(z, x, y, s.konst)
            })
            .collect()
    }

    fn rescale(&mut self, ctx: &Ctx<'_>, shift: u32, offsets: Option<&[i128]>) -> Vec<Cell> {
        let b = &mut *self.b;
        let out = &ctx.q.tensors[ctx.node.output];
        let (checked, bound) = (out.checked, out.bound);
        let keys = ctx.ins[0].iter().enumerate().map(|(i, &x)| (x, offsets.map_or(0, |o| o[i])));
        once_per(keys, |_, &(x, offset)| rescale_one(b, x, offset, shift, bound, checked))
    }

    fn rescale_products(
        &mut self,
        ctx: &Ctx<'_>,
        shift: u32,
        factors: &[(Cell, Cell)],
    ) -> Vec<Cell> {
        let b = &mut *self.b;
        let half = 1i128 << (shift - 1);
        let out = &ctx.q.tensors[ctx.node.output];
        let (checked, bound) = (out.checked, out.bound);
        once_per(factors.iter().copied(), |_, &(x, y)| {
            let v = b.value(x) * b.value(y);
            let q = (v + half) >> shift;
            let r = v + half - (q << shift);
            let low = shift.min(b.limb_bits);
            let r_low = b.ranged(r & ((1i128 << low) - 1), low);
            let q = b.signed(q, bound, checked);
            if shift == low {
                b.rescaled_product(x, y, shift, r_low, q);
                return q;
            }
            // A remainder wider than a limb: the gate rounds at the low limb,
            // x·y + 2^(s−1) = 2^l·p + r_low, and p = 2^(s−l)·q + r_high with r_high's limbs,
            // seven cells where a product and a rescale of its limbs took nine.
            let mut terms = b.limbs(r >> low, shift - low);
            terms.push((q, 1i128 << (shift - low)));
            let p = b.lincomb(&terms, 0);
            b.rounded_product(x, y, (low, half), r_low, p);
            q
        })
    }

    fn div(&mut self, ctx: &Ctx<'_>, shift: u32) -> Vec<Cell> {
        let b = &mut *self.b;
        let (num, den) = (ctx.broadcast(0), ctx.broadcast(1));
        let out_t = &ctx.q.tensors[ctx.node.output];
        let (checked, bound) = (out_t.checked, out_t.bound);
        let den_bits = ctx.in_bits(1) + 1;
        // A divisor broadcast over many numerators (a softmax's row sum, a norm's deviation)
        // is proven ≥ 1 and doubled once, not once per element.
        let mut doubled: HashMap<Cell, Cell> = HashMap::new();
        once_per(num.into_iter().zip(den), |k, &(n, d)| {
            let out = (ctx.out_value)(k);
            let two_d = *doubled.entry(d).or_insert_with(|| {
                // den ≥ 1
                let dm1 = b.lincomb(&[(d, 1)], -1);
                b.range_check(dm1, den_bits);
                b.lincomb(&[(d, 2)], 0)
            });
            let big_n = b.lincomb(&[(n, 1i128 << (shift + 1)), (d, 1)], 0);
            let (vn, vd) = (b.value(big_n), b.value(two_d));
            let r_val = if b.known { vn - out * vd } else { 0 };
            let cells = b.run(&[r_val, out]);
            let back = b.mul_add(cells[0], cells[1], two_d);
            b.copy(back, big_n);
            b.range_check(cells[0], den_bits + 1);
            let slack = b.lincomb(&[(two_d, 1), (cells[0], -1)], -1);
            b.range_check(slack, den_bits + 1);
            if !checked {
                b.small(cells[1], bound);
            }
            cells[1]
        })
    }
}

/// The rescale of `x + offset`: q and r with `r + 2^s·q − 2^(s−1) − offset = x`, r from its
/// limbs and q in sign-magnitude form, both integers by construction (no field-element
/// quotient), q's calibrated bound proven exactly when it has one.
fn rescale_one(
    b: &mut Builder,
    x: Cell,
    offset: i128,
    shift: u32,
    bound: u64,
    exact: bool,
) -> Cell {
    let half = 1i128 << (shift - 1);
    let (mut terms, q) = quotient_and_limbs(b, b.value(x) + offset, shift, bound, exact);
    terms.push((q, 1i128 << shift));
    let back = b.lincomb(&terms, -half - offset);
    b.copy(back, x);
    q
}

/// The rescale of the value `v` by 2^s, rounded half up: the remainder
/// `v + 2^(s−1) − 2^s·q` as range-checked limbs (with their weights) and the quotient `q`,
/// proven small (exactly against `bound` when `exact`). The caller ties them to `v`.
pub(super) fn quotient_and_limbs(
    b: &mut Builder,
    v: i128,
    shift: u32,
    bound: u64,
    exact: bool,
) -> (Vec<(Cell, i128)>, Cell) {
    let half = 1i128 << (shift - 1);
    let q = (v + half) >> shift;
    let limbs = b.limbs(v + half - (q << shift), shift);
    (limbs, b.signed(q, bound, exact))
}
