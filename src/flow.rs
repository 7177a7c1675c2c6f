//! The one proving flow: from a loaded model and its inputs to a written, self-verified proof.
//! `zkinfer prove`, `zkinfer receipt create` and the Python module's `prove` all call
//! [`prove`] with a [`ProveRequest`] and report its [`ProveOutcome`] their own way (the CLI's
//! `--json` prints it as is; Python's `ProofResult` is read from it), so a new field or step is
//! added once. Progress arrives as [`Progress`] events, which each front end renders.

use crate::steps::{self, Keys};
use crate::{Compiled, Device, Model, OutputReport, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use zkinfer_model_import::Tensor;
use zkinfer_prover::profile::{ProvePhases, SetupPhases};
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::srs::SrsOrigin;
use zkinfer_quantize::{Settings, Target, Visibilities};

/// What to prove with, beyond the model and its inputs.
#[derive(Clone, Debug)]
pub struct ProveRequest {
    /// Settings from `zkinfer calibrate`; `None` calibrates on the input for `target`.
    pub settings: Option<PathBuf>,
    /// The calibration target when no settings are given.
    pub target: Target,
    /// A proving key from `zkinfer setup`; `None` uses keys cached per circuit (generated on
    /// first use, with the SRS in use).
    pub pk: Option<PathBuf>,
    /// An SRS file; `None` uses the cached INSECURE development SRS.
    pub srs: Option<PathBuf>,
    /// Where proof.json is written.
    pub output: PathBuf,
    /// Where the commitments' MSMs run.
    pub device: Device,
}

impl Default for ProveRequest {
    fn default() -> Self {
        Self {
            settings: None,
            target: Target::default(),
            pk: None,
            srs: None,
            output: PathBuf::from("proof.json"),
            device: Device::Cpu,
        }
    }
}

/// What a proof run did: the fields `zkinfer prove --json` prints and Python's `ProofResult`
/// holds.
#[derive(Clone, Debug, Serialize)]
pub struct ProveOutcome {
    /// Where proof.json was written.
    pub proof: PathBuf,
    /// The verifying key beside the cached proving key (`None` when a proving key was given).
    pub vk: Option<PathBuf>,
    /// The circuit hash (hex).
    pub circuit_hash: String,
    /// The model identity the proof names (hex).
    pub model_identity: String,
    /// The circuit has 2^k rows.
    pub k: u32,
    /// Gate lanes.
    pub lanes: usize,
    /// Second-phase (Freivalds) lanes.
    pub late_lanes: usize,
    /// Lookup lanes.
    pub lookup_lanes: usize,
    /// Poseidon lanes.
    pub hash_lanes: usize,
    /// The public instances (hex field elements), in the verifier's order.
    pub instances: Vec<String>,
    /// Whether the proving key was loaded rather than generated.
    pub keys_cached: bool,
    /// Whether the SRS is the insecure development one.
    pub insecure_srs: bool,
    /// Seconds spent loading or generating the proving key.
    pub setup_seconds: f64,
    /// Seconds spent proving.
    pub prove_seconds: f64,
    /// Seconds spent on the self-verification.
    pub verify_seconds: f64,
    /// Bytes of the proof.
    pub proof_bytes: usize,
    /// Peak resident memory of the process (Linux), when known.
    pub peak_memory_bytes: Option<u64>,
    /// The MSM the commitments ran on.
    pub msm: String,
    /// Why `--device auto` stayed on the CPU, when it did.
    pub msm_fallback: Option<String>,
    /// What the proof makes public.
    pub visibility: Visibilities,
    /// The proven outputs with their error against float inference.
    pub outputs: Vec<OutputReport>,
    /// Which float inference the errors are measured against (`tract f32`, or `zkinfer f64`
    /// for a model tract cannot run).
    pub float_reference: String,
    /// Where key generation's time went (when the keys were generated).
    pub setup_phases: Option<SetupPhases>,
    /// Where the proof's time went.
    pub prove_phases: ProvePhases,
}

/// A proof run's result: its outcome, the proof file written and the settings used.
pub struct Proven {
    /// What the run did.
    pub outcome: ProveOutcome,
    /// The proof.json contents, as written.
    pub file: ProofFile,
    /// The settings the model was quantized with (read, or calibrated on the input).
    pub settings: Settings,
}

/// A step of [`prove`] starting, for the front end to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// No settings were given: calibrating on the input.
    Calibrating(Target),
    /// A larger SRS's Lagrange basis at size k is being computed (once per SRS and size).
    Lagrange(u32),
    /// The SRS is the INSECURE development one.
    InsecureSrs,
    /// Opening a GPU and building its MSM pipelines.
    OpeningDevice,
    /// Where the MSMs run, and why `auto` stayed on the CPU when it did.
    Device {
        /// The MSM's name.
        msm: String,
        /// The reason for staying on the CPU.
        fallback: Option<String>,
    },
    /// Loading or generating the proving key for a circuit of 2^k rows.
    Keys(u32),
    /// Proving a circuit of 2^k rows with this many gate lanes.
    Proving(u32, usize),
    /// Verifying the fresh proof before writing it.
    Verifying,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Calibrating(t) => {
                write!(f, "note: no settings given; calibrating on this input (target {t:?})")
            }
            Self::Lagrange(k) => write!(
                f,
                "computing the SRS's Lagrange basis for k = {k} (once per SRS and size; cached)"
            ),
            Self::InsecureSrs => write!(
                f,
                "warning: using an INSECURE development SRS; use a ceremony SRS (`zkinfer srs \
                 import`) for production"
            ),
            Self::OpeningDevice => write!(f, "opening the GPU and building its MSM pipelines"),
            Self::Device { fallback: Some(reason), .. } => {
                write!(f, "note: MSMs run on the CPU ({reason})")
            }
            Self::Device { msm, fallback: None } => write!(f, "note: MSMs run on {msm}"),
            Self::Keys(k) => {
                write!(f, "loading or setting up keys (k = {k}, one time per circuit)")
            }
            Self::Proving(k, lanes) => write!(f, "proving (k = {k}, {lanes} gate lanes)"),
            Self::Verifying => write!(f, "verifying the proof"),
        }
    }
}

