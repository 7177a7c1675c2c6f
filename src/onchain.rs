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
use zkinfer_verifier::split::{self, constructor_args, part_name};
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
    /// Deployed code size, when compiled (of the entry contract for a split verifier).
    pub deployed_bytes: Option<usize>,
    /// A split verifier's parts (`<stem>.partN.bin`, deploy in order) and their code sizes.
    pub parts: Vec<(PathBuf, usize)>,
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
/// unless `allow_oversize`; with `split` the verifier is spread over parts that each fit (see
/// [`zkinfer_verifier::split`]), written as `<stem>.partN.bin` beside the entry's `<stem>.bin`.
///
/// # Errors
/// Unreadable keys or settings, compiler errors (`split` needs the compiler), or
/// [`VerifierError::TooLarge`].
pub fn create_evm_verifier(
    vk: &Path,
    settings: Option<&Path>,
    output: &Path,
    allow_oversize: bool,
    split: bool,
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
    if split {
        return write_split(&split::fit(&source, &Compiler::locate()?)?, output, &bundle);
    }
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
        parts: Vec::new(),
        instances: bundle.plan.instances,
        not_compiled,
    })
}

fn write_split(
    v: &split::SplitVerifier,
    output: &Path,
    bundle: &zkinfer_prover::keys::VkBundle,
) -> Result<EvmVerifierFiles> {
    write(output, v.source.as_bytes())?;
    let abi_path = sibling(output, "abi.json");
    write(&abi_path, v.entry.abi.to_string().as_bytes())?;
    let bin = sibling(output, "bin");
    write(&bin, encode_0x(&v.entry.creation).as_bytes())?;
    let mut parts = Vec::new();
    for (i, p) in v.parts.iter().enumerate() {
        let path = sibling(output, &format!("part{i}.bin"));
        write(&path, encode_0x(&p.creation).as_bytes())?;
        parts.push((path, p.runtime.len()));
    }
    Ok(EvmVerifierFiles {
        solidity: output.to_path_buf(),
        abi: abi_path,
        bytecode: Some(bin),
        deployed_bytes: Some(v.entry.runtime.len()),
        parts,
        instances: bundle.plan.instances,
        not_compiled: None,
    })
}

/// Creation code of a verifier: one contract, or a split verifier's parts (deployed first,
/// in order) and its entry contract (whose constructor takes the parts' addresses).
#[derive(Clone, Debug, Default)]
pub struct Deployment {
    /// Parts, in calling order (empty for a single contract).
    pub parts: Vec<Vec<u8>>,
    /// The contract to call.
    pub entry: Vec<u8>,
}

fn read_hex(path: &Path) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Io { path: path.display().to_string(), source })?;
    unhex(&text).map_err(|e| {
        VerifierError::Evm(format!(
            "{}: not creation bytecode hex ({e}); give the .bin that create-evm-verifier \
             wrote, or the .sol",
            path.display()
        ))
        .into()
    })
}

fn compile_source(source: &str) -> Result<Deployment> {
    let compiler = Compiler::locate()?;
    if source.contains(&format!("contract {}", part_name(0))) {
        // Split: one compiler run per contract, as when it was generated.
        let (parts, entry) = split::compile_source(source, &compiler)?;
        return Ok(Deployment {
            parts: parts.into_iter().map(|p| p.creation).collect(),
            entry: entry.creation,
        });
    }
    let entry = compiler.compile(source, CONTRACT_NAME)?;
    Ok(Deployment { parts: Vec::new(), entry: entry.creation })
}

/// Creation code from a `.bin` hex file (with any `<stem>.partN.bin` beside it), a `.sol`
/// source, or a verifying key (split when `split`).
///
/// # Errors
/// Unreadable files or compiler errors.
pub fn creation_code(verifier: &Path, split: bool) -> Result<Deployment> {
    let io = |source| Error::Io { path: verifier.display().to_string(), source };
    match verifier.extension().and_then(|e| e.to_str()) {
        Some("sol") => compile_source(&std::fs::read_to_string(verifier).map_err(io)?),
        Some("bin" | "hex") => {
            let mut parts = Vec::new();
            loop {
                let p = sibling(verifier, &format!("part{}.bin", parts.len()));
                if !p.exists() {
                    break;
                }
                parts.push(read_hex(&p)?);
            }
            Ok(Deployment { parts, entry: read_hex(verifier)? })
        }
        _ => {
            let source = solidity::render(&read_vk(verifier, None)?, &[])?;
            if split {
                let v = split::fit(&source, &Compiler::locate()?)?;
                Ok(Deployment {
                    parts: v.parts.into_iter().map(|p| p.creation).collect(),
                    entry: v.entry.creation,
                })
            } else {
                Ok(Deployment {
                    parts: Vec::new(),
                    entry: Compiler::locate()?.compile(&source, CONTRACT_NAME)?.creation,
                })
            }
        }
    }
}

/// Deploys a verifier on `chain`: its parts first, then the entry contract with their
/// addresses. Returns the entry contract and the deployed size of each part.
///
/// # Errors
/// A deployment that fails (e.g. on the size limit).
pub fn deploy(
    chain: &mut Chain,
    d: &Deployment,
) -> Result<(zkinfer_verifier::evm::Contract, Vec<usize>, u64)> {
    let mut addresses = Vec::new();
    let mut sizes = Vec::new();
    let mut gas = 0;
    for p in &d.parts {
        let c = chain.deploy(p)?;
        addresses.push(c.address.into_array());
        sizes.push(c.code_size);
        gas += c.deploy_gas;
    }
    let mut creation = d.entry.clone();
    if !d.parts.is_empty() {
        creation.extend(constructor_args(&addresses));
    }
    let entry = chain.deploy(&creation)?;
    gas += entry.deploy_gas;
    Ok((entry, sizes, gas))
}

/// The result of verifying on the in-process EVM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvmReport {
    /// The verifier accepted the proof.
    pub accepted: bool,
    /// Gas of the verifying transaction.
    pub gas_used: u64,
    /// The verifier's deployed code size (the entry contract's, for a split verifier).
    pub deployed_bytes: usize,
    /// Gas of the deployment (all contracts).
    pub deploy_gas: u64,
    /// Deployed code size of each part of a split verifier.
    pub part_bytes: Vec<usize>,
}

/// Deploys the verifier (`.bin`, `.sol` or a verifying key, split when `split`) on a fresh
/// revm chain and calls it with the proof. With `allow_oversize` the EIP-170 limit is lifted.
///
/// # Errors
/// Unreadable files, compiler errors, or a deployment that fails (e.g. on the size limit).
pub fn verify_evm(
    proof: &ProofFile,
    verifier: &Path,
    allow_oversize: bool,
    split: bool,
) -> Result<EvmReport> {
    let calldata = encode_proof_file(proof)?;
    let deployment = creation_code(verifier, split)?;
    let mut chain = Chain::new(!allow_oversize);
    let (contract, part_bytes, deploy_gas) = deploy(&mut chain, &deployment)?;
    let outcome = chain.call(contract.address, &calldata)?;
    Ok(EvmReport {
        accepted: outcome.success,
        gas_used: outcome.gas_used,
        deployed_bytes: contract.code_size,
        deploy_gas,
        part_bytes,
    })
}
