//! Fixed-point quantization for zkinfer, and the exact integer evaluator.
//!
//! `calibrate` runs the float model on sample inputs and records every tensor's range;
//! [`quantize`] turns the graph and those [`Settings`] into a [`QGraph`] of integer primitives
//! with power-of-two scales and proven value bounds; [`eval`] runs it. The evaluator is the
//! definition of what the circuit computes: the witness is its output and every chip
//! constrains exactly one of its primitives.

pub mod calibrate;
pub mod choice;
pub mod error;
pub mod eval;
mod lower;
pub mod partition;
pub mod qgraph;
pub mod report;
pub mod settings;
pub mod visibility;

pub use choice::UnknownChoice;
pub use error::{QuantError, Result};
pub use qgraph::{QGraph, QNode, QOp, QTensor, Window};
pub use settings::{LinearCheck, QuantParams, Settings, Target};
pub use visibility::{Visibilities, Visibility, WeightVisibility};

use zkinfer_model_import::Graph;

/// Quantizes a graph. Deterministic: the same graph and settings give the same [`QGraph`].
///
/// # Errors
/// Settings made for another model, ops that cannot be expressed in fixed point as used,
/// or bounds that would overflow the circuit's integers.
pub fn quantize(g: &Graph, settings: &Settings) -> Result<QGraph> {
    settings.check_model(&g.model_sha256)?;
    settings.validate()?;
    lower::lower(g, settings)
}
