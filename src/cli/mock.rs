//! `zkinfer mock`: check a witness against the circuit with halo2's MockProver, which names
//! every failing constraint (no keys or SRS needed), each traced to the ONNX node whose cells
//! it constrains.

use std::path::PathBuf;
use zkinfer::internals::circuits::halo2_proofs::dev::MockProver;
use zkinfer::internals::circuits::halo2_proofs::halo2curves::bn256::Fr;
use zkinfer::internals::circuits::{lay_out_planned, ModelCircuit};
use zkinfer::internals::quantize::{eval, Target};
use zkinfer::Compiled;

/// Arguments of `zkinfer mock`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: super::ModelInput,
    /// Settings (default: calibrate on the input).
    #[arg(long)]
    settings: Option<PathBuf>,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let (model, inputs) = a.m.load()?;
    let settings = super::steps::settings_or_calibrate(
        &model,
        a.settings.as_deref(),
        &inputs,
        Target::default(),
        false,
    )?;
    let c = Compiled::new(&model, &settings)?;
    let witness = eval::eval_all(&c.qgraph, &inputs)?;
    let b = lay_out_planned(&c.qgraph, Some(&witness), &c.plan)?;
    let circuit = ModelCircuit::new(b);
    let sp = super::spinner(&format!("mock proving (k = {})", c.plan.k), false);
    let prover = MockProver::<Fr>::run(c.plan.k, &circuit, vec![circuit.instances()])
        .map_err(|e| anyhow::anyhow!("synthesis failed: {e:?}"))?;
    let result = prover.verify_par();
    sp.finish_and_clear();
    match result {
        Ok(()) => {
            println!(
                "all constraints satisfied (k = {}, {} gate lanes, {} lookup lanes)",
                c.plan.k,
                c.plan.lanes,
                c.plan.all_lookup_lanes()
            );
            Ok(())
        }
        Err(failures) => {
            for f in failures.iter().take(10) {
                let text = f.to_string();
                // Gate and lookup failures name the node in their region already.
                match zkinfer::internals::circuits::diagnose::failing_node(&circuit.builder, &text)
                {
                    Some(node) if !text.contains(&node) => eprintln!("{node}: {text}"),
                    _ => eprintln!("{text}"),
                }
            }
            anyhow::bail!("{} constraint(s) failed", failures.len())
        }
    }
}
