//! Relu, Max, Min and Abs from the sign-magnitude split; max/min reductions from a claimed
//! extreme.

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

    /// Max or min over `axes`, as a claimed extreme (see [`claimed_extreme`]).
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
        let mut groups: Vec<Vec<Cell>> = vec![Vec::new(); ctx.out_len()];
        for (&x, &o) in ctx.ins[0].iter().zip(&map) {
            groups[o].push(x);
        }
        groups
            .iter_mut()
            .enumerate()
            .map(|(o, g)| {
                // A padded pooling tap repeats a real one: one gap serves both.
                g.sort_unstable();
                g.dedup();
                claimed_extreme(b, g, (ctx.out_value)(o), bits, is_max)
            })
            .collect()
    }
}

/// The max (min) of `group` as the evaluator's `claim` in a new cell `m`: every gap `m − x`
/// (`x − m`) is proven in `[0, 2^bits)` (or, when softmax's exp looks the gap up, on its
/// table's non-negative grid) and their product is 0, so `m` is one of the elements
/// and none exceeds (undercuts) it. Three gate cells and one range check an element, and two
/// cells of a product chain, where a chain of pairwise comparisons took a sign-magnitude
/// split each.
fn claimed_extreme(b: &mut Builder, group: &[Cell], claim: i128, bits: u32, is_max: bool) -> Cell {
    match group {
        [] => return b.constant(0),
        [only] => return *only,
        _ => {}
    }
    let m = b.run(&[claim])[0];
    let gap = |b: &mut Builder, x: Cell| {
        let d = if is_max { b.difference(m, x, true) } else { b.difference(x, m, true) };
        b.range_check_unless_looked_up(d, bits);
        d
    };
    let gaps: Vec<Cell> = group.iter().map(|&x| gap(b, x)).collect();
    let product = b.field_product(&gaps);
    let zero = b.constant(0);
    b.copy(product, zero);
    m
}
