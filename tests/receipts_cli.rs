//! Decision receipts from the CLI: create, verify (every check named), replay, the data
//! source's signed input commitment, receipts by digest, and the hash-chained log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use serde_json::{json, Value};
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::internals::receipt_format::dsse::Envelope;
use zkinfer::internals::receipt_format::keys::Signer;
use zkinfer::internals::receipt_format::statement::{outputs_sha256, proof_sha256, PAYLOAD_TYPE};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    cache: PathBuf,
    model: PathBuf,
    input: PathBuf,
    settings: PathBuf,
    proof: PathBuf,
    vk: PathBuf,
    agent_key: PathBuf,
    agent: String,
    source: String,
    attestation: PathBuf,
}

/// The mlp, calibrated with hashed inputs and proven; an agent key (secp256k1), a data-source
/// key (Ed25519) and the source's signed commitment to the input.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let cache = dir.join("cache");
    let (model, input) = common::model("mlp");
    let (proof, _, vk) = proved_with(&dir, &cache, "mlp", &["--input-visibility", "hashed"]);
    let settings = dir.join("mlp.settings.json");
    let key_id = |out: String| out.split_whitespace().nth(2).unwrap().to_string();
    let agent_key = dir.join("agent.key");
    let agent = key_id(ok(&zkinfer(&cache, &["keygen", "-o", s(&agent_key)])));
    let source_key = dir.join("source.key");
    let source =
        key_id(ok(&zkinfer(&cache, &["keygen", "--scheme", "ed25519", "-o", s(&source_key)])));
    assert!(agent.starts_with("0x") && source.starts_with("ed25519:"), "{agent} {source}");
    let attestation = dir.join("commitment.json");
    ok(&zkinfer(
        &cache,
        &[
            "receipt",
            "commit-input",
            s(&model),
            "--input",
            s(&input),
            "--settings",
            s(&settings),
            "--key",
            s(&source_key),
            "--source-name",
            "bank feed",
            "-o",
            s(&attestation),
        ],
    ));
    Fixture {
        _tmp: tmp,
        dir,
        cache,
        model,
        input,
        settings,
        proof,
        vk,
        agent_key,
        agent,
        source,
        attestation,
    }
}

impl Fixture {
    fn create(&self, receipt: &Path, extra: &[&str]) -> String {
        let mut args = vec![
            "receipt",
            "create",
            s(&self.model),
            "--input",
            s(&self.input),
            "--proof",
            s(&self.proof),
            "--vk",
            s(&self.vk),
            "--settings",
            s(&self.settings),
            "--key",
            s(&self.agent_key),
            "--agent-id",
            "underwriter-7",
            "--request-id",
            "req-42",
            "--input-attestation",
            s(&self.attestation),
            "-o",
            s(receipt),
        ];
        if !extra.contains(&"--labels") {
            args.extend_from_slice(&["--labels", "low,mid,high"]);
        }
        args.extend_from_slice(extra);
        ok(&zkinfer(&self.cache, &args))
    }

    /// `receipt verify --json` with every pin and file; returns (success, report).
    fn verify(&self, receipt: &Path, extra: &[&str]) -> (bool, Value) {
        let mut args = vec![
            "receipt",
            "verify",
            s(receipt),
            "--vk",
            s(&self.vk),
            "--agent",
            &self.agent,
            "--source",
            &self.source,
            "--model",
            s(&self.model),
            "--json",
            "--allow-insecure-srs",
        ];
        if !extra.contains(&"--input") {
            args.extend_from_slice(&["--input", s(&self.input)]);
        }
        args.extend_from_slice(extra);
        let out = zkinfer(&self.cache, &args);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(report["verified"], out.status.success(), "{report}");
        (out.status.success(), report)
    }

