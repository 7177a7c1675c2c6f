//! Circuit identity, key generation and key files.

use crate::artifact::{Header, Kind};
use crate::commit::MsmParams;
use crate::error::{ProverError, Result};
use crate::srs::Srs;
use halo2_proofs::halo2curves::bn256::{G1Affine, G2Affine};
use halo2_proofs::halo2curves::group::GroupEncoding;
use halo2_proofs::plonk::{keygen_pk, keygen_vk, ProvingKey, VerifyingKey};
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::SerdeFormat;
use rand::SeedableRng;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;
use zkinfer_circuits::{lay_out_planned, ModelCircuit, Plan, Shape};
use zkinfer_gpu::{CpuMsm, Msm};
use zkinfer_quantize::QGraph;

/// A writer that hashes what it is given.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The circuit's identity: SHA-256 of the quantized graph (ops, scales, bounds, constants,
/// tables) and the layout plan, under a tag naming the circuit design (bumped whenever the
/// halo2 gates or columns change, so keys cached by an older zkinfer are not reused). Keys and
/// proofs carry it.
#[must_use]
pub fn circuit_hash(q: &QGraph, plan: &Plan) -> [u8; 32] {
    let mut w = HashWriter(Sha256::new());
    w.0.update(b"zkinfer-circuit-v3");
    // Serialising plain data into a hasher cannot fail.
    // Hidden weights stay out of the hash, which proof files and keys publish: a hash of the
    // values would let anyone confirm a guessed model. Everything else (their shapes, scales
    // and bounds) still identifies the circuit.
    if q.visibility.weights.is_fixed() {
        let _ = serde_json::to_writer(&mut w, q);
    } else {
        let mut blank = q.clone();
        for t in &mut blank.tensors {
            if let Some(v) = &mut t.value {
                v.clear();
            }
        }
        let _ = serde_json::to_writer(&mut w, &blank);
    }
    // The interface is a function of the graph, hashed above; leaving it out keeps the hash
    // of circuits planned before it was recorded.
    let _ = serde_json::to_writer(&mut w, &Plan { interface: None, ..plan.clone() });
    w.0.finalize().into()
}

/// The column shape of a plan.
#[must_use]
pub fn shape(plan: &Plan) -> Shape {
    Shape {
        lanes: plan.lanes,
        late_lanes: plan.late_lanes,
        lookup_lanes: plan.lookup_lanes,
        hash_lanes: plan.hash_lanes,
    }
}

/// Generates the proving key (which holds the verifying key). The circuit structure comes
/// from the graph alone, without a witness.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen(srs: &Srs, q: &QGraph, plan: &Plan) -> Result<ProvingKey<G1Affine>> {
    keygen_on(&(Arc::new(CpuMsm) as Arc<dyn Msm>), srs, q, plan)
}

/// [`keygen`] with the fixed-column commitments computed by `msm`.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen_on(
    msm: &Arc<dyn Msm>,
    srs: &Srs,
    q: &QGraph,
    plan: &Plan,
) -> Result<ProvingKey<G1Affine>> {
    let circuit = ModelCircuit::new(lay_out_planned(q, None, plan)?);
    let params = MsmParams::with_msm(srs, Arc::clone(msm));
    let vk = keygen_vk(&params, &circuit)
        .map_err(|e| ProverError::Halo2(format!("verifying key: {e:?}")))?;
    keygen_pk(&params, vk, &circuit).map_err(|e| ProverError::Halo2(format!("proving key: {e:?}")))
}

/// SHA-256 of a verifying key's bytes: the model identity a proof is bound to.
#[must_use]
pub fn vk_hash(vk: &VerifyingKey<G1Affine>) -> [u8; 32] {
    Sha256::digest(vk.to_bytes(SerdeFormat::RawBytes)).into()
}

fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    Ok(BufWriter::new(std::fs::File::create(path).map_err(io)?))
}

fn write_plan(w: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    let json = serde_json::to_vec(plan).map_err(std::io::Error::other)?;
    w.write_all(&u32::try_from(json.len()).unwrap_or(u32::MAX).to_le_bytes())?;
    w.write_all(&json)
}

fn read_plan(r: &mut impl Read, path: &str) -> Result<Plan> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(|e| bad(e.to_string()))?;
    let mut buf = vec![0u8; usize::try_from(u32::from_le_bytes(len)).unwrap_or(0).min(1 << 20)];
    r.read_exact(&mut buf).map_err(|e| bad(e.to_string()))?;
    serde_json::from_slice(&buf).map_err(|e| bad(format!("corrupt layout plan: {e}")))
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>> {
    let f = std::fs::File::open(path)
        .map_err(|source| ProverError::Io { path: path.display().to_string(), source })?;
    Ok(BufReader::new(f))
}

