//! The quantized graph: integer tensors with power-of-two scales and a small set of integer
//! primitives. This is the contract between quantization, the evaluator and the circuits:
//! each [`QOp`] has exactly one integer meaning, implemented in `eval` and constrained by a
//! chip of the same name.

use serde::{Deserialize, Serialize};

/// Index of a tensor in [`QGraph::tensors`].
pub type QId = usize;

/// A fixed-point tensor: real value = integer / 2^scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QTensor {
    /// ONNX name for tensors that mirror one, `node#k` for internal ones.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Scale exponent.
    pub scale: i32,
    /// Every value satisfies |q| <= bound.
    pub bound: u64,
    /// True when `bound` comes from calibration and must be enforced by a range check; false
    /// when it follows from the inputs' bounds.
    pub checked: bool,
    /// Values of constants (weights, biases, pad values).
    pub value: Option<Vec<i64>>,
    /// For a convolution's im2col copy, the window it slides (see [`Window`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
}

/// The sliding window of a stride-1, undilated 1-D or 2-D convolution, recorded on its im2col
/// copy (`[N, G, H_out·W_out, C·k_h·k_w]`: output positions row-major, then each input channel
/// of the group with its taps row-major). A Freivalds check of the convolution's matmul can
/// then weigh every input value once instead of once per tap it appears in; the circuit checks
/// the copy's cells against this description before relying on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Input channels per group.
    pub channels: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Output height and width.
    pub output: [usize; 2],
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Padding before the first row and column.
    pub pad: [usize; 2],
}

/// Where one output element of a [`QOp::Copy`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopySrc {
    /// Input position, or [`CopySrc::ZERO`] for the constant 0.
    pub input: u32,
    /// Flat element index in that input.
    pub index: u32,
}

impl CopySrc {
    /// Marker input for a literal zero.
    pub const ZERO: u32 = u32::MAX;
}

/// Element-wise function tabulated by a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum LookupFn {
    Sigmoid,
    Tanh,
    Exp,
    /// e^−x, softmax's exponential of the gaps below the row maximum.
    NegExp,
    Erf,
    Gelu {
        tanh: bool,
    },
    /// alpha·(e^x − 1), the negative branch of ELU.
    EluNeg {
        alpha: f64,
    },
    Softplus,
    HardSigmoid {
        alpha: f64,
        beta: f64,
    },
    /// x^p for a constant non-integer p.
    Pow {
        p: f64,
    },
    HardSwish,
    Softsign,
    Selu {
        alpha: f64,
        gamma: f64,
    },
    Mish,
    /// x·sigmoid(x).
    Silu,
    /// Natural logarithm; inputs below `floor` (the calibrated minimum shrunk by the
    /// headroom, so outside the calibrated range) read as `floor`, keeping the table finite.
    Log {
        floor: f64,
    },
}

impl LookupFn {
    /// The real function.
    #[must_use]
    pub fn apply(self, x: f64) -> f64 {
        use zkinfer_model_import::ops::Unary;
        match self {
            Self::Sigmoid => Unary::Sigmoid.apply(x),
            Self::Tanh => Unary::Tanh.apply(x),
            Self::Exp => Unary::Exp.apply(x),
            Self::NegExp => Unary::Exp.apply(-x),
            Self::Erf => Unary::Erf.apply(x),
            Self::Gelu { tanh } => Unary::Gelu { tanh }.apply(x),
            Self::EluNeg { alpha } => alpha * libm::expm1(x),
            Self::Softplus => Unary::Softplus.apply(x),
            Self::HardSigmoid { alpha, beta } => Unary::HardSigmoid { alpha, beta }.apply(x),
            Self::Pow { p } => libm::pow(x, p),
            Self::HardSwish => Unary::HardSwish.apply(x),
            Self::Softsign => Unary::Softsign.apply(x),
            Self::Selu { alpha, gamma } => Unary::Selu { alpha, gamma }.apply(x),
            Self::Mish => Unary::Mish.apply(x),
            Self::Silu => Unary::Silu.apply(x),
            Self::Log { floor } => Unary::Log.apply(x.max(floor)),
        }
    }

    /// Short name for messages and region names.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
            Self::Exp => "exp",
            Self::NegExp => "negexp",
            Self::Erf => "erf",
            Self::Gelu { .. } => "gelu",
            Self::EluNeg { .. } => "elu",
            Self::Softplus => "softplus",
            Self::HardSigmoid { .. } => "hardsigmoid",
            Self::Pow { .. } => "pow",
            Self::HardSwish => "hardswish",
            Self::Softsign => "softsign",
            Self::Selu { .. } => "selu",
            Self::Mish => "mish",
            Self::Silu => "silu",
            Self::Log { .. } => "log",
        }
    }
}

