//! MockProver tests of what a proof makes public: the public instances per visibility,
//! Poseidon digests of hashed groups (every pinned Poseidon cell perturbed is rejected) and
//! hidden weights (no trace in the fixed columns).
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
fn visibility_picks_the_public_instances() {
    let build = |input, output| rescale_with(3, input, output);
    let x = [vec![517.0, -999.0, 16.0]];
    let (public, private) = (Visibility::Public, Visibility::Private);
    // Inputs then outputs, each group only when public.
    let both = build(public, public);
    let b = lay_out(&both, Some(&witness(&both, &x)), &Layout::new(2, 2, LIMB)).unwrap();
    assert_eq!(b.public_values(), ints(&[517, -999, 16, 16, -31, 1]));
    assert!(verify(&b));
    for i in 0..b.public_values().len() {
        let mut bad = b.clone();
        bad.public_values_mut()[i] += Fr::one();
        assert!(!verify(&bad), "a changed public value {i} was accepted");
    }
    let inputs_only = build(public, private);
    let b =
        lay_out(&inputs_only, Some(&witness(&inputs_only, &x)), &Layout::new(2, 2, LIMB)).unwrap();
    assert_eq!(b.public_values(), ints(&[517, -999, 16]));
    assert!(verify(&b));
    // Private outputs are still constrained: every perturbed witness cell fails.
    let hidden = check_sound(&inputs_only, &x);
    assert_eq!(hidden.public_values().len(), 3);
    let default = build(private, public);
    let b = lay_out(&default, Some(&witness(&default, &x)), &Layout::new(2, 2, LIMB)).unwrap();
    assert_eq!(b.public_values(), ints(&[16, -31, 1]));
}

/// Whether a Poseidon lane cell is pinned by a gate or a copy (the first row's state, the
/// unused words of partial rounds, the capacity word of continuing blocks and the words
/// after the last block are free by design).
fn hash_cell_constrained(b: &Builder, lane: usize, row: usize, word: usize) -> bool {
    use zkinfer_circuits::builder::HASH_BLOCK;
    use zkinfer_circuits::poseidon::is_full_round;
    let l = &b.hash_lanes()[lane];
    let block = row / HASH_BLOCK;
    if word < 3 {
        return row > 0;
    }
    let j = word - 3;
    if block >= l.blocks() {
        return false;
    }
    match row % HASH_BLOCK {
        // Padding blocks absorb words no copy pins.
        0 => !padding(b, lane, block) && (j < 2 || !l.cont[block]),
        r => is_full_round(r - 1) || j == 0,
    }
}

/// Whether a block only pads its lane (no copy reaches its absorb row).
fn padding(b: &Builder, lane: usize, block: usize) -> bool {
    let at = Cell { col: Col::Hash(lane, 3), row: block * zkinfer_circuits::builder::HASH_BLOCK };
    !b.copies().iter().any(|&(x, y)| x == at || y == at)
}

#[test]
fn hashed_groups_publish_their_poseidon_digests() {
    use zkinfer_circuits::poseidon::digest_ints;
    let q = rescale_with(5, Visibility::Hashed, Visibility::Hashed);
    let x = [vec![517.0, -999.0, 16.0, 3.0, -64.0]];
    let w = witness(&q, &x);
    let b = lay_out(&q, Some(&w), &Layout::new(2, 2, LIMB)).unwrap();
    let expected = [
        digest_ints(&w[q.inputs[0]].iter().map(|&v| i128::from(v)).collect::<Vec<_>>()),
        digest_ints(&w[q.outputs[0]].iter().map(|&v| i128::from(v)).collect::<Vec<_>>()),
    ];
    assert_eq!(b.public_values(), expected, "the instances are the two digests");
    assert_eq!(b.hash_lanes().len(), 1, "one Poseidon lane added on demand");
    assert!(verify(&b), "honest witness rejected");
    // Every pinned Poseidon cell, +1, fails.
    let lane = &b.hash_lanes()[0];
    let mut tried = 0;
    for row in 0..lane.s.len() {
        for word in 0..6 {
            if !hash_cell_constrained(&b, 0, row, word) {
                continue;
            }
            let mut bad = b.clone();
            if word < 3 {
                bad.hash_lanes_mut()[0].s[row][word] += Fr::one();
            } else {
                bad.hash_lanes_mut()[0].w[row][word - 3] += Fr::one();
            }
            assert!(!verify(&bad), "perturbing hash word {word} row {row} was not caught");
            tried += 1;
        }
    }
    assert!(tried > 1000, "only {tried} Poseidon cells were perturbed");
    // A failing Poseidon cell is traced to the group it hashes: the last block is the outputs'.
    let mut bad = b.clone();
    let row = lane.s.len() - 10;
    bad.hash_lanes_mut()[0].w[row][0] += Fr::one();
    let traced = traced_failures(&bad);
    let want = Some("node 'hash of the outputs' (Poseidon)".to_string());
    assert!(traced.contains(&want), "{traced:?}");
    // Each digest, changed, fails; so does the digest of another input, honestly computed.
    for i in 0..2 {
        let mut bad = b.clone();
        bad.public_values_mut()[i] += Fr::one();
        assert!(!verify(&bad), "a changed digest {i} was accepted");
    }
    let other = witness(&q, &[vec![517.0, -999.0, 16.0, 3.0, -63.0]]);
    let mut bad = lay_out(&q, Some(&other), &Layout::new(2, 2, LIMB)).unwrap();
    assert!(verify(&bad));
    bad.public_values_mut()[0] = b.public_values()[0];
    assert!(!verify(&bad), "another input's witness passed for this input's digest");
    // The input cells that feed the hash are themselves pinned.
    check_sound(&q, &x);
}

