//! `zkinfer receipt`: signed decision receipts over proofs (create, verify, replay), and a
//! data source's signed input commitment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zkinfer::flow::{self, ProveRequest};
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::quantize::{Settings, Target};
use zkinfer::internals::receipt_format::decision::DecisionRule;
use zkinfer::internals::receipt_format::dsse::Envelope;
use zkinfer::internals::receipt_format::keys::Signer;
use zkinfer::receipts::{self, Expect, Outcome, Request};
use zkinfer::steps::Pins;
use zkinfer::Device;

/// `zkinfer receipt` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Sign a receipt for a proof (given with --proof, or made now from the model and input).
    Create(Box<CreateArgs>),
    /// Check a receipt: signatures, proof, model identity, outputs, decision, and the model,
    /// input and data-source signature when given; each check is reported by name.
    Verify(Box<VerifyArgs>),
    /// Re-run the exact integer evaluator on the revealed input and compare the output bits.
    Replay(ReplayArgs),
    /// Sign a submission of the receipt to the on-chain DecisionRegistry and write its calldata.
    Submission(SubmissionArgs),
    /// As a data source: sign the commitment to an input that a hashed-input proof will
    /// publish, before handing the input to an agent.
    CommitInput(CommitArgs),
}

/// Arguments of `zkinfer receipt create`.
#[derive(clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    m: super::ModelInput,
    /// An existing proof (with --vk and --settings); without it, the input is proven now.
    #[arg(long, requires_all = ["vk", "settings"])]
    proof: Option<PathBuf>,
    /// The verifying key of --proof (or of --pk).
    #[arg(long)]
    vk: Option<PathBuf>,
    /// Settings the proof was made with (default when proving now: calibrate on the input).
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Proving key from `zkinfer setup`, when proving now (with --vk; default: cached keys).
    #[arg(long, requires = "vk")]
    pk: Option<PathBuf>,
    /// SRS file the keys were made with (default: the cached INSECURE development SRS).
    #[arg(long)]
    srs: Option<PathBuf>,
    /// Model identity to pin when checking the proof before signing.
    #[arg(long)]
    identity: Option<String>,
    /// Signing key file (`zkinfer keygen`); default: the ZKINFER_SIGNING_KEY variable.
    #[arg(long)]
    key: Option<PathBuf>,
    /// How to decode the decision: argmax, threshold:T[@ELEMENT] or none.
    #[arg(long, default_value = "argmax")]
    decision: String,
    /// Labels of the decision (argmax: one per value; threshold: below,at-or-above).
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Output the decision reads (default: the first).
    #[arg(long)]
    decision_output: Option<String>,
    /// The agent's id, recorded in the context.
    #[arg(long)]
    agent_id: Option<String>,
    /// The request's id, recorded in the context.
    #[arg(long)]
    request_id: Option<String>,
    /// More context as KEY=VALUE (repeatable).
    #[arg(long = "context", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    /// A data source's signed input commitment (`zkinfer receipt commit-input`).
    #[arg(long)]
    input_attestation: Option<PathBuf>,
    /// Carry the proof by digest only (the verifier then needs the proof file).
    #[arg(long)]
    proof_by_digest: bool,
    /// Where to write the proof when proving now.
    #[arg(long, default_value = "proof.json")]
    proof_output: PathBuf,
    /// Where to write the receipt.
    #[arg(short, long, default_value = "receipt.json")]
    output: PathBuf,
    /// Machine-readable summary on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got '{s}'"))
}

/// Proves the input now with cached (or given) keys ([`flow::prove`], self-verified); returns
/// the proof file, the settings and the verifying key's path.
fn prove_now(a: &CreateArgs) -> anyhow::Result<(ProofFile, Settings, PathBuf)> {
    let (model, inputs) = a.m.load()?;
    let request = ProveRequest {
        settings: a.settings.clone(),
        target: Target::default(),
        pk: a.pk.clone(),
        srs: a.srs.clone(),
        output: a.proof_output.clone(),
        device: Device::Cpu,
    };
    let reporter = super::steps::Reporter::new(a.json);
    let proven = flow::prove(&model, &inputs, &request, &|p| reporter.show(&p))?;
    reporter.done();
    let vk = a.vk.clone().or(proven.outcome.vk).ok_or_else(|| {
        anyhow::anyhow!("--pk was given without --vk: pass the verifying key made with it")
    })?;
    if !a.json {
        println!("wrote {} (verifying key: {})", a.proof_output.display(), vk.display());
    }
    Ok((proven.file, proven.settings, vk))
}

