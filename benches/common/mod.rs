//! What the end-to-end benches share: the default model list, where the corpus is, and which
//! models a run was asked for.

use std::path::PathBuf;

/// Models measured by default. The scale targets are named on the command line:
/// `multihead_attention` (~1 min), `mnist_gan` (~2 min), `self_attention` (~3.5 min, 7 GB) and
/// `nanoGPT` (~11 min, 18 GB) on a 2-core, 24 GiB machine.
pub const DEFAULT: &[&str] = &[
    "1l_relu",
    "1l_sigmoid",
    "1l_tanh",
    "1l_softmax",
    "1l_conv",
    "1l_average",
    "1l_max_pool",
    "1l_mlp",
    "1l_batch_norm",
    "1l_concat",
    "layernorm",
    "4l_relu_conv_fc",
    "lenet_5",
    "large_mlp",
];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus: `$ZKINFER_MODELS`, else `../shared/models` beside the repository.
pub fn models_dir() -> PathBuf {
    std::env::var_os("ZKINFER_MODELS")
        .map_or_else(|| root().join("../shared/models"), PathBuf::from)
}

/// Model names from the command line (cargo's own `--bench` flags skipped), else `defaults`.
pub fn names(defaults: &[&str]) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if args.is_empty() {
        defaults.iter().map(|s| (*s).to_string()).collect()
    } else {
        args
    }
}

/// Writes a benchmark's rows to its results file. A run over the default list rewrites the
/// preamble and the first table; a run over named models replaces just their rows (matched by
/// the first cell) and appends new ones to the first table, so hand-run sections such as the
/// scale targets survive.
pub fn write_results(path: &std::path::Path, preamble: &str, header: &str, rows: &[String]) {
    write_tables(path, preamble, &[Table { heading: "", header, rows }]);
}

/// A generated table of a results file: its section heading (`""` for the first table, which
/// follows the preamble; otherwise a `## …` line and the paragraphs after it), header lines
/// and rows.
pub struct Table<'a> {
    pub heading: &'a str,
    pub header: &'a str,
    pub rows: &'a [String],
}

/// [`write_results`] for several tables. A default run rewrites the preamble and every
/// table, keeping the sections after them whose headings are not generated; a named run
/// replaces each table's rows for those models (the first table's anywhere in the file, so
/// rows of hand-run sections are updated in place) and appends the others to the table, or
/// adds a table that is missing after the one before it.
pub fn write_tables(path: &std::path::Path, preamble: &str, tables: &[Table<'_>]) {
    let named = std::env::args().skip(1).any(|a| !a.starts_with('-'));
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
    let key = |l: &str| l.split('|').nth(1).map(str::trim).map(str::to_string);
    let section = |t: &Table<'_>| {
        let head = if t.heading.is_empty() { String::new() } else { format!("{}\n", t.heading) };
        format!("{head}{}{}\n", t.header, t.rows.join("\n"))
    };
    // Where each table's block of '|' lines is: located by its header's first line.
    let block = |lines: &[String], t: &Table<'_>| {
        let first = t.header.lines().next().unwrap_or("");
        let start = lines.iter().position(|l| l == first)?;
        Some((start, start + lines[start..].iter().take_while(|l| l.starts_with('|')).count()))
    };
    if !named || block(&lines, &tables[0]).is_none() {
        let generated: Vec<&str> =
            tables.iter().map(|t| t.heading.lines().next().unwrap_or("")).collect();
        let rest = block(&lines, &tables[0]).map_or(lines.len(), |(_, end)| {
            end + lines[end..]
                .iter()
                .position(|l| l.starts_with("## ") && !generated.contains(&l.as_str()))
                .unwrap_or(lines.len() - end)
        });
        let rest = lines[rest..].join("\n");
        let rest = rest.trim();
        let body: Vec<String> = tables.iter().map(section).collect();
        let rest = if rest.is_empty() { String::new() } else { format!("\n{rest}\n") };
        let _ = std::fs::write(path, format!("{preamble}{}{rest}", body.join("\n")));
        return;
    }
    let mut after = 0;
    for (i, t) in tables.iter().enumerate() {
        let Some((start, mut end)) = block(&lines, t) else {
            let text = format!("\n{}", section(t));
            let at = after.min(lines.len());
            for (j, l) in text.trim_end().lines().enumerate() {
                lines.insert(at + j, l.to_string());
            }
            after = at + text.trim_end().lines().count();
            continue;
        };
        // A model's rows in other tables share its first cell: the first table's row is the
        // one with as many columns (the scale targets repeat the first table's).
        let columns = |l: &str| l.matches('|').count();
        for row in t.rows {
            let found = if i == 0 {
                lines.iter().position(|l| {
                    l.starts_with('|') && key(l) == key(row) && columns(l) == columns(row)
                })
            } else {
                (start..end).find(|&j| key(&lines[j]) == key(row))
            };
            match found {
                Some(j) => lines[j].clone_from(row),
                None => {
                    lines.insert(end, row.clone());
                    end += 1;
                }
            }
        }
        after = end;
    }
    let _ = std::fs::write(path, lines.join("\n") + "\n");
}

