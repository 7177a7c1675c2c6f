//! The on-chain steps the CLI and the Python module share: write a Solidity verifier, and run
//! one on an in-process EVM.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use zkinfer_prover::artifact::hex;
use zkinfer_prover::identity::expect_identity;
use zkinfer_prover::keys::{read_vk, VkBundle};
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_verifier::calldata::encode_proof_file;
use zkinfer_verifier::evm::Chain;
use zkinfer_verifier::hex::{decode as unhex, encode_0x};
use zkinfer_verifier::reusable;
use zkinfer_verifier::solc::Compiler;
use zkinfer_verifier::solidity::{self, CONTRACT_NAME, EIP170_LIMIT};
use zkinfer_verifier::split::{self, constructor_args, part_name};
use zkinfer_verifier::VerifierError;

/// Which contracts verify a proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VerifierForm {
    /// One contract for the key.
    #[default]
    Single,
    /// Parts that each fit the EIP-170 limit, called in order by an entry contract.
    Split,
    /// A verifier shared by every key of the circuit's layout, plus a contract holding this
    /// key (see [`zkinfer_verifier::reusable`]).
    Reusable,
    /// The reusable verifier in parts, for layouts whose reusable verifier is still over the
    /// limit (the key contract is the same).
    SplitReusable,
}

impl VerifierForm {
    /// The form the `split` and `reusable` flags ask for.
    #[must_use]
    pub fn from_flags(split: bool, reusable: bool) -> Self {
        match (split, reusable) {
            (true, true) => Self::SplitReusable,
            (true, false) => Self::Split,
            (false, true) => Self::Reusable,
            (false, false) => Self::Single,
        }
    }

    /// Whether the verifier is spread over part contracts.
    #[must_use]
    pub fn is_split(self) -> bool {
        matches!(self, Self::Split | Self::SplitReusable)
    }

    /// Whether the verifier reads its key from a key contract.
    #[must_use]
    pub fn is_reusable(self) -> bool {
        matches!(self, Self::Reusable | Self::SplitReusable)
    }
}

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
    /// A reusable verifier's key contract: its Solidity source (`<stem>.key.sol`), creation
    /// bytecode (`<stem>.key.bin`, when compiled) and deployed size.
    pub key: Option<(PathBuf, Option<PathBuf>, usize)>,
    /// A reusable verifier's layout identifier (hex), the first word of every key it accepts.
    pub layout: Option<String>,
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
/// unless `allow_oversize`. [`VerifierForm::Split`] spreads the verifier over parts that each fit
/// (see [`zkinfer_verifier::split`]), written as `<stem>.partN.bin` beside the entry's
/// `<stem>.bin`; [`VerifierForm::Reusable`] writes the layout's reusable verifier and this key's
/// contract as `<stem>.key.sol` and `<stem>.key.bin`.
///
/// With `identity`, the key must be that model's (see `zkinfer verify --identity`).
///
/// # Errors
/// Unreadable, altered or other models' keys, unreadable settings, compiler errors (a split
/// verifier needs the compiler), or [`VerifierError::TooLarge`].
pub fn create_evm_verifier(
    vk: &Path,
    settings: Option<&Path>,
    output: &Path,
    allow_oversize: bool,
    form: VerifierForm,
    identity: Option<&str>,
) -> Result<EvmVerifierFiles> {
    let bundle = read_vk(vk, None)?;
    if let Some(pinned) = identity {
        let subject = format!("{} (no verifier written)", vk.display());
        expect_identity(pinned, &bundle.identity, &subject)?;
    }
    write_evm_verifier(&bundle, settings, output, allow_oversize, form)
}