#[test]
fn hashed_groups_larger_than_a_chunk_hash_as_a_tree_over_lanes() {
    use zkinfer_circuits::poseidon::{digest_ints, CHUNK};
    let n = CHUNK + 7;
    let q = rescale_with(n, Visibility::Hashed, Visibility::Hashed);
    #[allow(clippy::cast_precision_loss)]
    let x = [(0..n).map(|i| (i as f64) - 300.0).collect::<Vec<_>>()];
    let w = witness(&q, &x);
    let layout = Layout { hash_lanes: 3, ..Layout::new(2, 2, LIMB) };
    let b = lay_out(&q, Some(&w), &layout).unwrap();
    let ints = |t: usize| w[t].iter().map(|&v| i128::from(v)).collect::<Vec<_>>();
    assert_eq!(
        b.public_values(),
        [digest_ints(&ints(q.inputs[0])), digest_ints(&ints(q.outputs[0]))]
    );
    let blocks: Vec<usize> =
        b.hash_lanes().iter().map(zkinfer_circuits::builder::HashLane::blocks).collect();
    assert!(blocks.iter().all(|&n| n == blocks[0]), "lanes padded to one length: {blocks:?}");
    assert!(verify(&b), "honest witness rejected");
    let mut bad = b.clone();
    bad.public_values_mut()[1] += Fr::one();
    assert!(!verify(&bad));
}

/// `x·W + b` with constant `W` and `b`, weights as `visibility` says.
fn affine(w: Vec<i64>, weights: WeightVisibility) -> QGraph {
    let mut g = G::new();
    let a = g.input(&[2, 3], 20);
    let wt = g.konst(&[3, 2], w);
    let y = g.op(QOp::MatMul, vec![a, wt], &[2, 2], 1000, false);
    let bias = g.konst(&[2, 2], vec![7, -3, 0, 1]);
    let z = g.op(QOp::Add { coeffs: vec![1, 1] }, vec![y, bias], &[2, 2], 2000, false);
    let mut q = g.output(z);
    q.visibility.weights = weights;
    q
}

/// The fixed columns a layout fills: constants, gate selectors and coefficients, table.
fn fixed_columns(b: &Builder) -> String {
    let lanes: Vec<_> = b.lanes().iter().map(|l| (&l.mul_add, &l.mac, &l.coef)).collect();
    format!("{:?} {lanes:?} {:?}", b.constants(), b.table())
}

