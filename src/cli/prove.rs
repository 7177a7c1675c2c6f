//! `zkinfer prove`: one-shot (calibrate, set up with cached keys, prove, verify) or with
//! keys from `zkinfer setup`.

use std::path::PathBuf;
use zkinfer::flow::{self, ProveRequest};
use zkinfer::internals::quantize::Target;
use zkinfer::Device;

/// Arguments of `zkinfer prove`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: super::ModelInput,
    /// Settings from `zkinfer calibrate` (default: calibrate on the input).
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Proving key from `zkinfer setup` (default: cached keys, generated on first use).
    #[arg(long)]
    pk: Option<PathBuf>,
    /// SRS file (default: the cached INSECURE development SRS).
    #[arg(long)]
    srs: Option<PathBuf>,
    /// Where to write the proof (default proof.json; with --parts, the bundle's directory,
    /// default bundle/).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Prove the model in this many parts, each its own circuit and keys (less memory than one
    /// proof of the whole), linked by Poseidon digests of the tensors that cross each cut; the
    /// directory gets bundle.json, each part's proof and verifying key (`zkinfer verify
    /// --bundle`).
    #[arg(long, conflicts_with = "pk", value_parser = clap::value_parser!(u32).range(2..))]
    parts: Option<u32>,
    /// Prove in parts cut before each of these ONNX nodes (names as `zkinfer inspect` lists
    /// them) instead of balanced cuts.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["pk", "parts"])]
    cut: Vec<String>,
    /// Prove in the fewest balanced parts that keep the run within this many GiB by estimate:
    /// each part within it, or within 1/J of it with --jobs J (`zkinfer inspect --max-memory`
    /// shows the parts and estimates for one job).
    #[arg(long, conflicts_with_all = ["pk", "parts", "cut"])]
    max_memory: Option<f64>,
    /// Prove in parts as a plan from `zkinfer partition` says (its settings and cuts).
    #[arg(long, conflicts_with_all = ["pk", "parts", "cut", "max_memory", "settings"])]
    plan: Option<PathBuf>,
    /// With --parts or --cut: prove this many parts at once. Each holds its own keys and
    /// witness, so peak memory grows about in proportion; the CPU threads are shared.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: u32,
    /// With --parts or --cut: keep each part whose proof in the output directory is for the
    /// same circuit and values (and verifies) instead of proving it again, so a run that
    /// stopped part-way goes on from where it was.
    #[arg(long)]
    resume: bool,
    /// Target used when calibrating on the input (`balanced`, `accuracy` or `resources`).
    #[arg(long, default_value = "balanced")]
    target: Target,
    /// Where commitments' MSMs run: cpu, gpu (any adapter, or an error; every MSM), or auto (a
    /// hardware GPU when there is one for MSMs of 2^20 points or more, where it is faster, the
    /// CPU for the rest and for columns of small integers; ZKINFER_GPU_MIN_POINTS moves the
    /// line). `zkinfer doctor` shows what each would use.
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Machine-readable summary on stdout.
    #[arg(long)]
    json: bool,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let (model, inputs) = a.m.load()?;
    // A plan brings its settings and cuts.
    let plan = a.plan.as_deref().map(zkinfer::bundle::PartitionPlan::read).transpose()?;
    let cut = match &plan {
        Some(p) => Some(zkinfer::bundle::Cut::Before(p.cuts.clone())),
        None => super::partition::cut_of(a.parts, &a.cut, a.max_memory, a.jobs)?,
    };
    if let Some(cut) = cut {
        return prove_parts(a, &model, &inputs, cut, plan.map(|p| p.settings));
    }
    if a.jobs > 1 || a.resume {
        anyhow::bail!(
            "--jobs and --resume apply to proofs in parts: add --parts N, --cut NODE,..., \
             --max-memory GIB or --plan plan.json"
        );
    }
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from("proof.json"));
    let request = ProveRequest {
        settings: a.settings.clone(),
        target: a.target,
        pk: a.pk.clone(),
        srs: a.srs.clone(),
        output: output.clone(),
        device: a.device,
    };
    let reporter = super::steps::Reporter::new(a.json);
    let proven = flow::prove(&model, &inputs, &request, &|p| reporter.show(&p))?;
    reporter.done();
    let (o, file) = (&proven.outcome, &proven.file);
    if a.json {
        println!("{}", serde_json::to_string(o)?);
        return Ok(());
    }
    let accuracy = &o.outputs;
    let hidden = file.outputs.is_empty();
    for r in accuracy {
        let head: Vec<String> = r.values.iter().take(6).map(|v| format!("{v:.6}")).collect();
        println!(
            "{} '{}' {}: [{}{}]",
            if hidden { "private output (not in the proof)" } else { "proven output" },
            r.name,
            super::shape_str(&r.shape),
            head.join(", "),
            if r.values.len() > 6 { ", …" } else { "" }
        );
        println!(
            "  vs float ({}): max abs {:.3e}, max rel {:.3e}, argmax agree {}/{}",
            o.float_reference,
            r.error.max_abs,
            r.error.max_rel,
            r.error.argmax_agree.0,
            r.error.argmax_agree.1
        );
    }
    println!(
        "k = {}, setup {}, prove {:.2}s, verify {:.0} ms, proof {} bytes",
        o.k,
        if o.keys_cached { "cached".to_string() } else { format!("{:.2}s", o.setup_seconds) },
        o.prove_seconds,
        o.verify_seconds * 1000.0,
        o.proof_bytes,
    );
    for t in &file.inputs {
        println!("public input '{}' {}: bound into the proof", t.name, super::shape_str(&t.shape));
    }
    let [input, output, weights] = file.digests();
    if let Some(d) = input {
        println!("hashed inputs: Poseidon digest {d} bound into the proof (see `zkinfer hash`)");
    }
    if let Some(d) = output {
        println!("hashed outputs: Poseidon digest {d} bound into the proof");
    }
    for (kind, bits) in [("inputs", file.packed_bits.input), ("outputs", file.packed_bits.output)] {
        if let Some(bits) = bits {
            println!(
                "packed {kind}: {} values per public instance w, value i = ((w >> {bits}·i) & \
                 (2^{bits} − 1)) − 2^{}",
                zkinfer_circuits::packing::per_word(bits),
                bits - 1
            );
        }
    }
    if let Some(d) = weights {
        println!("hashed weights: Poseidon digest {d} bound into the proof (the model commitment)");
    }
    if o.visibility.weights.is_fixed() {
        println!("model identity {}", file.model_identity);
    } else {
        println!("architecture identity (the weights are not in the key) {}", file.model_identity);
    }
    println!("wrote {} (verified)", request.output.display());
    Ok(())
}

