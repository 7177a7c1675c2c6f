//! Attention masks: softmax positions that a constant pushes out of every row's reach.
//!
//! Exporters mask attention by writing a very negative constant (−inf, −1e9, the float
//! minimum) into the scores before a softmax, with a `Where` on a constant condition (a copy
//! here) or by adding a constant tensor. Such a position can never be its row's maximum and
//! its e^(x − max) rounds to 0, so its softmax output is exactly 0 and the softmax is the one
//! of the row's other positions. Knowing that at lowering time lets the softmax skip them:
//! no gap, exp, or division for half of a causal mask's entries, and the kept scores keep the
//! small bound of the unmasked values instead of the mask's 2^40.

use super::Lowerer;
use crate::qgraph::{CopySrc, QId, QNode, QOp};
use crate::visibility::WeightVisibility;
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::tensor::{broadcast_index_map, numel};

/// The node that computes `x` (none for inputs and constants).
fn producer<'a>(l: &'a Lowerer<'_>, x: QId) -> Option<&'a QNode> {
    l.q.nodes.iter().rev().find(|n| n.output == x)
}

/// Interval `[lo, hi]` each element of `x` lies in, read from the node that produced it when
/// that is a copy or a sum with constant inputs; `None` for any other producer. With hidden
/// weights a constant counts as any value within its bound: the circuit's shape must not
/// depend on the values it hides.
fn intervals(l: &Lowerer<'_>, x: QId) -> Option<Vec<(i128, i128)>> {
    let node = producer(l, x)?;
    let fixed = l.s.visibility.weights == WeightVisibility::Fixed;
    let element = |input: QId, index: usize, coef: i128| -> (i128, i128) {
        let t = &l.q.tensors[input];
        match &t.value {
            Some(v) if fixed => {
                let v = coef.saturating_mul(i128::from(v[index]));
                (v, v)
            }
            _ => {
                let b = coef.abs().saturating_mul(i128::from(t.bound));
                (-b, b)
            }
        }
    };
    match &node.op {
        QOp::Copy { map } => Some(
            map.iter()
                .map(|s| match s.input {
                    CopySrc::ZERO => (0, 0),
                    i => element(node.inputs[i as usize], s.index as usize, 1),
                })
                .collect(),
        ),
        QOp::Add { coeffs } => {
            let shape = &l.q.tensors[x].shape;
            let mut out = vec![(0i128, 0i128); numel(shape)];
            for (&input, &c) in node.inputs.iter().zip(coeffs) {
                let map = broadcast_index_map(&l.q.tensors[input].shape, shape);
                for (o, &i) in out.iter_mut().zip(&map) {
                    let (lo, hi) = element(input, i, i128::from(c));
                    *o = (o.0.saturating_add(lo), o.1.saturating_add(hi));
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The positions of `x` that lie at least `cap` below some other element of their row (the
/// rows being the reduction over `axes`) whatever the input, so a softmax over the rows maps
/// them to exactly 0 whenever `e^−gap` rounds to 0 for gaps of `cap` and more. `None` when
/// there are none.
pub(super) fn masked_positions(
    l: &Lowerer<'_>,
    x: QId,
    axes: &[usize],
    cap: i128,
) -> Option<Vec<bool>> {
    let iv = intervals(l, x)?;
    let (kept, rows) = reduce_index_map(&l.q.tensors[x].shape, axes);
    // Every row's maximum is at least the largest lower end in the row.
    let mut floor = vec![i128::MIN; numel(&kept)];
    for (&(lo, _), &r) in iv.iter().zip(&rows) {
        floor[r] = floor[r].max(lo);
    }
    let masked: Vec<bool> =
        iv.iter().zip(&rows).map(|(&(_, hi), &r)| hi.saturating_add(cap) <= floor[r]).collect();
    masked.contains(&true).then_some(masked)
}

/// For a tensor of `x`'s producer restricted to the `kept` positions: the same copy, or the
/// same sum of the inputs' kept elements, laid out as a flat tensor. The mask constant drops
/// out, so the result's bound is the unmasked values'.
pub(super) fn kept_values(
    l: &mut Lowerer<'_>,
    x: QId,
    kept: &[usize],
) -> crate::error::Result<QId> {
    let node = producer(l, x).cloned().ok_or_else(|| {
        crate::error::QuantError::Internal("masked input without producer".into())
    })?;
    let sx = l.scale(x);
    let shape = vec![kept.len()];
    match &node.op {
        QOp::Copy { map } => {
            let map = kept.iter().map(|&i| map[i]).collect();
            l.emit(QOp::Copy { map }, node.inputs.clone(), shape, sx, None)
        }
        QOp::Add { coeffs } => {
            let full = l.shape(x);
            let mut inputs = Vec::with_capacity(node.inputs.len());
            for &input in &node.inputs {
                let bmap = broadcast_index_map(&l.shape(input), &full);
                let picks: Vec<usize> = kept.iter().map(|&i| bmap[i]).collect();
                let scale = l.scale(input);
                let part = match l.q.tensors[input].value.clone() {
                    Some(v) => {
                        let c = l.int_const(shape.clone(), picks.iter().map(|&i| v[i]).collect());
                        l.q.tensors[c].scale = scale;
                        c
                    }
                    None => l.take(input, &picks, shape.clone())?,
                };
                inputs.push(part);
            }
            l.emit(QOp::Add { coeffs: coeffs.clone() }, inputs, shape, sx, None)
        }
        _ => {
            Err(crate::error::QuantError::Internal("masked input of an unexpected producer".into()))
        }
    }
}
