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

use crate::steps::{self, Pins};
use crate::{Compiled, Device, Model, OutputReport, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkinfer_circuits::{lay_out_planned, plan_within, Plan};
use zkinfer_model_import::Tensor;
use zkinfer_prover::artifact::hex;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::{circuit_hash, ProverError};
use zkinfer_quantize::partition::{boundary_elements, first_cuttable, split, Part};
use zkinfer_quantize::{QGraph, Settings, Target};

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

/// Where to cut a quantized graph into `parts` parts of about equal circuit cost: before
/// ONNX nodes (never inside one), each cut placed where the estimated cells so far are
/// closest to its share, preferring, among nodes within a quarter share of it, the one that
/// hands on the fewest elements.
///
/// # Errors
/// Fewer ONNX nodes than parts, or a layout error while estimating.
pub fn choose_cuts(q: &QGraph, plan: &Plan, parts: usize) -> Result<Vec<usize>> {
    let start = first_cuttable(q);
    let starts: Vec<usize> =
        (start + 1..q.nodes.len()).filter(|&i| q.nodes[i].node != q.nodes[i - 1].node).collect();
    if parts < 2 || starts.len() + 1 < parts {
        return Err(ProverError::Mismatch {
            what: "partition".into(),
            detail: format!(
                "{parts} parts asked of a model of {} ONNX nodes: ask for 2 to {} parts",
                starts.len() + 1,
                starts.len() + 1
            ),
        }
        .into());
    }
    let layout = lay_out_planned(q, None, plan)?;
    let cells = layout.node_cells();
    // Cost of the primitives before each candidate cut: an ONNX node's cells count once, at
    // its first primitive.
    let mut seen = std::collections::BTreeSet::new();
    let mut cost_before = Vec::with_capacity(q.nodes.len() + 1);
    let mut total = 0usize;
    for n in &q.nodes {
        cost_before.push(total);
        if seen.insert(n.node.as_str()) {
            total += cells.get(&n.node).copied().unwrap_or(0).max(1);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let share = total as f64 / parts as f64;
    let mut cuts: Vec<usize> = Vec::new();
    for j in 1..parts {
        #[allow(clippy::cast_precision_loss)]
        let target = share * j as f64;
        let after = cuts.last().copied().unwrap_or(start);
        let left = parts - j; // parts still to place after this cut
        let usable: Vec<usize> = starts
            .iter()
            .copied()
            .filter(|&c| c > after && starts.iter().filter(|&&d| d > c).count() + 1 >= left)
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let off = |c: usize| (cost_before[c] as f64 - target).abs();
        let Some(nearest) = usable.iter().copied().min_by(|&a, &b| off(a).total_cmp(&off(b)))
        else {
            break;
        };
        let best = usable
            .iter()
            .copied()
            .filter(|&c| off(c) <= off(nearest) + share / 4.0)
            .min_by_key(|&c| (boundary_elements(q, c), c))
            .unwrap_or(nearest);
        cuts.push(best);
    }
    Ok(cuts)
}

/// One part of a partition, planned: its graph, circuit plan and where it sits in the model.
#[derive(Clone, Debug)]
pub struct PlannedPart {
    /// The part's graph and its slice of the whole.
    pub part: Part,
    /// Its circuit plan.
    pub plan: Plan,
    /// The ONNX node of its first primitive.
    pub first_node: String,
    /// The ONNX node of its last primitive.
    pub last_node: String,
    /// Tensor elements it hands on to the next part (0 for the last).
    pub handed_on: usize,
}

/// Cuts a quantized model into `parts` parts ([`choose_cuts`]) and plans each part's circuit
/// with the model's lane cap and linear check: what `zkinfer prove --parts` proves and
/// `zkinfer inspect --parts` shows.
///
/// # Errors
/// A model too small to cut, or a layout error.
pub fn plan_parts(
    q: &QGraph,
    plan: &Plan,
    settings: &Settings,
    parts: usize,
) -> Result<Vec<PlannedPart>> {
    let cuts = choose_cuts(q, plan, parts)?;
    let split = split(q, &cuts)?;
    let n = split.len();
    split
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let plan = plan_within(&part.graph, settings.max_lanes, settings.linear_check)?;
            let nodes = &q.nodes[part.nodes.clone()];
            Ok(PlannedPart {
                first_node: nodes.first().map(|n| n.node.clone()).unwrap_or_default(),
                last_node: nodes.last().map(|n| n.node.clone()).unwrap_or_default(),
                handed_on: if i + 1 < n { boundary_elements(q, part.nodes.end) } else { 0 },
                part,
                plan,
            })
        })
        .collect()
}

/// What to prove in parts.
#[derive(Clone, Debug)]
pub struct PartsRequest {
    /// Settings from `zkinfer calibrate`; `None` calibrates on the input for `target`.
    pub settings: Option<PathBuf>,
    /// The calibration target when no settings are given.
    pub target: Target,
    /// An SRS file; `None` uses the cached INSECURE development SRS.
    pub srs: Option<PathBuf>,
    /// The number of parts.
    pub parts: usize,
    /// The directory that receives `bundle.json`, each part's proof and verifying key.
    pub dir: PathBuf,
    /// Where the commitments' MSMs run.
    pub device: Device,
}

/// What proving in parts did.
#[derive(Clone, Debug, Serialize)]
pub struct PartsOutcome {
    /// The bundle file written.
    pub bundle: PathBuf,
    /// The bundle identity (hex), which a verifier pins.
    pub identity: String,
    /// Each part: its entry, and the seconds its keys and its proof took.
    pub parts: Vec<PartOutcome>,
    /// The proven outputs against the float reference.
    pub outputs: Vec<OutputReport>,
    /// Peak resident memory of the process, bytes.
    pub peak_memory_bytes: Option<u64>,
}

/// One part's run.
#[derive(Clone, Debug, Serialize)]
pub struct PartOutcome {
    /// Its bundle entry.
    #[serde(flatten)]
    pub part: BundlePart,
    /// Seconds loading or generating its keys.
    pub setup_seconds: f64,
    /// Seconds proving it.
    pub prove_seconds: f64,
}

/// Proves `inputs` on `model` in `request.parts` parts, one after the other, and writes the
/// bundle. The integer evaluator runs once on the whole model; each part proves its slice.
///
/// # Errors
/// Any step's error, as [`crate::flow::prove`] has them, or a model too small to cut.
pub fn prove_parts(
    model: &Model,
    inputs: &[Tensor],
    request: &PartsRequest,
    progress: &dyn Fn(String),
) -> Result<PartsOutcome> {
    let settings =
        steps::settings_or_calibrate(model, request.settings.as_deref(), inputs, request.target)?;
    let whole = Compiled::new(model, &settings)?;
    let witness = steps::witness(&whole, inputs)?;
    let parts = plan_parts(&whole.qgraph, &whole.plan, &settings, request.parts)?;
    let device = steps::open_device(request.device)?;
    std::fs::create_dir_all(&request.dir).map_err(|e| io(&request.dir, e))?;
    let mut done = Vec::with_capacity(parts.len());
    for (i, planned) in parts.iter().enumerate() {
        let part = &planned.part;
        let hash = circuit_hash(&part.graph, &planned.plan);
        let c = Compiled { qgraph: part.graph.clone(), plan: planned.plan.clone(), hash };
        let (srs, label) = steps::srs_for(request.srs.as_deref(), c.plan.k)?;
        progress(format!(
            "part {}/{}: {} primitives, k = {}, {} gate lanes",
            i + 1,
            parts.len(),
            part.nodes.len(),
            c.plan.k,
            c.plan.lanes
        ));
        let t = std::time::Instant::now();
        let (keys, _) = steps::proving_key(&device.msm, &c, &srs, &label, None)?;
        let setup_seconds = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let mut proved = steps::prove_file(&device.msm, &c, &srs, &keys, part.witness(&witness))?;
        let prove_seconds = t.elapsed().as_secs_f64();
        proved.self_verify(&srs, &keys)?;
        if i + 1 < parts.len() {
            // What a part hands on stays private: its digest is in the proof, its values not
            // in the file.
            proved.file.withhold_outputs()?;
        }
        let proof = format!("part-{i}.proof.json");
        let vk = format!("part-{i}.vk");
        proved.file.write(&request.dir.join(&proof))?;
        let cached_vk = steps::key_cache(&c).join("vk");
        std::fs::copy(&cached_vk, request.dir.join(&vk)).map_err(|e| io(&cached_vk, e))?;
        let entry = BundlePart {
            first_node: planned.first_node.clone(),
            last_node: planned.last_node.clone(),
            primitives: part.nodes.len(),
            model_identity: hex(&keys.identity),
            k: c.plan.k,
            handed_on: planned.handed_on,
            proof,
            vk,
        };
        done.push((keys.identity, PartOutcome { part: entry, setup_seconds, prove_seconds }));
    }
    let identities: Vec<[u8; 32]> = done.iter().map(|(id, _)| *id).collect();
    let identity = hex(&bundle_identity(&identities));
    let parts: Vec<PartOutcome> = done.into_iter().map(|(_, p)| p).collect();
    let bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        format_version: BUNDLE_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        identity: identity.clone(),
        parts: parts.iter().map(|p| p.part.clone()).collect(),
    };
    let path = request.dir.join("bundle.json");
    let text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    let outputs: Vec<Vec<i64>> = whole.qgraph.outputs.iter().map(|&o| witness[o].clone()).collect();
    let accuracy = crate::report(model, &whole.qgraph, &outputs, inputs, None)?;
    Ok(PartsOutcome {
        bundle: path,
        identity,
        parts,
        outputs: accuracy.outputs,
        peak_memory_bytes: crate::flow::peak_memory_bytes(),
    })
}

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

impl Bundle {
    /// Reads and checks a bundle file (see [`Bundle::parse`]).
    ///
    /// # Errors
    /// An unreadable file, or as [`Bundle::parse`], naming the file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        Self::parse(&text).map_err(|e| match e {
            crate::Error::Prover(ProverError::Format { reason, .. }) => {
                ProverError::Format { path: path.display().to_string(), reason }.into()
            }
            other => other,
        })
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

fn io(path: &Path, source: std::io::Error) -> crate::Error {
    crate::Error::Io { path: path.display().to_string(), source }
}
