//! `zkinfer verify`: check a proof.json against a verifying key, with nothing else.

use std::path::PathBuf;
use zkinfer::prover::receipt::ProofFile;
use zkinfer::prover::srs::DEV_LABEL;
use zkinfer::quantize::Visibility;

/// Arguments of `zkinfer verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The proof file.
    #[arg(long)]
    proof: PathBuf,
    /// The verifying key (from `zkinfer setup`, or the key cache of a one-shot prove).
    #[arg(long)]
    vk: PathBuf,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let file = ProofFile::read(&a.proof)?;
    let label = zkinfer::steps::verify_file(&file, &a.vk)?;
    let identity = &file.vk_hash;
    let dev = label.starts_with(DEV_LABEL);
    if a.json {
        println!(
            "{}",
            serde_json::json!({"verified": true, "vk_hash": identity, "insecure_srs": dev, "visibility": file.visibility, "instances": file.instances, "inputs": file.inputs, "outputs": file.outputs})
        );
        return Ok(());
    }
    if dev {
        eprintln!("warning: this key was made with an INSECURE development SRS; the proof is only as good as that SRS");
    }
    println!("proof verified for model identity {identity}");
    let listed = file.inputs.iter().map(|t| ("input", t));
    for (kind, o) in listed.chain(file.outputs.iter().map(|t| ("output", t))) {
        let head: Vec<String> = o.values.iter().take(6).map(|v| format!("{v:.6}")).collect();
        println!(
            "  {kind} '{}' {}: [{}{}]",
            o.name,
            super::shape_str(&o.shape),
            head.join(", "),
            if o.values.len() > 6 { ", …" } else { "" }
        );
    }
    let visibility = file.visibility.unwrap_or_default();
    if visibility.input == Visibility::Hashed {
        let digest = file.instances.first().map_or("?", String::as_str);
        println!("  inputs: Poseidon digest {digest} (compare with `zkinfer hash`)");
    }
    if visibility.output == Visibility::Hashed {
        let digest = file.instances.last().map_or("?", String::as_str);
        println!("  outputs: Poseidon digest {digest} (the listed outputs hash to it)");
    }
    if file.outputs.is_empty() {
        println!("  (the outputs are private: the proof does not reveal them)");
    }
    Ok(())
}
