//! The halo2 columns and gates of a model circuit, for a given [`Shape`]: gate lanes (first
//! and second phase), lookup lanes against the tagged table, the constants and instance
//! columns, and the Poseidon lanes (`poseidon::gate`).

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{
    Advice, Challenge, Column, ConstraintSystem, Expression, FirstPhase, Fixed, Instance,
    SecondPhase, VirtualCells,
};
use halo2_proofs::poly::Rotation;

/// The column layout, chosen by the planner and part of the verifying key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Gate lanes.
    pub lanes: usize,
    /// Second-phase gate lanes (none: a single-phase circuit without a challenge).
    pub late_lanes: usize,
    /// Lookup lanes with an output column (unless `range_only_lookups`).
    pub lookup_lanes: usize,
    /// Range lanes: lookup lanes with a tag and an input column only, looked up in the
    /// table's tag and input columns. A range check never reads an output, and a lane without
    /// one is two and a third polynomials fewer (its output column, that column's
    /// permutation column and a third of a permutation product).
    pub range_lanes: usize,
    /// Poseidon lanes (none unless a tensor group is hashed).
    pub hash_lanes: usize,
    /// Every lookup is a range check (no function or bound table), so neither the lookup lanes
    /// nor the table have an output column: two polynomials fewer per lookup lane and one in
    /// the table.
    pub range_only_lookups: bool,
    /// Lanes carry the three-term mac gate.
    pub mac3: bool,
}

/// Selector value that switches the multiply-add gate on.
pub(crate) const SELECT_MUL_ADD: u8 = 1;
/// Selector value that switches the multiply-accumulate gate on.
pub(crate) const SELECT_MAC: u8 = 2;
/// Selector value that switches the three-term multiply-accumulate gate on.
pub(crate) const SELECT_MAC3: u8 = 3;
/// Every selector value that switches a gate on.
const SELECTS: [u8; 3] = [SELECT_MUL_ADD, SELECT_MAC, SELECT_MAC3];

/// Columns of one gate lane. Its gates share one fixed selector column (0 off, 1 mul-add,
/// 2 mac, 3 three-term mac where the plan has it): a lane row never carries two, and the
/// selector (degree 3 with three gates) keeps the gates (of degree 2) within [`DEGREE`], so it
/// costs no extended-domain size while saving a fixed column (two polynomials in the proving
/// key) per further gate.
#[derive(Clone, Copy, Debug)]
pub struct LaneConfig {
    pub(crate) advice: Column<Advice>,
    pub(crate) gate: Column<Fixed>,
    pub(crate) coef: Column<Fixed>,
}

/// Columns of one lookup lane.
#[derive(Clone, Copy, Debug)]
pub struct LookupConfig {
    pub(crate) tag: Column<Fixed>,
    pub(crate) x: Column<Advice>,
    /// The output column; `None` in a circuit of range lookups only.
    pub(crate) y: Option<Column<Advice>>,
}

/// All columns.
#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub(crate) lanes: Vec<LaneConfig>,
    pub(crate) late: Vec<LaneConfig>,
    pub(crate) challenge: Option<Challenge>,
    pub(crate) lookups: Vec<LookupConfig>,
    pub(crate) hash:
        Option<(crate::poseidon::gate::HashShared, Vec<crate::poseidon::gate::HashLaneConfig>)>,
    /// The table's tag and input columns.
    pub(crate) table: [Column<Fixed>; 2],
    /// The table's output column; `None` in a circuit of range lookups only.
    pub(crate) table_y: Option<Column<Fixed>>,
    pub(crate) constants: Column<Fixed>,
    pub(crate) instance: Column<Instance>,
}

/// The constraint degree every circuit is built for. Lookups need 4, which already makes the
/// extended domain 4× the rows (halo2 sizes it for the quotient's degree − 1 = 3 pieces, rounded
/// up to a power of two); degree 5 fills that same domain exactly, so it costs no FFT size, while
/// the permutation argument groups `DEGREE − 2` = 3 columns per grand product instead of 2: a
/// third fewer product polynomials to commit, open and carry through the quotient.
pub const DEGREE: usize = 5;

