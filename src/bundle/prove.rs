//! Proving a model in parts: each part's keys and proof, locally one after another or a few
//! at once, resuming from parts a previous run already proved, and the bundle that lists them.

use super::plan::{
    choose_cuts, cuts_at_nodes, parts_within, plan_part_at, plan_parts_at, CircuitSize, PlannedPart,
};
use super::{bundle_identity, in_parallel, io, Bundle, BundlePart, BUNDLE_FORMAT, BUNDLE_VERSION};
use crate::steps::{self, Pins};
use crate::{Compiled, Device, Model, OutputReport, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkinfer_circuits::{estimate_plan, lay_out_planned, Plan};
use zkinfer_model_import::Tensor;
use zkinfer_prover::artifact::hex;
use zkinfer_prover::gpu::Msm;
use zkinfer_prover::instance;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::{circuit_hash, ProverError};
use zkinfer_quantize::eval::eval_all;
use zkinfer_quantize::{QGraph, Settings, Target, Visibility};

/// Where to cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cut {
    /// This many parts of about equal cost ([`choose_cuts`]).
    Balanced(usize),
    /// Before each of these ONNX nodes ([`cuts_at_nodes`]).
    Before(Vec<String>),
    /// The fewest balanced parts whose estimated peak memory is within this many bytes
    /// ([`parts_within`]).
    Within(u64),
}

impl Cut {
    /// The parts of a quantized model this asks for, planned. `whole` sizes the model for
    /// balanced cuts and memory budgets; an estimate ([`zkinfer_circuits::estimate_plan`])
    /// will do.
    ///
    /// # Errors
    /// As [`choose_cuts`], [`cuts_at_nodes`] or [`parts_within`], or a part's layout error.
    pub fn plan(&self, q: &QGraph, whole: &Plan, settings: &Settings) -> Result<Vec<PlannedPart>> {
        let cuts = match self {
            Self::Balanced(n) => choose_cuts(q, whole, *n)?,
            Self::Before(names) => cuts_at_nodes(q, names)?,
            Self::Within(bytes) => return parts_within(q, whole, settings, *bytes),
        };
        plan_parts_at(q, settings, &cuts)
    }

    /// The cut a user asked for with at most one of `parts` (balanced cuts), `before` (ONNX
    /// node names) and `max_memory_gib` (a memory budget for the run: with `jobs` parts in
    /// memory at once, each part gets `1/jobs` of it); `None` when none is given.
    ///
    /// # Errors
    /// [`crate::Error::Request`] for several choices at once, no parts or a budget that is not
    /// a positive size.
    pub fn choose(
        parts: Option<usize>,
        before: &[String],
        max_memory_gib: Option<f64>,
        jobs: usize,
    ) -> Result<Option<Self>> {
        let bad = |m: &str| crate::Error::Request(m.to_string());
        match (parts, before.is_empty(), max_memory_gib) {
            (None, true, None) => Ok(None),
            (Some(0), true, None) => Err(bad("parts: give at least 1")),
            (Some(n), true, None) => Ok(Some(Self::Balanced(n))),
            (None, false, None) => Ok(Some(Self::Before(before.to_vec()))),
            (None, true, Some(gib)) => {
                if !(gib.is_finite() && gib > 0.0 && gib < 1e6) {
                    return Err(bad(&format!(
                        "max memory {gib}: give a size in GiB, e.g. 8 or 5.5"
                    )));
                }
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let bytes = (gib * f64::from(1u32 << 30)) as u64;
                Ok(Some(Self::Within(bytes / u64::try_from(jobs.max(1)).unwrap_or(u64::MAX))))
            }
            _ => Err(bad(
                "give one of: a number of parts (balanced cuts), the ONNX nodes to cut before, \
                 or a memory budget",
            )),
        }
    }
}

/// Where a bundle's settings come from: the cuts, the parts' circuits and the whole-model
/// witness all follow from them.
#[derive(Clone, Debug)]
pub enum PartsSettings {
    /// Calibrate on the input for this target.
    Calibrate(Target),
    /// A file from `zkinfer calibrate`.
    File(PathBuf),
    /// Settings already read (a plan file's).
    Given(Settings),
}

