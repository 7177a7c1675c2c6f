//! Submitting a receipt to the on-chain `DecisionRegistry` (examples/evm/DecisionRegistry.sol):
//! the receipt's digest, the proof's instances and bytes, and the agent's secp256k1 signature
//! over what the registry recomputes, so the contract can check that this agent vouched for
//! these instances of this model, on this registry and chain.

use crate::{Error, Result};
use std::path::Path;
use zkinfer_receipts::digest::keccak256;
use zkinfer_receipts::dsse::Envelope;
use zkinfer_receipts::keys::{Scheme, Signer};
use zkinfer_receipts::statement::Statement;
use zkinfer_receipts::ReceiptError;

/// The registry's domain tag (`SUBMIT_TYPEHASH` is its Keccak-256).
pub const SUBMIT_TAG: &[u8] = b"zkinfer.DecisionRegistry.submit.v1";

/// A signed submission: the arguments of `DecisionRegistry.submit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The model identity.
    pub model_id: [u8; 32],
    /// Keccak-256 of the receipt's DSSE pre-authentication encoding.
    pub receipt_digest: [u8; 32],
    /// The agent's address.
    pub agent: [u8; 20],
    /// The proof's public instances as 32-byte big-endian words.
    pub instances: Vec<[u8; 32]>,
    /// The proof bytes.
    pub proof: Vec<u8>,
    /// The agent's 65-byte signature of [`Submission::signed_message`].
    pub signature: Vec<u8>,
}

/// Keccak-256 of a receipt's pre-authentication encoding: what its secp256k1 signatures sign,
/// and its key in the registry.
///
/// # Errors
/// A payload that is not base64.
pub fn receipt_digest(env: &Envelope) -> Result<[u8; 32]> {
    Ok(keccak256(&env.message()?))
}

fn word_u64(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn word_address(a: &[u8; 20]) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a);
    w
}

/// Parses a `0x` address.
///
/// # Errors
/// Not 20 bytes of hex.
pub fn parse_address(text: &str) -> Result<[u8; 20]> {
    zkinfer_prover::artifact::unhex(text)
        .ok()
        .and_then(|b| <[u8; 20]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| {
            Error::from(ReceiptError::format(
                "address",
                format!("'{text}' is not 0x and 40 hex digits"),
            ))
        })
}

impl Submission {
    /// The preimage of the registry's `submissionDigest`: `abi.encode(SUBMIT_TYPEHASH, chainid,
    /// registry, modelId, receiptDigest, keccak256(instances))`.
    #[must_use]
    pub fn signed_message(&self, registry: &[u8; 20], chain_id: u64) -> Vec<u8> {
        let packed: Vec<u8> = self.instances.iter().flatten().copied().collect();
        [
            keccak256(SUBMIT_TAG),
            word_u64(chain_id),
            word_address(registry),
            self.model_id,
            self.receipt_digest,
            keccak256(&packed),
        ]
        .concat()
    }

    /// Calldata of `submit(bytes32,bytes32,address,uint256[],bytes,bytes)`.
    #[must_use]
    pub fn calldata(&self) -> Vec<u8> {
        let selector = &keccak256(b"submit(bytes32,bytes32,address,uint256[],bytes,bytes)")[..4];
        let instances: Vec<u8> = [word_u64(self.instances.len() as u64)]
            .into_iter()
            .chain(self.instances.iter().copied())
            .flatten()
            .collect();
        let bytes = |b: &[u8]| -> Vec<u8> {
            let mut out = word_u64(b.len() as u64).to_vec();
            out.extend_from_slice(b);
            out.resize(32 + b.len().div_ceil(32) * 32, 0);
            out
        };
        let (proof, sig) = (bytes(&self.proof), bytes(&self.signature));
        let head = 6 * 32;
        let mut out = selector.to_vec();
        out.extend(self.model_id);
        out.extend(self.receipt_digest);
        out.extend(word_address(&self.agent));
        out.extend(word_u64(head as u64));
        out.extend(word_u64((head + instances.len()) as u64));
        out.extend(word_u64((head + instances.len() + proof.len()) as u64));
        out.extend(instances);
        out.extend(proof);
        out.extend(sig);
        out
    }
}

