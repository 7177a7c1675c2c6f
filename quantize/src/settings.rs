//! `settings.json`: everything quantization needs besides the model itself.
//!
//! Quantization is a pure function of (model, settings), so a settings file pins the circuit.

use crate::error::{QuantError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::visibility::{Visibilities, Visibility, WeightVisibility};

/// File magic stored in the `format` field.
pub const SETTINGS_FORMAT: &str = "zkinfer-settings";
/// Current settings format version.
pub const SETTINGS_VERSION: u32 = 1;

/// What calibration optimises for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// More fractional bits and bigger tables: smallest error.
    Accuracy,
    /// Full precision where the model meets the outside (its inputs and outputs) and fewer
    /// bits inside: intermediate activations small enough for one bound-table lookup each
    /// instead of several range limbs, where that makes the circuit cheaper (the default).
    #[default]
    Balanced,
    /// Fewer bits and smaller tables: smaller circuit.
    Resources,
}

impl std::str::FromStr for Target {
    type Err = crate::UnknownChoice;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "accuracy" => Ok(Self::Accuracy),
            "balanced" => Ok(Self::Balanced),
            "resources" => Ok(Self::Resources),
            other => Err(crate::UnknownChoice::new(
                "target",
                other,
                &["accuracy", "balanced", "resources"],
            )),
        }
    }
}

/// How the circuit checks linear layers (MatMul, Gemm, Conv).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinearCheck {
    /// Per layer, whichever costs fewer cells: a Freivalds check pays off on large layers,
    /// plain chains on small ones (and need no second proof phase).
    #[default]
    Auto,
    /// A Freivalds check for every linear layer: m·n + k·n + m·(n + k) multiply-adds instead
    /// of m·n·k, at the cost of a second proof phase.
    Freivalds,
    /// Plain multiply-accumulate chains everywhere: a single-phase circuit.
    Dot,
}

impl LinearCheck {
    /// Whether this is the default.
    #[must_use]
    pub fn is_auto(&self) -> bool {
        *self == Self::Auto
    }
}

impl std::str::FromStr for LinearCheck {
    type Err = crate::UnknownChoice;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "freivalds" => Ok(Self::Freivalds),
            "dot" => Ok(Self::Dot),
            other => {
                Err(crate::UnknownChoice::new("linear check", other, &["auto", "freivalds", "dot"]))
            }
        }
    }
}

impl std::fmt::Display for LinearCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Freivalds => "freivalds",
            Self::Dot => "dot",
        })
    }
}

/// Knobs of the fixed-point scheme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantParams {
    /// Bits given to an activation at its calibrated maximum (sets its scale).
    pub activation_bits: u32,
    /// Bits given to a weight tensor at its largest magnitude.
    pub weight_bits: u32,
    /// log2 of the number of grid points of an (interpolated) lookup table.
    pub table_bits: u32,
    /// Calibrated ranges are widened by this factor before they become enforced bounds.
    pub headroom: f64,
    /// Largest scale exponent any tensor may get.
    pub max_scale: i32,
    /// Bits given to a model input at its calibrated maximum; `activation_bits` when absent.
    /// The input's rounding error reaches every output, so it is worth more bits than an
    /// intermediate value, and it is checked once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bits: Option<u32>,
    /// Bits given to a model output at its calibrated maximum; `activation_bits` when absent.
    /// An output is rounded once more than anything inside the model, and only its few
    /// elements pay for the extra bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_bits: Option<u32>,
}

impl QuantParams {
    /// Defaults for a target.
    #[must_use]
    pub fn for_target(target: Target) -> Self {
        match target {
            Target::Accuracy => Self {
                activation_bits: 16,
                weight_bits: 16,
                table_bits: 12,
                headroom: 2.0,
                max_scale: 24,
                input_bits: None,
                output_bits: Some(24),
            },
            Target::Balanced => Self {
                activation_bits: 13,
                weight_bits: 16,
                table_bits: 12,
                headroom: 2.0,
                max_scale: 24,
                input_bits: Some(16),
                output_bits: Some(24),
            },
            Target::Resources => Self {
                activation_bits: 10,
                weight_bits: 8,
                table_bits: 8,
                headroom: 2.0,
                max_scale: 16,
                input_bits: None,
                output_bits: None,
            },
        }
    }
}

/// Observed real range of one tensor over the calibration inputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Smallest finite value seen.
    pub min: f64,
    /// Largest finite value seen.
    pub max: f64,
}

impl Range {
    /// Largest magnitude.
    #[must_use]
    pub fn max_abs(&self) -> f64 {
        self.min.abs().max(self.max.abs())
    }
}

/// Calibration results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Number of input samples used.
    pub samples: usize,
    /// Range per ONNX tensor name (inputs and node outputs).
    pub ranges: BTreeMap<String, Range>,
}

