//! How many bits each float tensor gets at its calibrated maximum, by the role it plays.
//!
//! Rounding errors do not all weigh the same. A model input's error reaches every output and a
//! divisor's relative error passes undiminished to the quotient, so both get `input_bits`; an
//! output is rounded once more than anything inside the model, so it (and the tensors an exact
//! op merely passes on to it, such as a final ReLU or reshape) gets `output_bits`. Everything
//! else gets `activation_bits`, which a `balanced` target keeps small enough for one
//! bound-table lookup per value.

use crate::settings::QuantParams;
use zkinfer_model_import::ops::{Binary, Op, PoolKind, Unary};
use zkinfer_model_import::{Graph, TensorId};

/// Bits per ONNX tensor of `g` (indexed by `TensorId`).
pub(super) fn tensor_bits(g: &Graph, p: &QuantParams) -> Vec<u32> {
    let inside = p.activation_bits;
    let input = p.input_bits.unwrap_or(inside).max(inside);
    let output = p.output_bits.unwrap_or(inside).max(inside);
    let mut bits = vec![inside; g.tensors.len()];
    for &i in &g.inputs {
        bits[i] = input;
    }
    for n in &g.nodes {
        let divisor = match n.op {
            Op::Binary(Binary::Div) => n.inputs.get(1),
            Op::Unary(Unary::Reciprocal) => n.inputs.first(),
            _ => None,
        };
        if let Some(&d) = divisor {
            bits[d] = bits[d].max(input);
        }
    }
    for t in feeding_outputs(g) {
        bits[t] = bits[t].max(output);
    }
    bits
}

/// The graph's outputs and, walking back, every tensor read only by an exact op whose outputs
/// are all in the set: the value an output is an exact copy or selection of.
fn feeding_outputs(g: &Graph) -> Vec<TensorId> {
    let mut readers = vec![0usize; g.tensors.len()];
    for n in &g.nodes {
        for &i in &n.inputs {
            readers[i] += 1;
        }
    }
    let mut set = vec![false; g.tensors.len()];
    for &o in &g.outputs {
        set[o] = true;
    }
    for n in g.nodes.iter().rev() {
        if !passes_on(&n.op) || !n.outputs.iter().all(|&o| set[o]) {
            continue;
        }
        for &i in &n.inputs {
            if readers[i] == 1 && g.tensors[i].value.is_none() {
                set[i] = true;
            }
        }
    }
    (0..g.tensors.len()).filter(|&t| set[t]).collect()
}

/// Ops whose outputs are values of their inputs, at the same scale.
fn passes_on(op: &Op) -> bool {
    match op {
        Op::Unary(u) => matches!(u, Unary::Identity | Unary::Relu | Unary::Abs | Unary::Neg),
        Op::Pool(p) => matches!(p.kind, PoolKind::Max),
        Op::Reshape { .. }
        | Op::Transpose { .. }
        | Op::Slice { .. }
        | Op::Split { .. }
        | Op::Concat { .. } => true,
        _ => false,
    }
}
