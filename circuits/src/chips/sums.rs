//! Sums laid out where they are read. An `Add` whose only reader is another `Add` or a
//! `Rescale` gets no cells of its own: its terms join the reader's linear combination. An
//! aligned operand's `×2^d` becomes a coefficient of the sum that reads it, and a constant
//! (a bias) becomes the constant of the rescale's combination, which then ends at the
//! accumulator itself. Each saves the three cells an element of a chain step. Likewise a
//! `Mul` read only by a `Rescale` gets no cells: the rescale proves product and rounding in
//! one affine multiply-add (four cells where the two took seven), one read only by a
//! `ReduceSum` becomes that sum's dot products (a layer norm's sum of squares), and one read
//! only by an `Add` laid out where it stands shares that sum's multiply-add (`x·x + x` before
//! a pool: four cells where the two took seven). The sums and products are exact integer
//! ones, so every value is the one `zkinfer_quantize::eval` computes.

use crate::builder::Cell;
use crate::error::{CircuitError, Result};
use zkinfer_model_import::tensor::broadcast_index_map;
use zkinfer_quantize::qgraph::{QNode, QOp};
use zkinfer_quantize::QGraph;

/// One element of a sum not laid out yet: `Σ coef·cell + konst`.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub terms: Vec<(Cell, i128)>,
    pub konst: i128,
}

impl Pending {
    /// The cell this element equals up to its constant, when it has exactly one unit term.
    pub fn unit(&self) -> Option<Cell> {
        match self.terms.as_slice() {
            [(c, 1)] => Some(*c),
            _ => None,
        }
    }
}

/// What a node leaves to its only reader instead of laying it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Deferral {
    /// Laid out here.
    None,
    /// A sum whose terms join its reader's combination: an `Add` read by exactly one `Add`
    /// of the same shape (so no term is repeated by broadcasting) or one `Rescale`. A
    /// difference of two values is not deferred: it may reuse a cell already laid out for it
    /// (a softmax's gap to its row maximum).
    Sum,
    /// A product laid out by its reader: a `Mul` read by one `Rescale`, which proves product
    /// and rounding in one gate (`GateInstructions::rescaled_product`), or a `Mul` of two
    /// laid-out tensors read by one `ReduceSum`, which sums the products as dot-product
    /// chains (three cells a term, where a product and a chain step took five), or by one
    /// `Add` laid out where it stands, with coefficient 1 and no broadcasting, which adds
    /// the product in its multiply-add (`GateInstructions::affine_product`).
    Product,
}

/// Per tensor, the node that alone may read its cells: its only reader, when it is neither a
/// graph output nor bound-checked (a check needs the cell). Only such a value is deferred.
pub(super) fn sole_readers(q: &QGraph) -> Vec<Option<usize>> {
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); q.tensors.len()];
    for (i, n) in q.nodes.iter().enumerate() {
        for &t in &n.inputs {
            readers[t].push(i);
        }
    }
    readers
        .iter()
        .enumerate()
        .map(|(t, r)| match r.as_slice() {
            [r] if !q.tensors[t].checked && !q.outputs.contains(&t) => Some(*r),
            _ => None,
        })
        .collect()
}

/// Per node, what it defers to its sole reader (`sole` from [`sole_readers`]).
pub(super) fn deferrals(q: &QGraph, sole: &[Option<usize>]) -> Vec<Deferral> {
    let mut deferred = deferrals_to_sums(q, sole);
    // A product joins an `Add` that is itself laid out (a deferred sum's terms are linear),
    // at most one product an `Add`.
    let mut taken = vec![false; q.nodes.len()];
    for (i, n) in q.nodes.iter().enumerate() {
        let Some(r) = sole[n.output] else { continue };
        let reader = &q.nodes[r];
        let QOp::Add { coeffs } = &reader.op else { continue };
        let once = reader.inputs.iter().filter(|&&t| t == n.output).count() == 1;
        let unit = reader.inputs.iter().zip(coeffs).any(|(&t, &c)| t == n.output && c == 1);
        if matches!(n.op, QOp::Mul)
            && deferred[i] == Deferral::None
            && deferred[r] == Deferral::None
            && !taken[r]
            && once
            && unit
            && q.tensors[n.output].shape == q.tensors[reader.output].shape
            && n.inputs.iter().all(|&t| q.tensors[t].value.is_none())
        {
            deferred[i] = Deferral::Product;
            taken[r] = true;
        }
    }
    deferred
}

