//! The virtual circuit: cells, gates, lookups and copies recorded independently of halo2.
//!
//! Chips append cells to *lanes* (advice columns that all carry the same two gates) and to
//! *lookup lanes* (advice columns checked against the tagged table). The layout is fixed by
//! the quantized graph alone, never by witness values, so keygen and proving build the same
//! circuit; without a witness every value is 0 and marked unknown at synthesis.

mod access;
mod late_value;
mod split;
#[cfg(feature = "test-hooks")]
mod tamper;

pub use late_value::LateValue;
pub use split::Split;

use crate::field::fe;
use halo2_proofs::halo2curves::bn256::Fr;
use std::collections::BTreeMap;

/// Where a cell lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Col {
    /// A gate lane.
    Lane(usize),
    /// A second-phase gate lane, assigned after the challenge is drawn (see [`crate::freivalds`]).
    Late(usize),
    /// The looked-up input column of a lookup lane.
    LookupX(usize),
    /// The looked-up output column of a lookup lane.
    LookupY(usize),
    /// The fixed column of constants.
    Constant,
    /// Word `w` of a Poseidon lane: 0–2 the state entering the row, 3–5 the row's auxiliary
    /// words (see [`HashLane`]).
    Hash(usize, usize),
}

/// A placed cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell {
    /// Column.
    pub col: Col,
    /// Row.
    pub row: usize,
}

/// The gates a lane row can switch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// `a[0] + a[1]·a[2] = a[3]`.
    MulAdd,
    /// `a[0] + f[0] + f[1]·a[1] = a[2]` with fixed `f` (`f[0]`: a linear combination's
    /// constant on its first step, 0 elsewhere).
    Mac,
    /// `a[0] + f[0] + f[1]·a[1] + f[2]·a[2] + f[3]·a[3] = a[4]` with fixed `f`.
    Mac3,
}

/// One lane: an advice column with its two fixed companions (gate selector and coefficient).
#[derive(Clone, Debug, Default)]
pub struct Lane {
    /// Advice values.
    pub values: Vec<i128>,
    /// Rows where the multiply-add gate is on.
    pub mul_add: Vec<usize>,
    /// Rows where the multiply-accumulate gate is on.
    pub mac: Vec<usize>,
    /// Rows where the three-term multiply-accumulate gate is on.
    pub mac3: Vec<usize>,
    /// Fixed coefficient `f` per row (sparse).
    pub coef: BTreeMap<usize, i128>,
    /// Advice values too wide for `i128` (packed words and their partial sums, running
    /// products of a max/min reduction), which replace the row's entry in `values` (0 there).
    pub wide: BTreeMap<usize, Fr>,
    /// Coefficients too wide for `i128` (powers of two of packed digits), likewise.
    pub wide_coef: BTreeMap<usize, Fr>,
}

/// One lookup lane: an advice column `x`, an advice column `y` and a fixed tag column.
#[derive(Clone, Debug, Default)]
pub struct LookupLane {
    /// Looked-up inputs.
    pub x: Vec<i128>,
    /// Looked-up outputs (0 for range checks).
    pub y: Vec<i128>,
    /// Table tag per row.
    pub tag: Vec<u64>,
}

/// The longest run [`Builder::free_cells`] places in one lane.
pub const FREE_RUN: usize = 1 << 10;

/// One Poseidon lane: six advice columns that run permutations in blocks of
/// [`HASH_BLOCK`] rows (see `poseidon::chip`).
#[derive(Clone, Debug, Default)]
pub struct HashLane {
    /// Per row, the state entering it.
    pub s: Vec<[Fr; 3]>,
    /// Per row, the message and capacity words on absorb rows, the S-box squares on rounds.
    pub w: Vec<[Fr; 3]>,
    /// Per block, whether it continues the previous block's sponge (else it starts one).
    pub cont: Vec<bool>,
    /// Per block, what it hashes (an index into the builder's hash groups).
    pub group: Vec<usize>,
}