/// Creates every column and gate of a circuit of `shape`. The order of creation fixes column
/// indices, which the verifying key records, so new kinds of columns are created after the
/// others (range lanes after the lookup lanes, before the Poseidon lanes: a circuit without
/// range lanes keeps its indices).
pub(crate) fn configure(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> ModelConfig {
    meta.set_minimum_degree(DEGREE);
    let table = [meta.fixed_column(), meta.fixed_column()];
    let table_y = (!shape.range_only_lookups).then(|| meta.fixed_column());
    let constants = meta.fixed_column();
    meta.enable_equality(constants);
    let instance = meta.instance_column();
    meta.enable_equality(instance);
    let lanes: Vec<LaneConfig> =
        (0..shape.lanes.max(1)).map(|i| lane(meta, i, None, shape.mac3)).collect();
    let challenge = (shape.late_lanes > 0).then(|| meta.challenge_usable_after(FirstPhase));
    let late: Vec<LaneConfig> = challenge.map_or_else(Vec::new, |c| {
        (0..shape.late_lanes).map(|i| lane(meta, i, Some(c), shape.mac3)).collect()
    });
    let full = shape.lookup_lanes.max(1);
    let lookups: Vec<LookupConfig> = (0..full + shape.range_lanes)
        .map(|j| {
            let l = LookupConfig {
                tag: meta.fixed_column(),
                x: meta.advice_column(),
                y: (j < full && !shape.range_only_lookups).then(|| meta.advice_column()),
            };
            meta.enable_equality(l.x);
            if let Some(y) = l.y {
                meta.enable_equality(y);
            }
            meta.lookup_any(format!("lookup lane {j}: tagged table"), |m| {
                let mut pairs = vec![
                    (
                        m.query_fixed(l.tag, Rotation::cur()),
                        m.query_fixed(table[0], Rotation::cur()),
                    ),
                    (
                        m.query_advice(l.x, Rotation::cur()),
                        m.query_fixed(table[1], Rotation::cur()),
                    ),
                ];
                if let (Some(y), Some(t)) = (l.y, table_y) {
                    pairs.push((
                        m.query_advice(y, Rotation::cur()),
                        m.query_fixed(t, Rotation::cur()),
                    ));
                }
                pairs
            });
            l
        })
        .collect();
    // Created after the others, so circuits without Poseidon lanes keep their columns'
    // indices.
    let hash = crate::poseidon::gate::configure(meta, shape.hash_lanes);
    ModelConfig { lanes, late, challenge, lookups, hash, table, table_y, constants, instance }
}

/// A gate lane: an advice column (second phase when `challenge` is given) with its selector
/// and coefficient columns and its gates: multiply-add, mac and, when `mac3`, the three-term
/// mac, which adds three terms in four cells (`acc, x1, x2, x3, acc'`, each coefficient on its
/// term's row) where three single mac steps take six. A mac step also adds the coefficient on
/// its own row (`f0`, unused there otherwise), so a linear combination carries its constant
/// without a constant cell and can start at one of its terms. The first-phase multiply-add is
/// affine in its ends, `(1 + f1)·a0 + a1·a2 + f0 = (1 + f2)·a3`, with the coefficients of its
/// own first three rows (which no other gate reads): all 0 it is the plain multiply-add, and a
/// rescaled product proves `−r + x·y + 2^(s−1) = 2^s·q` in one gate (degree 2, 5 with the
/// selector). The second-phase multiply-add gate
/// multiplies by `a2 + f·c`, so one gate serves dot products (`f` = 0) and powers of `c`
/// (`f` = 1); the challenge has degree 0, so the gate stays at degree 4, within [`DEGREE`].
/// Its three-term mac reads `f0` (a second-phase chain never adds a constant) as the switch to
/// three Horner steps in the challenge, `acc·c³ + a1·c² + a2·c + a3` (degree 5 with the
/// selector).
/// Gates are named after their lane (`lane 3`, `late lane 0`) so a failure can be traced to
/// the cell's ONNX node (see [`crate::diagnose`]).
fn lane(
    meta: &mut ConstraintSystem<Fr>,
    index: usize,
    challenge: Option<Challenge>,
    mac3: bool,
) -> LaneConfig {
    let lane = LaneConfig {
        advice: match challenge {
            Some(_) => meta.advice_column_in(SecondPhase),
            None => meta.advice_column(),
        },
        gate: meta.fixed_column(),
        coef: meta.fixed_column(),
    };
    meta.enable_equality(lane.advice);
    let select = |m: &mut VirtualCells<'_, Fr>, on: u8| {
        let q = m.query_fixed(lane.gate, Rotation::cur());
        // q·Π(other − q) vanishes at 0 and at every other gate's value, not at `on`.
        let gates = if mac3 { &SELECTS[..] } else { &SELECTS[..2] };
        gates.iter().filter(|&&s| s != on).fold(q.clone(), |acc, &other| {
            acc * (Expression::Constant(Fr::from(u64::from(other))) - q.clone())
        })
    };
    let (lane_name, mul_add) = match challenge {
        Some(_) => (format!("late lane {index}"), "mul_add: a0 + a1·(a2 + f·c) = a3"),
        None => (format!("lane {index}"), "mul_add: (1 + f1)·a0 + a1·a2 + f0 = (1 + f2)·a3"),
    };
    meta.create_gate(format!("{lane_name} {mul_add}"), |m| {
        let q = select(m, SELECT_MUL_ADD);
        let a: Vec<_> = (0..4).map(|r| m.query_advice(lane.advice, Rotation(r))).collect();
        let f: Vec<_> = (0..3).map(|r| m.query_fixed(lane.coef, Rotation(r))).collect();
        let body = match challenge {
            Some(c) => {
                let multiplier = a[2].clone() + f[0].clone() * m.query_challenge(c);
                a[0].clone() + a[1].clone() * multiplier - a[3].clone()
            }
            // With every coefficient 0, the plain multiply-add. A rescaled product sets them:
            // `−r + x·y + half = 2^s·q` (see `GateInstructions::rescaled_product`).
            None => {
                a[0].clone()
                    + f[1].clone() * a[0].clone()
                    + a[1].clone() * a[2].clone()
                    + f[0].clone()
                    - a[3].clone()
                    - f[2].clone() * a[3].clone()
            }
        };
        vec![q * body]
    });
    meta.create_gate(format!("{lane_name} mac: a0 + f0 + f1·a1 = a2"), |m| {
        let q = select(m, SELECT_MAC);
        let a: Vec<_> = (0..3).map(|r| m.query_advice(lane.advice, Rotation(r))).collect();
        let f0 = m.query_fixed(lane.coef, Rotation::cur());
        let f = m.query_fixed(lane.coef, Rotation::next());
        vec![q * (a[0].clone() + f0 + f * a[1].clone() - a[2].clone())]
    });
    if !mac3 {
        return lane;
    }
    let mac3 = match challenge {
        Some(_) => "mac3: a0 + f1·a1 + f2·a2 + f3·a3 + f0·(a0·(c³ − 1) + a1·c² + a2·c + a3) = a4",
        None => "mac3: a0 + f0 + f1·a1 + f2·a2 + f3·a3 = a4",
    };
    meta.create_gate(format!("{lane_name} {mac3}"), |m| {
        let q = select(m, SELECT_MAC3);
        let a: Vec<_> = (0..5).map(|r| m.query_advice(lane.advice, Rotation(r))).collect();
        let f0 = m.query_fixed(lane.coef, Rotation::cur());
        let terms = (1..4).fold(a[0].clone(), |acc, r| {
            acc + m.query_fixed(lane.coef, Rotation(r)) * a[r as usize].clone()
        });
        let sum = match challenge {
            // A second-phase chain never adds a constant, so there f0 switches the step to
            // three Horner steps, acc·c³ + a1·c² + a2·c + a3: a polynomial in the challenge
            // from its coefficients at 4/3 cells each (a Freivalds check's Y_i·r).
            Some(c) => {
                let c = m.query_challenge(c);
                let c2 = c.clone() * c.clone();
                let c3 = c2.clone() * c.clone();
                let one = Expression::Constant(Fr::from(1u64));
                let horner =
                    a[0].clone() * (c3 - one) + a[1].clone() * c2 + a[2].clone() * c + a[3].clone();
                terms + f0 * horner
            }
            None => terms + f0,
        };
        vec![q * (sum - a[4].clone())]
    });
    lane
}
