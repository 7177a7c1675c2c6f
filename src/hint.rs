//! What a user can change to get past an error, named once and rendered by each front end:
//! the CLI as flags, Python as keyword arguments. Library messages name the knob by its
//! setting (`headroom`, `table_bits`, ...); [`Error::hints`] says which knobs apply, so a
//! Python user is never told to pass a command-line flag.

use crate::Error;
use zkinfer_circuits::CircuitError;
use zkinfer_quantize::QuantError;
use zkinfer_verifier::VerifierError;

/// A change that gets past an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Calibrate on inputs that cover the failing one.
    CalibrationData,
    /// Calibrate with more headroom above the observed ranges.
    Headroom,
    /// Quantize with fewer activation or weight bits.
    FewerBits,
    /// Quantize for resources rather than accuracy.
    TargetResources,
    /// Allow larger lookup tables.
    TableBits,
    /// Cap the gate lanes (a smaller EVM verifier; k grows instead).
    MaxLanes,
    /// Pack or hash the public outputs (fewer instances).
    PackedOutputs,
    /// Split the EVM verifier over several contracts.
    SplitVerifier,
    /// Write the oversized EVM verifier anyway (for chains without the limit).
    AllowOversize,
}

impl Hint {
    /// The hint for a command-line user.
    #[must_use]
    pub fn cli(self) -> &'static str {
        match self {
            Self::CalibrationData => "calibrate on inputs that cover this one (`zkinfer calibrate --data DIR`)",
            Self::Headroom => "raise the headroom (`zkinfer calibrate --headroom X`)",
            Self::FewerBits => "lower `--activation-bits` / `--weight-bits` (`zkinfer calibrate`)",
            Self::TargetResources => "calibrate for resources (`--target resources`)",
            Self::TableBits => "raise `--table-bits` (`zkinfer calibrate`)",
            Self::MaxLanes => "cap the gate lanes (`zkinfer calibrate --max-lanes N`), then set up and prove with those settings",
            Self::PackedOutputs => "pack or hash the public outputs (`zkinfer calibrate --output-visibility packed|hashed`)",
            Self::SplitVerifier => "split the verifier over several contracts (`--split`)",
            Self::AllowOversize => "write it anyway for a chain without the limit (`--allow-oversize`)",
        }
    }

    /// The hint for a Python user of the `zkinfer` package.
    #[must_use]
    pub fn python(self) -> &'static str {
        match self {
            Self::CalibrationData => "calibrate on inputs that cover this one (calibrate(model, samples=[...]))",
            Self::Headroom => "raise the headroom (calibrate(..., headroom=X))",
            Self::FewerBits => "lower the bits (calibrate(..., activation_bits=N, weight_bits=N))",
            Self::TargetResources => "calibrate for resources (calibrate(..., target=\"resources\"))",
            Self::TableBits => "allow larger tables (calibrate(..., table_bits=N))",
            Self::MaxLanes => "cap the gate lanes (calibrate(..., max_lanes=N)), then set up and prove with those settings",
            Self::PackedOutputs => "pack or hash the public outputs (calibrate(..., output_visibility=\"packed\"))",
            Self::SplitVerifier => "split the verifier over several contracts (create_evm_verifier(..., split=True))",
            Self::AllowOversize => "write it anyway for a chain without the limit (create_evm_verifier(..., allow_oversize=True))",
        }
    }
}

impl Error {
    /// What the user can change to get past this error (empty when nothing general applies).
    #[must_use]
    pub fn hints(&self) -> &'static [Hint] {
        match self {
            Self::Quant(e) => quant_hints(e),
            Self::Circuit(CircuitError::TooLarge { .. }) => {
                &[Hint::TargetResources, Hint::MaxLanes]
            }
            Self::Verifier(e) => verifier_hints(e),
            _ => &[],
        }
    }
}

/// The hints of a quantization error.
#[must_use]
pub fn quant_hints(e: &QuantError) -> &'static [Hint] {
    match e {
        QuantError::OutOfRange { .. } => &[Hint::CalibrationData, Hint::Headroom],
        QuantError::BoundTooLarge { .. } => &[Hint::FewerBits, Hint::TargetResources],
        QuantError::TableTooLarge { .. } => &[Hint::TableBits],
        _ => &[],
    }
}

/// The hints of a verifier error (for front ends that call the verifier crate directly).
#[must_use]
pub fn verifier_hints(e: &VerifierError) -> &'static [Hint] {
    match e {
        VerifierError::TooLarge { .. } => {
            &[Hint::MaxLanes, Hint::PackedOutputs, Hint::SplitVerifier, Hint::AllowOversize]
        }
        _ => &[],
    }
}
