//! Function lookups: every table of the quantized graph becomes a tagged block of the shared
//! lookup table, so nodes with the same function and scales share it.

use super::Ctx;
use crate::builder::{Builder, Cell};
use zkinfer_quantize::QGraph;

pub(super) fn register_tables(b: &mut Builder, q: &QGraph) -> Vec<u64> {
    q.tables.iter().map(|t| b.add_function_table((t.lo..=t.hi).map(|x| (i128::from(x), i128::from(t.entry(x)))))).collect()
}

pub(super) fn lookup(b: &mut Builder, ctx: &Ctx<'_>, table: usize) -> Vec<Cell> {
    let t = &ctx.q.tables[table];
    let tag = ctx.tables[table];
    ctx.ins[0]
        .iter()
        .map(|&x| {
            let y = i64::try_from(b.value(x)).map_or(0, |v| if b.known { t.entry(v) } else { 0 });
            b.lookup(tag, x, i128::from(y))
        })
        .collect()
}
