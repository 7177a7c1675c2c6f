//! Accuracy of quantized outputs against a float reference.

use serde::Serialize;

/// Error of one output tensor.
#[derive(Clone, Debug, Serialize)]
pub struct OutputError {
    /// Largest |quantized − reference|.
    pub max_abs: f64,
    /// Mean |quantized − reference|.
    pub mean_abs: f64,
    /// `max_abs` divided by the largest |reference| (error relative to the output's range).
    pub max_rel: f64,
    /// Largest |reference|.
    pub ref_max_abs: f64,
    /// Rows (along the last axis) whose argmax agrees, and the number of rows.
    pub argmax_agree: (usize, usize),
}

/// Compares `got` with `reference`; `last_dim` is the size of the last axis for argmax rows.
#[must_use]
pub fn compare(got: &[f64], reference: &[f64], last_dim: usize) -> OutputError {
    let n = got.len().min(reference.len());
    let mut max_abs = 0f64;
    let mut sum = 0f64;
    for (a, b) in got.iter().zip(reference) {
        let e = (a - b).abs();
        max_abs = max_abs.max(e);
        sum += e;
    }
    let ref_max_abs = reference.iter().fold(0f64, |m, v| m.max(v.abs()));
    let argmax = |v: &[f64]| {
        v.iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |b, (i, &x)| if x > b.1 { (i, x) } else { b })
            .0
    };
    let d = last_dim.max(1);
    let rows = n / d;
    let agree = (0..rows)
        .filter(|&r| argmax(&got[r * d..(r + 1) * d]) == argmax(&reference[r * d..(r + 1) * d]))
        .count();
    #[allow(clippy::cast_precision_loss)]
    OutputError {
        max_abs,
        mean_abs: if n > 0 { sum / n as f64 } else { 0.0 },
        max_rel: if ref_max_abs > 0.0 { max_abs / ref_max_abs } else { max_abs },
        ref_max_abs,
        argmax_agree: (agree, rows),
    }
}
