//! The steps the CLI and the Python module share: settings, SRS, keys, proofs and their files.
//! Nothing here prints; callers report progress their own way.

use crate::proving::with_lagrange_cached;
use crate::Device;
use crate::{cache_dir, dev_srs_cached, Compiled, Model, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::G1Affine;
use zkinfer_circuits::halo2_proofs::plonk::ProvingKey;
use zkinfer_circuits::poseidon::digest_ints;
use zkinfer_model_import::Tensor;
use zkinfer_prover::gpu::{select, GpuOptions, Msm, Selected};
use zkinfer_prover::identity::expect_identity;
use zkinfer_prover::keys::keygen_profiled;
use zkinfer_prover::keys::{read_pk, read_vk, write_pk, write_vk};
use zkinfer_prover::profile::{ProvePhases, SetupPhases};
use zkinfer_prover::proof::prove_profiled;
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::srs::{read_srs, read_srs_for, srs_trust, Srs, SrsTrust};
use zkinfer_prover::{verify, Proof};
use zkinfer_quantize::{eval, Settings, Target};

/// Settings from a file, or calibrated on the given inputs.
///
/// # Errors
/// Unreadable settings or a calibration failure.
pub fn settings_or_calibrate(
    model: &Model,
    settings: Option<&Path>,
    inputs: &[Tensor],
    target: Target,
) -> Result<Settings> {
    match settings {
        Some(p) => Ok(Settings::read(p)?),
        None => model.calibrate(&[inputs.to_vec()], target, |_| {}),
    }
}

/// The SRS for a circuit of size `k`: the given file (checked and shrunk to k) or the cached
/// INSECURE development SRS. Returns it with its provenance label.
///
/// # Errors
/// Unreadable or too small SRS files.
pub fn srs_for(path: Option<&Path>, k: u32) -> Result<(Srs, String)> {
    srs_for_with(path, k, &|_| {})
}

/// [`srs_for`], calling `computing(k)` before the one-time FFT that gives a larger SRS file's
/// points their Lagrange basis at size k (see [`crate::with_lagrange_cached`]).
///
/// # Errors
/// Unreadable or too small SRS files.
pub fn srs_for_with(path: Option<&Path>, k: u32, computing: &dyn Fn(u32)) -> Result<(Srs, String)> {
    match path {
        Some(p) => {
            let (srs, header) = read_srs_for(p, k)?;
            Ok((with_lagrange_cached(srs, &header.label, computing)?, header.label))
        }
        None => dev_srs_cached(k),
    }
}

/// Opens the MSM every commitment of a setup or proof runs on (`--device`); `auto` falls
/// back to the CPU and says why in [`Selected::fallback`]. GPU options come from the
/// environment (`ZKINFER_GPU_VALIDATION=1` turns on the Vulkan validation layer).
///
/// # Errors
/// `gpu` without a working adapter, with the reason.
pub fn open_device(device: Device) -> Result<Selected> {
    Ok(select(device, &GpuOptions::from_env())?)
}

/// Directory of cached keys for a circuit.
#[must_use]
pub fn key_cache(c: &Compiled) -> PathBuf {
    cache_dir().join("keys").join(c.hash_hex())
}

/// A proving key with the model identity of the verifying key made with it, which proofs
/// name.
pub struct Keys {
    /// The halo2 proving key.
    pub pk: ProvingKey<G1Affine>,
    /// The model identity (see [`zkinfer_prover::identity`]).
    pub identity: [u8; 32],
    /// Where key generation's time went, when the keys were generated rather than loaded.
    pub phases: Option<SetupPhases>,
}

/// Generates keys, committing on `msm`, and writes `dir/pk` and `dir/vk`.
///
/// # Errors
/// Key generation or I/O failures.
pub fn setup(
    msm: &Arc<dyn Msm>,
    c: &Compiled,
    srs: &Srs,
    srs_label: &str,
    dir: &Path,
) -> Result<Keys> {
    let (pk, phases) = keygen_profiled(msm, srs, &c.qgraph, &c.plan)?;
    let identity = write_vk(pk.get_vk(), &c.plan, srs, srs_label, c.hash, &dir.join("vk"))?;
    write_pk(&pk, &c.plan, c.hash, identity, &dir.join("pk"))?;
    Ok(Keys { pk, identity, phases: Some(phases) })
}

/// The proving key for a circuit: the given file (checked against the circuit), else the
/// cached keys made with the same SRS, else freshly generated and cached. Returns it and
/// whether it was loaded rather than generated.
///
/// # Errors
/// A key file for another circuit, key generation or cache I/O failures.
pub fn proving_key(
    msm: &Arc<dyn Msm>,
    c: &Compiled,
    srs: &Srs,
    srs_label: &str,
    pk: Option<&Path>,
) -> Result<(Keys, bool)> {
    if let Some(p) = pk {
        let f = read_pk(p, &c.hash)?;
        return Ok((Keys { pk: f.pk, identity: f.identity, phases: None }, true));
    }
    let dir = key_cache(c);
    if let Ok(bundle) = read_vk(&dir.join("vk"), Some(&c.hash)) {
        if bundle.header.label == srs_label && bundle.srs.s_g2() == srs.s_g2() {
            if let Ok(f) = read_pk(&dir.join("pk"), &c.hash) {
                if f.identity == bundle.identity {
                    return Ok((Keys { pk: f.pk, identity: f.identity, phases: None }, true));
                }
            }
        }
    }
    Ok((setup(msm, c, srs, srs_label, &dir)?, false))
}

/// A fresh proof with its file form and the witness it was made from.
pub struct Proved {
    /// Proof bytes and public instances.
    pub proof: Proof,
    /// The `proof.json` contents (not yet written).
    pub file: ProofFile,
    /// Every tensor's value, for accuracy reports.
    pub witness: Vec<Vec<i64>>,
    /// Where the proof's time went.
    pub phases: ProvePhases,
}

impl Proved {
    /// Verifies the proof with the key it was made with (a cheap self-check before writing).
    ///
    /// # Errors
    /// [`zkinfer_prover::ProverError::Rejected`] if it does not verify.
    pub fn self_verify(&self, srs: &Srs, keys: &Keys) -> Result<()> {
        Ok(verify(srs, keys.pk.get_vk(), &self.proof.instances, &self.proof.bytes)?)
    }
}

/// Evaluates the quantized model exactly: every tensor's value, the witness a proof is made
/// from. Run it before key setup so an out-of-range input fails fast.
///
/// # Errors
/// Out-of-range values, naming node, index, value and the allowed range.
pub fn witness(c: &Compiled, inputs: &[Tensor]) -> Result<Vec<Vec<i64>>> {
    Ok(eval::eval_all(&c.qgraph, inputs)?)
}

/// Proves a witness from [`witness`] with a proving key, committing on `msm`.
///
/// # Errors
/// Layout or proving failures.
pub fn prove_file(
    msm: &Arc<dyn Msm>,
    c: &Compiled,
    srs: &Srs,
    keys: &Keys,
    witness: Vec<Vec<i64>>,
) -> Result<Proved> {
    let (proof, phases) = prove_profiled(msm, srs, &keys.pk, &c.qgraph, &c.plan, &witness)?;
    let file = ProofFile::new(
        &c.qgraph,
        &proof.instances,
        &witness,
        &proof.bytes,
        &c.hash,
        &keys.identity,
        c.plan.k,
    );
    Ok(Proved { proof, file, witness, phases })
}

/// What a verifier pins, beyond the verifying key it is handed.
#[derive(Clone, Debug, Default)]
pub struct Pins {
    /// The model identity the verifier expects (hex); the key must hash to it.
    pub identity: Option<String>,
    /// An SRS file (from `zkinfer srs gen` or `srs import`) whose s·G2 the key must carry.
    pub srs: Option<PathBuf>,
}

/// A verified proof: what was checked, for the front ends to report.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The model identity of the key (hex), which the proof names.
    pub identity: String,
    /// Whether the identity was compared with one the verifier pinned.
    pub identity_pinned: bool,
    /// What the verifier relied on for the key's SRS points.
    pub srs: SrsTrust,
}

