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
            // A causal mask as GPT-style exports write it: scores where the mask allows,
            // −inf elsewhere. Masked positions are 0 without a gap, exp or division.
            "Softmax causal Where",
            M::new(13)
                .input("x", &[2, 4, 4], -4.0, 4.0)
                .init(tensor_i("tri", &[4, 4], causal(4)))
                .init(tensor_i("one", &[], vec![1]))
                .init(tensor_f("fill", &[], vec![f32::NEG_INFINITY]))
                .node("Equal", &["tri", "one"], &["keep"], vec![])
                .node("Where", &["keep", "x", "fill"], &["s"], vec![])
                .node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)])
                .output("y"),
            c,
        ),
        (
            // The additive form (BERT/GPT-2 exports): 0 where allowed, a huge negative elsewhere.
            "Softmax additive mask",
            M::new(13)
                .input("x", &[2, 4, 4], -4.0, 4.0)
                .init(tensor_f(
                    "mask",
                    &[4, 4],
                    causal(4).iter().map(|&k| if k == 1 { 0.0 } else { -1e9 }).collect(),
                ))
                .node("Add", &["x", "mask"], &["s"], vec![])
                .node("Softmax", &["s"], &["y"], vec![attr_i("axis", -1)])
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

/// A lower-triangular `n × n` mask: 1 where a row may attend (column ≤ row), else 0.
fn causal(n: usize) -> Vec<i64> {
    (0..n * n).map(|i| i64::from(i % n <= i / n)).collect()
}
