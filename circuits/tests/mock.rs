//! MockProver tests per chip: the honest witness verifies; every single advice cell perturbed
//! by one is rejected; values outside their enforced range are rejected even when every
//! linear relation still holds; a wrong claimed output is rejected.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;

use common::*;

#[test]
fn add_chip() {
    let mut g = G::new();
    let a = g.input(&[2, 3], 50);
    let c = g.input(&[3], 50);
    let y = g.op(QOp::Add { coeffs: vec![3, -2] }, vec![a, c], &[2, 3], 250, false);
    let q = g.output(y);
    check_sound(&q, &[vec![1.0, -2.0, 3.0, 40.0, -41.0, 0.0], vec![5.0, -6.0, 7.0]]);
}

/// A three-term sum: one three-term mac step where lanes have the gate, three single steps
/// where they do not; sound either way.
#[test]
fn lincomb_with_and_without_the_three_term_gate() {
    let mut g = G::new();
    let ins: Vec<_> = (0..3).map(|_| g.input(&[2], 50)).collect();
    let y = g.op(QOp::Add { coeffs: vec![3, -2, 5] }, ins, &[2], 500, false);
    let q = g.output(y);
    let inputs = [vec![1.0, -2.0], vec![3.0, 40.0], vec![-41.0, 7.0]];
    let steps = |b: &Builder| {
        b.lanes()
            .iter()
            .map(|l| (l.mac3.len(), l.mac.len()))
            .fold((0, 0), |a, s| (a.0 + s.0, a.1 + s.1))
    };
    let with = check_sound_with(&q, &inputs, &Layout::new(2, 2, LIMB));
    let without = check_sound_with(&q, &inputs, &Layout { mac3: false, ..Layout::new(2, 2, LIMB) });
    let ((w3, w1), (o3, o1)) = (steps(&with), steps(&without));
    assert!(w3 >= 2 && o3 == 0, "three-term steps: {w3} with, {o3} without");
    assert_eq!(o1, w1 + 3 * w3);
    assert_eq!(without.cells(), with.cells() + 2 * w3);
}

/// A circuit laid out without lookup output columns cannot carry a table or a lookup that
/// has an output: synthesis refuses rather than dropping the output's constraint.
#[test]
fn lookup_outputs_need_their_column() {
    let mut b = Builder::new(&Layout::new(1, 1, LIMB), true);
    let tag = b.add_function_table([(0i128, 0i128), (1, 7)].into_iter());
    let x = b.run(&[1])[0];
    let y = b.lookup(tag, x, 7);
    let z = b.lincomb(&[(y, 2)], 1);
    b.expose(z);
    assert!(!b.range_only_lookups());
    assert!(verify(&b), "honest lookup with an output rejected");
    let honest = ModelCircuit::new(b.clone());
    let mut shape = honest.shape;
    shape.range_only_lookups = true;
    let forced = ModelCircuit { shape, ..honest };
    assert!(MockProver::<Fr>::run(k_for(&b), &forced, vec![forced.instances()]).is_err());
    // Range checks alone need no output column.
    let mut r = Builder::new(&Layout::new(1, 1, LIMB), true);
    let v = r.run(&[9])[0];
    r.range_check(v, 4);
    assert!(r.range_only_lookups() && verify(&r));
}

#[test]
fn mul_and_copy_chips() {
    let mut g = G::new();
    let a = g.input(&[4], 100);
    let t = g.op(
        QOp::Copy {
            map: [3u32, 0, 2, 1]
                .iter()
                .map(|&i| zkinfer_quantize::qgraph::CopySrc { input: 0, index: i })
                .collect(),
        },
        vec![a],
        &[4],
        100,
        false,
    );
    let y = g.op(QOp::Mul, vec![a, t], &[4], 10_000, false);
    let q = g.output(y);
    check_sound(&q, &[vec![7.0, -3.0, 99.0, 0.0]]);
}

#[test]
fn rescale_chip_rejects_out_of_range_remainder() {
    let mut g = G::new();
    let a = g.input(&[3], 1000);
    let y = g.op(QOp::Rescale { shift: 5 }, vec![a], &[3], 32, false);
    let q = g.output(y);
    check_sound(&q, &[vec![517.0, -999.0, 16.0]]);
    // x = r + 32·q − 16 with r = 21 born as limbs (4 + 1 bits for 2^5): moving the top limb's
    // 16 into the low one keeps every sum but leaves the 4-bit table.
    let honest = |low: i128, top: i128| {
        let mut b = Builder::new(&Layout::new(1, 1, LIMB), true);
        let x = b.run(&[517])[0];
        let limbs = vec![
            (b.lookup_cell(range_tag(4), low), 1),
            (b.lookup_cell(range_tag(1), top), 16),
            (b.constant(16), 32),
        ];
        let back = b.lincomb(&limbs, -16);
        b.copy(back, x);
        b
    };
    assert!(verify(&honest(5, 1)));
    assert!(!verify(&honest(21, 0)), "a limb outside its width was accepted");
}

