//! Every corpus model (the repository's, and the shared one when present) quantizes with default settings and its integer output stays within
//! the accuracy budget of the onnxruntime reference; evaluation is bit-for-bit reproducible.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{input::read_input_file, load};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, report, Target};
use zkinfer_testkit::{all_models, expected_outputs};

#[test]
fn all_models_quantize_within_budget() {
    let mut failures = Vec::new();
    for (name, dir) in &all_models() {
        let g = load(dir.join("network.onnx")).unwrap();
        let inputs = g.make_inputs(&read_input_file(&dir.join("input.json")).unwrap()).unwrap();
        let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
        let settings = settings_for(&g, 1, Target::Accuracy, cal);
        let q = match quantize(&g, &settings) {
            Ok(q) => q,
            Err(e) => {
                failures.push(format!("{name}: quantize: {e}"));
                continue;
            }
        };
        let out = match eval::eval(&q, &inputs) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{name}: eval: {e}"));
                continue;
            }
        };
        // Determinism, byte for byte: an independent quantization gives the same graph and
        // the full witness (every tensor) serialises identically.
        let q2 = quantize(&g, &settings).unwrap();
        assert_eq!(
            serde_json::to_vec(&q).unwrap(),
            serde_json::to_vec(&q2).unwrap(),
            "{name}: quantization not deterministic"
        );
        let w1 = serde_json::to_vec(&eval::eval_all(&q, &inputs).unwrap()).unwrap();
        let w2 = serde_json::to_vec(&eval::eval_all(&q2, &inputs).unwrap()).unwrap();
        assert_eq!(w1, w2, "{name}: witness not deterministic");
        let got: Vec<f64> = eval::dequantize_outputs(&q, &out).into_iter().flatten().collect();
        let exp = expected_outputs(dir);
        let last = g.tensors[g.outputs[0]].shape.last().copied().unwrap_or(1);
        let e = report::compare(&got, &exp, last);
        println!(
            "{name:28} prims {:5} tables {:2}  max_abs {:.2e}  max_rel {:.2e}  argmax {}/{}",
            q.nodes.len(),
            q.tables.len(),
            e.max_abs,
            e.max_rel,
            e.argmax_agree.0,
            e.argmax_agree.1
        );
        if e.max_rel > 0.01 {
            failures.push(format!(
                "{name}: max_abs {} is over 1% of max |expected| {}",
                e.max_abs, e.ref_max_abs
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