    fn first_failure(&self, receipt: &Path) -> String {
        let (ok, report) = self.verify(receipt, &[]);
        assert!(!ok, "a tampered receipt verified: {report}");
        let checks = report["checks"].as_array().unwrap();
        let failed = checks.iter().find(|c| c["status"] == "fail").unwrap();
        failed["check"].as_str().unwrap().to_string()
    }
}

/// An edit of a receipt's statement.
type Tamper = Box<dyn Fn(&mut Value)>;

fn statement(receipt: &Path) -> (Envelope, Value) {
    let env = Envelope::read(receipt).unwrap();
    let payload: Value = serde_json::from_slice(&env.payload_bytes().unwrap()).unwrap();
    (env, payload)
}

/// Writes `payload` as a receipt signed by `key` (an agent lying with its own key).
fn resign(payload: &Value, key: &Path, path: &Path) -> PathBuf {
    let signer = Signer::read(key).unwrap();
    let env =
        Envelope::sign(PAYLOAD_TYPE, &serde_json::to_vec(payload).unwrap(), &[&signer]).unwrap();
    std::fs::write(path, env.to_json().unwrap()).unwrap();
    path.to_path_buf()
}

#[test]
fn receipts_verify_replay_and_name_every_tampered_field() {
    let f = fixture();
    let receipt = f.dir.join("receipt.json");
    let out = f.create(&receipt, &[]);
    assert!(out.contains("decision: argmax of"), "{out}");
    let (ok_, report) = f.verify(&receipt, &[]);
    assert!(ok_, "{report}");
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "pass", "{c}");
    }
    let label = report["decision"]["label"].as_str().unwrap();
    assert!(["low", "mid", "high"].contains(&label));
    let (env, payload) = statement(&receipt);
    assert_eq!(
        payload["predicate"]["context"],
        json!({"agent_id": "underwriter-7", "request_id": "req-42"})
    );
    let replay = ok(&zkinfer(
        &f.cache,
        &["receipt", "replay", s(&receipt), "--model", s(&f.model), "--input", s(&f.input)],
    ));
    assert!(replay.contains("identical") && !replay.contains("DIFFERENT"), "{replay}");

    // Changes to the payload without a new signature.
    let mut edited = env.clone();
    let mut p = payload.clone();
    p["predicate"]["context"]["agent_id"] = json!("someone-else");
    edited.payload = {
        // Only the payload is taken from this envelope; the original signature stays.
        let signer = Signer::generate(zkinfer::internals::receipt_format::keys::Scheme::Ed25519);
        Envelope::sign(PAYLOAD_TYPE, &serde_json::to_vec(&p).unwrap(), &[&signer]).unwrap().payload
    };
    let path = f.dir.join("edited.json");
    std::fs::write(&path, edited.to_json().unwrap()).unwrap();
    assert_eq!(f.first_failure(&path), "signature");
    let mut flipped = env.clone();
    let mut sig = flipped.signatures[0].sig.clone().into_bytes();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    flipped.signatures[0].sig = String::from_utf8(sig).unwrap();
    std::fs::write(&path, flipped.to_json().unwrap()).unwrap();
    assert_eq!(f.first_failure(&path), "signature");
    // Another agent's honest-looking signature over the same payload.
    let stranger = f.dir.join("stranger.key");
    ok(&zkinfer(&f.cache, &["keygen", "-o", s(&stranger)]));
    assert_eq!(f.first_failure(&resign(&payload, &stranger, &path)), "signature");

    // Each field altered and re-signed by the agent itself: the check that covers it fails.
    let proof_file = ProofFile::read(&f.proof).unwrap();
    let mut other_proof = proof_file.clone();
    let mut hex: Vec<char> = other_proof.proof.chars().collect();
    hex[200] = if hex[200] == '0' { '1' } else { '0' };
    other_proof.proof = hex.into_iter().collect();
    let other_proof_sha = proof_sha256(&other_proof).unwrap();
    let cases: Vec<(&str, Tamper)> = vec![
        ("envelope", Box::new(|p| p["_type"] = json!("https://in-toto.io/Statement/v0.1"))),
        ("envelope", Box::new(|p| p["predicateType"] = json!("https://example.com/other/v1"))),
        ("subjects", Box::new(|p| p["subject"][2]["digest"]["sha256"] = json!("00".repeat(32)))),
        (
            "subjects",
            Box::new(|p| {
                p["subject"].as_array_mut().unwrap().pop();
            }),
        ),
        ("subjects", Box::new(|p| p["subject"][0]["digest"]["sha256"] = json!("11".repeat(32)))),
        ("subjects", Box::new(|p| p["subject"][1]["digest"]["sha512"] = json!("00"))),
        ("srs", Box::new(|p| p["predicate"]["srs"]["insecure"] = json!(false))),
        ("srs", Box::new(|p| p["predicate"]["srs"]["description"] = json!("a ceremony"))),
        ("input", Box::new(|p| p["subject"][1]["digest"]["sha256"] = json!("22".repeat(32)))),
        ("proof", Box::new(|p| p["predicate"]["model"]["identity"] = json!("33".repeat(32)))),
        ("proof", Box::new(|p| p["predicate"]["proof"]["sha256"] = json!("44".repeat(32)))),
        (
            "proof",
            Box::new(move |p| {
                p["predicate"]["proof"]["inline"] = serde_json::to_value(&other_proof).unwrap();
                p["predicate"]["proof"]["sha256"] = json!(other_proof_sha);
            }),
        ),
        (
            "settings",
            Box::new(|p| p["predicate"]["model"]["settings_sha256"] = json!("55".repeat(32))),
        ),
        ("settings", Box::new(|p| p["predicate"]["settings"]["batch"] = json!(2))),
        (
            "output",
            Box::new(|p| {
                let v = p["predicate"]["outputs"][0]["values"][0].as_f64().unwrap();
                p["predicate"]["outputs"][0]["values"][0] = json!(v + 1.0);
                let outs: Vec<zkinfer::internals::prover::proof_file::ProvenTensor> =
                    serde_json::from_value(p["predicate"]["outputs"].clone()).unwrap();
                p["subject"][2]["digest"]["sha256"] = json!(outputs_sha256(&outs).unwrap());
            }),
        ),
        ("output", Box::new(|p| p["predicate"]["instances"][0] = json!("7"))),
        ("settings", Box::new(|p| p["predicate"]["visibility"]["input"] = json!("public"))),
        (
            "decision",
            Box::new(|p| {
                let i = p["predicate"]["decision"]["index"].as_u64().unwrap();
                p["predicate"]["decision"]["index"] = json!((i + 1) % 3);
            }),
        ),
        ("decision", Box::new(|p| p["predicate"]["decision"]["label"] = json!("approve"))),
        ("decision", Box::new(|p| p["predicate"]["decision"]["value"] = json!(99.0))),
        ("timestamp", Box::new(|p| p["predicate"]["timestamp"] = json!("yesterday"))),
        (
            "source-signature",
            Box::new(|p| {
                p["predicate"].as_object_mut().unwrap().remove("input_attestation");
            }),
        ),
        (
            "source-signature",
            Box::new(|p| {
                p["predicate"]["input_attestation"]["signatures"][0]["sig"] = json!("AAAA");
            }),
        ),
    ];
    for (i, (check, tamper)) in cases.iter().enumerate() {
        let mut p = payload.clone();
        tamper(&mut p);
        let path = resign(&p, &f.agent_key, &f.dir.join(format!("tampered{i}.json")));
        assert_eq!(&f.first_failure(&path), check, "case {i}");
    }

    // A verifier who pins the rule and labels catches relabelled decisions.
    let (ok_, report) =
        f.verify(&receipt, &["--expect-decision", "argmax", "--expect-labels", "low,mid,high"]);
    assert!(ok_ && report.to_string().contains("rule pinned"), "{report}");
    let (ok_, report) =
        f.verify(&receipt, &["--expect-decision", "argmax", "--expect-labels", "high,mid,low"]);
    assert!(!ok_, "{report}");
    let failed =
        report["checks"].as_array().unwrap().iter().find(|c| c["status"] == "fail").unwrap();
    assert_eq!(failed["check"], "decision", "{report}");

    // Replay refuses another input, and a receipt whose settings are not the proof's.
    let other_input = f.dir.join("other-input.json");
    let text = std::fs::read_to_string(&f.input).unwrap().replacen('-', "", 1);
    std::fs::write(&other_input, text).unwrap();
    let out = zkinfer(
        &f.cache,
        &["receipt", "replay", s(&receipt), "--model", s(&f.model), "--input", s(&other_input)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHA-256"), "{out:?}");
    let (ok_, report) = f.verify(&receipt, &["--input", s(&other_input)]);
    assert!(!ok_ && report.to_string().contains("SHA-256"), "{report}");
}

#[test]
fn receipts_by_digest_and_the_log() {
    let f = fixture();
    let receipt = f.dir.join("receipt.json");
    f.create(
        &receipt,
        &["--proof-by-digest", "--decision", "threshold:0.0", "--labels", "deny,approve"],
    );
    let (_, payload) = statement(&receipt);
    assert!(payload["predicate"]["proof"].get("inline").is_none());
    assert_eq!(payload["predicate"]["decision"]["rule"], "threshold");
    let (ok_, report) = f.verify(&receipt, &[]);
    assert!(!ok_);
    assert!(report.to_string().contains("--proof"), "{report}");
    let (ok_, report) = f.verify(&receipt, &["--proof", s(&f.proof)]);
    assert!(ok_, "{report}");
    let mut other = ProofFile::read(&f.proof).unwrap();
    other.proof = other.proof.replacen(
        &other.proof[..2],
        if &other.proof[..2] == "00" { "01" } else { "00" },
        1,
    );
    let lie = f.dir.join("lie.json");
    other.write(&lie).unwrap();
    let (ok_, report) = f.verify(&receipt, &["--proof", s(&lie)]);
    assert!(!ok_ && report.to_string().contains("the proof hashes to"), "{report}");

    // A log of receipts, a checkpoint, and an edit detected.
    let log = f.dir.join("decisions.jsonl");
    let inline = f.dir.join("inline.json");
    f.create(&inline, &[]);
    let out = ok(&zkinfer(&f.cache, &["log", "append", s(&log), s(&receipt), s(&inline)]));
    assert!(out.contains("entry 1"), "{out}");
    ok(&zkinfer(&f.cache, &["log", "checkpoint", s(&log), "--key", s(&f.agent_key)]));
    let out =
        ok(&zkinfer(&f.cache, &["log", "verify", s(&log), "--checkpoint-key", &f.agent, "--json"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"], 3);
    let out = ok(&zkinfer(&f.cache, &["log", "show", s(&log)]));
    assert!(out.contains("threshold") && out.contains("checkpoint by"), "{out}");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("\"seq\":1", "\"seq\":1 ", 1)).unwrap();
    let out = zkinfer(&f.cache, &["log", "verify", s(&log)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2: entry 1 is not in the form"),
        "{out:?}"
    );
    // Appending a non-receipt is refused.
    let out = zkinfer(&f.cache, &["log", "append", s(&log), s(&f.attestation)]);
    assert!(!out.status.success());
}

fn selector(sig: &str) -> Vec<u8> {
    zkinfer::internals::receipt_format::digest::keccak256(sig.as_bytes())[..4].to_vec()
}

fn word(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn address_word(a: &[u8; 20]) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a);
    w
}

fn act_call(digest: &[u8; 32], instances: &[[u8; 32]]) -> Vec<u8> {
    let mut data = selector("act(bytes32,uint256[])");
    data.extend(digest);
    data.extend(word(0x40));
    data.extend(word(instances.len() as u64));
    for i in instances {
        data.extend(i);
    }
    data
}

fn reverted_with(out: &zkinfer::internals::verifier::evm::CallOutcome, reason: &str) -> bool {
    !out.success && String::from_utf8_lossy(&out.output).contains(reason)
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn registry_on_revm_accepts_only_honest_submissions() {
    use zkinfer::internals::verifier::evm::Chain;
    use zkinfer::internals::verifier::solc::Compiler;
    use zkinfer::registry::{submission, Submission};
    let f = fixture();
    let receipts: Vec<PathBuf> = (0..2)
        .map(|i| {
            let r = f.dir.join(format!("receipt{i}.json"));
            f.create(&r, &["--context", &format!("n={i}")]);
            r
        })
        .collect();
    let sol = f.dir.join("Verifier.sol");
    ok(&zkinfer(
        &f.cache,
        &["create-evm-verifier", "--vk", s(&f.vk), "-o", s(&sol), "--allow-oversize"],
    ));
    let bin = zkinfer::internals::verifier::hex::decode(
        std::fs::read_to_string(f.dir.join("Verifier.bin")).unwrap().trim(),
    )
    .unwrap();
    let mut chain = Chain::new(false);
    let verifier = chain.deploy(&bin).unwrap();
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/evm/DecisionRegistry.sol"),
    )
    .unwrap();
    let compiler = Compiler::locate().unwrap();
    let registry =
        chain.deploy(&compiler.compile(&source, "DecisionRegistry").unwrap().creation).unwrap();
    let reg: [u8; 20] = registry.address.into_array();
    let agent = Signer::read(&f.agent_key).unwrap();
    let env: Vec<Envelope> = receipts.iter().map(|r| Envelope::read(r).unwrap()).collect();
    let honest = submission(&env[0], None, &reg, 1, &agent).unwrap();

    let mut register = selector("registerModel(bytes32,address,uint256,uint256)");
    register.extend(honest.model_id);
    register.extend(address_word(&verifier.address.into_array()));
    register.extend(word(5_000_000));
    register.extend(word(honest.instances.len() as u64));
    assert!(chain.call(registry.address, &register).unwrap().success);
    assert!(reverted_with(&chain.call(registry.address, &register).unwrap(), "already registered"));

    // A front-runner copying the honest submission under its own name registers only its own
    // record: the agent's submission still goes through.
    let squatter = Signer::generate(zkinfer::internals::receipt_format::keys::Scheme::Secp256k1);
    assert!(submission(&env[0], None, &reg, 1, &squatter).is_err(), "not the receipt's signer");
    let mut squat = honest.clone();
    squat.agent = zkinfer::registry::parse_address(&squatter.key_id()).unwrap();
    squat.signature = squatter.sign(&squat.signed_message(&reg, 1)).unwrap();
    assert_eq!(squat.receipt_digest, honest.receipt_digest);
    assert!(chain.call(registry.address, &squat.calldata()).unwrap().success);
    let out = chain.call(registry.address, &honest.calldata()).unwrap();
    assert!(out.success, "an honest submission was refused: {out:?}");
    eprintln!("DecisionRegistry.submit: {} gas", out.gas_used);
    let again = chain.call(registry.address, &honest.calldata()).unwrap();
    assert!(reverted_with(&again, "receipt already registered"), "{again:?}");

    // Each bad submission of the second receipt, re-signed where the signature is not the point.
    let second = submission(&env[1], None, &reg, 1, &agent).unwrap();
    let resigned = |mut s: Submission, chain_id: u64| {
        s.signature = agent.sign(&s.signed_message(&reg, chain_id)).unwrap();
        s
    };
    let stranger = Signer::generate(zkinfer::internals::receipt_format::keys::Scheme::Secp256k1);
    let mut by_stranger = second.clone();
    by_stranger.signature = stranger.sign(&second.signed_message(&reg, 1)).unwrap();
    let mut flipped = second.clone();
    flipped.signature[5] ^= 1;
    let other_chain = resigned(second.clone(), 5);
    let mut lie = second.clone();
    lie.instances[1][31] ^= 1;
    let lie = resigned(lie, 1);
    let (relu_proof, _) = proved(&f.dir, &f.cache, "relu");
    let relu = ProofFile::read(&relu_proof).unwrap();
    let mut other_model = second.clone();
    other_model.instances =
        zkinfer::internals::verifier::calldata::encode(&relu.instance_values().unwrap(), &[])
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap())
            .collect();
    other_model.proof = relu.proof_bytes().unwrap();
    // The registry pins the instance count; at the right count the verifier itself refuses.
    other_model.instances.resize(second.instances.len(), [0; 32]);
    let other_model = resigned(other_model, 1);
    let mut extra = second.clone();
    extra.instances.push([0; 32]);
    let extra = resigned(extra, 1);
    let mut nobody = second.clone();
    nobody.agent = [0; 20];
    let mut unknown = second.clone();
    unknown.model_id[0] ^= 1;
    let unknown = resigned(unknown, 1);
    for (name, bad, reason) in [
        ("stranger's signature", &by_stranger, "not the agent's signature"),
        ("flipped signature", &flipped, "DecisionRegistry"),
        ("signed for another chain", &other_chain, "not the agent's signature"),
        ("tampered output", &lie, "proof rejected"),
        ("another model's proof", &other_model, "proof rejected"),
        ("unknown model", &unknown, "unknown model"),
        ("an extra instance", &extra, "wrong number of instances"),
        ("no agent", &nobody, "no agent"),
    ] {
        let out = chain.call(registry.address, &bad.calldata()).unwrap();
        assert!(reverted_with(&out, reason), "{name}: {out:?}");
    }
    assert!(chain.call(registry.address, &second.calldata()).unwrap().success);

    // A consumer acts once on a registered decision of its model and agent.
    let consumer = compiler.compile(&source, "DecisionConsumer").unwrap();
    let deploy_consumer = |chain: &mut Chain, agent: &[u8; 20]| {
        let mut creation = consumer.creation.clone();
        creation.extend(address_word(&reg));
        creation.extend(honest.model_id);
        creation.extend(address_word(agent));
        creation.extend(word(1)); // the hashed input's digest comes first
        creation.extend(word(3));
        chain.deploy(&creation).unwrap()
    };
    let desk = deploy_consumer(&mut chain, &honest.agent);
    let out =
        chain.call(desk.address, &act_call(&honest.receipt_digest, &honest.instances)).unwrap();
    assert!(out.success, "{out:?}");
    let (_, payload) = statement(&receipts[0]);
    let index = payload["predicate"]["decision"]["index"].as_u64().unwrap();
    assert_eq!(out.output, word(index), "the consumer's action is the receipt's decision");
    let twice =
        chain.call(desk.address, &act_call(&honest.receipt_digest, &honest.instances)).unwrap();
    assert!(reverted_with(&twice, "already acted"), "{twice:?}");
    let unregistered = chain.call(desk.address, &act_call(&[7; 32], &honest.instances)).unwrap();
    assert!(reverted_with(&unregistered, "not registered"), "{unregistered:?}");
    let mut other_outputs = second.instances.clone();
    other_outputs[2][31] ^= 1;
    let out = chain.call(desk.address, &act_call(&second.receipt_digest, &other_outputs)).unwrap();
    assert!(reverted_with(&out, "not the registered instances"), "{out:?}");
    let wary = deploy_consumer(&mut chain, &[9; 20]);
    let out =
        chain.call(wary.address, &act_call(&second.receipt_digest, &second.instances)).unwrap();
    // Records are per agent: a consumer trusting someone else finds none.
    assert!(reverted_with(&out, "not registered"), "{out:?}");
}
