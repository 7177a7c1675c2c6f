//! Conv and ConvTranspose over 1-D, 2-D and 3-D spatial inputs (fewer axes are handled as
//! leading axes of size 1).

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Spatial sizes or positions as `[depth, height, width]`; an op with fewer spatial axes has
/// leading axes of size 1 (position 0).
pub type Spatial = [usize; 3];

/// Number of positions of a spatial extent.
#[must_use]
pub fn volume(s: Spatial) -> usize {
    s.iter().product()
}

/// Row-major offset of position `i` in an extent of `size`.
#[must_use]
pub fn offset(i: Spatial, size: Spatial) -> usize {
    (i[0] * size[1] + i[1]) * size[2] + i[2]
}

/// Every position of an extent, row-major.
pub fn grid(size: Spatial) -> impl Iterator<Item = Spatial> {
    (0..size[0])
        .flat_map(move |z| (0..size[1]).flat_map(move |y| (0..size[2]).map(move |x| [z, y, x])))
}

/// Resolved geometry of a convolution (see [`Spatial`] for the axes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvSpec {
    /// Kernel size.
    pub kernel: Spatial,
    /// Strides.
    pub strides: Spatial,
    /// Dilations.
    pub dilations: Spatial,
    /// Padding at the start of each spatial axis.
    pub pads_begin: Spatial,
    /// Padding at the end of each spatial axis.
    pub pads_end: Spatial,
    /// Channel groups.
    pub group: usize,
    /// Input spatial size.
    pub input: Spatial,
    /// Output spatial size.
    pub output: Spatial,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Batch size.
    pub batch: usize,
    /// Spatial axes of the ONNX op (1, 2 or 3).
    pub dims: usize,
}

impl ConvSpec {
    /// Output shape in ONNX layout.
    #[must_use]
    pub fn output_shape(&self) -> Vec<usize> {
        let mut shape = vec![self.batch, self.c_out];
        shape.extend_from_slice(&self.output[3 - self.dims..]);
        shape
    }

    /// Input coordinate that output position `o` with kernel tap `k` reads on axis `ax`, for a
    /// forward convolution; `None` when it falls in the padding.
    #[must_use]
    pub fn conv_source(&self, ax: usize, o: usize, k: usize) -> Option<usize> {
        let pos =
            (o * self.strides[ax] + k * self.dilations[ax]).checked_sub(self.pads_begin[ax])?;
        (pos < self.input[ax]).then_some(pos)
    }

    /// Input coordinate that contributes to output position `o` through kernel tap `k` in a
    /// transposed convolution; `None` when no input element lands there.
    #[must_use]
    pub fn transpose_source(&self, ax: usize, o: usize, k: usize) -> Option<usize> {
        let num = (o + self.pads_begin[ax]).checked_sub(k * self.dilations[ax])?;
        if num % self.strides[ax] != 0 {
            return None;
        }
        let i = num / self.strides[ax];
        (i < self.input[ax]).then_some(i)
    }

    /// The input position output `o` reads through kernel tap `k` (forward or transposed).
    #[must_use]
    pub fn tap(&self, o: Spatial, k: Spatial, transposed: bool) -> Option<Spatial> {
        let src = |ax: usize| {
            if transposed {
                self.transpose_source(ax, o[ax], k[ax])
            } else {
                self.conv_source(ax, o[ax], k[ax])
            }
        };
        Some([src(0)?, src(1)?, src(2)?])
    }
}

/// Spatial dims of an NC… shape, with leading size-1 axes.
fn spatial(shape: &[usize]) -> Spatial {
    let mut s = [1; 3];
    let dims = shape.len().saturating_sub(2).min(3);
    s[3 - dims..].copy_from_slice(&shape[shape.len() - dims..]);
    s
}

/// `v` (one value per spatial axis of the op) as a [`Spatial`], leading axes `fill`.
pub(super) fn pad_front(v: &[usize], dims: usize, fill: usize) -> Option<Spatial> {
    if v.len() != dims || dims > 3 {
        return None;
    }
    let mut s = [fill; 3];
    s[3 - dims..].copy_from_slice(v);
    Some(s)
}

/// A per-axis attribute (strides, dilations, output_padding): `default` when absent.
pub(super) fn per_axis(
    ctx: &BuildCtx<'_>,
    name: &str,
    dims: usize,
    default: usize,
) -> Result<Spatial> {
    match ctx.attrs.usizes(name)? {
        None => Ok([default; 3]),
        Some(v) => pad_front(&v, dims, default)
            .ok_or_else(|| ctx.attrs.error(name, format!("expected {dims} values, got {v:?}"))),
    }
}

