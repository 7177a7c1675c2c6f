//! What a proven bound leaves behind for later readers of the same cell.

use super::Cell;

/// What proving a value's bound left behind for later readers: `max(v, 0)` (a ReLU of `v`
/// costs nothing more) and, for a sign-magnitude split, `|v|`.
///
/// Two proofs exist. A *bound table* lookup: `(v, max(v, 0))` is an entry of the table of
/// exactly `[−B, B]`, one lookup and no gate cell. A *sign-magnitude split*:
/// `v = (2σ − 1)·m` with `σ ∈ {0, 1}` and `m` a range-checked integer, so `|v| = m`; calibrated
/// bounds are `2^c − 1`, which this proves exactly with one limb decomposition (a
/// two's-complement split would admit −2^c). The sign bit is not kept: at 0 either σ
/// satisfies the gates, harmless for ReLU (`σ·m` is 0 either way) and |v| but a free choice
/// for a comparison, which uses [`crate::RangeInstructions::sign`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// `max(v, 0)`.
    pub positive: Cell,
    /// `|v|`, for a sign-magnitude split.
    pub magnitude: Option<Cell>,
    /// The largest magnitude the proof admits.
    pub max: u64,
}
