//! The Poseidon lanes' columns and gates (the layout is in [`super::chip`]).

use crate::builder::{Builder, HashLane, HASH_BLOCK};
use crate::poseidon::{constants, is_full_round, ROUNDS, WIDTH};
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Advice, Any, Column, ConstraintSystem, Expression, Fixed};
use halo2_proofs::poly::Rotation;

/// Fixed columns every Poseidon lane reads: round constants and the three selectors.
#[derive(Clone, Copy, Debug)]
pub struct HashShared {
    rc: [Column<Fixed>; WIDTH],
    absorb: Column<Fixed>,
    full: Column<Fixed>,
    partial: Column<Fixed>,
}

/// One Poseidon lane: state and auxiliary advice columns, and whether each block continues a
/// sponge.
#[derive(Clone, Copy, Debug)]
pub struct HashLaneConfig {
    s: [Column<Advice>; WIDTH],
    w: [Column<Advice>; WIDTH],
    cont: Column<Fixed>,
}

/// Configures `lanes` Poseidon lanes (none: no column at all).
pub fn configure(
    meta: &mut ConstraintSystem<Fr>,
    lanes: usize,
) -> Option<(HashShared, Vec<HashLaneConfig>)> {
    if lanes == 0 {
        return None;
    }
    let shared = HashShared {
        rc: [meta.fixed_column(), meta.fixed_column(), meta.fixed_column()],
        absorb: meta.fixed_column(),
        full: meta.fixed_column(),
        partial: meta.fixed_column(),
    };
    let configs = (0..lanes).map(|i| lane(meta, i, shared)).collect();
    Some((shared, configs))
}

fn lane(meta: &mut ConstraintSystem<Fr>, index: usize, sh: HashShared) -> HashLaneConfig {
    let cfg = HashLaneConfig {
        s: [meta.advice_column(), meta.advice_column(), meta.advice_column()],
        w: [meta.advice_column(), meta.advice_column(), meta.advice_column()],
        cont: meta.fixed_column(),
    };
    // The digest (s0) and the absorbed words are wired to other cells.
    for c in [cfg.s[0], cfg.w[0], cfg.w[1], cfg.w[2]] {
        meta.enable_equality(c);
    }
    let mds = constants().mds.map(|row| row.map(Expression::Constant));
    let one = Expression::Constant(Fr::one());
    meta.create_gate(format!("hash lane {index} absorb"), |m| {
        let q = m.query_fixed(sh.absorb, Rotation::cur());
        let cont = m.query_fixed(cfg.cont, Rotation::cur());
        (0..WIDTH)
            .map(|j| {
                let s = m.query_advice(cfg.s[j], Rotation::cur());
                let next = m.query_advice(cfg.s[j], Rotation::next());
                let w = m.query_advice(cfg.w[j], Rotation::cur());
                // The capacity word is set only when a sponge starts.
                let w = if j == 2 { (one.clone() - cont.clone()) * w } else { w };
                q.clone() * (next - cont.clone() * s - w)
            })
            .collect::<Vec<_>>()
    });
    for full in [true, false] {
        let name = if full { "full round" } else { "partial round" };
        meta.create_gate(format!("hash lane {index} {name}"), |m| {
            let q = m.query_fixed(if full { sh.full } else { sh.partial }, Rotation::cur());
            let x: Vec<_> = (0..WIDTH)
                .map(|j| {
                    m.query_advice(cfg.s[j], Rotation::cur())
                        + m.query_fixed(sh.rc[j], Rotation::cur())
                })
                .collect();
            let w: Vec<_> = (0..WIDTH).map(|j| m.query_advice(cfg.w[j], Rotation::cur())).collect();
            let boxed = if full { WIDTH } else { 1 };
            let mut out = Vec::new();
            // u_j = x_j^5 = x_j · w_j² for the S-boxed words, with w_j = x_j².
            let u: Vec<_> = (0..WIDTH)
                .map(|j| {
                    if j < boxed {
                        out.push(q.clone() * (w[j].clone() - x[j].clone() * x[j].clone()));
                        x[j].clone() * w[j].clone() * w[j].clone()
                    } else {
                        x[j].clone()
                    }
                })
                .collect();
            for (i, row) in mds.iter().enumerate() {
                let next = m.query_advice(cfg.s[i], Rotation::next());
                let mixed = (0..WIDTH)
                    .map(|j| row[j].clone() * u[j].clone())
                    .reduce(|a, b| a + b)
                    .unwrap_or_else(|| Expression::Constant(Fr::zero()));
                out.push(q.clone() * (next - mixed));
            }
            out
        });
    }
    cfg
}

/// Assigns the Poseidon lanes (their cells are wired by column and row, see
/// [`HashLaneConfig::column`]).
pub fn assign(
    region: &mut Region<'_, Fr>,
    b: &Builder,
    config: &(HashShared, Vec<HashLaneConfig>),
) {
    let (sh, lanes) = config;
    let blocks = b.hash.iter().map(HashLane::blocks).max().unwrap_or(0);
    let c = constants();
    for block in 0..blocks {
        let at = block * HASH_BLOCK;
        region.assign_fixed(sh.absorb, at, Fr::one());
        for r in 0..ROUNDS {
            let row = at + 1 + r;
            region.assign_fixed(
                if is_full_round(r) { sh.full } else { sh.partial },
                row,
                Fr::one(),
            );
            for j in 0..WIDTH {
                region.assign_fixed(sh.rc[j], row, c.rc[r][j]);
            }
        }
    }
    let val = |v: Fr| if b.known { Value::known(v) } else { Value::unknown() };
    for (lane, cfg) in b.hash.iter().zip(lanes) {
        for (block, &cont) in lane.cont.iter().enumerate() {
            if cont {
                region.assign_fixed(cfg.cont, block * HASH_BLOCK, Fr::one());
            }
        }
        for (row, (s, w)) in lane.s.iter().zip(&lane.w).enumerate() {
            for j in 0..WIDTH {
                region.assign_advice(cfg.s[j], row, val(s[j]));
                region.assign_advice(cfg.w[j], row, val(w[j]));
            }
        }
    }
}

impl HashLaneConfig {
    /// Column of word `w` (0–2 the state, 3–5 the auxiliary words).
    pub(crate) fn column(&self, w: usize) -> Option<Column<Any>> {
        let (s, w) = (self.s.get(w), w.checked_sub(WIDTH).and_then(|i| self.w.get(i)));
        s.or(w).map(|&c| c.into())
    }
}
