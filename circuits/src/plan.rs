//! The layout planner: chooses the range-check limb width, the number of gate lanes and lookup
//! lanes, and k, by minimising a cost model of proving, instead of a fixed default.
//!
//! Prover cost ≈ 2^k × (columns weighted by their polynomials): a gate lane (of either phase)
//! is one advice column, two fixed columns (gate selector, coefficient) and one permutation
//! polynomial; a
//! lookup lane two advice columns, a tag and its argument's permuted input, permuted table and
//! product. Every column also costs the verifier (and the EVM) an evaluation and a commitment,
//! so a column is charged a fixed 2^14-row equivalent on top: the planner prefers fewer,
//! taller columns unless rows would be mostly empty.

use crate::builder::{Builder, Layout, LinearCheck};
use crate::chips::lay_out;
use crate::circuit::ModelCircuit;
use crate::config::Shape;
use crate::error::{CircuitError, Result};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use serde::{Deserialize, Serialize};
use zkinfer_quantize::QGraph;

/// Largest k the planner considers.
pub const MAX_K: u32 = 24;
const LIMB_CHOICES: [u32; 4] = [8, 12, 16, 18];

/// The chosen layout and what it costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// log2 of the number of rows.
    pub k: u32,
    /// Gate lanes (advice columns with the two gates).
    pub lanes: usize,
    /// Second-phase gate lanes, for Freivalds checks of linear layers.
    #[serde(default)]
    pub late_lanes: usize,
    /// Lookup lanes (each one lookup argument).
    pub lookup_lanes: usize,
    /// Range-check limb width.
    pub limb_bits: u32,
    /// Whether bounded values are checked in bound tables (see [`Layout::bound_tables`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub bound_tables: bool,
    /// Rows used.
    pub rows: usize,
    /// Advice cells on gate lanes.
    pub lane_cells: usize,
    /// Advice cells on second-phase gate lanes.
    #[serde(default)]
    pub late_cells: usize,
    /// How linear layers are checked.
    #[serde(default, skip_serializing_if = "LinearCheck::is_auto")]
    pub linear: LinearCheck,
    /// Looked-up cells.
    pub lookup_cells: usize,
    /// Rows of the tagged lookup table.
    pub table_rows: usize,
    /// Copy constraints.
    pub copies: usize,
    /// Public instances (the output elements), which a verifier must be told up front.
    pub instances: usize,
    /// Poseidon lanes (six advice columns each), for hashed tensor groups.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hash_lanes: usize,
    /// Rows of each Poseidon lane.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hash_rows: usize,
    /// The public interface, for verifiers holding only a verifying key (absent in keys
    /// made before it was recorded). A function of the graph, so not part of the circuit
    /// hash (see `zkinfer_prover::circuit_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<crate::Interface>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

impl Plan {
    /// Advice columns in total.
    #[must_use]
    pub fn advice_columns(&self) -> usize {
        self.lanes + self.late_lanes + 2 * self.lookup_lanes + 6 * self.hash_lanes
    }

    /// The layout this plan records into.
    #[must_use]
    pub fn layout(&self) -> Layout {
        Layout {
            lanes: self.lanes,
            late_lanes: self.late_lanes,
            lookup_lanes: self.lookup_lanes,
            limb_bits: self.limb_bits,
            linear: self.linear,
            hash_lanes: self.hash_lanes,
            bound_tables: self.bound_tables,
        }
    }
}

/// Rows of a `2^k` circuit that hold assignments (the rest are blinding rows).
#[must_use]
pub fn usable_rows(k: u32, shape: Shape) -> usize {
    let mut cs = ConstraintSystem::<Fr>::default();
    let _ = ModelCircuit::configure_with_params(&mut cs, shape);
    (1usize << k).saturating_sub(cs.blinding_factors() + 1)
}

fn cost(k: u32, lanes: usize, lookup_lanes: usize, hash_lanes: usize) -> u128 {
    // A Poseidon lane: six advice columns, a fixed one and four permutation polynomials.
    let weighted = 3 * lanes as u128 + 6 * lookup_lanes as u128 + 11 * hash_lanes as u128 + 5;
    let columns = 4 * lanes as u128 + 6 * lookup_lanes as u128 + 11 * hash_lanes as u128 + 5;
    (1u128 << k) * weighted + (1u128 << 14) * columns
}

/// Poseidon lanes for `blocks` permutation blocks in columns of `usable` rows; `None` when
/// one sponge (at most half a chunk of blocks, which stay in one lane) does not fit a lane.
fn hash_lanes_for(blocks: usize, usable: usize) -> Option<usize> {
    use crate::builder::HASH_BLOCK;
    if blocks == 0 {
        return Some(0);
    }
    // A block of slack per lane: sponges are not split between lanes.
    let rows = usable.checked_sub(2 * HASH_BLOCK)?;
    let sponge = blocks.min(crate::poseidon::CHUNK / 2);
    (sponge * HASH_BLOCK <= rows).then(|| (blocks * HASH_BLOCK).div_ceil(rows))
}

/// Plans a graph's layout.
///
/// # Errors
/// Unsupported primitives, or a circuit larger than 2^[`MAX_K`] rows.
pub fn plan(q: &QGraph) -> Result<Plan> {
    plan_within(q, None, LinearCheck::Auto)
}

