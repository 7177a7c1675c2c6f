//! Per-op cases of the `reduce` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `reduce` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        (
            "ReduceSum",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .init(tensor_i("a", &[1], vec![1]))
                .node("ReduceSum", &["x", "a"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "ReduceMean",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .node(
                    "ReduceMean",
                    &["x"],
                    &["y"],
                    vec![attr_is("axes", &[-1]), attr_i("keepdims", 0)],
                )
                .output("y"),
            c,
        ),
        (
            "ReduceMax",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .node("ReduceMax", &["x"], &["y"], vec![attr_is("axes", &[0, 2])])
                .output("y"),
            c,
        ),
        (
            "ReduceMin",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .node("ReduceMin", &["x"], &["y"], vec![attr_is("axes", &[1])])
                .output("y"),
            c,
        ),
        (
            "ArgMax",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .node("ArgMax", &["x"], &["y"], vec![attr_i("axis", 2)])
                .output("y"),
            c,
        ),
    ]
}
