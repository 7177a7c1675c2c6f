//! `zkinfer calibrate`: choose scales from sample inputs and write settings.json.

use anyhow::{bail, Context};
use std::path::PathBuf;
use zkinfer::internals::quantize::{
    LinearCheck, Target, Visibilities, Visibility, WeightVisibility,
};
use zkinfer::Model;

/// Arguments of `zkinfer calibrate`.
#[derive(clap::Args)]
pub struct Args {
    /// ONNX model.
    model: PathBuf,
    /// An input.json, or a directory of them.
    #[arg(long)]
    data: PathBuf,
    /// Where to write the settings.
    #[arg(short, long, default_value = "settings.json")]
    output: PathBuf,
    /// Optimise for `balanced` (full precision at the model's inputs and outputs, fewer bits
    /// inside where that makes the circuit cheaper), `accuracy` or `resources`.
    #[arg(long, default_value = "balanced")]
    target: Target,
    /// Bits of an activation at its calibrated maximum (overrides the target's default).
    #[arg(long)]
    activation_bits: Option<u32>,
    /// Bits of a model input at its calibrated maximum.
    #[arg(long)]
    input_bits: Option<u32>,
    /// Bits of a model output at its calibrated maximum.
    #[arg(long)]
    output_bits: Option<u32>,
    /// Bits of a weight at its largest magnitude.
    #[arg(long)]
    weight_bits: Option<u32>,
    /// log2 of the largest lookup table.
    #[arg(long)]
    table_bits: Option<u32>,
    /// Factor applied to calibrated ranges before they become enforced bounds.
    #[arg(long)]
    headroom: Option<f64>,
    /// Most gate lanes (advice columns) the circuit may use: fewer lanes give a smaller
    /// verifying key and EVM verifier (~1.5 KB of contract per lane) at a larger k.
    #[arg(long)]
    max_lanes: Option<usize>,
    /// How linear layers (MatMul, Gemm, Conv) are checked: auto (default; per layer, the
    /// cheaper), freivalds (a random linear check drawn after the operands are committed) or
    /// dot (plain multiply-accumulate chains, a single-phase circuit).
    #[arg(long, default_value = "auto")]
    linear_check: LinearCheck,
    /// Model inputs in the proof: private (default; the proof hides them), public (public
    /// instances: the proof is bound to this exact input) or hashed (one public instance, the
    /// input's Poseidon digest: bound to the input without revealing it; see `zkinfer hash`)
    /// or packed (public, several values to an instance, see --output-visibility).
    #[arg(long, default_value = "private")]
    input_visibility: Visibility,
    /// Model outputs in the proof: public (default), private (the proof attests the model
    /// ran, without revealing the result; needs public or hashed inputs) or hashed (one public
    /// instance, the outputs' Poseidon digest: cheap on the EVM for thousands of outputs) or
    /// packed (public, each value a digit of `packed_bits` bits, words of up to 248 bits as
    /// instances: an EVM verifier pays per instance, so thousands of public outputs fit).
    #[arg(long, default_value = "public")]
    output_visibility: Visibility,
    /// Model weights in the circuit: fixed (default; pinned by the verifying key, whose hash
    /// is the model identity), private (witness: any weights of this architecture) or hashed
    /// (witness bound by their Poseidon digest, a public instance: secret weights, a named
    /// model).
    #[arg(long, default_value = "fixed")]
    weights_visibility: WeightVisibility,
    /// The tensors handed between the parts of a partitioned proof (`prove --parts`): hashed
    /// (default; one Poseidon digest each way, the activations stay hidden), public (the
    /// activations are public instances: each part skips hashing them) or packed (public,
    /// several values to an instance).
    #[arg(long, default_value = "hashed")]
    link_visibility: Visibility,
    /// Force a tensor's scale exponent: NAME=EXP (repeatable).
    #[arg(long = "scale", value_name = "NAME=EXP")]
    scales: Vec<String>,
    /// Value for a symbolic batch dimension.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Machine-readable summary on stdout.
    #[arg(long)]
    json: bool,
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let model = Model::load(&a.model, a.batch)?;
    let samples = model.read_samples(&a.data)?;
    let pb = super::bar(samples.len(), "calibrating", a.json);
    let mut settings = model.calibrate(&samples, a.target, |i| pb.set_position(i as u64))?;
    pb.finish_and_clear();
    let p = &mut settings.params;
    if let Some(v) = a.activation_bits {
        p.activation_bits = v;
    }
    if let Some(v) = a.input_bits {
        p.input_bits = Some(v);
    }
    if let Some(v) = a.output_bits {
        p.output_bits = Some(v);
    }
    if let Some(v) = a.weight_bits {
        p.weight_bits = v;
    }
    if let Some(v) = a.table_bits {
        p.table_bits = v;
    }
    if let Some(v) = a.headroom {
        if !(v >= 1.0 && v.is_finite()) {
            bail!("--headroom must be a finite number ≥ 1, got {v}");
        }
        p.headroom = v;
    }
    settings.max_lanes = a.max_lanes;
    settings.linear_check = a.linear_check;
    settings.visibility = Visibilities {
        input: a.input_visibility,
        output: a.output_visibility,
        weights: a.weights_visibility,
        link: a.link_visibility,
    };
    settings.validate()?;
    for s in &a.scales {
        let (name, exp) =
            s.rsplit_once('=').with_context(|| format!("--scale '{s}': expected NAME=EXP"))?;
        let exp: i32 =
            exp.parse().with_context(|| format!("--scale '{s}': exponent must be an integer"))?;
        if !settings.calibration.ranges.contains_key(name) {
            let best = settings.calibration.ranges.keys().min_by_key(|k| distance(k, name));
            bail!(
                "--scale: no tensor named '{name}'{}",
                best.map(|b| format!("; did you mean '{b}'?")).unwrap_or_default()
            );
        }
        settings.scale_overrides.insert(name.to_string(), exp);
    }
    // Quantize now so that problems show up at calibration time, not at proving time.
    let q = model.quantize(&settings)?;
    std::fs::write(&a.output, settings.to_json()?)
        .with_context(|| format!("writing {}", a.output.display()))?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "settings": a.output, "samples": samples.len(), "tensors": settings.calibration.ranges.len(),
                "primitives": q.nodes.len(), "tables": q.tables.len(), "params": settings.params,
            })
        );
    } else {
        println!(
            "calibrated on {} sample(s): {} tensors, {} integer primitives, {} lookup table(s); target {:?}",
            samples.len(),
            settings.calibration.ranges.len(),
            q.nodes.len(),
            q.tables.len(),
            settings.target
        );
        println!("wrote {}", a.output.display());
    }
    Ok(())
}