/// A benchmark entry `MODEL[@N][+VARIANT]...`: the shared model and the `zkinfer calibrate`
/// flags the suffixes stand for. `@N` caps the gate lanes (`--max-lanes N`); `+hashed` hashes
/// the outputs, `+hashed-input` the inputs, `+private-weights` and `+hashed-weights` hide the
/// weights. No flags: the default settings, calibrated by `zkinfer prove` itself.
pub fn variant(entry: &str) -> (&str, Vec<String>) {
    let mut parts = entry.split('+');
    let head = parts.next().unwrap_or(entry);
    let (name, lanes) = head.split_once('@').map_or((head, None), |(n, l)| (n, Some(l)));
    let mut flags = Vec::new();
    if let Some(l) = lanes {
        flags.extend(["--max-lanes".to_string(), l.to_string()]);
    }
    for v in parts {
        let (flag, value) = match v {
            "hashed" => ("--output-visibility", "hashed"),
            "hashed-input" => ("--input-visibility", "hashed"),
            "packed" => ("--output-visibility", "packed"),
            "packed-input" => ("--input-visibility", "packed"),
            "private-weights" => ("--weights-visibility", "private"),
            "hashed-weights" => ("--weights-visibility", "hashed"),
            other => {
                eprintln!("unknown variant '+{other}' ignored");
                continue;
            }
        };
        flags.extend([flag.to_string(), value.to_string()]);
    }
    (name, flags)
}

/// Calibrates `dir`'s model with `flags` into `settings` (for [`variant`] entries).
///
/// # Errors
/// The calibrate command's error text.
pub fn calibrate(
    exe: &str,
    dir: &std::path::Path,
    flags: &[String],
    settings: &std::path::Path,
) -> Result<(), String> {
    let out = std::process::Command::new(exe)
        .args(["calibrate", &dir.join("network.onnx").to_string_lossy()])
        .args(["--data", &dir.join("input.json").to_string_lossy()])
        .args(["-o", &settings.to_string_lossy()])
        .args(flags)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

pub const PHASES: &str = "## Where the time goes

Seconds per phase of the same `zkinfer prove` runs (`setup_phases` and `prove_phases` of `zkinfer prove
--json`, measured from the commitments' timeline, see `prover/src/profile.rs`). Setup:
zkinfer's layout, halo2's key generation (one synthesis; fixed and permutation columns,
their commitments and polynomials). Prove: zkinfer's layout of the witness, halo2's synthesis, advice
commitments, lookup arguments (permuted columns, grand products), permutation argument,
quotient (advice to coefficients, constraints on the extended domain, its pieces committed),
evaluations, multi-open. `msm` is the time inside the commitments' MSMs, already counted in
the phases (the multi-open's own two MSMs are counted in `opening` only); `msm %` its share of
the proof.
";
pub const PHASE_HEADER: &str = "| model | setup layout | keygen | setup msm | prove layout | synthesis | advice commit | lookups | permutation | quotient | evaluations | opening | prove msm | msm % |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// Writes a results file whose first table is followed by the [`PHASES`] table.
pub fn write_with_phases(
    path: &std::path::Path,
    preamble: &str,
    header: &str,
    rows: &[String],
    phase_rows: &[String],
) {
    write_tables(
        path,
        preamble,
        &[
            Table { heading: "", header, rows },
            Table { heading: PHASES, header: PHASE_HEADER, rows: phase_rows },
        ],
    );
}

/// One row of the phase table from `zkinfer prove --json` output.
pub fn phase_row(name: &str, v: &serde_json::Value) -> String {
    let (s, p) = (&v["setup_phases"], &v["prove_phases"]);
    let f = |x: &serde_json::Value, k: &str| {
        x[k].as_f64().map_or("–".to_string(), |t| format!("{t:.2}"))
    };
    let total = v["prove_seconds"].as_f64().unwrap_or(f64::NAN);
    let share =
        p["msm"].as_f64().map_or("–".to_string(), |m| format!("{:.0}", 100.0 * m / total));
    let setup: Vec<String> = ["layout", "keygen", "msm"].iter().map(|k| f(s, k)).collect();
    let prove: Vec<String> = [
        "layout",
        "synthesis",
        "advice_commit",
        "lookups",
        "permutation",
        "quotient",
        "evaluations",
        "opening",
        "msm",
    ]
    .iter()
    .map(|k| f(p, k))
    .collect();
    format!("| `{name}` | {} | {} | {share} |", setup.join(" | "), prove.join(" | "))
}
