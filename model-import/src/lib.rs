//! ONNX import for zkinfer.
//!
//! Reads an ONNX file (protobuf decoded with tract-onnx's schema), makes every shape concrete
//! (symbolic batch → 1 unless overridden), folds everything that does not depend on the model
//! input into constants — including the `Shape → Gather → Concat → Reshape` chains exporters
//! emit — and produces a [`Graph`] whose nodes keep their ONNX names. The same ops evaluate in
//! `f64` for calibration and accuracy reports.

pub mod coverage;
pub mod error;
pub mod external;
mod fuse;
pub mod graph;
pub mod input;
mod load;
pub mod ops;
mod proto;
pub mod reference;
pub mod tensor;

pub use error::{ImportError, NodeRef, Result};
pub use graph::{Graph, Node, TensorId, TensorInfo};
pub use load::{from_bytes, from_proto, load, load_with, scan_nodes, ImportOptions, RawNode};
pub use tensor::{DType, Tensor};
