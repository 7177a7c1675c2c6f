//! Proving and verification: SHPLONK multi-open over KZG with the EVM Keccak-256 transcript
//! ([`crate::transcript`]), so the same proof verifies natively and on the EVM.

use crate::commit::{MsmKzg, MsmParams, MsmShplonk};
use crate::error::{ProverError, Result};
use crate::profile::{Arguments, ProvePhases, Timeline};
use crate::srs::Srs;
use crate::transcript::{EvmChallenge, EvmTranscript};
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::plonk::{create_proof, verify_proof, ProvingKey, VerifyingKey};
use halo2_proofs::poly::kzg::commitment::KZGCommitmentScheme;
use halo2_proofs::poly::kzg::multiopen::VerifierSHPLONK;
use halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_proofs::transcript::TranscriptWriterBuffer;
use rand::rngs::OsRng;
use std::sync::Arc;
use std::time::Instant;
use zkinfer_circuits::{lay_out_planned, OnceCircuit, Plan};
use zkinfer_gpu::{CpuMsm, Msm};
use zkinfer_quantize::QGraph;

/// A proof with the public values it attests.
#[derive(Clone, Debug)]
pub struct Proof {
    /// Proof bytes.
    pub bytes: Vec<u8>,
    /// Public instances: model values (see [`crate::instance`]) and Poseidon digests.
    pub instances: Vec<Fr>,
}

/// Proves that the graph maps the witnessed input to its outputs, with CPU commitments.
/// `witness` is every tensor's value from `zkinfer_quantize::eval::eval_all`.
///
/// # Errors
/// Layout or halo2 failures.
pub fn prove(
    srs: &Srs,
    pk: &ProvingKey<G1Affine>,
    q: &QGraph,
    plan: &Plan,
    witness: &[Vec<i64>],
) -> Result<Proof> {
    prove_on(&(Arc::new(CpuMsm) as Arc<dyn Msm>), srs, pk, q, plan, witness)
}

/// [`prove`] with every commitment computed by `msm` (see [`crate::commit`]).
///
/// # Errors
/// Layout or halo2 failures.
pub fn prove_on(
    msm: &Arc<dyn Msm>,
    srs: &Srs,
    pk: &ProvingKey<G1Affine>,
    q: &QGraph,
    plan: &Plan,
    witness: &[Vec<i64>],
) -> Result<Proof> {
    prove_profiled(msm, srs, pk, q, plan, witness).map(|(proof, _)| proof)
}

/// [`prove_on`], also returning where the time went (see [`crate::profile`]).
///
/// # Errors
/// Layout or halo2 failures.
pub fn prove_profiled(
    msm: &Arc<dyn Msm>,
    srs: &Srs,
    pk: &ProvingKey<G1Affine>,
    q: &QGraph,
    plan: &Plan,
    witness: &[Vec<i64>],
) -> Result<(Proof, ProvePhases)> {
    let layout = Instant::now();
    let builder = lay_out_planned(q, Some(witness), plan)?;
    let layout = layout.elapsed().as_secs_f64();
    let instances = builder.public_values().to_vec();
    // Freed once synthesized (see OnceCircuit).
    let circuit = OnceCircuit::new(builder);
    let mut transcript = EvmTranscript::new(Vec::new());
    let params = MsmParams::with_msm(srs, Arc::clone(msm));
    let timeline = Arc::new(Timeline::new());
    let params = params.with_timeline(Arc::clone(&timeline));
    create_proof::<MsmKzg<'_>, MsmShplonk<'_>, EvmChallenge, _, _, _>(
        &params,
        pk,
        &[circuit],
        &[&[&instances]],
        OsRng,
        &mut transcript,
    )
    .map_err(|e| ProverError::Halo2(format!("proving failed: {e:?}")))?;
    let end = timeline.elapsed();
    let phases = ProvePhases::attribute(&timeline, Arguments::of(pk.get_vk().cs()), layout, end);
    let bytes = TranscriptWriterBuffer::<_, G1Affine, EvmChallenge>::finalize(transcript);
    Ok((Proof { bytes, instances }, phases))
}

/// Verifies a proof against a verifying key and public instances.
///
/// # Errors
/// [`ProverError::Rejected`] when the proof is invalid for these instances.
pub fn verify(
    srs: &Srs,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    proof: &[u8],
) -> Result<()> {
    let mut rest = proof;
    let mut transcript = EvmTranscript::new(&mut rest);
    verify_proof::<
        KZGCommitmentScheme<Bn256>,
        VerifierSHPLONK<'_, Bn256>,
        _,
        _,
        SingleStrategy<'_, Bn256>,
    >(srs, vk, SingleStrategy::new(srs), &[&[instances]], &mut transcript)
    .map_err(|e| ProverError::Rejected(format!("{e:?}")))?;
    drop(transcript);
    // Bytes after the proof would make one proof many distinct byte strings (a replay filter
    // keyed on the proof's hash could be bypassed); the EVM verifier refuses them too.
    if rest.is_empty() {
        Ok(())
    } else {
        Err(ProverError::Rejected(format!("{} unread bytes after the proof", rest.len())))
    }
}
