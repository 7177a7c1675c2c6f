//! The receipt's content: an in-toto Statement v1 whose subjects are the SHA-256 digests of the
//! ONNX model, the input file and the proven outputs, and whose predicate (ours, versioned by
//! [`PREDICATE_TYPE`]) carries what a verifier needs to check the decision: model identity,
//! settings, SRS, visibility, instances, the proof inline or by digest, the outputs and the
//! decision decoded from them, the tool version, the time and the caller's context.

use crate::decision::Decision;
use crate::digest::sha256_hex;
use crate::dsse::Envelope;
use crate::error::{ReceiptError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use zkinfer_prover::proof_file::{ProofFile, ProvenTensor};
use zkinfer_quantize::{Settings, Visibilities};

/// in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Our predicate type; the trailing version changes when the predicate's meaning does.
pub const PREDICATE_TYPE: &str = "https://zkinfer.dev/attestations/decision-receipt/v1";
/// DSSE payload type of a data source's signed input commitment.
pub const INPUT_COMMITMENT_TYPE: &str = "application/vnd.zkinfer.input-commitment.v1+json";

/// What role a subject plays (an in-toto annotation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The ONNX file.
    Model,
    /// The input file as the agent received it.
    Input,
    /// The predicate's `outputs`, as compact JSON.
    Output,
}

/// An in-toto resource descriptor, restricted to what receipts use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// File name (model, input) or `outputs`.
    pub name: String,
    /// `{"sha256": hex}`.
    pub digest: BTreeMap<String, String>,
    /// `{"role": model | input | output}`.
    pub annotations: Annotations,
}

/// Subject annotations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    /// The subject's role.
    pub role: Role,
}

impl Subject {
    /// A subject with a SHA-256 digest.
    #[must_use]
    pub fn new(name: &str, sha256: String, role: Role) -> Self {
        Self {
            name: name.into(),
            digest: BTreeMap::from([("sha256".to_string(), sha256)]),
            annotations: Annotations { role },
        }
    }

    /// The SHA-256 digest.
    #[must_use]
    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// The model a receipt is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelClaim {
    /// Model identity (hex): what the verifying key hashes to.
    pub identity: String,
    /// Whether the weights are in the key (`fixed`), so the identity names the weights too.
    pub weights_in_key: bool,
    /// SHA-256 of the settings' compact JSON.
    pub settings_sha256: String,
}

/// The SRS the verifying key was made with, as the creator's check found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrsClaim {
    /// What the SRS is (e.g. a ceremony file, or the insecure development SRS).
    pub description: String,
    /// Whether it is the insecure development SRS.
    pub insecure: bool,
}

/// The proof: always by digest, inline unless the creator left it out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofClaim {
    /// SHA-256 of the proof file's compact JSON (see [`proof_sha256`]).
    pub sha256: String,
    /// The proof file itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<ProofFile>,
}

/// The decision-receipt predicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionPredicate {
    /// zkinfer version that made the receipt.
    pub tool_version: String,
    /// When (RFC 3339, UTC).
    pub timestamp: String,
    /// The model.
    pub model: ModelClaim,
    /// The SRS.
    pub srs: SrsClaim,
    /// How inputs, outputs and weights appear in the proof.
    pub visibility: Visibilities,
    /// The proof's public instances (canonical decimal).
    pub instances: Vec<String>,
    /// The proven outputs, dequantized (empty when private).
    pub outputs: Vec<ProvenTensor>,
    /// The decision decoded from `outputs`.
    pub decision: Decision,
    /// The proof.
    pub proof: ProofClaim,
    /// The settings the model was quantized with, so anyone holding the model and the input
    /// can replay the exact integer computation.
    pub settings: Settings,
    /// A data source's signed commitment to the input (a DSSE envelope of
    /// [`INPUT_COMMITMENT_TYPE`]), when the agent was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_attestation: Option<Envelope>,
    /// The caller's context: agent id, request id, anything else (string to string).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, String>,
}

