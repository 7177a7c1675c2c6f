//! halo2 regions named after the ONNX node that laid their cells out.
//!
//! The layout interleaves nodes across columns (each run goes to the least-filled lane), so a
//! node's cells are not a rectangle; halo2's MockProver, though, attributes a failure to the
//! first region whose row range and columns cover it. So a region is one node's contiguous run
//! of rows in *one* column: those never overlap, and a failing gate or lookup is reported "in
//! Region N ('node '/fc1/Gemm' (Gemm), lane 3') at offset 17" by halo2 itself. Synthesis
//! creates these regions first, in [`Builder::regions`] order, so a region's index in a
//! MockProver message leads back to its rows (see [`crate::diagnose`]).

use crate::builder::{Builder, Col, NodeSpan};
use std::ops::Range;

/// One node's rows in one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSpec {
    /// ONNX node name.
    pub node: String,
    /// ONNX op.
    pub op: String,
    /// `Lane(l)`, `Late(l)` or, for a lookup lane's tag, x and y columns, `LookupX(l)`.
    pub col: Col,
    /// Rows, absolute.
    pub rows: Range<usize>,
}

impl RegionSpec {
    /// The region's name: the node, then the column.
    #[must_use]
    pub fn name(&self) -> String {
        let column = match self.col {
            Col::Lane(l) => format!("lane {l}"),
            Col::Late(l) => format!("late lane {l}"),
            Col::LookupX(l) | Col::LookupY(l) => format!("lookup lane {l}"),
            Col::Constant => "constants".into(),
            Col::Hash(l, _) => format!("hash lane {l}"),
        };
        format!("node '{}' ({}), {column}", self.node, self.op)
    }
}

impl Builder {
    /// Every node's run of rows in every gate, second-phase and lookup lane, in layout order
    /// (node by node, then column by column); empty runs are left out.
    #[must_use]
    pub fn regions(&self) -> Vec<RegionSpec> {
        let columns: Vec<(Col, usize)> = (self.lanes.iter().enumerate())
            .map(|(l, x)| (Col::Lane(l), x.values.len()))
            .chain(self.late.iter().enumerate().map(|(l, x)| (Col::Late(l), x.values.len())))
            .chain(self.lookups.iter().enumerate().map(|(l, x)| (Col::LookupX(l), x.x.len())))
            .collect();
        // Cells laid out before the first node (a test's hand-made layout) belong to no node.
        let unattributed = NodeSpan::at_start(self, "(no node)", "-");
        let spans: Vec<&NodeSpan> = std::iter::once(&unattributed).chain(&self.spans).collect();
        let mut out = Vec::new();
        for (i, span) in spans.iter().enumerate() {
            for &(col, len) in &columns {
                // A lane added on demand after a span began starts empty for that span.
                let start = span.start(col).unwrap_or(0);
                // A column missing from the next span was added later: nothing of this one.
                let end = spans.get(i + 1).map_or(len, |n| n.start(col).unwrap_or(0));
                if start < end {
                    out.push(RegionSpec {
                        node: span.node.clone(),
                        op: span.op.clone(),
                        col,
                        rows: start..end,
                    });
                }
            }
        }
        out
    }
}
