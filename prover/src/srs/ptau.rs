//! Import of snarkjs Powers-of-Tau files (`.ptau`), so a proof can rest on a public ceremony
//! (the Perpetual Powers of Tau, Hermez's, or any `snarkjs powersoftau` run) instead of a
//! development SRS.
//!
//! The file is `"ptau"`, a version and sections of `(type u32, size u64, bytes)`. Section 1
//! holds the field element size (32), the base field modulus and the power; section 2 the
//! G1 points τ^i·G1 (i < 2^(power+1) − 1) and section 3 the G2 points τ^i·G2, each coordinate
//! little-endian in Montgomery form (x·2^256 mod q). The imported SRS has no Lagrange basis:
//! zkinfer commits to Lagrange-form values through their inverse field FFT instead (see
//! [`crate::srs::fit`]), which matches the monomial points by construction.

use super::points::{check_srs, from_points, Srs};
use crate::error::{ProverError, Result};
use halo2_proofs::halo2curves::bn256::{Fq, Fq2, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::CurveAffine;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

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

/// Where each section of a ptau file lies: type → (offset, size). Reads only the headers.
fn sections(f: &mut (impl Read + Seek)) -> std::result::Result<BTreeMap<u32, (u64, u64)>, String> {
    let mut head = [0u8; 12];
    f.read_exact(&mut head).map_err(|_| "truncated header")?;
    if &head[..4] != b"ptau" {
        return Err("not a snarkjs .ptau file (no 'ptau' magic)".into());
    }
    let n = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    let len = f.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    let mut at = 12u64;
    let mut out = BTreeMap::new();
    for _ in 0..n {
        f.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
        let mut sh = [0u8; 12];
        f.read_exact(&mut sh).map_err(|_| "truncated section header")?;
        let kind = u32::from_le_bytes([sh[0], sh[1], sh[2], sh[3]]);
        let size = u64::from_le_bytes([sh[4], sh[5], sh[6], sh[7], sh[8], sh[9], sh[10], sh[11]]);
        let end = (at + 12).checked_add(size).filter(|&e| e <= len).ok_or("truncated section")?;
        out.insert(kind, (at + 12, size));
        at = end;
    }
    Ok(out)
}

/// `len` bytes of a section from its start (at most its size).
fn read_section(
    f: &mut (impl Read + Seek),
    (offset, size): (u64, u64),
    len: u64,
) -> std::result::Result<Vec<u8>, String> {
    if len > size {
        return Err(format!("a section holds {size} bytes, {len} are needed"));
    }
    f.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
    f.read_exact(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Imports a ptau file as an SRS for circuits of up to 2^k rows (`k` defaults to the file's
/// power, at most `max_k`), checked like any imported SRS. Reads only the points it needs, so
/// a large ceremony file costs memory for 2^k points. Returns it with the file's power.
///
/// # Errors
/// A malformed file, another curve, a point off the curve, a `k` above the file's power, or
/// points that are not successive powers of one secret.
pub fn import_ptau(f: &mut (impl Read + Seek), k: Option<u32>, max_k: u32) -> Result<(Srs, u32)> {
    let bad = |reason: String| ProverError::BadSrs(format!("ptau: {reason}"));
    let s = sections(f).map_err(bad)?;
    let section =
        |t: u32, what: &str| s.get(&t).copied().ok_or_else(|| bad(format!("no {what} section")));
    let header = read_section(f, section(1, "header")?, 40).map_err(bad)?;
    let n8 = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    if n8 != 32 {
        return Err(bad("field elements are not 32 bytes: not a BN254 (bn128) file".into()));
    }
    let modulus = hex_le(&header[4..36]);
    let bn254_q = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
    if modulus != bn254_q {
        return Err(bad(format!("base field modulus 0x{modulus} is not BN254's")));
    }
    let power = u32::from_le_bytes([header[36], header[37], header[38], header[39]]);
    let k = k.unwrap_or(power.min(max_k));
    if k > power || k > max_k || k == 0 {
        return Err(bad(format!(
            "k = {k} is not available: the file has powers up to 2^{power}, zkinfer uses 1..={max_k}"
        )));
    }
    let n = 1usize << k;
    let tau_g1 = read_section(f, section(2, "tauG1")?, 64 << k).map_err(bad)?;
    let tau_g2 = read_section(f, section(3, "tauG2")?, 256).map_err(bad)?;
    let g: Vec<G1Affine> = tau_g1
        .chunks(64)
        .take(n)
        .map(g1)
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a tauG1 point is not on the curve".into()))?;
    let g2_points: Vec<G2Affine> = tau_g2
        .chunks(128)
        .map(g2)
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a tauG2 point is not on the curve".into()))?;
    if g2_points[0] != G2Affine::generator() {
        return Err(bad("the first G2 point is not the generator".into()));
    }
    // No Lagrange basis: commitments in Lagrange form go through a field FFT instead (see
    // `crate::srs::fit`), so no FFT over G1 points is ever paid.
    let srs = from_points(k, g, Vec::new(), g2_points[0], g2_points[1]);
    check_srs(&srs)?;
    Ok((srs, power))
}

/// Big-endian hex of little-endian bytes.
fn hex_le(bytes: &[u8]) -> String {
    bytes.iter().rev().map(|b| format!("{b:02x}")).collect()
}