/// The in-toto statement of a receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// Model, input and output digests.
    pub subject: Vec<Subject>,
    /// Always [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate.
    pub predicate: DecisionPredicate,
}

impl Statement {
    /// The subject with `role`, if exactly one.
    #[must_use]
    pub fn subject(&self, role: Role) -> Option<&Subject> {
        let mut found = self.subject.iter().filter(|s| s.annotations.role == role);
        match (found.next(), found.next()) {
            (Some(s), None) => Some(s),
            _ => None,
        }
    }

    /// Compact JSON: the envelope's payload.
    ///
    /// # Errors
    /// Never in practice.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| ReceiptError::format("statement", e.to_string()))
    }

    /// The statement in an envelope, after checking its payload type, statement type and
    /// predicate type.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] naming the first thing that is not a decision receipt.
    pub fn from_envelope(env: &Envelope) -> Result<Self> {
        if env.payload_type != PAYLOAD_TYPE {
            return Err(ReceiptError::format(
                "receipt",
                format!("payload type is '{}', not '{PAYLOAD_TYPE}'", env.payload_type),
            ));
        }
        let bytes = env.payload_bytes()?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ReceiptError::format("receipt payload", format!("not JSON: {e}")))?;
        for (field, want) in [("_type", STATEMENT_TYPE), ("predicateType", PREDICATE_TYPE)] {
            let got = value.get(field).and_then(serde_json::Value::as_str).unwrap_or("(missing)");
            if got != want {
                return Err(ReceiptError::format(
                    "receipt payload",
                    format!("{field} is '{got}'; this zkinfer reads '{want}'"),
                ));
            }
        }
        // From the bytes, not the parsed value: a duplicated field is an error there, while a
        // map keeps only its last copy (and another reader might keep the first).
        serde_json::from_slice(&bytes).map_err(|e| {
            ReceiptError::format("receipt payload", format!("not a decision receipt: {e}"))
        })
    }
}

/// SHA-256 of a proof file's compact JSON: one digest whatever whitespace the file has.
///
/// # Errors
/// Never in practice.
pub fn proof_sha256(file: &ProofFile) -> Result<String> {
    serde_json::to_vec(file)
        .map(|b| sha256_hex(&b))
        .map_err(|e| ReceiptError::format("proof file", e.to_string()))
}

/// SHA-256 of the outputs' compact JSON: the output subject's digest.
///
/// # Errors
/// Never in practice.
pub fn outputs_sha256(outputs: &[ProvenTensor]) -> Result<String> {
    serde_json::to_vec(outputs)
        .map(|b| sha256_hex(&b))
        .map_err(|e| ReceiptError::format("outputs", e.to_string()))
}

/// SHA-256 of settings' compact JSON.
///
/// # Errors
/// Never in practice.
pub fn settings_sha256(settings: &Settings) -> Result<String> {
    serde_json::to_vec(settings)
        .map(|b| sha256_hex(&b))
        .map_err(|e| ReceiptError::format("settings", e.to_string()))
}

/// A data source's commitment to an input: the Poseidon digest a hashed-input proof
/// publishes, signed before the input reaches the agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputCommitment {
    /// The Poseidon digest of the quantized input (canonical decimal, as `zkinfer hash`
    /// prints it and the proof's instance holds it).
    pub poseidon: String,
    /// SHA-256 of the input file.
    pub input_sha256: String,
    /// When the source signed (RFC 3339, UTC).
    pub timestamp: String,
    /// Who the source is, in its own words (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl InputCommitment {
    /// The commitment in a verified-signature-agnostic envelope: parses the payload.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] for another payload type or shape.
    pub fn from_envelope(env: &Envelope) -> Result<Self> {
        if env.payload_type != INPUT_COMMITMENT_TYPE {
            return Err(ReceiptError::format(
                "input attestation",
                format!("payload type is '{}', not '{INPUT_COMMITMENT_TYPE}'", env.payload_type),
            ));
        }
        serde_json::from_slice(&env.payload_bytes()?)
            .map_err(|e| ReceiptError::format("input attestation", e.to_string()))
    }
}
