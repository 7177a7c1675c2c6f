//! Slice, Split, Gather, Concat and Pad.

use super::{BuildCtx, Built, Op};
use crate::error::{ImportError, NodeRef, Result};
use crate::tensor::{numel, strides, Tensor};
use serde::{Deserialize, Serialize};

/// The elements a slice keeps on one axis: `start, start+step, …` (`len` of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliceAxis {
    /// First index kept.
    pub start: usize,
    /// Step (negative walks backwards).
    pub step: i64,
    /// Number of elements kept.
    pub len: usize,
}

impl SliceAxis {
    /// Source index of the `i`-th kept element.
    #[must_use]
    pub fn source(&self, i: usize) -> usize {
        let off = i64::try_from(i).unwrap_or(0) * self.step;
        usize::try_from(i64::try_from(self.start).unwrap_or(0) + off).unwrap_or(0)
    }
}

/// How Pad fills the border.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadMode {
    /// A constant value.
    Constant,
    /// Mirror without repeating the edge.
    Reflect,
    /// Repeat the edge element.
    Edge,
}

/// Source coordinate of output coordinate `o` on an axis of size `dim` padded by `begin`;
/// `None` means the constant fill.
#[must_use]
pub fn pad_source(mode: PadMode, dim: usize, begin: usize, o: usize) -> Option<usize> {
    let p = i64::try_from(o).unwrap_or(0) - i64::try_from(begin).unwrap_or(0);
    let d = i64::try_from(dim).unwrap_or(0);
    if (0..d).contains(&p) {
        return usize::try_from(p).ok();
    }
    match mode {
        PadMode::Constant => None,
        PadMode::Edge => usize::try_from(p.clamp(0, d - 1)).ok(),
        PadMode::Reflect => {
            if d == 1 {
                return Some(0);
            }
            let period = 2 * (d - 1);
            let m = p.rem_euclid(period);
            usize::try_from(if m < d { m } else { period - m }).ok()
        }
    }
}

/// Output shape of a gather.
#[must_use]
pub fn gather_shape(data: &[usize], indices: &[usize], axis: usize) -> Vec<usize> {
    data[..axis].iter().chain(indices).chain(&data[axis + 1..]).copied().collect()
}

/// Visits every multi-index of `shape` in row-major order.
pub(super) fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..numel(shape) {
        f(&idx);
        for ax in (0..shape.len()).rev() {
            idx[ax] += 1;
            if idx[ax] < shape[ax] {
                break;
            }
            idx[ax] = 0;
        }
    }
}

/// Slice in `f64`.
#[must_use]
pub fn slice(x: &Tensor, axes: &[SliceAxis]) -> Tensor {
    let out_shape: Vec<usize> = axes.iter().map(|a| a.len).collect();
    let st = strides(&x.shape);
    let mut data = Vec::with_capacity(numel(&out_shape));
    for_each_index(&out_shape, |idx| {
        let src: usize = idx.iter().enumerate().map(|(a, &i)| axes[a].source(i) * st[a]).sum();
        data.push(x.data[src]);
    });
    Tensor::new(out_shape, x.dtype, data)
}

/// Split along an axis.
#[must_use]
pub fn split(x: &Tensor, axis: usize, sizes: &[usize]) -> Vec<Tensor> {
    let mut start = 0;
    sizes
        .iter()
        .map(|&len| {
            let axes: Vec<SliceAxis> = x
                .shape
                .iter()
                .enumerate()
                .map(|(a, &d)| {
                    if a == axis {
                        SliceAxis { start, step: 1, len }
                    } else {
                        SliceAxis { start: 0, step: 1, len: d }
                    }
                })
                .collect();
            start += len;
            slice(x, &axes)
        })
        .collect()
}

/// Resolves a possibly negative gather index.
///
/// # Errors
/// When the index is out of range.
pub fn gather_index(raw: f64, size: usize, node: &NodeRef) -> Result<usize> {
    #[allow(clippy::cast_possible_truncation)]
    let i = raw as i64;
    let n = i64::try_from(size).unwrap_or(i64::MAX);
    let j = if i < 0 { i + n } else { i };
    usize::try_from(j).ok().filter(|&j| j < size).ok_or_else(|| ImportError::IndexOutOfRange {
        node: node.clone(),
        index: i,
        size,
    })
}

