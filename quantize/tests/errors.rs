//! User mistakes give typed errors that name the node or input, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use zkinfer_model_import::{from_bytes, from_proto, ImportError, ImportOptions};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, QuantError, Target};
use zkinfer_testkit::onnx_builder::*;

fn mlp() -> M {
    M::new(13)
        .input("x", &[1, 3], -1.0, 1.0)
        .weight("w", &[3, 4], 1)
        .node("MatMul", &["x", "w"], &["h"], vec![])
        .node("Sigmoid", &["h"], &["y"], vec![])
        .output("y")
}

#[test]
fn malformed_file_is_a_typed_error() {
    let err = from_bytes(
        b"\x08\x07 this is not protobuf \xff\xff",
        "garbage.onnx",
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("garbage.onnx"), "{err}");
    let empty = from_bytes(b"", "empty.onnx", &ImportOptions::default()).unwrap_err();
    assert!(matches!(empty, ImportError::Malformed { .. }), "{empty}");
}

#[test]
fn unsupported_op_names_node_op_and_opset() {
    let m = M::new(13)
        .input("x", &[1, 3], -1.0, 1.0)
        .node("Hardmax", &["x"], &["y"], vec![])
        .output("y");
    let err = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    let ImportError::UnsupportedOp { node, op, opset, hint, .. } = &err else { panic!("{err}") };
    assert_eq!(node.name, "Hardmax_0");
    assert_eq!(op, "Hardmax");
    assert_eq!(*opset, 13);
    assert!(hint.contains("zkinfer ops"), "{hint}");
    let msg = err.to_string();
    assert!(msg.contains("Hardmax_0") && msg.contains("opset 13"), "{msg}");
}

#[test]
fn custom_domain_is_rejected() {
    let mut m =
        M::new(13).input("x", &[1, 3], -1.0, 1.0).node("Relu", &["x"], &["y"], vec![]).output("y");
    m.nodes[0].domain = "com.microsoft".into();
    let err = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::UnsupportedOp { .. }), "{err}");
    assert!(err.to_string().contains("com.microsoft"), "{err}");
}

#[test]
fn shape_mismatch_names_the_node() {
    let m = M::new(13)
        .input("x", &[1, 3], -1.0, 1.0)
        .weight("w", &[5, 4], 1)
        .node("MatMul", &["x", "w"], &["y"], vec![])
        .output("y");
    let err = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::Shape { .. }), "{err}");
    assert!(err.to_string().contains("MatMul_0"), "{err}");
}

#[test]
fn wrong_input_size_count_and_nan_are_rejected() {
    let g = from_proto(&mlp().proto(), "t".into(), &ImportOptions::default()).unwrap();
    let err = g.make_inputs(&[vec![1.0, 2.0]]).unwrap_err();
    assert!(matches!(err, ImportError::InputShape { expected: 3, got: 2, .. }), "{err}");
    let err = g.make_inputs(&[vec![1.0; 3], vec![1.0]]).unwrap_err();
    assert!(matches!(err, ImportError::InputCount { expected: 1, got: 2, .. }), "{err}");
    let err = g.make_inputs(&[vec![1.0, f64::NAN, 0.0]]).unwrap_err();
    assert!(matches!(err, ImportError::NonFinite { index: 1, .. }), "{err}");
}

#[test]
fn integer_inputs_must_be_integers() {
    let m = M::new(13)
        .int_input("t", &[1, 2], 0, 4)
        .weight("e", &[4, 2], 1)
        .node("Gather", &["e", "t"], &["y"], vec![])
        .output("y");
    let g = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap();
    let err = g.make_inputs(&[vec![1.0, 2.5]]).unwrap_err();
    assert!(matches!(err, ImportError::NotInteger { index: 1, .. }), "{err}");
    // An out-of-vocabulary token is an index error naming the Gather.
    let inputs = g.make_inputs(&[vec![1.0, 2.0]]).unwrap();
    let cal = calibrate(&g, &[inputs], |_| {}).unwrap();
    let q = quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)).unwrap();
    let bad = g.make_inputs(&[vec![1.0, 4.0]]).unwrap();
    let err = eval::eval(&q, &bad).unwrap_err();
    assert!(err.to_string().contains("Gather_0"), "{err}");
}