#[test]
fn relu_max_min_abs_chips() {
    for op in [QOp::Relu, QOp::Abs] {
        let mut g = G::new();
        let a = g.input(&[5], 300);
        let y = g.op(op, vec![a], &[5], 300, false);
        let q = g.output(y);
        check_sound(&q, &[vec![-300.0, -1.0, 0.0, 1.0, 299.0]]);
    }
    for op in [QOp::Max, QOp::Min] {
        let mut g = G::new();
        let a = g.input(&[4], 100);
        let c = g.konst(&[1], vec![-7]);
        let y = g.op(op, vec![a, c], &[4], 100, false);
        let q = g.output(y);
        check_sound(&q, &[vec![-100.0, -7.0, -8.0, 100.0]]);
    }
}

/// A ReLU reading a calibrated tensor proves that tensor's bound in its sign check (the
/// producer skips its own check): every cell matters, values one past the bound on either side
/// fail, and it costs fewer cells than the separate check. A ReLU reading an unchecked tensor
/// keeps the plain sign check.
#[test]
fn relu_proves_the_calibrated_bound_of_its_input() {
    let x = vec![-300.0, -1.0, 0.0, 300.0];
    let mut g = G::new();
    let a = g.input(&[4], 300);
    let y = g.op(QOp::Relu, vec![a], &[4], 300, false);
    let fused = g.output(y);
    let b = check_sound(&fused, std::slice::from_ref(&x));
    assert_eq!(b.public_values(), ints(&[0, 0, 0, 300]));
    for v in [301, -301] {
        let mut w = witness(&fused, std::slice::from_ref(&x));
        w[0][0] = v;
        w[1][0] = v.max(0);
        let bad = lay_out(&fused, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
        assert!(!verify(&bad), "an input of {v} outside ±300 was accepted");
    }
    // The same values through an unchecked copy: a plain sign check after a separate bound check.
    let mut g = G::new();
    let a = g.input(&[4], 300);
    let c = g.op(QOp::Add { coeffs: vec![1] }, vec![a], &[4], 300, false);
    let y = g.op(QOp::Relu, vec![c], &[4], 300, false);
    let plain = g.output(y);
    let p = check_sound(&plain, std::slice::from_ref(&x));
    assert_eq!(p.public_values(), b.public_values());
    // Without the fusion the two layouts would differ by the Add's 4 × 3 cells alone.
    assert!(b.cells() + 4 * 3 < p.cells(), "fused {} vs plain {} cells", b.cells(), p.cells());
}

#[test]
fn sign_gadget_rejects_a_consistent_lie() {
    // Honest: x = −5 has s = 0, relu = 0.
    let honest = |s_claim: i128| {
        let mut b = Builder::new(&Layout::new(1, 1, LIMB), true);
        let x = b.run(&[-5])[0];
        let s = b.run(&[s_claim])[0];
        b.lookup(range_tag(1), s, 0);
        let sx = b.mul(s, x);
        let t = b.lincomb(&[(sx, 2), (x, -1), (s, 1)], -1);
        b.range_check(t, 9);
        b.expose(sx);
        b
    };
    assert!(verify(&honest(0)));
    // A prover claiming x ≥ 0 (s = 1, relu = −5) satisfies every gate and copy it controls,
    // but t = −5 has no in-range limb decomposition.
    assert!(!verify(&honest(1)));
}

#[test]
fn matmul_chip_constant_and_input_weights() {
    let mut g = G::new();
    let a = g.input(&[2, 3], 20);
    let w = g.konst(&[3, 2], vec![1, -2, 3, 0, 5, -1]);
    let y = g.op(QOp::MatMul, vec![a, w], &[2, 2], 1000, false);
    let q = g.output(y);
    check_sound(&q, &[vec![1.0, 2.0, 3.0, -4.0, 5.0, -6.0]]);

    let mut g = G::new();
    let a = g.input(&[2, 2], 20);
    let c = g.input(&[2, 2], 20);
    let y = g.op(QOp::MatMul, vec![a, c], &[2, 2], 1000, false);
    let q = g.output(y);
    check_sound(&q, &[vec![1.0, 2.0, 3.0, -4.0], vec![5.0, -6.0, 7.0, 8.0]]);
}

/// Freivalds layout: every matmul checked on a second-phase lane.
fn freivalds() -> Layout {
    Layout { late_lanes: 1, linear: LinearCheck::Freivalds, ..Layout::new(2, 2, LIMB) }
}

#[test]
fn matmul_freivalds_chip() {
    // Constant weights on the right, on the left, input × input, and a batch.
    let x = vec![1.0, 2.0, 3.0, -4.0, 5.0, -6.0];
    let mut g = G::new();
    let a = g.input(&[2, 3], 20);
    let w = g.konst(&[3, 2], vec![1, -2, 3, 0, 5, -1]);
    let y = g.op(QOp::MatMul, vec![a, w], &[2, 2], 1000, false);
    let b = check_sound_with(&g.output(y), std::slice::from_ref(&x), &freivalds());
    assert!(
        !b.late_lanes().is_empty() && !b.late_lanes()[0].values.is_empty(),
        "no second-phase cells"
    );
    // A consistent lie: the claimed product and the public output both +1. Only the
    // Freivalds check can catch it.
    assert_rejects_with(&b, |bad| {
        let out = bad.public_cells()[0];
        let Col::Lane(l) = out.col else { panic!("output not on a lane") };
        bad.lanes_mut()[l].values[out.row] += 1;
        bad.public_values_mut()[0] += Fr::one();
    });

    let mut g = G::new();
    let w = g.konst(&[2, 2], vec![3, -1, 0, 2]);
    let a = g.input(&[2, 3], 20);
    let y = g.op(QOp::MatMul, vec![w, a], &[2, 3], 1000, false);
    check_sound_with(&g.output(y), std::slice::from_ref(&x), &freivalds());

    let mut g = G::new();
    let a = g.input(&[2, 2], 20);
    let c = g.input(&[2, 2], 20);
    let y = g.op(QOp::MatMul, vec![a, c], &[2, 2], 1000, false);
    check_sound_with(
        &g.output(y),
        &[vec![1.0, 2.0, 3.0, -4.0], vec![5.0, -6.0, 7.0, 8.0]],
        &freivalds(),
    );

    let mut g = G::new();
    let a = g.input(&[2, 1, 3], 20);
    let w = g.konst(&[3, 2], vec![1, -2, 3, 0, 5, -1]);
    let y = g.op(QOp::MatMul, vec![a, w], &[2, 1, 2], 1000, false);
    let q = g.output(y);
    let b = check_sound_with(&q, std::slice::from_ref(&x), &freivalds());
    // Keygen sees the same structure without a witness.
    let without = lay_out(&q, None, &freivalds()).unwrap();
    assert_eq!((b.late_log().len(), &b.copies()), (without.late_log().len(), &without.copies()));
}

/// A Freivalds-checked MatMul (node 1) then a Rescale (node 2), laid out with a witness. The
/// product is a graph output too, so the rescale lays out cells of its own (a product read
/// only by its rescale is laid out inside the check, see `chips/rescaled.rs`).
fn matmul_then_rescale() -> (QGraph, Builder) {
    let mut g = G::new();
    let a = g.input(&[2, 3], 20);
    let w = g.konst(&[3, 2], vec![1, -2, 3, 0, 5, -1]);
    let y = g.op(QOp::MatMul, vec![a, w], &[2, 2], 1000, false);
    let r = g.op(QOp::Rescale { shift: 2 }, vec![y], &[2, 2], 300, false);
    let mut q = g.output(r);
    q.outputs.push(y);
    let b = lay_out(&q, Some(&witness(&q, &[vec![1.0, 2.0, 3.0, -4.0, 5.0, -6.0]])), &freivalds())
        .unwrap();
    (q, b)
}

/// MockProver failure messages of a layout, each traced to its ONNX node where possible.
#[test]
fn failures_are_traced_to_their_onnx_node() {
    let (q, b) = matmul_then_rescale();
    let (matmul, rescale) = (q.nodes[1].node.clone(), q.nodes[2].node.clone());
    let late = Cell { col: Col::Late(0), row: b.late_lanes()[0].values.len() - 1 };
    assert_eq!(b.owner(late).map(|o| o.0), Some(matmul.as_str()));
    assert_eq!(b.owner(b.public_cells()[0]).map(|o| o.0), Some(rescale.as_str()));
    // The input's bound checks come first in the lookup lanes, the rescale's range checks last.
    assert_eq!(b.owner(Cell { col: Col::LookupX(0), row: 0 }), Some(("in", "Input")));
    let last = Cell { col: Col::LookupY(0), row: b.lookup_lanes()[0].x.len() - 1 };
    assert_eq!(b.owner(last).map(|o| o.0), Some(rescale.as_str()));
    assert_eq!(b.owner(Cell { col: Col::Constant, row: 0 }), None);
    // A broken second-phase cell is reported against the MatMul, a broken quotient against
    // the Rescale.
    let mut bad = b.clone();
    bad.offset_late(late, 1);
    let traced = traced_failures(&bad);
    assert!(traced.contains(&Some(format!("node '{matmul}' (Test)"))), "{traced:?}");
    let mut bad = b.clone();
    let Col::Lane(l) = b.public_cells()[0].col else { panic!("output not on a lane") };
    bad.lanes_mut()[l].values[b.public_cells()[0].row] += 1;
    bad.public_values_mut()[0] += Fr::one();
    let traced = traced_failures(&bad);
    assert!(traced.contains(&Some(format!("node '{rescale}' (Test)"))), "{traced:?}");
}

/// Regions are one node's run in one column: together they cover every lane and lookup cell
/// exactly once, and halo2's own failure text names the node of a broken gate or lookup, at
/// an offset that leads back to the broken cell.
#[test]
fn regions_are_named_after_their_onnx_node() {
    let (q, b) = matmul_then_rescale();
    let rescale = q.nodes[2].node.clone();
    let regions = b.regions();
    let mut covered = std::collections::BTreeMap::new();
    for spec in &regions {
        for row in spec.rows.clone() {
            let cell = Cell { col: spec.col, row };
            assert_eq!(b.owner(cell).map(|o| o.0), Some(spec.node.as_str()), "{spec:?}");
            assert!(covered.insert(cell, ()).is_none(), "{cell:?} in two regions");
        }
    }
    let lane_cells: usize = b.lanes().iter().chain(b.late_lanes()).map(|l| l.values.len()).sum();
    let lookup_cells: usize = b.lookup_lanes().iter().map(|l| l.x.len()).sum();
    assert_eq!(covered.len(), lane_cells + lookup_cells);

    // A range check of the rescale's, broken.
    let owned_by_rescale = |cell: Cell| b.owner(cell).map(|o| o.0) == Some(rescale.as_str());
    let (lane, row) = (0..b.lookup_lanes().len())
        .flat_map(|l| (0..b.lookup_lanes()[l].x.len()).map(move |r| (l, r)))
        .find(|&(l, r)| owned_by_rescale(Cell { col: Col::LookupX(l), row: r }))
        .expect("the rescale has no lookup");
    let mut bad = b.clone();
    bad.lookup_lanes_mut()[lane].x[row] = 1 << 20;
    let failures = mock_verify(&bad).expect_err("an out-of-range lookup was accepted");
    let lookup = failures
        .iter()
        .map(ToString::to_string)
        .find(|f| f.starts_with("Lookup"))
        .expect("no lookup failure");
    assert!(
        lookup.contains(&format!("('node '{rescale}' (Test), lookup lane {lane}')")),
        "{lookup}"
    );
    assert_eq!(diagnose::failing_cell(&b, &lookup), Some(Cell { col: Col::LookupX(lane), row }));

    // A multiply-accumulate gate of the rescale: its result cell, two rows below, changed.
    let (l, row) = (0..b.lanes().len())
        .flat_map(|l| b.lanes()[l].mac.iter().map(move |&r| (l, r)))
        .find(|&(l, r)| owned_by_rescale(Cell { col: Col::Lane(l), row: r }))
        .expect("the rescale has no gate");
    let mut bad = b.clone();
    bad.lanes_mut()[l].values[row + 2] += 1;
    let failures = mock_verify(&bad).expect_err("a broken accumulator was accepted");
    let gate = failures
        .iter()
        .map(ToString::to_string)
        .find(|f| f.contains("is not satisfied in Region"))
        .expect("no gate failure");
    assert!(gate.contains(&format!("('node '{rescale}' (Test), lane {l}')")), "{gate}");
    let cell = diagnose::failing_cell(&b, &gate).expect("gate failure not traced to a cell");
    assert!(owned_by_rescale(cell) && cell.col == Col::Lane(l), "{cell:?}: {gate}");
}

#[test]
fn reduce_chips() {
    for op in [
        QOp::ReduceSum { axes: vec![1] },
        QOp::ReduceMax { axes: vec![1] },
        QOp::ReduceMin { axes: vec![0] },
    ] {
        let mut g = G::new();
        let a = g.input(&[2, 3], 50);
        let shape: &[usize] = if matches!(op, QOp::ReduceMin { .. }) { &[1, 3] } else { &[2, 1] };
        let y = g.op(op, vec![a], shape, 150, false);
        let q = g.output(y);
        check_sound(&q, &[vec![1.0, -20.0, 30.0, 4.0, 50.0, -50.0]]);
    }
}

#[test]
fn reduce_max_rejects_a_claim_that_is_not_the_maximum() {
    for is_max in [true, false] {
        let mut g = G::new();
        let a = g.input(&[1, 4], 50);
        let op = if is_max {
            QOp::ReduceMax { axes: vec![1] }
        } else {
            QOp::ReduceMin { axes: vec![1] }
        };
        let y = g.op(op, vec![a], &[1, 1], 50, false);
        let q = g.output(y);
        let xs = vec![7.0, -20.0, 30.0, 4.0];
        check_sound(&q, std::slice::from_ref(&xs));
        let honest = if is_max { 30 } else { -20 };
        // Every gap and product recomputed from the claim: only the claim lies.
        for (claim, sound) in [(honest, true), (honest + 1, false), (honest - 1, false), (7, false)]
        {
            let mut w = witness(&q, std::slice::from_ref(&xs));
            w[y][0] = claim;
            let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
            assert_eq!(verify(&b), sound, "claimed extreme {claim} (max: {is_max})");
        }
    }
}

#[test]
fn div_chip_and_its_range_checks() {
    let mut g = G::new();
    let n = g.input(&[3], 100);
    let d = g.input(&[3], 20);
    let y = g.op(QOp::Div { shift: 2 }, vec![n, d], &[3], 1000, false);
    let q = g.output(y);
    check_sound(&q, &[vec![17.0, -50.0, 0.0], vec![3.0, 7.0, 1.0]]);
    // A zero divisor has no valid witness: the den ≥ 1 check fails whatever the prover does.
    let w = {
        let mut w = witness(&q, &[vec![17.0, -50.0, 0.0], vec![3.0, 7.0, 1.0]]);
        w[1][0] = 0;
        w
    };
    let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
    assert!(!verify(&b));
}

#[test]
fn lookup_chip() {
    let mut g = G::new();
    let a = g.input(&[4], 8);
    g.q.tables.push(Table {
        func: LookupFn::Tanh,
        in_scale: 2,
        out_scale: 4,
        lo: -8,
        hi: 8,
        step: 0,
        factor: None,
    });
    let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[4], 16, false);
    let q = g.output(y);
    check_sound(&q, &[vec![-8.0, -1.0, 0.0, 7.0]]);
}

