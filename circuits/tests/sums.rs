//! Sums and products deferred into their reader (`chips/sums.rs`): a bias joins its rescale's
//! combination, an aligned operand's power of two joins the sum that reads it, a product
//! shares one gate with its rescale, and a Freivalds-checked product starts its rescale's
//! chain (`chips/rescaled.rs`), a product only summed becomes the sum's dot products, and
//! masked scores skip their rescale (`chips/live.rs`), and a product read by one addition
//! shares its multiply-add. The honest witness
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

/// x·x rescaled, laid out with `limb`-bit limbs: the rescale's shift and the cells that
/// proving the product inside its rescale saves.
fn squared_and_rescaled(limb: u32) -> (u32, usize) {
    let m = M::new(13)
        .input("x", &[1, 8], -1.0, 1.0)
        .node("Mul", &["x", "x"], &["sq"], vec![])
        .node("Relu", &["sq"], &["y"], vec![])
        .output("y");
    let (q, x) = quantized(&m, &[1, 8]);
    let mul = q.nodes.iter().find(|n| matches!(n.op, QOp::Mul)).unwrap();
    let rescale = q.nodes.iter().find(|n| n.inputs == [mul.output]).unwrap();
    let QOp::Rescale { shift } = rescale.op else { panic!("{:?}", rescale.op) };
    (shift, saved_by_deferring(&q, &x, mul.output, &Layout::new(2, 2, limb)))
}

#[test]
fn product_and_its_rescale_share_one_gate() {
    // The product is read only by its rescale, which proves both in one affine multiply-add
    // (`−r + x·y + 2^(s−1) = 2^s·q`) when the shift fits one limb.
    let (shift, saved) = squared_and_rescaled(8);
    assert!(shift <= 8, "shift {shift} does not fit the limb");
    assert!(saved >= 3 * 8, "one gate for product and rescale saved {saved} cells for 8");
}