fn create(a: &CreateArgs) -> anyhow::Result<()> {
    // The key first: a missing key should not cost a proof.
    let signer = Signer::from_file_or_env(a.key.as_deref())?;
    let rule = DecisionRule::parse(&a.decision, a.decision_output.clone(), a.labels.clone())
        .map_err(|e| anyhow::anyhow!("--decision: {e}"))?;
    let attestation = a.input_attestation.as_deref().map(Envelope::read).transpose()?;
    let (proof, settings, vk) = match (&a.proof, &a.vk, &a.settings) {
        (Some(p), Some(vk), Some(s)) => (ProofFile::read(p)?, Settings::read(s)?, vk.clone()),
        _ => prove_now(a)?,
    };
    let mut context: BTreeMap<String, String> = a.context.iter().cloned().collect();
    for (k, v) in [("agent_id", &a.agent_id), ("request_id", &a.request_id)] {
        if let Some(v) = v {
            context.insert(k.into(), v.clone());
        }
    }
    let pins = Pins { identity: a.identity.clone(), srs: a.srs.clone() };
    let req = Request {
        proof: &proof,
        vk: &vk,
        pins: &pins,
        model: &a.m.model,
        input: &a.m.input,
        settings: &settings,
        rule: &rule,
        inline_proof: !a.proof_by_digest,
        attestation,
        context,
    };
    let env = receipts::create(&req, &[&signer])?;
    env.write(&a.output)?;
    let statement = zkinfer::internals::receipt_format::statement::Statement::from_envelope(&env)?;
    let p = &statement.predicate;
    if a.json {
        println!(
            "{}",
            serde_json::json!({"receipt": a.output, "signer": signer.key_id(), "model_identity": p.model.identity, "decision": p.decision, "proof_sha256": p.proof.sha256})
        );
    } else {
        println!("decision: {}", p.decision.describe());
        println!("model identity {}", p.model.identity);
        println!("signed by {}", signer.key_id());
        println!("wrote {}", a.output.display());
    }
    Ok(())
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Arguments of `zkinfer receipt verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The receipt.
    receipt: PathBuf,
    /// The model's verifying key.
    #[arg(long)]
    vk: PathBuf,
    /// The proof file, for a receipt made with --proof-by-digest.
    #[arg(long)]
    proof: Option<PathBuf>,
    /// The model identity you trust (hex).
    #[arg(long)]
    identity: Option<String>,
    /// The SRS the key must have been made with.
    #[arg(long)]
    srs: Option<PathBuf>,
    /// Agent key ids you accept (an Ethereum address or ed25519:<hex>; repeatable).
    #[arg(long)]
    agent: Vec<String>,
    /// Data-source key ids whose signed input commitment is required (repeatable).
    #[arg(long)]
    source: Vec<String>,
    /// Accept a key made with the insecure development SRS (tests and demos only: anyone can
    /// forge proofs for such a key).
    #[arg(long)]
    allow_insecure_srs: bool,
    /// The decision rule you expect (argmax, threshold:T[@I] or none); with --expect-labels,
    /// its labels. Without it, the agent's choice of rule and labels is trusted.
    #[arg(long)]
    expect_decision: Option<String>,
    /// Labels of the expected rule.
    #[arg(long, value_delimiter = ',', requires = "expect_decision")]
    expect_labels: Vec<String>,
    /// The ONNX model, to compare with the receipt's model subject.
    #[arg(long)]
    model: Option<PathBuf>,
    /// The revealed input, to compare with the receipt's input subject (and, with --model,
    /// with what the proof binds).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

fn verify(a: &VerifyArgs) -> anyhow::Result<()> {
    let env = Envelope::read(&a.receipt)?;
    let expected_rule = a
        .expect_decision
        .as_deref()
        .map(|r| DecisionRule::parse(r, None, a.expect_labels.clone()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--expect-decision: {e}"))?;
    let expect = Expect {
        vk: Some(&a.vk),
        proof: a.proof.as_deref(),
        pins: Pins { identity: a.identity.clone(), srs: a.srs.clone() },
        agents: a.agent.clone(),
        allow_insecure_srs: a.allow_insecure_srs,
        expected_rule,
        sources: a.source.clone(),
        model: a.model.as_deref(),
        input: a.input.as_deref(),
    };
    let report = receipts::verify(&env, &expect);
    let ok = report.ok();
    if a.json {
        println!("{}", report.to_json());
    } else {
        for c in &report.checks {
            let mark = match &c.outcome {
                Outcome::Pass(_) => "ok  ",
                Outcome::Fail(_) => "FAIL",
                Outcome::Skipped(_) => "skip",
            };
            println!("{mark} {:<16} {}", c.name, c.outcome.detail());
        }
    }
    if ok {
        if !a.json {
            if let Some(s) = &report.statement {
                println!("receipt verified: {}", s.predicate.decision.describe());
            }
        }
        Ok(())
    } else {
        match report.first_failure() {
            Some(c) => anyhow::bail!("receipt check '{}' failed", c.name),
            None => anyhow::bail!("the receipt is not verified (a required check did not run)"),
        }
    }
}

/// Arguments of `zkinfer receipt replay`.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The receipt.
    receipt: PathBuf,
    /// The ONNX model (its SHA-256 must be the receipt's).
    #[arg(long)]
    model: PathBuf,
    /// The revealed input (its SHA-256 must be the receipt's).
    #[arg(long)]
    input: PathBuf,
    /// The proof file, for a receipt made with --proof-by-digest.
    #[arg(long)]
    proof: Option<PathBuf>,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

fn replay(a: &ReplayArgs) -> anyhow::Result<()> {
    let env = Envelope::read(&a.receipt)?;
    let r = receipts::replay(&env, &a.model, &a.input, a.proof.as_deref())?;
    if a.json {
        println!("{}", r.to_json());
    } else {
        println!("input: {}", r.input);
        for o in &r.outputs {
            let head = |v: &[i64]| {
                let s: Vec<String> = v.iter().take(8).map(|x| format!("{x:#x}")).collect();
                format!("[{}{}]", s.join(", "), if v.len() > 8 { ", …" } else { "" })
            };
            if o.stated.is_empty() {
                println!(
                    "output '{}': private in the receipt; replayed {}",
                    o.name,
                    head(&o.replayed)
                );
            } else {
                println!(
                    "output '{}': receipt {} replay {} — {}",
                    o.name,
                    head(&o.stated),
                    head(&o.replayed),
                    if o.stated == o.replayed { "identical" } else { "DIFFERENT" }
                );
            }
        }
        println!("decision on replay: {}", r.decision.describe());
    }
    if !r.identical() {
        anyhow::bail!("the replay's outputs differ from the receipt's");
    }
    Ok(())
}

/// Arguments of `zkinfer receipt commit-input`.
#[derive(clap::Args)]
pub struct CommitArgs {
    #[command(flatten)]
    m: super::ModelInput,
    /// The settings the agent proves with (their input visibility must be hashed).
    #[arg(long)]
    settings: PathBuf,
    /// The data source's signing key file; default: the ZKINFER_SIGNING_KEY variable.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The source's name, recorded in the commitment.
    #[arg(long)]
    source_name: Option<String>,
    /// Where to write the signed commitment.
    #[arg(short, long, default_value = "input-commitment.json")]
    output: PathBuf,
}

fn commit_input(a: &CommitArgs) -> anyhow::Result<()> {
    let signer = Signer::from_file_or_env(a.key.as_deref())?;
    let settings = Settings::read(&a.settings)?;
    let env =
        receipts::commit_input(&a.m.model, &a.m.input, &settings, a.source_name.clone(), &signer)?;
    env.write(&a.output)?;
    println!("input commitment signed by {}; wrote {}", signer.key_id(), a.output.display());
    Ok(())
}

pub fn main(c: &Command) -> anyhow::Result<()> {
    match c {
        Command::Create(a) => create(a),
        Command::Verify(a) => verify(a),
        Command::Replay(a) => replay(a),
        Command::CommitInput(a) => commit_input(a),
        Command::Submission(a) => submission(a),
    }
}

/// Arguments of `zkinfer receipt submission`.
#[derive(clap::Args)]
pub struct SubmissionArgs {
    /// The receipt.
    receipt: PathBuf,
    /// The registry's address (0x and 40 hex digits).
    #[arg(long)]
    registry: String,
    /// The chain's id (1 for Ethereum mainnet).
    #[arg(long, default_value_t = 1)]
    chain_id: u64,
    /// The agent's secp256k1 key file; default: the ZKINFER_SIGNING_KEY variable.
    #[arg(long)]
    key: Option<PathBuf>,
    /// The proof file, for a receipt made with --proof-by-digest.
    #[arg(long)]
    proof: Option<PathBuf>,
    /// Where to write the submission (JSON with the arguments and the calldata).
    #[arg(short, long, default_value = "submission.json")]
    output: PathBuf,
}

fn submission(a: &SubmissionArgs) -> anyhow::Result<()> {
    use zkinfer::internals::verifier::hex::encode_0x as hex;
    let signer = Signer::from_file_or_env(a.key.as_deref())?;
    let env = Envelope::read(&a.receipt)?;
    let registry = zkinfer::registry::parse_address(&a.registry)?;
    let s =
        zkinfer::registry::submission(&env, a.proof.as_deref(), &registry, a.chain_id, &signer)?;
    let json = serde_json::json!({
        "registry": a.registry, "chain_id": a.chain_id, "function": "submit(bytes32,bytes32,address,uint256[],bytes,bytes)",
        "model_id": hex(&s.model_id), "receipt_digest": hex(&s.receipt_digest),
        "agent": hex(&s.agent),
        "instances": s.instances.iter().map(|w| hex(w)).collect::<Vec<_>>(),
        "proof": hex(&s.proof), "signature": hex(&s.signature),
        "calldata": hex(&s.calldata()),
    });
    write_json(&a.output, &json)?;
    println!(
        "receipt digest {} signed for registry {} on chain {}",
        hex(&s.receipt_digest),
        a.registry,
        a.chain_id
    );
    println!("wrote {}", a.output.display());
    Ok(())
}
