//! Import fuses element-wise subgraphs of one variable that compute a known activation into
//! one node of it, by what they compute, and leaves alone anything else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::ops::{Op, Unary};
use zkinfer_model_import::{from_proto, Graph, ImportOptions};
use zkinfer_testkit::onnx_builder::{tensor_f, M};
use zkinfer_testkit::op_cases::gelu_tanh_nodes;

fn import(m: &M) -> Graph {
    from_proto(&m.proto(), "test".into(), &ImportOptions::default()).unwrap()
}

fn ops(g: &Graph) -> Vec<(String, Op)> {
    g.nodes.iter().map(|n| (n.onnx_op.clone(), n.op.clone())).collect()
}

/// The output of `g` at one input, through our float evaluator.
fn run(g: &Graph, x: &[f64]) -> Vec<f64> {
    let inputs = g.make_inputs(&[x.to_vec()]).unwrap();
    g.run(&inputs).unwrap().remove(0).data
}

#[test]
fn gpt2_gelu_becomes_one_node_either_way_it_is_spelled() {
    for pow in [false, true] {
        let m = gelu_tanh_nodes(pow);
        let g = import(&m);
        assert_eq!(g.nodes.len(), 1, "pow {pow}: {:?}", ops(&g));
        let n = &g.nodes[0];
        assert_eq!(n.onnx_op, "Gelu");
        assert!(matches!(n.op, Op::Unary(Unary::Gelu { tanh: true })), "{:?}", n.op);
        // It keeps the last node's name and output.
        assert_eq!(n.name, m.nodes.last().unwrap().name);
        assert_eq!(g.tensors[n.outputs[0]].name, "y");
    }
}

/// `0.5·x·(1 + erf(x/√2))` with the given constants.
fn gelu_erf(half: f32, sqrt2: f32) -> M {
    gelu_erf_of(M::new(13).input("x", &[2, 6], -2.0, 2.0), "x", half, sqrt2)
}

/// [`gelu_erf`] of the value `src` of `m`.
fn gelu_erf_of(m: M, src: &str, half: f32, sqrt2: f32) -> M {
    m.init(tensor_f("s", &[], vec![sqrt2]))
        .init(tensor_f("one", &[], vec![1.0]))
        .init(tensor_f("half", &[1], vec![half]))
        .node("Div", &[src, "s"], &["a"], vec![])
        .node("Erf", &["a"], &["e"], vec![])
        .node("Add", &["e", "one"], &["e1"], vec![])
        .node("Mul", &[src, "e1"], &["xe"], vec![])
        .node("Mul", &["xe", "half"], &["y"], vec![])
        .output("y")
}

#[test]
fn erf_gelu_becomes_one_node_and_computes_the_same() {
    let spelled = gelu_erf(0.5, std::f32::consts::SQRT_2);
    let g = import(&spelled);
    assert_eq!(ops(&g).len(), 1, "{:?}", ops(&g));
    assert!(matches!(g.nodes[0].op, Op::Unary(Unary::Gelu { tanh: false })));
    let x: Vec<f64> = (0..12).map(|i| f64::from(i) / 3.0 - 2.0).collect();
    let want: Vec<f64> =
        x.iter().map(|&v| 0.5 * v * (1.0 + libm::erf(v / std::f64::consts::SQRT_2))).collect();
    for (a, b) in run(&g, &x).iter().zip(&want) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
}

#[test]
fn a_near_miss_is_left_as_written() {
    // 0.6 instead of 0.5: a different function, no candidate matches.
    let g = import(&gelu_erf(0.6, std::f32::consts::SQRT_2));
    assert_eq!(g.nodes.len(), 5, "{:?}", ops(&g));
}

#[test]
fn a_region_whose_inner_value_is_used_elsewhere_is_not_fused() {
    // The tanh's output is also a model output: fusing would lose it.
    let m = gelu_tanh_nodes(false).output("t");
    let g = import(&m);
    assert!(g.nodes.iter().any(|n| matches!(n.op, Op::Unary(Unary::Tanh))), "{:?}", ops(&g));
    assert!(!g.nodes.iter().any(|n| n.onnx_op == "Gelu"), "{:?}", ops(&g));
}

#[test]
fn a_per_channel_constant_is_not_a_scalar_function() {
    // x·sigmoid(x)·w with w per element is not one function of x.
    let m = M::new(13)
        .input("x", &[2, 6], -2.0, 2.0)
        .init(tensor_f("w", &[6], vec![0.5, 1.0, 1.5, 2.0, 2.5, 3.0]))
        .node("Sigmoid", &["x"], &["s"], vec![])
        .node("Mul", &["s", "w"], &["y"], vec![])
        .output("y");
    assert_eq!(import(&m).nodes.len(), 2);
}

#[test]
fn a_clip_that_only_bites_far_out_stays_outside_the_fused_gelu() {
    // GELU(clip(x, −30, 30)) equals GELU(x) on [−16, 16] but not beyond: the clip stays and
    // the GELU after it fuses.
    let m = M::new(13)
        .input("x", &[2, 6], -2.0, 2.0)
        .init(tensor_f("lo", &[], vec![-30.0]))
        .init(tensor_f("hi", &[], vec![30.0]))
        .node("Clip", &["x", "lo", "hi"], &["c"], vec![]);
    let g = import(&gelu_erf_of(m, "c", 0.5, std::f32::consts::SQRT_2));
    assert_eq!(g.nodes.len(), 2, "{:?}", ops(&g));
    assert!(matches!(g.nodes[0].op, Op::Clip { .. }), "{:?}", ops(&g));
    assert!(matches!(g.nodes[1].op, Op::Unary(Unary::Gelu { tanh: false })), "{:?}", ops(&g));
}

#[test]
fn silu_spelled_as_sigmoid_and_mul_becomes_one_node() {
    let m = M::new(13)
        .input("x", &[2, 6], -2.0, 2.0)
        .node("Sigmoid", &["x"], &["s"], vec![])
        .node("Mul", &["s", "x"], &["y"], vec![])
        .output("y");
    let g = import(&m);
    assert_eq!(g.nodes.len(), 1, "{:?}", ops(&g));
    assert!(matches!(g.nodes[0].op, Op::Unary(Unary::Silu)), "{:?}", ops(&g));
    let x: Vec<f64> = (0..12).map(|i| f64::from(i) / 3.0 - 2.0).collect();
    for (a, v) in run(&g, &x).iter().zip(&x) {
        let want = v / (1.0 + (-v).exp());
        assert!((a - want).abs() < 1e-9, "{a} vs {want}");
    }
}
