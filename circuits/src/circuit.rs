//! The halo2 circuit: configures the lane gates, the tagged lookup and the permutation, and
//! writes a [`Builder`]'s recorded assignment into one region.

use crate::builder::{Builder, Col};
use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{
    Advice, Challenge, Circuit, Column, ConstraintSystem, Error, Expression, FirstPhase, Fixed,
    Instance, SecondPhase, VirtualCells,
};
use halo2_proofs::poly::Rotation;
use std::sync::Arc;

/// Field element of an integer.
#[must_use]
pub fn fe(v: i128) -> Fr {
    let m = Fr::from_u128(v.unsigned_abs());
    if v < 0 {
        -m
    } else {
        m
    }
}

/// The column layout, chosen by the planner and part of the verifying key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Gate lanes.
    pub lanes: usize,
    /// Second-phase gate lanes (none: a single-phase circuit without a challenge).
    pub late_lanes: usize,
    /// Lookup lanes.
    pub lookup_lanes: usize,
    /// Poseidon lanes (none unless a tensor group is hashed).
    pub hash_lanes: usize,
}

/// Selector value that switches the multiply-add gate on.
const SELECT_MUL_ADD: u64 = 1;
/// Selector value that switches the multiply-accumulate gate on.
const SELECT_MAC: u64 = 2;

/// Columns of one gate lane. Both gates share one fixed selector column (0 off, 1 mul-add,
/// 2 mac): a lane row never carries both, and the degree-2 selector keeps the gates within
/// the degree 4 the lookups already need, so it costs no extended-domain size while saving a
/// fixed column (two polynomials in the proving key) per lane.
#[derive(Clone, Copy, Debug)]
pub struct LaneConfig {
    advice: Column<Advice>,
    gate: Column<Fixed>,
    coef: Column<Fixed>,
}

/// Columns of one lookup lane.
#[derive(Clone, Copy, Debug)]
pub struct LookupConfig {
    tag: Column<Fixed>,
    x: Column<Advice>,
    y: Column<Advice>,
}

/// All columns.
#[derive(Clone, Debug)]
pub struct ModelConfig {
    lanes: Vec<LaneConfig>,
    late: Vec<LaneConfig>,
    challenge: Option<Challenge>,
    lookups: Vec<LookupConfig>,
    hash: Option<(crate::hash_gate::HashShared, Vec<crate::hash_gate::HashLaneConfig>)>,
    table: [Column<Fixed>; 3],
    constants: Column<Fixed>,
    instance: Column<Instance>,
}

/// A model's circuit: the recorded layout and its column shape.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
    /// Recorded assignment.
    pub builder: Arc<Builder>,
    /// Column shape.
    pub shape: Shape,
}

impl ModelCircuit {
    /// Wraps a builder.
    #[must_use]
    pub fn new(builder: Builder) -> Self {
        let shape = Shape {
            lanes: builder.lanes.len(),
            late_lanes: builder.late.len(),
            lookup_lanes: builder.lookups.len(),
            hash_lanes: builder.hash.len(),
        };
        Self { builder: Arc::new(builder), shape }
    }

    /// Public inputs, in instance order.
    #[must_use]
    pub fn instances(&self) -> Vec<Fr> {
        self.builder.public_values.clone()
    }
}

