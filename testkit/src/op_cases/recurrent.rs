//! Per-op cases of the `recurrent` family of the coverage manifest
//! (`zkinfer_model_import::coverage`).

use super::*;

/// The `recurrent` cases.
#[allow(clippy::too_many_lines)]
pub(super) fn cases() -> Vec<OpCase> {
    vec![
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
    ]
}
