//! Typed import errors. Every variant that concerns a node names it and its ONNX op.

use thiserror::Error;

/// Where in the model an error happened: the ONNX node name and op type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRef {
    /// ONNX node name (or `#index` when the model leaves it empty).
    pub name: String,
    /// ONNX op type, e.g. `Conv`.
    pub op: String,
}

impl std::fmt::Display for NodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "node '{}' ({})", self.name, self.op)
    }
}

/// Everything that can go wrong while importing or evaluating an ONNX model.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read model file {path}: {source}")]
    Io {
        /// Path as given.
        path: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a valid ONNX protobuf.
    #[error("{path} is not a valid ONNX model ({reason}); check that it is an .onnx file exported by torch.onnx / tf2onnx")]
    Malformed {
        /// Path or label of the model.
        path: String,
        /// Decoder message.
        reason: String,
    },
    /// A tensor stored in an external file that cannot be read safely.
    #[error("tensor '{tensor}': external data '{location}': {reason}")]
    ExternalData {
        /// The tensor's name.
        tensor: String,
        /// The location it names, relative to the model.
        location: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The model is structurally invalid (dangling input, missing graph, …).
    #[error("invalid model: {0}")]
    Invalid(String),
    /// An op zkinfer does not support.
    #[error("{node}: op '{op}' (domain '{domain}', opset {opset}) is not supported; {hint}")]
    UnsupportedOp {
        /// The offending node.
        node: NodeRef,
        /// ONNX op type.
        op: String,
        /// ONNX domain (empty for the default `ai.onnx`).
        domain: String,
        /// Opset version in effect for that domain.
        opset: i64,
        /// What the user can do about it.
        hint: String,
    },
    /// A supported op used with attributes or inputs outside what zkinfer handles.
    #[error("{node}: {reason}")]
    Unsupported {
        /// The offending node.
        node: NodeRef,
        /// What is unsupported and how to work around it.
        reason: String,
    },
    /// An attribute is missing or has a bad value.
    #[error("{node}: attribute '{attr}': {reason}")]
    BadAttribute {
        /// The offending node.
        node: NodeRef,
        /// Attribute name.
        attr: String,
        /// What is wrong.
        reason: String,
    },
    /// Input shapes do not fit the op.
    #[error("{node}: {reason}")]
    Shape {
        /// The offending node.
        node: NodeRef,
        /// Which shapes clash.
        reason: String,
    },
    /// A user-supplied model input has the wrong shape or element count.
    #[error("input '{input}': expected {expected} values (shape {shape:?}), got {got}; flatten the tensor row-major into input_data")]
    InputShape {
        /// Input name.
        input: String,
        /// Expected element count.
        expected: usize,
        /// Expected shape.
        shape: Vec<usize>,
        /// Element count received.
        got: usize,
    },
    /// Wrong number of model inputs supplied.
    #[error("the model has {expected} input(s) ({names}), but {got} were given")]
    InputCount {
        /// Inputs the model declares.
        expected: usize,
        /// Their names.
        names: String,
        /// Inputs received.
        got: usize,
    },
    /// A NaN or infinite value in a user input.
    #[error("input '{input}' element {index} is {value}; inputs must be finite numbers")]
    NonFinite {
        /// Input name.
        input: String,
        /// Flat index of the bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A value that must be an integer (token ids, indices) is not.
    #[error("input '{input}' element {index} is {value}, but this input is an integer tensor")]
    NotInteger {
        /// Input name.
        input: String,
        /// Flat index of the bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A symbolic dimension that cannot be made concrete.
    #[error("input '{input}' dimension {axis} is symbolic ('{symbol}'); only the batch dimension is resolved automatically — give concrete shapes with --input-shape")]
    SymbolicDim {
        /// Input name.
        input: String,
        /// Axis index.
        axis: usize,
        /// Symbol name.
        symbol: String,
    },
    /// The tract reference run failed.
    #[error("tract reference evaluation failed: {0}")]
    Reference(String),
    /// An input file is not in the expected format.
    #[error("{path}: {reason}")]
    InputFile {
        /// File path.
        path: String,
        /// What is wrong and the expected layout.
        reason: String,
    },
    /// An index out of range during evaluation (Gather etc.).
    #[error("{node}: index {index} out of range for axis of size {size}")]
    IndexOutOfRange {
        /// The offending node.
        node: NodeRef,
        /// The index.
        index: i64,
        /// Size of the indexed axis.
        size: usize,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, ImportError>;
