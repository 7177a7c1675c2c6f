//! What a proof makes public, through the CLI: public inputs and private outputs, hashed
//! inputs and outputs (digests, `zkinfer hash`, relabelled files) and hidden weights, natively
//! and on the EVM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use std::path::Path;

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn public_inputs_bind_the_proof_and_private_outputs_stay_out() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (m, input) = model("relu");
    let settings = tmp.path().join("settings.json");
    let calibrate = |extra: &[&str]| {
        let mut args = vec!["calibrate", s(&m), "--data", s(&input), "-o", s(&settings)];
        args.extend_from_slice(extra);
        zkinfer(&cache, &args)
    };
    let out = calibrate(&["--input-visibility", "secret"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'public', 'private', 'hashed' or 'packed'")
    );
    let out = calibrate(&["--output-visibility", "private"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("both private"));
    ok(&calibrate(&["--input-visibility", "public", "--output-visibility", "private"]));
    let proof = tmp.path().join("proof.json");
    let out = ok(&zkinfer(
        &cache,
        &["prove", s(&m), "--input", s(&input), "--settings", s(&settings), "-o", s(&proof)],
    ));
    assert!(out.contains("private output (not in the proof)") && out.contains("public input"));
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert_eq!(f["outputs"], serde_json::json!([]));
    let n = f["inputs"][0]["values"].as_array().unwrap().len();
    assert_eq!(f["instances"].as_array().unwrap().len(), n);
    let hash = f["circuit_hash"].as_str().unwrap();
    let vk = cache.join("keys").join(hash).join("vk");
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    assert!(out.contains("input '") && out.contains("outputs are private"), "{out}");
    // Another input, natively and on the EVM.
    let lie = write_lie_in(&f, "inputs", &tmp.path().join("lie.json"));
    let out = zkinfer(&cache, &["verify", "--proof", s(&lie), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("proof rejected"));
    let sol = tmp.path().join("Verifier.sol");
    ok(&zkinfer(&cache, &["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol)]));
    let bin = tmp.path().join("Verifier.bin");
    let out = ok(&zkinfer(&cache, &["verify-evm", "--proof", s(&proof), "--verifier", s(&bin)]));
    assert!(out.contains("accepted"), "{out}");
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&lie), "--verifier", s(&bin)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("REJECTED"));
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn hashed_inputs_and_outputs_publish_digests_natively_and_on_the_evm() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let flags = ["--input-visibility", "hashed", "--output-visibility", "hashed"];
    let (proof, v, vk) = proved_with(tmp.path(), &cache, "relu", &flags);
    assert!(v["hash_lanes"].as_u64().unwrap() >= 1, "{v}");
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    // Two instances, the digests, which `zkinfer hash` recomputes from the data.
    let instances = f["instances"].as_array().unwrap().clone();
    assert_eq!(instances.len(), 2, "{f}");
    assert!(f.get("inputs").is_none(), "hashed inputs are not listed: {f}");
    let (m, input) = model("relu");
    let settings = tmp.path().join("relu.settings.json");
    let out = ok(&zkinfer(
        &cache,
        &["hash", s(&m), "--input", s(&input), "--settings", s(&settings), "--json"],
    ));
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!([h["input_digest"].clone(), h["output_digest"].clone()], instances[..]);
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    assert!(out.contains("Poseidon digest") && out.contains("output '"), "{out}");
    // A verifier holding the input checks the proof is about it, and not about another one.
    let check = |data: &Path| {
        let args = ["verify", "--proof", s(&proof), "--vk", s(&vk), "--model", s(&m)];
        let mut args = args.to_vec();
        args.extend(["--settings", s(&settings), "--input", s(data)]);
        zkinfer(&cache, &args)
    };
    assert!(ok(&check(&input)).contains("digests match"));
    let other_data = tmp.path().join("other_input.data.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    let x = doc["input_data"][0][0].as_f64().unwrap();
    doc["input_data"][0][0] = serde_json::json!(x * 0.5 + 0.01);
    std::fs::write(&other_data, doc.to_string()).unwrap();
    let out = check(&other_data);
    assert!(String::from_utf8_lossy(&out.stderr).contains("about other input"), "{out:?}");
    // A listed output that does not hash to the digest is refused before any proof check.
    let mut lie = f.clone();
    let scale = lie["outputs"][0]["scale"].as_i64().unwrap();
    let x = lie["outputs"][0]["values"][0].as_f64().unwrap();
    #[allow(clippy::cast_possible_truncation)]
    let step = 2f64.powi(-(scale as i32));
    lie["outputs"][0]["values"][0] = serde_json::json!(x + step);
    let listed = tmp.path().join("listed.json");
    std::fs::write(&listed, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&listed), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not its integer"), "{out:?}");
    // The value and its integer changed together: the digest objects.
    let i = lie["outputs"][0]["integers"][0].as_i64().unwrap();
    lie["outputs"][0]["integers"][0] = serde_json::json!(i + 1);
    std::fs::write(&listed, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&listed), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not hash"), "{out:?}");
    // Labels come from the circuit, not the file: dropping the input digest and calling the
    // inputs private leaves a file that reads consistently, but the circuit has 2 instances...
    let mut lie = f.clone();
    lie["visibility"]["input"] = serde_json::json!("private");
    lie["instances"] = serde_json::json!([instances[1].clone()]);
    let relabelled = tmp.path().join("relabelled.json");
    std::fs::write(&relabelled, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&relabelled), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the circuit has 2"), "{out:?}");
    // ...and the same integers shown under another name at another scale do not match it.
    let mut lie = f.clone();
    lie["outputs"][0]["name"] = serde_json::json!("approved");
    lie["outputs"][0]["scale"] = serde_json::json!(scale + 1);
    let halved: Vec<f64> = f["outputs"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() / 2.0)
        .collect();
    lie["outputs"][0]["values"] = serde_json::json!(halved);
    std::fs::write(&relabelled, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&relabelled), "--vk", s(&vk)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("public interface") && err.contains("approved"), "{out:?}");
    // Another input's digest: rejected natively and on the EVM.
    let mut lie = f.clone();
    let d: String = instances[0].as_str().unwrap().to_string();
    let last = d.chars().last().unwrap().to_digit(10).unwrap();
    let other = format!("{}{}", &d[..d.len() - 1], (last + 1) % 10);
    lie["instances"][0] = serde_json::json!(other);
    let other_input = tmp.path().join("other_input.json");
    std::fs::write(&other_input, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&other_input), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("proof rejected"), "{out:?}");
    evm_accepts_only(tmp.path(), &cache, &vk, &proof, &other_input);
}

#[test]
fn hashed_weights_are_hidden_and_named_by_their_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, v, vk) =
        proved_with(tmp.path(), &cache, "mlp", &["--weights-visibility", "hashed"]);
    assert!(v["outputs"][0]["error"]["max_rel"].as_f64().unwrap() < 1e-2, "{v}");
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    assert_eq!(f["visibility"]["weights"], "hashed", "{f}");
    // The outputs, then the weights' digest, which `zkinfer hash` computes from the model.
    let (m, input) = model("mlp");
    let settings = tmp.path().join("mlp.settings.json");
    let out = ok(&zkinfer(
        &cache,
        &["hash", s(&m), "--input", s(&input), "--settings", s(&settings), "--json"],
    ));
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    let instances = f["instances"].as_array().unwrap();
    assert_eq!(instances.last().unwrap(), &h["weights_digest"]);
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    assert!(out.contains("weights: Poseidon digest"), "{out}");
    // The verifier's own copy of the model: its weights hash to the proof's digest.
    let out = ok(&zkinfer(
        &cache,
        &[
            "verify",
            "--proof",
            s(&proof),
            "--vk",
            s(&vk),
            "--model",
            s(&m),
            "--settings",
            s(&settings),
        ],
    ));
    assert!(out.contains("checked: the hashed weights are those of your copy"), "{out}");
    // Another model's digest is rejected.
    let mut lie = f.clone();
    let n = instances.len();
    lie["instances"][n - 1] = serde_json::json!("12345");
    let other = tmp.path().join("other_model.json");
    std::fs::write(&other, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&other), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("proof rejected"), "{out:?}");
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn packed_inputs_and_outputs_unpack_to_the_listed_values_natively_and_on_the_evm() {
    use zkinfer_circuits::packing::{per_word, unpack};
    use zkinfer_prover::instance::parse;
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let flags = ["--input-visibility", "packed", "--output-visibility", "packed"];
    let (proof, _, vk) = proved_with(tmp.path(), &cache, "concat", &flags);
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let words: Vec<_> =
        f["instances"].as_array().unwrap().iter().map(|w| parse(w.as_str().unwrap())).collect();
    let words: Vec<_> = words.into_iter().map(Result::unwrap).collect();
    // 72 inputs then 144 outputs, each group in words of `per_word(bits)` values.
    let mut at = 0;
    for group in ["input", "output"] {
        let bits = u32::try_from(f["packed_bits"][group].as_u64().unwrap()).unwrap();
        let t = &f[format!("{group}s")][0];
        let scale = t["scale"].as_i64().unwrap();
        #[allow(clippy::cast_possible_truncation)]
        let ints: Vec<i128> = t["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v.as_f64().unwrap() * 2f64.powi(scale as i32)) as i128)
            .collect();
        let n = ints.len().div_ceil(per_word(bits));
        assert_eq!(unpack(&words[at..at + n], bits, ints.len()), Some(ints), "{group}s");
        at += n;
    }
    assert_eq!(at, words.len());
    // Values of up to ~30 bits (24-bit outputs with headroom) go at least eight to a word.
    assert!(words.len() * 8 <= 216, "{} instances instead of 216", words.len());
    ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    // A listed value that is not in the words is refused before any proof check.
    let step =
        |t: &serde_json::Value| 2f64.powi(-i32::try_from(t["scale"].as_i64().unwrap()).unwrap());
    let mut lie = f.clone();
    let v = lie["outputs"][0]["values"][5].as_f64().unwrap();
    lie["outputs"][0]["values"][5] = serde_json::json!(v + step(&f["outputs"][0]));
    let listed = tmp.path().join("listed.json");
    std::fs::write(&listed, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&listed), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not pack"), "{out:?}");
    // Another first input, consistently listed and packed: rejected natively and on the EVM.
    let mut lie = f.clone();
    let first = parse(f["instances"][0].as_str().unwrap()).unwrap() + parse("1").unwrap();
    lie["instances"][0] = serde_json::json!(zkinfer_prover::instance::to_decimal(&first));
    let v = lie["inputs"][0]["values"][0].as_f64().unwrap();
    lie["inputs"][0]["values"][0] = serde_json::json!(v + step(&f["inputs"][0]));
    let other = tmp.path().join("other_input.json");
    std::fs::write(&other, lie.to_string()).unwrap();
    let out = zkinfer(&cache, &["verify", "--proof", s(&other), "--vk", s(&vk)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("proof rejected"), "{out:?}");
    evm_accepts_only(tmp.path(), &cache, &vk, &proof, &other);
}
