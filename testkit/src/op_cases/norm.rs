//! Per-op cases of the `norm` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `norm` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    let c = C;
    vec![
        ("LogSoftmax", un("LogSoftmax", vec![]), 2e-3),
        (
            "LogSoftmax legacy",
            M::new(9)
                .input("x", &[2, 3, 4], -2.0, 2.0)
                .node("LogSoftmax", &["x"], &["y"], vec![])
                .output("y"),
            2e-3,
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
            // Gaps far past where exp rounds to 0: clamped before a table of the usual size.
            "Softmax wide",
            M::new(13)
                .input("x", &[2, 3, 5], -300.0, 300.0)
                .node("Softmax", &["x"], &["y"], vec![attr_i("axis", -1)])
                .output("y"),
            // 16-bit inputs over ±600 (with headroom) are 1/64 apart.
            2e-3,
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
            "GroupNormalization",
            M::new(21)
                .input("x", &[1, 4, 3, 3], -2.0, 2.0)
                .init(tensor_f("s", &[4], vec![1.0, 0.5, -1.5, 2.0]))
                .init(tensor_f("b", &[4], vec![0.1, -0.2, 0.3, 0.0]))
                .node("GroupNormalization", &["x", "s", "b"], &["y"], vec![attr_i("num_groups", 2)])
                .output("y"),
            2e-3,
        ),
    ]
}