#[test]
fn hidden_weights_leave_the_fixed_columns_and_hashed_ones_publish_their_digest() {
    use zkinfer_circuits::poseidon::digest_ints;
    let x = [vec![1.0, -2.0, 3.0, 4.0, 0.0, -5.0]];
    // Equal bounds (the declared bound is part of the circuit, and hidden weights are checked
    // against it).
    let (w1, w2) = (vec![1, -2, 3, 0, 5, -1], vec![2, 2, -3, 1, 0, -5]);
    for weights in [WeightVisibility::Private, WeightVisibility::Hashed] {
        // Every cell, the weights' included, is pinned.
        let b = check_sound(&affine(w1.clone(), weights), &x);
        // Other weights, same fixed columns: the verifying key does not depend on them.
        let layout = Layout::new(2, 2, LIMB);
        let keygen = |w: &Vec<i64>| lay_out(&affine(w.clone(), weights), None, &layout).unwrap();
        assert_eq!(fixed_columns(&keygen(&w1)), fixed_columns(&keygen(&w2)), "{weights}");
        let hashed = weights == WeightVisibility::Hashed;
        assert_eq!(b.public_values().len(), 4 + usize::from(hashed));
        if hashed {
            let all: Vec<i128> = w1.iter().chain(&[7, -3, 0, 1]).map(|&v| i128::from(v)).collect();
            assert_eq!(b.public_values()[4], digest_ints(&all), "weights digest, in tensor order");
            let mut bad = b.clone();
            bad.public_values_mut()[4] += Fr::one();
            assert!(!verify(&bad), "another weights digest was accepted");
        }
    }
    // Fixed weights are in the fixed columns (the comparison above can fail).
    let layout = Layout::new(2, 2, LIMB);
    let fixed = |w: &Vec<i64>| {
        fixed_columns(&lay_out(&affine(w.clone(), WeightVisibility::Fixed), None, &layout).unwrap())
    };
    assert_ne!(fixed(&w1), fixed(&w2));
}

#[test]
fn hidden_weights_refuse_gather_tables() {
    let mut g = G::new();
    let data = g.konst(&[4, 3], (0..12).collect());
    let idx = g.input(&[1, 2], 3);
    let y = g.op(QOp::Gather { axis: 0 }, vec![data, idx], &[1, 2, 3], 50, false);
    let mut q = g.output(y);
    q.visibility.weights = WeightVisibility::Hashed;
    let err = lay_out(&q, None, &Layout::new(2, 2, LIMB)).unwrap_err().to_string();
    assert!(err.contains("--weights-visibility fixed") && err.contains("Node"), "{err}");
}

#[test]
fn private_weights_are_range_checked_at_their_declared_bound() {
    let x = [vec![1.0, -2.0, 3.0, 4.0, 0.0, -5.0]];
    // A weight of 6 under a declared bound of 5, with an otherwise consistent witness (the
    // evaluator computes with the 6): only the weights' own range check can object.
    let mut q = affine(vec![1, -2, 3, 0, 6, -1], WeightVisibility::Private);
    let wt = q.tensors.iter().position(|t| t.value.as_deref() == Some(&[1, -2, 3, 0, 6, -1][..]));
    q.tensors[wt.unwrap()].bound = 5;
    let b = lay_out(&q, Some(&witness(&q, &x)), &Layout::new(2, 2, LIMB)).unwrap();
    let failing = traced_failures(&b);
    assert!(
        failing.iter().all(|n| n.as_deref().is_some_and(|n| n.contains("'weights'"))),
        "{failing:?}"
    );
    q.tensors[wt.unwrap()].bound = 6;
    assert!(verify(&lay_out(&q, Some(&witness(&q, &x)), &Layout::new(2, 2, LIMB)).unwrap()));
    // The same check, `B + w` and `B − w` in `[0, 2^c)`, refuses a field element such as 2^-1
    // (far above 2^c on both sides).
}

#[test]
fn a_graph_output_folded_to_a_constant_is_laid_out_and_pinned() {
    // Outputs: a computed tensor, and a constant the importer folded (no node produces it).
    let mut g = G::new();
    let a = g.input(&[3], 1000);
    let y = g.op(QOp::Rescale { shift: 5 }, vec![a], &[3], 32, false);
    let c = g.konst(&[2], vec![7, -3]);
    let mut q = g.output(y);
    q.outputs.push(c);
    let x = [vec![517.0, -999.0, 16.0]];
    for output in [Visibility::Public, Visibility::Hashed, Visibility::Packed] {
        q.visibility = Visibilities { output, ..Default::default() };
        let b = lay_out(&q, Some(&witness(&q, &x)), &Layout::new(2, 2, LIMB)).unwrap();
        assert!(verify(&b), "{output}: honest witness rejected");
        if output == Visibility::Public {
            assert_eq!(b.public_values(), ints(&[16, -31, 1, 7, -3]));
        }
        for i in 0..b.public_values().len() {
            let mut bad = b.clone();
            bad.public_values_mut()[i] += Fr::one();
            assert!(!verify(&bad), "{output}: a changed instance {i} was accepted");
        }
    }
}
