//! `zkinfer verify`: check a proof.json against a verifying key, with nothing else.

use std::path::PathBuf;
use zkinfer::internals::prover::proof_file::ProofFile;
use zkinfer::steps::Pins;

/// Arguments of `zkinfer verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The proof file.
    #[arg(long, required_unless_present = "bundle")]
    proof: Option<PathBuf>,
    /// The verifying key (from `zkinfer setup`, or the key cache of a one-shot prove).
    #[arg(long, required_unless_present = "bundle")]
    vk: Option<PathBuf>,
    /// A bundle.json from `zkinfer prove --parts` instead of one proof: every part's proof is
    /// checked with its key (beside the bundle), and each part's output digest against the
    /// next part's input digest.
    #[arg(long, conflicts_with_all = ["proof", "vk"])]
    bundle: Option<PathBuf>,
    /// The model identity you trust (hex, as `zkinfer setup` and `prove` print it): the key
    /// must hash to it (with --bundle: the bundle identity). Without it, the key is trusted as
    /// given.
    #[arg(long)]
    identity: Option<String>,
    /// The SRS the key must have been made with (`zkinfer srs gen` or `srs import` output):
    /// its s·G2 must be the key's. Without it, a development SRS is recomputed from its seed
    /// and a ceremony's point is taken from the key (and said so).
    #[arg(long)]
    srs: Option<PathBuf>,
    /// Also check that the proof's hashed inputs are these: the input file the verifier
    /// holds, quantized with `--settings` for `--model` (with --bundle: the first part's).
    #[arg(long, requires_all = ["model", "settings"])]
    input: Option<PathBuf>,
    /// Also check that the proof's hashed weights are this model's, quantized with
    /// `--settings` (with --bundle: every part's weights against the model's in that part).
    /// With hashed weights the key fixes only the architecture, so this is what ties the
    /// proof to the weights you hold.
    #[arg(long, requires = "settings")]
    model: Option<PathBuf>,
    /// The settings the proof was made with, for `--model`.
    #[arg(long, requires = "model")]
    settings: Option<PathBuf>,
    /// Machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

/// Checks the proof's digests against ones recomputed from the verifier's own data: the
/// weights digest from `--model`, the input digest from `--input`.
fn check_digests(a: &Args, file: &ProofFile) -> anyhow::Result<()> {
    let (Some(model), Some(settings)) = (&a.model, &a.settings) else {
        return Ok(());
    };
    let [input_digest, _, weights_digest] = file.digests();
    let input_digest = input_digest.filter(|_| a.input.is_some());
    if input_digest.is_none() && weights_digest.is_none() {
        anyhow::bail!(
            "--model checks hashed weights (and --input hashed inputs), and this proof has {}",
            if a.input.is_some() { "neither" } else { "no hashed weights" }
        );
    }
    let m = zkinfer::Model::load(model, 1)?;
    let c = zkinfer::Compiled::new(&m, &zkinfer::internals::quantize::Settings::read(settings)?)?;
    let decimal = zkinfer::internals::prover::instance::to_decimal;
    if let Some(claimed) = weights_digest {
        let ours = decimal(&zkinfer::steps::weights_digest(&c.qgraph));
        if claimed != ours {
            anyhow::bail!(
                "the proof is about other weights: its digest is {claimed}, {} hashes to {ours}",
                model.display()
            );
        }
    }
    if let (Some(claimed), Some(input)) = (input_digest, &a.input) {
        let data = m.read_input(input)?;
        let [ours, _, _] = zkinfer::steps::digests(&c.qgraph, &zkinfer::steps::witness(&c, &data)?);
        let ours = decimal(&ours);
        if claimed != ours {
            anyhow::bail!(
                "the proof is about other input: its digest is {claimed}, {} hashes to {ours}",
                input.display()
            );
        }
    }
    Ok(())
}