impl HashLane {
    /// Blocks laid out.
    #[must_use]
    pub fn blocks(&self) -> usize {
        self.cont.len()
    }
}

/// Rows of one Poseidon block: an absorb row, then a row per round.
pub const HASH_BLOCK: usize = 1 + crate::poseidon::ROUNDS;

/// Tag of the range table for `bits`-bit values; function tables use tags above 64.
#[must_use]
pub fn range_tag(bits: u32) -> u64 {
    u64::from(bits)
}

/// Bound tables that are not wide hold bounds below 2^13 (see [`Builder::bound_table`]).
const NARROW_BOUND_BITS: u32 = 13;

/// First tag of function tables.
pub const FUNCTION_TAG_BASE: u64 = 64;

pub use zkinfer_quantize::LinearCheck;

/// The shape a layout is recorded into: the planner's choice, or a test's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Gate lanes.
    pub lanes: usize,
    /// Second-phase gate lanes (0 when no layer uses a Freivalds check).
    pub late_lanes: usize,
    /// Lookup lanes with an output column (each its own lookup argument, as a range lane is).
    pub lookup_lanes: usize,
    /// Range lanes: lookup lanes without an output column, for range checks only (see
    /// [`crate::config::Shape::range_lanes`]). With none, range checks share the lookup lanes.
    pub range_lanes: usize,
    /// Largest range-check limb, in bits.
    pub limb_bits: u32,
    /// How linear layers are checked.
    pub linear: LinearCheck,
    /// Poseidon lanes (one added on demand when a tensor group is hashed).
    pub hash_lanes: usize,
    /// Whether bounded values are checked by one lookup in a table of exactly `[−B, B]`
    /// (whose output column holds `max(v, 0)`, so a ReLU reading the value is free) where
    /// that table is no larger than the range tables: a choice of the planner, since the
    /// tables make the circuit taller.
    pub bound_tables: bool,
    /// Whether bound tables may hold bounds up to 2^(limb+2) (a 16-bit limb's: every 16-bit
    /// value in one lookup); otherwise they stop below 2^13, a 13-bit value's. Each distinct
    /// bound gets its own table, so whether the rows pay off is the planner's choice.
    pub wide_bound_tables: bool,
    /// Whether lanes carry the three-term mac gate (see `config::lane`): linear combinations
    /// take a third fewer cells, every lane row costs the quotient a third gate. A choice of
    /// the planner, by what the layout gains.
    pub mac3: bool,
}

impl Layout {
    /// `lanes` gate lanes and `lookup_lanes` lookup lanes with limbs of `limb_bits` bits, a
    /// second-phase lane added on demand and linear layers checked as the cost model says.
    #[must_use]
    pub fn new(lanes: usize, lookup_lanes: usize, limb_bits: u32) -> Self {
        Self {
            lanes,
            late_lanes: 0,
            lookup_lanes,
            range_lanes: 0,
            limb_bits,
            linear: LinearCheck::Auto,
            hash_lanes: 0,
            bound_tables: false,
            wide_bound_tables: false,
            mac3: true,
        }
    }
}

/// The first row each column had free when a primitive began: the primitive owns every cell
/// from there up to where the next one began.
#[derive(Clone, Debug)]
pub struct NodeSpan {
    /// ONNX node name.
    pub node: String,
    /// ONNX op.
    pub op: String,
    lanes: Vec<usize>,
    late: Vec<usize>,
    lookups: Vec<usize>,
}

impl NodeSpan {
    /// A span starting at row 0 of every column of `b`.
    pub(crate) fn at_start(b: &Builder, node: &str, op: &str) -> Self {
        Self {
            node: node.into(),
            op: op.into(),
            lanes: vec![0; b.lanes.len()],
            late: vec![0; b.late.len()],
            lookups: vec![0; b.lookups.len()],
        }
    }

