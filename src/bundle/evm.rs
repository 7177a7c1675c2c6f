//! A bundle on chain: each part's Solidity verifier, the bundle contract that calls them in
//! one transaction and checks the links (see [`zkinfer_verifier::bundle`]), their calldata,
//! and a run of all of it on the in-process EVM with the gas of each part.

use super::{io, Bundle};
use crate::onchain::{
    creation_code_of_key, deploy, write_evm_verifier, EvmVerifierFiles, VerifierForm,
};
use crate::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};
use zkinfer_prover::artifact::hex;
use zkinfer_prover::keys::{read_vk, VkBundle};
use zkinfer_prover::proof_file::ProofFile;
use zkinfer_prover::ProverError;
use zkinfer_verifier::bundle::BUNDLE_CONTRACT;
use zkinfer_verifier::bundle::{bundle_calldata, render_bundle, revert_reason, PartLink};
use zkinfer_verifier::calldata::encode_proof_file;
use zkinfer_verifier::evm::{Chain, CALL_GAS_LIMIT};
use zkinfer_verifier::hex::encode_0x;
use zkinfer_verifier::solc::Compiler;
use zkinfer_verifier::split::constructor_args;

/// A bundle file with every part's verifying key, read once: what the bundle contract, the
/// parts' verifiers and their deployments are all made from, so they cannot disagree.
struct PartKeys {
    bundle: Bundle,
    dir: PathBuf,
    keys: Vec<VkBundle>,
}

impl PartKeys {
    /// Reads the bundle and each part's key, whose identity must be the one listed.
    fn read(bundle: &Path) -> Result<Self> {
        let b = Bundle::read(bundle)?;
        let dir = bundle.parent().unwrap_or_else(|| Path::new(".")).to_path_buf();
        let mut keys = Vec::with_capacity(b.parts.len());
        for (i, p) in b.parts.iter().enumerate() {
            let vk_path = dir.join(&p.vk);
            let vk = read_vk(&vk_path, None)?;
            if hex(&vk.identity) != p.model_identity {
                return Err(ProverError::Mismatch {
                    what: format!("part {} key", i + 1),
                    detail: format!(
                        "{} is model {}, the bundle lists {}",
                        vk_path.display(),
                        hex(&vk.identity),
                        p.model_identity
                    ),
                }
                .into());
            }
            keys.push(vk);
        }
        Ok(Self { bundle: b, dir, keys })
    }

