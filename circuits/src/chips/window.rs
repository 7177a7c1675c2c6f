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
//! over the inputs the tap reads. Each input row's `F[y] = Σ_x β^x·X[y, x]` is made once; a
//! tap's row sum is F less the few values at the row's ends the tap does not read, times a
//! power of β, and the same again down the columns with α. Every power is shifted up by
//! `(k_h − 1, k_w − 1)` so none is negative; the left side is multiplied by `α^(k_h−1)·β^(k_w−1)`
//! to match. The copy's cells are checked against the window before any of this is used.

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
        Self { alpha, beta, shift }
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
        let full: Vec<Cell> = (0..h)
            .map(|y| {
                let pairs: Vec<(Cell, Cell)> = (0..wd).map(|x| (row(y, x), pw.beta[x])).collect();
                b.late_dot(&pairs)
            })
            .collect();
        for dx in 0..kw {
            // Tap dx reads x = ox + dx − p_l for ox < W_out.
            let unread = outside(wd, dx, pl, wo);
            let by_row: Vec<Cell> = (0..h)
                .map(|y| {
                    let pairs: Vec<(Cell, Cell)> =
                        unread.iter().map(|&x| (row(y, x), pw.beta[x])).collect();
                    let part = less(b, full[y], &pairs);
                    times(b, part, pw.beta[pl + kw - 1 - dx])
                })
                .collect();
            let pairs: Vec<(Cell, Cell)> = (0..h).map(|y| (by_row[y], pw.alpha[y])).collect();
            let column = b.late_dot(&pairs);
            for dy in 0..kh {
                let unread = outside(h, dy, pt, ho);
                let pairs: Vec<(Cell, Cell)> =
                    unread.iter().map(|&y| (by_row[y], pw.alpha[y])).collect();
                let part = less(b, column, &pairs);
                let tap = times(b, part, pw.alpha[pt + kh - 1 - dy]);
                taps.push((v[(ci * kh + dy) * kw + dx], tap));
            }
        }
    }
    b.late_dot(&taps)
}

/// `Σ_i s_i·lhs_i` for the rows' `Y_i·r`, times the shift, to compare with [`weighed_input`].
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

/// Second-phase cells of one slice's check beyond the rows' `Y_i·r` (for the cost model):
/// the row sums of every channel, each tap's corrections and the two weighings.
pub(super) fn cells(w: &Window) -> usize {
    let [h, wd] = w.input;
    let [ho, wo] = w.output;
    let [kh, kw] = w.kernel;
    let (ex, ey) = (wd.saturating_sub(wo), h.saturating_sub(ho));
    let per_channel =
        h * (1 + 3 * wd) + kw * h * (12 + 3 * ex) + kw * (1 + 3 * h) + kh * kw * (12 + 3 * ey);
    w.channels * (per_channel + 3 * kh * kw) + ho * (4 + 3 * wo)
}

/// Positions `0..len` that tap `d` (of padding `pad`, `out` outputs) does not read.
fn outside(len: usize, d: usize, pad: usize, out: usize) -> Vec<usize> {
    (0..len).filter(|&x| x + pad < d || x + pad >= d + out).collect()
}

/// `sum − Σ a·b` (just `sum` when there is nothing to take away).
fn less(b: &mut Builder, sum: Cell, pairs: &[(Cell, Cell)]) -> Cell {
    let zero = b.constant(0);
    if pairs.iter().all(|&(a, _)| a == zero) {
        return sum;
    }
    let taken = b.late_dot(pairs);
    b.late_lincomb(&[(sum, 1), (taken, -1)])
}