fn prove_parts(
    a: &Args,
    model: &zkinfer::Model,
    inputs: &[zkinfer::Tensor],
    cut: zkinfer::bundle::Cut,
    settings_given: Option<zkinfer::internals::quantize::Settings>,
) -> anyhow::Result<()> {
    use zkinfer::bundle::PartsSettings;
    let settings = match (settings_given, &a.settings) {
        (Some(s), _) => PartsSettings::Given(s),
        (None, Some(p)) => PartsSettings::File(p.clone()),
        (None, None) => PartsSettings::Calibrate(a.target),
    };
    let request = zkinfer::bundle::PartsRequest {
        settings,
        srs: a.srs.clone(),
        cut,
        dir: a.output.clone().unwrap_or_else(|| PathBuf::from("bundle")),
        device: a.device,
        jobs: usize::try_from(a.jobs)?,
        resume: a.resume,
    };
    let start = std::time::Instant::now();
    let o = zkinfer::bundle::prove_parts(model, inputs, &request, &|line| {
        if !a.json {
            eprintln!("{line}");
        }
    })?;
    if a.json {
        println!("{}", serde_json::to_string(&o)?);
        return Ok(());
    }
    for (i, p) in o.parts.iter().enumerate() {
        let time = if p.reused {
            "kept from an earlier run".to_string()
        } else {
            let peak = p
                .peak_memory_bytes
                .map_or_else(String::new, |b| format!(", peak {}", super::gib_text(b)));
            format!("setup {:.2}s, prove {:.2}s{peak}", p.setup_seconds, p.prove_seconds)
        };
        println!(
            "part {}: {} … {} ({} primitives), k = {}, {time}, hands on {} values",
            i + 1,
            p.part.first_node,
            p.part.last_node,
            p.part.primitives,
            p.part.k,
            p.part.handed_on
        );
    }
    for r in &o.outputs {
        println!(
            "output '{}' {}: max abs {:.3e}, max rel {:.3e} vs float",
            r.name,
            super::shape_str(&r.shape),
            r.error.max_abs,
            r.error.max_rel
        );
    }
    let peak = o
        .peak_memory_bytes
        .map_or_else(String::new, |b| format!(", peak memory {}", super::gib_text(b)));
    println!(
        "{} parts, {} at a time: {:.1}s wall{peak}",
        o.parts.len(),
        a.jobs,
        start.elapsed().as_secs_f64()
    );
    println!("bundle identity {}", o.identity);
    println!("wrote {} (every part verified)", o.bundle.display());
    Ok(())
}
