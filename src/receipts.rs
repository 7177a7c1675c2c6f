//! Decision receipts over proofs. [`create`] verifies the proof first (a receipt never vouches
//! for a proof that does not verify), checks that the model, settings and input files are the
//! ones the proof is about, decodes the decision and signs the statement; [`verify`] runs every
//! check a receipt's reader needs and names each; [`replay`] re-runs the exact integer
//! evaluator on a revealed input and compares the output integers bit for bit.

use crate::steps::{self, Pins};
use crate::{Compiled, Error, Model, Result};
use std::collections::BTreeMap;
use std::path::Path;
use zkinfer_prover::instance::to_decimal;
use zkinfer_prover::proof_file::{ProofFile, ProvenTensor};
use zkinfer_quantize::{eval, Settings, Visibility, WeightVisibility};
use zkinfer_receipts::decision::{Decision, DecisionRule};
use zkinfer_receipts::digest::sha256_hex;
use zkinfer_receipts::dsse::Envelope;
use zkinfer_receipts::keys::Signer;
use zkinfer_receipts::statement::{
    outputs_sha256, proof_sha256, settings_sha256, DecisionPredicate, InputCommitment, ModelClaim,
    ProofClaim, Role, SrsClaim, Statement, Subject, INPUT_COMMITMENT_TYPE, PAYLOAD_TYPE,
    PREDICATE_TYPE, STATEMENT_TYPE,
};
use zkinfer_receipts::ReceiptError;

/// Everything a receipt is made from.
pub struct Request<'a> {
    /// The proof.
    pub proof: &'a ProofFile,
    /// Its verifying key.
    pub vk: &'a Path,
    /// What the creator pins when verifying the proof first.
    pub pins: &'a Pins,
    /// The ONNX model file.
    pub model: &'a Path,
    /// The input file the agent received.
    pub input: &'a Path,
    /// The settings the proof was made with.
    pub settings: &'a Settings,
    /// How to decode the decision.
    pub rule: &'a DecisionRule,
    /// Whether to carry the proof inline (else by digest only).
    pub inline_proof: bool,
    /// A data source's signed input commitment.
    pub attestation: Option<Envelope>,
    /// Agent id, request id and the like.
    pub context: BTreeMap<String, String>,
}

fn invalid(what: &str, reason: impl Into<String>) -> Error {
    ReceiptError::format(what, reason).into()
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A model loaded and compiled with a receipt's settings, checked against its proof by
/// [`compile`].
struct Checked {
    model: Model,
    compiled: Compiled,
}

impl Checked {
    /// Runs the exact integer evaluator on `input`.
    fn evaluate(&self, input: &Path) -> Result<Evaluated<'_>> {
        let inputs = self.model.read_input(input)?;
        let witness = eval::eval_all(&self.compiled.qgraph, &inputs)?;
        Ok(Evaluated { compiled: &self.compiled, witness })
    }
}

/// A checked model's witness on one input.
struct Evaluated<'a> {
    compiled: &'a Compiled,
    witness: Vec<Vec<i64>>,
}

