//! `ScatterElements` and `ScatterND` with constant indices: the output is the data with some
//! positions replaced by updates, a copy from two inputs, so the circuit proves it with copy
//! constraints only. Input-dependent indices would need a data-dependent layout and are a
//! typed error.

use super::slice::{element_offsets, gather_index};
use super::{BuildCtx, Built, Op};
use crate::error::{NodeRef, Result};
use crate::tensor::{strides, DType, Tensor};

/// Builds `ScatterElements` or `ScatterND`.
///
/// # Errors
/// Input-dependent indices, a reduction other than `none`, or shapes that disagree.
pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let data = ctx.arg(0)?;
    let idx = ctx.arg(1)?;
    let upd = ctx.arg(2)?;
    let reduction = ctx.attrs.string("reduction").unwrap_or_else(|| "none".into());
    if reduction != "none" {
        return Err(ctx.unsupported(format!(
            "reduction '{reduction}' is not supported (only 'none', a plain overwrite)"
        )));
    }
    if idx.dtype == DType::Float {
        return Err(ctx.shape_err(format!("{op_type} indices must be integers")));
    }
    let Some(indices) = &idx.value else {
        return Err(ctx.unsupported(format!(
            "{op_type} with input-dependent indices; only constant indices (copy constraints) \
             are supported"
        )));
    };
    let rank = data.shape.len();
    if op_type == "ScatterElements" {
        let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
        if idx.shape.len() != rank || upd.shape != idx.shape {
            return Err(ctx.shape_err(format!(
                "indices {:?} and updates {:?} must have one shape of the data's rank {rank}",
                idx.shape, upd.shape
            )));
        }
        element_offsets(&data.shape, indices, axis, &ctx.node)?;
        return Ok(Built::Op(Op::ScatterElements { axis }, vec![0, 1, 2]));
    }
    let k = idx.shape.last().copied().unwrap_or(0);
    let expected: Vec<usize> = idx.shape[..idx.shape.len().saturating_sub(1)]
        .iter()
        .chain(data.shape.get(k..).unwrap_or(&[]))
        .copied()
        .collect();
    if idx.shape.is_empty() || k == 0 || k > rank || upd.shape != expected {
        return Err(ctx.shape_err(format!(
            "indices {:?} and updates {:?} do not fit data {:?} (updates must be {expected:?})",
            idx.shape, upd.shape, data.shape
        )));
    }
    slice_offsets(&data.shape, indices, &ctx.node)?;
    Ok(Built::Op(Op::ScatterNd, vec![0, 1, 2]))
}

/// `out = data; out[i with axis coordinate indices[i]] = updates[i]`.
///
/// # Errors
/// An index out of range.
pub fn scatter_elements(
    data: &Tensor,
    indices: &Tensor,
    updates: &Tensor,
    axis: usize,
    node: &NodeRef,
) -> Result<Tensor> {
    let mut out = data.data.clone();
    for (k, o) in element_offsets(&data.shape, indices, axis, node)?.into_iter().enumerate() {
        if let (Some(slot), Some(&u)) = (out.get_mut(o), updates.data.get(k)) {
            *slot = u;
        }
    }
    Ok(Tensor::new(data.shape.clone(), data.dtype, out))
}

/// For each index tuple of `indices` (its last axis), the flat offset in a tensor of `shape`
/// of the slice the tuple addresses.
///
/// # Errors
/// An index out of range.
fn slice_offsets(shape: &[usize], indices: &Tensor, node: &NodeRef) -> Result<Vec<usize>> {
    let k = indices.shape.last().copied().unwrap_or(0);
    let st = strides(shape);
    indices
        .data
        .chunks(k.max(1))
        .map(|tuple| {
            tuple.iter().zip(shape.iter().zip(&st)).try_fold(0, |base, (&raw, (&size, &stride))| {
                Ok(base + gather_index(raw, size, node)? * stride)
            })
        })
        .collect()
}

/// `out = data; out[indices[i]] = updates[i]` where each index tuple addresses a slice.
///
/// # Errors
/// An index out of range.
pub fn scatter_nd(
    data: &Tensor,
    indices: &Tensor,
    updates: &Tensor,
    node: &NodeRef,
) -> Result<Tensor> {
    let k = indices.shape.last().copied().unwrap_or(0);
    let slice: usize = data.shape[k..].iter().product();
    let mut out = data.data.clone();
    for (t, base) in slice_offsets(&data.shape, indices, node)?.into_iter().enumerate() {
        out[base..base + slice].copy_from_slice(&updates.data[t * slice..(t + 1) * slice]);
    }
    Ok(Tensor::new(data.shape.clone(), data.dtype, out))
}
