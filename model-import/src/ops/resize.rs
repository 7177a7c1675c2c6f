//! `Resize` with constant scales or sizes (upsampling in UNets and detection heads). Nearest
//! mode: every output element copies one input element, so it is a copy map; the source index
//! of each output coordinate is computed once at import, per axis, by the ONNX formula for the
//! node's coordinate-transformation and rounding modes. Linear mode (bilinear, trilinear…) is
//! separable: per resized axis, a matmul by a constant interpolation matrix.

use super::{BuildCtx, Built, Op, Step, StepArg};
use crate::error::Result;
use crate::tensor::{numel, strides, Tensor};

pub(super) fn build(ctx: &BuildCtx<'_>) -> Result<Built> {
    let a = &ctx.attrs;
    let x = &ctx.arg(0)?.shape;
    let rank = x.len();
    let mode = a.string("mode").unwrap_or_else(|| "nearest".into());
    if mode != "nearest" && mode != "linear" {
        return Err(ctx.unsupported(format!(
            "Resize mode '{mode}'; zkinfer supports 'nearest' and 'linear' (bilinear upsampling)"
        )));
    }
    for (attr, default) in [("antialias", 0), ("exclude_outside", 0)] {
        if a.int_or(attr, default) != default {
            return Err(ctx.unsupported(format!("Resize with {attr} set")));
        }
    }
    if a.has("axes") {
        return Err(ctx.unsupported("Resize with an 'axes' attribute"));
    }
    if a.string("keep_aspect_ratio_policy").is_some_and(|p| p != "stretch") {
        return Err(ctx.unsupported("Resize with a keep_aspect_ratio_policy other than 'stretch'"));
    }
    // Opset 10: (X, scales) with asymmetric coordinates; later: (X, roi, scales, sizes).
    let legacy = ctx.opset < 11;
    let default_ct = if legacy { "asymmetric" } else { "half_pixel" };
    let ct = a.string("coordinate_transformation_mode").unwrap_or_else(|| default_ct.into());
    let nearest = a.string("nearest_mode").unwrap_or_else(|| "round_prefer_floor".into());
    let (scales_at, sizes_at) = if legacy { (1, None) } else { (2, Some(3)) };
    let sizes = match sizes_at {
        Some(i) => ctx.opt_const_arg(i, "Resize sizes")?.map(Tensor::as_i64s),
        None => None,
    };
    let scales = ctx.opt_const_arg(scales_at, "Resize scales")?.map(|t| t.data.clone());
    let (out, scale): (Vec<usize>, Vec<f64>) = match (sizes, scales) {
        (Some(s), _) if s.len() == rank => {
            let out: Vec<usize> = s.iter().map(|&v| usize::try_from(v).unwrap_or(0)).collect();
            #[allow(clippy::cast_precision_loss)]
            let scale = out.iter().zip(x).map(|(&o, &i)| o as f64 / i.max(1) as f64).collect();
            (out, scale)
        }
        (_, Some(s)) if s.len() == rank => {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let out = s.iter().zip(x).map(|(&f, &i)| (i as f64 * f).floor().max(0.0) as usize);
            (out.collect(), s)
        }
        _ => {
            return Err(ctx.unsupported(format!(
                "Resize needs constant scales or sizes with one entry per axis of {x:?}"
            )))
        }
    };
    if out.contains(&0) || scale.iter().any(|&f| !(f.is_finite() && f > 0.0)) {
        return Err(ctx.shape_err(format!("Resize to {out:?} (scales {scale:?})")));
    }
    if numel(&out) > 1 << 28 {
        return Err(ctx.shape_err(format!("Resize to {out:?} is too large")));
    }
    if mode == "linear" {
        return linear(ctx, x, &out, &scale, &ct);
    }
    let mut src = Vec::with_capacity(rank);
    for axis in 0..rank {
        let mut map = Vec::with_capacity(out[axis]);
        for o in 0..out[axis] {
            let s = source(o, x[axis], out[axis], scale[axis], &ct, &nearest)
                .ok_or_else(|| ctx.unsupported(format!("Resize with '{ct}' / '{nearest}'")))?;
            map.push(s);
        }
        src.push(map);
    }
    Ok(Built::Op(Op::Resize { src }, vec![0]))
}

