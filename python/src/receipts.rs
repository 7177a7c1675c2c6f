//! Receipts, signing keys and the receipt log for Python (`zkinfer.receipts`): the same
//! functions as `zkinfer receipt`, `zkinfer keygen` and `zkinfer log`, returning JSON text.

use crate::{err, to_json, Res};
use pyo3::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::quantize::Settings;
use zkinfer::internals::receipt_format::decision::DecisionRule;
use zkinfer::internals::receipt_format::dsse::Envelope;
use zkinfer::internals::receipt_format::keys::{Scheme, Signer};
use zkinfer::internals::receipt_format::log::{self, Trust};
use zkinfer::internals::verifier::hex::encode_0x;
use zkinfer::receipts::{self, Expect, Request};
use zkinfer::steps::Pins;

/// Signs a receipt for a proof; returns its summary.
#[pyfunction]
#[pyo3(signature = (proof, vk, model, input, settings, output, key=None, decision="argmax", labels=Vec::new(), decision_output=None, context=BTreeMap::new(), input_attestation=None, inline_proof=true, identity=None, srs=None))]
#[allow(clippy::too_many_arguments)]
pub fn receipt_create(
    py: Python<'_>,
    proof: PathBuf,
    vk: PathBuf,
    model: PathBuf,
    input: PathBuf,
    settings: PathBuf,
    output: PathBuf,
    key: Option<PathBuf>,
    decision: &str,
    labels: Vec<String>,
    decision_output: Option<String>,
    context: BTreeMap<String, String>,
    input_attestation: Option<PathBuf>,
    inline_proof: bool,
    identity: Option<String>,
    srs: Option<PathBuf>,
) -> PyResult<String> {
    let rule = DecisionRule::parse(decision, decision_output, labels).map_err(err)?;
    let v: Res<serde_json::Value> = py.detach(|| {
        let signer = Signer::from_file_or_env(key.as_deref())?;
        let attestation = input_attestation.as_deref().map(Envelope::read).transpose()?;
        let file = ProofFile::read(&proof)?;
        let settings = Settings::read(&settings)?;
        let pins = Pins { identity, srs };
        let req = Request {
            proof: &file,
            vk: &vk,
            pins: &pins,
            model: &model,
            input: &input,
            settings: &settings,
            rule: &rule,
            inline_proof,
            attestation,
            context,
        };
        let env = receipts::create(&req, &[&signer])?;
        env.write(&output)?;
        let s = zkinfer::internals::receipt_format::statement::Statement::from_envelope(&env)?;
        Ok(json!({"receipt": output, "signer": signer.key_id(), "model_identity": s.predicate.model.identity, "decision": s.predicate.decision}))
    });
    to_json(&v.map_err(err)?)
}

/// Verifies a receipt; returns `{verified, checks, decision}` (a failed check is not an
/// error: the report names it).
#[pyfunction]
#[pyo3(signature = (receipt, vk, proof=None, identity=None, srs=None, agents=Vec::new(), sources=Vec::new(), model=None, input=None, allow_insecure_srs=false, expect_decision=None, expect_labels=Vec::new()))]
#[allow(clippy::too_many_arguments)]
pub fn receipt_verify(
    py: Python<'_>,
    receipt: PathBuf,
    vk: PathBuf,
    proof: Option<PathBuf>,
    identity: Option<String>,
    srs: Option<PathBuf>,
    agents: Vec<String>,
    sources: Vec<String>,
    model: Option<PathBuf>,
    input: Option<PathBuf>,
    allow_insecure_srs: bool,
    expect_decision: Option<String>,
    expect_labels: Vec<String>,
) -> PyResult<String> {
    let expected_rule = expect_decision
        .as_deref()
        .map(|r| DecisionRule::parse(r, None, expect_labels))
        .transpose()
        .map_err(err)?;
    let v: Res<serde_json::Value> = py.detach(|| {
        let env = Envelope::read(&receipt)?;
        let expect = Expect {
            vk: Some(&vk),
            proof: proof.as_deref(),
            pins: Pins { identity, srs },
            agents,
            allow_insecure_srs,
            expected_rule,
            sources,
            model: model.as_deref(),
            input: input.as_deref(),
        };
        Ok(receipts::verify(&env, &expect).to_json())
    });
    to_json(&v.map_err(err)?)
}

/// Replays a receipt on the revealed input; returns `{identical, outputs, decision, input}`.
#[pyfunction]
#[pyo3(signature = (receipt, model, input, proof=None))]
pub fn receipt_replay(
    py: Python<'_>,
    receipt: PathBuf,
    model: PathBuf,
    input: PathBuf,
    proof: Option<PathBuf>,
) -> PyResult<String> {
    let v: Res<serde_json::Value> = py.detach(|| {
        let env = Envelope::read(&receipt)?;
        Ok(receipts::replay(&env, &model, &input, proof.as_deref())?.to_json())
    });
    to_json(&v.map_err(err)?)
}

/// As a data source, signs the commitment to an input; returns the signer's key id.
#[pyfunction]
#[pyo3(signature = (model, input, settings, output, key=None, source_name=None))]
pub fn commit_input(
    py: Python<'_>,
    model: PathBuf,
    input: PathBuf,
    settings: PathBuf,
    output: PathBuf,
    key: Option<PathBuf>,
    source_name: Option<String>,
) -> PyResult<String> {
    let v: Res<String> = py.detach(|| {
        let signer = Signer::from_file_or_env(key.as_deref())?;
        let settings = Settings::read(&settings)?;
        let env = receipts::commit_input(&model, &input, &settings, source_name, &signer)?;
        env.write(&output)?;
        Ok(signer.key_id())
    });
    v.map_err(err)
}