impl Circuit<Fr> for ModelCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn params(&self) -> Shape {
        self.shape
    }

    fn without_witnesses(&self) -> Self {
        let mut b = (*self.builder).clone();
        b.known = false;
        Self { builder: Arc::new(b), shape: self.shape }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ModelConfig {
        Self::configure_with_params(
            meta,
            Shape { lanes: 1, late_lanes: 0, lookup_lanes: 1, hash_lanes: 0 },
        )
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> ModelConfig {
        let table = [meta.fixed_column(), meta.fixed_column(), meta.fixed_column()];
        let constants = meta.fixed_column();
        meta.enable_equality(constants);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let lanes: Vec<LaneConfig> = (0..shape.lanes.max(1)).map(|i| lane(meta, i, None)).collect();
        let challenge = (shape.late_lanes > 0).then(|| meta.challenge_usable_after(FirstPhase));
        let late: Vec<LaneConfig> = challenge.map_or_else(Vec::new, |c| {
            (0..shape.late_lanes).map(|i| lane(meta, i, Some(c))).collect()
        });
        let lookups: Vec<LookupConfig> = (0..shape.lookup_lanes.max(1))
            .map(|j| {
                let l = LookupConfig {
                    tag: meta.fixed_column(),
                    x: meta.advice_column(),
                    y: meta.advice_column(),
                };
                meta.enable_equality(l.x);
                meta.enable_equality(l.y);
                meta.lookup_any(format!("lookup lane {j}: tagged table"), |m| {
                    let inputs = [
                        m.query_fixed(l.tag, Rotation::cur()),
                        m.query_advice(l.x, Rotation::cur()),
                        m.query_advice(l.y, Rotation::cur()),
                    ];
                    let tables = table.map(|c| m.query_fixed(c, Rotation::cur()));
                    inputs.into_iter().zip(tables).collect()
                });
                l
            })
            .collect();
        // Created last, so the other columns keep their indices (and existing circuits their
        // verifying keys).
        let hash = crate::hash_gate::configure(meta, shape.hash_lanes);
        ModelConfig { lanes, late, challenge, lookups, hash, table, constants, instance }
    }

    fn synthesize(
        &self,
        config: ModelConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let b = &self.builder;
        let val = |v: i128| if b.known { Value::known(fe(v)) } else { Value::unknown() };
        // Test hook (see `Builder::field_offsets`): value + t·2^−shift in the field.
        let cell_val = |c: crate::builder::Cell, v: i128| match b.field_offsets.get(&c) {
            Some(&(t, shift)) if b.known => {
                let inv =
                    Fr::from(2u64).pow_vartime([u64::from(shift)]).invert().unwrap_or(Fr::zero());
                Value::known(fe(v) + fe(t) * inv)
            }
            _ => val(v),
        };
        let mut public_cells = Vec::new();
        layouter.assign_region(
            || "model",
            |mut region| {
                let mut lane_cells = Vec::with_capacity(b.lanes.len());
                for (l, (lane, cfg)) in b.lanes.iter().zip(&config.lanes).enumerate() {
                    let cells: Vec<_> = lane
                        .values
                        .iter()
                        .enumerate()
                        .map(|(row, &v)| {
                            let c = crate::builder::Cell { col: Col::Lane(l), row };
                            region.assign_advice(cfg.advice, row, cell_val(c, v)).cell()
                        })
                        .collect();
                    assign_lane_fixed(&mut region, lane, cfg);
                    lane_cells.push(cells);
                }
                for (lane, cfg) in b.late.iter().zip(&config.late) {
                    assign_lane_fixed(&mut region, lane, cfg);
                }
                let mut lx = Vec::with_capacity(b.lookups.len());
                let mut ly = Vec::with_capacity(b.lookups.len());
                for (l, cfg) in b.lookups.iter().zip(&config.lookups) {
                    lx.push(
                        l.x.iter()
                            .enumerate()
                            .map(|(row, &v)| region.assign_advice(cfg.x, row, val(v)).cell())
                            .collect::<Vec<_>>(),
                    );
                    ly.push(
                        l.y.iter()
                            .enumerate()
                            .map(|(row, &v)| region.assign_advice(cfg.y, row, val(v)).cell())
                            .collect::<Vec<_>>(),
                    );
                    for (row, &t) in l.tag.iter().enumerate() {
                        region.assign_fixed(cfg.tag, row, Fr::from(t));
                    }
                }
                for (row, &(tag, x, y)) in b.table.iter().enumerate() {
                    region.assign_fixed(config.table[0], row, Fr::from(tag));
                    region.assign_fixed(config.table[1], row, fe(x));
                    region.assign_fixed(config.table[2], row, fe(y));
                }
                let consts: Vec<_> = b
                    .constants
                    .iter()
                    .enumerate()
                    .map(|(row, &v)| region.assign_fixed(config.constants, row, fe(v)))
                    .collect();
                let hash_cells = crate::hash_gate::assign(&mut region, b, &config.hash);
                // Second phase: commit everything above, draw the challenge, then assign the
                // values that depend on it.
                let mut late_cells = Vec::with_capacity(b.late.len());
                if let Some(ch) = config.challenge {
                    region.next_phase();
                    let mut c = None;
                    region.get_challenge(ch).map(|v| c = Some(v));
                    let values = c.filter(|_| b.known).map(|c| b.late_values(c));
                    for (l, (lane, cfg)) in b.late.iter().zip(&config.late).enumerate() {
                        late_cells.push(
                            (0..lane.values.len())
                                .map(|row| {
                                    let v = values
                                        .as_ref()
                                        .map_or_else(Value::unknown, |v| Value::known(v[l][row]));
                                    region.assign_advice(cfg.advice, row, v).cell()
                                })
                                .collect::<Vec<_>>(),
                        );
                    }
                }
                let cell = |c: crate::builder::Cell| match c.col {
                    Col::Lane(i) => lane_cells[i][c.row],
                    Col::Late(i) => late_cells[i][c.row],
                    Col::LookupX(i) => lx[i][c.row],
                    Col::LookupY(i) => ly[i][c.row],
                    Col::Constant => consts[c.row],
                    Col::Hash(l, w) => hash_cells[l][c.row][w],
                };
                for &(a, c) in &b.copies {
                    region.constrain_equal(cell(a), cell(c));
                }
                public_cells = b.public.iter().map(|&c| cell(c)).collect();
                Ok(())
            },
        )?;
        for (row, c) in public_cells.into_iter().enumerate() {
            layouter.constrain_instance(c, config.instance, row);
        }
        Ok(())
    }
}

/// A gate lane: an advice column (second phase when `challenge` is given) with its selector
/// and coefficient columns and the two gates. The second-phase multiply-add gate multiplies
/// by `a2 + f·c`, so one gate serves dot products (`f` = 0) and powers of `c` (`f` = 1); the
/// challenge has degree 0, so the gate stays at degree 4.
/// Gates are named after their lane (`lane 3`, `late lane 0`) so a failure can be traced to
/// the cell's ONNX node (see [`crate::diagnose`]).
fn lane(meta: &mut ConstraintSystem<Fr>, index: usize, challenge: Option<Challenge>) -> LaneConfig {
    let lane = LaneConfig {
        advice: match challenge {
            Some(_) => meta.advice_column_in(SecondPhase),
            None => meta.advice_column(),
        },
        gate: meta.fixed_column(),
        coef: meta.fixed_column(),
    };
    meta.enable_equality(lane.advice);
    let select = |m: &mut VirtualCells<'_, Fr>, on: u64| {
        let q = m.query_fixed(lane.gate, Rotation::cur());
        let other = Expression::Constant(Fr::from(SELECT_MUL_ADD + SELECT_MAC - on));
        // q·(other − q) vanishes at 0 and at the other gate's value.
        q.clone() * (other - q)
    };
    let (lane_name, mul_add) = match challenge {
        Some(_) => (format!("late lane {index}"), "mul_add: a0 + a1·(a2 + f·c) = a3"),
        None => (format!("lane {index}"), "mul_add: a0 + a1·a2 = a3"),
    };
    meta.create_gate(format!("{lane_name} {mul_add}"), |m| {
        let q = select(m, SELECT_MUL_ADD);
        let a: Vec<_> = (0..4).map(|r| m.query_advice(lane.advice, Rotation(r))).collect();
        let multiplier = match challenge {
            Some(c) => {
                a[2].clone() + m.query_fixed(lane.coef, Rotation::cur()) * m.query_challenge(c)
            }
            None => a[2].clone(),
        };
        vec![q * (a[0].clone() + a[1].clone() * multiplier - a[3].clone())]
    });
    meta.create_gate(format!("{lane_name} mac: a0 + f1·a1 = a2"), |m| {
        let q = select(m, SELECT_MAC);
        let a: Vec<_> = (0..3).map(|r| m.query_advice(lane.advice, Rotation(r))).collect();
        let f = m.query_fixed(lane.coef, Rotation::next());
        vec![q * (a[0].clone() + f * a[1].clone() - a[2].clone())]
    });
    lane
}

/// A lane's selector and coefficient values.
fn assign_lane_fixed(
    region: &mut halo2_proofs::circuit::Region<'_, Fr>,
    lane: &crate::builder::Lane,
    cfg: &LaneConfig,
) {
    for &row in &lane.mul_add {
        region.assign_fixed(cfg.gate, row, Fr::from(SELECT_MUL_ADD));
    }
    for &row in &lane.mac {
        region.assign_fixed(cfg.gate, row, Fr::from(SELECT_MAC));
    }
    for (&row, &c) in &lane.coef {
        region.assign_fixed(cfg.coef, row, fe(c));
    }
}
