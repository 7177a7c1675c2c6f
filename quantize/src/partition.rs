//! Cutting a quantized graph into parts that are proven separately and linked by the
//! tensors that cross each cut.
//!
//! A cut before node `at` hands on its *boundary*: every tensor produced by the nodes before
//! `at` (model inputs included) that a node from `at` on reads, or that is a model output, in
//! tensor order. Part `i` reads the boundary of the cut before it (the model inputs for the
//! first part) and hands on the boundary of the cut after it (the model outputs for the last),
//! so consecutive parts agree on the tensors, their order and their values: a tensor that the
//! part itself does not touch is passed through as one of its outputs.
//!
//! Each part is a graph of its own, laid out and proven like a whole model: the boundary
//! tensors keep their scale, bound and `checked` flag, so every range check a part's nodes
//! rely on is either made in that part or was made where the tensor was produced. The only
//! claim a part takes from its neighbours is that its inputs are their outputs, which the
//! parts' digests of those tensors (hashed visibility) let a verifier check. The integer
//! evaluator still runs once on the whole graph; each part's witness is a slice of it.

use crate::error::{QuantError, Result};
use crate::qgraph::{QGraph, QId, QNode, QOp};
use crate::settings::Visibilities;

/// One part of a partitioned graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The part as a graph of its own (tensors renumbered; boundary inputs become inputs).
    pub graph: QGraph,
    /// For each tensor of `graph`, the whole graph's tensor it is.
    pub tensors: Vec<QId>,
    /// The whole graph's nodes this part lays out (model-input nodes not counted).
    pub nodes: std::ops::Range<usize>,
}

impl Part {
    /// The part's witness: its tensors' values, sliced from the whole graph's witness.
    #[must_use]
    pub fn witness(&self, whole: &[Vec<i64>]) -> Vec<Vec<i64>> {
        self.tensors.iter().map(|&t| whole.get(t).cloned().unwrap_or_default()).collect()
    }
}

/// The nodes a cut may come after: everything but the model-input nodes, which lowering
/// emits first.
#[must_use]
pub fn first_cuttable(q: &QGraph) -> usize {
    q.nodes.iter().take_while(|n| matches!(n.op, QOp::Input { .. })).count()
}

/// The tensors that cross a cut before node `at`, in tensor order.
#[must_use]
pub fn boundary(q: &QGraph, at: usize) -> Vec<QId> {
    let produced: std::collections::BTreeSet<QId> =
        q.nodes.iter().take(at).map(|n| n.output).collect();
    let mut read: std::collections::BTreeSet<QId> =
        q.nodes.iter().skip(at).flat_map(|n| n.inputs.iter().copied()).collect();
    read.extend(q.outputs.iter().copied());
    read.into_iter().filter(|t| produced.contains(t)).collect()
}

/// Elements that cross a cut before node `at`: what linking the parts there costs.
#[must_use]
pub fn boundary_elements(q: &QGraph, at: usize) -> usize {
    boundary(q, at).iter().map(|&t| q.tensors[t].shape.iter().product::<usize>()).sum()
}

/// Splits `q` before each node of `cuts` (increasing, after the model-input nodes). Parts
/// between cuts read and hand on hashed tensors; the first part's inputs and the last part's
/// outputs keep `q`'s visibility, and every part keeps its weights' visibility.
///
/// # Errors
/// [`QuantError::Partition`] for cuts out of order or outside the cuttable nodes.
pub fn split(q: &QGraph, cuts: &[usize]) -> Result<Vec<Part>> {
    let start = first_cuttable(q);
    let end = q.nodes.len();
    let mut bounds = vec![start];
    for &c in cuts {
        let last = bounds.last().copied().unwrap_or(start);
        if c <= last || c >= end {
            return Err(QuantError::Partition(format!(
                "cut before node {c} is out of order or outside nodes {}..{end} (the model has \
                 {} primitives after its inputs); give increasing cuts, each leaving a part \
                 at least one node",
                start + 1,
                end - start
            )));
        }
        bounds.push(c);
    }
    bounds.push(end);
    let parts = bounds.len() - 1;
    (0..parts)
        .map(|i| {
            let (s, e) = (bounds[i], bounds[i + 1]);
            let inputs = if i == 0 { q.inputs.clone() } else { boundary(q, s) };
            let outputs = if i + 1 == parts { q.outputs.clone() } else { boundary(q, e) };
            let link = q.visibility.link;
            let visibility = Visibilities {
                input: if i == 0 { q.visibility.input } else { link },
                output: if i + 1 == parts { q.visibility.output } else { link },
                weights: q.visibility.weights,
                link,
            };
            part(q, i == 0, s..e, &inputs, &outputs, visibility)
        })
        .collect()
}

