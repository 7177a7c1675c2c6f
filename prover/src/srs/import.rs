//! Importing a ceremony's SRS: a snarkjs Powers-of-Tau file or a halo2 KZG params file,
//! checked and labelled with the file's hash.

use super::file::read_raw_points;
use super::points::{check_srs, Srs};
use crate::artifact::hex;
use crate::error::{ProverError, Result};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read, Seek};
use std::path::Path;

/// Imports an SRS file: a snarkjs Powers-of-Tau file (`.ptau`, see [`super::ptau`]) or a
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
            super::ptau::import_ptau(&mut BufReader::new(f), k, zkinfer_circuits::plan::MAX_K)?;
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
