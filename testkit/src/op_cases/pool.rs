//! Per-op cases of the `pool` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `pool` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        (
            "MaxPool",
            x(M::new(13))
                .node(
                    "MaxPool",
                    &["x"],
                    &["y"],
                    vec![
                        attr_is("kernel_shape", &[3, 3]),
                        attr_is("pads", &[1, 1, 1, 1]),
                        attr_is("strides", &[2, 2]),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "AveragePool",
            x(M::new(13))
                .node(
                    "AveragePool",
                    &["x"],
                    &["y"],
                    vec![attr_is("kernel_shape", &[3, 3]), attr_is("pads", &[1, 1, 1, 1])],
                )
                .output("y"),
            c,
        ),
        (
            "MaxPool 3-D",
            M::new(13)
                .input("x", &[1, 2, 4, 5, 5], -2.0, 2.0)
                .node(
                    "MaxPool",
                    &["x"],
                    &["y"],
                    vec![
                        attr_is("kernel_shape", &[2, 3, 3]),
                        attr_is("strides", &[2, 2, 2]),
                        attr_is("pads", &[0, 1, 1, 0, 1, 1]),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "AveragePool 3-D",
            M::new(13)
                .input("x", &[1, 2, 4, 4, 4], -2.0, 2.0)
                .node(
                    "AveragePool",
                    &["x"],
                    &["y"],
                    vec![attr_is("kernel_shape", &[2, 2, 3]), attr_is("pads", &[1, 0, 1, 1, 0, 1])],
                )
                .output("y"),
            c,
        ),
        (
            "GlobalAveragePool",
            x(M::new(13)).node("GlobalAveragePool", &["x"], &["y"], vec![]).output("y"),
            c,
        ),
        (
            "GlobalMaxPool",
            x(M::new(13)).node("GlobalMaxPool", &["x"], &["y"], vec![]).output("y"),
            c,
        ),
    ]
}