/// Reads pads (explicit or `auto_pad`) for a window op.
pub(super) fn read_pads(
    ctx: &BuildCtx<'_>,
    dims: usize,
    input: Spatial,
    kernel_ext: Spatial,
    strides: Spatial,
) -> Result<(Spatial, Spatial)> {
    let auto = ctx.attrs.string("auto_pad").unwrap_or_else(|| "NOTSET".into());
    match auto.as_str() {
        "NOTSET" => match ctx.attrs.usizes("pads")? {
            None => Ok(([0; 3], [0; 3])),
            Some(p) if p.len() == 2 * dims => Ok((
                pad_front(&p[..dims], dims, 0).unwrap_or_default(),
                pad_front(&p[dims..], dims, 0).unwrap_or_default(),
            )),
            Some(p) => Err(ctx.attrs.error("pads", format!("unexpected length {}", p.len()))),
        },
        "VALID" => Ok(([0; 3], [0; 3])),
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut b = [0; 3];
            let mut e = [0; 3];
            for ax in 0..3 {
                let out = input[ax].div_ceil(strides[ax]);
                let total = ((out - 1) * strides[ax] + kernel_ext[ax]).saturating_sub(input[ax]);
                let small = total / 2;
                if auto == "SAME_UPPER" {
                    (b[ax], e[ax]) = (small, total - small);
                } else {
                    (b[ax], e[ax]) = (total - small, small);
                }
            }
            Ok((b, e))
        }
        other => Err(ctx.attrs.error("auto_pad", format!("unknown mode '{other}'"))),
    }
}

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let x = ctx.arg(0)?;
    let w = ctx.arg(1)?;
    if !(3..=5).contains(&x.shape.len()) || w.shape.len() != x.shape.len() {
        return Err(ctx.unsupported(format!(
            "{op_type} on input {:?} with weights {:?}: only 1-D, 2-D and 3-D convolutions are supported",
            x.shape, w.shape
        )));
    }
    let dims = x.shape.len() - 2;
    let transpose = op_type == "ConvTranspose";
    let group = usize::try_from(ctx.attrs.int_or("group", 1)).unwrap_or(0);
    let (batch, c_in) = (x.shape[0], x.shape[1]);
    if group == 0 || c_in % group != 0 {
        return Err(ctx
            .attrs
            .error("group", format!("{group} does not divide {c_in} input channels")));
    }
    let kernel = spatial(&w.shape);
    if let Some(k) = ctx.attrs.usizes("kernel_shape")? {
        if pad_front(&k, dims, 1) != Some(kernel) {
            return Err(
                ctx.shape_err(format!("kernel_shape {k:?} disagrees with weights {:?}", w.shape))
            );
        }
    }
    let strides = per_axis(ctx, "strides", dims, 1)?;
    let dilations = per_axis(ctx, "dilations", dims, 1)?;
    if strides.contains(&0) || dilations.contains(&0) || kernel.contains(&0) {
        return Err(ctx.shape_err("kernel sizes, strides and dilations must be positive"));
    }
    let input = spatial(&x.shape);
    let ext: Spatial = std::array::from_fn(|ax| (kernel[ax] - 1) * dilations[ax] + 1);
    let c_out;
    let mut output = [1; 3];
    let (pads_begin, pads_end);
    if transpose {
        if w.shape[0] != c_in {
            return Err(
                ctx.shape_err(format!("weights {:?} need {c_in} input channels first", w.shape))
            );
        }
        c_out = w.shape[1] * group;
        let out_pad = per_axis(ctx, "output_padding", dims, 0)?;
        if let Some(os) = ctx.attrs.usizes("output_shape")? {
            let os = pad_front(&os, dims, 1).ok_or_else(|| {
                ctx.attrs.error("output_shape", format!("expected {dims} values"))
            })?;
            let auto = ctx.attrs.string("auto_pad").unwrap_or_default();
            let mut b = [0; 3];
            let mut e = [0; 3];
            for ax in 0..3 {
                let full = strides[ax] * (input[ax] - 1) + out_pad[ax] + ext[ax];
                let total = full
                    .checked_sub(os[ax])
                    .ok_or_else(|| ctx.shape_err("output_shape too large"))?;
                if auto == "SAME_UPPER" {
                    (b[ax], e[ax]) = (total / 2, total - total / 2);
                } else {
                    (b[ax], e[ax]) = (total - total / 2, total / 2);
                }
            }
            (pads_begin, pads_end) = (b, e);
            output = os;
        } else {
            (pads_begin, pads_end) = read_pads(ctx, dims, input, ext, strides)?;
            for ax in 0..3 {
                output[ax] = (strides[ax] * (input[ax] - 1) + out_pad[ax] + ext[ax])
                    .checked_sub(pads_begin[ax] + pads_end[ax])
                    .ok_or_else(|| ctx.shape_err("padding larger than the output"))?;
            }
        }
    } else {
        if w.shape[1] * group != c_in {
            return Err(ctx.shape_err(format!(
                "weights {:?} expect {} input channels, input has {c_in}",
                w.shape,
                w.shape[1] * group
            )));
        }
        c_out = w.shape[0];
        (pads_begin, pads_end) = read_pads(ctx, dims, input, ext, strides)?;
        for ax in 0..3 {
            let span = input[ax] + pads_begin[ax] + pads_end[ax];
            if span < ext[ax] {
                return Err(
                    ctx.shape_err(format!("kernel {kernel:?} larger than padded input {input:?}"))
                );
            }
            output[ax] = (span - ext[ax]) / strides[ax] + 1;
        }
    }
    if c_out % group != 0 {
        return Err(ctx
            .attrs
            .error("group", format!("{group} does not divide {c_out} output channels")));
    }
    if let Some(b) = ctx.opt_arg(2) {
        if b.shape != [c_out] {
            return Err(ctx.shape_err(format!("bias shape {:?}, expected [{c_out}]", b.shape)));
        }
    }
    let spec = ConvSpec {
        kernel,
        strides,
        dilations,
        pads_begin,
        pads_end,
        group,
        input,
        output,
        c_in,
        c_out,
        batch,
        dims,
    };
    let inputs = if ctx.opt_arg(2).is_some() { vec![0, 1, 2] } else { vec![0, 1] };
    Ok(Built::Op(if transpose { Op::ConvTranspose(spec) } else { Op::Conv(spec) }, inputs))
}

