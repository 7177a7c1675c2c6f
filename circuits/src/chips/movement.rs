//! Inputs (private advice) and copy maps (pure wiring: the output *is* the input cells).

use super::Ctx;
use crate::builder::{Builder, Cell};
use crate::gadgets::RangeInstructions;
use zkinfer_quantize::qgraph::CopySrc;

/// What the movement chip offers: model inputs as witness cells, and every shape op (reshape,
/// transpose, slice, concat, pad, im2col) as pure wiring.
pub(super) trait MovementInstructions {
    /// The input's quantized values as witness cells: a calibrated input's from the proof of
    /// its bound, any other's in runs of at most [`crate::builder::FREE_RUN`].
    fn input(&mut self, ctx: &Ctx<'_>) -> Vec<Cell>;

    /// The output *is* the input cells `map` names (or the constant 0): no cell, no constraint.
    fn copy(&mut self, ctx: &Ctx<'_>, map: &[CopySrc]) -> Vec<Cell>;
}

/// The movement chip: runs of input cells, otherwise no cells at all.
pub(super) struct MovementChip<'b> {
    pub b: &'b mut Builder,
}

impl MovementInstructions for MovementChip<'_> {
    fn input(&mut self, ctx: &Ctx<'_>) -> Vec<Cell> {
        let b = &mut *self.b;
        let values: Vec<i128> = (0..ctx.out_len()).map(|i| (ctx.out_value)(i)).collect();
        let t = &ctx.q.tensors[ctx.node.output];
        // A calibrated input is made from its bound's sign-magnitude split rather than
        // witnessed and then copied into one. A bound-table check stays a lookup of a copy:
        // as the input cell itself, the lookup would be the only constraint on it, so every
        // cell would no longer be pinned by another (an input a ReLU maps to the same output
        // could change alone).
        if !t.checked || b.bound_table_within(t.bound, t.bound).is_some() {
            return b.free_cells(&values);
        }
        values.iter().map(|&v| b.signed(v, t.bound, true)).collect()
    }

    fn copy(&mut self, ctx: &Ctx<'_>, map: &[CopySrc]) -> Vec<Cell> {
        let b = &mut *self.b;
        map.iter()
            .map(|s| {
                if s.input == CopySrc::ZERO {
                    b.constant(0)
                } else {
                    ctx.ins[s.input as usize][s.index as usize]
                }
            })
            .collect()
    }
}
