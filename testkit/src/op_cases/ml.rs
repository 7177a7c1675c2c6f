//! Per-op cases of the `ml` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `ml` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        (
            "LinearClassifier softmax, labels",
            M::new(13)
                .input("x", &[4, 3], -2.0, 2.0)
                .ml_node(
                    "LinearClassifier",
                    &["x"],
                    &["label", "p"],
                    vec![
                        attr_fs("coefficients", &weights(60, 9)),
                        attr_fs("intercepts", &[0.1, -0.2, 0.05]),
                        attr_is("classlabels_ints", &[3, 7, 9]),
                        attr_s("post_transform", "SOFTMAX"),
                    ],
                )
                .output("label")
                .output("p"),
            2e-3,
        ),
        (
            "LinearClassifier binary, one row",
            M::new(13)
                .input("x", &[4, 3], -2.0, 2.0)
                .ml_node(
                    "LinearClassifier",
                    &["x"],
                    &["label", "p"],
                    vec![
                        attr_fs("coefficients", &weights(61, 3)),
                        attr_fs("intercepts", &[0.1]),
                        attr_is("classlabels_ints", &[0, 1]),
                        attr_s("post_transform", "LOGISTIC"),
                    ],
                )
                .output("label")
                .output("p"),
            2e-3,
        ),
        (
            "LinearRegressor",
            M::new(13)
                .input("x", &[4, 3], -2.0, 2.0)
                .ml_node(
                    "LinearRegressor",
                    &["x"],
                    &["y"],
                    vec![
                        attr_fs("coefficients", &weights(62, 6)),
                        attr_fs("intercepts", &[0.3, -0.1]),
                        attr_i("targets", 2),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "Normalizer L2",
            M::new(13)
                .input("x", &[4, 3], 0.5, 2.0)
                .ml_node("Normalizer", &["x"], &["y"], vec![attr_s("norm", "L2")])
                .output("y"),
            2e-3,
        ),
        (
            "Scaler",
            M::new(13)
                .input("x", &[4, 3], -2.0, 2.0)
                .ml_node(
                    "Scaler",
                    &["x"],
                    &["y"],
                    vec![attr_fs("offset", &[0.5, -0.25, 0.0]), attr_fs("scale", &[2.0, 0.5, 1.5])],
                )
                .output("y"),
            c,
        ),
        (
            "ArrayFeatureExtractor",
            M::new(13)
                .input("x", &[4, 5], -2.0, 2.0)
                .init(tensor_i("idx", &[3], vec![4, 0, 2]))
                .ml_node("ArrayFeatureExtractor", &["x", "idx"], &["y"], vec![])
                .output("y"),
            c,
        ),
        ("TreeEnsembleClassifier", tree_model("TreeEnsembleClassifier"), 2e-3),
        (
            "TreeEnsemble",
            M::new(21)
                .input("x", &[8, 3], -1.5, 1.5)
                .ml_node(
                    "TreeEnsemble",
                    &["x"],
                    &["y"],
                    vec![
                        attr_i("n_targets", 2),
                        attr_i("aggregate_function", 1),
                        attr_is("tree_roots", &[0, 2]),
                        attr_is("nodes_featureids", &[0, 1, 2]),
                        attr_t("nodes_splits", tensor_f("", &[3], vec![0.1, -0.3, 0.4])),
                        attr_t("nodes_modes", tensor_i("", &[3], vec![0, 1, 2])),
                        attr_is("nodes_truenodeids", &[1, 0, 3]),
                        attr_is("nodes_trueleafs", &[0, 1, 1]),
                        attr_is("nodes_falsenodeids", &[2, 1, 4]),
                        attr_is("nodes_falseleafs", &[1, 1, 1]),
                        attr_is("leaf_targetids", &[0, 1, 1, 0, 1]),
                        attr_t("leaf_weights", tensor_f("", &[5], vec![0.5, 0.8, 0.3, -0.2, 0.6])),
                    ],
                )
                .output("y"),
            2e-3,
        ),
        ("TreeEnsembleRegressor", tree_model("TreeEnsembleRegressor"), 2e-3),
    ]
}

/// Two trees over three features, mixing `BRANCH_LEQ`, `BRANCH_LT`, `BRANCH_GT` and
/// `BRANCH_GTE` splits, voting for three classes (the classifier) or two targets (the
/// regressor); eight input rows reach every leaf of both trees.
fn tree_model(op: &str) -> M {
    let classifier = op == "TreeEnsembleClassifier";
    let prefix = if classifier { "class" } else { "target" };
    // tree 0: node 0 splits x0 ≤ 0.1 → 1 | 2; node 1 splits x1 < -0.3 → leaf 3 | leaf 4;
    // node 2 is a leaf. tree 1: node 0 splits x2 > 0.4 → leaf 1 | node 2; node 2 splits
    // x0 ≥ -0.5 → leaf 3 | leaf 4.
    let mut attrs = vec![
        attr_is("nodes_treeids", &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
        attr_is("nodes_nodeids", &[0, 1, 2, 3, 4, 0, 1, 2, 3, 4]),
        attr_is("nodes_featureids", &[0, 1, 0, 0, 0, 2, 0, 0, 0, 0]),
        attr_ss(
            "nodes_modes",
            &[
                "BRANCH_LEQ",
                "BRANCH_LT",
                "LEAF",
                "LEAF",
                "LEAF",
                "BRANCH_GT",
                "LEAF",
                "BRANCH_GTE",
                "LEAF",
                "LEAF",
            ],
        ),
        attr_fs("nodes_values", &[0.1, -0.3, 0.0, 0.0, 0.0, 0.4, 0.0, -0.5, 0.0, 0.0]),
        attr_is("nodes_truenodeids", &[1, 3, 0, 0, 0, 1, 0, 3, 0, 0]),
        attr_is("nodes_falsenodeids", &[2, 4, 0, 0, 0, 2, 0, 4, 0, 0]),
        attr_is(&format!("{prefix}_treeids"), &[0, 0, 0, 0, 1, 1, 1, 1]),
        attr_is(&format!("{prefix}_nodeids"), &[2, 3, 4, 4, 1, 3, 4, 4]),
        attr_is(&format!("{prefix}_ids"), &[0, 1, 2, 0, 1, 1, 0, 1]),
        attr_fs(&format!("{prefix}_weights"), &[0.5, 0.8, 0.3, -0.2, 0.6, 0.4, 0.9, -0.1]),
    ];
    let m = M::new(13).input("x", &[8, 3], -1.5, 1.5);
    if classifier {
        // Weights for classes 0..=2 (target ids above reach 2 on tree 0's leaf 4).
        attrs.push(attr_is("classlabels_int64s", &[10, 20, 30]));
        attrs.push(attr_s("post_transform", "SOFTMAX"));
        m.ml_node(op, &["x"], &["label", "p"], attrs).output("label").output("p")
    } else {
        // Two targets: ids 2 are out of range for a regressor, so remap them to 1.
        let ids = attrs.iter_mut().find(|a| a.name == "target_ids").unwrap();
        ids.ints = ids.ints.iter().map(|&i| i.min(1)).collect();
        attrs.push(attr_i("n_targets", 2));
        attrs.push(attr_fs("base_values", &[0.25, -0.5]));
        m.ml_node(op, &["x"], &["y"], attrs).output("y")
    }
}
