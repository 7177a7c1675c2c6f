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
use halo2_proofs::halo2curves::serde::SerdeObject;
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
    from_points(k, g, g_lagrange, g2, (g2 * s).to_affine())
}

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
    srs.write_custom(&mut w, SerdeFormat::RawBytesUnchecked).map_err(io)?;
    // Flushed here, so a full disk is an error rather than a silently cut file.
    w.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)
}

/// Reads an SRS written by [`write_srs`]; returns it with its header.
///
/// # Errors
/// Unreadable, foreign or corrupt files.
pub fn read_srs(path: &Path) -> Result<(Srs, Header)> {
    read_srs_sized(path, None)
}

/// Reads the part of an SRS file a circuit of size `k` needs: its first 2^k monomial points
/// (and the Lagrange points only when the file is exactly that size), so a ceremony-size file
/// costs no more to use than one of the circuit's size. See [`fit`] for why no Lagrange basis
/// is computed.
///
/// # Errors
/// Unreadable, foreign or corrupt files, or a file smaller than the circuit needs.
pub fn read_srs_for(path: &Path, k: u32) -> Result<(Srs, Header)> {
    read_srs_sized(path, Some(k))
}

fn read_srs_sized(path: &Path, k: Option<u32>) -> Result<(Srs, Header)> {
    let p = path.display().to_string();
    let f =
        std::fs::File::open(path).map_err(|source| ProverError::Io { path: p.clone(), source })?;
    read_srs_part(&mut BufReader::new(f), &p, k)
}

/// Bytes of one G1 and one G2 point in an SRS file (uncompressed, as halo2 writes them raw).
const G1_RAW: u64 = 64;
const G2_RAW: u64 = 128;

/// [`read_srs`] from any seekable reader (`path` names it in errors).
///
/// # Errors
/// Foreign, corrupt or truncated data.
pub fn read_srs_from(r: &mut (impl Read + Seek), path: &str) -> Result<(Srs, Header)> {
    read_srs_part(r, path, None)
}

/// The SRS data is halo2's raw layout: k (u32), the 2^k monomial points, the 2^k Lagrange
/// points when present, then G2 and s·G2. k is checked against the header and the planner's
/// limit, and the data's length against what 2^k points take (with or without the Lagrange
/// points), before any point is read, so a short or padded file is an error, not a panic.
fn read_srs_part(
    r: &mut (impl Read + Seek),
    path: &str,
    want: Option<u32>,
) -> Result<(Srs, Header)> {
    let header = Header::read(r, Kind::Srs, path)?;
    let srs = read_raw_points(r, path, Some(header.k), want)?;
    Ok((srs, header))
}

/// Reads halo2's raw SRS layout from the reader's position to its end (see
/// [`read_srs_part`]); `header_k` is the k the data must state. Every point is checked to be
/// on its curve (BN254's G1 has cofactor 1, so that is subgroup membership too) and G2 must be
/// the generator, which also refuses a file cut exactly where the Lagrange points begin.
fn read_raw_points(
    r: &mut (impl Read + Seek),
    path: &str,
    header_k: Option<u32>,
    want: Option<u32>,
) -> Result<Srs> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let start = r.stream_position().map_err(|e| bad(e.to_string()))?;
    let mut k = [0u8; 4];
    r.read_exact(&mut k).map_err(|e| bad(format!("corrupt SRS data: {e}")))?;
    let k = u32::from_le_bytes(k);
    if header_k.is_some_and(|h| h != k) || k > zkinfer_circuits::plan::MAX_K {
        return Err(bad(format!(
            "corrupt SRS data: k = {k} (the header says {}, zkinfer uses at most {})",
            header_k.map_or_else(|| "nothing".to_string(), |h| h.to_string()),
            zkinfer_circuits::plan::MAX_K
        )));
    }
    let end = r.seek(std::io::SeekFrom::End(0)).map_err(|e| bad(e.to_string()))?;
    let n = 1u64 << k;
    let with_lagrange = 4 + 2 * n * G1_RAW + 2 * G2_RAW;
    let without_lagrange = 4 + n * G1_RAW + 2 * G2_RAW;
    let len = end.saturating_sub(start);
    if len != with_lagrange && len != without_lagrange {
        return Err(bad(format!(
            "corrupt SRS data: {len} bytes for 2^{k} points, expected {with_lagrange} (with \
             the Lagrange basis) or {without_lagrange} (without)"
        )));
    }
    let target = want.unwrap_or(k);
    if target > k {
        return Err(too_small(target, k));
    }
    let corrupt = |e: String| bad(format!("corrupt SRS data: {e}"));
    r.seek(std::io::SeekFrom::Start(start + 4)).map_err(|e| bad(e.to_string()))?;
    let g = read_g1(r, 1usize << target).map_err(corrupt)?;
    let lagrange = if target == k && len == with_lagrange {
        read_g1(r, 1usize << k).map_err(corrupt)?
    } else {
        Vec::new()
    };
    r.seek(std::io::SeekFrom::Start(end - 2 * G2_RAW)).map_err(|e| bad(e.to_string()))?;
    let mut g2 = [[0u8; 128]; 2];
    for point in &mut g2 {
        r.read_exact(point).map_err(|e| corrupt(e.to_string()))?;
    }
    let [g2, s_g2] = g2.map(|bytes| G2Affine::from_raw_bytes(&bytes));
    let (Some(g2), Some(s_g2)) = (g2, s_g2) else {
        return Err(corrupt("a G2 point is not on the curve".into()));
    };
    if g2 != G2Affine::generator() {
        return Err(corrupt("the G2 point is not the generator".into()));
    }
    Ok(from_points(target, g, lagrange, g2, s_g2))
}

