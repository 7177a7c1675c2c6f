//! The native half of the `zkinfer` Python package.
//!
//! Each function mirrors a CLI command over `zkinfer::steps` and `zkinfer::onchain`, takes
//! plain values (paths, flat float lists) and returns JSON text that the Python half
//! (`zkinfer/__init__.py`) turns into dataclasses and numpy arrays. Long steps release the GIL.
//! Every failure is a `zkinfer.ZkinferError` carrying the CLI's message; nothing panics across
//! the boundary (a panic would surface as pyo3's `PanicException`, which the tests forbid).

// pyo3 extracts arguments into owned values; borrowing them is not an option here.
#![allow(clippy::needless_pass_by_value)]

mod receipts;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use zkinfer::flow::{self, Progress, ProveOutcome, ProveRequest};
use zkinfer::internals::model_import::Tensor;
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::prover::srs::{write_srs, SrsOrigin};
use zkinfer::internals::prover::ProverError;
use zkinfer::internals::quantize::{
    LinearCheck, Settings, Target, Visibilities, Visibility, WeightVisibility,
};
use zkinfer::{onchain, steps, Compiled, Device, Model};

create_exception!(
    _zkinfer,
    ZkinferError,
    PyException,
    "A zkinfer failure, with the same message as the CLI."
);

/// A Python exception with the error's message and, for a zkinfer error, what to change
/// (rendered as keyword arguments, see [`zkinfer::Hint`]).
fn err<E: std::fmt::Display + 'static>(e: E) -> PyErr {
    let hints = (&e as &dyn std::any::Any)
        .downcast_ref::<zkinfer::Error>()
        .map_or(&[][..], zkinfer::Error::hints);
    let mut msg = e.to_string();
    for h in hints {
        msg.push_str("\nhint: ");
        msg.push_str(h.python());
    }
    ZkinferError::new_err(msg)
}

type Res<T> = Result<T, zkinfer::Error>;

fn target(name: &str) -> PyResult<Target> {
    name.parse::<Target>().map_err(err)
}

fn load(model: &str, batch: usize) -> Res<Model> {
    Model::load(Path::new(model), batch)
}

fn tensors(model: &Model, inputs: &[Vec<f64>]) -> Res<Vec<Tensor>> {
    Ok(model.graph.make_inputs(inputs)?)
}

fn settings_for(
    model: &Model,
    settings: Option<&str>,
    inputs: &[Tensor],
    target: Target,
) -> Res<Settings> {
    steps::settings_or_calibrate(model, settings.map(Path::new), inputs, target)
}

fn device(name: &str) -> PyResult<Device> {
    name.parse::<Device>().map_err(err)
}

fn to_json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(err)
}

/// zkinfer's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Inputs, outputs, nodes and circuit plan of a model (calibrated on `inputs`, or on a
/// deterministic synthetic input).
#[pyfunction]
#[pyo3(signature = (model, inputs=None, settings=None, batch=1))]
fn inspect(
    py: Python<'_>,
    model: &str,
    inputs: Option<Vec<Vec<f64>>>,
    settings: Option<&str>,
    batch: usize,
) -> PyResult<String> {
    let v: Res<Value> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = match inputs {
            Some(i) => tensors(&m, &i)?,
            None => m.synthetic_input(),
        };
        let s = settings_for(&m, settings, &inputs, Target::default())?;
        let c = Compiled::new(&m, &s)?;
        let g = &m.graph;
        let io = |ids: &[usize]| -> Vec<Value> {
            ids.iter()
                .map(|&t| json!({"name": g.tensors[t].name, "shape": g.tensors[t].shape}))
                .collect()
        };
        Ok(json!({
            "inputs": io(&g.inputs),
            "outputs": io(&g.outputs),
            "nodes": g.nodes.iter().map(|n| json!({"name": n.name, "op": n.onnx_op})).collect::<Vec<_>>(),
            "plan": c.plan,
            "circuit_hash": c.hash_hex(),
        }))
    });
    to_json(&v.map_err(err)?)
}

