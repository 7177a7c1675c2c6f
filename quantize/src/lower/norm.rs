//! Softmax, LayerNormalization and BatchNormalization, composed from exact primitives; only
//! softmax's exp uses a table.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{LookupFn, QOp};
use zkinfer_model_import::ops::Op;
use zkinfer_model_import::tensor::{numel, DType};
use zkinfer_model_import::{Node, Tensor};

pub(super) fn lower(l: &mut Lowerer<'_>, n: &Node) -> Result<()> {
    match &n.op {
        Op::Softmax { axes } => softmax(l, n, axes),
        Op::LayerNorm { axis, epsilon } => layer_norm(l, n, *axis, *epsilon),
        Op::BatchNorm { epsilon } => batch_norm(l, n, *epsilon),
        _ => Err(l.unsupported("not a normalization op")),
    }
}

/// softmax(x) = e / Σe with e = exp(−min(max(x) − x, T)); T is where exp rounds to 0 at the
/// exp table's output scale, so masked entries (−inf → very negative) cost nothing extra. The
/// gaps `max(x) − x` are the ones the row maximum proved non-negative (free in the circuit),
/// and the exp table spans all of them at the spacing `[0, T]` would get, which makes the
/// clamp to T unnecessary, unless that table would be too large.
fn softmax(l: &mut Lowerer<'_>, n: &Node, axes: &[usize]) -> Result<()> {
    let out = n.outputs[0];
    let x = l.input(n.inputs[0])?;
    let (sx, shape) = (l.scale(x), l.shape(x));
    let act = l.s.params.activation_bits.cast_signed();
    let kept = l.reduced(x, axes);
    let m = l.emit(QOp::ReduceMax { axes: axes.to_vec() }, vec![x], kept, sx, None)?;
    let g = l.emit(QOp::Add { coeffs: vec![-1, 1] }, vec![x, m], shape.clone(), sx, None)?;
    let s_e = act;
    let t = f64::from(s_e.cast_unsigned() + 2) * std::f64::consts::LN_2;
    let e = match l.fine_lookup(g, LookupFn::NegExp, t, s_e)? {
        Some(e) => e,
        None => {
            let cap = l.konst(&Tensor::scalar(t, DType::Float), sx)?;
            let g = l.emit(QOp::Min, vec![g, cap], shape.clone(), sx, None)?;
            l.lookup(g, LookupFn::NegExp, 0.0, t, s_e)?
        }
    };
    let kept = l.reduced(e, axes);
    let sum = l.emit(QOp::ReduceSum { axes: axes.to_vec() }, vec![e], kept, s_e, None)?;
    let target = l.chosen_scale(out)?;
    let y = super::arithmetic::divide(l, e, sum, target, Some(1.0 / l.s.params.headroom), shape)?;
    l.finish(out, y);
    Ok(())
}

/// (x − mean)/sqrt(var + eps)·γ + β with exact sums, rounded divisions and an integer root.
fn layer_norm(l: &mut Lowerer<'_>, n: &Node, axis: usize, epsilon: f64) -> Result<()> {
    let out = n.outputs[0];
    let x = l.input(n.inputs[0])?;
    let (sx, shape) = (l.scale(x), l.shape(x));
    let axes: Vec<usize> = (axis..shape.len()).collect();
    let count = numel(&shape[axis..]);
    let count_q = l.int_const(vec![], vec![i64::try_from(count).unwrap_or(i64::MAX)]);
    let kept = l.reduced(x, &axes);
    let sum = l.emit(QOp::ReduceSum { axes: axes.clone() }, vec![x], kept.clone(), sx, None)?;
    let mean = l.emit(QOp::Div { shift: 0 }, vec![sum, count_q], kept.clone(), sx, None)?;
    let d = l.emit(QOp::Add { coeffs: vec![1, -1] }, vec![x, mean], shape.clone(), sx, None)?;
    let sq = l.emit(QOp::Mul, vec![d, d], shape.clone(), 2 * sx, None)?;
    let ssum = l.emit(QOp::ReduceSum { axes }, vec![sq], kept.clone(), 2 * sx, None)?;
    let var = l.emit(QOp::Div { shift: 0 }, vec![ssum, count_q], kept.clone(), 2 * sx, None)?;
    // eps is at least one unit so the divisor below is never 0.
    let eps_q = crate::eval::quantize_value(epsilon, 2 * sx).max(1);
    let eps = l.int_const(vec![], vec![i64::try_from(eps_q).unwrap_or(1)]);
    l.q.tensors[eps].scale = 2 * sx;
    let ve = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![var, eps], kept.clone(), 2 * sx, None)?;
    let sd = super::arithmetic::sqrt(l, ve, sx, None)?;
    // |d / sd| ≤ sqrt(count), which sets the normalised value's scale.
    #[allow(clippy::cast_precision_loss)]
    let norm_max = (count as f64).sqrt();
    let s_n = l.scale_for_magnitude(norm_max / l.s.params.headroom, l.s.params.activation_bits);
    let y = super::arithmetic::divide(
        l,
        d,
        sd,
        s_n,
        Some(norm_max / l.s.params.headroom),
        shape.clone(),
    )?;
    let gamma = l.const_value(n.inputs[1])?.clone();
    let g = l.weight(&gamma)?;
    let sg = s_n + l.scale(g);
    let mut acc = l.emit(QOp::Mul, vec![y, g], shape.clone(), sg, None)?;
    if let Some(&b) = n.inputs.get(2) {
        let beta = l.const_value(b)?.clone();
        let bq = l.konst(&beta, sg)?;
        acc = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![acc, bq], shape, sg, None)?;
    }
    let r = l.rescale_output(acc, out)?;
    l.finish(out, r);
    Ok(())
}

/// Folded into y = x·a + b per channel.
fn batch_norm(l: &mut Lowerer<'_>, n: &Node, epsilon: f64) -> Result<()> {
    let out = n.outputs[0];
    let x = l.input(n.inputs[0])?;
    let shape = l.shape(x);
    let p: Vec<Tensor> =
        n.inputs[1..5].iter().map(|&g| l.const_value(g).cloned()).collect::<Result<_>>()?;
    let c = p[0].len();
    let mut bshape = vec![c];
    bshape.extend(std::iter::repeat_n(1, shape.len().saturating_sub(2)));
    let a: Vec<f64> = (0..c).map(|i| p[0].data[i] / (p[3].data[i] + epsilon).sqrt()).collect();
    let b: Vec<f64> = (0..c).map(|i| p[1].data[i] - p[2].data[i] * a[i]).collect();
    let aq = l.weight(&Tensor::new(bshape.clone(), DType::Float, a))?;
    let s = l.scale(x) + l.scale(aq);
    let prod = l.emit(QOp::Mul, vec![x, aq], shape.clone(), s, None)?;
    let bq = l.konst(&Tensor::new(bshape, DType::Float, b), s)?;
    let sum = l.emit(QOp::Add { coeffs: vec![1, 1] }, vec![prod, bq], shape, s, None)?;
    let r = l.rescale_output(sum, out)?;
    l.finish(out, r);
    Ok(())
}
