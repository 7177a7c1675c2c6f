//! Where to cut a model: cut points chosen by the layout's cost estimate or named by the
//! user, and each part's circuit plan.

use crate::Result;
use zkinfer_circuits::{estimate_plan, node_cells, plan_within, Plan};
use zkinfer_prover::ProverError;
use zkinfer_quantize::partition::{boundary_elements, first_cuttable, split, Part};
use zkinfer_quantize::{QGraph, Settings};

/// Where to cut a quantized graph into `parts` parts of about equal circuit cost: before
/// ONNX nodes (never inside one), each cut placed where the estimated cells so far are
/// closest to its share, preferring, among nodes within a quarter share of it, the one that
/// hands on the fewest elements.
///
/// # Errors
/// Fewer ONNX nodes than parts, or a layout error while estimating.
pub fn choose_cuts(q: &QGraph, plan: &Plan, parts: usize) -> Result<Vec<usize>> {
    place_cuts(q, &Costs::of(q, plan)?, parts)
}

/// The estimated cells before each primitive (an ONNX node's cells counted once, at its first
/// primitive), and the ONNX node boundaries a cut may fall on.
struct Costs {
    before: Vec<usize>,
    total: usize,
    starts: Vec<usize>,
    start: usize,
}

impl Costs {
    fn of(q: &QGraph, plan: &Plan) -> Result<Self> {
        let start = first_cuttable(q);
        let starts: Vec<usize> = (start + 1..q.nodes.len())
            .filter(|&i| q.nodes[i].node != q.nodes[i - 1].node)
            .collect();
        let cells = node_cells(q, plan)?;
        let mut seen = std::collections::BTreeSet::new();
        let mut before = Vec::with_capacity(q.nodes.len() + 1);
        let mut total = 0usize;
        for n in &q.nodes {
            before.push(total);
            if seen.insert(n.node.as_str()) {
                total += cells.get(&n.node).copied().unwrap_or(0).max(1);
            }
        }
        Ok(Self { before, total, starts, start })
    }
}

fn place_cuts(q: &QGraph, costs: &Costs, parts: usize) -> Result<Vec<usize>> {
    let Costs { before: cost_before, total, starts, start } = costs;
    let (total, start) = (*total, *start);
    if parts < 2 || starts.len() + 1 < parts {
        return Err(ProverError::Mismatch {
            what: "partition".into(),
            detail: format!(
                "{parts} parts asked of a model of {} ONNX nodes: ask for 2 to {} parts",
                starts.len() + 1,
                starts.len() + 1
            ),
        }
        .into());
    }
    #[allow(clippy::cast_precision_loss)]
    let share = total as f64 / parts as f64;
    let mut cuts: Vec<usize> = Vec::new();
    for j in 1..parts {
        #[allow(clippy::cast_precision_loss)]
        let target = share * j as f64;
        let after = cuts.last().copied().unwrap_or(start);
        let left = parts - j; // parts still to place after this cut
        let usable: Vec<usize> = starts
            .iter()
            .copied()
            .filter(|&c| c > after && starts.iter().filter(|&&d| d > c).count() + 1 >= left)
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let off = |c: usize| (cost_before[c] as f64 - target).abs();
        let Some(nearest) = usable.iter().copied().min_by(|&a, &b| off(a).total_cmp(&off(b)))
        else {
            break;
        };
        let best = usable
            .iter()
            .copied()
            .filter(|&c| off(c) <= off(nearest) + share / 4.0)
            .min_by_key(|&c| (boundary_elements(q, c), c))
            .unwrap_or(nearest);
        cuts.push(best);
    }
    Ok(cuts)
}