/// A lookup table with linear interpolation. Grid point `i` stands for the input
/// `x = i·2^step` and holds `T[i] = round(f(x / 2^in_scale) · 2^out_scale)`. An input
/// `x = hi·2^step + lo` (`0 ≤ lo < 2^step`) maps to
/// `T[hi] + floor(((T[hi+1] − T[hi])·lo + 2^(step−1)) / 2^step)`, and to `T[x]` when
/// `step = 0`. Small grids thus stay accurate (error ≈ h²·|f''|/8 for grid spacing h), which
/// keeps tables, and so circuits, small. A factored table (an exponential, see
/// [`Table::factor`]) is read without interpolation. Nodes with the same table spec share it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Function.
    pub func: LookupFn,
    /// Scale of the input.
    pub in_scale: i32,
    /// Scale of the output.
    pub out_scale: i32,
    /// First grid index.
    pub lo: i64,
    /// Last grid index.
    pub hi: i64,
    /// log2 of the grid spacing in input units.
    pub step: u32,
    /// For a function with `f(a + b) = f(a)·f(b)` (e^−x), the scale `low` of a second table
    /// `L[j] = round(f(j / 2^in_scale)·2^low)` over `0 ≤ j < 2^step`: an input
    /// `x = hi·2^step + lo` maps to `round(T[hi]·L[lo] / 2^low)`, two exact lookups and one
    /// rescaled product where interpolation takes three lookups, a product and two range
    /// checks. Its grid starts at 0, and `hi` is the last grid point an input reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<u32>,
}

impl Table {
    /// Grid entry `i` (no range check).
    #[must_use]
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn entry(&self, i: i64) -> i64 {
        let real = (i as f64) * 2f64.powi(self.step.cast_signed()) / 2f64.powi(self.in_scale);
        (self.func.apply(real) * 2f64.powi(self.out_scale)).round() as i64
    }

    /// Entry `j` of a factored table's low factor ([`Table::factor`]); 0 without one. At most
    /// `2^low − 1`: e^0 = 1 is one unit short, so a product's rounding stays below `2^low` and
    /// fits the bits of its scale (one range table or bound table fewer).
    #[must_use]
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn low_entry(&self, j: i64) -> i64 {
        self.factor.map_or(0, |low| {
            let real = (j as f64) / 2f64.powi(self.in_scale);
            let top = (1i64 << low) - 1;
            ((self.func.apply(real) * 2f64.powi(low.cast_signed())).round() as i64).min(top)
        })
    }

    /// Whether `func` is finite at the grid's ends and at 0 (a log's table must not reach 0).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn finite_on_grid(&self) -> bool {
        [self.lo, self.hi, 0.clamp(self.lo, self.hi)].iter().all(|&i| {
            let real = ((i << self.step) as f64) / 2f64.powi(self.in_scale);
            self.func.apply(real).is_finite()
        })
    }

    /// Inputs the table accepts, inclusive.
    #[must_use]
    pub fn input_range(&self) -> (i64, i64) {
        if self.factor.is_some() {
            (self.lo << self.step, ((self.hi + 1) << self.step) - 1)
        } else if self.step == 0 {
            (self.lo, self.hi)
        } else {
            (self.lo << self.step, (self.hi << self.step) - 1)
        }
    }

    /// The interpolated value at `x`, or `None` outside [`Table::input_range`].
    #[must_use]
    pub fn eval(&self, x: i64) -> Option<i64> {
        let (a, b) = self.input_range();
        if x < a || x > b {
            return None;
        }
        if self.step == 0 {
            return Some(self.entry(x));
        }
        let hi = x >> self.step;
        if let Some(low) = self.factor {
            let product =
                i128::from(self.entry(hi)) * i128::from(self.low_entry(x & ((1 << self.step) - 1)));
            return i64::try_from((product + (1i128 << (low - 1))) >> low).ok();
        }
        let lo = i128::from(x - (hi << self.step));
        let (f0, f1) = (i128::from(self.entry(hi)), i128::from(self.entry(hi + 1)));
        let frac = ((f1 - f0) * lo + (1i128 << (self.step - 1))) >> self.step;
        i64::try_from(f0 + frac).ok()
    }

    /// Number of grid entries.
    #[must_use]
    pub fn len(&self) -> u64 {
        u64::try_from(self.hi - self.lo + 1).unwrap_or(0)
    }

    /// True for an empty grid.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hi < self.lo
    }

    /// Largest |entry|; interpolated values lie between neighbouring entries, so this bounds
    /// the output.
    #[must_use]
    pub fn max_abs(&self) -> u64 {
        let top = (self.lo..=self.hi).map(|x| self.entry(x).unsigned_abs()).max().unwrap_or(0);
        match self.factor {
            Some(low) => {
                let factor = self.low_entries().map(i64::unsigned_abs).max().unwrap_or(0);
                let product = u128::from(top) * u128::from(factor) + (1u128 << (low - 1));
                u64::try_from(product >> low).unwrap_or(u64::MAX)
            }
            None => top,
        }
    }

    /// The low factor's entries `L[0..2^step]` (none without a factor).
    pub fn low_entries(&self) -> impl Iterator<Item = i64> + '_ {
        let n = if self.factor.is_some() { 1i64 << self.step } else { 0 };
        (0..n).map(|j| self.low_entry(j))
    }

    /// Whether no entry is negative, so neither is any interpolated value.
    #[must_use]
    pub fn non_negative(&self) -> bool {
        (self.lo..=self.hi).all(|x| self.entry(x) >= 0) && self.low_entries().all(|v| v >= 0)
    }
}

