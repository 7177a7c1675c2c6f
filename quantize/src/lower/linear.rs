//! MatMul, Gemm, Conv and ConvTranspose: integer matmuls (convolutions via im2col copy maps)
//! at the product scale, bias added exactly, then one rescale.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{CopySrc, QId, QOp, Window};
use zkinfer_model_import::ops::conv::{grid, offset, volume, ConvSpec};
use zkinfer_model_import::ops::shape::transpose;
use zkinfer_model_import::ops::Op;
use zkinfer_model_import::tensor::DType;
use zkinfer_model_import::{Node, Tensor};

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    match &n.op {
        Op::MatMul => matmul(l, n),
        Op::Gemm { alpha, beta, trans_a, trans_b } => gemm(l, n, *alpha, *beta, *trans_a, *trans_b),
        Op::Conv(spec) => conv(l, n, spec, false),
        Op::ConvTranspose(spec) => conv(l, n, spec, true),
        _ => Err(l.unsupported("not a linear op")),
    }
}

fn side(l: &mut Lowerer<'_>, gid: usize) -> Result<QId> {
    if l.is_const(gid) {
        let t = l.const_value(gid)?.clone();
        l.weight(&t)
    } else {
        l.input(gid)
    }
}

fn matmul(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    let a = side(l, n.inputs[0])?;
    let b = side(l, n.inputs[1])?;
    let out = n.outputs[0];
    let p = l.matmul(a, b)?;
    let r = l.rescale_output(p, out)?;
    let r = l.reshape(r, l.out_shape(out))?;
    l.finish(out, r);
    Ok(())
}

fn transpose_copy(l: &mut Lowerer<'_>, id: QId) -> Result<QId> {
    let s = l.shape(id);
    #[allow(clippy::cast_precision_loss)]
    let idx = Tensor::new(s.clone(), DType::Float, (0..s[0] * s[1]).map(|i| i as f64).collect());
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let map = transpose(&idx, &[1, 0])
        .data
        .iter()
        .map(|&v| CopySrc { input: 0, index: v as u32 })
        .collect();
    let scale = l.scale(id);
    l.emit(QOp::Copy { map }, vec![id], vec![s[1], s[0]], scale, None)
}

fn gemm(
    l: &mut Lowerer<'_>,
    n: &Node,
    alpha: f64,
    beta: f64,
    trans_a: bool,
    trans_b: bool,
) -> Result<()> {
    let out = n.outputs[0];
    let a = if l.is_const(n.inputs[0]) {
        let mut t = l.const_value(n.inputs[0])?.clone();
        if trans_a {
            t = transpose(&t, &[1, 0]);
        }
        l.weight(&t)?
    } else {
        let x = l.input(n.inputs[0])?;
        if trans_a {
            transpose_copy(l, x)?
        } else {
            x
        }
    };
    let b = if l.is_const(n.inputs[1]) {
        let mut t = l.const_value(n.inputs[1])?.clone();
        if trans_b {
            t = transpose(&t, &[1, 0]);
        }
        t.data.iter_mut().for_each(|v| *v *= alpha);
        l.weight(&t)?
    } else {
        if alpha != 1.0 {
            return Err(l.unsupported("Gemm with alpha ≠ 1 and a non-constant B"));
        }
        let x = l.input(n.inputs[1])?;
        if trans_b {
            transpose_copy(l, x)?
        } else {
            x
        }
    };
    let mut acc = l.matmul(a, b)?;
    if let Some(&c) = n.inputs.get(2) {
        let s = l.scale(acc);
        let shape = l.shape(acc);
        let c = if l.is_const(c) {
            let mut t = l.const_value(c)?.clone();
            t.data.iter_mut().for_each(|v| *v *= beta);
            l.konst(&t, s)?
        } else {
            if beta != 1.0 {
                return Err(l.unsupported("Gemm with beta ≠ 1 and a non-constant C"));
            }
            let x = l.input(c)?;
            let (ids, _) = l.align(&[acc, x])?;
            acc = ids[0];
            ids[1]
        };
        let s = l.scale(acc);
        acc = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![acc, c], shape, s, None)?;
    }
    let r = l.rescale_output(acc, out)?;
    l.finish(out, r);
    Ok(())
}

