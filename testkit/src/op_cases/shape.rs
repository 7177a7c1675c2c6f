//! Per-op cases of the `shape` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `shape` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        ("Cast", un("Cast", vec![attr_i("to", 1)]), c),
        (
            "Where Greater Less",
            v(M::new(13))
                .input("z", &[2, 6], -2.0, 2.0)
                .node("Greater", &["x", "z"], &["g"], vec![])
                .node("Less", &["x", "z"], &["l"], vec![])
                .node("Where", &["g", "x", "z"], &["w"], vec![])
                .node("Where", &["l", "w", "x"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Reshape Flatten Squeeze Unsqueeze",
            x(M::new(13))
                .init(tensor_i("s", &[3], vec![1, 12, -1]))
                .init(tensor_i("ax", &[1], vec![0]))
                .node("Reshape", &["x", "s"], &["r"], vec![])
                .node("Squeeze", &["r", "ax"], &["q"], vec![])
                .node("Unsqueeze", &["q", "ax"], &["u"], vec![])
                .node("Flatten", &["u"], &["y"], vec![attr_i("axis", 2)])
                .output("y"),
            c,
        ),
        (
            "Transpose",
            x(M::new(13))
                .node("Transpose", &["x"], &["y"], vec![attr_is("perm", &[0, 2, 3, 1])])
                .output("y"),
            c,
        ),
        (
            "Slice",
            x(M::new(13))
                .init(tensor_i("st", &[2], vec![3, 1]))
                .init(tensor_i("en", &[2], vec![0, 4]))
                .init(tensor_i("ax", &[2], vec![2, 3]))
                .init(tensor_i("sp", &[2], vec![-1, 2]))
                .node("Slice", &["x", "st", "en", "ax", "sp"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Split Concat",
            x(M::new(13))
                .init(tensor_i("sz", &[2], vec![1, 3]))
                .weight("w", &[1, 3, 4, 2], 20)
                .node("Split", &["x", "sz"], &["a", "b"], vec![attr_i("axis", 2)])
                .node("Concat", &["b", "a"], &["c"], vec![attr_i("axis", 2)])
                .node("Concat", &["c", "w"], &["y"], vec![attr_i("axis", 3)])
                .output("y"),
            c,
        ),
        (
            "Pad constant",
            x(M::new(13))
                .init(tensor_i("p", &[8], vec![0, 0, 1, 2, 0, 1, 0, 1]))
                .init(tensor_f("v", &[], vec![0.75]))
                .node("Pad", &["x", "p", "v"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Pad reflect",
            x(M::new(13))
                .init(tensor_i("p", &[8], vec![0, 0, 2, 1, 0, 0, 1, 2]))
                .node("Pad", &["x", "p"], &["y"], vec![attr_s("mode", "reflect")])
                .output("y"),
            c,
        ),
        (
            "Pad edge",
            x(M::new(13))
                .init(tensor_i("p", &[8], vec![0, 0, 2, 1, 0, 0, 1, 2]))
                .node("Pad", &["x", "p"], &["y"], vec![attr_s("mode", "edge")])
                .output("y"),
            c,
        ),
        (
            "Tile",
            v(M::new(13))
                .init(tensor_i("r", &[2], vec![2, 3]))
                .node("Tile", &["x", "r"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Expand",
            M::new(13)
                .input("x", &[3, 1], -2.0, 2.0)
                .init(tensor_i("s", &[3], vec![2, 3, 4]))
                .node("Expand", &["x", "s"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Gather const indices",
            x(M::new(13))
                .init(tensor_i("i", &[2], vec![2, -1]))
                .node("Gather", &["x", "i"], &["y"], vec![attr_i("axis", 1)])
                .output("y"),
            c,
        ),
        (
            "Resize",
            x(M::new(13))
                .init(tensor_f("sc", &[4], vec![1.0, 1.0, 2.0, 1.5]))
                .node("Resize", &["x", "", "sc"], &["y"], vec![attr_s("mode", "nearest")])
                .output("y"),
            c,
        ),
        (
            "Resize linear half_pixel",
            x(M::new(13))
                .init(tensor_f("sc", &[4], vec![1.0, 1.0, 2.0, 2.0]))
                .node("Resize", &["x", "", "sc"], &["y"], vec![attr_s("mode", "linear")])
                .output("y"),
            c,
        ),
        (
            "Resize linear align_corners sizes",
            x(M::new(13))
                .init(tensor_i("sz", &[4], vec![1, 3, 7, 5]))
                .node(
                    "Resize",
                    &["x", "", "", "sz"],
                    &["y"],
                    vec![
                        attr_s("mode", "linear"),
                        attr_s("coordinate_transformation_mode", "align_corners"),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            // torch's nearest upsampling: sizes, asymmetric coordinates, floor.
            "Resize sizes",
            x(M::new(13))
                .init(tensor_i("sz", &[4], vec![1, 3, 8, 7]))
                .node(
                    "Resize",
                    &["x", "", "", "sz"],
                    &["y"],
                    vec![
                        attr_s("mode", "nearest"),
                        attr_s("coordinate_transformation_mode", "asymmetric"),
                        attr_s("nearest_mode", "floor"),
                    ],
                )
                .output("y"),
            c,
        ),
        (
            "GatherElements",
            v(M::new(13))
                .init(tensor_i("i", &[2, 3], vec![5, 0, -1, 2, 2, 3]))
                .node("GatherElements", &["x", "i"], &["y"], vec![attr_i("axis", 1)])
                .output("y"),
            c,
        ),
        (
            "Gather embedding",
            M::new(13)
                .int_input("t", &[1, 5], 0, 7)
                .weight("e", &[7, 4], 21)
                .node("Gather", &["e", "t"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Shape Size Constant ConstantOfShape Range NonZero",
            v(M::new(13))
                .node("Shape", &["x"], &["s"], vec![])
                .node(
                    "ConstantOfShape",
                    &["s"],
                    &["ones"],
                    vec![attr_t("value", tensor_f("", &[1], vec![1.0]))],
                )
                .node("Size", &["x"], &["n"], vec![])
                .node("Cast", &["n"], &["nf"], vec![attr_i("to", 1)])
                .node("Constant", &[], &["lim"], vec![attr_t("value", tensor_i("", &[], vec![7]))])
                .node("Constant", &[], &["zero"], vec![attr_t("value", tensor_i("", &[], vec![0]))])
                .node("Constant", &[], &["one"], vec![attr_t("value", tensor_i("", &[], vec![1]))])
                .node("Range", &["zero", "lim", "one"], &["r"], vec![])
                .node("NonZero", &["r"], &["nz"], vec![])
                .node("Cast", &["nz"], &["nzf"], vec![attr_i("to", 1)])
                .node("Mul", &["x", "ones"], &["a"], vec![])
                .node("Div", &["a", "nf"], &["b"], vec![])
                .node("Add", &["b", "nzf"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "ScatterElements",
            M::new(16)
                .input("x", &[3, 4], -2.0, 2.0)
                .input("u", &[2, 4], -2.0, 2.0)
                .init(tensor_i("idx", &[2, 4], vec![2, 0, 1, -1, 0, 2, 2, 1]))
                .node("ScatterElements", &["x", "idx", "u"], &["y"], vec![attr_i("axis", 0)])
                .output("y"),
            c,
        ),
        (
            "ScatterND",
            M::new(16)
                .input("x", &[4, 3, 2], -2.0, 2.0)
                .input("u", &[2, 3, 2], -2.0, 2.0)
                .init(tensor_i("idx", &[2, 1], vec![3, 1]))
                .node("ScatterND", &["x", "idx", "u"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Trilu",
            M::new(14)
                .input("x", &[2, 4, 5], -2.0, 2.0)
                .init(tensor_i("k", &[], vec![1]))
                .node("Trilu", &["x", "k"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Trilu lower",
            M::new(14)
                .input("x", &[4, 4], -2.0, 2.0)
                .node("Trilu", &["x"], &["y"], vec![attr_i("upper", 0)])
                .output("y"),
            c,
        ),
    ]
}
