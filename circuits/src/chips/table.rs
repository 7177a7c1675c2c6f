//! Function lookups: every table of the quantized graph becomes a tagged block of the shared
//! lookup table, so nodes with the same function and scales share it.

use super::{once_per, Ctx};
use crate::builder::{Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use std::collections::BTreeMap;
use zkinfer_quantize::{QGraph, QOp};

/// The tags of one quantized-graph table: its entries `(i, T[i])` and, for an interpolated
/// table looked up at least as many times as it has entries, its differences
/// `(i, T[i+1] − T[i])` over every grid point but the last: one lookup and eight cells fewer
/// per interpolation for a second copy of the table (which a few lookups would not repay).
#[derive(Clone, Copy, Debug)]
pub(super) struct TableTags {
    /// Tag of the entries.
    pub value: u64,
    /// Tag of the differences.
    pub diff: Option<u64>,
    /// Tag of a factored table's low factor (`Table::factor`).
    pub low: Option<u64>,
}

pub(super) fn register_tables(b: &mut Builder, q: &QGraph) -> Vec<TableTags> {
    let mut uses = vec![0u64; q.tables.len()];
    for n in &q.nodes {
        if let QOp::Lookup { table } = n.op {
            if let Some(u) = uses.get_mut(table) {
                *u += q.tensors[n.output].shape.iter().product::<usize>() as u64;
            }
        }
    }
    q.tables
        .iter()
        .zip(uses)
        .map(|(t, uses)| {
            // A factored table's entries are doubled (see `TableChip::lookup`).
            let unit = if t.factor.is_some() { 2 } else { 1 };
            let value = b.add_function_table(
                (t.lo..=t.hi).map(|i| (i128::from(i), unit * i128::from(t.entry(i)))),
            );
            let low = t.factor.map(|_| {
                b.add_function_table((0..).zip(t.low_entries()).map(|(j, v)| (j, i128::from(v))))
            });
            let diff =
                (t.step > 0 && t.factor.is_none() && uses >= t.len()).then(|| {
                    b.add_function_table((t.lo..t.hi).map(|i| {
                        (i128::from(i), i128::from(t.entry(i + 1)) - i128::from(t.entry(i)))
                    }))
                });
            TableTags { value, diff, low }
        })
        .collect()
}

/// One table per constant tensor used as Gather data: entry `key = flat index`, value the
/// element. Keyed by the data tensor so several gathers of one embedding share it.
pub(super) fn register_gather_tables(b: &mut Builder, q: &QGraph) -> BTreeMap<usize, u64> {
    let mut tags = BTreeMap::new();
    for n in q.nodes.iter().filter(|n| matches!(n.op, zkinfer_quantize::QOp::Gather { .. })) {
        let data = n.inputs[0];
        if tags.contains_key(&data) {
            continue;
        }
        if let Some(v) = &q.tensors[data].value {
            let tag = b.add_function_table(
                v.iter().enumerate().map(|(i, &x)| (i128::try_from(i).unwrap_or(0), i128::from(x))),
            );
            tags.insert(data, tag);
        }
    }
    tags
}

/// What the table chip offers: a nonlinear function by lookup in its tagged table, exact or
/// interpolated.
pub(super) trait TableInstructions {
    /// `step = 0`: one lookup. Otherwise `x = hi·2^step + lo` with `lo` range-checked, the
    /// entry `T[hi]` and the slope `T[hi+1] − T[hi]` (from the table of differences, else a
    /// second entry lookup at `hi + 1`; either confines `hi` to the grid), and the rounded
    /// interpolation `out = floor((T[hi]·2^step + slope·lo + 2^(step−1)) / 2^step)`, proven
    /// as `out·2^step + r` with `0 ≤ r < 2^step` and `out` a small integer.
    fn lookup(&mut self, ctx: &Ctx<'_>, table: usize) -> Vec<Cell>;
}

/// The table chip: the function tables registered for the graph, shared by every node with
/// the same function and scales.
pub(super) struct TableChip<'b> {
    pub b: &'b mut Builder,
    /// Tags of each of the graph's tables (from [`register_tables`]).
    pub tags: &'b [TableTags],
}

impl TableInstructions for TableChip<'_> {
    fn lookup(&mut self, ctx: &Ctx<'_>, table: usize) -> Vec<Cell> {
        let b = &mut *self.b;
        let t = &ctx.q.tables[table];
        let TableTags { value: tag, diff, low } = self.tags[table];
        let known = b.known;
        // A table's value at a witness value (0 when sizing, with no witness).
        let read = |f: &dyn Fn(i64) -> i64, i: i128| {
            if known {
                i64::try_from(i).map_or(0, |i| i128::from(f(i)))
            } else {
                0
            }
        };
        let entry = |i: i128| read(&|i| t.entry(i), i);
        // Every path below confines x to the grid's inputs (by the entry lookup of x or of
        // its high part); on a grid starting at 0 that proves x ≥ 0, which a row maximum's
        // gap needs (`Builder::range_check_unless_looked_up`).
        let non_negative = t.lo >= 0;
        if t.step == 0 {
            return once_per(ctx.ins[0].iter().copied(), |_, &x| {
                let y = entry(b.value(x));
                if non_negative {
                    b.looked_up_non_negative(x);
                }
                b.lookup(tag, x, y)
            });
        }
        let d = t.step;
        let (unit, half) = (1i128 << d, 1i128 << (d - 1));
        if let (Some(shift), Some(low_tag)) = (t.factor, low) {
            let low_entry = |j: i128| read(&|j| t.low_entry(j), j);
            let top = t.max_abs();
            let bits = 64 - top.leading_zeros();
            let limit = (1u64 << shift) - 1;
            // Whether bound tables prove the quotient and the remainder (the first call
            // registers the table, which then serves every element).
            let q_table = b.bound_table_within(top, (1u64 << bits) - 1).is_some();
            let r_table = b.bound_table_within(limit, limit).is_some();
            return once_per(ctx.ins[0].iter().copied(), |_, &x| {
                let v = b.value(x);
                let (hi, lo) = (v >> d, v & (unit - 1));
                // Both halves are born in their factor's lookup, which also bounds them:
                // x = hi·2^d + lo with 0 ≤ lo < 2^d and hi on the grid.
                let (hi_cell, big) = b.lookup_pair(tag, hi, 2 * entry(hi));
                let (lo_cell, small) = b.lookup_pair(low_tag, lo, low_entry(lo));
                let back = b.lincomb(&[(hi_cell, unit), (lo_cell, 1)], 0);
                b.copy(back, x);
                if non_negative {
                    b.looked_up_non_negative(x);
                }
                // out = round(T·L / 2^s) from the doubled entry T' = 2T: 2TL + 1 is odd, so
                // 2TL + 1 − 2^(s+1)·out lies in ±(2^s − 1), where a bound table proves it in
                // one lookup; without one, 2TL + 2^s − 2^(s+1)·out in [0, 2^(s+1)) by limbs.
                let product = 2 * entry(hi) * low_entry(lo);
                let out = (product + (1i128 << shift)) >> (shift + 1);
                let q = if q_table { b.signed(out, top, false) } else { b.ranged(out, bits) };
                if r_table {
                    let r = b.signed(product + 1 - (out << (shift + 1)), limit, true);
                    b.rounded_product(big, small, (shift + 1, 1), r, q);
                } else {
                    let r = b.ranged(product + (1i128 << shift) - (out << (shift + 1)), shift + 1);
                    b.rescaled_product(big, small, shift + 1, r, q);
                }
                q
            });
        }
        // `out` is proven in [−offset, 2^bits − offset): interpolated values lie between
        // neighbouring entries, so within ±max_abs, and in [0, max_abs] for a table with no
        // negative entry, which then needs no offset (nor a cell to take it off again).
        let bound = i128::from(t.max_abs());
        let offset = if t.non_negative() { 0 } else { bound };
        let bits = 128 - (offset + bound).leading_zeros();
        once_per(ctx.ins[0].iter().copied(), |_, &x| {
            let v = b.value(x);
            let (hi, lo) = (v >> d, v & (unit - 1));
            let (f0v, f1v) = (entry(hi), entry(hi + 1));
            // hi is born in its entry lookup, lo in the range table: x = hi·2^d + lo.
            let (hi_cell, f0) = b.lookup_pair(tag, hi, f0v);
            let lo_cell = b.ranged(lo, d);
            let back = b.lincomb(&[(hi_cell, unit), (lo_cell, 1)], 0);
            b.copy(back, x);
            if non_negative {
                b.looked_up_non_negative(x);
            }
            let slope = match diff {
                Some(diff) => b.lookup(diff, hi_cell, f1v - f0v),
                None => {
                    let next = b.lincomb(&[(hi_cell, 1)], 1);
                    let f1 = b.lookup(tag, next, f1v);
                    b.lincomb(&[(f1, 1), (f0, -1)], 0)
                }
            };
            let prod = b.mul(slope, lo_cell);
            let a = f0v * unit + (f1v - f0v) * lo + half;
            let out = a >> d;
            let mut terms = b.limbs(a - (out << d), d);
            let shifted = b.ranged(out + offset, bits);
            terms.push((shifted, unit));
            terms.push((f0, -unit));
            // r + (out + offset)·2^d − f0·2^d − offset·2^d − half = slope·lo
            let check = b.lincomb(&terms, -offset * unit - half);
            b.copy(check, prod);
            if offset == 0 {
                shifted
            } else {
                b.lincomb(&[(shifted, 1)], -offset)
            }
        })
    }
}