/// Calibrates on samples (each a list of flat inputs) and returns the settings JSON, also
/// written to `output` when given.
#[pyfunction]
#[pyo3(signature = (model, samples, target="balanced", output=None, batch=1, max_lanes=None, input_visibility="private", output_visibility="public", linear_check="auto", weights_visibility="fixed", activation_bits=None, weight_bits=None, table_bits=None, headroom=None, link_visibility="hashed", input_bits=None, output_bits=None))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    model: &str,
    samples: Vec<Vec<Vec<f64>>>,
    target: &str,
    output: Option<PathBuf>,
    batch: usize,
    max_lanes: Option<usize>,
    input_visibility: &str,
    output_visibility: &str,
    linear_check: &str,
    weights_visibility: &str,
    activation_bits: Option<u32>,
    weight_bits: Option<u32>,
    table_bits: Option<u32>,
    headroom: Option<f64>,
    link_visibility: &str,
    input_bits: Option<u32>,
    output_bits: Option<u32>,
) -> PyResult<String> {
    let t = self::target(target)?;
    let linear_check = linear_check.parse::<LinearCheck>().map_err(err)?;
    let visibility = |s: &str| s.parse::<Visibility>().map_err(err);
    let visibility = Visibilities {
        input: visibility(input_visibility)?,
        output: visibility(output_visibility)?,
        weights: weights_visibility.parse::<WeightVisibility>().map_err(err)?,
        link: visibility(link_visibility)?,
    };
    let s: Res<Settings> = py.detach(|| {
        let m = load(model, batch)?;
        let samples = samples.iter().map(|s| tensors(&m, s)).collect::<Res<Vec<_>>>()?;
        let mut s = m.calibrate(&samples, t, |_| {})?;
        let q = &mut s.params;
        q.activation_bits = activation_bits.unwrap_or(q.activation_bits);
        q.input_bits = input_bits.or(q.input_bits);
        q.output_bits = output_bits.or(q.output_bits);
        q.weight_bits = weight_bits.unwrap_or(q.weight_bits);
        q.table_bits = table_bits.unwrap_or(q.table_bits);
        q.headroom = headroom.unwrap_or(q.headroom);
        s.max_lanes = max_lanes;
        s.linear_check = linear_check;
        s.visibility = visibility;
        s.validate()?;
        // Quantize once so problems surface at calibration, as the CLI does.
        m.quantize(&s)?;
        if let Some(p) = &output {
            std::fs::write(p, s.to_json()?)
                .map_err(|source| zkinfer::Error::Io { path: p.display().to_string(), source })?;
        }
        Ok(s)
    });
    to_json(&s.map_err(err)?)
}

/// Exact quantized inference with its error against float inference.
#[pyfunction]
#[pyo3(signature = (model, inputs, settings=None, batch=1, target="balanced"))]
fn run(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    settings: Option<&str>,
    batch: usize,
    target: &str,
) -> PyResult<String> {
    let t = self::target(target)?;
    let r: Res<zkinfer::RunReport> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        let s = settings_for(&m, settings, &inputs, t)?;
        let q = m.quantize(&s)?;
        zkinfer::run(&m, &q, &inputs, None)
    });
    to_json(&r.map_err(err)?)
}

/// The Poseidon digests of an input, its outputs and the model's weights under settings (what a
/// proof with hashed groups publishes), as canonical decimal strings.
#[pyfunction]
#[pyo3(signature = (model, inputs, settings, batch=1))]
fn digests(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    settings: &str,
    batch: usize,
) -> PyResult<String> {
    let v: Res<Value> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        let c = Compiled::new(&m, &Settings::read(Path::new(settings))?)?;
        let [input, output, weights] = steps::digests(&c.qgraph, &steps::witness(&c, &inputs)?)
            .map(|d| zkinfer::internals::prover::instance::to_decimal(&d));
        Ok(json!({"input": input, "output": output, "weights": weights}))
    });
    to_json(&v.map_err(err)?)
}

/// Writes an INSECURE seeded development SRS of size 2^k.
#[pyfunction]
#[pyo3(signature = (k, output, seed=zkinfer::DEV_SEED))]
fn gen_srs(py: Python<'_>, k: u32, output: PathBuf, seed: u64) -> PyResult<()> {
    let max = zkinfer::internals::circuits::plan::MAX_K;
    if !(1..=max).contains(&k) {
        return Err(err(format!("k = {k} is out of range; use 1..={max}")));
    }
    py.detach(|| {
        let srs = zkinfer::internals::prover::dev_srs(k, seed);
        write_srs(&srs, &SrsOrigin::development(seed).label(), &output)
    })
    .map_err(err)
}