/// The activations of today's exporters (MobileNetV3's HardSwish, Softsign, Selu, Mish) use
/// the same interpolated lookup: each table proves its own values and rejects every
/// perturbed cell.
#[test]
fn activation_lookup_tables() {
    for func in [
        LookupFn::HardSwish,
        LookupFn::Softsign,
        LookupFn::Selu { alpha: 1.673_263_192_176_818_8, gamma: 1.050_701_022_148_132_3 },
        LookupFn::Mish,
    ] {
        let mut g = G::new();
        let a = g.input(&[5], 40);
        g.q.tables.push(Table {
            func,
            in_scale: 3,
            out_scale: 8,
            lo: -11,
            hi: 11,
            step: 2,
            factor: None,
        });
        let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[5], 2000, false);
        let q = g.output(y);
        let b = check_sound(&q, &[vec![-40.0, -3.0, 0.0, 5.0, 39.0]]);
        let t = &q.tables[0];
        let expected: Vec<i128> =
            [-40, -3, 0, 5, 39].iter().map(|&x| i128::from(t.eval(x).unwrap())).collect();
        assert_eq!(b.public_values(), ints(&expected), "{}", func.name());
    }
}

/// softmax's e^−x from a factored table: `x = hi·2^step + lo` read as `T[hi]·L[lo]`, rounded
/// once; every value of the grid's ends and between proves the evaluator's result, and every
/// perturbed cell fails.
#[test]
fn factored_exp_table() {
    let mut g = G::new();
    let a = g.input(&[6], 63);
    g.q.tables.push(Table {
        func: LookupFn::NegExp,
        in_scale: 3,
        out_scale: 8,
        lo: 0,
        hi: 7,
        step: 3,
        factor: Some(10),
    });
    let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[6], 256, false);
    let q = g.output(y);
    let xs: [i32; 6] = [0, 1, 7, 8, 40, 63];
    let inputs = [xs.iter().map(|&x| f64::from(x)).collect()];
    let t = &q.tables[0];
    let expected: Vec<i128> =
        xs.iter().map(|&x| i128::from(t.eval(i64::from(x)).unwrap())).collect();
    // The remainder by range limbs, and by one bound-table lookup.
    let b = check_sound(&q, &inputs);
    assert_eq!(b.public_values(), ints(&expected));
    let tables = Layout { bound_tables: true, ..Layout::new(2, 2, LIMB) };
    let b = check_sound_with(&q, &inputs, &tables);
    assert_eq!(b.public_values(), ints(&expected));
    assert!(b.uses_bound_tables(), "the bound-table remainder was not taken");
    for (&x, &e) in xs.iter().zip(&expected) {
        let exact = (-f64::from(x) / 8.0).exp() * 256.0;
        #[allow(clippy::cast_precision_loss)]
        let err = (e as f64 - exact).abs();
        assert!(err <= 2.0, "e^-{x}/8: {e} vs {exact}");
    }
    assert_eq!(t.input_range(), (0, 63));
    assert_eq!(t.eval(64), None);
}

