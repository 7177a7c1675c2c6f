//! `zkinfer setup`: proving and verifying keys for a model and its settings.

use std::path::PathBuf;
use std::time::Instant;
use zkinfer::internals::quantize::Settings;
use zkinfer::{steps, Compiled, Device, Model};

/// Arguments of `zkinfer setup`.
#[derive(clap::Args)]
pub struct Args {
    /// ONNX model.
    model: PathBuf,
    /// Settings from `zkinfer calibrate`.
    #[arg(long)]
    settings: PathBuf,
    /// SRS file (default: the cached INSECURE development SRS).
    #[arg(long)]
    srs: Option<PathBuf>,
    /// Directory for `pk` and `vk`.
    #[arg(short, long, default_value = ".")]
    output: PathBuf,
    /// Value for a symbolic batch dimension.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Where commitments' MSMs run: cpu, gpu or auto (see `zkinfer prove --help`).
    #[arg(long, default_value = "cpu")]
    device: Device,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let model = Model::load(&a.model, a.batch)?;
    let settings = Settings::read(&a.settings)?;
    let c = Compiled::new(&model, &settings)?;
    let (srs, label) = super::steps::srs_for(a.srs.as_deref(), c.plan.k, false)?;
    let msm = super::steps::open_device(a.device, false)?.msm;
    let t = Instant::now();
    let sp = super::spinner(&format!("generating keys (k = {})", c.plan.k), false);
    let keys = steps::setup(&msm, &c, &srs, &label, &a.output)?;
    let (pk_path, vk_path) = (a.output.join("pk"), a.output.join("vk"));
    sp.finish_and_clear();
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    println!(
        "circuit {} (k = {}, {} gate lanes, {} lookup lanes): setup {:.2}s, pk {} bytes, vk {} bytes",
        &c.hash_hex()[..16],
        c.plan.k,
        c.plan.lanes,
        c.plan.all_lookup_lanes(),
        t.elapsed().as_secs_f64(),
        size(&pk_path),
        size(&vk_path)
    );
    println!("model identity {}", zkinfer::internals::prover::artifact::hex(&keys.identity));
    println!("wrote {} and {}", pk_path.display(), vk_path.display());
    Ok(())
}