    pub(crate) fn start(&self, col: Col) -> Option<usize> {
        match col {
            Col::Lane(l) => self.lanes.get(l).copied(),
            // A second-phase lane added on demand starts empty.
            Col::Late(l) => Some(self.late.get(l).copied().unwrap_or(0)),
            Col::LookupX(l) | Col::LookupY(l) => self.lookups.get(l).copied(),
            Col::Constant | Col::Hash(..) => None,
        }
    }
}

/// Index of the lane with the fewest cells (the first of equals).
pub(crate) fn least_filled(lanes: &[Lane]) -> usize {
    (0..lanes.len()).min_by_key(|&i| lanes[i].values.len()).unwrap_or(0)
}

/// The recorded circuit.
#[derive(Clone, Debug)]
pub struct Builder {
    /// Gate lanes.
    pub(crate) lanes: Vec<Lane>,
    /// Second-phase gate lanes; their values are placeholders, the real ones follow from
    /// [`Builder::late_log`] and the challenge at synthesis.
    pub(crate) late: Vec<Lane>,
    /// How each second-phase cell's value is computed, in creation order.
    pub(crate) late_log: Vec<(Cell, LateValue)>,
    /// Powers of the challenge laid out so far (`powers[j]` holds c^j).
    pub(crate) powers: Vec<Cell>,
    /// How linear layers are checked.
    pub(crate) linear: LinearCheck,
    /// Lookup lanes: those with an output column (unless every lookup is a range check, see
    /// [`Self::range_only_lookups`]), then `range_lanes` without.
    pub(crate) lookups: Vec<LookupLane>,
    /// Trailing lookup lanes without an output column, for range checks only.
    pub(crate) range_lanes: usize,
    /// Range checks looked up so far (in any lane): what range lanes could take.
    pub(crate) range_lookups: usize,
    /// Distinct constants, placed in the constant column.
    pub(crate) constants: Vec<i128>,
    constant_rows: BTreeMap<i128, usize>,
    /// Equality constraints.
    pub(crate) copies: Vec<(Cell, Cell)>,
    /// Cells exposed as public instances, in order.
    pub(crate) public: Vec<Cell>,
    /// Values of the public cells.
    pub(crate) public_values: Vec<Fr>,
    /// Poseidon lanes.
    pub(crate) hash: Vec<HashLane>,
    /// What each hashed group is (named in failures).
    pub(crate) hash_groups: Vec<String>,
    /// Largest range-check limb, in bits.
    pub(crate) limb_bits: u32,
    /// Whether bound tables may be used (see [`Layout::bound_tables`]).
    pub(crate) bound_tables: bool,
    /// Whether bound tables may be wide (see [`Layout::wide_bound_tables`]).
    pub(crate) wide_bound_tables: bool,
    /// Whether lanes carry the three-term mac gate (see [`Layout::mac3`]).
    pub(crate) mac3: bool,
    /// Three-term Horner steps on second-phase lanes (see
    /// `FreivaldsInstructions::late_powers_sum`): without the three-term gate the Freivalds
    /// checks would be chosen differently, so the planner keeps the gate where there are any.
    pub(crate) horner_steps: usize,
    /// Tag of each bound table registered so far, by bound.
    bound_tags: BTreeMap<u64, u64>,
    /// Entries of the tagged table: (tag, x, y).
    pub(crate) table: Vec<(u64, i128, i128)>,
    /// Whether values are a real witness.
    pub(crate) known: bool,
    /// Whether the layout is only measured (the planner's): equality constraints are counted,
    /// not kept, and fixed coefficients and second-phase rules are not recorded, which on a
    /// large model is most of a layout's memory. Such a builder is never synthesized.
    pub(crate) sizing: bool,
    /// Equality constraints made (kept in `copies` unless sizing).
    pub(crate) copy_count: usize,
    /// Whether an equality constraint touches a lookup output cell.
    pub(crate) lookup_output_copied: bool,
    /// The longest contiguous run placed in a gate lane of either phase: no lane count holds
    /// a circuit whose columns are shorter.
    pub(crate) longest_run: usize,
    /// Test hook (see [`Builder::offset_field`]): cells whose witness is the integer value
    /// plus `t·2^−shift`, an arbitrary field element.
    #[cfg(feature = "test-hooks")]
    pub(crate) field_offsets: BTreeMap<Cell, (i128, u32)>,
    /// Test hook (see [`Builder::offset_late`]): second-phase cells whose computed value is
    /// shifted by an integer.
    #[cfg(feature = "test-hooks")]
    pub(crate) late_offsets: BTreeMap<Cell, i128>,
    /// Advice cells each ONNX node occupies, for `zkinfer inspect`.
    pub(crate) node_cells: BTreeMap<String, usize>,
    /// Where each primitive's cells start, in layout order, so a failing cell can be traced
    /// back to its ONNX node (see [`Builder::owner`]).
    pub(crate) spans: Vec<NodeSpan>,
    /// Cells whose bound is already proven, with their positive part (and magnitude), so a
    /// ReLU, Abs or Max reading them reuses the proof (see [`Split`]).
    pub(crate) splits: BTreeMap<Cell, Split>,
    /// Differences `a − b` a claimed extreme laid out as its gaps, by `(a, b)`, so the
    /// softmax's `max(x) − x` that follows its row maximum reuses them (see
    /// [`Builder::difference`]).
    pub(crate) differences: BTreeMap<(Cell, Cell), Cell>,
    /// Range checks that a later table lookup of the same cell may make redundant (a row
    /// maximum's gaps, which softmax's exp looks up): the cell, its bits and the span of the
    /// node that asked (see [`Builder::range_check_unless_looked_up`]).
    pub(crate) deferred_ranges: Vec<(Cell, u32, usize)>,
    /// Cells a table lookup proved to lie on a grid of non-negative inputs.
    pub(crate) looked_up: std::collections::BTreeSet<Cell>,
    function_tables: u64,
}

