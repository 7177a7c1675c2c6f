//! Function lookups: every table of the quantized graph becomes a tagged block of the shared
//! lookup table, so nodes with the same function and scales share it.

use super::Ctx;
use crate::builder::{Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use std::collections::BTreeMap;
use zkinfer_quantize::QGraph;

pub(super) fn register_tables(b: &mut Builder, q: &QGraph) -> Vec<u64> {
    q.tables
        .iter()
        .map(|t| {
            b.add_function_table((t.lo..=t.hi).map(|i| (i128::from(i), i128::from(t.entry(i)))))
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
    /// `step = 0`: one lookup. Otherwise `x = hi·2^step + lo` with `lo` range-checked, two
    /// lookups `T[hi]`, `T[hi+1]` (which also confine `hi` to the grid), and the rounded
    /// interpolation `T[hi] + round((T[hi+1] − T[hi])·lo / 2^step)` with a bounded quotient.
    fn lookup(&mut self, ctx: &Ctx<'_>, table: usize) -> Vec<Cell>;
}

/// The table chip: the function tables registered for the graph, shared by every node with
/// the same function and scales.
pub(super) struct TableChip<'b> {
    pub b: &'b mut Builder,
    /// Tag of each of the graph's tables (from [`register_tables`]).
    pub tags: &'b [u64],
}

impl TableInstructions for TableChip<'_> {
    fn lookup(&mut self, ctx: &Ctx<'_>, table: usize) -> Vec<Cell> {
        let b = &mut *self.b;
        let t = &ctx.q.tables[table];
        let tag = self.tags[table];
        let known = b.known;
        let entry = |i: i128| {
            if known {
                i64::try_from(i).map_or(0, |i| i128::from(t.entry(i)))
            } else {
                0
            }
        };
        if t.step == 0 {
            return ctx.ins[0]
                .iter()
                .map(|&x| {
                    let y = entry(b.value(x));
                    b.lookup(tag, x, y)
                })
                .collect();
        }
        let d = t.step;
        let half = 1i128 << (d - 1);
        let diff_bound = 2 * t.max_abs() + 1;
        ctx.ins[0]
            .iter()
            .map(|&x| {
                let v = b.value(x);
                let (hi, lo) = (v >> d, v - ((v >> d) << d));
                let parts = b.run(&[hi, lo]);
                let back = b.lincomb(&[(parts[0], 1i128 << d), (parts[1], 1)], 0);
                b.copy(back, x);
                b.range_check(parts[1], d);
                let f0 = b.lookup(tag, parts[0], entry(hi));
                let next = b.lincomb(&[(parts[0], 1)], 1);
                let f1 = b.lookup(tag, next, entry(hi + 1));
                let diff = b.lincomb(&[(f1, 1), (f0, -1)], 0);
                let prod = b.mul(diff, parts[1]);
                let pv = b.value(prod);
                let qv = (pv + half) >> d;
                let rq = b.run(&[pv + half - (qv << d), qv]);
                let check = b.lincomb(&[(rq[0], 1), (rq[1], 1i128 << d)], -half);
                b.copy(check, prod);
                b.range_check(rq[0], d);
                b.small(rq[1], diff_bound);
                b.lincomb(&[(f0, 1), (rq[1], 1)], 0)
            })
            .collect()
    }
}
