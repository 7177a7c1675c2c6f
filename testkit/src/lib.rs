//! Test helpers shared by zkinfer's crates. Deliberately free of zkinfer types, so every crate
//! can use it as a dev-dependency without cycles.
#![allow(clippy::expect_used, clippy::panic)] // test support: a missing corpus must stop the test

use std::path::{Path, PathBuf};

/// The shared ONNX corpus: `$ZKINFER_MODELS`, else `shared/models` beside the repository.
#[must_use]
pub fn models_dir() -> PathBuf {
    std::env::var_os("ZKINFER_MODELS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models"),
        PathBuf::from,
    )
}

/// Directory of one shared model.
#[must_use]
pub fn model_dir(name: &str) -> PathBuf {
    models_dir().join(name)
}

/// Names of all shared models, sorted.
///
/// # Panics
/// When the corpus is missing (set `ZKINFER_MODELS`).
#[must_use]
pub fn model_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(models_dir())
        .expect("shared model corpus not found; set ZKINFER_MODELS")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("network.onnx").exists())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The reference outputs of a model directory (`expected_output.json`), flattened.
///
/// # Panics
/// When the file is missing or malformed.
#[must_use]
pub fn expected_outputs(dir: &Path) -> Vec<f64> {
    let text =
        std::fs::read_to_string(dir.join("expected_output.json")).expect("expected_output.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("expected_output.json is JSON");
    v["output_data"]
        .as_array()
        .expect("output_data")
        .iter()
        .flat_map(|o| {
            o.as_array().expect("output list").iter().map(|x| x.as_f64().expect("number"))
        })
        .collect()
}
