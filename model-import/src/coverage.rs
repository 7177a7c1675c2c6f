//! The ONNX op coverage manifest: what zkinfer imports, quantizes and will prove.
//!
//! This table is the single source of truth. The importer rejects any op not listed here, the
//! per-op tests in `quantize` and `circuits` must cover every entry, and `docs/ops.md` is
//! generated from it with the primitives and chips of each op (`circuits/tests/ops.rs`).

/// One supported ONNX operator.
#[derive(Clone, Copy, Debug)]
pub struct OpCoverage {
    /// ONNX op type.
    pub op: &'static str,
    /// Family: one vocabulary for import and lowering. `model-import/src/ops` and
    /// `quantize/src/lower` handle a family in the module of its name, except `linear`
    /// (import: `conv`, `matmul`), `shape` (import: also `slice`, `scatter`, `resize`,
    /// `triangular`, which holds `CumSum` too), `reduce` (lowered in `pool`), `recurrent` and
    /// `ml` (rewritten at import into ops of the other families), and `Clip` and `Cast`
    /// (lowered in `arithmetic`). The circuit is keyed by primitives, not families:
    /// docs/ops.md maps each op to its primitives and chips.
    pub family: &'static str,
    /// How it is computed in fixed point, and its limits.
    pub notes: &'static str,
}

macro_rules! ops {
    ($($op:literal, $fam:literal, $notes:literal;)*) => {
        &[$(OpCoverage { op: $op, family: $fam, notes: $notes }),*]
    };
}

