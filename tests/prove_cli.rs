//! The proving CLI: one-shot prove, standalone verify, tampering, explicit setup, mock and
//! SRS commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "full tier: proves real models end to end (minutes); run scripts/test.sh"]
fn one_shot_prove_then_verify_and_reject_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (m, input) = model("mlp");
    let proof = tmp.path().join("proof.json");
    let out =
        ok(&zkinfer(&cache, &["prove", s(&m), "--input", s(&input), "-o", s(&proof), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["keys_cached"], false);
    assert!(v["outputs"][0]["error"]["max_rel"].as_f64().unwrap() < 1e-3);
    let hash = v["circuit_hash"].as_str().unwrap();
    let vk = cache.join("keys").join(hash).join("vk");
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    assert!(out.contains("proof verified"), "{out}");
    // The second prove reuses the cached keys.
    let out =
        ok(&zkinfer(&cache, &["prove", s(&m), "--input", s(&input), "-o", s(&proof), "--json"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["keys_cached"], true);

    let text = std::fs::read_to_string(&proof).unwrap();
    let mut f: serde_json::Value = serde_json::from_str(&text).unwrap();
    // A different claimed output, changed consistently in instances and values.
    let bad = write_lie(&f, &tmp.path().join("lie.json"));
    let out = zkinfer(&cache, &["verify", "--proof", s(&bad), "--vk", s(&vk)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("proof rejected"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A flipped proof byte.
    let hexproof = f["proof"].as_str().unwrap().to_string();
    let mut chars: Vec<char> = hexproof.chars().collect();
    chars[100] = if chars[100] == '0' { '1' } else { '0' };
    f["proof"] = serde_json::json!(chars.into_iter().collect::<String>());
    std::fs::write(&bad, f.to_string()).unwrap();
    assert!(!zkinfer(&cache, &["verify", "--proof", s(&bad), "--vk", s(&vk)]).status.success());
}

/// `zkinfer setup` of model `name` on `srs` into `keys`, then `zkinfer prove` of its input with
/// that proving key and SRS into `proof`.
fn setup_and_prove(
    cache: &Path,
    name: &str,
    settings: &Path,
    srs: &Path,
    keys: &Path,
    proof: &Path,
) {
    let (m, input) = model(name);
    ok(&zkinfer(
        cache,
        &["setup", s(&m), "--settings", s(settings), "--srs", s(srs), "-o", s(keys)],
    ));
    let pk = keys.join("pk");
    ok(&zkinfer(
        cache,
        &[
            "prove",
            s(&m),
            "--input",
            s(&input),
            "--settings",
            s(settings),
            "--pk",
            s(&pk),
            "--srs",
            s(srs),
            "-o",
            s(proof),
        ],
    ));
}

#[test]
#[ignore = "full tier: proves real models end to end (minutes); run scripts/test.sh"]
fn setup_with_explicit_srs_settings_and_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (m, input) = model("relu");
    let settings = tmp.path().join("settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&m), "--data", s(&input), "-o", s(&settings)]));
    let srs = tmp.path().join("dev.srs");
    let out = zkinfer(&cache, &["srs", "gen", "--k", "12", "-o", s(&srs)]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSECURE"));
    let keys = tmp.path().join("keys");
    let proof = tmp.path().join("p.json");
    setup_and_prove(&cache, "relu", &settings, &srs, &keys, &proof);
    let out = zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&keys.join("vk"))]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSECURE development SRS"));
    // Keys of another circuit are refused with the fix named.
    let (other, other_input) = model("mlp");
    let out = zkinfer(
        &cache,
        &[
            "prove",
            s(&other),
            "--input",
            s(&other_input),
            "--pk",
            s(&keys.join("pk")),
            "--srs",
            s(&srs),
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("zkinfer setup"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An SRS smaller than the circuit needs.
    let small = tmp.path().join("small.srs");
    ok(&zkinfer(&cache, &["srs", "gen", "--k", "4", "-o", s(&small)]));
    let out = zkinfer(
        &cache,
        &["setup", s(&m), "--settings", s(&settings), "--srs", s(&small), "-o", s(&keys)],
    );
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("larger"));
}

#[test]
fn srs_import_checks_the_file() {
    use zkinfer::internals::circuits::halo2_proofs::SerdeFormat;
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let raw = tmp.path().join("ceremony.params");
    let mut bytes = Vec::new();
    zkinfer::internals::prover::dev_srs(6, 99)
        .write_custom(&mut bytes, SerdeFormat::RawBytes)
        .unwrap();
    std::fs::write(&raw, &bytes).unwrap();
    let out = ok(&zkinfer(
        &cache,
        &["srs", "import", s(&raw), "-o", s(&tmp.path().join("imported.srs"))],
    ));
    assert!(out.contains("imported sha256="), "{out}");
    std::fs::write(&raw, &bytes[..bytes.len() / 2]).unwrap();
    assert!(!zkinfer(&cache, &["srs", "import", s(&raw), "-o", s(&tmp.path().join("x.srs"))])
        .status
        .success());
}

#[test]
fn mock_reports_satisfied_constraints() {
    let tmp = tempfile::tempdir().unwrap();
    let (m, input) = model("softmax");
    let out = ok(&zkinfer(tmp.path(), &["mock", s(&m), "--input", s(&input)]));
    assert!(out.contains("all constraints satisfied"), "{out}");
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn evm_verifier_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, vk) = proved(tmp.path(), &cache, "relu");
    let sol = tmp.path().join("out/Verifier.sol");
    let out = ok(&zkinfer(&cache, &["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol)]));
    assert!(out.contains("bytes deployed"), "{out}");
    let source = std::fs::read_to_string(&sol).unwrap();
    assert!(source.contains("pragma solidity 0.8.19") && source.contains("contract Halo2Verifier"));
    let abi: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("out/Verifier.abi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(abi[0]["type"], "fallback");
    let bin = tmp.path().join("out/Verifier.bin");

    // Calldata: printed hex and a raw file agree, and carry instances then proof.
    let hex = ok(&zkinfer(&cache, &["encode-calldata", "--proof", s(&proof)]));
    let raw = tmp.path().join("calldata.bin");
    ok(&zkinfer(&cache, &["encode-calldata", "--proof", s(&proof), "-o", s(&raw)]));
    let raw = std::fs::read(&raw).unwrap();
    assert_eq!(hex.trim(), format!("0x{}", zkinfer::internals::prover::artifact::hex(&raw)));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let n = file["instances"].as_array().unwrap().len();
    assert_eq!(raw.len(), 32 * n + file["proof"].as_str().unwrap().len() / 2);

    // Accepted from the compiled bytecode, from the Solidity source and from the key alone.
    for verifier in [&["--verifier", s(&bin)][..], &["--verifier", s(&sol)], &["--vk", s(&vk)]] {
        let mut args = vec!["verify-evm", "--proof", s(&proof), "--json"];
        args.extend_from_slice(verifier);
        let v: serde_json::Value = serde_json::from_str(&ok(&zkinfer(&cache, &args))).unwrap();
        assert_eq!(v["verified"], true);
        assert!(v["gas_used"].as_u64().unwrap() < 546_000, "more gas than EZKL: {v}");
    }

    // A changed output (values changed consistently, so only the EVM can object) is rejected.
    let bad = write_lie(&file, &tmp.path().join("lie.json"));
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&bad), "--verifier", s(&bin)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("REJECTED"));

    // A proof of another model against this verifier.
    let (other, _) = proved(tmp.path(), &cache, "mlp");
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&other), "--verifier", s(&bin)]);
    assert!(!out.status.success());
}

/// `--reusable`: the layout's verifier plus a key contract beside it, found by `verify-evm`
/// from the bytecode or the source; `encode-calldata --key` puts the key's address first.
#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn reusable_evm_verifier_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, vk) = proved(tmp.path(), &cache, "relu");
    let sol = tmp.path().join("out/Reusable.sol");
    let args = ["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol), "--reusable"];
    let out = ok(&zkinfer(&cache, &args));
    assert!(out.contains("key contract") && out.contains("layout"), "{out}");
    let source = std::fs::read_to_string(&sol).unwrap();
    assert!(source.contains("contract Halo2ReusableVerifier"), "{source}");
    let key_sol = std::fs::read_to_string(tmp.path().join("out/Reusable.key.sol")).unwrap();
    assert!(key_sol.contains("contract Halo2VerifyingKey"));
    let bin = tmp.path().join("out/Reusable.bin");
    for verifier in
        [&["--verifier", s(&bin)][..], &["--verifier", s(&sol)], &["--vk", s(&vk), "--reusable"]]
    {
        let mut args = vec!["verify-evm", "--proof", s(&proof), "--json"];
        args.extend_from_slice(verifier);
        let v: serde_json::Value = serde_json::from_str(&ok(&zkinfer(&cache, &args))).unwrap();
        assert_eq!(v["verified"], true, "{v}");
        assert!(v["key_bytes"].as_u64().unwrap() > 0, "{v}");
    }
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let bad = write_lie(&file, &tmp.path().join("lie.json"));
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&bad), "--verifier", s(&bin)]);
    assert!(!out.status.success(), "a changed output was accepted");
    // Split as well: the parts and the key contract beside the entry contract.
    let split = tmp.path().join("out/SplitReusable.sol");
    let args = ["create-evm-verifier", "--vk", s(&vk), "-o", s(&split), "--reusable", "--split"];
    ok(&zkinfer(&cache, &args));
    assert!(tmp.path().join("out/SplitReusable.part0.bin").exists());
    let split_bin = tmp.path().join("out/SplitReusable.bin");
    let vk_flags = ["--vk", s(&vk), "--reusable", "--split"];
    for verifier in [&["--verifier", s(&split_bin)][..], &["--verifier", s(&split)], &vk_flags] {
        let mut args = vec!["verify-evm", "--proof", s(&proof), "--json"];
        args.extend_from_slice(verifier);
        let v: serde_json::Value = serde_json::from_str(&ok(&zkinfer(&cache, &args))).unwrap();
        assert_eq!(v["verified"], true, "{v}");
        assert!(v["key_bytes"].as_u64().unwrap() > 0, "{v}");
        assert!(!v["part_bytes"].as_array().unwrap().is_empty(), "{v}");
    }
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&bad), "--verifier", s(&split_bin)]);
    assert!(!out.status.success(), "a changed output was accepted by the split verifier");

    let plain = ok(&zkinfer(&cache, &["encode-calldata", "--proof", s(&proof)]));
    let key = "0x00112233445566778899aabbccddeeff00112233";
    let keyed = ok(&zkinfer(&cache, &["encode-calldata", "--proof", s(&proof), "--key", key]));
    assert_eq!(keyed.trim(), format!("0x{}{}{}", "0".repeat(24), &key[2..], &plain.trim()[2..]));
    let out = zkinfer(&cache, &["encode-calldata", "--proof", s(&proof), "--key", "0x1234"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("20-byte address"));
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn oversized_evm_verifier_is_refused_with_options() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    // 144 public outputs: the generated verifier is ~39 KB.
    let (proof, vk) = proved(tmp.path(), &cache, "concat");
    let sol = tmp.path().join("Verifier.sol");
    let out = zkinfer(&cache, &["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("EIP-170") && err.contains("--allow-oversize"), "{err}");
    assert!(err.contains("--split"), "{err}");
    assert!(!sol.exists(), "an oversized verifier was written without --allow-oversize");
    // Split, every contract fits, and the chain that enforces the limit runs it.
    let split = tmp.path().join("Split.sol");
    let out =
        ok(&zkinfer(&cache, &["create-evm-verifier", "--vk", s(&vk), "-o", s(&split), "--split"]));
    assert!(out.contains("part 1: "), "{out}");
    let split_bin = tmp.path().join("Split.bin");
    let out = ok(&zkinfer(
        &cache,
        &["verify-evm", "--proof", s(&proof), "--verifier", s(&split_bin), "--json"],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["verified"], true, "{r}");
    let parts = r["part_bytes"].as_array().unwrap();
    assert!(parts.len() >= 2 && parts.iter().all(|b| b.as_u64().unwrap() <= 24_576), "{r}");
    assert!(r["gas_used"].as_u64().unwrap() < 546_000, "more gas than EZKL's one-op verifier: {r}");
    let proof_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let lie = write_lie(&proof_json, &tmp.path().join("lie.json"));
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&lie), "--verifier", s(&split_bin)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("REJECTED"));
    // The written source deploys the same way.
    let out = ok(&zkinfer(&cache, &["verify-evm", "--proof", s(&proof), "--verifier", s(&split)]));
    assert!(out.contains("accepted") && out.contains("parts ["), "{out}");
    ok(&zkinfer(
        &cache,
        &["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol), "--allow-oversize"],
    ));
    let bin = tmp.path().join("Verifier.bin");
    let out = zkinfer(&cache, &["verify-evm", "--proof", s(&proof), "--verifier", s(&bin)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CreateContractSizeLimit"));
    let out = ok(&zkinfer(
        &cache,
        &["verify-evm", "--proof", s(&proof), "--verifier", s(&bin), "--allow-oversize"],
    ));
    assert!(out.contains("accepted"), "{out}");
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn lane_cap_shrinks_the_evm_verifier() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    // The default layout (3 gate lanes)...
    let (wide, vk) = proved(tmp.path(), &cache, "conv_fc");
    let out = ok(&zkinfer(
        &cache,
        &["verify-evm", "--proof", s(&wide), "--vk", s(&vk), "--json", "--allow-oversize"],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["verified"], true);
    let wide_bytes = r["deployed_bytes"].as_u64().unwrap();
    // ...and the same model calibrated with --max-lanes 2: a smaller verifier that verifies.
    let (proof, v, vk) = proved_with(tmp.path(), &cache, "conv_fc", &["--max-lanes", "2"]);
    assert!(v["lanes"].as_u64().unwrap() <= 2, "{v}");
    let sol = tmp.path().join("Narrow.sol");
    ok(&zkinfer(&cache, &["create-evm-verifier", "--vk", s(&vk), "-o", s(&sol)]));
    let bin = tmp.path().join("Narrow.bin");
    let out = ok(&zkinfer(
        &cache,
        &["verify-evm", "--proof", s(&proof), "--verifier", s(&bin), "--json"],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["verified"], true);
    let narrow_bytes = r["deployed_bytes"].as_u64().unwrap();
    assert!(narrow_bytes <= 24_576, "{r}");
    // Each lane costs the contract its commitment and evaluations (~1.5 KB).
    assert!(narrow_bytes + 1_500 < wide_bytes, "{narrow_bytes} vs {wide_bytes}");
    assert!(r["gas_used"].as_u64().unwrap() < 1_260_000, "more gas than EZKL: {r}");
}

#[test]
#[ignore = "full tier: compiles Solidity with the pinned solc (npm); run scripts/test.sh"]
fn freivalds_checked_layers_prove_and_verify_natively_and_on_the_evm() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (proof, v, vk) =
        proved_with(tmp.path(), &cache, "conv_fc", &["--linear-check", "freivalds"]);
    let settings = tmp.path().join("conv_fc.settings.json");
    assert!(std::fs::read_to_string(&settings)
        .unwrap()
        .contains("\"linear_check\": \"freivalds\""));
    // The conv and fc layers are checked on a second-phase lane, and the outputs are exact.
    assert!(v["late_lanes"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["outputs"][0]["error"]["max_rel"].as_f64().unwrap() < 1e-2, "{v}");
    ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let lie = write_lie(&file, &tmp.path().join("lie.json"));
    assert!(!zkinfer(&cache, &["verify", "--proof", s(&lie), "--vk", s(&vk)]).status.success());
    // The generated verifier squeezes the second-phase challenge as the prover did.
    evm_accepts_only(tmp.path(), &cache, &vk, &proof, &lie);
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn doctor_lists_adapters_and_the_device_choice() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(&zkinfer(tmp.path(), &["doctor"]));
    assert!(out.contains("CPU: "), "{out}");
    assert!(out.contains("adapters: "), "{out}");
    assert!(out.contains("--device gpu: "), "{out}");
    // CI has only lavapipe, a software adapter: auto must say it stays on the CPU, and why.
    assert!(out.contains("--device auto: "), "{out}");
    if out.contains("llvmpipe") {
        assert!(out.contains("--device auto: cpu: the only adapter is a software"), "{out}");
    }
}

#[test]
#[ignore = "full tier: needs a Vulkan driver (lavapipe in CI); run scripts/test.sh"]
fn device_flag_routes_commitments_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (m, input) = model("relu");
    let proof = tmp.path().join("proof.json");
    let prove = |device: &str| {
        let args = ["prove", s(&m), "--input", s(&input), "-o", s(&proof), "--json"];
        let out = ok(&zkinfer(&cache, &[&args[..], &["--device", device]].concat()));
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    // Keys made and a proof made on the GPU (lavapipe in CI) verify with the stock verifier.
    let v = prove("gpu");
    assert!(v["msm"].as_str().unwrap().starts_with("wgpu"), "{v}");
    assert_eq!(v["keys_cached"], false);
    let vk = cache.join("keys").join(v["circuit_hash"].as_str().unwrap()).join("vk");
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk)]));
    assert!(out.contains("proof verified"), "{out}");
    // auto names where it ran; with only a software adapter it stays on the CPU and says why.
    let v = prove("auto");
    let msm = v["msm"].as_str().unwrap();
    if msm == "cpu" {
        assert!(v["msm_fallback"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
    } else {
        assert!(msm.starts_with("wgpu") && v["msm_fallback"].is_null(), "{v}");
    }
    assert_eq!(v["keys_cached"], true);
    let out = zkinfer(&cache, &["prove", s(&m), "--input", s(&input), "--device", "tpu"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected cpu, gpu or auto"), "{err}");
}

/// Runs the pinned snarkjs (tools/snarkjs, installed by the test command).
fn snarkjs(args: &[&str]) {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tools/snarkjs/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.is_file(),
        "snarkjs is not installed: run `npm ci --prefix tools/snarkjs` (scripts/test.sh does)"
    );
    let out = Command::new("node").arg(&cli).args(args).output().unwrap();
    assert!(out.status.success(), "snarkjs {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "full tier: runs a snarkjs ceremony (npm); run scripts/test.sh"]
fn snarkjs_ceremony_ptau_is_imported_and_proves() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let (first, ptau) = (tmp.path().join("pot10_0.ptau"), tmp.path().join("pot10.ptau"));
    snarkjs(&["powersoftau", "new", "bn128", "10", s(&first)]);
    snarkjs(&[
        "powersoftau",
        "contribute",
        s(&first),
        s(&ptau),
        "--name=zkinfer",
        "-e=test entropy",
    ]);
    let srs = tmp.path().join("ceremony.srs");
    // The file before any contribution has secret 1: refused.
    let out = zkinfer(&cache, &["srs", "import", s(&first), "-o", s(&srs)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody has contributed"), "{out:?}");
    let out = ok(&zkinfer(&cache, &["srs", "import", s(&ptau), "-o", s(&srs)]));
    assert!(out.contains("k = 10") && out.contains("imported ptau power=10"), "{out}");
    // A proof on the ceremony's SRS verifies with the key made from it.
    let (m, input) = model("relu");
    let proof = tmp.path().join("proof.json");
    let keys = tmp.path().join("keys");
    let settings = tmp.path().join("settings.json");
    ok(&zkinfer(&cache, &["calibrate", s(&m), "--data", s(&input), "-o", s(&settings)]));
    setup_and_prove(&cache, "relu", &settings, &srs, &keys, &proof);
    let out = ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&keys.join("vk"))]));
    assert!(out.contains("proof verified") && !out.contains("INSECURE"), "{out}");
    assert!(out.contains("taken from the key (imported ptau power=10"), "{out}");
    let vk = keys.join("vk");
    let out =
        ok(&zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk), "--srs", s(&srs)]));
    assert!(out.contains("checked against the given SRS (imported ptau power=10"), "{out}");
    // Another ceremony's SRS (here the development one) is not the key's.
    let dev = tmp.path().join("dev.srs");
    ok(&zkinfer(&cache, &["srs", "gen", "--k", "10", "-o", s(&dev)]));
    let out = zkinfer(&cache, &["verify", "--proof", s(&proof), "--vk", s(&vk), "--srs", s(&dev)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("SRS mismatch"), "{out:?}");
    // Two G1 powers swapped: every point is on the curve, the pairing check refuses them.
    let mut bytes = std::fs::read(&ptau).unwrap();
    let mut at = 12;
    let tau_g1 = loop {
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let size = usize::try_from(u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()));
        if kind == 2 {
            break at + 12;
        }
        at += 12 + size.unwrap();
    };
    let (p3, p4) = (tau_g1 + 64 * 3, tau_g1 + 64 * 4);
    let third: Vec<u8> = bytes[p3..p4].to_vec();
    bytes.copy_within(p4..p4 + 64, p3);
    bytes[p4..p4 + 64].copy_from_slice(&third);
    let bad = tmp.path().join("swapped.ptau");
    std::fs::write(&bad, &bytes).unwrap();
    let out = zkinfer(&cache, &["srs", "import", s(&bad), "-o", s(&tmp.path().join("x.srs"))]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("successive powers"), "{out:?}");
    // A k beyond the ceremony's power is refused with what the file has.
    let out = zkinfer(&cache, &["srs", "import", s(&ptau), "--k", "11", "-o", s(&srs)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("powers up to 2^10"), "{out:?}");
}