/// Generates `output_dir/pk` and `output_dir/vk`; returns their paths and the circuit.
#[pyfunction]
#[pyo3(signature = (model, settings, output_dir=PathBuf::from("."), srs=None, batch=1, device="cpu"))]
fn setup(
    py: Python<'_>,
    model: &str,
    settings: &str,
    output_dir: PathBuf,
    srs: Option<PathBuf>,
    batch: usize,
    device: &str,
) -> PyResult<String> {
    let d = self::device(device)?;
    let v: Res<Value> = py.detach(|| {
        let m = load(model, batch)?;
        let c = Compiled::new(&m, &Settings::read(Path::new(settings))?)?;
        let (srs, label) = steps::srs_for(srs.as_deref(), c.plan.k)?;
        let msm = steps::open_device(d)?;
        let keys = steps::setup(&msm.msm, &c, &srs, &label, &output_dir)?;
        Ok(json!({
            "pk": output_dir.join("pk"), "vk": output_dir.join("vk"),
            "circuit_hash": c.hash_hex(), "model_identity": zkinfer::internals::prover::artifact::hex(&keys.identity), "k": c.plan.k, "insecure_srs": SrsOrigin::of_label(&label).is_insecure(),
            "msm": msm.msm.name(), "msm_fallback": msm.fallback,
        }))
    });
    to_json(&v.map_err(err)?)
}

/// Proves an inference and writes proof.json. Without `pk`, keys are generated once per circuit
/// and cached (as the CLI does); without `settings`, it calibrates on the input.
#[pyfunction]
#[pyo3(signature = (model, inputs, output=PathBuf::from("proof.json"), settings=None, pk=None, srs=None, batch=1, progress=false, target="balanced", device="cpu"))]
#[allow(clippy::too_many_arguments)]
fn prove(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    output: PathBuf,
    settings: Option<&str>,
    pk: Option<PathBuf>,
    srs: Option<PathBuf>,
    batch: usize,
    progress: bool,
    target: &str,
    device: &str,
) -> PyResult<String> {
    let request = ProveRequest {
        settings: settings.map(PathBuf::from),
        target: self::target(target)?,
        pk,
        srs,
        output,
        device: self::device(device)?,
    };
    let v: Res<ProveOutcome> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        let report = |p: Progress| match p {
            _ if !progress => {}
            Progress::InsecureSrs => eprintln!(
                "warning: using an INSECURE development SRS; pass srs= a ceremony SRS for \
                 production"
            ),
            p => eprintln!("{p}"),
        };
        Ok(flow::prove(&m, &inputs, &request, &report)?.outcome)
    });
    to_json(&v.map_err(err)?)
}

/// Where to cut: `parts` balanced parts, before each ONNX node of `cut`, or the fewest parts
/// that each fit `max_memory_gib`.
fn cut_of(
    parts: Option<usize>,
    cut: Option<Vec<String>>,
    max_memory_gib: Option<f64>,
    jobs: usize,
) -> PyResult<zkinfer::bundle::Cut> {
    let give = "give one of parts=N (balanced cuts), cut=[ONNX node names] or max_memory_gib=G \
                (a positive size)";
    match zkinfer::bundle::Cut::choose(parts, &cut.unwrap_or_default(), max_memory_gib, jobs) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(ZkinferError::new_err(give)),
        Err(e) => Err(ZkinferError::new_err(format!("{e}; {give}"))),
    }
}

