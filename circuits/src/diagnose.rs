//! Traces a MockProver failure back to the ONNX node whose primitive laid out the failing cell,
//! so `zkinfer mock` says *which node* broke, not only which column and row.
//!
//! Gate and lookup failures happen in a region of one node's run in one column (see
//! [`crate::regions`]): the region's index gives the column and first row, the offset the
//! row. Other failures (equality, Poseidon) give a row or an offset into a region that starts
//! at row 0; their gate or column names the lane (`hash lane 0 …`, `Column('Advice', 3)`), and
//! [`Builder::owner`] the node.

use crate::builder::{Builder, Cell, Col};

/// The cell a MockProver failure message points at.
#[must_use]
pub fn failing_cell(b: &Builder, message: &str) -> Option<Cell> {
    if let Some(index) = number_after(message, "in Region ") {
        if let Some(spec) = b.regions().get(index) {
            let offset = number_after(message, "at offset ")?;
            return Some(Cell { col: spec.col, row: spec.rows.start + offset });
        }
    }
    let row = number_after(message, "at offset ").or_else(|| number_after(message, "on row "))?;
    let col = if let Some(l) = number_after(message, "hash lane ") {
        Col::Hash(l, 0)
    } else if let Some(l) = number_after(message, "late lane ") {
        Col::Late(l)
    } else if let Some(l) = number_after(message, "lookup lane ") {
        Col::LookupX(l)
    } else if let Some(l) = number_after(message, "lane ") {
        Col::Lane(l)
    } else {
        // `Column('Advice', 3 - )`, or `Column('Advice { phase: Phase(1) }', 3 - )`.
        let at = message.find("Column('Advice")?;
        advice_col(b, number_after(&message[at..], "', ")?)?
    };
    Some(Cell { col, row })
}

/// `"node 'NAME' (OP)"` for a MockProver failure message, when it can be traced.
#[must_use]
pub fn failing_node(b: &Builder, message: &str) -> Option<String> {
    let (node, op) = b.owner(failing_cell(b, message)?)?;
    Some(format!("node '{node}' ({op})"))
}

/// Advice columns are created lanes first, then second-phase lanes, then (x, y) per lookup
/// lane (x alone in a circuit of range lookups), then x per range lane, then six per
/// Poseidon lane.
fn advice_col(b: &Builder, index: usize) -> Option<Col> {
    let (lanes, late) = (b.lanes.len(), b.late.len());
    if index < lanes {
        return Some(Col::Lane(index));
    }
    if index < lanes + late {
        return Some(Col::Late(index - lanes));
    }
    let j = index - lanes - late;
    let per_lane = if b.range_only_lookups() { 1 } else { 2 };
    let full = b.lookups.len() - b.range_lanes;
    if j < per_lane * full {
        return Some(if j.is_multiple_of(per_lane) {
            Col::LookupX(j / per_lane)
        } else {
            Col::LookupY(j / per_lane)
        });
    }
    let r = j - per_lane * full;
    if r < b.range_lanes {
        return Some(Col::LookupX(full + r));
    }
    let h = r - b.range_lanes;
    (h / 6 < b.hash.len()).then_some(Col::Hash(h / 6, h % 6))
}

fn number_after(text: &str, marker: &str) -> Option<usize> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}
