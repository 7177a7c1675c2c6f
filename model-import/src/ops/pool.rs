//! MaxPool, AveragePool and their global variants.

use super::{conv::read_pads, BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Pooling reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolKind {
    /// Maximum over the window (padding never wins).
    Max,
    /// Mean over the window.
    Average {
        /// Whether padded positions count in the divisor.
        count_include_pad: bool,
    },
}

/// Resolved pooling geometry; spatial fields are `[height, width]` (height 1 for 1-D).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// Reduction.
    pub kind: PoolKind,
    /// Window size.
    pub kernel: [usize; 2],
    /// Strides.
    pub strides: [usize; 2],
    /// Dilations.
    pub dilations: [usize; 2],
    /// Padding before.
    pub pads_begin: [usize; 2],
    /// Padding after.
    pub pads_end: [usize; 2],
    /// Input spatial size.
    pub input: [usize; 2],
    /// Output spatial size.
    pub output: [usize; 2],
    /// Batch × channels.
    pub planes: usize,
    /// Output shape in ONNX layout.
    pub out_shape: Vec<usize>,
}

impl PoolSpec {
    /// Input coordinate read by output `o` and window tap `k` on axis `ax`; `None` in padding
    /// or past the input.
    #[must_use]
    pub fn source(&self, ax: usize, o: usize, k: usize) -> Option<usize> {
        let pos =
            (o * self.strides[ax] + k * self.dilations[ax]).checked_sub(self.pads_begin[ax])?;
        (pos < self.input[ax]).then_some(pos)
    }

    /// Divisor of an average window at output `(oy, ox)`.
    #[must_use]
    pub fn window_count(&self, oy: usize, ox: usize, include_pad: bool) -> usize {
        let count_axis = |ax: usize, o: usize| {
            (0..self.kernel[ax])
                .filter(|&k| {
                    if include_pad {
                        let p = o * self.strides[ax] + k * self.dilations[ax];
                        p < self.input[ax] + self.pads_begin[ax] + self.pads_end[ax]
                    } else {
                        self.source(ax, o, k).is_some()
                    }
                })
                .count()
        };
        count_axis(0, oy) * count_axis(1, ox)
    }
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    if !(x.shape.len() == 3 || x.shape.len() == 4) {
        return Err(ctx.unsupported(format!(
            "{op_type} on a rank-{} input: only 1-D and 2-D pooling is supported",
            x.shape.len()
        )));
    }
    let one_d = x.shape.len() == 3;
    let input = if one_d { [1, x.shape[2]] } else { [x.shape[2], x.shape[3]] };
    let planes = x.shape[0] * x.shape[1];
    let global = op_type.starts_with("Global");
    let kind = if op_type.ends_with("MaxPool") {
        PoolKind::Max
    } else {
        PoolKind::Average { count_include_pad: ctx.attrs.int_or("count_include_pad", 0) != 0 }
    };
    let spec = if global {
        PoolSpec {
            kind,
            kernel: input,
            strides: [1, 1],
            dilations: [1, 1],
            pads_begin: [0, 0],
            pads_end: [0, 0],
            input,
            output: [1, 1],
            planes,
            out_shape: x.shape[..2]
                .iter()
                .copied()
                .chain(std::iter::repeat_n(1, x.shape.len() - 2))
                .collect(),
        }
    } else {
        if ctx.n_outputs > 1 {
            return Err(ctx.unsupported("MaxPool's Indices output is not supported"));
        }
        let two = |name: &str, default: usize| -> Result<[usize; 2]> {
            match ctx.attrs.usizes(name)? {
                None => Ok([if one_d { 1 } else { default }, default]),
                Some(v) if one_d && v.len() == 1 => Ok([1, v[0]]),
                Some(v) if !one_d && v.len() == 2 => Ok([v[0], v[1]]),
                Some(v) => Err(ctx.attrs.error(name, format!("unexpected value {v:?}"))),
            }
        };
        if !ctx.attrs.has("kernel_shape") {
            return Err(ctx.attrs.error("kernel_shape", "required"));
        }
        let kernel = two("kernel_shape", 1)?;
        let strides = two("strides", 1)?;
        let dilations = two("dilations", 1)?;
        let ext = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
        let (pads_begin, pads_end) = read_pads(ctx, one_d, input, ext, strides)?;
        let ceil = ctx.attrs.int_or("ceil_mode", 0) != 0;
        let mut output = [0; 2];
        for ax in 0..2 {
            let span = input[ax] + pads_begin[ax] + pads_end[ax];
            if span < ext[ax] {
                return Err(
                    ctx.shape_err(format!("window {kernel:?} larger than padded input {input:?}"))
                );
            }
            let mut o = if ceil {
                (span - ext[ax]).div_ceil(strides[ax]) + 1
            } else {
                (span - ext[ax]) / strides[ax] + 1
            };
            // A window may not start in the end padding.
            if ceil && (o - 1) * strides[ax] >= input[ax] + pads_begin[ax] {
                o -= 1;
            }
            output[ax] = o;
        }
        let mut out_shape = x.shape[..2].to_vec();
        if !one_d {
            out_shape.push(output[0]);
        }
        out_shape.push(output[1]);
        PoolSpec {
            kind,
            kernel,
            strides,
            dilations,
            pads_begin,
            pads_end,
            input,
            output,
            planes,
            out_shape,
        }
    };
    Ok(Built::Op(Op::Pool(spec), vec![0]))
}

/// Pooling in `f64`.
#[must_use]
pub fn pool(s: &PoolSpec, x: &Tensor) -> Tensor {
    let [oh, ow] = s.output;
    let [ih, iw] = s.input;
    let mut out = Vec::with_capacity(s.planes * oh * ow);
    for p in 0..s.planes {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = match s.kind {
                    PoolKind::Max => f64::NEG_INFINITY,
                    PoolKind::Average { .. } => 0.0,
                };
                for ky in 0..s.kernel[0] {
                    let Some(iy) = s.source(0, oy, ky) else { continue };
                    for kx in 0..s.kernel[1] {
                        let Some(ix) = s.source(1, ox, kx) else { continue };
                        let v = x.data[(p * ih + iy) * iw + ix];
                        acc = match s.kind {
                            PoolKind::Max => acc.max(v),
                            PoolKind::Average { .. } => acc + v,
                        };
                    }
                }
                if let PoolKind::Average { count_include_pad } = s.kind {
                    #[allow(clippy::cast_precision_loss)]
                    let n = s.window_count(oy, ox, count_include_pad).max(1) as f64;
                    acc /= n;
                }
                out.push(acc);
            }
        }
    }
    Tensor::new(s.out_shape.clone(), x.dtype, out)
}