impl Builder {
    /// An empty circuit of the given shape.
    #[must_use]
    pub fn new(layout: &Layout, known: bool) -> Self {
        let Layout {
            lanes,
            late_lanes,
            lookup_lanes,
            range_lanes,
            limb_bits,
            linear,
            hash_lanes,
            bound_tables,
            wide_bound_tables,
            mac3,
        } = *layout;
        let mut table = vec![(0, 0, 0)];
        for bits in 1..=limb_bits {
            table.extend((0..1i128 << bits).map(|v| (range_tag(bits), v, 0)));
        }
        Self {
            lanes: vec![Lane::default(); lanes.max(1)],
            late: vec![Lane::default(); late_lanes],
            late_log: Vec::new(),
            powers: Vec::new(),
            linear,
            lookups: vec![LookupLane::default(); lookup_lanes.max(1) + range_lanes],
            range_lanes,
            range_lookups: 0,
            constants: Vec::new(),
            constant_rows: BTreeMap::new(),
            copies: Vec::new(),
            public: Vec::new(),
            public_values: Vec::new(),
            hash: vec![HashLane::default(); hash_lanes],
            hash_groups: Vec::new(),
            limb_bits,
            bound_tables,
            wide_bound_tables,
            mac3,
            horner_steps: 0,
            bound_tags: BTreeMap::new(),
            table,
            known,
            sizing: false,
            copy_count: 0,
            lookup_output_copied: false,
            longest_run: 0,
            node_cells: BTreeMap::new(),
            spans: Vec::new(),
            #[cfg(feature = "test-hooks")]
            field_offsets: BTreeMap::new(),
            #[cfg(feature = "test-hooks")]
            late_offsets: BTreeMap::new(),
            splits: BTreeMap::new(),
            differences: BTreeMap::new(),
            deferred_ranges: Vec::new(),
            looked_up: std::collections::BTreeSet::new(),
            function_tables: 0,
        }
    }