/// Compiles `model` with `settings` after checking that the settings belong to the model file,
/// that they compile to the proof's circuit, and (for hashed weights) that the model's weights
/// hash to the proof's weights digest. Private weights are bound by nothing, so a model file
/// cannot be tied to such a proof: refused.
fn compile(model: &Path, settings: &Settings, proof: &ProofFile) -> Result<Checked> {
    let model_sha = sha256_hex(&read(model)?);
    if settings.model_sha256 != model_sha {
        return Err(invalid(
            "settings",
            format!(
                "they belong to the model with SHA-256 {}, but {} has {model_sha}",
                settings.model_sha256,
                model.display()
            ),
        ));
    }
    let m = Model::load(model, settings.batch)?;
    let compiled = Compiled::new(&m, settings)?;
    let circuit_hash = &proof.circuit_hash;
    if compiled.hash_hex() != *circuit_hash {
        return Err(invalid(
            "settings",
            format!(
                "with {} they compile to circuit {}, but the proof is about circuit {circuit_hash}",
                model.display(),
                compiled.hash_hex()
            ),
        ));
    }
    match proof.effective_visibility().weights {
        WeightVisibility::Fixed => {}
        WeightVisibility::Hashed => {
            let ours = to_decimal(&steps::weights_digest(&compiled.qgraph));
            let claimed = proof.digests()[2].unwrap_or_default();
            if ours != claimed {
                return Err(invalid(
                    "model",
                    format!(
                        "{}'s weights hash to {ours}, the proof's weights digest is {claimed}",
                        model.display()
                    ),
                ));
            }
        }
        WeightVisibility::Private => {
            return Err(invalid(
                "model",
                "the proof keeps the weights private and binds no digest of them, so nothing ties \
                 a model file to it; prove with hashed weights (--weights-visibility hashed)",
            ));
        }
    }
    Ok(Checked { model: m, compiled })
}

impl Evaluated<'_> {
    fn input_digest(&self) -> String {
        to_decimal(&steps::digests(&self.compiled.qgraph, &self.witness)[0])
    }

    fn outputs(&self) -> Vec<(String, Vec<i64>)> {
        let q = &self.compiled.qgraph;
        q.outputs.iter().map(|&o| (q.tensors[o].name.clone(), self.witness[o].clone())).collect()
    }
}

/// Checks that the input the evaluator saw is the one the proof is about, where the proof
/// binds it (public values or a Poseidon digest).
fn check_input_against_proof(
    e: &Evaluated,
    proof: &ProofFile,
) -> std::result::Result<String, String> {
    let [digest, _, _] = proof.digests();
    if let Some(claimed) = digest {
        let ours = e.input_digest();
        return if claimed == ours {
            Ok(format!("hashes to the proof's input digest {ours}"))
        } else {
            Err(format!("hashes to {ours}, the proof's input digest is {claimed}"))
        };
    }
    if !proof.inputs.is_empty() {
        let q = &e.compiled.qgraph;
        for (t, &id) in proof.inputs.iter().zip(&q.inputs) {
            let ours: Vec<f64> = e.witness[id]
                .iter()
                .map(|&v| eval::dequantize_value(v, q.tensors[id].scale))
                .collect();
            if ours != t.values {
                return Err(format!("input '{}' differs from the proof's public input", t.name));
            }
        }
        return Ok("equals the proof's public input".into());
    }
    Ok("the proof keeps the input private; only its SHA-256 is bound, by the signature".into())
}

/// Checks a data source's signed commitment against the proof and the input's SHA-256;
/// returns its signers.
fn check_attestation(
    env: &Envelope,
    proof: &ProofFile,
    input_sha256: &str,
) -> std::result::Result<(InputCommitment, Vec<String>), String> {
    let c = InputCommitment::from_envelope(env).map_err(|e| e.to_string())?;
    let signers = env.signers().map_err(|e| e.to_string())?;
    let [digest, _, _] = proof.digests();
    let Some(digest) = digest else {
        return Err("a signed input commitment needs a hashed-input proof (settings visibility input = hashed)".into());
    };
    if c.poseidon != digest {
        return Err(format!(
            "the source signed input digest {}, the proof's is {digest}",
            c.poseidon
        ));
    }
    if c.input_sha256 != input_sha256 {
        return Err(format!(
            "the source signed an input file with SHA-256 {}, the receipt names {input_sha256}",
            c.input_sha256
        ));
    }
    Ok((c, signers))
}

