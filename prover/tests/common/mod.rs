//! Shared set-up of the prover's integration tests.
#![allow(clippy::unwrap_used, missing_docs)]

use zkinfer_circuits::{plan, Plan};
use zkinfer_model_import::{input::read_input_file, load, Tensor};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{quantize, QGraph, Target};
use zkinfer_testkit::model_dir;

/// A shared model, calibrated on its own input and quantized for accuracy, with its plan and
/// that input.
pub fn compiled(name: &str) -> (QGraph, Plan, Vec<Tensor>) {
    let dir = model_dir(name);
    let g = load(dir.join("network.onnx")).unwrap();
    let inputs = g.make_inputs(&read_input_file(&dir.join("input.json")).unwrap()).unwrap();
    let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
    let q = quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)).unwrap();
    let p = plan(&q).unwrap();
    (q, p, inputs)
}
