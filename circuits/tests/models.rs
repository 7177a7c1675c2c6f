//! Corpus models through the circuit: the layout plan of every model matches the checked-in
//! snapshot (the shared corpus' its own, when present), and small models satisfy MockProver
//! with public outputs equal to the integer evaluator's, bit for bit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use std::fmt::Write as _;
use std::path::Path;
use std::path::PathBuf;
use zkinfer_circuits::{lay_out_planned, plan, plan_within, ModelCircuit};
use zkinfer_model_import::{Graph, Tensor};
use zkinfer_quantize::{eval, QGraph};
use zkinfer_testkit::{model_dir, model_names, model_names_in, shared_dir};

fn prepare(name: &str) -> (Graph, QGraph, Vec<Tensor>) {
    prepare_dir(&model_dir(name))
}

fn prepare_dir(dir: &Path) -> (Graph, QGraph, Vec<Tensor>) {
    zkinfer_testkit::compile::quantized(dir)
}

#[test]
#[ignore = "full tier: every corpus model; run scripts/test.sh"]
fn small_models_satisfy_mock_prover_with_exact_outputs() {
    for name in [
        "relu",
        "mlp",
        "conv",
        "concat",
        "softmax",
        "logistic_regression",
        "xgboost",
        "sklearn_mlp",
        "gru",
    ] {
        let (_, q, inputs) = prepare(name);
        let witness = eval::eval_all(&q, &inputs).unwrap();
        let p = plan(&q).unwrap();
        let b = lay_out_planned(&q, Some(&witness), &p).unwrap();
        let expected: Vec<Fr> = q
            .outputs
            .iter()
            .flat_map(|&o| witness[o].iter().map(|&v| zkinfer_circuits::fe(i128::from(v))))
            .collect();
        assert_eq!(b.public_values(), expected, "{name}: public outputs differ from the evaluator");
        let c = ModelCircuit::new(b);
        let prover = MockProver::<Fr>::run(p.k, &c, vec![c.instances()]).unwrap();
        if let Err(e) = prover.verify() {
            panic!("{name}: {} failures, first: {:?}", e.len(), e.first());
        }
    }
}

#[test]
#[ignore = "full tier: every corpus model; run scripts/test.sh"]
fn lane_cap_trades_columns_for_rows_and_stays_satisfied() {
    let (_, q, inputs) = prepare("conv_fc");
    let free = plan(&q).unwrap();
    assert!(free.lanes > 1, "the free plan already uses {} lane", free.lanes);
    let capped = plan_within(&q, Some(1), zkinfer_quantize::LinearCheck::Auto).unwrap();
    assert!(capped.lanes <= 1 && capped.k > free.k, "{capped:?} vs {free:?}");
    // The same cells, unless the planner also changed its mind about the three-term gate
    // (which costs every lane row, so a single tall lane may do without it).
    if capped.mac3 == free.mac3 {
        assert_eq!(capped.lane_cells, free.lane_cells);
    } else {
        // Without the gate a sum takes more cells, with it fewer.
        let more = capped.lane_cells > free.lane_cells;
        assert_eq!(more, free.mac3, "{capped:?} vs {free:?}");
    }
    let witness = eval::eval_all(&q, &inputs).unwrap();
    let c = ModelCircuit::new(lay_out_planned(&q, Some(&witness), &capped).unwrap());
    MockProver::<Fr>::run(capped.k, &c, vec![c.instances()]).unwrap().assert_satisfied();
}

/// The plan of every model in `dir` (named `names`), one line each.
fn plans(names: &[String], dir: &Path) -> String {
    let mut text = String::from("# model: k, gate lanes, second-phase lanes, lookup lanes, range lanes, limb bits, bound tables, rows, gate cells, second-phase cells, lookup cells, table rows, copies\n");
    for name in names {
        let (_, q, _) = prepare_dir(&dir.join(name));
        let p = plan(&q).unwrap();
        writeln!(
            text,
            "{name}: k={} lanes={} late_lanes={} lookup_lanes={} range_lanes={} limb_bits={} bound_tables={} wide_bound_tables={} rows={} lane_cells={} late_cells={} lookup_cells={} table_rows={} copies={}",
            p.k, p.lanes, p.late_lanes, p.lookup_lanes, p.range_lanes, p.limb_bits, p.bound_tables, p.wide_bound_tables, p.rows, p.lane_cells, p.late_cells, p.lookup_cells, p.table_rows, p.copies
        )
        .unwrap();
    }
    text
}

fn check_snapshot(file: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("ZKINFER_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(stored, text, "layout changed: review it, then run with ZKINFER_UPDATE_SNAPSHOTS=1 to update circuits/{file}");
}

#[test]
fn layout_snapshot_is_current() {
    let corpus = model_dir("");
    check_snapshot("layout_snapshot.txt", &plans(&model_names(), &corpus));
}

#[test]
#[ignore = "full tier: every corpus model; run scripts/test.sh"]
fn shared_layout_snapshot_is_current() {
    // The shared corpus is optional; when present its plans are pinned too.
    let Some(shared) = shared_dir() else { return };
    let names = model_names_in(&shared);
    check_snapshot("layout_snapshot_shared.txt", &plans(&names, &shared));
}