impl PartsSettings {
    /// The settings themselves.
    ///
    /// # Errors
    /// An unreadable settings file or a failed calibration.
    pub fn resolve(&self, model: &Model, inputs: &[Tensor]) -> Result<Settings> {
        match self {
            Self::Calibrate(t) => steps::settings_or_calibrate(model, None, inputs, *t),
            Self::File(p) => Ok(Settings::read(p)?),
            Self::Given(s) => Ok(s.clone()),
        }
    }
}

/// What to prove in parts.
#[derive(Clone, Debug)]
pub struct PartsRequest {
    /// The settings.
    pub settings: PartsSettings,
    /// An SRS file; `None` uses the cached INSECURE development SRS.
    pub srs: Option<PathBuf>,
    /// Where to cut.
    pub cut: Cut,
    /// The directory that receives `bundle.json`, each part's proof and verifying key.
    pub dir: PathBuf,
    /// Where the commitments' MSMs run.
    pub device: Device,
    /// Parts proven at once (at least 1). Each holds its own keys and witness columns, so
    /// peak memory grows with it; the CPU threads are shared.
    pub jobs: usize,
    /// Keep a part whose proof in `dir` is for the same circuit and the same values (see
    /// [`prove_part`]) instead of proving it again.
    pub resume: bool,
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
    /// The whole model's circuit, estimated (see [`PartsPlan::whole`]): what the parts spare.
    pub whole: CircuitSize,
}

/// One part's run.
#[derive(Clone, Debug, Serialize)]
pub struct PartOutcome {
    /// Its bundle entry.
    #[serde(flatten)]
    pub part: BundlePart,
    /// Seconds loading or generating its keys (0 when reused).
    pub setup_seconds: f64,
    /// Seconds proving it (0 when reused).
    pub prove_seconds: f64,
    /// Whether a proof from an earlier run was kept instead (`resume`).
    pub reused: bool,
    /// Its circuit's size.
    pub circuit: CircuitSize,
    /// Peak resident memory of the process while this part ran, bytes: measured where parts
    /// run one at a time (`jobs` 1, or one part a worker) on Linux, `None` otherwise.
    pub peak_memory_bytes: Option<u64>,
}

/// Proves `inputs` on `model` in parts and writes the bundle. The integer evaluator runs once
/// on the whole model; each part proves its slice, `request.jobs` parts at a time.
///
/// # Errors
/// Any step's error, as [`crate::flow::prove`] has them, a model too small to cut or cuts
/// that name no node; with several jobs, the first part that failed.
pub fn prove_parts(
    model: &Model,
    inputs: &[Tensor],
    request: &PartsRequest,
    progress: &(dyn Fn(String) + Sync),
) -> Result<PartsOutcome> {
    progress("evaluating the model and choosing the cuts".into());
    let run = plan_run_with(model, inputs, request.settings.resolve(model, inputs)?, &request.cut)?;
    let parts = &run.parts;
    progress(format!(
        "{} parts, {} at a time; whole-model witness ready",
        parts.len(),
        request.jobs.max(1).min(parts.len())
    ));
    let device = steps::open_device(request.device)?;
    std::fs::create_dir_all(&request.dir).map_err(|e| io(&request.dir, e))?;
    let job = PartJob {
        dir: &request.dir,
        srs: request.srs.as_deref(),
        msm: &device.msm,
        witness: &run.witness,
        count: parts.len(),
        resume: request.resume,
    };
    let before = crate::flow::peak_memory_bytes();
    let done = if request.jobs.max(1).min(parts.len()) == 1 {
        (0..parts.len()).map(|i| measured(|| job.prove(i, &parts[i], progress))).collect()
    } else {
        in_parallel(parts.len(), request.jobs, |i| job.prove(i, &parts[i], progress))
    }?;
    let entries: Vec<BundlePart> = done.iter().map(|p| p.part.clone()).collect();
    let (path, identity) = write_bundle(&request.dir, &entries)?;
    // Measured parts reset the process's peak, so the run's is the largest of theirs and
    // what came before them.
    let peak = done.iter().map(|p| p.peak_memory_bytes).chain([before]).flatten().max();
    Ok(PartsOutcome {
        bundle: path,
        identity,
        parts: done,
        outputs: run.outputs,
        peak_memory_bytes: peak.max(crate::flow::peak_memory_bytes()),
        whole: CircuitSize::of(&run.whole),
    })
}

