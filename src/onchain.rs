//! The on-chain steps the CLI and the Python module share: write a Solidity verifier, and run
//! one on an in-process EVM.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use zkinfer_prover::artifact::hex;
use zkinfer_prover::keys::read_vk;
use zkinfer_prover::receipt::ProofFile;
use zkinfer_prover::vk_hash;
use zkinfer_verifier::calldata::encode_proof_file;
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::hex::{decode as unhex, encode_0x};
use zkinfer_verifier::solc::Compiler;
use zkinfer_verifier::solidity::{self, CONTRACT_NAME, EIP170_LIMIT};
use zkinfer_verifier::VerifierError;

/// Files written by [`create_evm_verifier`].
#[derive(Clone, Debug)]
pub struct EvmVerifierFiles {
    /// The Solidity source.
    pub solidity: PathBuf,
    /// The ABI (`<stem>.abi.json`).
    pub abi: PathBuf,
    /// Creation bytecode hex (`<stem>.bin`), when a compiler was found.
    pub bytecode: Option<PathBuf>,
    /// Deployed code size, when compiled.
    pub deployed_bytes: Option<usize>,
    /// Public instances the verifier expects before the proof bytes.
    pub instances: usize,
    /// Why the contract was not compiled, if it was not.
    pub not_compiled: Option<String>,
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let stem =
        path.file_stem().map_or_else(|| "Verifier".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.{ext}"))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// Renders the Solidity verifier of a verifying key to `output`, with its ABI and, when a
/// compiler is available, its creation bytecode. A contract over the EIP-170 limit is an error
/// unless `allow_oversize`.
///
/// # Errors
/// Unreadable keys or settings, compiler errors, or [`VerifierError::TooLarge`].
pub fn create_evm_verifier(
    vk: &Path,
    settings: Option<&Path>,
    output: &Path,
    allow_oversize: bool,
) -> Result<EvmVerifierFiles> {
    let bundle = read_vk(vk, None)?;
    let mut header = vec![
        format!("zkinfer {} verifier (generated; do not edit)", env!("CARGO_PKG_VERSION")),
        format!("circuit {}", hex(&bundle.header.circuit_hash)),
        format!("model identity (vk hash) {}", hex(&vk_hash(&bundle.vk))),
        format!("k = {}, {} public instances", bundle.plan.k, bundle.plan.instances),
    ];
    if let Some(s) = settings {
        header.push(format!("model sha256 {}", zkinfer_quantize::Settings::read(s)?.model_sha256));
    }
    let source = solidity::render(&bundle, &header)?;
    let (compiled, not_compiled) = match Compiler::locate() {
        Ok(c) => (Some(c.compile(&source, CONTRACT_NAME)?), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some(c) = &compiled {
        if c.runtime.len() > EIP170_LIMIT && !allow_oversize {
            return Err(
                VerifierError::TooLarge { size: c.runtime.len(), limit: EIP170_LIMIT }.into()
            );
        }
    }
    write(output, source.as_bytes())?;
    let abi = compiled.as_ref().map_or_else(
        || serde_json::json!([{"type": "fallback", "stateMutability": "nonpayable"}]),
        |c| c.abi.clone(),
    );
    let abi_path = sibling(output, "abi.json");
    write(&abi_path, abi.to_string().as_bytes())?;
    let bytecode = match &compiled {
        Some(c) => {
            let p = sibling(output, "bin");
            write(&p, encode_0x(&c.creation).as_bytes())?;
            Some(p)
        }
        None => None,
    };
    Ok(EvmVerifierFiles {
        solidity: output.to_path_buf(),
        abi: abi_path,
        bytecode,
        deployed_bytes: compiled.map(|c| c.runtime.len()),
        instances: bundle.plan.instances,
        not_compiled,
    })
}

/// Creation bytecode from a `.bin` hex file, a `.sol` source, or a verifying key.
///
/// # Errors
/// Unreadable files or compiler errors.
pub fn creation_code(verifier: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io { path: verifier.display().to_string(), source };
    let compile = |source: &str| -> Result<Vec<u8>> {
        Ok(Compiler::locate()?.compile(source, CONTRACT_NAME)?.creation)
    };
    match verifier.extension().and_then(|e| e.to_str()) {
        Some("sol") => compile(&std::fs::read_to_string(verifier).map_err(io)?),
        Some("bin" | "hex") => {
            let text = std::fs::read_to_string(verifier).map_err(io)?;
            unhex(&text).map_err(|e| {
                VerifierError::Evm(format!(
                    "{}: not creation bytecode hex ({e}); give the .bin that \
                     create-evm-verifier wrote, or the .sol",
                    verifier.display()
                ))
                .into()
            })
        }
        _ => compile(&solidity::render(&read_vk(verifier, None)?, &[])?),
    }
}

/// The result of verifying on the in-process EVM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvmReport {
    /// The verifier accepted the proof.
    pub accepted: bool,
    /// Gas of the verifying transaction.
    pub gas_used: u64,
    /// The verifier's deployed code size.
    pub deployed_bytes: usize,
    /// Gas of the deployment.
    pub deploy_gas: u64,
}

/// Deploys the verifier (`.bin`, `.sol` or a verifying key) on a fresh revm chain and calls it
/// with the proof. With `allow_oversize` the EIP-170 limit is lifted.
///
/// # Errors
/// Unreadable files, compiler errors, or a deployment that fails (e.g. on the size limit).
pub fn verify_evm(proof: &ProofFile, verifier: &Path, allow_oversize: bool) -> Result<EvmReport> {
    let calldata = encode_proof_file(proof)?;
    let creation = creation_code(verifier)?;
    let mut chain = Chain::new(!allow_oversize);
    let contract = chain.deploy(&creation)?;
    let outcome = chain.call(contract.address, &calldata)?;
    Ok(EvmReport {
        accepted: outcome.success,
        gas_used: outcome.gas_used,
        deployed_bytes: contract.code_size,
        deploy_gas: contract.deploy_gas,
    })
}
