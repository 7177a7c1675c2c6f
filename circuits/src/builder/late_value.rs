//! The log entry of a second-phase cell: its value depends on a challenge drawn after the
//! first phase is committed, so the builder records how to compute it and replays the log
//! once the challenge is known (see [`crate::freivalds`]).

use super::Cell;

/// How a second-phase cell's value follows from earlier cells and the challenge `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateValue {
    /// The value of another cell (an operand copied into a chain).
    Copy(Cell),
    /// `acc + coef·x`.
    Mac {
        /// Running sum.
        acc: Cell,
        /// Term.
        x: Cell,
        /// Fixed coefficient.
        coef: i128,
    },
    /// `acc + Σ coef·x` over three terms.
    Mac3 {
        /// Running sum.
        acc: Cell,
        /// Terms and their fixed coefficients.
        terms: [(Cell, i128); 3],
    },
    /// `acc·c³ + t0·c² + t1·c + t2`: three Horner steps of a polynomial in the challenge.
    Horner3 {
        /// Value of the higher coefficients so far.
        acc: Cell,
        /// The next three coefficients, highest first.
        terms: [Cell; 3],
    },
    /// `a + b·(c_cell + f·c)`.
    MulAdd {
        /// Addend.
        a: Cell,
        /// Multiplicand.
        b: Cell,
        /// Multiplier cell.
        c: Cell,
        /// Fixed multiple of the challenge added to the multiplier.
        f: i128,
    },
}
