//! Per-op cases of the `linear` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `linear` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        (
            "MatMul const",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .weight("w", &[5, 4], 7)
                .node("MatMul", &["x", "w"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "MatMul dyn",
            M::new(13)
                .input("x", &[2, 3, 5], -2.0, 2.0)
                .input("z", &[1, 5, 4], -2.0, 2.0)
                .node("MatMul", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Gemm",
            M::new(13)
                .input("x", &[5, 3], -2.0, 2.0)
                .weight("w", &[4, 3], 8)
                .weight("b", &[4], 9)
                .node(
                    "Gemm",
                    &["x", "w", "b"],
                    &["y"],
                    vec![attr_i("transB", 1), attr_f("alpha", 0.5), attr_f("beta", 2.0)],
                )
                .output("y"),
            c,
        ),
        (
            "Conv",
            x(M::new(13))
                .weight("w", &[4, 3, 3, 3], 10)
                .weight("b", &[4], 11)
                .node(
                    "Conv",
                    &["x", "w", "b"],
                    &["y"],
                    vec![attr_is("pads", &[1, 1, 1, 1]), attr_is("strides", &[2, 1])],
                )
                .output("y"),
            c,
        ),
        (
            "Conv grouped dilated",
            M::new(13)
                .input("x", &[1, 4, 6, 6], -2.0, 2.0)
                .weight("w", &[6, 2, 2, 2], 12)
                .node(
                    "Conv",
                    &["x", "w"],
                    &["y"],
                    vec![attr_i("group", 2), attr_is("dilations", &[2, 2])],
                )
                .output("y"),
            c,
        ),
        (
            "ConvTranspose",
            x(M::new(13))
                .weight("w", &[3, 2, 3, 3], 13)
                .weight("b", &[2], 14)
                .node(
                    "ConvTranspose",
                    &["x", "w", "b"],
                    &["y"],
                    vec![
                        attr_is("strides", &[2, 2]),
                        attr_is("pads", &[1, 0, 1, 1]),
                        attr_is("output_padding", &[1, 1]),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "Conv 3-D grouped, strided, padded",
            M::new(13)
                .input("x", &[1, 4, 4, 5, 5], -2.0, 2.0)
                .weight("w", &[6, 2, 2, 3, 3], 15)
                .weight("b", &[6], 16)
                .node(
                    "Conv",
                    &["x", "w", "b"],
                    &["y"],
                    vec![
                        attr_i("group", 2),
                        attr_is("strides", &[1, 2, 1]),
                        attr_is("pads", &[0, 1, 1, 1, 1, 0]),
                        attr_is("dilations", &[2, 1, 1]),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "ConvTranspose 3-D",
            M::new(13)
                .input("x", &[1, 2, 3, 3, 2], -2.0, 2.0)
                .weight("w", &[2, 3, 2, 2, 2], 17)
                .node("ConvTranspose", &["x", "w"], &["y"], vec![attr_is("strides", &[2, 1, 2])])
                .output("y"),
            c,
        ),
    ]
}
