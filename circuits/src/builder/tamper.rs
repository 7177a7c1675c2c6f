//! Test hooks, compiled only with the `test-hooks` feature: ways to corrupt a recorded
//! circuit so soundness tests can check that each corruption is caught. The normal build has
//! neither these methods nor the state they set.

use super::{Builder, Cell, Col, HashLane, Lane, LookupLane};
use halo2_proofs::halo2curves::bn256::Fr;

impl Builder {
    /// Gate lanes, writable.
    pub fn lanes_mut(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }

    /// Lookup lanes, writable.
    pub fn lookup_lanes_mut(&mut self) -> &mut [LookupLane] {
        &mut self.lookups
    }

    /// Poseidon lanes, writable.
    pub fn hash_lanes_mut(&mut self) -> &mut [HashLane] {
        &mut self.hash
    }

    /// Public values, writable: a claim that differs from what the witness computes.
    pub fn public_values_mut(&mut self) -> &mut [Fr] {
        &mut self.public_values
    }

    /// Makes a cell's witness its integer value plus `t·2^−shift`: an arbitrary field
    /// element, for attacks that integers cannot express.
    pub fn offset_field(&mut self, cell: Cell, t: i128, shift: u32) {
        self.field_offsets.insert(cell, (t, shift));
    }

    /// Shifts the value synthesis computes for a second-phase cell by `d`.
    pub fn offset_late(&mut self, cell: Cell, d: i128) {
        self.late_offsets.insert(cell, d);
    }

    /// Every witness cell a prover chooses: gate lanes, second-phase lanes, lookup lanes.
    #[must_use]
    pub fn witness_cells(&self) -> Vec<Cell> {
        let mut cells = Vec::new();
        let mut lane = |col: fn(usize) -> Col, l: usize, rows: usize| {
            cells.extend((0..rows).map(|row| Cell { col: col(l), row }));
        };
        for (l, x) in self.lanes.iter().enumerate() {
            lane(Col::Lane, l, x.values.len());
        }
        for (l, x) in self.late.iter().enumerate() {
            lane(Col::Late, l, x.values.len());
        }
        let outputs = !self.range_only_lookups();
        let full = self.lookups.len() - self.range_lanes;
        for (l, x) in self.lookups.iter().enumerate() {
            lane(Col::LookupX, l, x.x.len());
            if outputs && l < full {
                lane(Col::LookupY, l, x.y.len());
            }
        }
        cells
    }

    /// A copy with one witness cell increased by one (a wide cell by one in the field, a
    /// second-phase cell after synthesis computes it).
    #[must_use]
    pub fn perturbed(&self, cell: Cell) -> Self {
        let mut bad = self.clone();
        let row = cell.row;
        match cell.col {
            Col::Lane(l) => match bad.lanes[l].wide.get_mut(&row) {
                Some(v) => *v += Fr::one(),
                None => bad.lanes[l].values[row] += 1,
            },
            Col::Late(_) => bad.offset_late(cell, 1),
            Col::LookupX(l) => bad.lookups[l].x[row] += 1,
            Col::LookupY(l) => bad.lookups[l].y[row] += 1,
            Col::Constant | Col::Hash(..) => {}
        }
        bad
    }
}
