//! Every op of the coverage manifest through the circuit. Each per-op case of
//! `zkinfer_testkit::op_cases` is imported, calibrated, quantized with the default settings,
//! planned and laid out with its witness from the integer evaluator, as `zkinfer prove` does;
//! MockProver must accept it, and reject it with witness cells perturbed and with a wrong
//! public output. The perturbed cells are spread evenly over every witness column: 12 a case
//! in the fast tier, 128 in the full tier, and every cell with `ZKINFER_PERTURB_ALL=1` (about
//! 15 s a case on two cores, too long for CI).
//!
//! The same cases generate docs/ops.md: for each manifest op, the integer primitives it lowers
//! to and the chips that prove them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use zkinfer_circuits::{chip_for, lay_out_planned, plan_within, Builder};
use zkinfer_model_import::{from_proto, ImportOptions};
use zkinfer_quantize::{quantize, Settings};
use zkinfer_testkit::compile::default_settings;
use zkinfer_testkit::op_cases::{families, OpCase};

/// Cells perturbed per case in the fast tier.
const SAMPLE: usize = 12;
/// Cells perturbed per case in the full tier.
const DENSE: usize = 128;

/// The full tier's sample, or every cell when `ZKINFER_PERTURB_ALL` is set.
fn dense() -> Option<usize> {
    std::env::var_os("ZKINFER_PERTURB_ALL").is_none().then_some(DENSE)
}

