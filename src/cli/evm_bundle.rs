//! `zkinfer create-evm-verifier --bundle` and `verify-evm --bundle`: a model proven in parts,
//! verified on chain in one transaction.

use std::path::Path;
use zkinfer::bundle::{create_bundle_evm_verifier, verify_bundle_evm};
use zkinfer::onchain::VerifierForm;

pub fn create(
    bundle: &Path,
    output: Option<&Path>,
    allow_oversize: bool,
    form: VerifierForm,
) -> anyhow::Result<()> {
    let dir = output.map_or_else(
        || bundle.parent().unwrap_or_else(|| Path::new(".")).join("evm"),
        Path::to_path_buf,
    );
    let f = create_bundle_evm_verifier(bundle, &dir, allow_oversize, form)?;
    for (i, p) in f.parts.iter().enumerate() {
        let size = p.deployed_bytes.map_or_else(String::new, |b| format!(" ({b} bytes deployed)"));
        let split = if p.parts.is_empty() {
            String::new()
        } else {
            format!(", split into {} contracts deployed before it", p.parts.len())
        };
        println!("part {}: {}{size}{split}", i + 1, p.solidity.display());
    }
    println!(
        "bundle contract: {} and {} ({} bytes deployed)",
        f.solidity.display(),
        f.bytecode.display(),
        f.deployed_bytes
    );
    println!(
        "deploy each part's verifier, then {} with their addresses in part order as its \
         constructor argument (address[{}]); call it with `zkinfer encode-calldata --bundle \
         {}`; `zkinfer verify-evm --bundle {}` does all of it on an in-process EVM",
        f.bytecode.display(),
        f.parts.len(),
        bundle.display(),
        bundle.display()
    );
    Ok(())
}

pub fn verify(
    bundle: &Path,
    allow_oversize: bool,
    form: VerifierForm,
    json: bool,
) -> anyhow::Result<()> {
    let r = verify_bundle_evm(bundle, allow_oversize, form)?;
    if json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        for (i, p) in r.parts.iter().enumerate() {
            println!(
                "part {}: {} alone, {} gas (verifier {} bytes deployed)",
                i + 1,
                match (p.accepted, p.out_of_gas) {
                    (true, _) => "accepted",
                    (false, true) => "OUT OF GAS",
                    (false, false) => "REJECTED",
                },
                p.gas_used,
                p.deployed_bytes
            );
        }
        let sum: u64 = r.parts.iter().map(|p| p.gas_used).sum();
        println!(
            "bundle contract {}: {} gas in one transaction ({sum} for the parts as separate \
             transactions; contract {} bytes deployed, {} gas to deploy everything)",
            if r.accepted { "accepted every part and link" } else { "REJECTED the bundle" },
            r.gas_used,
            r.bundle_bytes,
            r.deploy_gas
        );
    }
    if !r.accepted {
        anyhow::bail!(
            "the bundle contract rejected {}: {}",
            bundle.display(),
            r.reason.as_deref().unwrap_or("reverted")
        );
    }
    Ok(())
}