/// Bytes of a proof's peak memory per row of a lane (any kind of lane, plus one for the fixed
/// and instance columns): a fit, not a bound. The peaks `cargo bench --bench prove` and
/// `--bench corpus` measured on 2026-12-05 (lenet_5 to nanoGPT, cifar10_cnn) come to 440 to
/// 545 bytes per row and lane beyond the base; this takes that top with a sixth more. (It was
/// 960 before circuits grew wider and keys leaner.)
const BYTES_PER_LANE_ROW: u64 = 640;
/// A Poseidon lane is six advice columns: it counts as this many lanes.
const HASH_LANE_WEIGHT: usize = 6;
/// The process before any proof: the binary, the model, the whole-model witness of a small
/// model.
const BASE_BYTES: u64 = 64 << 20;

/// The estimated peak memory of proving a circuit with this plan (see
/// [`BYTES_PER_LANE_ROW`]): what `--max-memory` compares each part with.
#[must_use]
pub fn estimated_peak_bytes(plan: &Plan) -> u64 {
    let lanes = plan.lanes
        + plan.late_lanes
        + plan.all_lookup_lanes()
        + plan.hash_lanes * HASH_LANE_WEIGHT
        + 1;
    let lanes = u64::try_from(lanes).unwrap_or(u64::MAX);
    BASE_BYTES
        .saturating_add((1u64 << plan.k).saturating_mul(lanes).saturating_mul(BYTES_PER_LANE_ROW))
}

/// A circuit's size as reports give it: k, lanes of each kind and the estimated peak memory
/// of proving it ([`estimated_peak_bytes`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CircuitSize {
    /// log2 of the rows.
    pub k: u32,
    /// Gate lanes.
    pub lanes: usize,
    /// Second-phase gate lanes.
    pub late_lanes: usize,
    /// Lookup lanes, range lanes included.
    pub lookup_lanes: usize,
    /// Poseidon lanes.
    pub hash_lanes: usize,
    /// [`estimated_peak_bytes`] of the plan.
    pub estimated_peak_bytes: u64,
}

impl CircuitSize {
    /// The size of a plan.
    #[must_use]
    pub fn of(plan: &Plan) -> Self {
        Self {
            k: plan.k,
            lanes: plan.lanes,
            late_lanes: plan.late_lanes,
            lookup_lanes: plan.all_lookup_lanes(),
            hash_lanes: plan.hash_lanes,
            estimated_peak_bytes: estimated_peak_bytes(plan),
        }
    }
}

/// Models whose whole circuit is estimated below this are sized by planning every part in
/// full (see [`parts_within`]).
const EXACT_SIZING: u64 = 8 << 30;