/// Plans a graph's layout with at most `max_lanes` gate lanes of both phases (a larger k
/// where needed) and linear layers checked as `linear` says.
///
/// # Errors
/// As [`plan`], or [`CircuitError::TooLarge`] when no k up to [`MAX_K`] fits the lane cap.
pub fn plan_within(q: &QGraph, max_lanes: Option<usize>, linear: LinearCheck) -> Result<Plan> {
    match plan_with(q, max_lanes, linear) {
        // A cap too tight for a second-phase lane: plain chains need one lane fewer.
        Err(CircuitError::TooLarge { .. }) if max_lanes.is_some() && linear.is_auto() => {
            plan_with(q, max_lanes, LinearCheck::Dot)
        }
        other => other,
    }
}

/// The cheapest layout found so far: its cost, k, (gate, second-phase, lookup, Poseidon)
/// lanes, limb width and whether it uses bound tables.
#[derive(Clone, Copy)]
struct Choice {
    cost: u128,
    k: u32,
    shape: (usize, usize, usize, usize),
    limb: u32,
    bound_tables: bool,
}

fn plan_with(q: &QGraph, max_lanes: Option<usize>, linear: LinearCheck) -> Result<Plan> {
    let cap = max_lanes.unwrap_or(usize::MAX).max(1);
    let shape = Shape { lanes: 1, late_lanes: 0, lookup_lanes: 1, hash_lanes: 0 };
    let reserve = (1usize << 4) - usable_rows(4, shape);
    let mut best: Option<Choice> = None;
    let choices = LIMB_CHOICES.iter().flat_map(|&limb| [(limb, false), (limb, true)]);
    for (limb, bound_tables) in choices {
        // A range table of 2^(limb+1) rows only pays off in a circuit that is that tall
        // anyway; laying the graph out with it would be wasted time and memory.
        if best.is_some_and(|b| limb + 1 > b.k) {
            continue;
        }
        let b = lay_out(q, None, &Layout { linear, bound_tables, ..Layout::new(1, 1, limb) })?;
        if bound_tables && !b.uses_bound_tables() {
            // No bound table was used: the same layout as without.
            continue;
        }
        let (cells, lookups, table) =
            (b.lanes[0].values.len(), b.lookups[0].x.len(), b.table.len());
        let late_cells = b.late.first().map_or(0, |l| l.values.len());
        let hash_blocks = b.hash.first().map_or(0, crate::builder::HashLane::blocks);
        for k in 4..=MAX_K {
            let usable = (1usize << k).saturating_sub(reserve);
            if table.max(b.constants.len()).max(b.public.len()) > usable {
                continue;
            }
            // 2% slack: runs are contiguous, so lanes never fill perfectly.
            let lanes = (cells + cells / 50).div_ceil(usable).max(1);
            let late_lanes = (late_cells + late_cells / 50).div_ceil(usable);
            let lookup_lanes = lookups.div_ceil(usable).max(1);
            let Some(hash_lanes) = hash_lanes_for(hash_blocks, usable) else {
                continue;
            };
            if lanes + late_lanes > cap {
                continue;
            }
            let cost = cost(k, lanes + late_lanes, lookup_lanes, hash_lanes);
            if best.is_none_or(|b| cost < b.cost) {
                let shape = (lanes, late_lanes, lookup_lanes, hash_lanes);
                best = Some(Choice { cost, k, shape, limb, bound_tables });
            }
        }
    }
    let Some(Choice { k, shape, limb: limb_bits, bound_tables, .. }) = best else {
        return Err(CircuitError::TooLarge { rows: usize::MAX, max_k: MAX_K });
    };
    let (mut lanes, mut late_lanes, lookup_lanes, mut hash_lanes) = shape;
    let usable = (1usize << k).saturating_sub(reserve);
    loop {
        let layout = Layout {
            late_lanes,
            linear,
            hash_lanes,
            bound_tables,
            ..Layout::new(lanes, lookup_lanes, limb_bits)
        };
        let b = lay_out(q, None, &layout)?;
        if b.rows() <= usable {
            return Ok(Plan { interface: Some(crate::Interface::of(q)), ..describe(&b, k) });
        }
        if b.hash.iter().any(|l| l.s.len() > usable) {
            hash_lanes += 1;
        } else if b.late.iter().any(|l| l.values.len() > usable) {
            late_lanes += 1;
        } else {
            lanes += 1;
        }
        if lanes + late_lanes > 4096 || lanes + late_lanes > cap || hash_lanes > 4096 {
            return Err(CircuitError::TooLarge { rows: b.rows(), max_k: MAX_K });
        }
    }
}

fn describe(b: &Builder, k: u32) -> Plan {
    Plan {
        k,
        lanes: b.lanes.len(),
        late_lanes: b.late.len(),
        lookup_lanes: b.lookups.len(),
        limb_bits: b.limb_bits,
        bound_tables: b.bound_tables,
        rows: b.rows(),
        lane_cells: b.lanes.iter().map(|l| l.values.len()).sum(),
        late_cells: b.late.iter().map(|l| l.values.len()).sum(),
        linear: b.linear,
        lookup_cells: b.lookups.iter().map(|l| l.x.len()).sum(),
        table_rows: b.table.len(),
        copies: b.copies.len(),
        instances: b.public.len(),
        hash_lanes: b.hash.len(),
        hash_rows: b.hash.first().map_or(0, |l| l.s.len()),
        interface: None,
    }
}

/// Lays out a graph with a plan's shape.
///
/// # Errors
/// Unsupported primitives.
pub fn lay_out_planned(q: &QGraph, witness: Option<&[Vec<i64>]>, plan: &Plan) -> Result<Builder> {
    lay_out(q, witness, &plan.layout())
}
