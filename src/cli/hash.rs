//! `zkinfer hash`: the Poseidon digests a proof publishes for hashed inputs, outputs or weights,
//! from the data itself, so a verifier holding the data can check a proof is about it.

use std::path::PathBuf;
use zkinfer::internals::prover::instance::to_decimal;
use zkinfer::internals::quantize::Settings;
use zkinfer::{steps, Compiled};

/// Arguments of `zkinfer hash`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: super::ModelInput,
    /// Settings the proof was made with (they fix the scales the values are quantized at).
    #[arg(long)]
    settings: PathBuf,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let (model, inputs) = a.m.load()?;
    let settings = Settings::read(&a.settings)?;
    let c = Compiled::new(&model, &settings)?;
    let witness = steps::witness(&c, &inputs)?;
    let [input, output, weights] = steps::digests(&c.qgraph, &witness).map(|d| to_decimal(&d));
    if a.json {
        println!(
            "{}",
            serde_json::json!({"input_digest": input, "output_digest": output, "weights_digest": weights})
        );
        return Ok(());
    }
    println!("Poseidon digest of the inputs:  {input}");
    println!("Poseidon digest of the outputs: {output}");
    println!("Poseidon digest of the weights: {weights}");
    println!(
        "(a proof with hashed inputs or outputs carries these as its public instances; \
         compare them with the proof's `instances`)"
    );
    Ok(())
}
