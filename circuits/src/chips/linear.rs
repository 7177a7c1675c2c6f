//! MatMul and ReduceSum. Constant weights live in the fixed coefficient column, so they are
//! part of the verifying key. A matmul is checked by plain multiply-accumulate chains (m·n·k
//! terms) or, when the cost model says it is cheaper, by a Freivalds check on second-phase
//! lanes (m·n + k·n + m·(n + k) terms; a convolution's input side much less, see `window`).

use super::rescaled::{claimed_rescale, Claim};
use super::{window, Ctx};
use crate::builder::{Builder, Cell, LinearCheck};
use crate::freivalds::{horner_cells, FreivaldsInstructions};
use crate::gadgets::GateInstructions;
use zkinfer_model_import::ops::matmul::{matmul_shapes, MatMulDims};
use zkinfer_model_import::ops::reduce::reduce_index_map;
use zkinfer_model_import::tensor::broadcast_index_map;

/// Least number of cells a Freivalds check must save over plain chains to be chosen: below
/// it, the second-phase columns and proof elements it adds cost more than the cells it saves.
const FREIVALDS_MIN_SAVING: usize = 1 << 13;

/// A matrix operand: weights in the fixed coefficient column, or cells.
#[derive(Clone, Copy)]
enum Operand<'a> {
    Fixed(&'a [i64]),
    Cells(&'a [Cell]),
}

impl Operand<'_> {
    /// `Σ_p self[at(p)]·x_p` over `len` terms: a chain with fixed coefficients, or a dot product.
    fn weigh(self, b: &mut Builder, len: usize, at: impl Fn(usize) -> usize, xs: &[Cell]) -> Cell {
        match self {
            Self::Fixed(w) => {
                let terms: Vec<(Cell, i128)> =
                    (0..len).map(|p| (xs[p], i128::from(w[at(p)]))).collect();
                b.late_lincomb(&terms)
            }
            Self::Cells(c) => {
                let pairs: Vec<(Cell, Cell)> = (0..len).map(|p| (c[at(p)], xs[p])).collect();
                b.late_dot(&pairs)
            }
        }
    }

    /// `Σ_j self[at(j)]·c^j` over `len` terms: a chain of the weights with the powers `r`
    /// (`r[j] = c^j`), or Horner's rule over the cells.
    fn weigh_powers(
        self,
        b: &mut Builder,
        len: usize,
        at: impl Fn(usize) -> usize,
        r: &[Cell],
    ) -> Cell {
        match self {
            Self::Fixed(_) => self.weigh(b, len, at, r),
            Self::Cells(c) => b.late_powers_sum(&(0..len).map(|j| c[at(j)]).collect::<Vec<_>>()),
        }
    }

    /// Cells of [`Operand::weigh_powers`] over `len` terms.
    fn powers_cells(self, len: usize, mac3: bool) -> usize {
        match self {
            Self::Fixed(_) => 1 + self.per_term() * len,
            Self::Cells(_) => horner_cells(len, mac3),
        }
    }

    /// Cells per term of a chain over this operand.
    fn per_term(self) -> usize {
        match self {
            Self::Fixed(_) => 2,
            Self::Cells(_) => 3,
        }
    }
}