/// The graph of one part: its nodes (with the model-input nodes for the first part, new
/// input nodes for the boundary otherwise), the tensors and tables they use, renumbered.
fn part(
    q: &QGraph,
    first: bool,
    nodes: std::ops::Range<usize>,
    inputs: &[QId],
    outputs: &[QId],
    visibility: Visibilities,
) -> Result<Part> {
    let mut r = Renumber {
        map: std::collections::HashMap::new(),
        tensors: Vec::new(),
        g: QGraph {
            tensors: Vec::new(),
            nodes: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            tables: Vec::new(),
            visibility,
        },
    };
    let mut source: Vec<&QNode> = Vec::new();
    if first {
        source.extend(q.nodes.iter().take(nodes.start));
    } else {
        for (index, &t) in inputs.iter().enumerate() {
            let id = r.add(q, t);
            r.g.nodes.push(QNode {
                op: QOp::Input { index },
                inputs: Vec::new(),
                output: id,
                node: q.tensors[t].name.clone(),
                onnx_op: "Input".into(),
            });
            r.g.inputs.push(id);
        }
    }
    source.extend(&q.nodes[nodes.clone()]);
    let mut tables: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for n in source {
        let mut ins = Vec::with_capacity(n.inputs.len());
        for &t in &n.inputs {
            let known = r.map.contains_key(&t) || q.tensors[t].value.is_some();
            if !known {
                return Err(QuantError::Internal(format!(
                    "partition: node {} reads tensor '{}', which no earlier part hands on",
                    n.node, q.tensors[t].name
                )));
            }
            ins.push(r.add(q, t));
        }
        let op = match &n.op {
            QOp::Lookup { table } => {
                let next = tables.len();
                let local = *tables.entry(*table).or_insert(next);
                QOp::Lookup { table: local }
            }
            other => other.clone(),
        };
        let output = r.add(q, n.output);
        if let QOp::Input { .. } = op {
            r.g.inputs.push(output);
        }
        let (node, onnx_op) = (n.node.clone(), n.onnx_op.clone());
        r.g.nodes.push(QNode { op, inputs: ins, output, node, onnx_op });
    }
    let mut ordered: Vec<(usize, usize)> = tables.into_iter().collect();
    ordered.sort_by_key(|&(_, local)| local);
    r.g.tables = ordered.into_iter().map(|(whole, _)| q.tables[whole].clone()).collect();
    for &t in outputs {
        let id = r.map.get(&t).copied().ok_or_else(|| {
            QuantError::Internal(format!(
                "partition: output '{}' is neither computed nor received by the part",
                q.tensors[t].name
            ))
        })?;
        r.g.outputs.push(id);
    }
    if first && r.g.inputs != inputs.iter().map(|t| r.map[t]).collect::<Vec<_>>() {
        return Err(QuantError::Internal("partition: model inputs out of order".into()));
    }
    Ok(Part { graph: r.g, tensors: r.tensors, nodes })
}

/// A part's graph under construction: the whole graph's tensors it uses, renumbered in the
/// order they are first met.
struct Renumber {
    map: std::collections::HashMap<QId, QId>,
    tensors: Vec<QId>,
    g: QGraph,
}

impl Renumber {
    fn add(&mut self, q: &QGraph, t: QId) -> QId {
        *self.map.entry(t).or_insert_with(|| {
            self.tensors.push(t);
            self.g.tensors.push(q.tensors[t].clone());
            self.g.tensors.len() - 1
        })
    }
}
