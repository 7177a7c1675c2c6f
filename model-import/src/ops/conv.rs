//! Conv and ConvTranspose over 1-D and 2-D spatial inputs (1-D is handled as height 1).

use super::{BuildCtx, Built, Op};
use crate::error::Result;
use crate::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Resolved geometry of a convolution. Spatial values are `[height, width]`; a 1-D op has
/// height 1 in every field and `one_d` set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvSpec {
    /// Kernel size.
    pub kernel: [usize; 2],
    /// Strides.
    pub strides: [usize; 2],
    /// Dilations.
    pub dilations: [usize; 2],
    /// Padding at the start of each spatial axis.
    pub pads_begin: [usize; 2],
    /// Padding at the end of each spatial axis.
    pub pads_end: [usize; 2],
    /// Channel groups.
    pub group: usize,
    /// Input spatial size.
    pub input: [usize; 2],
    /// Output spatial size.
    pub output: [usize; 2],
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Batch size.
    pub batch: usize,
    /// True when the ONNX op is 1-D.
    pub one_d: bool,
}

impl ConvSpec {
    /// Output shape in ONNX layout.
    #[must_use]
    pub fn output_shape(&self) -> Vec<usize> {
        if self.one_d {
            vec![self.batch, self.c_out, self.output[1]]
        } else {
            vec![self.batch, self.c_out, self.output[0], self.output[1]]
        }
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
}

/// Spatial dims of an NC(H)W shape as `[h, w]`.
fn spatial(shape: &[usize]) -> [usize; 2] {
    if shape.len() == 3 {
        [1, shape[2]]
    } else {
        [shape[2], shape[3]]
    }
}

fn pair(ctx: &BuildCtx<'_>, name: &str, one_d: bool, default: usize) -> Result<[usize; 2]> {
    match ctx.attrs.usizes(name)? {
        None => Ok([if one_d { 1 } else { default }, default]),
        Some(v) if one_d && v.len() == 1 => Ok([1, v[0]]),
        Some(v) if !one_d && v.len() == 2 => Ok([v[0], v[1]]),
        Some(v) => Err(ctx
            .attrs
            .error(name, format!("expected {} values, got {v:?}", if one_d { 1 } else { 2 }))),
    }
}

/// Reads pads (explicit or `auto_pad`) for a window op. `out_for` maps total padding to the
/// output size for SAME modes.
pub(super) fn read_pads(
    ctx: &BuildCtx<'_>,
    one_d: bool,
    input: [usize; 2],
    kernel_ext: [usize; 2],
    strides: [usize; 2],
) -> Result<([usize; 2], [usize; 2])> {
    let auto = ctx.attrs.string("auto_pad").unwrap_or_else(|| "NOTSET".into());
    match auto.as_str() {
        "NOTSET" => match ctx.attrs.usizes("pads")? {
            None => Ok(([0, 0], [0, 0])),
            Some(p) if one_d && p.len() == 2 => Ok(([0, p[0]], [0, p[1]])),
            Some(p) if !one_d && p.len() == 4 => Ok(([p[0], p[1]], [p[2], p[3]])),
            Some(p) => Err(ctx.attrs.error("pads", format!("unexpected length {}", p.len()))),
        },
        "VALID" => Ok(([0, 0], [0, 0])),
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut b = [0; 2];
            let mut e = [0; 2];
            for ax in 0..2 {
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
    if !(x.shape.len() == 3 || x.shape.len() == 4) || w.shape.len() != x.shape.len() {
        return Err(ctx.unsupported(format!(
            "{op_type} on input {:?} with weights {:?}: only 1-D and 2-D convolutions are supported",
            x.shape, w.shape
        )));
    }
    let one_d = x.shape.len() == 3;
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
        let given = if one_d {
            [1, k.first().copied().unwrap_or(0)]
        } else {
            [k[0], k.get(1).copied().unwrap_or(0)]
        };
        if given != kernel {
            return Err(
                ctx.shape_err(format!("kernel_shape {k:?} disagrees with weights {:?}", w.shape))
            );
        }
    }
    let strides = pair(ctx, "strides", one_d, 1)?;
    let dilations = pair(ctx, "dilations", one_d, 1)?;
    let input = spatial(&x.shape);
    let ext = [(kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1];
    let c_out;
    let mut output = [0; 2];
    let (pads_begin, pads_end);
    if transpose {
        if w.shape[0] != c_in {
            return Err(
                ctx.shape_err(format!("weights {:?} need {c_in} input channels first", w.shape))
            );
        }
        c_out = w.shape[1] * group;
        let out_pad = pair(ctx, "output_padding", one_d, 0)?;
        if let Some(os) = ctx.attrs.usizes("output_shape")? {
            let os = if one_d { [1, os[0]] } else { [os[0], os[1]] };
            let auto = ctx.attrs.string("auto_pad").unwrap_or_default();
            let mut b = [0; 2];
            let mut e = [0; 2];
            for ax in 0..2 {
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
            (pads_begin, pads_end) = read_pads(ctx, one_d, input, ext, strides)?;
            for ax in 0..2 {
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
        (pads_begin, pads_end) = read_pads(ctx, one_d, input, ext, strides)?;
        for ax in 0..2 {
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
        one_d,
    };
    let inputs = if ctx.opt_arg(2).is_some() { vec![0, 1, 2] } else { vec![0, 1] };
    Ok(Built::Op(if transpose { Op::ConvTranspose(spec) } else { Op::Conv(spec) }, inputs))
}

/// Forward convolution in `f64`.
#[must_use]
pub fn conv(s: &ConvSpec, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let [oh, ow] = s.output;
    let [ih, iw] = s.input;
    let [kh, kw] = s.kernel;
    let (cig, cog) = (s.c_in / s.group, s.c_out / s.group);
    let mut out = vec![0.0; s.batch * s.c_out * oh * ow];
    for n in 0..s.batch {
        for co in 0..s.c_out {
            let g = co / cog;
            let bias = b.map_or(0.0, |b| b.data[co]);
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias;
                    for ci in 0..cig {
                        let c = g * cig + ci;
                        for ky in 0..kh {
                            let Some(iy) = s.conv_source(0, oy, ky) else { continue };
                            for kx in 0..kw {
                                let Some(ix) = s.conv_source(1, ox, kx) else { continue };
                                acc += x.data[((n * s.c_in + c) * ih + iy) * iw + ix]
                                    * w.data[((co * cig + ci) * kh + ky) * kw + kx];
                            }
                        }
                    }
                    out[((n * s.c_out + co) * oh + oy) * ow + ox] = acc;
                }
            }
        }
    }
    Tensor::new(s.output_shape(), x.dtype, out)
}

/// Transposed convolution in `f64`.
#[must_use]
pub fn conv_transpose(s: &ConvSpec, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let [oh, ow] = s.output;
    let [ih, iw] = s.input;
    let [kh, kw] = s.kernel;
    let (cig, cog) = (s.c_in / s.group, s.c_out / s.group);
    let mut out = vec![0.0; s.batch * s.c_out * oh * ow];
    for n in 0..s.batch {
        for co in 0..s.c_out {
            let (g, col) = (co / cog, co % cog);
            let bias = b.map_or(0.0, |b| b.data[co]);
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias;
                    for ky in 0..kh {
                        let Some(iy) = s.transpose_source(0, oy, ky) else { continue };
                        for kx in 0..kw {
                            let Some(ix) = s.transpose_source(1, ox, kx) else { continue };
                            for ci in 0..cig {
                                let c = g * cig + ci;
                                acc += x.data[((n * s.c_in + c) * ih + iy) * iw + ix]
                                    * w.data[((c * cog + col) * kh + ky) * kw + kx];
                            }
                        }
                    }
                    out[((n * s.c_out + co) * oh + oy) * ow + ox] = acc;
                }
            }
        }
    }
    Tensor::new(s.output_shape(), x.dtype, out)
}
