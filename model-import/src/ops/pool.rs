//! MaxPool, AveragePool and their global variants.

use super::conv::{grid, offset, pad_front, per_axis, read_pads, volume, Spatial};
use super::{BuildCtx, Built, Op};
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

/// Resolved pooling geometry; spatial fields are `[depth, height, width]` with leading size-1
/// axes for 1-D and 2-D pooling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    /// Reduction.
    pub kind: PoolKind,
    /// Window size.
    pub kernel: Spatial,
    /// Strides.
    pub strides: Spatial,
    /// Dilations.
    pub dilations: Spatial,
    /// Padding before.
    pub pads_begin: Spatial,
    /// Padding after.
    pub pads_end: Spatial,
    /// Input spatial size.
    pub input: Spatial,
    /// Output spatial size.
    pub output: Spatial,
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

    /// The input position output `o` reads through window tap `k`, if any.
    #[must_use]
    pub fn tap(&self, o: Spatial, k: Spatial) -> Option<Spatial> {
        Some([
            self.source(0, o[0], k[0])?,
            self.source(1, o[1], k[1])?,
            self.source(2, o[2], k[2])?,
        ])
    }

    /// Divisor of an average window at output position `o`.
    #[must_use]
    pub fn window_count(&self, o: Spatial, include_pad: bool) -> usize {
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
        (0..3).map(|ax| count_axis(ax, o[ax])).product()
    }
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    if !(3..=5).contains(&x.shape.len()) {
        return Err(ctx.unsupported(format!(
            "{op_type} on a rank-{} input: only 1-D, 2-D and 3-D pooling is supported",
            x.shape.len()
        )));
    }
    let dims = x.shape.len() - 2;
    let input = pad_front(&x.shape[2..], dims, 1).unwrap_or([1; 3]);
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
            strides: [1; 3],
            dilations: [1; 3],
            pads_begin: [0; 3],
            pads_end: [0; 3],
            input,
            output: [1; 3],
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
        if !ctx.attrs.has("kernel_shape") {
            return Err(ctx.attrs.error("kernel_shape", "required"));
        }
        let kernel = per_axis(ctx, "kernel_shape", dims, 1)?;
        let strides = per_axis(ctx, "strides", dims, 1)?;
        let dilations = per_axis(ctx, "dilations", dims, 1)?;
        if kernel.contains(&0) || strides.contains(&0) || dilations.contains(&0) {
            return Err(ctx.shape_err("window sizes, strides and dilations must be positive"));
        }
        let ext: Spatial = std::array::from_fn(|ax| (kernel[ax] - 1) * dilations[ax] + 1);
        let (pads_begin, pads_end) = read_pads(ctx, dims, input, ext, strides)?;
        let ceil = ctx.attrs.int_or("ceil_mode", 0) != 0;
        let mut output = [1; 3];
        for ax in 0..3 {
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
        out_shape.extend_from_slice(&output[3 - dims..]);
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
    let vin = volume(s.input);
    let mut out = Vec::with_capacity(s.planes * volume(s.output));
    for p in 0..s.planes {
        for o in grid(s.output) {
            let mut acc = match s.kind {
                PoolKind::Max => f64::NEG_INFINITY,
                PoolKind::Average { .. } => 0.0,
            };
            for k in grid(s.kernel) {
                let Some(i) = s.tap(o, k) else { continue };
                let v = x.data[p * vin + offset(i, s.input)];
                acc = match s.kind {
                    PoolKind::Max => acc.max(v),
                    PoolKind::Average { .. } => acc + v,
                };
            }
            if let PoolKind::Average { count_include_pad } = s.kind {
                #[allow(clippy::cast_precision_loss)]
                let n = s.window_count(o, count_include_pad).max(1) as f64;
                acc /= n;
            }
            out.push(acc);
        }
    }
    Tensor::new(s.out_shape.clone(), x.dtype, out)
}
