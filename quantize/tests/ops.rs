//! Per-op tests: a small model for every op of the coverage manifest (`zkinfer_testkit::op_cases`), checked three ways —
//! our float evaluator against tract, the quantized integer evaluator against tract, and
//! determinism of the integer evaluator. The manifest and these cases must list the same ops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    missing_docs
)]

use std::collections::BTreeSet;
use zkinfer_model_import::tensor::DType;
use zkinfer_model_import::{
    coverage::COVERAGE, from_proto, reference::tract_run_proto, ImportOptions, Tensor,
};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, report, Target};
use zkinfer_testkit::op_cases::{all as cases, *};

/// Cases that tract does not implement, or computes differently from onnxruntime (a reverse
/// GRU; tree ensembles mixing split modes and labels): their reference is our float
/// evaluator, itself checked against onnxruntime's outputs on the corpus models that cover
/// them (`gru_reverse`, `tree_split_modes`, `tree_ensemble_v5`, `xgboost`, `lightgbm`,
/// `sklearn_mlp`).
const NOT_IN_TRACT: &[&str] = &[
    "Add legacy broadcast",
    "TreeEnsemble",
    "TreeEnsembleRegressor",
    "TreeEnsembleClassifier",
    "Scaler",
    "ArrayFeatureExtractor",
    "GRU reverse",
];

#[test]
fn every_manifest_op_has_a_case() {
    let used: BTreeSet<String> =
        cases().iter().flat_map(|(_, m, _)| m.nodes.iter().map(|n| n.op_type.clone())).collect();
    let manifest: BTreeSet<String> = COVERAGE.iter().map(|c| c.op.to_string()).collect();
    let missing: Vec<_> = manifest.difference(&used).collect();
    let extra: Vec<_> = used.difference(&manifest).collect();
    assert!(missing.is_empty(), "manifest ops without a test case: {missing:?}");
    assert!(extra.is_empty(), "test cases use ops missing from the manifest: {extra:?}");
}