/// The logarithm's table spans positive inputs only, with a floor below the calibrated range.
#[test]
fn log_lookup_table() {
    let mut g = G::new();
    let a = g.input(&[4], 40);
    g.q.tables.push(Table {
        func: LookupFn::Log { floor: 0.5 },
        in_scale: 3,
        out_scale: 8,
        lo: 0,
        hi: 11,
        step: 2,
        factor: None,
    });
    let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[4], 2000, false);
    let q = g.output(y);
    let b = check_sound(&q, &[vec![0.0, 3.0, 8.0, 39.0]]);
    let t = &q.tables[0];
    let expected: Vec<i128> =
        [0, 3, 8, 39].iter().map(|&x| i128::from(t.eval(x).unwrap())).collect();
    assert_eq!(b.public_values(), ints(&expected));
}

/// A sigmoid table interpolated on a grid of step 2^2 over grid points −11..=11.
fn sigmoid_grid() -> Table {
    Table {
        func: LookupFn::Sigmoid,
        in_scale: 3,
        out_scale: 8,
        lo: -11,
        hi: 11,
        step: 2,
        factor: None,
    }
}

#[test]
fn interpolated_lookup_chip() {
    let mut g = G::new();
    let a = g.input(&[5], 40);
    g.q.tables.push(sigmoid_grid());
    let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[5], 300, false);
    let q = g.output(y);
    let b = check_sound(&q, &[vec![-40.0, -3.0, 0.0, 5.0, 39.0]]);
    let t = &q.tables[0];
    let expected: Vec<i128> =
        [-40, -3, 0, 5, 39].iter().map(|&x| i128::from(t.eval(x).unwrap())).collect();
    assert_eq!(b.public_values(), ints(&expected));
}

