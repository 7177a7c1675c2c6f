//! `zkinfer keygen`: a signing key for receipts, written only its owner can read.

use std::path::PathBuf;
use zkinfer::internals::receipt_format::keys::{Scheme, Signer};

/// Arguments of `zkinfer keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// secp256k1 (an Ethereum address; contracts check it with ecrecover) or ed25519.
    #[arg(long, default_value = "secp256k1")]
    scheme: Scheme,
    /// The new key file (never overwritten).
    #[arg(short, long)]
    output: PathBuf,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let key = Signer::generate(a.scheme);
    key.write(&a.output)?;
    println!("{} key {}", a.scheme, key.key_id());
    println!("wrote {} (owner-only; keep it out of version control)", a.output.display());
    Ok(())
}
