//! The SRS value itself: building one from its points, checking it is a powers-of-tau
//! sequence, shrinking it to a circuit's size, and the digest a Lagrange cache is keyed by.

use crate::error::{ProverError, Result};
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::Curve;
use halo2_proofs::halo2curves::pairing::Engine;
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// KZG parameters over BN254.
pub type Srs = ParamsKZG<Bn256>;

/// An SRS from its points, as they are: `lagrange` may be empty (no Lagrange points, see
/// [`fit`]). halo2 only builds one through an existing value, and computes a missing
/// Lagrange basis itself, which this never asks it to.
#[must_use]
pub fn from_points(
    k: u32,
    g: Vec<G1Affine>,
    lagrange: Vec<G1Affine>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> Srs {
    Srs::setup(0, ChaCha20Rng::seed_from_u64(0)).from_parts(k, g, Some(lagrange), g2, s_g2)
}

/// Checks that an SRS is a consistent powers-of-tau sequence: for random r,
/// e(Σ r_i·g_{i+1}, G2) = e(Σ r_i·g_i, s·G2), and that g_0 is the generator.
///
/// # Errors
/// When the check fails.
pub fn check_srs(srs: &Srs) -> Result<()> {
    let g = srs.get_g();
    if g.first() != Some(&G1Affine::generator()) {
        return Err(ProverError::BadSrs("the first G1 point is not the generator".into()));
    }
    if g.len() < 2 {
        return Ok(());
    }
    // A secret of 0 or 1 (an uncontributed ceremony, such as a fresh `snarkjs powersoftau
    // new` file) is known to everyone: proofs could be forged.
    if g[1] == g[0] || bool::from(g[1].is_identity()) || srs.s_g2() == srs.g2() {
        return Err(ProverError::BadSrs(
            "the secret is 0 or 1 (nobody has contributed to this ceremony file): anyone could \
             forge proofs; contribute to it (`snarkjs powersoftau contribute`) or use a \
             finished ceremony"
                .into(),
        ));
    }
    let mut rng = ChaCha20Rng::from_entropy();
    let r: Vec<Fr> = (0..g.len() - 1).map(|_| Fr::random(&mut rng)).collect();
    let lhs = halo2_proofs::arithmetic::best_multiexp(&r, &g[1..]).to_affine();
    let rhs = halo2_proofs::arithmetic::best_multiexp(&r, &g[..g.len() - 1]).to_affine();
    if Bn256::pairing(&lhs, &srs.g2()) != Bn256::pairing(&rhs, &srs.s_g2()) {
        return Err(ProverError::BadSrs(
            "the G1 points are not successive powers of the secret in s·G2".into(),
        ));
    }
    Ok(())
}

pub(crate) fn too_small(need: u32, have: u32) -> ProverError {
    ProverError::Mismatch {
        what: "SRS size".into(),
        detail: format!(
            "the circuit needs k = {need}, the SRS only has k = {have}; generate or import a \
             larger one"
        ),
    }
}

/// Shrinks an SRS to `k` if it is larger, keeping its first 2^k points and no Lagrange basis.
///
/// halo2 would recompute the Lagrange basis of the smaller domain with an FFT over G1 points
/// (one full scalar multiplication per butterfly: minutes at k = 17 on two cores). zkinfer
/// never needs it: a commitment to values in Lagrange form equals the commitment, with the
/// monomial points, to their inverse field FFT, which [`crate::commit::MsmParams`] computes
/// when an SRS has no Lagrange points. So a ceremony-size SRS costs what an exact one does.
///
/// # Errors
/// When it is smaller than the circuit needs.
pub fn fit(srs: Srs, k: u32) -> Result<Srs> {
    if srs.k() < k {
        return Err(too_small(k, srs.k()));
    }
    if srs.k() == k {
        return Ok(srs);
    }
    let g = srs.get_g()[..1usize << k].to_vec();
    Ok(from_points(k, g, Vec::new(), srs.g2(), srs.s_g2()))
}

/// SHA-256 of k, the monomial points and both G2 points: what the Lagrange points are a
/// function of, so a cache keyed by it serves any file those points came from.
#[must_use]
pub fn points_digest(srs: &Srs) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(srs.k().to_le_bytes());
    for p in srs.get_g() {
        h.update(p.to_raw_bytes());
    }
    h.update(srs.g2().to_raw_bytes());
    h.update(srs.s_g2().to_raw_bytes());
    h.finalize().into()
}