/// A verifying key with everything needed to verify alone: the layout plan and the three
/// SRS points the KZG verifier uses.
pub struct VkBundle {
    /// Header (kind, tool version, circuit hash, k, SRS provenance).
    pub header: Header,
    /// Layout plan.
    pub plan: Plan,
    /// Verifier SRS: g[0], G2 and s·G2 at size 2^k.
    pub srs: Srs,
    /// The halo2 verifying key.
    pub vk: VerifyingKey<G1Affine>,
}

/// Writes a standalone verifying key; `srs_label` records where the SRS came from.
///
/// # Errors
/// I/O errors.
pub fn write_vk(
    vk: &VerifyingKey<G1Affine>,
    plan: &Plan,
    srs: &Srs,
    srs_label: &str,
    hash: [u8; 32],
    path: &Path,
) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    let mut w = create(path)?;
    Header::new(Kind::VerifyingKey, hash, plan.k, srs_label).write(&mut w).map_err(io)?;
    write_plan(&mut w, plan).map_err(io)?;
    let g0 = srs.get_g().first().copied().unwrap_or_else(G1Affine::generator);
    w.write_all(g0.to_bytes().as_ref()).map_err(io)?;
    w.write_all(srs.g2().to_bytes().as_ref()).map_err(io)?;
    w.write_all(srs.s_g2().to_bytes().as_ref()).map_err(io)?;
    vk.write(&mut w, SerdeFormat::RawBytes).map_err(io)?;
    w.flush().map_err(io)
}

/// Reads a verifying key; when `expected` is given, checks it belongs to that circuit.
///
/// # Errors
/// Foreign, corrupt or mismatched files.
pub fn read_vk(path: &Path, expected: Option<&[u8; 32]>) -> Result<VkBundle> {
    let p = path.display().to_string();
    let bad = |reason: String| ProverError::Format { path: p.clone(), reason };
    let mut r = open(path)?;
    let header = Header::read(&mut r, Kind::VerifyingKey, &p)?;
    if let Some(h) = expected {
        header.expect_circuit(h)?;
    }
    let plan = read_plan(&mut r, &p)?;
    let mut g1 = <G1Affine as GroupEncoding>::Repr::default();
    let mut g2 = <G2Affine as GroupEncoding>::Repr::default();
    let mut sg2 = <G2Affine as GroupEncoding>::Repr::default();
    r.read_exact(g1.as_mut())
        .and_then(|()| r.read_exact(g2.as_mut()))
        .and_then(|()| r.read_exact(sg2.as_mut()))
        .map_err(|e| bad(e.to_string()))?;
    let invalid = || bad("invalid SRS point".into());
    let g0: G1Affine = Option::from(G1Affine::from_bytes(&g1)).ok_or_else(invalid)?;
    let g2: G2Affine = Option::from(G2Affine::from_bytes(&g2)).ok_or_else(invalid)?;
    let s_g2: G2Affine = Option::from(G2Affine::from_bytes(&sg2)).ok_or_else(invalid)?;
    let shell = Srs::setup(0, rand_chacha::ChaCha20Rng::seed_from_u64(0));
    let srs = shell.from_parts(plan.k, vec![g0], Some(Vec::new()), g2, s_g2);
    let vk = VerifyingKey::read::<_, ModelCircuit>(&mut r, SerdeFormat::RawBytes, shape(&plan))
        .map_err(|e| bad(format!("corrupt verifying key: {e}")))?;
    Ok(VkBundle { header, plan, srs, vk })
}

/// Writes a proving key with its header and plan.
///
/// # Errors
/// I/O errors.
pub fn write_pk(pk: &ProvingKey<G1Affine>, plan: &Plan, hash: [u8; 32], path: &Path) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    let mut w = create(path)?;
    Header::new(Kind::ProvingKey, hash, plan.k, "").write(&mut w).map_err(io)?;
    write_plan(&mut w, plan).map_err(io)?;
    pk.write(&mut w, SerdeFormat::RawBytesUnchecked).map_err(io)?;
    w.flush().map_err(io)
}

/// Reads a proving key, checking it belongs to the circuit with `hash`.
///
/// # Errors
/// Foreign, corrupt or mismatched files.
pub fn read_pk(path: &Path, hash: &[u8; 32]) -> Result<(ProvingKey<G1Affine>, Plan)> {
    let p = path.display().to_string();
    let mut r = open(path)?;
    Header::read(&mut r, Kind::ProvingKey, &p)?.expect_circuit(hash)?;
    let plan = read_plan(&mut r, &p)?;
    let pk =
        ProvingKey::read::<_, ModelCircuit>(&mut r, SerdeFormat::RawBytesUnchecked, shape(&plan))
            .map_err(|e| ProverError::Format {
            path: p,
            reason: format!("corrupt proving key: {e}"),
        })?;
    Ok((pk, plan))
}
