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
    let named = std::env::args().skip(1).any(|a| !a.starts_with('-'));
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
    // The first table: the first block of lines starting with '|'.
    let start = lines.iter().position(|l| l.starts_with('|'));
    let end = start.map(|s| s + lines[s..].iter().take_while(|l| l.starts_with('|')).count());
    let text = match (start, end) {
        (Some(_), Some(e)) if named => {
            let key = |l: &str| l.split('|').nth(1).map(str::trim).map(str::to_string);
            let mut end = e;
            for row in rows {
                match lines.iter().position(|l| l.starts_with('|') && key(l) == key(row)) {
                    Some(i) => lines[i].clone_from(row),
                    None => {
                        lines.insert(end, row.clone());
                        end += 1;
                    }
                }
            }
            lines.join("\n") + "\n"
        }
        (Some(_), Some(e)) => {
            let rest = lines[e..].join("\n");
            let rest = rest.trim_end();
            let rest = if rest.is_empty() { String::new() } else { format!("{rest}\n") };
            format!("{preamble}{header}{}\n{rest}", rows.join("\n"))
        }
        _ => format!("{preamble}{header}{}\n", rows.join("\n")),
    };
    let _ = std::fs::write(path, text);
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