#[test]
fn wide_product_rounds_at_its_low_limb() {
    // A shift wider than a limb: the gate rounds at the low limb and the high limbs join the
    // quotient's combination (seven cells), where a product and a rescale of its limbs took
    // nine.
    let (shift, saved) = squared_and_rescaled(4);
    assert!(shift > 4, "shift {shift} fits one limb");
    assert!(saved >= 2 * 8, "rounding at the low limb saved {saved} cells for 8");
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

#[test]
fn squares_only_summed_become_dot_products() {
    // A layer norm's variance as PyTorch spells it out: mean((x − mean(x))²). The squares
    // stay exact (no rescale of their own) and the sum lays them out as dot-product chains.
    let m = M::new(13)
        .input("x", &[2, 16], -1.0, 1.0)
        .init(tensor_f("p", &[], vec![2.0]))
        .node("ReduceMean", &["x"], &["mu"], vec![attr_is("axes", &[-1])])
        .node("Sub", &["x", "mu"], &["d"], vec![])
        .node("Pow", &["d", "p"], &["sq"], vec![])
        .node("ReduceMean", &["sq"], &["var"], vec![attr_is("axes", &[-1])])
        .node("Relu", &["var"], &["y"], vec![])
        .output("y");
    let (q, x) = quantized(&m, &[2, 16]);
    let mul = q.nodes.iter().find(|n| matches!(n.op, QOp::Mul)).unwrap();
    let reader = q.nodes.iter().find(|n| n.inputs.contains(&mul.output)).unwrap();
    assert!(matches!(reader.op, QOp::ReduceSum { .. }), "squares read by {:?}", reader.op);
    let saved = saved_by_deferring(&q, &x, mul.output, &Layout::new(2, 2, LIMB));
    assert!(saved >= 32, "summing the squares as dot products saved {saved} cells for 32");
}

#[test]
fn masked_scores_skip_their_rescale() {
    // Causally masked attention scores from a Freivalds-checked product: the masked ones are
    // read by nothing but the check, so they are witnessed without a rescale of their own.
    let tri: Vec<i64> = (0..16).map(|i| i64::from(i % 4 <= i / 4)).collect();
    let m = M::new(13)
        .input("x", &[4, 8], -1.0, 1.0)
        .weight("w", &[8, 4], 5)
        .init(tensor_i("tri", &[4, 4], tri))
        .init(tensor_i("one", &[], vec![1]))
        .init(tensor_f("fill", &[], vec![f32::NEG_INFINITY]))
        .node("MatMul", &["x", "w"], &["s"], vec![])
        .node("Equal", &["tri", "one"], &["keep"], vec![])
        .node("Where", &["keep", "s", "fill"], &["masked"], vec![])
        .node("Softmax", &["masked"], &["y"], vec![attr_i("axis", -1)])
        .output("y");
    let (q, x) = quantized(&m, &[4, 8]);
    let layout =
        Layout { late_lanes: 1, linear: LinearCheck::Freivalds, ..Layout::new(2, 2, LIMB) };
    let matmul = q.nodes.iter().find(|n| matches!(n.op, QOp::MatMul)).unwrap();
    let scores = q.nodes.iter().find(|n| n.inputs == [matmul.output]).unwrap().output;
    let inputs = [x];
    let b = lay_out(&q, Some(&witness(&q, &inputs)), &layout).unwrap();
    assert!(verify(&b), "honest witness rejected");
    // Every first-phase cell of the product (the masked scores' lone cells among them) is
    // held by the check: the softmax's lookup tables make the whole circuit slow to perturb
    // cell by cell, and its own cells are the op cases' (`Softmax causal Where`).
    let owned: Vec<Cell> = b
        .witness_cells()
        .into_iter()
        .filter(|&c| matches!(c.col, Col::Lane(_)))
        .filter(|&c| b.owner(c).is_some_and(|(n, _)| n == matmul.node))
        .collect();
    assert!(owned.len() >= 16, "{} cells of the product", owned.len());
    for cell in owned {
        assert!(!verify(&b.perturbed(cell)), "perturbing {cell:?} was not caught");
    }
    // Exposing the scores makes every one of them read; six of the sixteen are masked.
    let mut exposed = q.clone();
    exposed.outputs.push(scores);
    let all = lay_out(&exposed, Some(&witness(&exposed, &inputs)), &layout).unwrap();
    let saved = all.cells() - b.cells();
    assert!(saved >= 6, "skipping the masked scores' rescale saved {saved} cells");
}

/// `op(a, b)` of a square and its input before a 2×2 average pool, quantized, with its
/// product's node and the cells deferring the product saves (checking both layouts sound).
fn pooled_square(op: &str, square_first: bool) -> (QGraph, usize, usize) {
    let ins = if square_first { ["sq", "x"] } else { ["x", "sq"] };
    let m = M::new(13)
        .input("x", &[1, 1, 4, 4], -1.0, 1.0)
        .node("Mul", &["x", "x"], &["sq"], vec![])
        .node(op, &ins, &["act"], vec![])
        .node(
            "AveragePool",
            &["act"],
            &["y"],
            vec![attr_is("kernel_shape", &[2, 2]), attr_is("strides", &[2, 2])],
        )
        .output("y");
    let (q, x) = quantized(&m, &[1, 1, 4, 4]);
    let mul = q.nodes.iter().position(|n| matches!(n.op, QOp::Mul)).unwrap();
    let saved = saved_by_deferring(&q, &x, q.nodes[mul].output, &Layout::new(2, 2, LIMB));
    (q, mul, saved)
}

#[test]
fn pooled_products_share_their_sums_gate() {
    // LeNet's `x·x + x` before a 2×2 average pool: the product is not rounded on its own
    // (the pool's division rounds once, down to the output's scale), and the addition adds it
    // in its own multiply-add, `1·x + x·x = y` (`x·x − x`: `−1·x + x·x`).
    for (op, square_first) in [("Add", true), ("Add", false), ("Sub", true)] {
        let (q, mul, saved) = pooled_square(op, square_first);
        let product = q.nodes[mul].output;
        let readers: Vec<&QOp> =
            q.nodes.iter().filter(|n| n.inputs.contains(&product)).map(|n| &n.op).collect();
        assert!(matches!(readers[..], [QOp::Add { .. }]), "product read by {readers:?}");
        let pool = q.nodes.iter().rev().find(|n| matches!(n.op, QOp::Rescale { .. })).unwrap();
        let QOp::Rescale { shift } = pool.op else { unreachable!() };
        assert!(shift > 2, "the pool's rescale by {shift} does not come down from the product");
        assert!(q.tensors[pool.output].scale < q.tensors[product].scale);
        assert!(saved >= 3 * 16, "{op}: sharing the sums' gates saved {saved} cells for 16");
    }
    // `x − x·x` subtracts the product: laid out on its own, and still sound.
    let (_, _, saved) = pooled_square("Sub", false);
    assert_eq!(saved, 0, "a subtracted product was deferred");
}
