//! Softmax, LayerNormalization and BatchNormalization, composed from exact primitives; only
//! softmax's exp uses a table.

use super::Lowerer;
use crate::error::Result;
use crate::qgraph::{LookupFn, QId, QOp};
use zkinfer_model_import::ops::reduce::reduce_index_map;
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
/// exp table's output scale. The gaps `max(x) − x` are the ones the row maximum proved
/// non-negative (free in the circuit), and the exp table spans all of them at the spacing
/// `[0, T]` would get, which makes the clamp to T unnecessary, unless that table would be too
/// large. Positions an attention mask rules out (see [`super::mask`]) are 0 and cost nothing.
fn softmax(l: &mut Lowerer<'_>, n: &Node, axes: &[usize]) -> Result<()> {
    let out = n.outputs[0];
    let x = l.input(n.inputs[0])?;
    let sx = l.scale(x);
    let s_e = l.s.params.activation_bits.cast_signed();
    let t = f64::from(s_e.cast_unsigned() + 2) * std::f64::consts::LN_2;
    // Twice T: past any interpolation step of the exp table around T.
    #[allow(clippy::cast_possible_truncation)]
    let cap = (2.0 * t * 2f64.powi(sx)).ceil() as i128;
    let y = match super::mask::masked_positions(l, x, axes, cap) {
        Some(masked) => masked_softmax(l, n, x, axes, &masked, t, s_e)?,
        None => dense_softmax(l, n, x, axes, t, s_e)?,
    };
    l.finish(out, y);
    Ok(())
}

fn dense_softmax(
    l: &mut Lowerer<'_>,
    n: &Node,
    x: QId,
    axes: &[usize],
    t: f64,
    s_e: i32,
) -> Result<QId> {
    let (sx, shape) = (l.scale(x), l.shape(x));
    let kept = l.reduced(x, axes);
    let m = l.emit(QOp::ReduceMax { axes: axes.to_vec() }, vec![x], kept, sx, None)?;
    let g = l.emit(QOp::Add { coeffs: vec![-1, 1] }, vec![x, m], shape.clone(), sx, None)?;
    let e = neg_exp(l, g, t, s_e)?;
    let kept = l.reduced(e, axes);
    let sum = l.emit(QOp::ReduceSum { axes: axes.to_vec() }, vec![e], kept, s_e, None)?;
    let target = l.chosen_scale(n.outputs[0])?;
    super::arithmetic::divide(l, e, sum, target, Some(1.0 / l.s.params.headroom), shape)
}

/// The softmax of the unmasked positions, laid out as one flat tensor of them, and 0 at the
/// masked ones. Its row maximum reads a copy of the row in which each masked position repeats
/// a kept one of its row (the circuit lays out each distinct element of a row once), and the
/// row sum reads the exps with 0 at the masked positions (constant zeros add nothing).
fn masked_softmax(
    l: &mut Lowerer<'_>,
    n: &Node,
    x: QId,
    axes: &[usize],
    masked: &[bool],
    t: f64,
    s_e: i32,
) -> Result<QId> {
    let (sx, shape) = (l.scale(x), l.shape(x));
    let (row_shape, rows) = reduce_index_map(&shape, axes);
    let kept: Vec<usize> = (0..masked.len()).filter(|&i| !masked[i]).collect();
    let mut compact = vec![None; masked.len()];
    let mut first = vec![None; numel(&row_shape)];
    for (k, &i) in kept.iter().enumerate() {
        compact[i] = Some(k);
        first[rows[i]].get_or_insert(k);
    }
    let xu = super::mask::kept_values(l, x, &kept)?;
    let spread: Vec<usize> = kept.iter().map(|&i| rows[i]).collect();
    let rowwise: Vec<Option<usize>> =
        (0..masked.len()).map(|i| compact[i].or(first[rows[i]])).collect();
    let xr = l.pick(xu, &rowwise, shape.clone())?;
    let m =
        l.emit(QOp::ReduceMax { axes: axes.to_vec() }, vec![xr], row_shape.clone(), sx, None)?;
    let mu = l.take(m, &spread, vec![kept.len()])?;
    let g = l.emit(QOp::Add { coeffs: vec![-1, 1] }, vec![xu, mu], vec![kept.len()], sx, None)?;
    let e = neg_exp(l, g, t, s_e)?;
    let er = l.pick(e, &compact, shape.clone())?;
    let sum = l.emit(QOp::ReduceSum { axes: axes.to_vec() }, vec![er], row_shape, s_e, None)?;
    let target = l.chosen_scale(n.outputs[0])?;
    let calibrated = Some(1.0 / l.s.params.headroom);
    let y = super::arithmetic::divide_spread(l, e, sum, &spread, target, calibrated)?;
    l.pick(y, &compact, shape)
}

/// e^−g at scale `s_e` for gaps `g ≥ 0`: by a factored table when no table has an entry for
/// every gap (e^−(a+b) = e^−a·e^−b), else by interpolation, clamped to `t` only when a table over
/// every gap would be too large.
fn neg_exp(l: &mut Lowerer<'_>, g: QId, t: f64, s_e: i32) -> Result<QId> {
    if let Some(e) = l.factored_lookup(g, LookupFn::NegExp, t, s_e)? {
        return Ok(e);
    }
    if let Some(e) = l.fine_lookup(g, LookupFn::NegExp, t, s_e)? {
        return Ok(e);
    }
    let cap = l.konst(&Tensor::scalar(t, DType::Float), l.scale(g))?;
    let shape = l.shape(g);
    let g = l.emit(QOp::Min, vec![g, cap], shape, l.scale(g), None)?;
    l.lookup(g, LookupFn::NegExp, 0.0, t, s_e)
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
