//! End-to-end benchmark: for each shared model, the release `zkinfer prove` in a fresh key
//! cache (so setup is measured), reporting setup, prove and verify time, peak memory, key
//! and proof sizes and accuracy. Run with
//! `cargo bench --bench prove -- [MODEL ...]` (default: every model that fits this machine;
//! `MODEL+hashed`, `+hashed-input`, `+packed`, `+packed-input`, `+private-weights`,
//! `+hashed-weights` and `MODEL@N` run a
//! variant, see `common::variant`);
//! the table goes to stdout and to benches/results.md (named models replace their own rows).

#[allow(dead_code)] // the helpers of the other benches
mod common;

use std::path::PathBuf;
use std::process::Command;

const PREAMBLE: &str = "# zkinfer prove benchmark

Written by `cargo bench --bench prove`: release `zkinfer prove` per model in a fresh key cache,
default settings calibrated on the model's `input.json`, development SRS; setup excludes SRS
generation; errors are against tract's f32 run; lanes are gate + second-phase (Freivalds) +
lookup lanes; `MODEL+…` rows are variants calibrated with visibility flags (`+hashed`: outputs
hashed, `+hashed-input`, `+packed`: outputs packed, `+packed-input`, `+private-weights`,
`+hashed-weights`), whose Poseidon lanes are not in the lanes column. Recorded on
the 2-core, 24 GiB development machine. EZKL 23 on that machine: one-op models k = 15,
setup ≈ 10 s, prove ≈ 13 s; `lenet_5` k = 20, setup ≈ 420 s, prove ≈ 418 s, peak 9.6 GB,
pk 4.4 GB.

";

fn size(p: &PathBuf) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    let root = common::root();
    let models = common::models_dir();
    let names = common::names(common::DEFAULT);
    let exe = env!("CARGO_BIN_EXE_zkinfer");
    let header = "| model | k | lanes | setup s | prove s | verify ms | peak MiB | pk MiB | vk KiB | proof B | max abs err | max rel err |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    let mut rows = Vec::new();
    let mut phase_rows = Vec::new();
    for name in &names {
        let cache = std::env::temp_dir().join(format!("zkinfer-bench-{name}"));
        let _ = std::fs::remove_dir_all(&cache);
        let (model, flags) = common::variant(name);
        let dir = models.join(model);
        let proof = cache.join("proof.json");
        let _ = std::fs::create_dir_all(&cache);
        let mut cmd = Command::new(exe);
        cmd.env("ZKINFER_CACHE", &cache)
            .args([
                "prove",
                &dir.join("network.onnx").to_string_lossy(),
                "--input",
                &dir.join("input.json").to_string_lossy(),
            ])
            .args(["-o", &proof.to_string_lossy(), "--json"]);
        if !flags.is_empty() {
            let settings = cache.join("settings.json");
            if let Err(e) = common::calibrate(exe, &dir, &flags, &settings) {
                rows.push(format!("| `{name}` | failed: {} |", e.replace('|', "/")));
                continue;
            }
            cmd.args(["--settings", &settings.to_string_lossy()]);
        }
        // The SRS is generated (and cached) before the setup timer starts.
        let out = cmd.output();
        let Ok(out) = out else {
            eprintln!("{name}: could not run zkinfer");
            continue;
        };
        if !out.status.success() {
            eprintln!("{name}: {}", String::from_utf8_lossy(&out.stderr).trim());
            rows.push(format!(
                "| `{name}` | failed: {} |",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").replace('|', "/")
            ));
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let key_dir = cache.join("keys").join(v["circuit_hash"].as_str().unwrap_or(""));
        #[allow(clippy::cast_precision_loss)]
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let err = &v["outputs"][0]["error"];
        let line = format!(
            "| `{name}` | {} | {}+{}+{} | {:.2} | {:.2} | {:.1} | {:.0} | {:.1} | {:.1} | {} | {:.1e} | {:.1e} |",
            v["k"],
            v["lanes"],
            v["late_lanes"],
            v["lookup_lanes"],
            v["setup_seconds"].as_f64().unwrap_or(f64::NAN),
            v["prove_seconds"].as_f64().unwrap_or(f64::NAN),
            v["verify_seconds"].as_f64().unwrap_or(f64::NAN) * 1000.0,
            mib(v["peak_memory_bytes"].as_u64().unwrap_or(0)),
            mib(size(&key_dir.join("pk"))),
            size(&key_dir.join("vk")) as f64 / 1024.0,
            v["proof_bytes"],
            err["max_abs"].as_f64().unwrap_or(f64::NAN),
            err["max_rel"].as_f64().unwrap_or(f64::NAN),
        );
        println!("{line}");
        rows.push(line);
        phase_rows.push(common::phase_row(name, &v));
        let _ = std::fs::remove_dir_all(&cache);
    }
    common::write_with_phases(
        &root.join("benches/results.md"),
        PREAMBLE,
        header,
        &rows,
        &phase_rows,
    );
    println!("\n{header}{}", rows.join("\n"));
    println!("\n{}{}", common::PHASE_HEADER, phase_rows.join("\n"));
}
