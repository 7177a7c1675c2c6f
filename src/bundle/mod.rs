//! Partitioned proofs: a model proven in parts, each part's proof bound to its neighbours by
//! the Poseidon digests of the tensors that cross each cut (see
//! [`zkinfer_quantize::partition`]), and the bundle file that lists them.
//!
//! A part is a circuit of its own with its own keys, so no single proof needs the memory of
//! the whole model. The bundle's identity covers the number of parts and every part's model
//! identity, in order; a verifier that pins it has pinned every part's verifying key and the
//! cuts between them. Verification checks every part's proof with its key and that each
//! part's output digest is the next part's input digest, so the parts are one inference:
//! the first part's inputs and the last part's outputs keep the model's visibility.

mod evm;
mod plan;
mod plan_file;
mod prove;
mod verify;

pub use evm::{
    bundle_calldata_of, bundle_solidity, create_bundle_evm_verifier, verify_bundle_evm,
    BundleEvmFiles, BundleEvmReport, PartEvm,
};
pub use plan::{
    choose_cuts, cuts_at_nodes, estimated_peak_bytes, parts_within, plan_part_at, plan_parts,
    plan_parts_at, CircuitSize, PlannedPart,
};
pub use plan_file::{PartitionPlan, PlanPart, PLAN_FORMAT, PLAN_VERSION};
pub use prove::{
    plan_run, plan_run_with, prove_part, prove_parts, write_bundle, Cut, PartOutcome, PartTask,
    PartsOutcome, PartsPlan, PartsRequest, PartsSettings,
};
pub use verify::{check_bundle_data, verify_bundle, BundleDataChecked, BundleVerified};

use crate::Result;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zkinfer_prover::artifact::hex;
use zkinfer_prover::ProverError;

/// `format` of a bundle file.
pub const BUNDLE_FORMAT: &str = "zkinfer-bundle";
/// Version of the bundle format this zkinfer writes and reads.
pub const BUNDLE_VERSION: u32 = 1;
/// Domain tag of the bundle identity.
const BUNDLE_TAG: &[u8] = b"zkinfer-bundle-identity-v1";

/// `bundle.json`: the parts of one partitioned proof, in order. Proof and key files are named
/// relative to the bundle's directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// [`BUNDLE_VERSION`] when written.
    pub format_version: u32,
    /// The zkinfer version that wrote it.
    pub tool_version: String,
    /// The bundle identity (hex; see [`bundle_identity`]).
    pub identity: String,
    /// The parts, first to last.
    pub parts: Vec<BundlePart>,
}

/// One part of a [`Bundle`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundlePart {
    /// The ONNX node of the part's first primitive.
    pub first_node: String,
    /// The ONNX node of its last primitive.
    pub last_node: String,
    /// Primitives the part lays out.
    pub primitives: usize,
    /// The part's model identity (hex): the hash of its verifying key.
    pub model_identity: String,
    /// Its circuit has 2^k rows.
    pub k: u32,
    /// Tensor elements it hands on to the next part (0 for the last).
    pub handed_on: usize,
    /// Its proof file, relative to the bundle.
    pub proof: String,
    /// Its verifying key, relative to the bundle.
    pub vk: String,
}

/// The identity of a bundle of parts with these model identities, in order.
#[must_use]
pub fn bundle_identity(parts: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(BUNDLE_TAG);
    h.update(u64::try_from(parts.len()).unwrap_or(u64::MAX).to_le_bytes());
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

impl Bundle {
    /// Reads and checks a bundle file (see [`Bundle::parse`]).
    ///
    /// # Errors
    /// An unreadable file, or as [`Bundle::parse`], naming the file.
    pub fn read(path: &Path) -> Result<Self> {
        read_named(path, Self::parse)
    }

    /// Parses a bundle and checks what it says of itself: format and version, at least two
    /// parts, file names beside the bundle, and an identity that its parts' identities make.
    ///
    /// # Errors
    /// [`ProverError::Format`] for a malformed bundle, [`ProverError::Mismatch`] for an
    /// identity its parts do not make (parts edited or reordered).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: String| ProverError::Format { path: "bundle".into(), reason };
        let b: Self =
            serde_json::from_str(text).map_err(|e| bad(format!("not a zkinfer bundle: {e}")))?;
        if b.format != BUNDLE_FORMAT || b.format_version != BUNDLE_VERSION {
            return Err(bad(format!(
                "format {} version {} is not {BUNDLE_FORMAT} version {BUNDLE_VERSION}",
                b.format, b.format_version
            ))
            .into());
        }
        if b.parts.len() < 2 {
            return Err(bad(format!("{} part(s): a bundle has at least two", b.parts.len())).into());
        }
        for p in &b.parts {
            for name in [&p.proof, &p.vk] {
                let plain = Path::new(name)
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
                if !plain || name.is_empty() {
                    return Err(
                        bad(format!("'{name}' is not a file name beside the bundle")).into()
                    );
                }
            }
        }
        let identities = b
            .parts
            .iter()
            .map(|p| zkinfer_prover::identity::parse_identity(&p.model_identity))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let identity = hex(&bundle_identity(&identities));
        if identity != b.identity {
            return Err(ProverError::Mismatch {
                what: "bundle identity".into(),
                detail: format!(
                    "the file says {}, its parts make {identity}: the parts were edited or \
                     reordered",
                    b.identity
                ),
            }
            .into());
        }
        Ok(b)
    }
}

/// Reads `path` and parses it with `parse`, whose format errors then name the file.
fn read_named<T>(path: &Path, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
    parse(&text).map_err(|e| match e {
        crate::Error::Prover(ProverError::Format { reason, .. }) => {
            ProverError::Format { path: path.display().to_string(), reason }.into()
        }
        other => other,
    })
}

fn io(path: &Path, source: std::io::Error) -> crate::Error {
    crate::Error::Io { path: path.display().to_string(), source }
}

/// Runs `f` on `0..n`, `jobs` at a time on threads of their own, and returns the results in
/// order, or the error of the first index that failed (no new index starts after a failure).
pub(crate) fn in_parallel<T: Send>(
    n: usize,
    jobs: usize,
    f: impl Fn(usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= n || failed.load(Ordering::SeqCst) {
                return mine;
            }
            // A panic is a bug, not a user error; still, stop the other parts and report it.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))).unwrap_or_else(
                |payload| {
                    let what = payload
                        .downcast_ref::<&str>()
                        .map(ToString::to_string)
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(ProverError::Halo2(format!("part {} panicked: {what}", i + 1)).into())
                },
            );
            if r.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            mine.push((i, r));
        }
    };
    let mut results: Vec<(usize, Result<T>)> = if jobs <= 1 {
        worker()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..jobs.min(n)).map(|_| s.spawn(worker)).collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![(
                            usize::MAX,
                            Err(ProverError::Halo2("a part's thread panicked".into()).into()),
                        )]
                    })
                })
                .collect()
        })
    };
    results.sort_by_key(|(i, _)| *i);
    if let Some(pos) = results.iter().position(|(_, r)| r.is_err()) {
        if let (_, Err(e)) = results.swap_remove(pos) {
            return Err(e);
        }
    }
    let done: Vec<T> = results.into_iter().filter_map(|(_, r)| r.ok()).collect();
    if done.len() != n {
        return Err(ProverError::Halo2(format!("{} of {n} parts finished", done.len())).into());
    }
    Ok(done)
}