/// Range lanes (lookup lanes without an output column) take the range checks, the lookup
/// lanes keep the lookups whose outputs are read: an interpolated table's entries and a
/// rescale beside its remainder's limbs. The honest witness verifies and every cell perturbed
/// (range lanes included) is rejected; a circuit whose range lane had an output column to
/// spare would be the old shape, so the range lane is also forced to hold a function lookup's
/// output, which must fail.
#[test]
fn range_lanes_take_the_range_checks() {
    let mut g = G::new();
    let a = g.input(&[6], 40);
    g.q.tables.push(sigmoid_grid());
    let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[6], 300, false);
    let r = g.op(QOp::Rescale { shift: 6 }, vec![y], &[6], 10, false);
    let q = g.output(r);
    let xs = vec![-40.0, -3.0, 0.0, 5.0, 17.0, 39.0];
    let layout = Layout { range_lanes: 1, ..Layout::new(2, 1, LIMB) };
    let b = check_sound_with(&q, std::slice::from_ref(&xs), &layout);
    let lanes = b.lookup_lanes();
    assert_eq!(lanes.len(), 2);
    assert!(!lanes[1].x.is_empty(), "the range lane holds no range check");
    assert!(lanes[1].y.iter().all(|&v| v == 0), "a range lane holds an output");
    assert!(lanes[1].tag.iter().all(|&t| t < 64), "a range lane holds a function lookup");
    assert!(lanes[0].tag.iter().any(|&t| t >= 64), "the function lookups left their lane");
    // A function lookup moved into the range lane: its output has no column there.
    let mut moved = b.clone();
    let row = (0..moved.lookup_lanes()[0].x.len())
        .find(|&r| moved.lookup_lanes()[0].tag[r] >= 64)
        .unwrap();
    let (x, y, tag) = {
        let l = &moved.lookup_lanes()[0];
        (l.x[row], l.y[row], l.tag[row])
    };
    let l = &mut moved.lookup_lanes_mut()[1];
    l.x.push(x);
    l.y.push(y);
    l.tag.push(tag);
    assert!(y != 0, "the chosen lookup has output 0");
    let circuit = ModelCircuit::new(moved.clone());
    assert!(
        MockProver::<Fr>::run(k_for(&moved), &circuit, vec![circuit.instances()]).is_err(),
        "a range lane took a lookup with an output"
    );
}

