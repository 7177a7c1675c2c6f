//! Function lookups: every table of the quantized graph becomes a tagged block of the shared
//! lookup table, so nodes with the same function and scales share it.

use super::Ctx;
use crate::builder::{Builder, Cell};
use std::collections::BTreeMap;
use zkinfer_quantize::QGraph;

pub(super) fn register_tables(b: &mut Builder, q: &QGraph) -> Vec<u64> {
    q.tables
        .iter()
        .map(|t| {
            b.add_function_table((t.lo..=t.hi).map(|x| (i128::from(x), i128::from(t.entry(x)))))
        })
        .collect()
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

/// One table per constant tensor used as Gather data: entry `key = flat index`, value the
/// element. Keyed by the data tensor so several gathers of one embedding share it.
pub(super) fn register_gather_tables(b: &mut Builder, q: &QGraph) -> BTreeMap<usize, u64> {
    let mut tags = BTreeMap::new();
    for n in q.nodes.iter().filter(|n| matches!(n.op, zkinfer_quantize::QOp::Gather { .. })) {
        let data = n.inputs[0];
        if tags.contains_key(&data) {
            continue;
        }
        if let Some(v) = &q.tensors[data].value {
            let tag = b.add_function_table(
                v.iter().enumerate().map(|(i, &x)| (i128::try_from(i).unwrap_or(0), i128::from(x))),
            );
            tags.insert(data, tag);
        }
    }
    tags
}
