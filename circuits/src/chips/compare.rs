//! Relu, Max, Min, Abs and max/min reductions, all from the sign-magnitude split.

use super::Ctx;
use crate::builder::{Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use zkinfer_model_import::ops::reduce::reduce_index_map;

/// The largest magnitude of `bits`-bit values.
fn bits_bound(bits: u32) -> u64 {
    if bits >= u64::BITS {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// max(x, y) = y + relu(x − y); min(x, y) = x − relu(x − y), for `|x − y| < 2^bits`.
pub(super) fn pair(b: &mut Builder, x: Cell, y: Cell, bits: u32, is_max: bool) -> Cell {
    let d = b.lincomb(&[(x, 1), (y, -1)], 0);
    let r = b.split(d, bits_bound(bits), false).positive;
    if is_max {
        b.lincomb(&[(y, 1), (r, 1)], 0)
    } else {
        b.lincomb(&[(x, 1), (r, -1)], 0)
    }
}

/// What the comparison chip offers: ReLU, max, min, absolute value and max/min reductions, all
/// from the sign gadget (one range check per comparison).
pub(super) trait CompareInstructions {
    /// max(x, 0) from the proof of the input's bound: the one that proved its calibrated
    /// bound, so free, or a new one.
    fn relu(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// Element-wise max or min of two broadcast operands (see [`pair`]).
    fn max_min(&mut self, ctx: &Ctx<'_>, is_max: bool) -> Vec<Cell>;

    /// |x| = m of the input's sign-magnitude split.
    fn abs(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// Max or min over `axes`, as a chain of pairwise comparisons.
    fn reduce_extreme(&mut self, ctx: &Ctx<'_>, axes: &[usize], is_max: bool) -> Vec<Cell>;
}

/// The comparison chip: lane gates and range checks only.
pub(super) struct CompareChip<'b> {
    pub b: &'b mut Builder,
}

impl CompareInstructions for CompareChip<'_> {
    fn relu(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let bound = ctx.q.tensors[ctx.node.inputs[0]].bound;
        ctx.ins[0].iter().map(|&x| b.split(x, bound, false).positive).collect()
    }

    fn max_min(&mut self, ctx: &Ctx<'_>, is_max: bool) -> Vec<Cell> {
        let b = &mut *self.b;
        let bits = ctx.in_bits(0).max(ctx.in_bits(1)) + 1;
        let (x, y) = (ctx.broadcast(0), ctx.broadcast(1));
        x.iter().zip(&y).map(|(&x, &y)| pair(b, x, y, bits, is_max)).collect()
    }

    fn abs(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let bound = ctx.q.tensors[ctx.node.inputs[0]].bound;
        ctx.ins[0].iter().map(|&x| b.magnitude(x, bound)).collect()
    }

    fn reduce_extreme(&mut self, ctx: &Ctx<'_>, axes: &[usize], is_max: bool) -> Vec<Cell> {
        let b = &mut *self.b;
        let shape = &ctx.q.tensors[ctx.node.inputs[0]].shape;
        let (_, map) = reduce_index_map(shape, axes);
        let bits = ctx.in_bits(0) + 1;
        let mut acc: Vec<Option<Cell>> = vec![None; ctx.out_len()];
        for (&x, &o) in ctx.ins[0].iter().zip(&map) {
            acc[o] = Some(match acc[o] {
                None => x,
                Some(cur) => pair(b, x, cur, bits, is_max),
            });
        }
        acc.into_iter().map(|c| c.unwrap_or_else(|| b.constant(0))).collect()
    }
}