/// Forward convolution in `f64`.
#[must_use]
pub fn conv(s: &ConvSpec, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let (vin, vout, vk) = (volume(s.input), volume(s.output), volume(s.kernel));
    let (cig, cog) = (s.c_in / s.group, s.c_out / s.group);
    let mut out = vec![0.0; s.batch * s.c_out * vout];
    for n in 0..s.batch {
        for co in 0..s.c_out {
            let g = co / cog;
            let bias = b.map_or(0.0, |b| b.data[co]);
            for o in grid(s.output) {
                let mut acc = bias;
                for ci in 0..cig {
                    let c = g * cig + ci;
                    for k in grid(s.kernel) {
                        let Some(i) = s.tap(o, k, false) else { continue };
                        acc += x.data[(n * s.c_in + c) * vin + offset(i, s.input)]
                            * w.data[(co * cig + ci) * vk + offset(k, s.kernel)];
                    }
                }
                out[(n * s.c_out + co) * vout + offset(o, s.output)] = acc;
            }
        }
    }
    Tensor::new(s.output_shape(), x.dtype, out)
}

/// Transposed convolution in `f64`.
#[must_use]
pub fn conv_transpose(s: &ConvSpec, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let (vin, vout, vk) = (volume(s.input), volume(s.output), volume(s.kernel));
    let (cig, cog) = (s.c_in / s.group, s.c_out / s.group);
    let mut out = vec![0.0; s.batch * s.c_out * vout];
    for n in 0..s.batch {
        for co in 0..s.c_out {
            let (g, col) = (co / cog, co % cog);
            let bias = b.map_or(0.0, |b| b.data[co]);
            for o in grid(s.output) {
                let mut acc = bias;
                for k in grid(s.kernel) {
                    let Some(i) = s.tap(o, k, true) else { continue };
                    for ci in 0..cig {
                        let c = g * cig + ci;
                        acc += x.data[(n * s.c_in + c) * vin + offset(i, s.input)]
                            * w.data[(c * cog + col) * vk + offset(k, s.kernel)];
                    }
                }
                out[(n * s.c_out + co) * vout + offset(o, s.output)] = acc;
            }
        }
    }
    Tensor::new(s.output_shape(), x.dtype, out)
}
