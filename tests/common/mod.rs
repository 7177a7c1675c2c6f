//! Helpers shared by the CLI test files: run the built `zkinfer`, find a shared model, and
//! the calibrate-then-prove steps.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub use std::path::{Path, PathBuf};
pub use std::process::{Command, Output};

pub fn zkinfer(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .env("ZKINFER_CACHE", cache)
        .args(args)
        .output()
        .unwrap()
}

pub fn model(name: &str) -> (PathBuf, PathBuf) {
    let dir = zkinfer_testkit::model_dir(name);
    (dir.join("network.onnx"), dir.join("input.json"))
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes a copy of a proof.json whose first output is one more, changed consistently in the
/// instances and the dequantized values, so only the proof check can object.
pub fn write_lie(proof_json: &serde_json::Value, path: &Path) -> PathBuf {
    write_lie_in(proof_json, "outputs", path)
}

/// [`write_lie`] for the first tensor of `group` ("inputs" or "outputs"), which must own the
/// first instance.
pub fn write_lie_in(proof_json: &serde_json::Value, group: &str, path: &Path) -> PathBuf {
    let mut lie = proof_json.clone();
    let i0: i128 = lie["instances"][0].as_str().unwrap().parse().unwrap();
    let scale = lie[group][0]["scale"].as_i64().unwrap();
    lie["instances"][0] = serde_json::json!((i0 + 1).to_string());
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let value = (i0 + 1) as f64 / 2f64.powi(scale as i32);
    lie[group][0]["values"][0] = serde_json::json!(value);
    std::fs::write(path, lie.to_string()).unwrap();
    path.to_path_buf()
}

/// Proves `name` in `cache` and returns (proof path, verifying key path).
pub fn proved(tmp: &Path, cache: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (m, input) = model(name);
    let proof = tmp.join(format!("{name}.proof.json"));
    let out =
        ok(&zkinfer(cache, &["prove", s(&m), "--input", s(&input), "-o", s(&proof), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let vk = cache.join("keys").join(v["circuit_hash"].as_str().unwrap()).join("vk");
    (proof, vk)
}

/// Calibrates `name` with extra calibrate flags, proves with those settings and returns the
/// proof path, the prove command's JSON summary and the verifying key's path.
pub fn proved_with(
    tmp: &Path,
    cache: &Path,
    name: &str,
    flags: &[&str],
) -> (PathBuf, serde_json::Value, PathBuf) {
    let (m, input) = model(name);
    let settings = tmp.join(format!("{name}.settings.json"));
    let mut args = vec!["calibrate", s(&m), "--data", s(&input), "-o", s(&settings)];
    args.extend_from_slice(flags);
    ok(&zkinfer(cache, &args));
    let proof = tmp.join(format!("{name}.calibrated.proof.json"));
    let out = ok(&zkinfer(
        cache,
        &[
            "prove",
            s(&m),
            "--input",
            s(&input),
            "--settings",
            s(&settings),
            "-o",
            s(&proof),
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let vk = cache.join("keys").join(v["circuit_hash"].as_str().unwrap()).join("vk");
    (proof, v, vk)
}

/// Writes the EVM verifier of `vk` (size limit waived), deploys it on revm and checks that it
/// accepts `proof` and rejects `lie`.
pub fn evm_accepts_only(tmp: &Path, cache: &Path, vk: &Path, proof: &Path, lie: &Path) {
    let sol = tmp.join("Verifier.sol");
    ok(&zkinfer(cache, &["create-evm-verifier", "--vk", s(vk), "-o", s(&sol), "--allow-oversize"]));
    let bin = tmp.join("Verifier.bin");
    let out = ok(&zkinfer(
        cache,
        &["verify-evm", "--proof", s(proof), "--verifier", s(&bin), "--json", "--allow-oversize"],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["verified"], true, "{r}");
    let out = zkinfer(
        cache,
        &["verify-evm", "--proof", s(lie), "--verifier", s(&bin), "--allow-oversize"],
    );
    assert!(!out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("REJECTED"), "{out:?}");
}