/// Every supported op, alphabetically.
pub const COVERAGE: &[OpCoverage] = ops![
    "Abs", "elementwise", "exact, sign from a range check";
    "Add", "arithmetic", "exact after aligning scales; numpy broadcasting (before opset 7, broadcast=1 lines B up at axis, as for Sub, Mul, Div and Pow); two inputs";
    "ArgMax", "reduce", "exact; one axis";
    "ArrayFeatureExtractor", "ml (ai.onnx.ml)", "elements of the last axis at the given indices: constant indices are copies, input-dependent indices into a constant table (a label list) a lookup";
    "AveragePool", "pool", "1-D/2-D/3-D; window sum then rounded division by the window count";
    "BatchNormalization", "norm", "inference mode; folded into a per-channel multiply-add";
    "Cast", "shape", "free between numeric types when the value is already integral; float→int of fractional tensors unsupported";
    "Clip", "elementwise", "exact max/min against constant bounds";
    "Concat", "shape", "copy constraints only";
    "Constant", "shape", "folded";
    "ConstantOfShape", "shape", "folded; shape must be constant";
    "Conv", "linear", "1-D/2-D/3-D, groups, dilations, any padding; im2col + matmul, rescaled";
    "ConvTranspose", "linear", "1-D/2-D/3-D, groups, output_padding/output_shape; im2col + matmul, rescaled";
    "CumSum", "arithmetic", "constant axis; a matmul by a constant 0/1 triangular matrix (exclusive and reverse honoured), exact";
    "Div", "arithmetic", "by a constant: multiply by its reciprocal; by a tensor: rounded division, divisor must be positive (one shared by many numerators: its reciprocal once, then a rounded product, within one unit)";
    "Dropout", "elementwise", "identity (inference)";
    "Elu", "elementwise", "identity for x ≥ 0, lookup table below";
    "Equal", "arithmetic", "exact comparison; folded when constant";
    "Erf", "elementwise", "lookup table over the calibrated range";
    "Exp", "elementwise", "lookup table over the calibrated range";
    "Expand", "shape", "copy constraints only; target shape must be constant";
    "Flatten", "shape", "free (reshape)";
    "GRU", "recurrent", "unrolled over the fixed sequence length: input and recurrence matmuls, sigmoid/tanh lookups, elementwise products; all directions, both layouts, initial state, linear_before_reset 0 or 1; default activations only";
    "Gather", "shape", "constant indices: copy constraints; input-dependent indices into a constant table (embeddings): lookup";
    "GatherElements", "shape", "constant indices: copy constraints";
    "Gelu", "elementwise", "lookup table (exact or tanh approximation)";
    "Gemm", "linear", "alpha/beta/transposes; matmul + bias, rescaled";
    "GlobalAveragePool", "pool", "sum then rounded division";
    "GlobalMaxPool", "pool", "max as a claimed extreme: gaps range-checked, their product 0";
    "Greater", "arithmetic", "exact comparison";
    "GroupNormalization", "norm", "layer norm of each group (reshaped), then per-channel scale and bias (constant; per group in opset 18, per channel in 21)";
    "HardSigmoid", "elementwise", "lookup table";
    "HardSwish", "elementwise", "lookup table over the calibrated range";
    "Identity", "elementwise", "free";
    "InstanceNormalization", "norm", "layer norm over the spatial axes, then per-channel scale and bias (constant)";
    "IsInf", "arithmetic", "folded: quantized values are finite, so false unless the input is a constant";
    "IsNaN", "arithmetic", "folded: quantized values are never NaN, so false unless the input is a constant";
    "LSTM", "recurrent", "unrolled over the fixed sequence length: input and recurrence matmuls, sigmoid/tanh lookups, elementwise products; all directions, both layouts, initial states, peepholes; default activations, no clip or input_forget";
    "LayerNormalization", "norm", "mean, variance, integer square root, then one reciprocal of the deviation per row and a rounded product per element — no lookup";
    "LeakyRelu", "elementwise", "relu plus scaled negative part, rescaled";
    "Less", "arithmetic", "exact comparison";
    "LinearClassifier", "ml (ai.onnx.ml)", "scores x·Wᵀ + b, rescaled; post_transform NONE, LOGISTIC or SOFTMAX (lookup tables); label = integer class label of the arg-max score; one-row binary models score [−s, s]; string labels unsupported";
    "LinearRegressor", "ml (ai.onnx.ml)", "x·Wᵀ + b, rescaled; post_transform NONE";
    "Log", "elementwise", "lookup table over the calibrated range; input must be positive (values below the calibrated minimum / headroom read as that floor)";
    "LogSoftmax", "norm", "x − max − log(Σ exp(x − max)): exp and log lookups (the sum is ≥ 1), exact reductions; opset < 13 2-D coercion honoured";
    "MatMul", "linear", "numpy semantics incl. batching and 1-D operands; both operands may be inputs";
    "Max", "arithmetic", "any number of inputs, broadcast; exact";
    "MaxPool", "pool", "1-D/2-D/3-D; max as a claimed extreme, padding never wins";
    "Mean", "arithmetic", "any number of inputs, broadcast: sum, then times 1/n, rescaled";
    "Min", "arithmetic", "any number of inputs, broadcast; exact";
    "Mish", "elementwise", "lookup table over the calibrated range";
    "Mul", "arithmetic", "product then rescale; by a constant power of two, a change of scale (no cells)";
    "Neg", "elementwise", "exact";
    "NonZero", "shape", "folded; input must be constant";
    "Normalizer", "ml (ai.onnx.ml)", "L1 or L2 row norm, then rounded division (norm must be positive); MAX unsupported";
    "PRelu", "elementwise", "relu plus slope times negative part, rescaled";
    "Pad", "shape", "constant/reflect/edge; copy constraints";
    "Pow", "arithmetic", "constant exponent: 1, 2, 3 exact products, 0.5 integer sqrt, others lookup on positive inputs";
    "RNN", "recurrent", "unrolled over the fixed sequence length: matmuls and a tanh lookup per step; all directions, both layouts, initial state; default activation";
    "Range", "shape", "folded; inputs must be constant";
    "Reciprocal", "arithmetic", "rounded division; input must be positive";
    "ReduceMax", "reduce", "exact";
    "ReduceMean", "reduce", "sum then rounded division by the count";
    "ReduceMin", "reduce", "exact";
    "ReduceSum", "reduce", "exact";
    "Relu", "elementwise", "exact, sign from a range check";
    "Reshape", "shape", "free; shape must be constant";
    "Resize", "shape", "constant scales or sizes; nearest (every coordinate and rounding mode): copy constraints; linear (bi-/trilinear): per resized axis a matmul by a constant interpolation matrix, rescaled; cubic unsupported";
    "Scaler", "ml (ai.onnx.ml)", "(x − offset)·scale per feature, rescaled";
    "ScatterElements", "shape", "constant indices, reduction none: copy constraints from the data and the updates";
    "ScatterND", "shape", "constant indices, reduction none: copy constraints from the data and the updates";
    "Selu", "elementwise", "lookup table over the calibrated range";
    "Shape", "shape", "folded";
    "Sigmoid", "elementwise", "lookup table over the calibrated range";
    "Size", "shape", "folded";
    "Slice", "shape", "copy constraints; bounds must be constant; negative steps allowed";
    "Softmax", "norm", "max-subtracted exp lookup, sum, one reciprocal of the sum per row and a rounded product per element; positions a constant attention mask rules out are 0 at no cost; opset < 13 2-D coercion honoured";
    "Softplus", "elementwise", "lookup table";
    "Softsign", "elementwise", "lookup table (bounded by 1)";
    "Split", "shape", "copy constraints";
    "Sqrt", "arithmetic", "integer square root with rounding, input must be non-negative";
    "Squeeze", "shape", "free (reshape)";
    "Sub", "arithmetic", "exact after aligning scales";
    "Sum", "arithmetic", "any number of inputs, broadcast (a chain of Adds)";
    "Tanh", "elementwise", "lookup table over the calibrated range";
    "Tile", "shape", "copy constraints; repeats must be constant";
    "Transpose", "shape", "copy constraints";
    "TreeEnsemble", "ml (ai.onnx.ml)", "the opset-5 form, evaluated as TreeEnsembleRegressor; splits LEQ/LT/GTE/GT, aggregate SUM or AVERAGE, post_transform NONE, SOFTMAX or LOGISTIC";
    "TreeEnsembleClassifier", "ml (ai.onnx.ml)", "one exact comparison per split (LEQ/LT/GTE/GT), a constant ±1 path matrix and Relu select each tree's leaf, a leaf-value matmul sums the trees (docs/ml.md); post_transform NONE, LOGISTIC or SOFTMAX; integer labels";
    "TreeEnsembleRegressor", "ml (ai.onnx.ml)", "as TreeEnsembleClassifier; aggregate SUM or AVERAGE, post_transform NONE";
    "Trilu", "shape", "constant k: a Where with a constant triangular mask (copy constraints)";
    "Unsqueeze", "shape", "free (reshape)";
    "Where", "shape", "constant condition: copy constraints; input-dependent condition: select";
];