/// A partitioned run before any part is proven: what a driver hands its workers.
#[derive(Clone, Debug)]
pub struct PartsPlan {
    /// The settings every part uses.
    pub settings: Settings,
    /// The whole model's circuit, estimated from one layout
    /// ([`zkinfer_circuits::estimate_plan`]): about what it would be proven as in one piece.
    pub whole: Plan,
    /// The cuts, as primitive indices of the quantized model.
    pub cuts: Vec<usize>,
    /// The parts, planned.
    pub parts: Vec<PlannedPart>,
    /// The model's outputs (which the last part proves) against the float reference.
    pub outputs: Vec<OutputReport>,
    /// Every tensor's value.
    witness: Vec<Vec<i64>>,
}

/// Calibrates (unless `settings` are given), evaluates the whole model on `inputs` and cuts
/// it: everything a run in parts decides before proving, so an input out of range or a cut
/// that names no node fails before any worker starts.
///
/// # Errors
/// Unreadable settings, a calibration or evaluation failure, or cuts that do not fit.
pub fn plan_run(
    model: &Model,
    inputs: &[Tensor],
    settings: Option<&Path>,
    target: Target,
    cut: &Cut,
) -> Result<PartsPlan> {
    let settings = steps::settings_or_calibrate(model, settings, inputs, target)?;
    plan_run_with(model, inputs, settings, cut)
}

/// [`plan_run`] with settings in hand.
///
/// # Errors
/// Settings for another model, an evaluation failure, or cuts that do not fit.
pub fn plan_run_with(
    model: &Model,
    inputs: &[Tensor],
    settings: Settings,
    cut: &Cut,
) -> Result<PartsPlan> {
    // The whole model is only sized, not planned: a model proven in parts may be far too
    // large for the planner's search.
    let q = model.quantize(&settings)?;
    let witness = eval_all(&q, inputs)?;
    let whole = estimate_plan(&q, settings.max_lanes, settings.linear_check)?;
    let parts = cut.plan(&q, &whole, &settings)?;
    let cuts = parts.iter().skip(1).map(|p| p.cut).collect();
    let outputs: Vec<Vec<i64>> = q.outputs.iter().map(|&o| witness[o].clone()).collect();
    let accuracy = crate::report(model, &q, &outputs, inputs, None)?;
    Ok(PartsPlan { settings, whole, cuts, parts, outputs: accuracy.outputs, witness })
}

/// One part of a distributed run: what a worker needs besides the model and the inputs.
#[derive(Clone, Debug)]
pub struct PartTask {
    /// The settings the driver calibrated or was given (every part must use the same).
    pub settings: Settings,
    /// The cuts the driver chose ([`choose_cuts`] or [`cuts_at_nodes`]).
    pub cuts: Vec<usize>,
    /// Which part, from 0.
    pub index: usize,
    /// Where to write `part-{index}.proof.json` and `part-{index}.vk`.
    pub dir: PathBuf,
    /// An SRS file; `None` uses the cached INSECURE development SRS.
    pub srs: Option<PathBuf>,
    /// Where the commitments' MSMs run.
    pub device: Device,
    /// Keep an earlier proof of the same part and values.
    pub resume: bool,
}

/// Proves one part on its own, as a worker of a distributed run does (`zkinfer.distributed`
/// in Python): the model is evaluated again here, so only the model, the inputs and this
/// task travel to the worker, and the proof and key come back as files in `task.dir`.
/// [`write_bundle`] then lists the parts' outcomes in order.
///
/// # Errors
/// As [`prove_parts`], or an index past the last part.
pub fn prove_part(
    model: &Model,
    inputs: &[Tensor],
    task: &PartTask,
    progress: &(dyn Fn(String) + Sync),
) -> Result<PartOutcome> {
    let q = model.quantize(&task.settings)?;
    let witness = eval_all(&q, inputs)?;
    let planned = plan_part_at(&q, &task.settings, &task.cuts, task.index)?;
    let count = task.cuts.len() + 1;
    let device = steps::open_device(task.device)?;
    std::fs::create_dir_all(&task.dir).map_err(|e| io(&task.dir, e))?;
    let job = PartJob {
        dir: &task.dir,
        srs: task.srs.as_deref(),
        msm: &device.msm,
        witness: &witness,
        count,
        resume: task.resume,
    };
    measured(|| job.prove(task.index, &planned, progress))
}

