//! The CLI on every shared model, its error paths, and the checked-in generated files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../examples/gen_credit_score.rs"]
mod gen_credit_score;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zkinfer_testkit::{all_models, model_dir};

fn zkinfer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer")).args(args).output().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
#[ignore = "full tier: every corpus model; run scripts/test.sh"]
fn inspect_and_run_every_model() {
    for (name, dir) in all_models() {
        let (model, input, expected) =
            (dir.join("network.onnx"), dir.join("input.json"), dir.join("expected_output.json"));
        let out = zkinfer(&["inspect", s(&model), "--input", s(&input), "--json"]);
        assert!(
            out.status.success(),
            "{name}: inspect failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["plan"]["k"].as_u64().unwrap() >= 4, "{name}: no circuit plan");
        let out = zkinfer(&[
            "run",
            s(&model),
            "--input",
            s(&input),
            "--expected",
            s(&expected),
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{name}: run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for o in v["outputs"].as_array().unwrap() {
            // onnxruntime's outputs are the reference; tract's are reported beside them.
            let rel = o["expected_error"]["max_rel"].as_f64().unwrap();
            assert!(rel <= 0.01, "{name}: error {rel} of the output range");
        }
    }
}

#[test]
fn calibrate_then_run_with_settings_and_a_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = model_dir("conv_fc");
    let model = dir.join("network.onnx");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(dir.join("input.json"), data.join("a.json")).unwrap();
    let text = std::fs::read_to_string(dir.join("input.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for x in v["input_data"][0].as_array_mut().unwrap() {
        *x = serde_json::json!(x.as_f64().unwrap() * 0.5);
    }
    std::fs::write(data.join("b.json"), v.to_string()).unwrap();
    let settings = tmp.path().join("settings.json");
    let out = zkinfer(&[
        "calibrate",
        s(&model),
        "--data",
        s(&data),
        "-o",
        s(&settings),
        "--target",
        "resources",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["samples"], 2);
    let out = zkinfer(&[
        "run",
        s(&model),
        "--input",
        s(&data.join("b.json")),
        "--settings",
        s(&settings),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("tract f32"));
    // Settings belong to one model.
    let other = model_dir("mlp");
    let out = zkinfer(&[
        "run",
        s(&other.join("network.onnx")),
        "--input",
        s(&other.join("input.json")),
        "--settings",
        s(&settings),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("re-run `zkinfer calibrate`"));
    // A typo in a scale override gets a suggestion.
    let out = zkinfer(&[
        "calibrate",
        s(&model),
        "--data",
        s(&data),
        "-o",
        s(&settings),
        "--scale",
        "inptu=5",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean 'input'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn user_errors_are_reported_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("garbage.onnx");
    std::fs::write(&garbage, b"definitely not onnx \xff\xfe").unwrap();
    let input = model_dir("mlp/input.json");
    let out = zkinfer(&["run", s(&garbage), "--input", s(&input)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a valid ONNX model") && !err.contains("panicked"), "{err}");

    let model = model_dir("mlp/network.onnx");
    let short = tmp.path().join("short.json");
    std::fs::write(&short, r#"{"input_data": [[1.0, 2.0]]}"#).unwrap();
    let out = zkinfer(&["run", s(&model), "--input", s(&short)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("expected 4 values"), "{err}");

    let nan = tmp.path().join("nan.json");
    std::fs::write(&nan, r#"{"input_data": [[1.0, null, 2.0]]}"#).unwrap();
    let out = zkinfer(&["run", s(&model), "--input", s(&nan)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("NaN"), "{err}");

    let out = zkinfer(&["run", s(&model), "--input", s(&input), "--target", "speed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("accuracy"), "{err}");

    // A missing input file is named as one, not as a model file.
    let missing = tmp.path().join("input.json");
    let out = zkinfer(&["run", s(&model), "--input", s(&missing)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the input file") && !err.contains("model file"), "{err}");

    // Outside the calibrated range: the error names the value, the hints the flags to change.
    let settings = tmp.path().join("settings.json");
    let out = zkinfer(&["calibrate", s(&model), "--data", s(&input), "-o", s(&settings)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let big = tmp.path().join("big.json");
    std::fs::write(&big, r#"{"input_data": [[1000.0, -1000.0, 1000.0, -1000.0]]}"#).unwrap();
    let out = zkinfer(&["run", s(&model), "--input", s(&big), "--settings", s(&settings)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("outside the allowed range"), "{err}");
    assert!(
        err.contains("hint: ") && err.contains("--headroom") && err.contains("--data"),
        "{err}"
    );
}

#[test]
fn inspect_lists_unsupported_nodes() {
    use prost::Message;
    let mut m = gen_credit_score::model();
    m.graph.as_mut().unwrap().node[1].op_type = "Hardmax".into();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.onnx");
    std::fs::write(&path, m.encode_to_vec()).unwrap();
    let out = zkinfer(&["inspect", s(&path)]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Hardmax") && stdout.contains("NO"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("op 'Hardmax'"));
}

#[test]
fn cli_reference_is_generated_from_the_cli() {
    let out = zkinfer(&["cli-reference"]);
    assert!(out.status.success());
    let doc = std::fs::read_to_string(root().join("docs/cli.md")).unwrap_or_default();
    let generated = String::from_utf8_lossy(&out.stdout);
    assert!(generated.contains("## zkinfer receipt create") && generated.contains("--srs"));
    assert_eq!(generated, doc, "docs/cli.md is stale: run `zkinfer cli-reference > docs/cli.md`");
}

#[test]
fn ops_lists_the_manifest_as_docs_do() {
    let out = zkinfer(&["ops", "--markdown"]);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    let doc = std::fs::read_to_string(root().join("docs/ops.md")).unwrap();
    let rows = |text: &str| -> Vec<String> {
        let cells = |l: &str| l.split(" | ").take(2).collect::<Vec<_>>().join(" | ");
        text.lines().filter(|l| l.starts_with("| `")).map(cells).collect()
    };
    let listed = rows(&table);
    assert!(listed.len() > 80 && listed.iter().any(|r| r == "| `Conv` | linear"), "{table}");
    // docs/ops.md ends with the primitive → chip table, whose rows have other first cells.
    let documented: Vec<String> = rows(&doc).into_iter().take(listed.len()).collect();
    assert_eq!(listed, documented, "docs/ops.md is stale: see its first lines");
}

#[test]
fn example_model_is_what_the_generator_writes() {
    use prost::Message;
    let dir = root().join("examples/credit_score");
    assert_eq!(
        std::fs::read(dir.join("network.onnx")).unwrap(),
        gen_credit_score::model().encode_to_vec()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("input.json")).unwrap(),
        gen_credit_score::INPUT_JSON
    );
    let out = zkinfer(&[
        "run",
        s(&dir.join("network.onnx")),
        "--input",
        s(&dir.join("input.json")),
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A model as `torch.onnx.export` writes it by default, weights in `network.onnx.data`:
/// the same exact outputs and float reference as the embedded model, and it proves.
#[test]
#[ignore = "full tier: proves real models end to end (minutes); run scripts/test.sh"]
fn a_model_with_external_weights_runs_and_proves() {
    use prost::Message;
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("examples/credit_score");
    let mut proto = gen_credit_score::model();
    let blob =
        zkinfer::internals::model_import::external::externalize(&mut proto, "network.onnx.data");
    std::fs::write(tmp.path().join("network.onnx.data"), blob).unwrap();
    let external = tmp.path().join("network.onnx");
    std::fs::write(&external, proto.encode_to_vec()).unwrap();
    let input = dir.join("input.json");
    let run = |model: &Path| {
        let out = zkinfer(&["run", s(model), "--input", s(&input), "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["outputs"].clone()
    };
    assert_eq!(run(&dir.join("network.onnx")), run(&external));
    let proof = tmp.path().join("proof.json");
    let out = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .env("ZKINFER_CACHE", tmp.path().join("cache"))
        .args(["prove", s(&external), "--input", s(&input), "-o", s(&proof)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified"));
}

#[test]
fn inspect_shows_how_a_model_would_be_cut() {
    let m = root().join("corpus/conv_fc");
    let (model, input) = (m.join("network.onnx"), m.join("input.json"));
    let args = |parts: &str| {
        vec![
            "inspect".to_string(),
            model.display().to_string(),
            "--input".into(),
            input.display().to_string(),
            "--parts".into(),
            parts.into(),
            "--json".into(),
        ]
    };
    let a2 = args("2");
    let out = zkinfer(&a2.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let parts = v["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{v}");
    assert!(parts[0]["handed_on"].as_u64().unwrap() > 0 && parts[1]["handed_on"] == 0, "{v}");
    let a1 = args("1");
    let out = zkinfer(&a1.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.status.success());
    let a99 = args("99");
    let out = zkinfer(&a99.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("99 parts"),
        "{out:?}"
    );
}
