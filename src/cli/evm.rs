//! `zkinfer create-evm-verifier`, `encode-calldata` and `verify-evm`: the on-chain path.

use anyhow::Context;
use std::path::PathBuf;
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::verifier::calldata::encode_proof_file;
use zkinfer::internals::verifier::hex::encode_0x;
use zkinfer::internals::verifier::solidity::EIP170_LIMIT;
use zkinfer::onchain::{create_evm_verifier, verify_evm, VerifierForm};

/// Arguments of `zkinfer create-evm-verifier`.
#[derive(clap::Args)]
pub struct CreateArgs {
    /// The verifying key (from `zkinfer setup`).
    #[arg(long, required_unless_present = "bundle")]
    vk: Option<PathBuf>,
    /// A bundle.json from `zkinfer prove --parts` instead: write each part's verifier
    /// (`part-N.Verifier.sol`) and the bundle contract that calls them all and checks the links
    /// in one transaction (`Bundle.sol`, `Bundle.bin`) into the -o directory (default: `evm/`
    /// beside the bundle).
    #[arg(long, conflicts_with_all = ["vk", "reusable", "identity", "settings"])]
    bundle: Option<PathBuf>,
    /// The settings the key was made with; recorded in the contract's header comment.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Solidity output (default Verifier.sol). The ABI goes to `<stem>.abi.json` and, when a
    /// compiler is found, the creation bytecode to `<stem>.bin` beside it. With --bundle, a
    /// directory.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write the contract even when its code exceeds the EIP-170 size limit.
    #[arg(long, conflicts_with = "split")]
    allow_oversize: bool,
    /// Spread the verifier over several contracts that each fit the EIP-170 limit (parts go
    /// to `<stem>.partN.bin`; deploy them in order, then `<stem>.bin` with their addresses).
    /// With --reusable, the reusable verifier is the one split.
    #[arg(long)]
    split: bool,
    /// Write the verifier shared by every key of this circuit's layout (the same contract
    /// for a retrained model of the same architecture and calibration), and this key as a
    /// contract of its own (`<stem>.key.sol`, `<stem>.key.bin`): calls pass the key contract's
    /// address before the proof (`encode-calldata --key ADDRESS`).
    #[arg(long)]
    reusable: bool,
    /// The model identity you trust (hex): refuse to generate a verifier for a key that does
    /// not hash to it.
    #[arg(long)]
    identity: Option<String>,
}

/// Arguments of `zkinfer encode-calldata`.
#[derive(clap::Args)]
pub struct EncodeArgs {
    /// The proof file.
    #[arg(long, required_unless_present = "bundle")]
    proof: Option<PathBuf>,
    /// A bundle.json instead: the bundle contract's calldata (each part's instances and proof
    /// behind its length, in order).
    #[arg(long, conflicts_with_all = ["proof", "key"])]
    bundle: Option<PathBuf>,
    /// Write raw bytes here instead of printing `0x…` hex.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// For a reusable verifier: the address of the key contract to verify against, put
    /// before the instances.
    #[arg(long)]
    key: Option<String>,
}

/// Arguments of `zkinfer verify-evm`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The proof file.
    #[arg(long, required_unless_present = "bundle")]
    proof: Option<PathBuf>,
    /// A bundle.json instead: deploy each part's verifier (generated from its key) and the
    /// bundle contract, call each part alone and the bundle contract with every proof; report
    /// the gas of each part and of the whole.
    #[arg(long, conflicts_with_all = ["proof", "verifier", "vk", "reusable"])]
    bundle: Option<PathBuf>,
    /// Creation bytecode (`.bin` hex from `create-evm-verifier`), or a `.sol` to compile.
    #[arg(long, conflicts_with = "vk")]
    verifier: Option<PathBuf>,
    /// Generate and compile the verifier from this verifying key instead.
    #[arg(long)]
    vk: Option<PathBuf>,
    /// Lift the EIP-170 code-size limit, as on a private test network.
    #[arg(long)]
    allow_oversize: bool,
    /// With `--vk` or `--bundle`: generate split verifiers (see `create-evm-verifier
    /// --split`).
    #[arg(long)]
    split: bool,
    /// With `--vk`: generate the reusable verifier and this key's contract (see
    /// `create-evm-verifier --reusable`); a `.bin` or `.sol` verifier finds its key contract
    /// beside it.
    #[arg(long, requires = "vk")]
    reusable: bool,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

