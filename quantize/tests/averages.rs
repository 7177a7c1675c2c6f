//! Averages over a power-of-two count (2×2 pooling, a mean over 8 features) are lowered to a
//! rescale, which computes the integers a division by the count computes (round half up);
//! other counts keep the division.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{from_proto, ImportOptions};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, QGraph, QOp, Target};
use zkinfer_testkit::onnx_builder::*;

/// The model quantized for `accuracy`, and every tensor's values on `x`.
fn lowered(m: &M, x: &[f64]) -> (QGraph, Vec<Vec<i64>>) {
    let g = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap();
    let inputs = g.make_inputs(&[x.to_vec()]).unwrap();
    let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
    let q = quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)).unwrap();
    let values = eval::eval_all(&q, &inputs).unwrap();
    (q, values)
}

/// The sum an average divides and the average, both as integers, for the graph's first sum.
fn sum_and_average(q: &QGraph, values: &[Vec<i64>]) -> (Vec<i64>, Vec<i64>, QOp) {
    let sum = q.nodes.iter().position(|n| matches!(n.op, QOp::ReduceSum { .. })).unwrap();
    let divide = &q.nodes[sum + 1];
    assert_eq!(divide.inputs[0], q.nodes[sum].output);
    (values[q.nodes[sum].output].clone(), values[divide.output].clone(), divide.op.clone())
}

/// What a division by `count` rounds to: floor(sum/count + 1/2).
fn divided(sum: &[i64], count: i64) -> Vec<i64> {
    sum.iter().map(|&s| (2 * s + count).div_euclid(2 * count)).collect()
}

fn ramp(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 37) % 23) as f64 / 11.0 - 1.0).collect()
}

fn pool(kernel: i64) -> M {
    M::new(13)
        .input("x", &[1, 1, 6, 6], -1.0, 1.0)
        .node(
            "AveragePool",
            &["x"],
            &["y"],
            vec![attr_is("kernel_shape", &[kernel, kernel]), attr_is("strides", &[kernel, kernel])],
        )
        .output("y")
}

#[test]
fn two_by_two_pooling_rescales() {
    let (q, values) = lowered(&pool(2), &ramp(36));
    assert!(!q.nodes.iter().any(|n| matches!(n.op, QOp::Div { .. })));
    let (sum, average, op) = sum_and_average(&q, &values);
    assert_eq!(op, QOp::Rescale { shift: 2 });
    assert_eq!(average, divided(&sum, 4));
    // Negative sums round the same way (half up) as the division.
    assert!(sum.iter().any(|&s| s < 0) && sum.iter().any(|&s| s > 0));
}

#[test]
fn three_by_three_pooling_divides() {
    let (q, values) = lowered(&pool(3), &ramp(36));
    let (sum, average, op) = sum_and_average(&q, &values);
    assert!(matches!(op, QOp::Div { .. }), "{op:?}");
    assert_eq!(average, divided(&sum, 9));
}

#[test]
fn mean_over_eight_rescales() {
    let m = M::new(13)
        .input("x", &[2, 8], -1.0, 1.0)
        .node("ReduceMean", &["x"], &["y"], vec![attr_is("axes", &[-1])])
        .output("y");
    let (q, values) = lowered(&m, &ramp(16));
    let (sum, average, op) = sum_and_average(&q, &values);
    assert_eq!(op, QOp::Rescale { shift: 3 });
    assert_eq!(average, divided(&sum, 8));
}
