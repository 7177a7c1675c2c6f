//! Sums and products deferred into their reader (`chips/sums.rs`): a bias joins its rescale's
//! combination, an aligned operand's power of two joins the sum that reads it, a product
//! shares one gate with its rescale, and a Freivalds-checked product starts its rescale's
//! chain (`chips/rescaled.rs`). The honest witness
//! verifies, every perturbed cell is rejected, and the circuit is smaller than the same graph
//! with the sum laid out on its own (read a second time, as a graph output).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use zkinfer_model_import::{from_proto, ImportOptions};
use zkinfer_quantize::quantize;
use zkinfer_testkit::compile::default_settings;
use zkinfer_testkit::onnx_builder::*;

/// A model quantized with the default settings, and one input.
fn quantized(m: &M, shape: &[usize]) -> (QGraph, Vec<f64>) {
    let g = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap();
    let x = m.sample(3, &[shape.to_vec()]).remove(0);
    let inputs = g.make_inputs(std::slice::from_ref(&x)).unwrap();
    (quantize(&g, &default_settings(&g, &[inputs])).unwrap(), x)
}

/// The output of the graph's first `Add` matching `pick`.
fn first_add(q: &QGraph, pick: impl Fn(&[i64]) -> bool) -> usize {
    q.nodes
        .iter()
        .find(|n| matches!(&n.op, QOp::Add { coeffs } if pick(coeffs)))
        .expect("no such Add")
        .output
}

/// Checks `q` sound in `layout` (every cell perturbed is rejected), and the same graph with
/// `tensor` also a graph output, so it is laid out on its own; returns the cells that
/// deferring it saves.
fn saved_by_deferring(q: &QGraph, x: &[f64], tensor: usize, layout: &Layout) -> usize {
    let mut exposed = q.clone();
    exposed.outputs.push(tensor);
    let inputs = [x.to_vec()];
    let cells = |q: &QGraph| check_sound_with(q, &inputs, layout).cells();
    cells(&exposed) - cells(q)
}

#[test]
fn bias_joins_the_rescale() {
    let m = M::new(13)
        .input("x", &[2, 4], -1.0, 1.0)
        .weight("w", &[3, 4], 5)
        .weight("b", &[3], 6)
        .node("Gemm", &["x", "w", "b"], &["y"], vec![attr_i("transB", 1)])
        .output("y");
    let (q, x) = quantized(&m, &[2, 4]);
    // The bias: a constant operand, so a sum with one laid-out term.
    let bias = first_add(&q, |c| c.len() == 2);
    let saved = saved_by_deferring(&q, &x, bias, &Layout::new(2, 2, LIMB));
    assert!(saved >= 3 * 6, "deferring the bias saved {saved} cells for 6 outputs");
}

#[test]
fn aligned_operand_joins_the_sum() {
    // x + x·x: the product comes back at the activation scale, x keeps the input's finer one,
    // so one operand is aligned by a power of two before the sum.
    let m = M::new(13)
        .input("x", &[1, 8], -1.0, 1.0)
        .node("Mul", &["x", "x"], &["sq"], vec![])
        .node("Add", &["x", "sq"], &["y"], vec![])
        .node("Relu", &["y"], &["z"], vec![])
        .output("z");
    let (q, x) = quantized(&m, &[1, 8]);
    let aligned = |c: &[i64]| c.len() == 1 && c[0] > 1;
    assert!(
        q.nodes.iter().any(|n| matches!(&n.op, QOp::Add { coeffs } if aligned(coeffs))),
        "no aligned operand in {:?}",
        q.nodes.iter().map(|n| &n.op).collect::<Vec<_>>()
    );
    let saved = saved_by_deferring(&q, &x, first_add(&q, aligned), &Layout::new(2, 2, LIMB));
    assert!(saved >= 3 * 8, "deferring the alignment saved {saved} cells for 8 elements");
}

#[test]
fn product_and_its_rescale_share_one_gate() {
    // x·x rescaled: the product is read only by its rescale, which proves both in one affine
    // multiply-add (`−r + x·y + 2^(s−1) = 2^s·q`) when the shift fits one limb.
    let m = M::new(13)
        .input("x", &[1, 8], -1.0, 1.0)
        .node("Mul", &["x", "x"], &["sq"], vec![])
        .node("Relu", &["sq"], &["y"], vec![])
        .output("y");
    let (q, x) = quantized(&m, &[1, 8]);
    let layout = Layout::new(2, 2, 8);
    let mul = q.nodes.iter().find(|n| matches!(n.op, QOp::Mul)).unwrap();
    let rescale = q.nodes.iter().find(|n| n.inputs == [mul.output]).unwrap();
    let QOp::Rescale { shift } = rescale.op else { panic!("{:?}", rescale.op) };
    assert!(shift <= 8, "shift {shift} does not fit the limb");
    let saved = saved_by_deferring(&q, &x, mul.output, &layout);
    assert!(saved >= 3 * 8, "one gate for product and rescale saved {saved} cells for 8");
}

#[test]
fn checked_product_starts_its_rescale() {
    // A Gemm with a bias, checked by Freivalds: each claimed output is the first cell of its
    // rescale's chain (bias included), not a cell of its own copied into it.
    let m = M::new(13)
        .input("x", &[4, 8], -1.0, 1.0)
        .weight("w", &[6, 8], 5)
        .weight("b", &[6], 6)
        .node("Gemm", &["x", "w", "b"], &["y"], vec![attr_i("transB", 1)])
        .output("y");
    let (q, x) = quantized(&m, &[4, 8]);
    let layout =
        Layout { late_lanes: 1, linear: LinearCheck::Freivalds, ..Layout::new(2, 2, LIMB) };
    let product = q.nodes.iter().find(|n| matches!(n.op, QOp::MatMul)).unwrap().output;
    let saved = saved_by_deferring(&q, &x, product, &layout);
    assert!(saved >= 24, "claiming the product in its rescale saved {saved} cells for 24");
}

#[test]
fn checked_product_without_bias_starts_its_rescale() {
    let m = M::new(13)
        .input("x", &[4, 8], -1.0, 1.0)
        .weight("w", &[8, 6], 5)
        .node("MatMul", &["x", "w"], &["y"], vec![])
        .output("y");
    let (q, x) = quantized(&m, &[4, 8]);
    let layout = Layout { late_lanes: 1, linear: LinearCheck::Freivalds, ..Layout::new(2, 2, 4) };
    let product = q.nodes.iter().find(|n| matches!(n.op, QOp::MatMul)).unwrap().output;
    let rescale = q.nodes.iter().find(|n| n.inputs == [product]).unwrap();
    let QOp::Rescale { shift } = rescale.op else { panic!("{:?}", rescale.op) };
    // Four-bit limbs: the remainder takes several, each a term of the same chain.
    assert!(shift > 4, "shift {shift} fits one limb");
    let saved = saved_by_deferring(&q, &x, product, &layout);
    assert!(saved >= 24, "claiming the product in its rescale saved {saved} cells for 24");
}
