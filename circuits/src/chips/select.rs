//! Sqrt, embedding Gather, Select, Compare and ArgMax.

use super::Ctx;
use crate::builder::{range_tag, Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::tensor::{numel, strides};

/// What the selection chip offers: square roots, embedding gathers, conditional selects,
/// comparisons and argmax.
pub(super) trait SelectInstructions {
    /// out = round(sqrt(x·2^s)), as a = ⌊sqrt(4v)⌋ (a² ≤ 4v < (a+1)²) and a + 1 = 2·out + e with
    /// e ∈ {0, 1}; that is the evaluator's rounding exactly.
    fn sqrt(&mut self, ctx: &Ctx<'_>, shift: u32) -> Vec<Cell>;

    /// Embedding lookup: data element `(o, i, j)` is table entry `o·V·inner + i·inner + j`, and the
    /// index is range-checked to `0..V` so keys of different rows cannot collide.
    fn gather(&mut self, ctx: &Ctx<'_>, axis: usize, tag: u64) -> Vec<Cell>;

    /// cond ? x : y = y + cond·(x − y), with cond proven boolean.
    fn select(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// [a > b] = sign(a − b − 1); [a < b] = sign(b − a − 1); [a = b] = 1 − [a > b] − [a < b].
    fn compare(&mut self, ctx: &Ctx<'_>, kind: zkinfer_quantize::qgraph::CmpKind) -> Vec<Cell>;

    /// One-hot `h` over each group with Σh = 1 and Σh·x = max; the index is Σ i·h_i. Ties go to
    /// the first (or last) maximum: every element before (after) the chosen one is proven
    /// strictly smaller than the maximum.
    fn argmax(&mut self, ctx: &Ctx<'_>, axis: usize, select_last: bool) -> Vec<Cell>;
}

/// The selection chip: lane gates and range checks; a gather is told the tag of its data's
/// table (see [`super::table::register_gather_tables`]).
pub(super) struct SelectChip<'b> {
    pub b: &'b mut Builder,
}

impl SelectInstructions for SelectChip<'_> {
    fn sqrt(&mut self, ctx: &Ctx<'_>, shift: u32) -> Vec<Cell> {
        let b = &mut *self.b;
        let bits = ctx.in_bits(0) + shift + 3;
        ctx.ins[0]
            .iter()
            .map(|&x| {
                let v4 = b.lincomb(&[(x, 4i128 << shift)], 0);
                let a = crate::gadgets::isqrt(b.value(v4));
                let e = (a + 1) & 1;
                let out = (a + 1) >> 1;
                let cells = b.run(&[a, e, out]);
                b.range_lookup(range_tag(1), cells[1]);
                // a and out must be small integers (see `Builder::small`); out ≥ 0 and a ≥ 0.
                b.range_check(cells[0], bits);
                b.range_check(cells[2], bits);
                let sum = b.lincomb(&[(cells[2], 2), (cells[1], 1)], -1);
                b.copy(sum, cells[0]);
                let sq = b.mul(cells[0], cells[0]);
                let lo = b.lincomb(&[(v4, 1), (sq, -1)], 0);
                b.range_check(lo, bits);
                // (a+1)² − 4v − 1 = a² + 2a − 4v ≥ 0
                let hi = b.lincomb(&[(sq, 1), (cells[0], 2), (v4, -1)], 0);
                b.range_check(hi, bits);
                cells[2]
            })
            .collect()
    }

    fn gather(&mut self, ctx: &Ctx<'_>, axis: usize, tag: u64) -> Vec<Cell> {
        let b = &mut *self.b;
        let data = &ctx.q.tensors[ctx.node.inputs[0]];
        let values = data.value.as_deref().unwrap_or_default();
        let (outer, size, inner) =
            (numel(&data.shape[..axis]), data.shape[axis], numel(&data.shape[axis + 1..]));
        let size_bits = usize::BITS - size.leading_zeros();
        let idx_cells = &ctx.ins[1];
        for &i in idx_cells {
            b.range_check(i, size_bits);
            let slack = b.lincomb(&[(i, -1)], i128::try_from(size).unwrap_or(0) - 1);
            b.range_check(slack, size_bits);
        }
        let mut out = Vec::with_capacity(outer * idx_cells.len() * inner);
        for o in 0..outer {
            for &i in idx_cells {
                let row = usize::try_from(b.value(i)).unwrap_or(0).min(size.saturating_sub(1));
                for j in 0..inner {
                    let base = i128::try_from((o * size) * inner + j).unwrap_or(0);
                    let key = b.lincomb(&[(i, i128::try_from(inner).unwrap_or(0))], base);
                    let y =
                        if b.known { i128::from(values[(o * size + row) * inner + j]) } else { 0 };
                    out.push(b.lookup(tag, key, y));
                }
            }
        }
        out
    }

    fn select(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let (c, x, y) = (ctx.broadcast(0), ctx.broadcast(1), ctx.broadcast(2));
        c.iter()
            .zip(x.iter().zip(&y))
            .map(|(&c, (&x, &y))| {
                b.range_lookup(range_tag(1), c);
                let d = b.lincomb(&[(x, 1), (y, -1)], 0);
                b.mul_add(y, c, d)
            })
            .collect()
    }

    fn compare(&mut self, ctx: &Ctx<'_>, kind: zkinfer_quantize::qgraph::CmpKind) -> Vec<Cell> {
        let b = &mut *self.b;
        use zkinfer_quantize::qgraph::CmpKind;
        let bits = ctx.in_bits(0).max(ctx.in_bits(1)) + 2;
        let (x, y) = (ctx.broadcast(0), ctx.broadcast(1));
        x.iter()
            .zip(&y)
            .map(|(&x, &y)| {
                let gt = |b: &mut Builder, p: Cell, q: Cell| {
                    let d = b.lincomb(&[(p, 1), (q, -1)], -1);
                    b.sign(d, bits).0
                };
                match kind {
                    CmpKind::Greater => gt(b, x, y),
                    CmpKind::Less => gt(b, y, x),
                    CmpKind::Equal => {
                        let g = gt(b, x, y);
                        let l = gt(b, y, x);
                        b.lincomb(&[(g, -1), (l, -1)], 1)
                    }
                }
            })
            .collect()
    }

    fn argmax(&mut self, ctx: &Ctx<'_>, axis: usize, select_last: bool) -> Vec<Cell> {
        let b = &mut *self.b;
        let shape = &ctx.q.tensors[ctx.node.inputs[0]].shape;
        let (_, map) = reduce_index_map(shape, &[axis]);
        let stride = strides(shape)[axis];
        let bits = ctx.in_bits(0) + 2;
        let mut groups: Vec<Vec<Cell>> = vec![Vec::new(); ctx.out_len()];
        for (flat, (&x, &o)) in ctx.ins[0].iter().zip(&map).enumerate() {
            debug_assert_eq!((flat / stride) % shape[axis], groups[o].len());
            groups[o].push(x);
        }
        groups
            .iter()
            .map(|g| {
                let mut m = g[0];
                for &x in &g[1..] {
                    m = super::compare::pair(b, x, m, bits, true);
                }
                let mv = b.value(m);
                let pick = if select_last {
                    g.iter().rposition(|&x| b.value(x) == mv)
                } else {
                    g.iter().position(|&x| b.value(x) == mv)
                }
                .unwrap_or(0);
                let h: Vec<Cell> =
                    (0..g.len()).map(|i| b.run(&[i128::from(i == pick)])[0]).collect();
                for &c in &h {
                    b.range_lookup(range_tag(1), c);
                }
                let total = b.lincomb(&h.iter().map(|&c| (c, 1)).collect::<Vec<_>>(), 0);
                let one = b.constant(1);
                b.copy(total, one);
                let chosen = b.dot(&h.iter().zip(g).map(|(&hc, &x)| (hc, x)).collect::<Vec<_>>());
                b.copy(chosen, m);
                let order: Vec<usize> =
                    if select_last { (0..g.len()).rev().collect() } else { (0..g.len()).collect() };
                let mut seen = b.constant(0);
                for &j in &order {
                    // before = 1 − seen − h_j is 1 exactly for elements ahead of the pick.
                    let before = b.lincomb(&[(seen, -1), (h[j], -1)], 1);
                    let gap = b.lincomb(&[(m, 1), (g[j], -1)], -1);
                    let w = b.mul(before, gap);
                    b.range_check(w, bits);
                    seen = b.lincomb(&[(seen, 1), (h[j], 1)], 0);
                }
                b.lincomb(
                    &h.iter()
                        .enumerate()
                        .map(|(i, &c)| (c, i128::try_from(i).unwrap_or(0)))
                        .collect::<Vec<_>>(),
                    0,
                )
            })
            .collect()
    }
}