    /// Rows used by the busiest column or the table.
    #[must_use]
    pub fn rows(&self) -> usize {
        let lanes = self.lanes.iter().chain(&self.late).map(|l| l.values.len()).max().unwrap_or(0);
        let lookups = self.lookups.iter().map(|l| l.x.len()).max().unwrap_or(0);
        let hash = self.hash.iter().map(|l| l.s.len()).max().unwrap_or(0);
        lanes.max(lookups).max(hash).max(self.unlaned_rows())
    }

    /// Rows of the columns no lane count shortens: the table, the constants and the
    /// instances.
    #[must_use]
    pub fn unlaned_rows(&self) -> usize {
        self.table.len().max(self.constants.len()).max(self.public.len())
    }

    /// Total advice cells used.
    #[must_use]
    pub fn cells(&self) -> usize {
        self.lanes.iter().chain(&self.late).map(|l| l.values.len()).sum::<usize>()
            + self.lookups.iter().map(|l| l.x.len()).sum::<usize>()
    }

    /// Marks the start of an ONNX node's cells.
    pub fn begin_node(&mut self, node: &str, op: &str) {
        let lens = |ls: &[Lane]| ls.iter().map(|l| l.values.len()).collect();
        self.spans.push(NodeSpan {
            node: node.to_string(),
            op: op.to_string(),
            lanes: lens(&self.lanes),
            late: lens(&self.late),
            lookups: self.lookups.iter().map(|l| l.x.len()).collect(),
        });
    }

    /// Proves `v` in `[0, 2^bits)`, unless a table lookup of `v` (recorded by
    /// [`Builder::looked_up_non_negative`] before the layout ends) proves it in `[0, B)` for
    /// a small `B`, which serves a caller that needs `v ≥ 0` and no wrap-around: a row
    /// maximum's gap, which softmax's exp then looks up. Settled once the layout is done.
    pub(crate) fn range_check_unless_looked_up(&mut self, v: Cell, bits: u32) {
        let span = self.spans.len().saturating_sub(1);
        self.deferred_ranges.push((v, bits, span));
    }

    /// Records that a table lookup proved `x` an input of a table whose inputs are all
    /// non-negative and small.
    pub(crate) fn looked_up_non_negative(&mut self, x: Cell) {
        self.looked_up.insert(x);
    }

    /// The ONNX node (name, op) whose primitive laid out a cell; `None` for the constant
    /// column and cells past the layout.
    #[must_use]
    pub fn owner(&self, cell: Cell) -> Option<(&str, &str)> {
        let len = match cell.col {
            Col::Lane(l) => self.lanes.get(l).map(|x| x.values.len()),
            Col::Late(l) => self.late.get(l).map(|x| x.values.len()),
            Col::LookupX(l) | Col::LookupY(l) => self.lookups.get(l).map(|x| x.x.len()),
            Col::Constant => None,
            Col::Hash(l, _) => {
                let lane = self.hash.get(l)?;
                let g = *lane.group.get(cell.row / HASH_BLOCK)?;
                return Some((self.hash_groups.get(g)?.as_str(), "Poseidon"));
            }
        }?;
        if cell.row >= len {
            return None;
        }
        // Starts never decrease along the spans: the owner is the last span starting at or
        // before the row (earlier spans with the same start laid out nothing there).
        let i = self.spans.partition_point(|s| s.start(cell.col).is_some_and(|r| r <= cell.row));
        let s = self.spans.get(i.checked_sub(1)?)?;
        Some((s.node.as_str(), s.op.as_str()))
    }

    /// The same recording marked as holding no witness, as halo2's `without_witnesses` wants.
    #[must_use]
    pub fn without_witness(&self) -> Self {
        let mut b = self.clone();
        b.known = false;
        b
    }

    /// Appends `values` as one contiguous run in the least-filled lane and returns the cells.
    pub fn run(&mut self, values: &[i128]) -> Vec<Cell> {
        let lane = least_filled(&self.lanes);
        let start = self.lanes[lane].values.len();
        self.lanes[lane].values.extend_from_slice(values);
        self.longest_run = self.longest_run.max(values.len());
        (0..values.len()).map(|i| Cell { col: Col::Lane(lane), row: start + i }).collect()
    }

