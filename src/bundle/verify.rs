//! Checking a bundle: every part's proof with its verifying key, and every link between
//! consecutive parts.

use super::Bundle;
use crate::steps::{self, Pins};
use crate::{Compiled, Model, Result};
use std::path::Path;
use zkinfer_model_import::Tensor;
use zkinfer_prover::artifact::hex;
use zkinfer_prover::instance::to_decimal;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::ProverError;
use zkinfer_quantize::partition::{first_cuttable, split};
use zkinfer_quantize::{Settings, Visibility};

/// A verified bundle.
#[derive(Clone, Debug)]
pub struct BundleVerified {
    /// The bundle identity (hex).
    pub identity: String,
    /// Whether it was compared with one the verifier pinned.
    pub identity_pinned: bool,
    /// The parts' model identities, in order.
    pub parts: Vec<String>,
    /// The bundle file as read.
    pub bundle: Bundle,
    /// Each part's weights digest (decimal), for parts whose weights are hashed.
    pub weights_digests: Vec<Option<String>>,
    /// The first part's input digest (decimal), when the model's inputs are hashed.
    pub input_digest: Option<String>,
    /// The last part's proof: the model's outputs, as its visibility lists them.
    pub last: ProofFile,
}

/// What [`check_bundle_data`] compared with the verifier's own model and input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleDataChecked {
    /// Parts whose hashed weights digest equals the digest of the model's weights in that part.
    pub weights_parts: usize,
    /// Whether the first part's hashed input digest was compared with the verifier's input.
    pub input: bool,
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
        check_link(i, &pair[0], &pair[1])?;
    }
    let weights_digests = files.iter().map(|f| f.digests()[2].map(str::to_owned)).collect();
    let input_digest = files.first().and_then(|f| f.digests()[0].map(str::to_owned));
    Ok(BundleVerified {
        identity,
        identity_pinned: pins.identity.is_some(),
        parts: b.parts.iter().map(|p| p.model_identity.clone()).collect(),
        bundle: b,
        weights_digests,
        input_digest,
        last: files.pop().ok_or_else(|| ProverError::Format {
            path: path.display().to_string(),
            reason: "no parts".into(),
        })?,
    })
}

/// Checks a verified bundle's hashed data against the verifier's own copy: each part's
/// weights digest against the weights of `model` (quantized with `settings`) in that part,
/// and, with `inputs`, the first part's input digest against them. With hashed weights the
/// parts' keys fix only the architecture; without this check a bundle proves "some weights
/// per part". The parts are cut where the bundle says (its primitive counts), and each
/// part's first and last ONNX node must be the bundle's.
///
/// # Errors
/// [`ProverError::Mismatch`] naming the part whose weights (or the input) differ, a bundle
/// whose parts do not cut this model, or a bundle with nothing hashed to compare.
pub fn check_bundle_data(
    verified: &BundleVerified,
    model: &Model,
    settings: &Settings,
    inputs: Option<&[Tensor]>,
) -> Result<BundleDataChecked> {
    let mismatch = |what: String, detail: String| ProverError::Mismatch { what, detail };
    let hashed_weights = verified.weights_digests.iter().any(Option::is_some);
    if !hashed_weights && (inputs.is_none() || verified.input_digest.is_none()) {
        return Err(mismatch(
            "bundle data".into(),
            "the bundle's parts publish no weights digest and no input digest to compare: \
             with public or fixed weights the keys already pin them"
                .into(),
        )
        .into());
    }
    let c = Compiled::new(model, settings)?;
    let q = &c.qgraph;
    let parts = &verified.bundle.parts;
    let start = first_cuttable(q);
    let mut cuts = Vec::with_capacity(parts.len().saturating_sub(1));
    let mut at = start;
    for p in &parts[..parts.len().saturating_sub(1)] {
        at = at.saturating_add(p.primitives);
        cuts.push(at);
    }
    let covered = at.saturating_add(parts.last().map_or(0, |p| p.primitives));
    if covered != q.nodes.len() {
        return Err(mismatch(
            "bundle data".into(),
            format!(
                "the bundle's parts lay out {} primitives, this model quantized with these \
                 settings has {}: another model or other settings",
                covered - start,
                q.nodes.len() - start
            ),
        )
        .into());
    }
    let pieces = split(q, &cuts)?;
    let mut weights_parts = 0;
    for (i, (piece, (listed, claimed))) in
        pieces.iter().zip(parts.iter().zip(&verified.weights_digests)).enumerate()
    {
        let nodes = &q.nodes[piece.nodes.clone()];
        let first = nodes.first().map_or("", |n| n.node.as_str());
        let last = nodes.last().map_or("", |n| n.node.as_str());
        if first != listed.first_node || last != listed.last_node {
            return Err(mismatch(
                format!("part {}", i + 1),
                format!(
                    "the bundle says it runs {} … {}, this model cut there runs {first} … \
                     {last}: another model or other settings",
                    listed.first_node, listed.last_node
                ),
            )
            .into());
        }
        if let Some(claimed) = claimed {
            let ours = to_decimal(&steps::weights_digest(&piece.graph));
            if *claimed != ours {
                return Err(mismatch(
                    format!("part {} weights", i + 1),
                    format!(
                        "part {} ({first} … {last}) was proven with other weights: its digest \
                         is {claimed}, the model's weights there hash to {ours}",
                        i + 1
                    ),
                )
                .into());
            }
            weights_parts += 1;
        }
    }
    let mut input = false;
    if let (Some(inputs), Some(claimed)) = (inputs, &verified.input_digest) {
        let [ours, _, _] = steps::digests(q, &steps::witness(&c, inputs)?).map(|d| to_decimal(&d));
        if *claimed != ours {
            return Err(mismatch(
                "input".into(),
                format!(
                    "the bundle is about another input: part 1's input digest is {claimed}, \
                     yours hashes to {ours}"
                ),
            )
            .into());
        }
        input = true;
    }
    Ok(BundleDataChecked { weights_parts, input })
}

/// Part `i + 1` (0-based `i`) must have received exactly what part `i` handed on: the same
/// link visibility, packing and instance words (one digest when hashed, every value when
/// public, their words when packed).
fn check_link(i: usize, from: &ProofFile, to: &ProofFile) -> Result<()> {
    let (out, inp) = (from.effective_visibility().output, to.effective_visibility().input);
    let [_, handed_on, _] = from.instance_groups();
    let [received, _, _] = to.instance_groups();
    let same_form =
        out == inp && out != Visibility::Private && from.packed_bits.output == to.packed_bits.input;
    if same_form && !handed_on.is_empty() && handed_on == received {
        return Ok(());
    }
    let shown = |words: &[String]| match words {
        [] => "nothing".to_owned(),
        [one] => format!("digest {one}"),
        many => format!("{} words starting {}", many.len(), many[0]),
    };
    let detail = if same_form {
        format!(
            "part {} hands on {}, part {} received {}: the parts are not one inference \
             (another input, another model or a reordered bundle)",
            i + 1,
            shown(handed_on),
            i + 2,
            shown(received)
        )
    } else {
        format!(
            "part {} hands on {out} values, part {} receives {inp} ones: the parts were cut \
             with other link settings",
            i + 1,
            i + 2
        )
    };
    Err(ProverError::Mismatch { what: format!("link part {} → part {}", i + 1, i + 2), detail }
        .into())
}