/// Linear interpolation, one resized axis at a time: the axis is moved last, multiplied by
/// its `[in, out]` interpolation matrix (two taps a column, weights summing to 1, indices
/// clamped to the edge as ONNX specifies) and moved back.
fn linear(
    ctx: &BuildCtx<'_>,
    x: &[usize],
    out: &[usize],
    scale: &[f64],
    ct: &str,
) -> Result<Built> {
    let rank = x.len();
    let mut steps: Vec<Step> = Vec::new();
    let mut cur = StepArg::Input(0);
    let mut shape = x.to_vec();
    for axis in (0..rank).rev() {
        if out[axis] == x[axis] && (scale[axis] - 1.0).abs() < 1e-12 {
            continue;
        }
        let (n_in, n_out) = (x[axis], out[axis]);
        let mut m = vec![0.0; n_in * n_out];
        for o in 0..n_out {
            let orig = original(o, n_in, n_out, scale[axis], ct)
                .ok_or_else(|| ctx.unsupported(format!("Resize with '{ct}' in linear mode")))?;
            #[allow(clippy::cast_possible_truncation)]
            let lo = orig.floor() as i64;
            let frac = orig - orig.floor();
            let last = i64::try_from(n_in).unwrap_or(1) - 1;
            for (i, w) in [(lo, 1.0 - frac), (lo + 1, frac)] {
                let i = usize::try_from(i.clamp(0, last)).unwrap_or(0);
                m[i * n_out + o] += w;
            }
        }
        let matrix = StepArg::Const(Tensor::new(vec![n_in, n_out], crate::tensor::DType::Float, m));
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.swap(axis, rank - 1);
        if axis != rank - 1 {
            steps.push(Step { op: Op::Transpose { perm: perm.clone() }, args: vec![cur] });
            cur = StepArg::Step(steps.len() - 1);
        }
        steps.push(Step { op: Op::MatMul, args: vec![cur, matrix] });
        cur = StepArg::Step(steps.len() - 1);
        if axis != rank - 1 {
            // A swap is its own inverse.
            steps.push(Step { op: Op::Transpose { perm }, args: vec![cur] });
            cur = StepArg::Step(steps.len() - 1);
        }
        shape[axis] = n_out;
    }
    if steps.is_empty() {
        steps.push(Step { op: Op::Unary(super::Unary::Identity), args: vec![cur] });
    }
    debug_assert_eq!(shape, out);
    Ok(Built::Chain(steps))
}

/// The input coordinate (fractional) that output coordinate `o` maps to.
#[allow(clippy::cast_precision_loss)]
fn original(o: usize, len_in: usize, len_out: usize, scale: f64, ct: &str) -> Option<f64> {
    let x = o as f64;
    Some(match ct {
        "half_pixel" => (x + 0.5) / scale - 0.5,
        "pytorch_half_pixel" if len_out > 1 => (x + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => 0.0,
        "asymmetric" => x / scale,
        "align_corners" if len_out > 1 => x * (len_in as f64 - 1.0) / (len_out as f64 - 1.0),
        "align_corners" => 0.0,
        _ => return None,
    })
}

/// The input coordinate output coordinate `o` copies, or `None` for a mode this does not know.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn source(
    o: usize,
    len_in: usize,
    len_out: usize,
    scale: f64,
    ct: &str,
    nearest: &str,
) -> Option<usize> {
    let x = o as f64;
    let orig = match ct {
        "half_pixel" => (x + 0.5) / scale - 0.5,
        "pytorch_half_pixel" if len_out > 1 => (x + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => 0.0,
        "asymmetric" => x / scale,
        "tf_half_pixel_for_nn" => (x + 0.5) / scale,
        "align_corners" if len_out > 1 => x * (len_in as f64 - 1.0) / (len_out as f64 - 1.0),
        "align_corners" => 0.0,
        _ => return None,
    };
    let half = (orig.fract().abs() - 0.5).abs() < 1e-9 && orig >= 0.0;
    let r = match nearest {
        "round_prefer_floor" if half => orig.floor(),
        "round_prefer_ceil" if half => orig.ceil(),
        "round_prefer_floor" | "round_prefer_ceil" => orig.round(),
        "floor" => orig.floor(),
        "ceil" => orig.ceil(),
        _ => return None,
    };
    Some(r.clamp(0.0, len_in.saturating_sub(1) as f64) as usize)
}

/// Resize in `f64` from the per-axis source indices.
#[must_use]
pub fn resize(x: &Tensor, src: &[Vec<usize>]) -> Tensor {
    let out_shape: Vec<usize> = src.iter().map(Vec::len).collect();
    let st = strides(&x.shape);
    let mut data = Vec::with_capacity(numel(&out_shape));
    super::slice::for_each_index(&out_shape, |idx| {
        let flat: usize = idx.iter().enumerate().map(|(a, &i)| src[a][i] * st[a]).sum();
        data.push(x.data.get(flat).copied().unwrap_or(0.0));
    });
    Tensor::new(out_shape, x.dtype, data)
}
