//! "Load, calibrate, quantize" as `zkinfer prove` does it with default settings: the start of
//! every test that needs a compiled corpus model (feature `compile`, so the crates upstream of
//! `quantize` can use the rest of this crate without depending on themselves).

use std::path::Path;
use zkinfer_model_import::{input::read_input_file, load, Graph, Tensor};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{quantize, QGraph, Settings, Target};

/// A model directory's graph (`network.onnx`) and input (`input.json`).
#[must_use]
pub fn load_model(dir: &Path) -> (Graph, Vec<Tensor>) {
    let g =
        load(dir.join("network.onnx")).unwrap_or_else(|e| panic!("{}: import: {e}", dir.display()));
    let input = read_input_file(&dir.join("input.json"))
        .unwrap_or_else(|e| panic!("{}: input.json: {e}", dir.display()));
    let inputs = g.make_inputs(&input).unwrap_or_else(|e| panic!("{}: inputs: {e}", dir.display()));
    (g, inputs)
}

/// The settings `zkinfer calibrate --target accuracy` writes: calibrated on `inputs`, batch 1.
/// (The default `balanced` target chooses between two of these by the planner's estimate,
/// which lives above this crate; the accuracy target's circuits are the ones tests pin.)
#[must_use]
pub fn default_settings(g: &Graph, inputs: &[Vec<Tensor>]) -> Settings {
    let cal = calibrate(g, inputs, |_| {}).unwrap_or_else(|e| panic!("calibrate: {e}"));
    settings_for(g, 1, Target::Accuracy, cal)
}

/// A model directory compiled with the default settings calibrated on its own input: its
/// graph, quantized graph and input.
#[must_use]
pub fn quantized(dir: &Path) -> (Graph, QGraph, Vec<Tensor>) {
    let (g, inputs) = load_model(dir);
    let settings = default_settings(&g, std::slice::from_ref(&inputs));
    let q = quantize(&g, &settings).unwrap_or_else(|e| panic!("{}: quantize: {e}", dir.display()));
    (g, q, inputs)
}
