//! Which elements of each tensor anything reads. A tensor an output depends on is laid out
//! whole, but some of its elements may reach no output: a masked attention reads only the
//! kept scores (`zkinfer_quantize`'s mask lowering), so the masked ones are needed by the
//! Freivalds check of the product they come from, not rounded and range-checked for a reader
//! that never comes.

use zkinfer_model_import::tensor::numel;
use zkinfer_quantize::qgraph::{CopySrc, QOp};
use zkinfer_quantize::QGraph;

/// The read elements of one tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Live {
    /// Nothing reads the tensor.
    None,
    /// These elements are read (flat indices), the others not.
    Some(Vec<bool>),
    /// Every element may be read.
    All,
}

impl Live {
    /// Adds the elements `more` marks.
    fn merge(&mut self, more: &Self) {
        match (&mut *self, more) {
            (Self::All, _) | (_, Self::None) => {}
            (Self::Some(a), Self::Some(b)) => {
                for (x, &y) in a.iter_mut().zip(b) {
                    *x |= y;
                }
            }
            (me, other) => *me = other.clone(),
        }
    }

    /// Whether element `i` is read.
    fn reads(&self, i: usize) -> bool {
        match self {
            Self::None => false,
            Self::Some(read) => read.get(i).copied().unwrap_or(true),
            Self::All => true,
        }
    }
}

/// Per tensor, the elements read by a graph output's computation: walking back from the
/// outputs, a `Copy` reads the sources of its read elements, a `Rescale` (element-wise) the
/// same elements of its input, and every other op all of its inputs.
pub(crate) fn live_elements(q: &QGraph) -> Vec<Live> {
    let mut live = vec![Live::None; q.tensors.len()];
    for &t in &q.outputs {
        live[t] = Live::All;
    }
    for n in q.nodes.iter().rev() {
        let out = live[n.output].clone();
        if out == Live::None {
            continue;
        }
        match &n.op {
            QOp::Copy { map } => {
                let mut reads: Vec<Vec<bool>> =
                    n.inputs.iter().map(|&t| vec![false; numel(&q.tensors[t].shape)]).collect();
                for (i, src) in map.iter().enumerate() {
                    if src.input == CopySrc::ZERO || !out.reads(i) {
                        continue;
                    }
                    if let Some(slot) = reads
                        .get_mut(src.input as usize)
                        .and_then(|r| r.get_mut(src.index as usize))
                    {
                        *slot = true;
                    }
                }
                for (&t, r) in n.inputs.iter().zip(reads) {
                    live[t].merge(&Live::Some(r));
                }
            }
            QOp::Rescale { .. } if q.tensors[n.inputs[0]].shape == q.tensors[n.output].shape => {
                live[n.inputs[0]].merge(&out);
            }
            _ => {
                for &t in &n.inputs {
                    live[t].merge(&Live::All);
                }
            }
        }
    }
    live
}