/// Runs one part and records the process's peak memory while it ran (where the peak can be
/// reset, see [`crate::flow::reset_peak_memory`]).
fn measured(prove: impl FnOnce() -> Result<PartOutcome>) -> Result<PartOutcome> {
    let reset = crate::flow::reset_peak_memory();
    let mut outcome = prove()?;
    if reset && !outcome.reused {
        outcome.peak_memory_bytes = crate::flow::peak_memory_bytes();
    }
    Ok(outcome)
}

/// Writes `bundle.json` in `dir` for these parts, in order, and returns its path and the
/// bundle identity.
///
/// # Errors
/// A part whose model identity is not hex, or an unwritable directory.
pub fn write_bundle(dir: &Path, parts: &[BundlePart]) -> Result<(PathBuf, String)> {
    let identities = parts
        .iter()
        .map(|p| zkinfer_prover::identity::parse_identity(&p.model_identity))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let identity = hex(&bundle_identity(&identities));
    let bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        format_version: BUNDLE_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        identity: identity.clone(),
        parts: parts.to_vec(),
    };
    let path = dir.join("bundle.json");
    let text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    Ok((path, identity))
}

/// What every part of one run shares.
struct PartJob<'a> {
    dir: &'a Path,
    srs: Option<&'a Path>,
    msm: &'a Arc<dyn Msm>,
    witness: &'a [Vec<i64>],
    count: usize,
    resume: bool,
}

impl PartJob<'_> {
    fn prove(
        &self,
        i: usize,
        planned: &PlannedPart,
        progress: &(dyn Fn(String) + Sync),
    ) -> Result<PartOutcome> {
        let part = &planned.part;
        let hash = circuit_hash(&part.graph, &planned.plan);
        let c = Compiled { qgraph: part.graph.clone(), plan: planned.plan.clone(), hash };
        let witness = part.witness(self.witness);
        let proof = format!("part-{i}.proof.json");
        let vk = format!("part-{i}.vk");
        let entry = |identity: &str| BundlePart {
            first_node: planned.first_node.clone(),
            last_node: planned.last_node.clone(),
            primitives: part.nodes.len(),
            model_identity: identity.to_string(),
            k: c.plan.k,
            handed_on: planned.handed_on,
            proof: proof.clone(),
            vk: vk.clone(),
        };
        let name = format!("part {}/{}", i + 1, self.count);
        if self.resume {
            if let Some(identity) = self.reusable(i, &c, &witness, &proof, &vk) {
                progress(format!("{name}: kept the proof of an earlier run ({proof})"));
                return Ok(PartOutcome {
                    part: entry(&identity),
                    setup_seconds: 0.0,
                    prove_seconds: 0.0,
                    reused: true,
                    circuit: CircuitSize::of(&c.plan),
                    peak_memory_bytes: None,
                });
            }
        }
        let (srs, label) = steps::srs_for(self.srs, c.plan.k)?;
        progress(format!(
            "{name}: {} primitives ({} … {}), k = {}, {} gate lanes",
            part.nodes.len(),
            planned.first_node,
            planned.last_node,
            c.plan.k,
            c.plan.lanes
        ));
        let t = std::time::Instant::now();
        let (keys, _) = steps::proving_key(self.msm, &c, &srs, &label, None)?;
        let setup_seconds = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let mut proved = steps::prove_file(self.msm, &c, &srs, &keys, witness)?;
        let prove_seconds = t.elapsed().as_secs_f64();
        proved.self_verify(&srs, &keys)?;
        if i + 1 < self.count && c.qgraph.visibility.output == Visibility::Hashed {
            // What a part hands on through a hashed link stays private: its digest is in the
            // proof, its values not in the file. A public or packed link reveals them.
            proved.file.withhold_outputs()?;
        }
        proved.file.write(&self.dir.join(&proof))?;
        let cached_vk = steps::key_cache(&c).join("vk");
        let written = self.dir.join(&vk);
        std::fs::copy(&cached_vk, &written).map_err(|e| io(&cached_vk, e))?;
        // The cache is shared (other jobs, other processes): the key beside the proof must be
        // the one it was made with.
        let copied = zkinfer_prover::keys::read_vk(&written, None)?;
        if copied.identity != keys.identity {
            return Err(ProverError::Mismatch {
                what: format!("{name} verifying key"),
                detail: format!(
                    "the key cache's {} is model {}, the proof was made with model {}: another \
                     process rewrote the cache; prove again",
                    cached_vk.display(),
                    hex(&copied.identity),
                    hex(&keys.identity)
                ),
            }
            .into());
        }
        progress(format!("{name}: keys {setup_seconds:.1} s, proof {prove_seconds:.1} s"));
        Ok(PartOutcome {
            part: entry(&hex(&keys.identity)),
            setup_seconds,
            prove_seconds,
            reused: false,
            circuit: CircuitSize::of(&c.plan),
            peak_memory_bytes: None,
        })
    }

    /// The model identity of an earlier proof of this part in the directory, when it can be
    /// kept: same circuit, the instances this witness makes (so the same values and digests),
    /// a part's hand-on values withheld when it hands on through a hashed link, a proof that verifies with the
    /// key beside it, and that key the one this machine's key cache holds for the circuit. A
    /// key the cache does not hold is not trusted (another circuit of the same layout or
    /// another SRS could claim this circuit's hash), so such a part is proven again.
    fn reusable(
        &self,
        i: usize,
        c: &Compiled,
        witness: &[Vec<i64>],
        proof: &str,
        vk: &str,
    ) -> Option<String> {
        let cached = steps::key_cache(c).join("vk");
        let ours = zkinfer_prover::keys::read_vk(&cached, None).ok()?;
        let file = ProofFile::read(&self.dir.join(proof)).ok()?;
        let withheld = i + 1 < self.count && c.qgraph.visibility.output == Visibility::Hashed;
        if file.circuit_hash != hex(&c.hash) || file.outputs_withheld != withheld {
            return None;
        }
        let expected = lay_out_planned(&c.qgraph, Some(witness), &c.plan).ok()?;
        let expected: Vec<String> =
            expected.public_values().iter().map(instance::to_decimal).collect();
        if file.instances != expected {
            return None;
        }
        let pins =
            Pins { identity: Some(hex(&ours.identity)), srs: self.srs.map(Path::to_path_buf) };
        let verified = steps::verify_file(&file, &self.dir.join(vk), &pins).ok()?;
        Some(verified.identity)
    }
}

