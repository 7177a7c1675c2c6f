//! Shared set-up of the prover's integration tests.
#![allow(clippy::unwrap_used, missing_docs)]

use zkinfer_circuits::{plan, Plan};
use zkinfer_model_import::Tensor;
use zkinfer_quantize::QGraph;
use zkinfer_testkit::{compile::quantized, model_dir};

/// A shared model, calibrated on its own input and quantized for accuracy, with its plan and
/// that input.
pub fn compiled(name: &str) -> (QGraph, Plan, Vec<Tensor>) {
    let (_, q, inputs) = quantized(&model_dir(name));
    let p = plan(&q).unwrap();
    (q, p, inputs)
}