#[test]
fn every_op_matches_tract() {
    let mut failures = Vec::new();
    for (name, m, tol) in cases() {
        let proto = m.proto();
        let g = match from_proto(&proto, "test".into(), &ImportOptions::default()) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{name}: import: {e}"));
                continue;
            }
        };
        let shapes: Vec<Vec<usize>> =
            g.inputs.iter().map(|&i| g.tensors[i].shape.clone()).collect();
        let inputs = g.make_inputs(&m.sample(7, &shapes)).unwrap();
        let ours: Vec<f64> = g.run(&inputs).unwrap().into_iter().flat_map(|t| t.data).collect();
        let tract = if NOT_IN_TRACT.contains(&name) {
            Ok(vec![Tensor::new(vec![ours.len()], DType::Float, ours.clone())])
        } else {
            tract_run_proto(&proto, &g, &inputs)
        };
        let reference: Vec<f64> = match tract {
            Ok(t) => t.into_iter().flat_map(|t| t.data).collect(),
            Err(e) => {
                failures.push(format!("{name}: tract: {e}"));
                continue;
            }
        };
        let float_err = report::compare(&ours, &reference, 1);
        if float_err.max_abs > 1e-4 * float_err.ref_max_abs.max(1.0)
            || ours.len() != reference.len()
        {
            failures.push(format!(
                "{name}: float evaluator differs from tract by {}",
                float_err.max_abs
            ));
            continue;
        }
        let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
        let q = match quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)) {
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
        assert_eq!(out, eval::eval(&q, &inputs).unwrap(), "{name}: nondeterministic");
        let got: Vec<f64> = eval::dequantize_outputs(&q, &out).into_iter().flatten().collect();
        let e = report::compare(&got, &reference, 1);
        println!("{name:50} max_abs {:.2e} max_rel {:.2e}", e.max_abs, e.max_rel);
        if e.max_rel > tol {
            failures.push(format!(
                "{name}: quantized error {:.3e} relative to range {:.3e} (tolerance {tol})",
                e.max_rel, e.ref_max_abs
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// onnxruntime and tract do not run batch-first (`layout = 1`) recurrent layers, so that
/// layout is checked against the sequence-first one: the same weights on the transposed input
/// give the transposed outputs.
#[test]
fn recurrent_batch_first_layout_is_the_transpose() {
    for op in ["LSTM", "GRU", "RNN"] {
        let gates = match op {
            "LSTM" => 4,
            "GRU" => 3,
            _ => 1,
        };
        let build = |layout: i64, x_shape: &[usize]| {
            M::new(14)
                .input("x", x_shape, -1.0, 1.0)
                .weight("w", &[2, gates * 4, 3], 70)
                .weight("r", &[2, gates * 4, 4], 71)
                .node(
                    op,
                    &["x", "w", "r"],
                    &["y", "yh"],
                    vec![
                        attr_i("hidden_size", 4),
                        attr_s("direction", "bidirectional"),
                        attr_i("layout", layout),
                    ],
                )
                .output("y")
                .output("yh")
                .proto()
        };
        let (seq, batch) = (3, 2);
        let opts = ImportOptions::default();
        let g0 = from_proto(&build(0, &[seq, batch, 3]), "l0".into(), &opts).unwrap();
        let g1 = from_proto(&build(1, &[batch, seq, 3]), "l1".into(), &opts).unwrap();
        let x0 = values(5, seq * batch * 3, -1.0, 1.0);
        // x1[b][s][i] = x0[s][b][i]
        let mut x1 = vec![0.0; x0.len()];
        for s in 0..seq {
            for b in 0..batch {
                for i in 0..3 {
                    x1[(b * seq + s) * 3 + i] = x0[(s * batch + b) * 3 + i];
                }
            }
        }
        let o0 = g0.run(&g0.make_inputs(&[x0]).unwrap()).unwrap();
        let o1 = g1.run(&g1.make_inputs(&[x1]).unwrap()).unwrap();
        // y: [seq, dirs, batch, hidden] vs [batch, seq, dirs, hidden]
        assert_eq!(o1[0].shape, vec![batch, seq, 2, 4], "{op}");
        for s in 0..seq {
            for d in 0..2 {
                for b in 0..batch {
                    for h in 0..4 {
                        let a = o0[0].data[((s * 2 + d) * batch + b) * 4 + h];
                        let c = o1[0].data[((b * seq + s) * 2 + d) * 4 + h];
                        assert!((a - c).abs() < 1e-12, "{op}: y differs");
                    }
                }
            }
        }
        // y_h: [dirs, batch, hidden] vs [batch, dirs, hidden]
        assert_eq!(o1[1].shape, vec![batch, 2, 4], "{op}");
        for d in 0..2 {
            for b in 0..batch {
                for h in 0..4 {
                    let a = o0[1].data[(d * batch + b) * 4 + h];
                    let c = o1[1].data[(b * 2 + d) * 4 + h];
                    assert!((a - c).abs() < 1e-12, "{op}: y_h differs");
                }
            }
        }
    }
}

/// Softmax's exp reads the row maximum's gaps through a table that spans them all (no clamp)
/// when that table stays within `table_bits`, by two factor tables of half the gap's bits
/// each when they do, and clamps the gaps first only when even those would be too large.
#[test]
fn softmax_clamps_only_when_its_tables_would_be_too_large() {
    for (case, table_bits, factored, clamped) in [
        ("Softmax", None, true, false),
        ("Softmax wide", None, true, false),
        ("Softmax wide", Some(8), false, true),
    ] {
        let (_, m, _) = cases().into_iter().find(|c| c.0 == case).unwrap();
        let g = from_proto(&m.proto(), "test".into(), &ImportOptions::default()).unwrap();
        let shapes: Vec<Vec<usize>> =
            g.inputs.iter().map(|&i| g.tensors[i].shape.clone()).collect();
        let inputs = g.make_inputs(&m.sample(7, &shapes)).unwrap();
        let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
        let mut settings = settings_for(&g, 1, Target::Accuracy, cal);
        if let Some(bits) = table_bits {
            settings.params.table_bits = bits;
        }
        let q = quantize(&g, &settings).unwrap();
        let clamps = q
            .nodes
            .iter()
            .filter(|n| matches!(n.op, zkinfer_quantize::QOp::Min | zkinfer_quantize::QOp::Max))
            .count();
        let label = format!("{case} (table bits {table_bits:?})");
        assert_eq!(clamps, usize::from(clamped), "{label}");
        let t = &q.tables[0];
        assert_eq!(t.func, zkinfer_quantize::qgraph::LookupFn::NegExp, "{label}");
        assert_eq!(t.factor.is_some(), factored, "{label}: {t:?}");
        assert!(t.len() <= (1 << settings.params.table_bits) + 2, "{label}: {}", t.len());
        assert!(t.step <= settings.params.table_bits, "{label}: {t:?}");
    }
}

/// Quantizes op case `case` with the accuracy target; returns the graph and its integer
/// outputs on a sample input.
fn quantized_case(case: &str) -> (zkinfer_quantize::QGraph, Vec<Vec<i64>>) {
    quantized_case_with(case, zkinfer_quantize::WeightVisibility::Fixed)
}

fn quantized_case_with(
    case: &str,
    weights: zkinfer_quantize::WeightVisibility,
) -> (zkinfer_quantize::QGraph, Vec<Vec<i64>>) {
    let (_, m, _) = cases().into_iter().find(|c| c.0 == case).unwrap();
    let g = from_proto(&m.proto(), "test".into(), &ImportOptions::default()).unwrap();
    let shapes: Vec<Vec<usize>> = g.inputs.iter().map(|&i| g.tensors[i].shape.clone()).collect();
    let inputs = g.make_inputs(&m.sample(7, &shapes)).unwrap();
    let cal = calibrate(&g, std::slice::from_ref(&inputs), |_| {}).unwrap();
    let mut settings = settings_for(&g, 1, Target::Accuracy, cal);
    settings.visibility.weights = weights;
    let q = quantize(&g, &settings).unwrap();
    let outs = eval::eval(&q, &inputs).unwrap();
    (q, outs)
}

/// With hidden weights the circuit's shape must not depend on constant values: neither the
/// mask nor a power-of-two factor is read, and both lower as they would for any constant.
#[test]
fn hidden_weights_keep_constants_opaque() {
    use zkinfer_quantize::WeightVisibility::Private;
    let (q, _) = quantized_case_with("Mul power of two", Private);
    assert!(q.nodes.iter().any(|n| n.op.name() == "mul"));
    let (q, _) = quantized_case_with("Softmax additive mask", Private);
    let exp = q.nodes.iter().find(|n| matches!(n.op, zkinfer_quantize::QOp::Lookup { .. }));
    assert_eq!(q.tensors[exp.unwrap().output].shape, vec![2, 4, 4]);
}

/// A softmax behind a causal mask (either export form) works on the unmasked positions only:
/// its row maximum reads values of the scores' own small bound (not the mask's saturated
/// −2^40), its exp and division see the 10 allowed positions of each 4 × 4 block, and the
/// masked outputs are exactly 0.
#[test]
fn masked_softmax_skips_the_masked_positions() {
    for case in ["Softmax causal Where", "Softmax additive mask"] {
        let (q, outs) = quantized_case(case);
        let max = q.nodes.iter().find(|n| matches!(n.op, zkinfer_quantize::QOp::ReduceMax { .. }));
        let max = max.unwrap_or_else(|| panic!("{case}: no row maximum"));
        let bound = q.tensors[max.inputs[0]].bound;
        assert!(bound < 1 << 20, "{case}: the maximum reads values bounded by {bound}");
        let exp = q.nodes.iter().find(|n| matches!(n.op, zkinfer_quantize::QOp::Lookup { .. }));
        let exp = exp.unwrap_or_else(|| panic!("{case}: no exp"));
        assert_eq!(q.tensors[exp.output].shape, vec![20], "{case}");
        // Gaps wider than a table: e^−x by its two factors.
        let zkinfer_quantize::QOp::Lookup { table } = exp.op else { unreachable!() };
        assert!(q.tables[table].factor.is_some(), "{case}: {:?}", q.tables[table]);
        let y = &outs[0];
        for (i, &v) in y.iter().enumerate() {
            let (row, col) = ((i / 4) % 4, i % 4);
            if col > row {
                assert_eq!(v, 0, "{case}: masked output {i}");
            } else {
                assert!(v > 0, "{case}: allowed output {i} is {v}");
            }
        }
    }
}

/// A factored e^−x table (`Table::factor`) reads every input of its range within two output
/// units of the function, and refuses the first input past it.
#[test]
fn a_factored_exp_is_within_two_units_everywhere() {
    let t = zkinfer_quantize::qgraph::Table {
        func: zkinfer_quantize::qgraph::LookupFn::NegExp,
        in_scale: 14,
        out_scale: 13,
        lo: 0,
        hi: (1 << 9) - 1,
        step: 9,
        factor: Some(13),
    };
    let (lo, hi) = t.input_range();
    assert_eq!((lo, hi), (0, (1 << 18) - 1));
    let mut worst = 0f64;
    for x in lo..=hi {
        let got = t.eval(x).unwrap();
        #[allow(clippy::cast_precision_loss)]
        let exact = (-(x as f64) / f64::from(1 << 14)).exp() * f64::from(1 << 13);
        #[allow(clippy::cast_precision_loss)]
        let err = (got as f64 - exact).abs();
        worst = worst.max(err);
        assert!(got < 1 << 13, "{x}: {got} needs a 14th bit");
    }
    assert!(worst <= 2.0, "worst error {worst} units");
    assert_eq!(t.eval(hi + 1), None);
    assert_eq!(t.max_abs(), (1 << 13) - 1);
}

/// A product by a constant power of two is the input's integers at another scale: no product,
/// no rescale, and the integers unchanged.
#[test]
fn a_product_by_a_power_of_two_is_a_change_of_scale() {
    let (q, outs) = quantized_case("Mul power of two");
    let ops: Vec<&str> = q.nodes.iter().map(|n| n.op.name()).collect();
    assert!(!ops.iter().any(|o| *o == "mul" || *o == "rescale"), "{ops:?}");
    let x = q.inputs[0];
    let y = q.outputs[0];
    assert_eq!(q.tensors[y].scale, q.tensors[x].scale + 2);
    let (_, m, _) = cases().into_iter().find(|c| c.0 == "Mul power of two").unwrap();
    let g = from_proto(&m.proto(), "test".into(), &ImportOptions::default()).unwrap();
    let shapes: Vec<Vec<usize>> = g.inputs.iter().map(|&i| g.tensors[i].shape.clone()).collect();
    let inputs = g.make_inputs(&m.sample(7, &shapes)).unwrap();
    let all = eval::eval_all(&q, &inputs).unwrap();
    assert_eq!(all[x], outs[0]);
}
