//! The partition plan file (`zkinfer partition -o plan.json`): the settings and cuts a proof in
//! parts will use, written before any proving so they can be reviewed, kept with the model and
//! reused (`zkinfer prove --plan`, `zkinfer inspect --plan`).

use super::plan::{estimated_peak_bytes, PlannedPart};
use super::{io, read_named};
use crate::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkinfer_prover::ProverError;
use zkinfer_quantize::Settings;

/// `format` of a plan file.
pub const PLAN_FORMAT: &str = "zkinfer-partition";
/// Version of the plan format this zkinfer writes and reads.
pub const PLAN_VERSION: u32 = 1;

/// A partition plan: the settings (which name the model by its hash) and the ONNX nodes each
/// cut falls before; the parts are listed for review, and recomputed when the plan is used.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionPlan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// [`PLAN_VERSION`] when written.
    pub format_version: u32,
    /// The zkinfer version that wrote it.
    pub tool_version: String,
    /// The settings every part is proven with.
    pub settings: Settings,
    /// The ONNX nodes the cuts fall before, in model order.
    pub cuts: Vec<String>,
    /// The parts as planned when the file was written.
    pub parts: Vec<PlanPart>,
}

/// One part as planned.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPart {
    /// Its first ONNX node.
    pub first_node: String,
    /// Its last ONNX node.
    pub last_node: String,
    /// Primitives it lays out.
    pub primitives: usize,
    /// Its circuit has 2^k rows.
    pub k: u32,
    /// Tensor elements it hands on.
    pub handed_on: usize,
    /// Its estimated peak proving memory, bytes (a fit, see `estimated_peak_bytes`).
    pub estimated_peak_bytes: u64,
}

impl PartitionPlan {
    /// The plan of these planned parts, made with `settings`.
    #[must_use]
    pub fn of(settings: &Settings, parts: &[PlannedPart]) -> Self {
        Self {
            format: PLAN_FORMAT.into(),
            format_version: PLAN_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            settings: settings.clone(),
            cuts: parts.iter().skip(1).map(|p| p.first_node.clone()).collect(),
            parts: parts
                .iter()
                .map(|p| PlanPart {
                    first_node: p.first_node.clone(),
                    last_node: p.last_node.clone(),
                    primitives: p.part.nodes.len(),
                    k: p.plan.k,
                    handed_on: p.handed_on,
                    estimated_peak_bytes: estimated_peak_bytes(&p.plan),
                })
                .collect(),
        }
    }

    /// Writes the plan as JSON.
    ///
    /// # Errors
    /// An unwritable path.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(path, text).map_err(|e| io(path, e))
    }

    /// Reads a plan and checks its format, version and settings.
    ///
    /// # Errors
    /// [`ProverError::Format`] for a file that is not a plan of this version, or settings
    /// that do not validate.
    pub fn read(path: &Path) -> Result<Self> {
        read_named(path, Self::parse)
    }

    /// Parses a plan and checks its format, version and settings.
    ///
    /// # Errors
    /// As [`PartitionPlan::read`].
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: String| ProverError::Format { path: "plan".into(), reason };
        let p: Self = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a zkinfer partition plan: {e}")))?;
        if p.format != PLAN_FORMAT || p.format_version != PLAN_VERSION {
            return Err(bad(format!(
                "format {} version {} is not {PLAN_FORMAT} version {PLAN_VERSION}",
                p.format, p.format_version
            ))
            .into());
        }
        if p.cuts.is_empty() {
            return Err(bad("no cuts: a plan has at least two parts".into()).into());
        }
        p.settings.validate()?;
        Ok(p)
    }
}