/// The settings file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Always [`SETTINGS_FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// zkinfer version that wrote the file.
    pub tool_version: String,
    /// SHA-256 of the ONNX file these settings belong to.
    pub model_sha256: String,
    /// Batch size the model was imported with.
    pub batch: usize,
    /// Optimisation target.
    pub target: Target,
    /// Fixed-point knobs.
    pub params: QuantParams,
    /// User-forced scale exponents per ONNX tensor name.
    #[serde(default)]
    pub scale_overrides: BTreeMap<String, i32>,
    /// Calibrated ranges.
    pub calibration: Calibration,
    /// Most gate lanes (advice columns) the circuit may use. Fewer lanes mean a larger k but
    /// a smaller verifying key and EVM verifier (each lane adds ~1.5 KB of contract code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lanes: Option<usize>,
    /// How linear layers are checked.
    #[serde(default, skip_serializing_if = "LinearCheck::is_auto")]
    pub linear_check: LinearCheck,
    /// Which tensor groups are public instances.
    #[serde(default)]
    pub visibility: Visibilities,
}

impl Settings {
    /// Serialises to pretty JSON.
    ///
    /// # Errors
    /// Never in practice (all fields serialise).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| QuantError::Settings(e.to_string()))
    }

    /// Parses and validates the header.
    ///
    /// # Errors
    /// Malformed JSON, unknown fields, wrong magic or version.
    pub fn from_json(text: &str) -> Result<Self> {
        let s: Self = serde_json::from_str(text)
            .map_err(|e| QuantError::Settings(format!("invalid settings file: {e}")))?;
        if s.format != SETTINGS_FORMAT {
            return Err(QuantError::Settings(format!(
                "not a zkinfer settings file (format '{}')",
                s.format
            )));
        }
        if s.format_version != SETTINGS_VERSION {
            return Err(QuantError::Settings(format!(
                "settings format version {} is not supported by this zkinfer ({}); re-run `zkinfer calibrate`",
                s.format_version, SETTINGS_VERSION
            )));
        }
        Ok(s)
    }

    /// Reads a settings file.
    ///
    /// # Errors
    /// Unreadable or invalid file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| QuantError::Settings(format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text)
    }

    /// Rejects knobs outside what the integer pipeline supports (scales beyond 40 bits would
    /// overflow the 62-bit values and 128-bit intermediates).
    ///
    /// # Errors
    /// Naming the offending field and its allowed range.
    pub fn validate(&self) -> Result<()> {
        let p = &self.params;
        let check = |name: &str, v: i64, lo: i64, hi: i64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(QuantError::Settings(format!("{name} = {v} is outside {lo}..={hi}")))
            }
        };
        check("activation_bits", i64::from(p.activation_bits), 1, 40)?;
        if let Some(b) = p.input_bits {
            check("input_bits", i64::from(b), 1, 40)?;
        }
        if let Some(b) = p.output_bits {
            check("output_bits", i64::from(b), 1, 40)?;
        }
        check("weight_bits", i64::from(p.weight_bits), 1, 40)?;
        check("table_bits", i64::from(p.table_bits), 4, 24)?;
        check("max_scale", i64::from(p.max_scale), 0, 40)?;
        if !(p.headroom.is_finite() && p.headroom >= 1.0) {
            return Err(QuantError::Settings(format!(
                "headroom = {} must be a finite number ≥ 1",
                p.headroom
            )));
        }
        if let Some(m) = self.max_lanes {
            check("max_lanes", i64::try_from(m).unwrap_or(i64::MAX), 1, 4096)?;
        }
        for (name, &s) in &self.scale_overrides {
            check(&format!("scale override for '{name}'"), i64::from(s), 0, 40)?;
        }
        if self.visibility.input == Visibility::Private
            && self.visibility.output == Visibility::Private
        {
            return Err(QuantError::Settings(
                "visibility: inputs and outputs are both private, so the proof would bind no \
                 value a verifier can check; make the inputs or the outputs public"
                    .into(),
            ));
        }
        if self.visibility.link == Visibility::Private {
            return Err(QuantError::Settings(
                "visibility: a private link would bind nothing between the parts of a \
                 partitioned proof; link them hashed (the default), public or packed"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Checks that these settings were made for the model with this hash.
    ///
    /// # Errors
    /// On mismatch, naming both hashes.
    pub fn check_model(&self, model_sha256: &str) -> Result<()> {
        if self.model_sha256 != model_sha256 {
            return Err(QuantError::Settings(format!(
                "these settings were calibrated for model sha256 {}, but the model given has sha256 {model_sha256}; re-run `zkinfer calibrate` on this model",
                self.model_sha256
            )));
        }
        Ok(())
    }
}
