//! BatchNormalization, LayerNormalization, InstanceNormalization, GroupNormalization, Softmax
//! and LogSoftmax.

use super::reduce::reduce_index_map;
use super::{Binary, BuildCtx, Built, Op, Step, StepArg};
use crate::error::Result;
use crate::tensor::{numel, DType, Tensor};

pub(super) fn build(op_type: &str, ctx: &BuildCtx<'_>) -> Result<Built> {
    let rank = ctx.rank(0)?;
    match op_type {
        "BatchNormalization" => {
            if ctx.attrs.int_or("training_mode", 0) != 0 || ctx.n_outputs > 1 {
                return Err(ctx.unsupported(
                    "training-mode BatchNormalization; export the model with model.eval()",
                ));
            }
            let c = ctx.arg(0)?.shape.get(1).copied().unwrap_or(0);
            for i in 1..5 {
                let a = ctx.arg(i)?;
                if a.shape != [c] {
                    return Err(ctx.shape_err(format!(
                        "parameter #{i} has shape {:?}, expected [{c}]",
                        a.shape
                    )));
                }
            }
            Ok(Built::Op(
                Op::BatchNorm { epsilon: ctx.attrs.float_or("epsilon", 1e-5) },
                vec![0, 1, 2, 3, 4],
            ))
        }
        "InstanceNormalization" => instance_norm(ctx, rank),
        "GroupNormalization" => group_norm(ctx, rank),
        "LayerNormalization" => {
            if ctx.n_outputs > 1 {
                return Err(ctx
                    .unsupported("LayerNormalization's Mean/InvStdDev outputs are not supported"));
            }
            let axis = ctx.axis(ctx.attrs.int_or("axis", -1), rank)?;
            let inputs = if ctx.opt_arg(2).is_some() { vec![0, 1, 2] } else { vec![0, 1] };
            Ok(Built::Op(
                Op::LayerNorm { axis, epsilon: ctx.attrs.float_or("epsilon", 1e-5) },
                inputs,
            ))
        }
        _ => {
            // Before opset 13 (Log)Softmax coerces the input to 2-D at `axis` (default 1).
            let legacy = ctx.opset < 13;
            let axis = ctx.axis(ctx.attrs.int_or("axis", if legacy { 1 } else { -1 }), rank)?;
            let axes: Vec<usize> = if legacy { (axis..rank).collect() } else { vec![axis] };
            if op_type == "LogSoftmax" {
                return Ok(log_softmax(&axes));
            }
            Ok(Built::Op(Op::Softmax { axes }, vec![0]))
        }
    }
}

/// `InstanceNormalization(x, scale, bias)`: each (sample, channel) normalized over its spatial
/// axes, then scaled and shifted per channel — a group norm with one channel a group.
fn instance_norm(ctx: &BuildCtx<'_>, rank: usize) -> Result<Built> {
    let c = ctx.arg(0)?.shape.get(1).copied().unwrap_or(0);
    grouped_norm(ctx, rank, "InstanceNormalization", c)
}

/// `GroupNormalization`: the channels split into `num_groups` groups. Opset 18 gives scale
/// and bias per group, opset 21 per channel; both are read.
fn group_norm(ctx: &BuildCtx<'_>, rank: usize) -> Result<Built> {
    let c = ctx.arg(0)?.shape.get(1).copied().unwrap_or(0);
    let groups = usize::try_from(ctx.attrs.int_or("num_groups", 0))
        .ok()
        .filter(|&g| g > 0 && c % g == 0)
        .ok_or_else(|| ctx.attrs.error("num_groups", format!("must divide the {c} channels")))?;
    grouped_norm(ctx, rank, "GroupNormalization", groups)
}