/// Builds and signs a submission of a receipt (whose proof is inline, or given as `proof`) to
/// the registry at `registry` on chain `chain_id`. The signer must be a secp256k1 key: the
/// contract checks it with `ecrecover`.
///
/// # Errors
/// A receipt that does not parse, a missing or other proof, or an Ed25519 key.
pub fn submission(
    env: &Envelope,
    proof: Option<&Path>,
    registry: &[u8; 20],
    chain_id: u64,
    signer: &Signer,
) -> Result<Submission> {
    if signer.scheme() != Scheme::Secp256k1 {
        return Err(ReceiptError::Key(
            "the registry checks signatures with ecrecover: use a secp256k1 key".into(),
        )
        .into());
    }
    let s = Statement::from_envelope(env)?;
    let p = &s.predicate;
    // The registry records the submitter as the agent: it must be a signer of the receipt.
    let signed = env
        .check_signatures()?
        .iter()
        .any(|c| c.result.is_ok() && c.keyid.eq_ignore_ascii_case(&signer.key_id()));
    if !signed {
        return Err(ReceiptError::Key(format!(
            "{} did not sign this receipt: submit with the agent's key",
            signer.key_id()
        ))
        .into());
    }
    let file = crate::receipts::proof_file(p, proof)
        .map_err(|reason| ReceiptError::format("submission", reason))?;
    if file.instances != p.instances {
        return Err(ReceiptError::format(
            "submission",
            "the proof's instances are not the receipt's",
        )
        .into());
    }
    let values = file.instance_values()?;
    let words = zkinfer_verifier::calldata::encode(&values, &[]);
    let instances = words.chunks_exact(32).filter_map(|c| <[u8; 32]>::try_from(c).ok()).collect();
    let model_id = zkinfer_prover::identity::parse_identity(&p.model.identity)
        .map_err(|e| ReceiptError::format("receipt", e.to_string()))?;
    let agent = parse_address(&signer.key_id())?;
    let mut sub = Submission {
        model_id,
        receipt_digest: receipt_digest(env)?,
        agent,
        instances,
        proof: file.proof_bytes()?,
        signature: Vec::new(),
    };
    sub.signature = signer.sign(&sub.signed_message(registry, chain_id))?;
    Ok(sub)
}

/// The registry's Solidity source (with its example consumer).
pub const REGISTRY_SOURCE: &str = include_str!("../examples/evm/DecisionRegistry.sol");

/// What a submission did on chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The registry accepted and recorded the decision.
    pub accepted: bool,
    /// Gas of the transaction.
    pub gas_used: u64,
    /// The revert reason of a refused submission.
    pub reason: Option<String>,
}

/// A decision as the registry records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// The model identity.
    pub model_id: [u8; 32],
    /// The agent whose signature the registry checked.
    pub agent: [u8; 20],
    /// Keccak-256 of the packed instances.
    pub instances_hash: [u8; 32],
}

/// A `DecisionRegistry` on an in-process EVM (revm) with one model's verifier registered: the
/// example agent's chain, and a dry run before a real one. The chain id is 1.
pub struct LocalRegistry {
    chain: zkinfer_verifier::evm::Chain,
    registry: [u8; 20],
    /// The registered verifier's address.
    pub verifier: [u8; 20],
}

/// The chain id of [`LocalRegistry`]'s EVM (revm's default).
pub const LOCAL_CHAIN_ID: u64 = 1;