#[test]
fn out_of_calibrated_range_is_a_witness_error_with_node_index_value() {
    let g = from_proto(&mlp().proto(), "t".into(), &ImportOptions::default()).unwrap();
    let calib = g.make_inputs(&[vec![0.1, -0.2, 0.3]]).unwrap();
    let cal = calibrate(&g, &[calib], |_| {}).unwrap();
    let q = quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)).unwrap();
    // Inside headroom: fine.
    eval::eval(&q, &g.make_inputs(&[vec![0.5, -0.5, 0.2]]).unwrap()).unwrap();
    // Far outside: the input check names the input, the index and the range.
    let err = eval::eval(&q, &g.make_inputs(&[vec![0.1, 50.0, 0.3]]).unwrap()).unwrap_err();
    let QuantError::OutOfRange { node, index, value, min, max, .. } = &err else { panic!("{err}") };
    assert_eq!(node.name, "x");
    assert_eq!(*index, 1);
    assert!(*value > *max && *min == -*max, "{err}");
    let msg = err.to_string();
    assert!(msg.contains("index 1") && msg.contains("calibrate"), "{msg}");
}

#[test]
fn settings_for_another_model_are_rejected() {
    let g = from_proto(&mlp().proto(), "aaaa".into(), &ImportOptions::default()).unwrap();
    let inputs = g.make_inputs(&[vec![0.1, 0.2, 0.3]]).unwrap();
    let mut s = settings_for(&g, 1, Target::Accuracy, calibrate(&g, &[inputs], |_| {}).unwrap());
    s.model_sha256 = "bbbb".into();
    let err = quantize(&g, &s).unwrap_err();
    assert!(matches!(err, QuantError::Settings(_)) && err.to_string().contains("bbbb"), "{err}");
}

#[test]
fn settings_round_trip_and_strict_parsing() {
    let g = from_proto(&mlp().proto(), "aaaa".into(), &ImportOptions::default()).unwrap();
    let inputs = g.make_inputs(&[vec![0.1, 0.2, 0.3]]).unwrap();
    let s = settings_for(&g, 1, Target::Resources, calibrate(&g, &[inputs], |_| {}).unwrap());
    let json = s.to_json().unwrap();
    assert_eq!(zkinfer_quantize::Settings::from_json(&json).unwrap(), s);
    assert!(!json.contains("max_lanes"), "an unset lane cap is left out of the file");
    let mut capped = s.clone();
    capped.max_lanes = Some(3);
    let text = capped.to_json().unwrap();
    assert_eq!(zkinfer_quantize::Settings::from_json(&text).unwrap().max_lanes, Some(3));
    let typo = json.replacen("\"headroom\"", "\"headrom\"", 1);
    let err = zkinfer_quantize::Settings::from_json(&typo).unwrap_err();
    assert!(err.to_string().contains("headrom"), "{err}");
    let future = json.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    assert!(zkinfer_quantize::Settings::from_json(&future).unwrap_err().to_string().contains("99"));
}

#[test]
fn division_by_a_tensor_crossing_zero_is_refused_at_quantization() {
    let m = M::new(13)
        .input("x", &[1, 4], -1.0, 1.0)
        .input("z", &[1, 4], -1.0, 1.0)
        .node("Div", &["x", "z"], &["y"], vec![])
        .output("y");
    let g = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap();
    let inputs = g.make_inputs(&[vec![0.5; 4], vec![-0.5, 0.5, 0.25, 1.0]]).unwrap();
    let cal = calibrate(&g, &[inputs], |_| {}).unwrap();
    let err = quantize(&g, &settings_for(&g, 1, Target::Accuracy, cal)).unwrap_err();
    assert!(
        matches!(err, QuantError::Unsupported { .. }) && err.to_string().contains("Div_0"),
        "{err}"
    );
}

#[test]
fn out_of_range_knobs_are_rejected_not_panics() {
    let g = from_proto(&mlp().proto(), "t".into(), &ImportOptions::default()).unwrap();
    let inputs = g.make_inputs(&[vec![0.1, 0.2, 0.3]]).unwrap();
    let base = settings_for(&g, 1, Target::Accuracy, calibrate(&g, &[inputs], |_| {}).unwrap());
    let mut s = base.clone();
    s.scale_overrides.insert("x".into(), 200);
    let err = quantize(&g, &s).unwrap_err();
    assert!(err.to_string().contains("scale override for 'x'"), "{err}");
    let mut s = base.clone();
    s.params.table_bits = 40;
    assert!(quantize(&g, &s).unwrap_err().to_string().contains("table_bits"));
    let mut s = base.clone();
    s.params.headroom = f64::NAN;
    assert!(quantize(&g, &s).unwrap_err().to_string().contains("headroom"));
    let mut s = base;
    s.max_lanes = Some(0);
    assert!(quantize(&g, &s).unwrap_err().to_string().contains("max_lanes"));
}