/// About the fewest balanced parts ([`choose_cuts`]) whose every part's estimated peak memory
/// ([`estimated_peak_bytes`]) is within `budget` bytes, planned.
///
/// A model beyond one machine has many parts, and sizing them all is a layout of the whole
/// model, so the count is searched, not stepped: each try sizes its parts from one layout
/// each ([`estimate_plan`]; a model estimated below 8 GiB is planned in full instead); from
/// the whole model's estimate over the budget, the count grows
/// by the worst part's excess until the parts fit, then bisects back to the fewest that fit
/// (the estimates are nearly, not strictly, monotone in the count). Only that count is planned
/// in full, and if a planned part is over the budget after all, the next count is tried.
///
/// # Errors
/// A model none of whose cuts fits the budget (the error gives the smallest part estimate
/// reached), or a layout error.
pub fn parts_within(
    q: &QGraph,
    plan: &Plan,
    settings: &Settings,
    budget: u64,
) -> Result<Vec<PlannedPart>> {
    let costs = Costs::of(q, plan)?;
    let nodes = costs.starts.len() + 1;
    let room = budget.saturating_sub(BASE_BYTES).max(1);
    let over = |peak: u64| peak.saturating_sub(BASE_BYTES).div_ceil(room);
    let worst = |parts: &[PlannedPart]| {
        parts.iter().map(|p| estimated_peak_bytes(&p.plan)).max().unwrap_or(0)
    };
    // A small model's parts are planned in full at every try: the search is cheap there, and
    // the estimate's one limb width overstates small circuits.
    let sizer: Planner =
        if estimated_peak_bytes(plan) <= EXACT_SIZING { plan_within } else { estimate_plan };
    let mut best = u64::MAX;
    // The worst part's estimate at `parts` parts.
    let mut sized = |parts: usize| -> Result<u64> {
        let cuts = place_cuts(q, &costs, parts)?;
        let peak = worst(&parts_at(q, settings, &cuts, sizer)?);
        best = best.min(peak);
        Ok(peak)
    };
    let mut fail = 1;
    let guess =
        usize::try_from(over(estimated_peak_bytes(plan))).unwrap_or(nodes).clamp(2, nodes.max(2));
    let mut parts = guess;
    let mut fits = None;
    while parts <= nodes {
        let peak = sized(parts)?;
        if peak <= budget {
            fits = Some(parts);
            break;
        }
        fail = parts;
        let grown = usize::try_from(over(peak)).unwrap_or(nodes).saturating_mul(parts);
        parts = grown.min(nodes).max(parts + 1);
    }
    if fits.is_none() {
        // Parts are not strictly smaller for being more (each also hashes or checks what it
        // receives), so fewer than the guess may fit where more did not.
        for parts in 2..guess.min(nodes + 1) {
            if sized(parts)? <= budget {
                (fail, fits) = (parts - 1, Some(parts));
                break;
            }
        }
    }
    if let Some(mut fit) = fits {
        while fit - fail > 1 {
            let mid = fail + (fit - fail) / 2;
            if sized(mid)? <= budget {
                fit = mid;
            } else {
                fail = mid;
            }
        }
        for parts in fit..=nodes {
            let planned = plan_parts_at(q, settings, &place_cuts(q, &costs, parts)?)?;
            let peak = worst(&planned);
            if peak <= budget {
                return Ok(planned);
            }
            best = best.min(peak);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    Err(ProverError::Mismatch {
        what: "memory budget".into(),
        detail: format!(
            "no cut of this model into 2 to {nodes} parts keeps every part within {:.2} GiB (the \
             least reached is {:.2} GiB, one ONNX node to a part at most): give more memory, or \
             lower --max-lanes so parts grow in k rather than in lanes",
            gib(budget),
            gib(best)
        ),
    }
    .into())
}

/// One part of a partition, planned: its graph, circuit plan and where it sits in the model.
#[derive(Clone, Debug)]
pub struct PlannedPart {
    /// The part's graph and its slice of the whole.
    pub part: Part,
    /// Its circuit plan.
    pub plan: Plan,
    /// The ONNX node of its first primitive.
    pub first_node: String,
    /// The ONNX node of its last primitive.
    pub last_node: String,
    /// Tensor elements it hands on to the next part (0 for the last).
    pub handed_on: usize,
    /// The whole graph's primitive it starts at: the cut before it.
    pub cut: usize,
}

/// Cuts a quantized model into `parts` parts ([`choose_cuts`]) and plans each part's circuit
/// with the model's lane cap and linear check: what `zkinfer prove --parts` proves and
/// `zkinfer inspect --parts` shows.
///
/// # Errors
/// A model too small to cut, or a layout error.
pub fn plan_parts(
    q: &QGraph,
    plan: &Plan,
    settings: &Settings,
    parts: usize,
) -> Result<Vec<PlannedPart>> {
    let cuts = choose_cuts(q, plan, parts)?;
    plan_parts_at(q, settings, &cuts)
}

/// Cuts a quantized model before each primitive of `cuts` (from [`choose_cuts`] or
/// [`cuts_at_nodes`]) and plans each part's circuit. A worker that proves one part calls it
/// with the cuts its driver chose, so every worker cuts the same way.
///
/// # Errors
/// Cuts out of order or outside the model, or a layout error.
pub fn plan_parts_at(q: &QGraph, settings: &Settings, cuts: &[usize]) -> Result<Vec<PlannedPart>> {
    parts_at(q, settings, cuts, plan_within)
}

/// Part `index` of a quantized model cut before each primitive of `cuts`, planned: what a
/// worker proving that part alone needs (the other parts are cut, not planned).
///
/// # Errors
/// As [`plan_parts_at`], or an index past the last part.
pub fn plan_part_at(
    q: &QGraph,
    settings: &Settings,
    cuts: &[usize],
    index: usize,
) -> Result<PlannedPart> {
    let mut parts = split(q, cuts)?;
    let count = parts.len();
    if index >= count {
        return Err(ProverError::Mismatch {
            what: "part".into(),
            detail: format!("part {index} asked of a model cut into {count} parts"),
        }
        .into());
    }
    let part = parts.swap_remove(index);
    planned(q, settings, part, index + 1 == count, plan_within)
}

type Planner =
    fn(&QGraph, Option<usize>, zkinfer_circuits::LinearCheck) -> zkinfer_circuits::Result<Plan>;

/// Cuts before `cuts` and plans every part with `planner`.
fn parts_at(
    q: &QGraph,
    settings: &Settings,
    cuts: &[usize],
    planner: Planner,
) -> Result<Vec<PlannedPart>> {
    let split = split(q, cuts)?;
    let n = split.len();
    // Parts are planned side by side: each layout is single-threaded, and one part's layout
    // holds far less than its proof will, which the budget already allows for.
    let jobs = std::thread::available_parallelism().map_or(1, usize::from).min(PLANNING_JOBS);
    super::in_parallel(n, jobs, |i| planned(q, settings, split[i].clone(), i + 1 == n, planner))
}

/// Parts planned at once at most (each holds its layout in memory).
const PLANNING_JOBS: usize = 4;

fn planned(
    q: &QGraph,
    settings: &Settings,
    part: Part,
    last: bool,
    planner: Planner,
) -> Result<PlannedPart> {
    let plan = planner(&part.graph, settings.max_lanes, settings.linear_check)?;
    let nodes = &q.nodes[part.nodes.clone()];
    Ok(PlannedPart {
        first_node: nodes.first().map(|n| n.node.clone()).unwrap_or_default(),
        last_node: nodes.last().map(|n| n.node.clone()).unwrap_or_default(),
        handed_on: if last { 0 } else { boundary_elements(q, part.nodes.end) },
        cut: part.nodes.start,
        part,
        plan,
    })
}

/// The cuts before the ONNX nodes named in `names` (each cut falls before the node's first
/// primitive), in model order: `zkinfer prove --cut NODE,...`.
///
/// # Errors
/// A name that is no ONNX node of the model, the model's first node (nothing would come
/// before the cut), or a node named twice.
pub fn cuts_at_nodes(q: &QGraph, names: &[String]) -> Result<Vec<usize>> {
    let start = first_cuttable(q);
    let mut cuts = Vec::with_capacity(names.len());
    for name in names {
        let Some(at) = (start..q.nodes.len()).find(|&i| q.nodes[i].node == *name) else {
            let known: Vec<&str> = {
                let mut seen = std::collections::BTreeSet::new();
                q.nodes[start..]
                    .iter()
                    .map(|n| n.node.as_str())
                    .filter(|n| seen.insert(*n))
                    .take(12)
                    .collect()
            };
            return Err(ProverError::Mismatch {
                what: "cut".into(),
                detail: format!(
                    "'{name}' is not an ONNX node of this model (its nodes begin {}; \
                     `zkinfer inspect` lists them all)",
                    known.join(", ")
                ),
            }
            .into());
        };
        if at == start {
            return Err(ProverError::Mismatch {
                what: "cut".into(),
                detail: format!(
                    "'{name}' is the model's first node: a cut before it leaves the first part \
                     empty; name a later node"
                ),
            }
            .into());
        }
        if cuts.contains(&at) {
            return Err(ProverError::Mismatch {
                what: "cut".into(),
                detail: format!("'{name}' is named twice"),
            }
            .into());
        }
        cuts.push(at);
    }
    cuts.sort_unstable();
    Ok(cuts)
}