/// The reason string of a Solidity `Error(string)` revert.
fn revert_reason(output: &[u8]) -> String {
    let text = output
        .get(68..)
        .and_then(|rest| {
            let len =
                usize::try_from(u64::from_be_bytes(output.get(60..68)?.try_into().ok()?)).ok()?;
            rest.get(..len)
        })
        .map(|b| String::from_utf8_lossy(b).into_owned());
    text.unwrap_or_else(|| {
        "reverted without a reason (out of gas, or an invalid proof point)".into()
    })
}

impl LocalRegistry {
    /// Deploys the verifier (a `.bin` or `.sol` from `create-evm-verifier`, or a verifying
    /// key), the registry, and registers the verifier under `model_identity`, for proofs with
    /// `instances` public instances, with `verify_gas` per verification.
    ///
    /// # Errors
    /// Unreadable files, compiler errors, a bad identity or a failed deployment.
    pub fn deploy(
        verifier: &Path,
        model_identity: &str,
        instances: usize,
        verify_gas: u64,
    ) -> Result<Self> {
        use zkinfer_verifier::evm::Chain;
        let model_id = zkinfer_prover::identity::parse_identity(model_identity)?;
        let deployment =
            crate::onchain::creation_code(verifier, crate::onchain::VerifierForm::Single)?;
        let mut chain = Chain::new(false);
        let deployed = crate::onchain::deploy(&mut chain, &deployment)?;
        if deployed.key.is_some() {
            return Err(ReceiptError::format("verifier", "a reusable verifier needs its key contract's address in every call; register a single verifier").into());
        }
        let compiled = zkinfer_verifier::solc::Compiler::locate()?
            .compile(REGISTRY_SOURCE, "DecisionRegistry")?;
        let registry = chain.deploy(&compiled.creation)?;
        let verifier = deployed.entry.address.into_array();
        let mut call = keccak256(b"registerModel(bytes32,address,uint256,uint256)")[..4].to_vec();
        call.extend(model_id);
        call.extend(word_address(&verifier));
        call.extend(word_u64(verify_gas));
        call.extend(word_u64(instances as u64));
        let out = chain.call(registry.address, &call)?;
        if !out.success {
            return Err(zkinfer_verifier::VerifierError::Evm(format!(
                "registerModel: {}",
                revert_reason(&out.output)
            ))
            .into());
        }
        Ok(Self { chain, registry: registry.address.into_array(), verifier })
    }

    /// The registry's address.
    #[must_use]
    pub fn address(&self) -> [u8; 20] {
        self.registry
    }

    /// Sends a submission.
    ///
    /// # Errors
    /// An invalid transaction (not a refusal, which is reported in [`Submitted`]).
    pub fn submit(&mut self, sub: &Submission) -> Result<Submitted> {
        let out = self.chain.call(self.registry.into(), &sub.calldata())?;
        Ok(Submitted {
            accepted: out.success,
            gas_used: out.gas_used,
            reason: (!out.success).then(|| revert_reason(&out.output)),
        })
    }

    /// The registered decision of `agent`'s receipt digest, if any.
    ///
    /// # Errors
    /// An invalid transaction.
    pub fn decision(
        &mut self,
        agent: &[u8; 20],
        receipt_digest: &[u8; 32],
    ) -> Result<Option<Registered>> {
        let mut call = keccak256(b"decisions(address,bytes32)")[..4].to_vec();
        call.extend(word_address(agent));
        call.extend(receipt_digest);
        let out = self.chain.call(self.registry.into(), &call)?;
        let word = |i: usize| -> Option<[u8; 32]> {
            out.output.get(32 * i..32 * (i + 1))?.try_into().ok()
        };
        let (Some(model_id), Some(agent), Some(instances_hash)) = (word(0), word(1), word(2))
        else {
            return Err(zkinfer_verifier::VerifierError::Evm(
                "decisions(): short return data".into(),
            )
            .into());
        };
        let mut a = [0u8; 20];
        a.copy_from_slice(&agent[12..]);
        Ok((a != [0u8; 20]).then_some(Registered { model_id, agent: a, instances_hash }))
    }
}
