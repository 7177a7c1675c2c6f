//! Shared steps of `setup`, `prove` and `mock`: settings, SRS and keys.

use std::path::{Path, PathBuf};
use zkinfer::prover::keygen;
use zkinfer::prover::keys::{read_pk, read_vk, write_pk, write_vk};
use zkinfer::prover::srs::{fit, read_srs, Srs, DEV_LABEL};
use zkinfer::quantize::{Settings, Target};
use zkinfer::{cache_dir, dev_srs_cached, Compiled, Model};

/// Settings from a file, or calibrated on the given inputs (announced on stderr).
pub fn settings_or_calibrate(
    model: &Model,
    settings: Option<&Path>,
    inputs: &[zkinfer::model_import::Tensor],
    target: Target,
    quiet: bool,
) -> anyhow::Result<Settings> {
    if let Some(p) = settings {
        return Ok(Settings::read(p)?);
    }
    if !quiet {
        eprintln!("note: no --settings given; calibrating on this input (target {target:?})");
    }
    Ok(model.calibrate(&[inputs.to_vec()], target, |_| {})?)
}

/// The SRS for a circuit: the given file (checked and shrunk to k) or the cached development
/// SRS, with a warning.
pub fn srs_for(path: Option<&Path>, k: u32, quiet: bool) -> anyhow::Result<(Srs, String)> {
    let (srs, label): (Srs, String) = match path {
        Some(p) => {
            let (srs, header) = read_srs(p)?;
            (fit(srs, k)?, header.label)
        }
        None => dev_srs_cached(k)?,
    };
    if label.starts_with(DEV_LABEL) && !quiet {
        eprintln!("warning: using an INSECURE development SRS; pass --srs with a ceremony SRS (`zkinfer srs import`) for production");
    }
    Ok((srs, label))
}

/// Directory of cached keys for a circuit.
pub fn key_cache(c: &Compiled) -> PathBuf {
    cache_dir().join("keys").join(c.hash_hex())
}

/// Loads cached keys or generates them; returns the proving key and whether it was cached.
pub fn cached_keys(
    c: &Compiled,
    srs: &Srs,
    srs_label: &str,
    quiet: bool,
) -> anyhow::Result<(
    zkinfer::circuits::halo2_proofs::plonk::ProvingKey<
        zkinfer::circuits::halo2_proofs::halo2curves::bn256::G1Affine,
    >,
    bool,
)> {
    let dir = key_cache(c);
    let (pk_path, vk_path) = (dir.join("pk"), dir.join("vk"));
    if pk_path.exists() && vk_path.exists() {
        if let Ok(bundle) = read_vk(&vk_path, Some(&c.hash)) {
            if bundle.header.label == srs_label {
                if let Ok((pk, _)) = read_pk(&pk_path, &c.hash) {
                    return Ok((pk, true));
                }
            }
        }
    }
    let sp =
        super::spinner(&format!("setting up keys (k = {}, one time per circuit)", c.plan.k), quiet);
    let pk = keygen(srs, &c.qgraph, &c.plan)?;
    write_pk(&pk, &c.plan, c.hash, &pk_path)?;
    write_vk(pk.get_vk(), &c.plan, srs, srs_label, c.hash, &vk_path)?;
    sp.finish_and_clear();
    Ok((pk, false))
}