#[cfg(test)]
mod tests {
    use super::{in_parallel, Cut};
    use zkinfer_prover::ProverError;

    #[test]
    fn parallel_parts_come_back_in_order_and_the_first_failure_wins() {
        for jobs in [1, 2, 5] {
            let squares = in_parallel(7, jobs, |i| Ok(i * i)).ok();
            assert_eq!(squares, Some(vec![0, 1, 4, 9, 16, 25, 36]), "jobs {jobs}");
            let failed = in_parallel(7, jobs, |i| {
                if i >= 3 {
                    Err(ProverError::Halo2(format!("part {i}")).into())
                } else {
                    Ok(i)
                }
            });
            let err = failed.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("part 3"), "jobs {jobs}: {err}");
        }
    }

    #[test]
    fn a_cut_is_chosen_from_one_request_and_bad_ones_are_named() {
        let names = vec!["conv2".to_string()];
        assert!(matches!(Cut::choose(None, &[], None, 1), Ok(None)));
        assert!(matches!(Cut::choose(Some(3), &[], None, 1), Ok(Some(Cut::Balanced(3)))));
        assert!(
            matches!(Cut::choose(None, &names, None, 1), Ok(Some(Cut::Before(n))) if n == names)
        );
        // The budget is the run's: two jobs give each part half of it.
        assert!(
            matches!(Cut::choose(None, &[], Some(2.0), 2), Ok(Some(Cut::Within(b))) if b == 1 << 30)
        );
        for (parts, before, gib) in [
            (Some(0), &[][..], None),
            (Some(2), &names[..], None),
            (None, &names[..], Some(1.0)),
            (None, &[][..], Some(-1.0)),
            (None, &[][..], Some(f64::NAN)),
        ] {
            let e = Cut::choose(parts, before, gib, 1).err().map(|e| e.to_string());
            assert!(e.is_some_and(|e| e.contains("give")), "{parts:?} {before:?} {gib:?}");
        }
    }
}
