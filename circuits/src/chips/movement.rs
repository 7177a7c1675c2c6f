//! Inputs (private advice) and copy maps (pure wiring: the output *is* the input cells).

use super::Ctx;
use crate::builder::{Builder, Cell};
use zkinfer_quantize::qgraph::CopySrc;

pub(super) fn input(b: &mut Builder, ctx: &Ctx<'_>) -> Vec<Cell> {
    let values: Vec<i128> = (0..ctx.out_len()).map(|i| (ctx.out_value)(i)).collect();
    b.run(&values)
}

pub(super) fn copy(b: &mut Builder, ctx: &Ctx<'_>, map: &[CopySrc]) -> Vec<Cell> {
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