/// `Y = A·B` by a Freivalds check: the claimed `Y` is witnessed as first-phase cells, and for
/// the powers `r = (1, c, …, c^(n−1))` of the second-phase challenge each row must satisfy
/// `Y_i·r = A_i·(B·r)`. A wrong `Y_i` makes that a nonzero polynomial of degree < n in `c`,
/// which vanishes at the random `c` with probability below n/p. Costs m·n + k·n + m·(n + k)
/// multiply-adds instead of m·n·k. With `claim`, each `Y` cell starts its rescale's chain.
fn freivalds_matmul(
    b: &mut Builder,
    ctx: &Ctx<'_>,
    claim: Option<&Claim>,
    (a, w): (Operand<'_>, Operand<'_>),
    (m, k, n): (usize, usize, usize),
    (ab, bb): (&[usize], &[usize]),
) -> MatMulCells {
    // The powers themselves only weigh fixed weights; cells are weighed by Horner's rule.
    let r = match w {
        Operand::Fixed(_) => b.challenge_powers(n),
        Operand::Cells(_) => Vec::new(),
    };
    let window = conv_window(ctx, a, m, k);
    let mut powers: Option<window::Powers> = None;
    let mut br: std::collections::BTreeMap<usize, Vec<Cell>> = std::collections::BTreeMap::new();
    let mut out = Vec::with_capacity(ab.len() * m * n);
    let mut rescaled = claim.map(|_| Vec::with_capacity(ab.len() * m * n));
    for (t, (&ia, &ib)) in ab.iter().zip(bb).enumerate() {
        let v = br
            .entry(ib)
            .or_insert_with(|| {
                (0..k).map(|p| w.weigh_powers(b, n, |j| (ib * k + p) * n + j, &r)).collect()
            })
            .clone();
        // A convolution whose copy matches its window: one check for the whole slice.
        let grid = match (window, a) {
            (Some(win), Operand::Cells(x)) => {
                window::input_grid(b, &win, |i, p| x[(ia * m + i) * k + p]).map(|g| (win, g))
            }
            _ => None,
        };
        // With the three-term gate a convolution's left side is a Horner pass over each output
        // row (`window::weighed_slice`), not a sum per position.
        let whole = grid.as_ref().is_some_and(|(win, _)| window::whole_rows(win, n, b.mac3));
        let mut lhs = Vec::with_capacity(m);
        let mut ys = Vec::with_capacity(if whole { m * n } else { 0 });
        for i in 0..m {
            let at = (t * m + i) * n;
            let row: Vec<i128> = (0..n).map(|j| (ctx.out_value)(at + j)).collect();
            let y = match (claim, rescaled.as_mut()) {
                (Some(claim), Some(qs)) => (0..n)
                    .map(|j| {
                        let read = claim.live.as_ref().is_none_or(|live| live[at + j]);
                        // An output nothing reads (a masked score) is witnessed for the check
                        // alone: no rescale, and no quotient for a reader.
                        let (y, q) = if read {
                            claimed_rescale(b, claim, ctx.q, at + j, row[j])
                        } else {
                            (b.run(&[row[j]])[0], b.constant(0))
                        };
                        qs.push(q);
                        y
                    })
                    .collect(),
                _ => b.run(&row),
            };
            if whole {
                ys.extend_from_slice(&y);
            } else {
                lhs.push(b.late_powers_sum(&y));
            }
            if grid.is_none() {
                let rhs = a.weigh(b, k, |p| (ia * m + i) * k + p, &v);
                b.copy(lhs[i], rhs);
            }
            out.extend(y);
        }
        if let Some((win, grid)) = grid {
            let pw = powers.get_or_insert_with(|| window::Powers::new(b, &win, n));
            let left = if whole {
                window::weighed_slice(b, &win, &ys, pw)
            } else {
                window::weighed_output(b, &win, &lhs, pw)
            };
            let right = window::weighed_input(b, &win, &grid, &v, pw);
            b.copy(left, right);
        }
    }
    MatMulCells { out, rescaled }
}

/// A matmul's output cells and, when its rescale's claim was taken (a Freivalds check), the
/// rescaled outputs, which the rescale node then returns as they are.
#[derive(Debug, Default)]
pub(super) struct MatMulCells {
    pub out: Vec<Cell>,
    pub rescaled: Option<Vec<Cell>>,
}

/// The window of a convolution whose im2col copy is `A` (cells, `m` rows of `k`), when it
/// fits them: the check then weighs the input once (see `window`).
fn conv_window(ctx: &Ctx<'_>, a: Operand<'_>, m: usize, k: usize) -> Option<window::Window> {
    let win = ctx.q.tensors[ctx.node.inputs[0]].window?;
    (matches!(a, Operand::Cells(_)) && window::fits(&win, m, k)).then_some(win)
}