/// Proves `inputs` on `model` as `request` says: settings (read or calibrated), the exact
/// witness (before any key work, so an out-of-range input fails fast), the SRS, the MSM, the
/// proving key, the proof, its self-verification, proof.json and the accuracy report.
///
/// # Errors
/// Any step's error: unreadable files, out-of-range inputs, a key for another circuit, a
/// GPU that cannot be opened, or a proof that does not verify.
pub fn prove(
    model: &Model,
    inputs: &[Tensor],
    request: &ProveRequest,
    progress: &dyn Fn(Progress),
) -> Result<Proven> {
    if request.settings.is_none() {
        progress(Progress::Calibrating(request.target));
    }
    let settings =
        steps::settings_or_calibrate(model, request.settings.as_deref(), inputs, request.target)?;
    let c = Compiled::new(model, &settings)?;
    let witness = steps::witness(&c, inputs)?;
    let (srs, label) = steps::srs_for_with(request.srs.as_deref(), c.plan.k, &|k| {
        progress(Progress::Lagrange(k))
    })?;
    let insecure_srs = SrsOrigin::of_label(&label).is_insecure();
    if insecure_srs {
        progress(Progress::InsecureSrs);
    }
    if request.device != Device::Cpu {
        progress(Progress::OpeningDevice);
    }
    let device = steps::open_device(request.device)?;
    if request.device != Device::Cpu {
        progress(Progress::Device {
            msm: device.msm.name().to_string(),
            fallback: device.fallback.clone(),
        });
    }
    progress(Progress::Keys(c.plan.k));
    let t = Instant::now();
    let (keys, keys_cached): (Keys, bool) =
        steps::proving_key(&device.msm, &c, &srs, &label, request.pk.as_deref())?;
    let setup_seconds = t.elapsed().as_secs_f64();
    progress(Progress::Proving(c.plan.k, c.plan.lanes));
    let t = Instant::now();
    let proved = steps::prove_file(&device.msm, &c, &srs, &keys, witness)?;
    let prove_seconds = t.elapsed().as_secs_f64();
    progress(Progress::Verifying);
    let t = Instant::now();
    proved.self_verify(&srs, &keys)?;
    let verify_seconds = t.elapsed().as_secs_f64();
    proved.file.write(&request.output)?;
    let outputs: Vec<Vec<i64>> =
        c.qgraph.outputs.iter().map(|&o| proved.witness[o].clone()).collect();
    let accuracy = crate::report(model, &c.qgraph, &outputs, inputs, None)?;
    let outcome = ProveOutcome {
        proof: request.output.clone(),
        vk: request.pk.is_none().then(|| steps::key_cache(&c).join("vk")),
        circuit_hash: proved.file.circuit_hash.clone(),
        model_identity: proved.file.model_identity.clone(),
        k: c.plan.k,
        lanes: c.plan.lanes,
        late_lanes: c.plan.late_lanes,
        lookup_lanes: c.plan.all_lookup_lanes(),
        hash_lanes: c.plan.hash_lanes,
        instances: proved.file.instances.clone(),
        keys_cached,
        insecure_srs,
        setup_seconds,
        prove_seconds,
        verify_seconds,
        proof_bytes: proved.proof.bytes.len(),
        peak_memory_bytes: peak_memory_bytes(),
        msm: device.msm.name().to_string(),
        msm_fallback: device.fallback,
        visibility: c.qgraph.visibility,
        outputs: accuracy.outputs,
        float_reference: accuracy.float_reference,
        setup_phases: keys.phases,
        prove_phases: proved.phases,
    };
    Ok(Proven { outcome, file: proved.file, settings })
}

/// Starts a new peak: Linux's `VmHWM` is reset to what the process holds now, so the next
/// [`peak_memory_bytes`] is the peak of what ran since (one part of a bundle, say). False
/// where the kernel does not allow it (not Linux), and then peaks stay whole-process.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process (Linux `VmHWM`), for benchmark reports.
#[must_use]
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