/// A data source's signed commitment to an input: the Poseidon digest a hashed-input proof
/// will publish, and the input file's SHA-256.
///
/// # Errors
/// Model, settings or input errors; settings whose inputs are not hashed.
pub fn commit_input(
    model: &Path,
    input: &Path,
    settings: &Settings,
    source: Option<String>,
    signer: &Signer,
) -> Result<Envelope> {
    if settings.visibility.input != Visibility::Hashed {
        return Err(invalid(
            "input commitment",
            "the settings do not hash the input, so no proof will publish its digest; calibrate \
             with input visibility hashed",
        ));
    }
    let m = Model::load(model, settings.batch)?;
    let q = m.quantize(settings)?;
    let inputs = m.read_input(input)?;
    let witness = eval::eval_all(&q, &inputs)?;
    let commitment = InputCommitment {
        poseidon: to_decimal(&steps::digests(&q, &witness)[0]),
        input_sha256: sha256_hex(&read(input)?),
        timestamp: zkinfer_receipts::time::now_rfc3339(),
        source,
    };
    let payload =
        serde_json::to_vec(&commitment).map_err(|e| invalid("input commitment", e.to_string()))?;
    Ok(Envelope::sign(INPUT_COMMITMENT_TYPE, &payload, &[signer])?)
}

/// Makes a signed receipt.
///
/// # Errors
/// An invalid proof, files that are not the ones the proof is about, an undecodable decision
/// or a bad input commitment, each naming what failed.
pub fn create(req: &Request<'_>, signers: &[&Signer]) -> Result<Envelope> {
    let proof = req.proof;
    let verified = steps::verify_file(proof, req.vk, req.pins)?;
    let checked = compile(req.model, req.settings, proof)?;
    let e = checked.evaluate(req.input)?;
    check_input_against_proof(&e, proof).map_err(|r| invalid("input", r))?;
    let input_sha256 = sha256_hex(&read(req.input)?);
    if let Some(att) = &req.attestation {
        check_attestation(att, proof, &input_sha256)
            .map_err(|r| invalid("input attestation", r))?;
    }
    let decision = Decision::decode(req.rule, &proof.outputs)?;
    let visibility = proof.effective_visibility();
    let statement = Statement {
        statement_type: STATEMENT_TYPE.into(),
        subject: vec![
            Subject::new(&file_name(req.model), req.settings.model_sha256.clone(), Role::Model),
            Subject::new(&file_name(req.input), input_sha256, Role::Input),
            Subject::new("outputs", outputs_sha256(&proof.outputs)?, Role::Output),
        ],
        predicate_type: PREDICATE_TYPE.into(),
        predicate: DecisionPredicate {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            timestamp: zkinfer_receipts::time::now_rfc3339(),
            model: ModelClaim {
                identity: verified.identity.clone(),
                weights_in_key: visibility.weights.is_fixed(),
                settings_sha256: settings_sha256(req.settings)?,
            },
            srs: SrsClaim {
                description: verified.srs.describe(),
                insecure: verified.srs.is_insecure(),
            },
            visibility,
            instances: proof.instances.clone(),
            outputs: proof.outputs.clone(),
            decision,
            proof: ProofClaim {
                sha256: proof_sha256(proof)?,
                inline: req.inline_proof.then(|| proof.clone()),
            },
            settings: req.settings.clone(),
            input_attestation: req.attestation.clone(),
            context: req.context.clone(),
        },
    };
    Ok(Envelope::sign(PAYLOAD_TYPE, &statement.to_json()?, signers)?)
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Passed, with what was found.
    Pass(String),
    /// Failed, with why.
    Fail(String),
    /// Not run (optional data not given), with what would run it.
    Skipped(String),
}

impl Outcome {
    /// `pass`, `fail` or `skipped`.
    #[must_use]
    pub fn status(&self) -> &'static str {
        match self {
            Self::Pass(_) => "pass",
            Self::Fail(_) => "fail",
            Self::Skipped(_) => "skipped",
        }
    }

    /// What was found, why it failed, or what would run it.
    #[must_use]
    pub fn detail(&self) -> &str {
        match self {
            Self::Pass(d) | Self::Fail(d) | Self::Skipped(d) => d,
        }
    }
}