    /// Places cells no gate spans (model inputs, witness weights) in runs of at most
    /// [`FREE_RUN`] cells, so no single run is taller than a column: a part of a cut model can
    /// receive more values than a column has rows.
    pub fn free_cells(&mut self, values: &[i128]) -> Vec<Cell> {
        values.chunks(FREE_RUN).flat_map(|c| self.run(c)).collect()
    }

    /// Switches a gate on at a lane cell.
    pub fn enable(&mut self, gate: Gate, at: Cell) {
        if let Some(lane) = self.lane_mut(at.col) {
            match gate {
                Gate::MulAdd => lane.mul_add.push(at.row),
                Gate::Mac => lane.mac.push(at.row),
                Gate::Mac3 => lane.mac3.push(at.row),
            }
        }
    }

    /// Sets the fixed coefficient of a lane cell (the mac gates read it on the rows below
    /// their selector as term coefficients and at the selector row as a constant; a
    /// second-phase multiply-add gate at its selector row).
    pub fn set_coef(&mut self, at: Cell, coef: i128) {
        if self.sizing {
            return;
        }
        if let Some(lane) = self.lane_mut(at.col) {
            lane.coef.insert(at.row, coef);
        }
    }

    /// Records a wide value and/or coefficient at a lane cell (see [`Lane::wide`]). Values are
    /// kept only for a real witness.
    pub fn set_wide(&mut self, at: Cell, value: Option<Fr>, coef: Option<Fr>) {
        let (known, sizing) = (self.known, self.sizing);
        if let Some(lane) = self.lane_mut(at.col) {
            if let Some(v) = value.filter(|_| known) {
                lane.wide.insert(at.row, v);
            }
            if let Some(c) = coef.filter(|_| !sizing) {
                lane.wide_coef.insert(at.row, c);
            }
        }
    }

    fn lane_mut(&mut self, col: Col) -> Option<&mut Lane> {
        match col {
            Col::Lane(l) => self.lanes.get_mut(l),
            Col::Late(l) => self.late.get_mut(l),
            _ => None,
        }
    }

    /// Value of a cell (0 for second-phase cells, whose values are field elements that
    /// depend on the challenge, and for Poseidon cells, see [`Builder::field_value`]).
    #[must_use]
    pub fn value(&self, c: Cell) -> i128 {
        match c.col {
            Col::Lane(l) => self.lanes[l].values[c.row],
            Col::Late(_) | Col::Hash(..) => 0,
            Col::LookupX(l) => self.lookups[l].x[c.row],
            Col::LookupY(l) => self.lookups[l].y[c.row],
            Col::Constant => self.constants[c.row],
        }
    }

    /// Constrains two cells equal.
    pub fn copy(&mut self, a: Cell, b: Cell) {
        if a != b {
            self.copy_count += 1;
            self.lookup_output_copied |=
                matches!(a.col, Col::LookupY(_)) || matches!(b.col, Col::LookupY(_));
            if !self.sizing {
                self.copies.push((a, b));
            }
        }
    }

    /// The constant-column cell holding `v`.
    pub fn constant(&mut self, v: i128) -> Cell {
        let row = match self.constant_rows.get(&v) {
            Some(&r) => r,
            None => {
                self.constants.push(v);
                self.constant_rows.insert(v, self.constants.len() - 1);
                self.constants.len() - 1
            }
        };
        Cell { col: Col::Constant, row }
    }

    /// Value of a cell as a field element (Poseidon cells and wide lane cells hold arbitrary
    /// ones).
    #[must_use]
    pub fn field_value(&self, c: Cell) -> Fr {
        match c.col {
            Col::Lane(l) if !self.lanes[l].wide.is_empty() => {
                self.lanes[l].wide.get(&c.row).copied().unwrap_or_else(|| fe(self.value(c)))
            }
            Col::Hash(l, w) if w < 3 => self.hash[l].s[c.row][w],
            Col::Hash(l, w) => self.hash[l].w[c.row][w - 3],
            _ => fe(self.value(c)),
        }
    }

