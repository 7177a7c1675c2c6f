//! `zkinfer inspect`: the per-node view of a model.

use std::collections::BTreeMap;
use std::path::PathBuf;
use zkinfer::internals::model_import::{scan_nodes, ImportError};
use zkinfer::internals::quantize::{Settings, Target};
use zkinfer::{Error, Model};

/// Arguments of `zkinfer inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// ONNX model.
    model: PathBuf,
    /// Input to calibrate the cost estimate on (default: a synthetic input in [−1, 1)).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Settings to quantize with instead of calibrating.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Value for a symbolic batch dimension.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Show how `zkinfer prove --parts N` would cut the model instead: each part's nodes,
    /// circuit size and the values it hands on.
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..))]
    parts: Option<u32>,
    /// Show the parts of `zkinfer prove --cut NODE,...`: cut before each of these ONNX nodes.
    #[arg(long, value_delimiter = ',', conflicts_with = "parts")]
    cut: Vec<String>,
    /// Show the parts of `zkinfer prove --max-memory GIB`: the fewest balanced parts whose
    /// estimated peak memory each fits.
    #[arg(long, conflicts_with_all = ["parts", "cut"])]
    max_memory: Option<f64>,
    /// Show the parts of a plan from `zkinfer partition` (with its settings and cuts).
    #[arg(long, conflicts_with_all = ["parts", "cut", "max_memory", "settings"])]
    plan: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

fn show_parts(
    a: &Args,
    q: &zkinfer::internals::quantize::QGraph,
    plan: &zkinfer::internals::circuits::Plan,
    settings: &Settings,
    cut: &zkinfer::bundle::Cut,
) -> anyhow::Result<()> {
    let planned = cut.plan(q, plan, settings)?;
    super::partition::print_parts(a.json, plan, &planned)
}

