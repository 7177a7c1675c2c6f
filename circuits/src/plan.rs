//! The layout planner: chooses the range-check limb width, the number of gate lanes and lookup
//! lanes, and k, by minimising a cost model of proving, instead of a fixed default.
//!
//! Prover cost ≈ polynomials × (2^k·k + C): every polynomial is carried through FFTs of 2^k
//! points (the quotient re-evaluates each on four cosets), and each also has a fixed cost `C`
//! (allocation, an MSM's buckets, its evaluations in the proof and the verifier), fitted to
//! `lenet_5` and `large_mlp` proofs at k = 13…17. A gate lane (of either phase) is one advice
//! column, two fixed columns (gate selector, coefficient), one permutation column and a third
//! of a permutation product; a lookup lane an input (and, for function and bound tables, an
//! output) column with their permutation columns, a tag, and its argument's permuted input,
//! permuted table and product; a range lane (range checks only) lacks the output column.
//! The fit favours many short columns down to k ≈ 14; the planner stops at [`AUTO_COLUMNS`]
//! lanes, beyond which proof size, verifier work and key generation grow faster than the
//! model says.

use crate::builder::{Builder, Layout, LinearCheck};
use crate::chips::{lay_out, size_out};
use crate::circuit::ModelCircuit;
use crate::config::Shape;
use crate::error::{CircuitError, Result};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use serde::{Deserialize, Serialize};
use zkinfer_quantize::QGraph;

