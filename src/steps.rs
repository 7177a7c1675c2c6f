//! The steps the CLI and the Python module share: settings, SRS, keys, proofs and their files.
//! Nothing here prints; callers report progress their own way.

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
use zkinfer_prover::keys::{read_pk, read_vk, write_pk, write_vk};
use zkinfer_prover::receipt::ProofFile;
use zkinfer_prover::srs::{fit, read_srs, Srs};
use zkinfer_prover::{keygen_on, prove_on, verify, vk_hash, Proof};
use zkinfer_quantize::Visibility;
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
    match path {
        Some(p) => {
            let (srs, header) = read_srs(p)?;
            Ok((fit(srs, k)?, header.label))
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
) -> Result<ProvingKey<G1Affine>> {
    let pk = keygen_on(msm, srs, &c.qgraph, &c.plan)?;
    write_pk(&pk, &c.plan, c.hash, &dir.join("pk"))?;
    write_vk(pk.get_vk(), &c.plan, srs, srs_label, c.hash, &dir.join("vk"))?;
    Ok(pk)
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
) -> Result<(ProvingKey<G1Affine>, bool)> {
    if let Some(p) = pk {
        return Ok((read_pk(p, &c.hash)?.0, true));
    }
    let dir = key_cache(c);
    if let Ok(bundle) = read_vk(&dir.join("vk"), Some(&c.hash)) {
        if bundle.header.label == srs_label {
            if let Ok((pk, _)) = read_pk(&dir.join("pk"), &c.hash) {
                return Ok((pk, true));
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
}

impl Proved {
    /// Verifies the proof with the key it was made with (a cheap self-check before writing).
    ///
    /// # Errors
    /// [`zkinfer_prover::ProverError::Rejected`] if it does not verify.
    pub fn self_verify(&self, srs: &Srs, pk: &ProvingKey<G1Affine>) -> Result<()> {
        Ok(verify(srs, pk.get_vk(), &self.proof.instances, &self.proof.bytes)?)
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
    pk: &ProvingKey<G1Affine>,
    witness: Vec<Vec<i64>>,
) -> Result<Proved> {
    let proof = prove_on(msm, srs, pk, &c.qgraph, &c.plan, &witness)?;
    let file = ProofFile::new(
        &c.qgraph,
        &proof.instances,
        &witness,
        &proof.bytes,
        &c.hash,
        &vk_hash(pk.get_vk()),
        c.plan.k,
    );
    Ok(Proved { proof, file, witness })
}

/// Verifies a proof file with a standalone verifying key: circuit, model identity, the
/// listed outputs and the proof itself. Returns the key's SRS provenance label.
///
/// # Errors
/// [`zkinfer_prover::ProverError::Mismatch`] for another circuit or model,
/// [`zkinfer_prover::ProverError::Rejected`] for an invalid proof.
pub fn verify_file(file: &ProofFile, vk: &Path) -> Result<String> {
    use zkinfer_prover::artifact::hex;
    use zkinfer_prover::ProverError;
    let bundle = read_vk(vk, None)?;
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
    let identity = hex(&vk_hash(&bundle.vk));
    if file.vk_hash != identity {
        return Err(ProverError::Mismatch {
            what: "model identity".into(),
            detail: format!(
                "the proof names verifying key {}, but this key hashes to {identity}",
                file.vk_hash
            ),
        }
        .into());
    }
    let instances = file.instance_values().map_err(ProverError::Rejected)?;
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
    if let Some(interface) = &bundle.plan.interface {
        file.check_interface(interface)
            .map_err(|detail| ProverError::Mismatch { what: "public interface".into(), detail })?;
    } else if file.visibility.is_some_and(|v| {
        let new = |g: Visibility| matches!(g, Visibility::Hashed | Visibility::Packed);
        new(v.input) || new(v.output) || !v.weights.is_fixed()
    }) {
        // Keys from before the interface was recorded predate hashed and packed groups and
        // hidden weights: a file claiming them cannot be checked against such a key.
        return Err(ProverError::Mismatch {
            what: "public interface".into(),
            detail: "the proof uses hashed or packed groups or hidden weights, which this \
                     verifying key predates; use the key made with the proof"
                .into(),
        }
        .into());
    }
    let bytes = file.proof_bytes().map_err(ProverError::Rejected)?;
    verify(&bundle.srs, &bundle.vk, &instances, &bytes)?;
    Ok(bundle.header.label)
}

/// The Poseidon digests (see [`zkinfer_circuits::poseidon`]) of a witness's inputs, its outputs
/// and the model's weights: what a proof publishes for a `hashed` group, so a verifier holding
/// the data (or the model) can compare.
#[must_use]
pub fn digests(q: &zkinfer_quantize::QGraph, witness: &[Vec<i64>]) -> [Fr; 3] {
    let group = |ids: &[usize]| -> Vec<i128> {
        ids.iter().flat_map(|&t| witness[t].iter().map(|&v| i128::from(v))).collect()
    };
    let weights: Vec<i128> = zkinfer_circuits::weight_tensors(q)
        .into_iter()
        .flat_map(|t| q.tensors[t].value.iter().flatten().map(|&v| i128::from(v)))
        .collect();
    [digest_ints(&group(&q.inputs)), digest_ints(&group(&q.outputs)), digest_ints(&weights)]
}
