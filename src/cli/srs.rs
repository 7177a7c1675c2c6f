//! `zkinfer srs gen|import`: structured reference strings.

use std::path::PathBuf;
use zkinfer::internals::prover::srs::{dev_srs, import_params, write_srs, SrsOrigin};
use zkinfer::DEV_SEED;

/// Arguments of `zkinfer srs`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Generate an INSECURE development SRS from a seed (anyone with the seed can forge proofs).
    Gen {
        /// log2 of the largest circuit it serves.
        #[arg(long)]
        k: u32,
        /// Seed of the secret.
        #[arg(long, default_value_t = DEV_SEED)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Import a powers-of-tau ceremony file after checking it: a snarkjs `.ptau` file (e.g. the
    /// Perpetual Powers of Tau) or a halo2 KZG params file.
    Import {
        /// The `.ptau` or params file.
        file: PathBuf,
        /// log2 of the largest circuit it will serve (default: all the file has, at most 24);
        /// smaller is faster to load.
        #[arg(long)]
        k: Option<u32>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    match &a.command {
        Command::Gen { k, seed, output } => {
            if !(1..=zkinfer::internals::circuits::plan::MAX_K).contains(k) {
                anyhow::bail!(
                    "--k must be between 1 and {}",
                    zkinfer::internals::circuits::plan::MAX_K
                );
            }
            eprintln!("warning: this SRS is INSECURE (its secret follows from the seed); use it for development only");
            let sp = super::spinner(&format!("generating a 2^{k} development SRS"), false);
            let srs = dev_srs(*k, *seed);
            write_srs(&srs, &SrsOrigin::development(*seed).label(), output)?;
            sp.finish_and_clear();
            println!("wrote {} (k = {k}, INSECURE development SRS, seed {seed})", output.display());
        }
        Command::Import { file, k, output } => {
            let sp = super::spinner("checking the SRS", false);
            let (srs, label) = import_params(file, *k)?;
            write_srs(&srs, &label, output)?;
            sp.finish_and_clear();
            println!(
                "imported {} (k = {}, {label}) into {}",
                file.display(),
                zkinfer::internals::circuits::halo2_proofs::poly::commitment::Params::k(&srs),
                output.display()
            );
        }
    }
    Ok(())
}