/// Largest k the planner considers.
pub const MAX_K: u32 = 24;
const LIMB_CHOICES: [u32; 5] = [8, 12, 14, 16, 18];

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
    /// Lookup lanes with an output column (each one lookup argument, as a range lane is).
    pub lookup_lanes: usize,
    /// Range lanes: lookup lanes without an output column, for range checks (see
    /// [`Shape::range_lanes`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub range_lanes: usize,
    /// Range-check limb width.
    pub limb_bits: u32,
    /// Whether bounded values are checked in bound tables (see [`Layout::bound_tables`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub bound_tables: bool,
    /// Whether bound tables may be wide (see [`Layout::wide_bound_tables`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub wide_bound_tables: bool,
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
    /// Every lookup is a range check: the lookup lanes and the table have no output column
    /// (see [`Shape::range_only_lookups`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub range_only_lookups: bool,
    /// Lanes carry the three-term mac gate (see [`Layout::mac3`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub mac3: bool,
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
        let per_lookup_lane = if self.range_only_lookups { 1 } else { 2 };
        self.lanes
            + self.late_lanes
            + per_lookup_lane * self.lookup_lanes
            + self.range_lanes
            + 6 * self.hash_lanes
    }

    /// Lookup lanes of both kinds.
    #[must_use]
    pub fn all_lookup_lanes(&self) -> usize {
        self.lookup_lanes + self.range_lanes
    }

    /// The layout this plan records into.
    #[must_use]
    pub fn layout(&self) -> Layout {
        Layout {
            lanes: self.lanes,
            late_lanes: self.late_lanes,
            lookup_lanes: self.lookup_lanes,
            range_lanes: self.range_lanes,
            limb_bits: self.limb_bits,
            linear: self.linear,
            hash_lanes: self.hash_lanes,
            bound_tables: self.bound_tables,
            wide_bound_tables: self.wide_bound_tables,
            mac3: self.mac3,
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

/// Most lanes (of every kind) the planner chooses on its own; a circuit that needs more at
/// [`MAX_K`] still gets them.
pub const AUTO_COLUMNS: usize = 64;

/// The fixed cost of a polynomial, in units of one point of an FFT pass (see the module
/// documentation).
const POLY_COST: u128 = 1 << 17;

/// Lanes of each kind, as the cost model counts them.
#[derive(Clone, Copy)]
struct LaneCount {
    /// Gate lanes of both phases.
    gate: usize,
    lookup: usize,
    range: usize,
    hash: usize,
}

fn cost(k: u32, lanes: LaneCount, range_only: bool, mac3: bool) -> u128 {
    // Polynomials in thirds (a permutation product covers three columns). A gate lane: 4 and
    // a third, and a third more when it carries the three-term gate (its selector and body
    // are evaluated at every point of the quotient's domain: `lenet_5` and `large_mlp` prove
    // faster with it, nanoGPT, whose lanes it does not reduce, a few percent slower). A lookup
    // lane: tag, input, its permutation column, permuted input and table, product, and a
    // third; two and two thirds more with an output column. A Poseidon lane: six advice
    // columns, a fixed one, four permutation columns and their products. The rest: the
    // table, constants, instances, the Lagrange selectors and the quotient's pieces.
    let gate: u128 = if mac3 { 14 } else { 13 };
    let lookup: u128 = if range_only { 19 } else { 26 };
    let thirds = gate * lanes.gate as u128
        + lookup * lanes.lookup as u128
        + 19 * lanes.range as u128
        + 37 * lanes.hash as u128
        + 36;
    thirds * ((1u128 << k) * u128::from(k) + POLY_COST)
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
    wide_bound_tables: bool,
    mac3: bool,
    /// Range lanes beside the lookup lanes of `shape`.
    range_lanes: usize,
}

/// The planner's cost estimate (see the module documentation) of a graph from a single layout
/// (12-bit limbs, bound tables allowed) instead of the planner's search over limb widths:
/// cheap enough to compare two quantizations of a model, as the `balanced` target does.
///
/// # Errors
/// As [`plan`].
pub fn estimate_cost(q: &QGraph, max_lanes: Option<usize>, linear: LinearCheck) -> Result<u128> {
    let cap = max_lanes.unwrap_or(usize::MAX).max(1);
    search(q, cap, linear, &[(ESTIMATE_LIMB, true, false)])?
        .map(|c| c.cost)
        .ok_or(CircuitError::TooLarge { rows: usize::MAX, max_k: MAX_K })
}

/// A plan from [`estimate_cost`]'s single layout: the shape (k, lanes of each kind) the cost
/// model picks for it and the layout's counts, without the planner's search over limb widths
/// or the final layout at that shape. For what needs a circuit's size and not the circuit:
/// where to cut a model and how many parts fit a memory budget, where the whole model may be
/// too large to plan quickly. Not for proving (the graph may not quite fit it).
///
/// # Errors
/// As [`estimate_cost`].
pub fn estimate_plan(q: &QGraph, max_lanes: Option<usize>, linear: LinearCheck) -> Result<Plan> {
    let cap = max_lanes.unwrap_or(usize::MAX).max(1);
    let layout = Layout { linear, bound_tables: true, ..Layout::new(1, 1, ESTIMATE_LIMB) };
    let b = size_out(q, &layout)?;
    let c = cheapest(&b, cap, reserved_rows())
        .ok_or(CircuitError::TooLarge { rows: usize::MAX, max_k: MAX_K })?;
    let (lanes, late_lanes, lookup_lanes, hash_lanes) = c.shape;
    Ok(Plan {
        lanes,
        late_lanes,
        lookup_lanes,
        range_lanes: c.range_lanes,
        hash_lanes,
        mac3: c.mac3,
        rows: b.rows().min((1usize << c.k).saturating_sub(reserved_rows())),
        interface: Some(crate::Interface::of(q)),
        ..describe(&b, c.k)
    })
}

/// The limb width of [`estimate_cost`]'s layout: the planner's usual choice at k 14…17.
const ESTIMATE_LIMB: u32 = 12;

/// The cheapest of `choices` (limb width, bound tables) at any k and lane count within `cap`.
fn search(
    q: &QGraph,
    cap: usize,
    linear: LinearCheck,
    choices: &[(u32, bool, bool)],
) -> Result<Option<Choice>> {
    let reserve = reserved_rows();
    let mut best: Option<Choice> = None;
    for &(limb, bound_tables, wide_bound_tables) in choices {
        // A range table of 2^(limb+1) rows only pays off in a circuit that is that tall
        // anyway; laying the graph out with it would be wasted time and memory.
        if best.is_some_and(|b| limb + 1 > b.k) {
            continue;
        }
        let layout = Layout { linear, bound_tables, wide_bound_tables, ..Layout::new(1, 1, limb) };
        let b = size_out(q, &layout)?;
        if bound_tables && !b.uses_bound_tables() && choices.contains(&(limb, false, false)) {
            // No bound table was used: the same layout as without.
            continue;
        }
        if let Some(c) = cheapest(&b, cap, reserve) {
            if best.is_none_or(|b| c.cost < b.cost) {
                best = Some(c);
            }
        }
    }
    Ok(best)
}

/// The longest of some lanes' lengths and their total.
fn fill(lens: impl Iterator<Item = usize>) -> (usize, usize) {
    lens.fold((0, 0), |(longest, cells), n| (longest.max(n), cells + n))
}

/// The cheapest shape (k, lanes of each kind, three-term gate or not) for a graph laid out as
/// `b` (one lane of each kind), within `cap` gate lanes.
fn cheapest(b: &Builder, cap: usize, reserve: usize) -> Option<Choice> {
    let (limb, bound_tables, wide_bound_tables) =
        (b.limb_bits, b.bound_tables, b.wide_bound_tables);
    let mut best: Option<Choice> = None;
    let (cells, lookups, unlaned) =
        (b.lanes[0].values.len(), b.lookups[0].x.len(), b.unlaned_rows());
    let late_cells = b.late.first().map_or(0, |l| l.values.len());
    let hash_blocks = b.hash.first().map_or(0, crate::builder::HashLane::blocks);
    // The layout without the three-term gate is this one with each three-term step
    // spelled as three single steps.
    let (saved, late_saved) = b.mac3_savings();
    let range_only = b.range_only_lookups();
    // Range checks may move to range lanes, which lack the output column; the rest stay.
    let ranges = if range_only { 0 } else { b.range_lookups };
    // Without the three-term gate a Freivalds check has no Horner steps, so the layout would
    // choose its linear checks differently from this one: not an estimate to trust.
    let without = b.horner_steps == 0;
    for (k, mac3) in
        (4..=MAX_K).flat_map(|k| [(k, true), (k, false)]).filter(|&(_, m)| m || without)
    {
        let (cells, late_cells) =
            if mac3 { (cells, late_cells) } else { (cells + saved, late_cells + late_saved) };
        let usable = (1usize << k).saturating_sub(reserve);
        // A run (a chain, a Horner pass) is never split between lanes.
        if unlaned > usable || b.longest_run > usable {
            continue;
        }
        // 0.5% slack: runs are contiguous, so lanes never fill perfectly, but each goes to the
        // least-filled lane of its kind, so they come close; the fit loop in `plan_with` adds a
        // lane where they do not (2% slack took nanoGPT a second-phase lane more).
        let lanes = (cells + cells / 200).div_ceil(usable).max(1);
        let late_lanes = (late_cells + late_cells / 200).div_ceil(usable);
        let Some(hash_lanes) = hash_lanes_for(hash_blocks, usable) else {
            continue;
        };
        if lanes + late_lanes > cap {
            continue;
        }
        // Every lookup in lanes with an output column, or the range checks in range lanes.
        let shared = (lookups.div_ceil(usable).max(1), 0);
        let split = ((lookups - ranges).div_ceil(usable).max(1), ranges.div_ceil(usable));
        for (lookup_lanes, range_lanes) in
            if ranges > 0 { vec![shared, split] } else { vec![shared] }
        {
            let lanes_cost = LaneCount {
                gate: lanes + late_lanes,
                lookup: lookup_lanes,
                range: range_lanes,
                hash: hash_lanes,
            };
            let cost = cost(k, lanes_cost, range_only, mac3);
            // Past AUTO_COLUMNS lanes a plan is taken only when none within it was found.
            let within =
                lanes + late_lanes + lookup_lanes + range_lanes + hash_lanes <= AUTO_COLUMNS;
            let cost = if within { cost } else { cost.saturating_add(u128::MAX / 2) };
            if best.is_none_or(|b| cost < b.cost) {
                let shape = (lanes, late_lanes, lookup_lanes, hash_lanes);
                best = Some(Choice {
                    cost,
                    k,
                    shape,
                    limb,
                    bound_tables,
                    wide_bound_tables,
                    mac3,
                    range_lanes,
                });
            }
        }
    }
    best
}

/// Rows of every column that hold no assignment (blinding rows and the last one).
fn reserved_rows() -> usize {
    let shape = Shape { lanes: 1, lookup_lanes: 1, mac3: true, ..Shape::default() };
    (1usize << 4) - usable_rows(4, shape)
}

fn plan_with(q: &QGraph, max_lanes: Option<usize>, linear: LinearCheck) -> Result<Plan> {
    let cap = max_lanes.unwrap_or(usize::MAX).max(1);
    // Wide bound tables differ from narrow ones only for limbs of 12 bits and more.
    let choices: Vec<(u32, bool, bool)> = LIMB_CHOICES
        .iter()
        .flat_map(|&limb| [(limb, false, false), (limb, true, false), (limb, true, true)])
        .filter(|&(limb, _, wide)| !wide || limb >= 12)
        .collect();
    let Some(Choice {
        k,
        shape,
        limb: limb_bits,
        bound_tables,
        wide_bound_tables,
        mac3,
        mut range_lanes,
        ..
    }) = search(q, cap, linear, &choices)?
    else {
        return Err(CircuitError::TooLarge { rows: usize::MAX, max_k: MAX_K });
    };
    let (mut lanes, mut late_lanes, mut lookup_lanes, mut hash_lanes) = shape;
    let usable = (1usize << k).saturating_sub(reserved_rows());
    loop {
        let layout = Layout {
            late_lanes,
            linear,
            hash_lanes,
            bound_tables,
            wide_bound_tables,
            mac3,
            range_lanes,
            ..Layout::new(lanes, lookup_lanes, limb_bits)
        };
        let b = size_out(q, &layout)?;
        if b.rows() <= usable {
            return Ok(Plan { interface: Some(crate::Interface::of(q)), ..describe(&b, k) });
        }
        // A run taller than a column, or a table, the constants or the instances: no lane
        // count holds them at this k.
        if b.longest_run > usable || b.unlaned_rows() > usable {
            return Err(CircuitError::TooLarge { rows: b.rows(), max_k: MAX_K });
        }
        // Every kind of lane that overflows grows at once, to the lanes its cells fill (they
        // go to the least-filled lane of their kind, so they spread evenly), by one at least
        // and within the caps: a large circuit is laid out a few more times here, not once per
        // lane it lacks. From the lanes the layout has (Poseidon and second-phase lanes are
        // added on demand).
        let grow = |had: usize, (longest, cells): (usize, usize), room: usize, now: usize| {
            if longest <= usable {
                return Ok(now);
            }
            let lanes = cells.div_ceil(usable.max(1)).max(had + 1).min(room);
            if lanes > had {
                Ok(lanes)
            } else {
                Err(CircuitError::TooLarge { rows: longest, max_k: MAX_K })
            }
        };
        let full = b.lookups.len() - b.range_lanes;
        let gate_room = cap.min(MAX_LANES);
        hash_lanes =
            grow(b.hash.len(), fill(b.hash.iter().map(|l| l.s.len())), MAX_LANES, hash_lanes)?;
        range_lanes = grow(
            b.range_lanes,
            fill(b.lookups[full..].iter().map(|l| l.x.len())),
            MAX_LANES.saturating_sub(full),
            range_lanes,
        )?;
        lookup_lanes = grow(
            full,
            fill(b.lookups[..full].iter().map(|l| l.x.len())),
            MAX_LANES.saturating_sub(range_lanes),
            lookup_lanes,
        )?;
        late_lanes = grow(
            b.late.len(),
            fill(b.late.iter().map(|l| l.values.len())),
            gate_room.saturating_sub(b.lanes.len()),
            late_lanes,
        )?;
        lanes = grow(
            b.lanes.len(),
            fill(b.lanes.iter().map(|l| l.values.len())),
            gate_room.saturating_sub(late_lanes),
            lanes,
        )?;
    }
}

/// Most lanes of a kind (gate lanes of both phases together) the planner lays out.
const MAX_LANES: usize = 4096;

fn describe(b: &Builder, k: u32) -> Plan {
    Plan {
        k,
        lanes: b.lanes.len(),
        late_lanes: b.late.len(),
        lookup_lanes: b.lookups.len() - b.range_lanes,
        range_lanes: b.range_lanes,
        limb_bits: b.limb_bits,
        bound_tables: b.bound_tables,
        wide_bound_tables: b.wide_bound_tables,
        rows: b.rows(),
        lane_cells: b.lanes.iter().map(|l| l.values.len()).sum(),
        late_cells: b.late.iter().map(|l| l.values.len()).sum(),
        linear: b.linear,
        lookup_cells: b.lookups.iter().map(|l| l.x.len()).sum(),
        table_rows: b.table.len(),
        copies: b.copy_count,
        instances: b.public.len(),
        range_only_lookups: b.range_only_lookups(),
        mac3: b.mac3,
        hash_lanes: b.hash.len(),
        hash_rows: b.hash.first().map_or(0, |l| l.s.len()),
        interface: None,
    }
}

/// The cells each ONNX node takes when the graph is laid out with a plan's shape (weights
/// under `"weights"`), from a layout that is only measured ([`size_out`]): where to cut a model.
///
/// # Errors
/// Unsupported primitives.
pub fn node_cells(q: &QGraph, plan: &Plan) -> Result<std::collections::BTreeMap<String, usize>> {
    Ok(size_out(q, &plan.layout())?.node_cells)
}

/// Lays out a graph with a plan's shape.
///
/// # Errors
/// Unsupported primitives.
pub fn lay_out_planned(q: &QGraph, witness: Option<&[Vec<i64>]>, plan: &Plan) -> Result<Builder> {
    lay_out(q, witness, &plan.layout())
}
