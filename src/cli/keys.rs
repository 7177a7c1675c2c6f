//! Shared steps of `setup`, `prove` and `mock` (see `zkinfer::steps`), with the notes and
//! progress the CLI shows around them.

use std::path::Path;
use zkinfer::circuits::halo2_proofs::halo2curves::bn256::G1Affine;
use zkinfer::circuits::halo2_proofs::plonk::ProvingKey;
use zkinfer::prover::srs::{Srs, DEV_LABEL};
use zkinfer::quantize::{Settings, Target};
use zkinfer::{steps, Compiled, Model};

/// Settings from a file, or calibrated on the given inputs (announced on stderr).
pub fn settings_or_calibrate(
    model: &Model,
    settings: Option<&Path>,
    inputs: &[zkinfer::model_import::Tensor],
    target: Target,
    quiet: bool,
) -> anyhow::Result<Settings> {
    if settings.is_none() && !quiet {
        eprintln!("note: no --settings given; calibrating on this input (target {target:?})");
    }
    Ok(steps::settings_or_calibrate(model, settings, inputs, target)?)
}

/// The SRS for a circuit, warning when it is the development SRS.
pub fn srs_for(path: Option<&Path>, k: u32, quiet: bool) -> anyhow::Result<(Srs, String)> {
    let (srs, label) = steps::srs_for(path, k)?;
    if label.starts_with(DEV_LABEL) && !quiet {
        eprintln!("warning: using an INSECURE development SRS; pass --srs with a ceremony SRS (`zkinfer srs import`) for production");
    }
    Ok((srs, label))
}

/// The given or cached proving key, with a spinner while it is loaded or generated.
pub fn proving_key(
    c: &Compiled,
    srs: &Srs,
    srs_label: &str,
    pk: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<(ProvingKey<G1Affine>, bool)> {
    let sp = super::spinner(
        &format!("loading or setting up keys (k = {}, one time per circuit)", c.plan.k),
        quiet,
    );
    let keys = steps::proving_key(c, srs, srs_label, pk)?;
    sp.finish_and_clear();
    Ok(keys)
}