/// im2col map: `[N, G, P, K]` with P output positions and K = (C_in/G)·|kernel| taps.
fn im2col(s: &ConvSpec, transposed: bool) -> Vec<CopySrc> {
    let cig = s.c_in / s.group;
    let vin = volume(s.input);
    let mut map = Vec::with_capacity(s.batch * s.group * volume(s.output) * cig * volume(s.kernel));
    for n in 0..s.batch {
        for g in 0..s.group {
            for o in grid(s.output) {
                for ci in 0..cig {
                    for k in grid(s.kernel) {
                        map.push(s.tap(o, k, transposed).map_or(
                            CopySrc { input: CopySrc::ZERO, index: 0 },
                            |i| {
                                CopySrc {
                                    input: 0,
                                    index: u32::try_from(
                                        (n * s.c_in + g * cig + ci) * vin + offset(i, s.input),
                                    )
                                    .unwrap_or(u32::MAX),
                                }
                            },
                        ));
                    }
                }
            }
        }
    }
    map
}

/// The window of a forward convolution the circuit can check with one pass over its input:
/// stride 1, no dilation, at most two spatial axes (a 1-D one is a single row).
fn window(s: &ConvSpec) -> Option<Window> {
    let plain = (0..3).all(|ax| s.strides[ax] == 1 && s.dilations[ax] == 1);
    let flat = s.input[0] == 1 && s.output[0] == 1 && s.kernel[0] == 1 && s.pads_begin[0] == 0;
    (plain && flat).then(|| Window {
        channels: s.c_in / s.group,
        input: [s.input[1], s.input[2]],
        output: [s.output[1], s.output[2]],
        kernel: [s.kernel[1], s.kernel[2]],
        pad: [s.pads_begin[1], s.pads_begin[2]],
    })
}

/// Weights as `[G, K, C_out/G]` matrices.
fn weight_matrix(s: &ConvSpec, w: &Tensor, transposed: bool) -> Tensor {
    let (cig, cog, vk) = (s.c_in / s.group, s.c_out / s.group, volume(s.kernel));
    let k = cig * vk;
    let mut data = vec![0.0; s.group * k * cog];
    for g in 0..s.group {
        for ci in 0..cig {
            for tap in 0..vk {
                for co in 0..cog {
                    let src = if transposed {
                        ((g * cig + ci) * cog + co) * vk + tap
                    } else {
                        ((g * cog + co) * cig + ci) * vk + tap
                    };
                    data[(g * k + ci * vk + tap) * cog + co] = w.data[src];
                }
            }
        }
    }
    Tensor::new(vec![s.group, k, cog], DType::Float, data)
}

fn conv(l: &mut Lowerer<'_>, n: &Node, s: &ConvSpec, transposed: bool) -> Result<()> {
    let out = n.outputs[0];
    if !l.is_const(n.inputs[1]) || n.inputs.get(2).is_some_and(|&b| !l.is_const(b)) {
        return Err(l.unsupported("convolution weights and bias must be constants"));
    }
    let x = l.input(n.inputs[0])?;
    let cog = s.c_out / s.group;
    let p = volume(s.output);
    let k = (s.c_in / s.group) * volume(s.kernel);
    let sx = l.scale(x);
    let cols = l.emit(
        QOp::Copy { map: im2col(s, transposed) },
        vec![x],
        vec![s.batch, s.group, p, k],
        sx,
        None,
    )?;
    if !transposed {
        l.q.tensors[cols].window = window(s);
    }
    let wm = weight_matrix(s, l.const_value(n.inputs[1])?, transposed);
    let w = l.weight(&wm)?;
    let mut acc = l.matmul(cols, w)?;
    if let Some(&b) = n.inputs.get(2) {
        let bias = l.const_value(b)?;
        let t = Tensor::new(vec![s.group, 1, cog], DType::Float, bias.data.clone());
        let sc = l.scale(acc);
        let c = l.konst(&t, sc)?;
        let shape = l.shape(acc);
        acc = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![acc, c], shape, sc, None)?;
    }
    let r = l.rescale_output(acc, out)?;
    // [N, G, P, C_out/G] → [N, C_out, spatial…]
    let mut map = Vec::with_capacity(s.batch * s.c_out * p);
    for nb in 0..s.batch {
        for g in 0..s.group {
            for co in 0..cog {
                for pos in 0..p {
                    let index = u32::try_from(((nb * s.group + g) * p + pos) * cog + co)
                        .unwrap_or(u32::MAX);
                    map.push(CopySrc { input: 0, index });
                }
            }
        }
    }
    let sr = l.scale(r);
    let y = l.emit(QOp::Copy { map }, vec![r], s.output_shape(), sr, None)?;
    l.finish(out, y);
    Ok(())
}