/// One named check of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Check name: envelope, signature, subjects, proof, srs, model-identity, settings,
    /// output, decision, timestamp, model-file, input, source-signature.
    pub name: &'static str,
    /// Outcome.
    pub outcome: Outcome,
}

/// What [`verify`] found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// The statement, when the envelope held one.
    pub statement: Option<Statement>,
}

impl Report {
    /// Whether no check failed and every required one ran.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| match &c.outcome {
            Outcome::Pass(_) => true,
            Outcome::Fail(_) => false,
            Outcome::Skipped(_) => OPTIONAL.contains(&c.name),
        })
    }

    /// The report as JSON: `{verified, checks: [{check, status, detail}], decision}`, the shape
    /// the CLI's `--json` and Python return.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let checks: Vec<serde_json::Value> = self
            .checks
            .iter()
            .map(|c| {
                serde_json::json!({"check": c.name, "status": c.outcome.status(), "detail": c.outcome.detail()})
            })
            .collect();
        let decision = self.statement.as_ref().map(|s| &s.predicate.decision);
        serde_json::json!({"verified": self.ok(), "checks": checks, "decision": decision})
    }

    /// The first failed check.
    #[must_use]
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| matches!(c.outcome, Outcome::Fail(_)))
    }
}

/// Checks that may be skipped when the verifier lacks the data.
const OPTIONAL: [&str; 3] = ["model-file", "input", "source-signature"];

/// What a receipt's verifier holds and pins.
#[derive(Clone, Debug, Default)]
pub struct Expect<'a> {
    /// The model's verifying key (required: without it the proof is not checked).
    pub vk: Option<&'a Path>,
    /// The proof file, for a receipt that carries its proof by digest.
    pub proof: Option<&'a Path>,
    /// Model identity and SRS pins.
    pub pins: Pins,
    /// Agent key ids to accept (any valid signer when empty, reported as unpinned).
    pub agents: Vec<String>,
    /// Accept a key made with the insecure development SRS (tests and demos only).
    pub allow_insecure_srs: bool,
    /// The decision rule (and labels) the verifier expects: the agent chooses the rule when it
    /// signs, so a verifier who does not pin it trusts the agent's labelling.
    pub expected_rule: Option<DecisionRule>,
    /// Data-source key ids to require on the input commitment.
    pub sources: Vec<String>,
    /// The ONNX model file, to compare with the model subject and replay the input digest.
    pub model: Option<&'a Path>,
    /// The revealed input file.
    pub input: Option<&'a Path>,
}

fn pinned(signers: &[String], pins: &[String]) -> Option<String> {
    signers.iter().find(|s| pins.iter().any(|p| p.eq_ignore_ascii_case(s))).cloned()
}