    /// Exposes a cell as the next public instance.
    pub fn expose(&mut self, c: Cell) {
        let v = self.field_value(c);
        self.public.push(c);
        self.public_values.push(v);
    }

    /// Looks `x` up in the table with `tag`; `y_value` is the table's output for it. Returns
    /// the cell holding `y`, in a lane with an output column (a range check whose output is
    /// never read belongs in [`Self::range_lookup`]).
    pub fn lookup(&mut self, tag: u64, x: Cell, y_value: i128) -> Cell {
        let lane = self.lookup_lane(false);
        let (looked, y) = self.lookup_in(lane, tag, self.value(x), y_value);
        self.copy(x, looked);
        y
    }

    /// Looks `x` up in the range table with `tag` (whose outputs are 0, never read): in a
    /// range lane when there is one.
    pub fn range_lookup(&mut self, tag: u64, x: Cell) {
        debug_assert!(tag < FUNCTION_TAG_BASE, "a range lane takes range tables only");
        let lane = self.lookup_lane(true);
        let (looked, _) = self.lookup_in(lane, tag, self.value(x), 0);
        self.copy(x, looked);
    }

    /// A new cell holding `value`, looked up in the range table with `tag` (whose outputs
    /// are 0, never read): in a range lane when there is one. Range-check limbs are born
    /// here: a copy into a gate lane would cost a cell and prove nothing more.
    pub fn lookup_cell(&mut self, tag: u64, value: i128) -> Cell {
        debug_assert!(tag < FUNCTION_TAG_BASE, "a range lane takes range tables only");
        let lane = self.lookup_lane(true);
        self.lookup_in(lane, tag, value, 0).0
    }

    /// New input and output cells of a lookup in the table with `tag`: `(x, y)` must be one of
    /// its entries.
    pub fn lookup_pair(&mut self, tag: u64, x: i128, y: i128) -> (Cell, Cell) {
        let lane = self.lookup_lane(false);
        self.lookup_in(lane, tag, x, y)
    }

    /// The least filled lookup lane for a lookup: a range lane for a range check when there
    /// are any (the range checks are counted, for the planner), else a lane with an output.
    fn lookup_lane(&mut self, range: bool) -> usize {
        let full = self.lookups.len() - self.range_lanes;
        let lanes = if range && self.range_lanes > 0 { full..self.lookups.len() } else { 0..full };
        if range {
            self.range_lookups += 1;
        }
        lanes.min_by_key(|&i| self.lookups[i].x.len()).unwrap_or(0)
    }

    fn lookup_in(&mut self, lane: usize, tag: u64, x: i128, y: i128) -> (Cell, Cell) {
        let l = &mut self.lookups[lane];
        l.x.push(x);
        l.y.push(y);
        l.tag.push(tag);
        let row = l.x.len() - 1;
        (Cell { col: Col::LookupX(lane), row }, Cell { col: Col::LookupY(lane), row })
    }

    /// Whether every lookup is a range check whose output is never read: no table entry has a
    /// nonzero output and no output cell is copied or exposed. Such a circuit needs no output
    /// column (see [`crate::config::Shape::range_only_lookups`]).
    #[must_use]
    pub fn range_only_lookups(&self) -> bool {
        let output = |c: &Cell| matches!(c.col, Col::LookupY(_));
        self.table.iter().all(|&(_, _, y)| y == 0)
            && !self.lookup_output_copied
            && !self.public.iter().any(output)
    }

    /// Cells the three-term mac steps saved: each adds three terms in four cells where single
    /// steps take six. First-phase and second-phase lanes. A layout with Horner steps has no
    /// estimate without the gate (the planner does not consider one, see `plan::cheapest`).
    #[must_use]
    pub fn mac3_savings(&self) -> (usize, usize) {
        let saved = |lanes: &[Lane]| 2 * lanes.iter().map(|l| l.mac3.len()).sum::<usize>();
        (saved(&self.lanes), saved(&self.late))
    }