/// `n` raw G1 points, each checked to be on the curve.
fn read_g1(r: &mut impl Read, n: usize) -> std::result::Result<Vec<G1Affine>, String> {
    let mut bytes = vec![0u8; n * 64];
    r.read_exact(&mut bytes).map_err(|e| e.to_string())?;
    let mut points = vec![None; n];
    parallelize(&mut points, |chunk, start| {
        for (i, p) in chunk.iter_mut().enumerate() {
            let at = (start + i) * 64;
            *p = G1Affine::from_raw_bytes(&bytes[at..at + 64]);
        }
    });
    points.into_iter().collect::<Option<_>>().ok_or_else(|| "a G1 point is not on the curve".into())
}

fn too_small(need: u32, have: u32) -> ProverError {
    ProverError::Mismatch {
        what: "SRS size".into(),
        detail: format!(
            "the circuit needs k = {need}, the SRS only has k = {have}; generate or import a \
             larger one"
        ),
    }
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
    let srs = read_raw_points(&mut BufReader::new(f), &p, None, k).map_err(|e| match e {
        ProverError::Format { path, reason } => ProverError::Format {
            path,
            reason: format!("neither a snarkjs .ptau file nor a halo2 KZG params file: {reason}"),
        },
        other => other,
    })?;
    check_srs(&srs)?;
    Ok((srs, format!("imported sha256={sha}")))
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

/// The SRS without its Lagrange points (see [`fit`] for how commitments are made then).
#[must_use]
pub fn without_lagrange(srs: &Srs) -> Srs {
    from_points(srs.k(), srs.get_g().to_vec(), Vec::new(), srs.g2(), srs.s_g2())
}

/// Whether an SRS carries its Lagrange points ([`fit`] and [`read_srs_for`] drop them).
#[must_use]
pub fn has_lagrange(srs: &Srs) -> bool {
    lagrange_bytes(srs, false).is_some()
}

/// The SRS's Lagrange points, when it has them.
#[must_use]
pub fn lagrange_points(srs: &Srs) -> Option<Vec<G1Affine>> {
    let bytes = lagrange_bytes(srs, true)?;
    Some(bytes.chunks_exact(64).map(G1Affine::from_raw_bytes_unchecked).collect())
}

/// The raw Lagrange points of an SRS that has them (only their presence when `keep` is
/// false: nothing is copied). halo2 keeps them private, so they are read from its raw
/// serialisation: k (4 bytes), the 2^k monomial points, the 2^k Lagrange points when present
/// (64 bytes each), then 256 bytes of G2 points; its length says whether they are there.
fn lagrange_bytes(srs: &Srs, keep: bool) -> Option<Vec<u8>> {
    /// Keeps the bytes `[skip, skip + want)` of a stream and counts them all.
    struct Sink {
        skip: usize,
        want: usize,
        bytes: Vec<u8>,
        total: u64,
    }
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.total += buf.len() as u64;
            let skipped = self.skip.min(buf.len());
            self.skip -= skipped;
            let rest = &buf[skipped..];
            let take = (self.want - self.bytes.len()).min(rest.len());
            self.bytes.extend_from_slice(&rest[..take]);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let n = usize::try_from(srs.n()).ok()?;
    let want = if keep { n * 64 } else { 0 };
    let mut sink = Sink { skip: 4 + n * 64, want, bytes: Vec::new(), total: 0 };
    // Writing to memory cannot fail; a short stream is caught by the length check.
    let _ = srs.write_custom(&mut sink, SerdeFormat::RawBytesUnchecked);
    (sink.total == 4 + 2 * srs.n() * G1_RAW + 2 * G2_RAW).then_some(sink.bytes)
}

/// The SRS with its Lagrange points, computed by an inverse FFT over the G1 points when it
/// has none ([`crate::lagrange`]). That FFT costs a scalar multiplication per butterfly
/// (about a minute at k = 17 on two cores), so callers cache the result (`zkinfer` keys its
/// cache by [`points_digest`]); commitments to the small values of advice and fixed columns
/// are several times cheaper with these points than through a field FFT.
#[must_use]
pub fn with_lagrange(srs: Srs) -> Srs {
    if has_lagrange(&srs) {
        return srs;
    }
    let lagrange = crate::lagrange::lagrange_basis(srs.get_g());
    from_points(srs.k(), srs.get_g().to_vec(), lagrange, srs.g2(), srs.s_g2())
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

/// Checks an SRS's Lagrange points against its monomial points: for random 64-bit r,
/// Σ r_i·L_i = Σ c_j·g_j with c the inverse FFT of r. A wrong point passes with probability
/// at most 2^-64. Costs two MSMs of 2^k points, far less than a setup or a proof.
#[must_use]
pub fn lagrange_consistent(srs: &Srs) -> bool {
    use halo2_proofs::poly::EvaluationDomain;
    let Some(lagrange) = lagrange_points(srs) else {
        return false;
    };
    let domain = EvaluationDomain::<Fr>::new(1, srs.k());
    let mut values = domain.empty_lagrange();
    let mut rng = ChaCha20Rng::from_entropy();
    for v in values.iter_mut() {
        *v = Fr::from(rand::RngCore::next_u64(&mut rng));
    }
    let lhs = halo2_proofs::arithmetic::best_multiexp(&values, &lagrange);
    let coeffs = domain.lagrange_to_coeff(values);
    let rhs = halo2_proofs::arithmetic::best_multiexp(&coeffs, srs.get_g());
    lhs == rhs
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