#[test]
fn unsupported_forms_of_supported_ops_name_the_node() {
    let import = |m: M| from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    let x = || M::new(13).input("x", &[1, 2, 3, 3], -1.0, 1.0);
    // Resize other than nearest or linear.
    let err = import(
        x().init(tensor_f("sc", &[4], vec![1.0, 1.0, 2.0, 2.0]))
            .node("Resize", &["x", "", "sc"], &["y"], vec![attr_s("mode", "cubic")])
            .output("y"),
    );
    assert!(matches!(err, ImportError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("Resize_0") && err.to_string().contains("'cubic'"), "{err}");
    // GatherElements with input-dependent indices.
    let err = import(
        x().int_input("i", &[1, 2, 3, 1], 0, 2)
            .node("GatherElements", &["x", "i"], &["y"], vec![attr_i("axis", 3)])
            .output("y"),
    );
    assert!(
        err.to_string().contains("GatherElements_0")
            && err.to_string().contains("constant indices"),
        "{err}"
    );
    // InstanceNormalization with an input-dependent scale.
    let err = import(
        x().input("s", &[2], 0.5, 1.0)
            .weight("b", &[2], 3)
            .node("InstanceNormalization", &["x", "s", "b"], &["y"], vec![])
            .output("y"),
    );
    assert!(err.to_string().contains("input-dependent scale"), "{err}");
}

/// Classical-ML and recurrent constructs zkinfer cannot prove are typed errors that name the
/// node and say what to change.
#[test]
fn unsupported_ml_and_recurrent_constructs_name_the_node_and_the_fix() {
    let import = |m: M| from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    let classifier = |attrs| {
        M::new(13)
            .input("x", &[1, 3], -1.0, 1.0)
            .ml_node("LinearClassifier", &["x"], &["label", "p"], attrs)
            .output("label")
            .output("p")
    };
    let coef = attr_fs("coefficients", &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    let cases: Vec<(M, &str)> = vec![
        (
            classifier(vec![coef.clone(), attr_ss("classlabels_strings", &["no", "yes"])]),
            "integer labels",
        ),
        (
            classifier(vec![
                coef,
                attr_is("classlabels_ints", &[0, 1]),
                attr_s("post_transform", "PROBIT"),
            ]),
            "post_transform PROBIT",
        ),
        (
            M::new(13)
                .input("x", &[1, 3], -1.0, 1.0)
                .ml_node("ZipMap", &["x"], &["m"], vec![attr_is("classlabels_int64s", &[0, 1, 2])])
                .output("m"),
            "zipmap",
        ),
        (
            M::new(13)
                .input("x", &[1, 3], -1.0, 1.0)
                .ml_node(
                    "TreeEnsembleRegressor",
                    &["x"],
                    &["y"],
                    vec![
                        attr_is("nodes_treeids", &[0, 0, 0]),
                        attr_is("nodes_nodeids", &[0, 1, 2]),
                        attr_is("nodes_featureids", &[0, 0, 0]),
                        attr_ss("nodes_modes", &["BRANCH_EQ", "LEAF", "LEAF"]),
                        attr_fs("nodes_values", &[0.5, 0.0, 0.0]),
                        attr_is("nodes_truenodeids", &[1, 0, 0]),
                        attr_is("nodes_falsenodeids", &[2, 0, 0]),
                        attr_is("target_treeids", &[0, 0]),
                        attr_is("target_nodeids", &[1, 2]),
                        attr_is("target_ids", &[0, 0]),
                        attr_fs("target_weights", &[1.0, 2.0]),
                    ],
                )
                .output("y"),
            "BRANCH_EQ",
        ),
        (
            M::new(14)
                .input("x", &[2, 1, 3], -1.0, 1.0)
                .weight("w", &[1, 4, 3], 1)
                .weight("r", &[1, 4, 4], 2)
                .node(
                    "RNN",
                    &["x", "w", "r"],
                    &["y"],
                    vec![attr_i("hidden_size", 4), attr_ss("activations", &["Relu"])],
                )
                .output("y"),
            "activations",
        ),
        (
            M::new(14)
                .input("x", &[2, 1, 3], -1.0, 1.0)
                .weight("w", &[1, 16, 3], 1)
                .weight("r", &[1, 16, 4], 2)
                .node(
                    "LSTM",
                    &["x", "w", "r"],
                    &["y"],
                    vec![attr_i("hidden_size", 4), attr_f("clip", 3.0)],
                )
                .output("y"),
            "clip",
        ),
    ];
    for (m, needle) in cases {
        let op = m.nodes[0].op_type.clone();
        let err = import(m);
        let msg = err.to_string();
        assert!(matches!(err, ImportError::Unsupported { .. }) && msg.contains(&op), "{op}: {msg}");
        assert!(msg.to_lowercase().contains(&needle.to_lowercase()), "{op}: {msg}");
    }
}

/// Scatter with indices the model computes, and a CumSum whose axis it computes, have no
/// fixed layout: typed errors that say so.
#[test]
fn input_dependent_scatter_indices_and_cumsum_axis_are_typed_errors() {
    let scatter = M::new(16)
        .input("x", &[3, 2], -1.0, 1.0)
        .int_input("idx", &[1, 1], 0, 2)
        .input("u", &[1, 2], -1.0, 1.0)
        .node("ScatterND", &["x", "idx", "u"], &["y"], vec![])
        .output("y");
    let err = from_proto(&scatter.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("ScatterND") && err.to_string().contains("constant indices"));
    let cumsum = M::new(14)
        .input("x", &[3, 2], -1.0, 1.0)
        .int_input("axis", &[], 0, 1)
        .node("CumSum", &["x", "axis"], &["y"], vec![])
        .output("y");
    let err = from_proto(&cumsum.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("CumSum") && err.to_string().contains("axis"), "{err}");
}

/// Opset-6 broadcasting lines B up with A at `axis` (checked against the rule by hand, as
/// neither tract nor onnxruntime runs these models any more); a B that does not line up is a
/// shape error naming the node.
#[test]
fn legacy_broadcast_lines_up_at_the_axis() {
    let m = |b_shape: &[i64], b: Vec<f32>, axis: i64| {
        M::new(6)
            .input("x", &[2, 3, 4], -2.0, 2.0)
            .init(tensor_f("b", b_shape, b))
            .node("Mul", &["x", "b"], &["y"], vec![attr_i("broadcast", 1), attr_i("axis", axis)])
            .output("y")
    };
    let g =
        from_proto(&m(&[3], vec![1.0, 2.0, 3.0], 1).proto(), "t".into(), &ImportOptions::default())
            .unwrap();
    let x: Vec<f64> = (0..24).map(f64::from).collect();
    let y = g.run(&g.make_inputs(std::slice::from_ref(&x)).unwrap()).unwrap();
    for (i, (&xi, &yi)) in x.iter().zip(&y[0].data).enumerate() {
        assert!((yi - xi * f64::from(u8::try_from(i / 4 % 3 + 1).unwrap())).abs() < 1e-12, "{i}");
    }
    let err = from_proto(&m(&[4], vec![1.0; 4], 1).proto(), "t".into(), &ImportOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("Mul_0") && err.to_string().contains("axis 1"), "{err}");
}

/// A peephole tensor of the wrong size is a shape error naming the node, not a panic.
#[test]
fn lstm_peepholes_of_the_wrong_size_are_a_shape_error() {
    let m = M::new(14)
        .input("x", &[2, 1, 3], -1.0, 1.0)
        .weight("w", &[1, 16, 3], 1)
        .weight("r", &[1, 16, 4], 2)
        .weight("p", &[1, 5], 3)
        .node("LSTM", &["x", "w", "r", "", "", "", "", "p"], &["y"], vec![attr_i("hidden_size", 4)])
        .output("y");
    let err = from_proto(&m.proto(), "t".into(), &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, ImportError::Shape { .. }), "{err}");
    assert!(err.to_string().contains("LSTM_0") && err.to_string().contains("P has shape"), "{err}");
}