/// For each element of `indices` (row-major), the flat offset in a tensor of `shape` of that
/// element's own position with its `axis` coordinate replaced by the index value: where
/// GatherElements reads and ScatterElements writes.
///
/// # Errors
/// Out-of-range indices, or indices whose shape exceeds `shape` off the axis.
pub fn element_offsets(
    shape: &[usize],
    indices: &Tensor,
    axis: usize,
    node: &NodeRef,
) -> Result<Vec<usize>> {
    let st = crate::tensor::strides(shape);
    let mut offsets = Vec::with_capacity(indices.data.len());
    let mut bad = None;
    for_each_index(&indices.shape, |idx| {
        let k = offsets.len();
        let mut flat = 0;
        for (a, (&i, &stride)) in idx.iter().zip(&st).enumerate() {
            let c = if a == axis {
                gather_index(indices.data[k], shape[a], node).unwrap_or_else(|e| {
                    bad.get_or_insert(e);
                    0
                })
            } else {
                if i >= shape[a] {
                    bad.get_or_insert(ImportError::IndexOutOfRange {
                        node: node.clone(),
                        index: i64::try_from(i).unwrap_or(i64::MAX),
                        size: shape[a],
                    });
                }
                i
            };
            flat += c * stride;
        }
        offsets.push(flat);
    });
    bad.map_or(Ok(offsets), Err)
}

/// GatherElements in `f64`: the output has the indices' shape.
///
/// # Errors
/// Out-of-range indices, or indices whose shape exceeds the data's off the axis.
pub fn gather_elements(
    data: &Tensor,
    indices: &Tensor,
    axis: usize,
    node: &NodeRef,
) -> Result<Tensor> {
    let out = element_offsets(&data.shape, indices, axis, node)?
        .into_iter()
        .map(|o| data.data.get(o).copied().unwrap_or(0.0))
        .collect();
    Ok(Tensor::new(indices.shape.clone(), data.dtype, out))
}

/// Gather in `f64`.
///
/// # Errors
/// Out-of-range indices.
pub fn gather(data: &Tensor, indices: &Tensor, axis: usize, node: &NodeRef) -> Result<Tensor> {
    let outer = numel(&data.shape[..axis]);
    let inner = numel(&data.shape[axis + 1..]);
    let size = data.shape[axis];
    let idx: Vec<usize> =
        indices.data.iter().map(|&r| gather_index(r, size, node)).collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(outer * idx.len() * inner);
    for o in 0..outer {
        for &i in &idx {
            let base = (o * size + i) * inner;
            out.extend_from_slice(&data.data[base..base + inner]);
        }
    }
    Ok(Tensor::new(gather_shape(&data.shape, &indices.shape, axis), data.dtype, out))
}

