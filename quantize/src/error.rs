//! Typed quantization and evaluation errors; each names the ONNX node it concerns.

use thiserror::Error;
use zkinfer_model_import::{ImportError, NodeRef};

/// Everything that can go wrong in calibration, quantization or integer evaluation.
#[derive(Debug, Error)]
pub enum QuantError {
    /// Import or float-evaluation error.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The node cannot be expressed in fixed point as used.
    #[error("{node}: {reason}")]
    Unsupported {
        /// The node.
        node: NodeRef,
        /// Why, and what to do.
        reason: String,
    },
    /// A value left the range calibration allowed for it (a witness-time error).
    #[error("{node}: value {value} at index {index} of '{tensor}' is outside the allowed range {min}..={max} (scale 2^{scale}, real value {real:.6}): calibrate with inputs that cover this one, or with more headroom")]
    OutOfRange {
        /// The node producing the value.
        node: NodeRef,
        /// Tensor name.
        tensor: String,
        /// Flat index.
        index: usize,
        /// Integer value.
        value: i128,
        /// Smallest allowed integer.
        min: i128,
        /// Largest allowed integer.
        max: i128,
        /// Fixed-point scale exponent.
        scale: i32,
        /// The value in real units.
        real: f64,
    },
    /// A divisor or square-root argument has the wrong sign at run time.
    #[error("{node}: {reason}")]
    Domain {
        /// The node.
        node: NodeRef,
        /// What went wrong.
        reason: String,
    },
    /// Value bounds would not fit the 62-bit integers the circuit uses.
    #[error("{node}: tensor '{tensor}' needs {bits} bits, more than the {max} allowed: use fewer activation or weight bits, or the resources target")]
    BoundTooLarge {
        /// The node.
        node: NodeRef,
        /// Tensor name.
        tensor: String,
        /// Bits needed.
        bits: u32,
        /// Bits allowed.
        max: u32,
    },
    /// A lookup table would be larger than allowed.
    #[error("{node}: a {func} lookup over {lo}..={hi} needs {size} entries, more than 2^{table_bits} (the table_bits setting)")]
    TableTooLarge {
        /// The node.
        node: NodeRef,
        /// Function name.
        func: String,
        /// Lowest input.
        lo: i64,
        /// Highest input.
        hi: i64,
        /// Entries needed.
        size: u64,
        /// Configured cap.
        table_bits: u32,
    },
    /// A broken internal invariant (a bug in zkinfer: please report it).
    #[error("internal error (please report): {0}")]
    Internal(String),
    /// Cuts that do not split the model into parts.
    #[error("partition: {0}")]
    Partition(String),
    /// Settings that do not belong to this model, or that are malformed.
    #[error("settings: {0}")]
    Settings(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, QuantError>;
