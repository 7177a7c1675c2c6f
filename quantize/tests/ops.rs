//! Per-op tests: a small model for every op of the coverage manifest, checked three ways —
//! our float evaluator against tract, the quantized integer evaluator against tract, and
//! determinism of the integer evaluator. The manifest and these cases must list the same ops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    missing_docs
)]

mod support;

use std::collections::BTreeSet;
use support::*;
use zkinfer_model_import::tensor::DType;
use zkinfer_model_import::{
    coverage::COVERAGE, from_proto, reference::tract_run_proto, ImportOptions, Tensor,
};
use zkinfer_quantize::calibrate::{calibrate, settings_for};
use zkinfer_quantize::{eval, quantize, report, Target};

/// (case name, model, tolerance of the quantized result relative to the output range)
fn cases() -> Vec<(&'static str, M, f64)> {
    let x = |m: M| m.input("x", &[1, 3, 4, 4], -2.0, 2.0);
    let v = |m: M| m.input("x", &[2, 6], -2.0, 2.0);
    let un = |op: &str, attrs| v(M::new(13)).node(op, &["x"], &["y"], attrs).output("y");
    let c = 5e-4;
    vec![
        ("Abs", un("Abs", vec![]), c),
        ("Relu", un("Relu", vec![]), c),
        ("Neg", un("Neg", vec![]), c),
        ("Identity", un("Identity", vec![]), c),
        ("Dropout", un("Dropout", vec![]), c),
        ("Sigmoid", un("Sigmoid", vec![]), c),
        ("Tanh", un("Tanh", vec![]), c),
        ("Exp", un("Exp", vec![]), c),
        ("Erf", un("Erf", vec![]), c),
        ("Softplus", un("Softplus", vec![]), c),
        ("HardSigmoid", un("HardSigmoid", vec![attr_f("alpha", 0.3)]), c),
        ("HardSwish", v(M::new(14)).node("HardSwish", &["x"], &["y"], vec![]).output("y"), c),
        ("Softsign", un("Softsign", vec![]), c),
        (
            "Log",
            M::new(13)
                .input("x", &[2, 6], 0.05, 4.0)
                .node("Log", &["x"], &["y"], vec![])
                .output("y"),
            2e-3,
        ),
        ("LogSoftmax", un("LogSoftmax", vec![]), 2e-3),
        (
            "LogSoftmax legacy",
            M::new(9)
                .input("x", &[2, 3, 4], -2.0, 2.0)
                .node("LogSoftmax", &["x"], &["y"], vec![])
                .output("y"),
            2e-3,
        ),
        ("Selu", un("Selu", vec![attr_f("alpha", 1.5), attr_f("gamma", 1.1)]), c),
        ("Mish", v(M::new(18)).node("Mish", &["x"], &["y"], vec![]).output("y"), c),
        ("LeakyRelu", un("LeakyRelu", vec![attr_f("alpha", 0.1)]), c),
        ("Elu", un("Elu", vec![attr_f("alpha", 0.7)]), c),
        ("Gelu", v(M::new(20)).node("Gelu", &["x"], &["y"], vec![]).output("y"), c),
        (
            "Gelu tanh",
            v(M::new(20))
                .node("Gelu", &["x"], &["y"], vec![attr_s("approximate", "tanh")])
                .output("y"),
            c,
        ),
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
        ("Cast", un("Cast", vec![attr_i("to", 1)]), c),
        (
            "Clip",
            v(M::new(13))
                .init(tensor_f("lo", &[], vec![-0.5]))
                .init(tensor_f("hi", &[], vec![1.25]))
                .node("Clip", &["x", "lo", "hi"], &["y"], vec![])
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
            "PRelu",
            v(M::new(13))
                .weight("s", &[6], 6)
                .node("PRelu", &["x", "s"], &["y"], vec![])
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
        (
            "BatchNormalization",
            x(M::new(13))
                .weight("s", &[3], 15)
                .weight("b", &[3], 16)
                .weight("m", &[3], 17)
                .init(tensor_f("v", &[3], vec![0.5, 1.0, 2.0]))
                .node("BatchNormalization", &["x", "s", "b", "m", "v"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "LayerNormalization",
            M::new(17)
                .input("x", &[2, 3, 8], -2.0, 2.0)
                .weight("g", &[8], 18)
                .weight("b", &[8], 19)
                .node("LayerNormalization", &["x", "g", "b"], &["y"], vec![])
                .output("y"),
            c,
        ),
        (
            "Softmax",
            M::new(13)
                .input("x", &[2, 3, 5], -4.0, 4.0)
                .node("Softmax", &["x"], &["y"], vec![attr_i("axis", 1)])
                .output("y"),
            c,
        ),
        (
            "Softmax legacy",
            M::new(10)
                .input("x", &[2, 3, 5], -4.0, 4.0)
                .node("Softmax", &["x"], &["y"], vec![])
                .output("y"),
            c,
        ),
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
            "InstanceNormalization",
            x(M::new(13))
                .weight("s", &[3], 31)
                .weight("b", &[3], 32)
                .node("InstanceNormalization", &["x", "s", "b"], &["y"], vec![])
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
            "LSTM",
            M::new(14)
                .input("x", &[3, 1, 3], -1.0, 1.0)
                .weight("w", &[1, 16, 3], 41)
                .weight("r", &[1, 16, 4], 42)
                .weight("b", &[1, 32], 43)
                .node(
                    "LSTM",
                    &["x", "w", "r", "b"],
                    &["y", "yh", "yc"],
                    vec![attr_i("hidden_size", 4)],
                )
                .output("y")
                .output("yh")
                .output("yc"),
            2e-3,
        ),
        (
            "LSTM bidirectional, initial states",
            M::new(14)
                .input("x", &[3, 2, 3], -1.0, 1.0)
                .weight("w", &[2, 16, 3], 44)
                .weight("r", &[2, 16, 4], 45)
                .weight("b", &[2, 32], 46)
                .input("h0", &[2, 2, 4], -0.5, 0.5)
                .input("c0", &[2, 2, 4], -0.5, 0.5)
                .node(
                    "LSTM",
                    &["x", "w", "r", "b", "", "h0", "c0"],
                    &["y", "yh"],
                    vec![attr_i("hidden_size", 4), attr_s("direction", "bidirectional")],
                )
                .output("y")
                .output("yh"),
            2e-3,
        ),
        (
            "GRU linear_before_reset",
            M::new(14)
                .input("x", &[4, 1, 3], -1.0, 1.0)
                .weight("w", &[1, 12, 3], 47)
                .weight("r", &[1, 12, 4], 48)
                .weight("b", &[1, 24], 49)
                .node(
                    "GRU",
                    &["x", "w", "r", "b"],
                    &["y", "yh"],
                    vec![attr_i("hidden_size", 4), attr_i("linear_before_reset", 1)],
                )
                .output("y")
                .output("yh"),
            2e-3,
        ),
        (
            "GRU reverse",
            M::new(14)
                .input("x", &[4, 1, 3], -1.0, 1.0)
                .weight("w", &[1, 12, 3], 50)
                .weight("r", &[1, 12, 4], 51)
                .weight("b", &[1, 24], 52)
                .node(
                    "GRU",
                    &["x", "w", "r", "b"],
                    &["y"],
                    vec![attr_i("hidden_size", 4), attr_s("direction", "reverse")],
                )
                .output("y"),
            2e-3,
        ),
        (
            "RNN",
            M::new(14)
                .input("x", &[4, 2, 3], -1.0, 1.0)
                .weight("w", &[1, 5, 3], 53)
                .weight("r", &[1, 5, 5], 54)
                .weight("b", &[1, 10], 55)
                .node("RNN", &["x", "w", "r", "b"], &["y", "yh"], vec![attr_i("hidden_size", 5)])
                .output("y")
                .output("yh"),
            2e-3,
        ),
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
            "GroupNormalization",
            M::new(21)
                .input("x", &[1, 4, 3, 3], -2.0, 2.0)
                .init(tensor_f("s", &[4], vec![1.0, 0.5, -1.5, 2.0]))
                .init(tensor_f("b", &[4], vec![0.1, -0.2, 0.3, 0.0]))
                .node("GroupNormalization", &["x", "s", "b"], &["y"], vec![attr_i("num_groups", 2)])
                .output("y"),
            2e-3,
        ),
        ("TreeEnsembleClassifier", tree_model("TreeEnsembleClassifier"), 2e-3),
        (
            "Add legacy broadcast",
            M::new(6)
                .input("x", &[2, 3, 4], -2.0, 2.0)
                .init(tensor_f("b", &[3], vec![0.5, -1.0, 2.0]))
                .node("Add", &["x", "b"], &["y"], vec![attr_i("broadcast", 1), attr_i("axis", 1)])
                .output("y"),
            c,
        ),
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
