//! Where the bits go: a model's inputs, outputs and divisors get the bits of their role, the
//! values inside `activation_bits` (see `quantize/src/lower/precision.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{from_proto, Graph, ImportOptions};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, QGraph, QOp, Settings, Target};
use zkinfer_testkit::onnx_builder::*;

fn graph(m: &M) -> Graph {
    from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap()
}

fn settings(g: &Graph, target: Target, input: &[Vec<f64>]) -> Settings {
    let inputs = g.make_inputs(input).unwrap();
    settings_for(g, 1, target, calibrate(g, &[inputs], |_| {}).unwrap())
}

/// Scale of what the (first) ReLU reads: the MatMul's rescaled result.
fn relu_input_scale(q: &QGraph) -> i32 {
    let relu = q.nodes.iter().find(|n| matches!(n.op, QOp::Relu)).expect("no ReLU");
    q.tensors[relu.inputs[0]].scale
}

/// x → MatMul → h → Relu → y, and, when `shared`, h → Sigmoid → z too.
fn mlp(shared: bool) -> M {
    let m = M::new(13)
        .input("x", &[1, 8], -1.0, 1.0)
        .weight("w", &[8, 8], 3)
        .node("MatMul", &["x", "w"], &["h"], vec![])
        .node("Relu", &["h"], &["y"], vec![])
        .output("y");
    if shared {
        m.node("Sigmoid", &["h"], &["z"], vec![]).output("z")
    } else {
        m
    }
}

#[test]
fn inputs_and_what_an_output_copies_get_their_own_bits() {
    let x = vec![vec![0.9, -0.4, 0.3, 0.1, -0.7, 0.5, -0.2, 0.8]];
    let g = graph(&mlp(false));
    let mut s = settings(&g, Target::Balanced, &x);
    let q = quantize(&g, &s).unwrap();
    let (input, output) = (q.inputs[0], q.outputs[0]);
    s.params.input_bits = None;
    s.params.output_bits = None;
    let plain = quantize(&g, &s).unwrap();
    // Balanced: 16 bits for the input, 24 for the output (and the MatMul result its ReLU only
    // passes on) instead of the 13 inside.
    assert_eq!(q.tensors[input].scale - plain.tensors[plain.inputs[0]].scale, 3);
    assert_eq!(q.tensors[output].scale - plain.tensors[plain.outputs[0]].scale, 11);
    assert_eq!(q.tensors[output].scale, relu_input_scale(&q));
    // More bits, smaller error.
    let xs = g.make_inputs(&x).unwrap();
    let err = |q: &QGraph| {
        let out = eval::eval(q, &xs).unwrap();
        let want = g.run(&xs).unwrap();
        let (o, t) = (&q.tensors[q.outputs[0]], &want[0]);
        out[0]
            .iter()
            .zip(&t.data)
            .map(|(&v, &f)| (v as f64 / 2f64.powi(o.scale) - f).abs())
            .fold(0.0, f64::max)
    };
    assert!(err(&q) < err(&plain) / 8.0, "{} vs {}", err(&q), err(&plain));
}

#[test]
fn a_value_read_inside_the_model_too_keeps_the_inside_bits() {
    let g = graph(&mlp(true));
    let s = settings(&g, Target::Balanced, &[vec![0.5; 8]]);
    let q = quantize(&g, &s).unwrap();
    // h also feeds the sigmoid, so the ReLU output keeps h's 13-bit scale; the sigmoid output
    // (a lookup of magnitude 1) gets the 24 output bits.
    let h = relu_input_scale(&q);
    let inside = s.params.activation_bits.cast_signed();
    assert!(h <= inside, "{h}");
    assert_eq!(q.tensors[q.outputs[0]].scale, h);
    assert_eq!(q.tensors[q.outputs[1]].scale, 24);
}

/// GPT-2's layer norm as exported: (x − mean) / sqrt(mean((x − mean)²) + ε).
fn spelled_out_layer_norm() -> M {
    M::new(13)
        .input("x", &[1, 2, 8], -2.0, 2.0)
        .init(tensor_i("axes", &[1], vec![-1]))
        .init(tensor_f("two", &[], vec![2.0]))
        .init(tensor_f("eps", &[], vec![1e-5]))
        .node("ReduceMean", &["x"], &["m"], vec![attr_is("axes", &[-1])])
        .node("Sub", &["x", "m"], &["d"], vec![])
        .node("Pow", &["d", "two"], &["d2"], vec![])
        .node("ReduceMean", &["d2"], &["v"], vec![attr_is("axes", &[-1])])
        .node("Add", &["v", "eps"], &["ve"], vec![])
        .node("Sqrt", &["ve"], &["sd"], vec![])
        .node("Div", &["d", "sd"], &["y"], vec![])
        .output("y")
}

#[test]
fn epsilon_survives_a_row_without_variance_and_the_divisor_gets_input_bits() {
    let g = graph(&spelled_out_layer_norm());
    // Calibrated on an input whose first row is constant: its variance is 0, so the divisor is
    // sqrt(ε) alone, which rounds to 0 unless ε keeps its own scale.
    let mut row = vec![0.75; 8];
    row.extend([0.5, -1.5, 1.0, 0.25, -0.5, 1.5, -1.0, 0.0]);
    for target in [Target::Accuracy, Target::Balanced] {
        let s = settings(&g, target, std::slice::from_ref(&row));
        let q = quantize(&g, &s).unwrap();
        let out = eval::eval(&q, &g.make_inputs(&[row.clone()]).unwrap())
            .unwrap_or_else(|e| panic!("{target:?}: {e}"));
        assert!(out[0][..8].iter().all(|&v| v == 0), "{target:?}: {:?}", &out[0][..8]);
        // The square root (a divisor) is at 16 bits at its maximum, not 13.
        let sqrt = q.nodes.iter().find(|n| matches!(n.op, QOp::Sqrt { .. })).unwrap();
        let sd = &q.tensors[sqrt.output];
        let max = s.calibration.ranges["sd"].max * s.params.headroom;
        assert_eq!(sd.scale, (16 - max.log2().ceil() as i32).min(s.params.max_scale), "{target:?}");
    }
}
