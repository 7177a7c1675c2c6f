//! Circuit identity, key generation and key files.

use crate::artifact::{Header, Kind};
use crate::error::{ProverError, Result};
use crate::srs::Srs;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::plonk::{keygen_pk, keygen_vk, ProvingKey, VerifyingKey};
use halo2_proofs::SerdeFormat;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use zkinfer_circuits::{lay_out_planned, ModelCircuit, Plan, Shape};
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
/// tables) and the layout plan. Keys and proofs carry it.
#[must_use]
pub fn circuit_hash(q: &QGraph, plan: &Plan) -> [u8; 32] {
    let mut w = HashWriter(Sha256::new());
    w.0.update(b"zkinfer-circuit-v1");
    // Serialising plain data into a hasher cannot fail.
    let _ = serde_json::to_writer(&mut w, q);
    let _ = serde_json::to_writer(&mut w, plan);
    w.0.finalize().into()
}

/// The column shape of a plan.
#[must_use]
pub fn shape(plan: &Plan) -> Shape {
    Shape { lanes: plan.lanes, lookup_lanes: plan.lookup_lanes }
}

/// Generates the proving key (which holds the verifying key). The circuit structure comes
/// from the graph alone, without a witness.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen(srs: &Srs, q: &QGraph, plan: &Plan) -> Result<ProvingKey<G1Affine>> {
    let circuit = ModelCircuit::new(lay_out_planned(q, None, plan)?);
    let vk = keygen_vk(srs, &circuit)
        .map_err(|e| ProverError::Halo2(format!("verifying key: {e:?}")))?;
    keygen_pk(srs, vk, &circuit).map_err(|e| ProverError::Halo2(format!("proving key: {e:?}")))
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

/// Writes a verifying key with its header.
///
/// # Errors
/// I/O errors.
pub fn write_vk(vk: &VerifyingKey<G1Affine>, hash: [u8; 32], k: u32, path: &Path) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    let mut w = create(path)?;
    Header::new(Kind::VerifyingKey, hash, k, "").write(&mut w).map_err(io)?;
    vk.write(&mut w, SerdeFormat::RawBytes).map_err(io)?;
    w.flush().map_err(io)
}

/// Writes a proving key with its header.
///
/// # Errors
/// I/O errors.
pub fn write_pk(pk: &ProvingKey<G1Affine>, hash: [u8; 32], k: u32, path: &Path) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    let mut w = create(path)?;
    Header::new(Kind::ProvingKey, hash, k, "").write(&mut w).map_err(io)?;
    pk.write(&mut w, SerdeFormat::RawBytesUnchecked).map_err(io)?;
    w.flush().map_err(io)
}

/// Reads a verifying key, checking it belongs to the circuit with `hash`.
///
/// # Errors
/// Foreign, corrupt or mismatched files.
pub fn read_vk(path: &Path, plan: &Plan, hash: &[u8; 32]) -> Result<VerifyingKey<G1Affine>> {
    let p = path.display().to_string();
    let mut r = BufReader::new(
        std::fs::File::open(path).map_err(|source| ProverError::Io { path: p.clone(), source })?,
    );
    Header::read(&mut r, Kind::VerifyingKey, &p)?.expect_circuit(hash)?;
    VerifyingKey::read::<_, ModelCircuit>(&mut r, SerdeFormat::RawBytes, shape(plan))
        .map_err(|e| ProverError::Format { path: p, reason: format!("corrupt verifying key: {e}") })
}

/// Reads a proving key, checking it belongs to the circuit with `hash`.
///
/// # Errors
/// Foreign, corrupt or mismatched files.
pub fn read_pk(path: &Path, plan: &Plan, hash: &[u8; 32]) -> Result<ProvingKey<G1Affine>> {
    let p = path.display().to_string();
    let mut r = BufReader::new(
        std::fs::File::open(path).map_err(|source| ProverError::Io { path: p.clone(), source })?,
    );
    Header::read(&mut r, Kind::ProvingKey, &p)?.expect_circuit(hash)?;
    ProvingKey::read::<_, ModelCircuit>(&mut r, SerdeFormat::RawBytesUnchecked, shape(plan))
        .map_err(|e| ProverError::Format { path: p, reason: format!("corrupt proving key: {e}") })
}

/// Field elements of integer instances.
#[must_use]
pub fn instances_fe(values: &[i128]) -> Vec<Fr> {
    values.iter().map(|&v| zkinfer_circuits::fe(v)).collect()
}
