//! Field elements to and from the GPU's word layout: 8 little-endian u32 words per element,
//! base-field coordinates in Montgomery form (R = 2^256), scalars canonical.

use crate::{MsmError, Result};
use halo2_proofs::arithmetic::Field;
use halo2_proofs::halo2curves::bn256::{Fq, Fr, G1Affine, G1};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::halo2curves::CurveExt;
use rayon::prelude::*;

/// Words of a 32-byte little-endian representation.
fn words(bytes: &[u8]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (word, chunk) in w.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    w
}

/// R = 2^256 mod p as a field element: x·R's canonical form is x's Montgomery form.
fn montgomery_r() -> Fq {
    Fq::from(2u64).pow_vartime([256u64])
}

/// Affine bases as 16 words each (x then y, Montgomery form); the identity is all zeros.
pub(crate) fn bases_to_words(bases: &[G1Affine]) -> Vec<u32> {
    let r = montgomery_r();
    let mut out = vec![0u32; bases.len() * 16];
    out.par_chunks_mut(16 * 1024).zip(bases.par_chunks(1024)).for_each(|(out, bases)| {
        for (o, p) in out.chunks_exact_mut(16).zip(bases) {
            // The identity's affine coordinates are (0, 0) in halo2curves.
            o[..8].copy_from_slice(&words(&(p.x * r).to_repr()));
            o[8..].copy_from_slice(&words(&(p.y * r).to_repr()));
        }
    });
    out
}

/// Scalars as 8 canonical words each.
pub(crate) fn scalars_to_words(scalars: &[Fr]) -> Vec<u32> {
    let mut out = vec![0u32; scalars.len() * 8];
    out.par_chunks_mut(8 * 1024).zip(scalars.par_chunks(1024)).for_each(|(out, scalars)| {
        for (o, s) in out.chunks_exact_mut(8).zip(scalars) {
            o.copy_from_slice(&words(&s.to_repr()));
        }
    });
    out
}

/// Projective points from 24 words each (X, Y, Z in Montgomery form).
pub(crate) fn words_to_points(words: &[u32]) -> Result<Vec<G1>> {
    let r_inv = Option::<Fq>::from(montgomery_r().invert())
        .ok_or_else(|| MsmError::BadResult("R is not invertible".to_owned()))?;
    let coord = |w: &[u32]| -> Result<Fq> {
        let mut bytes = [0u8; 32];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(w) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Option::<Fq>::from(Fq::from_repr(bytes)).map(|v| v * r_inv).ok_or_else(|| {
            MsmError::BadResult("a coordinate is not below the field modulus".to_owned())
        })
    };
    words
        .chunks_exact(24)
        .map(|w| Ok(G1 { x: coord(&w[..8])?, y: coord(&w[8..16])?, z: coord(&w[16..])? }))
        .collect()
}

/// Checks a GPU result before anyone uses it.
pub(crate) fn checked(p: G1) -> Result<G1> {
    if bool::from(p.is_on_curve()) {
        Ok(p)
    } else {
        Err(MsmError::BadResult("the point is not on the curve".to_owned()))
    }
}
