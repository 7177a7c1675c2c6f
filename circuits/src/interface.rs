//! A circuit's public interface: which tensor groups the instances carry and the tensors in
//! them. Verifying keys record it (in their plan) so a verifier holding only the key can check
//! that a proof file labels its instances as the circuit defines them, not as the file says.

use serde::{Deserialize, Serialize};
use zkinfer_quantize::{QGraph, Visibilities};

/// A model input or output as a verifier sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorSig {
    /// ONNX name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Fixed-point scale exponent.
    pub scale: i32,
}

/// The public interface of a circuit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// How inputs and outputs appear among the instances.
    pub visibility: Visibilities,
    /// Model inputs, in order.
    pub inputs: Vec<TensorSig>,
    /// Model outputs, in order.
    pub outputs: Vec<TensorSig>,
}

impl Interface {
    /// The interface of a quantized graph.
    #[must_use]
    pub fn of(q: &QGraph) -> Self {
        let sig = |ids: &[usize]| {
            ids.iter()
                .map(|&t| {
                    let t = &q.tensors[t];
                    TensorSig { name: t.name.clone(), shape: t.shape.clone(), scale: t.scale }
                })
                .collect()
        };
        Self { visibility: q.visibility, inputs: sig(&q.inputs), outputs: sig(&q.outputs) }
    }
}