/// An interpolated table's grid points `lo..=hi` cover the inputs `lo·2^step` to
/// `hi·2^step − 1`: the first grid point has an entry, the last only ends the last segment, so
/// one input past either end fails whatever the prover does. Both ways of finding the slope:
/// a second entry lookup (a table used less often than it has entries) and the table of
/// differences (one used more often), the latter also with every perturbed cell rejected.
#[test]
fn interpolated_lookup_rejects_inputs_past_its_grid() {
    for n in [1, 24] {
        let mut g = G::new();
        let a = g.input(&[n], 100);
        g.q.tables.push(sigmoid_grid());
        let y = g.op(QOp::Lookup { table: 0 }, vec![a], &[n], 300, false);
        let q = g.output(y);
        assert_eq!(q.tables[0].input_range(), (-44, 43));
        #[allow(clippy::cast_precision_loss)]
        let xs: Vec<f64> = (0..n).map(|i| (i as f64) * 3.7 - 44.0).collect();
        let b = check_sound(&q, std::slice::from_ref(&xs));
        // Function tables have tags from 64 up, range tables their bit width.
        let functions: std::collections::BTreeSet<u64> =
            b.table().iter().map(|e| e.0).filter(|&t| t >= 64).collect();
        assert_eq!(functions.len(), if n == 1 { 1 } else { 2 }, "entries (+ differences)");
        for (x, inside) in [(-44, true), (43, true), (-45, false), (44, false)] {
            let mut w = witness(&q, std::slice::from_ref(&xs));
            w[0][0] = x;
            let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
            assert_eq!(verify(&b), inside, "input {x} with {n} lookups");
        }
    }
}

