//! The input side of a convolution's Freivalds check, weighing each input value once.
//!
//! A Freivalds check of `Y = A·B` compares `Y_i·r` with `A_i·v` (`v = B·r`) row by row. For a
//! convolution A is the im2col copy of the input, so the rows' `A_i·v` read every input value
//! once per kernel tap. Combining the rows with `s_i = α^oy·β^ox` instead, where `α = c^(n·W_out)`,
//! `β = c^n` and `r_j = c^j`, the single check `Σ_i s_i·Y_i·r = Σ_i s_i·A_i·v` is a polynomial
//! identity in `c` with its own power `c^(n·i + j)` for every entry of Y (degree < m·n), and its
//! right side separates by axis:
//!
//! `Σ_(ci,dy,dx) v_(ci,dy,dx) · Σ_(y,x) α^(y + p_t − dy)·β^(x + p_l − dx)·X[ci, y, x]`
//!
//! over the inputs the tap reads. Each input row's `F[y] = Σ_x β^x·X[y, x]` is made once, as a
//! chain whose running sums are cells, so a tap's row sum (one run of positions) is the
//! difference of two of them; the same again down the columns with α, and each tap's sum is
//! multiplied by its power once. Every power is shifted up by `(k_h − 1, k_w − 1)` so none is
//! negative; the left side is multiplied by `α^(k_h−1)·β^(k_w−1)` to match. The copy's cells are
//! checked against the window before any of this is used.

use crate::builder::{Builder, Cell};
use crate::freivalds::FreivaldsInstructions;
pub(super) use zkinfer_quantize::Window;

/// Whether `w` describes an im2col copy of `m` rows of `k` entries: a stride-1 window whose
/// input is no larger than its outputs and kernel span (so nothing below can overflow or index
/// past its powers).
pub(super) fn fits(w: &Window, m: usize, k: usize) -> bool {
    let [h, wd] = w.input;
    let [ho, wo] = w.output;
    let [kh, kw] = w.kernel;
    kh >= 1
        && kw >= 1
        && ho.checked_mul(wo) == Some(m)
        && w.channels.checked_mul(kh).and_then(|c| c.checked_mul(kw)) == Some(k)
        && h < ho + kh
        && wd < wo + kw
        && w.pad[0] < ho + kh
        && w.pad[1] < wo + kw
}

/// The powers of α and β one convolution's checks use.
pub(super) struct Powers {
    alpha: Vec<Cell>,
    beta: Vec<Cell>,
    /// `α^(k_h−1)·β^(k_w−1)`.
    shift: Cell,
    /// Per tap `(dy, dx)`, `α^(p_t + k_h − 1 − dy)·β^(p_l + k_w − 1 − dx)`: the power its sum
    /// over the input is shifted by, the same for every channel.
    tap: Vec<Cell>,
}

impl Powers {
    /// Powers for output rows of `n` values (`r` = c^0 … c^(n−1) already laid out).
    pub(super) fn new(b: &mut Builder, w: &Window, n: usize) -> Self {
        let [h, wd] = w.input;
        let [ho, wo] = w.output;
        let [kh, kw] = w.kernel;
        let [pt, pl] = w.pad;
        let pw = b.challenge_powers(n.max(2));
        let c = pw[1];
        let beta_base = if n == 1 { c } else { b.late_dot(&[(pw[n - 1], c)]) };
        let beta = powers(b, beta_base, wd.max(pl + kw).max(wo + 1));
        let alpha = powers(b, beta[wo], h.max(ho).max(pt + kh));
        let shift = times(b, alpha[kh - 1], beta[kw - 1]);
        let mut tap = Vec::with_capacity(kh * kw);
        for dy in 0..kh {
            for dx in 0..kw {
                tap.push(times(b, alpha[pt + kh - 1 - dy], beta[pl + kw - 1 - dx]));
            }
        }
        Self { alpha, beta, shift, tap }
    }
}

