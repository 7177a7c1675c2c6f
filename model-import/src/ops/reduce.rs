//! Reductions over axes and ArgMax.

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::{numel, strides, DType, Tensor};
use serde::{Deserialize, Serialize};

/// Reduction kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum ReduceKind {
    Sum,
    Mean,
    Max,
    Min,
}

/// For a reduction of `shape` over `axes`: the kept-dims output shape and, for every input
/// element, the flat index of the output element it reduces into.
#[must_use]
pub fn reduce_index_map(shape: &[usize], axes: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let out_shape: Vec<usize> =
        shape.iter().enumerate().map(|(i, &d)| if axes.contains(&i) { 1 } else { d }).collect();
    let out_strides = strides(&out_shape);
    let eff: Vec<usize> =
        (0..shape.len()).map(|i| if axes.contains(&i) { 0 } else { out_strides[i] }).collect();
    let mut map = Vec::with_capacity(numel(shape));
    let mut idx = vec![0usize; shape.len()];
    let mut flat = 0usize;
    for _ in 0..numel(shape) {
        map.push(flat);
        for ax in (0..shape.len()).rev() {
            idx[ax] += 1;
            flat += eff[ax];
            if idx[ax] < shape[ax] {
                break;
            }
            flat -= eff[ax] * idx[ax];
            idx[ax] = 0;
        }
    }
    (out_shape, map)
}

/// Output shape after a reduction, with or without the reduced axes.
#[must_use]
pub fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| match (axes.contains(&i), keepdims) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect()
}

/// Reduction in `f64`.
#[must_use]
pub fn reduce(x: &Tensor, kind: ReduceKind, axes: &[usize], keepdims: bool) -> Tensor {
    let (kshape, map) = reduce_index_map(&x.shape, axes);
    let init = match kind {
        ReduceKind::Sum | ReduceKind::Mean => 0.0,
        ReduceKind::Max => f64::NEG_INFINITY,
        ReduceKind::Min => f64::INFINITY,
    };
    let mut out = vec![init; numel(&kshape)];
    for (&v, &o) in x.data.iter().zip(&map) {
        out[o] = match kind {
            ReduceKind::Sum | ReduceKind::Mean => out[o] + v,
            ReduceKind::Max => out[o].max(v),
            ReduceKind::Min => out[o].min(v),
        };
    }
    if kind == ReduceKind::Mean {
        #[allow(clippy::cast_precision_loss)]
        let n = (numel(&x.shape) / numel(&kshape).max(1)).max(1) as f64;
        for v in &mut out {
            *v /= n;
        }
    }
    Tensor::new(reduced_shape(&x.shape, axes, keepdims), x.dtype, out)
}

/// ArgMax along one axis (first or last maximal index).
#[must_use]
pub fn argmax(x: &Tensor, axis: usize, keepdims: bool, select_last: bool) -> Tensor {
    let (kshape, map) = reduce_index_map(&x.shape, &[axis]);
    let stride = strides(&x.shape)[axis];
    let mut best = vec![(f64::NEG_INFINITY, 0usize); numel(&kshape)];
    for (flat, (&v, &o)) in x.data.iter().zip(&map).enumerate() {
        let pos = (flat / stride) % x.shape[axis];
        let cur = best[o];
        if pos == 0 || v > cur.0 || (select_last && v == cur.0) {
            best[o] = (v, pos);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let data = best.iter().map(|&(_, i)| i as f64).collect();
    Tensor::new(reduced_shape(&x.shape, &[axis], keepdims), DType::Int, data)
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let rank = ctx.rank(0)?;
    let keepdims = ctx.attrs.int_or("keepdims", 1) != 0;
    if op_type == "ArgMax" {
        let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
        let select_last = ctx.attrs.int_or("select_last_index", 0) != 0;
        return Ok(Built::Op(Op::ArgMax { axis, keepdims, select_last }, vec![0]));
    }
    let kind = match op_type {
        "ReduceSum" => ReduceKind::Sum,
        "ReduceMean" => ReduceKind::Mean,
        "ReduceMax" => ReduceKind::Max,
        _ => ReduceKind::Min,
    };
    // Axes moved from attribute to input in opset 13 (ReduceSum) / 18 (the others).
    let raw = match ctx.attrs.ints("axes") {
        Some(a) => Some(a),
        None => ctx.opt_const_arg(1, "axes")?.map(Tensor::as_i64s),
    };
    let axes: Vec<usize> = match raw {
        Some(a) if !a.is_empty() => a.iter().map(|&x| ctx.axis(x, rank)).collect::<Result<_>>()?,
        _ => {
            if ctx.attrs.int_or("noop_with_empty_axes", 0) != 0 {
                return Ok(Built::Op(Op::Unary(super::Unary::Identity), vec![0]));
            }
            (0..rank).collect()
        }
    };
    Ok(Built::Op(Op::Reduce { kind, axes, keepdims }, vec![0]))
}