/// Each group of `groups` channels of each sample normalized over its channels and spatial
/// positions — a layer norm over axes `2..` (unit scale) of the input, reshaped to
/// `[N, groups, …]` when a group holds several channels — then the constant per-channel scale
/// and bias (inputs 1 and 2, given per channel or per group).
fn grouped_norm(ctx: &BuildCtx<'_>, rank: usize, op: &str, groups: usize) -> Result<Built> {
    let x = ctx.arg(0)?;
    if rank < 3 {
        return Err(
            ctx.shape_err(format!("input of shape {:?}; {op} needs [N, C, spatial…]", x.shape))
        );
    }
    let (n, c) = (x.shape[0], x.shape[1]);
    let param = |i: usize, what: &str| -> Result<Tensor> {
        let a = ctx.arg(i)?;
        if a.shape != [c] && a.shape != [groups] {
            let per_group = if groups == c { String::new() } else { format!(" or [{groups}]") };
            return Err(
                ctx.shape_err(format!("{what} has shape {:?}, expected [{c}]{per_group}", a.shape))
            );
        }
        let Some(v) = &a.value else {
            return Err(ctx.unsupported(format!("{op} with an input-dependent {what}")));
        };
        let per_channel: Vec<f64> = if a.shape == [c] {
            v.data.clone()
        } else {
            v.data.iter().flat_map(|&g| std::iter::repeat_n(g, c / groups)).collect()
        };
        let shape: Vec<usize> =
            std::iter::once(c).chain(std::iter::repeat_n(1, rank - 2)).collect();
        Ok(Tensor::new(shape, v.dtype, per_channel))
    };
    let (scale, bias) = (param(1, "scale")?, param(2, "bias")?);
    let epsilon = ctx.attrs.float_or("epsilon", 1e-5);
    let mut steps = Vec::new();
    let (normalized, ones) = if groups == c {
        let spatial = x.shape[2..].to_vec();
        (StepArg::Input(0), Tensor::new(spatial.clone(), DType::Float, vec![1.0; numel(&spatial)]))
    } else {
        let per_group = c / groups * numel(&x.shape[2..]);
        steps.push(Step {
            op: Op::Reshape { shape: vec![n, groups, per_group] },
            args: vec![StepArg::Input(0)],
        });
        (StepArg::Step(0), Tensor::new(vec![per_group], DType::Float, vec![1.0; per_group]))
    };
    steps.push(Step {
        op: Op::LayerNorm { axis: 2, epsilon },
        args: vec![normalized, StepArg::Const(ones)],
    });
    if groups != c {
        steps.push(Step {
            op: Op::Reshape { shape: x.shape.clone() },
            args: vec![StepArg::Step(steps.len() - 1)],
        });
    }
    steps.push(Step {
        op: Op::Binary(Binary::Mul),
        args: vec![StepArg::Step(steps.len() - 1), StepArg::Const(scale)],
    });
    steps.push(Step {
        op: Op::Binary(Binary::Add),
        args: vec![StepArg::Step(steps.len() - 1), StepArg::Const(bias)],
    });
    Ok(Built::Chain(steps))
}

/// `LogSoftmax` as `d − log(Σ exp(d))` with `d = x − max(x)`: the sum is at least 1 (the
/// maximum contributes e⁰), so the logarithm's table only spans `[1, n]`.
fn log_softmax(axes: &[usize]) -> Built {
    let reduce = |kind| Op::Reduce { kind, axes: axes.to_vec(), keepdims: true };
    let step = |op, args| Step { op, args };
    Built::Chain(vec![
        step(reduce(super::ReduceKind::Max), vec![StepArg::Input(0)]),
        step(Op::Binary(Binary::Sub), vec![StepArg::Input(0), StepArg::Step(0)]),
        step(Op::Unary(super::Unary::Exp), vec![StepArg::Step(1)]),
        step(reduce(super::ReduceKind::Sum), vec![StepArg::Step(2)]),
        step(Op::Unary(super::Unary::Log), vec![StepArg::Step(3)]),
        step(Op::Binary(Binary::Sub), vec![StepArg::Step(1), StepArg::Step(4)]),
    ])
}

/// Inference batch norm in `f64`: inputs x, scale, bias, mean, var.
#[must_use]
pub fn batch_norm(inputs: &[&Tensor], epsilon: f64) -> Tensor {
    let x = inputs[0];
    let c = x.shape.get(1).copied().unwrap_or(1);
    let inner = numel(&x.shape) / (x.shape.first().copied().unwrap_or(1) * c).max(1);
    let data = x
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let ch = (i / inner) % c;
            let (s, b, m, var) =
                (inputs[1].data[ch], inputs[2].data[ch], inputs[3].data[ch], inputs[4].data[ch]);
            (v - m) / (var + epsilon).sqrt() * s + b
        })
        .collect();
    Tensor::new(x.shape.clone(), x.dtype, data)
}

/// Layer norm over axes `axis..` in `f64`: inputs x, scale, optional bias.
#[must_use]
pub fn layer_norm(inputs: &[&Tensor], axis: usize, epsilon: f64) -> Tensor {
    let x = inputs[0];
    let inner: usize = x.shape[axis..].iter().product();
    let mut out = Vec::with_capacity(x.len());
    for row in x.data.chunks(inner.max(1)) {
        #[allow(clippy::cast_precision_loss)]
        let n = row.len() as f64;
        let mean = row.iter().sum::<f64>() / n;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let inv = 1.0 / (var + epsilon).sqrt();
        for (j, &v) in row.iter().enumerate() {
            let s = inputs[1].data[j % inputs[1].len().max(1)];
            let b = inputs.get(2).map_or(0.0, |b| b.data[j % b.len().max(1)]);
            out.push((v - mean) * inv * s + b);
        }
    }
    Tensor::new(x.shape.clone(), x.dtype, out)
}

/// Softmax over `axes` in `f64`, max-subtracted.
#[must_use]
pub fn softmax(x: &Tensor, axes: &[usize]) -> Tensor {
    let (kshape, map) = reduce_index_map(&x.shape, axes);
    let mut max = vec![f64::NEG_INFINITY; numel(&kshape)];
    for (&v, &o) in x.data.iter().zip(&map) {
        max[o] = max[o].max(v);
    }
    let e: Vec<f64> = x.data.iter().zip(&map).map(|(&v, &o)| libm::exp(v - max[o])).collect();
    let mut sum = vec![0.0; max.len()];
    for (&v, &o) in e.iter().zip(&map) {
        sum[o] += v;
    }
    Tensor::new(x.shape.clone(), x.dtype, e.iter().zip(&map).map(|(&v, &o)| v / sum[o]).collect())
}
