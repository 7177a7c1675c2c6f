//! `zkinfer partition`: choose where to cut a model for a proof in parts and write the plan
//! (settings and cuts) for review and for `zkinfer prove --plan`.

use std::path::PathBuf;
use zkinfer::bundle::{
    estimated_peak_bytes, plan_run, CircuitSize, Cut, PartitionPlan, PlannedPart,
};
use zkinfer::internals::circuits::Plan;
use zkinfer::internals::quantize::Target;

/// Arguments of `zkinfer partition`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: super::ModelInput,
    /// Settings from `zkinfer calibrate` (default: calibrate on the input).
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Target used when calibrating on the input (`balanced`, `accuracy` or `resources`).
    #[arg(long, default_value = "balanced")]
    target: Target,
    /// This many parts of about equal circuit cost.
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    parts: Option<u32>,
    /// Cut before each of these ONNX nodes.
    #[arg(long, value_delimiter = ',', conflicts_with = "parts")]
    cut: Vec<String>,
    /// The fewest balanced parts whose estimated peak memory each fits this many GiB.
    #[arg(long, conflicts_with_all = ["parts", "cut"])]
    max_memory: Option<f64>,
    /// Where to write the plan.
    #[arg(short, long, default_value = "plan.json")]
    output: PathBuf,
    /// Machine-readable parts on stdout.
    #[arg(long)]
    json: bool,
}

/// The cut `--parts`, `--cut` or `--max-memory` asks for (clap lets at most one through), or
/// `None` when none is given. The memory budget is the run's: with `jobs` parts in memory at
/// once, each part gets `1/jobs` of it.
pub fn cut_of(
    parts: Option<u32>,
    cut: &[String],
    max_memory: Option<f64>,
    jobs: u32,
) -> anyhow::Result<Option<Cut>> {
    let parts = parts.map(usize::try_from).transpose()?;
    Ok(Cut::choose(parts, cut, max_memory, usize::try_from(jobs)?)?)
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    let (model, inputs) = a.m.load()?;
    let Some(cut) = cut_of(a.parts, &a.cut, a.max_memory, 1)? else {
        anyhow::bail!("give one of --parts N, --cut NODE,... or --max-memory GIB");
    };
    let run = plan_run(&model, &inputs, a.settings.as_deref(), a.target, &cut)?;
    PartitionPlan::of(&run.settings, &run.parts).write(&a.output)?;
    print_parts(a.json, &run.whole, &run.parts)?;
    if !a.json {
        println!(
            "wrote {}: prove it with `zkinfer prove {} --input ... --plan {}`",
            a.output.display(),
            a.m.model.display(),
            a.output.display()
        );
    }
    Ok(())
}

/// Prints planned parts: a table, or JSON with each part's estimate.
pub fn print_parts(json: bool, whole: &Plan, planned: &[PlannedPart]) -> anyhow::Result<()> {
    let parts = planned.len();
    if json {
        let rows: Vec<_> = planned
            .iter()
            .map(|p| {
                serde_json::json!({
                    "first_node": p.first_node, "last_node": p.last_node,
                    "primitives": p.part.nodes.len(), "k": p.plan.k, "lanes": p.plan.lanes,
                    "late_lanes": p.plan.late_lanes, "lookup_lanes": p.plan.all_lookup_lanes(),
                    "handed_on": p.handed_on,
                    "estimated_peak_bytes": estimated_peak_bytes(&p.plan),
                })
            })
            .collect();
        let v = serde_json::json!({
            "whole_k": whole.k,
            "whole": CircuitSize::of(whole),
            "parts": rows,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "the whole model: about k = {}, {} gate lanes (estimated); in {parts} parts:",
        whole.k, whole.lanes
    );
    let mut table = vec![vec![
        "part".to_string(),
        "first node".into(),
        "last node".into(),
        "primitives".into(),
        "k".into(),
        "lanes".into(),
        "hands on".into(),
        "est. peak".into(),
    ]];
    for (i, p) in planned.iter().enumerate() {
        table.push(vec![
            (i + 1).to_string(),
            p.first_node.clone(),
            p.last_node.clone(),
            p.part.nodes.len().to_string(),
            p.plan.k.to_string(),
            format!("{}+{}+{}", p.plan.lanes, p.plan.late_lanes, p.plan.all_lookup_lanes()),
            p.handed_on.to_string(),
            super::gib_text(estimated_peak_bytes(&p.plan)),
        ]);
    }
    super::print_table(&table);
    println!(
        "(est. peak: a fit of measured proving peaks to rows × lanes, not a bound; the whole \
         model would be {})",
        super::gib_text(estimated_peak_bytes(whole))
    );
    Ok(())
}
