//! Relu, Max, Min, Abs and max/min reductions, all from one sign gadget.

use super::Ctx;
use crate::builder::{Builder, Cell};
use zkinfer_model_import::ops::reduce::reduce_index_map;

pub(super) fn relu_cell(b: &mut Builder, x: Cell, bits: u32) -> Cell {
    b.sign(x, bits).1
}

pub(super) fn relu(b: &mut Builder, ctx: &Ctx<'_>) -> Vec<Cell> {
    let bits = ctx.in_bits(0);
    ctx.ins[0].iter().map(|&x| relu_cell(b, x, bits)).collect()
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

pub(super) fn max_min(b: &mut Builder, ctx: &Ctx<'_>, is_max: bool) -> Vec<Cell> {
    let bits = ctx.in_bits(0).max(ctx.in_bits(1)) + 1;
    let (x, y) = (ctx.broadcast(0), ctx.broadcast(1));
    x.iter().zip(&y).map(|(&x, &y)| pair(b, x, y, bits, is_max)).collect()
}

/// |x| = (2s − 1)·x.
pub(super) fn abs(b: &mut Builder, ctx: &Ctx<'_>) -> Vec<Cell> {
    let bits = ctx.in_bits(0);
    ctx.ins[0]
        .iter()
        .map(|&x| {
            let (_, sx) = b.sign(x, bits);
            b.lincomb(&[(sx, 2), (x, -1)], 0)
        })
        .collect()
}

pub(super) fn reduce_extreme(
    b: &mut Builder,
    ctx: &Ctx<'_>,
    axes: &[usize],
    is_max: bool,
) -> Vec<Cell> {
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