#[test]
fn checked_bounds_are_enforced() {
    let mut g = G::new();
    let a = g.input(&[2], 100);
    let y = g.op(QOp::Relu, vec![a], &[2], 100, false);
    let q = g.output(y);
    check_sound(&q, &[vec![100.0, -100.0]]);
    // An input beyond its calibrated bound (bypassing the evaluator's own check).
    let mut w = witness(&q, &[vec![100.0, -100.0]]);
    w[0][0] = 101;
    w[1][0] = 101;
    let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
    assert!(!verify(&b), "an input outside its bound was accepted");
}

#[test]
fn keygen_structure_does_not_depend_on_the_witness() {
    let mut g = G::new();
    let a = g.input(&[3], 1000);
    let y = g.op(QOp::Rescale { shift: 5 }, vec![a], &[3], 32, false);
    let q = g.output(y);
    let w = witness(&q, &[vec![517.0, -999.0, 16.0]]);
    let with = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
    let without = lay_out(&q, None, &Layout::new(2, 2, LIMB)).unwrap();
    assert_eq!(with.copies(), without.copies());
    assert_eq!(with.rows(), without.rows());
    assert_eq!(with.constants(), without.constants());
    for (x, y) in with.lanes().iter().zip(without.lanes()) {
        assert_eq!((&x.mul_add, &x.mac, &x.coef), (&y.mul_add, &y.mac, &y.coef));
    }
}

#[test]
fn sqrt_chip() {
    let mut g = G::new();
    let a = g.input(&[6], 200);
    let y = g.op(QOp::Sqrt { shift: 2 }, vec![a], &[6], 40, false);
    let q = g.output(y);
    check_sound(&q, &[vec![0.0, 1.0, 2.0, 3.0, 199.0, 56.0]]);
}

#[test]
fn select_and_compare_chips() {
    use zkinfer_quantize::qgraph::CmpKind;
    for kind in [CmpKind::Equal, CmpKind::Less, CmpKind::Greater] {
        let mut g = G::new();
        let a = g.input(&[4], 20);
        let c = g.input(&[4], 20);
        let y = g.op(QOp::Compare { kind }, vec![a, c], &[4], 1, false);
        let q = g.output(y);
        check_sound(&q, &[vec![3.0, -4.0, 7.0, 0.0], vec![3.0, 5.0, -7.0, 0.0]]);
    }
    let mut g = G::new();
    let c = g.input(&[3], 1);
    let x = g.input(&[3], 50);
    let z = g.konst(&[1], vec![-9]);
    let y = g.op(QOp::Select, vec![c, x, z], &[3], 50, false);
    let q = g.output(y);
    check_sound(&q, &[vec![1.0, 0.0, 1.0], vec![10.0, 20.0, -30.0]]);
}

#[test]
fn argmax_chip_first_and_last() {
    for select_last in [false, true] {
        let mut g = G::new();
        let a = g.input(&[2, 4], 30);
        let y = g.op(QOp::ArgMax { axis: 1, select_last }, vec![a], &[2, 1], 3, false);
        let q = g.output(y);
        let b = check_sound(&q, &[vec![5.0, 9.0, 9.0, -1.0, -3.0, -3.0, -4.0, -30.0]]);
        let expected = if select_last { vec![2, 1] } else { vec![1, 0] };
        assert_eq!(b.public_values(), ints(&expected));
    }
}

#[test]
fn gather_chip() {
    let mut g = G::new();
    let data = g.konst(&[4, 3], (0..12).map(|v| v * 7 - 40).collect());
    let idx = g.input(&[1, 2], 3);
    let y = g.op(QOp::Gather { axis: 0 }, vec![data, idx], &[1, 2, 3], 50, false);
    let q = g.output(y);
    check_sound(&q, &[vec![3.0, 0.0]]);
}

/// The field-level quotient attack: x = 17 rescaled by 2^2 is q = 4, r = 3. A prover can
/// instead claim r' = 2 and q' = 4 + 1/4 (a field element): r' + 4q' − 2 = 17 still holds and
/// r' is in range. A later exact ×4 turns q' into the small, wrong value 17 instead of 16.
/// Bounding q as a small integer (`Builder::small`) rejects it.
fn quotient_attack(bound_quotient: bool) -> bool {
    let mut b = Builder::new(&Layout::new(1, 1, LIMB), true);
    let x = b.run(&[17])[0];
    let cells = b.run(&[2, 4]);
    let (r, q) = (cells[0], cells[1]);
    b.offset_field(q, 1, 2);
    let back = b.lincomb(&[(r, 1), (q, 4)], -2);
    b.offset_field(Cell { col: back.col, row: back.row - 1 }, 1, 2);
    if let Col::Lane(l) = back.col {
        b.lanes_mut()[l].values[back.row] = 17;
    }
    b.copy(back, x);
    b.range_check(r, 2);
    if bound_quotient {
        b.small(q, 250);
        let (_, shifted) = *b.copies().last().unwrap();
        b.offset_field(Cell { col: shifted.col, row: shifted.row - 1 }, 1, 2);
        b.offset_field(shifted, 1, 2);
    }
    let y = b.lincomb(&[(q, 4)], 0);
    b.offset_field(Cell { col: y.col, row: y.row - 1 }, 1, 2);
    if let Col::Lane(l) = y.col {
        b.lanes_mut()[l].values[y.row] = 17;
    }
    b.expose(y);
    verify(&b)
}