/// Writes a new signing key (owner-only file); returns its key id.
#[pyfunction]
pub fn keygen(scheme: &str, output: PathBuf) -> PyResult<String> {
    let scheme: Scheme = scheme.parse().map_err(err)?;
    let key = Signer::generate(scheme);
    key.write(&output).map_err(err)?;
    Ok(key.key_id())
}

/// Appends a receipt file to a log; returns `{seq, hash, repaired_bytes}`.
#[pyfunction]
pub fn log_append(log: PathBuf, receipt: PathBuf) -> PyResult<String> {
    let r: Res<serde_json::Value> = (|| {
        let env = Envelope::read(&receipt)?;
        zkinfer::internals::receipt_format::statement::Statement::from_envelope(&env)?;
        let a = log::append_receipt(&log, &env)?;
        Ok(json!({"seq": a.seq, "hash": a.hash, "repaired_bytes": a.repaired_bytes}))
    })();
    to_json(&r.map_err(err)?)
}

/// Appends a signed checkpoint; returns `{seq, hash, repaired_bytes}`.
#[pyfunction]
#[pyo3(signature = (log, key=None))]
pub fn log_checkpoint(log: PathBuf, key: Option<PathBuf>) -> PyResult<String> {
    let r: Res<serde_json::Value> = (|| {
        let signer = Signer::from_file_or_env(key.as_deref())?;
        let a = log::append_checkpoint(&log, &signer)?;
        Ok(json!({"seq": a.seq, "hash": a.hash, "repaired_bytes": a.repaired_bytes}))
    })();
    to_json(&r.map_err(err)?)
}

/// Verifies a log's chain; returns `{entries, head, torn_tail_bytes, checkpoints}`, or raises
/// naming the first bad entry.
#[pyfunction]
#[pyo3(signature = (log, head=None, checkpoint_keys=Vec::new()))]
pub fn log_verify(
    log: PathBuf,
    head: Option<String>,
    checkpoint_keys: Vec<String>,
) -> PyResult<String> {
    let v = log::verify(&log, &Trust { head, checkpoint_keys }).map_err(err)?;
    to_json(
        &json!({"entries": v.entries.len(), "head": v.head(), "torn_tail_bytes": v.torn_tail_bytes, "checkpoints": v.checkpoints}),
    )
}

/// A `DecisionRegistry` on an in-process EVM with one model's verifier registered (see
/// `zkinfer::registry::LocalRegistry`).
#[pyclass(unsendable)]
pub struct LocalRegistry {
    inner: zkinfer::registry::LocalRegistry,
}

#[pymethods]
impl LocalRegistry {
    /// Deploys the verifier, the registry, and registers the model.
    #[new]
    #[pyo3(signature = (verifier, model_identity, instances, verify_gas=5_000_000))]
    fn new(
        verifier: PathBuf,
        model_identity: &str,
        instances: usize,
        verify_gas: u64,
    ) -> PyResult<Self> {
        let inner = zkinfer::registry::LocalRegistry::deploy(
            &verifier,
            model_identity,
            instances,
            verify_gas,
        )
        .map_err(err)?;
        Ok(Self { inner })
    }

    /// The registry's address.
    #[getter]
    fn address(&self) -> String {
        encode_0x(&self.inner.address())
    }

    /// The chain id submissions are signed for.
    #[getter]
    fn chain_id(&self) -> u64 {
        zkinfer::registry::LOCAL_CHAIN_ID
    }

    /// Signs a submission of a receipt with the agent's key and sends it; returns
    /// `{accepted, gas_used, reason, receipt_digest, agent}`.
    #[pyo3(signature = (receipt, key=None, proof=None))]
    fn submit(
        &mut self,
        receipt: PathBuf,
        key: Option<PathBuf>,
        proof: Option<PathBuf>,
    ) -> PyResult<String> {
        let r: Res<serde_json::Value> = (|| {
            let signer = Signer::from_file_or_env(key.as_deref())?;
            let env = Envelope::read(&receipt)?;
            let sub = zkinfer::registry::submission(
                &env,
                proof.as_deref(),
                &self.inner.address(),
                zkinfer::registry::LOCAL_CHAIN_ID,
                &signer,
            )?;
            let s = self.inner.submit(&sub)?;
            Ok(json!({"accepted": s.accepted, "gas_used": s.gas_used, "reason": s.reason,
                "receipt_digest": encode_0x(&sub.receipt_digest), "agent": encode_0x(&sub.agent)}))
        })();
        to_json(&r.map_err(err)?)
    }

    /// The registry's record of `agent`'s receipt: `{model_id, agent, instances_hash}`, or
    /// None.
    fn decision(&mut self, receipt: PathBuf, agent: &str) -> PyResult<Option<String>> {
        let r: Res<Option<serde_json::Value>> = (|| {
            let env = Envelope::read(&receipt)?;
            let digest = zkinfer::registry::receipt_digest(&env)?;
            let agent = zkinfer::registry::parse_address(agent)?;
            Ok(self.inner.decision(&agent, &digest)?.map(|d| {
                json!({"model_id": encode_0x(&d.model_id), "agent": encode_0x(&d.agent),
                    "instances_hash": encode_0x(&d.instances_hash)})
            }))
        })();
        r.map_err(err)?.map(|v| to_json(&v)).transpose()
    }
}

/// Registers the receipt functions on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(receipt_create, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_verify, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_replay, m)?)?;
    m.add_function(wrap_pyfunction!(commit_input, m)?)?;
    m.add_function(wrap_pyfunction!(keygen, m)?)?;
    m.add_function(wrap_pyfunction!(log_append, m)?)?;
    m.add_function(wrap_pyfunction!(log_checkpoint, m)?)?;
    m.add_function(wrap_pyfunction!(log_verify, m)?)?;
    m.add_class::<LocalRegistry>()?;
    Ok(())
}