/// The family of the classical-ML domain's ops (`ai.onnx.ml`); every other family is of the
/// default domain.
pub const ML_FAMILY: &str = "ml (ai.onnx.ml)";

/// Looks up an op in the manifest, whatever its domain.
#[must_use]
pub fn find(op: &str) -> Option<&'static OpCoverage> {
    COVERAGE.iter().find(|c| c.op == op)
}

/// Looks up an op of one domain (`""`, `ai.onnx` or `ai.onnx.ml`).
#[must_use]
pub fn find_in(domain: &str, op: &str) -> Option<&'static OpCoverage> {
    let ml = domain == "ai.onnx.ml";
    if !(ml || domain.is_empty() || domain == "ai.onnx") {
        return None;
    }
    find(op).filter(|c| (c.family == ML_FAMILY) == ml)
}

/// The manifest as a markdown table (`zkinfer ops --markdown`; docs/ops.md adds the primitives
/// and chips of each op).
#[must_use]
pub fn markdown() -> String {
    let mut s = String::from(
        "# Supported ONNX operators\n\n| op | family | how it is proven, and limits |\n|---|---|---|\n",
    );
    for c in COVERAGE {
        s.push_str(&format!("| `{}` | {} | {} |\n", c.op, c.family, c.notes));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_is_sorted_and_unique() {
        for w in COVERAGE.windows(2) {
            assert!(w[0].op < w[1].op, "{} before {}", w[0].op, w[1].op);
        }
    }
}
