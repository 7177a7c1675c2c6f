//! What a proof makes public: per tensor group (inputs, outputs, weights) its visibility.

use serde::{Deserialize, Serialize};

/// Whether a tensor group is a public instance of the proof or stays inside the witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// The values are public instances: every verifier sees them and the proof binds them.
    Public,
    /// The values stay in the witness: the proof attests only that some values exist.
    Private,
    /// One public instance, the Poseidon digest of the group's values (see
    /// `zkinfer_circuits::poseidon`): binds the values without revealing them (inputs a
    /// verifier already holds a commitment to) or without one instance per value (outputs
    /// of thousands of elements, which an EVM verifier pays for one by one).
    Hashed,
    /// Public, several values to an instance: each value offset to a non-negative integer of
    /// a fixed bit width and packed little-endian into words below 2^248 (see
    /// `zkinfer_circuits::packing`). The values stay public and readable by shifts and masks,
    /// while an EVM verifier, which pays per instance, sees an order of magnitude fewer.
    Packed,
}

impl std::str::FromStr for Visibility {
    type Err = crate::UnknownChoice;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "public" => Ok(Self::Public),
            "private" => Ok(Self::Private),
            "hashed" => Ok(Self::Hashed),
            "packed" => Ok(Self::Packed),
            other => Err(crate::UnknownChoice::new(
                "visibility",
                other,
                &["public", "private", "hashed", "packed"],
            )),
        }
    }
}

impl std::fmt::Display for Visibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Hashed => "hashed",
            Self::Packed => "packed",
        })
    }
}

impl Visibility {
    /// Whether a proof file lists the group's values: public and packed groups, and hashed
    /// outputs (hashed inputs stay private, only their digest is published).
    #[must_use]
    pub fn is_listed(self, output: bool) -> bool {
        matches!(self, Self::Public | Self::Packed) || (self == Self::Hashed && output)
    }
}

/// How the model's weights (its constant tensors) enter the circuit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightVisibility {
    /// Fixed columns: the verifying key pins them, so its hash is the model identity.
    #[default]
    Fixed,
    /// Witness cells: the proof attests that *some* weights of this architecture map the
    /// input to the output, without revealing or naming them.
    Private,
    /// Witness cells bound by one public instance, their Poseidon digest: the weights stay
    /// secret and the digest names the model (a commitment the owner can publish).
    Hashed,
}

impl WeightVisibility {
    /// Whether this is the default.
    #[must_use]
    pub fn is_fixed(&self) -> bool {
        *self == Self::Fixed
    }
}

impl std::str::FromStr for WeightVisibility {
    type Err = crate::UnknownChoice;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "fixed" => Ok(Self::Fixed),
            "private" => Ok(Self::Private),
            "hashed" => Ok(Self::Hashed),
            other => Err(crate::UnknownChoice::new(
                "weights visibility",
                other,
                &["fixed", "private", "hashed"],
            )),
        }
    }
}

impl std::fmt::Display for WeightVisibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Fixed => "fixed",
            Self::Private => "private",
            Self::Hashed => "hashed",
        })
    }
}

/// Which tensor groups the proof makes public. Public inputs bind a proof to the input it was
/// made for (so a consumer contract can check *whose* data was scored); private outputs prove
/// a computation happened without revealing its result; hashed groups are bound by one
/// Poseidon digest each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visibilities {
    /// Model inputs (default private).
    pub input: Visibility,
    /// Model outputs (default public).
    pub output: Visibility,
    /// The model's weights (default fixed; absent from files when fixed, so settings and
    /// circuits from before the option are unchanged).
    #[serde(default, skip_serializing_if = "WeightVisibility::is_fixed")]
    pub weights: WeightVisibility,
    /// The tensors handed between parts of a partitioned proof (default hashed: one digest
    /// each way, nothing revealed; public or packed reveal the activations and spare each part
    /// the hashing). Absent from files when hashed, so settings and circuits from before the
    /// option are unchanged. A single proof has no link and ignores it.
    #[serde(default = "hashed", skip_serializing_if = "is_hashed")]
    pub link: Visibility,
}

fn hashed() -> Visibility {
    Visibility::Hashed
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_hashed(v: &Visibility) -> bool {
    *v == Visibility::Hashed
}

impl Default for Visibilities {
    fn default() -> Self {
        Self {
            input: Visibility::Private,
            output: Visibility::Public,
            weights: WeightVisibility::Fixed,
            link: Visibility::Hashed,
        }
    }
}
