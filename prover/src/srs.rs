//! Structured reference strings: a fast seeded development SRS (insecure: the seed reveals
//! the secret) and import of ceremony files (snarkjs `.ptau` or halo2 KZG params) with
//! pairing checks.

use crate::artifact::{hex, Header, Kind};
use crate::error::{ProverError, Result};
use halo2_proofs::arithmetic::parallelize;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine, G1};
use halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group, GroupEncoding};
use halo2_proofs::halo2curves::pairing::Engine;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::SerdeFormat;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Seek};
use std::path::Path;

/// KZG parameters over BN254.
pub type Srs = ParamsKZG<Bn256>;

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
fn dev_secret(seed: u64) -> Fr {
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
    let s_g2 = (g2 * s).to_affine();
    let shell = Srs::setup(0, ChaCha20Rng::seed_from_u64(0));
    shell.from_parts(k, g, Some(g_lagrange), g2, s_g2)
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

/// Writes an SRS with its header.
///
/// # Errors
/// I/O errors.
pub fn write_srs(srs: &Srs, label: &str, path: &Path) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut w = BufWriter::new(std::fs::File::create(path).map_err(io)?);
    Header::new(Kind::Srs, [0; 32], srs.k(), label).write(&mut w).map_err(io)?;
    srs.write_custom(&mut w, SerdeFormat::RawBytesUnchecked).map_err(io)
}

/// Reads an SRS written by [`write_srs`]; returns it with its header.
///
/// # Errors
/// Unreadable, foreign or corrupt files.
pub fn read_srs(path: &Path) -> Result<(Srs, Header)> {
    let p = path.display().to_string();
    let f =
        std::fs::File::open(path).map_err(|source| ProverError::Io { path: p.clone(), source })?;
    read_srs_from(&mut BufReader::new(f), &p)
}

/// Bytes of one G1 and one G2 point in an SRS file (uncompressed, as halo2 writes them raw).
const G1_RAW: u64 = 64;
const G2_RAW: u64 = 128;

/// [`read_srs`] from any seekable reader (`path` names it in errors). halo2's reader takes k
/// from the data and panics on a short file, so k is checked against the header and the
/// planner's limit, and the data's length against what 2^k points take, before it runs.
///
/// # Errors
/// Foreign, corrupt or truncated data.
pub fn read_srs_from(r: &mut (impl Read + Seek), path: &str) -> Result<(Srs, Header)> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let header = Header::read(r, Kind::Srs, path)?;
    let start = r.stream_position().map_err(|e| bad(e.to_string()))?;
    let mut k = [0u8; 4];
    r.read_exact(&mut k).map_err(|e| bad(format!("corrupt SRS data: {e}")))?;
    let k = u32::from_le_bytes(k);
    if k != header.k || k > zkinfer_circuits::plan::MAX_K {
        return Err(bad(format!(
            "corrupt SRS data: k = {k} (the header says {}, zkinfer uses at most {})",
            header.k,
            zkinfer_circuits::plan::MAX_K
        )));
    }
    let end = r.seek(std::io::SeekFrom::End(0)).map_err(|e| bad(e.to_string()))?;
    let expected = 4 + 2 * (1u64 << k) * G1_RAW + 2 * G2_RAW;
    if end.checked_sub(start) != Some(expected) {
        return Err(bad(format!(
            "corrupt SRS data: {} bytes for 2^{k} points, expected {expected}",
            end.saturating_sub(start)
        )));
    }
    r.seek(std::io::SeekFrom::Start(start)).map_err(|e| bad(e.to_string()))?;
    let srs = Srs::read_custom(r, SerdeFormat::RawBytesUnchecked)
        .map_err(|e| bad(format!("corrupt SRS data: {e}")))?;
    Ok((srs, header))
}

/// Imports an SRS file: a snarkjs Powers-of-Tau file (`.ptau`, see [`crate::ptau`]) or a
/// halo2 KZG params file (the format `ParamsKZG::write` produces), shrunk to 2^k rows when `k`
/// is given. Checks it and returns it with a provenance label that pins the file's hash.
///
/// # Errors
/// Unreadable, malformed or inconsistent files, or a `k` larger than the file provides.
pub fn import_params(path: &Path, k: Option<u32>) -> Result<(Srs, String)> {
    let p = path.display().to_string();
    let io = |source| ProverError::Io { path: p.clone(), source };
    let mut f = std::fs::File::open(path).map_err(io)?;
    // The file's hash, streamed: ceremony files run to tens of gigabytes.
    let mut hasher = Sha256::new();
    std::io::copy(&mut BufReader::new(&mut f), &mut hasher).map_err(io)?;
    let sha = hex(&hasher.finalize());
    let mut magic = [0u8; 4];
    f.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    let is_ptau = f.read_exact(&mut magic).is_ok() && &magic == b"ptau";
    f.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    if is_ptau {
        let (srs, power) =
            crate::ptau::import_ptau(&mut BufReader::new(f), k, zkinfer_circuits::plan::MAX_K)?;
        return Ok((srs, format!("imported ptau power={power} sha256={sha}")));
    }
    let srs = Srs::read(&mut BufReader::new(f)).map_err(|e| ProverError::Format {
        path: p.clone(),
        reason: format!("neither a snarkjs .ptau file nor a halo2 KZG params file: {e}"),
    })?;
    check_srs(&srs)?;
    let srs = match k {
        Some(k) => fit(srs, k)?,
        None => srs,
    };
    Ok((srs, format!("imported sha256={sha}")))
}

