//! Shape ops: Reshape/Flatten/Squeeze/Unsqueeze, Transpose, Expand, Tile, and the
//! shape-arithmetic ops that always fold to constants (Shape, Size, Constant, …).

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::{broadcast_index_map, broadcast_shapes, numel, strides, DType, Tensor};

#[allow(clippy::cast_precision_loss)]
fn shape_tensor(dims: &[usize]) -> Tensor {
    Tensor::new(vec![dims.len()], DType::Int, dims.iter().map(|&d| d as f64).collect())
}

/// Transposes by a permutation.
#[must_use]
pub fn transpose(x: &Tensor, perm: &[usize]) -> Tensor {
    let out_shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let in_strides = strides(&x.shape);
    let permuted: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let mut data = Vec::with_capacity(x.len());
    let mut idx = vec![0usize; out_shape.len()];
    let mut flat = 0usize;
    for _ in 0..x.len() {
        data.push(x.data[flat]);
        for ax in (0..out_shape.len()).rev() {
            idx[ax] += 1;
            flat += permuted[ax];
            if idx[ax] < out_shape[ax] {
                break;
            }
            flat -= permuted[ax] * idx[ax];
            idx[ax] = 0;
        }
    }
    Tensor::new(out_shape, x.dtype, data)
}

/// Broadcasts to `shape` (ONNX Expand).
#[must_use]
pub fn expand(x: &Tensor, shape: &[usize]) -> Tensor {
    let map = broadcast_index_map(&x.shape, shape);
    Tensor::new(shape.to_vec(), x.dtype, map.iter().map(|&i| x.data[i]).collect())
}

/// Repeats along every axis.
#[must_use]
pub fn tile(x: &Tensor, repeats: &[usize]) -> Tensor {
    let out_shape: Vec<usize> = x.shape.iter().zip(repeats).map(|(d, r)| d * r).collect();
    let in_strides = strides(&x.shape);
    let mut data = Vec::with_capacity(numel(&out_shape));
    super::slice::for_each_index(&out_shape, |idx| {
        let src: usize =
            idx.iter().enumerate().map(|(a, &i)| (i % x.shape[a]) * in_strides[a]).sum();
        data.push(x.data[src]);
    });
    Tensor::new(out_shape, x.dtype, data)
}

fn axes_list(ctx: &BuildCtx<'_>, rank: usize) -> Result<Option<Vec<usize>>> {
    let raw = match ctx.attrs.ints("axes") {
        Some(a) => Some(a),
        None => ctx.opt_const_arg(1, "axes")?.map(Tensor::as_i64s),
    };
    raw.map(|a| a.iter().map(|&x| ctx.axis(x, rank)).collect()).transpose()
}

