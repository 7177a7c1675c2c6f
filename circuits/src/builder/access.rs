//! Read-only views of a recorded circuit, for the prover (public values), `zkinfer inspect`
//! and tests. The fields stay private so that only chips, through the builder's methods,
//! add cells, gates and copies.

use super::{Builder, Cell, HashLane, Lane, LateValue, LookupLane};
use halo2_proofs::halo2curves::bn256::Fr;

impl Builder {
    /// Values of the public instance column, in order: what a verifier is handed.
    #[must_use]
    pub fn public_values(&self) -> &[Fr] {
        &self.public_values
    }

    /// The cells exposed as public instances, in the order of [`Builder::public_values`].
    #[must_use]
    pub fn public_cells(&self) -> &[Cell] {
        &self.public
    }

    /// First-phase gate lanes.
    #[must_use]
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Second-phase gate lanes; their values are placeholders until synthesis computes them
    /// from [`Builder::late_log`] and the challenge.
    #[must_use]
    pub fn late_lanes(&self) -> &[Lane] {
        &self.late
    }

    /// How each second-phase cell's value is computed, in creation order.
    #[must_use]
    pub fn late_log(&self) -> &[(Cell, LateValue)] {
        &self.late_log
    }

    /// Lookup lanes, checked against [`Builder::table`].
    #[must_use]
    pub fn lookup_lanes(&self) -> &[LookupLane] {
        &self.lookups
    }

    /// Poseidon lanes.
    #[must_use]
    pub fn hash_lanes(&self) -> &[HashLane] {
        &self.hash
    }

    /// Distinct constants, in the order they sit in the constant column.
    #[must_use]
    pub fn constants(&self) -> &[i128] {
        &self.constants
    }

    /// Equality constraints between cells (none kept by a layout from
    /// [`crate::size_out`], which only counts them).
    #[must_use]
    pub fn copies(&self) -> &[(Cell, Cell)] {
        &self.copies
    }

    /// Entries of the tagged lookup table: (tag, x, y).
    #[must_use]
    pub fn table(&self) -> &[(u64, i128, i128)] {
        &self.table
    }

    /// Advice cells each ONNX node occupies, by node name.
    #[must_use]
    pub fn node_cells(&self) -> &std::collections::BTreeMap<String, usize> {
        &self.node_cells
    }
}