fn unsupported_listing(a: &Args, err: &ImportError) -> anyhow::Result<()> {
    let nodes = scan_nodes(&a.model)?;
    if a.json {
        let v: Vec<_> = nodes.iter().map(|n| serde_json::json!({"name": n.name, "op": n.op, "domain": n.domain, "supported": n.supported})).collect();
        println!("{}", serde_json::json!({"nodes": v, "error": err.to_string()}));
    } else {
        let mut rows = vec![vec!["#".to_string(), "node".into(), "op".into(), "supported".into()]];
        for (i, n) in nodes.iter().enumerate() {
            rows.push(vec![
                i.to_string(),
                n.name.clone(),
                n.op.clone(),
                if n.supported { "yes".into() } else { "NO".into() },
            ]);
        }
        super::print_table(&rows);
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
pub fn main(a: &Args) -> anyhow::Result<()> {
    let model = match Model::load(&a.model, a.batch) {
        Ok(m) => m,
        Err(Error::Import(
            e @ (ImportError::UnsupportedOp { .. } | ImportError::Unsupported { .. }),
        )) => {
            unsupported_listing(a, &e)?;
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let g = &model.graph;
    let partition = a.plan.as_deref().map(zkinfer::bundle::PartitionPlan::read).transpose()?;
    let settings = match (&partition, &a.settings) {
        (Some(p), _) => p.settings.clone(),
        (None, Some(p)) => Settings::read(p)?,
        (None, None) => {
            let inputs = match &a.input {
                Some(p) => model.read_input(p)?,
                None => model.synthetic_input(),
            };
            model.calibrate(&[inputs], Target::default(), |_| {})?
        }
    };
    let quantized = model.quantize(&settings);
    let cut = match partition {
        Some(p) => Some(zkinfer::bundle::Cut::Before(p.cuts)),
        None => super::partition::cut_of(a.parts, &a.cut, a.max_memory, 1)?,
    };
    if let Some(cut) = cut {
        let q = quantized.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
        // Sized, not planned: a model shown in parts may be too large for the planner.
        let Ok(p) = zkinfer::internals::circuits::estimate_plan(
            q,
            settings.max_lanes,
            settings.linear_check,
        ) else {
            anyhow::bail!("the model does not fit a circuit, so it cannot be partitioned");
        };
        return show_parts(a, q, &p, &settings, &cut);
    }
    let plan = quantized.as_ref().ok().map(|q| {
        zkinfer::internals::circuits::plan_within(q, settings.max_lanes, settings.linear_check)
    });
    let mut prims: BTreeMap<&str, usize> = BTreeMap::new();
    let mut cost: BTreeMap<String, usize> = BTreeMap::new();
    if let (Ok(q), Some(Ok(p))) = (&quantized, &plan) {
        for n in &q.nodes {
            *prims.entry(n.node.as_str()).or_default() += 1;
        }
        if let Ok(cells) = zkinfer::internals::circuits::node_cells(q, p) {
            cost = cells;
        }
    }
    let shapes = |ids: &[usize]| {
        ids.iter().map(|&i| super::shape_str(&g.tensors[i].shape)).collect::<Vec<_>>().join(", ")
    };
    let dynamic = |ids: &[usize]| {
        ids.iter().copied().filter(|&i| g.tensors[i].value.is_none()).collect::<Vec<_>>()
    };
    let total_params: usize = g.nodes.iter().map(|n| g.param_count(n)).sum();
    if a.json {
        let nodes: Vec<_> = g
            .nodes
            .iter()
            .map(|n| {
                serde_json::json!({
                    "name": n.name, "op": n.onnx_op,
                    "inputs": dynamic(&n.inputs).iter().map(|&i| &g.tensors[i].shape).collect::<Vec<_>>(),
                    "outputs": n.outputs.iter().map(|&i| &g.tensors[i].shape).collect::<Vec<_>>(),
                    "params": g.param_count(n), "supported": quantized.is_ok(),
                    "primitives": prims.get(n.name.as_str()), "cells": cost.get(&n.name),
                })
            })
            .collect();
        let q = quantized.as_ref().ok();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "model": a.model, "sha256": g.model_sha256, "opset": g.opset, "producer": g.producer,
                "inputs": g.inputs.iter().map(|&i| serde_json::json!({"name": g.tensors[i].name, "shape": g.tensors[i].shape, "dtype": g.tensors[i].dtype})).collect::<Vec<_>>(),
                "outputs": g.outputs.iter().map(|&i| serde_json::json!({"name": g.tensors[i].name, "shape": g.tensors[i].shape})).collect::<Vec<_>>(),
                "params": total_params, "nodes": nodes,
                "primitives": q.map(|q| q.nodes.len()),
                "lookup_tables": q.map(|q| q.tables.iter().map(|t| serde_json::json!({"function": t.func.name(), "entries": t.len()})).collect::<Vec<_>>()),
                "cells": cost.values().sum::<usize>(),
                "plan": plan.as_ref().and_then(|p| p.as_ref().ok()),
                "error": quantized.as_ref().err().map(ToString::to_string),
            }))?
        );
    } else {
        println!(
            "model {}  (opset {}, {}, sha256 {})",
            a.model.display(),
            g.opset,
            if g.producer.is_empty() { "unknown producer" } else { &g.producer },
            g.model_sha256.get(..16).unwrap_or(&g.model_sha256)
        );
        for &i in &g.inputs {
            println!(
                "  input  '{}' {} {:?}",
                g.tensors[i].name,
                super::shape_str(&g.tensors[i].shape),
                g.tensors[i].dtype
            );
        }
        for &i in &g.outputs {
            println!("  output '{}' {}", g.tensors[i].name, super::shape_str(&g.tensors[i].shape));
        }
        println!();
        let mut rows = vec![[
            "#",
            "node",
            "op",
            "inputs",
            "outputs",
            "params",
            "supported",
            "primitives",
            "est. cells",
        ]
        .map(String::from)
        .to_vec()];
        for (i, n) in g.nodes.iter().enumerate() {
            rows.push(vec![
                i.to_string(),
                n.name.clone(),
                n.onnx_op.clone(),
                shapes(&dynamic(&n.inputs)),
                shapes(&n.outputs),
                g.param_count(n).to_string(),
                if quantized.is_ok() { "yes".into() } else { "-".into() },
                prims.get(n.name.as_str()).map_or("-".into(), ToString::to_string),
                cost.get(&n.name).map_or("-".into(), ToString::to_string),
            ]);
        }
        super::print_table(&rows);
        println!();
        println!("{} nodes, {} parameters", g.nodes.len(), total_params);
        if let Ok(q) = &quantized {
            let tables: Vec<String> = q
                .tables
                .iter()
                .map(|t| format!("{}({} entries)", t.func.name(), t.len()))
                .collect();
            println!(
                "{} integer primitives, lookup tables: {}",
                q.nodes.len(),
                if tables.is_empty() { "none".into() } else { tables.join(", ") }
            );
            match &plan {
                Some(Ok(p)) => {
                    println!(
                        "circuit plan: k = {}, {} gate lanes, {} lookup lanes{}, {}-bit range limbs; {} rows, {} gate cells, {} lookups, {} table rows, {} copies",
                        p.k,
                        p.lanes,
                        p.all_lookup_lanes(),
                        if p.range_lanes > 0 {
                            format!(" ({} for range checks only)", p.range_lanes)
                        } else {
                            String::new()
                        },
                        p.limb_bits,
                        p.rows,
                        p.lane_cells,
                        p.lookup_cells,
                        p.table_rows,
                        p.copies
                    );
                    if p.late_lanes > 0 {
                        println!(
                            "  Freivalds checks of linear layers: {} second-phase lanes, {} cells",
                            p.late_lanes, p.late_cells
                        );
                    }
                    if p.hash_lanes > 0 {
                        println!(
                            "  Poseidon digests of hashed groups: {} lane(s) of 6 columns, {} rows each",
                            p.hash_lanes, p.hash_rows
                        );
                    }
                }
                Some(Err(e)) => println!("circuit plan: {e}"),
                None => {}
            }
            println!(
                "(calibrated with {})",
                if a.settings.is_some() { "the given settings" } else { "one input" }
            );
        }
    }
    quantized.map(|_| ()).map_err(Into::into)
}