/// `[1, x, x², …]`, `len` of them.
fn powers(b: &mut Builder, x: Cell, len: usize) -> Vec<Cell> {
    let mut out = vec![b.constant(1)];
    while out.len() < len {
        let last = out[out.len() - 1];
        let next = times(b, last, x);
        out.push(next);
    }
    out
}

/// `x·p`, free when either is the constant 1.
fn times(b: &mut Builder, x: Cell, p: Cell) -> Cell {
    let one = b.constant(1);
    if p == one {
        x
    } else if x == one {
        p
    } else {
        b.late_dot(&[(x, p)])
    }
}

/// The input cells `[C][H][W]` of one im2col slice whose row `i`, entry `p` is `at(i, p)`, when
/// every entry is the input value the window says it copies (or the constant 0 in the
/// padding); `None` when any is not.
pub(super) fn input_grid(
    b: &mut Builder,
    w: &Window,
    at: impl Fn(usize, usize) -> Cell,
) -> Option<Vec<Cell>> {
    let zero = b.constant(0);
    let [h, wd] = w.input;
    let [ho, wo] = w.output;
    let [kh, kw] = w.kernel;
    let [pt, pl] = w.pad;
    let mut grid: Vec<Option<Cell>> = vec![None; w.channels * h * wd];
    for oy in 0..ho {
        for ox in 0..wo {
            for ci in 0..w.channels {
                for dy in 0..kh {
                    for dx in 0..kw {
                        let cell = at(oy * wo + ox, (ci * kh + dy) * kw + dx);
                        let y = (oy + dy).checked_sub(pt).filter(|&y| y < h);
                        let x = (ox + dx).checked_sub(pl).filter(|&x| x < wd);
                        match (y, x) {
                            (Some(y), Some(x)) => {
                                let slot = &mut grid[(ci * h + y) * wd + x];
                                match *slot {
                                    None => *slot = Some(cell),
                                    Some(prev) if prev == cell => {}
                                    Some(_) => return None,
                                }
                            }
                            _ if cell == zero => {}
                            _ => return None,
                        }
                    }
                }
            }
        }
    }
    Some(grid.into_iter().map(|c| c.unwrap_or(zero)).collect())
}

/// `α^(k_h−1)·β^(k_w−1)·Σ_i s_i·A_i·v` from the input grid (see the module documentation).
/// Each input row's running sums `Σ_(x'<x) β^x'·X[y, x']` come with its row sum, so a tap's
/// share of the row is one difference; the same down the columns with α; and a tap's power
/// multiplies its whole sum once.
pub(super) fn weighed_input(
    b: &mut Builder,
    w: &Window,
    grid: &[Cell],
    v: &[Cell],
    pw: &Powers,
) -> Cell {
    let [h, wd] = w.input;
    let [ho, wo] = w.output;
    let [kh, kw] = w.kernel;
    let [pt, pl] = w.pad;
    let mut taps = Vec::with_capacity(w.channels * kh * kw);
    for ci in 0..w.channels {
        let row = |y: usize, x: usize| grid[(ci * h + y) * wd + x];
        let rows: Vec<Vec<Cell>> = (0..h)
            .map(|y| {
                let pairs: Vec<(Cell, Cell)> = (0..wd).map(|x| (row(y, x), pw.beta[x])).collect();
                b.late_dot_prefixes(&pairs)
            })
            .collect();
        for dx in 0..kw {
            let (lo, hi) = read(wd, dx, pl, wo);
            let share: Vec<(Cell, Cell)> = (0..h)
                .map(|y| (b.late_difference(rows[y][hi], rows[y][lo]), pw.alpha[y]))
                .collect();
            let column = b.late_dot_prefixes(&share);
            for dy in 0..kh {
                let (lo, hi) = read(h, dy, pt, ho);
                let part = b.late_difference(column[hi], column[lo]);
                let tap = times(b, part, pw.tap[dy * kw + dx]);
                taps.push((v[(ci * kh + dy) * kw + dx], tap));
            }
        }
    }
    b.late_dot(&taps)
}

