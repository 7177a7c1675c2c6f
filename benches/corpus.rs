//! Real-model benchmark: every model of the repository's corpus (`corpus/`, today's exporters'
//! default output) through the release `zkinfer`: accuracy against onnxruntime
//! (`zkinfer run --expected`), then `zkinfer prove` in a fresh key cache for k, setup, prove
//! and verify time and peak memory. Run with `cargo bench --bench corpus -- [MODEL ...]`; the
//! table goes to stdout and to docs/real-models.md (named models replace their own rows).

#[allow(dead_code)] // the helpers of the other benches
mod common;

use std::process::Command;

const PREAMBLE: &str = "# Real models: import, accuracy and proving

Written by `cargo bench --bench corpus`; do not edit by hand. Each model of `corpus/` (written
by `tools/corpus/export.py` with the pinned exporters of `tools/corpus/requirements.txt`, their
default settings and random weights) is run by the release `zkinfer`: `zkinfer run --expected`
for the error of the quantized result against onnxruntime's float output (max abs / max
|expected| over every output; argmax agreement over the last axis of every output), then
`zkinfer prove` with default settings in a fresh key cache (setup = key generation, excluding
the development SRS; peak = the prove process' peak resident memory). Recorded on the 2-core,
24 GiB development machine. How the classical-ML and recurrent ops are proven:
[ml.md](ml.md).

";

/// The ONNX ops of a model as `corpus/manifest.json` lists them (node counts per op type).
fn ops(manifest: &serde_json::Value, name: &str) -> String {
    let entry = manifest["models"].as_array().into_iter().flatten().find(|m| m["name"] == name);
    let Some(counts) = entry.and_then(|m| m["ops"].as_object()) else { return String::new() };
    let mut list: Vec<(&String, u64)> =
        counts.iter().map(|(op, n)| (op, n.as_u64().unwrap_or(0))).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.iter()
        .map(|(op, n)| if *n > 1 { format!("{op}×{n}") } else { (*op).clone() })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Worst relative error and argmax agreement over every output of `zkinfer run --json`.
fn accuracy(v: &serde_json::Value) -> (f64, u64, u64) {
    let mut worst = 0f64;
    let (mut agree, mut total) = (0, 0);
    for o in v["outputs"].as_array().into_iter().flatten() {
        let e = &o["expected_error"];
        worst = worst.max(e["max_rel"].as_f64().unwrap_or(f64::NAN));
        agree += e["argmax_agree"][0].as_u64().unwrap_or(0);
        total += e["argmax_agree"][1].as_u64().unwrap_or(0);
    }
    (worst, agree, total)
}

fn main() {
    let corpus = zkinfer_testkit::corpus_dir();
    let all = zkinfer_testkit::model_names();
    let defaults: Vec<&str> = all.iter().map(String::as_str).collect();
    let names = common::names(&defaults);
    let exe = env!("CARGO_BIN_EXE_zkinfer");
    let manifest: serde_json::Value = std::fs::read(corpus.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let header = "| model | ONNX ops | k | setup s | prove s | verify ms | peak MiB | max rel err | argmax agree |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    let mut rows = Vec::new();
    let mut phase_rows = Vec::new();
    for name in &names {
        let dir = corpus.join(name);
        let (model, input) = (dir.join("network.onnx"), dir.join("input.json"));
        let run = Command::new(exe)
            .args(["run", &model.to_string_lossy(), "--input", &input.to_string_lossy()])
            .args(["--expected", &dir.join("expected_output.json").to_string_lossy(), "--json"])
            .output();
        let Ok(run) = run else {
            eprintln!("cannot start {exe}");
            return;
        };
        if !run.status.success() {
            let err = String::from_utf8_lossy(&run.stderr).trim().replace('|', "/");
            rows.push(format!(
                "| {name} | {} | — | — | — | — | — | {err} | — |",
                ops(&manifest, name)
            ));
            println!("{}", rows.last().map_or("", String::as_str));
            continue;
        }
        let (rel, agree, total) =
            accuracy(&serde_json::from_slice(&run.stdout).unwrap_or_default());
        let cache = std::env::temp_dir().join(format!("zkinfer-bench-corpus-{name}"));
        let _ = std::fs::remove_dir_all(&cache);
        let _ = std::fs::create_dir_all(&cache);
        let prove = Command::new(exe)
            .env("ZKINFER_CACHE", &cache)
            .args(["prove", &model.to_string_lossy(), "--input", &input.to_string_lossy()])
            .args(["-o", &cache.join("proof.json").to_string_lossy(), "--json"])
            .output();
        let Ok(prove) = prove else {
            eprintln!("cannot start {exe}");
            return;
        };
        let row = if prove.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&prove.stdout).unwrap_or_default();
            phase_rows.push(common::phase_row(name, &v));
            let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
            #[allow(clippy::cast_precision_loss)]
            let peak = v["peak_memory_bytes"].as_u64().unwrap_or(0) as f64 / 1048576.0;
            format!(
                "| {name} | {} | {} | {:.1} | {:.1} | {:.0} | {peak:.0} | {rel:.2e} | {agree}/{total} |",
                ops(&manifest, name),
                v["k"],
                f("setup_seconds"),
                f("prove_seconds"),
                f("verify_seconds") * 1000.0,
            )
        } else {
            let err = String::from_utf8_lossy(&prove.stderr).trim().replace('|', "/");
            format!("| {name} | {} | — | — | prove failed: {err} | — | — | {rel:.2e} | {agree}/{total} |", ops(&manifest, name))
        };
        println!("{row}");
        rows.push(row);
        let _ = std::fs::remove_dir_all(&cache);
    }
    let path = common::root().join("docs/real-models.md");
    common::write_with_phases(&path, PREAMBLE, header, &rows, &phase_rows);
    println!("written to {}", path.display());
}