/// [`deferrals`] into sums and rescales, before products join the sums laid out.
fn deferrals_to_sums(q: &QGraph, sole: &[Option<usize>]) -> Vec<Deferral> {
    q.nodes
        .iter()
        .map(|n| {
            let t = &q.tensors[n.output];
            let Some(reader) = sole[n.output].map(|r| &q.nodes[r]) else {
                return Deferral::None;
            };
            match (&n.op, &reader.op) {
                (QOp::Add { coeffs }, _) if matches!(coeffs[..], [1, -1] | [-1, 1]) => {
                    Deferral::None
                }
                (QOp::Add { .. }, QOp::Rescale { .. }) => Deferral::Sum,
                (QOp::Add { .. }, QOp::Add { .. }) if q.tensors[reader.output].shape == t.shape => {
                    Deferral::Sum
                }
                (QOp::Mul, QOp::Rescale { .. }) => Deferral::Product,
                // A constant factor is cheaper as a chain's coefficient than as a cell.
                (QOp::Mul, QOp::ReduceSum { .. })
                    if n.inputs.iter().all(|&i| q.tensors[i].value.is_none()) =>
                {
                    Deferral::Product
                }
                _ => Deferral::None,
            }
        })
        .collect()
}

/// The elements of `n`'s sum `Σ coeffs[i]·input_i` (broadcast to its output shape): laid-out
/// inputs as terms, deferred ones expanded into theirs, constant ones folded into `konst`;
/// the deferred `product` input, if any, left to the caller.
///
/// # Errors
/// An input that is none of these (a bug), or a coefficient past `i128`.
pub(super) fn sum_of(
    q: &QGraph,
    n: &QNode,
    coeffs: &[i64],
    cells: &[Option<Vec<Cell>>],
    pending: &[Option<Vec<Pending>>],
    product: Option<usize>,
) -> Result<Vec<Pending>> {
    let out_shape = &q.tensors[n.output].shape;
    let len = out_shape.iter().product();
    let mut sums = vec![Pending { terms: Vec::new(), konst: 0 }; len];
    let overflow = || CircuitError::Internal(format!("{}: sum coefficient overflow", n.node));
    for (&input, &c) in n.inputs.iter().zip(coeffs).filter(|&(&i, _)| Some(i) != product) {
        let c = i128::from(c);
        let map = broadcast_index_map(&q.tensors[input].shape, out_shape);
        for (s, &j) in sums.iter_mut().zip(&map) {
            if let Some(laid) = &cells[input] {
                s.terms.push((laid[j], c));
            } else if let Some(p) = &pending[input] {
                for &(x, w) in &p[j].terms {
                    s.terms.push((x, w.checked_mul(c).ok_or_else(overflow)?));
                }
                let k = p[j].konst.checked_mul(c).ok_or_else(overflow)?;
                s.konst = s.konst.checked_add(k).ok_or_else(overflow)?;
            } else if let Some(v) = &q.tensors[input].value {
                let k = i128::from(v[j]).checked_mul(c).ok_or_else(overflow)?;
                s.konst = s.konst.checked_add(k).ok_or_else(overflow)?;
            } else {
                return Err(CircuitError::Internal(format!(
                    "{}: tensor {} not laid out",
                    n.node, q.tensors[input].name
                )));
            }
        }
    }
    Ok(sums)
}
