//! Every corpus model (the repository's, and the shared one when present) imports, our float
//! evaluator reproduces the onnxruntime reference outputs, and so does tract (except where
//! tract itself differs from onnxruntime, listed below).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{
    input::read_input_file, load, load_with, reference::tract_run, ImportOptions,
};
use zkinfer_testkit::{all_models, corpus_dir, expected_outputs, model_dir};

/// Models where tract disagrees with onnxruntime (whose values are the reference) or cannot
/// run them: tract labels tree ensembles and runs reverse GRUs differently, and lacks the
/// opset-5 TreeEnsemble.
const TRACT_DIFFERS: &[&str] =
    &["gru_reverse", "lightgbm", "tree_ensemble_v5", "tree_split_modes", "xgboost"];

#[test]
fn all_models_match_onnxruntime() {
    let models = all_models();
    assert!(models.len() >= 19, "{models:?}");
    for (name, dir) in models {
        let g = load(dir.join("network.onnx")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let inputs = g.make_inputs(&read_input_file(&dir.join("input.json")).unwrap()).unwrap();
        let ours: Vec<f64> = g.run(&inputs).unwrap().into_iter().flat_map(|t| t.data).collect();
        let tract: Vec<f64> = match tract_run(&dir.join("network.onnx"), &g, &inputs) {
            Ok(t) => t.into_iter().flat_map(|t| t.data).collect(),
            Err(_) if TRACT_DIFFERS.contains(&name.as_str()) => ours.clone(),
            Err(e) => panic!("{name}: {e}"),
        };
        let exp = expected_outputs(&dir);
        let scale = exp.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-6);
        let err = |a: &[f64]| a.iter().zip(&exp).fold(0f64, |m, (x, y)| m.max((x - y).abs()));
        assert_eq!(ours.len(), exp.len(), "{name}: output size");
        assert_eq!(tract.len(), exp.len(), "{name}: tract output size");
        let (eo, et) = (err(&ours), err(&tract));
        println!("{name:28} nodes {:4}  ours {eo:.2e}  tract {et:.2e}", g.nodes.len());
        assert!(eo <= 1e-4 * scale.max(1.0), "{name}: float evaluator error {eo}");
        if !TRACT_DIFFERS.contains(&name.as_str()) {
            assert!(et <= 1e-4 * scale.max(1.0), "{name}: tract error {et}");
        }
    }
}

#[test]
fn default_pytorch_exports_keep_weights_in_external_data() {
    // The corpus is the exporters' unchanged output: today's torch.onnx.export writes the
    // weights beside the model, and those models must import from there.
    let external = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::metadata(e.path().join("network.onnx.data")).is_ok_and(|m| m.len() > 0)
        })
        .count();
    assert!(external >= 10, "only {external} corpus models keep external weights");
}

#[test]
fn batch_dimension_is_overridable() {
    // scikit-learn models declare a symbolic batch: [N, 6] in, label [N] and probabilities
    // [N, 2] out.
    let path = model_dir("logistic_regression/network.onnx");
    let g = load_with(&path, &ImportOptions { batch: 3, input_shapes: vec![] }).unwrap();
    assert_eq!(g.tensors[g.inputs[0]].shape, vec![3, 6]);
    assert_eq!(g.tensors[g.outputs[0]].shape, vec![3]);
    assert_eq!(g.tensors[g.outputs[1]].shape, vec![3, 2]);
    let g = load_with(&path, &ImportOptions { batch: 1, input_shapes: vec![Some(vec![2, 6])] })
        .unwrap();
    assert_eq!(g.tensors[g.outputs[1]].shape, vec![2, 2]);
}