/// Proves an inference in parts linked by digests and writes the bundle into `output` (see
/// `zkinfer prove --parts`); returns the outcome as JSON.
#[pyfunction]
#[pyo3(signature = (model, inputs, parts=None, output=PathBuf::from("bundle"), settings=None, srs=None, batch=1, progress=false, target="balanced", device="cpu", cut=None, jobs=1, resume=false, max_memory_gib=None))]
#[allow(clippy::too_many_arguments)]
fn prove_parts(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    parts: Option<usize>,
    output: PathBuf,
    settings: Option<&str>,
    srs: Option<PathBuf>,
    batch: usize,
    progress: bool,
    target: &str,
    device: &str,
    cut: Option<Vec<String>>,
    jobs: usize,
    resume: bool,
    max_memory_gib: Option<f64>,
) -> PyResult<String> {
    let request = zkinfer::bundle::PartsRequest {
        settings: match settings {
            Some(p) => zkinfer::bundle::PartsSettings::File(PathBuf::from(p)),
            None => zkinfer::bundle::PartsSettings::Calibrate(self::target(target)?),
        },
        srs,
        // The budget is the run's: `jobs` parts are in memory at once.
        cut: cut_of(parts, cut, max_memory_gib, jobs)?,
        dir: output,
        device: self::device(device)?,
        jobs: jobs.max(1),
        resume,
    };
    let v: Res<zkinfer::bundle::PartsOutcome> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        zkinfer::bundle::prove_parts(&m, &inputs, &request, &|line| {
            if progress {
                eprintln!("{line}");
            }
        })
    });
    to_json(&v.map_err(err)?)
}

/// Plans a run in parts without proving (what a distributed driver does first): calibrates
/// unless `settings` is given, evaluates the model and cuts it. Returns the settings (JSON
/// text), the cuts, each part's nodes and circuit size, and the outputs' accuracy.
#[pyfunction]
#[pyo3(signature = (model, inputs, parts=None, cut=None, settings=None, batch=1, target="balanced", max_memory_gib=None))]
#[allow(clippy::too_many_arguments)]
fn plan_parts(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    parts: Option<usize>,
    cut: Option<Vec<String>>,
    settings: Option<&str>,
    batch: usize,
    target: &str,
    max_memory_gib: Option<f64>,
) -> PyResult<String> {
    let cut = cut_of(parts, cut, max_memory_gib, 1)?;
    let target = self::target(target)?;
    let v: Res<serde_json::Value> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        let run = zkinfer::bundle::plan_run(&m, &inputs, settings.map(Path::new), target, &cut)?;
        let parts: Vec<serde_json::Value> = run
            .parts
            .iter()
            .map(|p| {
                json!({
                    "first_node": p.first_node, "last_node": p.last_node,
                    "primitives": p.part.nodes.len(), "k": p.plan.k, "handed_on": p.handed_on,
                    "estimated_peak_bytes": zkinfer::bundle::estimated_peak_bytes(&p.plan),
                })
            })
            .collect();
        Ok(json!({
            "settings": run.settings.to_json()?, "cuts": run.cuts, "parts": parts,
            "outputs": run.outputs,
        }))
    });
    to_json(&v.map_err(err)?)
}

/// Proves one part of a planned run (a distributed worker's task) into `output`: its proof
/// `part-{index}.proof.json` and verifying key `part-{index}.vk`. Returns the part's outcome.
#[pyfunction]
#[pyo3(signature = (model, inputs, settings, cuts, index, output, srs=None, batch=1, progress=false, device="cpu", resume=false))]
#[allow(clippy::too_many_arguments)]
fn prove_part(
    py: Python<'_>,
    model: &str,
    inputs: Vec<Vec<f64>>,
    settings: &str,
    cuts: Vec<usize>,
    index: usize,
    output: PathBuf,
    srs: Option<PathBuf>,
    batch: usize,
    progress: bool,
    device: &str,
    resume: bool,
) -> PyResult<String> {
    let settings = zkinfer::internals::quantize::Settings::from_json(settings)
        .map_err(|e| ZkinferError::new_err(format!("settings: {e}")))?;
    let task = zkinfer::bundle::PartTask {
        settings,
        cuts,
        index,
        dir: output,
        srs,
        device: self::device(device)?,
        resume,
    };
    let v: Res<zkinfer::bundle::PartOutcome> = py.detach(|| {
        let m = load(model, batch)?;
        let inputs = tensors(&m, &inputs)?;
        zkinfer::bundle::prove_part(&m, &inputs, &task, &|line| {
            if progress {
                eprintln!("{line}");
            }
        })
    });
    to_json(&v.map_err(err)?)
}

