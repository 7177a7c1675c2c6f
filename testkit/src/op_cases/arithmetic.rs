//! Per-op cases of the `arithmetic` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `arithmetic` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        (
            "Sqrt",
            M::new(13)
                .input("x", &[2, 6], 0.01, 4.0)
                .node("Sqrt", &["x"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Reciprocal",
            M::new(13)
                .input("x", &[2, 6], 0.25, 4.0)
                .node("Reciprocal", &["x"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Add",
            v(M::new(13))
                .input("z", &[6], -3.0, 3.0)
                .node("Add", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Sum",
            v(M::new(13))
                .input("z", &[2, 6], -3.0, 3.0)
                .node("Sum", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Sub",
            v(M::new(13)).weight("w", &[6], 3).node("Sub", &["w", "x"], &["y"], vec![]).output("y"),
            c,
        ),
        (
            "Mul",
            v(M::new(13))
                .input("z", &[2, 1], -3.0, 3.0)
                .node("Mul", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Mul const",
            v(M::new(13)).weight("w", &[6], 4).node("Mul", &["x", "w"], &["y"], vec![]).output("y"),
            c,
        ),
        (
            "Div const",
            v(M::new(13))
                .init(tensor_f("d", &[], vec![3.0]))
                .node("Div", &["x", "d"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Div",
            v(M::new(13))
                .input("z", &[2, 6], 0.5, 2.0)
                .node("Div", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Pow 2",
            v(M::new(13))
                .init(tensor_f("p", &[], vec![2.0]))
                .node("Pow", &["x", "p"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Pow 3",
            v(M::new(13))
                .init(tensor_f("p", &[], vec![3.0]))
                .node("Pow", &["x", "p"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Pow 0.5",
            M::new(13)
                .input("x", &[2, 6], 0.0, 3.0)
                .init(tensor_f("p", &[], vec![0.5]))
                .node("Pow", &["x", "p"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Pow 1.5",
            M::new(13)
                .input("x", &[2, 6], 0.0, 3.0)
                .init(tensor_f("p", &[], vec![1.5]))
                .node("Pow", &["x", "p"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Max",
            v(M::new(13))
                .input("z", &[2, 6], -2.0, 2.0)
                .node("Max", &["x", "z"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Min",
            v(M::new(13)).weight("w", &[6], 5).node("Min", &["x", "w"], &["y"], vec![]).output("y"),
            c,
        ),
        // Variadic forms, broadcasting [2, 6], [6] and [2, 1] together.
        (
            "Sum three",
            v(M::new(13))
                .input("z", &[6], -3.0, 3.0)
                .input("u", &[2, 1], -1.0, 1.0)
                .node("Sum", &["x", "z", "u"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Mean",
            v(M::new(13))
                .input("z", &[6], -3.0, 3.0)
                .input("u", &[2, 1], -1.0, 1.0)
                .node("Mean", &["x", "z", "u"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Max three",
            v(M::new(13))
                .input("z", &[6], -2.0, 2.0)
                .weight("w", &[2, 1], 7)
                .node("Max", &["x", "z", "w"], &["y"], vec![])
                .output("y"),
            c,
        ),
        ("Min one", un("Min", vec![]), c),
        (
            // Attention's 1/√d for d = 16: a product by a power of two is a change of scale.
            "Mul power of two",
            v(M::new(13))
                .init(tensor_f("q", &[], vec![0.25]))
                .node("Mul", &["x", "q"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Equal",
            M::new(13)
                .int_input("x", &[2, 6], 0, 3)
                .init(tensor_i("k", &[], vec![1]))
                .node("Equal", &["x", "k"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            // The guards transformers' exports put around masks: folded to "never".
            "IsNaN IsInf",
            v(M::new(13))
                .init(tensor_f("z", &[], vec![0.0]))
                .node("IsNaN", &["x"], &["n"], vec![])
                .node("Where", &["n", "z", "x"], &["a"], vec![])
                .node("IsInf", &["a"], &["m"], vec![])
                .node("Where", &["m", "z", "a"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "CumSum",
            M::new(14)
                .input("x", &[2, 5], -2.0, 2.0)
                .init(tensor_i("axis", &[], vec![1]))
                .node("CumSum", &["x", "axis"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "CumSum exclusive reverse axis 0",
            M::new(14)
                .input("x", &[4, 3], -2.0, 2.0)
                .init(tensor_i("axis", &[], vec![0]))
                .node(
                    "CumSum",
                    &["x", "axis"],
                    &["y"],
                    vec![attr_i("exclusive", 1), attr_i("reverse", 1)],
                )
                .output("y"),
            c,
        ),
        (
            "Add legacy broadcast",
            M::new(6)
                .input("x", &[2, 3, 4], -2.0, 2.0)
                .init(tensor_f("b", &[3], vec![0.5, -1.0, 2.0]))
                .node("Add", &["x", "b"], &["y"], vec![attr_i("broadcast", 1), attr_i("axis", 1)])
                .output("y"),
            c,
        ),
    ]
}
