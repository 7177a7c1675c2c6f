//! `zkinfer run`: exact quantized inference with an accuracy report.

use anyhow::Context;
use std::path::PathBuf;
use zkinfer::internals::quantize::Target;
use zkinfer::run;

/// Arguments of `zkinfer run`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: super::ModelInput,
    /// Settings from `zkinfer calibrate`; without them the model is calibrated on the input.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Reference outputs (`{"output_data": [[...]]}`) to report the error against as well.
    #[arg(long)]
    expected: Option<PathBuf>,
    /// Target used when calibrating on the input (`balanced`, `accuracy` or `resources`).
    #[arg(long, default_value = "balanced")]
    target: Target,
    /// Machine-readable report on stdout.
    #[arg(long)]
    json: bool,
}

fn read_expected(path: &PathBuf) -> anyhow::Result<Vec<Vec<f64>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let outs = v["output_data"]
        .as_array()
        .with_context(|| format!("{}: expected {{\"output_data\": [[...]]}}", path.display()))?;
    outs.iter()
        .map(|o| {
            let mut flat = Vec::new();
            let mut stack = vec![o];
            while let Some(x) = stack.pop() {
                match x {
                    serde_json::Value::Array(a) => stack.extend(a.iter().rev()),
                    serde_json::Value::Number(n) => flat.push(n.as_f64().unwrap_or(f64::NAN)),
                    _ => anyhow::bail!("{}: output_data must hold numbers", path.display()),
                }
            }
            Ok(flat)
        })
        .collect()
}

fn preview(v: &[f64]) -> String {
    let head: Vec<String> = v.iter().take(6).map(|x| format!("{x:.6}")).collect();
    format!(
        "[{}{}]",
        head.join(", "),
        if v.len() > 6 { format!(", … {} more", v.len() - 6) } else { String::new() }
    )
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let (model, inputs) = a.m.load()?;
    let settings = super::steps::settings_or_calibrate(
        &model,
        a.settings.as_deref(),
        &inputs,
        a.target,
        a.json,
    )?;
    let q = model.quantize(&settings)?;
    let expected = a.expected.as_ref().map(read_expected).transpose()?;
    let sp = super::spinner("running quantized and float inference", a.json);
    let report = run(&model, &q, &inputs, expected.as_deref())?;
    sp.finish_and_clear();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    for o in &report.outputs {
        println!(
            "output '{}' {} (scale 2^{}): {}",
            o.name,
            super::shape_str(&o.shape),
            o.scale,
            preview(&o.values)
        );
    }
    println!();
    if let Some(e) = &report.tract_error {
        println!("note: tract cannot run this model ({e}); the float reference is zkinfer's f64 evaluator\n");
    }
    let mut rows = vec![vec![
        "output".to_string(),
        "vs".into(),
        "max abs".into(),
        "max rel".into(),
        "mean abs".into(),
        "argmax agree".into(),
    ]];
    for o in &report.outputs {
        let mut push = |vs: &str, e: &zkinfer::internals::quantize::report::OutputError| {
            rows.push(vec![
                o.name.clone(),
                vs.into(),
                format!("{:.3e}", e.max_abs),
                format!("{:.3e}", e.max_rel),
                format!("{:.3e}", e.mean_abs),
                format!("{}/{}", e.argmax_agree.0, e.argmax_agree.1),
            ]);
        };
        push(&report.float_reference, &o.error);
        if let Some(e) = &o.expected_error {
            push("expected", e);
        }
    }
    super::print_table(&rows);
    println!("(max rel = max abs error / max |reference|)");
    Ok(())
}