/// [`create_evm_verifier`] for a key already read (and its identity already checked).
///
/// # Errors
/// As [`create_evm_verifier`].
pub fn write_evm_verifier(
    bundle: &VkBundle,
    settings: Option<&Path>,
    output: &Path,
    allow_oversize: bool,
    form: VerifierForm,
) -> Result<EvmVerifierFiles> {
    // The verifier embeds the key's SRS points: a key whose s·G2 is not the development SRS
    // its label names is refused here too (altered points are refused by `read_vk`).
    let trust = zkinfer_prover::srs::srs_trust(&bundle.header.label, &bundle.srs.s_g2(), None)?;
    let mut header = vec![
        format!("zkinfer {} verifier (generated; do not edit)", env!("CARGO_PKG_VERSION")),
        format!("circuit {}", hex(&bundle.header.circuit_hash)),
        format!("model identity {}", hex(&bundle.identity)),
        format!("k = {}, {} public instances", bundle.plan.k, bundle.plan.instances),
        format!("SRS: {}", trust.describe()),
    ];
    if let Some(s) = settings {
        header.push(format!("model sha256 {}", zkinfer_quantize::Settings::read(s)?.model_sha256));
    }
    let reusable =
        if form.is_reusable() { Some(reusable::render_verifier(bundle, &header)?) } else { None };
    let source = match &reusable {
        Some(v) => v.source.clone(),
        None => solidity::render(bundle, &header)?,
    };
    if form.is_split() {
        let mut files = write_split(&split::fit(&source, &Compiler::locate()?)?, output, bundle)?;
        if let Some(v) = &reusable {
            files.key = Some(write_key(bundle, v, &header, output, true)?);
            files.layout = Some(hex(&v.layout));
        }
        return Ok(files);
    }
    let name = if reusable.is_some() { reusable::VERIFIER_NAME } else { CONTRACT_NAME };
    let (compiled, not_compiled) = match Compiler::locate() {
        Ok(c) => (Some(c.compile(&source, name)?), None),
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
    let key = match &reusable {
        Some(v) => Some(write_key(bundle, v, &header, output, compiled.is_some())?),
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
        key,
        layout: reusable.map(|v| hex(&v.layout)),
    })
}

/// Writes the key contract of a reusable verifier beside it (`<stem>.key.sol`, and
/// `<stem>.key.bin` when `compile`).
fn write_key(
    bundle: &VkBundle,
    v: &reusable::ReusableVerifier,
    header: &[String],
    output: &Path,
    compile: bool,
) -> Result<(PathBuf, Option<PathBuf>, usize)> {
    let source = v.key_contract(bundle, header)?;
    let sol = sibling(output, "key.sol");
    write(&sol, source.as_bytes())?;
    let bin = if compile {
        let c = Compiler::locate()?.compile(&source, reusable::KEY_NAME)?;
        let p = sibling(output, "key.bin");
        write(&p, encode_0x(&c.creation).as_bytes())?;
        Some(p)
    } else {
        None
    };
    Ok((sol, bin, v.key_bytes()))
}

fn write_split(
    v: &split::SplitVerifier,
    output: &Path,
    bundle: &VkBundle,
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
        key: None,
        layout: None,
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
    /// A reusable verifier's key contract, deployed first; its address leads the calldata.
    pub key: Option<Vec<u8>>,
}

/// A deployed verifier.
#[derive(Clone, Debug)]
pub struct Deployed {
    /// The contract to call.
    pub entry: zkinfer_verifier::evm::Contract,
    /// Deployed code size of each part of a split verifier.
    pub part_bytes: Vec<usize>,
    /// A reusable verifier's key contract.
    pub key: Option<zkinfer_verifier::evm::Contract>,
    /// Gas of all the deployments.
    pub gas: u64,
}