    /// The steps of a multiply-accumulate chain over `terms`, each the terms it adds: threes
    /// (the three-term mac, 4 cells) while three remain and the lanes have the gate, then
    /// ones (the mac, 2 cells). A step of `w` terms starts at its running sum and ends `w + 1`
    /// cells on, at the next.
    pub(crate) fn mac_steps<'t>(&self, terms: &'t [(Cell, i128)]) -> Vec<&'t [(Cell, i128)]> {
        let threes = if self.mac3 { terms.len() / 3 * 3 } else { 0 };
        let (full, rest) = terms.split_at(threes);
        full.chunks(3).chain(rest.chunks(1)).collect()
    }

    /// Whether any bound table was registered.
    #[must_use]
    pub fn uses_bound_tables(&self) -> bool {
        !self.bound_tags.is_empty()
    }

    /// A bound table proving `|v| ≤ B` for some `bound ≤ B ≤ loosest`, with its `B`: the
    /// tightest one already registered, else the one for `bound` (see [`Self::bound_table`]).
    /// An inexact check (a quotient's: `loosest > bound`) shares any table within its width
    /// but registers only a narrow one of its own: a rescaled mean or a pooled sum has a
    /// bound of its own and few values, which a wide table's rows would not pay for. (A
    /// bound that is already a full width, `2^k − 1`, cannot be loosened and is treated like
    /// an exact one.)
    pub fn bound_table_within(&mut self, bound: u64, loosest: u64) -> Option<(u64, u64)> {
        if let Some((&b, &tag)) = self.bound_tags.range(bound..=loosest).next() {
            return Some((tag, b));
        }
        if loosest > bound && u128::from(bound) >= 1u128 << NARROW_BOUND_BITS {
            return None;
        }
        self.bound_table(bound).map(|tag| (tag, bound))
    }

    /// The tag of the table of `(v, max(v, 0))` for `|v| ≤ bound`, registered on first use;
    /// `None` when bound tables are off or this one would be too large: past 2^(limb+2)
    /// entries, and, unless they may be wide, past the 2^14 of a 13-bit value's table (the
    /// `balanced` target's activations). Each distinct bound gets its own table, and a wider
    /// one, say the 14-bit sum of two activations, may serve a few hundred values.
    pub fn bound_table(&mut self, bound: u64) -> Option<u64> {
        let bits = if self.wide_bound_tables { self.limb_bits + 2 } else { NARROW_BOUND_BITS };
        if !self.bound_tables || u128::from(bound) >= 1u128 << bits.min(self.limb_bits + 2) {
            return None;
        }
        if let Some(&tag) = self.bound_tags.get(&bound) {
            return Some(tag);
        }
        let b = i128::from(bound);
        let tag = self.add_function_table((-b..=b).map(|v| (v, v.max(0))));
        self.bound_tags.insert(bound, tag);
        Some(tag)
    }

    /// Drops the range tables no lookup reads. Every width up to the limb is registered up
    /// front (a lookup's tag must exist when it is laid out), but a layout reads a few of
    /// them: with 16-bit limbs the unused narrower ones alone would be 2^16 rows, which would
    /// make the circuit taller for nothing. Which tags are read depends on the graph only, not
    /// on the witness, so keygen and proving keep the same table.
    pub(crate) fn drop_unused_range_tables(&mut self) {
        let read: std::collections::HashSet<u64> =
            self.lookups.iter().flat_map(|l| l.tag.iter().copied()).collect();
        self.table
            .retain(|&(tag, _, _)| tag == 0 || tag >= FUNCTION_TAG_BASE || read.contains(&tag));
    }

    /// Registers a function table; returns its tag.
    pub fn add_function_table(&mut self, entries: impl Iterator<Item = (i128, i128)>) -> u64 {
        let tag = FUNCTION_TAG_BASE + self.function_tables;
        self.function_tables += 1;
        self.table.extend(entries.map(|(x, y)| (tag, x, y)));
        tag
    }
}
