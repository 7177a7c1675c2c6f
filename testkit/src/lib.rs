//! Test helpers shared by zkinfer's crates: the model corpora, the per-op ONNX cases
//! ([`op_cases`]) and, with the `compile` feature, the load-calibrate-quantize start of a test
//! (`compile`). Without that feature it is free of zkinfer types, so the crates it would
//! compile (model-import, quantize) can use it too.
#![allow(clippy::expect_used, clippy::panic)] // test support: a missing corpus must stop the test

#[cfg(feature = "compile")]
pub mod compile;
pub mod onnx_builder;
pub mod op_cases;

use std::path::{Path, PathBuf};

/// The repository's own corpus (`corpus/`, written by `tools/corpus/export.py`): real
/// architectures from today's exporters, always present, so a fresh clone tests itself.
#[must_use]
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Directory of one model of the repository's corpus.
#[must_use]
pub fn model_dir(name: &str) -> PathBuf {
    corpus_dir().join(name)
}

/// Names of the repository corpus' models, sorted.
///
/// # Panics
/// When `corpus/` is missing.
#[must_use]
pub fn model_names() -> Vec<String> {
    model_names_in(&corpus_dir())
}

/// The shared corpus beside the repository (`$ZKINFER_MODELS`, else `../shared/models`), when
/// present: an extra corpus, never a requirement.
#[must_use]
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ZKINFER_MODELS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// Every model to run, labelled: the repository corpus' models, then the shared
/// corpus' (as `shared/NAME`) when it is present.
#[must_use]
pub fn all_models() -> Vec<(String, PathBuf)> {
    let mut all: Vec<(String, PathBuf)> =
        model_names().into_iter().map(|n| (n.clone(), model_dir(&n))).collect();
    if let Some(shared) = shared_dir() {
        all.extend(
            model_names_in(&shared).into_iter().map(|n| (format!("shared/{n}"), shared.join(n))),
        );
    }
    all
}

/// Names of the models in a corpus folder (subfolders holding a `network.onnx`), sorted.
///
/// # Panics
/// When the folder cannot be read.
#[must_use]
pub fn model_names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("model corpus {} not readable: {e}", dir.display()))
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
