//! One chip per family of quantized primitives. Each lays out exactly the integer semantics of
//! its `QOp` (see `zkinfer_quantize::eval`) with the lane gates, range checks and lookups.
//!
//! The split follows halo2's gadgets: a *config* owns columns and gates (`LaneConfig`,
//! `LookupConfig` in [`crate::config`], `HashLaneConfig` in `poseidon::gate`); an *instructions*
//! trait says what a chip offers (cell level: [`GateInstructions`](crate::GateInstructions),
//! [`RangeInstructions`](crate::RangeInstructions),
//! [`FreivaldsInstructions`](crate::FreivaldsInstructions), `HashInstructions` (in
//! [`crate::poseidon`]), `PackInstructions` (in [`crate::packing`]); op level, one
//! per family here: `ArithInstructions`, `CompareInstructions`, `LinearInstructions`,
//! `MovementInstructions`, `SelectInstructions`, `TableInstructions`); a *chip* implements it.
//! [`Builder`] is the cell-level chip: it records cells into the configured columns, so keys
//! and plans are fixed before halo2 sees the circuit. The op chips wrap the builder (plus what
//! they need of their own, like the table chip's tags), and [`lay_out`] programs against their
//! traits, one ONNX node at a time.

mod arith;
mod compare;
mod linear;
mod live;
mod movement;
mod rescaled;
mod select;
mod sums;
mod table;
mod window;

use crate::builder::{Builder, Cell, Layout};
use crate::error::{CircuitError, Result};
use crate::gadgets::{GateInstructions, RangeInstructions};
use crate::packing::chip::PackInstructions;
use crate::poseidon::chip::HashInstructions;
use arith::{ArithChip, ArithInstructions};
use compare::{CompareChip, CompareInstructions};
use linear::{LinearChip, LinearInstructions};
use movement::{MovementChip, MovementInstructions};
use select::{SelectChip, SelectInstructions};
use sums::{Deferral, Pending};
use table::{TableChip, TableInstructions};
use zkinfer_model_import::tensor::broadcast_index_map;
use zkinfer_quantize::qgraph::{bits_for, QNode, QOp};
use zkinfer_quantize::{QGraph, Visibility, WeightVisibility};

/// The chip that lays out a primitive (the arm of [`lay_out`]'s dispatch it takes), by name:
/// what docs/ops.md lists for each op.
#[must_use]
pub fn chip_for(op: &QOp) -> &'static str {
    match op {
        QOp::Input { .. } | QOp::Copy { .. } => "MovementChip",
        QOp::Add { .. } | QOp::Mul | QOp::Rescale { .. } | QOp::Div { .. } => "ArithChip",
        QOp::MatMul | QOp::ReduceSum { .. } => "LinearChip",
        QOp::Relu
        | QOp::Max
        | QOp::Min
        | QOp::Abs
        | QOp::ReduceMax { .. }
        | QOp::ReduceMin { .. } => "CompareChip",
        QOp::Lookup { .. } => "TableChip",
        QOp::Sqrt { .. }
        | QOp::Select
        | QOp::Compare { .. }
        | QOp::ArgMax { .. }
        | QOp::Gather { .. } => "SelectChip",
    }
}

/// The tensors that weights visibility `private` or `hashed` moves into the witness, in the
/// order their values are hashed: every constant tensor, by id.
#[must_use]
pub fn weight_tensors(q: &QGraph) -> Vec<usize> {
    (0..q.tensors.len()).filter(|&t| q.tensors[t].value.is_some()).collect()
}

/// Lays the weights out as witness cells (private or hashed weights); returns them in
/// [`weight_tensors`] order.
fn hidden_weights(
    b: &mut Builder,
    q: &QGraph,
    cells: &mut [Option<Vec<Cell>>],
) -> Result<Vec<Cell>> {
    // Gather data is a lookup table, a fixed column the witness cannot hide.
    let gather = q
        .nodes
        .iter()
        .find(|n| matches!(n.op, QOp::Gather { .. }) && q.tensors[n.inputs[0]].value.is_some());
    if let Some(n) = gather {
        return Err(CircuitError::FixedTable { node: n.node.clone(), op: n.onnx_op.clone() });
    }
    b.begin_node("weights", "Constant");
    let before = b.cells();
    let mut all = Vec::new();
    for t in weight_tensors(q) {
        let values: Vec<i128> =
            q.tensors[t].value.iter().flatten().map(|&v| i128::from(v)).collect();
        let laid = b.free_cells(&values);
        // A witness weight is any field element unless checked (2^-1 is a valid "weight"), and
        // every bound derived downstream assumes the declared one.
        for &c in &laid {
            b.bounded(c, q.tensors[t].bound);
        }
        all.extend_from_slice(&laid);
        cells[t] = Some(laid);
    }
    b.node_cells.insert("weights".into(), b.cells() - before);
    Ok(all)
}