pub fn create(a: &CreateArgs) -> anyhow::Result<()> {
    let form = VerifierForm::from_flags(a.split, a.reusable);
    if let Some(bundle) = &a.bundle {
        return super::evm_bundle::create(bundle, a.output.as_deref(), a.allow_oversize, form);
    }
    let Some(vk) = &a.vk else { anyhow::bail!("give --vk VK (or --bundle bundle.json)") };
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from("Verifier.sol"));
    let f = create_evm_verifier(
        vk,
        a.settings.as_deref(),
        &output,
        a.allow_oversize,
        form,
        a.identity.as_deref(),
    )?;
    if let Some(why) = &f.not_compiled {
        eprintln!(
            "warning: {why}\nwarning: wrote the Solidity only; its deployed size is unchecked"
        );
    }
    match (&f.bytecode, f.deployed_bytes) {
        (Some(bin), Some(size)) => println!(
            "wrote {} ({size} bytes deployed, limit {EIP170_LIMIT}), {} and {}",
            f.solidity.display(),
            f.abi.display(),
            bin.display()
        ),
        _ => println!("wrote {} and {}", f.solidity.display(), f.abi.display()),
    }
    if !f.parts.is_empty() {
        for (i, (path, size)) in f.parts.iter().enumerate() {
            println!("  part {i}: {} ({size} bytes deployed)", path.display());
        }
        println!(
            "deploy the {} parts in order, then the entry contract with their addresses as its \
             constructor argument (address[{}]); `zkinfer verify-evm --verifier {}` does this",
            f.parts.len(),
            f.parts.len(),
            f.bytecode.as_ref().map_or_else(String::new, |b| b.display().to_string())
        );
    }
    if let (Some((sol, bin, size)), Some(layout)) = (&f.key, &f.layout) {
        println!(
            "wrote the key contract {}{} ({size} bytes deployed) for layout {layout}: deploy it, \
             and the verifier once per layout (every key with this layout identifier uses the \
             same verifier); consumers must pin the key contract's address",
            sol.display(),
            bin.as_ref().map_or_else(String::new, |b| format!(" and {}", b.display()))
        );
        println!(
            "call it with calldata = the key contract's address (one 32-byte word), {} public \
             instances (32-byte words, each < r), then the proof bytes: `zkinfer \
             encode-calldata --proof proof.json --key ADDRESS`",
            f.instances
        );
        return Ok(());
    }
    println!(
        "call it with calldata = {} public instances (32-byte words, each < r) followed by the \
         proof bytes: `zkinfer encode-calldata --proof proof.json`",
        f.instances
    );
    Ok(())
}

pub fn encode(a: &EncodeArgs) -> anyhow::Result<()> {
    let mut data = match (&a.bundle, &a.proof) {
        (Some(bundle), _) => zkinfer::bundle::bundle_calldata_of(bundle)?,
        (None, Some(proof)) => encode_proof_file(&ProofFile::read(proof)?)?,
        (None, None) => anyhow::bail!("give --proof proof.json (or --bundle bundle.json)"),
    };
    if let Some(key) = &a.key {
        let bytes = zkinfer::internals::verifier::hex::decode(key)
            .ok()
            .and_then(|b| <[u8; 20]>::try_from(b).ok())
            .with_context(|| format!("--key {key}: not a 20-byte address in hex"))?;
        data = zkinfer::internals::verifier::reusable::with_key(bytes, &data);
    }
    match &a.output {
        Some(p) => {
            std::fs::write(p, &data).with_context(|| format!("writing {}", p.display()))?;
            println!("wrote {} bytes of calldata to {}", data.len(), p.display());
        }
        None => println!("{}", encode_0x(&data)),
    }
    Ok(())
}

pub fn verify(a: &VerifyArgs) -> anyhow::Result<()> {
    let form = VerifierForm::from_flags(a.split, a.reusable);
    if let Some(bundle) = &a.bundle {
        return super::evm_bundle::verify(bundle, a.allow_oversize, form, a.json);
    }
    if (a.split || a.reusable) && a.vk.is_none() {
        anyhow::bail!("--split and --reusable generate the verifier: give --vk VK with them");
    }
    let Some(proof) = &a.proof else { anyhow::bail!("give --proof proof.json (or --bundle)") };
    let file = ProofFile::read(proof)?;
    let Some(verifier) = a.verifier.as_ref().or(a.vk.as_ref()) else {
        anyhow::bail!("give the verifier: --verifier Verifier.bin|Verifier.sol, or --vk VK")
    };
    let r = verify_evm(&file, verifier, a.allow_oversize, form).map_err(|e| {
        let e = e.to_string();
        if e.contains("CreateContractSizeLimit") {
            anyhow::anyhow!(
                "{e}\nhint: a verifier over {EIP170_LIMIT} bytes needs --allow-oversize"
            )
        } else {
            anyhow::anyhow!(e)
        }
    })?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "verified": r.accepted, "gas_used": r.gas_used,
                "deployed_bytes": r.deployed_bytes, "deploy_gas": r.deploy_gas,
                "part_bytes": r.part_bytes, "key_bytes": r.key_bytes,
                "claimed_model_identity": file.model_identity,
            })
        );
    } else {
        println!(
            "EVM verifier {}: {} gas (verifier {} bytes deployed{}, {} gas to deploy)",
            if r.accepted { "accepted the proof" } else { "REJECTED the proof" },
            r.gas_used,
            r.deployed_bytes,
            match (&r.part_bytes[..], r.key_bytes) {
                ([], None) => String::new(),
                ([], Some(k)) => format!(", key contract {k} bytes"),
                (parts, _) => format!(", parts {parts:?} bytes"),
            },
            r.deploy_gas
        );
    }
    if !r.accepted {
        anyhow::bail!("the EVM verifier rejected {}", proof.display());
    }
    Ok(())
}
