//! A model cut into parts (`zkinfer_quantize::partition`): each part, laid out with its slice
//! of the whole model's witness, satisfies MockProver; consecutive parts publish the same
//! digest for the tensors that cross their cut; the last part's public outputs are the whole
//! model's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_circuits::{lay_out_planned, plan, ModelCircuit};
use zkinfer_quantize::partition::{boundary, first_cuttable, split};
use zkinfer_quantize::{eval, Visibility};
use zkinfer_testkit::{compile::quantized, model_dir};

/// The public instances of a satisfied part.
fn prove_mock(part: &zkinfer_quantize::partition::Part, whole: &[Vec<i64>]) -> Vec<Fr> {
    let witness = part.witness(whole);
    let p = plan(&part.graph).unwrap();
    let c = ModelCircuit::new(lay_out_planned(&part.graph, Some(&witness), &p).unwrap());
    let instances = c.instances();
    MockProver::<Fr>::run(p.k, &c, vec![instances.clone()]).unwrap().assert_satisfied();
    instances
}

#[test]
fn parts_prove_their_slices_and_agree_on_each_cut() {
    let (_, q, inputs) = quantized(&model_dir("conv_fc"));
    let whole = eval::eval_all(&q, &inputs).unwrap();
    let start = first_cuttable(&q);
    let n = q.nodes.len();
    for cuts in [vec![start + (n - start) / 2], vec![start + 2, n - 3]] {
        let parts = split(&q, &cuts).unwrap();
        assert_eq!(parts.len(), cuts.len() + 1);
        let mut previous: Option<(Vec<usize>, Fr)> = None;
        for (i, part) in parts.iter().enumerate() {
            let g = &part.graph;
            let first = i == 0;
            let last = i + 1 == parts.len();
            assert_eq!(
                g.visibility.input,
                if first { q.visibility.input } else { Visibility::Hashed }
            );
            assert_eq!(
                g.visibility.output,
                if last { q.visibility.output } else { Visibility::Hashed }
            );
            let instances = prove_mock(part, &whole);
            // Where the bundle contract reads the digests: the instances just computed.
            let [in_at, out_at, _] = zkinfer_circuits::Interface::of(g).instance_ranges();
            if !first {
                assert_eq!(in_at, 0..1, "part {i}'s input digest position");
            }
            if !last {
                let end = instances.len();
                assert_eq!(out_at, end - 1..end, "part {i}'s output digest position");
            }
            let received: Vec<usize> = g.inputs.iter().map(|&t| part.tensors[t]).collect();
            if let Some((handed_on, digest)) = previous.take() {
                assert_eq!(received, handed_on, "part {i} reads what part {} hands on", i - 1);
                // Hashed inputs come first among the instances.
                assert_eq!(instances[0], digest, "part {i}'s input digest");
            } else {
                assert_eq!(received, q.inputs);
            }
            let handed_on: Vec<usize> = g.outputs.iter().map(|&t| part.tensors[t]).collect();
            if last {
                assert_eq!(handed_on, q.outputs);
                let ours: Vec<Fr> = q
                    .outputs
                    .iter()
                    .flat_map(|&o| whole[o].iter())
                    .map(|&v| zkinfer_circuits::fe(v.into()))
                    .collect();
                assert!(instances.ends_with(&ours), "the last part publishes the model's outputs");
            } else {
                assert_eq!(handed_on, boundary(&q, part.nodes.end));
                previous = Some((handed_on, *instances.last().unwrap()));
            }
        }
    }
}

#[test]
fn a_part_proven_on_another_input_hands_on_another_digest() {
    let (_, q, inputs) = quantized(&model_dir("conv_fc"));
    let start = first_cuttable(&q);
    let parts = split(&q, &[start + (q.nodes.len() - start) / 2]).unwrap();
    let whole = eval::eval_all(&q, &inputs).unwrap();
    let mut other_inputs = inputs.clone();
    for v in &mut other_inputs[0].data {
        *v *= 0.5;
    }
    let other = eval::eval_all(&q, &other_inputs).unwrap();
    let ours = prove_mock(&parts[0], &whole);
    let theirs = prove_mock(&parts[0], &other);
    assert_ne!(ours.last(), theirs.last(), "the first part's output digest names its input");
}

#[test]
fn cuts_out_of_order_or_range_are_refused() {
    let (_, q, _) = quantized(&model_dir("conv_fc"));
    let start = first_cuttable(&q);
    for cuts in
        [vec![start], vec![q.nodes.len()], vec![start + 3, start + 2], vec![start + 2, start + 2]]
    {
        let e = split(&q, &cuts).unwrap_err().to_string();
        assert!(e.contains("out of order or outside"), "{cuts:?}: {e}");
    }
}

/// A part of a large model can receive more values than a column has rows (ResNet-18's
/// max-pool receives 802,816): its input cells need no gate, so they spread over the lanes
/// instead of forcing a k that holds them in one column.
#[test]
fn an_input_taller_than_a_column_spreads_over_lanes() {
    use zkinfer_quantize::qgraph::{QNode, QOp, QTensor};
    use zkinfer_quantize::{QGraph, Visibilities};
    let n = 40_000;
    let tensor = |name: &str, bound, checked| QTensor {
        name: name.into(),
        shape: vec![n],
        scale: 0,
        bound,
        checked,
        value: None,
        window: None,
    };
    let node = |op, inputs, output| QNode {
        op,
        inputs,
        output,
        node: format!("n{output}"),
        onnx_op: "Test".into(),
    };
    let q = QGraph {
        tensors: vec![tensor("x", 1000, true), tensor("y", 32, false)],
        nodes: vec![
            node(QOp::Input { index: 0 }, vec![], 0),
            node(QOp::Rescale { shift: 5 }, vec![0], 1),
        ],
        inputs: vec![0],
        outputs: vec![1],
        tables: vec![],
        // As a part between two packed links sees them.
        visibility: Visibilities {
            input: Visibility::Packed,
            output: Visibility::Packed,
            ..Visibilities::default()
        },
    };
    let p = plan(&q).unwrap();
    assert!(1usize << p.k < n, "k {} holds the {n} inputs in one column", p.k);
    let x: Vec<i64> = (0..n).map(|i| i64::try_from(i % 2001).unwrap() - 1000).collect();
    let witness = vec![x.clone(), x.iter().map(|v| v.div_euclid(32)).collect()];
    let c = ModelCircuit::new(lay_out_planned(&q, Some(&witness), &p).unwrap());
    MockProver::<Fr>::run(p.k, &c, vec![c.instances()]).unwrap().assert_satisfied();
}

/// A part hashing its input and weights may need more Poseidon lanes than the planner first
/// gives it, and a sponge's chunks spread over them only a few lanes on: planning grows the
/// lanes until they do instead of giving up.
#[test]
fn parts_with_hashed_weights_and_input_plan() {
    use zkinfer_quantize::WeightVisibility;
    let (_, mut q, _) = quantized(&model_dir("conv_fc"));
    q.visibility.weights = WeightVisibility::Hashed;
    q.visibility.input = Visibility::Hashed;
    let n = q.nodes.len();
    let start = first_cuttable(&q);
    for part in split(&q, &[start + (n - start) / 2]).unwrap() {
        let p = plan(&part.graph).unwrap();
        assert!(p.hash_lanes > 0, "{p:?}");
    }
}
