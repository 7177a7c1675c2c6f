//! Compile, set up, prove and verify: the steps between a quantized model and a proof.

use crate::Result;
use std::path::PathBuf;
use zkinfer_circuits::halo2_proofs::poly::commitment::{Params, ParamsProver};
use zkinfer_circuits::{plan_within, Plan};
use zkinfer_prover::artifact::hex;
pub use zkinfer_prover::srs::DEV_SEED;
use zkinfer_prover::srs::{
    lagrange_consistent, points_digest, read_srs, with_lagrange, without_lagrange, write_srs,
    SrsOrigin,
};
use zkinfer_prover::{circuit_hash, dev_srs, Srs};
use zkinfer_quantize::{QGraph, Settings};

/// A model compiled to a circuit: the quantized graph, its layout and its identity.
pub struct Compiled {
    /// Quantized graph.
    pub qgraph: QGraph,
    /// Layout plan.
    pub plan: Plan,
    /// Circuit hash.
    pub hash: [u8; 32],
}

impl Compiled {
    /// Quantizes and plans a model.
    ///
    /// # Errors
    /// Quantization or layout errors.
    pub fn new(model: &crate::Model, settings: &Settings) -> Result<Self> {
        let qgraph = model.quantize(settings)?;
        let plan = plan_within(&qgraph, settings.max_lanes, settings.linear_check)?;
        let hash = circuit_hash(&qgraph, &plan);
        Ok(Self { qgraph, plan, hash })
    }

    /// Circuit hash as hex.
    #[must_use]
    pub fn hash_hex(&self) -> String {
        hex(&self.hash)
    }
}

/// Where zkinfer caches SRS files and keys: `$ZKINFER_CACHE`, else `~/.cache/zkinfer`.
#[must_use]
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ZKINFER_CACHE") {
        return PathBuf::from(d);
    }
    std::env::var_os("HOME").map_or_else(
        || PathBuf::from(".zkinfer-cache"),
        |h| PathBuf::from(h).join(".cache/zkinfer"),
    )
}

/// An SRS with Lagrange points that are checked against its monomial points
/// ([`lagrange_consistent`]: wrong ones would commit the verifying key to other fixed
/// columns). An SRS read for a smaller circuit than its file
/// ([`zkinfer_prover::srs::read_srs_for`]) has none, and computing them costs an FFT over G1
/// points (over a minute at k = 17), so they are cached by the digest of the points they
/// derive from ([`points_digest`]) and checked on every load: a ceremony-size SRS costs its
/// FFT once per circuit size, then what an exact-size one does. A file whose own Lagrange
/// points fail the check is treated as having none. `computing` is called before a cache
/// miss's FFT. A cache that cannot be written only costs the FFT again next time.
///
/// # Errors
/// None today; the result type leaves room for a cache that must be readable.
pub fn with_lagrange_cached(srs: Srs, label: &str, computing: &dyn Fn(u32)) -> Result<Srs> {
    let k = srs.k();
    // A file's own Lagrange points that fail the check are treated as absent.
    if lagrange_consistent(&srs) {
        return Ok(srs);
    }
    let srs = without_lagrange(&srs);
    let digest = hex(&points_digest(&srs));
    let path = cache_dir().join(format!("srs/lagrange-k{k}-{}.srs", &digest[..32]));
    if let Ok((cached, header)) = read_srs(&path) {
        if header.k == k
            && cached.get_g() == srs.get_g()
            && (cached.g2(), cached.s_g2()) == (srs.g2(), srs.s_g2())
            && lagrange_consistent(&cached)
        {
            return Ok(cached);
        }
    }
    computing(k);
    let srs = with_lagrange(srs);
    // A cache that cannot be written only costs the FFT again next time.
    let _ = write_aside(&srs, label, &path);
    Ok(srs)
}

/// Writes a cached SRS whole or not at all, so a concurrent reader never sees half a file.
fn write_aside(srs: &Srs, label: &str, path: &std::path::Path) -> Result<()> {
    Ok(zkinfer_prover::artifact::write_aside(path, |tmp| write_srs(srs, label, tmp))?)
}

/// The cached development SRS for size `k` (generated on first use). INSECURE.
///
/// # Errors
/// Cache I/O errors.
pub fn dev_srs_cached(k: u32) -> Result<(Srs, String)> {
    let path = cache_dir().join(format!("srs/dev-k{k}.srs"));
    let label = SrsOrigin::development(DEV_SEED).label();
    if path.exists() {
        if let Ok((srs, header)) = read_srs(&path) {
            if header.k == k && header.label == label && lagrange_consistent(&srs) {
                return Ok((srs, label));
            }
        }
    }
    let srs = dev_srs(k, DEV_SEED);
    write_aside(&srs, &label, &path)?;
    Ok((srs, label))
}
