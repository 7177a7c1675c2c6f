//! The model identity: the one value a verifier pins to trust that a proof is about *this*
//! model.
//!
//! A verifier builds everything it checks from the verifying-key file: the halo2 key (fixed and
//! permutation commitments), the constraint system it rebuilds from the plan's column shape,
//! the public interface it labels instances with, and the SRS points of the pairing check. Any
//! of these that the identity does not cover can be edited without changing what a verifier
//! pins: a file whose G2 points are the identity accepts every proof, a plan that relabels
//! second-phase lanes removes the Freivalds challenge, and an edited interface rescales or
//! renames outputs. So the identity is a SHA-256, under its own domain tag, of
//!
//! - every byte of the verifying-key file as written: header (kind, format, tool version, SRS
//!   provenance label, circuit hash, k), plan (k, column shape, instance count, interface with
//!   names, shapes, scales, visibility and packing), the verifier's SRS points (g₀, G2, s·G2)
//!   and halo2's key bytes; and
//! - halo2's transcript representation of the key, a digest of the constraint system the
//!   verifier actually rebuilt (gates, lookups, permutation columns, phases, challenges) with
//!   the commitments, so a verifier whose code rebuilds another system computes another
//!   identity.
//!
//! Readers refuse trailing bytes and non-canonical encodings, so a file has one identity and
//! one meaning.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;
use sha2::{Digest, Sha256};

/// Domain tag of the identity hash (bumped if what it covers ever changes).
pub const IDENTITY_TAG: &[u8] = b"zkinfer-model-identity-v1";

/// The identity of a verifying-key file's bytes and the transcript representation of the key
/// read from them.
#[must_use]
pub fn model_identity(vk_file: &[u8], transcript_repr: &Fr) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(IDENTITY_TAG);
    h.update(u64::try_from(vk_file.len()).unwrap_or(u64::MAX).to_le_bytes());
    h.update(vk_file);
    h.update(transcript_repr.to_repr().as_ref());
    h.finalize().into()
}

/// Parses an identity as printed (64 hex digits, with or without `0x`), for verifiers that
/// pin one.
///
/// # Errors
/// [`crate::ProverError::Format`]: not 32 bytes of hex, with the reason.
pub fn parse_identity(text: &str) -> crate::Result<[u8; 32]> {
    let bad = |reason: String| crate::ProverError::Format { path: "model identity".into(), reason };
    let bytes = crate::artifact::unhex(text).map_err(|e| bad(e.to_string()))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        bad(format!(
            "a model identity is 32 bytes (64 hex digits), '{}' has {}",
            text.trim(),
            bytes.len()
        ))
    })
}

/// Checks a pinned identity (hex, as printed) against a key's; `subject` names the key in the
/// error.
///
/// # Errors
/// [`crate::ProverError::Format`] for a pin that is not an identity,
/// [`crate::ProverError::Mismatch`] for another model's key.
pub fn expect_identity(pinned: &str, actual: &[u8; 32], subject: &str) -> crate::Result<()> {
    let wanted = parse_identity(pinned)?;
    if wanted != *actual {
        return Err(crate::ProverError::Mismatch {
            what: "model identity".into(),
            detail: format!(
                "you pinned model {pinned}, but {subject} is model {}",
                crate::artifact::hex(actual)
            ),
        });
    }
    Ok(())
}