/// Concat in `f64`.
#[must_use]
pub fn concat(inputs: &[&Tensor], axis: usize) -> Tensor {
    let mut shape = inputs[0].shape.clone();
    shape[axis] = inputs.iter().map(|t| t.shape[axis]).sum();
    let outer = numel(&shape[..axis]);
    let mut data = Vec::with_capacity(numel(&shape));
    for o in 0..outer {
        for t in inputs {
            let chunk = numel(&t.shape[axis..]);
            data.extend_from_slice(&t.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Tensor::new(shape, inputs[0].dtype, data)
}

/// Pad in `f64`.
#[must_use]
pub fn pad(x: &Tensor, pads: &[(usize, usize)], mode: PadMode, value: f64) -> Tensor {
    let out_shape: Vec<usize> = x.shape.iter().zip(pads).map(|(d, (b, e))| d + b + e).collect();
    let st = strides(&x.shape);
    let mut data = Vec::with_capacity(numel(&out_shape));
    for_each_index(&out_shape, |idx| {
        let mut src = Some(0usize);
        for (a, &o) in idx.iter().enumerate() {
            src =
                src.and_then(|s| pad_source(mode, x.shape[a], pads[a].0, o).map(|p| s + p * st[a]));
        }
        data.push(src.map_or(value, |s| x.data[s]));
    });
    Tensor::new(out_shape, x.dtype, data)
}

fn clamp_slice(start: i64, end: i64, step: i64, dim: usize) -> SliceAxis {
    let d = i64::try_from(dim).unwrap_or(0);
    let norm = |v: i64| if v < 0 { v + d } else { v };
    let (s, e) = if step > 0 {
        (norm(start).clamp(0, d), norm(end).clamp(0, d))
    } else {
        (norm(start).clamp(0, d - 1), norm(end).clamp(-1, d - 1))
    };
    let len = if step > 0 {
        (e - s).max(0).div_euclid(step) + i64::from((e - s).max(0) % step != 0)
    } else {
        let span = (s - e).max(0);
        span / (-step) + i64::from(span % (-step) != 0)
    };
    SliceAxis {
        start: usize::try_from(s.max(0)).unwrap_or(0),
        step,
        len: usize::try_from(len).unwrap_or(0),
    }
}

#[allow(clippy::too_many_lines)]
pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?.shape.clone();
    let rank = x.len();
    match op_type {
        "Slice" => {
            let (starts, ends, axes, steps) = if ctx.opset < 10 {
                let s = ctx
                    .attrs
                    .ints("starts")
                    .ok_or_else(|| ctx.attrs.error("starts", "required"))?;
                let e =
                    ctx.attrs.ints("ends").ok_or_else(|| ctx.attrs.error("ends", "required"))?;
                (s, e, ctx.attrs.ints("axes"), None)
            } else {
                (
                    ctx.const_arg(1, "Slice starts")?.as_i64s(),
                    ctx.const_arg(2, "Slice ends")?.as_i64s(),
                    ctx.opt_const_arg(3, "Slice axes")?.map(Tensor::as_i64s),
                    ctx.opt_const_arg(4, "Slice steps")?.map(Tensor::as_i64s),
                )
            };
            let axes: Vec<usize> = match axes {
                Some(a) => a.iter().map(|&v| ctx.axis(v, rank)).collect::<Result<_>>()?,
                None => (0..starts.len()).collect(),
            };
            if starts.len() != axes.len() || ends.len() != axes.len() {
                return Err(ctx.shape_err("starts, ends and axes differ in length"));
            }
            let mut spec: Vec<SliceAxis> =
                x.iter().map(|&d| SliceAxis { start: 0, step: 1, len: d }).collect();
            for (k, &a) in axes.iter().enumerate() {
                let step = steps.as_ref().map_or(1, |s| s.get(k).copied().unwrap_or(1));
                if step == 0 {
                    return Err(ctx.shape_err("Slice step 0"));
                }
                spec[a] = clamp_slice(starts[k], ends[k], step, x[a]);
            }
            Ok(Built::Op(Op::Slice { axes: spec }, vec![0]))
        }
        "Split" => {
            let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
            let given: Option<Vec<i64>> = match ctx.attrs.ints("split") {
                Some(s) => Some(s),
                None => ctx.opt_const_arg(1, "Split sizes")?.map(Tensor::as_i64s),
            };
            let sizes: Vec<usize> = match given {
                Some(s) => s.iter().map(|&v| usize::try_from(v).unwrap_or(usize::MAX)).collect(),
                None => {
                    let n = ctx.n_outputs.max(1);
                    let chunk = x[axis].div_ceil(n);
                    (0..n).map(|i| chunk.min(x[axis].saturating_sub(i * chunk))).collect()
                }
            };
            if sizes.iter().sum::<usize>() != x[axis] || sizes.len() != ctx.n_outputs {
                return Err(ctx.shape_err(format!(
                    "split sizes {sizes:?} do not cover axis {axis} of {x:?} with {} outputs",
                    ctx.n_outputs
                )));
            }
            Ok(Built::Op(Op::Split { axis, sizes }, vec![0]))
        }
        "Gather" => {
            let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
            let idx = ctx.arg(1)?;
            if idx.dtype == crate::tensor::DType::Float {
                return Err(ctx.shape_err("Gather indices must be integers"));
            }
            if let Some(v) = &idx.value {
                for &r in &v.data {
                    gather_index(r, x[axis], &ctx.node)?;
                }
            }
            Ok(Built::Op(Op::Gather { axis }, vec![0, 1]))
        }
        "GatherElements" => {
            let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
            let idx = ctx.arg(1)?;
            if idx.dtype == crate::tensor::DType::Float {
                return Err(ctx.shape_err("GatherElements indices must be integers"));
            }
            if idx.shape.len() != rank {
                return Err(ctx.shape_err(format!(
                    "indices of shape {:?} do not have the data's rank {rank}",
                    idx.shape
                )));
            }
            let Some(v) = &idx.value else {
                return Err(ctx.unsupported(
                    "GatherElements with input-dependent indices; only constant indices \
                     (copy constraints) are supported",
                ));
            };
            for &r in &v.data {
                gather_index(r, x[axis], &ctx.node)?;
            }
            Ok(Built::Op(Op::GatherElements { axis }, vec![0, 1]))
        }
        "Concat" => {
            let axis = ctx.axis(ctx.attrs.int_or("axis", 0), rank)?;
            let n = ctx.args.len();
            for i in 1..n {
                let s = &ctx.arg(i)?.shape;
                if s.len() != rank || s.iter().enumerate().any(|(a, &d)| a != axis && d != x[a]) {
                    return Err(ctx.shape_err(format!(
                        "input #{i} shape {s:?} does not match {x:?} off axis {axis}"
                    )));
                }
            }
            Ok(Built::Op(Op::Concat { axis }, (0..n).collect()))
        }
        _ => {
            // Pad
            let mode = match ctx.attrs.string("mode").as_deref().unwrap_or("constant") {
                "constant" => PadMode::Constant,
                "reflect" => PadMode::Reflect,
                "edge" => PadMode::Edge,
                other => {
                    return Err(ctx.attrs.error(
                        "mode",
                        format!("'{other}' is not supported (constant, reflect, edge are)"),
                    ))
                }
            };
            let (raw, value, axes) = if ctx.opset < 11 {
                let p =
                    ctx.attrs.ints("pads").ok_or_else(|| ctx.attrs.error("pads", "required"))?;
                (p, ctx.attrs.float_or("value", 0.0), None)
            } else {
                let v = ctx
                    .opt_const_arg(2, "Pad constant_value")?
                    .and_then(|t| t.data.first().copied())
                    .unwrap_or(0.0);
                let axes = ctx.opt_const_arg(3, "Pad axes")?.map(Tensor::as_i64s);
                (ctx.const_arg(1, "Pad pads")?.as_i64s(), v, axes)
            };
            let axes: Vec<usize> = match axes {
                Some(a) => a.iter().map(|&v| ctx.axis(v, rank)).collect::<Result<_>>()?,
                None => (0..rank).collect(),
            };
            if raw.len() != 2 * axes.len() {
                return Err(ctx.shape_err(format!("{} pads for {} axes", raw.len(), axes.len())));
            }
            let mut pads = vec![(0usize, 0usize); rank];
            for (k, &a) in axes.iter().enumerate() {
                let (b, e) = (raw[k], raw[k + axes.len()]);
                if b < 0 || e < 0 {
                    return Err(ctx.unsupported("negative Pad (cropping); use Slice instead"));
                }
                pads[a] = (usize::try_from(b).unwrap_or(0), usize::try_from(e).unwrap_or(0));
            }
            if mode == PadMode::Reflect
                && pads.iter().zip(&x).any(|((b, e), &d)| *b >= d || *e >= d)
            {
                return Err(ctx.shape_err("reflect padding must be smaller than the axis"));
            }
            Ok(Built::Op(Op::Pad { pads, mode, value }, vec![0]))
        }
    }
}