#[test]
fn quotients_are_bounded_against_field_wraparound() {
    assert!(quotient_attack(false), "the attack should work on an unbounded quotient (test setup)");
    assert!(!quotient_attack(true), "a bounded quotient must reject the field-element lie");
}

/// Bound tables: a checked value is one lookup of `(v, max(v, 0))` in the table of exactly
/// `[−B, B]`, so a ReLU reading it costs no cell; every cell still matters, values one past
/// the bound fail, and max, min and |x| stay exact.
#[test]
fn bound_tables_prove_bounds_and_relu() {
    let tables = Layout { bound_tables: true, ..Layout::new(2, 2, 10) };
    let x = vec![-300.0, -1.0, 0.0, 300.0];
    let mut g = G::new();
    let a = g.input(&[4], 300);
    let y = g.op(QOp::Relu, vec![a], &[4], 300, false);
    let relu = g.output(y);
    let b = check_sound_with(&relu, std::slice::from_ref(&x), &tables);
    assert!(b.uses_bound_tables());
    assert_eq!(b.public_values(), ints(&[0, 0, 0, 300]));
    let plain =
        lay_out(&relu, Some(&witness(&relu, std::slice::from_ref(&x))), &Layout::new(2, 2, 10));
    assert!(b.cells() < plain.unwrap().cells());
    for v in [301, -301] {
        let mut w = witness(&relu, std::slice::from_ref(&x));
        w[0][0] = v;
        w[1][0] = v.max(0);
        let bad = lay_out(&relu, Some(&w), &tables).unwrap();
        assert!(!verify(&bad), "an input of {v} outside ±300 was accepted");
    }
    for op in [QOp::Max, QOp::Min, QOp::Abs] {
        let mut g = G::new();
        let a = g.input(&[4], 100);
        let c = g.konst(&[1], vec![-7]);
        let inputs = if op == QOp::Abs { vec![a] } else { vec![a, c] };
        let y = g.op(op, inputs, &[4], 100, false);
        let q = g.output(y);
        check_sound_with(&q, &[vec![-100.0, -7.0, -8.0, 100.0]], &tables);
    }
    let mut g = G::new();
    let a = g.input(&[3], 1000);
    let y = g.op(QOp::Rescale { shift: 5 }, vec![a], &[3], 31, true);
    let q = g.output(y);
    check_sound_with(&q, &[vec![517.0, -999.0, 16.0]], &tables);
}

/// Sign-magnitude splits prove a calibrated bound `2^c − 1` exactly: ±(2^c − 1) pass, and
/// −2^c (which a two's-complement split would admit) fails.
#[test]
fn sign_magnitude_bounds_are_exact() {
    let mut g = G::new();
    let a = g.input(&[3], 255);
    let y = g.op(QOp::Relu, vec![a], &[3], 255, false);
    let q = g.output(y);
    check_sound(&q, &[vec![-255.0, 0.0, 255.0]]);
    for v in [256, -256] {
        let mut w = witness(&q, &[vec![-255.0, 0.0, 255.0]]);
        w[0][0] = v;
        w[1][0] = v.max(0);
        let bad = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
        assert!(!verify(&bad), "an input of {v} outside ±255 was accepted");
    }
}

/// Proving synthesizes a [`OnceCircuit`] once and frees its recording: the same constraints
/// as the model circuit, and a second synthesis is refused rather than seeing an empty circuit.
#[test]
fn once_circuit_synthesizes_once() {
    let q = rescale_with(3, Visibility::Public, Visibility::Public);
    let w = witness(&q, &[vec![517.0, -999.0, 16.0]]);
    let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
    let k = k_for(&b);
    let instances = b.public_values().to_vec();
    let once = OnceCircuit::new(b.clone());
    let run = MockProver::<Fr>::run(k, &once, vec![instances.clone()]).unwrap();
    assert!(run.verify().is_ok());
    assert!(MockProver::<Fr>::run(k, &once, vec![instances.clone()]).is_err());
    let mut bad = instances;
    bad[0] += Fr::one();
    let once = OnceCircuit::new(b);
    assert!(MockProver::<Fr>::run(k, &once, vec![bad]).unwrap().verify().is_err());
}