impl Deployed {
    /// The calldata for `instances || proof`: prefixed by the key contract's address for a
    /// reusable verifier.
    #[must_use]
    pub fn calldata(&self, plain: &[u8]) -> Vec<u8> {
        match &self.key {
            Some(k) => reusable::with_key(k.address.into_array(), plain),
            None => plain.to_vec(),
        }
    }
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

fn compile_source(source: &str, path: &Path) -> Result<Deployment> {
    let compiler = Compiler::locate()?;
    if source.contains(&format!("contract {}", part_name(0))) {
        // Split: one compiler run per contract, as when it was generated.
        let (parts, entry) = split::compile_source(source, &compiler)?;
        let key =
            if source.contains(reusable::KEY_PROLOGUE) { Some(key_beside(path)?) } else { None };
        return Ok(Deployment {
            parts: parts.into_iter().map(|p| p.creation).collect(),
            entry: entry.creation,
            key,
        });
    }
    if source.contains(&format!("contract {} ", reusable::VERIFIER_NAME)) {
        let entry = compiler.compile(source, reusable::VERIFIER_NAME)?;
        return Ok(Deployment {
            parts: Vec::new(),
            entry: entry.creation,
            key: Some(key_beside(path)?),
        });
    }
    let entry = compiler.compile(source, CONTRACT_NAME)?;
    Ok(Deployment { parts: Vec::new(), entry: entry.creation, key: None })
}

/// The key contract written beside a reusable verifier (`<stem>.key.bin` or `.key.sol`).
fn key_beside(verifier: &Path) -> Result<Vec<u8>> {
    let bin = sibling(verifier, "key.bin");
    if bin.exists() {
        return read_hex(&bin);
    }
    let sol = sibling(verifier, "key.sol");
    let source = std::fs::read_to_string(&sol)
        .map_err(|source| Error::Io { path: sol.display().to_string(), source })?;
    Ok(Compiler::locate()?.compile(&source, reusable::KEY_NAME)?.creation)
}

/// Creation code from a `.bin` hex file (with any `<stem>.partN.bin` beside it), a `.sol`
/// source (with a reusable verifier's key contract beside it), or a verifying key (in `form`).
///
/// # Errors
/// Unreadable files or compiler errors.
pub fn creation_code(verifier: &Path, form: VerifierForm) -> Result<Deployment> {
    let io = |source| Error::Io { path: verifier.display().to_string(), source };
    match verifier.extension().and_then(|e| e.to_str()) {
        Some("sol") => compile_source(&std::fs::read_to_string(verifier).map_err(io)?, verifier),
        Some("bin" | "hex") => {
            let mut parts = Vec::new();
            loop {
                let p = sibling(verifier, &format!("part{}.bin", parts.len()));
                if !p.exists() {
                    break;
                }
                parts.push(read_hex(&p)?);
            }
            let key = sibling(verifier, "key.bin");
            let key = if key.exists() { Some(read_hex(&key)?) } else { None };
            Ok(Deployment { parts, entry: read_hex(verifier)?, key })
        }
        _ => creation_code_of_key(&read_vk(verifier, None)?, form),
    }
}

/// Creation code of the verifier of a key already read, in `form`.
///
/// # Errors
/// A key whose SRS points are not those its label names, or compiler errors.
pub fn creation_code_of_key(bundle: &VkBundle, form: VerifierForm) -> Result<Deployment> {
    zkinfer_prover::srs::srs_trust(&bundle.header.label, &bundle.srs.s_g2(), None)?;
    let compiler = Compiler::locate()?;
    // The source and its contract name, then its key contract when it reads one.
    let (source, name, key) = if form.is_reusable() {
        let v = reusable::render_verifier(bundle, &[])?;
        let key = compiler.compile(&v.key_contract(bundle, &[])?, reusable::KEY_NAME)?;
        (v.source, reusable::VERIFIER_NAME, Some(key.creation))
    } else {
        (solidity::render(bundle, &[])?, CONTRACT_NAME, None)
    };
    if form.is_split() {
        let v = split::fit(&source, &compiler)?;
        return Ok(Deployment {
            parts: v.parts.into_iter().map(|p| p.creation).collect(),
            entry: v.entry.creation,
            key,
        });
    }
    Ok(Deployment { parts: Vec::new(), entry: compiler.compile(&source, name)?.creation, key })
}

/// Deploys a verifier on `chain`: its parts first, then the entry contract with their
/// addresses. Returns the entry contract and the deployed size of each part.
///
/// # Errors
/// A deployment that fails (e.g. on the size limit).
pub fn deploy(chain: &mut Chain, d: &Deployment) -> Result<Deployed> {
    let mut addresses = Vec::new();
    let mut part_bytes = Vec::new();
    let mut gas = 0;
    let key = match &d.key {
        Some(k) => {
            let c = chain.deploy(k)?;
            gas += c.deploy_gas;
            Some(c)
        }
        None => None,
    };
    for p in &d.parts {
        let c = chain.deploy(p)?;
        addresses.push(c.address.into_array());
        part_bytes.push(c.code_size);
        gas += c.deploy_gas;
    }
    let mut creation = d.entry.clone();
    if !d.parts.is_empty() {
        creation.extend(constructor_args(&addresses));
    }
    let entry = chain.deploy(&creation)?;
    gas += entry.deploy_gas;
    Ok(Deployed { entry, part_bytes, key, gas })
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
    /// Deployed code size of a reusable verifier's key contract.
    pub key_bytes: Option<usize>,
}

/// Deploys the verifier (`.bin`, `.sol` or a verifying key, in `form`) on a fresh
/// revm chain and calls it with the proof. With `allow_oversize` the EIP-170 limit is lifted.
///
/// # Errors
/// Unreadable files, compiler errors, or a deployment that fails (e.g. on the size limit).
pub fn verify_evm(
    proof: &ProofFile,
    verifier: &Path,
    allow_oversize: bool,
    form: VerifierForm,
) -> Result<EvmReport> {
    let deployment = creation_code(verifier, form)?;
    let mut chain = Chain::new(!allow_oversize);
    let d = deploy(&mut chain, &deployment)?;
    let outcome = chain.call(d.entry.address, &d.calldata(&encode_proof_file(proof)?))?;
    Ok(EvmReport {
        accepted: outcome.success,
        gas_used: outcome.gas_used,
        deployed_bytes: d.entry.code_size,
        deploy_gas: d.gas,
        part_bytes: d.part_bytes,
        key_bytes: d.key.map(|k| k.code_size),
    })
}