/// The files a model's external data lives in, relative to its directory: what must travel
/// with the model file for another machine to load the same model (and the same hash).
#[pyfunction]
fn model_files(model: PathBuf) -> PyResult<Vec<String>> {
    zkinfer::internals::model_import::external::external_files(&model).map_err(err)
}

/// Writes `bundle.json` into `output` for these parts (each a part's entry as `prove_part`
/// returns it), in order; returns its path and the bundle identity.
#[pyfunction]
fn write_bundle(py: Python<'_>, output: PathBuf, parts: &str) -> PyResult<String> {
    let parts: Vec<zkinfer::bundle::BundlePart> =
        serde_json::from_str(parts).map_err(|e| ZkinferError::new_err(format!("parts: {e}")))?;
    let (path, identity) =
        py.detach(|| zkinfer::bundle::write_bundle(&output, &parts)).map_err(err)?;
    to_json(&json!({"bundle": path, "identity": identity}))
}

/// Verifies a bundle from `prove_parts` (every part's proof, and each link), optionally
/// pinning the bundle identity and the SRS; with `model` and `settings`, also checks every
/// part's hashed weights against that model's (and with `inputs`, the first part's hashed
/// input against them). Returns the bundle identity, the parts' model identities, their
/// weights digests, what was checked and the last part's listed outputs as JSON; an error
/// names the failing part or link.
#[pyfunction]
#[pyo3(signature = (bundle, identity=None, srs=None, model=None, settings=None, inputs=None, batch=1))]
#[allow(clippy::too_many_arguments)]
fn verify_bundle(
    py: Python<'_>,
    bundle: PathBuf,
    identity: Option<String>,
    srs: Option<PathBuf>,
    model: Option<&str>,
    settings: Option<&str>,
    inputs: Option<Vec<Vec<f64>>>,
    batch: usize,
) -> PyResult<String> {
    let pins = steps::Pins { identity, srs };
    let v = py.detach(|| zkinfer::bundle::verify_bundle(&bundle, &pins)).map_err(err)?;
    let checked = match (model, settings) {
        (Some(model), Some(settings)) => {
            let checked: Res<zkinfer::bundle::BundleDataChecked> = py.detach(|| {
                let m = load(model, batch)?;
                let settings = Settings::read(Path::new(settings))?;
                let data = inputs.as_ref().map(|i| tensors(&m, i)).transpose()?;
                zkinfer::bundle::check_bundle_data(&v, &m, &settings, data.as_deref())
            });
            Some(checked.map_err(err)?)
        }
        (None, None) => None,
        _ => return Err(ZkinferError::new_err("verify_bundle: give model and settings together")),
    };
    to_json(&json!({
        "identity": v.identity, "identity_pinned": v.identity_pinned, "parts": v.parts,
        "weights_digests": v.weights_digests, "input_digest": v.input_digest,
        "weights_checked": checked.map_or(0, |c| c.weights_parts),
        "input_checked": checked.is_some_and(|c| c.input),
        "outputs": v.last.outputs,
    }))
}

/// Verifies proof.json with a standalone verifying key, optionally pinning the model identity
/// and the SRS (see `zkinfer verify`). False when the proof is invalid; an error when the files
/// are unreadable, altered, or belong to another circuit, model or SRS.
#[pyfunction]
#[pyo3(signature = (proof, vk, identity=None, srs=None))]
fn verify(
    py: Python<'_>,
    proof: PathBuf,
    vk: PathBuf,
    identity: Option<String>,
    srs: Option<PathBuf>,
) -> PyResult<bool> {
    let pins = steps::Pins { identity, srs };
    let r: Res<steps::Verified> =
        py.detach(|| steps::verify_file(&ProofFile::read(&proof)?, &vk, &pins));
    match r {
        Ok(_) => Ok(true),
        Err(zkinfer::Error::Prover(ProverError::Rejected(_))) => Ok(false),
        Err(e) => Err(err(e)),
    }
}

