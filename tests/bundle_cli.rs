//! Partitioned proofs from the CLI: `zkinfer prove --parts` writes a bundle that `zkinfer
//! verify --bundle` accepts, and each way of tampering with one is rejected with the failing
//! part or link named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use serde_json::Value;
use zkinfer::bundle::bundle_identity;
use zkinfer::internals::prover::identity::parse_identity;

/// Proves `model` in two parts with `settings` into `dir`; returns the bundle path.
fn bundle(cache: &Path, model: &Path, input: &Path, settings: &Path, dir: &Path) -> PathBuf {
    let out = ok(&zkinfer(
        cache,
        &[
            "prove",
            s(model),
            "--input",
            s(input),
            "--settings",
            s(settings),
            "--parts",
            "2",
            "-o",
            s(dir),
            "--json",
        ],
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["parts"].as_array().unwrap().len(), 2, "{v}");
    // One part at a time: each part's own peak is measured, none above the run's.
    if cfg!(target_os = "linux") {
        let run = v["peak_memory_bytes"].as_u64().unwrap();
        for p in v["parts"].as_array().unwrap() {
            let peak = p["peak_memory_bytes"].as_u64().unwrap();
            assert!(peak > 0 && peak <= run, "{v}");
        }
    }
    dir.join("bundle.json")
}

fn verify(cache: &Path, bundle: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", "--bundle", s(bundle)];
    args.extend_from_slice(extra);
    zkinfer(cache, &args)
}

fn rejected(out: &Output, says: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains(says), "expected '{says}': {out:?}");
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// A copy of a bundle's directory, to tamper with.
fn copy(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from.parent().unwrap()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    to.join("bundle.json")
}

/// Rewrites the bundle's identity to match its (edited) parts, as a forger would.
fn reidentify(bundle: &Path) {
    let mut b = read(bundle);
    let ids: Vec<[u8; 32]> = b["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| parse_identity(p["model_identity"].as_str().unwrap()).unwrap())
        .collect();
    b["identity"] = Value::from(zkinfer::internals::prover::artifact::hex(&bundle_identity(&ids)));
    write(bundle, &b);
}

#[test]
#[ignore = "full tier: proves models in parts (seconds each); run scripts/test.sh"]
fn bundles_verify_and_each_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cache = dir.join("cache");
    let (model, input) = common::model("conv_fc");
    let settings = dir.join("settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)]));
    let a = bundle(&cache, &model, &input, &settings, &dir.join("a"));
    let identity = read(&a)["identity"].as_str().unwrap().to_string();
    let inner = read(&a.with_file_name("part-0.proof.json"));
    assert_eq!(inner["outputs_withheld"], true, "activations are not revealed: {inner}");
    assert!(inner["outputs"].as_array().unwrap().is_empty());
    let out = ok(&verify(&cache, &a, &["--identity", &identity]));
    assert!(out.contains("bundle of 2 parts verified") && out.contains("pinned"), "{out}");
    let other_id = "00".repeat(32);
    rejected(&verify(&cache, &a, &["--identity", &other_id]), "you pinned bundle");

    // The same circuits on another input: same identities, other digests.
    let mut other_input = read(&input);
    for v in other_input["input_data"][0].as_array_mut().unwrap() {
        *v = Value::from(v.as_f64().unwrap() * 0.5);
    }
    let input2 = dir.join("input2.json");
    write(&input2, &other_input);
    let b = bundle(&cache, &model, &input2, &settings, &dir.join("b"));
    assert_eq!(read(&b)["identity"], read(&a)["identity"]);

    // A part proven on another input: its proof verifies, the link does not.
    let mixed = copy(&a, &dir.join("mixed"));
    std::fs::copy(b.with_file_name("part-1.proof.json"), mixed.with_file_name("part-1.proof.json"))
        .unwrap();
    rejected(&verify(&cache, &mixed, &[]), "link part 1 → part 2");

    // Parts swapped: the identity no longer matches; re-identified, the chain breaks.
    let swapped = copy(&a, &dir.join("swapped"));
    let mut s_json = read(&swapped);
    s_json["parts"].as_array_mut().unwrap().swap(0, 1);
    write(&swapped, &s_json);
    rejected(&verify(&cache, &swapped, &[]), "bundle identity");
    reidentify(&swapped);
    rejected(&verify(&cache, &swapped, &[]), "link part 1 → part 2");
    rejected(&verify(&cache, &swapped, &["--identity", &identity]), "you pinned bundle");

    // A changed boundary digest: the part's own proof fails.
    let edited = copy(&a, &dir.join("edited"));
    let proof0 = edited.with_file_name("part-0.proof.json");
    let mut p = read(&proof0);
    let last = p["instances"].as_array().unwrap().len() - 1;
    let digest: String = p["instances"][last].as_str().unwrap().to_string();
    let bumped = if digest.ends_with('0') {
        format!("{}1", &digest[..digest.len() - 1])
    } else {
        format!("{}0", &digest[..digest.len() - 1])
    };
    p["instances"][last] = Value::from(bumped);
    write(&proof0, &p);
    rejected(&verify(&cache, &edited, &[]), "part 1");

    // A part from another model: its identity changes the bundle's.
    let (mlp, mlp_input) = common::model("mlp");
    let mlp_settings = dir.join("mlp.settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&mlp), "--data", s(&mlp_input), "-o", s(&mlp_settings)]));
    let c = bundle(&cache, &mlp, &mlp_input, &mlp_settings, &dir.join("c"));
    let foreign = copy(&a, &dir.join("foreign"));
    for f in ["part-1.proof.json", "part-1.vk"] {
        std::fs::copy(c.with_file_name(f), foreign.with_file_name(f)).unwrap();
    }
    let mut f_json = read(&foreign);
    f_json["parts"][1] = read(&c)["parts"][1].clone();
    write(&foreign, &f_json);
    rejected(&verify(&cache, &foreign, &[]), "bundle identity");
    reidentify(&foreign);
    rejected(&verify(&cache, &foreign, &["--identity", &identity]), "you pinned bundle");
    rejected(&verify(&cache, &foreign, &[]), "link part 1 → part 2");

    // A bundle naming files outside its directory.
    let escaping = copy(&a, &dir.join("escaping"));
    let mut e_json = read(&escaping);
    e_json["parts"][0]["vk"] = Value::from("../a/part-0.vk");
    write(&escaping, &e_json);
    rejected(&verify(&cache, &escaping, &[]), "not a file name beside the bundle");
}

#[test]
#[ignore = "full tier: proves models in parts (seconds each); run scripts/test.sh"]
fn parts_cut_by_name_proven_two_at_a_time_and_resumed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cache = dir.join("cache");
    let (model, input) = common::model("mlp");
    let settings = dir.join("settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)]));
    // The nodes `inspect --json` lists, cut before the second and the last.
    let nodes: Value =
        serde_json::from_str(&ok(&zkinfer(&cache, &["inspect", s(&model), "--json"]))).unwrap();
    let names: Vec<String> = nodes["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3, "{nodes}");
    let cut = format!("{},{}", names[1], names[names.len() - 1]);
    let out_dir = dir.join("c");
    let prove = |extra: &[&str]| {
        let mut args = vec![
            "prove",
            s(&model),
            "--input",
            s(&input),
            "--settings",
            s(&settings),
            "--cut",
            &cut,
            "-o",
            s(&out_dir),
            "--json",
        ];
        args.extend_from_slice(extra);
        let v: Value = serde_json::from_str(&ok(&zkinfer(&cache, &args))).unwrap();
        v
    };
    let first = prove(&["--jobs", "2"]);
    let parts = first["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3, "{first}");
    assert_eq!(parts[1]["first_node"], Value::from(names[1].clone()), "{first}");
    assert_eq!(parts[2]["first_node"], Value::from(names[names.len() - 1].clone()), "{first}");
    assert!(parts.iter().all(|p| p["reused"] == false), "{first}");
    // Two at a time share the process: no part's own peak can be told apart.
    assert!(parts.iter().all(|p| p["peak_memory_bytes"].is_null()), "{first}");
    let bundle = dir.join("c").join("bundle.json");
    ok(&verify(&cache, &bundle, &["--identity", first["identity"].as_str().unwrap()]));

    // Resumed: every part is kept, the bundle is the same.
    let again = prove(&["--resume"]);
    assert!(again["parts"].as_array().unwrap().iter().all(|p| p["reused"] == true), "{again}");
    assert_eq!(again["identity"], first["identity"]);
    // A part's proof lost or edited: that part alone is proven again.
    let p1 = dir.join("c").join("part-1.proof.json");
    let mut edited = read(&p1);
    edited["instances"][0] = Value::from("1");
    write(&p1, &edited);
    std::fs::remove_file(dir.join("c").join("part-2.proof.json")).unwrap();
    let third = prove(&["--resume", "--jobs", "2"]);
    let reused: Vec<bool> =
        third["parts"].as_array().unwrap().iter().map(|p| p["reused"] == true).collect();
    assert_eq!(reused, vec![true, false, false], "{third}");
    ok(&verify(&cache, &bundle, &["--identity", first["identity"].as_str().unwrap()]));

    // A node the model does not have is named, with where to look.
    let out = zkinfer(
        &cache,
        &["prove", s(&model), "--input", s(&input), "--cut", "no_such_node", "-o", s(dir)],
    );
    rejected(&out, "'no_such_node' is not an ONNX node");
    // A memory budget: the fewest parts whose estimates fit, and a clear error below what one
    // node needs.
    let whole: Value = serde_json::from_str(&ok(&zkinfer(
        &cache,
        &["inspect", s(&model), "--input", s(&input), "--parts", "2", "--json"],
    )))
    .unwrap();
    let largest = whole["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["estimated_peak_bytes"].as_u64().unwrap())
        .max()
        .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let budget = format!("{}", largest as f64 / f64::from(1u32 << 30) + 1e-6);
    let within: Value = serde_json::from_str(&ok(&zkinfer(
        &cache,
        &["inspect", s(&model), "--input", s(&input), "--max-memory", &budget, "--json"],
    )))
    .unwrap();
    let parts = within["parts"].as_array().unwrap();
    assert!(parts.len() >= 2, "{within}");
    assert!(parts.iter().all(|p| p["estimated_peak_bytes"].as_u64().unwrap() <= largest));
    let out = zkinfer(
        &cache,
        &["prove", s(&model), "--input", s(&input), "--max-memory", "0.001", "-o", s(dir)],
    );
    rejected(&out, "no cut of this model");

    // A plan file: written once, shown by inspect, proven as it says (the same parts).
    let plan = dir.join("plan.json");
    ok(&zkinfer(
        &cache,
        &["partition", s(&model), "--input", s(&input), "--cut", &cut, "-o", s(&plan)],
    ));
    let shown = ok(&zkinfer(&cache, &["inspect", s(&model), "--plan", s(&plan)]));
    assert!(shown.contains("in 3 parts"), "{shown}");
    let planned: Value = serde_json::from_str(&ok(&zkinfer(
        &cache,
        &[
            "prove",
            s(&model),
            "--input",
            s(&input),
            "--plan",
            s(&plan),
            "-o",
            s(&dir.join("planned")),
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(planned["parts"].as_array().unwrap().len(), 3, "{planned}");
    let mut edited = read(&plan);
    edited["format_version"] = Value::from(99);
    write(&plan, &edited);
    rejected(&zkinfer(&cache, &["inspect", s(&model), "--plan", s(&plan)]), "version 99");

    // --jobs without parts is refused, not ignored.
    let out = zkinfer(&cache, &["prove", s(&model), "--input", s(&input), "--jobs", "2"]);
    rejected(&out, "apply to proofs in parts");
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn bundles_verify_on_the_evm_in_one_transaction_and_a_broken_link_reverts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cache = dir.join("cache");
    let (model, input) = common::model("conv_fc");
    let settings = dir.join("settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)]));
    let a = bundle(&cache, &model, &input, &settings, &dir.join("a"));
    let evm = |b: &Path| zkinfer(&cache, &["verify-evm", "--bundle", s(b), "--split", "--json"]);
    let out = ok(&evm(&a));
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["accepted"], true, "{r}");
    let parts = r["parts"].as_array().unwrap();
    assert!(parts.iter().all(|p| p["accepted"] == true && p["gas_used"].as_u64().unwrap() > 0));
    // One transaction costs less than the parts' separate ones (one base fee, one call).
    let separate: u64 = parts.iter().map(|p| p["gas_used"].as_u64().unwrap()).sum();
    assert!(r["gas_used"].as_u64().unwrap() < separate, "{r}");

    // Part 2 proven on another input: each part's verifier accepts its proof, the bundle
    // contract reverts on the link.
    let mut other_input = read(&input);
    for v in other_input["input_data"][0].as_array_mut().unwrap() {
        *v = Value::from(v.as_f64().unwrap() * 0.5);
    }
    let input2 = dir.join("input2.json");
    write(&input2, &other_input);
    let b = bundle(&cache, &model, &input2, &settings, &dir.join("b"));
    let mixed = copy(&a, &dir.join("mixed"));
    std::fs::copy(b.with_file_name("part-1.proof.json"), mixed.with_file_name("part-1.proof.json"))
        .unwrap();
    rejected(&evm(&mixed), "link part 1 → part 2 broken");

    // An altered proof: the bundle contract names the part whose verifier refused it.
    let altered = copy(&a, &dir.join("altered"));
    let proof0 = altered.with_file_name("part-0.proof.json");
    let mut p = read(&proof0);
    let bytes = p["proof"].as_str().unwrap().to_string();
    let flipped = if bytes.ends_with('0') { '1' } else { '0' };
    p["proof"] = Value::from(format!("{}{flipped}", &bytes[..bytes.len() - 1]));
    write(&proof0, &p);
    rejected(&evm(&altered), "part 1 rejected");

    // The files a deployer needs, and the calldata of the one transaction.
    let out_dir = dir.join("contracts");
    let out = ok(&zkinfer(
        &cache,
        &["create-evm-verifier", "--bundle", s(&a), "--split", "-o", s(&out_dir)],
    ));
    assert!(out.contains("address[2]"), "{out}");
    let source = std::fs::read_to_string(out_dir.join("Bundle.sol")).unwrap();
    let identity = read(&a)["identity"].as_str().unwrap().to_string();
    assert!(source.contains(&format!("BUNDLE_IDENTITY = 0x{identity}")), "{source}");
    for f in ["Bundle.bin", "part-0.Verifier.bin", "part-1.Verifier.bin"] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    let calldata = ok(&zkinfer(&cache, &["encode-calldata", "--bundle", s(&a)]));
    let proofs: usize = (0..2)
        .map(|i| {
            let p = read(&a.with_file_name(format!("part-{i}.proof.json")));
            32 + 32 * p["instances"].as_array().unwrap().len()
                + p["proof"].as_str().unwrap().len() / 2
        })
        .sum();
    assert_eq!(calldata.trim().len(), 2 + 2 * proofs, "{calldata}");
}

/// With hashed weights a part's key fixes only its architecture: `verify --bundle --model
/// --settings` ties every part's weights to the verifier's model, and `--input` the first
/// part's hashed input to the verifier's input. Another model's weights or another input are
/// named.
#[test]
#[ignore = "full tier: proves models in parts (seconds each); run scripts/test.sh"]
fn hashed_weights_of_every_part_are_checked_against_the_verifiers_model() {
    use prost::Message;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cache = dir.join("cache");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/credit_score");
    let (model, input) = (example.join("network.onnx"), example.join("input.json"));
    let settings = dir.join("settings.json");
    let hashed = ["--weights-visibility", "hashed", "--input-visibility", "hashed"];
    let mut args = vec!["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)];
    args.extend_from_slice(&hashed);
    ok(&zkinfer(&cache, &args));
    let a = bundle(&cache, &model, &input, &settings, &dir.join("a"));
    let check = ["--model", s(&model), "--settings", s(&settings)];

    let out = ok(&verify(&cache, &a, &[]));
    assert!(out.contains("not compared with a model"), "{out}");
    let out = ok(&verify(&cache, &a, &check));
    assert!(out.contains("every part's hashed weights are"), "{out}");
    let mut with_input = check.to_vec();
    with_input.extend_from_slice(&["--input", s(&input), "--json"]);
    let v: Value = serde_json::from_str(&ok(&verify(&cache, &a, &with_input))).unwrap();
    assert_eq!(v["weights_checked"], 2, "{v}");
    assert_eq!(v["input_checked"], true, "{v}");

    // The same architecture with one weight of the last layer changed: part 2 is named.
    let mut proto =
        tract_onnx::pb::ModelProto::decode(std::fs::read(&model).unwrap().as_slice()).unwrap();
    let graph = proto.graph.as_mut().unwrap();
    let last = graph.initializer.iter_mut().rev().find(|t| t.float_data.len() > 1).unwrap();
    last.float_data[0] += 0.5;
    let other = dir.join("other.onnx");
    std::fs::write(&other, proto.encode_to_vec()).unwrap();
    // Settings are bound to their model's file, so the verifier calibrates its own copy.
    let other_settings = dir.join("other.settings.json");
    let mut args = vec!["calibrate", s(&other), "--data", s(&input), "-o", s(&other_settings)];
    args.extend_from_slice(&hashed);
    ok(&zkinfer(&cache, &args));
    rejected(&verify(&cache, &a, &["--model", s(&other), "--settings", s(&settings)]), "settings");
    let out = verify(&cache, &a, &["--model", s(&other), "--settings", s(&other_settings)]);
    rejected(&out, "part 2 weights");
    rejected(&out, "proven with other weights");

    // Another input: the first part's input digest is not the verifier's.
    let mut other_input = read(&input);
    for v in other_input["input_data"][0].as_array_mut().unwrap() {
        *v = Value::from(v.as_f64().unwrap() * 0.5);
    }
    let input2 = dir.join("input2.json");
    write(&input2, &other_input);
    let mut args = check.to_vec();
    args.extend_from_slice(&["--input", s(&input2)]);
    rejected(&verify(&cache, &a, &args), "the bundle is about another input");
}

/// Parts linked by their activations instead of digests (`--link-visibility public|packed`):
/// the values a part hands on are public instances, compared word for word natively and by
/// the bundle contract; a part proven on another input breaks its link in both.
#[test]
#[ignore = "full tier: proves models in parts (seconds each); run scripts/test.sh"]
fn parts_linked_by_public_or_packed_activations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cache = dir.join("cache");
    let (model, input) = common::model("conv_fc");
    let mut half = read(&input);
    for v in half["input_data"][0].as_array_mut().unwrap() {
        *v = Value::from(v.as_f64().unwrap() * 0.5);
    }
    let input2 = dir.join("input2.json");
    write(&input2, &half);
    for link in ["public", "packed"] {
        let settings = dir.join(format!("{link}.settings.json"));
        let args = ["--link-visibility", link];
        let mut cmd = vec!["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)];
        cmd.extend_from_slice(&args);
        ok(&zkinfer(&cache, &cmd));
        let a = bundle(&cache, &model, &input, &settings, &dir.join(format!("{link}-a")));
        let inner = read(&a.with_file_name("part-0.proof.json"));
        assert_eq!(inner["visibility"]["output"], link, "{inner}");
        assert_ne!(inner["outputs_withheld"], true, "a {link} link reveals the values: {inner}");
        assert!(!inner["outputs"].as_array().unwrap().is_empty(), "{inner}");
        let out = ok(&verify(&cache, &a, &[]));
        assert!(out.contains("bundle of 2 parts verified"), "{out}");

        let b = bundle(&cache, &model, &input2, &settings, &dir.join(format!("{link}-b")));
        let mixed = copy(&a, &dir.join(format!("{link}-mixed")));
        std::fs::copy(
            b.with_file_name("part-1.proof.json"),
            mixed.with_file_name("part-1.proof.json"),
        )
        .unwrap();
        rejected(&verify(&cache, &mixed, &[]), "link part 1 → part 2");

        // On chain: the bundle contract compares the linked instance words.
        let evm =
            |b: &Path| zkinfer(&cache, &["verify-evm", "--bundle", s(b), "--split", "--json"]);
        let r: Value = serde_json::from_str(&ok(&evm(&a))).unwrap();
        assert_eq!(r["accepted"], true, "{link}: {r}");
        rejected(&evm(&mixed), "link part 1 → part 2 broken");
    }
}