/// `Σ_i s_i·lhs_i` for the rows' `Y_i·r`, times the shift, to compare with [`weighed_input`]
/// (without the three-term gate, whose Horner steps [`weighed_slice`] needs).
pub(super) fn weighed_output(b: &mut Builder, w: &Window, lhs: &[Cell], pw: &Powers) -> Cell {
    let [ho, wo] = w.output;
    let rows: Vec<(Cell, Cell)> = (0..ho)
        .map(|oy| {
            let pairs: Vec<(Cell, Cell)> =
                (0..wo).map(|ox| (lhs[oy * wo + ox], pw.beta[ox])).collect();
            (b.late_dot(&pairs), pw.alpha[oy])
        })
        .collect();
    let total = b.late_dot(&rows);
    times(b, total, pw.shift)
}

/// The same left side from the slice's outputs `ys` (row-major, `n` a position): since
/// `s_i·r_j = c^(n·i + j)`, each output row's share is the polynomial in `c` with that row's
/// outputs as coefficients, one Horner pass at 4/3 cells an output, and the rows are weighed
/// by α, where each position's `Y_i·r` and their weighing took more. Only for rows of at most
/// [`WHOLE_ROW`] outputs: a pass is one run of about 4/3 cells an output, which the planner
/// must fit in one column.
pub(super) fn weighed_slice(b: &mut Builder, w: &Window, ys: &[Cell], pw: &Powers) -> Cell {
    let [ho, _] = w.output;
    debug_assert!(
        ho <= pw.alpha.len() && ys.len().is_multiple_of(ho.max(1)),
        "a slice of whole rows"
    );
    let per_row = ys.len() / ho.max(1);
    let rows: Vec<(Cell, Cell)> = ys
        .chunks(per_row.max(1))
        .zip(&pw.alpha)
        .map(|(row, &alpha)| (b.late_powers_sum(row), alpha))
        .collect();
    let total = b.late_dot(&rows);
    times(b, total, pw.shift)
}

/// Most outputs of one output row (positions times values) that [`weighed_slice`] sums in one
/// Horner pass.
pub(super) const WHOLE_ROW: usize = 3 << 9;

/// Whether [`weighed_slice`] weighs a slice of `n` values a position (with the three-term gate).
pub(super) fn whole_rows(w: &Window, n: usize, mac3: bool) -> bool {
    mac3 && w.output[1].saturating_mul(n) <= WHOLE_ROW
}

/// Second-phase cells of one slice's check (for the cost model): the left side over `m`
/// outputs of `n` values (with or without the three-term gate), the running sums of every
/// input row, each tap's differences and the weighing of the taps.
pub(super) fn cells(w: &Window, n: usize, mac3: bool) -> usize {
    let [h, wd] = w.input;
    let [ho, wo] = w.output;
    let [kh, kw] = w.kernel;
    let per_channel = h * (1 + 3 * wd) + kw * (3 * h + 1 + 3 * h) + kh * kw * (3 + 4 + 3);
    let left = if whole_rows(w, n, mac3) {
        ho * (crate::freivalds::horner_cells(wo * n, true) + 3) + 5
    } else {
        ho * wo * crate::freivalds::horner_cells(n, false) + ho * (4 + 3 * wo)
    };
    w.channels * per_channel + left
}

/// The positions `lo..hi` of `0..len` that tap `d` (of padding `pad`, `out` outputs) reads:
/// `x` with `d ≤ x + pad < d + out`, one run since the stride is 1.
fn read(len: usize, d: usize, pad: usize, out: usize) -> (usize, usize) {
    let hi = (d + out).saturating_sub(pad).min(len);
    (d.saturating_sub(pad).min(hi), hi)
}
