//! `zkinfer verify`: check a proof.json against a verifying key, with nothing else.

use std::path::PathBuf;
use zkinfer::prover::artifact::hex;
use zkinfer::prover::keys::read_vk;
use zkinfer::prover::receipt::ProofFile;
use zkinfer::prover::srs::DEV_LABEL;
use zkinfer::prover::{verify, vk_hash};

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
    let bundle = read_vk(&a.vk, None)?;
    let file = ProofFile::read(&a.proof)?;
    let circuit = hex(&bundle.header.circuit_hash);
    if file.circuit_hash != circuit {
        anyhow::bail!(
            "the proof is for circuit {}, the verifying key for circuit {circuit}",
            file.circuit_hash
        );
    }
    let identity = hex(&vk_hash(&bundle.vk));
    if file.vk_hash != identity {
        anyhow::bail!(
            "the proof names verifying key {}, but this key hashes to {identity}",
            file.vk_hash
        );
    }
    let instances = file.instance_values().map_err(anyhow::Error::msg)?;
    let bytes = file.proof_bytes().map_err(anyhow::Error::msg)?;
    verify(&bundle.srs, &bundle.vk, &instances, &bytes)?;
    let dev = bundle.header.label.starts_with(DEV_LABEL);
    if a.json {
        println!(
            "{}",
            serde_json::json!({"verified": true, "vk_hash": identity, "insecure_srs": dev, "outputs": file.outputs})
        );
        return Ok(());
    }
    if dev {
        eprintln!("warning: this key was made with an INSECURE development SRS; the proof is only as good as that SRS");
    }
    println!("proof verified for model identity {identity}");
    for o in &file.outputs {
        let head: Vec<String> = o.values.iter().take(6).map(|v| format!("{v:.6}")).collect();
        println!(
            "  '{}' {}: [{}{}]",
            o.name,
            super::shape_str(&o.shape),
            head.join(", "),
            if o.values.len() > 6 { ", …" } else { "" }
        );
    }
    Ok(())
}
