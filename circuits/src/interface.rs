//! A circuit's public interface: which tensor groups the instances carry and the tensors in
//! them. Verifying keys record it (in their plan) so a verifier holding only the key can check
//! that a proof file labels its instances as the circuit defines them, not as the file says.

use serde::{Deserialize, Serialize};
use zkinfer_quantize::{QGraph, Visibilities, Visibility};

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
    /// Digit width of packed groups (see [`crate::packing`]); absent when nothing is packed,
    /// so interfaces from before packing are unchanged.
    #[serde(default, skip_serializing_if = "PackedBits::is_none")]
    pub packed_bits: PackedBits,
}

/// Bits per packed digit of the inputs and the outputs, each `None` unless that group is packed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackedBits {
    /// Inputs' digit width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<u32>,
    /// Outputs' digit width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<u32>,
}

impl PackedBits {
    /// Whether no group is packed.
    #[must_use]
    pub fn is_none(&self) -> bool {
        self.input.is_none() && self.output.is_none()
    }

    /// The digit widths of a quantized graph's packed groups.
    #[must_use]
    pub fn of(q: &QGraph) -> Self {
        let bits = |ids: &[usize], v: Visibility| {
            (v == Visibility::Packed).then(|| crate::packing::group_bits(q, ids))
        };
        Self {
            input: bits(&q.inputs, q.visibility.input),
            output: bits(&q.outputs, q.visibility.output),
        }
    }
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
        Self {
            visibility: q.visibility,
            inputs: sig(&q.inputs),
            outputs: sig(&q.outputs),
            packed_bits: PackedBits::of(q),
        }
    }

    /// Which instances hold each group: the inputs', the outputs' and the weights' words, in
    /// that order (an empty range for a private group). A public group takes one instance per
    /// value, a packed one [`crate::packing::words`], a hashed one a single digest. A contract
    /// that links proofs (the bundle verifier) compares the words at these positions.
    #[must_use]
    pub fn instance_ranges(&self) -> [std::ops::Range<usize>; 3] {
        let size = |ts: &[TensorSig]| -> usize {
            ts.iter().map(|t| t.shape.iter().product::<usize>()).sum()
        };
        let mut at = 0;
        let mut take = |vis: Visibility, n: usize, bits: Option<u32>| {
            let words = match vis {
                Visibility::Private => 0,
                Visibility::Public => n,
                Visibility::Packed => {
                    crate::packing::words(n, bits.unwrap_or(crate::packing::WORD_BITS))
                }
                Visibility::Hashed => 1,
            };
            at += words;
            at - words..at
        };
        let input = take(self.visibility.input, size(&self.inputs), self.packed_bits.input);
        let output = take(self.visibility.output, size(&self.outputs), self.packed_bits.output);
        let weights = match self.visibility.weights {
            zkinfer_quantize::WeightVisibility::Hashed => take(Visibility::Hashed, 0, None),
            _ => at..at,
        };
        [input, output, weights]
    }
}
