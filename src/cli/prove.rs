//! `zkinfer prove`: one-shot (calibrate, set up with cached keys, prove, verify) or with
//! keys from `zkinfer setup`.

use std::path::PathBuf;
use std::time::Instant;
use zkinfer::quantize::Target;
use zkinfer::{report, steps, Compiled, Device};

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
    /// Where to write the proof.
    #[arg(short, long, default_value = "proof.json")]
    output: PathBuf,
    /// Target used when calibrating on the input.
    #[arg(long, default_value = "accuracy")]
    target: Target,
    /// Where commitments' MSMs run: cpu, gpu (any adapter, or an error), or auto (a hardware
    /// GPU when there is one, else the CPU). `zkinfer doctor` shows what each would use.
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Machine-readable summary on stdout.
    #[arg(long)]
    json: bool,
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
    let c = Compiled::new(&model, &settings)?;
    let witness = steps::witness(&c, &inputs)?;
    let (srs, label) = super::steps::srs_for(a.srs.as_deref(), c.plan.k, a.json)?;
    let device = super::steps::open_device(a.device, a.json)?;
    let msm = device.msm;
    let t_setup = Instant::now();
    let (pk, cached) = super::steps::proving_key(&msm, &c, &srs, &label, a.pk.as_deref(), a.json)?;
    let setup_s = t_setup.elapsed().as_secs_f64();
    let t = Instant::now();
    let sp =
        super::spinner(&format!("proving (k = {}, {} gate lanes)", c.plan.k, c.plan.lanes), a.json);
    let proved = steps::prove_file(&msm, &c, &srs, &pk, witness)?;
    sp.finish_and_clear();
    let prove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    proved.self_verify(&srs, &pk)?;
    let verify_s = t.elapsed().as_secs_f64();
    let (file, witness) = (&proved.file, &proved.witness);
    let proof_bytes = proved.proof.bytes.len();
    file.write(&a.output)?;
    let outputs: Vec<Vec<i64>> = c.qgraph.outputs.iter().map(|&o| witness[o].clone()).collect();
    let accuracy = report(&model, &c.qgraph, &outputs, &inputs, None)?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "proof": a.output, "circuit_hash": file.circuit_hash, "model_identity": file.model_identity, "k": c.plan.k,
                "setup_seconds": setup_s, "keys_cached": cached, "prove_seconds": prove_s, "verify_seconds": verify_s,
                "proof_bytes": proof_bytes, "peak_memory_bytes": super::peak_memory_bytes(),
                "lanes": c.plan.lanes, "late_lanes": c.plan.late_lanes, "lookup_lanes": c.plan.lookup_lanes, "hash_lanes": c.plan.hash_lanes, "instances": file.instances, "msm": msm.name(), "msm_fallback": device.fallback,
                "visibility": c.qgraph.visibility, "outputs": accuracy.outputs,
                "setup_phases": pk.phases, "prove_phases": proved.phases,
            })
        );
        return Ok(());
    }
    let hidden = file.outputs.is_empty();
    for r in &accuracy.outputs {
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
            accuracy.float_reference,
            r.error.max_abs,
            r.error.max_rel,
            r.error.argmax_agree.0,
            r.error.argmax_agree.1
        );
    }
    println!(
        "k = {}, setup {}, prove {prove_s:.2}s, verify {:.0} ms, proof {proof_bytes} bytes",
        c.plan.k,
        if cached { "cached".to_string() } else { format!("{setup_s:.2}s") },
        verify_s * 1000.0,
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
    if c.qgraph.visibility.weights.is_fixed() {
        println!("model identity {}", file.model_identity);
    } else {
        println!("architecture identity (the weights are not in the key) {}", file.model_identity);
    }
    println!("wrote {} (verified)", a.output.display());
    Ok(())
}