/// A case quantized as `zkinfer calibrate` does by default, with its witness.
fn compile(case: &OpCase) -> (QGraph, Vec<Vec<i64>>, Settings) {
    let (name, m, _) = case;
    let proto = m.proto();
    let g = from_proto(&proto, "test".into(), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{name}: import: {e}"));
    let shapes: Vec<Vec<usize>> = g.inputs.iter().map(|&i| g.tensors[i].shape.clone()).collect();
    let inputs = g.make_inputs(&m.sample(7, &shapes)).unwrap();
    let settings = default_settings(&g, std::slice::from_ref(&inputs));
    let q = quantize(&g, &settings).unwrap_or_else(|e| panic!("{name}: quantize: {e}"));
    let w = eval::eval_all(&q, &inputs).unwrap_or_else(|e| panic!("{name}: eval: {e}"));
    (q, w, settings)
}

/// The circuit `zkinfer prove` would build for the case.
fn circuit(case: &OpCase) -> Builder {
    let (q, w, settings) = compile(case);
    let plan = plan_within(&q, settings.max_lanes, settings.linear_check)
        .unwrap_or_else(|e| panic!("{}: plan: {e}", case.0));
    lay_out_planned(&q, Some(&w), &plan).unwrap_or_else(|e| panic!("{}: layout: {e}", case.0))
}

/// `count` cells spread evenly over `cells` (all of them when `count` is `None`).
fn spread(cells: Vec<Cell>, count: Option<usize>) -> Vec<Cell> {
    match count {
        Some(n) if cells.len() > n => {
            (0..n).map(|i| cells[i * (cells.len() - 1) / (n - 1).max(1)]).collect()
        }
        _ => cells,
    }
}

/// Proves every case of `family` with MockProver and checks the perturbations.
fn check_family(family: &str, sample: Option<usize>) {
    let (_, cases) = families().into_iter().find(|(f, _)| *f == family).unwrap();
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.0;
        let b = circuit(&case);
        if let Err(e) = mock_verify(&b) {
            failures.push(format!("{name}: honest witness rejected: {:?}", &e[..e.len().min(3)]));
            continue;
        }
        for cell in spread(b.witness_cells(), sample) {
            if verify(&b.perturbed(cell)) {
                let owner = b.owner(cell).map(|(n, op)| format!("{n} ({op})"));
                failures.push(format!("{name}: perturbing {cell:?} ({owner:?}) passed"));
            }
        }
        if !b.public_values().is_empty() && verify(&wrong_output(&b)) {
            failures.push(format!("{name}: a wrong public output was accepted"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

macro_rules! family_tests {
    ($($family:ident, $dense:ident;)*) => {$(
        #[test]
        fn $family() {
            check_family(stringify!($family), Some(SAMPLE));
        }

        #[test]
        #[ignore = "full tier: 128 perturbed cells a case (minutes); run scripts/test.sh"]
        fn $dense() {
            check_family(stringify!($family), dense());
        }
    )*};
}

family_tests! {
    arithmetic, arithmetic_dense;
    elementwise, elementwise_dense;
    linear, linear_dense;
    ml, ml_dense;
    norm, norm_dense;
    pool, pool_dense;
    recurrent, recurrent_dense;
    reduce, reduce_dense;
    shape, shape_dense;
}

/// docs/ops.md: every manifest op with its family, the integer primitives it lowers to under
/// the default settings (as its cases lower), the chips that prove them, and its limits.
fn op_map() -> String {
    let mut prims: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut chips: BTreeMap<&'static str, &'static str> = BTreeMap::new();
    for (_, cases) in families() {
        for case in cases() {
            let ops: BTreeSet<String> = case.1.nodes.iter().map(|n| n.op_type.clone()).collect();
            let (q, _, _) = compile(&case);
            for n in &q.nodes {
                if ops.contains(&n.onnx_op) {
                    prims.entry(n.onnx_op.clone()).or_default().insert(n.op.name());
                    chips.insert(n.op.name(), chip_for(&n.op));
                }
            }
            for op in ops {
                prims.entry(op).or_default();
            }
        }
    }
    let mut s = String::from(
        "# Supported ONNX operators\n\nGenerated by `ZKINFER_BLESS=1 cargo test -p \
         zkinfer-circuits --test ops op_map` from the coverage manifest\n\
         (`model-import/src/coverage.rs`) and the per-op cases (`testkit/src/op_cases`), \
         lowered with the\ndefault settings; a test fails when this file is stale. Any op \
         not listed is an import error naming\nthe node. For each op: its family (the module \
         that imports and lowers it), the integer\nprimitives it lowers to, the chips that \
         prove them (see [circuit.md](circuit.md) and\n`circuits/src/chips/`), and how it is \
         computed in fixed point, with its limits.\n\n\
         | op | family | primitives | chips | how it is proven, and limits |\n\
         |---|---|---|---|---|\n",
    );
    for c in zkinfer_model_import::coverage::COVERAGE {
        let p = prims.get(c.op).unwrap_or_else(|| panic!("{}: no per-op case", c.op));
        let cs: BTreeSet<&str> = p.iter().map(|x| chips[x]).collect();
        let p: Vec<&str> = p.iter().copied().collect();
        let cs: Vec<&str> = cs.into_iter().collect();
        let (p, cs) = if p.is_empty() {
            ("none (folded or free)".to_string(), "none".to_string())
        } else {
            (p.join(", "), cs.join(", "))
        };
        let _ = writeln!(s, "| `{}` | {} | {p} | {cs} | {} |", c.op, c.family, c.notes);
    }
    s.push_str("\n## Primitives and their chips\n\n| primitive | chip |\n|---|---|\n");
    for (p, c) in &chips {
        let _ = writeln!(s, "| `{p}` | {c} |");
    }
    s
}

#[test]
fn op_map_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ops.md");
    let doc = op_map();
    if std::env::var_os("ZKINFER_BLESS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        doc,
        "docs/ops.md is stale: run `ZKINFER_BLESS=1 cargo test -p zkinfer-circuits --test ops \
         op_map`"
    );
}

/// A softmax behind an additive mask reads the scores without the mask, so the sum of scores
/// and mask feeds no output: it is not laid out (no cells), and the circuit still proves.
#[test]
fn a_value_no_output_depends_on_is_not_laid_out() {
    let (_, cases) = families().into_iter().find(|(f, _)| *f == "norm").unwrap();
    let case = cases().into_iter().find(|c| c.0 == "Softmax additive mask").unwrap();
    let b = circuit(&case);
    let adds: Vec<(&String, &usize)> =
        b.node_cells().iter().filter(|(name, _)| name.contains("Add")).collect();
    assert!(!adds.is_empty(), "no Add node in {:?}", b.node_cells());
    for (name, &cells) in adds {
        assert_eq!(cells, 0, "{name}");
    }
    if let Err(e) = mock_verify(&b) {
        panic!("the masked softmax's circuit is not satisfied: {:?}", &e[..e.len().min(3)]);
    }
}
