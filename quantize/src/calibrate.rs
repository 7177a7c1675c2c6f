//! Calibration: run the float model on sample inputs and record each tensor's range.

use crate::error::Result;
use crate::settings::{
    Calibration, QuantParams, Range, Settings, Target, Visibilities, SETTINGS_FORMAT,
    SETTINGS_VERSION,
};
use std::collections::BTreeMap;
use zkinfer_model_import::{Graph, Tensor};

/// Ranges of every non-constant tensor over the samples (finite values only: an attention
/// mask's −inf is saturated during quantization, not calibrated).
///
/// # Errors
/// Float evaluation errors (bad inputs).
pub fn calibrate(
    g: &Graph,
    samples: &[Vec<Tensor>],
    mut progress: impl FnMut(usize),
) -> Result<Calibration> {
    let mut ranges: BTreeMap<String, Range> = BTreeMap::new();
    for (i, inputs) in samples.iter().enumerate() {
        let values = g.run_all(inputs)?;
        for (t, v) in g.tensors.iter().zip(&values) {
            if t.value.is_some() {
                continue;
            }
            let r = ranges
                .entry(t.name.clone())
                .or_insert(Range { min: f64::INFINITY, max: f64::NEG_INFINITY });
            for &x in v.data.iter().filter(|x| x.is_finite()) {
                r.min = r.min.min(x);
                r.max = r.max.max(x);
            }
        }
        progress(i + 1);
    }
    // Tensors with no finite value at all (fully masked) get an empty range at 0.
    for r in ranges.values_mut() {
        if r.min > r.max {
            *r = Range { min: 0.0, max: 0.0 };
        }
    }
    Ok(Calibration { samples: samples.len(), ranges })
}

/// Settings for a graph from a calibration, with the defaults of `target`.
#[must_use]
pub fn settings_for(g: &Graph, batch: usize, target: Target, calibration: Calibration) -> Settings {
    Settings {
        format: SETTINGS_FORMAT.into(),
        format_version: SETTINGS_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        model_sha256: g.model_sha256.clone(),
        batch,
        target,
        params: QuantParams::for_target(target),
        scale_overrides: BTreeMap::new(),
        calibration,
        max_lanes: None,
        linear_check: crate::LinearCheck::Auto,
        visibility: Visibilities::default(),
    }
}
