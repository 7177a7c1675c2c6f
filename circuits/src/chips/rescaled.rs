//! Matmul outputs laid out inside their rescale. A Freivalds check witnesses each output `y`
//! as a cell of its own, and the rescale that reads it then lays out `[r, q, back]` with
//! `back` copied to `y`: four cells. When the product's only reader is that rescale (directly,
//! or through a bias `Add` deferred into it, see `sums`), the check claims `y` as the first
//! cell of the rescale's chain instead, `y + 2^(s−1) + bias − 2^s·q = r`: three cells, the
//! same constraints with `back` and `y` one cell. The rescale node then lays out nothing.

use super::arith::quotient_and_limbs;
use super::live::Live;
use super::sums::Deferral;
use crate::builder::{Builder, Cell};
use zkinfer_model_import::tensor::broadcast_index_map;
use zkinfer_quantize::qgraph::QOp;
use zkinfer_quantize::{QGraph, WeightVisibility};

/// What a matmul's rescale needs to lay its outputs out itself.
#[derive(Clone, Debug)]
pub(super) struct Claim {
    /// The rescale's shift.
    pub shift: u32,
    /// Per output element, the constant the rescale adds first (a deferred bias), if any.
    pub offsets: Option<Vec<i128>>,
    /// The rescale's output tensor, whose bound the quotient gets.
    pub output: usize,
    /// Which of the rescale's outputs anything reads (`None`: all). The others (a masked
    /// attention's scores) are witnessed for the check alone, without a rescale.
    pub live: Option<Vec<bool>>,
}

/// Per node, the claim of a `MatMul` whose product is read only by a `Rescale` (directly, or
/// through an `Add` of constants deferred into it); `None` for every other node. The product
/// must be its reader's alone (`sole` from `sums::sole_readers`): nothing else may read its
/// cells.
pub(super) fn claims(
    q: &QGraph,
    sole: &[Option<usize>],
    deferrals: &[Deferral],
    live: &[Live],
) -> Vec<Option<Claim>> {
    q.nodes
        .iter()
        .map(|n| {
            if !matches!(n.op, QOp::MatMul) {
                return None;
            }
            let reader = &q.nodes[sole[n.output]?];
            let (rescale, offsets) = match &reader.op {
                QOp::Rescale { .. } => (reader, None),
                QOp::Add { coeffs } if deferrals[sole[n.output]?] == Deferral::Sum => {
                    if q.tensors[reader.output].shape != q.tensors[n.output].shape {
                        return None;
                    }
                    let offsets = bias(q, &reader.inputs, coeffs, n.output)?;
                    (&q.nodes[sole[reader.output]?], Some(offsets))
                }
                _ => return None,
            };
            match rescale.op {
                QOp::Rescale { shift } if shift > 0 => Some(Claim {
                    shift,
                    offsets,
                    output: rescale.output,
                    live: match &live[rescale.output] {
                        Live::Some(read) => Some(read.clone()),
                        Live::All | Live::None => None,
                    },
                }),
                _ => None,
            }
        })
        .collect()
}

/// The constant an `Add` of `product` (once, coefficient 1, same shape) and constant tensors
/// adds to each element, when it is one; constants are laid-out cells unless weights are
/// fixed.
fn bias(q: &QGraph, inputs: &[usize], coeffs: &[i64], product: usize) -> Option<Vec<i128>> {
    if q.visibility.weights != WeightVisibility::Fixed {
        return None;
    }
    let shape = &q.tensors[product].shape;
    let mut offsets = vec![0i128; shape.iter().product()];
    let mut seen = 0;
    for (&input, &c) in inputs.iter().zip(coeffs) {
        if input == product {
            seen += 1;
            if c != 1 {
                return None;
            }
            continue;
        }
        let value = q.tensors[input].value.as_ref()?;
        let map = broadcast_index_map(&q.tensors[input].shape, shape);
        for (o, &j) in offsets.iter_mut().zip(&map) {
            *o = o.checked_add(i128::from(value[j]).checked_mul(i128::from(c))?)?;
        }
    }
    (seen == 1).then_some(offsets)
}

/// The claimed output `y` (value `value`) of element `index` and its rescale `q`: the chain
/// `y + 2^(s−1) + offset − 2^s·q − Σ_{j≥1} 2^(l·j)·r_j = r_0` over the remainder's limbs, with
/// `q` proven small (exactly against the output's bound when the output is checked).
pub(super) fn claimed_rescale(
    b: &mut Builder,
    claim: &Claim,
    q: &QGraph,
    index: usize,
    value: i128,
) -> (Cell, Cell) {
    let shift = claim.shift;
    let offset = claim.offsets.as_ref().map_or(0, |o| o[index]);
    let out = &q.tensors[claim.output];
    let half = 1i128 << (shift - 1);
    let (mut limbs, quotient) =
        quotient_and_limbs(b, value + offset, shift, out.bound, out.checked);
    let (low, _) = limbs.remove(0);
    let mut terms = vec![(quotient, -(1i128 << shift))];
    terms.extend(limbs.iter().map(|&(limb, weight)| (limb, -weight)));
    let (y, r) = b.claimed_lincomb(value, &terms, half + offset);
    b.copy(r, low);
    (y, quotient)
}