/// Comparison kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum CmpKind {
    Equal,
    Less,
    Greater,
}

/// The integer primitives. Broadcasting follows numpy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QOp {
    /// Model input `index`, quantized as round(x·2^scale).
    Input {
        /// Position among the model inputs.
        index: usize,
    },
    /// Pure data movement: output element i is `map[i]` (reshape, transpose, slice, concat,
    /// pad, tile, im2col, …). All inputs share the output's scale, except in a view of one input
    /// at another scale (a product by a power of two, see `lower::arithmetic`).
    Copy {
        /// Source of each output element.
        map: Vec<CopySrc>,
    },
    /// Σ coeffs[i]·input[i], broadcast. Adds, subtracts, negates and aligns scales.
    Add {
        /// One integer coefficient per input.
        coeffs: Vec<i64>,
    },
    /// Element-wise product, broadcast; scale is the sum of the input scales.
    Mul,
    /// Batched matrix product `[..., m, k] × [..., k, n]` with broadcast batch dims.
    MatMul,
    /// floor((x + 2^(shift−1)) / 2^shift): division by a power of two, rounding half up.
    Rescale {
        /// Bits removed (≥ 1).
        shift: u32,
    },
    /// max(x, 0).
    Relu,
    /// |x|.
    Abs,
    /// Element-wise max of two inputs, broadcast.
    Max,
    /// Element-wise min of two inputs, broadcast.
    Min,
    /// floor((2·num·2^shift + den) / (2·den)): rounded division; every divisor must be > 0.
    Div {
        /// Extra fractional bits of the quotient.
        shift: u32,
    },
    /// round(sqrt(x·2^shift)); x must be ≥ 0.
    Sqrt {
        /// Bits added before the root.
        shift: u32,
    },
    /// Table lookup; the input must lie in the table's range.
    Lookup {
        /// Index into [`QGraph::tables`].
        table: usize,
    },
    /// Sum over axes (kept as size 1).
    ReduceSum {
        /// Reduced axes.
        axes: Vec<usize>,
    },
    /// Max over axes (kept as size 1).
    ReduceMax {
        /// Reduced axes.
        axes: Vec<usize>,
    },
    /// Min over axes (kept as size 1).
    ReduceMin {
        /// Reduced axes.
        axes: Vec<usize>,
    },
    /// Index of the first (or last) maximum along an axis (kept as size 1).
    ArgMax {
        /// Axis.
        axis: usize,
        /// Pick the last maximal index.
        select_last: bool,
    },
    /// `data[..., indices[j], ...]` with input-dependent integer indices (embeddings).
    Gather {
        /// Axis of `data` indexed.
        axis: usize,
    },
    /// cond ? x : y with cond ∈ {0, 1}, broadcast.
    Select,
    /// 1 when the comparison holds, else 0; broadcast.
    Compare {
        /// Comparison.
        kind: CmpKind,
    },
}

impl QOp {
    /// Short name, matching the circuit chip.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Input { .. } => "input",
            Self::Copy { .. } => "copy",
            Self::Add { .. } => "add",
            Self::Mul => "mul",
            Self::MatMul => "matmul",
            Self::Rescale { .. } => "rescale",
            Self::Relu => "relu",
            Self::Abs => "abs",
            Self::Max => "max",
            Self::Min => "min",
            Self::Div { .. } => "div",
            Self::Sqrt { .. } => "sqrt",
            Self::Lookup { .. } => "lookup",
            Self::ReduceSum { .. } => "reduce_sum",
            Self::ReduceMax { .. } => "reduce_max",
            Self::ReduceMin { .. } => "reduce_min",
            Self::ArgMax { .. } => "argmax",
            Self::Gather { .. } => "gather",
            Self::Select => "select",
            Self::Compare { .. } => "compare",
        }
    }
}

/// One primitive application, tagged with the ONNX node it implements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QNode {
    /// Primitive.
    pub op: QOp,
    /// Input tensors.
    pub inputs: Vec<QId>,
    /// Output tensor.
    pub output: QId,
    /// ONNX node name.
    pub node: String,
    /// ONNX op type.
    pub onnx_op: String,
}

/// A quantized model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QGraph {
    /// All tensors.
    pub tensors: Vec<QTensor>,
    /// Primitives in evaluation order.
    pub nodes: Vec<QNode>,
    /// Tensor of each model input.
    pub inputs: Vec<QId>,
    /// Tensor of each model output.
    pub outputs: Vec<QId>,
    /// Lookup tables.
    pub tables: Vec<Table>,
    /// Which of inputs and outputs are public instances (inputs first, then outputs).
    #[serde(default)]
    pub visibility: crate::settings::Visibilities,
}

/// Number of bits needed for magnitudes up to `bound`.
#[must_use]
pub fn bits_for(bound: u128) -> u32 {
    128 - bound.leading_zeros()
}
