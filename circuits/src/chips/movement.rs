//! Inputs (private advice) and copy maps (pure wiring: the output *is* the input cells).

use super::Ctx;
use crate::builder::{Builder, Cell};
use zkinfer_quantize::qgraph::CopySrc;

/// What the movement chip offers: model inputs as witness cells, and every shape op (reshape,
/// transpose, slice, concat, pad, im2col) as pure wiring.
pub(super) trait MovementInstructions {
    /// The input's quantized values as witness cells, in runs of at most
    /// [`crate::builder::FREE_RUN`] (its bound is checked by the caller, as for every
    /// calibrated tensor).
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
        b.free_cells(&values)
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