    /// The bundle contract's Solidity: each part's link ranges and instance count come from
    /// its verifying key, not from its proof file.
    fn solidity(&self) -> Result<String> {
        let mut links = Vec::with_capacity(self.keys.len());
        for (vk, p) in self.keys.iter().zip(&self.bundle.parts) {
            let interface = vk.plan.interface.as_ref().ok_or_else(|| ProverError::Format {
                path: self.dir.join(&p.vk).display().to_string(),
                reason: "the key records no public interface; set it up again with this zkinfer"
                    .into(),
            })?;
            let [input, output, _] = interface.instance_ranges();
            links.push(PartLink { instances: vk.plan.instances, input, output });
        }
        let b = &self.bundle;
        let header = vec![
            format!(
                "zkinfer {} bundle verifier (generated; do not edit)",
                env!("CARGO_PKG_VERSION")
            ),
            format!("bundle identity {}", b.identity),
            format!(
                "parts (model identities, in order): {}",
                b.parts.iter().map(|p| p.model_identity.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ];
        Ok(render_bundle(&links, &b.identity, &header)?)
    }
}

/// The bundle contract's Solidity for a bundle file: each part's link ranges and instance
/// count come from its verifying key (whose identity must be the one listed), not from its
/// proof file.
///
/// # Errors
/// A malformed bundle, an unreadable or altered key, a key without a recorded interface, or
/// parts that do not publish what their links need.
pub fn bundle_solidity(bundle: &Path) -> Result<String> {
    PartKeys::read(bundle)?.solidity()
}

/// The bundle contract's calldata for a bundle's proofs: each part's `instances || proof`
/// behind its length, in order.
///
/// # Errors
/// A malformed bundle or an unreadable proof file.
pub fn bundle_calldata_of(bundle: &Path) -> Result<Vec<u8>> {
    let b = Bundle::read(bundle)?;
    let dir = bundle.parent().unwrap_or_else(|| Path::new("."));
    let parts = b
        .parts
        .iter()
        .map(|p| Ok(encode_proof_file(&ProofFile::read(&dir.join(&p.proof))?)?))
        .collect::<Result<Vec<_>>>()?;
    Ok(bundle_calldata(&parts))
}

fn single_or_split(form: VerifierForm) -> Result<()> {
    if form.is_reusable() {
        return Err(ProverError::Mismatch {
            what: "verifier form".into(),
            detail: "a bundle verifier calls single or split part verifiers, not reusable ones \
                     (their calldata leads with a key address); drop --reusable"
                .into(),
        }
        .into());
    }
    Ok(())
}

/// Files written by [`create_bundle_evm_verifier`].
#[derive(Clone, Debug)]
pub struct BundleEvmFiles {
    /// Each part's verifier, in order (`part-N.Verifier.sol` and what goes with it).
    pub parts: Vec<EvmVerifierFiles>,
    /// The bundle contract's Solidity (`Bundle.sol`).
    pub solidity: PathBuf,
    /// Its creation bytecode (`Bundle.bin`), without the constructor arguments.
    pub bytecode: PathBuf,
    /// Its deployed code size.
    pub deployed_bytes: usize,
}

/// Writes each part's verifier (`part-N.Verifier.sol`, in `form`) and the bundle contract
/// (`Bundle.sol`, `Bundle.bin`) into `dir`. Deploy the parts' verifiers, then `Bundle.bin`
/// with their addresses (an `address[N]`) as constructor arguments.
///
/// # Errors
/// As [`crate::onchain::create_evm_verifier`] for any part, [`bundle_solidity`], or a missing
/// compiler (the
/// bundle contract is always compiled).
pub fn create_bundle_evm_verifier(
    bundle: &Path,
    dir: &Path,
    allow_oversize: bool,
    form: VerifierForm,
) -> Result<BundleEvmFiles> {
    single_or_split(form)?;
    let keys = PartKeys::read(bundle)?;
    let source = keys.solidity()?;
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut parts = Vec::with_capacity(keys.keys.len());
    for (i, vk) in keys.keys.iter().enumerate() {
        let out = dir.join(format!("part-{i}.Verifier.sol"));
        parts.push(write_evm_verifier(vk, None, &out, allow_oversize, form)?);
    }
    let compiled = Compiler::locate()?.compile(&source, BUNDLE_CONTRACT)?;
    let solidity = dir.join("Bundle.sol");
    std::fs::write(&solidity, &source).map_err(|e| io(&solidity, e))?;
    let bytecode = dir.join("Bundle.bin");
    std::fs::write(&bytecode, encode_0x(&compiled.creation)).map_err(|e| io(&bytecode, e))?;
    Ok(BundleEvmFiles { parts, solidity, bytecode, deployed_bytes: compiled.runtime.len() })
}

/// One part on the in-process EVM.
#[derive(Clone, Debug, Serialize)]
pub struct PartEvm {
    /// Its verifier accepted its proof, called alone.
    pub accepted: bool,
    /// Gas of that call (a transaction of its own: 21,000 base and calldata included).
    pub gas_used: u64,
    /// Its verifier's deployed code size (the entry contract's, when split).
    pub deployed_bytes: usize,
    /// It was rejected having used (nearly) all the gas a call is given: too costly to verify
    /// in one transaction rather than invalid (thousands of public instances, say).
    pub out_of_gas: bool,
}

/// Whether a failed call used (nearly) all of [`CALL_GAS_LIMIT`].
fn exhausted(gas_used: u64) -> bool {
    gas_used >= CALL_GAS_LIMIT / 100 * 99
}

/// What to tell a user whose part ran out of gas.
const OUT_OF_GAS_HINT: &str = "out of gas at the per-call limit: verifying this many public \
     instances costs more than one transaction may use; calibrate with --output-visibility \
     packed or hashed (and --input-visibility, if public) so the first and last parts publish \
     fewer";

/// A bundle verified on the in-process EVM.
#[derive(Clone, Debug, Serialize)]
pub struct BundleEvmReport {
    /// The bundle contract accepted every part and every link in one transaction.
    pub accepted: bool,
    /// Which part or link it reverted on, when it did.
    pub reason: Option<String>,
    /// Gas of the bundle transaction.
    pub gas_used: u64,
    /// Each part's verifier called alone.
    pub parts: Vec<PartEvm>,
    /// The bundle contract's deployed code size.
    pub bundle_bytes: usize,
    /// Gas of deploying every contract.
    pub deploy_gas: u64,
}

/// Deploys each part's verifier (generated from its key, in `form`) and the bundle contract
/// on a fresh revm chain, calls each part's verifier alone (its gas) and the bundle contract
/// with every proof (the gas of verifying the whole inference in one transaction).
///
/// # Errors
/// A malformed bundle, unreadable or altered keys or proofs, compiler errors, or a deployment
/// that fails (e.g. on the size limit). A rejected proof or link is a report, not an error.
pub fn verify_bundle_evm(
    bundle: &Path,
    allow_oversize: bool,
    form: VerifierForm,
) -> Result<BundleEvmReport> {
    single_or_split(form)?;
    let keys = PartKeys::read(bundle)?;
    let source = keys.solidity()?;
    let n = keys.keys.len();
    let mut chain = Chain::new(!allow_oversize);
    let mut deploy_gas = 0;
    let mut addresses = Vec::with_capacity(n);
    let mut calldata = Vec::with_capacity(n);
    let mut parts = Vec::with_capacity(n);
    for (vk, p) in keys.keys.iter().zip(&keys.bundle.parts) {
        let d = deploy(&mut chain, &creation_code_of_key(vk, form)?)?;
        deploy_gas += d.gas;
        let c = encode_proof_file(&ProofFile::read(&keys.dir.join(&p.proof))?)?;
        let alone = chain.call(d.entry.address, &c)?;
        parts.push(PartEvm {
            accepted: alone.success,
            gas_used: alone.gas_used,
            deployed_bytes: d.entry.code_size,
            out_of_gas: !alone.success && exhausted(alone.gas_used),
        });
        addresses.push(d.entry.address.into_array());
        calldata.push(c);
    }
    let mut creation = Compiler::locate()?.compile(&source, BUNDLE_CONTRACT)?.creation;
    creation.extend(constructor_args(&addresses));
    let contract = chain.deploy(&creation)?;
    deploy_gas += contract.deploy_gas;
    let outcome = chain.call(contract.address, &bundle_calldata(&calldata))?;
    let reason = (!outcome.success).then(|| {
        let why = revert_reason(&outcome.output);
        let starved = parts.iter().position(|p| p.out_of_gas);
        match starved {
            Some(i)
                if why.starts_with(&format!("part {} ", i + 1)) || exhausted(outcome.gas_used) =>
            {
                format!("{why}: part {} ran {OUT_OF_GAS_HINT}", i + 1)
            }
            _ => why,
        }
    });
    Ok(BundleEvmReport {
        accepted: outcome.success,
        reason,
        gas_used: outcome.gas_used,
        parts,
        bundle_bytes: contract.code_size,
        deploy_gas,
    })
}
