//! `zkinfer doctor`: the GPU adapters this machine offers and what each `--device` choice
//! would do, with the reason when `auto` stays on the CPU.

use zkinfer_prover::gpu::{doctor, GpuOptions};

/// Arguments of `zkinfer doctor`.
#[derive(clap::Args)]
pub struct Args {}

pub fn main(_: &Args) -> anyhow::Result<()> {
    println!("zkinfer {}", env!("CARGO_PKG_VERSION"));
    println!("CPU: {}", zkinfer::internals::prover::cpu::arithmetic());
    println!("{}", doctor(&GpuOptions::from_env()));
    Ok(())
}
