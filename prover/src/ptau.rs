//! Import of snarkjs Powers-of-Tau files (`.ptau`), so a proof can rest on a public ceremony
//! (the Perpetual Powers of Tau, Hermez's, or any `snarkjs powersoftau` run) instead of a
//! development SRS.
//!
//! The file is `"ptau"`, a version and sections of `(type u32, size u64, bytes)`. Section 1
//! holds the field element size (32), the base field modulus and the power; section 2 the
//! G1 points τ^i·G1 (i < 2^(power+1) − 1) and section 3 the G2 points τ^i·G2, each coordinate
//! little-endian in Montgomery form (x·2^256 mod q). halo2 also needs the Lagrange basis of
//! its evaluation domain, which it computes by an inverse FFT over the G1 points, so it
//! matches the monomial points by construction.

use crate::error::{ProverError, Result};
use crate::srs::{check_srs, Srs};
use halo2_proofs::halo2curves::bn256::{Fq, Fq2, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::CurveAffine;
use rand::SeedableRng;
use std::collections::BTreeMap;

/// 2^-256 in the base field: the Montgomery factor.
fn montgomery_inv() -> Fq {
    static R_INV: std::sync::OnceLock<Fq> = std::sync::OnceLock::new();
    *R_INV.get_or_init(|| Fq::from(2).pow_vartime([256]).invert().unwrap_or(Fq::ZERO))
}

/// Reads a field element stored little-endian in Montgomery form.
fn fq(bytes: &[u8]) -> Option<Fq> {
    let mut repr = <Fq as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(bytes.get(..32)?);
    let m: Fq = Option::from(Fq::from_repr(repr))?;
    Some(m * montgomery_inv())
}

fn g1(bytes: &[u8]) -> Option<G1Affine> {
    Option::from(G1Affine::from_xy(fq(&bytes[..32])?, fq(bytes.get(32..64)?)?))
}

fn g2(bytes: &[u8]) -> Option<G2Affine> {
    let f2 = |b: &[u8]| Some(Fq2 { c0: fq(&b[..32])?, c1: fq(b.get(32..64)?)? });
    Option::from(G2Affine::from_xy(f2(&bytes[..64])?, f2(bytes.get(64..128)?)?))
}

/// The sections of a ptau file: type → bytes.
fn sections(data: &[u8]) -> std::result::Result<BTreeMap<u32, &[u8]>, String> {
    if data.get(..4) != Some(b"ptau".as_slice()) {
        return Err("not a snarkjs .ptau file (no 'ptau' magic)".into());
    }
    let u32_at =
        |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let n = u32_at(8).ok_or("truncated header")?;
    let mut at = 12usize;
    let mut out = BTreeMap::new();
    for _ in 0..n {
        let kind = u32_at(at).ok_or("truncated section header")?;
        let size = data
            .get(at + 4..at + 12)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .and_then(|s| usize::try_from(s).ok())
            .ok_or("truncated section header")?;
        let end = (at + 12).checked_add(size).ok_or("section size overflows")?;
        let body = data.get(at + 12..end).ok_or("truncated section")?;
        out.insert(kind, body);
        at = end;
    }
    Ok(out)
}

/// Imports a ptau file as an SRS for circuits of up to 2^k rows (`k` defaults to the file's
/// power, at most `max_k`), checked like any imported SRS. Returns it with its power.
///
/// # Errors
/// A malformed file, another curve, a point off the curve, a `k` above the file's power, or
/// points that are not successive powers of one secret.
pub fn import_ptau(data: &[u8], k: Option<u32>, max_k: u32) -> Result<(Srs, u32)> {
    let bad = |reason: String| ProverError::BadSrs(format!("ptau: {reason}"));
    let s = sections(data).map_err(bad)?;
    let header = s.get(&1).ok_or_else(|| bad("no header section".into()))?;
    let n8 = header.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if n8 != Some(32) {
        return Err(bad("field elements are not 32 bytes: not a BN254 (bn128) file".into()));
    }
    let modulus = hex_le(header.get(4..36).unwrap_or_default());
    let bn254_q = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
    if modulus != bn254_q {
        return Err(bad(format!("base field modulus 0x{modulus} is not BN254's")));
    }
    let power = header
        .get(36..40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad("truncated header".into()))?;
    let k = k.unwrap_or(power.min(max_k));
    if k > power || k > max_k || k == 0 {
        return Err(bad(format!(
            "k = {k} is not available: the file has powers up to 2^{power}, zkinfer uses 1..={max_k}"
        )));
    }
    let n = 1usize << k;
    let tau_g1 = s.get(&2).ok_or_else(|| bad("no tauG1 section".into()))?;
    let tau_g2 = s.get(&3).ok_or_else(|| bad("no tauG2 section".into()))?;
    let g: Vec<G1Affine> = (0..n)
        .map(|i| tau_g1.get(64 * i..64 * i + 64).and_then(g1))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a tauG1 point is missing or not on the curve".into()))?;
    let g2_points: Vec<G2Affine> = (0..2)
        .map(|i| tau_g2.get(128 * i..128 * i + 128).and_then(g2))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a tauG2 point is missing or not on the curve".into()))?;
    if g2_points[0] != G2Affine::generator() {
        return Err(bad("the first G2 point is not the generator".into()));
    }
    // Without a Lagrange basis, halo2 computes it by an inverse FFT over the G1 points.
    let shell = Srs::setup(0, rand_chacha::ChaCha20Rng::seed_from_u64(0));
    let srs = shell.from_parts(k, g, None, g2_points[0], g2_points[1]);
    check_srs(&srs)?;
    Ok((srs, power))
}

/// Big-endian hex of little-endian bytes.
fn hex_le(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}