/// Lays out a quantized graph. With a witness (every tensor's values, from
/// `zkinfer_quantize::eval::eval_all`) the builder holds a full assignment; without one it
/// holds the same structure with zero values, for keygen.
///
/// # Errors
/// A primitive this version cannot lay out yet, naming its ONNX node.
pub fn lay_out(q: &QGraph, witness: Option<&[Vec<i64>]>, layout: &Layout) -> Result<Builder> {
    lay_out_as(q, witness, layout, false)
}

/// A layout to be measured, not synthesized (the planner's): the same cells, lookups, rows
/// and counts as [`lay_out`] without a witness, but equality constraints only counted and no
/// fixed coefficients recorded, so a large model's layout takes a fraction of the memory.
///
/// # Errors
/// As [`lay_out`].
pub fn size_out(q: &QGraph, layout: &Layout) -> Result<Builder> {
    lay_out_as(q, None, layout, true)
}

fn lay_out_as(
    q: &QGraph,
    witness: Option<&[Vec<i64>]>,
    layout: &Layout,
    sizing: bool,
) -> Result<Builder> {
    let mut b = Builder::new(layout, witness.is_some());
    b.sizing = sizing;
    let tables = table::register_tables(&mut b, q);
    let gather_tags = table::register_gather_tables(&mut b, q);
    let mut cells: Vec<Option<Vec<Cell>>> = vec![None; q.tensors.len()];
    let value = |id: usize, i: usize| -> i128 { witness.map_or(0, |w| i128::from(w[id][i])) };
    let weights = if q.visibility.weights == WeightVisibility::Fixed {
        Vec::new()
    } else {
        hidden_weights(&mut b, q, &mut cells)?
    };
    let sole = sums::sole_readers(q);
    let deferrals = sums::deferrals(q, &sole);
    let claims = rescaled::claims(q, &sole, &deferrals, &live::live_elements(q));
    // Rescaled outputs a matmul laid out with its claim, by the rescale's output tensor.
    let mut prelaid: Vec<Option<Vec<Cell>>> = vec![None; q.tensors.len()];
    let mut pending: Vec<Option<Vec<Pending>>> = vec![None; q.tensors.len()];
    let mut products: Vec<Option<Vec<(Cell, Cell)>>> = vec![None; q.tensors.len()];
    let read = read_tensors(q);
    for (index, n) in q.nodes.iter().enumerate() {
        // A value no output depends on constrains nothing the proof shows (the masked scores
        // a masked softmax no longer reads, see `zkinfer_quantize`'s mask lowering): it is
        // not laid out.
        if !read[n.output] && !matches!(n.op, QOp::Input { .. }) {
            b.node_cells.entry(n.node.clone()).or_default();
            continue;
        }
        let before = b.cells();
        b.begin_node(&n.node, &n.onnx_op);
        let product = n.inputs.iter().copied().find(|&i| products[i].is_some());
        let sum = match &n.op {
            QOp::Add { coeffs }
                if deferrals[index] == Deferral::Sum
                    || product.is_some()
                    || n.inputs.iter().any(|&i| pending[i].is_some()) =>
            {
                Some(sums::sum_of(q, n, coeffs, &cells, &pending, product)?)
            }
            _ => None,
        };
        if deferrals[index] == Deferral::Sum {
            // A deferred sum's terms are linear: `sums::deferrals` gives products only to
            // sums laid out where they stand.
            debug_assert!(product.is_none(), "a deferred sum read a deferred product");
            pending[n.output] = sum;
            b.node_cells.entry(n.node.clone()).or_default();
            continue;
        }
        // A deferred sum read by a rescale whose elements are each one cell plus a constant
        // joins the rescale's combination (`offsets`); any other is laid out here.
        let mut offsets: Option<Vec<i128>> = None;
        let mut factors: Option<Vec<(Cell, Cell)>> = None;
        let ins: Vec<Vec<Cell>> = n
            .inputs
            .iter()
            .map(|&i| match (&cells[i], &pending[i]) {
                (Some(c), _) => c.clone(),
                // A deferred product: its rescale or sum lays it out (`Deferral::Product`).
                _ if products[i].is_some() => {
                    factors = products[i].take();
                    Vec::new()
                }
                // A sum reads the deferred terms themselves (`sum` above).
                _ if sum.is_some() => Vec::new(),
                (None, Some(p)) => {
                    let units: Option<Vec<Cell>> = p.iter().map(Pending::unit).collect();
                    match units {
                        Some(units) if matches!(n.op, QOp::Rescale { .. }) => {
                            offsets = Some(p.iter().map(|s| s.konst).collect());
                            units
                        }
                        _ => p.iter().map(|s| b.lincomb(&s.terms, s.konst)).collect(),
                    }
                }
                // Constant matmul operands stay in the fixed coefficient column.
                (None, None) if matches!(n.op, QOp::MatMul) => Vec::new(),
                (None, None) => {
                    let t = &q.tensors[i];
                    t.value.as_ref().map_or_else(Vec::new, |v| {
                        v.iter().map(|&x| b.constant(i128::from(x))).collect()
                    })
                }
            })
            .collect();
        let ctx = Ctx { q, node: n, ins: &ins, out_value: &|i| value(n.output, i) };
        if deferrals[index] == Deferral::Product {
            products[n.output] = Some(ctx.broadcast(0).into_iter().zip(ctx.broadcast(1)).collect());
            b.node_cells.entry(n.node.clone()).or_default();
            continue;
        }
        let b = &mut b;
        let out = match &n.op {
            QOp::Input { .. } => MovementChip { b }.input(&ctx),
            QOp::Copy { map } => MovementChip { b }.copy(&ctx, map),
            QOp::Add { coeffs } => match (&sum, &factors) {
                (Some(sum), Some(factors)) => ArithChip { b }.add_products(sum, factors),
                (Some(sum), None) => sum.iter().map(|s| b.lincomb(&s.terms, s.konst)).collect(),
                (None, _) => ArithChip { b }.add(&ctx, coeffs),
            },
            QOp::Mul => ArithChip { b }.mul(&ctx),
            // Laid out by its matmul's Freivalds check (see `rescaled`), or here.
            QOp::Rescale { shift } => match (prelaid[n.output].take(), &factors) {
                (Some(claimed), _) => claimed,
                (None, Some(factors)) => ArithChip { b }.rescale_products(&ctx, *shift, factors),
                (None, None) => ArithChip { b }.rescale(&ctx, *shift, offsets.as_deref()),
            },
            QOp::Div { shift } => ArithChip { b }.div(&ctx, *shift),
            QOp::MatMul => {
                let laid = LinearChip { b }.matmul(&ctx, claims[index].as_ref());
                if let (Some(claim), Some(rescaled)) = (&claims[index], laid.rescaled) {
                    prelaid[claim.output] = Some(rescaled);
                }
                laid.out
            }
            QOp::ReduceSum { axes } => match &factors {
                Some(factors) => LinearChip { b }.reduce_products(&ctx, axes, factors),
                None => LinearChip { b }.reduce_sum(&ctx, axes),
            },
            QOp::Relu => CompareChip { b }.relu(&ctx),
            QOp::Max | QOp::Min => CompareChip { b }.max_min(&ctx, matches!(n.op, QOp::Max)),
            QOp::Abs => CompareChip { b }.abs(&ctx),
            QOp::ReduceMax { axes } | QOp::ReduceMin { axes } => {
                CompareChip { b }.reduce_extreme(&ctx, axes, matches!(n.op, QOp::ReduceMax { .. }))
            }
            QOp::Lookup { table } => TableChip { b, tags: &tables }.lookup(&ctx, *table),
            QOp::Sqrt { shift } => SelectChip { b }.sqrt(&ctx, *shift),
            QOp::Select => SelectChip { b }.select(&ctx),
            QOp::Compare { kind } => SelectChip { b }.compare(&ctx, *kind),
            QOp::ArgMax { axis, select_last } => SelectChip { b }.argmax(&ctx, *axis, *select_last),
            QOp::Gather { axis } => {
                let tag = gather_tags
                    .get(&n.inputs[0])
                    .copied()
                    .ok_or_else(|| CircuitError::Internal("gather table".into()))?;
                SelectChip { b }.gather(&ctx, *axis, tag)
            }
        };
        // Calibrated bounds are enforced where the value is produced (free where the chip
        // already proved it, as a rescale does).
        let t = &q.tensors[n.output];
        if t.checked {
            let mut seen = std::collections::HashSet::new();
            for &c in &out {
                if seen.insert(c) {
                    b.bounded(c, t.bound);
                }
            }
        }
        cells[n.output] = Some(out);
        *b.node_cells.entry(n.node.clone()).or_default() += b.cells() - before;
    }
    // A graph output the importer folded to a constant (with fixed weights, so no node and no
    // cells) is published from constant cells: the fixed column pins its values.
    for &t in &q.outputs {
        if cells[t].is_none() {
            if let Some(v) = &q.tensors[t].value {
                cells[t] = Some(v.iter().map(|&x| b.constant(i128::from(x))).collect());
            }
        }
    }
    // Public instances: the inputs, then the outputs, each group as its visibility says, then
    // the weights' digest when they are hashed.
    let groups =
        [("inputs", &q.inputs, q.visibility.input), ("outputs", &q.outputs, q.visibility.output)];
    for (group, ids, visibility) in groups {
        if visibility == Visibility::Private {
            continue;
        }
        let laid = ids
            .iter()
            .map(|&t| {
                cells[t].as_deref().ok_or_else(|| {
                    CircuitError::Internal(format!("tensor {} not laid out", q.tensors[t].name))
                })
            })
            .collect::<Result<Vec<&[Cell]>>>()?;
        let exposed = match visibility {
            Visibility::Hashed => {
                vec![b.hash_cells(&format!("hash of the {group}"), &laid.concat())]
            }
            Visibility::Packed => {
                let node = format!("packed {group}");
                b.begin_node(&node, "Pack");
                let before = b.cells();
                let words = b.pack_group(q, ids, &laid, group)?;
                b.node_cells.insert(node, b.cells() - before);
                words
            }
            Visibility::Public | Visibility::Private => laid.concat(),
        };
        for c in exposed {
            b.expose(c);
        }
    }
    if q.visibility.weights == WeightVisibility::Hashed {
        let digest = b.hash_cells("hash of the weights", &weights);
        b.expose(digest);
    }
    settle_deferred_ranges(&mut b);
    b.pad_hash_lanes();
    b.drop_unused_range_tables();
    Ok(b)
}

