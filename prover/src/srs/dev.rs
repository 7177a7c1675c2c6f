//! The development SRS: seeded, fast to generate and INSECURE (the seed reveals the secret),
//! so tests and first runs need no ceremony file.

use super::points::{from_points, Srs};
use halo2_proofs::arithmetic::parallelize;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G2Affine, G1};
use halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Label prefix of development SRS files.
pub const DEV_LABEL: &str = "INSECURE-dev-srs seed=";
/// Seed of the development SRS zkinfer uses when none is given (cached per k).
pub const DEV_SEED: u64 = 0x007a_6b69_6e66_6572;

/// 32 windows of 8 bits: `table[j][b] = b·2^(8j)·G`.
fn fixed_base_table(base: G1) -> Vec<Vec<G1Affine>> {
    let mut window_base = base;
    (0..32)
        .map(|_| {
            let mut row = vec![G1::identity(); 256];
            for b in 1..256 {
                row[b] = row[b - 1] + window_base;
            }
            window_base = row[255] + window_base;
            let mut affine = vec![G1Affine::identity(); 256];
            G1::batch_normalize(&row, &mut affine);
            affine
        })
        .collect()
}

fn fixed_base_mul(table: &[Vec<G1Affine>], scalar: &Fr) -> G1 {
    let repr = scalar.to_repr();
    let mut acc = G1::identity();
    for (j, &byte) in repr.as_ref().iter().enumerate() {
        if byte != 0 {
            acc += table[j][usize::from(byte)];
        }
    }
    acc
}

fn batch_mul(table: &[Vec<G1Affine>], scalars: &[Fr]) -> Vec<G1Affine> {
    let mut proj = vec![G1::identity(); scalars.len()];
    parallelize(&mut proj, |chunk, start| {
        for (i, p) in chunk.iter_mut().enumerate() {
            *p = fixed_base_mul(table, &scalars[start + i]);
        }
    });
    let mut out = vec![G1Affine::identity(); scalars.len()];
    parallelize(&mut out, |chunk, start| {
        G1::batch_normalize(&proj[start..start + chunk.len()], chunk);
    });
    out
}

/// The secret a seed expands to (ChaCha20, as `ParamsKZG::setup` would draw it).
pub(crate) fn dev_secret(seed: u64) -> Fr {
    Fr::random(ChaCha20Rng::seed_from_u64(seed))
}

/// A development SRS for circuits of up to 2^k rows, derived from `seed`. Identical to
/// `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(seed))`, an order of magnitude faster:
/// scalars are computed in the field and multiplied with a fixed-base window table.
/// INSECURE: anyone who knows the seed can forge proofs.
#[must_use]
pub fn dev_srs(k: u32, seed: u64) -> Srs {
    let n = 1usize << k;
    let s = dev_secret(seed);
    let table = fixed_base_table(G1::generator());
    let mut powers = vec![Fr::ONE; n];
    for i in 1..n {
        powers[i] = powers[i - 1] * s;
    }
    let g = batch_mul(&table, &powers);
    // Lagrange basis at s: L_i(s) = (s^n − 1)/n · ω^i / (s − ω^i).
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let n_fr = Fr::from(u64::try_from(n).unwrap_or(u64::MAX));
    let multiplier = (powers[n - 1] * s - Fr::ONE) * n_fr.invert().unwrap_or(Fr::ZERO);
    let mut omegas = vec![Fr::ONE; n];
    for i in 1..n {
        omegas[i] = omegas[i - 1] * omega;
    }
    let mut denoms: Vec<Fr> = omegas.iter().map(|w| s - w).collect();
    denoms.iter_mut().batch_invert();
    let lagrange: Vec<Fr> = omegas.iter().zip(&denoms).map(|(w, d)| multiplier * w * d).collect();
    let g_lagrange = batch_mul(&table, &lagrange);
    let g2 = G2Affine::generator();
    from_points(k, g, g_lagrange, g2, (g2 * s).to_affine())
}