/// Shrinks an SRS to `k` if it is larger.
///
/// # Errors
/// When it is smaller than the circuit needs.
pub fn fit(mut srs: Srs, k: u32) -> Result<Srs> {
    if srs.k() < k {
        return Err(ProverError::Mismatch {
            what: "SRS size".into(),
            detail: format!("the circuit needs k = {k}, the SRS only has k = {}; generate or import a larger one", srs.k()),
        });
    }
    if srs.k() > k {
        srs.downsize(k);
    }
    Ok(srs)
}

/// What a verifier relied on for the SRS points in a verifying key. The points decide
/// soundness (whoever knows the secret behind s·G2 can forge any proof), so a verifier says
/// which of these it did; the model identity covers the points either way.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SrsTrust {
    /// The INSECURE development SRS of `seed`: s·G2 recomputed from the seed and equal.
    Dev {
        /// The seed the key's label names.
        seed: u64,
    },
    /// Checked against an SRS file the verifier named: the same s·G2.
    Pinned {
        /// That file's provenance label.
        label: String,
    },
    /// Not checked: the key's points, as its label describes them (pin the identity, or pass
    /// the ceremony's SRS, to trust them).
    FromKey {
        /// The key's provenance label.
        label: String,
        /// s·G2 as stored (compressed, hex).
        s_g2: String,
    },
}

impl SrsTrust {
    /// One line for a person.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Dev { seed } => format!(
                "INSECURE development SRS (seed {seed}; s·G2 recomputed from it): anyone can \
                 forge proofs under it"
            ),
            Self::Pinned { label } => format!("s·G2 checked against the given SRS ({label})"),
            Self::FromKey { label, s_g2 } => format!(
                "s·G2 = {}… taken from the key ({label}), not checked against a ceremony: pass \
                 --srs with the ceremony's SRS, or pin the model identity",
                &s_g2[..s_g2.len().min(16)]
            ),
        }
    }

    /// Whether the SRS is the insecure development one.
    #[must_use]
    pub fn is_insecure(&self) -> bool {
        matches!(self, Self::Dev { .. })
    }
}

/// Decides what a verifier trusts about a key's SRS points (`label`, `s_g2`): the SRS file it
/// names (`pinned`, with that file's label) must have the same s·G2; a key labelled as the
/// development SRS must carry that seed's s·G2; otherwise the key's point is reported as taken
/// on trust.
///
/// # Errors
/// [`ProverError::Mismatch`] when the key's s·G2 is not the named SRS's or the seed's.
pub fn srs_trust(label: &str, s_g2: &G2Affine, pinned: Option<(&Srs, &str)>) -> Result<SrsTrust> {
    let dev_s_g2 = |seed: u64| (G2Affine::generator() * dev_secret(seed)).to_affine();
    if let Some((srs, pinned_label)) = pinned {
        if srs.s_g2() != *s_g2 || srs.g2() != G2Affine::generator() {
            return Err(ProverError::Mismatch {
                what: "SRS".into(),
                detail: format!(
                    "the verifying key's s·G2 is not that of the given SRS ({pinned_label}); the \
                     key says it was made with: {label}"
                ),
            });
        }
        // A pinned development SRS is still insecure, whatever the key's label says.
        if let Some(seed) = dev_seed(pinned_label) {
            return Ok(SrsTrust::Dev { seed });
        }
        return Ok(SrsTrust::Pinned { label: pinned_label.to_string() });
    }
    if label.starts_with(DEV_LABEL) {
        let seed = dev_seed(label).ok_or_else(|| ProverError::Mismatch {
            what: "SRS".into(),
            detail: format!("the key's SRS label '{label}' names no seed"),
        })?;
        if dev_s_g2(seed) != *s_g2 {
            return Err(ProverError::Mismatch {
                what: "SRS".into(),
                detail: format!(
                    "the key says it was made with the development SRS of seed {seed}, but its \
                     s·G2 is not that SRS's (altered key)"
                ),
            });
        }
        return Ok(SrsTrust::Dev { seed });
    }
    // A development SRS under another label is still the development SRS.
    if dev_s_g2(DEV_SEED) == *s_g2 {
        return Ok(SrsTrust::Dev { seed: DEV_SEED });
    }
    Ok(SrsTrust::FromKey { label: label.to_string(), s_g2: hex(s_g2.to_bytes().as_ref()) })
}

/// The seed a development SRS label names.
fn dev_seed(label: &str) -> Option<u64> {
    label.strip_prefix(DEV_LABEL)?.trim().parse().ok()
}
