//! zkinfer's SRS files: a header, then halo2's raw point layout; read whole or only the part a
//! circuit needs.

use super::points::{from_points, too_small, Srs};
use crate::artifact::{Header, Kind};
use crate::error::{ProverError, Result};
use halo2_proofs::arithmetic::parallelize;
use halo2_proofs::halo2curves::bn256::{G1Affine, G2Affine};
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::SerdeFormat;
use std::io::{BufReader, BufWriter, Read, Seek};
use std::path::Path;

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
pub(crate) const G1_RAW: u64 = 64;
pub(crate) const G2_RAW: u64 = 128;

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
pub(crate) fn read_raw_points(
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
