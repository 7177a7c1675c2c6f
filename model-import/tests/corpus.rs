//! Every shared model imports, and both our float evaluator and tract reproduce the
//! onnxruntime reference outputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{
    input::read_input_file, load, load_with, reference::tract_run, ImportOptions,
};
use zkinfer_testkit::{expected_outputs, model_names, models_dir};

#[test]
fn all_models_match_onnxruntime() {
    let names = model_names();
    assert_eq!(names.len(), 18, "{names:?}");
    for name in names {
        let dir = models_dir().join(&name);
        let g = load(dir.join("network.onnx")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let inputs = g.make_inputs(&read_input_file(&dir.join("input.json")).unwrap()).unwrap();
        let ours: Vec<f64> = g.run(&inputs).unwrap().into_iter().flat_map(|t| t.data).collect();
        let tract: Vec<f64> = tract_run(&dir.join("network.onnx"), &g, &inputs)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_iter()
            .flat_map(|t| t.data)
            .collect();
        let exp = expected_outputs(&dir);
        let scale = exp.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-6);
        let err = |a: &[f64]| a.iter().zip(&exp).fold(0f64, |m, (x, y)| m.max((x - y).abs()));
        assert_eq!(ours.len(), exp.len(), "{name}: output size");
        assert_eq!(tract.len(), exp.len(), "{name}: tract output size");
        let (eo, et) = (err(&ours), err(&tract));
        println!("{name:22} nodes {:4}  ours {eo:.2e}  tract {et:.2e}", g.nodes.len());
        assert!(eo <= 1e-4 * scale.max(1.0), "{name}: float evaluator error {eo}");
        assert!(et <= 1e-4 * scale.max(1.0), "{name}: tract error {et}");
    }
}

#[test]
fn batch_dimension_is_overridable() {
    let path = models_dir().join("1l_mlp/network.onnx");
    let g = load_with(&path, &ImportOptions { batch: 3, input_shapes: vec![] }).unwrap();
    assert_eq!(g.tensors[g.inputs[0]].shape, vec![3, 3]);
    assert_eq!(g.tensors[g.outputs[0]].shape, vec![3, 4]);
    let g = load_with(&path, &ImportOptions { batch: 1, input_shapes: vec![Some(vec![2, 3])] })
        .unwrap();
    assert_eq!(g.tensors[g.outputs[0]].shape, vec![2, 4]);
}
