//! Relu, Max, Min, Abs and max/min reductions, all from one sign gadget.

use super::Ctx;
use crate::builder::{Builder, Cell};
use crate::gadgets::{GateInstructions, RangeInstructions};
use std::collections::BTreeSet;
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_quantize::{QGraph, QOp};

pub(super) fn relu_cell(b: &mut Builder, x: Cell, bits: u32) -> Cell {
    b.sign(x, bits).1
}

/// relu(x) with `|x| ≤ bound` proven in the same step: `s` boolean and `t = (2s − 1)·x` in
/// `[0, bound]`. A wrong `s` makes `t` negative (outside the range) unless x = 0, where both
/// choices give 0; so `s·x` is relu(x), and `|x| = t ≤ bound`. This is the calibrated bound
/// check of the producer (a Rescale, typically) fused with the activation: 13 cells and three
/// lookups instead of 18 and four (more lookups where a range is wider than a limb).
fn relu_bounded(b: &mut Builder, x: Cell, bound: u64) -> Cell {
    let (_, sx) = b.sign_bit(x);
    let t = b.lincomb(&[(sx, 2), (x, -1)], 0);
    b.at_most(t, bound);
    sx
}

/// The tensors whose calibrated bound a ReLU reading them proves ([`relu_bounded`]) instead
/// of their producer: every checked tensor a ReLU reads. One ReLU proving it covers every
/// reader, since they all read the same cells. (MockProver failures of that check, and the
/// cells in `zkinfer inspect`, are the ReLU's.)
pub(super) fn bounds_fused_into_relu(q: &QGraph) -> BTreeSet<usize> {
    q.nodes
        .iter()
        .filter(|n| matches!(n.op, QOp::Relu))
        .filter_map(|n| n.inputs.first().copied())
        .filter(|&t| q.tensors[t].checked)
        .collect()
}

/// max(x, y) = y + relu(x − y); min(x, y) = x − relu(x − y).
pub(super) fn pair(b: &mut Builder, x: Cell, y: Cell, bits: u32, is_max: bool) -> Cell {
    let d = b.lincomb(&[(x, 1), (y, -1)], 0);
    let r = relu_cell(b, d, bits);
    if is_max {
        b.lincomb(&[(y, 1), (r, 1)], 0)
    } else {
        b.lincomb(&[(x, 1), (r, -1)], 0)
    }
}

/// What the comparison chip offers: ReLU, max, min, absolute value and max/min reductions, all
/// from the sign gadget (one range check per comparison).
pub(super) trait CompareInstructions {
    /// max(x, 0) = s·x with s the sign bit; proves the input's calibrated bound too when it
    /// has one ([`bounds_fused_into_relu`]).
    fn relu(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// Element-wise max or min of two broadcast operands (see [`pair`]).
    fn max_min(&mut self, ctx: &Ctx<'_>, is_max: bool) -> Vec<Cell>;

    /// |x| = (2s − 1)·x.
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
        let input = &ctx.q.tensors[ctx.node.inputs[0]];
        // A checked input is one of `bounds_fused_into_relu`: its producer left the bound here.
        if input.checked {
            return ctx.ins[0].iter().map(|&x| relu_bounded(b, x, input.bound)).collect();
        }
        let bits = ctx.in_bits(0);
        ctx.ins[0].iter().map(|&x| relu_cell(b, x, bits)).collect()
    }

    fn max_min(&mut self, ctx: &Ctx<'_>, is_max: bool) -> Vec<Cell> {
        let b = &mut *self.b;
        let bits = ctx.in_bits(0).max(ctx.in_bits(1)) + 1;
        let (x, y) = (ctx.broadcast(0), ctx.broadcast(1));
        x.iter().zip(&y).map(|(&x, &y)| pair(b, x, y, bits, is_max)).collect()
    }

    fn abs(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let bits = ctx.in_bits(0);
        ctx.ins[0]
            .iter()
            .map(|&x| {
                let (_, sx) = b.sign(x, bits);
                b.lincomb(&[(sx, 2), (x, -1)], 0)
            })
            .collect()
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