#[allow(clippy::too_many_lines)]
pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let reshape = |shape: Vec<usize>| Ok(Built::Op(Op::Reshape { shape }, vec![0]));
    match op_type {
        "Constant" => {
            let a = &ctx.attrs;
            let t = if let Some(t) = a.tensor("value")? {
                t
            } else if let Some(f) = a.floats("value_floats") {
                Tensor::new(vec![f.len()], DType::Float, f)
            } else if let Some(i) = a.ints("value_ints") {
                #[allow(clippy::cast_precision_loss)]
                Tensor::new(vec![i.len()], DType::Int, i.iter().map(|&v| v as f64).collect())
            } else if a.has("value_float") {
                Tensor::scalar(a.float_or("value_float", 0.0), DType::Float)
            } else if a.has("value_int") {
                #[allow(clippy::cast_precision_loss)]
                Tensor::scalar(a.int_or("value_int", 0) as f64, DType::Int)
            } else {
                return Err(a.error("value", "Constant without a supported value attribute"));
            };
            Ok(Built::Const(vec![t]))
        }
        "Shape" => {
            let s = &ctx.arg(0)?.shape;
            let r = i64::try_from(s.len()).unwrap_or(0);
            let clamp =
                |v: i64| usize::try_from(if v < 0 { v + r } else { v }.clamp(0, r)).unwrap_or(0);
            let (b, e) = (clamp(ctx.attrs.int_or("start", 0)), clamp(ctx.attrs.int_or("end", r)));
            Ok(Built::Const(vec![shape_tensor(&s[b..e.max(b)])]))
        }
        "Size" => {
            #[allow(clippy::cast_precision_loss)]
            let n = numel(&ctx.arg(0)?.shape) as f64;
            Ok(Built::Const(vec![Tensor::scalar(n, DType::Int)]))
        }
        "ConstantOfShape" => {
            let dims: Vec<usize> = ctx
                .const_arg(0, "shape")?
                .as_i64s()
                .iter()
                .map(|&d| {
                    usize::try_from(d).map_err(|_| ctx.shape_err(format!("negative dim {d}")))
                })
                .collect::<Result<_>>()?;
            let fill =
                ctx.attrs.tensor("value")?.unwrap_or_else(|| Tensor::scalar(0.0, DType::Float));
            let v = fill.data.first().copied().unwrap_or(0.0);
            Ok(Built::Const(vec![Tensor::new(dims.clone(), fill.dtype, vec![v; numel(&dims)])]))
        }
        "Range" => {
            let s = |i, w| ctx.const_arg(i, w).map(|t| t.data.first().copied().unwrap_or(0.0));
            let (start, limit, delta) = (s(0, "start")?, s(1, "limit")?, s(2, "delta")?);
            if delta == 0.0 {
                return Err(ctx.shape_err("Range with delta 0"));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n = ((limit - start) / delta).ceil().max(0.0) as usize;
            #[allow(clippy::cast_precision_loss)]
            let data = (0..n).map(|i| start + i as f64 * delta).collect();
            Ok(Built::Const(vec![Tensor::new(vec![n], ctx.arg(0)?.dtype, data)]))
        }
        "NonZero" => {
            let t = ctx.const_arg(0, "NonZero's input (its output size depends on the data)")?;
            let st = strides(&t.shape);
            let nz: Vec<usize> = (0..t.len()).filter(|&i| t.data[i] != 0.0).collect();
            let mut data = Vec::with_capacity(nz.len() * t.shape.len());
            for (ax, &s) in st.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                data.extend(nz.iter().map(|&i| ((i / s) % t.shape[ax]) as f64));
            }
            Ok(Built::Const(vec![Tensor::new(vec![t.shape.len(), nz.len()], DType::Int, data)]))
        }
        "Reshape" => {
            let x = &ctx.arg(0)?.shape;
            let target = ctx.const_arg(1, "Reshape's shape")?.as_i64s();
            let allow_zero = ctx.attrs.int_or("allowzero", 0) != 0;
            let mut dims = Vec::with_capacity(target.len());
            let mut infer = None;
            for (i, &d) in target.iter().enumerate() {
                match d {
                    -1 if infer.is_none() => {
                        infer = Some(i);
                        dims.push(1);
                    }
                    0 if !allow_zero => dims.push(
                        *x.get(i).ok_or_else(|| ctx.shape_err("0 in shape beyond input rank"))?,
                    ),
                    d if d >= 0 => dims.push(usize::try_from(d).unwrap_or(0)),
                    _ => return Err(ctx.shape_err(format!("invalid target shape {target:?}"))),
                }
            }
            if let Some(i) = infer {
                let known = numel(&dims).max(1);
                if !numel(x).is_multiple_of(known) {
                    return Err(ctx.shape_err(format!("cannot reshape {x:?} to {target:?}")));
                }
                dims[i] = numel(x) / known;
            }
            if numel(&dims) != numel(x) {
                return Err(ctx
                    .shape_err(format!("cannot reshape {x:?} ({} values) to {dims:?}", numel(x))));
            }
            reshape(dims)
        }
        "Flatten" => {
            let x = &ctx.arg(0)?.shape;
            let r = i64::try_from(x.len()).unwrap_or(0);
            let a = ctx.attrs.int_or("axis", 1);
            let axis =
                usize::try_from(if a < 0 { a + r } else { a }).ok().filter(|&v| v <= x.len());
            let axis = axis
                .ok_or_else(|| ctx.attrs.error("axis", format!("{a} out of range for rank {r}")))?;
            reshape(vec![numel(&x[..axis]), numel(&x[axis..])])
        }
        "Squeeze" => {
            let x = &ctx.arg(0)?.shape;
            let axes = axes_list(ctx, x.len())?;
            let mut dims = Vec::new();
            for (i, &d) in x.iter().enumerate() {
                let listed = axes.as_ref().is_none_or(|a| a.contains(&i));
                if listed && d == 1 {
                    continue;
                }
                if listed && axes.is_some() {
                    return Err(ctx.shape_err(format!("cannot squeeze axis {i} of size {d}")));
                }
                dims.push(d);
            }
            reshape(dims)
        }
        "Unsqueeze" => {
            let x = &ctx.arg(0)?.shape;
            let out_rank = x.len()
                + ctx.attrs.ints("axes").map_or_else(
                    || ctx.opt_const_arg(1, "axes").map(|t| t.map_or(0, Tensor::len)),
                    |a| Ok(a.len()),
                )?;
            let axes = axes_list(ctx, out_rank)?.unwrap_or_default();
            let mut src = x.iter();
            let dims = (0..out_rank)
                .map(|i| if axes.contains(&i) { 1 } else { src.next().copied().unwrap_or(1) })
                .collect();
            reshape(dims)
        }
        "Transpose" => {
            let r = ctx.rank(0)?;
            let perm: Vec<usize> = match ctx.attrs.ints("perm") {
                Some(p) => p.iter().map(|&a| ctx.axis(a, r)).collect::<Result<_>>()?,
                None => (0..r).rev().collect(),
            };
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..r).collect::<Vec<_>>() {
                return Err(ctx
                    .attrs
                    .error("perm", format!("{perm:?} is not a permutation of 0..{r}")));
            }
            Ok(Built::Op(Op::Transpose { perm }, vec![0]))
        }
        "Expand" => {
            let x = &ctx.arg(0)?.shape;
            let target: Vec<usize> = ctx
                .const_arg(1, "Expand's shape")?
                .as_i64s()
                .iter()
                .map(|&d| {
                    usize::try_from(d).map_err(|_| ctx.shape_err(format!("negative dim {d}")))
                })
                .collect::<Result<_>>()?;
            let shape = broadcast_shapes(x, &target)
                .ok_or_else(|| ctx.shape_err(format!("cannot expand {x:?} to {target:?}")))?;
            Ok(Built::Op(Op::Expand { shape }, vec![0]))
        }
        _ => {
            // Tile
            let x = &ctx.arg(0)?.shape;
            let repeats: Vec<usize> = ctx
                .const_arg(1, "Tile's repeats")?
                .as_i64s()
                .iter()
                .map(|&d| {
                    usize::try_from(d).map_err(|_| ctx.shape_err(format!("negative repeat {d}")))
                })
                .collect::<Result<_>>()?;
            if repeats.len() != x.len() {
                return Err(ctx.shape_err(format!(
                    "{} repeats for rank {}",
                    repeats.len(),
                    x.len()
                )));
            }
            Ok(Built::Op(Op::Tile { repeats }, vec![0]))
        }
    }
}
