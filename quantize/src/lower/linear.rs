//! MatMul, Gemm, Conv and ConvTranspose: integer matmuls (convolutions via im2col copy maps)
//! at the product scale, bias added exactly, then one rescale.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{CopySrc, QId, QOp};
use zkinfer_model_import::ops::conv::ConvSpec;
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

/// im2col map: `[N, G, P, K]` with P output positions and K = (C_in/G)·kh·kw taps.
fn im2col(s: &ConvSpec, transposed: bool) -> Vec<CopySrc> {
    let (cig, [oh, ow], [kh, kw], [ih, iw]) = (s.c_in / s.group, s.output, s.kernel, s.input);
    let mut map = Vec::with_capacity(s.batch * s.group * oh * ow * cig * kh * kw);
    for n in 0..s.batch {
        for g in 0..s.group {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ci in 0..cig {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let src = if transposed {
                                    s.transpose_source(0, oy, ky).zip(s.transpose_source(1, ox, kx))
                                } else {
                                    s.conv_source(0, oy, ky).zip(s.conv_source(1, ox, kx))
                                };
                                map.push(src.map_or(
                                    CopySrc { input: CopySrc::ZERO, index: 0 },
                                    |(iy, ix)| {
                                        CopySrc {
                                            input: 0,
                                            index: u32::try_from(
                                                ((n * s.c_in + g * cig + ci) * ih + iy) * iw + ix,
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
        }
    }
    map
}

/// Weights as `[G, K, C_out/G]` matrices.
fn weight_matrix(s: &ConvSpec, w: &Tensor, transposed: bool) -> Tensor {
    let (cig, cog, [kh, kw]) = (s.c_in / s.group, s.c_out / s.group, s.kernel);
    let k = cig * kh * kw;
    let mut data = vec![0.0; s.group * k * cog];
    for g in 0..s.group {
        for ci in 0..cig {
            for ky in 0..kh {
                for kx in 0..kw {
                    for co in 0..cog {
                        let src = if transposed {
                            (((g * cig + ci) * cog + co) * kh + ky) * kw + kx
                        } else {
                            (((g * cog + co) * cig + ci) * kh + ky) * kw + kx
                        };
                        data[(g * k + (ci * kh + ky) * kw + kx) * cog + co] = w.data[src];
                    }
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
    let (cog, [oh, ow]) = (s.c_out / s.group, s.output);
    let p = oh * ow;
    let k = (s.c_in / s.group) * s.kernel[0] * s.kernel[1];
    let sx = l.scale(x);
    let cols = l.emit(
        QOp::Copy { map: im2col(s, transposed) },
        vec![x],
        vec![s.batch, s.group, p, k],
        sx,
        None,
    )?;
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
    // [N, G, P, C_out/G] → [N, C_out, oh, ow]
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
