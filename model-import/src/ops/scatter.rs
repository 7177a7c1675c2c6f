//! `ScatterElements` and `ScatterND` with constant indices: the output is the data with some
//! positions replaced by updates, a copy from two inputs, so the circuit proves it with copy
//! constraints only. Input-dependent indices would need a data-dependent layout and are a
//! typed error.

use super::slice::{for_each_index, gather_index};
use super::{BuildCtx, Built, Op};
use crate::error::{ImportError, NodeRef, Result};
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
        scatter_elements(
            &Tensor::zeros(&data.shape, DType::Float),
            indices,
            &Tensor::zeros(&upd.shape, DType::Float),
            axis,
            &ctx.node,
        )?;
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
    scatter_nd(
        &Tensor::zeros(&data.shape, DType::Float),
        indices,
        &Tensor::zeros(&upd.shape, DType::Float),
        &ctx.node,
    )?;
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
    let ds = strides(&data.shape);
    let mut out = data.data.clone();
    let mut bad: Option<ImportError> = None;
    let mut k = 0;
    for_each_index(&indices.shape, |idx| {
        let mut flat = 0;
        for (a, (&i, &st)) in idx.iter().zip(&ds).enumerate() {
            let c = if a == axis {
                gather_index(indices.data[k], data.shape[a], node).unwrap_or_else(|e| {
                    bad.get_or_insert(e);
                    0
                })
            } else {
                if i >= data.shape[a] {
                    bad.get_or_insert(ImportError::IndexOutOfRange {
                        node: node.clone(),
                        index: i64::try_from(i).unwrap_or(i64::MAX),
                        size: data.shape[a],
                    });
                }
                i.min(data.shape[a].saturating_sub(1))
            };
            flat += c * st;
        }
        if let Some(slot) = out.get_mut(flat) {
            *slot = updates.data[k];
        }
        k += 1;
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(Tensor::new(data.shape.clone(), data.dtype, out)),
    }
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
    let ds = strides(&data.shape);
    let slice: usize = data.shape[k..].iter().product();
    let tuples = indices.data.len() / k.max(1);
    let mut out = data.data.clone();
    for t in 0..tuples {
        let mut base = 0;
        for (a, (&size, &stride)) in data.shape.iter().zip(&ds).take(k).enumerate() {
            base += gather_index(indices.data[t * k + a], size, node)? * stride;
        }
        out[base..base + slice].copy_from_slice(&updates.data[t * slice..(t + 1) * slice]);
    }
    Ok(Tensor::new(data.shape.clone(), data.dtype, out))
}
