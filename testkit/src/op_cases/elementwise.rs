//! Per-op cases of the `elementwise` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `elementwise` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
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
        ("Gelu spelled out (GPT-2 export)", gelu_tanh_nodes(false), c),
        ("Gelu spelled out with Pow", gelu_tanh_nodes(true), c),
        (
            // SiLU as exporters write it; import fuses it into one lookup.
            "Sigmoid times input (SiLU)",
            v(M::new(13))
                .node("Sigmoid", &["x"], &["s"], vec![])
                .node("Mul", &["x", "s"], &["y"], vec![])
                .output("y"),
            c,
        ),
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
            "PRelu",
            v(M::new(13))
                .weight("s", &[6], 6)
                .node("PRelu", &["x", "s"], &["y"], vec![])
                .output("y"),
            c,
        ),
    ]
}

/// GPT-2's `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` as PyTorch exports it: nine nodes
/// (x³ as two products, or one `Pow` when `pow`), which import fuses into one GELU.
#[must_use]
pub fn gelu_tanh_nodes(pow: bool) -> M {
    let m = v(M::new(13))
        .init(tensor_f("half", &[], vec![0.5]))
        .init(tensor_f("k", &[], vec![0.044_715]))
        .init(tensor_f("three", &[], vec![3.0]))
        .init(tensor_f("c", &[], vec![0.797_884_6]))
        .init(tensor_f("one", &[], vec![1.0]))
        .node("Mul", &["x", "half"], &["h"], vec![]);
    let m = if pow {
        m.node("Pow", &["x", "three"], &["x3"], vec![]).node("Mul", &["x3", "k"], &["kx3"], vec![])
    } else {
        m.node("Mul", &["x", "k"], &["kx"], vec![])
            .node("Mul", &["kx", "x"], &["kx2"], vec![])
            .node("Mul", &["kx2", "x"], &["kx3"], vec![])
    };
    m.node("Add", &["x", "kx3"], &["inner"], vec![])
        .node("Mul", &["inner", "c"], &["arg"], vec![])
        .node("Tanh", &["arg"], &["t"], vec![])
        .node("Add", &["t", "one"], &["t1"], vec![])
        .node("Mul", &["h", "t1"], &["y"], vec![])
        .output("y")
}
