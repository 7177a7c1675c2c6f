//! `proof.json`: a proof with its public inputs and outputs, dequantized, and the identities it
//! is bound to. The dequantized values are checked against the proven integers when verifying, so
//! what a reader sees is what the proof attests.

use crate::artifact::hex;
use crate::error::{ProverError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkinfer_quantize::eval::dequantize_value;
use zkinfer_quantize::{QGraph, Visibility};

/// File magic stored in `format`.
pub const PROOF_FORMAT: &str = "zkinfer-proof";
/// Current version (3 added public inputs).
pub const PROOF_VERSION: u32 = 3;
/// Oldest version this zkinfer reads.
pub const PROOF_MIN_VERSION: u32 = 2;

/// One public tensor (a model input or output) and the instances behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenTensor {
    /// ONNX input or output name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Fixed-point scale exponent.
    pub scale: i32,
    /// Values = instance / 2^scale.
    pub values: Vec<f64>,
}

/// The proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// zkinfer version that made the proof.
    pub tool_version: String,
    /// Circuit hash (hex).
    pub circuit_hash: String,
    /// SHA-256 of the verifying key (hex): the model identity.
    pub vk_hash: String,
    /// Circuit size.
    pub k: u32,
    /// Public instances as signed integers (decimal strings): the public inputs, then the
    /// public outputs.
    pub instances: Vec<String>,
    /// Dequantized public inputs (empty unless the settings made inputs public).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<ProvenTensor>,
    /// Dequantized public outputs (empty when the settings made outputs private).
    pub outputs: Vec<ProvenTensor>,
    /// Proof bytes (hex).
    pub proof: String,
}

impl ProofFile {
    /// Builds the file from a proof and the graph it proves.
    #[must_use]
    pub fn new(
        q: &QGraph,
        instances: &[i128],
        proof: &[u8],
        circuit_hash: &[u8; 32],
        vk_hash: &[u8; 32],
        k: u32,
    ) -> Self {
        let mut at = 0;
        let mut group = |ids: &[usize], public: bool| -> Vec<ProvenTensor> {
            if !public {
                return Vec::new();
            }
            ids.iter()
                .map(|&id| {
                    let t = &q.tensors[id];
                    let n: usize = t.shape.iter().product();
                    let values = instances
                        .get(at..at + n)
                        .unwrap_or_default()
                        .iter()
                        .map(|&v| dequantize_value(i64::try_from(v).unwrap_or(i64::MAX), t.scale))
                        .collect();
                    at += n;
                    ProvenTensor {
                        name: t.name.clone(),
                        shape: t.shape.clone(),
                        scale: t.scale,
                        values,
                    }
                })
                .collect()
        };
        let inputs = group(&q.inputs, q.visibility.input == Visibility::Public);
        let outputs = group(&q.outputs, q.visibility.output == Visibility::Public);
        Self {
            format: PROOF_FORMAT.into(),
            format_version: PROOF_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            circuit_hash: hex(circuit_hash),
            vk_hash: hex(vk_hash),
            k,
            instances: instances.iter().map(ToString::to_string).collect(),
            inputs,
            outputs,
            proof: hex(proof),
        }
    }

    /// Writes pretty JSON.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| ProverError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text)
            .map_err(|source| ProverError::Io { path: path.display().to_string(), source })
    }

    /// Reads and validates a proof file: header, hex, integer instances, and outputs that
    /// match the instances.
    ///
    /// # Errors
    /// Any malformed or inconsistent field, named.
    pub fn read(path: &Path) -> Result<Self> {
        let p = path.display().to_string();
        let bad = |reason: String| ProverError::Format { path: p.clone(), reason };
        let text = std::fs::read_to_string(path)
            .map_err(|source| ProverError::Io { path: p.clone(), source })?;
        let f: Self = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a zkinfer proof file: {e}")))?;
        if f.format != PROOF_FORMAT {
            return Err(bad(format!("format '{}' is not {PROOF_FORMAT}", f.format)));
        }
        if !(PROOF_MIN_VERSION..=PROOF_VERSION).contains(&f.format_version) {
            return Err(bad(format!(
                "proof format version {} is not supported (reads {PROOF_MIN_VERSION} to \
                 {PROOF_VERSION})",
                f.format_version
            )));
        }
        let inst = f.instance_values().map_err(bad)?;
        let mut at = 0;
        for (kind, t) in f.public_tensors() {
            let n: usize = t.shape.iter().product();
            let slice = inst
                .get(at..at + n)
                .ok_or_else(|| bad(format!("{kind} '{}' has no matching instances", t.name)))?;
            let agree = t.values.len() == n
                && t.values.iter().zip(slice).all(|(v, &i)| {
                    dequantize_value(i64::try_from(i).unwrap_or(i64::MAX), t.scale).to_bits()
                        == v.to_bits()
                });
            if !agree {
                return Err(bad(format!(
                    "{kind} '{}' values do not match the proven instances",
                    t.name
                )));
            }
            at += n;
        }
        if at != inst.len() {
            return Err(bad("instances and the public inputs and outputs differ in length".into()));
        }
        Ok(f)
    }

    /// The public tensors in instance order, each with its kind ("input" or "output").
    pub fn public_tensors(&self) -> impl Iterator<Item = (&'static str, &ProvenTensor)> {
        let inputs = self.inputs.iter().map(|t| ("input", t));
        inputs.chain(self.outputs.iter().map(|t| ("output", t)))
    }

    /// Instances as integers.
    ///
    /// # Errors
    /// A non-integer entry.
    pub fn instance_values(&self) -> std::result::Result<Vec<i128>, String> {
        self.instances
            .iter()
            .map(|s| s.parse::<i128>().map_err(|_| format!("instance '{s}' is not an integer")))
            .collect()
    }

    /// Proof bytes.
    ///
    /// # Errors
    /// Malformed hex.
    pub fn proof_bytes(&self) -> std::result::Result<Vec<u8>, String> {
        crate::artifact::unhex(&self.proof).map_err(|e| format!("proof: {e}"))
    }
}