/// Verifies a proof file with a standalone verifying key: the file's own consistency
/// ([`ProofFile::check`]), circuit and model identity, the key's SRS points against what the
/// verifier pins, the public interface and instance count, and the proof itself.
///
/// # Errors
/// [`zkinfer_prover::ProverError::Mismatch`] for another circuit, model or SRS,
/// [`zkinfer_prover::ProverError::Format`] for an inconsistent file or altered key,
/// [`zkinfer_prover::ProverError::Rejected`] for an invalid proof.
pub fn verify_file(file: &ProofFile, vk: &Path, pins: &Pins) -> Result<Verified> {
    use zkinfer_prover::artifact::hex;
    use zkinfer_prover::ProverError;
    file.check()?;
    let bundle = read_vk(vk, None)?;
    // The key's SRS points first: an altered key is named as such, whatever the proof says.
    let pinned_srs = match &pins.srs {
        Some(p) => Some(read_srs(p)?),
        None => None,
    };
    let srs = srs_trust(
        &bundle.header.label,
        &bundle.srs.s_g2(),
        pinned_srs.as_ref().map(|(s, h)| (s, h.label.as_str())),
    )?;
    let identity = hex(&bundle.identity);
    if let Some(pinned) = &pins.identity {
        expect_identity(pinned, &bundle.identity, "the verifying key")?;
    }
    let circuit = hex(&bundle.header.circuit_hash);
    if file.circuit_hash != circuit {
        return Err(ProverError::Mismatch {
            what: "circuit".into(),
            detail: format!(
                "the proof is for circuit {}, the verifying key for circuit {circuit}",
                file.circuit_hash
            ),
        }
        .into());
    }
    let named = zkinfer_prover::identity::parse_identity(&file.model_identity)?;
    if named != bundle.identity {
        return Err(ProverError::Mismatch {
            what: "model identity".into(),
            detail: format!(
                "the proof names model {}, but this verifying key is model {identity}",
                file.model_identity
            ),
        }
        .into());
    }
    if file.k != bundle.plan.k {
        return Err(ProverError::Mismatch {
            what: "circuit size".into(),
            detail: format!(
                "the proof says k = {}, the verifying key's circuit has k = {}",
                file.k, bundle.plan.k
            ),
        }
        .into());
    }
    let instances = file.instance_values()?;
    // Instance rows no copy constraint reaches are free in halo2: extra instances would
    // verify, so the count must be the circuit's.
    if instances.len() != bundle.plan.instances {
        return Err(ProverError::Mismatch {
            what: "public instances".into(),
            detail: format!(
                "the proof carries {} public instance(s), the circuit has {}",
                instances.len(),
                bundle.plan.instances
            ),
        }
        .into());
    }
    // Keys of this format always record the interface (the reader refuses one without).
    if let Some(interface) = &bundle.plan.interface {
        file.check_interface(interface)?;
    }
    let bytes = file.proof_bytes()?;
    verify(&bundle.srs, &bundle.vk, &instances, &bytes)?;
    Ok(Verified { identity, identity_pinned: pins.identity.is_some(), srs })
}

/// The Poseidon digests (see [`zkinfer_circuits::poseidon`]) of a witness's inputs, its outputs
/// and the model's weights: what a proof publishes for a `hashed` group, so a verifier holding
/// the data (or the model) can compare.
#[must_use]
pub fn digests(q: &zkinfer_quantize::QGraph, witness: &[Vec<i64>]) -> [Fr; 3] {
    let group = |ids: &[usize]| -> Vec<i128> {
        ids.iter().flat_map(|&t| witness[t].iter().map(|&v| i128::from(v))).collect()
    };
    [digest_ints(&group(&q.inputs)), digest_ints(&group(&q.outputs)), weights_digest(q)]
}

/// The Poseidon digest of a quantized model's weights: what a proof with hashed weights
/// publishes, so a verifier holding the model can compare.
#[must_use]
pub fn weights_digest(q: &zkinfer_quantize::QGraph) -> Fr {
    let weights: Vec<i128> = zkinfer_circuits::weight_tensors(q)
        .into_iter()
        .flat_map(|t| q.tensors[t].value.iter().flatten().map(|&v| i128::from(v)))
        .collect();
    digest_ints(&weights)
}