/// What the linear chip offers: matrix products (chains or Freivalds checks, as the builder's
/// `LinearCheck` says) and sums over axes.
pub(super) trait LinearInstructions {
    /// Batched `A·B` with broadcasting, either operand fixed weights or cells. A Freivalds
    /// check takes `claim` (its rescale, see `rescaled`) and lays the rescale out with it.
    fn matmul(&mut self, ctx: &Ctx<'_>, claim: Option<&Claim>) -> MatMulCells;

    /// Sums over `axes`: one multiply-accumulate chain per output.
    fn reduce_sum(&mut self, ctx: &Ctx<'_>, axes: &[usize]) -> Vec<Cell>;

    /// Sums over `axes` of a deferred product's `factors` (one pair per element of the
    /// product): one dot-product chain per output.
    fn reduce_products(
        &mut self,
        ctx: &Ctx<'_>,
        axes: &[usize],
        factors: &[(Cell, Cell)],
    ) -> Vec<Cell>;
}

/// The linear chip: first-phase lanes for chains and claimed products, second-phase lanes for
/// Freivalds checks.
pub(super) struct LinearChip<'b> {
    pub b: &'b mut Builder,
}

impl LinearInstructions for LinearChip<'_> {
    fn matmul(&mut self, ctx: &Ctx<'_>, claim: Option<&Claim>) -> MatMulCells {
        let b = &mut *self.b;
        let (ta, tb) = (&ctx.q.tensors[ctx.node.inputs[0]], &ctx.q.tensors[ctx.node.inputs[1]]);
        let Some(MatMulDims { batch, m, k, n, .. }) = matmul_shapes(&ta.shape, &tb.shape) else {
            return MatMulCells::default();
        };
        let ab = broadcast_index_map(&ta.shape[..ta.shape.len() - 2], &batch);
        let bb = broadcast_index_map(&tb.shape[..tb.shape.len() - 2], &batch);
        // Constants arrive without cells when weights are fixed (they become coefficients), and
        // as witness cells when weights are private or hashed.
        let operand = |i: usize| -> Option<Operand<'_>> {
            match (ctx.ins.get(i), &ctx.q.tensors[ctx.node.inputs[i]].value) {
                (Some(c), _) if !c.is_empty() => Some(Operand::Cells(c)),
                (_, Some(w)) => Some(Operand::Fixed(w)),
                (c, None) => c.map(|c| Operand::Cells(c)),
            }
        };
        let (Some(a), Some(w)) = (operand(0), operand(1)) else {
            return MatMulCells::default();
        };
        let freivalds = match b.linear {
            LinearCheck::Freivalds => true,
            LinearCheck::Dot => false,
            LinearCheck::Auto => {
                let outs = ab.len() * m * n;
                let plain = outs * (1 + a.per_term().min(w.per_term()) * k);
                let distinct_b = bb.iter().collect::<std::collections::BTreeSet<_>>().len();
                let rows = conv_window(ctx, a, m, k).map_or_else(
                    || m * (horner_cells(n, b.mac3) + 1 + a.per_term() * k),
                    |win| window::cells(&win, n, b.mac3),
                );
                let check = outs + distinct_b * k * w.powers_cells(n, b.mac3) + ab.len() * rows;
                check + FREIVALDS_MIN_SAVING < plain
            }
        };
        if freivalds {
            return freivalds_matmul(b, ctx, claim, (a, w), (m, k, n), (&ab, &bb));
        }
        let mut out = Vec::with_capacity(ab.len() * m * n);
        for (&ia, &ib) in ab.iter().zip(&bb) {
            for i in 0..m {
                for j in 0..n {
                    let a_at = |p: usize| (ia * m + i) * k + p;
                    let b_at = |p: usize| (ib * k + p) * n + j;
                    let cell = match (a, w) {
                        (Operand::Cells(x), Operand::Fixed(w)) => {
                            let terms: Vec<(Cell, i128)> =
                                (0..k).map(|p| (x[a_at(p)], i128::from(w[b_at(p)]))).collect();
                            b.lincomb(&terms, 0)
                        }
                        (Operand::Fixed(w), Operand::Cells(x)) => {
                            let terms: Vec<(Cell, i128)> =
                                (0..k).map(|p| (x[b_at(p)], i128::from(w[a_at(p)]))).collect();
                            b.lincomb(&terms, 0)
                        }
                        (Operand::Cells(x), Operand::Cells(y)) => {
                            let pairs: Vec<(Cell, Cell)> =
                                (0..k).map(|p| (x[a_at(p)], y[b_at(p)])).collect();
                            b.dot(&pairs)
                        }
                        // The importer folds constant products; should one remain, it is a
                        // constant of the circuit.
                        (Operand::Fixed(x), Operand::Fixed(w)) => b.constant(
                            (0..k).map(|p| i128::from(x[a_at(p)]) * i128::from(w[b_at(p)])).sum(),
                        ),
                    };
                    out.push(cell);
                }
            }
        }
        MatMulCells { out, rescaled: None }
    }

    fn reduce_sum(&mut self, ctx: &Ctx<'_>, axes: &[usize]) -> Vec<Cell> {
        let b = &mut *self.b;
        let terms = ctx.ins[0].iter().map(|&x| (x, 1));
        by_output(ctx, axes, terms).iter().map(|g| b.lincomb(g, 0)).collect()
    }

    fn reduce_products(
        &mut self,
        ctx: &Ctx<'_>,
        axes: &[usize],
        factors: &[(Cell, Cell)],
    ) -> Vec<Cell> {
        let b = &mut *self.b;
        by_output(ctx, axes, factors.iter().copied()).iter().map(|g| b.dot(g)).collect()
    }
}

/// The input elements `items` (row-major over the reduced input) grouped by the output
/// element a sum over `axes` adds them to.
fn by_output<T: Clone>(
    ctx: &Ctx<'_>,
    axes: &[usize],
    items: impl Iterator<Item = T>,
) -> Vec<Vec<T>> {
    let (_, map) = reduce_index_map(&ctx.q.tensors[ctx.node.inputs[0]].shape, axes);
    let mut groups: Vec<Vec<T>> = vec![Vec::new(); ctx.out_len()];
    for (item, &o) in items.zip(&map) {
        groups[o].push(item);
    }
    groups
}