/// Verifies a receipt, naming every check.
#[must_use]
pub fn verify(env: &Envelope, expect: &Expect<'_>) -> Report {
    let mut checks = Vec::new();
    let mut push = |name, outcome| checks.push(Check { name, outcome });
    let statement = match Statement::from_envelope(env) {
        Ok(s) => s,
        Err(e) => {
            push("envelope", Outcome::Fail(e.to_string()));
            return Report { checks, statement: None };
        }
    };
    push("envelope", Outcome::Pass(format!("in-toto statement, predicate {PREDICATE_TYPE}")));
    let p = &statement.predicate;
    push("signature", signature_outcome(env, &expect.agents));
    push("subjects", subjects_outcome(&statement));
    let proof = proof_file(p, expect.proof);
    let verified = match (&proof, expect.vk) {
        (Err(r), _) => Err(r.clone()),
        (Ok(_), None) => Err("not checked: no verifying key was given for the model".to_string()),
        (Ok(f), Some(vk)) => steps::verify_file(f, vk, &expect.pins).map_err(|e| e.to_string()),
    };
    push(
        "proof",
        match &verified {
            Ok(v) if v.identity == p.model.identity => Outcome::Pass(format!(
                "verifies with the key of model {}{}",
                v.identity,
                if v.identity_pinned { " (pinned)" } else { " (identity not pinned)" },
            )),
            Ok(v) => Outcome::Fail(format!(
                "the key is model {}, the receipt names {}",
                v.identity, p.model.identity
            )),
            Err(e) => Outcome::Fail(e.clone()),
        },
    );
    push(
        "srs",
        match &verified {
            Err(_) => Outcome::Fail("not checked: the proof did not verify".into()),
            Ok(v)
                if v.srs.describe() != p.srs.description
                    || v.srs.is_insecure() != p.srs.insecure =>
            {
                Outcome::Fail(format!(
                    "the receipt says the SRS is \"{}\", the key's is \"{}\"",
                    p.srs.description,
                    v.srs.describe()
                ))
            }
            Ok(v) if v.srs.is_insecure() && !expect.allow_insecure_srs => Outcome::Fail(
                "the key was made with the INSECURE development SRS, whose secret is public: \
                 anyone can forge its proofs (accept it for tests: `--allow-insecure-srs`, or \
                 `allow_insecure_srs=True` in Python)"
                    .into(),
            ),
            Ok(v) => Outcome::Pass(format!(
                "{}{}",
                v.srs.describe(),
                if v.srs.is_insecure() { " (INSECURE, accepted for tests)" } else { "" }
            )),
        },
    );
    let Ok(proof) = proof else {
        return Report { checks, statement: Some(statement) };
    };
    push(
        "model-identity",
        if proof.model_identity == p.model.identity
            && p.model.weights_in_key == proof.effective_visibility().weights.is_fixed()
        {
            Outcome::Pass(p.model.identity.clone())
        } else {
            Outcome::Fail(format!(
                "the receipt names model {}, its proof {}",
                p.model.identity, proof.model_identity
            ))
        },
    );
    push("settings", settings_outcome(p));
    push(
        "output",
        if p.outputs == proof.outputs
            && p.instances == proof.instances
            && p.visibility == proof.effective_visibility()
        {
            Outcome::Pass(format!(
                "{} output(s) and {} instance(s) equal the proof's",
                p.outputs.len(),
                p.instances.len()
            ))
        } else {
            Outcome::Fail(
                "the receipt's outputs, instances or visibility differ from its proof's".into(),
            )
        },
    );
    push(
        "decision",
        match Decision::decode(&p.decision.rule(), &p.outputs) {
            Ok(_)
                if expect
                    .expected_rule
                    .as_ref()
                    .is_some_and(|r| !rule_matches(r, &p.decision.rule())) =>
            {
                Outcome::Fail(format!(
                    "the receipt decodes with {:?}, you expect {:?}",
                    p.decision.rule(),
                    expect.expected_rule
                ))
            }
            Ok(d) if d == p.decision => Outcome::Pass(format!(
                "{}{}",
                d.describe(),
                if expect.expected_rule.is_some() {
                    " (rule pinned)"
                } else {
                    " (rule not pinned: --expect-decision)"
                }
            )),
            Ok(d) => Outcome::Fail(format!(
                "the outputs decode to {}, the receipt states {}",
                d.describe(),
                p.decision.describe()
            )),
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );
    push(
        "timestamp",
        if zkinfer_receipts::time::is_rfc3339(&p.timestamp) {
            Outcome::Pass(p.timestamp.clone())
        } else {
            Outcome::Fail(format!("'{}' is not RFC 3339 UTC", p.timestamp))
        },
    );
    // The model is compiled once, for both checks that read it.
    let model = expect.model.map(|m| (m, compile(m, &p.settings, &proof)));
    push("model-file", model_file_outcome(&statement, &proof, model.as_ref()));
    push("input", input_outcome(&statement, &proof, expect.input, model.as_ref()));
    let input_sha = statement.subject(Role::Input).and_then(Subject::sha256).unwrap_or_default();
    push(
        "source-signature",
        match &p.input_attestation {
            None if expect.sources.is_empty() => {
                Outcome::Skipped("the receipt carries no data-source commitment".into())
            }
            None => Outcome::Fail(
                "a data-source signature is required (--source) and the receipt has none".into(),
            ),
            Some(att) => match check_attestation(att, &proof, input_sha) {
                Err(r) => Outcome::Fail(r),
                Ok((_, signers)) if expect.sources.is_empty() => Outcome::Pass(format!(
                    "input digest signed by {} (not pinned: --source)",
                    signers.join(", ")
                )),
                Ok((_, signers)) => match pinned(&signers, &expect.sources) {
                    Some(s) => Outcome::Pass(format!("input digest signed by {s} (pinned)")),
                    None => Outcome::Fail(format!(
                        "signed by {}, not by a pinned source",
                        signers.join(", ")
                    )),
                },
            },
        },
    );
    Report { checks, statement: Some(statement) }
}

/// Whether a receipt's rule is the expected one (an expected rule without an output name
/// accepts any output).
fn rule_matches(expected: &DecisionRule, stated: &DecisionRule) -> bool {
    use DecisionRule as R;
    let output_ok = |e: &Option<String>, s: &Option<String>| e.is_none() || e == s;
    match (expected, stated) {
        (R::None, R::None) => true,
        (R::Argmax { output: eo, labels: el }, R::Argmax { output: so, labels: sl }) => {
            output_ok(eo, so) && el == sl
        }
        (
            R::Threshold { output: eo, element: ee, threshold: et, labels: el },
            R::Threshold { output: so, element: se, threshold: st, labels: sl },
        ) => output_ok(eo, so) && ee == se && et.to_bits() == st.to_bits() && el == sl,
        _ => false,
    }
}

fn signature_outcome(env: &Envelope, agents: &[String]) -> Outcome {
    let signers = match env.signers() {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    if agents.is_empty() {
        return Outcome::Pass(format!("signed by {} (not pinned: --agent)", signers.join(", ")));
    }
    match pinned(&signers, agents) {
        Some(s) => Outcome::Pass(format!("signed by {s} (pinned)")),
        None => {
            Outcome::Fail(format!("signed by {}, none of the pinned agents", signers.join(", ")))
        }
    }
}

fn subjects_outcome(s: &Statement) -> Outcome {
    let (Some(model), Some(_), Some(output)) =
        (s.subject(Role::Model), s.subject(Role::Input), s.subject(Role::Output))
    else {
        return Outcome::Fail(
            "a receipt names exactly one model, one input and one output subject".into(),
        );
    };
    let lower_hex =
        |d: &str| d.len() == 64 && d.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let one_sha256 = |x: &Subject| x.digest.len() == 1 && x.sha256().is_some_and(lower_hex);
    if s.subject.len() != 3 || !s.subject.iter().all(one_sha256) {
        return Outcome::Fail(
            "a receipt names exactly three subjects, each with one lowercase hex sha256".into(),
        );
    }
    if model.sha256() != Some(s.predicate.settings.model_sha256.as_str()) {
        return Outcome::Fail("the model subject is not the model the settings belong to".into());
    }
    match outputs_sha256(&s.predicate.outputs) {
        Ok(d) if Some(d.as_str()) == output.sha256() => Outcome::Pass(
            "model, input and output digests present; the output digest matches".into(),
        ),
        Ok(d) => Outcome::Fail(format!(
            "the outputs hash to {d}, the output subject says {}",
            output.sha256().unwrap_or("(none)")
        )),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// The receipt's proof: inline, or the given file; either must hash to the receipt's digest.
pub(crate) fn proof_file(
    p: &DecisionPredicate,
    given: Option<&Path>,
) -> std::result::Result<ProofFile, String> {
    let file = match (&p.proof.inline, given) {
        (Some(f), _) => f.clone(),
        (None, Some(path)) => ProofFile::read(path).map_err(|e| e.to_string())?,
        (None, None) => {
            return Err(
                "the receipt carries its proof by digest: pass the proof file (--proof)".into()
            )
        }
    };
    let digest = proof_sha256(&file).map_err(|e| e.to_string())?;
    if digest != p.proof.sha256 {
        return Err(format!("the proof hashes to {digest}, the receipt names {}", p.proof.sha256));
    }
    Ok(file)
}

fn settings_outcome(p: &DecisionPredicate) -> Outcome {
    match settings_sha256(&p.settings) {
        Ok(d) if d == p.model.settings_sha256 && p.settings.visibility == p.visibility => {
            Outcome::Pass(format!("settings {d}"))
        }
        Ok(d) if d != p.model.settings_sha256 => Outcome::Fail(format!(
            "the settings hash to {d}, the receipt names {}",
            p.model.settings_sha256
        )),
        Ok(_) => Outcome::Fail("the settings' visibility differs from the proof's".into()),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

/// A model file the verifier gave, and what [`compile`] made of it.
type GivenModel<'a> = (&'a Path, Result<Checked>);

fn model_file_outcome(s: &Statement, proof: &ProofFile, model: Option<&GivenModel<'_>>) -> Outcome {
    let Some((path, checked)) = model else {
        return Outcome::Skipped(
            "pass the model (--model) to compare it with the model subject".into(),
        );
    };
    let claimed = s.subject(Role::Model).and_then(Subject::sha256).unwrap_or_default();
    match std::fs::read(path) {
        Err(e) => Outcome::Fail(format!("{}: {e}", path.display())),
        Ok(bytes) => {
            let d = sha256_hex(&bytes);
            if d != claimed || d != s.predicate.settings.model_sha256 {
                return Outcome::Fail(format!(
                    "{} has SHA-256 {d}, the receipt names {claimed}",
                    path.display()
                ));
            }
            let hashed = proof.effective_visibility().weights == WeightVisibility::Hashed;
            match checked {
                Ok(_) => Outcome::Pass(format!(
                    "{} has SHA-256 {d} and compiles with the settings to the proof's circuit{}",
                    path.display(),
                    if hashed { ", its weights to the proof's weights digest" } else { "" }
                )),
                Err(e) => Outcome::Fail(e.to_string()),
            }
        }
    }
}

fn input_outcome(
    s: &Statement,
    proof: &ProofFile,
    input: Option<&Path>,
    model: Option<&GivenModel<'_>>,
) -> Outcome {
    let Some(input) = input else {
        return Outcome::Skipped("pass the revealed input (--input) to compare it".into());
    };
    let claimed = s.subject(Role::Input).and_then(Subject::sha256).unwrap_or_default();
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(format!("{}: {e}", input.display())),
    };
    let d = sha256_hex(&bytes);
    if d != claimed {
        return Outcome::Fail(format!(
            "{} has SHA-256 {d}, the receipt names {claimed}",
            input.display()
        ));
    }
    let Some((_, checked)) = model else {
        return Outcome::Pass(format!(
            "{} has the receipt's SHA-256 (pass --model to check it against the proof too)",
            input.display()
        ));
    };
    match checked
        .as_ref()
        .map_err(ToString::to_string)
        .and_then(|c| c.evaluate(input).map_err(|e| e.to_string()))
    {
        Err(e) => Outcome::Fail(e),
        Ok(e) => match check_input_against_proof(&e, proof) {
            Ok(how) => {
                Outcome::Pass(format!("{} has the receipt's SHA-256 and {how}", input.display()))
            }
            Err(r) => Outcome::Fail(r),
        },
    }
}

/// One output, as the receipt states it and as the replay computed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// Output name.
    pub name: String,
    /// The integers the receipt states (empty for a private output).
    pub stated: Vec<i64>,
    /// The integers the evaluator computed.
    pub replayed: Vec<i64>,
}

/// What [`replay`] found.
#[derive(Clone, Debug)]
pub struct Replay {
    /// Per output.
    pub outputs: Vec<Replayed>,
    /// The decision decoded from the replayed outputs.
    pub decision: Decision,
    /// How the input compares with the proof.
    pub input: String,
}

impl Replay {
    /// The replay as JSON: `{identical, outputs: [{name, stated, replayed, identical}],
    /// decision, input}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let outputs: Vec<serde_json::Value> = self
            .outputs
            .iter()
            .map(|o| serde_json::json!({"name": o.name, "stated": o.stated, "replayed": o.replayed, "identical": o.stated.is_empty() || o.stated == o.replayed}))
            .collect();
        serde_json::json!({"identical": self.identical(), "outputs": outputs, "decision": self.decision, "input": self.input})
    }

    /// Whether every stated output equals its replay.
    #[must_use]
    pub fn identical(&self) -> bool {
        self.outputs.iter().all(|o| o.stated.is_empty() || o.stated == o.replayed)
    }
}

/// The integers behind a proven tensor.
fn integers(t: &ProvenTensor) -> Vec<i64> {
    if !t.integers.is_empty() {
        return t.integers.clone();
    }
    #[allow(clippy::cast_possible_truncation)]
    t.values.iter().map(|&v| (v * 2f64.powi(t.scale)).round() as i64).collect()
}

/// Replays a receipt: the exact integer evaluator on the revealed input, with the receipt's
/// settings (checked to compile, with `model`, to the proof's circuit).
///
/// # Errors
/// A receipt that does not parse, files that are not the receipt's subjects, or an
/// evaluation error.
pub fn replay(env: &Envelope, model: &Path, input: &Path, proof: Option<&Path>) -> Result<Replay> {
    let s = Statement::from_envelope(env)?;
    let p = &s.predicate;
    for (path, role) in [(model, Role::Model), (input, Role::Input)] {
        let d = sha256_hex(&read(path)?);
        let claimed = s.subject(role).and_then(Subject::sha256).unwrap_or_default();
        if d != claimed {
            return Err(invalid(
                "replay",
                format!("{} has SHA-256 {d}, the receipt's subject {claimed}", path.display()),
            ));
        }
    }
    let file = proof_file(p, proof).map_err(|r| invalid("replay", r))?;
    if p.outputs != file.outputs {
        return Err(invalid("replay", "the receipt's outputs are not its proof's"));
    }
    let checked = compile(model, &p.settings, &file)?;
    let e = checked.evaluate(input)?;
    let input = check_input_against_proof(&e, &file).map_err(|r| invalid("replay", r))?;
    let q = &e.compiled.qgraph;
    let replayed_tensors: Vec<ProvenTensor> = e
        .outputs()
        .into_iter()
        .zip(&q.outputs)
        .map(|((name, ints), &id)| ProvenTensor {
            name,
            shape: q.tensors[id].shape.clone(),
            scale: q.tensors[id].scale,
            values: ints.iter().map(|&v| eval::dequantize_value(v, q.tensors[id].scale)).collect(),
            integers: Vec::new(),
        })
        .collect();
    let names = |ts: &[ProvenTensor]| ts.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    if !p.outputs.is_empty() && names(&p.outputs) != names(&replayed_tensors) {
        return Err(invalid(
            "replay",
            format!(
                "the receipt states outputs {:?}, the model has {:?}",
                names(&p.outputs),
                names(&replayed_tensors)
            ),
        ));
    }
    let outputs = replayed_tensors
        .iter()
        .enumerate()
        .map(|(i, r)| Replayed {
            name: r.name.clone(),
            stated: p.outputs.get(i).map(integers).unwrap_or_default(),
            replayed: integers(r),
        })
        .collect();
    let decision = match p.decision {
        Decision::None => Decision::None,
        _ => Decision::decode(&p.decision.rule(), &replayed_tensors)?,
    };
    Ok(Replay { outputs, decision, input })
}
