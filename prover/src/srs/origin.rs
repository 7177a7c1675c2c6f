//! What an SRS is and what a verifier relied on for it: [`SrsOrigin`] reads an SRS file's
//! provenance label, [`SrsTrust`] records how a verifying key's s·G2 was checked.

use super::dev::{dev_secret, DEV_LABEL, DEV_SEED};
use super::points::Srs;
use crate::artifact::hex;
use crate::error::{ProverError, Result};
use halo2_proofs::halo2curves::bn256::G2Affine;
use halo2_proofs::halo2curves::group::{Curve, GroupEncoding};

/// Where an SRS came from, as its file's provenance label records it. zkinfer writes the label
/// when it generates or imports an SRS ([`SrsOrigin::label`]) and reads it back here, so the
/// question "is this the insecure development SRS?" has one answer everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SrsOrigin {
    /// The INSECURE seeded development SRS; `seed` is `None` when the label names no
    /// readable seed (an edited file, which verification refuses).
    Development {
        /// The seed the label names.
        seed: Option<u64>,
    },
    /// Anything else: an imported ceremony file (its label pins the file's hash).
    Imported {
        /// The label as written.
        label: String,
    },
}

impl SrsOrigin {
    /// The development SRS of `seed`.
    #[must_use]
    pub fn development(seed: u64) -> Self {
        Self::Development { seed: Some(seed) }
    }

    /// Reads a provenance label.
    #[must_use]
    pub fn of_label(label: &str) -> Self {
        match label.strip_prefix(DEV_LABEL) {
            Some(rest) => Self::Development { seed: rest.trim().parse().ok() },
            None => Self::Imported { label: label.to_string() },
        }
    }

    /// The provenance label an SRS file of this origin carries.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Development { seed: Some(seed) } => format!("{DEV_LABEL}{seed}"),
            Self::Development { seed: None } => DEV_LABEL.to_string(),
            Self::Imported { label } => label.clone(),
        }
    }

    /// Whether this is the insecure development SRS (anyone can forge proofs under it).
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        matches!(self, Self::Development { .. })
    }
}

/// What a verifier relied on for the SRS points in a verifying key. The points decide
/// soundness (whoever knows the secret behind s·G2 can forge any proof), so a verifier says
/// which of these it did; the model identity covers the points either way.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SrsTrust {
    /// The INSECURE development SRS of `seed`: s·G2 recomputed from the seed and equal.
    Dev {
        /// The seed the key's label names.
        seed: u64,
    },
    /// Checked against an SRS file the verifier named: the same s·G2.
    Pinned {
        /// That file's provenance label.
        label: String,
    },
    /// Not checked: the key's points, as its label describes them (pin the identity, or pass
    /// the ceremony's SRS, to trust them).
    FromKey {
        /// The key's provenance label.
        label: String,
        /// s·G2 as stored (compressed, hex).
        s_g2: String,
    },
}

impl SrsTrust {
    /// One line for a person.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Dev { seed } => format!(
                "INSECURE development SRS (seed {seed}; s·G2 recomputed from it): anyone can \
                 forge proofs under it"
            ),
            Self::Pinned { label } => format!("s·G2 checked against the given SRS ({label})"),
            Self::FromKey { label, s_g2 } => format!(
                "s·G2 = {}… taken from the key ({label}), not checked against a ceremony: pass \
                 --srs with the ceremony's SRS, or pin the model identity",
                &s_g2[..s_g2.len().min(16)]
            ),
        }
    }

    /// Whether the SRS is the insecure development one.
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        matches!(self, Self::Dev { .. })
    }
}

/// Decides what a verifier trusts about a key's SRS points (`label`, `s_g2`): the SRS file it
/// names (`pinned`, with that file's label) must have the same s·G2; a key labelled as the
/// development SRS must carry that seed's s·G2; otherwise the key's point is reported as taken
/// on trust.
///
/// # Errors
/// [`ProverError::Mismatch`] when the key's s·G2 is not the named SRS's or the seed's.
pub fn srs_trust(label: &str, s_g2: &G2Affine, pinned: Option<(&Srs, &str)>) -> Result<SrsTrust> {
    let dev_s_g2 = |seed: u64| (G2Affine::generator() * dev_secret(seed)).to_affine();
    if let Some((srs, pinned_label)) = pinned {
        if srs.s_g2() != *s_g2 || srs.g2() != G2Affine::generator() {
            return Err(ProverError::Mismatch {
                what: "SRS".into(),
                detail: format!(
                    "the verifying key's s·G2 is not that of the given SRS ({pinned_label}); the \
                     key says it was made with: {label}"
                ),
            });
        }
        // A pinned development SRS is still insecure, whatever the key's label says.
        if let SrsOrigin::Development { seed: Some(seed) } = SrsOrigin::of_label(pinned_label) {
            return Ok(SrsTrust::Dev { seed });
        }
        return Ok(SrsTrust::Pinned { label: pinned_label.to_string() });
    }
    if let SrsOrigin::Development { seed } = SrsOrigin::of_label(label) {
        let seed = seed.ok_or_else(|| ProverError::Mismatch {
            what: "SRS".into(),
            detail: format!("the key's SRS label '{label}' names no seed"),
        })?;
        if dev_s_g2(seed) != *s_g2 {
            return Err(ProverError::Mismatch {
                what: "SRS".into(),
                detail: format!(
                    "the key says it was made with the development SRS of seed {seed}, but its \
                     s·G2 is not that SRS's (altered key)"
                ),
            });
        }
        return Ok(SrsTrust::Dev { seed });
    }
    // A development SRS under another label is still the development SRS.
    if dev_s_g2(DEV_SEED) == *s_g2 {
        return Ok(SrsTrust::Dev { seed: DEV_SEED });
    }
    Ok(SrsTrust::FromKey { label: label.to_string(), s_g2: hex(s_g2.to_bytes().as_ref()) })
}