/// [`check_digests`] for a bundle: every part's weights, and the first part's input.
fn check_bundle_digests(
    a: &Args,
    v: &zkinfer::bundle::BundleVerified,
) -> anyhow::Result<Option<zkinfer::bundle::BundleDataChecked>> {
    let (Some(model), Some(settings)) = (&a.model, &a.settings) else {
        return Ok(None);
    };
    let m = zkinfer::Model::load(model, 1)?;
    let settings = zkinfer::internals::quantize::Settings::read(settings)?;
    let data = a.input.as_ref().map(|i| m.read_input(i)).transpose()?;
    Ok(Some(zkinfer::bundle::check_bundle_data(v, &m, &settings, data.as_deref())?))
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let pins = Pins { identity: a.identity.clone(), srs: a.srs.clone() };
    if let Some(bundle) = &a.bundle {
        return verify_bundle(a, bundle, &pins);
    }
    let (Some(proof), Some(vk)) = (&a.proof, &a.vk) else {
        anyhow::bail!("give --proof and --vk, or --bundle");
    };
    let file = ProofFile::read(proof)?;
    let verified = zkinfer::steps::verify_file(&file, vk, &pins)?;
    check_digests(a, &file)?;
    let identity = &verified.identity;
    let dev = verified.srs.is_insecure();
    if a.json {
        println!(
            "{}",
            serde_json::json!({"verified": true, "model_identity": identity, "identity_pinned": verified.identity_pinned, "srs": verified.srs, "insecure_srs": dev, "visibility": file.visibility, "data_checked": a.model.is_some(), "instances": file.instances, "inputs": file.inputs, "outputs": file.outputs})
        );
        return Ok(());
    }
    if dev {
        eprintln!("warning: this key was made with an INSECURE development SRS; the proof is only as good as that SRS");
    }
    if file.effective_visibility().weights.is_fixed() {
        println!("proof verified for model identity {identity}");
    } else {
        println!(
            "proof verified for architecture identity {identity} (the weights are not in the key)"
        );
    }
    if verified.identity_pinned {
        println!("  identity: equal to the one you pinned (--identity)");
    } else {
        println!(
            "  identity: not pinned; compare it with the model's published identity (--identity)"
        );
    }
    println!("  SRS: {}", verified.srs.describe());
    let listed = file.inputs.iter().map(|t| ("input", t));
    for (kind, o) in listed.chain(file.outputs.iter().map(|t| ("output", t))) {
        let head: Vec<String> = o.values.iter().take(6).map(|v| format!("{v:.6}")).collect();
        println!(
            "  {kind} '{}' {}: [{}{}]",
            o.name,
            super::shape_str(&o.shape),
            head.join(", "),
            if o.values.len() > 6 { ", …" } else { "" }
        );
    }
    let [input, output, weights] = file.digests();
    if let Some(d) = input {
        println!("  inputs: Poseidon digest {d} (compare with `zkinfer hash`)");
    }
    if let Some(d) = output {
        println!("  outputs: Poseidon digest {d} (the listed outputs hash to it)");
    }
    if let Some(d) = weights {
        println!("  weights: Poseidon digest {d} (the model's commitment; `zkinfer hash` computes it from the model)");
    }
    for (kind, bits) in [("inputs", file.packed_bits.input), ("outputs", file.packed_bits.output)] {
        if let Some(bits) = bits {
            println!(
                "  {kind}: packed {} to an instance as {bits}-bit digits (the listed {kind} pack \
                 to the instances)",
                zkinfer_circuits::packing::per_word(bits)
            );
        }
    }
    if let Some(model) = &a.model {
        let checked: Vec<&str> =
            [weights.map(|_| "weights"), input.filter(|_| a.input.is_some()).map(|_| "inputs")]
                .into_iter()
                .flatten()
                .collect();
        println!(
            "  checked: the hashed {} are those of your copy ({}{})",
            checked.join(" and "),
            model.display(),
            a.input.as_ref().map_or_else(String::new, |i| format!(", {}", i.display()))
        );
    }
    if file.outputs_withheld {
        println!("  (the outputs are withheld: only their digest is in the proof)");
    } else if file.outputs.is_empty() {
        println!("  (the outputs are private: the proof does not reveal them)");
    }
    if let Some(input) = &a.input {
        println!("  the hashed digests match {} (recomputed)", input.display());
    }
    Ok(())
}

fn verify_bundle(a: &Args, bundle: &std::path::Path, pins: &Pins) -> anyhow::Result<()> {
    let v = zkinfer::bundle::verify_bundle(bundle, pins)?;
    let data = check_bundle_digests(a, &v)?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({"verified": true, "bundle_identity": v.identity, "identity_pinned": v.identity_pinned, "parts": v.parts, "weights_digests": v.weights_digests, "input_digest": v.input_digest, "weights_checked": data.map_or(0, |d| d.weights_parts), "input_checked": data.is_some_and(|d| d.input), "outputs": v.last.outputs, "instances": v.last.instances})
        );
        return Ok(());
    }
    println!("bundle of {} parts verified: bundle identity {}", v.parts.len(), v.identity);
    if v.identity_pinned {
        println!("  identity: equal to the one you pinned (--identity)");
    } else {
        println!("  identity: not pinned; compare it with the model's published bundle identity (--identity)");
    }
    println!("  every part's proof verifies with its key, and each part received what the one before it handed on");
    let hashed = v.weights_digests.iter().filter(|d| d.is_some()).count();
    match data {
        Some(d) if d.weights_parts > 0 => println!(
            "  weights: every part's hashed weights are {}'s",
            a.model.as_deref().map_or_else(String::new, |m| m.display().to_string())
        ),
        _ if hashed > 0 => println!(
            "  weights: {hashed} parts' weights are hashed and not compared with a model; pass --model and --settings to tie them to the weights you hold"
        ),
        _ => {}
    }
    if data.is_some_and(|d| d.input) {
        println!("  input: the first part's hashed input is yours (--input)");
    }
    for o in &v.last.outputs {
        let head: Vec<String> = o.values.iter().take(6).map(|x| format!("{x:.6}")).collect();
        println!(
            "  output '{}' {}: [{}{}]",
            o.name,
            super::shape_str(&o.shape),
            head.join(", "),
            if o.values.len() > 6 { ", …" } else { "" }
        );
    }
    Ok(())
}
