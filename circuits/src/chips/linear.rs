//! MatMul (multiply-accumulate chains; constant weights live in the fixed coefficient column,
//! so they are part of the verifying key) and ReduceSum.

use super::Ctx;
use crate::builder::{Builder, Cell};
use zkinfer_model_import::ops::matmul::{matmul_shapes, MatMulDims};
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::tensor::broadcast_index_map;

pub(super) fn matmul(b: &mut Builder, ctx: &Ctx<'_>) -> Vec<Cell> {
    let (ta, tb) = (&ctx.q.tensors[ctx.node.inputs[0]], &ctx.q.tensors[ctx.node.inputs[1]]);
    let Some(MatMulDims { batch, m, k, n, .. }) = matmul_shapes(&ta.shape, &tb.shape) else {
        return Vec::new();
    };
    let ab = broadcast_index_map(&ta.shape[..ta.shape.len() - 2], &batch);
    let bb = broadcast_index_map(&tb.shape[..tb.shape.len() - 2], &batch);
    let mut out = Vec::with_capacity(ab.len() * m * n);
    for (&ia, &ib) in ab.iter().zip(&bb) {
        for i in 0..m {
            for j in 0..n {
                let a_at = |p: usize| (ia * m + i) * k + p;
                let b_at = |p: usize| (ib * k + p) * n + j;
                let cell = match (&ta.value, &tb.value) {
                    (None, Some(w)) => {
                        let terms: Vec<(Cell, i128)> =
                            (0..k).map(|p| (ctx.ins[0][a_at(p)], i128::from(w[b_at(p)]))).collect();
                        b.lincomb(&terms, 0)
                    }
                    (Some(w), None) => {
                        let terms: Vec<(Cell, i128)> =
                            (0..k).map(|p| (ctx.ins[1][b_at(p)], i128::from(w[a_at(p)]))).collect();
                        b.lincomb(&terms, 0)
                    }
                    _ => {
                        let pairs: Vec<(Cell, Cell)> =
                            (0..k).map(|p| (ctx.ins[0][a_at(p)], ctx.ins[1][b_at(p)])).collect();
                        b.dot(&pairs)
                    }
                };
                out.push(cell);
            }
        }
    }
    out
}

pub(super) fn reduce_sum(b: &mut Builder, ctx: &Ctx<'_>, axes: &[usize]) -> Vec<Cell> {
    let (_, map) = reduce_index_map(&ctx.q.tensors[ctx.node.inputs[0]].shape, axes);
    let mut groups: Vec<Vec<(Cell, i128)>> = vec![Vec::new(); ctx.out_len()];
    for (&x, &o) in ctx.ins[0].iter().zip(&map) {
        groups[o].push((x, 1));
    }
    groups.iter().map(|g| b.lincomb(g, 0)).collect()
}