/// Writes a Solidity verifier (with ABI and bytecode) for a verifying key.
#[pyfunction]
#[pyo3(signature = (vk, output=PathBuf::from("Verifier.sol"), settings=None, allow_oversize=false, split=false, reusable=false, identity=None))]
#[allow(clippy::too_many_arguments)]
fn create_evm_verifier(
    py: Python<'_>,
    vk: PathBuf,
    output: PathBuf,
    settings: Option<PathBuf>,
    allow_oversize: bool,
    split: bool,
    reusable: bool,
    identity: Option<String>,
) -> PyResult<String> {
    let form = onchain::VerifierForm::from_flags(split, reusable);
    let f = py
        .detach(|| {
            onchain::create_evm_verifier(
                &vk,
                settings.as_deref(),
                &output,
                allow_oversize,
                form,
                identity.as_deref(),
            )
        })
        .map_err(err)?;
    let (key, key_bytecode, key_bytes) = match f.key {
        Some((sol, bin, size)) => (Some(sol), bin, Some(size)),
        None => (None, None, None),
    };
    let (parts, part_bytes): (Vec<_>, Vec<_>) = f.parts.iter().cloned().unzip();
    to_json(&json!({
        "solidity": f.solidity, "abi": f.abi, "bytecode": f.bytecode,
        "deployed_bytes": f.deployed_bytes, "instances": f.instances, "not_compiled": f.not_compiled,
        "parts": parts, "part_bytes": part_bytes,
        "key": key, "key_bytecode": key_bytecode, "key_bytes": key_bytes, "layout": f.layout,
    }))
}

/// Deploys a verifier (`.bin`, `.sol` or a verifying key) on an in-process EVM and verifies
/// proof.json with it.
#[pyfunction]
#[pyo3(signature = (proof, verifier, allow_oversize=false, split=false, reusable=false))]
fn verify_evm(
    py: Python<'_>,
    proof: PathBuf,
    verifier: PathBuf,
    allow_oversize: bool,
    split: bool,
    reusable: bool,
) -> PyResult<String> {
    let form = onchain::VerifierForm::from_flags(split, reusable);
    let r = py
        .detach(|| onchain::verify_evm(&ProofFile::read(&proof)?, &verifier, allow_oversize, form))
        .map_err(err)?;
    to_json(&json!({
        "accepted": r.accepted, "gas_used": r.gas_used,
        "deployed_bytes": r.deployed_bytes, "deploy_gas": r.deploy_gas, "part_bytes": r.part_bytes,
        "key_bytes": r.key_bytes,
    }))
}

/// Deploys each part's verifier and the bundle contract on an in-process EVM; calls each part
/// alone and the bundle contract with every proof. Returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (bundle, allow_oversize=false, split=false))]
fn verify_bundle_evm(
    py: Python<'_>,
    bundle: PathBuf,
    allow_oversize: bool,
    split: bool,
) -> PyResult<String> {
    let form = onchain::VerifierForm::from_flags(split, false);
    let r = py
        .detach(|| zkinfer::bundle::verify_bundle_evm(&bundle, allow_oversize, form))
        .map_err(err)?;
    to_json(&r)
}

/// The calldata the Solidity verifier takes for proof.json.
#[pyfunction]
fn encode_calldata<'py>(py: Python<'py>, proof: PathBuf) -> PyResult<Bound<'py, PyBytes>> {
    let file = ProofFile::read(&proof).map_err(err)?;
    let data = zkinfer::internals::verifier::calldata::encode_proof_file(&file).map_err(err)?;
    Ok(PyBytes::new(py, &data))
}

/// The native module.
#[pymodule]
fn _zkinfer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Refuse to load on a processor the field arithmetic cannot run on, instead of dying of
    // an illegal instruction at the first proof.
    zkinfer::internals::prover::cpu::check().map_err(|e| PyException::new_err(e.to_string()))?;
    m.add("ZkinferError", m.py().get_type::<ZkinferError>())?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(digests, m)?)?;
    m.add_function(wrap_pyfunction!(gen_srs, m)?)?;
    m.add_function(wrap_pyfunction!(setup, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(prove_parts, m)?)?;
    m.add_function(wrap_pyfunction!(plan_parts, m)?)?;
    m.add_function(wrap_pyfunction!(prove_part, m)?)?;
    m.add_function(wrap_pyfunction!(write_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(model_files, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle_evm, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(create_evm_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(verify_evm, m)?)?;
    m.add_function(wrap_pyfunction!(encode_calldata, m)?)?;
    receipts::register(m)?;
    Ok(())
}