/// Lays out the range checks deferred by `Builder::range_check_unless_looked_up` that no
/// lookup made redundant, each under the node that asked for it.
fn settle_deferred_ranges(b: &mut Builder) {
    for (v, bits, span) in std::mem::take(&mut b.deferred_ranges) {
        if b.looked_up.contains(&v) {
            continue;
        }
        let (node, op) =
            b.spans.get(span).map_or_else(Default::default, |s| (s.node.clone(), s.op.clone()));
        let before = b.cells();
        b.begin_node(&node, &op);
        b.range_check(v, bits);
        *b.node_cells.entry(node).or_default() += b.cells() - before;
    }
}

/// Whether each tensor is a graph output or read by a node whose own output is (nodes come
/// in topological order, so one backward pass settles it).
fn read_tensors(q: &QGraph) -> Vec<bool> {
    let mut read = vec![false; q.tensors.len()];
    for &t in &q.outputs {
        read[t] = true;
    }
    for n in q.nodes.iter().rev() {
        if read[n.output] {
            for &t in &n.inputs {
                read[t] = true;
            }
        }
    }
    read
}

/// Lays out `f` once per distinct key (the input cells an output element is a function of)
/// and hands the same cell to every repeat: equal inputs give equal outputs, so one set of
/// constraints proves them all. A mask's constant, repeated along a row, costs one gap, one
/// exp and one division per row this way instead of one per element.
pub(super) fn once_per<K: std::hash::Hash + Eq>(
    keys: impl Iterator<Item = K>,
    mut f: impl FnMut(usize, &K) -> Cell,
) -> Vec<Cell> {
    let mut done: std::collections::HashMap<K, Cell> = std::collections::HashMap::new();
    keys.enumerate()
        .map(|(i, k)| match done.get(&k) {
            Some(&c) => c,
            None => {
                let c = f(i, &k);
                done.insert(k, c);
                c
            }
        })
        .collect()
}

/// What a chip sees.
pub(crate) struct Ctx<'a> {
    pub q: &'a QGraph,
    pub node: &'a QNode,
    /// Cells of each input, row-major.
    pub ins: &'a [Vec<Cell>],
    /// Witness value of output element `i` (0 without a witness).
    pub out_value: &'a dyn Fn(usize) -> i128,
}

impl Ctx<'_> {
    pub fn out_len(&self) -> usize {
        self.q.tensors[self.node.output].shape.iter().product()
    }

    /// Input `i` broadcast to the output shape.
    pub fn broadcast(&self, i: usize) -> Vec<Cell> {
        let shape = &self.q.tensors[self.node.inputs[i]].shape;
        broadcast_index_map(shape, &self.q.tensors[self.node.output].shape)
            .iter()
            .map(|&j| self.ins[i][j])
            .collect()
    }

    /// Bits that bound |x| of input `i`.
    pub fn in_bits(&self, i: usize) -> u32 {
        bits_for(u128::from(self.q.tensors[self.node.inputs[i]].bound))
    }
}
