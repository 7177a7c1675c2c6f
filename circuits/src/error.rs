//! Circuit errors.

use thiserror::Error;

/// What can go wrong while laying out or synthesizing a model circuit.
#[derive(Debug, Error)]
pub enum CircuitError {
    /// A primitive without a chip yet.
    #[error("node '{node}' ({op}): the '{primitive}' primitive has no circuit chip yet")]
    NotYetSupported {
        /// ONNX node name.
        node: String,
        /// ONNX op.
        op: String,
        /// Quantized primitive.
        primitive: String,
    },
    /// Private or hashed weights where a constant is a lookup table (Gather data).
    #[error("node '{node}' ({op}): its data is a lookup table of the circuit (fixed columns), which private or hashed weights cannot hide; calibrate with --weights-visibility fixed")]
    FixedTable {
        /// ONNX node name.
        node: String,
        /// ONNX op.
        op: String,
    },
    /// A packed group whose values need digits wider than packing supports.
    #[error("tensor '{tensor}' is bounded by 2^{bits} and cannot be packed (digits of at most {max} bits); make the {group} public or hashed")]
    PackTooWide {
        /// The widest tensor of the group.
        tensor: String,
        /// Bits of its bound.
        bits: u32,
        /// Widest digit.
        max: u32,
        /// "inputs" or "outputs".
        group: String,
    },
    /// The circuit does not fit the largest supported size.
    #[error("the circuit needs {rows} rows, more than 2^{max_k}: use the resources target or more gate lanes")]
    TooLarge {
        /// Rows needed.
        rows: usize,
        /// Largest k.
        max_k: u32,
    },
    /// halo2 synthesis error.
    #[error("halo2: {0}")]
    Halo2(String),
    /// A broken invariant (please report).
    #[error("internal circuit error (please report): {0}")]
    Internal(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, CircuitError>;
