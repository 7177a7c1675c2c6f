//! Checking a bundle: every part's proof with its verifying key, and every link between
//! consecutive parts.

use super::Bundle;
use crate::steps::{self, Pins};
use crate::Result;
use std::path::Path;
use zkinfer_prover::artifact::hex;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::ProverError;

/// A verified bundle.
#[derive(Clone, Debug)]
pub struct BundleVerified {
    /// The bundle identity (hex).
    pub identity: String,
    /// Whether it was compared with one the verifier pinned.
    pub identity_pinned: bool,
    /// The parts' model identities, in order.
    pub parts: Vec<String>,
    /// The last part's proof: the model's outputs, as its visibility lists them.
    pub last: ProofFile,
}

/// Reads and checks a bundle file: format and version, its identity against its parts
/// (and against `pins.identity`, the bundle identity, when given), every part's proof with
/// its verifying key (whose identity must be the one listed), and each link: part `i`'s
/// output digest equals part `i+1`'s input digest.
///
/// # Errors
/// [`ProverError::Format`] for a malformed bundle, [`ProverError::Mismatch`] naming the part
/// or link that fails, or any error of [`steps::verify_file`] for a part.
pub fn verify_bundle(path: &Path, pins: &Pins) -> Result<BundleVerified> {
    let b = Bundle::read(path)?;
    let identity = b.identity.clone();
    if let Some(pinned) = &pins.identity {
        let wanted = zkinfer_prover::identity::parse_identity(pinned)?;
        if hex(&wanted) != identity {
            return Err(ProverError::Mismatch {
                what: "bundle identity".into(),
                detail: format!("you pinned bundle {pinned}, but this bundle is {identity}"),
            }
            .into());
        }
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut files = Vec::with_capacity(b.parts.len());
    for (i, p) in b.parts.iter().enumerate() {
        let file = ProofFile::read(&dir.join(&p.proof))?;
        let part_pins = Pins { identity: Some(p.model_identity.clone()), srs: pins.srs.clone() };
        steps::verify_file(&file, &dir.join(&p.vk), &part_pins).map_err(|e| {
            ProverError::Rejected(format!(
                "part {} ({} … {}): {e}",
                i + 1,
                p.first_node,
                p.last_node
            ))
        })?;
        files.push(file);
    }
    for (i, pair) in files.windows(2).enumerate() {
        let [_, handed_on, _] = pair[0].digests();
        let [received, _, _] = pair[1].digests();
        match (handed_on, received) {
            (Some(out), Some(inp)) if out == inp => {}
            _ => {
                return Err(ProverError::Mismatch {
                    what: format!("link part {} → part {}", i + 1, i + 2),
                    detail: format!(
                        "part {} hands on digest {}, part {} received {}: the parts are not one \
                         inference (another input, another model or a reordered bundle)",
                        i + 1,
                        handed_on.unwrap_or("(none)"),
                        i + 2,
                        received.unwrap_or("(none)")
                    ),
                }
                .into());
            }
        }
    }
    Ok(BundleVerified {
        identity,
        identity_pinned: pins.identity.is_some(),
        parts: b.parts.iter().map(|p| p.model_identity.clone()).collect(),
        last: files.pop().ok_or_else(|| ProverError::Format {
            path: path.display().to_string(),
            reason: "no parts".into(),
        })?,
    })
}
